use std::collections::{BTreeMap, BTreeSet};

use crate::detect::{times, Detector, Finding, FindingBuilder, Mapping, Row, Severity, TraceView};

macro_rules! doc {
    () => {
        "## What it does

Flags handoffs that go round a cycle (A → B → A, A → B → C → A) and come round again: every edge
of the cycle taken at least `min_rounds` times. Handoffs are the trace's explicit handoff records;
a trace without any is read as a conversation, whose turns between agents that make LLM calls are
its handoffs, and then a cycle must come round `min_rounds_conversation` times.

## Why is this bad?

Agents that hand a task back and forth never own it: the ping-pong runs until a turn limit or a
budget stops it (MAST 1.5 unaware of termination conditions; checklist P2, hop cap).

## Example

```text
triage  -> handoff to refunds
refunds -> handoff to triage
triage  -> handoff to refunds        <- the cycle comes round again
```

## Not flagged

- A handoff and its return once (delegate, get the answer back).
- Turns with agents that make no LLM calls: a user proxy, a tools node, a person.
- Two agents of a conversation taking turns fewer than `min_rounds_conversation` times.

## Options

- `min_rounds` (2): rounds of a cycle of explicit handoffs.
- `min_rounds_conversation` (4): rounds of a cycle of conversation turns (ChatDev's code review
  takes three by design).

## Mapping

MAST 1.5 (unaware of termination conditions); checklist P2 (hop cap)."
    };
}

#[doc = doc!()]
pub struct HandoffCycle;

/// Longest cycle looked for: agent cycles longer than this are rare and
/// their enumeration is not.
const MAX_CYCLE: usize = 5;

impl Detector for HandoffCycle {
    fn name(&self) -> &'static str {
        "handoff-cycle"
    }

    fn mapping(&self) -> Mapping {
        Mapping {
            mast_mode: Some("1.5"),
            checklist: Some("P2"),
        }
    }

    fn default_severity(&self) -> Severity {
        Severity::Error
    }

    fn documentation(&self) -> &'static str {
        doc!()
    }

    fn check(&self, trace: &TraceView) -> Vec<Finding> {
        let (hops, explicit) = trace.hops();
        let options = &trace.options.handoff_cycle;
        let min_rounds = if explicit {
            options.min_rounds
        } else {
            options.min_rounds_conversation
        }
        .max(2);
        let mut edges: BTreeMap<(&str, &str), Vec<&Row>> = BTreeMap::new();
        for (row, from, to) in &hops {
            if from != to {
                edges.entry((from, to)).or_default().push(row);
            }
        }
        let Some((mut cycle, rounds)) = busiest_cycle(&edges) else {
            return Vec::new();
        };
        if rounds < min_rounds {
            return Vec::new();
        }
        // Told from the agent that handed off first.
        let first_from = (0..cycle.len())
            .min_by_key(|&i| edges[&(cycle[i], cycle[(i + 1) % cycle.len()])][0].seq)
            .unwrap_or(0);
        cycle.rotate_left(first_from);
        let cycle_edges: Vec<(&str, &str)> = (0..cycle.len())
            .map(|i| (cycle[i], cycle[(i + 1) % cycle.len()]))
            .collect();
        let rows: Vec<&Row> = cycle_edges
            .iter()
            .flat_map(|e| edges[e].iter().copied())
            .collect();
        // The failure starts when the cycle comes round again.
        let again = edges[&cycle_edges[0]][1].seq;
        let last = rows.iter().map(|r| r.seq).max().unwrap_or(again);
        let mut path: Vec<&str> = cycle.clone();
        path.push(cycle[0]);
        let message = format!(
            "handoffs went round {} {}: no agent owns the task; cap hops and give the task one owner",
            path.join(" → "),
            times(rounds)
        );
        vec![FindingBuilder::new(self, trace)
            .evidence(rows)
            .agents(cycle.iter())
            .metric("rounds", rounds as f64)
            .metric("cycle_length", cycle.len() as f64)
            .metric("hops", hops.len() as f64)
            .waste(again..=last)
            .build(message)]
    }
}

/// The simple cycle (agents in order, starting from its smallest name)
/// whose least-taken edge is taken most often, and that count.
fn busiest_cycle<'a>(
    edges: &BTreeMap<(&'a str, &'a str), Vec<&Row>>,
) -> Option<(Vec<&'a str>, usize)> {
    let nodes: BTreeSet<&str> = edges.keys().flat_map(|(a, b)| [*a, *b]).collect();
    let mut best: Option<(Vec<&str>, usize)> = None;
    for &start in &nodes {
        // Depth-first over paths from `start` through larger nodes only, so
        // each cycle is found once, from its smallest node.
        let mut stack: Vec<Vec<&str>> = vec![vec![start]];
        while let Some(path) = stack.pop() {
            let last = *path.last().unwrap();
            for &(from, to) in edges.range((last, "")..).map(|(edge, _)| edge) {
                if from != last {
                    break;
                }
                if to == start && path.len() >= 2 {
                    let rounds = (0..path.len())
                        .map(|i| edges[&(path[i], path.get(i + 1).copied().unwrap_or(start))].len())
                        .min()
                        .unwrap_or(0);
                    let better = best.as_ref().is_none_or(|(cycle, r)| {
                        rounds > *r || (rounds == *r && path.len() < cycle.len())
                    });
                    if better {
                        best = Some((path.clone(), rounds));
                    }
                } else if to > start && !path.contains(&to) && path.len() < MAX_CYCLE {
                    let mut next = path.clone();
                    next.push(to);
                    stack.push(next);
                }
            }
        }
    }
    best
}
