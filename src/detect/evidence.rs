//! Building a finding from the rows that show it: span ids in order, the
//! agents involved, where in the input it starts, and what the failure
//! cost — the tokens, money and time spent inside it.

use std::collections::BTreeMap;
use std::ops::RangeInclusive;

use super::trace::{Row, TraceView};
use super::{Detector, Finding};

pub struct FindingBuilder<'t, 'a> {
    detector: &'t dyn Detector,
    trace: &'t TraceView<'a>,
    evidence: Vec<&'t Row<'a>>,
    /// Agents named by the failure beyond those of the evidence rows.
    named_agents: Vec<String>,
    metrics: BTreeMap<String, f64>,
    confidence: f64,
    waste_range: Option<[u32; 2]>,
}

impl<'t, 'a> FindingBuilder<'t, 'a> {
    pub fn new(detector: &'t dyn Detector, trace: &'t TraceView<'a>) -> Self {
        FindingBuilder {
            detector,
            trace,
            evidence: Vec::new(),
            named_agents: Vec::new(),
            metrics: BTreeMap::new(),
            confidence: 1.0,
            waste_range: None,
        }
    }

    /// The rows that show the failure; kept in seq order.
    pub fn evidence(mut self, rows: impl IntoIterator<Item = &'t Row<'a>>) -> Self {
        self.evidence.extend(rows);
        self.evidence.sort_by_key(|r| r.seq);
        self.evidence.dedup_by_key(|r| r.seq);
        self
    }

    /// Agents the failure involves that the evidence rows may not name
    /// (both ends of a handoff).
    pub fn agents<S: ToString>(mut self, agents: impl IntoIterator<Item = S>) -> Self {
        self.named_agents
            .extend(agents.into_iter().map(|a| a.to_string()));
        self
    }

    pub fn metric(mut self, name: &str, value: f64) -> Self {
        self.metrics.insert(name.to_string(), value);
        self
    }

    pub fn confidence(mut self, confidence: f64) -> Self {
        self.confidence = confidence;
        self
    }

    /// What the rows with seq in `range` cost: `wasted_tokens` and
    /// `wasted_cost_usd` over their usage leaves (when any says), and
    /// `wasted_ms` from the first start to the last end.
    pub fn waste(mut self, range: RangeInclusive<u32>) -> Self {
        self.waste_range = Some([*range.start(), *range.end()]);
        // Rows are in seq order and seq is their position.
        let waste = self
            .trace
            .waste_index()
            .of(*range.start() as usize, *range.end() as usize);
        if let Some(tokens) = waste.tokens {
            self.metrics.insert("wasted_tokens".into(), tokens as f64);
        }
        if let Some(cost) = waste.cost_usd {
            self.metrics.insert("wasted_cost_usd".into(), cost);
        }
        if let Some(ms) = waste.ms {
            self.metrics.insert("wasted_ms".into(), ms as f64);
        }
        self
    }

    pub fn build(self, message: String) -> Finding {
        let mapping = self.detector.mapping();
        let first = self.evidence.first();
        let mut agents: Vec<String> = Vec::new();
        let named = self.named_agents.iter().map(String::as_str);
        for agent in self.evidence.iter().filter_map(|r| r.agent).chain(named) {
            if !agents.iter().any(|a| a == agent) {
                agents.push(agent.to_string());
            }
        }
        let identity = self.identity(&agents);
        let first_step = self.evidence.iter().find_map(|r| r.step);
        let last_step = self.evidence.iter().rev().find_map(|r| r.step);
        let steps = first_step.zip(last_step).map(|(a, b)| [a, b]);
        Finding {
            identity,
            steps,
            waste_range: self.waste_range,
            detector: self.detector.name().to_string(),
            mast_mode: mapping.mast_mode.map(str::to_string),
            checklist: mapping.checklist.map(str::to_string),
            severity: self.detector.default_severity(),
            confidence: self.confidence,
            trace_id: self.trace.trace_id.to_string(),
            span_ids: self
                .evidence
                .iter()
                .map(|r| r.span_id.to_string())
                .collect(),
            seq_range: [
                first.map_or(0, |r| r.seq),
                self.evidence.last().map_or(0, |r| r.seq),
            ],
            agents,
            message,
            metrics: self.metrics,
            source_file: first.map_or_else(String::new, |r| r.source_file.to_string()),
            source_line: first.map_or(0, |r| r.source_line),
        }
    }
}

impl FindingBuilder<'_, '_> {
    /// The parts of the finding a re-run keeps when the failure recurs:
    /// the detector, the name of the trace's root span, the agents (in
    /// order of appearance) and the distinct kinds and names of the
    /// evidence spans (a tool's name for a tool call) — ids, timestamps
    /// and counts are not in it, so a loop of 7 and one of 8 on new span
    /// ids are the same finding. Generated ids inside names are masked
    /// (`text::without_ids`).
    fn identity(&self, agents: &[String]) -> u64 {
        let root = self.trace.root_name();
        let mut evidence: Vec<String> = Vec::new();
        for row in &self.evidence {
            let name = format!("{:?}:{}", row.kind, row.tool_name.unwrap_or(row.name));
            if !evidence.contains(&name) {
                evidence.push(name);
            }
        }
        let key = [
            self.detector.name().to_string(),
            root.to_string(),
            agents.join("\u{1e}"),
            evidence.join("\u{1e}"),
        ]
        .join("\u{1f}");
        xxhash_rust::xxh3::xxh3_64(crate::text::without_ids(&key).as_bytes())
    }
}

/// "3 times", "once": counts in messages.
pub fn times(n: usize) -> String {
    match n {
        1 => "once".to_string(),
        2 => "twice".to_string(),
        n => format!("{n} times"),
    }
}
