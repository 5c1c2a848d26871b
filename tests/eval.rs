//! `tracelint eval` and `tracelint blame`: exact figures on the planted
//! fixtures (always here) and on the dev split of the shared corpora (when
//! ../shared/data is beside the repository).

mod common;

use common::{repo, shared, stdout_of, tracelint};
use serde_json::Value;

fn eval_json(args: &[&str]) -> Value {
    let stdout = stdout_of(
        tracelint()
            .current_dir(repo(""))
            .args(["eval", "--output-format", "json", "--quiet"])
            .args(args),
    );
    serde_json::from_slice(&stdout).unwrap()
}

fn corpus<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["corpora"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["corpus"] == name)
        .unwrap_or_else(|| panic!("no corpus {name}"))
}

/// (tp, fp, fn) of a named score.
fn counts(scores: &Value, name: &str) -> (u64, u64, u64) {
    let s = scores
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == name)
        .unwrap_or_else(|| panic!("no score {name}"));
    (
        s["tp"].as_u64().unwrap(),
        s["fp"].as_u64().unwrap(),
        s["fn"].as_u64().unwrap(),
    )
}

fn metric(corpus: &Value, name: &str) -> (f64, u64) {
    let m = corpus["metrics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["name"] == name)
        .unwrap_or_else(|| panic!("no metric {name}"));
    (m["value"].as_f64().unwrap(), m["traces"].as_u64().unwrap())
}

#[test]
fn the_planted_fixtures_score_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let report = eval_json(&["--data", dir.path().to_str().unwrap()]);
    assert_eq!(
        report["missing"].as_array().unwrap().len(),
        3,
        "the three corpora are absent"
    );
    let fixtures = corpus(&report, "framework fixtures (planted)");
    assert_eq!(fixtures["traces"], 57);
    let modes = &fixtures["per_category"];
    // 1.3: the two false positives are LangGraph's ping-pong agents, which
    // do repeat their line; the miss is the GenAI export without texts.
    assert_eq!(counts(modes, "1.3"), (22, 2, 1));
    assert_eq!(counts(modes, "1.5"), (18, 0, 1));
    assert_eq!(counts(modes, "3.1"), (6, 0, 0));
    assert_eq!(counts(modes, "2.1"), (0, 0, 0));
    let detectors = &fixtures["per_detector"];
    assert_eq!(counts(detectors, "failed-worker-ignored"), (6, 0, 0));
    // ADK's transfer ping-pong has no turn limit to hit: handoff-cycle
    // finds it.
    assert_eq!(counts(detectors, "turn-limit-hit"), (12, 0, 7));
    assert_eq!(counts(detectors, "repeated-tool-call"), (14, 0, 9));
}

#[test]
fn eval_without_any_corpus_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    tracelint()
        .args(["eval", "--data"])
        .arg(dir.path())
        .arg("--fixtures")
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(predicates::str::contains("no labelled corpus found"));
}

#[test]
#[cfg_attr(
    not(tracelint_shared),
    ignore = "needs ../shared beside the repository"
)]
fn the_dev_split_of_the_shared_corpora_scores_exactly() {
    let data = shared("");
    let attributions = tempfile::NamedTempFile::new().unwrap();
    let report = eval_json(&[
        "--data",
        data.to_str().unwrap(),
        "--split",
        "dev",
        "--attributions",
        attributions.path().to_str().unwrap(),
    ]);
    assert!(report["missing"].as_array().unwrap().is_empty());

    let who = corpus(&report, "Who&When");
    assert_eq!(who["traces"], 92);
    let percent = |right: f64, of: f64| 100.0 * right / of;
    assert_eq!(
        metric(who, "agent accuracy % (Algorithm-Generated)"),
        (percent(34.0, 63.0), 63)
    );
    assert_eq!(
        metric(who, "step accuracy % (Algorithm-Generated)"),
        (percent(20.0, 63.0), 63)
    );
    assert_eq!(
        metric(who, "agent accuracy % (Hand-Crafted)"),
        (percent(19.0, 29.0), 29)
    );
    assert_eq!(
        metric(who, "step accuracy % (Hand-Crafted)"),
        (percent(5.0, 29.0), 29)
    );
    let attributed: Vec<Value> =
        serde_json::from_str(&std::fs::read_to_string(attributions.path()).unwrap()).unwrap();
    assert_eq!(attributed.len(), 92, "every dev run is blamed");
    let right = attributed
        .iter()
        .filter(|a| a["agent"] == a["gold_agent"])
        .count();
    assert_eq!(right, 34 + 19);

    // GAIA 56 and SWE Bench 11 dev traces (../shared/data/README.md); 3
    // dev annotation files have no trace file.
    let trail = corpus(&report, "TRAIL");
    assert_eq!(trail["traces"], 67);
    let (joint, traces) = metric(trail, "joint accuracy % (overall)");
    assert_eq!(traces, 67);
    assert!((joint - 6.9413).abs() < 1e-3, "{joint}");
    assert_eq!(metric(trail, "joint accuracy % (GAIA)").1, 56);
    assert_eq!(
        counts(&trail["per_category"], "Formatting Errors"),
        (8, 0, 24),
        "invalid-tool-arguments finds the malformed page_down calls"
    );
    // Failures in words and the same error after changed arguments: the
    // repeated page_down and inspect_file_as_text failures, labelled
    // resource abuse and context handling failures.
    assert_eq!(
        counts(&trail["per_detector"], "retry-without-replan"),
        (8, 3, 18)
    );
    assert_eq!(
        counts(&trail["per_category"], "Context Handling Failures"),
        (5, 6, 14)
    );

    let mast = corpus(&report, "MAST human records");
    assert_eq!(mast["traces"], 19);
    assert_eq!(counts(&mast["per_category"], "3.2/3.3"), (0, 0, 13));
}

#[test]
#[cfg_attr(
    not(tracelint_shared),
    ignore = "needs ../shared beside the repository"
)]
fn the_test_split_holds_no_mast_record_and_the_other_half_of_the_rest() {
    let data = shared("");
    let report = eval_json(&["--data", data.to_str().unwrap(), "--split", "test"]);
    assert_eq!(corpus(&report, "Who&When")["traces"], 184 - 92);
    assert_eq!(corpus(&report, "TRAIL")["traces"], 57 + 15);
    assert_eq!(corpus(&report, "MAST human records")["traces"], 0);
}

#[test]
fn blame_names_where_each_planted_failure_began() {
    let output = tracelint()
        .current_dir(repo(""))
        .args([
            "blame",
            "tests/fixtures/frameworks",
            "--output-format",
            "json",
            "--quiet",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["traces"], 57);
    let mut seen: Vec<(String, String, String)> = Vec::new();
    for b in report["blames"].as_array().unwrap() {
        let file = b["source_file"].as_str().unwrap();
        let scenario = file.split('/').rev().nth(1).unwrap().to_string();
        assert!(
            scenario != "healthy" && scenario != "replan_after_failure",
            "a run that did not fail is not blamed: {file}"
        );
        seen.push((
            scenario,
            b["agent"].as_str().unwrap().to_string(),
            b["reason"].as_str().unwrap().to_string(),
        ));
    }
    assert_eq!(seen.len(), 36);
    let agents_of = |scenario: &str| -> std::collections::BTreeSet<String> {
        seen.iter()
            .filter(|(s, _, _)| s == scenario)
            .map(|(_, a, _)| a.clone())
            .collect()
    };
    assert_eq!(
        agents_of("handoff_ping_pong"),
        ["triage".to_string()].into()
    );
    assert_eq!(
        agents_of("repeated_tool_call"),
        ["researcher".to_string()].into()
    );
    assert_eq!(
        agents_of("planner_no_convergence"),
        ["critic".to_string(), "planner".to_string()].into()
    );
    assert_eq!(
        agents_of("transfer_ping_pong"),
        ["triage".to_string()].into()
    );
    assert_eq!(
        agents_of("search_then_handoff"),
        ["researcher".to_string()].into()
    );
    assert_eq!(agents_of("max_steps"), ["agent".to_string()].into());
    assert_eq!(
        agents_of("failed_worker_ignored"),
        ["data_worker".to_string(), "orchestrator".to_string()].into()
    );
}

/// Magentic-One's time limit, announced in the last message
/// ("Max time (1500s) reached."), is a loop guard: turn-limit-hit reports
/// it, and blame names the first worker step, not the message that stopped
/// the run.
#[test]
fn a_time_limit_in_words_stops_the_run_and_blame_looks_before_it() {
    let dir = tempfile::tempdir().unwrap();
    let chat = serde_json::json!({"history": [
        {"role": "human", "content": "How many stops does the 42 bus make?"},
        {"role": "Orchestrator (thought)", "content": "Next speaker WebSurfer"},
        {"role": "WebSurfer", "content": "I typed 'bus 42 stops' into the search bar."},
        {"role": "Orchestrator (thought)", "content": "Next speaker WebSurfer"},
        {"role": "WebSurfer", "content": "I scrolled down one page in the browser."},
        {"role": "Orchestrator (termination condition)", "content": "Max time (1500s) reached.\nFINAL ANSWER: 12"}
    ]});
    let file = dir.path().join("run.json");
    std::fs::write(&file, chat.to_string()).unwrap();
    let check = tracelint()
        .args(["check", "--quiet", "--exit-zero", "--output-format", "json"])
        .arg(&file)
        .output()
        .unwrap();
    let doc: Value = serde_json::from_slice(&check.stdout).unwrap();
    let guards: Vec<&Value> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["detector"] == "turn-limit-hit")
        .collect();
    assert_eq!(guards.len(), 1, "{doc}");
    let message = guards[0]["message"].as_str().unwrap();
    assert!(
        message.contains("max_time") && message.ends_with("used the time up"),
        "{message}"
    );
    let blame = tracelint()
        .args(["blame", "--quiet", "--output-format", "json"])
        .arg(&file)
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&blame.stdout).unwrap();
    let b = &report["blames"][0];
    // The first step after the task (the orchestrator writes no progress
    // ledger here, so it counts as a worker), not the stop at step 5.
    assert_eq!(b["step"], 1, "{report}");
    assert_eq!(b["reason"], "first_worker_step");
    assert!(b["detail"]
        .as_str()
        .unwrap()
        .starts_with("the run was stopped by a guard"));
}
