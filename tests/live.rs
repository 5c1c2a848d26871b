//! Live equals batch: every OTLP fixture's spans, replayed to the receiver
//! in a shuffled arrival order and split into random requests (protobuf or
//! JSON, some gzipped), give the findings that `tracelint check` gives on
//! the file, once the traces are finished. Judging the traces while they
//! are still arriving changes nothing of the end.
//!
//! The findings are compared whole but for `source_file` and
//! `source_line`: a span that came over HTTP has no file.

use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use prost::Message;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tracelint::detect::DetectOptions;
use tracelint::pipeline::live::LiveLimits;
use tracelint::serve::guard::{Guard, GuardConfig};
use tracelint::serve::otlp_http::{router, ReceiverLimits};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every fixture that holds OTLP traces: the framework runs' OTLP exports,
/// the protobuf files, the SDK's own output, the dialect fixtures, a
/// Collector file export and the sample traces.
fn fixtures() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = [
        "tests/fixtures/frameworks/*/*/*otlp*.jsonl",
        "tests/fixtures/otlp_proto/*.binpb",
        "tests/fixtures/otel_sdk/traces.*",
        "sample-traces/*/trace.json",
        "tests/fixtures/otlp/*.json*",
        "tests/fixtures/otlp/dialects/*.json",
        "tests/fixtures/collector/file_exporter.json",
    ]
    .iter()
    .flat_map(|pattern| glob::glob(root().join(pattern).to_str().unwrap()).unwrap())
    .map(Result::unwrap)
    .filter(|path| !requests_of(path).is_empty())
    .collect();
    files.sort();
    files
}

/// The file's export requests as OTLP/JSON values: its lines, or the
/// whole document, or the protobuf message.
fn requests_of(path: &Path) -> Vec<Value> {
    let bytes = std::fs::read(path).unwrap();
    if path.extension().is_some_and(|e| e == "binpb") {
        return ExportTraceServiceRequest::decode(&bytes[..])
            .ok()
            .map(|r| vec![serde_json::to_value(r).unwrap()])
            .unwrap_or_default();
    }
    let text = String::from_utf8_lossy(&bytes);
    let documents: Vec<Value> = match serde_json::from_str::<Value>(&text) {
        Ok(document) => vec![document],
        Err(_) => text
            .lines()
            .filter_map(|line| serde_json::from_str(line).ok())
            .collect(),
    };
    documents
        .into_iter()
        .filter(|d| d.get("resourceSpans").is_some_and(Value::is_array))
        .collect()
}

/// (resource, scope, span) of every span, in file order.
fn spans_of(requests: &[Value]) -> Vec<(Value, Value, Value)> {
    let mut spans = Vec::new();
    for request in requests {
        for resource_spans in request["resourceSpans"].as_array().unwrap() {
            let resource = resource_spans.get("resource").cloned().unwrap_or(json!({}));
            let scopes = resource_spans
                .get("scopeSpans")
                .or_else(|| resource_spans.get("instrumentationLibrarySpans"))
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            for scope_spans in scopes {
                let scope = scope_spans
                    .get("scope")
                    .or_else(|| scope_spans.get("instrumentationLibrary"))
                    .cloned()
                    .unwrap_or(json!({}));
                for span in scope_spans["spans"].as_array().cloned().unwrap_or_default() {
                    spans.push((resource.clone(), scope.clone(), span));
                }
            }
        }
    }
    spans
}

/// xorshift64*: a fixed sequence per seed, enough to shuffle.
struct Random(u64);

impl Random {
    fn next(&mut self, below: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 33) as usize % below.max(1)
    }
}

/// One request of `spans`, each keeping its resource and scope.
fn request(spans: &[(Value, Value, Value)]) -> Value {
    let resource_spans: Vec<Value> = spans
        .iter()
        .map(|(resource, scope, span)| {
            json!({"resource": resource, "scopeSpans": [{"scope": scope, "spans": [span]}]})
        })
        .collect();
    json!({ "resourceSpans": resource_spans })
}

fn guard(findings: &Path) -> Arc<Guard> {
    Guard::new(GuardConfig {
        findings_file: Some(findings.to_path_buf()),
        ..config()
    })
    .unwrap()
}

fn config() -> GuardConfig {
    GuardConfig::new(LiveLimits {
        max_traces: 1000,
        max_spans_per_trace: 100_000,
        idle: Duration::from_secs(3600),
    })
}

/// Findings without where they were read, sorted.
fn comparable(lines: &str) -> Vec<String> {
    let mut findings: Vec<String> = lines
        .lines()
        .map(|line| {
            let mut finding: Value = serde_json::from_str(line).unwrap();
            let object = finding.as_object_mut().unwrap();
            object.remove("source_file");
            object.remove("source_line");
            finding.to_string()
        })
        .collect();
    findings.sort();
    findings
}

fn check_findings(path: &Path, dir: &Path) -> Vec<String> {
    let output = assert_cmd::Command::cargo_bin("tracelint")
        .unwrap()
        .current_dir(dir)
        .args([
            "check",
            "--output-format",
            "jsonl",
            "--exit-zero",
            "--quiet",
        ])
        .arg(path)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    comparable(&String::from_utf8(output.stdout).unwrap())
}

/// Sends the spans of `path` in a shuffled order and random requests;
/// the findings once every trace is finished.
fn live_findings(path: &Path, seed: u64, dir: &Path) -> Vec<String> {
    let mut spans = spans_of(&requests_of(path));
    let mut random = Random(seed);
    for i in (1..spans.len()).rev() {
        spans.swap(i, random.next(i + 1));
    }
    let findings = tempfile::NamedTempFile::new_in(dir)
        .unwrap()
        .into_temp_path();
    let findings = findings.keep().unwrap();
    let guard = guard(&findings);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let app = router(
            Arc::clone(&guard),
            ReceiverLimits {
                max_request_bytes: 64 << 20,
                max_inflight: 4,
                body_timeout: Duration::from_secs(30),
            },
        );
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        let client = reqwest::Client::new();
        let mut rest = &spans[..];
        let mut sent = 0;
        while !rest.is_empty() {
            let size = 1 + random.next(rest.len().min(5));
            let (batch, tail) = rest.split_at(size);
            rest = tail;
            let body = request(batch);
            let as_protobuf = sent % 2 == 0;
            let protobuf = serde_json::from_value::<ExportTraceServiceRequest>(body.clone())
                .ok()
                .filter(|_| as_protobuf);
            let (content_type, bytes) = match protobuf {
                Some(request) => ("application/x-protobuf", request.encode_to_vec()),
                None => ("application/json", body.to_string().into_bytes()),
            };
            let response = client
                .post(format!("{base}/v1/traces"))
                .header("Content-Type", content_type)
                .body(bytes)
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
            sent += 1;
            // Judged while still arriving, now and then.
            if sent % 3 == 0 {
                guard.evaluate(Instant::now()).unwrap();
            }
        }
    });
    guard.finish_all().unwrap();
    comparable(&std::fs::read_to_string(&findings).unwrap_or_default())
}

#[test]
fn live_findings_equal_check_on_every_otlp_fixture() {
    let dir = tempfile::tempdir().unwrap();
    let fixtures = fixtures();
    assert!(fixtures.len() >= 20, "{fixtures:?}");
    let mut with_findings = 0;
    for path in &fixtures {
        let batch = check_findings(path, dir.path());
        with_findings += usize::from(!batch.is_empty());
        for seed in [1, 2, 3] {
            let live = live_findings(path, seed * 7919 + 1, dir.path());
            assert_eq!(
                live,
                batch,
                "{} (seed {seed}): live findings differ from check's",
                path.display()
            );
        }
    }
    // The comparison is not one of empty lists.
    eprintln!("{} fixtures, {with_findings} with findings", fixtures.len());
    assert!(
        with_findings >= 10,
        "{with_findings} fixtures with findings"
    );
}

/// The `i`-th model call of an agent run under `root`: one a second, 0.8 s
/// long, 1,200 input and 40 output tokens at $0.0034, answering `answer`.
fn chat_span(trace: &str, root: &str, i: u64, answer: &str) -> Value {
    let output = json!([{"role": "assistant", "parts": [{"type": "text", "content": answer}]}]);
    json!({
        "traceId": trace,
        "spanId": format!("{:016x}", 0x1000 + i),
        "parentSpanId": root,
        "name": "chat gpt-4o",
        "startTimeUnixNano": (1_800_000_000_000_000_000u64 + i * 1_000_000_000).to_string(),
        "endTimeUnixNano": (1_800_000_000_800_000_000u64 + i * 1_000_000_000).to_string(),
        "attributes": [
            {"key": "gen_ai.operation.name", "value": {"stringValue": "chat"}},
            {"key": "gen_ai.agent.name", "value": {"stringValue": "fixer"}},
            {"key": "gen_ai.request.model", "value": {"stringValue": "gpt-4o"}},
            {"key": "gen_ai.usage.input_tokens", "value": {"intValue": "1200"}},
            {"key": "gen_ai.usage.output_tokens", "value": {"intValue": "40"}},
            {"key": "gen_ai.usage.cost", "value": {"doubleValue": 0.0034}},
            {"key": "gen_ai.output.messages", "value": {"stringValue": output.to_string()}}
        ]
    })
}

/// Sends `spans` one request each, judging after each; the number of
/// spans sent when the trace first tripped, and by what.
fn first_trip(guard: &Guard, trace: &str, spans: &[Value]) -> Option<(usize, Vec<String>)> {
    let resource =
        json!({"attributes": [{"key": "service.name", "value": {"stringValue": "build-fixer"}}]});
    for (arrived, span) in spans.iter().enumerate() {
        let body = request(&[(resource.clone(), json!({"name": "t"}), span.clone())]);
        guard
            .receive(body.to_string().as_bytes(), "replay", None)
            .unwrap();
        guard.evaluate(Instant::now()).unwrap();
        let verdict = guard.verdict(trace).unwrap();
        if verdict.tripped_at.is_some() {
            return Some((arrived + 1, verdict.tripped_by));
        }
    }
    None
}

/// The checklist's limits act mid-run like the loop detectors: a token
/// budget and a wall-clock limit trip the span that crosses them.
#[test]
fn budgets_and_the_wall_clock_limit_trip_mid_run() {
    const TRACE: &str = "1af7651916cd43dd8448eb211c80319c";
    let distinct: Vec<Value> = (1..=20)
        .map(|i| {
            chat_span(
                TRACE,
                "c7ad6b7169203331",
                i,
                &format!("Step {i} of the plan is done."),
            )
        })
        .collect();
    let trip = |limit: &dyn Fn(&mut DetectOptions)| {
        let mut options = DetectOptions::default();
        limit(&mut options);
        let guard = Guard::new(GuardConfig {
            options,
            ..config()
        })
        .unwrap();
        first_trip(&guard, TRACE, &distinct)
    };
    // 1,240 tokens a call: the third call makes 3,720.
    assert_eq!(
        trip(&|o| o.budget.max_tokens = Some(3_000)),
        Some((3, vec!["budget-exceeded".to_string()]))
    );
    // $0.0034 a call: the sixth makes $0.0204.
    assert_eq!(
        trip(&|o| o.budget.max_usd = Some(0.02)),
        Some((6, vec!["budget-exceeded".to_string()]))
    );
    // A call a second, 0.8 s each: the sixth ends 5.8 s after the first began.
    assert_eq!(
        trip(&|o| o.duration.max_seconds = Some(5.0)),
        Some((6, vec!["duration-exceeded".to_string()]))
    );
}

/// The incident behind MAST's step repetition, replayed live: an agent
/// gives the same answer 58 times, each model call 1,200 input and 40
/// output tokens at $0.0034 (gpt-4o's list prices). Spans arrive one per
/// request as they end (the root, which ends last, last). The guard trips
/// on the third repeat; what the 55 calls after it would have cost is what
/// stopping the run there saves.
#[test]
fn the_58_repeat_incident_trips_at_the_third_repeat() {
    const TRACE: &str = "0af7651916cd43dd8448eb211c80319c";
    const ROOT: &str = "b7ad6b7169203331";
    let answer = "I will run the tests again to see what fails.";
    let mut spans: Vec<Value> = (1..=58)
        .map(|i| chat_span(TRACE, ROOT, i, answer))
        .collect();
    spans.push(json!({
        "traceId": TRACE, "spanId": ROOT, "name": "invoke_agent fixer",
        "startTimeUnixNano": "1800000000000000000",
        "endTimeUnixNano": "1800000059000000000",
        "attributes": [
            {"key": "gen_ai.operation.name", "value": {"stringValue": "invoke_agent"}},
            {"key": "gen_ai.agent.name", "value": {"stringValue": "fixer"}}
        ]
    }));
    let resource =
        json!({"attributes": [{"key": "service.name", "value": {"stringValue": "build-fixer"}}]});
    let scope = json!({"name": "incident"});
    let dir = tempfile::tempdir().unwrap();
    let findings = dir.path().join("live.jsonl");
    let guard = guard(&findings);
    let mut tripped_at = None;
    let mut waste_at_trip = 0.0;
    for (arrived, span) in spans.iter().enumerate() {
        let body = request(&[(resource.clone(), scope.clone(), span.clone())]);
        guard
            .receive(body.to_string().as_bytes(), "replay", None)
            .unwrap();
        guard.evaluate(Instant::now()).unwrap();
        let verdict = guard.verdict(TRACE).unwrap();
        if tripped_at.is_none() && serde_json::to_value(verdict.verdict).unwrap() == "trip" {
            tripped_at = Some(arrived + 1);
            assert_eq!(verdict.tripped_by, ["repeated-identical-output"]);
            waste_at_trip = verdict.findings[0].metrics["wasted_tokens"];
        }
    }
    assert_eq!(tripped_at, Some(3), "the guard trips on the third repeat");
    guard.finish_all().unwrap();
    let finished = guard.verdict(TRACE).unwrap();
    let repeated = finished
        .findings
        .iter()
        .find(|f| f.detector == "repeated-identical-output")
        .unwrap();
    assert_eq!(repeated.metrics["repeats"], 58.0);
    let (per_call_tokens, per_call_usd) = (1_240.0, 0.0034);
    let saved_calls = 58.0 - 3.0;
    let saved_tokens = repeated.metrics["wasted_tokens"] - waste_at_trip;
    assert_eq!(waste_at_trip, 2.0 * per_call_tokens);
    assert_eq!(saved_tokens, saved_calls * per_call_tokens);
    let saved_usd = repeated.metrics["wasted_cost_usd"] - 2.0 * per_call_usd;
    assert!(
        (saved_usd - saved_calls * per_call_usd).abs() < 1e-9,
        "{saved_usd}"
    );
    eprintln!(
        "tripped at repeat 3 of 58: saved {saved_calls} calls, {saved_tokens} tokens, ${saved_usd:.4} \
         (of {} tokens, ${:.4} wasted by the full run)",
        repeated.metrics["wasted_tokens"], repeated.metrics["wasted_cost_usd"]
    );
    // And the finished trace's findings are check's on the same spans.
    let file = dir.path().join("incident.json");
    std::fs::write(
        &file,
        request(
            &spans
                .iter()
                .map(|s| (resource.clone(), scope.clone(), s.clone()))
                .collect::<Vec<_>>(),
        )
        .to_string(),
    )
    .unwrap();
    assert_eq!(
        comparable(&std::fs::read_to_string(&findings).unwrap()),
        check_findings(&file, dir.path())
    );
}

/// A trace finished, then more of its spans: the store keeps it once,
/// whole, and counts the late spans as not written (nothing lost silently).
#[test]
fn spans_after_a_trace_finished_are_counted_not_stored_twice() {
    let dir = tempfile::tempdir().unwrap();
    let store_path = dir.path().join("live.parquet");
    let guard = Guard::new(GuardConfig {
        store: Some(store_path.clone()),
        findings_file: None,
        ..config()
    })
    .unwrap();
    let path = root().join("sample-traces/healthy/trace.json");
    let spans = spans_of(&requests_of(&path));
    let (first, late) = spans.split_at(spans.len() - 2);
    guard
        .receive(request(first).to_string().as_bytes(), "a", None)
        .unwrap();
    guard.finish_all().unwrap();
    guard
        .receive(request(late).to_string().as_bytes(), "b", None)
        .unwrap();
    guard.finish_all().unwrap();
    guard.close_store().unwrap();
    let store = tracelint::store::read_store(&store_path).unwrap();
    assert_eq!(store.events.height(), spans.len() - 2);
    assert_eq!(store.ingest.skipped_reasons["late_spans"], 2);
    assert_eq!(
        store.ingest.ingested + store.ingest.skipped,
        store.ingest.records_read
    );
}
