//! The adapter API: what an adapter is told about the record it parses
//! (`RecordCtx`), what it gives back (`RecordOutput`), and why a record gave
//! nothing (`RecordError`). Adapters import this, never the driver that
//! calls them.

use std::sync::Arc;

use crate::accounting::Location;
use crate::event::PendingEvent;
use crate::labels::Label;

/// What an adapter needs to know about the record it parses.
pub struct RecordCtx {
    pub source_format: &'static str,
    pub file: Arc<str>,
    pub file_index: u32,
    /// Line of the record's start in its file (1-based).
    pub line: u32,
    /// Characters of each input and output text kept as its excerpt
    /// (`IngestOptions::excerpt_chars`).
    pub excerpt_chars: usize,
}

/// A record that could not be read at all; it counts as one skipped record.
#[derive(Debug)]
pub struct RecordError {
    pub reason: &'static str,
    pub detail: String,
    /// Line within the input, when the parser knows it.
    pub line: Option<u32>,
}

/// The reason of a record its format does not recognize: a JSON Lines
/// reader tries the line as the other formats.
pub const UNRECOGNIZED_RECORD: &str = "unrecognized_record";

impl RecordError {
    /// A text record's text (a log read whole), or why it is not UTF-8.
    pub fn text_of(record: &[u8]) -> Result<&str, RecordError> {
        std::str::from_utf8(record).map_err(|e| RecordError {
            reason: "invalid_utf8",
            detail: e.to_string(),
            line: None,
        })
    }

    pub fn unrecognized(what: &str) -> RecordError {
        RecordError {
            reason: UNRECOGNIZED_RECORD,
            detail: what.to_string(),
            line: None,
        }
    }
}

/// What one record gave: events, and spans skipped with their reasons.
#[derive(Debug, Default)]
pub struct RecordOutput {
    pub events: Vec<PendingEvent>,
    pub skipped: Vec<(Location, &'static str, String)>,
    /// Records ingested in a degraded way, with their reasons.
    pub repaired: Vec<(Location, &'static str, String)>,
    /// Labels the record carries (corpus annotations), kept apart from events.
    pub labels: Vec<Label>,
    /// Records of other signals set aside, per what they are
    /// (`IngestSummary::other_signals`).
    pub other_signals: Vec<(&'static str, u64)>,
    /// Position of the next event among the file's records.
    next_order: u64,
}

impl RecordOutput {
    /// Output for the record that starts on `line`; events are ordered by
    /// line first, then by position within the record.
    pub fn starting_at(line: u32) -> RecordOutput {
        RecordOutput {
            next_order: (line as u64) << 32,
            ..RecordOutput::default()
        }
    }

    pub fn next_order(&mut self) -> u64 {
        let order = self.next_order;
        self.next_order += 1;
        order
    }

    pub fn skip(&mut self, line: u32, reason: &'static str, detail: String) {
        self.skipped.push((Location::Line(line), reason, detail));
    }

    pub fn other_signal(&mut self, what: &'static str, count: u64) {
        self.other_signals.push((what, count));
    }

    pub fn repair(&mut self, line: u32, reason: &'static str, detail: String) {
        self.repaired.push((Location::Line(line), reason, detail));
    }
}
