//! Where records come from: paths expanded into input files (directories
//! recursively, globs, `-` for stdin), opened through gzip or zstd when their
//! first bytes say so, and decoded to UTF-8 when they start with a byte-order
//! mark. `framing` cuts what they hold into records.
//!
//! A path the user named that does not exist is an error. Anything else that
//! cannot be read (permission denied, a symbolic link loop, a folder that
//! cannot be listed, a FIFO or device met while walking a folder) is an
//! input of its own that reads as one skipped record with the real reason,
//! and the run goes on.

use anyhow::{bail, Context, Result};
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

/// Extensions picked up when a directory is walked; files named explicitly
/// are read whatever their name. `pb` / `binpb` are OTLP protobuf.
const TRACE_EXTENSIONS: [&str; 11] = [
    "json", "jsonl", "ndjson", "log", "txt", "pb", "binpb", "parquet", "csv", "tsv", "db",
];
const BINARY_EXTENSIONS: [&str; 2] = ["pb", "binpb"];
const COMPRESSED_EXTENSIONS: [&str; 2] = ["gz", "zst"];

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Input {
    Stdin,
    Path(PathBuf),
    /// A path that cannot be read: it is reported as a skipped record with
    /// `reason` (`unreadable_file`, `special_file`) and `detail` (the
    /// system's own error).
    Unreadable {
        path: PathBuf,
        reason: &'static str,
        detail: String,
    },
}

impl Input {
    pub fn display_name(&self) -> String {
        match self {
            Input::Stdin => "<stdin>".to_string(),
            Input::Path(p) | Input::Unreadable { path: p, .. } => p.display().to_string(),
        }
    }

    fn unreadable(path: &Path, error: &io::Error) -> Input {
        Input::Unreadable {
            path: path.to_path_buf(),
            reason: "unreadable_file",
            detail: error.to_string(),
        }
    }
}

/// Expands the command-line paths. A path that names nothing is an error
/// (the user asked for it); a directory contributes its trace-like files in
/// sorted order, so runs are reproducible.
pub fn expand_inputs(paths: &[String]) -> Result<Vec<Input>> {
    let mut inputs = Vec::new();
    for raw in paths {
        if raw == "-" {
            inputs.push(Input::Stdin);
            continue;
        }
        let path = Path::new(raw);
        match std::fs::metadata(path) {
            Ok(meta) if meta.is_dir() => {
                let mut found = Vec::new();
                walk_dir(path, &mut found);
                found.sort_by_key(Input::display_name);
                inputs.extend(found);
            }
            // Given by name, a FIFO or device is read once, like stdin.
            Ok(_) => inputs.push(Input::Path(path.to_path_buf())),
            Err(e) if e.kind() == io::ErrorKind::NotFound && raw.contains(['*', '?', '[']) => {
                inputs.extend(expand_glob(raw)?);
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                bail!("{raw}: no such file or directory")
            }
            // Permission denied, a symbolic link loop, ...: the real reason.
            Err(e) => inputs.push(Input::unreadable(path, &e)),
        }
    }
    Ok(inputs)
}

/// The files a glob matches, and the folders on its way it could not read.
/// The folder before the first glob character is walked, as deep as the
/// pattern reaches (without end for `**`), never through a symbolic link to
/// a folder: a link loop under `**` would otherwise never end.
fn expand_glob(pattern: &str) -> Result<Vec<Input>> {
    let matcher = globset::GlobBuilder::new(pattern)
        .literal_separator(true)
        .build()
        .with_context(|| format!("bad glob pattern {pattern}"))?
        .compile_matcher();
    let is_glob = |part: &str| part.contains(['*', '?', '[', '{']);
    let mut base = PathBuf::new();
    let mut rest = Vec::new();
    for part in Path::new(pattern).components() {
        let text = part.as_os_str().to_string_lossy();
        if rest.is_empty() && !is_glob(&text) {
            base.push(part);
        } else {
            rest.push(text.into_owned());
        }
    }
    let depth = if rest.iter().any(|p| p.contains("**")) {
        usize::MAX
    } else {
        rest.len()
    };
    let mut inputs = Vec::new();
    walk_matching(&base, depth, &matcher, &mut inputs);
    if inputs.is_empty() {
        bail!("no file matches {pattern}");
    }
    inputs.sort_by_key(Input::display_name);
    Ok(inputs)
}

/// Files under `dir` (at most `depth` levels down) that `matcher` matches,
/// as `walk_dir` finds them: links to folders not followed, what cannot be
/// read or is not a regular file reported.
fn walk_matching(dir: &Path, depth: usize, matcher: &globset::GlobMatcher, found: &mut Vec<Input>) {
    if depth == 0 {
        return;
    }
    let listed = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    let entries = match std::fs::read_dir(listed) {
        Ok(entries) => entries,
        // A folder the pattern names that is not there holds no match.
        Err(e) if e.kind() == io::ErrorKind::NotFound => return,
        Err(e) => return found.push(Input::unreadable(listed, &e)),
    };
    for entry in entries {
        let Ok(entry) = entry else {
            continue;
        };
        let path = dir.join(entry.file_name());
        let is_link = entry.file_type().is_ok_and(|t| t.is_symlink());
        match std::fs::metadata(&path) {
            Ok(meta) if meta.is_dir() => {
                if !is_link {
                    walk_matching(&path, depth - 1, matcher, found);
                }
            }
            _ if !matcher.is_match(&path) => {}
            Ok(meta) if meta.is_file() => found.push(Input::Path(path)),
            Ok(meta) => found.push(special_file(&path, &meta)),
            Err(e) => found.push(Input::unreadable(&path, &e)),
        }
    }
}

/// How many bytes of text the inputs hold, as far as can be told before
/// reading them: file sizes, compressed files counted at `COMPRESSION_RATIO`
/// times theirs (JSON traces typically compress 5 to 10 times), and every
/// input at least `MIN_INPUT_BYTES`, so that a folder of many small files
/// counts for what it costs in memory, not only its bytes. `None` when an
/// input is a stream (stdin, a pipe), whose size is unknown and which must
/// not be opened before it is read.
pub fn estimated_text_bytes(inputs: &[Input]) -> Option<u64> {
    /// What a compressed input is assumed to expand to.
    const COMPRESSION_RATIO: u64 = 6;
    /// An input's least weight: its name, its tally and at least one event
    /// (about 2 KB in memory, benches/README.md "Many small files"), which
    /// a one-span file of 350 bytes does not account for.
    const MIN_INPUT_BYTES: u64 = 1 << 10;
    let mut total = 0u64;
    for input in inputs {
        let path = match input {
            // A stream may be consumed by looking at it: it is opened
            // once, by the reader, and its size is unknown.
            Input::Stdin => return None,
            Input::Path(path) => path,
            Input::Unreadable { .. } => continue,
        };
        let size = match std::fs::metadata(path) {
            Ok(meta) if meta.is_file() => meta.len(),
            // A pipe or FIFO named on the command line.
            _ => return None,
        };
        let mut magic = [0u8; 4];
        let compressed = File::open(path)
            .and_then(|mut f| f.read_exact(&mut magic))
            .is_ok()
            && (magic.starts_with(&[0x1f, 0x8b]) || magic == [0x28, 0xb5, 0x2f, 0xfd]);
        let text = if compressed {
            size * COMPRESSION_RATIO
        } else {
            size
        };
        total += text.max(MIN_INPUT_BYTES);
    }
    Some(total)
}

/// The trace-like files under `dir`. What cannot be listed or is not a
/// regular file is kept as an `Input::Unreadable`, so it is reported.
fn walk_dir(dir: &Path, found: &mut Vec<Input>) {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) => return found.push(Input::unreadable(dir, &e)),
    };
    for entry in entries {
        let entry = match entry {
            Ok(entry) => entry,
            Err(e) => {
                found.push(Input::unreadable(dir, &e));
                continue;
            }
        };
        let path = entry.path();
        if entry.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        // Symbolic links are followed, as when the file is opened.
        match std::fs::metadata(&path) {
            Ok(meta) if meta.is_dir() => {
                if !entry.file_type().is_ok_and(|t| t.is_symlink()) {
                    walk_dir(&path, found);
                }
            }
            _ if !looks_like_trace_file(&path) => {}
            Ok(meta) if meta.is_file() && is_tracelint_parquet(&path) => {}
            Ok(meta) if meta.is_file() => found.push(Input::Path(path)),
            Ok(meta) => found.push(special_file(&path, &meta)),
            Err(e) => found.push(Input::unreadable(&path, &e)),
        }
    }
}

/// A FIFO, socket or device met while walking a folder or matching a glob:
/// not read (a FIFO would block the run; ripgrep skips them too), reported.
fn special_file(path: &Path, meta: &std::fs::Metadata) -> Input {
    Input::Unreadable {
        path: path.to_path_buf(),
        reason: "special_file",
        detail: format!(
            "a {} is not read when found in a folder or by a glob; name it to read it once",
            file_kind(meta)
        ),
    }
}

#[cfg(unix)]
fn file_kind(meta: &std::fs::Metadata) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    let kind = meta.file_type();
    if kind.is_fifo() {
        "FIFO"
    } else if kind.is_socket() {
        "socket"
    } else if kind.is_block_device() || kind.is_char_device() {
        "device"
    } else {
        "special file"
    }
}

#[cfg(not(unix))]
fn file_kind(_meta: &std::fs::Metadata) -> &'static str {
    "special file"
}

/// Whether an input's name says it is binary (`.pb`, `.binpb`, also
/// compressed): its bytes are then read as messages, never as text.
pub fn named_binary(name: &str) -> bool {
    BINARY_EXTENSIONS.contains(&content_extension(Path::new(name)).as_str())
}

/// A file name's extension, lower case, under a compression's (`.csv` of
/// `spans.CSV.gz`): what the name says the content is.
pub fn content_extension(path: &Path) -> String {
    let ext = |p: &Path| {
        p.extension()
            .map(|e| e.to_string_lossy().to_ascii_lowercase())
            .unwrap_or_default()
    };
    let outer = ext(path);
    if COMPRESSED_EXTENSIONS.contains(&outer.as_str()) {
        ext(&path.with_extension(""))
    } else {
        outer
    }
}

/// Whether a regular file named `.parquet` is one tracelint wrote (a store
/// or its labels, whose footers carry `tracelint.checksum`; a report table,
/// `tracelint.table`): a folder search passes over tracelint's own files,
/// which are not trace exports.
fn is_tracelint_parquet(path: &Path) -> bool {
    use std::io::{Seek, SeekFrom};
    const FOOTER_BYTES: u64 = 64 << 10;
    if !path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("parquet"))
    {
        return false;
    }
    let Ok(mut file) = File::open(path) else {
        return false;
    };
    let Ok(len) = file.seek(SeekFrom::End(0)) else {
        return false;
    };
    let mut tail = Vec::new();
    let read = file
        .seek(SeekFrom::Start(len.saturating_sub(FOOTER_BYTES)))
        .and_then(|_| file.read_to_end(&mut tail));
    read.is_ok()
        && tail.ends_with(b"PAR1")
        && (memchr::memmem::find(&tail, b"tracelint.checksum").is_some()
            || memchr::memmem::find(&tail, b"tracelint.table").is_some())
}

fn looks_like_trace_file(path: &Path) -> bool {
    TRACE_EXTENSIONS.contains(&content_extension(path).as_str())
}

/// Opens an input, decompressing gzip or zstd recognized by magic bytes
/// (extensions lie; stdin has none), and decoding UTF-16 or dropping a
/// UTF-8 byte-order mark (what PowerShell and Notepad write), so that every
/// reader after this sees UTF-8 without a BOM.
pub fn open(input: &Input) -> Result<Box<dyn BufRead + Send>> {
    let raw: Box<dyn Read + Send> = match input {
        Input::Stdin => Box::new(io::stdin()),
        Input::Path(p) => {
            Box::new(File::open(p).with_context(|| format!("cannot open {}", p.display()))?)
        }
        Input::Unreadable { detail, .. } => bail!("{detail}"),
    };
    let mut reader = BufReader::with_capacity(1 << 16, raw);
    let magic = reader.fill_buf()?;
    let decoded: Box<dyn BufRead + Send> = if magic.starts_with(&[0x1f, 0x8b]) {
        Box::new(BufReader::with_capacity(
            1 << 16,
            flate2::bufread::MultiGzDecoder::new(reader),
        ))
    } else if magic.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        Box::new(BufReader::with_capacity(
            1 << 16,
            zstd::stream::read::Decoder::with_buffer(reader)?,
        ))
    } else {
        Box::new(reader)
    };
    without_byte_order_mark(decoded)
}

/// The text as UTF-8 without a byte-order mark: a UTF-8 BOM is dropped, a
/// UTF-16 one (either order) decodes the rest.
fn without_byte_order_mark(mut reader: Box<dyn BufRead + Send>) -> Result<Box<dyn BufRead + Send>> {
    let head = reader.fill_buf()?;
    if head.starts_with(&[0xef, 0xbb, 0xbf]) {
        reader.consume(3);
        return Ok(reader);
    }
    if head.starts_with(&[0xff, 0xfe]) || head.starts_with(&[0xfe, 0xff]) {
        let decoder = encoding_rs_io::DecodeReaderBytesBuilder::new()
            .bom_sniffing(true)
            .strip_bom(true)
            .build(reader);
        return Ok(Box::new(BufReader::with_capacity(1 << 16, decoder)));
    }
    Ok(reader)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_all(bytes: Vec<u8>) -> String {
        let mut out = String::new();
        without_byte_order_mark(Box::new(io::Cursor::new(bytes)))
            .unwrap()
            .read_to_string(&mut out)
            .unwrap();
        out
    }

    #[test]
    fn byte_order_marks_are_dropped_and_utf16_decoded() {
        assert_eq!(read_all(b"\xef\xbb\xbf{\"a\": 1}".to_vec()), "{\"a\": 1}");
        let utf16le: Vec<u8> = [0xff, 0xfe]
            .into_iter()
            .chain("{\"é\": 1}".encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        assert_eq!(read_all(utf16le), "{\"é\": 1}");
        let utf16be: Vec<u8> = [0xfe, 0xff]
            .into_iter()
            .chain("[1]".encode_utf16().flat_map(u16::to_be_bytes))
            .collect();
        assert_eq!(read_all(utf16be), "[1]");
        assert_eq!(read_all(b"plain".to_vec()), "plain");
    }
}
