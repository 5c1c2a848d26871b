//! Inputs larger than memory go through partitions spilled to disk
//! (`--partitions N`); what `check` says must not depend on it. Here small
//! inputs are forced through that path and compared with the in-memory
//! path: the whole JSON outcome (findings, traces, counts of skipped and
//! repaired records), the SARIF, the diagnostics and the exit code.

mod common;

use common::{repo, shared_data, tracelint};
use serde_json::{json, Value};
use std::path::Path;
use tracelint::store::read_store;

/// A trace split over two files, a conflicting duplicate span, an
/// unreadable line, a span ending before it starts and a parent cycle: the
/// cases where assembly across files and the ingest accounting could
/// differ between the two paths.
fn write_awkward_inputs(dir: &Path) {
    let span = |trace: &str, id: &str, parent: Option<&str>, name: &str, start: u64, end: u64| {
        let mut span = json!({
            "traceId": trace, "spanId": id, "name": name,
            "startTimeUnixNano": start.to_string(), "endTimeUnixNano": end.to_string(),
            "attributes": [
                {"key": "gen_ai.operation.name", "value": {"stringValue": "chat"}},
                {"key": "gen_ai.agent.name", "value": {"stringValue": "worker"}},
                {"key": "gen_ai.usage.output_tokens", "value": {"intValue": "40"}}
            ]
        });
        if let Some(parent) = parent {
            span["parentSpanId"] = json!(parent);
        }
        span
    };
    let line = |spans: Vec<Value>| {
        json!({"resourceSpans": [{"scopeSpans": [{"spans": spans}]}]}).to_string()
    };
    let t1 = "0af7651916cd43dd8448eb211c80319c";
    let t2 = "1bf7651916cd43dd8448eb211c80319d";
    let first = [
        line(vec![
            span(t1, "00f067aa0ba902b7", None, "root", 10, 90),
            span(
                t1,
                "00f067aa0ba902b8",
                Some("00f067aa0ba902b7"),
                "chat",
                20,
                30,
            ),
        ]),
        "{not json".to_string(),
        line(vec![
            span(t2, "10f067aa0ba902b1", Some("10f067aa0ba902b2"), "a", 5, 6),
            span(t2, "10f067aa0ba902b2", Some("10f067aa0ba902b1"), "b", 7, 3),
        ]),
    ];
    let second = [line(vec![
        span(
            t1,
            "00f067aa0ba902b9",
            Some("00f067aa0ba902b7"),
            "chat",
            40,
            50,
        ),
        span(
            t1,
            "00f067aa0ba902b8",
            Some("00f067aa0ba902b7"),
            "other",
            20,
            30,
        ),
    ])];
    std::fs::write(dir.join("a.jsonl"), first.join("\n")).unwrap();
    std::fs::write(dir.join("b.jsonl"), second.join("\n")).unwrap();
}

struct Run {
    code: i32,
    stdout: String,
    /// Diagnostics, sorted: partitions assemble traces in another order.
    stderr: Vec<String>,
}

fn check(inputs: &[&Path], format: &str, partitions: usize, spill_dir: &Path) -> Run {
    let output = tracelint()
        .arg("check")
        .args(inputs)
        .args(["--output-format", format])
        .args(["--partitions", &partitions.to_string()])
        .arg("--spill-dir")
        .arg(spill_dir)
        .output()
        .unwrap();
    let mut stderr: Vec<String> = String::from_utf8(output.stderr)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect();
    stderr.sort();
    Run {
        code: output.status.code().unwrap(),
        stdout: String::from_utf8(output.stdout).unwrap(),
        stderr,
    }
}

#[test]
fn partitioned_check_says_exactly_what_the_in_memory_check_says() {
    let dir = tempfile::tempdir().unwrap();
    write_awkward_inputs(dir.path());
    let spill_dir = tempfile::tempdir().unwrap();
    let fixtures = repo("tests/fixtures");
    let samples = repo("sample-traces");
    let inputs = [fixtures.as_path(), samples.as_path(), dir.path()];

    let in_memory = check(&inputs, "json", 1, spill_dir.path());
    let outcome: Value = serde_json::from_str(&in_memory.stdout).unwrap();
    let summary = &outcome["summary"];
    // The comparison means something only if every case is present.
    assert_eq!(in_memory.code, 1);
    assert!(outcome["findings"].as_array().unwrap().len() > 20);
    assert!(summary["traces"].as_u64().unwrap() > 40);
    for reason in ["malformed_json", "duplicate_span_id"] {
        assert!(
            summary["skipped_reasons"][reason].as_u64() > Some(0),
            "{summary}"
        );
    }
    for reason in ["end_before_start", "parent_cycle"] {
        assert!(
            summary["repaired_reasons"][reason].as_u64() > Some(0),
            "{summary}"
        );
    }

    // 2 and 7: traces spread over partitions; 64: more partitions than
    // some inputs have traces, so some are empty.
    for partitions in [2, 7, 64] {
        let partitioned = check(&inputs, "json", partitions, spill_dir.path());
        assert_eq!(partitioned.code, in_memory.code, "{partitions} partitions");
        assert_eq!(
            partitioned.stdout, in_memory.stdout,
            "{partitions} partitions"
        );
        assert_eq!(
            partitioned.stderr, in_memory.stderr,
            "{partitions} partitions"
        );
    }
    let sarif = check(&inputs, "sarif", 1, spill_dir.path());
    assert_eq!(
        check(&inputs, "sarif", 5, spill_dir.path()).stdout,
        sarif.stdout
    );

    // The spill is removed at the end of each run.
    assert_eq!(std::fs::read_dir(spill_dir.path()).unwrap().count(), 0);
}

#[test]
fn a_spill_directory_that_cannot_be_written_is_an_error_with_exit_2() {
    let missing = Path::new("/nonexistent/tracelint-spill");
    let run = check(&[&repo("sample-traces")], "json", 3, missing);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .iter()
            .any(|l| l.contains("cannot create a spill directory in /nonexistent")),
        "{:?}",
        run.stderr
    );
}

/// `tracelint ingest` with `--partitions N` writes the store a partition at
/// a time; read back, it is the store the in-memory path writes: the same
/// rows in the same order, the same ingest summary, the same labels.
#[test]
fn a_store_written_partition_by_partition_reads_back_as_the_in_memory_store() {
    let dir = tempfile::tempdir().unwrap();
    write_awkward_inputs(dir.path());
    let fixtures = repo("tests/fixtures");
    // Who&When's files carry corpus labels, which go to a second file.
    let labelled = shared_data("who_and_when");
    let mut inputs = vec![fixtures.as_path(), dir.path()];
    inputs.extend(labelled.as_deref());
    let ingest = |partitions: usize| {
        let store = dir.path().join(format!("store-{partitions}.parquet"));
        let output = tracelint()
            .arg("ingest")
            .args(&inputs)
            .arg("-o")
            .arg(&store)
            .args(["--partitions", &partitions.to_string()])
            .arg("--spill-dir")
            .arg(dir.path())
            .output()
            .unwrap();
        let mut stderr: Vec<String> = String::from_utf8(output.stderr)
            .unwrap()
            .lines()
            .map(|line| line.replace(&format!("store-{partitions}"), "store"))
            .collect();
        stderr.sort();
        (output.status.code(), stderr, store)
    };
    let (code, stderr, in_memory) = ingest(1);
    let expected = read_store(&in_memory).unwrap();
    assert_eq!(code, Some(0));
    assert_eq!(expected.labels.height() > 0, labelled.is_some());
    assert!(expected.ingest.skipped > 0 && expected.ingest.repaired > 0);
    for partitions in [3, 64] {
        let (partitioned_code, partitioned_stderr, path) = ingest(partitions);
        assert_eq!(partitioned_code, code, "{partitions} partitions");
        assert_eq!(partitioned_stderr, stderr, "{partitions} partitions");
        let store = read_store(&path).unwrap();
        assert!(
            store.events.equals_missing(&expected.events),
            "{partitions} partitions"
        );
        assert!(store.labels.equals_missing(&expected.labels));
        assert_eq!(
            serde_json::to_value(&store.ingest).unwrap(),
            serde_json::to_value(&expected.ingest).unwrap()
        );
    }
}
