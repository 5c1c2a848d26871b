//! The benchmark corpus: a deterministic (seeded xorshift) directory of
//! multi-agent traces as two real exports write them, so that every run and
//! every machine measures the same bytes.
//!
//! - `otlp.jsonl`: OTLP/JSON Lines in the GenAI dialect, one
//!   `TracesData` per line (a trace per line, or a long trace's batches of
//!   at most `OTLP_BATCH_SPANS` spans, as an exporter flushes them);
//! - `openai-agents.jsonl`: the OpenAI Agents SDK's native export, a trace
//!   item then one span item per line (every fifth trace).
//!
//! Trace shapes, by trace number: healthy runs (an orchestrator handing
//! work to 3–12 workers that call the model and tools, one tool call in ten
//! failing), and planted failures: loops (a worker repeating the same
//! answer and tool call), handoff cycles (two agents passing the task back
//! and forth) and starvation (a planner revising a near-identical plan for
//! a critic until the run stops). Lengths run from 10 to 100,000 events:
//! most traces have 10–40 spans; one trace in 5,000 is a runaway loop or
//! cycle of 1,000 to 100,000 spans (log-uniform), the second of them
//! exactly 100,000.

use serde_json::{json, Value};
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

/// Changes when the corpus it writes changes, so a cached corpus of an
/// older generator is written again.
const GENERATOR_VERSION: u32 = 2;
const OTLP_BATCH_SPANS: usize = 1_000;
const LONG_TRACE_EVERY: u64 = 5_000;

const AGENTS: [&str; 5] = ["planner", "researcher", "coder", "critic", "writer"];
const TOOLS: [&str; 4] = ["web_search", "read_file", "run_tests", "sql_query"];
const WORDS: [&str; 16] = [
    "the", "plan", "agent", "result", "check", "revenue", "report", "draft", "tests", "failed",
    "passed", "search", "page", "summary", "next", "step",
];

/// The shapes a trace is generated in; planted failures name the detector
/// meant to find them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    Healthy,
    Loop,
    Cycle,
    Starvation,
}

impl Shape {
    pub const ALL: [Shape; 4] = [Shape::Healthy, Shape::Loop, Shape::Cycle, Shape::Starvation];

    pub fn name(self) -> &'static str {
        match self {
            Shape::Healthy => "healthy",
            Shape::Loop => "loop (repeated output and tool call)",
            Shape::Cycle => "handoff cycle",
            Shape::Starvation => "convergence starvation",
        }
    }

    /// 88% healthy; 4% each planted failure.
    fn of(rng: &mut Rng) -> Shape {
        match rng.below(100) {
            0..=3 => Shape::Loop,
            4..=7 => Shape::Cycle,
            8..=11 => Shape::Starvation,
            _ => Shape::Healthy,
        }
    }
}

/// What was written, for the benchmark to report.
#[derive(Debug, Default)]
pub struct Corpus {
    pub dir: PathBuf,
    pub bytes: u64,
    pub traces: u64,
    pub spans: u64,
    /// Traces per shape, in `Shape::ALL` order.
    pub shapes: [u64; 4],
    pub longest_trace: u64,
}

impl Corpus {
    pub fn files(&self) -> [PathBuf; 2] {
        [
            self.dir.join("otlp.jsonl"),
            self.dir.join("openai-agents.jsonl"),
        ]
    }

    /// What the corpus holds, for the head of a bench's report.
    pub fn print_summary(&self) {
        println!(
            "corpus: {} ({:.0} MB, {} traces, {} spans, longest trace {} spans)",
            self.dir.display(),
            self.bytes as f64 / 1e6,
            self.traces,
            self.spans,
            self.longest_trace
        );
        for (shape, count) in Shape::ALL.iter().zip(self.shapes) {
            println!("  {count} traces {}", shape.name());
        }
        println!();
    }
}

/// xorshift64*: small, fast, and the same sequence everywhere.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn text(&mut self, words: u64) -> String {
        (0..words)
            .map(|_| WORDS[self.below(16) as usize])
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// One span of the format-independent trace model.
struct SpanSpec {
    id: u64,
    parent: Option<u64>,
    start_ns: u64,
    end_ns: u64,
    error: Option<String>,
    what: What,
}

enum What {
    Agent(&'static str),
    Chat {
        agent: &'static str,
        input_tokens: u64,
        output_tokens: u64,
        output: String,
    },
    Tool {
        name: &'static str,
        args: String,
        result: String,
    },
    Handoff {
        from: &'static str,
        to: &'static str,
    },
}

/// Builds one trace's spans on a clock.
struct TraceBuilder<'r> {
    rng: &'r mut Rng,
    clock: u64,
    spans: Vec<SpanSpec>,
}

impl TraceBuilder<'_> {
    fn span(&mut self, parent: Option<u64>, what: What, error: Option<String>) -> u64 {
        let id = self.rng.next() | 1;
        let start_ns = self.clock;
        self.clock += 1_000_000 + self.rng.below(50_000_000);
        self.spans.push(SpanSpec {
            id,
            parent,
            start_ns,
            end_ns: self.clock,
            error,
            what,
        });
        id
    }

    fn chat(&mut self, parent: u64, agent: &'static str, output: String) {
        let input_tokens = 500 + self.rng.below(4000);
        let output_tokens = 20 + self.rng.below(400);
        let what = What::Chat {
            agent,
            input_tokens,
            output_tokens,
            output,
        };
        self.span(Some(parent), what, None);
    }

    fn tool(&mut self, parent: u64, name: &'static str, args: String, failed: bool) {
        let result = self.rng.text(30);
        let error = failed.then(|| format!("{name} failed: HTTP 503 from upstream"));
        self.span(Some(parent), What::Tool { name, args, result }, error);
    }

    fn handoff(&mut self, parent: u64, from: &'static str, to: &'static str) -> u64 {
        self.span(Some(parent), What::Handoff { from, to }, None);
        self.span(Some(parent), What::Agent(to), None)
    }

    fn healthy(&mut self, root: u64) {
        for _ in 0..(3 + self.rng.below(10)) {
            let agent = AGENTS[self.rng.below(5) as usize];
            let worker = self.handoff(root, "orchestrator", agent);
            let words = 40 + self.rng.below(120);
            let output = self.rng.text(words);
            self.chat(worker, agent, output);
            if self.rng.below(2) == 0 {
                let tool = TOOLS[self.rng.below(4) as usize];
                let args = json!({"q": self.rng.text(3), "page": self.rng.below(3)}).to_string();
                let failed = self.rng.below(10) == 0;
                self.tool(worker, tool, args, failed);
            }
        }
    }

    /// A worker that answers the same and calls the same tool, `rounds` times.
    fn looping(&mut self, root: u64, rounds: u64) {
        let agent = AGENTS[self.rng.below(5) as usize];
        let tool = TOOLS[self.rng.below(4) as usize];
        let worker = self.handoff(root, "orchestrator", agent);
        let output = self.rng.text(60);
        let args = json!({"q": self.rng.text(3), "page": 1}).to_string();
        for _ in 0..rounds {
            self.chat(worker, agent, output.clone());
            self.tool(worker, tool, args.clone(), false);
        }
    }

    /// Two agents handing the task back and forth, `rounds` times.
    fn cycle(&mut self, root: u64, rounds: u64) {
        let (a, b) = ("researcher", "writer");
        for round in 0..rounds {
            let (from, to) = if round % 2 == 0 { (a, b) } else { (b, a) };
            let worker = self.handoff(root, from, to);
            let words = 20 + self.rng.below(40);
            let output = self.rng.text(words);
            self.chat(worker, to, output);
        }
    }

    /// A planner revising one plan, a word at a time, for a critic that
    /// always asks for another revision; the run is stopped by its turn cap.
    fn starvation(&mut self, root: u64, rounds: u64) {
        let planner = self.handoff(root, "orchestrator", "planner");
        let mut plan: Vec<String> = self.rng.text(80).split(' ').map(String::from).collect();
        for _ in 0..rounds {
            let at = self.rng.below(plan.len() as u64) as usize;
            plan[at] = WORDS[self.rng.below(16) as usize].to_string();
            self.chat(planner, "planner", plan.join(" "));
            let critic = self.handoff(root, "planner", "critic");
            self.chat(
                critic,
                "critic",
                "Needs revision: the order of steps is unclear.".into(),
            );
        }
    }
}

/// Spans of trace number `n`, its id (32 hex digits) and shape.
fn trace(rng: &mut Rng, n: u64) -> (String, Shape, Vec<SpanSpec>) {
    let trace_id = format!("{:016x}{:016x}", n, rng.next());
    let long = n % LONG_TRACE_EVERY == LONG_TRACE_EVERY / 2 - 1;
    let shape = if long {
        [Shape::Loop, Shape::Cycle][(n / LONG_TRACE_EVERY % 2) as usize]
    } else {
        Shape::of(rng)
    };
    let mut builder = TraceBuilder {
        rng,
        clock: 1_795_000_000_000_000_000u64 + n * 1_000_000_000,
        spans: Vec::new(),
    };
    let root = builder.span(None, What::Agent("orchestrator"), None);
    // A round of a loop is 2 spans, of a cycle 3.
    let long_spans = |builder: &mut TraceBuilder, n: u64| -> u64 {
        if n / LONG_TRACE_EVERY == 1 {
            return 100_000;
        }
        let exponent = 3.0 + 2.0 * (builder.rng.below(1 << 20) as f64 / (1u64 << 20) as f64);
        10f64.powf(exponent) as u64
    };
    match shape {
        Shape::Healthy => builder.healthy(root),
        Shape::Loop if long => {
            let spans = long_spans(&mut builder, n);
            builder.looping(root, (spans - 3) / 2)
        }
        Shape::Cycle if long => {
            let spans = long_spans(&mut builder, n);
            builder.cycle(root, (spans - 1) / 3)
        }
        Shape::Loop => {
            let rounds = 4 + builder.rng.below(9);
            builder.looping(root, rounds)
        }
        Shape::Cycle => {
            let rounds = 6 + builder.rng.below(10);
            builder.cycle(root, rounds)
        }
        Shape::Starvation => {
            let rounds = 4 + builder.rng.below(6);
            builder.starvation(root, rounds);
            builder.spans[0].error = Some("Max turns (12) exceeded".into());
        }
    }
    let spans = builder.spans;
    (trace_id, shape, spans)
}

fn otlp_attr(key: &str, value: Value) -> Value {
    let value = match value {
        Value::Number(n) => json!({"intValue": n.to_string()}),
        Value::String(s) => json!({"stringValue": s}),
        other => other,
    };
    json!({"key": key, "value": value})
}

/// The trace as OTLP/JSON lines (GenAI semantic conventions).
fn write_otlp(out: &mut impl Write, trace_id: &str, spans: &[SpanSpec]) -> io::Result<u64> {
    let mut written = 0;
    for batch in spans.chunks(OTLP_BATCH_SPANS) {
        let spans: Vec<Value> = batch.iter().map(|s| otlp_span(trace_id, s)).collect();
        let line = json!({"resourceSpans": [{
            "resource": {"attributes": [otlp_attr("service.name", "bench".into())]},
            "scopeSpans": [{"scope": {"name": "bench"}, "spans": spans}],
        }]})
        .to_string();
        out.write_all(line.as_bytes())?;
        out.write_all(b"\n")?;
        written += line.len() as u64 + 1;
    }
    Ok(written)
}

fn otlp_span(trace_id: &str, span: &SpanSpec) -> Value {
    let (name, attrs) = match &span.what {
        What::Agent(agent) => (
            format!("invoke_agent {agent}"),
            vec![
                otlp_attr("gen_ai.operation.name", "invoke_agent".into()),
                otlp_attr("gen_ai.agent.name", (*agent).into()),
            ],
        ),
        What::Chat {
            agent,
            input_tokens,
            output_tokens,
            output,
        } => {
            let messages =
                json!([{"role": "assistant", "parts": [{"type": "text", "content": output}]}]);
            (
                "chat gpt-4o".to_string(),
                vec![
                    otlp_attr("gen_ai.operation.name", "chat".into()),
                    otlp_attr("gen_ai.agent.name", (*agent).into()),
                    otlp_attr("gen_ai.request.model", "gpt-4o".into()),
                    otlp_attr("gen_ai.usage.input_tokens", (*input_tokens).into()),
                    otlp_attr("gen_ai.usage.output_tokens", (*output_tokens).into()),
                    otlp_attr("gen_ai.output.messages", messages.to_string().into()),
                ],
            )
        }
        What::Tool { name, args, result } => (
            format!("execute_tool {name}"),
            vec![
                otlp_attr("gen_ai.operation.name", "execute_tool".into()),
                otlp_attr("gen_ai.tool.name", (*name).into()),
                otlp_attr("gen_ai.tool.call.arguments", args.as_str().into()),
                otlp_attr("gen_ai.tool.call.result", result.as_str().into()),
            ],
        ),
        What::Handoff { from, to } => (
            format!("agent_handoff {to}"),
            vec![
                otlp_attr("gen_ai.operation.name", "agent_handoff".into()),
                otlp_attr("gen_ai.handoff.from_agent", (*from).into()),
                otlp_attr("gen_ai.handoff.to_agent", (*to).into()),
            ],
        ),
    };
    let status = match &span.error {
        Some(message) => json!({"code": 2, "message": message}),
        None => json!({"code": 1}),
    };
    json!({
        "traceId": trace_id,
        "spanId": format!("{:016x}", span.id),
        "parentSpanId": span.parent.map(|p| format!("{p:016x}")).unwrap_or_default(),
        "name": name, "kind": 1,
        "startTimeUnixNano": span.start_ns.to_string(),
        "endTimeUnixNano": span.end_ns.to_string(),
        "attributes": attrs, "status": status,
    })
}

/// The trace as the OpenAI Agents SDK's TracingProcessor writes it.
fn write_openai_agents(
    out: &mut impl Write,
    trace_id: &str,
    spans: &[SpanSpec],
) -> io::Result<u64> {
    let trace_id = format!("trace_{trace_id}");
    let mut lines = vec![
        json!({"object": "trace", "id": trace_id, "workflow_name": "bench", "group_id": null}),
    ];
    for span in spans {
        let span_data = match &span.what {
            What::Agent(agent) => {
                json!({"type": "agent", "name": agent, "handoffs": [], "tools": [], "output_type": "str"})
            }
            What::Chat {
                input_tokens,
                output_tokens,
                output,
                ..
            } => json!({
                "type": "generation", "model": "gpt-4o", "model_config": null,
                "input": [{"role": "user", "content": "continue"}],
                "output": [{"type": "message", "role": "assistant",
                            "content": [{"type": "output_text", "text": output}]}],
                "usage": {"input_tokens": input_tokens, "output_tokens": output_tokens},
            }),
            What::Tool { name, args, result } => {
                json!({"type": "function", "name": name, "input": args, "output": result})
            }
            What::Handoff { from, to } => {
                json!({"type": "handoff", "from_agent": from, "to_agent": to})
            }
        };
        let error = match &span.error {
            Some(message) => json!({"message": message, "data": null}),
            None => Value::Null,
        };
        lines.push(json!({
            "object": "trace.span", "id": format!("span_{:024x}", span.id), "trace_id": trace_id,
            "parent_id": span.parent.map(|p| format!("span_{p:024x}")),
            "started_at": iso_time(span.start_ns), "ended_at": iso_time(span.end_ns),
            "span_data": span_data, "error": error,
        }));
    }
    let mut written = 0;
    for line in lines {
        let line = line.to_string();
        out.write_all(line.as_bytes())?;
        out.write_all(b"\n")?;
        written += line.len() as u64 + 1;
    }
    Ok(written)
}

/// Nanoseconds since the epoch as the SDK writes times:
/// `2026-11-23T00:48:17.654835+00:00` (civil date by Howard Hinnant's
/// days-from-civil inverse).
fn iso_time(ns: u64) -> String {
    let secs = ns / 1_000_000_000;
    let micros = ns % 1_000_000_000 / 1_000;
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{micros:06}+00:00",
        rem / 3_600,
        rem % 3_600 / 60,
        rem % 60
    )
}

/// The size a bench run asks for in the environment variable `var` (a whole
/// number of the bench's unit), or `default`.
pub fn size_from_env(var: &str, default: u64) -> u64 {
    std::env::var(var)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The corpus of at least `bytes` bytes in `target/bench-corpus/`, written
/// unless a complete one of this generator is already there.
pub fn corpus(bytes: u64) -> io::Result<Corpus> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("target/bench-corpus")
        .join(format!("mixed-{}mib", bytes >> 20));
    let manifest = dir.join("MANIFEST");
    let stamp = format!("generator {GENERATOR_VERSION}, {bytes} bytes asked");
    let mut corpus = Corpus {
        dir: dir.clone(),
        ..Corpus::default()
    };
    if std::fs::read_to_string(&manifest).is_ok_and(|m| m.starts_with(&stamp)) {
        let text = std::fs::read_to_string(&manifest)?;
        let numbers: Vec<u64> = text
            .lines()
            .nth(1)
            .unwrap_or_default()
            .split(' ')
            .filter_map(|n| n.parse().ok())
            .collect();
        if let [bytes, traces, spans, longest, a, b, c, d] = numbers[..] {
            corpus.bytes = bytes;
            corpus.traces = traces;
            corpus.spans = spans;
            corpus.longest_trace = longest;
            corpus.shapes = [a, b, c, d];
            return Ok(corpus);
        }
    }
    std::fs::create_dir_all(&dir)?;
    let [otlp_path, agents_path] = corpus.files();
    let mut otlp = BufWriter::with_capacity(1 << 20, File::create(otlp_path)?);
    let mut agents = BufWriter::with_capacity(1 << 20, File::create(agents_path)?);
    let mut rng = Rng(0x7EAC_E11A_5EED_0002);
    while corpus.bytes < bytes {
        let n = corpus.traces;
        let (trace_id, shape, spans) = trace(&mut rng, n);
        corpus.bytes += if n % 5 == 4 {
            write_openai_agents(&mut agents, &trace_id, &spans)?
        } else {
            write_otlp(&mut otlp, &trace_id, &spans)?
        };
        corpus.traces += 1;
        corpus.spans += spans.len() as u64;
        corpus.longest_trace = corpus.longest_trace.max(spans.len() as u64);
        corpus.shapes[Shape::ALL.iter().position(|s| *s == shape).unwrap()] += 1;
    }
    otlp.flush()?;
    agents.flush()?;
    let [a, b, c, d] = corpus.shapes;
    std::fs::write(
        &manifest,
        format!(
            "{stamp}\n{} {} {} {} {a} {b} {c} {d}\n(bytes traces spans longest healthy loop cycle starvation)\n",
            corpus.bytes, corpus.traces, corpus.spans, corpus.longest_trace
        ),
    )?;
    eprintln!(
        "wrote {} traces, {} spans, {} bytes to {}",
        corpus.traces,
        corpus.spans,
        corpus.bytes,
        dir.display()
    );
    Ok(corpus)
}
