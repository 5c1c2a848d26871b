use regex::Regex;
use std::sync::LazyLock;

use crate::detect::{Detector, Finding, FindingBuilder, Mapping, Row, Severity, TraceView};
use crate::event::{Kind, Role};

macro_rules! doc {
    () => {
        "## What it does

Flags an output that states its own confidence below `threshold` (`confidence: 0.4`,
`\"confidence\": 35%`), or says in words that its result is not to be trusted (\"cannot be deemed
reliable\", \"low confidence\", \"not confident\"; read in the output's excerpt), when nothing after
it validates or escalates it before the run's final answer: no verification step (a checker, reviewer, validator, guardrail), no handoff or tool call
to a human, a reviewer or an escalation.

## Why is this bad?

Low-confidence results must go to a validator or a person; passing them on silently turns an
agent's doubt into the system's confident answer (checklist P7 validation, P8 escalation).

## Example

```text
classifier: {\"label\": \"refund\", \"confidence\": 0.41}
orchestrator: Your refund has been approved.       <- no review of the 0.41
```

## Not flagged

- Confidence at or above `threshold`; outputs that state none. A warning of a library printed
  into a message (\"Model mapping may be incorrect\") is not a verdict on the result.
- A validation or escalation after the low-confidence output.

## Options

- `threshold` (0.6).

## Mapping

Checklist P7 (validation), P8 (escalation)."
    };
}

#[doc = doc!()]
pub struct UnescalatedLowConfidence;

/// `confidence: 0.4`, `"confidence_score": 35%`, `Confidence level: 0.3`,
/// `confidence: 7/10` (a number, a percentage, or a fraction of a scale).
static CONFIDENCE: LazyLock<Regex> = LazyLock::new(|| {
    crate::text::ascii_regex(
        r#"(?i)\bconfidence(?:[_ ](?:score|level))?["']?\s*[:=]\s*["']?(\d{1,3}(?:\.\d+)?)\s*(?:(%)|/\s*(\d{1,3})\b)?"#,
    )
});

static ESCALATION: LazyLock<Regex> = LazyLock::new(|| {
    crate::text::ascii_regex(
        r"(?i)(escalat|human|review|approv|supervis|manager|verif|validat|check|judge|evaluat)",
    )
});

/// The confidence an output states, as a fraction.
fn stated_confidence(text: &str) -> Option<f64> {
    let captures = CONFIDENCE.captures(text)?;
    let value: f64 = captures[1].parse().ok()?;
    let scale: Option<f64> = captures.get(3).and_then(|m| m.as_str().parse().ok());
    let fraction = match scale {
        Some(scale) if scale > 0.0 => value / scale,
        _ if captures.get(2).is_some() || value > 1.0 => value / 100.0,
        _ => value,
    };
    (0.0..=1.0).contains(&fraction).then_some(fraction)
}

/// A result said in words not to be trusted.
/// Case-sensitive words that each start with a rare literal, so that the
/// matcher skips most of a text (every output before an answer is read: a
/// case-insensitive pattern led by "is" and "not" cost 6 % of
/// `check`). "Deemed reliable", "confident" and "reliable" count
/// when negated just before (`text::negation_before`); the others when
/// not negated.
static DOUBT: LazyLock<Regex> = LazyLock::new(|| {
    crate::text::ascii_regex(
        r"(?:deemed|considered|regarded as|treated as) (?:reliable|accurate|conclusive|definitive)|[Ll]ow confidence|[Ll]imited confidence|[Uu]nreliable|confident\b|reliable\b",
    )
});

/// How an output states a low confidence: a number below the threshold,
/// or words of doubt.
enum Doubt<'a> {
    Below(f64),
    Said(&'a str),
}

/// The doubt `row`'s output states: a number for any output, words only
/// for an agent's (a model call or a message, not a tool's result: a page
/// saying "unreliable" is not a verdict on the run's result).
fn doubt<'a>(row: &Row<'a>, threshold: f64) -> Option<Doubt<'a>> {
    let text = row.output?;
    if let Some(confidence) = stated_confidence(text) {
        return (confidence < threshold).then_some(Doubt::Below(confidence));
    }
    let agent = matches!(row.kind, Kind::LlmCall | Kind::Message)
        && row.role != Some(Role::Tool)
        && !row.from_person();
    if !agent {
        return None;
    }
    words_of_doubt(text).map(Doubt::Said)
}

/// The words of `text` that say its result is not to be trusted.
fn words_of_doubt(text: &str) -> Option<&str> {
    DOUBT.find_iter(text).find_map(|m| {
        let words = m.as_str();
        // Said plainly ("low confidence", "unreliable"), or only when
        // negated ("cannot be deemed reliable", "not fully confident").
        let judged = ![
            "low",
            "Low",
            "limited",
            "Limited",
            "unreliable",
            "Unreliable",
        ]
        .iter()
        .any(|w| words.starts_with(w));
        let negation = crate::text::negation_before(text, m.start(), 24);
        let start = match (judged, negation) {
            (true, Some(start)) => start,
            (true, None) => return None,
            // "not unreliable", "no low confidence": not doubt.
            (false, Some(_)) => return None,
            (false, None) => m.start(),
        };
        Some(&text[start..m.end()])
    })
}

fn escalates(row: &Row) -> bool {
    row.kind == Kind::Guardrail
        || [row.tool_name, row.handoff_to, Some(row.name)]
            .into_iter()
            .flatten()
            .any(|n| ESCALATION.is_match(n))
}

impl Detector for UnescalatedLowConfidence {
    fn name(&self) -> &'static str {
        "unescalated-low-confidence"
    }

    fn mapping(&self) -> Mapping {
        Mapping {
            mast_mode: None,
            checklist: Some("P7"),
        }
    }

    fn default_severity(&self) -> Severity {
        Severity::Warning
    }

    fn documentation(&self) -> &'static str {
        doc!()
    }

    fn check(&self, trace: &TraceView) -> Vec<Finding> {
        let Some(answer) = trace.final_answer() else {
            return Vec::new();
        };
        let threshold = trace.options.low_confidence.threshold;
        let low = trace
            .rows
            .iter()
            .filter(|r| r.seq < answer.seq)
            .find_map(|r| Some((r, doubt(r, threshold)?)));
        let Some((row, doubt)) = low else {
            return Vec::new();
        };
        let handled = trace
            .rows
            .iter()
            .any(|r| r.seq > row.seq && r.seq <= answer.seq && escalates(r));
        if handled {
            return Vec::new();
        }
        let agent = row.agent.unwrap_or("an agent");
        let stated = match doubt {
            Doubt::Below(confidence) => {
                format!("stated a confidence of {confidence:.2} (below {threshold})")
            }
            Doubt::Said(words) => format!("said its result is not to be trusted (\"{words}\")"),
        };
        let message = format!(
            "{agent} {stated} and the run answered without validating or escalating it: send low-confidence results to a validator or a person"
        );
        let finding = FindingBuilder::new(self, trace)
            .evidence([row, answer])
            .metric("threshold", threshold);
        let finding = match doubt {
            Doubt::Below(confidence) => finding.metric("confidence", confidence),
            Doubt::Said(_) => finding,
        };
        vec![finding.build(message)]
    }
}

#[cfg(test)]
mod tests {
    use super::stated_confidence;

    #[test]
    fn confidences_are_read_as_fractions() {
        assert_eq!(
            stated_confidence(r#"{"label": "x", "confidence": 0.41}"#),
            Some(0.41)
        );
        assert_eq!(stated_confidence("Confidence: 35%"), Some(0.35));
        assert_eq!(stated_confidence("confidence = 80"), Some(0.8));
        assert_eq!(stated_confidence("I have confidence in you"), None);
        assert_eq!(stated_confidence("Confidence: 9/10"), Some(0.9));
        assert_eq!(stated_confidence("Confidence level: 0.3"), Some(0.3));
    }

    #[test]
    fn doubt_in_words() {
        for text in [
            "Given this is a simulated result, it cannot be deemed reliable without actual data.",
            "I have low confidence in this figure.",
            "I am not fully confident that the page was the right one.",
        ] {
            assert!(super::words_of_doubt(text).is_some(), "{text}");
        }
        for text in [
            "Resolved model mismatch: gpt-4o-2024-08-06 != gpt-4o-2024-05-13. Model mapping may be incorrect.",
            "The source is reliable and the figure is confirmed.",
            "We are confident in the answer.",
            "The census is considered reliable by most historians.",
            "Let's find another reliable source for the figure.",
            "The source is not unreliable.",
        ] {
            assert!(super::words_of_doubt(text).is_none(), "{text}");
        }
    }
}
