//! The command line: every kind of input, the exit-code contract, and the
//! JSON outputs' shape.

mod common;

use common::{repo, stats_json, tracelint};
use predicates::prelude::PredicateBooleanExt;
use predicates::str::contains;
use serde_json::Value;
use std::io::Write;

fn sample(name: &str) -> std::path::PathBuf {
    repo("sample-traces").join(name).join("trace.json")
}

#[test]
fn gzip_zstd_stdin_globs_and_directories_read_the_same_events() {
    let dir = tempfile::tempdir().unwrap();
    let raw = std::fs::read(sample("healthy")).unwrap();
    let gz = dir.path().join("healthy.json.gz");
    let mut encoder = flate2::write::GzEncoder::new(
        std::fs::File::create(&gz).unwrap(),
        flate2::Compression::fast(),
    );
    encoder.write_all(&raw).unwrap();
    encoder.finish().unwrap();
    let zst = dir.path().join("nested/deeper/healthy.json.zst");
    std::fs::create_dir_all(zst.parent().unwrap()).unwrap();
    std::fs::write(&zst, zstd::encode_all(&raw[..], 3).unwrap()).unwrap();
    std::fs::write(dir.path().join("notes.md"), "not a trace").unwrap();

    let plain = stats_json(&[sample("healthy").to_str().unwrap()]);
    let events = &plain["summary"]["events"];
    assert_eq!(events, 15);
    for input in [&gz, &zst] {
        let got = stats_json(&[input.to_str().unwrap()]);
        assert_eq!(&got["summary"]["events"], events, "{}", input.display());
        assert_eq!(got["traces"], plain["traces"]);
    }
    // The directory walk finds both compressed files (not notes.md).
    let both = stats_json(&[dir.path().to_str().unwrap()]);
    assert_eq!(both["summary"]["files"], 2);
    assert_eq!(both["summary"]["repaired_reasons"]["duplicate_record"], 15);
    // A glob, and stdin.
    let glob = format!("{}/*.gz", dir.path().display());
    assert_eq!(stats_json(&[&glob])["summary"]["files"], 1);
    let out = tracelint()
        .args(["stats", "-", "--output-format", "json"])
        .write_stdin(raw)
        .output()
        .unwrap();
    let from_stdin: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(from_stdin["traces"], plain["traces"]);
}

#[test]
fn forcing_a_format_that_does_not_fit_skips_with_reasons() {
    let out = tracelint()
        .args(["stats", "--format", "span_tree", "--output-format", "json"])
        .arg(sample("healthy"))
        .output()
        .unwrap();
    let stats: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        stats["summary"]["skipped_reasons"]["unrecognized_record"],
        1
    );
    tracelint()
        .args(["stats", "--format", "nope", "x"])
        .assert()
        .code(2)
        .stderr(contains("possible values"));
}

#[test]
fn check_exit_codes_follow_the_contract() {
    // Clean input: 0.
    tracelint()
        .arg("check")
        .arg(sample("healthy"))
        .assert()
        .code(0)
        .stdout(contains("1 traces"));
    // Error-severity findings: 1 (the samples plant loops); 0 with --exit-zero.
    tracelint()
        .arg("check")
        .arg(repo("sample-traces"))
        .assert()
        .code(1)
        .stdout(contains("5 traces"));
    tracelint()
        .arg("check")
        .arg(repo("sample-traces"))
        .arg("--exit-zero")
        .assert()
        .code(0);
    // Zero traces: 2.
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty.jsonl");
    std::fs::write(&empty, "").unwrap();
    tracelint()
        .arg("check")
        .arg(&empty)
        .assert()
        .code(2)
        .stderr(contains("no traces"));
    // A skipped record: 0, or 2 under --strict.
    let broken = dir.path().join("broken.jsonl");
    let good = std::fs::read_to_string(sample("healthy")).unwrap();
    let line: Value = serde_json::from_str(&good).unwrap();
    std::fs::write(&broken, format!("{line}\n{{not json\n")).unwrap();
    tracelint().arg("check").arg(&broken).assert().code(0);
    tracelint()
        .arg("check")
        .arg(&broken)
        .arg("--strict")
        .assert()
        .code(2)
        .stderr(contains("--strict"));
    // Bad usage: 2.
    tracelint()
        .args(["check", "--no-such-flag"])
        .assert()
        .code(2);
    tracelint()
        .args(["check", "--store", "/no/store.parquet"])
        .assert()
        .code(2)
        .stderr(contains("cannot open store"));
    tracelint()
        .arg("check")
        .arg(sample("healthy"))
        .arg("--quiet")
        .assert()
        .code(0);
}

#[test]
fn check_json_has_summary_and_findings() {
    let out = tracelint()
        .args(["check", "--output-format", "json"])
        .arg(sample("healthy"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["schema_version"], 1);
    assert_eq!(doc["summary"]["traces"], 1);
    assert_eq!(doc["summary"]["records_read"], doc["summary"]["ingested"]);
    assert_eq!(doc["summary"]["gating"], 0);
    assert_eq!(doc["findings"], Value::Array(vec![]));

    let out = tracelint()
        .args(["check", "--output-format", "json"])
        .arg(repo("sample-traces"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["summary"]["traces"], 5);
    let findings = doc["findings"].as_array().unwrap();
    let errors = findings.iter().filter(|f| f["severity"] == "error").count();
    assert!(
        errors > 0 && errors < findings.len(),
        "errors and warnings both"
    );
    assert_eq!(doc["summary"]["gating"], errors);
    let first = &findings[0];
    for field in [
        "detector",
        "mast_mode",
        "severity",
        "confidence",
        "trace_id",
        "span_ids",
        "seq_range",
        "agents",
        "message",
        "metrics",
        "source_file",
        "source_line",
    ] {
        assert!(
            first.get(field).is_some(),
            "finding without {field}: {first}"
        );
    }
}

#[test]
fn a_store_that_is_not_ours_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("other.parquet");
    use polars::prelude::{Column, DataFrame};
    let mut frame = DataFrame::new(2, vec![Column::new("a".into(), [1i64, 2])]).unwrap();
    polars::prelude::ParquetWriter::new(std::fs::File::create(&path).unwrap())
        .finish(&mut frame)
        .unwrap();
    tracelint()
        .args(["stats", "--store"])
        .arg(&path)
        .assert()
        .code(2)
        .stderr(contains("not a valid tracelint store"));
}

#[test]
fn rules_print_the_taxonomy_and_the_registry() {
    let out = tracelint().args(["rules", "--taxonomy"]).output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    for needle in [
        "1.1",
        "Disobey task specification",
        "3.3",
        "Incorrect verification",
        "P1",
        "P10",
        "FC2 Inter-agent misalignment",
    ] {
        assert!(text.contains(needle), "{needle} missing");
    }
    tracelint().arg("rules").assert().code(0);
    tracelint()
        .args(["rules", "no-such-detector"])
        .assert()
        .code(2)
        .stderr(contains(
            "unknown selector \"no-such-detector\": use a severity (error, warning, info), a detector name (`tracelint rules` lists them)",
        ));
}

#[test]
fn csv_tables() {
    let out = tracelint()
        .args(["stats", "--output-format", "csv", "--table", "agents"])
        .arg(repo("sample-traces"))
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some("agent,traces,events,llm_calls,tool_calls,input_tokens,output_tokens,cost_usd")
    );
    assert!(text.contains("\nresearcher,2,"), "{text}");
}

#[test]
fn check_options_from_flags_and_tracelint_toml() {
    let healthy = sample("healthy");
    // Budgets are off until set; a 100-token budget catches the healthy run.
    tracelint().arg("check").arg(&healthy).assert().code(0);
    let out = tracelint()
        .args([
            "check",
            "--output-format",
            "jsonl",
            "--budget-tokens",
            "100",
        ])
        .arg(&healthy)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let lines: Vec<Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["detector"], "budget-exceeded");
    tracelint()
        .args(["check", "--max-duration", "0.5"])
        .arg(&healthy)
        .assert()
        .code(1)
        .stdout(contains("duration-exceeded"));

    // tracelint.toml: an option raised past the sample's 8 repeats.
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("tracelint.toml");
    std::fs::write(
        &config,
        "[detectors.repeated-identical-output]\nmin_repeats = 9\n",
    )
    .unwrap();
    let repeated = sample("repeated-output");
    tracelint()
        .arg("check")
        .arg(&repeated)
        .assert()
        .stdout(contains("repeated-identical-output"));
    tracelint()
        .arg("check")
        .arg(&repeated)
        .arg("--config")
        .arg(&config)
        .assert()
        .stdout(contains("repeated-identical-output").not());
    // Found upward from the working directory too.
    let nested = dir.path().join("a/b");
    std::fs::create_dir_all(&nested).unwrap();
    tracelint()
        .current_dir(&nested)
        .arg("check")
        .arg(&repeated)
        .assert()
        .stdout(contains("repeated-identical-output").not());
    // An unknown key is an error that names it.
    std::fs::write(
        &config,
        "[detectors.repeated-identical-output]\nrepeats = 9\n",
    )
    .unwrap();
    tracelint()
        .arg("check")
        .arg(&repeated)
        .arg("--config")
        .arg(&config)
        .assert()
        .code(2)
        .stderr(contains("repeats"));
}

/// The README's tracelint.toml example is a valid configuration, and says
/// the defaults (but for the budgets, which are off until set).
#[test]
fn the_readme_config_example_is_valid() {
    let readme = std::fs::read_to_string(repo("README.md")).unwrap();
    let start = readme.find("```toml\n").expect("a toml block") + "```toml\n".len();
    let end = start + readme[start..].find("```").unwrap();
    let config: tracelint::config::Config = toml::from_str(&readme[start..end]).unwrap();
    let mut expected = tracelint::detect::DetectOptions::default();
    expected.budget.max_tokens = Some(200_000);
    expected.budget.max_usd = Some(2.0);
    expected.duration.max_seconds = Some(300.0);
    assert_eq!(config.detectors, expected);
}

/// On a terminal, several files show a progress bar on stderr; `--quiet`
/// silences it; piped output never has it.
#[test]
#[cfg_attr(
    not(tracelint_shared),
    ignore = "needs ../shared beside the repository"
)]
fn progress_bar_on_a_terminal_only() {
    let data = common::shared("who_and_when");
    if std::process::Command::new("script")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!("skipping: no `script` to give the run a terminal");
        return;
    }
    let bin = assert_cmd::cargo::cargo_bin("tracelint");
    let on_terminal = |extra: &str| {
        let command = format!(
            "{} stats {} --table traces {extra} > /dev/null",
            bin.display(),
            data.display()
        );
        let out = std::process::Command::new("script")
            .args(["-qec", &command, "/dev/null"])
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    assert!(on_terminal("").contains("reading traces"));
    assert!(!on_terminal("--quiet").contains("reading traces"));
    let piped = tracelint()
        .args(["stats", "--table", "traces"])
        .arg(&data)
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&piped.stderr).contains("reading traces"));
}

/// The phase lines of a `--timings` summary on stderr, names only, up to
/// the total; the peak RSS after it is checked here (Linux tells it).
fn timing_phases(stderr: &[u8]) -> Vec<String> {
    let text = String::from_utf8_lossy(stderr);
    let mut lines = text
        .lines()
        .skip_while(|l| !l.starts_with("tracelint: timings"));
    assert!(lines.next().is_some(), "no timings in {text}");
    let names: Vec<String> = lines
        .map(|l| l.trim().split("  ").next().unwrap().to_string())
        .collect();
    let total = names.iter().position(|n| n == "total").expect("a total");
    let after: Vec<&str> = names[total + 1..].iter().map(String::as_str).collect();
    let expected: &[&str] = if cfg!(target_os = "linux") {
        &["peak RSS"]
    } else {
        &[]
    };
    assert_eq!(after, expected, "{text}");
    names[..=total].to_vec()
}

/// `tracelint ARGS --timings` on the sample traces: its phases.
fn timed_phases(args: &[&str]) -> Vec<String> {
    let out = tracelint()
        .args(args)
        .args(["--quiet", "--timings"])
        .arg(repo("sample-traces"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    timing_phases(&out.stderr)
}

#[test]
fn timings_name_each_phase_of_the_path_taken() {
    // What every check does once its store frame is built.
    let checked = [
        "index traces",
        "detect",
        "list traces",
        "write output",
        "other",
        "total",
    ];
    let in_memory = [
        "read and parse",
        "assemble traces",
        "build store frame",
        "free events",
    ];
    assert_eq!(
        timed_phases(&["check", "--exit-zero"]),
        [&in_memory[..], &checked[..]].concat()
    );
    // Through partitions: the spill is written while reading, then read
    // back; the phases of each partition add up to one line each.
    let partitioned = [
        "read, parse and spill",
        "read spill",
        "assemble traces",
        "build store frame",
        "free events",
    ];
    assert_eq!(
        timed_phases(&["check", "--exit-zero", "--partitions", "3"]),
        [&partitioned[..], &checked[..]].concat()
    );
    // `ingest` ends by writing the store.
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store.parquet");
    assert_eq!(
        timed_phases(&["ingest", "-o", store.to_str().unwrap()]),
        [&in_memory[..], &["write store", "other", "total"][..]].concat()
    );
    // Without the flag, nothing is printed.
    tracelint()
        .args(["check", "--exit-zero", "--quiet"])
        .arg(repo("sample-traces"))
        .assert()
        .stderr("");
}

/// A selector that no detector can match would make the gate pass every
/// run (`--fail-on 2.2`: MAST mode 2.2 has no detector yet): it is an error
/// naming the selector and what detectors do cover, from flags and from
/// tracelint.toml alike (issue 21, item 4).
#[test]
fn a_selector_that_matches_no_detector_is_an_error() {
    let repeated = sample("repeated-output");
    for flag in ["--fail-on", "--select", "--ignore"] {
        tracelint()
            .arg("check")
            .arg(&repeated)
            .args([flag, "error,2.2"])
            .assert()
            .code(2)
            .stderr(contains(
                "selector \"2.2\" matches no detector (MAST modes with a detector: 1.1, 1.3",
            ));
    }
    // A mode that has a detector still gates.
    tracelint()
        .arg("check")
        .arg(&repeated)
        .args(["--fail-on", "1.3"])
        .assert()
        .code(1);
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("tracelint.toml");
    std::fs::write(&config, "[gate]\nfail_on = [\"P10\"]\n").unwrap();
    tracelint()
        .arg("check")
        .arg(&repeated)
        .arg("--config")
        .arg(&config)
        .assert()
        .code(2)
        .stderr(contains("selector \"P10\" matches no detector"));
    // `rules` takes the same selectors: the detectors they choose, or the
    // same error.
    let out = tracelint().args(["rules", "1.5,P2"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let listed: Vec<String> = table_rows(&out.stdout)
        .into_iter()
        .map(|cells| cells[0].clone())
        .collect();
    assert_eq!(
        listed,
        [
            "handoff-cycle",
            "hop-limit-exceeded",
            "convergence-starvation",
            "turn-limit-hit"
        ]
    );
    tracelint()
        .args(["rules", "2.2"])
        .assert()
        .code(2)
        .stderr(contains("selector \"2.2\" matches no detector"));
}

/// README's table of detectors says what `tracelint rules` says: the same
/// detectors in the same order, with the same mappings and severities.
#[test]
fn the_readme_lists_the_detectors_as_rules_prints_them() {
    let readme = std::fs::read_to_string(repo("README.md")).unwrap();
    let table = readme
        .split("| detector | maps to | severity | flags |")
        .nth(1)
        .expect("README has the detector table");
    let from_readme: Vec<(String, String, String)> = table
        .lines()
        .skip(2)
        .take_while(|l| l.starts_with('|'))
        .map(|l| {
            let cells: Vec<&str> = l.split('|').map(str::trim).collect();
            let mapping = cells[2].trim_start_matches("MAST ").replace('-', "");
            (cells[1].to_string(), mapping, cells[3].to_string())
        })
        .collect();
    let out = tracelint().arg("rules").output().unwrap();
    let from_rules: Vec<(String, String, String)> = table_rows(&out.stdout)
        .into_iter()
        .map(|cells| (cells[0].clone(), cells[1].clone(), cells[2].clone()))
        .collect();
    assert_eq!(from_readme.len(), 21);
    assert_eq!(from_readme, from_rules);
    assert!(readme.contains(&format!("{} detectors", from_rules.len())));
}

/// A trace's waste counts each step once, however many findings claim it:
/// never more than the trace used, though its findings' own figures add up
/// to more (a turn limit claims the whole run, the loops the same steps).
#[test]
fn waste_is_the_union_of_the_evidence_never_more_than_the_trace_used() {
    let stats = stats_json(&[repo("sample-traces").to_str().unwrap()]);
    let out = tracelint()
        .args(["check", "--exit-zero"])
        .arg(repo("sample-traces"))
        .env("COLUMNS", "200")
        .output()
        .unwrap();
    let table = String::from_utf8(out.stdout).unwrap();
    let json = tracelint()
        .args(["check", "--exit-zero", "--output-format", "json"])
        .arg(repo("sample-traces"))
        .output()
        .unwrap();
    let findings: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    let mut lines = table.lines();
    let mut checked = 0;
    let mut overlapping = 0;
    while let Some(line) = lines.next() {
        let Some(trace_id) = line
            .strip_prefix("trace ")
            .and_then(|l| l.split(' ').next())
        else {
            continue;
        };
        let wasted = lines.next().unwrap();
        let tokens: i64 = wasted
            .strip_prefix("wasted: ")
            .and_then(|w| w.split(' ').next())
            .unwrap()
            .replace(',', "")
            .parse()
            .unwrap();
        let t = common::trace(&stats, trace_id);
        let used = t["input_tokens"].as_i64().unwrap() + t["output_tokens"].as_i64().unwrap();
        assert!(tokens <= used, "{trace_id}: {tokens} > {used}");
        let claimed: f64 = findings["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["trace_id"] == trace_id)
            .filter_map(|f| f["metrics"]["wasted_tokens"].as_f64())
            .sum();
        assert!(claimed >= tokens as f64);
        overlapping += usize::from(claimed > used as f64);
        checked += 1;
    }
    assert_eq!(checked, 4);
    assert_eq!(
        overlapping, 3,
        "the samples' findings overlap in three traces"
    );
    assert!(table.contains("Wasted in all: 48,760 tokens, 17.2 s (each step counted once"));
}

/// The cells of each body row of a terminal table `rules` prints (one
/// line per row: its cells never wrap).
fn table_rows(stdout: &[u8]) -> Vec<Vec<String>> {
    String::from_utf8_lossy(stdout)
        .lines()
        .filter(|l| l.starts_with('│'))
        .skip(1)
        .map(|l| {
            l.trim_matches('│')
                .split('┆')
                .map(|c| c.trim().to_string())
                .collect()
        })
        .collect()
}
