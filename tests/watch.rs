//! The live guard from the outside: `tracelint watch` running a real agent
//! program traced by the OpenTelemetry Python SDK (its OTLP/HTTP exporter,
//! configured by the environment `watch` sets), `watch --follow` on a
//! growing export, and `tracelint serve` acting on a trip (webhook,
//! `--on-trip`, findings file).

mod common;

use common::{missing_prerequisite, repo};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

/// target/python with the OTel SDK (tools/python-venv.sh), or None with the
/// prerequisite reported.
fn otel_python() -> Option<PathBuf> {
    let python = repo("target/python/bin/python");
    let works = Command::new(&python)
        .args([
            "-c",
            "import opentelemetry.sdk, opentelemetry.exporter.otlp.proto.http",
        ])
        .output()
        .is_ok_and(|o| o.status.success());
    if works {
        Some(python)
    } else {
        missing_prerequisite("the OpenTelemetry SDK in target/python (tools/python-venv.sh)");
        None
    }
}

fn tracelint() -> Command {
    Command::new(env!("CARGO_BIN_EXE_tracelint"))
}

fn now() -> f64 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64()
}

/// (turn, unix time) of each model call the agent finished.
fn marks(path: &Path) -> Vec<(u32, f64)> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(|line| {
            let (turn, time) = line.split_once(' ').unwrap();
            (turn.parse().unwrap(), time.parse().unwrap())
        })
        .collect()
}

#[test]
fn watch_stops_a_looping_agent_within_two_seconds_and_exits_1() {
    let Some(python) = otel_python() else { return };
    let dir = tempfile::tempdir().unwrap();
    let marks_file = dir.path().join("marks");
    let output = tracelint()
        .current_dir(dir.path())
        .env("LOOP_AGENT_MARKS", &marks_file)
        .args(["watch", "--grace", "1", "--"])
        .arg(&python)
        .arg(repo("tests/programs/loop_agent.py"))
        .output()
        .unwrap();
    let stopped_at = now();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(
        output.status.code(),
        Some(1),
        "stdout: {stdout}\nstderr: {stderr}"
    );
    assert!(
        stdout.starts_with("error (trips) repeated-identical-output [1.3] trace "),
        "{stdout}"
    );
    assert!(stderr.contains("tripped on trace"), "{stderr}");
    let turns = marks(&marks_file);
    // The loop is detectable once the third identical answer is in.
    let detectable = turns.iter().find(|(turn, _)| *turn == 3).unwrap().1;
    let delay = stopped_at - detectable;
    eprintln!(
        "stopped {delay:.3} s after the third repeat, after {} turns",
        turns.len()
    );
    assert!(
        delay < 2.0,
        "stopped {delay:.3} s after the loop became detectable"
    );
    // The program's group is gone: no turn ends after the stop.
    std::thread::sleep(Duration::from_millis(600));
    assert_eq!(marks(&marks_file).len(), turns.len());
}

#[test]
fn watch_delivers_the_trip_webhook_before_it_exits() {
    let Some(python) = otel_python() else { return };
    let (url, deliveries, _runtime) = webhook_receiver();
    let dir = tempfile::tempdir().unwrap();
    let output = tracelint()
        .current_dir(dir.path())
        .args(["watch", "--grace", "1", "--webhook", &url, "--"])
        .arg(&python)
        .arg(repo("tests/programs/loop_agent.py"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    // Refused once, retried 0.5 s later: both before watch ended.
    let deliveries = deliveries.lock().unwrap();
    assert_eq!(deliveries.len(), 2);
    let verdict: serde_json::Value = serde_json::from_slice(&deliveries[1].0).unwrap();
    assert_eq!(verdict["tripped_by"][0], "repeated-identical-output");
    assert_eq!(deliveries[1].1, None, "no secret, no signature");
}

#[test]
fn watch_lets_a_healthy_agent_finish_and_exits_0() {
    let Some(python) = otel_python() else { return };
    let dir = tempfile::tempdir().unwrap();
    let findings = dir.path().join("findings.jsonl");
    let output = tracelint()
        .current_dir(dir.path())
        .args(["watch", "--findings"])
        .arg(&findings)
        .arg("--")
        .arg(&python)
        .arg(repo("tests/programs/loop_agent.py"))
        .arg("--healthy")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("tracelint watch: 1 trace, 0 findings; the program ended (exit status: 0)"),
        "{stderr}"
    );
    assert!(!findings.exists() || std::fs::read_to_string(&findings).unwrap().is_empty());
}

#[test]
fn watch_reports_a_failing_program_as_an_error_and_needs_a_program() {
    let output = tracelint()
        .args(["watch", "--", "sh", "-c", "exit 3"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("exit status: 3"));
    let output = tracelint().arg("watch").output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("give a program to run after --"));
    let output = tracelint()
        .args(["watch", "--", "/nonexistent/agent"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
}

/// A sample trace one span per line, in the order spans end, as an SDK
/// exports them and a Collector file exporter appends them: the root,
/// which carries the framework's own guard, comes last.
fn span_lines(trace: &str) -> Vec<String> {
    let document: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(repo(trace)).unwrap()).unwrap();
    let resource_spans = &document["resourceSpans"][0];
    let scope_spans = &resource_spans["scopeSpans"][0];
    let mut spans = scope_spans["spans"].as_array().unwrap().clone();
    spans.sort_by_key(|span| {
        span["endTimeUnixNano"]
            .as_str()
            .unwrap()
            .parse::<u64>()
            .unwrap()
    });
    spans
        .iter()
        .map(|span| {
            serde_json::json!({"resourceSpans": [{
                "resource": resource_spans["resource"],
                "scopeSpans": [{"scope": scope_spans["scope"], "spans": [span]}]
            }]})
            .to_string()
        })
        .collect()
}

/// Appends `lines` to `path` one every 50 ms, the last without its newline
/// at first (a line being written), on a thread.
fn append_slowly(path: PathBuf, lines: Vec<String>) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        let mut file = std::fs::File::create(&path).unwrap();
        let last = lines.len() - 1;
        for (i, line) in lines.iter().enumerate() {
            if i == last {
                file.write_all(line.as_bytes()).unwrap();
                file.flush().unwrap();
                std::thread::sleep(Duration::from_millis(300));
                file.write_all(b"\n").unwrap();
            } else {
                writeln!(file, "{line}").unwrap();
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    })
}

#[test]
fn watch_follow_trips_on_a_growing_export() {
    let dir = tempfile::tempdir().unwrap();
    let export = dir.path().join("traces.jsonl");
    let writer = append_slowly(
        export.clone(),
        span_lines("sample-traces/repeated-output/trace.json"),
    );
    let output = tracelint()
        .current_dir(dir.path())
        .args(["watch", "--exit-when-idle", "5", "--follow"])
        .arg(&export)
        .output()
        .unwrap();
    writer.join().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    // The loop trips before the root span, with the framework's
    // max_turns error, is exported. Until the agent's own span ends (and
    // is exported), its model calls are the service's. (How many repeats
    // the first judgement sees depends on how many lines one 100 ms round
    // found.)
    assert!(
        stdout.starts_with("error (trips) repeated-identical-output [1.3] trace 7984ebc269f9b9ff34b2a3b05774dc60: order-assistant gave the same output "),
        "{stdout}"
    );
    assert!(!stdout.contains("turn-limit-hit"), "{stdout}");
}

#[test]
fn watch_follow_of_a_healthy_export_ends_when_idle_with_check_s_findings() {
    let dir = tempfile::tempdir().unwrap();
    let export = dir.path().join("traces.jsonl");
    let findings = dir.path().join("findings.jsonl");
    let lines = span_lines("sample-traces/healthy/trace.json");
    let count = lines.len();
    append_slowly(export.clone(), lines).join().unwrap();
    let output = tracelint()
        .current_dir(dir.path())
        .args(["watch", "--exit-when-idle", "0.5", "--findings"])
        .arg(&findings)
        .arg("--follow")
        .arg(&export)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("tracelint watch: 1 trace"), "{stderr}");
    // The same findings as check on the finished file, line numbers
    // included: each span is its own line.
    let check = tracelint()
        .current_dir(dir.path())
        .args([
            "check",
            "--output-format",
            "jsonl",
            "--exit-zero",
            "--quiet",
        ])
        .arg(&export)
        .output()
        .unwrap();
    let mut expected: Vec<String> = String::from_utf8_lossy(&check.stdout)
        .lines()
        .map(String::from)
        .collect();
    let mut live: Vec<String> = std::fs::read_to_string(&findings)
        .unwrap_or_default()
        .lines()
        .map(String::from)
        .collect();
    expected.sort();
    live.sort();
    assert_eq!(live, expected, "{count} spans");
}

/// What a small webhook receiver saw: each body and its signature.
type Deliveries = Arc<Mutex<Vec<(Vec<u8>, Option<String>)>>>;

/// A webhook receiver on loopback that answers 500 to the first call and
/// 200 after (the guard must retry).
fn webhook_receiver() -> (String, Deliveries, tokio::runtime::Runtime) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let deliveries: Deliveries = Arc::default();
    let seen = Arc::clone(&deliveries);
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(
            move |headers: axum::http::HeaderMap, body: axum::body::Bytes| {
                let seen = Arc::clone(&seen);
                async move {
                    let signature = headers
                        .get("X-Tracelint-Signature-256")
                        .map(|v| v.to_str().unwrap().to_string());
                    let mut seen = seen.lock().unwrap();
                    seen.push((body.to_vec(), signature));
                    if seen.len() == 1 {
                        axum::http::StatusCode::INTERNAL_SERVER_ERROR
                    } else {
                        axum::http::StatusCode::OK
                    }
                }
            },
        ),
    );
    runtime.spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, deliveries, runtime)
}

#[test]
fn serve_acts_on_a_trip_webhook_on_trip_command_and_findings_file() {
    let dir = tempfile::tempdir().unwrap();
    let (url, deliveries, runtime) = webhook_receiver();
    let findings = dir.path().join("findings.jsonl");
    let tripped = dir.path().join("tripped");
    let store = dir.path().join("live.parquet");
    let mut serve = tracelint()
        .current_dir(dir.path())
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--idle-timeout",
            "0.5",
            "--webhook",
            &url,
        ])
        .args(["--webhook-secret", "s3cret", "--findings"])
        .arg(&findings)
        .arg("--store")
        .arg(&store)
        .arg("--on-trip")
        .arg(format!(
            "echo \"$TRACELINT_TRACE_ID $TRACELINT_DETECTORS $TRACELINT_VERDICT_URL\" > {}",
            tripped.display()
        ))
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (mut stderr, base) = address_of(&mut serve);
    let body = std::fs::read(repo("sample-traces/repeated-output/trace.json")).unwrap();
    let status = runtime
        .block_on(
            reqwest::Client::new()
                .post(format!("{base}/v1/traces"))
                .header("Content-Type", "application/json")
                .body(body)
                .send(),
        )
        .unwrap()
        .status();
    assert_eq!(status, 200);
    // The first delivery is refused, the retry (0.5 s later) taken.
    let deadline = Instant::now() + Duration::from_secs(10);
    while deliveries.lock().unwrap().len() < 2 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    // Findings are written once the trace is idle for 0.5 s.
    while !findings.exists() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    send_signal(serve.id(), "INT");
    let ended = serve.wait().unwrap();
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stderr, &mut rest).unwrap();
    assert_eq!(ended.code(), Some(0), "{rest}");
    assert!(
        rest.contains("tracelint serve: traces finished: 1 (evicted: 0), spans accepted: 12, rejected: 0, traces tripped: 1"),
        "{rest}"
    );

    let deliveries = deliveries.lock().unwrap();
    assert_eq!(deliveries.len(), 2, "one refused delivery and its retry");
    let (body, signature) = &deliveries[1];
    assert_eq!(deliveries[0].0, *body, "the retry sends the same body");
    assert_eq!(
        signature.as_deref(),
        Some(tracelint::serve::webhook::signature(b"s3cret", body).as_str())
    );
    let verdict: serde_json::Value = serde_json::from_slice(body).unwrap();
    let trace = "7984ebc269f9b9ff34b2a3b05774dc60";
    assert_eq!(verdict["event"], "trip");
    assert_eq!(verdict["verdict"], "trip");
    assert_eq!(verdict["trace_id"], trace);
    assert_eq!(
        verdict["verdict_url"],
        format!("{base}/v1/traces/{trace}/verdict")
    );

    let on_trip = std::fs::read_to_string(&tripped).unwrap();
    assert_eq!(
        on_trip.trim(),
        format!(
            "{trace} {} {base}/v1/traces/{trace}/verdict",
            verdict["tripped_by"]
                .as_array()
                .unwrap()
                .iter()
                .map(|d| d.as_str().unwrap())
                .collect::<Vec<_>>()
                .join(",")
        )
    );
    // The findings file holds check's findings of the same trace.
    let check = tracelint()
        .args([
            "check",
            "--output-format",
            "jsonl",
            "--exit-zero",
            "--quiet",
        ])
        .arg(repo("sample-traces/repeated-output/trace.json"))
        .output()
        .unwrap();
    let detectors = |text: &str| {
        let mut d: Vec<String> = text
            .lines()
            .map(|l| {
                serde_json::from_str::<serde_json::Value>(l).unwrap()["detector"]
                    .as_str()
                    .unwrap()
                    .to_string()
            })
            .collect();
        d.sort();
        d
    };
    assert_eq!(
        detectors(&std::fs::read_to_string(&findings).unwrap()),
        detectors(&String::from_utf8_lossy(&check.stdout))
    );
    // The finished trace is in the store, and check reads it there alike.
    let from_store = tracelint()
        .args([
            "check",
            "--output-format",
            "jsonl",
            "--exit-zero",
            "--quiet",
            "--store",
        ])
        .arg(&store)
        .output()
        .unwrap();
    assert!(
        from_store.status.success(),
        "{}",
        String::from_utf8_lossy(&from_store.stderr)
    );
    assert_eq!(
        detectors(&String::from_utf8_lossy(&from_store.stdout)),
        detectors(&String::from_utf8_lossy(&check.stdout))
    );
}

/// The receiver's base URL, from the first line `serve` prints, and the
/// rest of its stderr.
fn address_of(serve: &mut std::process::Child) -> (BufReader<std::process::ChildStderr>, String) {
    let mut stderr = BufReader::new(serve.stderr.take().unwrap());
    let mut first = String::new();
    stderr.read_line(&mut first).unwrap();
    let base = first
        .split("on ")
        .nth(1)
        .and_then(|rest| rest.split("/v1/traces").next())
        .unwrap_or_else(|| panic!("{first}"))
        .to_string();
    (stderr, base)
}

/// Runs a Python program of tests/programs (its path first in `args`)
/// with its OTel exporter and its guardrail pointed at a `serve` of its
/// own, stopped after the program ends.
fn against_serve(python: &Path, args: &[&str]) -> std::process::Output {
    let dir = tempfile::tempdir().unwrap();
    let mut serve = tracelint()
        .current_dir(dir.path())
        .args(["serve", "--listen", "127.0.0.1:0"])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (_stderr, base) = address_of(&mut serve);
    let output = Command::new(python)
        .arg(repo(args[0]))
        .args(&args[1..])
        .env(
            "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
            format!("{base}/v1/traces"),
        )
        .env("OTEL_BSP_SCHEDULE_DELAY", "100")
        .env("TRACELINT_ENDPOINT", &base)
        .output()
        .unwrap();
    send_signal(serve.id(), "INT");
    serve.wait().unwrap();
    output
}

#[test]
fn the_documented_guardrail_stops_the_agent_from_inside() {
    let Some(python) = otel_python() else { return };
    let output = against_serve(&python, &["tests/programs/loop_agent.py", "--guard"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(3), "{stderr}");
    let turn: u32 = stderr
        .split("stopped at turn ")
        .nth(1)
        .and_then(|rest| rest.split(':').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{stderr}"));
    // Three answers make the loop; the verdict follows within a few turns
    // of 0.2 s (the exporter's 100 ms batch delay, the guard's 100 ms).
    assert!((4..=10).contains(&turn), "stopped at turn {turn}");
    assert!(
        stderr.contains("tracelint tripped this run: repeated-identical-output"),
        "{stderr}"
    );
}

#[test]
fn the_guardrail_in_an_openai_agents_run_hook_stops_the_run() {
    let Some(python) = otel_python() else { return };
    let agents = Command::new(&python)
        .args([
            "-c",
            "import agents, opentelemetry.instrumentation.openai_agents",
        ])
        .output()
        .is_ok_and(|o| o.status.success());
    if !agents {
        missing_prerequisite("openai-agents in target/python (tools/python-venv.sh)");
        return;
    }
    let output = against_serve(&python, &["tests/programs/openai_agents_guard.py"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(3), "{stderr}");
    let calls: u32 = stderr
        .split("stopped after ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{stderr}"));
    // The same search three times is the loop; max_turns is 60.
    assert!(
        (3..=10).contains(&calls),
        "stopped after {calls} model calls"
    );
    assert!(
        stderr.contains("tracelint tripped this run: repeated-tool-call"),
        "{stderr}"
    );
}

fn send_signal(pid: u32, signal: &str) {
    Command::new("kill")
        .args([&format!("-{signal}"), &pid.to_string()])
        .status()
        .unwrap();
}

#[test]
fn serve_listens_on_loopback_only_unless_told() {
    let output = tracelint()
        .args(["serve", "--listen", "0.0.0.0:0"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("not a loopback address"), "{stderr}");
    assert!(stderr.contains("--allow-remote"), "{stderr}");
}

/// Whether process `pid` still runs (a zombie does not).
fn alive(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .is_ok_and(|stat| !stat.split(") ").nth(1).is_some_and(|s| s.starts_with('Z')))
}

fn wait_for_file(path: &Path) -> String {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let text = std::fs::read_to_string(path).unwrap_or_default();
        if text.ends_with('\n') || Instant::now() > deadline {
            return text;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn ctrl_c_is_passed_on_and_watch_exits_130() {
    let dir = tempfile::tempdir().unwrap();
    let got = dir.path().join("got");
    let script = format!(
        "trap 'echo INT > {0}; exit 0' INT; echo started > {0}.ready; while true; do sleep 0.05; done",
        got.display()
    );
    let watch = tracelint()
        .args(["watch", "--", "sh", "-c", &script])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_for_file(&dir.path().join("got.ready"));
    send_signal(watch.id(), "INT");
    let output = watch.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(130), "{stderr}");
    assert_eq!(std::fs::read_to_string(&got).unwrap(), "INT\n");
    assert!(
        stderr.contains("interrupted by signal 2; the program ended (exit status: 0)"),
        "{stderr}"
    );
}

#[test]
fn a_second_ctrl_c_kills_a_program_that_ignores_the_first() {
    let dir = tempfile::tempdir().unwrap();
    let pids = dir.path().join("pids");
    // The shell and its sleep ignore SIGINT and SIGTERM.
    let script = format!(
        "trap '' INT TERM; sleep 60 & echo \"$$ $!\" > {}; wait",
        pids.display()
    );
    let mut watch = tracelint()
        .args(["watch", "--grace", "30", "--", "sh", "-c", &script])
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let pids: Vec<u32> = wait_for_file(&pids)
        .split_whitespace()
        .map(|p| p.parse().unwrap())
        .collect();
    assert_eq!(pids.len(), 2);
    send_signal(watch.id(), "INT");
    std::thread::sleep(Duration::from_millis(300));
    assert!(
        pids.iter().all(|p| alive(*p)),
        "the first signal is ignored"
    );
    let started = Instant::now();
    send_signal(watch.id(), "INT");
    let status = watch.wait().unwrap();
    assert_eq!(status.code(), Some(130));
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "not the 30 s grace"
    );
    std::thread::sleep(Duration::from_millis(300));
    assert!(!pids.iter().any(|p| alive(*p)), "the group was killed");
}

#[test]
fn foreground_keeps_the_program_in_watch_s_group_with_its_input() {
    let mut watch = tracelint()
        .args([
            "watch",
            "--foreground",
            "--",
            "sh",
            "-c",
            "read x; echo got:$x",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    watch.stdin.take().unwrap().write_all(b"hello\n").unwrap();
    let output = watch.wait_with_output().unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&output.stdout), "got:hello\n");
}

#[test]
fn bad_settings_are_refused_before_anything_runs() {
    for args in [
        &["serve", "--max-traces", "0"][..],
        &["serve", "--max-inflight", "0"],
        &["serve", "--webhook", "ftp://example.com/hook"],
        &["serve", "--findings", "/nonexistent/dir/findings.jsonl"],
        &[
            "watch",
            "--store",
            "/nonexistent/dir/store.parquet",
            "--",
            "true",
        ],
    ] {
        let output = tracelint().args(args).output().unwrap();
        assert_eq!(output.status.code(), Some(2), "{args:?}");
    }
}

#[test]
fn serve_listens_on_a_name_that_resolves_to_loopback() {
    let mut serve = tracelint()
        .args(["serve", "--listen", "localhost:0"])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (_stderr, base) = address_of(&mut serve);
    send_signal(serve.id(), "INT");
    assert_eq!(serve.wait().unwrap().code(), Some(0));
    assert!(
        base.starts_with("http://127.0.0.1:") || base.starts_with("http://[::1]:"),
        "{base}"
    );
}
