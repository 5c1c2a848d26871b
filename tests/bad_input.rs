//! The bad-input matrix: each case gets a clear message naming the file and
//! line (or byte offset), the record is counted as skipped (or repaired)
//! with its reason, the run goes on, and `--strict` turns a skip into exit 2.
//! Nothing panics; `records_read == ingested + skipped + other signals`
//! always.

mod common;

use common::{ingest_to, tracelint};
use serde_json::{json, Value};
use std::io::Write;
use std::path::{Path, PathBuf};

/// One OTLP/JSON line holding one span.
fn otlp_line(
    trace: &str,
    span: &str,
    parent: Option<&str>,
    start: u64,
    end: u64,
    output: &str,
) -> String {
    let mut s = json!({
        "traceId": trace, "spanId": span, "name": format!("chat {span}"),
        "startTimeUnixNano": start.to_string(), "endTimeUnixNano": end.to_string(),
        "attributes": [
            {"key": "gen_ai.operation.name", "value": {"stringValue": "chat"}},
            {"key": "gen_ai.output.messages", "value": {"stringValue": output}}
        ]
    });
    if let Some(p) = parent {
        s["parentSpanId"] = json!(p);
    }
    json!({"resourceSpans": [{"scopeSpans": [{"spans": [s]}]}]}).to_string()
}

const T: &str = "0af7651916cd43dd8448eb211c80319c";

fn good(span: &str, start: u64) -> String {
    otlp_line(T, span, None, start, start + 10, "ok")
}

struct Run {
    code: i32,
    summary: Value,
    stats: Value,
    stderr: String,
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::File::create(&path)
        .unwrap()
        .write_all(bytes)
        .unwrap();
    path
}

/// `stats` on a trace file, or on a store when the path ends in
/// .store.parquet.
fn stats(path: &Path, extra: &[&str]) -> Run {
    let is_store = path.to_string_lossy().ends_with(".store.parquet");
    let output = tracelint()
        .arg("stats")
        .args(if is_store { vec!["--store"] } else { vec![] })
        .arg(path)
        .args(["--output-format", "json"])
        .args(extra)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    let stats: Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("no JSON ({e}); stderr: {stderr}"));
    let summary = stats["summary"].clone();
    let read = summary["records_read"].as_u64().unwrap();
    let other: u64 = summary["other_signals"]
        .as_object()
        .map_or(0, |o| o.values().filter_map(Value::as_u64).sum());
    let kept = summary["ingested"].as_u64().unwrap() + summary["skipped"].as_u64().unwrap();
    assert_eq!(
        read,
        kept + other,
        "records_read != ingested + skipped + other signals: {summary}"
    );
    Run {
        code: output.status.code().unwrap(),
        summary,
        stats,
        stderr,
    }
}

impl Run {
    /// Count of `reason` under `skipped_reasons` or `repaired_reasons`.
    fn count(&self, group: &str, reason: &str) -> u64 {
        self.summary[group][reason]
            .as_u64()
            .unwrap_or_else(|| panic!("no {group}.{reason} in {}", self.summary))
    }

    /// Asserts stderr says `needle`.
    fn said(&self, needle: impl AsRef<str>) {
        let needle = needle.as_ref();
        assert!(
            self.stderr.contains(needle),
            "expected {needle:?} in stderr:\n{}",
            self.stderr
        );
    }
}

/// Asserts one skip of `reason` reported at `location` (e.g. "f.jsonl:2"),
/// `ingested` events kept, and exit 2 under --strict (and without it when
/// nothing was read: no trace is an error, as for `check`).
fn assert_skip(path: &Path, reason: &str, location: &str, ingested: u64) {
    let run = stats(path, &[]);
    assert_eq!(
        run.code,
        if ingested == 0 { 2 } else { 0 },
        "{}",
        run.stderr
    );
    assert_eq!(run.summary["skipped"], 1, "{}", run.summary);
    assert_eq!(run.count("skipped_reasons", reason), 1);
    assert_eq!(run.summary["ingested"], ingested, "{}", run.summary);
    run.said(format!("{location}: skipped ({reason})"));
    assert_eq!(stats(path, &["--strict"]).code, 2);
}

#[test]
fn malformed_json_line_is_skipped_and_the_rest_read() {
    let dir = tempfile::tempdir().unwrap();
    let text = format!(
        "{}\n{{\"resourceSpans\": [oops]}}\n{}\n",
        good("a1", 1),
        good("a2", 2)
    );
    let path = write(dir.path(), "f.jsonl", text.as_bytes());
    assert_skip(&path, "malformed_json", &format!("{}:2", path.display()), 2);
}

#[test]
fn truncated_document_is_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let doc = serde_json::to_string_pretty(&serde_json::from_str::<Value>(&good("a1", 1)).unwrap())
        .unwrap();
    let cut = &doc[..doc.len() / 2];
    let path = write(dir.path(), "cut.json", cut.as_bytes());
    let run = stats(&path, &[]);
    assert_eq!(run.count("skipped_reasons", "truncated"), 1);
    run.said(format!("{}:", path.display()));
    run.said("input ends inside a JSON value");
}

#[test]
fn invalid_utf8_is_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = format!("{}\n", good("a1", 1)).into_bytes();
    let bad = otlp_line(T, "a2", None, 2, 3, "caf\u{e9}").into_bytes();
    // Replace the two UTF-8 bytes of é with a lone continuation byte.
    let at = bad.windows(2).position(|w| w == [0xc3, 0xa9]).unwrap();
    let mut broken = bad[..at].to_vec();
    broken.push(0xe9);
    broken.extend_from_slice(&bad[at + 2..]);
    bytes.extend_from_slice(&broken);
    bytes.push(b'\n');
    let path = write(dir.path(), "latin1.jsonl", &bytes);
    assert_skip(&path, "invalid_utf8", &format!("{}:2", path.display()), 1);
}

#[test]
fn bare_nan_and_infinity_are_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let nan = good("a2", 2).replace("\"ok\"", "NaN");
    let inf = good("a3", 3).replace("\"ok\"", "-Infinity");
    let text = format!("{}\n{nan}\n{inf}\n", good("a1", 1));
    let path = write(dir.path(), "nan.jsonl", text.as_bytes());
    let run = stats(&path, &[]);
    assert_eq!(run.count("skipped_reasons", "nan_or_infinity"), 2);
    assert_eq!(run.summary["ingested"], 1);
    run.said(format!("{}:3: skipped (nan_or_infinity)", path.display()));
}

#[test]
fn trailing_commas_are_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let comma = good("a2", 2).replacen("]}]}", ",]}]}", 1);
    let text = format!("{}\n{comma}\n", good("a1", 1));
    let path = write(dir.path(), "comma.jsonl", text.as_bytes());
    assert_skip(&path, "trailing_comma", &format!("{}:2", path.display()), 1);
}

#[test]
fn a_100_mb_line_is_read_and_excerpted_or_skipped_over_the_limit() {
    let dir = tempfile::tempdir().unwrap();
    let huge_output = "x".repeat(100 << 20);
    let line = otlp_line(T, "big", None, 1, 2, &huge_output);
    let text = format!("{}\n{line}\n{}\n", good("a1", 1), good("a2", 3));
    let path = write(dir.path(), "big.jsonl", text.as_bytes());
    let store = dir.path().join("big.store.parquet");
    ingest_to(&path, &store);
    let run = stats(&store, &[]);
    assert_eq!(run.summary["ingested"], 3, "{}", run.summary);
    assert_eq!(run.summary["skipped"], 0);
    // The store holds a 512-character excerpt, not the 100 MB.
    assert!(std::fs::metadata(&store).unwrap().len() < 1 << 20);

    let limited = stats(&path, &["--max-record-bytes", "1000000"]);
    assert_eq!(limited.count("skipped_reasons", "record_too_large"), 1);
    assert_eq!(limited.summary["ingested"], 2);
    limited.said(format!("{}:2: skipped (record_too_large)", path.display()));
}

#[test]
fn json_nested_100000_deep_is_skipped_without_overflow() {
    let dir = tempfile::tempdir().unwrap();
    // Deep inside an attribute value, where the parser has to descend.
    let nested = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let deep = good("a2", 2).replace(
        r#"{"stringValue":"ok"}"#,
        &format!(r#"{{"arrayValue":{nested}}}"#),
    );
    assert!(deep.len() > 200_000);
    let text = format!("{}\n{deep}\n", good("a1", 1));
    let path = write(dir.path(), "deep.jsonl", text.as_bytes());
    assert_skip(&path, "too_deep", &format!("{}:2", path.display()), 1);
    // As a whole document, nested from the top.
    let top = write(dir.path(), "deep.json", nested.as_bytes());
    assert_skip(&top, "too_deep", &format!("{}:1", top.display()), 0);
}

#[test]
fn empty_file_is_reported_and_zero_traces_fail_check() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "empty.json", b"  \n\n");
    assert_skip(&path, "empty_file", &path.display().to_string(), 0);
    tracelint().arg("check").arg(&path).assert().code(2);
}

#[test]
fn unknown_format_says_what_was_seen_and_what_exists() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "other.json",
        br#"{"hello": "world", "items": [1, 2]}"#,
    );
    assert_skip(&path, "unknown_format", &path.display().to_string(), 0);
    let run = stats(&path, &[]);
    run.said("an object with keys [hello, items]");
    run.said("formats tried: otlp_json, otlp_proto, jaeger_json, zipkin_json, span_tree");
}

#[test]
fn duplicate_span_ids_keep_the_first_and_identical_copies_merge() {
    let dir = tempfile::tempdir().unwrap();
    let first = otlp_line(T, "a1", None, 1, 5, "first");
    let conflicting = otlp_line(T, "a1", None, 1, 5, "second");
    let text = format!("{first}\n{conflicting}\n{first}\n");
    let path = write(dir.path(), "dup.jsonl", text.as_bytes());
    let run = stats(&path, &[]);
    assert_eq!(run.count("skipped_reasons", "duplicate_span_id"), 1);
    assert_eq!(run.count("repaired_reasons", "duplicate_record"), 1);
    // The identical copy was read and ingested into the first (issue 18):
    // 3 read, 2 ingested, 1 skipped; one event.
    assert_eq!(run.summary["records_read"], 3);
    assert_eq!(run.summary["ingested"], 2);
    assert_eq!(run.summary["events"], 1);
    run.said(format!("{}:2: skipped (duplicate_span_id)", path.display()));
    assert_eq!(stats(&path, &["--strict"]).code, 2);
}

#[test]
fn parent_cycles_are_cut_and_every_span_kept() {
    let dir = tempfile::tempdir().unwrap();
    let lines = [
        otlp_line(T, "a1", Some("a3"), 1, 9, "x"),
        otlp_line(T, "a2", Some("a1"), 2, 8, "y"),
        otlp_line(T, "a3", Some("a2"), 3, 7, "z"),
        otlp_line(T, "a4", Some("a4"), 4, 6, "w"),
    ];
    let path = write(dir.path(), "cycle.jsonl", lines.join("\n").as_bytes());
    let run = stats(&path, &[]);
    assert_eq!(run.summary["ingested"], 4);
    assert_eq!(run.summary["skipped"], 0);
    assert_eq!(run.count("repaired_reasons", "parent_cycle"), 2);
    run.said("repaired (parent_cycle)");
    // Repairs are not skips: --strict passes.
    assert_eq!(stats(&path, &["--strict"]).code, 0);
}

#[test]
fn missing_ids_are_skipped_per_span() {
    let dir = tempfile::tempdir().unwrap();
    let no_trace = otlp_line("", "a2", None, 2, 3, "x");
    let no_span = good("a3", 3).replace("\"spanId\":\"a3\",", "");
    let text = format!("{}\n{no_trace}\n{no_span}\n", good("a1", 1));
    let path = write(dir.path(), "ids.jsonl", text.as_bytes());
    let run = stats(&path, &[]);
    assert_eq!(run.count("skipped_reasons", "missing_trace_id"), 1);
    assert_eq!(run.count("skipped_reasons", "missing_span_id"), 1);
    assert_eq!(run.summary["ingested"], 1);
    run.said(format!("{}:3: skipped (missing_span_id)", path.display()));
}

#[test]
fn timestamps_out_of_order_are_ordered_and_inverted_spans_repaired() {
    let dir = tempfile::tempdir().unwrap();
    // File order c, a, b; start order a, b, c; span b ends before it starts.
    let lines = [
        otlp_line(T, "cc", None, 300, 310, "third"),
        otlp_line(T, "aa", None, 100, 110, "first"),
        otlp_line(T, "bb", None, 200, 150, "second"),
    ];
    let path = write(dir.path(), "order.jsonl", lines.join("\n").as_bytes());
    let run = stats(&path, &[]);
    assert_eq!(run.summary["ingested"], 3);
    assert_eq!(run.count("repaired_reasons", "end_before_start"), 1);
    run.said(format!("{}:3: repaired (end_before_start)", path.display()));
    // Duration spans from the first start to the last end: 100..310 ns.
    assert_eq!(run.stats["traces"][0]["duration_ms"], 0);

    let store = dir.path().join("order.store.parquet");
    ingest_to(&path, &store);
    let file = std::fs::File::open(&store).unwrap();
    use polars::prelude::*;
    let frame = ParquetReader::new(file).finish().unwrap();
    let spans: Vec<&str> = frame
        .column("span_id")
        .unwrap()
        .str()
        .unwrap()
        .iter()
        .map(Option::unwrap)
        .collect();
    assert_eq!(spans, ["aa", "bb", "cc"]);
    let seqs: Vec<u32> = frame
        .column("seq")
        .unwrap()
        .u32()
        .unwrap()
        .iter()
        .map(Option::unwrap)
        .collect();
    assert_eq!(seqs, [0, 1, 2]);
}

#[test]
fn unreadable_and_missing_inputs() {
    tracelint()
        .args(["stats", "/no/such/file.json"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("no such file or directory"));
    tracelint()
        .args(["stats", "/no/such/*.json"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("no file matches"));
    tracelint()
        .arg("stats")
        .assert()
        .code(2)
        .stderr(predicates::str::contains("no input"));
}

/// A Phoenix span row of a CSV table (pandas' `to_csv` of the span
/// dataframe, index first).
const PHOENIX_HEADER: &str = "context.span_id,name,span_kind,parent_id,start_time,end_time,status_code,context.trace_id,attributes.llm.token_count.prompt";

fn phoenix_row(span: &str, trace: &str, tokens: &str) -> String {
    format!("{span},chat,LLM,,2026-11-23 00:48:17.479658+00:00,2026-11-23 00:48:17.479872+00:00,OK,{trace},{tokens}")
}

#[test]
fn a_table_row_that_cannot_be_read_is_skipped_at_its_line_and_the_rest_read() {
    let dir = tempfile::tempdir().unwrap();
    let trace = "070941f91cf4dcf38d9f3688a14e5c06";
    // Row 2 has a field too many; row 3 spans two lines (a quoted newline)
    // and has no trace id; row 4 is read.
    let text = format!(
        "{PHOENIX_HEADER}\n{}\n{},extra\n\"00000000000000c3\",\"multi\nline\",LLM,,,,OK,,\n{}\n",
        phoenix_row("00000000000000a1", trace, "120.0"),
        phoenix_row("00000000000000b2", trace, "1"),
        phoenix_row("00000000000000d4", trace, ""),
    );
    let path = write(dir.path(), "spans.csv", text.as_bytes());
    let run = stats(&path, &[]);
    assert_eq!(run.summary["ingested"], 2, "{}", run.summary);
    assert_eq!(run.summary["skipped"], 2, "{}", run.summary);
    assert_eq!(run.count("skipped_reasons", "malformed_row"), 1);
    assert_eq!(run.count("skipped_reasons", "missing_trace_id"), 1);
    run.said(format!(
        "{}:3: skipped (malformed_row): the row has 10 fields and the header 9",
        path.display()
    ));
    run.said(format!("{}:4: skipped (missing_trace_id)", path.display()));
    // Digit-only span ids keep their leading zeros; float tokens count.
    assert_eq!(run.stats["traces"][0]["input_tokens"], 120);
    assert_eq!(stats(&path, &["--strict"]).code, 2);
}

#[test]
fn a_table_of_no_known_format_says_what_its_columns_are() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "people.csv", b"name,age\nada,36\n");
    assert_skip(&path, "unknown_format", &path.display().to_string(), 0);
    stats(&path, &[]).said("an object with keys [age, name]");
    // Not named .csv, but its header names a span id: read as a table.
    let unnamed = write(
        dir.path(),
        "export",
        format!("{PHOENIX_HEADER}\n{}\n", phoenix_row("a1", "t1", "3")).as_bytes(),
    );
    let run = stats(&unnamed, &[]);
    assert_eq!(
        (run.code, &run.summary["ingested"]),
        (0, &1.into()),
        "{}",
        run.stderr
    );
}

#[test]
fn a_damaged_parquet_file_is_skipped_and_tracelints_own_store_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "spans.parquet", b"PAR1 this is not parquet");
    assert_skip(&path, "unreadable_file", &path.display().to_string(), 0);
    stats(&path, &[]).said("not a readable Parquet file");
    // A store written by `ingest`, given as a trace file.
    let trace = write(
        dir.path(),
        "t.jsonl",
        format!("{}\n", good("a1", 1)).as_bytes(),
    );
    let store = dir.path().join("events.parquet");
    tracelint()
        .args([
            "ingest",
            trace.to_str().unwrap(),
            "-o",
            store.to_str().unwrap(),
        ])
        .assert()
        .success();
    assert_skip(&store, "unknown_format", &store.display().to_string(), 0);
    stats(&store, &[]).said("read a store with --store");
}

#[test]
fn a_sqlite_database_that_is_not_ag2s_log_is_skipped_and_a_damaged_one_too() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("checkpoints.db");
    let db = rusqlite::Connection::open(&path).unwrap();
    db.execute_batch("CREATE TABLE checkpoints (thread_id TEXT, checkpoint BLOB); INSERT INTO checkpoints VALUES ('t', x'00');")
        .unwrap();
    drop(db);
    assert_skip(&path, "unrecognized_record", &path.display().to_string(), 0);
    stats(&path, &[]).said("without AG2's runtime logging tables: no chat_completions, events (its tables: checkpoints)");
    let bytes = std::fs::read(common::repo(
        "tests/fixtures/frameworks/ag2/healthy/logs.db",
    ))
    .unwrap();
    let cut = write(dir.path(), "cut.db", &bytes[..bytes.len() / 3]);
    let run = stats(&cut, &[]);
    assert_eq!(run.summary["ingested"], 0, "{}", run.summary);
    assert_eq!(run.summary["skipped"], 1, "{}", run.summary);
}

#[test]
fn a_table_time_that_is_no_time_is_a_repair_and_epoch_numbers_are_times() {
    let dir = tempfile::tempdir().unwrap();
    let trace = "070941f91cf4dcf38d9f3688a14e5c06";
    let good = phoenix_row("00000000000000a1", trace, "1");
    let text = format!(
        "{PHOENIX_HEADER}\n{good}\n00000000000000b2,chat,LLM,,yesterday,1795000000.5,OK,{trace},2\n"
    );
    let path = write(dir.path(), "spans.csv", text.as_bytes());
    let run = stats(&path, &[]);
    assert_eq!(run.summary["ingested"], 2, "{}", run.summary);
    assert_eq!(run.count("repaired_reasons", "invalid_timestamp"), 1);
    run.said(format!(
        "{}:3: repaired (invalid_timestamp): span \"chat\": its start_time \"yesterday\" is not a time; it is read without one",
        path.display()
    ));
}

#[test]
fn a_run_field_whose_json_text_is_broken_is_a_repair() {
    let dir = tempfile::tempdir().unwrap();
    let run = json!({"id": "r1", "trace_id": "r1", "name": "agent", "run_type": "llm",
        "start_time": "2026-11-23T01:12:38.356500", "dotted_order": "20261123T011238356500Zr1",
        "inputs": "{}", "outputs": "{\"generations\": [[", "extra": "not json"});
    let path = write(dir.path(), "runs.jsonl", format!("{run}\n").as_bytes());
    let run = stats(&path, &[]);
    assert_eq!(run.summary["ingested"], 1, "{}", run.summary);
    assert_eq!(run.count("repaired_reasons", "invalid_json_field"), 2);
    run.said(format!(
        "{}:1: repaired (invalid_json_field): run r1: its outputs is text that is not JSON",
        path.display()
    ));
}
