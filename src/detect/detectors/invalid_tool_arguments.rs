use regex::Regex;
use std::collections::BTreeMap;
use std::sync::LazyLock;

use crate::detect::{times, Detector, Finding, FindingBuilder, Mapping, Row, Severity, TraceView};
use crate::event::Kind;

macro_rules! doc {
    () => {
        "## What it does

Flags tool calls that failed because their arguments did not fit the tool: an unexpected or
missing argument, arguments that fail the tool's schema or are not valid JSON. One finding per
agent and tool, with each failed call and the LLM call that wrote it (`TraceView::decided_by`:
its parent when that is a model call, else the nearest one before it in the same step, else of
the same agent).

## Why is this bad?

The model did not follow the tool's interface, which is part of its task's specification (MAST
1.1, disobey task specification): the call can only fail, and a framework that hands the error
back invites the same malformed call again. Give the tool a schema the model is held to
(structured output, argument validation before the call) and show it its error.

## Example

```text
llm_call   -> page_down {\"\": {}}
tool_call  page_down   error: TypeError: forward() got an unexpected keyword argument ''
```

## Not flagged

- A tool that failed for another reason (a timeout, a 503, a missing file).
- Arguments rejected by the tool's own logic (a value out of range is the tool's answer).

## Options

None.

## Mapping

MAST 1.1 (disobey task specification)."
    };
}

/// How Python, JSON-schema and framework validators say that arguments
/// did not fit.
static ARGUMENT_ERROR: LazyLock<Regex> = LazyLock::new(|| {
    crate::text::ascii_regex(
        r"(?i)unexpected keyword argument|missing \d+ required (?:positional |keyword-only )?arguments?|got multiple values for argument|takes (?:from )?\d+ (?:to \d+ )?positional arguments? but \d+ (?:was|were) given|validation errors? for|validationerror|invalid (?:tool )?(?:arguments?|parameters?)|missing required (?:argument|parameter|property)|jsondecodeerror|arguments? (?:is|are) not valid json",
    )
});

/// A failed call and the LLM call that wrote it, when one is found.
type FailedCall<'t, 'a> = (&'t Row<'a>, Option<&'t Row<'a>>);

#[doc = doc!()]
pub struct InvalidToolArguments;

impl Detector for InvalidToolArguments {
    fn name(&self) -> &'static str {
        "invalid-tool-arguments"
    }

    fn mapping(&self) -> Mapping {
        Mapping {
            mast_mode: Some("1.1"),
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
        let mut by_tool: BTreeMap<(Option<&str>, &str), Vec<FailedCall>> = BTreeMap::new();
        for (at, call) in trace.rows.iter().enumerate() {
            let misfit = call.kind == Kind::ToolCall
                && call.failed()
                && [call.error_message, call.error_type]
                    .into_iter()
                    .flatten()
                    .any(|text| ARGUMENT_ERROR.is_match(text));
            if !misfit {
                continue;
            }
            let writer = trace.decided_by(at);
            let tool = call.tool_name.unwrap_or(call.name);
            by_tool
                .entry((call.agent, tool))
                .or_default()
                .push((call, writer));
        }
        by_tool
            .into_iter()
            .map(|((agent, tool), calls)| {
                let example = calls[0].0.error_message.unwrap_or_default();
                let message = format!(
                    "{} called {tool} {} with arguments it rejects ({}): hold the model to the tool's schema and show it the error",
                    agent.unwrap_or("the agent"),
                    times(calls.len()),
                    crate::text::quote(example, 100, crate::text::Quoted::Error)
                );
                FindingBuilder::new(self, trace)
                    .evidence(calls.iter().flat_map(|(call, writer)| [Some(*call), *writer]).flatten())
                    .metric("calls", calls.len() as f64)
                    .build(message)
            })
            .collect()
    }
}
