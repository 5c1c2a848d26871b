//! Every non-OTLP format: the real examples in ../shared/data, the labelled
//! corpora, the framework fixtures (one run, several exporters, same
//! facts), and sniffing.

mod common;

use common::{repo, shared, shared_data, stats_json, trace};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;
use tracelint::accounting::IngestReport;
use tracelint::event::Event;
use tracelint::ingest::{self, source, IngestOptions};
use tracelint::labels::Label;

/// What the library ingested, its traces' events in one list.
struct Ingested {
    events: Vec<Event>,
    labels: Vec<Label>,
    report: IngestReport,
}

/// Ingests paths through the library (for labels and source formats).
fn ingest_paths(paths: &[&Path]) -> Ingested {
    let paths: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
    let inputs = source::expand_inputs(&paths).unwrap();
    let mut ingested = ingest::ingest(&inputs, &IngestOptions::default()).unwrap();
    let events = ingested.with_traces(|traces| traces.concat().into_iter().cloned().collect());
    Ingested {
        events,
        labels: ingested.labels,
        report: ingested.report,
    }
}

fn edges(stats: &Value) -> Vec<(String, String, u64)> {
    let mut edges: Vec<(String, String, u64)> = stats["handoff_edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["from"].as_str().unwrap_or("?").to_string(),
                e["to"].as_str().unwrap_or("?").to_string(),
                e["count"].as_u64().unwrap(),
            )
        })
        .collect();
    edges.sort();
    edges
}

fn edge(from: &str, to: &str, count: u64) -> (String, String, u64) {
    (from.to_string(), to.to_string(), count)
}

fn str_list(value: &Value) -> Vec<String> {
    value
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect()
}

#[test]
#[cfg_attr(
    not(tracelint_shared),
    ignore = "needs ../shared beside the repository"
)]
fn who_and_when_every_file_and_its_labels() {
    let dir = shared("who_and_when");
    let stats = stats_json(&[dir.to_str().unwrap()]);
    assert_eq!(stats["summary"]["files"], 184);
    assert_eq!(stats["summary"]["skipped"], 0);
    assert_eq!(stats["summary"]["traces"], 184);
    // One event per history message: 1,099 + 2,993.
    assert_eq!(stats["summary"]["events"], 4092);

    let ingested = ingest_paths(&[&dir]);
    let mistakes: Vec<_> = ingested
        .labels
        .iter()
        .filter(|l| l.corpus == "who_and_when")
        .collect();
    assert_eq!(mistakes.len(), 184);
    let hand_crafted_44 = mistakes
        .iter()
        .find(|l| l.trace_id == "Hand-Crafted/44")
        .unwrap();
    assert_eq!(hand_crafted_44.agent.as_deref(), Some("WebSurfer"));
    assert_eq!(hand_crafted_44.step, Some(39));
    // The labelled step is a message of the trace, with that step.
    let event = ingested
        .events
        .iter()
        .find(|e| e.trace_id == "Hand-Crafted/44" && e.step == Some(39))
        .unwrap();
    assert_eq!(event.agent.as_deref(), Some("WebSurfer"));
    // Labels never reach events: no event field carries them.
    assert!(ingested.events.iter().all(|e| e.kind.as_str() != "label"));
}

#[test]
#[cfg_attr(
    not(tracelint_shared),
    ignore = "needs ../shared beside the repository"
)]
fn mast_human_records_tolerate_their_nan_tokens() {
    let file = shared("mast/MAD_human_labelled_dataset.json");
    let stats = stats_json(&[file.to_str().unwrap()]);
    let summary = &stats["summary"];
    assert_eq!(summary["traces"], 19);
    assert_eq!(summary["skipped"], 0);
    assert_eq!(summary["events"], 287);
    // The file's two bare NaN tokens, read as null once; the 8 logs of
    // systems without a text dialect (AppWorld 3, MetaGPT 4, OpenManus 1)
    // kept whole.
    assert_eq!(summary["repaired_reasons"]["bare_nan"], 1);
    assert_eq!(summary["repaired_reasons"]["log_kept_whole"], 8);
    let chatdev = trace(&stats, "ChatDev/ProgramDev/3");
    assert_eq!(chatdev["llm_calls"], 14);
    assert_eq!(
        str_list(&trace(&stats, "AG2/GSM-Plus/2")["agents"]),
        ["assistant", "mathproxyagent"]
    );
    let magentic = trace(&stats, "GAIA/Magentic/17");
    assert_eq!(
        str_list(&magentic["agents"]),
        ["MagenticOneOrchestrator", "WebSurfer", "user"]
    );

    let ingested = ingest_paths(&[&file]);
    let votes: Vec<_> = ingested
        .labels
        .iter()
        .filter(|l| l.corpus == "mast_human")
        .collect();
    // 19 records, each with one vote triple per mode of its round's draft.
    assert_eq!(
        votes
            .iter()
            .map(|l| &l.trace_id)
            .collect::<std::collections::BTreeSet<_>>()
            .len(),
        19
    );
    let first = votes
        .iter()
        .find(|l| l.trace_id == "ChatDev/MMLU/15" && l.category.starts_with("1.1 "))
        .unwrap();
    assert_eq!(first.scheme, "Generlazability");
    assert_eq!(first.verdict, "true,false,true");
    // The same file is refused where NaN is not expected: an OTLP document.
    let dir = tempfile::tempdir().unwrap();
    let otlp = dir.path().join("nan.json");
    std::fs::write(&otlp, "{\n\"resourceSpans\": [], \"x\": NaN\n}\n").unwrap();
    let output = common::tracelint()
        .args(["stats", "--output-format", "json"])
        .arg(&otlp)
        .output()
        .unwrap();
    // Nothing read: stats exits 2, as check does.
    assert_eq!(output.status.code(), Some(2));
    let stats: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(stats["summary"]["skipped_reasons"]["nan_or_infinity"], 1);
}

#[test]
#[cfg_attr(
    not(tracelint_shared),
    ignore = "needs ../shared beside the repository"
)]
fn examples_of_each_format_family() {
    let formats = shared("formats");
    let path = |rel: &str| formats.join(rel).display().to_string();

    // AG2 CaptainAgent group chat (Who&When Algorithm-Generated 1).
    let stats = stats_json(&[&path("ag2_autogen/whowhen_algorithm-generated_1.json")]);
    assert_eq!(stats["summary"]["skipped"], 0);
    let t = &stats["traces"][0];
    assert_eq!(t["events"], 6);
    assert_eq!(
        str_list(&t["agents"]),
        [
            "BusinessLogic_Expert",
            "Computer_terminal",
            "DataVerification_Expert",
            "Excel_Expert"
        ]
    );

    // Magentic-One: `Orchestrator (-> WebSurfer)` 30 times, WebSurfer
    // answering 26 times, and the round limit in the last message.
    let stats = stats_json(&[&path(
        "ag2_autogen/whowhen_hand-crafted_44_magentic-one.json",
    )]);
    let t = &stats["traces"][0];
    assert_eq!(t["events"], 124);
    assert_eq!(
        str_list(&t["agents"]),
        ["Orchestrator", "WebSurfer", "human"]
    );
    assert_eq!(t["termination_reason"], "max_round");
    assert_eq!(
        edges(&stats),
        [
            edge("Orchestrator", "WebSurfer", 30),
            edge("WebSurfer", "Orchestrator", 26),
            edge("human", "Orchestrator", 1)
        ]
    );

    // ChatDev (MAD record): 13 usage blocks whose sums are the log's own
    // summary (num_prompt_tokens=8387, num_completion_tokens=2171), 13
    // utterances, each addressed to the other of its `A<->B` pair.
    let stats = stats_json(&[&path("mast_text_logs/mad_ChatDev_trace_0.json")]);
    let t = trace(&stats, "ChatDev/ProgramDev/5");
    assert_eq!(
        (t["events"].as_u64(), t["llm_calls"].as_u64()),
        (Some(26), Some(13))
    );
    assert_eq!(
        (t["input_tokens"].as_i64(), t["output_tokens"].as_i64()),
        (Some(8387), Some(2171))
    );
    assert_eq!(t["handoffs"], 13);
    assert!(edges(&stats).contains(&edge("Code Reviewer", "Programmer", 3)));

    // MAST v1 AG2 record: trajectory of line lists, 22 yes/no modes.
    let file = formats.join("mast_text_logs/mast_v1_AG2_trace1.json");
    let stats = stats_json(&[file.to_str().unwrap()]);
    let t = trace(&stats, "02da9c1f-7c36-5739-b723-33a7d4f8e7e7");
    assert_eq!(t["events"], 10);
    assert_eq!(str_list(&t["agents"]), ["assistant", "mathproxyagent"]);
    let labels = ingest_paths(&[&file]).labels;
    assert_eq!(labels.len(), 22);
    assert!(labels
        .iter()
        .any(|l| l.category == "Unaware of stopping conditions" && l.verdict == "yes"));

    // LangSmith ingest batches: post and patch merged into one llm run.
    for name in [
        "langsmith_py_wrap_openai_.json",
        "langsmith_py_wrap_openai_stream.json",
    ] {
        let stats = stats_json(&[&path(&format!("langsmith/{name}"))]);
        assert_eq!(stats["summary"]["skipped"], 0, "{name}");
        let t = &stats["traces"][0];
        assert_eq!(t["events"], 1, "{name}");
        assert_eq!(t["llm_calls"], 1, "{name}");
        assert_eq!(
            (t["input_tokens"].as_i64(), t["output_tokens"].as_i64()),
            (Some(9), Some(9))
        );
        assert_eq!(t["status"], "ok");
    }

    // Phoenix REST span lists.
    let stats = stats_json(&[&path(
        "openinference_phoenix/phoenix_pxi_turn_subagent_trace.json",
    )]);
    let t = trace(&stats, "fixture-subagent-trace");
    assert_eq!(
        (
            t["events"].as_u64(),
            t["llm_calls"].as_u64(),
            t["tool_calls"].as_u64()
        ),
        (Some(38), Some(18), Some(18))
    );
    assert_eq!(str_list(&t["agents"]), ["ServerAgent.iter", "pxi.turn"]);
    let stats = stats_json(&[&path(
        "openinference_phoenix/phoenix_pxi_suggestion_traces.json",
    )]);
    assert_eq!(stats["summary"]["traces"], 3);
    assert_eq!(stats["summary"]["events"], 31);
    assert_eq!(stats["summary"]["skipped"], 0);
}

/// What a run is, whatever format recorded it.
#[derive(Debug, PartialEq)]
struct Facts {
    agents: Vec<String>,
    /// agent → (llm calls, tool calls, input tokens, output tokens)
    per_agent: BTreeMap<String, (u64, u64, Option<i64>, Option<i64>)>,
    edges: Vec<(String, String, u64)>,
    /// (agent, tool, canonical arguments, count)
    tools: Vec<(String, String, String, u64)>,
    tokens: (Option<i64>, Option<i64>),
    termination: Option<String>,
    status: String,
}

fn facts(file: &Path) -> Facts {
    let stats = stats_json(&[file.to_str().unwrap()]);
    assert_eq!(stats["summary"]["skipped"], 0, "{}", file.display());
    assert_eq!(stats["summary"]["traces"], 1, "{}", file.display());
    let t = &stats["traces"][0];
    let text = |v: &Value| v.as_str().unwrap_or("").to_string();
    let mut tools: Vec<_> = stats["tool_calls"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                text(&c["agent"]),
                text(&c["tool_name"]),
                text(&c["tool_args"]),
                c["count"].as_u64().unwrap(),
            )
        })
        .collect();
    tools.sort();
    Facts {
        agents: str_list(&t["agents"]),
        per_agent: stats["agents"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| {
                (
                    text(&a["agent"]),
                    (
                        a["llm_calls"].as_u64().unwrap(),
                        a["tool_calls"].as_u64().unwrap(),
                        a["input_tokens"].as_i64(),
                        a["output_tokens"].as_i64(),
                    ),
                )
            })
            .collect(),
        edges: edges(&stats),
        tools,
        tokens: (t["input_tokens"].as_i64(), t["output_tokens"].as_i64()),
        termination: t["termination_reason"].as_str().map(str::to_string),
        status: text(&t["status"]),
    }
}

#[test]
fn one_openai_agents_run_gives_the_same_facts_in_every_export() {
    let root = repo("tests/fixtures/frameworks/openai_agents");
    let (mut scenarios, mut tables) = (0, 0);
    for scenario in std::fs::read_dir(&root).unwrap() {
        let dir = scenario.unwrap().path();
        let native = facts(&dir.join("native.jsonl"));
        for export in [
            "otel_genai.otlp.jsonl",
            "openinference.otlp.jsonl",
            "langfuse_observations.json",
        ] {
            assert_eq!(
                facts(&dir.join(export)),
                native,
                "{} {export}",
                dir.display()
            );
        }
        // Phoenix's span dataframe of the OpenInference spans (a real
        // Phoenix server's export, tools/frameworks/phoenix_dataframe.py),
        // saved by pandas as Parquet and CSV, and by TraceDataset.save().
        // And what the SDK's ConsoleSpanExporter printed of another run of
        // the same script (Python dict reprs).
        for table in [
            "phoenix_spans.parquet",
            "phoenix_spans.csv",
            "phoenix_trace_dataset.parquet",
            "console.txt",
        ] {
            if dir.join(table).exists() {
                assert_eq!(facts(&dir.join(table)), native, "{} {table}", dir.display());
                tables += 1;
            }
        }
        scenarios += 1;
    }
    assert_eq!((scenarios, tables), (6, 6));
}

/// LangGraph: the debug stream and the LangChain run tree of one run. The
/// stream never sees GraphRecursionError (LangGraph raises it instead of
/// streaming it), so only the run tree knows why the run stopped.
#[test]
fn one_langgraph_run_gives_the_same_facts_as_stream_and_run_tree() {
    let root = repo("tests/fixtures/frameworks/langgraph");
    let (mut scenarios, mut bulk_exports) = (0, 0);
    for scenario in std::fs::read_dir(&root).unwrap() {
        let dir = scenario.unwrap().path();
        let runs = facts(&dir.join("langsmith_runs.jsonl"));
        // The same runs as LangSmith's bulk export writes them to Parquet
        // (tools/fixtures/langsmith_bulk_export.py): JSON-text fields,
        // naive nanosecond timestamps.
        let bulk = dir.join("langsmith_bulk_export.parquet");
        if bulk.exists() {
            assert_eq!(facts(&bulk), runs, "{}", bulk.display());
            bulk_exports += 1;
        }
        let mut stream = facts(&dir.join("debug.jsonl"));
        if dir.ends_with("planner_no_convergence") || dir.ends_with("handoff_ping_pong") {
            assert_eq!(runs.termination.as_deref(), Some("recursion_limit"));
            assert_eq!(stream.termination, None);
            stream.termination = runs.termination.clone();
        }
        // The run tree's root run (the graph itself) is nobody's, and its
        // end says whether the run succeeded; the stream has neither.
        let mut runs = runs;
        runs.per_agent.remove("");
        assert_eq!(stream.status, "unset");
        stream.status = runs.status.clone();
        assert_eq!(stream, runs, "{}", dir.display());
        scenarios += 1;
    }
    assert_eq!((scenarios, bulk_exports), (6, 2));

    let facts_of = |s: &str| facts(&root.join(s).join("langsmith_runs.jsonl"));
    let ping_pong = facts_of("handoff_ping_pong");
    assert_eq!(
        ping_pong.edges,
        [edge("refunds", "triage", 2), edge("triage", "refunds", 3)]
    );
    let planner = facts_of("planner_no_convergence");
    assert_eq!(
        planner.edges,
        [edge("critic", "planner", 3), edge("planner", "critic", 4)]
    );
    assert_eq!(planner.tokens, (Some(800), Some(160)));
    // The prebuilt `tools` node calls no model: its calls are the
    // researcher's, whose model asked for them.
    let repeated = facts_of("repeated_tool_call");
    assert_eq!(
        repeated.tools,
        [(
            "researcher".into(),
            "search".into(),
            r#"{"query":"latest GDP of France"}"#.into(),
            5
        )]
    );
    let replan = facts_of("replan_after_failure");
    assert_eq!(
        replan.agents,
        ["mirror_fetcher", "primary_fetcher", "supervisor"]
    );
}

#[test]
fn openai_agents_scenarios_have_their_planted_facts() {
    let dir = |s: &str| {
        repo(&format!(
            "tests/fixtures/frameworks/openai_agents/{s}/native.jsonl"
        ))
    };

    let ping_pong = facts(&dir("handoff_ping_pong"));
    assert_eq!(
        ping_pong.edges,
        [edge("refunds", "triage", 3), edge("triage", "refunds", 3)]
    );
    assert_eq!(ping_pong.termination.as_deref(), Some("max_turns"));
    assert_eq!(ping_pong.status, "error");
    assert_eq!(ping_pong.tokens, (Some(720), Some(180)));

    let repeated = facts(&dir("repeated_tool_call"));
    assert_eq!(
        repeated.tools,
        [(
            "researcher".into(),
            "search".into(),
            r#"{"query":"latest GDP of France"}"#.into(),
            5
        )]
    );
    assert_eq!(repeated.termination, None);

    let planner = facts(&dir("planner_no_convergence"));
    assert_eq!(planner.agents, ["critic", "planner"]);
    // Eight different plans, each sent once: near, not exact, repeats.
    assert_eq!(planner.tools.len(), 8);
    assert!(planner.tools.iter().all(|t| t.1 == "critic" && t.3 == 1));
    assert_eq!(planner.termination.as_deref(), Some("max_turns"));

    let ignored = facts(&dir("failed_worker_ignored"));
    assert_eq!(ignored.agents, ["data_worker", "orchestrator"]);
    assert_eq!(ignored.status, "ok");

    let replan = facts(&dir("replan_after_failure"));
    let tool_names: Vec<&str> = replan.tools.iter().map(|t| t.1.as_str()).collect();
    assert_eq!(tool_names, ["fetch_mirror", "fetch_primary"]);

    let healthy = facts(&dir("healthy"));
    assert_eq!(healthy.edges, [edge("triage", "billing", 1)]);
    assert_eq!(healthy.tokens, (Some(360), Some(90)));
    assert_eq!(healthy.termination, None);
}

/// AutoGen AgentChat TaskResults of the same scenarios (one format only:
/// the runtime's OTel spans carry no agents, tools or tokens).
#[test]
fn agentchat_scenarios_have_their_planted_facts() {
    let file = |s: &str| {
        repo(&format!(
            "tests/fixtures/frameworks/agentchat/{s}/task_result.json"
        ))
    };

    let ping_pong = facts(&file("handoff_ping_pong"));
    // The user's task goes to triage, then the Swarm's explicit handoffs.
    assert_eq!(
        ping_pong.edges,
        [
            edge("refunds", "triage", 3),
            edge("triage", "refunds", 3),
            edge("user", "triage", 1)
        ]
    );
    assert_eq!(ping_pong.termination.as_deref(), Some("max_turns"));
    assert_eq!(ping_pong.status, "error");
    // The transfer_to_* tools of a Swarm handoff are the handoffs, not tool calls.
    assert!(ping_pong.tools.is_empty());
    assert_eq!(ping_pong.tokens, (Some(480), Some(90)));

    let repeated = facts(&file("repeated_tool_call"));
    assert_eq!(
        repeated.tools,
        [(
            "researcher".into(),
            "search".into(),
            r#"{"query":"latest GDP of France"}"#.into(),
            5
        )]
    );
    assert_eq!(repeated.termination.as_deref(), Some("text_mention"));
    assert_eq!(repeated.status, "ok");

    let planner = facts(&file("planner_no_convergence"));
    assert_eq!(
        planner.edges,
        [
            edge("critic", "planner", 3),
            edge("planner", "critic", 4),
            edge("user", "planner", 1)
        ]
    );
    assert_eq!(planner.termination.as_deref(), Some("max_turns"));

    let ignored = facts(&file("failed_worker_ignored"));
    assert_eq!(ignored.agents, ["data_worker", "orchestrator", "user"]);
    assert_eq!(ignored.status, "ok");
    let failed: Vec<_> = ingest_paths(&[&file("failed_worker_ignored")])
        .events
        .into_iter()
        .filter(|e| e.status.as_str() == "error")
        .map(|e| (e.name, e.agent, e.tool_args))
        .collect();
    assert_eq!(
        failed,
        [(
            "fetch_sales".to_string(),
            Some("data_worker".to_string()),
            Some(r#"{"quarter":"Q3"}"#.to_string())
        )]
    );

    let replan = facts(&file("replan_after_failure"));
    let tool_names: Vec<&str> = replan.tools.iter().map(|t| t.1.as_str()).collect();
    assert_eq!(tool_names, ["fetch_mirror", "fetch_primary"]);
    assert_eq!(replan.status, "ok");

    let healthy = facts(&file("healthy"));
    assert_eq!(
        healthy.edges,
        [edge("triage", "billing", 1), edge("user", "triage", 1)]
    );
    assert_eq!(healthy.termination.as_deref(), Some("text_mention"));
}

/// AG2 runtime logs: the session's completions, messages and function uses.
#[test]
fn ag2_runtime_logs_have_their_planted_facts() {
    let file = |s: &str| repo(&format!("tests/fixtures/frameworks/ag2/{s}/runtime.log"));
    // The SQLite logger's logs.db of the same scripted chats says the same
    // (its response JSON, not the repr; the function named in its row).
    for scenario in ["healthy", "repeated_tool_call", "planner_no_convergence"] {
        let db = repo(&format!("tests/fixtures/frameworks/ag2/{scenario}/logs.db"));
        assert_eq!(facts(&db), facts(&file(scenario)), "{scenario}");
    }

    let repeated = facts(&file("repeated_tool_call"));
    // The user proxy executes the tools the researcher asks for.
    assert_eq!(
        repeated.tools,
        [(
            "user".into(),
            "search".into(),
            r#"{"query":"latest GDP of France"}"#.into(),
            5
        )]
    );
    assert_eq!(
        repeated.per_agent["researcher"],
        (6, 0, Some(540), Some(150))
    );
    assert_eq!(
        repeated.edges,
        [edge("researcher", "user", 6), edge("user", "researcher", 6)]
    );

    // Round robin through the GroupChatManager: its broadcast copies are
    // not utterances, so the turns go user → planner → critic → user.
    let planner = facts(&file("planner_no_convergence"));
    assert_eq!(planner.agents, ["critic", "planner", "user"]);
    assert_eq!(
        planner.edges,
        [
            edge("critic", "user", 2),
            edge("planner", "critic", 2),
            edge("user", "planner", 3)
        ]
    );
    // GroupChat's max_round ends the chat without saying so.
    assert_eq!(planner.termination, None);

    let healthy = facts(&file("healthy"));
    assert_eq!(healthy.tokens, (Some(180), Some(50)));
    assert_eq!(
        healthy.tools,
        [(
            "user".into(),
            "lookup_invoice".into(),
            r#"{"invoice_id":"INV-1001"}"#.into(),
            1
        )]
    );
    // Every line after the session line is a record: 7 are events; the
    // logger's own failure lines, registrations and bookkeeping events are
    // other signals, not skipped records.
    let stats = stats_json(&[file("healthy").to_str().unwrap()]);
    assert_eq!(stats["summary"]["skipped"], 0);
    assert_eq!(stats["summary"]["events"], 7);
    assert_eq!(stats["summary"]["records_read"], 27);
    assert_eq!(
        stats["summary"]["other_signals"]["AG2 logger's own failure lines"],
        4
    );
}

/// CrewAI's logs.txt and logs.json of the same crew say the same.
#[test]
fn crewai_text_and_json_logs_give_the_same_facts() {
    let dir = |s: &str| repo(&format!("tests/fixtures/frameworks/crewai/{s}"));
    for scenario in ["healthy", "planner_no_convergence"] {
        let text = facts(&dir(scenario).join("logs.txt"));
        assert_eq!(facts(&dir(scenario).join("logs.json")), text, "{scenario}");
    }
    let healthy = facts(&dir("healthy").join("logs.txt"));
    assert_eq!(healthy.agents, ["researcher", "writer"]);
    assert_eq!(healthy.edges, [edge("researcher", "writer", 1)]);
    let planner = facts(&dir("planner_no_convergence").join("logs.txt"));
    assert_eq!(
        planner.edges,
        [edge("critic", "planner", 2), edge("planner", "critic", 3)]
    );
    // Multi-line values and embedded `", ` survive the text form.
    let tmp = tempfile::tempdir().unwrap();
    let log = tmp.path().join("logs.txt");
    std::fs::write(
        &log,
        "2026-01-02 03:04:05: task_name=\"a\", task=\"t\", agent=\"x\", status=\"started\"\n\
         2026-01-02 03:04:06: task_name=\"a\", task=\"t\", agent=\"x\", status=\"completed\", output=\"line one, \"quoted\"\nline two\"\n",
    )
    .unwrap();
    let ingested = ingest_paths(&[&log]);
    let output = ingested
        .events
        .iter()
        .find_map(|e| e.output.as_ref())
        .unwrap();
    assert_eq!(output.excerpt, "line one, \"quoted\"\nline two");
}

#[test]
fn the_failed_tool_of_a_worker_is_an_error_event() {
    let file = repo("tests/fixtures/frameworks/openai_agents/failed_worker_ignored/native.jsonl");
    let ingested = ingest_paths(&[&file]);
    let failed: Vec<_> = ingested
        .events
        .iter()
        .filter(|e| e.status.as_str() == "error")
        .map(|e| (e.name.as_str(), e.agent.as_deref()))
        .collect();
    assert_eq!(failed, [("fetch_sales", Some("data_worker"))]);
}

/// Every fixture and example goes to the adapter of its format.
#[test]
fn sniffing_sends_each_file_to_its_adapter() {
    let mut table: Vec<(std::path::PathBuf, &str)> = vec![
        (
            repo("tests/fixtures/frameworks/openai_agents/healthy/native.jsonl"),
            "openai_agents",
        ),
        (
            repo("tests/fixtures/frameworks/openai_agents/healthy/otel_genai.otlp.jsonl"),
            "otlp_json",
        ),
        (
            repo("tests/fixtures/frameworks/openai_agents/healthy/openinference.otlp.jsonl"),
            "otlp_json",
        ),
        (
            repo("tests/fixtures/otlp/console_exporter.json"),
            "python_span_dump",
        ),
        (repo("sample-traces/healthy/trace.json"), "otlp_json"),
        (repo("tests/fixtures/otlp/jaeger_trace.json"), "jaeger_json"),
        (
            repo("tests/fixtures/langfuse/blob_export.jsonl"),
            "langfuse",
        ),
        (repo("tests/fixtures/langsmith/run_tree.json"), "langsmith"),
        (
            repo("tests/fixtures/frameworks/smolagents/max_steps/memory_succinct.json"),
            "smolagents_memory",
        ),
        (repo("tests/fixtures/otlp/zipkin_v2.json"), "zipkin_json"),
        // The first line is logs, the second spans: one OTLP/JSON file.
        (repo("tests/fixtures/otlp/mixed_signals.jsonl"), "otlp_json"),
        (repo("tests/fixtures/otel_sdk/traces.binpb"), "otlp_proto"),
        (
            repo("tests/fixtures/collector/file_exporter.json"),
            "otlp_json",
        ),
        (
            repo("tests/fixtures/collector/file_exporter.binpb"),
            "otlp_proto",
        ),
        (
            repo("tests/fixtures/collector/file_exporter.json.zst"),
            "otlp_proto",
        ),
        (
            repo("tests/fixtures/collector/file_exporter.binpb.zst"),
            "otlp_proto",
        ),
        (
            repo("tests/fixtures/frameworks/adk/transfer_ping_pong/otlp.jsonl"),
            "otlp_json",
        ),
        (
            repo("tests/fixtures/otlp_proto/strands_search_then_handoff.binpb"),
            "otlp_proto",
        ),
        // Tables: each row a record of the format its columns name.
        (
            repo(
                "tests/fixtures/frameworks/openai_agents/repeated_tool_call/phoenix_spans.parquet",
            ),
            "phoenix",
        ),
        (
            repo("tests/fixtures/frameworks/openai_agents/handoff_ping_pong/phoenix_spans.csv"),
            "phoenix",
        ),
        (repo("tests/fixtures/langfuse/blob_export.csv"), "langfuse"),
        (repo("tests/fixtures/langfuse/ui_export.csv"), "langfuse"),
        (
            repo("tests/fixtures/frameworks/langgraph/healthy/langsmith_bulk_export.parquet"),
            "langsmith",
        ),
        (
            repo("tests/fixtures/frameworks/ag2/healthy/logs.db"),
            "ag2_sqlite",
        ),
        (
            repo("tests/fixtures/frameworks/openai_agents/repeated_tool_call/console.txt"),
            "openai_agents_console",
        ),
        (
            repo("tests/fixtures/frameworks/agentchat/healthy/event_log.jsonl"),
            "autogen_core_events",
        ),
    ];
    if let Some(formats) = shared_data("formats") {
        for (rel, format) in [
            (
                "ag2_autogen/whowhen_algorithm-generated_1.json",
                "chat_history",
            ),
            (
                "ag2_autogen/whowhen_hand-crafted_44_magentic-one.json",
                "chat_history",
            ),
            ("mast_text_logs/mast_v1_AG2_trace1.json", "chat_history"),
            ("mast_text_logs/mad_ChatDev_trace_0.json", "mast_record"),
            ("langsmith/langsmith_py_wrap_openai_.json", "langsmith"),
            (
                "langsmith/langsmith_py_wrap_openai_stream.json",
                "langsmith",
            ),
            (
                "openinference_phoenix/phoenix_pxi_turn_subagent_trace.json",
                "phoenix",
            ),
            (
                "openinference_phoenix/phoenix_pxi_suggestion_traces.json",
                "phoenix",
            ),
            ("otlp_json/any-agent_OPENAI_trace.json", "python_span_dump"),
            (
                "otlp_json/openinference-vercel_v6_all-spans.json",
                "js_span_dump",
            ),
            ("otlp_json/otel-proto_examples_trace.json", "otlp_json"),
        ] {
            table.push((formats.join(rel), format));
        }
    }
    if let Some(trail) = shared_data("trail/data/GAIA") {
        let first = std::fs::read_dir(trail)
            .unwrap()
            .next()
            .unwrap()
            .unwrap()
            .path();
        table.push((first, "span_tree"));
    }
    if let Some(mast) = shared_data("mast/MAD_human_labelled_dataset.json") {
        table.push((mast, "mast_record"));
    }
    for (file, expected) in &table {
        let ingested = ingest_paths(&[file]);
        let formats: std::collections::BTreeSet<&str> =
            ingested.events.iter().map(|e| e.source_format).collect();
        assert_eq!(
            formats.into_iter().collect::<Vec<_>>(),
            [*expected],
            "{}",
            file.display()
        );
    }
}

#[test]
fn an_unknown_format_is_named_with_what_was_seen_and_what_exists() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("odd.json");
    std::fs::write(&file, "{\"events\": [{\"when\": 1}], \"who\": \"me\"}\n").unwrap();
    let output = common::tracelint()
        .arg("stats")
        .arg(&file)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("odd.json: skipped (unknown_format)"),
        "{stderr}"
    );
    assert!(
        stderr.contains("an object with keys [events, who]"),
        "{stderr}"
    );
    for format in [
        "otlp_json",
        "span_tree",
        "phoenix",
        "python_span_dump",
        "js_span_dump",
        "langsmith",
        "openai_agents",
        "mast_record",
        "chat_history",
    ] {
        assert!(stderr.contains(format), "{format} missing from: {stderr}");
    }
}

#[test]
#[cfg_attr(
    not(tracelint_shared),
    ignore = "needs ../shared beside the repository"
)]
fn labels_travel_beside_the_store() {
    let file = shared("formats/ag2_autogen/whowhen_hand-crafted_44_magentic-one.json");
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store.parquet");
    common::ingest_to(&file, &store);
    let labels_file = dir.path().join("store.labels.parquet");
    assert!(labels_file.exists());
    let read = tracelint::store::read_store(&store).unwrap();
    let labels = &read.labels;
    assert_eq!(labels.height(), 1);
    let column = |name: &str| {
        labels
            .column(name)
            .unwrap()
            .str()
            .unwrap()
            .get(0)
            .map(str::to_string)
    };
    assert_eq!(column("corpus").as_deref(), Some("who_and_when"));
    assert_eq!(column("agent").as_deref(), Some("WebSurfer"));
    assert_eq!(
        labels.column("step").unwrap().i64().unwrap().get(0),
        Some(39)
    );

    // A store written again from inputs without labels drops the old file.
    common::ingest_to(&repo("sample-traces/healthy/trace.json"), &store);
    assert!(!labels_file.exists());
    assert_eq!(
        tracelint::store::read_store(&store)
            .unwrap()
            .labels
            .height(),
        0
    );
}

#[test]
#[cfg_attr(
    not(tracelint_shared),
    ignore = "needs ../shared beside the repository"
)]
fn trail_annotations_are_labels_keyed_by_trace_and_span() {
    let gaia = shared("trail/processed_annotations_gaia");
    let swe = shared("trail/processed_annotations_swe_bench");
    let ingested = ingest_paths(&[&gaia, &swe]);
    assert!(ingested.events.is_empty());
    let summary = &ingested.report.summary;
    assert_eq!((summary.files, summary.skipped), (148, 0));
    // One file (a96c6811…) closes its errors list with a trailing comma.
    assert_eq!(summary.repaired_reasons.get("trailing_comma"), Some(&1));
    let errors: Vec<_> = ingested
        .labels
        .iter()
        .filter(|l| l.scheme == "TRAIL")
        .collect();
    // The 841 errors the TRAIL paper counts, each at a span.
    assert_eq!(errors.len(), 841);
    assert!(errors.iter().all(|l| l.span_id.is_some()));
    let first = errors
        .iter()
        .find(|l| l.trace_id == "0035f455b3ff2295167a844f04d85d34")
        .unwrap();
    assert_eq!(first.category, "Instruction Non-compliance");
    assert_eq!(first.span_id.as_deref(), Some("98fa1dda65ab168b"));
    assert_eq!(first.verdict, "LOW");
    assert_eq!(summary.labels, ingested.labels.len() as u64);
}

#[test]
#[cfg_attr(
    not(tracelint_shared),
    ignore = "needs ../shared beside the repository"
)]
fn phoenix_json_lines_export_reads_like_the_rest_list() {
    let list = shared("formats/openinference_phoenix/phoenix_pxi_turn_subagent_trace.json");
    let spans: Vec<Value> = serde_json::from_slice(&std::fs::read(&list).unwrap()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let lines = dir.path().join("spans.jsonl");
    let text: Vec<String> = spans.iter().map(Value::to_string).collect();
    std::fs::write(&lines, text.join("\n") + "\n").unwrap();
    let from_list = stats_json(&[list.to_str().unwrap()]);
    let from_lines = stats_json(&[lines.to_str().unwrap()]);
    assert_eq!(from_lines["traces"], from_list["traces"]);
    assert_eq!(from_lines["tool_calls"], from_list["tool_calls"]);
    assert_eq!(from_lines["summary"]["events"], 38);
}

#[test]
#[cfg_attr(
    not(tracelint_shared),
    ignore = "needs ../shared beside the repository"
)]
fn tau_bench_runs_are_chats_with_their_reward() {
    let file = shared("tau_bench/gpt-4o-airline.json");
    let ingested = ingest_paths(&[&file]);
    let summary = &ingested.report.summary;
    assert_eq!(summary.skipped, 0);
    // 5,308 messages and the 1,164 tool calls they request.
    assert_eq!(ingested.events.len(), 6472);
    let traces: std::collections::BTreeSet<&str> = ingested
        .events
        .iter()
        .map(|e| e.trace_id.as_str())
        .collect();
    assert_eq!(traces.len(), 200);
    assert!(traces.contains("task 0 trial 0"));
    let rewards: Vec<_> = ingested
        .labels
        .iter()
        .filter(|l| l.corpus == "tau_bench")
        .collect();
    assert_eq!(rewards.len(), 200);
    assert_eq!(rewards.iter().filter(|l| l.verdict == "1.0").count(), 84);
    // The tool results answer tool_call_ids: they are nobody's turn, and
    // the system prompt is nobody's either.
    let speakers: std::collections::BTreeSet<&str> = ingested
        .events
        .iter()
        .filter_map(|e| e.agent.as_deref())
        .collect();
    assert_eq!(
        speakers.into_iter().collect::<Vec<_>>(),
        ["assistant", "user"]
    );
}

#[test]
fn chat_lists_under_each_wrapper_and_their_tool_calls() {
    let dir = tempfile::tempdir().unwrap();
    let chat = |wrapper: &str| {
        format!(
            r#"{{"{wrapper}": [
  {{"role": "user", "name": "user_proxy", "content": "Weather in Paris?"}},
  {{"role": "assistant", "name": "weather_agent", "content": null,
    "tool_calls": [{{"id": "c1", "type": "function", "function": {{"name": "get_weather", "arguments": "{{\"city\": \"Paris\"}}"}}}}]}},
  {{"role": "tool", "tool_call_id": "c1", "name": "get_weather", "content": "18C"}},
  {{"role": "assistant", "name": "weather_agent", "content": "It is 18C. TERMINATE"}}
]}}"#
        )
    };
    for wrapper in ["messages", "chat_history", "history", "trajectory"] {
        let file = dir.path().join(format!("{wrapper}.json"));
        std::fs::write(&file, chat(wrapper)).unwrap();
        let stats = stats_json(&[file.to_str().unwrap()]);
        assert_eq!(stats["summary"]["skipped"], 0, "{wrapper}");
        // Four messages and the tool call the second one asks for.
        assert_eq!(stats["summary"]["events"], 5, "{wrapper}");
        assert_eq!(
            edges(&stats),
            [edge("user_proxy", "weather_agent", 1)],
            "{wrapper}"
        );
        let calls = &stats["tool_calls"][0];
        assert_eq!(calls["tool_name"], "get_weather");
        assert_eq!(calls["tool_args"], r#"{"city":"Paris"}"#);
        assert_eq!(calls["agent"], "weather_agent");
        // The chat has no tool span: the tool message answering the call
        // id is the call's result.
        let ingested = ingest_paths(&[&file]);
        let call = ingested
            .events
            .iter()
            .find(|e| e.kind == tracelint::event::Kind::ToolCall)
            .unwrap();
        assert_eq!(call.output.as_ref().unwrap().excerpt, "18C", "{wrapper}");
    }
}

/// The other container shapes of each format give the same facts as the
/// shape the fixture has.
#[test]
fn every_container_shape_of_a_format_reads_alike() {
    let dir = tempfile::tempdir().unwrap();
    let lines = |path: &Path| -> Vec<Value> {
        std::fs::read_to_string(path)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    };
    let write = |name: &str, value: &Value| {
        let path = dir.path().join(name);
        std::fs::write(&path, serde_json::to_string_pretty(value).unwrap()).unwrap();
        path
    };

    // OpenAI Agents: the {"data": [...]} batch the SDK posts.
    let native = repo("tests/fixtures/frameworks/openai_agents/handoff_ping_pong/native.jsonl");
    let batch = write("batch.json", &serde_json::json!({ "data": lines(&native) }));
    assert_eq!(facts(&batch), facts(&native));

    // LangSmith: a JSON array and a {"runs": [...]} envelope.
    let runs = repo("tests/fixtures/frameworks/langgraph/repeated_tool_call/langsmith_runs.jsonl");
    let array = write("runs_array.json", &Value::Array(lines(&runs)));
    let envelope = write(
        "runs_envelope.json",
        &serde_json::json!({ "runs": lines(&runs) }),
    );
    assert_eq!(facts(&array), facts(&runs));
    assert_eq!(facts(&envelope), facts(&runs));

    // Langfuse: a trace with its observations, lending them its session.
    let listed = repo("tests/fixtures/frameworks/openai_agents/healthy/langfuse_observations.json");
    let list: Value = serde_json::from_slice(&std::fs::read(&listed).unwrap()).unwrap();
    let trace_id = list["data"][0]["traceId"].clone();
    let trace = write(
        "trace.json",
        &serde_json::json!({
            "id": trace_id, "name": "Agent workflow", "sessionId": "thread-7",
            "observations": list["data"],
        }),
    );
    assert_eq!(facts(&trace), facts(&listed));
    let events = ingest_paths(&[&trace]).events;
    assert!(events
        .iter()
        .all(|e| e.session_id.as_deref() == Some("thread-7")));
}

/// Cut short anywhere, every fixture still reads without a panic, and every
/// record is accounted for (ingested, skipped, or another signal).
#[test]
fn truncated_fixtures_never_panic() {
    let mut files = Vec::new();
    let mut stack = vec![repo("tests/fixtures/frameworks")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e != "md") {
                files.push(path);
            }
        }
    }
    assert!(files.len() >= 40, "{} fixture files", files.len());
    let tmp = tempfile::tempdir().unwrap();
    for file in &files {
        let bytes = std::fs::read(file).unwrap();
        for cut in [
            bytes.len() / 7,
            bytes.len() / 3,
            bytes.len() / 2,
            bytes.len() - 2,
        ] {
            let name = file.file_name().unwrap().to_string_lossy();
            let cut_file = tmp.path().join(format!("{cut}-{name}"));
            std::fs::write(&cut_file, &bytes[..cut]).unwrap();
            let ingested = ingest_paths(&[&cut_file]);
            let s = &ingested.report.summary;
            assert_eq!(
                s.records_read,
                s.ingested + s.skipped + s.other_signals.values().sum::<u64>(),
                "{}",
                cut_file.display()
            );
        }
    }
}

/// A LangSmith run tree with its children nested in `child_runs` (what
/// `read_run(load_child_runs=True)` gives) holds the same run as the flat
/// runs: every nested run is a record, with the same facts; below the root
/// only the nesting says where a run belongs (tools/fixtures/langsmith_run_tree.py).
#[test]
#[cfg_attr(
    not(tracelint_shared),
    ignore = "needs ../shared beside the repository"
)]
fn nested_child_runs_read_as_the_flat_runs() {
    let flat = repo("tests/fixtures/frameworks/langgraph/repeated_tool_call/langsmith_runs.jsonl");
    let nested = repo("tests/fixtures/langsmith/run_tree.json");
    let stats_of = |file: &Path| {
        let mut stats = stats_json(&[file.to_str().unwrap()]);
        let s = &stats["summary"];
        assert_eq!((&s["records_read"], &s["skipped"]), (&29.into(), &0.into()));
        // The same run, whatever its file: only the sources differ.
        stats["summary"] = Value::Null;
        stats
    };
    assert_eq!(stats_of(&nested), stats_of(&flat));
    // Hunt case 06: a real `run.dict()` of a LangGraph agent that hit its
    // recursion limit.
    let case = shared("../hunt/round1/06-langsmith-child-runs.json");
    let stats = stats_json(&[case.to_str().unwrap()]);
    let t = trace(&stats, "1f0c5a00-0000-4000-8000-000000000001");
    assert_eq!(
        (&t["events"], &t["llm_calls"], &t["tool_calls"]),
        (&13.into(), &3.into(), &3.into())
    );
    // One agent: the `tools` node runs the agent's calls.
    assert_eq!(t["agents"], serde_json::json!(["agent"]));
    let output = common::tracelint()
        .args(["check", "--output-format", "json"])
        .arg(&case)
        .output()
        .unwrap();
    let found: Value = serde_json::from_slice(&output.stdout).unwrap();
    let mut detectors: Vec<&str> = found["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["detector"].as_str().unwrap())
        .collect();
    detectors.sort();
    // The hunt case's two, and its results' words ("Search backend timed
    // out; no results.") make the identical resends a failure retried.
    assert_eq!(
        detectors,
        [
            "repeated-tool-call",
            "retry-without-replan",
            "turn-limit-hit"
        ]
    );
    assert_eq!(
        (
            &t["input_tokens"],
            &t["output_tokens"],
            &t["termination_reason"]
        ),
        (&3450.into(), &72.into(), &"recursion_limit".into())
    );
    let tools = &stats["tool_calls"][0];
    assert_eq!(
        (&tools["tool_name"], &tools["tool_args"], &tools["count"]),
        (
            &"web_search".into(),
            &r#"{"query":"current EUR to JPY exchange rate"}"#.into(),
            &3.into()
        )
    );
}

/// Langfuse's blob-storage export (snake_case JSON Lines, "" as a root's
/// parent, space-separated UTC times, the trace's fields on every row)
/// holds the same observations as the API listing it was made from
/// (tools/fixtures/langfuse_blob_export.py), and hunt case 05 gives its
/// facts.
#[test]
#[cfg_attr(
    not(tracelint_shared),
    ignore = "needs ../shared beside the repository"
)]
fn langfuse_blob_exports_read_as_the_api_listing() {
    let api = repo(
        "tests/fixtures/frameworks/openai_agents/repeated_tool_call/langfuse_observations.json",
    );
    let blob = repo("tests/fixtures/langfuse/blob_export.jsonl");
    let traces = |file: &Path| {
        let stats = stats_json(&[file.to_str().unwrap()]);
        assert_eq!(stats["summary"]["skipped"], 0);
        (
            stats["traces"].clone(),
            stats["tool_calls"].clone(),
            stats["handoff_edges"].clone(),
        )
    };
    assert_eq!(traces(&blob), traces(&api));
    // The same rows as the blob export's CSV and the UI's camelCase batch
    // export (objects as JSON text, numbers as text, dates JSON-quoted).
    let blob_csv = repo("tests/fixtures/langfuse/blob_export.csv");
    assert_eq!(traces(&blob_csv), traces(&api));
    // The UI's times are milliseconds: the trace lasts 31 ms, not 30.
    let (mut ui, api) = (
        traces(&repo("tests/fixtures/langfuse/ui_export.csv")),
        traces(&api),
    );
    assert_eq!(ui.0[0]["duration_ms"], 31);
    ui.0[0]["duration_ms"] = api.0[0]["duration_ms"].clone();
    assert_eq!(ui.0[0]["start_time"], "2026-11-23T00:48:17.452000000Z");
    for key in ["start_ns", "start_time"] {
        ui.0[0][key] = api.0[0][key].clone();
    }
    assert_eq!(ui, api);
    let case = shared("../hunt/round1/05-langfuse-blob-export.jsonl");
    let stats = stats_json(&[case.to_str().unwrap()]);
    let t = trace(&stats, "tr-6f10c2");
    assert_eq!(
        (
            &t["events"],
            &t["agents"],
            &t["llm_calls"],
            &t["tool_calls"]
        ),
        (
            &8.into(),
            &serde_json::json!(["kb-agent"]),
            &4.into(),
            &3.into()
        )
    );
    assert_eq!(
        (&t["input_tokens"], &t["output_tokens"], &t["duration_ms"]),
        (&7440.into(), &144.into(), &16000.into())
    );
    assert!((t["cost_usd"].as_f64().unwrap() - 0.02004).abs() < 1e-9);
    let tools = &stats["tool_calls"][0];
    assert_eq!(
        (&tools["tool_name"], &tools["tool_args"], &tools["count"]),
        (
            &"search_docs".into(),
            &r#"{"query":"rotate API signing key"}"#.into(),
            &3.into()
        )
    );
}

/// smolagents memory steps, as a real run (smolagents 1.26, a scripted
/// model, tools/frameworks/smolagents_memory.py) saves them and as hunt
/// case 10 shows them: one run per file, a model call per step, the tool
/// calls with their observations, the step limit as the termination.
#[test]
#[cfg_attr(
    not(tracelint_shared),
    ignore = "needs ../shared beside the repository"
)]
fn smolagents_memory_steps_give_their_facts() {
    let dir = repo("tests/fixtures/frameworks/smolagents/max_steps");
    for file in ["memory_steps.json", "memory_succinct.json"] {
        let stats = stats_json(&[dir.join(file).to_str().unwrap()]);
        let t = &stats["traces"][0];
        assert_eq!(
            (
                &t["events"],
                &t["agents"],
                &t["llm_calls"],
                &t["tool_calls"]
            ),
            (
                &12.into(),
                &serde_json::json!(["agent"]),
                &6.into(),
                &5.into()
            ),
            "{file}"
        );
        assert_eq!(
            (
                &t["input_tokens"],
                &t["output_tokens"],
                &t["termination_reason"]
            ),
            (&11100.into(), &210.into(), &"max_steps".into()),
            "{file}"
        );
    }
    let case = shared("../hunt/round1/10-smolagents-memory-steps.json");
    let stats = stats_json(&[case.to_str().unwrap()]);
    let t = &stats["traces"][0];
    assert_eq!(
        (&t["llm_calls"], &t["input_tokens"], &t["output_tokens"]),
        (&5.into(), &10500.into(), &175.into())
    );
    assert_eq!(t["termination_reason"], "max_steps");
    let tools = &stats["tool_calls"][0];
    assert_eq!(
        (&tools["tool_name"], &tools["tool_args"], &tools["count"]),
        (
            &"web_search".into(),
            &r#"{"query":"ACME closing price last Friday"}"#.into(),
            &4.into()
        )
    );
}

/// Hunt case 13: LangSmith runs of a langgraph-supervisor run whose workers
/// are subgraphs: the inner `agent` / `tools` nodes belong to the worker
/// that runs them (its checkpoint namespace), the transfer tools are the
/// handoffs, and the node transitions they cause are not counted again.
#[test]
#[cfg_attr(
    not(tracelint_shared),
    ignore = "needs ../shared beside the repository"
)]
fn supervisor_workers_keep_their_names() {
    let case = shared("../hunt/round1/13-langsmith-supervisor-subgraphs.jsonl");
    let stats = stats_json(&[case.to_str().unwrap()]);
    let t = &stats["traces"][0];
    assert_eq!(
        (&t["events"], &t["agents"], &t["llm_calls"]),
        (
            &45.into(),
            &serde_json::json!(["math_expert", "research_expert", "supervisor"]),
            &12.into()
        )
    );
    assert_eq!(
        (&t["input_tokens"], &t["output_tokens"]),
        (&6800.into(), &168.into())
    );
    let per_agent: Vec<(&str, u64)> = stats["agents"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|a| Some((a["agent"].as_str()?, a["llm_calls"].as_u64()?)))
        .collect();
    assert_eq!(
        per_agent,
        [
            ("math_expert", 4),
            ("research_expert", 4),
            ("supervisor", 4)
        ]
    );
    assert_eq!(
        edges(&stats),
        [
            ("math_expert".into(), "supervisor".into(), 2),
            ("research_expert".into(), "supervisor".into(), 2),
            ("supervisor".into(), "math_expert".into(), 2),
            ("supervisor".into(), "research_expert".into(), 2)
        ]
    );
    let tools: Vec<(&str, &str, u64)> = stats["tool_calls"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["agent"].as_str().unwrap(),
                c["tool_name"].as_str().unwrap(),
                c["count"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        tools,
        [
            ("math_expert", "add", 2),
            ("research_expert", "web_search", 2)
        ]
    );
}

/// A real langgraph-supervisor 0.0.31 run (scripted models,
/// tools/frameworks/langgraph_supervisor_run.py), as LangSmith runs and as
/// its debug stream with subgraphs (`[namespace, event]` lines): the
/// workers keep their names, each model call is counted once (a worker's
/// result carries its inner node's messages up), the handoff back that the
/// library writes itself is no model call.
#[test]
fn a_real_supervisor_run_gives_its_facts_in_both_exports() {
    let dir = repo("tests/fixtures/frameworks/langgraph_supervisor/healthy");
    for file in ["langsmith_runs.jsonl", "debug_subgraphs.jsonl"] {
        let stats = stats_json(&[dir.join(file).to_str().unwrap()]);
        let t = &stats["traces"][0];
        assert_eq!(
            (
                &t["agents"],
                &t["llm_calls"],
                &t["input_tokens"],
                &t["output_tokens"]
            ),
            (
                &serde_json::json!(["math_expert", "research_expert", "supervisor"]),
                &7.into(),
                &700.into(),
                &28.into()
            ),
            "{file}"
        );
        assert_eq!(
            edges(&stats),
            [
                ("math_expert".into(), "supervisor".into(), 1),
                ("research_expert".into(), "supervisor".into(), 1),
                ("supervisor".into(), "math_expert".into(), 1),
                ("supervisor".into(), "research_expert".into(), 1)
            ],
            "{file}"
        );
    }
    for file in ["langsmith_runs.jsonl", "debug_subgraphs.jsonl"] {
        let stats = stats_json(&[dir.join(file).to_str().unwrap()]);
        let tools: Vec<(&str, &str)> = stats["tool_calls"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                (
                    c["agent"].as_str().unwrap(),
                    c["tool_name"].as_str().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            tools,
            [("math_expert", "add"), ("research_expert", "web_search")],
            "{file}"
        );
    }
    // In the stream, ToolNode runs each call as a task of its own
    // (tool_call_with_context) and its ToolMessage, matched by call id,
    // is the call's result.
    let stream = ingest_paths(&[&dir.join("debug_subgraphs.jsonl")]);
    let results: Vec<(&str, &str)> = stream
        .events
        .iter()
        .filter(|e| e.kind == tracelint::event::Kind::ToolCall)
        .map(|e| {
            (
                e.tool_name.as_deref().unwrap(),
                e.output.as_ref().map_or("", |o| o.excerpt.as_str()),
            )
        })
        .collect();
    assert_eq!(
        results,
        [
            (
                "web_search",
                "FAANG employed about 1.9 million people in 2024."
            ),
            ("add", "3")
        ]
    );
}

/// autogen-core's event log of an AgentChat run (a real run through
/// autogen-ext's OpenAI client against a scripted server,
/// tools/frameworks/agentchat_runs.py --event-log) gives the TaskResult's
/// per-agent calls, tokens, tool calls and handoffs; its runtime messages
/// are counted as other signals, and a failed tool, which the log shows
/// only inside a runtime message, is a failed tool call.
#[test]
fn autogen_core_event_logs_give_the_task_results_facts() {
    for scenario in ["healthy", "repeated_tool_call", "handoff_ping_pong"] {
        let dir = repo(&format!("tests/fixtures/frameworks/agentchat/{scenario}"));
        let mut log = facts(&dir.join("event_log.jsonl"));
        let mut result = facts(&dir.join("task_result.json"));
        // The task's first message is the user's, who is no agent of the
        // runtime; the TaskResult alone has the stop reason.
        result.per_agent.remove("user");
        result.per_agent.remove("");
        result.edges.retain(|(from, _, _)| from != "user");
        result.agents.retain(|a| a != "user");
        (log.termination, log.status) = (result.termination.clone(), result.status.clone());
        assert_eq!(log, result, "{scenario}");
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("events.jsonl");
    let payload = serde_json::json!({"message": {"source": "orchestrator", "type": "ToolCallExecutionEvent",
        "content": [{"content": "503 Service Unavailable", "name": "fetch_primary", "call_id": "c1", "is_error": true}]}});
    let line = serde_json::json!({"payload": payload.to_string(), "sender": "orchestrator_t/t",
        "receiver": "output_topic_t/t", "kind": "MessageKind.PUBLISH", "delivery_stage": "DeliveryStage.SEND", "type": "Message"});
    std::fs::write(&file, format!("{line}\n")).unwrap();
    let ingested = ingest_paths(&[&file]);
    let call = &ingested.events[0];
    assert_eq!(
        (
            call.kind,
            call.tool_name.as_deref(),
            call.status,
            call.error_message.as_deref(),
            call.agent.as_deref()
        ),
        (
            tracelint::event::Kind::ToolCall,
            Some("fetch_primary"),
            tracelint::event::Status::Error,
            Some("503 Service Unavailable"),
            Some("orchestrator")
        )
    );
}

/// The OpenAI Agents SDK redacts what its console exporter prints unless
/// told not to: such a capture is no clean run but one that cannot be
/// seen, each redacted item a skipped record with the switch to set.
#[test]
fn a_redacted_console_capture_is_reported() {
    let file =
        repo("tests/fixtures/frameworks/openai_agents/repeated_tool_call/console_redacted.txt");
    let output = common::tracelint()
        .arg("check")
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("20 records read from 1 files: 0 ingested, 20 skipped"),
        "{stderr}"
    );
    assert!(
        stderr.contains("console_redacted.txt:20: skipped (redacted_by_exporter)"),
        "{stderr}"
    );
    assert!(
        stderr.contains("OPENAI_AGENTS_DONT_LOG_MODEL_DATA=false"),
        "{stderr}"
    );
}

/// AG2 appends every run to the same logs.db: each session is a trace of
/// its own, its events found by their agent ids (here the second run's rows
/// have the same times as the first's), and rows still in a write-ahead
/// log beside the database are read, leaving no file behind.
#[test]
fn runs_appended_to_one_ag2_database_are_traces_of_their_own() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("logs.db");
    std::fs::copy(repo("tests/fixtures/frameworks/ag2/healthy/logs.db"), &path).unwrap();
    let db = rusqlite::Connection::open(&path).unwrap();
    db.execute_batch(
        "PRAGMA journal_mode=WAL; PRAGMA wal_autocheckpoint=0;
         INSERT INTO agents (agent_id, wrapper_id, session_id, name, class, init_args, timestamp)
           SELECT agent_id + 1, wrapper_id, 'second-run', name, class, init_args, timestamp FROM agents;
         INSERT INTO chat_completions (invocation_id, client_id, wrapper_id, session_id, source_name, request, response, is_cached, cost, start_time, end_time)
           SELECT invocation_id || '-2', client_id, wrapper_id, 'second-run', source_name, request, response, is_cached, cost, start_time, end_time FROM chat_completions;
         INSERT INTO events (event_name, source_id, source_name, agent_module, agent_class_name, json_state, timestamp)
           SELECT event_name, source_id + 1, source_name, agent_module, agent_class_name, json_state, timestamp FROM events;
         INSERT INTO function_calls (source_id, source_name, function_name, args, returns, timestamp)
           SELECT source_id + 1, source_name, function_name, args, returns, timestamp FROM function_calls;",
    )
    .unwrap();
    assert!(dir.path().join("logs.db-wal").exists());
    let tmp = tempfile::tempdir().unwrap();
    let output = common::tracelint()
        .env("TMPDIR", tmp.path())
        .args(["stats", "--output-format", "json"])
        .arg(&path)
        .output()
        .unwrap();
    drop(db);
    let stats: Value = serde_json::from_slice(&output.stdout).unwrap();
    let traces: Vec<(String, u64, u64)> = stats["traces"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["trace_id"].as_str().unwrap().to_string(),
                t["events"].as_u64().unwrap(),
                t["tool_calls"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(traces.len(), 2, "{traces:?}");
    assert!(
        traces
            .iter()
            .all(|(_, events, tools)| (*events, *tools) == (7, 1)),
        "{traces:?}"
    );
    assert!(traces.iter().any(|(id, _, _)| id == "second-run"));
    assert_eq!(
        std::fs::read_dir(tmp.path()).unwrap().count(),
        0,
        "files left in TMPDIR"
    );
}

/// Runs of several AgentChat teams appended to one event log are apart:
/// every agent id carries its team's id.
#[test]
fn team_runs_in_one_autogen_core_event_log_are_traces_of_their_own() {
    let log = std::fs::read_to_string(repo(
        "tests/fixtures/frameworks/agentchat/repeated_tool_call/event_log.jsonl",
    ))
    .unwrap();
    let team = log
        .split("\"agent_id\": \"researcher_")
        .nth(1)
        .unwrap()
        .split('/')
        .next()
        .unwrap()
        .to_string();
    let second = log.replace(&team, "00000000-0000-4000-8000-000000000002");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("events.jsonl");
    std::fs::write(&file, format!("{log}{second}")).unwrap();
    let stats = stats_json(&[file.to_str().unwrap()]);
    let traces = stats["traces"].as_array().unwrap();
    assert_eq!(traces.len(), 2);
    assert!(traces
        .iter()
        .all(|t| t["tool_calls"] == 5 && t["llm_calls"] == 6));
}

/// A console capture reads the same when the program printed first, and
/// when each line carries a log prefix or a terminal's colour codes.
#[test]
fn console_captures_read_after_program_output_prefixes_and_colours() {
    let capture = std::fs::read_to_string(repo(
        "tests/fixtures/frameworks/openai_agents/repeated_tool_call/console.txt",
    ))
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let variants = [
        (
            "preamble.txt",
            format!("Starting the agent...\nloaded 3 tools\n{capture}"),
        ),
        (
            "prefixed.txt",
            capture
                .lines()
                .map(|l| format!("2026-11-30T14:54:50.394512Z INFO:openai.agents:{l}\n"))
                .collect(),
        ),
        (
            "coloured.txt",
            capture
                .lines()
                .map(|l| format!("\x1b[32m{l}\x1b[0m\n"))
                .collect(),
        ),
    ];
    let plain = facts(&repo(
        "tests/fixtures/frameworks/openai_agents/repeated_tool_call/console.txt",
    ));
    for (name, text) in variants {
        let file = dir.path().join(name);
        std::fs::write(&file, text).unwrap();
        assert_eq!(facts(&file), plain, "{name}");
    }
}

/// A folder of exports as tools write them: Langfuse's blob export puts
/// traces and scores beside the observations, and a report folder may sit
/// among the traces. Those files hold no steps: they are set aside as other
/// signals, said in the summary, and `--strict` still passes.
#[test]
fn companion_files_of_an_export_folder_are_set_aside() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::copy(
        repo("tests/fixtures/langfuse/blob_export.csv"),
        root.join("observations.csv"),
    )
    .unwrap();
    std::fs::write(
        root.join("traces.csv"),
        "\"id\",\"timestamp\",\"name\",\"public\",\"bookmarked\",\"input\"\n\"t1\",\"2026-11-23 00:48:17.452837\",\"run\",\"false\",\"false\",\"hi\"\n",
    )
    .unwrap();
    std::fs::write(
        root.join("scores.csv"),
        "\"id\",\"trace_id\",\"observation_id\",\"name\",\"value\",\"data_type\"\n\"s1\",\"t1\",\"\",\"correctness\",\"0\",\"NUMERIC\"\n",
    )
    .unwrap();
    common::tracelint()
        .args(["report", "--quiet"])
        .arg(root.join("observations.csv"))
        .arg("-o")
        .arg(root.join("report"))
        .assert()
        .success();
    let output = common::tracelint()
        .args(["check", "--strict", "--output-format", "json"])
        .arg(root)
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let doc: Value = serde_json::from_slice(&output.stdout).unwrap();
    let summary = &doc["summary"];
    assert_eq!(summary["skipped"], 0, "{summary}");
    assert_eq!(summary["traces"], 1);
    let set_aside = summary["other_signals"].as_object().unwrap();
    let count = |prefix: &str| {
        set_aside
            .iter()
            .filter(|(k, _)| k.starts_with(prefix))
            .map(|(_, v)| v.as_u64().unwrap())
            .sum::<u64>()
    };
    assert_eq!(count("Langfuse trace files"), 1, "{summary}");
    assert_eq!(count("Langfuse score files"), 1, "{summary}");
    // findings.json and traces.csv (the Parquet tables, whose footers say
    // they are tracelint's, are passed over by the folder search).
    assert_eq!(count("tracelint's own output files"), 2, "{summary}");
}

/// Chats whose tool calls are Anthropic content blocks (`tool_use` by the
/// assistant, `tool_result` in a user message) or OpenAI's legacy
/// `function_call` answered by a `function` message: the calls are tool
/// calls with their results, and a tool result is no one's turn (no
/// user ↔ assistant handoff per call, no agent named after a function).
#[test]
fn anthropic_blocks_and_legacy_function_calls_are_tool_calls() {
    let dir = tempfile::tempdir().unwrap();
    let mut anthropic = vec![serde_json::json!({"role": "user", "content": "GDP of France?"})];
    let mut legacy = anthropic.clone();
    for i in 0..3 {
        anthropic.push(serde_json::json!({"role": "assistant", "content": [
            {"type": "text", "text": "Searching."},
            {"type": "tool_use", "id": format!("tu{i}"), "name": "search", "input": {"query": "GDP France"}}]}));
        anthropic.push(serde_json::json!({"role": "user", "content": [
            {"type": "tool_result", "tool_use_id": format!("tu{i}"), "content": "no results"}]}));
        legacy.push(serde_json::json!({"role": "assistant", "content": null,
            "function_call": {"name": "search", "arguments": "{\"query\": \"GDP France\"}"}}));
        legacy.push(
            serde_json::json!({"role": "function", "name": "search", "content": "no results"}),
        );
    }
    for (name, chat) in [("anthropic.json", anthropic), ("legacy.json", legacy)] {
        let file = dir.path().join(name);
        std::fs::write(&file, serde_json::to_string(&chat).unwrap()).unwrap();
        let f = facts(&file);
        assert_eq!(
            f.tools,
            [(
                "assistant".into(),
                "search".into(),
                r#"{"query":"GDP France"}"#.into(),
                3
            )],
            "{name}"
        );
        assert_eq!(f.edges, [edge("user", "assistant", 1)], "{name}");
        let ingested = ingest_paths(&[&file]);
        let outputs: Vec<&str> = ingested
            .events
            .iter()
            .filter(|e| e.kind == tracelint::event::Kind::ToolCall)
            .map(|e| e.output.as_ref().map_or("", |o| o.excerpt.as_str()))
            .collect();
        assert_eq!(outputs, ["no results"; 3], "{name}");
    }
}
