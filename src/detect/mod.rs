//! Detectors: one file each, registered in `registry.rs`. A detector reads
//! one trace's rows of the Store and returns findings with their evidence;
//! it does no I/O and keeps no state, so traces are checked in parallel.
//! The gate turns findings into the exit code.
//!
//! Imports the store's frames and the leaf vocabulary; never `ingest`,
//! `pipeline`, `report` or `cli`: detectors know failures, not formats.

pub mod blame;
mod boilerplate;
mod detectors;
mod evidence;
mod finding;
pub mod gate;
pub mod options;
mod registry;
pub mod trace;
mod waste;

pub use evidence::{times, FindingBuilder};
pub use finding::{Finding, Severity};
pub use gate::{Baseline, Gate, Selector};
pub use options::DetectOptions;
pub use registry::registry;
pub use trace::{Row, StoreColumns, TraceView};
pub use waste::Waste;

use std::collections::BTreeMap;

use anyhow::Result;
use polars::prelude::DataFrame;
use rayon::prelude::*;

use crate::store::{TraceIndex, TraceRows};

/// What a detector flags, in MAST or checklist terms.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Mapping {
    /// MAST mode id, "1.1" to "3.3".
    pub mast_mode: Option<&'static str>,
    /// Checklist item id, "P1" to "P10".
    pub checklist: Option<&'static str>,
}

pub trait Detector: Sync {
    /// Kebab-case name of the pattern: `repeated-tool-call`.
    fn name(&self) -> &'static str;
    fn mapping(&self) -> Mapping;
    fn default_severity(&self) -> Severity;
    /// The detector's doc comment: What it does / Why is this bad? /
    /// Example / Not flagged / Options / Mapping. Printed by `rules NAME`.
    fn documentation(&self) -> &'static str;
    fn check(&self, trace: &TraceView) -> Vec<Finding>;
}

/// What the detectors found in a batch of traces.
#[derive(Debug, Default)]
pub struct Detected {
    /// In report order (`sort_findings`).
    pub findings: Vec<Finding>,
    /// Per trace with findings that measured waste: what the union of
    /// their waste ranges cost, each row counted once (a turn limit's
    /// finding claims the whole trace, the loop findings the same rows
    /// again), so it never exceeds what the trace used.
    pub waste: BTreeMap<String, Waste>,
}

impl Detected {
    /// Another batch's results added (traces are whole in each batch).
    pub fn extend(&mut self, other: Detected) {
        self.findings.extend(other.findings);
        self.waste.extend(other.waste);
    }
}

/// Runs every detector on every trace, traces in parallel. Findings come
/// back in a stable order: by trace, first evidence row, then detector.
pub fn run_detectors(
    events: &DataFrame,
    index: &TraceIndex,
    detectors: &[&dyn Detector],
    options: &DetectOptions,
) -> Result<Detected> {
    if detectors.is_empty() || index.traces.is_empty() {
        return Ok(Detected::default());
    }
    let columns = StoreColumns::new(events)?;
    // Per trace: its findings, and their waste counted once.
    type TraceResult = (Vec<Finding>, Option<(String, Waste)>);
    let per_trace: Vec<TraceResult> = index
        .traces
        .par_iter()
        .map(|trace: &TraceRows| {
            let view = TraceView::new(trace, &columns, options);
            let findings: Vec<Finding> = detectors.iter().flat_map(|d| d.check(&view)).collect();
            let ranges: Vec<[u32; 2]> = findings.iter().filter_map(|f| f.waste_range).collect();
            let waste = (!ranges.is_empty())
                .then(|| (trace.trace_id.clone(), view.waste_index().of_union(&ranges)));
            (findings, waste)
        })
        .collect();
    let mut detected = Detected::default();
    for (findings, waste) in per_trace {
        detected.findings.extend(findings);
        detected.waste.extend(waste);
    }
    sort_findings(&mut detected.findings);
    Ok(detected)
}

/// The order findings are reported in: by trace, first evidence row, then
/// detector. Stable, so a detector's findings on a trace keep its order.
pub fn sort_findings(findings: &mut [Finding]) {
    findings.sort_by(|a, b| {
        (&a.trace_id, a.seq_range[0], &a.detector).cmp(&(&b.trace_id, b.seq_range[0], &b.detector))
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::events_to_frame;

    /// Flags every trace that has an error event; stands in for the real
    /// detectors to test the runner and the gate.
    struct ErrorEvents;

    impl Detector for ErrorEvents {
        fn name(&self) -> &'static str {
            "error-events"
        }
        fn mapping(&self) -> Mapping {
            Mapping {
                mast_mode: Some("3.1"),
                checklist: None,
            }
        }
        fn default_severity(&self) -> Severity {
            Severity::Warning
        }
        fn documentation(&self) -> &'static str {
            "test detector"
        }
        fn check(&self, trace: &TraceView) -> Vec<Finding> {
            let errors: Vec<&Row> = trace.rows.iter().filter(|r| r.failed()).collect();
            if errors.is_empty() {
                return vec![];
            }
            vec![FindingBuilder::new(self, trace)
                .evidence(errors.iter().copied())
                .metric("errors", errors.len() as f64)
                .build(format!("{} error events", errors.len()))]
        }
    }

    fn event(trace: &str, span: &str, seq: u32, error: bool) -> crate::event::Event {
        let mut e = crate::event::Event::new(trace.into(), span.into(), "test", "x".into(), 1);
        e.seq = seq;
        if error {
            e.status = crate::event::Status::Error;
        }
        e
    }

    #[test]
    fn runner_checks_each_trace_and_gate_applies_severity() {
        let events = vec![
            event("a", "a1", 0, false),
            event("a", "a2", 1, true),
            event("b", "b1", 0, false),
            event("c", "c1", 0, true),
            event("c", "c2", 1, true),
        ];
        let frame = events_to_frame(&events).unwrap();
        let index = TraceIndex::build(&frame).unwrap();
        assert_eq!(index.traces.len(), 3);
        let options = DetectOptions::default();
        let findings = run_detectors(&frame, &index, &[&ErrorEvents], &options)
            .unwrap()
            .findings;
        let got: Vec<(&str, Vec<&str>, [u32; 2])> = findings
            .iter()
            .map(|f| {
                (
                    f.trace_id.as_str(),
                    f.span_ids.iter().map(String::as_str).collect(),
                    f.seq_range,
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![("a", vec!["a2"], [1, 1]), ("c", vec!["c1", "c2"], [0, 1])]
        );
        let prints = gate::fingerprints(&findings, str::to_string);
        assert_eq!(Gate::default().gates(&findings, &prints), [false, false]);
        let warnings = Gate {
            fail_on: vec![Selector::Severity(Severity::Warning)],
            ..Gate::default()
        };
        assert_eq!(warnings.gates(&findings, &prints), [true, true]);
        let baseline = Gate {
            baseline: Some(Baseline::of(&prints[..1]).fingerprints),
            ..warnings.clone()
        };
        assert_eq!(baseline.gates(&findings, &prints), [false, true]);
        assert_eq!(baseline.baselined(&prints), Some(vec![true, false]));
        let capped = Gate {
            max_findings: Some(1),
            ..Gate::default()
        };
        assert_eq!(capped.gates(&findings, &prints), [true, true]);
        assert!(run_detectors(&frame, &index, &[], &options)
            .unwrap()
            .findings
            .is_empty());
    }
}
