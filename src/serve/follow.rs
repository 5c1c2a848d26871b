//! `watch --follow FILE`: a growing export read as it grows, like `tail
//! -F`: the OpenTelemetry Collector's file exporter with `format: json`
//! (one `ExportTraceServiceRequest` as OTLP/JSON per line), or any OTLP/JSON
//! Lines file an SDK appends to. Each complete line goes to the guard,
//! named by the file and its line number; a line still being written waits
//! for its newline. A file that shrinks (truncated or replaced by
//! rotation) is read again from its start.

use anyhow::{Context, Result};
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

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
}

impl Follower {
    pub fn new(path: &Path) -> Follower {
        Follower {
            path: path.to_path_buf(),
            name: path.display().to_string(),
            offset: 0,
            lines: 0,
            partial: Vec::new(),
        }
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
        let length = file.metadata()?.len();
        if length < self.offset {
            eprintln!(
                "tracelint: {} shrank; reading it again from its start",
                self.name
            );
            self.offset = 0;
            self.lines = 0;
            self.partial.clear();
        }
        if length == self.offset {
            return Ok(false);
        }
        file.seek(SeekFrom::Start(self.offset))?;
        let mut appended = Vec::new();
        file.take(length - self.offset)
            .read_to_end(&mut appended)
            .with_context(|| format!("cannot read {}", self.name))?;
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
                guard.receive(line, &self.name, self.lines)?;
            }
        }
        Ok(true)
    }
}
