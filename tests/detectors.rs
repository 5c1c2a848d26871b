//! Detectors on the framework fixtures (every planted failure found,
//! nothing on healthy runs or the correct re-plan) and on small traces
//! built here for each detector's positives and look-alikes.

mod common;

use common::{repo, tracelint};
use serde_json::Value;
use std::collections::BTreeSet;
use std::sync::Arc;
use tracelint::detect::{registry, run_detectors, DetectOptions, Finding};
use tracelint::event::{Event, Kind, Role, Status};
use tracelint::failure::Author;
use tracelint::store::{events_to_frame, TraceIndex};
use tracelint::text;

/// Detector names `check` reports on a file.
fn detectors_on(file: &str) -> BTreeSet<String> {
    let out = tracelint()
        .args(["check", "--quiet", "--exit-zero", "--output-format", "json"])
        .arg(repo(file))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{file}");
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["detector"].as_str().unwrap().to_string())
        .collect()
}

const LOOPS_PING_PONG: &[&str] = &["handoff-cycle", "turn-limit-hit"];

/// Scenario × detector on every framework fixture, as the closing note's
/// table gives it.
#[test]
fn framework_fixtures_give_exactly_their_planted_findings() {
    let none: &[&str] = &[];
    let table: Vec<(&str, &[&str])> = vec![
        ("openai_agents/healthy/*", none),
        ("openai_agents/replan_after_failure/*", none),
        ("openai_agents/handoff_ping_pong/*", LOOPS_PING_PONG),
        (
            "openai_agents/repeated_tool_call/*",
            &["repeated-tool-call"],
        ),
        (
            "openai_agents/failed_worker_ignored/*",
            &["failed-worker-ignored"],
        ),
        (
            "openai_agents/planner_no_convergence/native.jsonl",
            &[
                "convergence-starvation",
                "repeated-identical-output",
                "turn-limit-hit",
                "untyped-worker-result",
            ],
        ),
        (
            "openai_agents/planner_no_convergence/openinference.otlp.jsonl",
            &[
                "convergence-starvation",
                "repeated-identical-output",
                "turn-limit-hit",
                "untyped-worker-result",
            ],
        ),
        (
            "openai_agents/planner_no_convergence/langfuse_observations.json",
            &[
                "convergence-starvation",
                "repeated-identical-output",
                "turn-limit-hit",
                "untyped-worker-result",
            ],
        ),
        // The GenAI instrumentation records no text for the critic's answers.
        (
            "openai_agents/planner_no_convergence/otel_genai.otlp.jsonl",
            &[
                "convergence-starvation",
                "turn-limit-hit",
                "untyped-worker-result",
            ],
        ),
        ("langgraph/healthy/*", none),
        ("langgraph/replan_after_failure/*", none),
        ("langgraph/repeated_tool_call/*", &["repeated-tool-call"]),
        (
            "langgraph/failed_worker_ignored/*",
            &["failed-worker-ignored"],
        ),
        // The debug stream never sees GraphRecursionError.
        (
            "langgraph/handoff_ping_pong/debug.jsonl",
            &["repeated-identical-output", "untyped-worker-result"],
        ),
        (
            "langgraph/handoff_ping_pong/langsmith_*",
            &[
                "repeated-identical-output",
                "turn-limit-hit",
                "untyped-worker-result",
            ],
        ),
        (
            "langgraph/planner_no_convergence/debug.jsonl",
            &[
                "convergence-starvation",
                "repeated-identical-output",
                "untyped-worker-result",
            ],
        ),
        (
            "langgraph/planner_no_convergence/langsmith_runs.jsonl",
            &[
                "convergence-starvation",
                "repeated-identical-output",
                "turn-limit-hit",
                "untyped-worker-result",
            ],
        ),
        ("agentchat/healthy/*", none),
        ("agentchat/replan_after_failure/*", none),
        (
            "agentchat/handoff_ping_pong/task_result.json",
            LOOPS_PING_PONG,
        ),
        // The event log does not carry the team's stop reason: the cycle
        // is found, the turn limit cannot be seen.
        (
            "agentchat/handoff_ping_pong/event_log.jsonl",
            &["handoff-cycle"],
        ),
        ("agentchat/repeated_tool_call/*", &["repeated-tool-call"]),
        (
            "agentchat/failed_worker_ignored/*",
            &["failed-worker-ignored", "untyped-worker-result"],
        ),
        (
            "agentchat/planner_no_convergence/*",
            &[
                "convergence-starvation",
                "repeated-identical-output",
                "turn-limit-hit",
                "untyped-worker-result",
            ],
        ),
        ("ag2/healthy/*", none),
        ("ag2/repeated_tool_call/*", &["repeated-tool-call"]),
        (
            "ag2/planner_no_convergence/*",
            &["convergence-starvation", "repeated-identical-output"],
        ),
        ("crewai/healthy/*", none),
        (
            "crewai/planner_no_convergence/*",
            &["convergence-starvation", "repeated-identical-output"],
        ),
    ];
    let mut checked = 0;
    for (pattern, expected) in table {
        let dir = repo("tests/fixtures/frameworks");
        let files: Vec<String> = glob::glob(dir.join(pattern).to_str().unwrap())
            .unwrap()
            .map(|p| p.unwrap())
            .filter(|p| p.extension().is_some_and(|e| e != "md"))
            // The SDK's default console output holds no span to check
            // (formats.rs: a_redacted_console_capture_is_reported).
            .filter(|p| !p.ends_with("console_redacted.txt"))
            .map(|p| p.strip_prefix(repo("")).unwrap().display().to_string())
            .collect();
        assert!(!files.is_empty(), "{pattern}");
        for file in files {
            let expected: BTreeSet<String> = expected.iter().map(|d| d.to_string()).collect();
            assert_eq!(detectors_on(&file), expected, "{file}");
            checked += 1;
        }
    }
    assert_eq!(checked, 63);
}

#[test]
fn sample_traces_give_their_planted_findings() {
    let cases: [(&str, &[&str]); 5] = [
        ("sample-traces/healthy", &[]),
        (
            "sample-traces/ignored-failed-worker",
            &["failed-worker-ignored"],
        ),
        (
            "sample-traces/repeated-output",
            &["repeated-identical-output", "turn-limit-hit"],
        ),
        (
            "sample-traces/handoff-loop",
            &[
                "handoff-cycle",
                "hop-limit-exceeded",
                "repeated-identical-output",
                "turn-limit-hit",
            ],
        ),
        (
            "sample-traces/planner-no-convergence",
            &[
                "convergence-starvation",
                "handoff-cycle",
                "hop-limit-exceeded",
            ],
        ),
    ];
    for (dir, expected) in cases {
        let expected: BTreeSet<String> = expected.iter().map(|d| d.to_string()).collect();
        assert_eq!(detectors_on(dir), expected, "{dir}");
    }
}

/// A small trace built event by event.
struct TraceBuilder {
    events: Vec<Event>,
}

/// Sets `text` as `e`'s output the way ingest does (`Draft::output_text`):
/// excerpt and hash, failure signals, failure signature.
fn read_output(e: &mut Event, text: &str) {
    e.output = Some(text::digest(text, 512));
    let author = if e.kind == Kind::ToolCall {
        Author::Tool
    } else {
        Author::Agent
    };
    e.output_signals = tracelint::signals::of_output(text, "test", author);
    if e.role == Some(Role::System) {
        e.output_signals |= tracelint::signals::of_instructions(text);
    }
    e.output_failure_signature = (e.output_signals & tracelint::failure::SIGNED_TEXT != 0)
        .then(|| tracelint::failure::signature(text));
}

impl TraceBuilder {
    fn new() -> Self {
        TraceBuilder { events: Vec::new() }
    }

    fn push(&mut self, kind: Kind, agent: &str) -> &mut Event {
        let n = self.events.len();
        let mut e = Event::new(
            "t".into(),
            format!("s{n}"),
            "test",
            Arc::from("trace.json"),
            1,
        );
        e.seq = n as u32;
        e.kind = kind;
        e.agent = (!agent.is_empty()).then(|| agent.to_string());
        e.name = format!("{}-{n}", kind.as_str());
        e.start_ns = Some(n as i64 * 1_000_000_000);
        e.end_ns = Some(n as i64 * 1_000_000_000 + 500_000_000);
        e.status = Status::Ok;
        self.events.push(e);
        self.events.last_mut().unwrap()
    }

    fn say(&mut self, agent: &str, text: &str) -> &mut Event {
        let e = self.push(Kind::Message, agent);
        e.role = Some(Role::Assistant);
        e.output = Some(text::digest(text, 512));
        e.output_sig = text::minhash_signature(text);
        e
    }

    fn llm(&mut self, agent: &str, text: &str, tokens: i64) -> &mut Event {
        let e = self.push(Kind::LlmCall, agent);
        e.output = Some(text::digest(text, 512));
        e.output_sig = text::minhash_signature(text);
        e.input_tokens = Some(tokens);
        e.usage_leaf = true;
        e
    }

    fn call(&mut self, agent: &str, tool: &str, args: &str) -> &mut Event {
        let e = self.push(Kind::ToolCall, agent);
        e.tool_name = Some(tool.to_string());
        e.tool_args = Some(args.to_string());
        e.tool_args_hash = Some(text::exact_hash(args));
        e
    }

    /// A tool call whose result reports a failure in words only (status
    /// ok), as tau-bench's tools do: the output's signals and failure
    /// signature set as ingest sets them.
    fn failing_call(&mut self, agent: &str, tool: &str, args: &str, result: &str) -> &mut Event {
        let e = self.call(agent, tool, args);
        read_output(e, result);
        e
    }

    fn handoff(&mut self, from: &str, to: &str) -> &mut Event {
        let e = self.push(Kind::Handoff, from);
        e.handoff_from = Some(from.to_string());
        e.handoff_to = Some(to.to_string());
        e
    }

    /// Findings of one detector, with default options.
    fn findings(&self, detector: &str) -> Vec<Finding> {
        self.findings_with(detector, &DetectOptions::default())
    }

    fn findings_with(&self, detector: &str, options: &DetectOptions) -> Vec<Finding> {
        let frame = events_to_frame(&self.events).unwrap();
        let index = TraceIndex::build(&frame).unwrap();
        let all = registry();
        let chosen: Vec<_> = all.into_iter().filter(|d| d.name() == detector).collect();
        assert_eq!(chosen.len(), 1, "{detector}");
        run_detectors(&frame, &index, &chosen, options)
            .unwrap()
            .findings
    }
}

#[test]
fn an_output_repeated_58_times_costs_its_repeats() {
    let mut t = TraceBuilder::new();
    t.say("user", "Please fix the failing build.").role = Some(Role::User);
    for _ in 0..58 {
        t.llm(
            "fixer",
            "I will run the tests again to see what fails.",
            1_000,
        );
        t.call("fixer", "run_tests", r#"{"suite":"all"}"#).status = Status::Error;
    }
    let findings = t.findings("repeated-identical-output");
    assert_eq!(findings.len(), 1);
    let f = &findings[0];
    assert_eq!(f.metrics["repeats"], 58.0);
    // The 57 repeats after the first, at 1,000 tokens each.
    assert_eq!(f.metrics["wasted_tokens"], 57_000.0);
    assert_eq!(f.span_ids.len(), 58);
    assert_eq!(f.agents, ["fixer"]);
    assert!(f.message.contains("58 times"), "{}", f.message);
}

#[test]
fn repeated_tool_call_and_its_look_alikes() {
    let looping = |build: &dyn Fn(&mut TraceBuilder)| {
        let mut t = TraceBuilder::new();
        build(&mut t);
        t.findings("repeated-tool-call")
    };
    // Three identical calls: a loop.
    let found = looping(&|t| {
        for _ in 0..3 {
            t.call("a", "search", r#"{"q":"x"}"#);
        }
    });
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].metrics["repeats"], 3.0);
    // Empty arguments.
    assert!(looping(&|t| {
        for _ in 0..5 {
            t.call("a", "list_files", "{}");
        }
    })
    .is_empty());
    // Pagination: only the page differs.
    assert!(looping(&|t| {
        for page in 1..6 {
            t.call("a", "search", &format!(r#"{{"page":{page},"q":"x"}}"#));
        }
    })
    .is_empty());
    // Polling a status tool whose results are not recorded: the name is
    // the hint.
    assert!(looping(&|t| {
        for _ in 0..5 {
            t.call("a", "get_job_status", r#"{"job":"42"}"#);
        }
    })
    .is_empty());
    // Polling judged by progress, under any name: the results change.
    let result = |t: &mut TraceBuilder, tool: &str, output: &str| {
        t.call("a", tool, r#"{"job":"42"}"#).output = Some(text::digest(output, 512));
    };
    assert!(looping(&|t| {
        for output in ["queued", "running", "running", "done"] {
            result(t, "fetch_report", output);
        }
    })
    .is_empty());
    // The same call with the same result: no progress, a loop, even
    // under a polling name.
    let stuck = looping(&|t| {
        for _ in 0..4 {
            result(t, "get_job_status", "running");
        }
    });
    assert_eq!(stuck.len(), 1);
    assert_eq!(stuck[0].metrics["repeats"], 4.0);
    // Results that differ only in what changes on every call (a request
    // id, key order) are the same result.
    let noisy = looping(&|t| {
        for output in [
            r#"{"hits": [], "request": "id 1000"}"#,
            r#"{"request": "id 1001", "hits": []}"#,
            r#"{"hits":[],"request":"id 1002"}"#,
        ] {
            result(t, "search", output);
        }
    });
    assert_eq!(noisy.len(), 1);
    // A retry right after the identical call failed: retry-without-replan's.
    assert!(looping(&|t| {
        t.call("a", "fetch", r#"{"id":1}"#).status = Status::Error;
        t.call("a", "fetch", r#"{"id":1}"#).status = Status::Error;
        t.call("a", "fetch", r#"{"id":1}"#);
    })
    .is_empty());
    // Copies spread wider than the window.
    assert!(looping(&|t| {
        for i in 0..3 {
            t.call("a", "search", r#"{"q":"x"}"#);
            for j in 0..10 {
                t.call("a", "read", &format!(r#"{{"n":{}}}"#, i * 10 + j));
            }
        }
    })
    .is_empty());
}

#[test]
fn repeated_output_ignores_two_copies_and_other_speakers() {
    // A code executor's same output for different code, and a person
    // repeating a request: no agent looping.
    let mut t = TraceBuilder::new();
    for _ in 0..3 {
        t.say(
            "Computer_terminal",
            "exitcode: 0 (execution succeeded)\nCode output: X",
        );
        t.say("user", "Please check the order status of order 17 now.");
    }
    assert!(t.findings("repeated-identical-output").is_empty());
    let mut t = TraceBuilder::new();
    t.say("a", "Working on it.");
    t.say("a", "Working on it.");
    t.say("a", "Final answer: 42.");
    assert!(t.findings("repeated-identical-output").is_empty());
    let mut t = TraceBuilder::new();
    for agent in ["a", "b", "c"] {
        t.say(agent, "Agreed.");
    }
    assert!(t.findings("repeated-identical-output").is_empty());
}

#[test]
fn retry_without_replan_and_a_replan() {
    let mut t = TraceBuilder::new();
    t.call("a", "query_db", r#"{"sql":"select 1"}"#).status = Status::Error;
    t.call("a", "query_db", r#"{"sql":"select 1"}"#).status = Status::Error;
    let found = t.findings("retry-without-replan");
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].metrics["retries"], 1.0);
    let mut t = TraceBuilder::new();
    t.call("a", "query_db", r#"{"sql":"select 1"}"#).status = Status::Error;
    t.call("a", "query_db", r#"{"sql":"select 2"}"#);
    assert!(t.findings("retry-without-replan").is_empty());
}

#[test]
fn a_failure_that_comes_back_in_words_and_with_changed_arguments() {
    // tau-bench: failures only in the result's words; the payment changed
    // between attempts, the cause did not.
    let mut t = TraceBuilder::new();
    t.say("agent", "Booking your flights now.");
    t.failing_call(
        "agent",
        "book_reservation",
        r#"{"amount":25}"#,
        "Error: payment amount does not add up, total price is 305, but paid 25",
    )
    .parent_id = Some("s0".into());
    t.call("agent", "calculate", r#"{"expression":"305-25"}"#);
    t.say("agent", "Let me adjust the payment.");
    t.failing_call(
        "agent",
        "book_reservation",
        r#"{"amount":29}"#,
        "Error: payment amount does not add up, total price is 305, but paid 29",
    )
    .parent_id = Some("s3".into());
    let found = t.findings("retry-without-replan");
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].metrics["retries"], 1.0);
    // The message that decided each attempt is evidence, before it.
    assert_eq!(found[0].span_ids, ["s0", "s1", "s3", "s4"]);
    assert_eq!(
        found[0].message,
        "book_reservation failed (Error: payment amount does not add up, total price is 305, but paid 25), then failed the same way once more: what changed did not touch the cause: show the model the error and re-plan, or report the failure"
    );
    // Another resource tried and failing otherwise: a re-plan.
    let mut t = TraceBuilder::new();
    t.failing_call(
        "agent",
        "update_flights",
        r#"{"flight":"HAT030"}"#,
        "Error: flight HAT030 not available on date 2024-05-13",
    );
    t.failing_call(
        "agent",
        "update_flights",
        r#"{"flight":"HAT223"}"#,
        "Error: flight HAT223 not available on date 2024-05-13",
    );
    assert!(t.findings("retry-without-replan").is_empty());
    // The same error, but a success of the tool in between: two failures.
    let mut t = TraceBuilder::new();
    t.failing_call(
        "agent",
        "search",
        r#"{"q":"a"}"#,
        "Error: index is rebuilding",
    );
    t.call("agent", "search", r#"{"q":"b"}"#);
    t.failing_call(
        "agent",
        "search",
        r#"{"q":"c"}"#,
        "Error: index is rebuilding",
    );
    assert!(t.findings("retry-without-replan").is_empty());
}

#[test]
fn a_retry_gets_the_advice_its_error_calls_for() {
    let timed_out = |t: &mut TraceBuilder| {
        let e = t.call("a", "fetch", r#"{"url":"https://example.org"}"#);
        e.status = Status::Error;
        e.error_message = Some("ReadTimeout: upstream timed out after 30 s".into());
    };
    // A transient error retried unchanged that then went through: the
    // retry it called for.
    let mut t = TraceBuilder::new();
    timed_out(&mut t);
    t.call("a", "fetch", r#"{"url":"https://example.org"}"#);
    assert!(t.findings("retry-without-replan").is_empty());
    // Retried unchanged and failing each time: backoff and a bound.
    let mut t = TraceBuilder::new();
    for _ in 0..3 {
        timed_out(&mut t);
    }
    let found = t.findings("retry-without-replan");
    assert_eq!(found.len(), 1);
    assert!(
        found[0].message.ends_with(
            "was sent again unchanged twice, failing each time: a transient error: retry it with backoff and a bound, then re-plan"
        ),
        "{}",
        found[0].message
    );
    // An error that recurs for the same request: re-plan.
    let mut t = TraceBuilder::new();
    for _ in 0..2 {
        let e = t.call("a", "query_db", r#"{"sql":"select * from ordres"}"#);
        e.status = Status::Error;
        e.error_message = Some("relation \"ordres\" does not exist".into());
    }
    let found = t.findings("retry-without-replan");
    assert_eq!(found.len(), 1);
    assert!(found[0].message.ends_with(
        "this error recurs for the same request: re-plan (other arguments, another tool or agent) or report the failure"
    ));
    // The same request failing, then passing: flaky, not a transient error.
    let mut t = TraceBuilder::new();
    t.failing_call(
        "a",
        "read",
        r#"{"path":"a.csv"}"#,
        "FileNotFoundError: [Errno 2] No such file or directory: 'a.csv'",
    );
    t.call("a", "read", r#"{"path":"a.csv"}"#);
    let found = t.findings("retry-without-replan");
    assert_eq!(found.len(), 1);
    assert!(found[0]
        .message
        .contains("before it went through: the same request failed, then passed"));
}

#[test]
fn a_code_step_that_fails_the_same_way_and_the_spans_around_a_failed_call() {
    // AG2: the terminal prints the same error after the code was "fixed".
    let mut t = TraceBuilder::new();
    let exec = "exitcode: 1 (execution failed)\nCode output: Traceback (most recent call last):\n  File \"\", line 3, in <module>\nNameError: name 'df' is not defined";
    for _ in 0..2 {
        t.say("Coder", "```python\nprint(df.head())\n```");
        let e = t.say("Computer_terminal", "");
        read_output(e, exec);
    }
    let found = t.findings("retry-without-replan");
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].span_ids, ["s0", "s1", "s2", "s3"]);
    assert!(found[0].message.starts_with(
        "Computer_terminal failed (NameError: name 'df' is not defined), then failed the same way once more"
    ), "{}", found[0].message);
    // A success of the terminal in between: the step was done.
    let mut t = TraceBuilder::new();
    read_output(t.say("Computer_terminal", ""), exec);
    t.say(
        "Computer_terminal",
        "exitcode: 0 (execution succeeded)\nCode output: 42",
    );
    read_output(t.say("Computer_terminal", ""), exec);
    assert!(t.findings("retry-without-replan").is_empty());
    // A step span that fails because its tool call failed repeats that
    // failure: one finding, on the calls.
    let mut t = TraceBuilder::new();
    for n in 0..2 {
        let step = t.push(Kind::Step, "browser");
        step.status = Status::Error;
        step.error_message =
            Some("AgentExecutionError: Error when executing tool page_down".into());
        let step_id = step.span_id.clone();
        let call = t.call("browser", "page_down", &format!(r#"{{"":{n}}}"#));
        call.parent_id = Some(step_id);
        call.status = Status::Error;
        call.error_message =
            Some("TypeError: forward() got an unexpected keyword argument ''".into());
    }
    let found = t.findings("retry-without-replan");
    assert_eq!(found.len(), 1);
    assert!(
        found[0].message.starts_with("page_down failed"),
        "{}",
        found[0].message
    );
}

#[test]
fn made_up_data_after_a_failure_and_its_look_alikes() {
    let run = |fails: bool, says: &str| {
        let mut t = TraceBuilder::new();
        t.say("Coder", "```sh\npip install colorsys\n```");
        let out = if fails {
            "exitcode: 1 (execution failed)\nCode output: TimeoutError: the installation timed out"
        } else {
            "exitcode: 0 (execution succeeded)\nCode output: installed"
        };
        read_output(t.say("Computer_terminal", ""), out);
        t.say("Verification_Expert", says);
        t.say(
            "Verification_Expert",
            "We could also use dummy values for the blue channel.",
        );
        t.findings("made-up-data")
    };
    let says = "The installation keeps timing out. As an alternative, we can simulate the red and green numbers for now to proceed with the calculation.";
    let found = run(true, says);
    assert_eq!(found.len(), 1, "one finding per agent");
    assert_eq!(found[0].span_ids, ["s1", "s2"]);
    assert_eq!(found[0].checklist.as_deref(), Some("P8"));
    assert_eq!(
        found[0].message,
        "Verification_Expert went on with made-up data after a step failed (\"As an alternative, we can simulate the red and green numbers for now to proceed with the…\"): report the failure or escalate to a person instead of computing on a stand-in"
    );
    // No failure before: a simulation may be the task.
    assert!(run(false, says).is_empty());
    // A code executor printing back the code it ran, comments and all.
    let mut t = TraceBuilder::new();
    read_output(
        t.say("Computer_terminal", ""),
        "exitcode: 1 (execution failed)\nCode output: FileNotFoundError: a.csv",
    );
    t.say(
        "Computer_terminal",
        "exitcode: 0 (execution succeeded)\nCode output: # Assuming a hypothetical path to the file\nNone",
    );
    assert!(t.findings("made-up-data").is_empty());
    // A failure, and real work after it.
    assert!(run(
        true,
        "The timeout is a network issue; retrying with a mirror."
    )
    .iter()
    .all(|f| f.span_ids != ["s1", "s2"]));
}

#[test]
fn doubt_said_in_words_and_then_answered() {
    let run = |checked: bool| {
        let mut t = TraceBuilder::new();
        t.llm(
            "analyst",
            "The snowfall probability is 60%. Given this is a simulated result, it cannot be deemed reliable without actual historical data.",
            10,
        );
        if checked {
            t.call("analyst", "validate_result", r#"{"claim":"60%"}"#);
        }
        t.llm("writer", "Final answer: 60%.", 10);
        t.findings("unescalated-low-confidence")
    };
    let found = run(false);
    assert_eq!(found.len(), 1);
    assert_eq!(
        found[0].message,
        "analyst said its result is not to be trusted (\"cannot be deemed reliable\") and the run answered without validating or escalating it: send low-confidence results to a validator or a person"
    );
    assert!(!found[0].metrics.contains_key("confidence"));
    assert!(run(true).is_empty());
}

#[test]
fn a_fixed_pipeline_schedules_its_turns() {
    // 14 turns passed between two agents that call a model: over the hop
    // cap, and untyped results handed back; in a ChatDev run (its role
    // prompt says so) the turns are the phases' schedule.
    let run = |chatdev: bool| {
        let mut t = TraceBuilder::new();
        if chatdev {
            t.say(
                "Chief Executive Officer",
                "[ChatDev is a software company powered by multiple intelligent agents, such as chief executive officer, chief technology officer]",
            );
        }
        let agents = ["Chief Executive Officer", "Programmer"];
        for turn in 0..14 {
            t.llm(agents[turn % 2], "thinking about the phase", 10);
            let e = t.say(
                agents[turn % 2],
                &format!("Phase work number {turn} is written down here."),
            );
            e.handoff_from = Some(agents[(turn + 1) % 2].to_string());
            e.handoff_to = Some(agents[turn % 2].to_string());
        }
        (
            t.findings("hop-limit-exceeded").len(),
            t.findings("untyped-worker-result").len(),
        )
    };
    assert_eq!(run(false), (1, 1));
    assert_eq!(run(true), (0, 0));
}

#[test]
fn an_action_without_the_confirmation_the_instructions_require() {
    let run = |reply: &str, with_policy: bool| {
        let mut t = TraceBuilder::new();
        let system = t.push(Kind::Message, "");
        system.role = Some(Role::System);
        let policy = if with_policy {
            "Before taking any actions that update the booking database, you must list the action details and obtain explicit user confirmation (yes) to proceed."
        } else {
            "You are an airline agent."
        };
        read_output(system, policy);
        let user = t.say("user", "I want to cancel reservation 8C8K4E.");
        user.role = Some(Role::User);
        t.call("agent", "get_reservation_details", r#"{"id":"8C8K4E"}"#);
        t.say(
            "agent",
            "I will cancel 8C8K4E and refund $120 to your card. Shall I proceed?",
        );
        let user = t.say("user", reply);
        user.role = Some(Role::User);
        t.say("agent", "");
        t.call("agent", "cancel_reservation", r#"{"id":"8C8K4E"}"#)
            .parent_id = Some("s5".into());
        t.call("agent", "transfer_to_human_agents", r#"{}"#);
        t.findings("unconfirmed-action")
    };
    let found = run("Please refund it to my gift card instead.", true);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].span_ids, ["s5", "s6"]);
    assert_eq!(found[0].mast_mode.as_deref(), Some("1.1"));
    assert_eq!(
        found[0].message,
        "agent acted once without the user's confirmation that its instructions require (cancel_reservation): list the action, ask, and act on a yes"
    );
    assert!(run("Yes, please go ahead.", true).is_empty());
    assert!(run("Yes, but refund it to my card.", true).is_empty());
    // A "proceed" negated or asked is no consent.
    for reply in [
        "Don't proceed.",
        "I'm not sure, let me think.",
        "Is that correct? What is the refund?",
    ] {
        assert_eq!(run(reply, true).len(), 1, "{reply}");
    }
    assert!(run("Please refund it to my gift card instead.", false).is_empty());
}

#[test]
fn invalid_tool_arguments_and_other_tool_failures() {
    let mut t = TraceBuilder::new();
    t.llm("browser", "page_down {\"\": {}}", 100).parent_id = Some("step1".into());
    t.llm("browser", "an unrelated call in another step", 100)
        .parent_id = Some("step0".into());
    let call = t.call("browser", "page_down", r#"{"":{}}"#);
    call.parent_id = Some("step1".into());
    call.status = Status::Error;
    call.error_message =
        Some("TypeError: PageDownTool.forward() got an unexpected keyword argument ''".into());
    t.llm("browser", "page_down {\"page\": 2}", 100).parent_id = Some("step2".into());
    let call = t.call("browser", "page_down", r#"{"page":2}"#);
    call.parent_id = Some("step2".into());
    call.status = Status::Error;
    call.error_message =
        Some("TypeError: forward() missing 1 required positional argument: 'n'".into());
    // Look-alikes: a tool that failed for another reason.
    let call = t.call("browser", "visit", r#"{"url":"https://example.org"}"#);
    call.status = Status::Error;
    call.error_message = Some("HTTPError: 503 Service Unavailable".into());
    let found = t.findings("invalid-tool-arguments");
    assert_eq!(found.len(), 1, "one finding per agent and tool");
    assert_eq!(found[0].metrics["calls"], 2.0);
    // Each failed call with the LLM call of its own step that wrote it.
    assert_eq!(found[0].span_ids, ["s0", "s2", "s3", "s4"]);
    assert_eq!(found[0].mast_mode.as_deref(), Some("1.1"));
}

#[test]
fn handoff_cycles_and_hop_caps() {
    let mut t = TraceBuilder::new();
    t.llm("a", "x", 1);
    t.handoff("a", "b");
    t.handoff("b", "a");
    assert!(t.findings("handoff-cycle").is_empty(), "one round trip");
    t.handoff("a", "b");
    t.handoff("b", "a");
    let found = t.findings("handoff-cycle");
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].metrics["rounds"], 2.0);
    assert!(
        found[0].message.contains("a → b → a"),
        "{}",
        found[0].message
    );

    let mut t = TraceBuilder::new();
    let agents = [
        "a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m", "n",
    ];
    for pair in agents.windows(2).take(12) {
        t.handoff(pair[0], pair[1]);
    }
    assert!(t.findings("hop-limit-exceeded").is_empty(), "12 hops");
    t.handoff("m", "n");
    let found = t.findings("hop-limit-exceeded");
    assert_eq!(found[0].metrics["hops"], 13.0);
}

#[test]
fn budgets_and_durations_are_off_until_set() {
    let mut t = TraceBuilder::new();
    for i in 0..5 {
        t.llm("a", &format!("step {i}"), 400);
    }
    assert!(t.findings("budget-exceeded").is_empty());
    assert!(t.findings("duration-exceeded").is_empty());
    let mut options = DetectOptions::default();
    options.budget.max_tokens = Some(1_000);
    options.duration.max_seconds = Some(2.0);
    let budget = t.findings_with("budget-exceeded", &options);
    assert_eq!(budget.len(), 1);
    assert_eq!(budget[0].metrics["tokens"], 2_000.0);
    // Crossed at the third call (1,200 > 1,000): it and the two after.
    assert_eq!(budget[0].seq_range, [2, 2]);
    assert_eq!(budget[0].metrics["wasted_tokens"], 1_200.0);
    let slow = t.findings_with("duration-exceeded", &options);
    assert_eq!(slow[0].metrics["duration_ms"], 4_500.0);
}

#[test]
fn failures_resolved_or_ignored() {
    // Ignored: the worker fails, the orchestrator answers anyway.
    let mut t = TraceBuilder::new();
    t.llm("orchestrator", "Asking the worker.", 10);
    t.call("worker", "fetch_sales", r#"{"q":"Q3"}"#).status = Status::Error;
    t.say("worker", "status: failed - timeout");
    t.llm("orchestrator", "Q3 sales grew 12%.", 10);
    assert_eq!(t.findings("failed-worker-ignored").len(), 1);
    // Failed in words only: the tool's result says `Error:`, its status
    // nothing (tau-bench's tools).
    let mut t = TraceBuilder::new();
    let result = "Error: flight HAT030 not available on date 2024-05-13";
    let call = t.call("agent", "book_flight", r#"{"flight":"HAT030"}"#);
    call.output = Some(text::digest(result, 512));
    call.output_signals = tracelint::signals::of_output(result, "test", Author::Tool);
    t.llm("agent", "Your flight HAT030 is booked.", 10);
    assert_eq!(t.findings("failed-worker-ignored").len(), 1);
    // Re-planned: another tool after the failure.
    let mut t = TraceBuilder::new();
    t.call("orchestrator", "fetch_primary", r#"{"q":"Q3"}"#)
        .status = Status::Error;
    t.call("orchestrator", "fetch_mirror", r#"{"q":"Q3"}"#);
    t.llm("orchestrator", "Q3 sales grew 12%.", 10);
    assert!(t.findings("failed-worker-ignored").is_empty());
    // Reported: the answer says it failed.
    let mut t = TraceBuilder::new();
    t.call("orchestrator", "fetch", r#"{"q":"Q3"}"#).status = Status::Error;
    t.llm("orchestrator", "I could not get the Q3 figures.", 10);
    assert!(t.findings("failed-worker-ignored").is_empty());
    // Ends on a failure.
    let mut t = TraceBuilder::new();
    t.llm("a", "Running the deploy.", 10);
    t.call("a", "deploy", r#"{"env":"prod"}"#).status = Status::Error;
    assert_eq!(t.findings("premature-termination").len(), 1);
}

/// The model's API failing is `provider-error` (an error when the run
/// ended there, a warning when a later call went through), not MAST 3.1;
/// a step's own exception is no provider error.
#[test]
fn provider_failures_are_infrastructure_not_premature_termination() {
    let rate_limited = |t: &mut TraceBuilder| {
        let e = t.llm("planner", "", 0);
        e.status = Status::Error;
        e.error_type = Some("openai.RateLimitError".into());
        e.error_message = Some("Rate limit reached for gpt-4o in organization org-1".into());
    };
    // Ends on it.
    let mut t = TraceBuilder::new();
    t.llm("planner", "Planning the trip.", 10);
    rate_limited(&mut t);
    let found = t.findings("provider-error");
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].severity, tracelint::detect::Severity::Error);
    assert_eq!(found[0].span_ids, ["s1"]);
    assert!(found[0].message.starts_with(
        "planner's model API failed once (\"Rate limit reached for gpt-4o in organization org-1\") and the run ended there"
    ), "{}", found[0].message);
    assert!(t.findings("premature-termination").is_empty());
    // Twice, then a call goes through: a warning.
    let mut t = TraceBuilder::new();
    rate_limited(&mut t);
    rate_limited(&mut t);
    t.llm("planner", "Here is the plan.", 10);
    let found = t.findings("provider-error");
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].severity, tracelint::detect::Severity::Warning);
    assert_eq!(found[0].metrics["failures"], 2.0);
    // An agent span that repeats its model call's error: one failure.
    let mut t = TraceBuilder::new();
    let agent = t.push(Kind::AgentInvoke, "booker");
    agent.status = Status::Error;
    agent.error_message = Some("openai.RateLimitError: Rate limit reached".into());
    rate_limited(&mut t);
    t.events[1].parent_id = Some("s0".into());
    let found = t.findings("provider-error");
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].span_ids, ["s1"]);
    assert_eq!(found[0].metrics["failures"], 1.0);
    // In words only: a span whose status is ok but whose output says it.
    let mut t = TraceBuilder::new();
    let text = "Error code: 429 - {'error': {'message': 'Too Many Requests'}}";
    t.llm("writer", text, 10).output_signals =
        tracelint::signals::of_output(text, "test", Author::Agent);
    assert_eq!(t.findings("provider-error").len(), 1);
    // Look-alikes: a model call failing on its own input, a tool's
    // exception, the model saying it cannot.
    let mut t = TraceBuilder::new();
    let e = t.llm("planner", "", 0);
    e.status = Status::Error;
    e.error_type = Some("ValueError".into());
    e.error_message = Some("prompt is not valid JSON".into());
    assert!(t.findings("provider-error").is_empty());
    assert_eq!(t.findings("premature-termination").len(), 1);
    let mut t = TraceBuilder::new();
    t.call("coder", "run", r#"{"cmd":"pytest"}"#).status = Status::Error;
    let text = "I cannot help with that.";
    t.llm("coder", text, 10).output_signals =
        tracelint::signals::of_output(text, "test", Author::Agent);
    assert!(t.findings("provider-error").is_empty());
}

#[test]
fn verification_reset_ownership_and_confidence() {
    // A change with no check after it.
    let mut t = TraceBuilder::new();
    t.call("coder", "write_file", r#"{"path":"app.py"}"#);
    t.llm("coder", "Done.", 10);
    assert_eq!(t.findings("missing-verification").len(), 1);
    let mut t = TraceBuilder::new();
    t.call("coder", "write_file", r#"{"path":"app.py"}"#);
    t.call("coder", "run_tests", r#"{"path":"tests"}"#);
    t.llm("coder", "Done, tests pass.", 10);
    assert!(t.findings("missing-verification").is_empty());

    // The task statement again mid-conversation.
    let mut t = TraceBuilder::new();
    t.say("user", "Plan the launch post.");
    t.say("planner", "Here is a plan.");
    t.say("user", "Plan the launch post.");
    assert_eq!(t.findings("conversation-reset").len(), 1);

    // The answer from an agent never given the task.
    let mut t = TraceBuilder::new();
    t.llm("planner", "I will ask the searcher.", 10);
    t.say("searcher", "Found three flights.");
    t.llm("booker", "Booked UA 123.", 10);
    assert_eq!(t.findings("no-owner").len(), 1);
    let mut t = TraceBuilder::new();
    t.llm("triage", "Billing question.", 10);
    t.handoff("triage", "billing");
    t.llm("billing", "The invoice is paid.", 10);
    assert!(t.findings("no-owner").is_empty());

    // A low confidence passed on, and one sent to review.
    let mut t = TraceBuilder::new();
    t.llm("classifier", r#"{"label":"refund","confidence":0.41}"#, 10);
    t.llm("orchestrator", "Your refund is approved.", 10);
    assert_eq!(t.findings("unescalated-low-confidence").len(), 1);
    let mut t = TraceBuilder::new();
    t.llm("classifier", r#"{"label":"refund","confidence":0.41}"#, 10);
    t.handoff("orchestrator", "human_reviewer");
    t.llm("orchestrator", "A person will review your refund.", 10);
    assert!(t.findings("unescalated-low-confidence").is_empty());
}

#[test]
fn rules_lists_and_documents_every_detector() {
    let out = tracelint().arg("rules").output().unwrap();
    let listing = String::from_utf8_lossy(&out.stdout);
    for detector in registry() {
        assert!(listing.contains(detector.name()), "{}", detector.name());
        let doc = tracelint()
            .args(["rules", detector.name()])
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&doc.stdout);
        for section in [
            "## What it does",
            "## Why is this bad?",
            "## Example",
            "## Not flagged",
            "## Options",
            "## Mapping",
        ] {
            assert!(
                text.contains(section),
                "{} lacks {section}",
                detector.name()
            );
        }
    }
    assert_eq!(registry().len(), 21);
}

#[test]
fn convergence_starvation_and_its_look_alikes() {
    let plan = |n: usize| {
        format!(
            "Launch plan, revision {n}. Step 1: research the audience and collect the three questions \
             readers ask most often about the product. Step 2: outline the post around those questions, \
             one section each, with a short answer first and the details after. Step 3: draft the post \
             in plain words, keep it under eight hundred words, and add one diagram of the workflow. \
             Step 4: ask the product team to review the facts and the legal team to review the claims."
        )
    };
    // Four near-duplicate plans and no end: starvation.
    let mut t = TraceBuilder::new();
    for n in 1..=4 {
        t.llm("planner", &plan(n), 100);
        t.llm("critic", &format!("Needs revision, round {n}."), 10);
    }
    let found = t.findings("convergence-starvation");
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].metrics["rounds"], 4.0);
    assert_eq!(found[0].agents, ["planner"]);
    // The same, settled by a termination condition.
    let mut settled = TraceBuilder::new();
    for n in 1..=4 {
        settled.llm("planner", &plan(n), 100);
    }
    settled.push(Kind::Termination, "").termination_reason = Some("text_mention".into());
    assert!(settled.findings("convergence-starvation").is_empty());
    // Identical copies are repeats, not revisions.
    let mut copies = TraceBuilder::new();
    for _ in 1..=4 {
        copies.llm("planner", &plan(1), 100);
    }
    assert!(copies.findings("convergence-starvation").is_empty());
    // Rewrites that change a lot are work.
    let mut rewrites = TraceBuilder::new();
    for text in [
        "Plan A: interview ten customers, then write a case study about their migration.",
        "Plan B: run a webinar with the product team and publish the recording with notes.",
        "Plan C: ship a changelog entry and a short video tour of the three new features.",
    ] {
        rewrites.llm("planner", text, 100);
    }
    assert!(rewrites.findings("convergence-starvation").is_empty());
}

#[test]
fn guards_workers_and_envelopes() {
    // A loop guard fired; a termination condition met is no failure.
    let mut t = TraceBuilder::new();
    t.llm("a", "working", 10);
    let stop = t.push(Kind::Termination, "a");
    stop.termination_reason = Some("max_turns".into());
    stop.error_message = Some("Max turns (10) exceeded".into());
    assert_eq!(t.findings("turn-limit-hit").len(), 1);
    let mut t = TraceBuilder::new();
    t.llm("a", "done", 10);
    t.push(Kind::Termination, "a").termination_reason = Some("text_mention".into());
    assert!(t.findings("turn-limit-hit").is_empty());

    // A worker called as a tool: typed and untyped results.
    let mut t = TraceBuilder::new();
    t.llm("orchestrator", "Asking the worker.", 10);
    t.llm("worker", "thinking", 10);
    t.call("orchestrator", "worker", r#"{"input":"fetch"}"#)
        .output = Some(text::digest("The database timed out.", 512));
    t.call("orchestrator", "worker", r#"{"input":"again"}"#)
        .output = Some(text::digest(r#"{"status": "ok", "rows": 3}"#, 512));
    let found = t.findings("untyped-worker-result");
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].metrics["untyped"], 1.0);
    assert_eq!(found[0].metrics["results"], 2.0);
}
