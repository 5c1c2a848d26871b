//! The OpenTelemetry family as real emitters and trace stores write it:
//! the hunt cases from OTel emitters and stores (../shared/hunt/round1)
//! against the facts of their `.expected.md`; our own fixture of each kind
//! (real framework runs, the real Python SDK's protobuf, the Collector file
//! exporter's framings, Jaeger and Zipkin JSON, a file of mixed signals);
//! and the accounting of other signals.

mod common;

use common::{repo, stats_json, tracelint};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use tracelint::event::Kind;
use tracelint::ingest::{self, source, IngestOptions};

/// The facts a correct analyser derives from one input.
struct Facts {
    trace_id: &'static str,
    events: u64,
    agents: &'static [&'static str],
    llm_calls: u64,
    tokens: (i64, i64),
    /// (from, to, count), sorted.
    edges: &'static [(&'static str, &'static str, u64)],
    /// (tool, canonical arguments, count), sorted.
    tools: &'static [(&'static str, &'static str, u64)],
    termination: Option<&'static str>,
    /// Each group: at least one of its detectors fires.
    fire: &'static [&'static [&'static str]],
    /// None of these fires.
    quiet: &'static [&'static str],
}

const HANDOFF_LOOP: Facts = Facts {
    trace_id: "",
    events: 18,
    agents: &["desk", "refunds"],
    llm_calls: 6,
    tokens: (4340, 245),
    edges: &[("desk", "refunds", 3), ("refunds", "desk", 2)],
    tools: &[],
    termination: Some("max_turns"),
    // The model calls carry no output text (the instrumentation records
    // none by default): said, not passed as clean.
    fire: &[
        &["handoff-cycle"],
        &["turn-limit-hit"],
        &["unreadable-trace"],
    ],
    quiet: &["repeated-tool-call"],
};

fn hunt_cases() -> Vec<(&'static str, Facts)> {
    vec![
        (
            "01-tempo-batches-base64.json",
            Facts {
                trace_id: "7f3c2a9e51d84b06a2e4c9d1f0b87a35",
                ..HANDOFF_LOOP
            },
        ),
        (
            "12-otlp-protojson-base64.json",
            Facts {
                trace_id: "0c9d8e7f6a5b4c3d2e1f00112233aabb",
                ..HANDOFF_LOOP
            },
        ),
        (
            "02-otlp-logs-genai-content.jsonl",
            Facts {
                trace_id: "4e1d2c3b4a5968778695a4b3c2d1e0f9",
                events: 5,
                agents: &["report-writer"],
                llm_calls: 4,
                tokens: (1240, 124),
                edges: &[],
                tools: &[],
                termination: None,
                fire: &[&["repeated-identical-output", "convergence-starvation"]],
                quiet: &["unreadable-trace"],
            },
        ),
        (
            "03-strands-swarm-span-events.json",
            Facts {
                trace_id: "a0b1c2d3e4f5061728394a5b6c7d8e9f",
                events: 17,
                // `swarm` names the orchestrator span and owns no call.
                agents: &["researcher", "swarm", "writer"],
                llm_calls: 5,
                tokens: (5100, 320),
                edges: &[("researcher", "writer", 1)],
                tools: &[(
                    "http_search",
                    r#"{"query":"Linden Street library opening hours"}"#,
                    3,
                )],
                termination: None,
                fire: &[&["repeated-tool-call"]],
                quiet: &["handoff-cycle", "premature-termination", "unreadable-trace"],
            },
        ),
        (
            "04-adk-transfer-to-agent.json",
            Facts {
                trace_id: "be5f0a1c2d3e4f5061728394a5b6c7d8",
                events: 24,
                agents: &["billing", "triage"],
                llm_calls: 9,
                tokens: (12780, 203),
                edges: &[("billing", "triage", 2), ("triage", "billing", 3)],
                tools: &[("lookup_invoice", r#"{"invoice_id":"INV-2291"}"#, 3)],
                termination: None,
                fire: &[&["handoff-cycle"], &["repeated-tool-call"]],
                quiet: &["unreadable-trace"],
            },
        ),
        (
            "08-jaeger-ui-genai.json",
            Facts {
                trace_id: "9d2e4f6a8b0c1d3e5f7a9b1c3d5e7f90",
                events: 8,
                agents: &["planner"],
                llm_calls: 4,
                tokens: (2700, 120),
                edges: &[],
                tools: &[("get_weather", r#"{"city":"Oslo"}"#, 3)],
                termination: None,
                fire: &[
                    &["repeated-tool-call", "retry-without-replan"],
                    &["unreadable-trace"],
                ],
                quiet: &[],
            },
        ),
    ]
}

/// The hunt cases, or None (with a message) when ../shared is absent.
fn hunt_round1() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/hunt/round1");
    if dir.exists() {
        Some(dir)
    } else {
        eprintln!(
            "skipping: {} is not here (the shared cases sit beside the repository)",
            dir.display()
        );
        None
    }
}

fn detectors_on(paths: &[&Path]) -> BTreeSet<String> {
    let out = tracelint()
        .args(["check", "--quiet", "--exit-zero", "--output-format", "json"])
        .args(paths)
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["detector"].as_str().unwrap().to_string())
        .collect()
}

/// Asserts the facts of the one trace that `paths` hold.
fn assert_facts(label: &str, paths: &[&Path], facts: &Facts) {
    let args: Vec<&str> = paths.iter().map(|p| p.to_str().unwrap()).collect();
    let stats = stats_json(&args);
    assert_eq!(
        stats["summary"]["skipped"], 0,
        "{label}: {}",
        stats["summary"]
    );
    let traces = stats["traces"].as_array().unwrap();
    assert_eq!(traces.len(), 1, "{label}");
    let t = &traces[0];
    if !facts.trace_id.is_empty() {
        assert_eq!(t["trace_id"], facts.trace_id, "{label}");
    }
    let agents: Vec<&str> = t["agents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect();
    assert_eq!(
        (t["events"].as_u64().unwrap(), agents.as_slice()),
        (facts.events, facts.agents),
        "{label}"
    );
    assert_eq!(t["llm_calls"].as_u64().unwrap(), facts.llm_calls, "{label}");
    assert_eq!(
        (t["input_tokens"].as_i64(), t["output_tokens"].as_i64()),
        (Some(facts.tokens.0), Some(facts.tokens.1)),
        "{label}"
    );
    assert_eq!(
        t["termination_reason"].as_str(),
        facts.termination,
        "{label}"
    );
    let edges: Vec<(&str, &str, u64)> = stats["handoff_edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["from"].as_str().unwrap(),
                e["to"].as_str().unwrap(),
                e["count"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(edges, facts.edges, "{label}");
    let tools: Vec<(&str, &str, u64)> = stats["tool_calls"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["tool_name"].as_str().unwrap(),
                c["tool_args"].as_str().unwrap_or(""),
                c["count"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(tools, facts.tools, "{label}");
    let fired = detectors_on(paths);
    for group in facts.fire {
        assert!(
            group.iter().any(|d| fired.contains(*d)),
            "{label}: none of {group:?} fired: {fired:?}"
        );
    }
    for quiet in facts.quiet {
        assert!(!fired.contains(*quiet), "{label}: {quiet} fired: {fired:?}");
    }
}

#[test]
fn hunt_cases_from_otel_emitters_and_stores_give_their_facts() {
    let Some(round1) = hunt_round1() else {
        return;
    };
    for (case, facts) in hunt_cases() {
        assert_facts(case, &[&round1.join(case)], &facts);
    }
    // The same logs after the spans instead of before: the same facts.
    let (_, logs_first) = hunt_cases().remove(2);
    assert_facts(
        "min/02b",
        &[&round1.join("min/02b-spans-then-logs.jsonl")],
        &logs_first,
    );
}

/// The logs records beside the spans are read, not skipped: exact
/// accounting of the Collector file of hunt case 02.
#[test]
fn genai_log_records_are_joined_to_their_spans_not_skipped() {
    let Some(round1) = hunt_round1() else {
        return;
    };
    let file = round1.join("02-otlp-logs-genai-content.jsonl");
    let stats = stats_json(&[file.to_str().unwrap()]);
    let s = &stats["summary"];
    assert_eq!(
        (&s["records_read"], &s["ingested"], &s["skipped"]),
        (&13.into(), &5.into(), &0.into())
    );
    assert_eq!(s["other_signals"]["log records joined to their spans"], 8);
    let strict = tracelint()
        .args(["stats", "--strict", "--quiet"])
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(
        strict.status.code(),
        Some(0),
        "logs are not skips under --strict"
    );
}

const ADK: Facts = Facts {
    trace_id: "",
    events: 24,
    agents: &["billing", "triage"],
    llm_calls: 9,
    tokens: (1260, 315),
    edges: &[("billing", "triage", 2), ("triage", "billing", 3)],
    tools: &[("lookup_invoice", r#"{"invoice_id":"INV-2291"}"#, 3)],
    termination: None,
    fire: &[&["handoff-cycle"], &["repeated-tool-call"]],
    quiet: &[],
};

const STRANDS: Facts = Facts {
    trace_id: "",
    events: 19,
    agents: &["researcher", "writer"],
    llm_calls: 6,
    tokens: (960, 240),
    edges: &[("researcher", "writer", 1)],
    tools: &[("http_search", r#"{"query":"tracelint release date"}"#, 3)],
    termination: None,
    fire: &[&["repeated-tool-call"]],
    quiet: &["handoff-cycle"],
};

/// Real runs of Google ADK 2.13 and Strands 1.62 (scripted models), as
/// OTLP/JSON and as the SDK's binary protobuf: the same facts from both.
#[test]
fn real_adk_and_strands_runs_give_their_facts_in_json_and_protobuf() {
    for (label, json, proto, facts) in [
        (
            "adk",
            "tests/fixtures/frameworks/adk/transfer_ping_pong/otlp.jsonl",
            "tests/fixtures/otlp_proto/adk_transfer_ping_pong.binpb",
            ADK,
        ),
        (
            "strands",
            "tests/fixtures/frameworks/strands/search_then_handoff/otlp.jsonl",
            "tests/fixtures/otlp_proto/strands_search_then_handoff.binpb",
            STRANDS,
        ),
    ] {
        assert_facts(&format!("{label} json"), &[&repo(json)], &facts);
        assert_facts(&format!("{label} protobuf"), &[&repo(proto)], &facts);
    }
    assert_facts(
        "pydantic-ai",
        &[&repo(
            "tests/fixtures/frameworks/pydantic_ai/healthy/otlp.jsonl",
        )],
        &Facts {
            trace_id: "",
            events: 6,
            agents: &["support"],
            llm_calls: 3,
            tokens: (270, 36),
            edges: &[],
            tools: &[("lookup_order", r#"{"order_id":"A-17"}"#, 2)],
            termination: None,
            fire: &[],
            quiet: &["repeated-tool-call", "handoff-cycle"],
        },
    );
}

const SDK_TRACE: Facts = Facts {
    trace_id: "",
    events: 5,
    agents: &["support"],
    llm_calls: 2,
    tokens: (360, 52),
    edges: &[],
    tools: &[("lookup_invoice", r#"{"invoice_id":"INV-1001"}"#, 2)],
    termination: None,
    fire: &[],
    quiet: &[],
};

/// The real Python SDK's traces and GenAI log records, as protobuf and as
/// OTLP/JSON, and in each of the Collector file exporter's framings: the
/// same trace, the two `gen_ai.choice` records joined to their chat spans.
#[test]
fn sdk_protobuf_and_every_file_exporter_framing_read_the_same() {
    let joined = |paths: &[PathBuf]| {
        let args: Vec<&str> = paths.iter().map(|p| p.to_str().unwrap()).collect();
        let stats = stats_json(&args);
        let s = &stats["summary"];
        (
            s["records_read"].as_u64().unwrap(),
            s["ingested"].as_u64().unwrap(),
            s["other_signals"]["log records joined to their spans"].as_u64(),
        )
    };
    let sdk = |f: &str| repo("tests/fixtures/otel_sdk").join(f);
    for pair in [
        [sdk("traces.binpb"), sdk("logs.binpb")],
        [sdk("traces.json"), sdk("logs.json")],
    ] {
        let paths: Vec<&Path> = pair.iter().map(PathBuf::as_path).collect();
        assert_facts(&format!("{pair:?}"), &paths, &SDK_TRACE);
        assert_eq!(joined(&pair), (7, 5, Some(2)), "{pair:?}");
    }
    for file in [
        "file_exporter.json",
        "file_exporter.binpb",
        "file_exporter.json.zst",
        "file_exporter.binpb.zst",
    ] {
        let path = repo("tests/fixtures/collector").join(file);
        assert_facts(file, &[&path], &SDK_TRACE);
        assert_eq!(joined(&[path]), (7, 5, Some(2)), "{file}");
    }
    // The chat spans' outputs are the log records' texts.
    let inputs = source::expand_inputs(&[
        sdk("traces.binpb").display().to_string(),
        sdk("logs.binpb").display().to_string(),
    ])
    .unwrap();
    let mut ingested = ingest::ingest(&inputs, &IngestOptions::default()).unwrap();
    let outputs: Vec<(String, Option<String>)> = ingested.with_traces(|traces| {
        traces
            .concat()
            .into_iter()
            .filter(|e| e.kind == Kind::LlmCall)
            .map(|e| (e.name.clone(), e.output.as_ref().map(|o| o.excerpt.clone())))
            .collect()
    });
    assert_eq!(
        outputs,
        [
            (
                "chat gpt-4o-mini".to_string(),
                // The calls the model asked for are part of what it said.
                Some(
                    "Checking the invoice.\n\
                     lookup_invoice({\"invoice_id\": \"INV-1001\"})\n\
                     lookup_invoice({\"invoice_id\": \"INV-1001\"})"
                        .to_string()
                )
            ),
            (
                "chat gpt-4o-mini".to_string(),
                Some("Invoice INV-1001 is paid.".to_string())
            )
        ]
    );
}

/// The same trace as Jaeger JSON, Zipkin v2 JSON and OTLP/JSON beside its
/// logs and metrics (tools/fixtures/otel_containers.py).
#[test]
fn jaeger_zipkin_and_mixed_signals_give_the_same_trace() {
    let facts = Facts {
        trace_id: "5e0c4a1b9d2f8e7a6c3b5d4e2f1a0b9c",
        events: 6,
        agents: &["planner"],
        llm_calls: 2,
        tokens: (620, 45),
        edges: &[],
        tools: &[("search_flights", r#"{"from":"OSL","to":"BCN"}"#, 3)],
        termination: None,
        fire: &[&["retry-without-replan"]],
        quiet: &["unreadable-trace"],
    };
    for file in ["jaeger_trace.json", "zipkin_v2.json"] {
        assert_facts(file, &[&repo("tests/fixtures/otlp").join(file)], &facts);
    }
    let mixed = repo("tests/fixtures/otlp/mixed_signals.jsonl");
    let stats = stats_json(&[mixed.to_str().unwrap()]);
    let s = &stats["summary"];
    // Line 1: 3 log records (2 GenAI events joined, 1 plain log ignored);
    // line 2: 6 spans; line 3: a metrics record; line 4: not JSON.
    assert_eq!(
        (
            &s["records_read"],
            &s["ingested"],
            &s["skipped"],
            &s["skipped_reasons"]["malformed_json"]
        ),
        (&11.into(), &6.into(), &1.into(), &1.into())
    );
    assert_eq!(
        s["other_signals"],
        serde_json::json!({
            "log records joined to their spans": 2,
            "log records without GenAI content (ignored)": 1,
            "metrics records (ignored)": 1
        })
    );
    let t = &stats["traces"][0];
    assert_eq!((&t["events"], &t["llm_calls"]), (&6.into(), &2.into()));
    // Only the line that is not JSON fails --strict.
    let strict = tracelint()
        .args(["stats", "--strict", "--quiet"])
        .arg(&mixed)
        .output()
        .unwrap();
    assert_eq!(strict.status.code(), Some(2));
    let text = tracelint()
        .args(["check", "--exit-zero"])
        .arg(&mixed)
        .output()
        .unwrap();
    let summary = String::from_utf8_lossy(&text.stdout);
    assert!(
        summary.contains(
            "11 records read: 6 ingested, 1 skipped (malformed_json 1), 2 log records joined to their spans, 1 log records without GenAI content (ignored), 1 metrics records (ignored))"
        ),
        "{summary}"
    );
}

/// One trace per emitter dialect, in each emitter's keys and span names
/// (tools/fixtures/dialects.py).
#[test]
fn each_emitter_dialect_gives_its_facts() {
    let dir = repo("tests/fixtures/otlp/dialects");
    let none = Facts {
        trace_id: "",
        events: 0,
        agents: &[],
        llm_calls: 0,
        tokens: (0, 0),
        edges: &[],
        tools: &[],
        termination: None,
        fire: &[],
        quiet: &[],
    };
    // Pydantic AI v1: `agent run` names the agent, `running tool` carries
    // tool_arguments; the chat spans' messages are in `events`.
    assert_facts(
        "pydantic_ai_v1",
        &[&dir.join("pydantic_ai_v1.json")],
        &Facts {
            events: 7,
            agents: &["support"],
            llm_calls: 3,
            tokens: (300, 30),
            tools: &[("order_status", r#"{"order_id":"A-17"}"#, 3)],
            fire: &[&["repeated-tool-call"]],
            ..none
        },
    );
    // Semantic Kernel .NET: `Handoff-transfer_to_X` functions are handoffs.
    assert_facts(
        "semantic_kernel_dotnet",
        &[&dir.join("semantic_kernel_dotnet.json")],
        &Facts {
            events: 9,
            agents: &["billing", "triage"],
            llm_calls: 3,
            tokens: (600, 15),
            edges: &[("billing", "triage", 1), ("triage", "billing", 2)],
            ..none
        },
    );
    // MCP: the client and server spans under the framework's tool span are
    // that one call; an MCP call alone is a call.
    let mcp = dir.join("mcp.json");
    let stats = stats_json(&[mcp.to_str().unwrap()]);
    let tools = tool_counts(&stats);
    assert_eq!(tools, [("get_alerts", 1), ("get_forecast", 2)]);
    // OpenInference (CrewAI, smolagents): agents from `graph.node.id` and
    // `X.run`, CrewAI's delegation tool as a handoff.
    assert_facts(
        "openinference_agents",
        &[&dir.join("openinference_agents.json")],
        &Facts {
            events: 13,
            agents: &["Lead", "Researcher"],
            llm_calls: 3,
            tokens: (150, 15),
            edges: &[("Lead", "Researcher", 1)],
            tools: &[(
                "web_search",
                r#"{"args":[],"kwargs":{"query":"report sources"}}"#,
                3,
            )],
            fire: &[&["repeated-tool-call"]],
            ..none
        },
    );
    // The content in events: Semantic Kernel's chat outputs and the
    // Pydantic AI v1 inputs.
    let texts = |file: &str| -> Vec<(Option<String>, Option<String>)> {
        let inputs = source::expand_inputs(&[dir.join(file).display().to_string()]).unwrap();
        let mut ingested = ingest::ingest(&inputs, &IngestOptions::default()).unwrap();
        ingested.with_traces(|traces| {
            traces
                .concat()
                .into_iter()
                .filter(|e| e.kind == Kind::LlmCall)
                .map(|e| {
                    (
                        e.input.as_ref().map(|t| t.excerpt.clone()),
                        e.output.as_ref().map(|t| t.excerpt.clone()),
                    )
                })
                .collect()
        })
    };
    let sk = texts("semantic_kernel_dotnet.json");
    assert_eq!(sk.len(), 3);
    assert!(
        sk.iter()
            .all(|(i, o)| i.as_deref() == Some("Refund my double charge.")
                && o.as_deref() == Some("Passing this on.")),
        "{sk:?}"
    );
    let pydantic = texts("pydantic_ai_v1.json");
    assert_eq!(
        pydantic[0],
        (
            Some("Where is order A-17?".to_string()),
            Some(r#"order_status({"order_id": "A-17"})"#.to_string())
        )
    );
}

/// A trace the detectors cannot see into is reported, with its figures:
/// hunt case 01's six model calls carry no output text.
#[test]
fn blind_spots_are_figures_and_a_finding() {
    let Some(round1) = hunt_round1() else {
        return;
    };
    let file = round1.join("01-tempo-batches-base64.json");
    let stats = stats_json(&[file.to_str().unwrap()]);
    assert_eq!(stats["summary"]["traces_fully_visible"], 0);
    let t = &stats["traces"][0];
    assert_eq!(t["fully_visible"], false);
    assert_eq!(
        t["coverage"],
        serde_json::json!({
            "tool_calls_without_arguments": 0,
            "llm_calls_without_output": 6,
            "handoffs_without_ends": 0,
            "events_of_service_agent": 0
        })
    );
    let out = tracelint()
        .args([
            "check",
            "--select",
            "unreadable-trace",
            "--output-format",
            "json",
        ])
        .arg(&file)
        .output()
        .unwrap();
    // A warning: selected, it does not fail the default gate on errors.
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let findings = report["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1);
    assert_eq!(findings[0]["severity"], "warning");
    assert_eq!(findings[0]["span_ids"].as_array().unwrap().len(), 6);
    assert_eq!(
        findings[0]["message"],
        "6 model calls carry no output text: repeated-identical-output, convergence-starvation cannot see here; export the content (arguments, messages) to check this trace"
    );
    let text = tracelint()
        .args(["check", "--exit-zero"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&text.stdout).contains("; 0 of 1 traces fully visible"));
}

/// From a new user's trial: tools named like handoffs that are not
/// (`transfer_to_savings`, `transfer_to_human_agents`) stay tool calls;
/// handoffs spelled in another case join their agent; a handoff tool
/// without its arguments is a handoff without a target, which blinds
/// handoff-cycle and says so.
#[test]
fn only_agents_are_handed_off_to() {
    let file = repo("tests/fixtures/otlp/dialects/transfer_tools.json");
    let stats = stats_json(&[file.to_str().unwrap()]);
    let edges: Vec<(Option<&str>, Option<&str>, u64)> = stats["handoff_edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["from"].as_str(),
                e["to"].as_str(),
                e["count"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        edges,
        [
            (Some("billing"), Some("triage"), 2),
            (Some("billing"), None, 1),
            (Some("triage"), Some("billing"), 2)
        ]
    );
    let tools = tool_counts(&stats);
    assert_eq!(
        tools,
        [
            ("transfer_to_human_agents", 3),
            ("transfer_to_savings", 1),
            ("transfer_to_savings", 1),
            ("transfer_to_savings", 1)
        ]
    );
    let fired = detectors_on(&[&file]);
    assert!(fired.contains("handoff-cycle"), "{fired:?}");
    assert!(fired.contains("retry-without-replan"), "{fired:?}");
    assert!(!fired.contains("hop-limit-exceeded"), "{fired:?}");
    assert_eq!(stats["traces"][0]["coverage"]["handoffs_without_ends"], 1);
}

/// From the trial: the same run as OTLP/JSON and as protobuf, with its log
/// records in both, read together: the copies are one record (repairs, no
/// skips), and the log content stays joined to the copy kept.
#[test]
fn one_run_in_two_containers_is_one_run() {
    let dir = repo("tests/fixtures/otel_sdk");
    let stats = stats_json(&[dir.to_str().unwrap()]);
    let s = &stats["summary"];
    assert_eq!(
        (&s["skipped"], &s["traces"], &s["events"]),
        (&0.into(), &1.into(), &5.into())
    );
    assert_eq!(s["repaired_reasons"]["duplicate_record"], 7);
    assert_eq!(
        stats["traces"][0]["coverage"]["llm_calls_without_output"],
        0
    );
    let strict = tracelint()
        .args(["stats", "--strict", "--quiet"])
        .arg(&dir)
        .output()
        .unwrap();
    assert_eq!(strict.status.code(), Some(0));
}

/// From the trial: GenAI log records whose span is not in the input are
/// set aside and counted (alone they read as a conversation), and those
/// without a span id are counted as such, not as records without content;
/// a cut protobuf file is one diagnostic, never read as text.
#[test]
fn log_records_without_their_span_and_cut_protobuf_are_said() {
    let logs = repo("tests/fixtures/otel_sdk/logs.json");
    let out = tracelint()
        .args(["stats", "--output-format", "json"])
        .arg(&logs)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "no trace is read");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains(
            "2 GenAI log record(s) belong to spans that are not in the input: give the trace files (resourceSpans) with them"
        ),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stats: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        stats["summary"]["other_signals"],
        serde_json::json!({"GenAI log records whose span is not in the input (ignored)": 2})
    );
    let dir = tempfile::tempdir().unwrap();
    let no_span = dir.path().join("no_span.json");
    let record = std::fs::read_to_string(&logs)
        .unwrap()
        .replace("\"spanId\"", "\"otherId\"");
    std::fs::write(&no_span, record).unwrap();
    let stats = stats_json_any(&no_span);
    assert_eq!(
        stats["summary"]["other_signals"],
        serde_json::json!({"GenAI log records without a trace or span id (ignored)": 2})
    );
    let whole = std::fs::read(repo("tests/fixtures/otel_sdk/traces.binpb")).unwrap();
    let cut = dir.path().join("cut.binpb");
    std::fs::write(&cut, &whole[..whole.len() - 1]).unwrap();
    let stats = stats_json_any(&cut);
    assert_eq!(
        (
            &stats["summary"]["records_read"],
            &stats["summary"]["skipped_reasons"]
        ),
        (&1.into(), &serde_json::json!({"invalid_protobuf": 1}))
    );
}

/// `stats --output-format json` of an input that may hold no trace.
fn stats_json_any(path: &Path) -> Value {
    let out = tracelint()
        .args(["stats", "--quiet", "--output-format", "json"])
        .arg(path)
        .output()
        .unwrap();
    serde_json::from_slice(&out.stdout).unwrap()
}

/// (tool, count) of each row of `stats`' tool-call table.
fn tool_counts(stats: &Value) -> Vec<(&str, u64)> {
    stats["tool_calls"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["tool_name"].as_str().unwrap(),
                c["count"].as_u64().unwrap(),
            )
        })
        .collect()
}

/// From the trial: a trace or span id that OTLP does not allow (all zeros,
/// not hex, the wrong length) is said, as a repair, and the span is kept.
#[test]
fn invalid_otlp_ids_are_said_and_kept() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("ids.json");
    let span = |trace: &str, span: &str| {
        format!(
            r#"{{"traceId":"{trace}","spanId":"{span}","name":"chat","attributes":[{{"key":"gen_ai.operation.name","value":{{"stringValue":"chat"}}}}]}}"#
        )
    };
    let spans = [
        span("00000000000000000000000000000000", "00000000000000a1"),
        span("zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz", "00000000000000a2"),
        span("5e0c4a1b9d2f8e7a6c3b5d4e2f1a0b9c", "0000000000000000"),
        span("5e0c4a1b9d2f8e7a6c3b5d4e2f1a0b9c", "00000000000000a3"),
    ];
    std::fs::write(
        &file,
        format!(
            r#"{{"resourceSpans":[{{"scopeSpans":[{{"spans":[{}]}}]}}]}}"#,
            spans.join(",")
        ),
    )
    .unwrap();
    let stats = stats_json(&[file.to_str().unwrap()]);
    let s = &stats["summary"];
    assert_eq!(
        (&s["ingested"], &s["skipped"], &s["repaired_reasons"]),
        (&4.into(), &0.into(), &serde_json::json!({"invalid_id": 3}))
    );
}

/// From the second trial: `--format` forces its format on every line of a
/// JSON Lines file; lines of another format are then skipped, not read as
/// what they are.
#[test]
fn a_forced_format_holds_for_every_line() {
    let dir = tempfile::tempdir().unwrap();
    let lines = dir.path().join("zipkin.jsonl");
    let zipkin: Value =
        serde_json::from_slice(&std::fs::read(repo("tests/fixtures/otlp/zipkin_v2.json")).unwrap())
            .unwrap();
    std::fs::write(&lines, format!("{zipkin}\n{zipkin}\n")).unwrap();
    let read = |format: Option<&str>| {
        let mut command = tracelint();
        command
            .args(["stats", "--quiet", "--output-format", "json"])
            .arg(&lines);
        if let Some(format) = format {
            command.args(["--format", format]);
        }
        let out = command.output().unwrap();
        let stats: Value = serde_json::from_slice(&out.stdout).unwrap();
        (
            stats["summary"]["ingested"].clone(),
            stats["summary"]["skipped"].clone(),
        )
    };
    assert_eq!(read(None), (12.into(), 0.into()));
    assert_eq!(read(Some("otlp_json")), (0.into(), 2.into()));
}

/// From the second trial: the same span as OTLP (nanoseconds) and as
/// Jaeger (microseconds) is one span, merged as a repair, not a
/// conflicting copy.
#[test]
fn a_span_in_jaeger_and_in_otlp_is_one_span() {
    let dir = tempfile::tempdir().unwrap();
    let otlp = dir.path().join("span.json");
    let jaeger = dir.path().join("span.jaeger.json");
    std::fs::write(
        &otlp,
        r#"{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"5e0c4a1b9d2f8e7a6c3b5d4e2f1a0b9c","spanId":"a100000000000009","name":"chat gpt-4o","startTimeUnixNano":"1796000000000000123","endTimeUnixNano":"1796000000800000456","attributes":[{"key":"gen_ai.operation.name","value":{"stringValue":"chat"}}]}]}]}]}"#,
    )
    .unwrap();
    std::fs::write(
        &jaeger,
        r#"{"data":[{"traceID":"5e0c4a1b9d2f8e7a6c3b5d4e2f1a0b9c","spans":[{"traceID":"5e0c4a1b9d2f8e7a6c3b5d4e2f1a0b9c","spanID":"a100000000000009","operationName":"chat gpt-4o","references":[],"startTime":1796000000000000,"duration":800000,"tags":[{"key":"gen_ai.operation.name","type":"string","value":"chat"}],"logs":[],"processID":"p1"}],"processes":{"p1":{"serviceName":""}}}]}"#,
    )
    .unwrap();
    let stats = stats_json(&[otlp.to_str().unwrap(), jaeger.to_str().unwrap()]);
    let s = &stats["summary"];
    assert_eq!(
        (&s["skipped"], &s["repaired_reasons"], &s["events"]),
        (
            &0.into(),
            &serde_json::json!({"duplicate_record": 1}),
            &1.into()
        )
    );
}
