//! Cutting an input into records: JSON Lines in bounded blocks of whole
//! lines (parsed in parallel), or a whole document read up to the record
//! size limit.

use std::borrow::Cow;
use std::io::{self, BufRead, Read};

/// Bytes read per block of JSON Lines; blocks are parsed in parallel and
/// dropped, so memory stays near this times the worker count.
pub const BLOCK_BYTES: usize = 8 << 20;

/// Room over `BLOCK_BYTES` in a block's buffer: a block is cut after the
/// read that takes it past `BLOCK_BYTES`, and reads are at most the input
/// buffer's size (64 KiB).
const READ_SLACK: usize = 1 << 16;

/// A run of complete lines read from a JSON Lines input.
pub struct LineBlock {
    pub bytes: Vec<u8>,
    /// Line number (1-based) of the first line in `bytes`.
    pub first_line: u32,
}

impl LineBlock {
    /// The block's non-blank lines with their line numbers. Newlines are
    /// found with memchr: splitting byte by byte took two thirds of the
    /// time of reading a file into blocks, on the thread that every other
    /// waits for.
    pub fn lines(&self) -> Vec<(u32, &[u8])> {
        let bytes = &self.bytes[..];
        let ends = memchr::memchr_iter(b'\n', bytes).chain(std::iter::once(bytes.len()));
        let mut start = 0;
        ends.enumerate()
            .map(|(i, end)| {
                let line = &bytes[start..end];
                start = end + 1;
                (self.first_line + i as u32, trim_line(line))
            })
            .filter(|(_, line)| !line.is_empty())
            .collect()
    }
}

fn trim_line(line: &[u8]) -> &[u8] {
    let start = line
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(line.len());
    let end = line
        .iter()
        .rposition(|b| !b.is_ascii_whitespace())
        .map_or(start, |i| i + 1);
    &line[start..end]
}

/// What reading a JSON Lines input produced besides blocks: lines over the
/// record size limit, which were not kept.
#[derive(Debug)]
pub struct OversizedLine {
    pub line: u32,
    pub bytes: u64,
}

/// Cuts a JSON Lines stream into blocks of whole lines. A line that grows
/// past `max_record_bytes` before its newline is not buffered: it is passed
/// over and reported. (Shorter lines over the limit arrive inside a block;
/// the caller checks each line's length.)
pub struct LineBlocks<R> {
    reader: R,
    pending: Vec<u8>,
    /// End of the last complete line in `pending` (0: none).
    complete_end: usize,
    /// How much of `pending` has been searched for newlines, so a long line
    /// arriving in small reads is scanned once, not once per read.
    scanned: usize,
    next_line: u32,
    max_record_bytes: usize,
    skipping: Option<OversizedLine>,
    done: bool,
    /// A read that failed (a cut gzip stream): the complete lines before it
    /// are still handed out, then the error.
    failed: Option<io::Error>,
}

pub enum BlockItem {
    Block(LineBlock),
    Oversized(OversizedLine),
}

impl<R: BufRead> LineBlocks<R> {
    pub fn new(reader: R, prefix: Vec<u8>, max_record_bytes: usize) -> Self {
        let mut blocks = LineBlocks {
            reader,
            pending: prefix,
            complete_end: 0,
            scanned: 0,
            next_line: 1,
            max_record_bytes,
            skipping: None,
            done: false,
            failed: None,
        };
        blocks.scan();
        blocks
    }

    pub fn next_item(&mut self) -> io::Result<Option<BlockItem>> {
        loop {
            if let Some(item) = self.take_ready() {
                return Ok(Some(item));
            }
            if self.done {
                if self.pending.is_empty() {
                    if let Some(skip) = self.skipping.take() {
                        return Ok(Some(BlockItem::Oversized(skip)));
                    }
                    return match self.failed.take() {
                        Some(error) => Err(error),
                        None => Ok(None),
                    };
                }
                let bytes = std::mem::take(&mut self.pending);
                self.complete_end = 0;
                self.scanned = 0;
                let block = LineBlock {
                    bytes,
                    first_line: self.next_line,
                };
                return Ok(Some(BlockItem::Block(block)));
            }
            self.fill()?;
        }
    }

    /// Searches the bytes not yet searched for the last newline.
    fn scan(&mut self) {
        if let Some(nl) = memchr::memrchr(b'\n', &self.pending[self.scanned..]) {
            self.complete_end = self.scanned + nl + 1;
        }
        self.scanned = self.pending.len();
    }

    /// A block or an oversized-line report, if enough is buffered.
    fn take_ready(&mut self) -> Option<BlockItem> {
        if let Some(skip) = &mut self.skipping {
            // While skipping, `pending` holds only bytes read since the
            // oversized line began to be dropped.
            match memchr::memchr(b'\n', &self.pending) {
                Some(nl) => {
                    skip.bytes += nl as u64;
                    self.pending.drain(..=nl);
                    self.next_line += 1;
                    self.complete_end = 0;
                    self.scanned = 0;
                    self.scan();
                    return self.skipping.take().map(BlockItem::Oversized);
                }
                None => {
                    skip.bytes += self.pending.len() as u64;
                    self.pending.clear();
                    self.scanned = 0;
                    return None;
                }
            }
        }
        let partial_too_long = self.pending.len() - self.complete_end > self.max_record_bytes;
        if self.complete_end > 0
            && (self.pending.len() >= BLOCK_BYTES || self.done || partial_too_long)
        {
            // The next block's buffer is made as large as a block will be,
            // so it is filled without reallocating (growing by doubling
            // copied each block about twice over).
            let mut rest = Vec::with_capacity(BLOCK_BYTES + READ_SLACK);
            rest.extend_from_slice(&self.pending[self.complete_end..]);
            self.pending.truncate(self.complete_end);
            let bytes = std::mem::replace(&mut self.pending, rest);
            self.complete_end = 0;
            self.scanned = self.pending.len();
            let lines = memchr::memchr_iter(b'\n', &bytes).count() as u32;
            let block = LineBlock {
                bytes,
                first_line: self.next_line,
            };
            self.next_line += lines;
            return Some(BlockItem::Block(block));
        }
        if partial_too_long {
            self.skipping = Some(OversizedLine {
                line: self.next_line,
                bytes: self.pending.len() as u64,
            });
            self.pending.clear();
            self.scanned = 0;
        }
        None
    }

    fn fill(&mut self) -> io::Result<()> {
        let available = match self.reader.fill_buf() {
            Ok(available) => available,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => return Ok(()),
            Err(error) => {
                // What came before the failure is read; the error follows.
                self.failed = Some(error);
                self.done = true;
                return Ok(());
            }
        };
        if available.is_empty() {
            self.done = true;
            return Ok(());
        }
        let n = available.len();
        self.pending.extend_from_slice(available);
        self.reader.consume(n);
        if self.skipping.is_none() {
            self.scan();
        }
        Ok(())
    }
}

/// Reads up to `limit` bytes; `Ok(None)` when the input is longer.
pub fn read_bounded(
    reader: &mut dyn BufRead,
    prefix: Vec<u8>,
    limit: usize,
) -> io::Result<Option<Vec<u8>>> {
    let mut bytes = prefix;
    let budget = (limit + 1).saturating_sub(bytes.len()) as u64;
    reader.take(budget).read_to_end(&mut bytes)?;
    Ok((bytes.len() <= limit).then_some(bytes))
}

/// Reads the input's first line (up to `limit` bytes), to decide between
/// JSON Lines and a document.
pub fn read_first_line(reader: &mut dyn BufRead, limit: usize) -> io::Result<Vec<u8>> {
    let mut line = Vec::new();
    reader.take(limit as u64).read_until(b'\n', &mut line)?;
    Ok(line)
}

/// Whether `bytes` end a line with a lone CR (classic Mac files, some
/// Windows tools): then LF alone cannot cut them into lines.
pub fn has_lone_cr(bytes: &[u8]) -> bool {
    memchr::memchr_iter(b'\r', bytes).any(|i| bytes.get(i + 1) != Some(&b'\n'))
}

/// Text with every line ended by LF, whatever the file used (CRLF, CR), and
/// no spaces or tabs at the end of a line: how text logs are read, so that
/// a file saved on Windows or with stray trailing blanks gives the same
/// records and texts as a clean one. Lines keep their numbers.
pub fn normalized_lines(bytes: &[u8]) -> Cow<'_, [u8]> {
    let trailing_blank = |at: usize| at > 0 && matches!(bytes[at - 1], b' ' | b'\t');
    let clean = memchr::memchr(b'\r', bytes).is_none()
        && !memchr::memchr_iter(b'\n', bytes).any(trailing_blank)
        && !trailing_blank(bytes.len());
    if clean {
        return Cow::Borrowed(bytes);
    }
    let mut out = Vec::with_capacity(bytes.len());
    let end_line = |out: &mut Vec<u8>| {
        while matches!(out.last(), Some(b' ' | b'\t')) {
            out.pop();
        }
    };
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\r' | b'\n' => {
                end_line(&mut out);
                out.push(b'\n');
                if bytes[i] == b'\r' && bytes.get(i + 1) == Some(&b'\n') {
                    i += 1;
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    end_line(&mut out);
    Cow::Owned(out)
}

/// The 1-based line numbers of byte offsets of one text, for offsets that
/// mostly increase (the values of a document, the spans of a record): each
/// call counts only the newlines since the last offset, so a text's offsets
/// cost one pass, not one pass each (counting from the start for each of
/// 200,000 spans on one line took minutes).
pub struct LineCounter<'a> {
    bytes: &'a [u8],
    offset: usize,
    line: u32,
}

impl<'a> LineCounter<'a> {
    pub fn new(bytes: &'a [u8]) -> LineCounter<'a> {
        LineCounter {
            bytes,
            offset: 0,
            line: 1,
        }
    }

    /// The 1-based line of the byte at `offset`.
    pub fn line_at(&mut self, offset: usize) -> u32 {
        let offset = offset.min(self.bytes.len());
        if offset < self.offset {
            // Back: count again from the start.
            self.offset = 0;
            self.line = 1;
        }
        self.line += memchr::memchr_iter(b'\n', &self.bytes[self.offset..offset]).count() as u32;
        self.offset = offset;
        self.line
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::BufReader;

    /// (line number, text) of each line read, and (line, bytes) of each
    /// line passed over as oversized.
    type Collected = (Vec<(u32, String)>, Vec<(u32, u64)>);

    fn collect(text: &str, max: usize) -> Collected {
        // A small buffer makes the reader hand over a few bytes at a time,
        // as a pipe or a decompressor does.
        let reader = BufReader::with_capacity(16, io::Cursor::new(text.as_bytes().to_vec()));
        let mut blocks = LineBlocks::new(reader, Vec::new(), max);
        let (mut lines, mut oversized) = (Vec::new(), Vec::new());
        while let Some(item) = blocks.next_item().unwrap() {
            match item {
                BlockItem::Block(b) => lines.extend(
                    b.lines()
                        .into_iter()
                        .map(|(n, l)| (n, String::from_utf8_lossy(l).into_owned())),
                ),
                BlockItem::Oversized(o) => oversized.push((o.line, o.bytes)),
            }
        }
        (lines, oversized)
    }

    #[test]
    fn lines_keep_their_numbers_across_blank_lines() {
        let (lines, oversized) = collect("a\n\n  b  \nc", 100);
        assert_eq!(
            lines,
            vec![(1, "a".into()), (3, "b".into()), (4, "c".into())]
        );
        assert!(oversized.is_empty());
    }

    #[test]
    fn carriage_returns_and_a_final_newline_make_no_lines() {
        let (lines, _) = collect("a\r\n\r\n b\r\n\n", 100);
        assert_eq!(lines, vec![(1, "a".into()), (3, "b".into())]);
    }

    #[test]
    fn oversized_lines_are_reported_not_buffered() {
        let long = "x".repeat(300);
        let (lines, oversized) = collect(&format!("a\n{long}\nb\n"), 100);
        assert_eq!(lines, vec![(1, "a".into()), (3, "b".into())]);
        assert_eq!(oversized.len(), 1);
        assert_eq!(oversized[0].0, 2);
        assert!(oversized[0].1 >= 300);
    }

    #[test]
    fn offsets_map_to_lines() {
        let mut lines = LineCounter::new(b"a\nb\nc");
        let at: Vec<u32> = [0, 2, 4, 1, 5, 99]
            .iter()
            .map(|&o| lines.line_at(o))
            .collect();
        assert_eq!(at, [1, 2, 3, 1, 3, 3]);
    }

    #[test]
    fn text_lines_end_with_lf_and_no_trailing_blanks() {
        let clean = b"a\nb c\n";
        assert!(matches!(normalized_lines(clean), Cow::Borrowed(_)));
        for written in [
            &b"a\r\nb c\r\n"[..],
            b"a\rb c\r",
            b"a  \nb c\t\n",
            b"a\r\nb c \r\n",
        ] {
            assert_eq!(normalized_lines(written).as_ref(), clean, "{written:?}");
        }
        assert_eq!(normalized_lines(b"a\n  ").as_ref(), b"a\n");
        assert!(has_lone_cr(b"a\rb"));
        assert!(!has_lone_cr(b"a\r\nb"));
    }
}
