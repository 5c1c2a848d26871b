//! OTLP-family ingest on real files: the examples in ../shared/data/formats,
//! the TRAIL corpus, the sample traces; and the Parquet store round trip.

mod common;

use common::{ingest_to, repo, shared, shared_data, stats_json, trace};
use serde_json::{json, Value};
use std::collections::HashSet;

/// Facts checked by hand against each file (see the closing note of the
/// foundation issue): events, agents, llm and tool calls, tokens, cost.
#[test]
#[cfg_attr(
    not(tracelint_shared),
    ignore = "needs ../shared beside the repository"
)]
fn otlp_family_examples_match_their_files() {
    let dir = shared("formats/otlp_json");
    let stats = stats_json(&[dir.to_str().unwrap()]);
    let s = &stats["summary"];
    assert_eq!(
        (s["files"].as_u64(), s["skipped"].as_u64()),
        (Some(5), Some(0))
    );
    assert_eq!(
        (s["traces"].as_u64(), s["events"].as_u64()),
        (Some(14), Some(31))
    );

    let pick = |t: &Value| {
        json!([
            t["events"],
            t["agents"],
            t["llm_calls"],
            t["tool_calls"],
            t["input_tokens"],
            t["output_tokens"]
        ])
    };
    // any-agent OPENAI: 3 call_llm (269+359+392 in, 16+14+46 out), 2 tools.
    let openai = trace(&stats, "4bedea77bb33b9c5f280371eae21ea97");
    assert_eq!(pick(openai), json!([6, ["any_agent"], 3, 2, 1020, 76]));
    assert!((openai["cost_usd"].as_f64().unwrap() - 1.248e-4).abs() < 1e-12);
    // any-agent LANGCHAIN: 4 call_llm (245+331+366+320, 16+14+33+62).
    let langchain = trace(&stats, "572318454595034fe5076610d6400542");
    assert_eq!(pick(langchain), json!([7, ["any_agent"], 4, 2, 1262, 125]));
    // any-agent SMOLAGENTS: 3 call_llm (677+782+835, 16+14+57), 3 tools with final_answer.
    let smol = trace(&stats, "9135313a4e40fe254d48742d230ea040");
    assert_eq!(pick(smol), json!([7, ["any_agent"], 3, 3, 2294, 87]));
    // The decimal 128-bit trace id is kept exactly, as hex.
    assert_eq!(
        format!("{:032x}", 193014249579837554382251753808266698816u128),
        "9135313a4e40fe254d48742d230ea040"
    );
    // opentelemetry-proto example: one server span, 1 s. Its service name
    // owns no model or tool call, so it is not listed as an agent.
    let proto = trace(&stats, "5b8efff798038103d269b633813fc60c");
    assert_eq!(pick(proto), json!([1, [], 0, 0, null, null]));
    assert_eq!(proto["duration_ms"], 1000);
    // Vercel v6: each span is its own trace in that capture; doGenerate is the LLM call.
    let generate = trace(&stats, "b3e700af9eab81e19f72f964d62a35af");
    assert_eq!(
        pick(generate),
        json!([1, ["test-generate-text"], 1, 0, 14, 20])
    );
    let embed = trace(&stats, "045d21a7f69972edf509fe0ff911f3f5");
    assert_eq!(pick(embed), json!([1, ["test-embed"], 0, 0, null, null]));

    let tools: Vec<(String, String, String)> = stats["tool_calls"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["trace_id"] == "4bedea77bb33b9c5f280371eae21ea97")
        .map(|t| {
            (
                t["agent"].as_str().unwrap().into(),
                t["tool_name"].as_str().unwrap().into(),
                t["tool_args"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(
        tools,
        vec![
            (
                "any_agent".into(),
                "get_current_time".into(),
                r#"{"timezone":"America/New_York"}"#.into()
            ),
            (
                "any_agent".into(),
                "write_file".into(),
                r#"{"text":"2025"}"#.into()
            ),
        ]
    );
}

/// Spans in a TRAIL file, walked independently of tracelint: (all, distinct ids).
fn walk_trail_file(path: &std::path::Path) -> (usize, HashSet<String>) {
    fn walk(span: &Value, all: &mut usize, ids: &mut HashSet<String>) {
        *all += 1;
        ids.insert(span["span_id"].as_str().unwrap().to_string());
        for child in span["child_spans"].as_array().unwrap() {
            walk(child, all, ids);
        }
    }
    let doc: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    let (mut all, mut ids) = (0, HashSet::new());
    for span in doc["spans"].as_array().unwrap() {
        walk(span, &mut all, &mut ids);
    }
    (all, ids)
}

#[test]
#[cfg_attr(
    not(tracelint_shared),
    ignore = "needs ../shared beside the repository"
)]
fn every_trail_file_ingests_and_span_counts_match_an_independent_walk() {
    let dir = shared("trail/data");
    let stats = stats_json(&[dir.to_str().unwrap()]);
    let s = &stats["summary"];
    assert_eq!(s["skipped"], 0, "{s}");
    assert_eq!(s["files"], 139);
    let mut all_spans = 0;
    let mut distinct_spans = 0;
    for folder in ["GAIA", "SWE Bench"] {
        for entry in std::fs::read_dir(dir.join(folder)).unwrap() {
            let path = entry.unwrap().path();
            let (all, ids) = walk_trail_file(&path);
            all_spans += all;
            distinct_spans += ids.len();
            let trace_id = path.file_stem().unwrap().to_str().unwrap();
            assert_eq!(trace(&stats, trace_id)["events"], ids.len(), "{trace_id}");
        }
    }
    assert_eq!(s["events"], distinct_spans);
    // One SWE Bench file holds an identical copy of one span: merged into
    // the first, reported, and counted as read and ingested (issue 18).
    assert_eq!(s["ingested"], all_spans);
    let merged = s["repaired_reasons"]["duplicate_record"]
        .as_u64()
        .unwrap_or(0) as usize;
    assert_eq!(all_spans, distinct_spans + merged);
    assert_eq!((all_spans, merged), (3793, 1));
    assert_eq!(
        s["records_read"].as_u64().unwrap(),
        s["ingested"].as_u64().unwrap() + s["skipped"].as_u64().unwrap()
    );
}

#[test]
fn sample_traces_have_the_planted_shapes() {
    let stats = stats_json(&[repo("sample-traces").to_str().unwrap()]);
    assert_eq!(stats["summary"]["traces"], 5);
    assert_eq!(stats["summary"]["skipped"], 0);
    let by_agents = |agents: Value| -> &Value {
        stats["traces"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["agents"] == agents)
            .unwrap()
    };
    // 'support-desk' is the service name: it owns no call, it is no agent.
    let lp = by_agents(json!(["billing", "triage"]));
    assert_eq!(
        (
            lp["handoffs"].as_u64(),
            lp["status"].as_str(),
            lp["termination_reason"].as_str()
        ),
        (Some(14), Some("error"), Some("max_turns"))
    );
    let healthy = by_agents(json!(["orchestrator", "researcher", "reviewer", "writer"]));
    assert_eq!(
        (
            healthy["status"].as_str(),
            healthy["termination_reason"].as_str()
        ),
        (Some("ok"), None)
    );
    let edges: Vec<(String, String, u64)> = stats["handoff_edges"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["trace_id"] == lp["trace_id"])
        .map(|e| {
            (
                e["from"].as_str().unwrap().into(),
                e["to"].as_str().unwrap().into(),
                e["count"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        edges,
        vec![
            ("billing".into(), "triage".into(), 7),
            ("triage".into(), "billing".into(), 7)
        ]
    );
    // Chat spans carry the placeholder "OpenAI Agent"; ancestry gives the real agent.
    let agents: Vec<&str> = stats["agents"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|a| a["agent"].as_str())
        .collect();
    assert!(!agents.contains(&"OpenAI Agent"), "{agents:?}");
}

#[test]
fn the_store_round_trips_stats_exactly() {
    let mut inputs = vec![repo("sample-traces")];
    inputs.extend(shared_data("formats/otlp_json"));
    inputs.extend(shared_data("trail/data/GAIA"));
    let dir = tempfile::tempdir().unwrap();
    for input in inputs {
        let store = dir.path().join("store.parquet");
        ingest_to(&input, &store);
        let raw = stats_json(&[input.to_str().unwrap()]);
        let stored = stats_json(&["--store", store.to_str().unwrap()]);
        assert_eq!(raw, stored, "{}", input.display());
    }
}

/// Hand-written fixtures for the shapes and dialects the real example files
/// do not cover. Each row: fixture, then the whole `traces`, `agents`,
/// `handoff_edges` and `tool_calls` of its stats, compactly.
#[test]
fn dialect_and_shape_fixtures() {
    let cases = [
        (
            // Legacy instrumentationLibrarySpans, upper-case hex, int64 as
            // numbers, status as an enum name, snake_case proto names, an
            // exception event; the guard in the status message.
            "legacy_and_proto_names.jsonl",
            json!([[
                "4bf92f3577b34da6a3ce929d0e0e4736",
                3,
                ["planner"],
                1,
                1,
                0,
                120,
                30,
                null,
                5000,
                "error",
                "recursion_limit"
            ]]),
            json!([["planner", 1, 3, 120, 30, null]]),
            json!([]),
            json!([["planner", "search", r#"{"limit":5,"q":"otel"}"#, 1]]),
        ),
        (
            // OpenInference: AGENT spans, LLM token counts and cost, a TOOL
            // span named "handoff to refunds" with its source in input.value.
            "openinference_handoff.json",
            json!([[
                "5a1b2c3d4e5f60718293a4b5c6d7e8f9",
                6,
                ["refunds", "router"],
                2,
                1,
                1,
                550,
                37,
                0.00133,
                0,
                "ok",
                null
            ]]),
            json!([
                ["refunds", 1, 3, 340, 25, 0.00081],
                ["router", 1, 3, 210, 12, 0.00052]
            ]),
            json!([["router", "refunds", 1]]),
            json!([["refunds", "lookup_order", r#"{"order_id":"7"}"#, 1]]),
        ),
        (
            // OpenLLMetry: traceloop.span.kind, entity names, indexed
            // completions, old prompt/completion token names.
            "traceloop.json",
            json!([[
                "6b1b2c3d4e5f60718293a4b5c6d7e8f9",
                4,
                ["researcher"],
                1,
                1,
                0,
                90,
                15,
                null,
                0,
                "unset",
                null
            ]]),
            json!([
                ["researcher", 1, 3, 90, 15, null],
                [null, 1, 1, null, null, null]
            ]),
            json!([]),
            json!([["researcher", "search", r#"{"query":"agents"}"#, 1]]),
        ),
        (
            // Python ConsoleSpanExporter: concatenated pretty objects, 0x ids,
            // ISO times, the placeholder agent on the chat span.
            "console_exporter.json",
            json!([[
                "7c1b2c3d4e5f60718293a4b5c6d7e8f9",
                2,
                ["coder"],
                1,
                0,
                0,
                50,
                7,
                null,
                9500,
                "error",
                "max_turns"
            ]]),
            json!([["coder", 1, 2, 50, 7, null]]),
            json!([]),
            json!([]),
        ),
    ];
    for (fixture, traces, agents, edges, tools) in cases {
        let path = repo("tests/fixtures/otlp").join(fixture);
        let stats = stats_json(&[path.to_str().unwrap()]);
        assert_eq!(stats["summary"]["skipped"], 0, "{fixture}");
        let rows = |key: &str, fields: &[&str]| -> Value {
            stats[key]
                .as_array()
                .unwrap()
                .iter()
                .map(|row| Value::Array(fields.iter().map(|f| row[*f].clone()).collect()))
                .collect()
        };
        let trace_fields = [
            "trace_id",
            "events",
            "agents",
            "llm_calls",
            "tool_calls",
            "handoffs",
            "input_tokens",
            "output_tokens",
            "cost_usd",
            "duration_ms",
            "status",
            "termination_reason",
        ];
        assert_eq!(rows("traces", &trace_fields), traces, "{fixture}");
        let agent_fields = [
            "agent",
            "traces",
            "events",
            "input_tokens",
            "output_tokens",
            "cost_usd",
        ];
        assert_eq!(rows("agents", &agent_fields), agents, "{fixture}");
        assert_eq!(
            rows("handoff_edges", &["from", "to", "count"]),
            edges,
            "{fixture}"
        );
        assert_eq!(
            rows("tool_calls", &["agent", "tool_name", "tool_args", "count"]),
            tools,
            "{fixture}"
        );
    }
}

/// `value` with every OTLP id (`traceId`, `spanId`, `parentSpanId`) written
/// in base64, as the generic protobuf JSON mapping writes bytes.
fn ids_in_base64(value: &mut Value) {
    use base64::Engine;
    match value {
        Value::Object(map) => {
            for (key, v) in map.iter_mut() {
                let is_id = matches!(key.as_str(), "traceId" | "spanId" | "parentSpanId");
                match v {
                    Value::String(hex) if is_id && !hex.is_empty() => {
                        let bytes: Vec<u8> = (0..hex.len())
                            .step_by(2)
                            .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
                            .collect();
                        *v = Value::String(base64::engine::general_purpose::STANDARD.encode(bytes));
                    }
                    other => ids_in_base64(other),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(ids_in_base64),
        _ => {}
    }
}

/// The protobuf JSON mapping's base64 ids, and Grafana Tempo's trace-by-id
/// response (`batches` for `resourceSpans`): the same trace as the hex file,
/// ids in hex (hunt cases 01 and 12).
#[test]
fn base64_ids_and_tempo_batches_read_as_the_hex_file() {
    let original = repo("sample-traces/handoff-loop/trace.json");
    let mut doc: Value = serde_json::from_slice(&std::fs::read(&original).unwrap()).unwrap();
    ids_in_base64(&mut doc);
    let dir = tempfile::tempdir().unwrap();
    let protojson = dir.path().join("protojson.json");
    std::fs::write(&protojson, doc.to_string()).unwrap();
    let batches = dir.path().join("tempo.json");
    let spans = doc
        .as_object_mut()
        .unwrap()
        .remove("resourceSpans")
        .unwrap();
    std::fs::write(
        &batches,
        serde_json::json!({ "batches": spans }).to_string(),
    )
    .unwrap();
    let expected = stats_json(&[original.to_str().unwrap()]);
    for path in [&protojson, &batches] {
        let got = stats_json(&[path.to_str().unwrap()]);
        assert_eq!(got["traces"], expected["traces"], "{}", path.display());
        assert_eq!(got["handoff_edges"], expected["handoff_edges"]);
        assert_eq!(got["summary"]["events"], expected["summary"]["events"]);
    }
}
