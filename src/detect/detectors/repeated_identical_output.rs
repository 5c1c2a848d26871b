use rustc_hash::FxHashMap as HashMap;

use crate::detect::boilerplate::{is_framework_message, logged_again};
use crate::detect::trace::looks_like_tool_request;
use crate::detect::{times, Detector, Finding, FindingBuilder, Mapping, Row, Severity, TraceView};
use crate::event::Kind;
use crate::text::{quote, Quoted};

macro_rules! doc {
    () => {
        "## What it does

Flags an agent that emits the same output (whitespace-insensitive) `min_repeats` or more times in
one trace: its LLM calls or its messages, compared by the hash of their normalized text.

## Why is this bad?

An agent saying the same thing again and again is stuck: the loop burns tokens and time and does
not move the task (MAST 1.3 step repetition; production traces show one output repeated 58 times).

## Example

```text
researcher: I will check the order status in the warehouse system now.
tool:       (timeout)
researcher: I will check the order status in the warehouse system now.   <- 3rd, 4th, ... time
```

## Not flagged

- Fewer than `min_repeats` copies: a repetition of two that ends in a final answer.
- Empty outputs, and outputs that are only tool-call requests (`search({...})`): repeated calls
  are `repeated-tool-call`'s to judge, with its windows and look-alikes.
- Outputs of fewer than `min_words` words: protocol lines such as Magentic-One's \"Next speaker
  WebSurfer\", TERMINATE or OK are repeated by design.
- The same text from different agents, and tool results relayed as messages (the tool's output).
- A framework's own messages (`taxonomy/boilerplate.toml`): AG2's \"There is no code from the last
  1 message\", MathChat's \"Continue. Please keep solving the problem...\", Magentic-One's speaker
  selection (also with a warning appended) and its \"Stalled.... Replanning...\" notice, ChatDev's
  role prompt sent again at each phase.
- A message logged again by a second logger: the same text by the same speaker right after it,
  at the same time (or both untimed), is one message.

## Options

- `min_repeats` (3): copies that make a loop.
- `min_words` (4): shorter outputs are not compared.

## Mapping

MAST 1.3 (step repetition)."
    };
}

#[doc = doc!()]
pub struct RepeatedIdenticalOutput;

impl Detector for RepeatedIdenticalOutput {
    fn name(&self) -> &'static str {
        "repeated-identical-output"
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
        let min_repeats = trace.options.repeated_output.min_repeats.max(2);
        let min_words = trace.options.repeated_output.min_words;
        let mut groups: HashMap<(&str, u64), Vec<(usize, &Row)>> = HashMap::default();
        for (at, row) in trace.rows.iter().enumerate() {
            // A tool result relayed as a message (a code executor's
            // `exitcode: ...` included: the same output of different
            // code is no loop) is the tool's output; a person repeating
            // a request is not an agent looping.
            let tool_result = row.role == Some(crate::event::Role::Tool)
                || row.from_executor()
                || row.from_person();
            if !matches!(row.kind, Kind::LlmCall | Kind::Message)
                || !row.has_output()
                || tool_result
            {
                continue;
            }
            let (Some(agent), Some(hash)) = (row.agent, row.output_hash) else {
                continue;
            };
            let output = row.output.unwrap_or_default();
            if fewer_words_than(output, min_words) || looks_like_tool_request(output) {
                continue;
            }
            groups.entry((agent, hash)).or_default().push((at, row));
        }
        // Boilerplate and lines logged again are judged only in the rare
        // groups big enough to be a loop: the copies of a group share one
        // text, so one look at it decides for all.
        let mut loops: Vec<(&str, Vec<&Row>)> = groups
            .into_iter()
            .filter(|(_, rows)| rows.len() >= min_repeats)
            .filter(|(_, rows)| !is_framework_message(rows[0].1.output.unwrap_or_default()))
            .map(|((agent, _), rows)| {
                let said: Vec<&Row> = rows
                    .into_iter()
                    .filter(|&(at, row)| at == 0 || !logged_again(&trace.rows[at - 1], row))
                    .map(|(_, row)| row)
                    .collect();
                (agent, said)
            })
            .filter(|(_, rows)| rows.len() >= min_repeats)
            .collect();
        loops.sort_by_key(|(_, rows)| rows[0].seq);
        loops
            .into_iter()
            .map(|(agent, rows)| {
                let text = quote(rows[0].output.unwrap_or_default(), 60, Quoted::Text);
                let message = format!(
                    "{agent} gave the same output {} (\"{text}\"): it is looping; stop on a repeated output and re-plan or end the run",
                    times(rows.len())
                );
                let waste_from = rows[1].seq;
                let last = rows[rows.len() - 1].seq;
                FindingBuilder::new(self, trace)
                    .evidence(rows.iter().copied())
                    .metric("repeats", rows.len() as f64)
                    .waste(waste_from..=last)
                    .build(message)
            })
            .collect()
    }
}

/// Whether `text` has fewer than `n` words; stops reading at the `n`th, as
/// most outputs are long.
fn fewer_words_than(text: &str, n: usize) -> bool {
    n > 0 && text.split_whitespace().nth(n - 1).is_none()
}

#[cfg(test)]
mod tests {
    use super::fewer_words_than;

    #[test]
    fn counts_words_up_to_the_minimum() {
        assert!(fewer_words_than("one two  three", 4));
        assert!(!fewer_words_than("one two three four five", 4));
        assert!(!fewer_words_than(" one\ttwo three\nfour ", 4));
        assert!(!fewer_words_than("", 0));
    }
}
