use rustc_hash::FxHashMap as HashMap;

use crate::detect::{times, Detector, Finding, FindingBuilder, Mapping, Row, Severity, TraceView};
use crate::event::Kind;

macro_rules! doc {
    () => {
        "## What it does

Flags the same tool called with the same canonical arguments (keys sorted, compact JSON)
`min_repeats` or more times within `window` consecutive tool calls of a trace, when the calls
made no progress: their results are the same, or not recorded.

## Why is this bad?

A model that calls a tool again with what it already sent is not learning from the result: the
doom loop of opencode, openlit and Sentry's detectors. Every call costs a model turn and the
tool's own latency (MAST 1.3 step repetition).

## Example

```text
researcher -> search {\"query\": \"latest GDP of France\"}   -> no results
researcher -> search {\"query\": \"latest GDP of France\"}   -> no results
researcher -> search {\"query\": \"latest GDP of France\"}   -> no results
```

## Not flagged

- Calls with empty arguments (`{}`, `[]`, `\"\"`, none): their sameness says nothing.
- Pagination and cursors: arguments that differ only by page, cursor or offset are different
  arguments.
- Polling, judged by progress: identical calls whose results change (a job polled until it is
  done, under any tool name). Results are compared without what changes on every call (key
  order, spacing, ids, timestamps, long numbers). When the results are not recorded, the names in
  `polling_tools` are taken as polling.
- A retry right after the identical call failed: that is `retry-without-replan`'s.
- Fewer than `min_repeats` copies in any `window` of calls.

## Options

- `min_repeats` (3), `window` (10),
- `polling_tools` (get_status, check_status, get_job_status, poll, wait, sleep, get_task_status,
  get_run_status).

## Mapping

MAST 1.3 (step repetition)."
    };
}

#[doc = doc!()]
pub struct RepeatedToolCall;

/// Arguments that say nothing: none, or JSON without a non-empty string
/// or number anywhere (`{}`, smolagents' `{"args": [], "kwargs": {},
/// "sanitize_inputs_outputs": true}`).
fn empty_args(args: Option<&str>) -> bool {
    fn says_something(value: &serde_json::Value) -> bool {
        match value {
            serde_json::Value::String(s) => !s.trim().is_empty(),
            serde_json::Value::Number(_) => true,
            serde_json::Value::Array(items) => items.iter().any(says_something),
            serde_json::Value::Object(map) => map.values().any(says_something),
            _ => false,
        }
    }
    match args.map(str::trim) {
        None | Some("") => true,
        Some(text) => serde_json::from_str::<serde_json::Value>(text)
            .is_ok_and(|value| !says_something(&value)),
    }
}

impl Detector for RepeatedToolCall {
    fn name(&self) -> &'static str {
        "repeated-tool-call"
    }

    fn mapping(&self) -> Mapping {
        Mapping {
            mast_mode: Some("1.3"),
            checklist: None,
        }
    }

    fn default_severity(&self) -> Severity {
        Severity::Error
    }

    fn documentation(&self) -> &'static str {
        doc!()
    }

    fn check(&self, trace: &TraceView) -> Vec<Finding> {
        let options = &trace.options.repeated_tool_call;
        let is_polling = |name: &str| {
            let name = name.to_ascii_lowercase();
            options
                .polling_tools
                .iter()
                .any(|p| name.ends_with(&p.to_ascii_lowercase()))
        };
        let calls: Vec<&Row> = trace
            .rows
            .iter()
            .filter(|r| r.kind == Kind::ToolCall)
            .collect();
        // Positions (among the trace's tool calls) of each call signature,
        // leaving out retries of a call that just failed.
        let mut positions: HashMap<(&str, u64), Vec<usize>> = HashMap::default();
        for (position, call) in calls.iter().enumerate() {
            let (Some(name), Some(hash)) = (call.tool_name, call.tool_args_hash) else {
                continue;
            };
            if empty_args(call.tool_args) {
                continue;
            }
            let retry_after_failure = position > 0 && {
                let previous = calls[position - 1];
                previous.failed()
                    && previous.tool_name == Some(name)
                    && previous.tool_args_hash == Some(hash)
            };
            if !retry_after_failure {
                positions.entry((name, hash)).or_default().push(position);
            }
        }
        let window = options.window.max(1);
        let min_repeats = options.min_repeats.max(2);
        let mut loops: Vec<(&str, Vec<usize>)> = Vec::new();
        for ((name, _), positions) in positions {
            // The most copies inside any `window` consecutive calls.
            let (mut best, mut best_start) = (0, 0);
            let mut start = 0;
            for end in 0..positions.len() {
                while positions[end] - positions[start] >= window {
                    start += 1;
                }
                if end + 1 - start > best {
                    best = end + 1 - start;
                    best_start = start;
                }
            }
            let copies = &positions[best_start..best_start + best];
            // Progress: the results changed. Unrecorded results leave the
            // name to say whether the tool is polled.
            let results: Option<Vec<String>> = copies
                .iter()
                .map(|&p| calls[p].output.map(crate::text::result_shape))
                .collect();
            let progress = match results {
                Some(results) => results.windows(2).any(|w| w[0] != w[1]),
                None => is_polling(name),
            };
            if best >= min_repeats && !progress {
                loops.push((name, copies.to_vec()));
            }
        }
        loops.sort_by_key(|(_, p)| p[0]);
        loops
            .into_iter()
            .map(|(name, positions)| {
                let rows: Vec<&Row> = positions.iter().map(|&p| calls[p]).collect();
                let args = rows[0].tool_args.unwrap_or_default();
                let message = format!(
                    "{} was called with the same arguments {} within {} tool calls ({}): a tool loop; cap identical calls and feed the repeat back to the model",
                    name,
                    times(rows.len()),
                    window,
                    crate::text::quote(args, 80, crate::text::Quoted::Text)
                );
                FindingBuilder::new(self, trace)
                    .evidence(rows.iter().copied())
                    .metric("repeats", rows.len() as f64)
                    .waste(rows[1].seq..=rows[rows.len() - 1].seq)
                    .build(message)
            })
            .collect()
    }
}
