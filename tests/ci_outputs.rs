//! The machine outputs of `check` for CI (SARIF, JUnit, GitHub annotations,
//! GitLab code quality, Markdown, exports) and the exit-code matrix of the
//! gate.

mod common;

use common::{repo, tracelint};
use regex::Regex;
use serde_json::Value;
use std::path::PathBuf;

fn sample(name: &str) -> PathBuf {
    repo(&format!("sample-traces/{name}/trace.json"))
}

/// `check` stdout and exit code.
fn check(args: &[&str], input: &[PathBuf]) -> (String, i32) {
    let out = tracelint()
        .arg("check")
        .arg("--quiet")
        .args(args)
        .args(input)
        .output()
        .unwrap();
    (
        String::from_utf8(out.stdout).unwrap(),
        out.status.code().unwrap(),
    )
}

#[test]
#[cfg_attr(
    not(sarif_schema),
    ignore = "needs the SARIF 2.1.0 schema: tools/fetch-sarif-schema.sh"
)]
fn sarif_is_valid_against_the_sarif_2_1_0_schema() {
    let schema_path = repo("target/sarif-schema/package/lib/schemas/sarif-2.1.0-rtm.5.json");
    // The schema's own `run.language` pattern is not a valid ECMA-262
    // regular expression (a known defect of rtm.5): compiled as it is, the
    // validator refuses the schema. That one pattern, which tracelint's
    // output never uses, is replaced by what it means.
    let text = std::fs::read_to_string(&schema_path).unwrap().replace(
        r#""^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$""#,
        r#""^[a-zA-Z]{2}(-[a-zA-Z]{2})?$""#,
    );
    let schema: Value = serde_json::from_str(&text).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    // The validator does refuse a log that breaks the schema.
    assert!(!validator.is_valid(&serde_json::json!({"version": "2.1.0"})));
    assert!(!validator.is_valid(&serde_json::json!({
        "version": "2.1.0",
        "runs": [{"tool": {"driver": {"name": "x"}}, "results": [{"level": "fatal", "message": {"text": "m"}}]}]
    })));
    let (sarif, code) = check(&["--output-format", "sarif"], &[repo("sample-traces")]);
    assert_eq!(code, 1);
    let log: Value = serde_json::from_str(&sarif).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&log)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    // The schema would accept an empty log too: check what it holds.
    let run = &log["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    assert_eq!(rules.len(), 21, "a rule per detector");
    let cycle = rules.iter().find(|r| r["id"] == "handoff-cycle").unwrap();
    assert!(cycle["help"]["text"]
        .as_str()
        .unwrap()
        .contains("## Why is this bad?"));
    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), 11);
    for result in results {
        let rule = &rules[result["ruleIndex"].as_u64().unwrap() as usize];
        assert_eq!(rule["id"], result["ruleId"]);
        let location = &result["locations"][0]["physicalLocation"];
        assert!(location["artifactLocation"]["uri"]
            .as_str()
            .unwrap()
            .ends_with("/trace.json"));
        assert_eq!(location["region"]["startLine"], 1);
    }
    // With a baseline, each result says whether it is accepted or new, and
    // the log stays valid.
    let dir = tempfile::tempdir().unwrap();
    let baseline = dir.path().join("baseline.json");
    let written = check(
        &["--write-baseline", baseline.to_str().unwrap()],
        &[sample("handoff-loop")],
    );
    assert_eq!(written.1, 0, "recording a baseline is no verdict");
    let (sarif, code) = check(
        &[
            "--output-format",
            "sarif",
            "--baseline",
            baseline.to_str().unwrap(),
        ],
        &[repo("sample-traces")],
    );
    assert_eq!(code, 1);
    let log: Value = serde_json::from_str(&sarif).unwrap();
    assert!(validator.is_valid(&log));
    let states: Vec<(String, String)> = log["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let file = r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .unwrap();
            let state = r["baselineState"].as_str().unwrap().to_string();
            (file.rsplit('/').nth(1).unwrap().to_string(), state)
        })
        .collect();
    assert!(
        states
            .iter()
            .all(|(trace, state)| (trace == "handoff-loop") == (state == "unchanged")),
        "{states:?}"
    );
    // The accepted findings are notices in GitHub annotations, not errors.
    let (annotations, _) = check(
        &[
            "--output-format",
            "github",
            "--baseline",
            baseline.to_str().unwrap(),
        ],
        &[sample("handoff-loop")],
    );
    assert!(!annotations.is_empty());
    assert!(
        annotations
            .lines()
            .all(|l| l.starts_with("::notice ") && l.contains("in the baseline")),
        "{annotations}"
    );
    // A clean run is a valid log with no results.
    let (sarif, code) = check(&["--output-format", "sarif"], &[sample("healthy")]);
    assert_eq!(code, 0);
    let log: Value = serde_json::from_str(&sarif).unwrap();
    assert!(validator.is_valid(&log));
    assert_eq!(log["runs"][0]["results"], Value::Array(vec![]));
}

#[test]
fn junit_reads_back_with_a_junit_parser() {
    let (xml, code) = check(&["--output-format", "junit"], &[repo("sample-traces")]);
    assert_eq!(code, 1);
    let suites = junit_parser::from_reader(std::io::Cursor::new(xml.as_bytes())).unwrap();
    assert_eq!(suites.suites.len(), 1);
    let suite = &suites.suites[0];
    // A test case per trace; a trace fails when one of its findings fails
    // the gate (default: errors): three do. The ignored failed worker is a
    // warning: its case passes and tells its finding in system-out.
    assert_eq!(suite.cases.len(), 5);
    assert_eq!(suite.tests, 5);
    assert_eq!(suite.failures, 3);
    let failed = suite.cases.iter().filter(|c| c.status.is_failure()).count();
    assert_eq!(failed, 3);
    let case = |path: &str| {
        suite
            .cases
            .iter()
            .find(|c| format!("{c:?}").contains(path))
            .unwrap_or_else(|| panic!("{:#?}", suite.cases))
    };
    assert!(case("sample-traces/healthy/trace.json").status.is_success());
    let worker = case("sample-traces/ignored-failed-worker/trace.json");
    assert!(worker.status.is_success());
    assert!(format!("{worker:?}").contains("failed-worker-ignored: fetcher failed"));
    // A failure per gating finding: 10 of the 11 findings are errors.
    assert_eq!(xml.matches("<failure ").count(), 10);

    // The test report follows the gate the exit code follows.
    let failures = |args: &[&str]| {
        let mut all = vec!["--output-format", "junit"];
        all.extend_from_slice(args);
        let (xml, code) = check(&all, &[repo("sample-traces")]);
        let suites = junit_parser::from_reader(std::io::Cursor::new(xml.as_bytes())).unwrap();
        (
            suites.suites[0].failures,
            xml.matches("<failure ").count(),
            code,
        )
    };
    assert_eq!(failures(&["--fail-on", "all"]), (4, 11, 1));
    assert_eq!(failures(&["--fail-on", "1.3"]), (2, 3, 1));
    // Too many findings: every new finding gates.
    assert_eq!(
        failures(&["--fail-on", "2.1", "--max-findings", "3"]),
        (4, 11, 1)
    );
    assert_eq!(failures(&["--exit-zero"]).2, 0);
}

#[test]
fn github_annotations_follow_the_workflow_command_syntax() {
    let (text, code) = check(&["--output-format", "github"], &[repo("sample-traces")]);
    assert_eq!(code, 1);
    let command =
        Regex::new(r"^::(error|warning|notice) file=[^,:]+,line=[0-9]+,title=[^:,]+::[^\r\n]+$")
            .unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 11);
    for line in &lines {
        assert!(command.is_match(line), "{line}");
    }
    assert_eq!(
        lines.iter().filter(|l| l.starts_with("::error ")).count(),
        10
    );
    assert_eq!(
        lines.iter().filter(|l| l.starts_with("::warning ")).count(),
        1
    );
}

#[test]
fn gitlab_code_quality_and_markdown() {
    let (text, _) = check(&["--output-format", "gitlab"], &[repo("sample-traces")]);
    let issues: Vec<Value> = serde_json::from_str(&text).unwrap();
    assert_eq!(issues.len(), 11);
    for issue in &issues {
        for key in ["description", "check_name", "fingerprint", "severity"] {
            assert!(issue[key].is_string(), "{key} in {issue}");
        }
        assert!(issue["location"]["lines"]["begin"].as_u64().unwrap() >= 1);
    }
    let fingerprints: std::collections::BTreeSet<&str> = issues
        .iter()
        .map(|i| i["fingerprint"].as_str().unwrap())
        .collect();
    assert_eq!(fingerprints.len(), 11, "fingerprints are unique");
    let (markdown, _) = check(&["--output-format", "markdown"], &[repo("sample-traces")]);
    assert!(markdown.starts_with("## tracelint\n"));
    assert!(markdown.contains("**11 findings, 10 gating.**"));
    assert!(markdown.contains("| handoff-cycle | 2 |"));
}

#[test]
fn exports_write_several_formats_while_the_terminal_shows_the_table() {
    let dir = tempfile::tempdir().unwrap();
    let path = |name: &str| dir.path().join(name);
    let out = tracelint()
        .args(["check", "--quiet"])
        .arg(repo("sample-traces"))
        .arg("--export-json")
        .arg(path("f.json"))
        .arg("--export-sarif")
        .arg(path("f.sarif"))
        .arg("--export-junit")
        .arg(path("f.xml"))
        .arg("--export-markdown")
        .arg(path("f.md"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("│ handoff-cycle "));
    let json: Value = serde_json::from_slice(&std::fs::read(path("f.json")).unwrap()).unwrap();
    assert_eq!(json["findings"].as_array().unwrap().len(), 11);
    let sarif: Value = serde_json::from_slice(&std::fs::read(path("f.sarif")).unwrap()).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    assert!(std::fs::read_to_string(path("f.xml"))
        .unwrap()
        .starts_with("<?xml"));
    assert!(std::fs::read_to_string(path("f.md"))
        .unwrap()
        .starts_with("## tracelint"));
}

/// Under every output format, stderr ends with one line saying what was
/// checked and found, also when nothing was; `--quiet` drops it.
#[test]
fn the_ci_log_says_what_was_checked() {
    let formats = [
        "table", "json", "jsonl", "sarif", "junit", "github", "gitlab", "markdown",
    ];
    for format in formats {
        for (input, line) in [
            (
                repo("sample-traces"),
                "tracelint: 5 files, 5 traces, 125 events (0 records skipped); 21 detectors: 11 findings in 4 traces, 10 gating",
            ),
            (
                sample("healthy"),
                "tracelint: 1 file, 1 trace, 15 events (0 records skipped); 21 detectors: no findings",
            ),
        ] {
            let out = tracelint()
                .args(["check", "--output-format", format])
                .arg(&input)
                .output()
                .unwrap();
            let stderr = String::from_utf8(out.stderr).unwrap();
            let summaries: Vec<&str> = stderr
                .lines()
                .filter(|l| l.starts_with("tracelint: ") && l.contains(" detectors: "))
                .collect();
            assert_eq!(summaries, [line], "{format}: {stderr}");
            assert_eq!(stderr.lines().last(), Some(line), "{format}");
            assert!(!String::from_utf8(out.stdout).unwrap().contains(line));
        }
    }
    let (_, code) = check(&["--output-format", "json"], &[sample("healthy")]);
    assert_eq!(code, 0);
    let out = tracelint()
        .args(["check", "--quiet"])
        .arg(sample("healthy"))
        .output()
        .unwrap();
    assert!(out.stderr.is_empty());
}

/// The exit code carries the verdict, whatever the output format.
#[test]
fn exit_code_matrix() {
    let all = vec![repo("sample-traces")];
    let warning_only = vec![sample("ignored-failed-worker")];
    let clean = vec![sample("healthy")];
    let formats = [
        "table", "json", "jsonl", "sarif", "junit", "github", "gitlab", "markdown",
    ];
    for format in formats {
        let f = ["--output-format", format];
        assert_eq!(check(&f, &clean).1, 0, "clean, {format}");
        assert_eq!(check(&f, &warning_only).1, 0, "below the gate, {format}");
        assert_eq!(check(&f, &all).1, 1, "above the gate, {format}");
        let exit_zero = [f[0], f[1], "--exit-zero"];
        assert_eq!(check(&exit_zero, &all).1, 0, "--exit-zero, {format}");
    }
    // The gate moved: warnings fail, a detector fails, a category fails.
    assert_eq!(check(&["--fail-on", "warning"], &warning_only).1, 1);
    assert_eq!(
        check(&["--fail-on", "failed-worker-ignored"], &warning_only).1,
        1
    );
    assert_eq!(check(&["--fail-on", "FC3"], &warning_only).1, 1);
    assert_eq!(check(&["--fail-on", "P4"], &warning_only).1, 0);
    // Too many findings, whatever their severity.
    assert_eq!(check(&["--max-findings", "0"], &warning_only).1, 1);
    assert_eq!(check(&["--max-findings", "1"], &warning_only).1, 0);
    // Selection: ignoring the loop detectors leaves nothing that gates.
    let (out, code) = check(&["--ignore", "1.3,1.5,P2", "--output-format", "json"], &all);
    assert_eq!(code, 0);
    let doc: Value = serde_json::from_str(&out).unwrap();
    let detectors: Vec<&str> = doc["summary"]["detectors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d.as_str().unwrap())
        .collect();
    assert!(!detectors.contains(&"handoff-cycle"));
    assert!(detectors.contains(&"failed-worker-ignored"));
    let (out, _) = check(
        &["--select", "repeated-tool-call", "--output-format", "json"],
        &all,
    );
    let doc: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        doc["summary"]["detectors"],
        serde_json::json!(["repeated-tool-call"])
    );
    // A baseline forgives what it lists, and only that.
    let dir = tempfile::tempdir().unwrap();
    let baseline = dir.path().join("baseline.json");
    let write = [
        "--write-baseline",
        baseline.to_str().unwrap(),
        "--exit-zero",
    ];
    assert_eq!(check(&write, &[sample("handoff-loop")]).1, 0);
    let with = ["--baseline", baseline.to_str().unwrap()];
    assert_eq!(
        check(&with, &[sample("handoff-loop")]).1,
        0,
        "all baselined"
    );
    assert_eq!(check(&with, &all).1, 1, "new findings elsewhere");
    // Errors: 2, under every format and --quiet.
    for format in formats {
        let f = ["--output-format", format];
        assert_eq!(check(&[f[0], f[1], "--fail-on", "nonsense"], &all).1, 2);
        assert_eq!(
            check(&[f[0], f[1], "--baseline", "/no/such/file"], &all).1,
            2
        );
    }
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty.jsonl");
    std::fs::write(&empty, "").unwrap();
    assert_eq!(
        check(&["--output-format", "sarif"], &[empty]).1,
        2,
        "zero traces"
    );
}

#[test]
fn the_gate_from_tracelint_toml_and_flags_over_it() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("tracelint.toml");
    let warning_only = vec![sample("ignored-failed-worker")];
    let with_config = |extra: &[&str]| {
        let mut args = vec!["--config", config.to_str().unwrap()];
        args.extend_from_slice(extra);
        check(&args, &warning_only).1
    };
    std::fs::write(&config, "[gate]\nfail_on = [\"warning\"]\n").unwrap();
    assert_eq!(with_config(&[]), 1);
    // A flag overrides the file.
    assert_eq!(with_config(&["--fail-on", "error"]), 0);
    // The baseline path is relative to the config file.
    assert_eq!(
        check(
            &[
                "--write-baseline",
                dir.path().join("accepted.json").to_str().unwrap(),
                "--exit-zero"
            ],
            &warning_only
        )
        .1,
        0
    );
    std::fs::write(
        &config,
        "[gate]\nfail_on = [\"warning\"]\nbaseline = \"accepted.json\"\n",
    )
    .unwrap();
    assert_eq!(with_config(&[]), 0);
    std::fs::write(
        &config,
        "[gate]\nignore = [\"FC3\", \"P5\"]\nmax_findings = 0\n",
    )
    .unwrap();
    assert_eq!(
        with_config(&[]),
        0,
        "the only finding's detector is ignored"
    );
    std::fs::write(&config, "[gate]\nfail-on = [\"warning\"]\n").unwrap();
    let out = tracelint()
        .args(["check", "--quiet", "--config", config.to_str().unwrap()])
        .args(&warning_only)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("fail-on"));
}

/// A trace recorded again, as a test job does on every run: every trace,
/// span and call id replaced by a fresh one (the same old id always by the
/// same new one, so the trace keeps its shape) and every time moved a day
/// on. What a re-run of the same failing scenario writes.
fn re_recorded(text: &str, salt: &str) -> String {
    let ids = Regex::new(
        r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|\b[0-9a-f]{32}\b|\b[0-9a-f]{16}\b|call_[A-Za-z0-9]{8,}",
    )
    .unwrap();
    let fresh = |old: &str| -> String {
        let hash = |seed: &str| xxhash_rust::xxh3::xxh3_64(format!("{salt}{seed}").as_bytes());
        let hex = format!("{:016x}{:016x}", hash(old), hash(&format!("{old}#")));
        if old.starts_with("call_") {
            format!("call_{}", &hex[..old.len() - 5])
        } else if old.contains('-') {
            format!(
                "{}-{}-{}-{}-{}",
                &hex[..8],
                &hex[8..12],
                &hex[12..16],
                &hex[16..20],
                &hex[20..32]
            )
        } else {
            hex[..old.len()].to_string()
        }
    };
    let text = ids.replace_all(text, |m: &regex::Captures| fresh(&m[0]));
    // Epoch nanoseconds (19 digits) a day later.
    let nanos = Regex::new(r"\b1[0-9]{18}\b").unwrap();
    nanos
        .replace_all(&text, |m: &regex::Captures| {
            (m[0].parse::<u64>().unwrap() + 86_400_000_000_000).to_string()
        })
        .into_owned()
}

/// `check` run in `dir` on `traces`, with more arguments.
fn check_in(dir: &std::path::Path, args: &[&str]) -> (String, i32) {
    let out = tracelint()
        .current_dir(dir)
        .args(["check", "--quiet", "traces"])
        .args(args)
        .output()
        .unwrap();
    (
        String::from_utf8(out.stdout).unwrap(),
        out.status.code().unwrap(),
    )
}

/// Findings' (detector, fingerprint) from a SARIF log, sorted.
fn sarif_fingerprints(sarif: &str) -> Vec<(String, String)> {
    let log: Value = serde_json::from_str(sarif).unwrap();
    let mut prints: Vec<(String, String)> = log["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["ruleId"].as_str().unwrap().to_string(),
                r["partialFingerprints"]["tracelintFinding/v2"]
                    .as_str()
                    .unwrap()
                    .to_string(),
            )
        })
        .collect();
    prints.sort();
    prints
}

#[test]
fn a_baseline_survives_a_trace_recorded_again_with_new_ids() {
    let sources = [
        "sample-traces/handoff-loop/trace.json",
        "sample-traces/repeated-output/trace.json",
        "sample-traces/planner-no-convergence/trace.json",
        "sample-traces/ignored-failed-worker/trace.json",
        "tests/fixtures/frameworks/openai_agents/repeated_tool_call/otel_genai.otlp.jsonl",
        "tests/fixtures/frameworks/langgraph/handoff_ping_pong/debug.jsonl",
        "tests/fixtures/frameworks/ag2/repeated_tool_call/runtime.log",
    ];
    let first = tempfile::tempdir().unwrap();
    let again = tempfile::tempdir().unwrap();
    for (i, source) in sources.iter().enumerate() {
        let text = std::fs::read_to_string(repo(source)).unwrap();
        let name = format!("traces/{i}/{}", source.rsplit('/').next().unwrap());
        for (dir, text) in [
            (&first, text.clone()),
            (&again, re_recorded(&text, "again")),
        ] {
            let path = dir.path().join(&name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
    }
    let baseline = first.path().join("baseline.json");
    let (sarif, code) = check_in(
        first.path(),
        &[
            "--output-format",
            "sarif",
            "--write-baseline",
            baseline.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 0, "writing a baseline is no verdict");
    let prints = sarif_fingerprints(&sarif);
    assert!(prints.len() >= 15, "{prints:?}");
    // The re-recording has new ids: every finding's trace id differs …
    let (again_sarif, code) = check_in(again.path(), &["--output-format", "sarif"]);
    assert_eq!(code, 1);
    let trace_ids = |sarif: &str| -> std::collections::BTreeSet<String> {
        let log: Value = serde_json::from_str(sarif).unwrap();
        log["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["properties"]["trace_id"].as_str().unwrap().to_string())
            .collect()
    };
    // (a LangGraph debug stream has no trace id: its file names it)
    let before = trace_ids(&sarif);
    let after = trace_ids(&again_sarif);
    let kept: Vec<&String> = before.intersection(&after).collect();
    assert!(kept.iter().all(|id| id.ends_with("/debug")), "{kept:?}");
    // … and the same fingerprints, so the baseline accepts every finding.
    assert_eq!(sarif_fingerprints(&again_sarif), prints);
    let baseline_arg = baseline.to_str().unwrap();
    let (accepted, code) = check_in(
        again.path(),
        &["--output-format", "sarif", "--baseline", baseline_arg],
    );
    assert_eq!(code, 0);
    let log: Value = serde_json::from_str(&accepted).unwrap();
    for result in log["runs"][0]["results"].as_array().unwrap() {
        assert_eq!(result["baselineState"], "unchanged", "{result}");
    }
    // A failure the baseline has not seen still fails the run: a new trace
    // file, the same failure as an accepted one elsewhere.
    let extra = again.path().join("traces/new/trace.json");
    std::fs::create_dir_all(extra.parent().unwrap()).unwrap();
    std::fs::write(
        &extra,
        re_recorded(&std::fs::read_to_string(repo(sources[0])).unwrap(), "new"),
    )
    .unwrap();
    let (text, code) = check_in(
        again.path(),
        &["--output-format", "github", "--baseline", baseline_arg],
    );
    assert_eq!(code, 1);
    let errors: Vec<&str> = text.lines().filter(|l| l.starts_with("::error ")).collect();
    assert!(!errors.is_empty());
    assert!(
        errors
            .iter()
            .all(|l| l.contains("file=traces/new/trace.json,")),
        "{errors:?}"
    );
    // In a repository, run from a subdirectory, the files keep their
    // names from the repository root and so their fingerprints; a file
    // outside the repository is named by an absolute `file:` URI.
    std::fs::create_dir(first.path().join(".git")).unwrap();
    let sarif_of = |dir: &std::path::Path, input: &std::path::Path| {
        let out = tracelint()
            .current_dir(dir)
            .args(["check", "--quiet", "--output-format", "sarif"])
            .arg(input)
            .output()
            .unwrap();
        String::from_utf8(out.stdout).unwrap()
    };
    let inside = sarif_of(&first.path().join("traces/0"), std::path::Path::new(".."));
    assert_eq!(sarif_fingerprints(&inside), prints);
    let log: Value = serde_json::from_str(&inside).unwrap();
    let artifact =
        &log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"];
    assert!(
        artifact["uri"].as_str().unwrap().starts_with("traces/"),
        "{artifact}"
    );
    assert_eq!(artifact["uriBaseId"], "%SRCROOT%");
    let outside = sarif_of(again.path(), &first.path().join("traces"));
    let log: Value = serde_json::from_str(&outside).unwrap();
    let artifact =
        &log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"];
    assert!(
        artifact["uri"].as_str().unwrap().starts_with("file:///"),
        "{artifact}"
    );
    assert!(artifact.get("uriBaseId").is_none());
}

/// A run that read nothing, or skipped records under --strict, is an
/// error in every CI output too, never a clean report: SARIF says the
/// execution failed, JUnit has an erroring case, GitLab a blocker issue,
/// JSON an `error`.
#[test]
fn a_run_that_read_nothing_never_looks_clean() {
    let dir = tempfile::tempdir().unwrap();
    let other = dir.path().join("other.json");
    std::fs::write(&other, r#"{"hello": "world"}"#).unwrap();
    let (sarif, code) = check(&["--output-format", "sarif"], std::slice::from_ref(&other));
    assert_eq!(code, 2);
    let log: Value = serde_json::from_str(&sarif).unwrap();
    let invocation = &log["runs"][0]["invocations"][0];
    assert_eq!(invocation["executionSuccessful"], false);
    let note = invocation["toolExecutionNotifications"][0]["message"]["text"]
        .as_str()
        .unwrap();
    assert!(note.contains("not a recognised trace format"), "{note}");
    let (junit, code) = check(&["--output-format", "junit"], std::slice::from_ref(&other));
    assert_eq!(code, 2);
    let suites = junit_parser::from_reader(std::io::Cursor::new(junit.as_bytes())).unwrap();
    assert_eq!(suites.errors, 1);
    let (gitlab, _) = check(&["--output-format", "gitlab"], std::slice::from_ref(&other));
    let issues: Vec<Value> = serde_json::from_str(&gitlab).unwrap();
    assert_eq!(issues.len(), 1);
    assert_eq!(issues[0]["severity"], "blocker");
    let (github, _) = check(&["--output-format", "github"], std::slice::from_ref(&other));
    assert!(
        github
            .starts_with("::error title=tracelint could not check the traces::no traces were read"),
        "{github}"
    );
    let (json, _) = check(&["--output-format", "json"], std::slice::from_ref(&other));
    let doc: Value = serde_json::from_str(&json).unwrap();
    assert!(doc["error"]
        .as_str()
        .unwrap()
        .starts_with("no traces were read"));
    // --strict with a skipped record beside a good trace: the same.
    let (sarif, code) = check(
        &["--output-format", "sarif", "--strict"],
        &[other, sample("healthy")],
    );
    assert_eq!(code, 2);
    let log: Value = serde_json::from_str(&sarif).unwrap();
    assert_eq!(
        log["runs"][0]["invocations"][0]["executionSuccessful"],
        false
    );
    // A clean run says it succeeded.
    let (sarif, code) = check(&["--output-format", "sarif"], &[sample("healthy")]);
    assert_eq!(code, 0);
    let log: Value = serde_json::from_str(&sarif).unwrap();
    assert_eq!(
        log["runs"][0]["invocations"][0]["executionSuccessful"],
        true
    );
}

/// The first baseline can be written where tracelint.toml already names
/// it; tracelint's own outputs in the trace folder are set aside, not
/// skipped; an empty gate is an error; JSON carries each finding's verdict.
#[test]
fn baselines_and_outputs_live_beside_the_traces() {
    let dir = tempfile::tempdir().unwrap();
    let traces = dir.path().join("traces");
    std::fs::create_dir(&traces).unwrap();
    std::fs::copy(sample("handoff-loop"), traces.join("trace.json")).unwrap();
    std::fs::write(
        dir.path().join("tracelint.toml"),
        "[gate]\nbaseline = \"traces/baseline.json\"\n",
    )
    .unwrap();
    let run = |args: &[&str]| {
        tracelint()
            .current_dir(dir.path())
            .args(["check", "--quiet", "traces"])
            .args(args)
            .output()
            .unwrap()
    };
    let out = run(&[
        "--write-baseline",
        "traces/baseline.json",
        "--export-sarif",
        "traces/t.sarif.json",
    ]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let out = run(&["--output-format", "gitlab"]);
    std::fs::write(traces.join("gl.json"), &out.stdout).unwrap();
    // The baseline from tracelint.toml accepts every finding; the three
    // output files in the folder are set aside, so --strict passes.
    let out = run(&["--strict", "--output-format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["summary"]["files"], 4);
    assert_eq!(doc["summary"]["skipped"], 0);
    assert_eq!(
        doc["summary"]["other_signals"]["tracelint's own output files (set aside)"],
        3
    );
    let verdicts = doc["verdicts"].as_array().unwrap();
    assert_eq!(verdicts.len(), doc["findings"].as_array().unwrap().len());
    assert!(verdicts
        .iter()
        .all(|v| v["baselined"] == true && v["gating"] == false && v["fingerprint"].is_string()));
    let out = run(&["--fail-on", ""]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("an empty selector list selects nothing"));
}

/// Outside a repository, a file named by an absolute path is named so in
/// SARIF and keeps its fingerprint wherever the run starts.
#[test]
fn outside_a_repository_absolute_paths_do_not_depend_on_the_working_directory() {
    let dir = tempfile::tempdir().unwrap();
    let trace = dir.path().join("t.json");
    std::fs::copy(sample("handoff-loop"), &trace).unwrap();
    let sarif_from = |cwd: &std::path::Path| {
        let out = tracelint()
            .current_dir(cwd)
            .args(["check", "--quiet", "--output-format", "sarif"])
            .arg(&trace)
            .output()
            .unwrap();
        let log: Value = serde_json::from_slice(&out.stdout).unwrap();
        log["runs"][0]["results"].clone()
    };
    let (here, root) = (
        sarif_from(dir.path()),
        sarif_from(std::path::Path::new("/")),
    );
    assert_eq!(here, root);
    let uri = here[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        .as_str()
        .unwrap();
    assert!(
        uri.starts_with("file:///") && uri.ends_with("/t.json"),
        "{uri}"
    );
}
