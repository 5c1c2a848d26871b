use regex::Regex;
use std::sync::LazyLock;

use crate::detect::{Detector, Finding, FindingBuilder, Mapping, Row, Severity, TraceView};
use crate::event::{Kind, Role};

macro_rules! doc {
    () => {
        "## What it does

Flags an agent that, after a step of the run failed (the `failure` column's `hard`: an
exception, a traceback, `exitcode: 1`, `Error: ...`), goes on with data it makes up: its message
or model output says it will simulate data (\"simulate the car distances\"; simulating a process
is a method and does not count), mock, assume a hypothetical, or use dummy, fake or made-up data
in place of what it could not get. One finding per agent, at its first such
output, with the failure before it as evidence.

The words are read in the output's excerpt (its first `--excerpt-chars` characters), where an
agent states what it will do next; later in a long output they are not seen.

## Why is this bad?

The run's answer no longer rests on the task's data: the failure that should have been reported
or escalated is hidden behind an invented stand-in, and what follows is computed on it (in
Who&When's failed runs, \"As an alternative, we can simulate the red and green numbers\" is where
the labelled mistake is). When the data cannot be had, the system must say so or hand over to a
person (checklist P8) rather than guess.

## Example

```text
Computer_terminal:   exitcode: 1 (execution failed) ... TimeoutError
Verification_Expert: The installation keeps timing out. As an alternative, we can simulate the
                     red and green numbers for now to proceed with the calculation.
```

## Not flagged

- The same words with no failure before them (a test that mocks a service by design, a
  simulation the task asks for).
- Tools' and code executors' outputs (the code they ran, printed back), a person's messages
  (a speaker named user or human) and the run's instructions; an agent's second such output
  (one finding each).
- The words negated: \"we must not simulate the numbers\", \"instead of using fake data\".

## Options

None.

## Mapping

Checklist P8 (human escalation path)."
    };
}

#[doc = doc!()]
pub struct MadeUpData;

/// An agent saying it will go on with invented data. "Simulate" counts
/// only with data as its object ("simulate the car distances", "the
/// distances were simulated"): simulating a process (a Monte Carlo run of
/// a game) is a method, not a stand-in (TRAIL dev 7ee8e8df).
/// Case-sensitive, each word led by a rare literal: every agent output
/// after a failure is read.
static MADE_UP: LazyLock<Regex> = LazyLock::new(|| {
    crate::text::ascii_regex(
        r"\b(?:[Ss]imulat(?:e|ed|ing)|[Mm]ock(?:ed|up| up)?|[Hh]ypothetical|[Dd]ummy|[Ff]ake|[Mm]ade[- ]up|[Ff]ictional|[Ss]ample data|[Pp]laceholder (?:data|values?))\b",
    )
});

/// What simulated data is: a "simulate" counts with one of these among
/// the six words after it or the three before it.
static DATA: LazyLock<Regex> = LazyLock::new(|| {
    crate::text::ascii_regex(
        r"(?i)\b(?:data|dataset|numbers?|values?|results?|responses?|outputs?|distances?|scores?|prices?|figures?|records?|entries|contents?|texts?|files?|reviews?)\b",
    )
});

/// The first word of `text` that says it makes data up.
fn made_up(text: &str) -> Option<regex::Match<'_>> {
    MADE_UP.find_iter(text).find(|m| {
        // "We must not simulate", "instead of using fake data".
        if crate::text::negation_before(text, m.start(), 24).is_some() {
            return false;
        }
        if !m.as_str()[1..].starts_with("imulat") {
            return true;
        }
        let after: String = text[m.end()..]
            .split_whitespace()
            .take(6)
            .collect::<Vec<_>>()
            .join(" ");
        let before: Vec<&str> = text[..m.start()].split_whitespace().rev().take(3).collect();
        DATA.is_match(&after) || before.iter().any(|w| DATA.is_match(w))
    })
}

/// An output of an agent, not of a tool, a code executor (AG2's terminal
/// prints the code it ran, comments and all: `exitcode: 0 ...`) or the
/// instructions.
fn agent_says(row: &Row) -> bool {
    matches!(row.kind, Kind::LlmCall | Kind::Message)
        && row.agent.is_some()
        && !matches!(row.role, Some(Role::Tool | Role::System))
        && row.tool_name.is_none()
        && !row.from_executor()
        && !row.from_person()
}

impl Detector for MadeUpData {
    fn name(&self) -> &'static str {
        "made-up-data"
    }

    fn mapping(&self) -> Mapping {
        Mapping {
            mast_mode: None,
            checklist: Some("P8"),
        }
    }

    fn default_severity(&self) -> Severity {
        Severity::Warning
    }

    fn documentation(&self) -> &'static str {
        doc!()
    }

    fn check(&self, trace: &TraceView) -> Vec<Finding> {
        let mut failure: Option<&Row> = None;
        let mut reported: Vec<&str> = Vec::new();
        let mut findings = Vec::new();
        for row in &trace.rows {
            if let Some(failed) = failure {
                let agent = row.agent.unwrap_or_default();
                let made_up = if agent_says(row) && !reported.contains(&agent) {
                    row.output.and_then(made_up)
                } else {
                    None
                };
                if let Some(word) = made_up {
                    reported.push(agent);
                    let text = row.output.unwrap_or_default();
                    let message = format!(
                        "{agent} went on with made-up data after a step failed (\"{}\"): report the failure or escalate to a person instead of computing on a stand-in",
                        crate::text::quote(&text[sentence_start(text, word.start())..], 100, crate::text::Quoted::Text)
                    );
                    findings.push(
                        FindingBuilder::new(self, trace)
                            .evidence([failed, row])
                            .build(message),
                    );
                }
            }
            if row.failed_hard() && failure.is_none() {
                failure = Some(row);
            }
        }
        findings
    }
}

/// Where the sentence holding byte `at` of `text` starts: after the last
/// `.`, `!`, `?` or line break before it.
fn sentence_start(text: &str, at: usize) -> usize {
    text[..at]
        .rfind(['.', '!', '?', '\n'])
        .map_or(0, |end| end + 1)
}

#[cfg(test)]
mod tests {
    use super::made_up;

    #[test]
    fn simulated_data_but_not_a_simulation() {
        for text in [
            "we can simulate the red and green numbers for now",
            "let's take a different approach to simulate the car distances",
            "The distances were simulated as within 5 miles by car.",
            "Here is a dummy list of eateries",
            "let's work with a hypothetical path",
        ] {
            assert!(made_up(text).is_some(), "{text}");
        }
        for text in [
            "I will simulate many complete iterations of the game process.",
            "The simulation converged after 40 steps.",
            "Assume the input is sorted.",
            "We must not simulate or make up the numbers.",
            "Instead of using fake data, I will report this to the user.",
        ] {
            assert!(made_up(text).is_none(), "{text}");
        }
    }
}
