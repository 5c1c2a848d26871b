use crate::detect::{Detector, Finding, FindingBuilder, Mapping, Severity, TraceView};

macro_rules! doc {
    () => {
        "## What it does

Flags a trace whose tokens (input + output) or cost went over the configured budget, counted over
the rows that carry usage and have no descendant that does (as totals are). The evidence starts at
the call that crossed the line.

## Why is this bad?

A run with no budget cap can spend without bound; the spend after the line is the waste
(checklist P1, token budget).

## Example

```text
budget 10,000 tokens; the 14th LLM call brings the total to 10,350
```

## Not flagged

- Anything, until a budget is set (`--budget-tokens`, `--budget-usd`, or `max_tokens` /
  `max_usd`).
- Traces whose usage is unknown.

## Options

- `max_tokens` (off), `max_usd` (off).

## Mapping

Checklist P1 (token budget)."
    };
}

#[doc = doc!()]
pub struct BudgetExceeded;

impl Detector for BudgetExceeded {
    fn name(&self) -> &'static str {
        "budget-exceeded"
    }

    fn mapping(&self) -> Mapping {
        Mapping {
            mast_mode: None,
            checklist: Some("P1"),
        }
    }

    fn default_severity(&self) -> Severity {
        Severity::Error
    }

    fn documentation(&self) -> &'static str {
        doc!()
    }

    fn check(&self, trace: &TraceView) -> Vec<Finding> {
        let budget = &trace.options.budget;
        let last = trace.rows.last().map_or(0, |r| r.seq);
        let (mut tokens, mut cost) = (0i64, 0f64);
        let mut findings = Vec::new();
        let (mut tokens_over, mut cost_over) = (false, false);
        for row in &trace.rows {
            tokens += row.counted_tokens().unwrap_or(0);
            cost += row.counted_cost().unwrap_or(0.0);
            if let Some(max) = budget.max_tokens.filter(|m| !tokens_over && tokens > *m) {
                tokens_over = true;
                let total: i64 = trace.rows.iter().filter_map(|r| r.counted_tokens()).sum();
                let message = format!(
                    "the run used {total} tokens against a budget of {max}; the budget was crossed at {}: cap tokens per run",
                    row.name
                );
                findings.push(
                    FindingBuilder::new(self, trace)
                        .evidence([row])
                        .metric("tokens", total as f64)
                        .metric("budget_tokens", max as f64)
                        .waste(row.seq..=last)
                        .build(message),
                );
            }
            if let Some(max) = budget.max_usd.filter(|m| !cost_over && cost > *m) {
                cost_over = true;
                let total: f64 = trace.rows.iter().filter_map(|r| r.counted_cost()).sum();
                let message = format!(
                    "the run cost ${total:.4} against a budget of ${max:.4}; the budget was crossed at {}: cap spend per run",
                    row.name
                );
                findings.push(
                    FindingBuilder::new(self, trace)
                        .evidence([row])
                        .metric("cost_usd", total)
                        .metric("budget_usd", max)
                        .waste(row.seq..=last)
                        .build(message),
                );
            }
        }
        findings
    }
}
