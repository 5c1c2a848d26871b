//! What reading one input gave, for its accounting: events counted, labels,
//! skips and repairs with their places, and the events of records not yet
//! handed to the sink (a document's, until the whole document is read).

use anyhow::Result;
use serde_json::Value;
use std::collections::BTreeMap;

use super::dispatch::companion_of;
use super::record::{RecordError, RecordOutput};
use super::sink::EventSink;
use crate::accounting::{Diagnostic, InputTally, Location, Severity};
use crate::event::PendingEvent;
use crate::labels::Label;

#[derive(Default)]
pub struct FileResult {
    /// The format the input was read as, once recognised.
    pub format: Option<&'static str>,
    /// The events of records read and not yet pushed, record by record.
    pub records: Vec<Vec<PendingEvent>>,
    /// Events read, pushed or not.
    pub events_read: u64,
    /// The sink refused events: the run cannot go on.
    pub sink_error: Option<anyhow::Error>,
    pub labels: Vec<Label>,
    /// Records of other signals set aside, per what they are.
    pub other_signals: BTreeMap<&'static str, u64>,
    pub diagnostics: Vec<Diagnostic>,
    /// Set when a document read after a repair turned out to be of a
    /// format that does not expect that defect.
    pub refused_repair: bool,
}

impl FileResult {
    pub fn skip(&mut self, file: &str, location: Location, reason: &'static str, detail: String) {
        self.note(file, location, Severity::Skipped, reason, detail);
    }

    /// A file whose first record is of no known format: set aside when it is
    /// a companion of trace exports (`dispatch::companion_of`), skipped as
    /// `unknown_format` with `detail` otherwise.
    pub fn of_no_format(&mut self, file: &str, first: Option<&Value>, detail: String) {
        match first.and_then(companion_of) {
            Some(what) => *self.other_signals.entry(what).or_default() += 1,
            None => self.skip(file, Location::File, "unknown_format", detail),
        }
    }

    pub fn repair(&mut self, file: &str, location: Location, reason: &'static str, detail: String) {
        self.note(file, location, Severity::Repaired, reason, detail);
    }

    fn note(
        &mut self,
        file: &str,
        location: Location,
        severity: Severity,
        reason: &'static str,
        detail: String,
    ) {
        self.diagnostics.push(Diagnostic {
            file: file.to_string(),
            location,
            severity,
            reason,
            detail,
        });
    }

    /// Takes in what one record gave, or why it gave nothing.
    pub fn absorb(&mut self, file: &str, line: u32, result: Result<RecordOutput, RecordError>) {
        match result {
            Ok(output) => {
                self.events_read += output.events.len() as u64;
                if !output.events.is_empty() {
                    self.records.push(output.events);
                }
                self.labels.extend(output.labels);
                for (what, count) in output.other_signals {
                    *self.other_signals.entry(what).or_default() += count;
                }
                for (location, reason, detail) in output.skipped {
                    self.skip(file, location, reason, detail);
                }
                for (location, reason, detail) in output.repaired {
                    self.repair(file, location, reason, detail);
                }
            }
            Err(error) => {
                let at = Location::Line(error.line.unwrap_or(line));
                self.skip(file, at, error.reason, error.detail);
            }
        }
    }

    /// Takes in a block whose events went to the sink as it was parsed:
    /// `pushed` is how many, or why the sink refused them.
    pub fn absorb_pushed(&mut self, pushed: Result<u64>) {
        match pushed {
            Ok(count) => self.events_read += count,
            Err(error) => self.sink_error = Some(error),
        }
    }

    /// Takes in what a second reading of the same input gave.
    pub fn take(&mut self, other: FileResult) {
        self.format = other.format.or(self.format);
        self.events_read += other.events_read;
        self.records.extend(other.records);
        self.labels.extend(other.labels);
        for (what, count) in other.other_signals {
            *self.other_signals.entry(what).or_default() += count;
        }
        self.diagnostics.extend(other.diagnostics);
    }

    /// Hands the records held to the sink.
    pub fn flush(&mut self, sink: &dyn EventSink) {
        if self.sink_error.is_some() || self.records.is_empty() {
            return;
        }
        if let Err(error) = sink.push(std::mem::take(&mut self.records)) {
            self.sink_error = Some(error);
        }
    }

    /// What the input gave, for the run's list of inputs.
    pub fn tally(&self, file: String) -> InputTally {
        let skipped: Vec<&Diagnostic> = self
            .diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Skipped)
            .collect();
        InputTally {
            file,
            format: self.format,
            events: self.events_read,
            skipped: skipped.len() as u64,
            labels: self.labels.len() as u64,
            other_signals: self.other_signals.values().sum(),
            first_skip: skipped.first().map(|d| (d.reason, d.detail.clone())),
        }
    }
}
