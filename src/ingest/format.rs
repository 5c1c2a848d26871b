//! The `Format` trait every container format implements (one file each in
//! `formats/`, listed in `registry::FORMATS`).

use serde_json::Value;

use super::json::JsonDefect;
use super::record::{RecordCtx, RecordError, RecordOutput};
use crate::event::Event;

/// A binary file's messages (`Format::binary_messages`).
pub type BinaryMessages = Result<Vec<Result<Vec<u8>, RecordError>>, RecordError>;

pub trait Format: Sync {
    /// The `source_format` value and the `--format` name.
    fn name(&self) -> &'static str;
    /// One line for the list of known formats.
    fn describe(&self) -> &'static str;
    /// Whether a record (the first of a file) is of this format.
    fn sniff(&self, record: &Value) -> bool;
    /// Whether a file whose first line is not JSON is of this format (text
    /// logs). Such a file is parsed whole, as one record.
    fn sniff_text(&self, _first_line: &[u8]) -> bool {
        false
    }
    /// Whether a line met among the first lines of a file whose first line
    /// is neither JSON nor any format's is this format's, after a preamble
    /// (a program's own output before its exporter's lines, a log prefix
    /// on each line). Such a file is parsed whole, as one record.
    fn sniff_text_after_preamble(&self, _line: &[u8]) -> bool {
        false
    }
    /// Whether this format's files are binary: a file forced to it, or
    /// named with a binary extension (`.pb`, `.binpb`), is read by its
    /// messages whatever its first bytes.
    fn is_binary(&self) -> bool {
        false
    }
    /// Whether a file that starts with `head` (its first bytes, before any
    /// text decoding) is of this binary format.
    fn sniff_binary(&self, _head: &[u8]) -> bool {
        false
    }
    /// The messages of a whole binary file of this format, each parsed as
    /// one record (numbered from 1 in place of a line); a message that
    /// cannot be taken out is its error. Messages over `max_bytes` are
    /// errors. The outer error is a file none of whose messages can be
    /// told apart (a damaged database). `name` is the input's name (a path,
    /// when it is a file: a database's side files are beside it).
    fn binary_messages(&self, _bytes: &[u8], _name: &str, _max_bytes: usize) -> BinaryMessages {
        Ok(Vec::new())
    }
    /// Completes a trace of this format once it is assembled (agents
    /// resolved, events in `seq` order): facts that no single record gives.
    fn finish_trace(&self, _events: &mut [&mut Event]) {}
    /// Whether this format's published files carry a JSON defect that is
    /// to be repaired rather than the document skipped (MAST-Data's bare
    /// `NaN`, a TRAIL annotation file's trailing comma).
    fn tolerates(&self, _defect: JsonDefect) -> bool {
        false
    }
    /// Parses one record. Spans that cannot be used are reported in `out`;
    /// an error means nothing of the record could be read.
    fn parse(
        &self,
        record: &[u8],
        ctx: &RecordCtx,
        out: &mut RecordOutput,
    ) -> Result<(), RecordError>;
}
