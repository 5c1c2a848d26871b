//! Accounting of an ingest run: every record read is either ingested or
//! skipped with a reason and a location, and `records_read == ingested +
//! skipped` always holds. Repairs that keep the record (a parent cycle cut,
//! an end time before the start dropped) are warnings.
//!
//! Shared vocabulary: ingest counts into it, the pipeline carries it, the
//! store persists its summary and the reports print it. A leaf: it imports
//! nothing of the crate.

use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BinaryHeap};
use std::fmt;

/// Diagnostics kept per reason for printing; counts are always exact.
const KEPT_PER_REASON: usize = 50;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// The record was not ingested.
    Skipped,
    /// The record was ingested after a repair.
    Repaired,
}

/// Where in its file a problem is: a line, or a byte offset when lines are
/// not known (binary or decompressed input cut short).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Location {
    Line(u32),
    Byte(u64),
    File,
}

/// Ordered by file, then place in the file (the order they are shown in).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Diagnostic {
    pub file: String,
    pub location: Location,
    pub severity: Severity,
    pub reason: &'static str,
    pub detail: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.severity {
            Severity::Skipped => "skipped",
            Severity::Repaired => "repaired",
        };
        match self.location {
            Location::Line(line) => write!(f, "{}:{line}", self.file)?,
            Location::Byte(offset) => write!(f, "{} (byte {offset})", self.file)?,
            Location::File => write!(f, "{}", self.file)?,
        }
        write!(f, ": {what} ({}): {}", self.reason, self.detail)
    }
}

/// `IngestSummary::other_signals` key of log records joined to spans.
pub const JOINED_LOG_RECORDS: &str = "log records joined to their spans";
/// ... and of GenAI log records whose span is not in the input.
pub const ORPHANED_LOG_RECORDS: &str = "GenAI log records whose span is not in the input (ignored)";

/// The ingest part of the run summary. Serialized as the `summary` object of
/// `stats --output-format json` and stored with a Parquet store, so that a
/// store reports the same numbers as the files it was made from.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct IngestSummary {
    pub files: u64,
    pub records_read: u64,
    pub ingested: u64,
    pub skipped: u64,
    pub skipped_reasons: BTreeMap<String, u64>,
    pub repaired: u64,
    pub repaired_reasons: BTreeMap<String, u64>,
    /// Corpus labels read (kept apart from events).
    #[serde(default)]
    pub labels: u64,
    /// Records of other OpenTelemetry signals, per what became of them:
    /// log records joined to their spans (their content read into the
    /// span), log records and metrics ignored. Counted as read, neither
    /// ingested nor skipped: they are not broken, and `--strict` does not
    /// fail on them.
    #[serde(default)]
    pub other_signals: BTreeMap<String, u64>,
}

impl IngestSummary {
    /// Another part of the same run added: the live receiver's requests,
    /// a distributed run's steps. Every count and every reason's count.
    pub fn add(&mut self, other: &IngestSummary) {
        self.files += other.files;
        self.records_read += other.records_read;
        self.ingested += other.ingested;
        self.skipped += other.skipped;
        self.repaired += other.repaired;
        self.labels += other.labels;
        for (total, part) in [
            (&mut self.skipped_reasons, &other.skipped_reasons),
            (&mut self.repaired_reasons, &other.repaired_reasons),
            (&mut self.other_signals, &other.other_signals),
        ] {
            for (reason, count) in part {
                *total.entry(reason.clone()).or_default() += count;
            }
        }
    }
}

/// What one input gave: enough to tell a user, when nothing could be read,
/// what was found in each file.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct InputTally {
    pub file: String,
    /// The format it was read as, when one was recognised.
    pub format: Option<&'static str>,
    pub events: u64,
    pub skipped: u64,
    pub labels: u64,
    /// Records of other signals (OTel logs, metrics) set aside.
    pub other_signals: u64,
    /// Why its first skipped record was skipped: (reason, detail).
    pub first_skip: Option<(&'static str, String)>,
}

impl fmt::Display for InputTally {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: ", self.file)?;
        match (self.format, &self.first_skip) {
            (None, Some((reason, detail))) => write!(f, "not read ({reason}: {detail})")?,
            (None, None) => write!(f, "nothing read")?,
            (Some(format), _) => {
                write!(f, "read as {format}, {} event(s)", self.events)?;
                if self.events == 0 {
                    write!(f, ": no span, run or message in it")?;
                }
                if self.other_signals > 0 {
                    write!(
                        f,
                        ", {} record(s) of other signals (logs, metrics) set aside",
                        self.other_signals
                    )?;
                }
            }
        }
        if self.format.is_some() && self.skipped > 0 {
            write!(f, ", {} record(s) skipped", self.skipped)?;
            if let Some((reason, _)) = &self.first_skip {
                write!(f, " (first: {reason})")?;
            }
        }
        if self.labels > 0 {
            write!(
                f,
                ", {} label(s) (annotations only: give the traces they label too)",
                self.labels
            )?;
        }
        Ok(())
    }
}

#[derive(Debug, Default)]
pub struct IngestReport {
    pub summary: IngestSummary,
    /// Each raw input, in input order (empty for a store).
    pub inputs: Vec<InputTally>,
    /// Per reason, the first `KEPT_PER_REASON` diagnostics by file and
    /// place: which ones are kept does not depend on the order they were
    /// found in (files are read in parallel; partitions assemble traces in
    /// another order than memory does).
    kept: BTreeMap<&'static str, BinaryHeap<Diagnostic>>,
}

impl IngestReport {
    /// The report of a run whose diagnostics were not kept: a store holds
    /// only the summary of the ingest that wrote it.
    pub fn of_summary(summary: IngestSummary) -> IngestReport {
        IngestReport {
            summary,
            inputs: Vec::new(),
            kept: BTreeMap::new(),
        }
    }

    pub fn record_ingested(&mut self, count: u64) {
        self.summary.records_read += count;
        self.summary.ingested += count;
    }

    /// Records of another signal read and set aside (`IngestSummary::other_signals`).
    pub fn other_signal(&mut self, what: &str, count: u64) {
        if count == 0 {
            return;
        }
        self.summary.records_read += count;
        *self
            .summary
            .other_signals
            .entry(what.to_string())
            .or_default() += count;
    }

    /// Log records read as events of their own and then folded into their
    /// spans (`joined`), or set aside because their span is not in the
    /// input (`orphaned`): read, no longer ingested as events.
    pub fn joined_to_spans(&mut self, joined: u64, orphaned: u64) {
        for (count, what) in [
            (joined, JOINED_LOG_RECORDS),
            (orphaned, ORPHANED_LOG_RECORDS),
        ] {
            if count > 0 {
                self.summary.ingested -= count;
                *self
                    .summary
                    .other_signals
                    .entry(what.to_string())
                    .or_default() += count;
            }
        }
    }

    /// Counts a diagnostic. A skip also counts as a record read; a repair
    /// does not (the record is counted when it is ingested).
    pub fn add(&mut self, diagnostic: Diagnostic) {
        let reason = diagnostic.reason.to_string();
        match diagnostic.severity {
            Severity::Skipped => {
                self.summary.records_read += 1;
                self.summary.skipped += 1;
                *self.summary.skipped_reasons.entry(reason).or_default() += 1;
            }
            Severity::Repaired => {
                self.summary.repaired += 1;
                *self.summary.repaired_reasons.entry(reason).or_default() += 1;
            }
        }
        let kept = self.kept.entry(diagnostic.reason).or_default();
        if kept.len() < KEPT_PER_REASON {
            kept.push(diagnostic);
        } else if kept.peek().is_some_and(|last| diagnostic < *last) {
            kept.pop();
            kept.push(diagnostic);
        }
    }

    /// The diagnostics kept for showing, by file and place.
    pub fn diagnostics(&self) -> Vec<&Diagnostic> {
        let mut all: Vec<&Diagnostic> = self.kept.values().flatten().collect();
        all.sort();
        all
    }

    /// An event that was counted as ingested and later turned out to be a
    /// duplicate moves from ingested to skipped.
    pub fn demote_to_skipped(&mut self, diagnostic: Diagnostic) {
        self.summary.records_read -= 1;
        self.summary.ingested -= 1;
        self.add(diagnostic);
    }

    /// Diagnostics counted but not kept, per reason (for "... and N more").
    pub fn unshown(&self) -> Vec<(&'static str, u64)> {
        let all = self
            .summary
            .skipped_reasons
            .iter()
            .chain(self.summary.repaired_reasons.iter());
        all.filter_map(|(reason, count)| {
            let (&key, kept) = self.kept.iter().find(|(k, _)| **k == reason.as_str())?;
            (*count > kept.len() as u64).then_some((key, *count - kept.len() as u64))
        })
        .collect()
    }
}
