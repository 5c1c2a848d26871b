//! The engine-neutral contract of a distributed run (`tracelint worker`),
//! driven as an engine would: spans of the OTLP sample traces and framework
//! fixtures spread over several files (a trace's spans in many of them),
//! each file read by `worker read`, the rows shuffled by `trace_id` into
//! partitions (here with Polars, as Spark's repartition would), each
//! partition checked by `worker check`, everything gathered by `worker
//! gather`: the same findings, verdicts (fingerprints, gate) and summary
//! as `tracelint check` on the same files on one machine. A trace split
//! between partitions, or a partition lost, is an error naming the trace.

use polars::prelude::*;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn tracelint() -> Command {
    Command::new(env!("CARGO_BIN_EXE_tracelint"))
}

fn run(command: &mut Command) -> std::process::Output {
    let output = command.output().unwrap();
    assert!(
        output.status.code() == Some(0),
        "{command:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// Every span of the OTLP sample traces and framework fixtures, one
/// request per line, dealt into `files` files in `dir` (span i to file
/// 7i mod n: a trace's spans land in several files).
fn spread(dir: &Path, files: usize) -> Vec<PathBuf> {
    let mut sources: Vec<PathBuf> = [
        "sample-traces/*/trace.json",
        "tests/fixtures/frameworks/*/*/*otlp*.jsonl",
    ]
    .iter()
    .flat_map(|p| glob::glob(root().join(p).to_str().unwrap()).unwrap())
    .map(Result::unwrap)
    .collect();
    sources.sort();
    let mut lines = Vec::new();
    for source in sources {
        let text = std::fs::read_to_string(&source).unwrap();
        let documents: Vec<Value> = match serde_json::from_str(&text) {
            Ok(document) => vec![document],
            Err(_) => text
                .lines()
                .map(|l| serde_json::from_str(l).unwrap())
                .collect(),
        };
        for document in documents {
            for rs in document["resourceSpans"].as_array().unwrap() {
                for ss in rs["scopeSpans"].as_array().unwrap() {
                    for span in ss["spans"].as_array().unwrap() {
                        lines.push(
                            json!({"resourceSpans": [{"resource": rs["resource"],
                                "scopeSpans": [{"scope": ss["scope"], "spans": [span]}]}]})
                            .to_string(),
                        );
                    }
                }
            }
        }
    }
    assert!(lines.len() > 400, "{} spans", lines.len());
    let mut texts = vec![String::new(); files];
    for (i, line) in lines.iter().enumerate() {
        texts[(i * 7) % files].push_str(line);
        texts[(i * 7) % files].push('\n');
    }
    texts
        .iter()
        .enumerate()
        .map(|(k, text)| {
            let path = dir.join(format!("part-{k:02}.jsonl"));
            std::fs::write(&path, text).unwrap();
            path
        })
        .collect()
}

/// The engine's shuffle: the rows of every pending file, by a hash of
/// their trace id (or, `broken`, by row number), into `partitions` files.
fn shuffle(pending: &[PathBuf], dir: &Path, partitions: usize, broken: bool) -> Vec<PathBuf> {
    let frames: Vec<DataFrame> = pending
        .iter()
        .map(|p| {
            ParquetReader::new(std::fs::File::open(p).unwrap())
                .finish()
                .unwrap()
        })
        .collect();
    let mut all = frames[0].clone();
    for frame in &frames[1..] {
        all.vstack_mut(frame).unwrap();
    }
    shuffle_frame(&all, dir, partitions, broken)
}

/// The rows of `all` by a hash of their trace id (or, `broken`, by row
/// number) into `partitions` Parquet files.
fn shuffle_frame(all: &DataFrame, dir: &Path, partitions: usize, broken: bool) -> Vec<PathBuf> {
    let stem = if broken { "cut" } else { "shuffled" };
    let ids: Vec<String> = all
        .column("trace_id")
        .unwrap()
        .str()
        .unwrap()
        .iter()
        .map(|id| id.unwrap().to_string())
        .collect();
    (0..partitions)
        .map(|k| {
            let mask: BooleanChunked = ids
                .iter()
                .enumerate()
                .map(|(row, id)| {
                    let key = if broken {
                        row
                    } else {
                        id.bytes()
                            .fold(0usize, |h, b| h.wrapping_mul(31).wrapping_add(b as usize))
                    };
                    key % partitions == k
                })
                .collect();
            let mut part = all.filter(&mask).unwrap();
            let path = dir.join(format!("{stem}-{k}-{}.parquet", all.height()));
            ParquetWriter::new(std::fs::File::create(&path).unwrap())
                .finish(&mut part)
                .unwrap();
            path
        })
        .collect()
}

struct Run {
    read_accounting: Vec<PathBuf>,
    check_accounting: Vec<PathBuf>,
    findings: Vec<PathBuf>,
}

/// read → shuffle → check, in `dir`.
fn distributed(files: &[PathBuf], dir: &Path, partitions: usize, broken: bool) -> Run {
    let mut pending = Vec::new();
    let mut read_accounting = Vec::new();
    for (i, file) in files.iter().enumerate() {
        let (out, acc) = (
            dir.join(format!("p{i}.parquet")),
            dir.join(format!("r{i}.json")),
        );
        run(tracelint()
            .args(["worker", "read", "--file-index", &i.to_string(), "-o"])
            .arg(&out)
            .arg("--accounting")
            .arg(&acc)
            .arg(file));
        pending.push(out);
        read_accounting.push(acc);
    }
    let mut run_ = Run {
        read_accounting,
        check_accounting: Vec::new(),
        findings: Vec::new(),
    };
    for (k, part) in shuffle(&pending, dir, partitions, broken)
        .iter()
        .enumerate()
    {
        let (out, acc) = (
            dir.join(format!("f{k}.parquet")),
            dir.join(format!("c{k}.json")),
        );
        // The partition through stdin and the findings through stdout, as
        // an engine pipes them.
        let output = run(tracelint()
            .args(["worker", "check", "-", "-o", "-", "--accounting"])
            .arg(&acc)
            .stdin(std::fs::File::open(part).unwrap()));
        std::fs::write(&out, &output.stdout).unwrap();
        run_.findings.push(out);
        run_.check_accounting.push(acc);
    }
    run_
}

fn gather(run_: &Run, extra: &[&str]) -> std::process::Output {
    // Checks' accounting first: the order of the files does not matter.
    tracelint()
        .args(["worker", "gather", "--exit-zero", "--findings"])
        .args(&run_.findings)
        .arg("--accounting")
        .args(&run_.check_accounting)
        .args(&run_.read_accounting)
        .args(extra)
        .output()
        .unwrap()
}

#[test]
fn a_distributed_run_finds_what_check_finds_on_one_machine() {
    let dir = tempfile::tempdir().unwrap();
    let inputs = dir.path().join("in");
    std::fs::create_dir(&inputs).unwrap();
    let files = spread(&inputs, 5);
    let run_ = distributed(&files, dir.path(), 3, false);
    let table = dir.path().join("findings.parquet");
    let gathered = gather(&run_, &["--findings-parquet", table.to_str().unwrap()]);
    assert_eq!(
        gathered.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&gathered.stderr)
    );
    let gathered: Value = serde_json::from_slice(&gathered.stdout).unwrap();
    let check = run(tracelint()
        .args(["check", "--output-format", "json", "--exit-zero", "--quiet"])
        .arg(&inputs));
    let check: Value = serde_json::from_slice(&check.stdout).unwrap();
    assert!(check["findings"].as_array().unwrap().len() >= 20);
    assert_eq!(gathered["findings"], check["findings"]);
    assert_eq!(gathered["verdicts"], check["verdicts"]);
    assert_eq!(gathered["summary"], check["summary"]);
    let table = ParquetReader::new(std::fs::File::open(&table).unwrap())
        .finish()
        .unwrap();
    assert_eq!(table.height(), check["findings"].as_array().unwrap().len());
}

#[test]
fn a_trace_split_between_partitions_or_a_lost_partition_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let inputs = dir.path().join("in");
    std::fs::create_dir(&inputs).unwrap();
    let files = spread(&inputs, 3);
    // Rows dealt by row number, not trace: traces cut in pieces.
    let split = distributed(&files, dir.path(), 2, true);
    let output = gather(&split, &[]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("was checked in two partitions"), "{stderr}");

    let dir = tempfile::tempdir().unwrap();
    let whole = distributed(&files, dir.path(), 3, false);
    let mut lost = Run {
        read_accounting: whole.read_accounting.clone(),
        check_accounting: whole.check_accounting[..2].to_vec(),
        findings: whole.findings[..2].to_vec(),
    };
    let output = gather(&lost, &[]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("events were read, 0 reached a check"),
        "{stderr}"
    );

    // A findings file missing, or given twice, while every accounting is
    // there.
    lost.check_accounting = whole.check_accounting.clone();
    let rows = |f: &PathBuf| {
        ParquetReader::new(std::fs::File::open(f).unwrap())
            .finish()
            .unwrap()
            .height()
    };
    let with_rows = whole.findings.iter().position(|f| rows(f) > 0).unwrap();
    lost.findings = whole.findings.clone();
    lost.findings.remove(with_rows);
    let output = gather(&lost, &[]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("a file missing, or given twice"));
    lost.findings = whole.findings.clone();
    lost.findings.push(whole.findings[with_rows].clone());
    let output = gather(&lost, &[]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("a file missing, or given twice"));
}

#[test]
fn list_gives_check_s_files_in_its_order_and_nothing_read_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let inputs = dir.path().join("in");
    std::fs::create_dir_all(inputs.join("sub")).unwrap();
    std::fs::create_dir_all(inputs.join(".hidden")).unwrap();
    for name in [
        "b.jsonl",
        "a.json",
        "sub/c.jsonl",
        ".hidden/d.json",
        "notes.md",
    ] {
        std::fs::write(inputs.join(name), "{}\n").unwrap();
    }
    let listed = run(tracelint().args(["worker", "list"]).arg(&inputs));
    let listed = String::from_utf8(listed.stdout).unwrap();
    let names: Vec<&str> = listed
        .lines()
        .map(|l| l.strip_prefix(inputs.to_str().unwrap()).unwrap())
        .collect();
    assert_eq!(names, ["/a.json", "/b.jsonl", "/sub/c.jsonl"]);

    // Nothing readable: gather says so, as check does.
    let (pending, read_acc) = (dir.path().join("p.parquet"), dir.path().join("r.json"));
    let (rows, check_acc) = (dir.path().join("f.parquet"), dir.path().join("c.json"));
    run(tracelint()
        .args(["worker", "read", "-o"])
        .arg(&pending)
        .arg("--accounting")
        .arg(&read_acc)
        .arg(inputs.join("a.json")));
    run(tracelint()
        .args(["worker", "check"])
        .arg(&pending)
        .arg("-o")
        .arg(&rows)
        .arg("--accounting")
        .arg(&check_acc));
    let output = tracelint()
        .args(["worker", "gather", "--findings"])
        .arg(&rows)
        .arg("--accounting")
        .arg(&read_acc)
        .arg(&check_acc)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("no traces were read"), "{stderr}");
}

/// A store (`tracelint ingest`) partitioned by an engine: rows of whole
/// traces in any order check as the store does; a trace cut between
/// partitions is refused by the check that gets part of it.
#[test]
fn a_store_s_partitions_check_as_the_store_does() {
    let dir = tempfile::tempdir().unwrap();
    let inputs = dir.path().join("in");
    std::fs::create_dir(&inputs).unwrap();
    spread(&inputs, 3);
    let store = dir.path().join("store.parquet");
    run(tracelint().arg("ingest").arg(&inputs).arg("-o").arg(&store));
    let check = run(tracelint()
        .args([
            "check",
            "--output-format",
            "json",
            "--exit-zero",
            "--quiet",
            "--store",
        ])
        .arg(&store));
    let check: Value = serde_json::from_slice(&check.stdout).unwrap();

    let mut events = ParquetReader::new(std::fs::File::open(&store).unwrap())
        .finish()
        .unwrap();
    // Rows reversed: a partition's order is the engine's.
    events = events.reverse();
    let parts = shuffle_frame(&events, dir.path(), 2, false);
    let mut findings = Vec::new();
    let mut accounting = Vec::new();
    for (k, part) in parts.iter().enumerate() {
        let (out, acc) = (
            dir.path().join(format!("sf{k}.parquet")),
            dir.path().join(format!("sc{k}.json")),
        );
        run(tracelint()
            .args(["worker", "check"])
            .arg(part)
            .arg("-o")
            .arg(&out)
            .arg("--accounting")
            .arg(&acc));
        findings.push(out);
        accounting.push(acc);
    }
    let gathered = run(tracelint()
        .args(["worker", "gather", "--exit-zero", "--findings"])
        .args(&findings)
        .arg("--accounting")
        .args(&accounting));
    let gathered: Value = serde_json::from_slice(&gathered.stdout).unwrap();
    assert!(check["findings"].as_array().unwrap().len() >= 20);
    assert_eq!(gathered["findings"], check["findings"]);
    assert_eq!(gathered["verdicts"], check["verdicts"]);

    let cut = shuffle_frame(&events, dir.path(), 2, true);
    let output = tracelint()
        .args(["worker", "check"])
        .arg(&cut[0])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("not whole traces"), "{stderr}");
}
