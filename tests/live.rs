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
use tracelint::detect::{registry, DetectOptions, Gate};
use tracelint::ingest::IngestOptions;
use tracelint::pipeline::live::LiveLimits;
use tracelint::serve::guard::{Guard, GuardConfig};
use tracelint::serve::otlp_http::{router, ReceiverLimits};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every fixture that holds OTLP traces: the framework runs' OTLP exports,
/// the protobuf files, the SDK's own output and the sample traces.
fn fixtures() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = [
        "tests/fixtures/frameworks/*/*/*otlp*.jsonl",
        "tests/fixtures/otlp_proto/*.binpb",
        "tests/fixtures/otel_sdk/traces.*",
        "sample-traces/*/trace.json",
        "tests/fixtures/otlp/*.json*",
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
        limits: LiveLimits {
            max_traces: 1000,
            max_spans_per_trace: 100_000,
            idle: Duration::from_secs(3600),
        },
        debounce: Duration::from_millis(10),
        detectors: registry(),
        options: DetectOptions::default(),
        gate: Gate::default(),
        ingest: IngestOptions::default(),
        findings_file: Some(findings.to_path_buf()),
        on_trip: None,
        base_url: "http://127.0.0.1".into(),
    })
    .unwrap()
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
