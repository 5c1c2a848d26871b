//! `watch --follow FILE`: a growing export read as it grows, like `tail
//! -F`: the OpenTelemetry Collector's file exporter with `format: json`
//! (one `ExportTraceServiceRequest` as OTLP/JSON per line), or any OTLP/JSON
//! Lines file an SDK appends to. Each complete line goes to the guard,
//! named by the file and its line number; a line still being written waits
//! for its newline. A file replaced (rotation: another inode), truncated
//! (shorter than what was read) or rewritten (its first bytes differ from
//! those read, even when it grew past them between two polls) is read
//! again from its start.

use anyhow::{Context, Result};
use std::io::{Read, Seek, SeekFrom};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

/// Bytes of the file's start kept to notice it was rewritten.
const HEAD_BYTES: usize = 256;

use super::guard::Guard;

pub struct Follower {
    path: PathBuf,
    name: String,
    /// Bytes of the file consumed (complete lines and `partial`).
    offset: u64,
    /// Lines handed to the guard.
    lines: u32,
    /// The start of a line whose newline has not come yet.
    partial: Vec<u8>,
    /// The file read: its device and inode.
    identity: Option<(u64, u64)>,
    /// The file's first bytes as read (up to `HEAD_BYTES`).
    head: Vec<u8>,
}

impl Follower {
    pub fn new(path: &Path) -> Follower {
        Follower {
            path: path.to_path_buf(),
            name: path.display().to_string(),
            offset: 0,
            lines: 0,
            partial: Vec::new(),
            identity: None,
            head: Vec::new(),
        }
    }

    /// Whether the open file is not the one read so far.
    fn replaced(
        &self,
        file: &mut std::fs::File,
        length: u64,
        identity: (u64, u64),
    ) -> Result<bool> {
        if self.offset == 0 {
            return Ok(false);
        }
        if self.identity != Some(identity) || length < self.offset {
            return Ok(true);
        }
        let mut head = vec![0; self.head.len()];
        file.seek(SeekFrom::Start(0))?;
        file.read_exact(&mut head)?;
        Ok(head != self.head)
    }

    /// Reads what was appended since the last call and hands its complete
    /// lines to `guard`. Whether anything was read. A file that does not
    /// exist (yet, or between rotations) reads as nothing.
    pub fn poll(&mut self, guard: &Guard) -> Result<bool> {
        let mut file = match std::fs::File::open(&self.path) {
            Ok(file) => file,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(false),
            Err(error) => {
                return Err(error).with_context(|| format!("cannot read {}", self.name));
            }
        };
        let metadata = file.metadata()?;
        let (length, identity) = (metadata.len(), (metadata.dev(), metadata.ino()));
        if self.replaced(&mut file, length, identity)? {
            eprintln!(
                "tracelint: {} was truncated or replaced; reading it again from its start",
                self.name
            );
            self.offset = 0;
            self.lines = 0;
            self.partial.clear();
            self.head.clear();
        }
        self.identity = Some(identity);
        if length == self.offset {
            return Ok(false);
        }
        file.seek(SeekFrom::Start(self.offset))?;
        let mut appended = Vec::new();
        file.take(length - self.offset)
            .read_to_end(&mut appended)
            .with_context(|| format!("cannot read {}", self.name))?;
        if self.head.len() < HEAD_BYTES {
            let wanted = (HEAD_BYTES - self.head.len()).min(appended.len());
            self.head.extend_from_slice(&appended[..wanted]);
        }
        self.offset += appended.len() as u64;
        self.partial.extend_from_slice(&appended);
        let Some(last_newline) = self.partial.iter().rposition(|&b| b == b'\n') else {
            return Ok(true);
        };
        let rest = self.partial.split_off(last_newline + 1);
        let complete = std::mem::replace(&mut self.partial, rest);
        // `complete` ends with its last newline: every piece is a line.
        for line in complete[..complete.len() - 1].split(|&b| b == b'\n') {
            self.lines += 1;
            if !line.iter().all(u8::is_ascii_whitespace) {
                guard.receive(line, &self.name, Some(self.lines))?;
            }
        }
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::live::LiveLimits;
    use crate::serve::guard::GuardConfig;
    use std::sync::Arc;
    use std::time::{Duration, Instant};

    fn guard() -> Arc<Guard> {
        Guard::new(GuardConfig::new(LiveLimits {
            max_traces: 10,
            max_spans_per_trace: 100,
            idle: Duration::from_secs(60),
        }))
        .unwrap()
    }

    /// `count` lines of one span each of trace `trace` (a hex digit
    /// repeated).
    fn lines(trace: char, count: usize) -> String {
        (0..count)
            .map(|i| {
                format!(
                    "{{\"resourceSpans\":[{{\"scopeSpans\":[{{\"spans\":[{{\"traceId\":\"{}\",\"spanId\":\"{:016x}\",\"name\":\"step\",\"startTimeUnixNano\":\"{}\"}}]}}]}}]}}\n",
                    trace.to_string().repeat(32),
                    i + 1,
                    1_700_000_000_000_000_000u64 + i as u64
                )
            })
            .collect()
    }

    fn spans(guard: &Guard, trace: char) -> u64 {
        guard.evaluate(Instant::now()).unwrap();
        guard
            .verdict(&trace.to_string().repeat(32))
            .map_or(0, |v| v.spans)
    }

    #[test]
    fn lines_are_read_as_they_complete_and_a_rewritten_file_from_its_start() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("export.jsonl");
        let guard = guard();
        let mut follower = Follower::new(&path);
        assert!(!follower.poll(&guard).unwrap(), "no file yet");
        let two = lines('a', 2);
        // A line without its newline waits.
        std::fs::write(&path, &two[..two.len() - 1]).unwrap();
        follower.poll(&guard).unwrap();
        assert_eq!(spans(&guard, 'a'), 1);
        std::fs::write(&path, &two).unwrap();
        follower.poll(&guard).unwrap();
        assert_eq!(spans(&guard, 'a'), 2);
        // Truncated and rewritten longer between two polls: the size alone
        // would not tell.
        std::fs::write(&path, lines('b', 5)).unwrap();
        follower.poll(&guard).unwrap();
        assert_eq!(spans(&guard, 'b'), 5);
        assert_eq!(follower.lines, 5);
    }
}
