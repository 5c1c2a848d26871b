use crate::detect::{Detector, Finding, FindingBuilder, Mapping, Severity, TraceView};

macro_rules! doc {
    () => {
        "## What it does

Flags a trace whose wall-clock time (first start to last end) went over the configured limit. The
evidence is the first event that ended after the limit.

## Why is this bad?

Without a timeout a stuck run holds a user, a worker and a budget until someone notices
(checklist P3, wall-clock timeout).

## Example

```text
limit 300 s; the run started 10:00:00 and its last span ended 10:07:42
```

## Not flagged

- Anything, until a limit is set (`--max-duration SECONDS` or `max_seconds`).
- Traces without timestamps (message lists).

## Options

- `max_seconds` (off).

## Mapping

Checklist P3 (wall-clock timeout)."
    };
}

#[doc = doc!()]
pub struct DurationExceeded;

impl Detector for DurationExceeded {
    fn name(&self) -> &'static str {
        "duration-exceeded"
    }

    fn mapping(&self) -> Mapping {
        Mapping {
            mast_mode: None,
            checklist: Some("P3"),
        }
    }

    fn default_severity(&self) -> Severity {
        Severity::Error
    }

    fn documentation(&self) -> &'static str {
        doc!()
    }

    fn check(&self, trace: &TraceView) -> Vec<Finding> {
        let Some(max_seconds) = trace.options.duration.max_seconds else {
            return Vec::new();
        };
        let Some(start) = trace.rows.iter().filter_map(|r| r.start_ns).min() else {
            return Vec::new();
        };
        let end_of = |r: &crate::detect::Row| r.end_ns.or(r.start_ns);
        let Some(end) = trace.rows.iter().filter_map(end_of).max() else {
            return Vec::new();
        };
        let limit = start + (max_seconds * 1e9) as i64;
        if end <= limit {
            return Vec::new();
        }
        let Some(first_over) = trace
            .rows
            .iter()
            .find(|r| end_of(r).is_some_and(|e| e > limit))
        else {
            return Vec::new();
        };
        let seconds = (end - start) as f64 / 1e9;
        let last = trace.rows.last().map_or(0, |r| r.seq);
        let message = format!(
            "the run took {seconds:.1} s where the limit is {max_seconds} s: set a wall-clock timeout that stops or escalates it"
        );
        vec![FindingBuilder::new(self, trace)
            .evidence([first_over])
            .metric("duration_ms", (seconds * 1000.0).round())
            .metric("max_ms", max_seconds * 1000.0)
            .waste(first_over.seq..=last)
            .build(message)]
    }
}
