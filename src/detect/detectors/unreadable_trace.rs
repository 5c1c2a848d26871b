use crate::coverage::{Coverage, EventFacts};
use crate::detect::{Detector, Finding, FindingBuilder, Mapping, Row, Severity, TraceView};

macro_rules! doc {
    () => {
        "## What it does

Flags a trace in which a family of detectors cannot see its pattern, because the export leaves
out what it would need: 3 or more tool calls without arguments (repeated-tool-call and
retry-without-replan cannot tell identical calls), 3 or more model calls without output text
(repeated-identical-output and convergence-starvation cannot tell repeated answers), handoffs
that do not say between which agents (handoff-cycle cannot follow them). The evidence is the
unreadable events; the message says what is missing and which detectors are blind.

## Why is this bad?

A trace the detectors cannot see into is not a clean trace: a gate that passes it passes a
loop it could not look for. Most often the emitter records no content by default (the GenAI
conventions make arguments and messages opt-in: `OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT`,
ADK's `ADK_CAPTURE_MESSAGE_CONTENT_IN_SPANS`), or the content went to another signal (log
records) that was not exported with the spans.

## Example

```text
execute_tool search   (no gen_ai.tool.call.arguments)   x12
-> 12 tool calls carry no arguments: repeated-tool-call, retry-without-replan cannot see loops here
```

## Not flagged

- Fewer than 3 unreadable tool or model calls: no loop of those detectors fits in them.
- Content that is present as span events or joined log records: it is read.

## Options

None. It is a warning: to fail the runs that cannot be checked, gate on it (`--fail-on
unreadable-trace`, or `--fail-on warning`).

## Mapping

No MAST mode: it is about the trace, not the agents."
    };
}

#[doc = doc!()]
pub struct UnreadableTrace;

impl Detector for UnreadableTrace {
    fn name(&self) -> &'static str {
        crate::coverage::DETECTOR
    }

    fn mapping(&self) -> Mapping {
        Mapping {
            mast_mode: None,
            checklist: None,
        }
    }

    fn default_severity(&self) -> Severity {
        Severity::Warning
    }

    fn documentation(&self) -> &'static str {
        doc!()
    }

    fn check(&self, trace: &TraceView) -> Vec<Finding> {
        let facts: Vec<EventFacts> = trace
            .rows
            .iter()
            .map(|r| EventFacts {
                kind: r.kind,
                agent: r.agent,
                agent_is_service: false,
                has_arguments: r.tool_args.is_some(),
                has_output: r.output.is_some(),
                has_handoff_ends: r.handoff_from.is_some() && r.handoff_to.is_some(),
            })
            .collect();
        let coverage = Coverage::of(&facts);
        let spots = coverage.blind_spots();
        if spots.is_empty() {
            return Vec::new();
        }
        let blind: Vec<String> = spots
            .iter()
            .map(|s| format!("{}: {} cannot see here", s.what, s.detectors.join(", ")))
            .collect();
        let message = format!(
            "{}; export the content (arguments, messages) to check this trace",
            blind.join("; ")
        );
        let evidence: Vec<&Row> = Coverage::unreadable_events(&facts)
            .map(|i| &trace.rows[i])
            .collect();
        vec![FindingBuilder::new(self, trace)
            .evidence(evidence)
            .metric(
                "tool_calls_without_arguments",
                coverage.tool_calls_without_arguments as f64,
            )
            .metric(
                "llm_calls_without_output",
                coverage.llm_calls_without_output as f64,
            )
            .metric(
                "handoffs_without_ends",
                coverage.handoffs_without_ends as f64,
            )
            .build(message)]
    }
}
