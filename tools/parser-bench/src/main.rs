//! Which JSON parser reads OTLP JSON Lines fastest, typed, on all cores.
//!
//! The file is read into memory once (the parsers are measured, not the
//! disk); its lines are split with memchr and parsed in parallel (rayon)
//! into the same typed OTLP model — borrowed strings where the text has no
//! escapes — by each parser in turn, three rounds, best time kept:
//! - serde_json into `IgnoredAny` (validates, builds nothing: the floor);
//! - serde_json, typed;
//! - simd-json, typed (serde API; it needs a mutable copy of each line);
//! - sonic-rs, typed (serde API).
//!
//! Every typed parse counts spans and attribute values, which must agree.
//! Usage: parser-bench FILE

use rayon::prelude::*;
use serde::de::IgnoredAny;
use serde::Deserialize;
use std::borrow::Cow;
use std::time::Instant;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct TracesData<'a> {
    #[serde(borrow, default)]
    resource_spans: Vec<ResourceSpans<'a>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ResourceSpans<'a> {
    #[serde(borrow, default)]
    resource: Option<Resource<'a>>,
    #[serde(borrow, default)]
    scope_spans: Vec<ScopeSpans<'a>>,
}

#[derive(Deserialize)]
struct Resource<'a> {
    #[serde(borrow, default)]
    attributes: Vec<KeyValue<'a>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ScopeSpans<'a> {
    #[serde(borrow, default)]
    spans: Vec<Span<'a>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)] // read to be parsed, as ingest reads them
struct Span<'a> {
    #[serde(borrow)]
    trace_id: Cow<'a, str>,
    #[serde(borrow)]
    span_id: Cow<'a, str>,
    #[serde(borrow, default)]
    parent_span_id: Option<Cow<'a, str>>,
    #[serde(borrow)]
    name: Cow<'a, str>,
    #[serde(default)]
    kind: Option<i64>,
    #[serde(borrow, default)]
    start_time_unix_nano: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    end_time_unix_nano: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    attributes: Vec<KeyValue<'a>>,
    #[serde(default)]
    status: Option<Status>,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct Status {
    #[serde(default)]
    code: Option<i64>,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct KeyValue<'a> {
    #[serde(borrow)]
    key: Cow<'a, str>,
    #[serde(borrow)]
    value: AnyValue<'a>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)]
struct AnyValue<'a> {
    #[serde(borrow, default)]
    string_value: Option<Cow<'a, str>>,
    /// A string or a number in OTLP JSON; skipped (the corpus has none).
    #[serde(default)]
    int_value: Option<IgnoredAny>,
    #[serde(default)]
    double_value: Option<f64>,
    #[serde(default)]
    bool_value: Option<bool>,
}

/// (spans, attribute values) in one parsed line.
fn count(data: &TracesData) -> (u64, u64) {
    let mut spans = 0;
    let mut values = 0;
    for resource in &data.resource_spans {
        values += resource
            .resource
            .as_ref()
            .map_or(0, |r| r.attributes.len() as u64);
        for scope in &resource.scope_spans {
            spans += scope.spans.len() as u64;
            values += scope
                .spans
                .iter()
                .map(|s| s.attributes.len() as u64)
                .sum::<u64>();
        }
    }
    (spans, values)
}

fn lines(bytes: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    let mut start = 0;
    for end in memchr::memchr_iter(b'\n', bytes) {
        if end > start {
            out.push(&bytes[start..end]);
        }
        start = end + 1;
    }
    if start < bytes.len() {
        out.push(&bytes[start..]);
    }
    out
}

fn sum(parts: impl ParallelIterator<Item = (u64, u64)>) -> (u64, u64) {
    parts.reduce(|| (0, 0), |a, b| (a.0 + b.0, a.1 + b.1))
}

fn main() {
    let path = std::env::args().nth(1).expect("usage: parser-bench FILE");
    let bytes = std::fs::read(&path).expect("readable file");
    let lines = lines(&bytes);
    let mb = bytes.len() as f64 / 1e6;
    println!(
        "{path}: {mb:.1} MB, {} lines, {} threads",
        lines.len(),
        rayon::current_num_threads()
    );
    type Parse<'l> = Box<dyn Fn(&[&[u8]]) -> (u64, u64) + Sync + 'l>;
    let parsers: Vec<(&str, Parse)> = vec![
        (
            "serde_json → IgnoredAny (floor)",
            Box::new(|lines| {
                sum(lines.par_iter().map(|l| {
                    serde_json::from_slice::<IgnoredAny>(l).expect("valid JSON");
                    (0, 0)
                }))
            }),
        ),
        (
            "serde_json typed",
            Box::new(|lines| {
                sum(lines
                    .par_iter()
                    .map(|l| count(&serde_json::from_slice::<TracesData>(l).expect("valid OTLP"))))
            }),
        ),
        (
            "sonic-rs typed",
            Box::new(|lines| {
                sum(lines
                    .par_iter()
                    .map(|l| count(&sonic_rs::from_slice::<TracesData>(l).expect("valid OTLP"))))
            }),
        ),
    ];
    let mut typed_counts = None;
    // simd-json parses in place: each round gets a fresh mutable copy of
    // the file, made outside the timed part (ingest could read into a
    // buffer it owns and hand it over the same way).
    let mut best = f64::MAX;
    let mut counts = (0, 0);
    for _ in 0..3 {
        let mut copy = bytes.clone();
        let mut slices: Vec<&mut [u8]> = copy
            .split_mut(|b| *b == b'\n')
            .filter(|l| !l.is_empty())
            .collect();
        let start = Instant::now();
        counts = sum(slices
            .par_iter_mut()
            .map(|l| count(&simd_json::serde::from_slice::<TracesData>(l).expect("valid OTLP"))));
        best = best.min(start.elapsed().as_secs_f64());
    }
    typed_counts = typed_counts.or(Some(counts));
    println!(
        "{:<34} {:>8.0} MB/s  ({best:.3} s; {} spans, {} attribute values)",
        "simd-json typed (in place)",
        mb / best,
        counts.0,
        counts.1
    );
    for (name, parse) in &parsers {
        let mut best = f64::MAX;
        let mut counts = (0, 0);
        for _ in 0..3 {
            let start = Instant::now();
            counts = parse(&lines);
            best = best.min(start.elapsed().as_secs_f64());
        }
        if counts != (0, 0) {
            if let Some(expected) = typed_counts {
                assert_eq!(counts, expected, "{name} read different spans");
            }
            typed_counts = Some(counts);
        }
        println!(
            "{name:<34} {:>8.0} MB/s  ({best:.3} s; {} spans, {} attribute values)",
            mb / best,
            counts.0,
            counts.1
        );
    }
}
