use regex::Regex;
use std::sync::LazyLock;

use crate::detect::{Detector, Finding, FindingBuilder, Mapping, Row, Severity, TraceView};
use crate::event::Kind;

macro_rules! doc {
    () => {
        "## What it does

Flags an output that states its own confidence below `threshold` (`confidence: 0.4`,
`\"confidence\": 35%`) when nothing after it validates or escalates it before the run's final
answer: no verification step (a checker, reviewer, validator, guardrail), no handoff or tool call
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

- Confidence at or above `threshold`; outputs that state none.
- A validation or escalation after the low-confidence output.

## Options

- `threshold` (0.6).

## Mapping

Checklist P7 (validation), P8 (escalation)."
    };
}

#[doc = doc!()]
pub struct UnescalatedLowConfidence;

static CONFIDENCE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?i)\bconfidence(?:_score)?["']?\s*[:=]\s*["']?(\d{1,3}(?:\.\d+)?)\s*(%)?"#)
        .unwrap()
});

static ESCALATION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)(escalat|human|review|approv|supervis|manager|verif|validat|check|judge|evaluat)",
    )
    .unwrap()
});

/// The confidence an output states, as a fraction.
fn stated_confidence(text: &str) -> Option<f64> {
    let captures = CONFIDENCE.captures(text)?;
    let value: f64 = captures[1].parse().ok()?;
    let fraction = if captures.get(2).is_some() || value > 1.0 {
        value / 100.0
    } else {
        value
    };
    (0.0..=1.0).contains(&fraction).then_some(fraction)
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
            .find_map(|r| {
                let confidence = r.output.and_then(stated_confidence)?;
                (confidence < threshold).then_some((r, confidence))
            });
        let Some((row, confidence)) = low else {
            return Vec::new();
        };
        let handled = trace
            .rows
            .iter()
            .any(|r| r.seq > row.seq && r.seq <= answer.seq && escalates(r));
        if handled {
            return Vec::new();
        }
        let message = format!(
            "{} stated a confidence of {confidence:.2} (below {threshold}) and the run answered without validating or escalating it: send low-confidence results to a validator or a person",
            row.agent.unwrap_or("an agent")
        );
        vec![FindingBuilder::new(self, trace)
            .evidence([row, answer])
            .metric("confidence", confidence)
            .metric("threshold", threshold)
            .build(message)]
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
    }
}
