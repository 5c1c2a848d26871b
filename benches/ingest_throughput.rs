//! Ingest throughput against the JSON-parsing limit, measured in one run.
//!
//! A deterministic generator writes an OTLP/JSON Lines corpus (default
//! 1 GiB; `TRACELINT_BENCH_MIB` sets the size) of multi-agent traces in the
//! GenAI dialect. Then, on the same file:
//! - parse-only: every line, read by ingest's own block reader, parsed by
//!   serde_json into nothing (`IgnoredAny`), lines in parallel with rayon:
//!   the floor any JSON ingest pays;
//! - ingest: `tracelint ingest FILE -o STORE`, and check: `tracelint check
//!   FILE` end to end, each a child process whose own peak RSS wait4 returns.
//!
//! Reported as MB/s and as throughput relative to parse-only, so the figure
//! survives a noisy machine. Run: `cargo bench --bench ingest_throughput`.

use rayon::prelude::*;
use serde::de::IgnoredAny;
use std::fs::File;
use std::io::{BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;
use tracelint::ingest::source::{BlockItem, LineBlocks};

const AGENTS: [&str; 5] = ["planner", "researcher", "coder", "critic", "writer"];
const TOOLS: [&str; 4] = ["web_search", "read_file", "run_tests", "sql_query"];
const WORDS: [&str; 16] = [
    "the", "plan", "agent", "result", "check", "revenue", "report", "draft", "tests", "failed",
    "passed", "search", "page", "summary", "next", "step",
];

/// xorshift64*: small, fast, and the same sequence everywhere.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn text(&mut self, words: u64) -> String {
        (0..words)
            .map(|_| WORDS[self.below(16) as usize])
            .collect::<Vec<_>>()
            .join(" ")
    }
}

fn attr(key: &str, value: serde_json::Value) -> serde_json::Value {
    let value = match value {
        serde_json::Value::Number(n) => serde_json::json!({"intValue": n.to_string()}),
        serde_json::Value::String(s) => serde_json::json!({"stringValue": s}),
        other => other,
    };
    serde_json::json!({"key": key, "value": value})
}

/// One TracesData line: a trace of an orchestrator and workers, 10-40 spans.
fn trace_line(rng: &mut Rng, trace_no: u64) -> String {
    let trace_id = format!("{:016x}{:016x}", trace_no, rng.next());
    let mut spans = Vec::new();
    let mut clock = 1_795_000_000_000_000_000u64 + trace_no * 1_000_000_000;
    let mut span =
        |name: String, parent: &str, attrs: Vec<serde_json::Value>, error: bool, rng: &mut Rng| {
            let id = format!("{:016x}", rng.next());
            let start = clock;
            clock += 1_000_000 + rng.below(50_000_000);
            spans.push(serde_json::json!({
                "traceId": trace_id, "spanId": id, "parentSpanId": parent, "name": name, "kind": 1,
                "startTimeUnixNano": start.to_string(), "endTimeUnixNano": clock.to_string(),
                "attributes": attrs, "status": {"code": if error { 2 } else { 1 }},
            }));
            id
        };
    let root = span(
        "invoke_agent orchestrator".into(),
        "",
        vec![
            attr("gen_ai.operation.name", "invoke_agent".into()),
            attr("gen_ai.agent.name", "orchestrator".into()),
        ],
        false,
        rng,
    );
    for _ in 0..(3 + rng.below(10)) {
        let agent = AGENTS[rng.below(5) as usize];
        span(
            "agent_handoff OpenAI Agent".into(),
            &root,
            vec![
                attr("gen_ai.operation.name", "agent_handoff".into()),
                attr("gen_ai.handoff.from_agent", "orchestrator".into()),
                attr("gen_ai.handoff.to_agent", agent.into()),
            ],
            false,
            rng,
        );
        let worker = span(
            format!("invoke_agent {agent}"),
            &root,
            vec![
                attr("gen_ai.operation.name", "invoke_agent".into()),
                attr("gen_ai.agent.name", agent.into()),
            ],
            false,
            rng,
        );
        let words = 40 + rng.below(120);
        let output = rng.text(words);
        span("chat gpt-4o".into(), &worker, vec![
            attr("gen_ai.operation.name", "chat".into()),
            attr("gen_ai.agent.name", "OpenAI Agent".into()),
            attr("gen_ai.request.model", "gpt-4o".into()),
            attr("gen_ai.usage.input_tokens", (500 + rng.below(4000)).into()),
            attr("gen_ai.usage.output_tokens", (20 + rng.below(400)).into()),
            attr("gen_ai.output.messages", serde_json::json!([{"role": "assistant", "parts": [{"type": "text", "content": output}]}]).to_string().into()),
        ], false, rng);
        if rng.below(2) == 0 {
            let tool = TOOLS[rng.below(4) as usize];
            let args = serde_json::json!({"q": rng.text(3), "page": rng.below(3)}).to_string();
            span(
                format!("execute_tool {tool}"),
                &worker,
                vec![
                    attr("gen_ai.operation.name", "execute_tool".into()),
                    attr("gen_ai.tool.name", tool.into()),
                    attr("gen_ai.tool.call.arguments", args.into()),
                    attr("gen_ai.tool.call.result", rng.text(30).into()),
                ],
                rng.below(10) == 0,
                rng,
            );
        }
    }
    serde_json::json!({"resourceSpans": [{
        "resource": {"attributes": [attr("service.name", "bench".into())]},
        "scopeSpans": [{"scope": {"name": "bench"}, "spans": spans}],
    }]})
    .to_string()
}

fn corpus(bytes: u64) -> std::io::Result<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-corpus");
    std::fs::create_dir_all(&dir)?;
    let path = dir.join(format!("otlp-{}mib.jsonl", bytes >> 20));
    if path.exists() && std::fs::metadata(&path)?.len() >= bytes {
        return Ok(path);
    }
    let mut out = BufWriter::new(File::create(&path)?);
    let mut rng = Rng(0x7EAC_E11A_5EED_0001);
    let (mut written, mut n) = (0u64, 0u64);
    while written < bytes {
        let line = trace_line(&mut rng, n);
        out.write_all(line.as_bytes())?;
        out.write_all(b"\n")?;
        written += line.len() as u64 + 1;
        n += 1;
    }
    out.flush()?;
    eprintln!(
        "wrote {} traces, {} bytes to {}",
        n,
        written,
        path.display()
    );
    Ok(path)
}

/// Parses every line into nothing. Lines come from the block reader ingest
/// uses (`LineBlocks`), the lines of each block in parallel, so the two
/// passes differ only in what is done with a line.
fn parse_only(path: &Path) -> std::io::Result<u64> {
    let reader = BufReader::with_capacity(1 << 16, File::open(path)?);
    let mut blocks = LineBlocks::new(reader, Vec::new(), usize::MAX);
    let mut lines = 0u64;
    while let Some(item) = blocks.next_item()? {
        let BlockItem::Block(block) = item else {
            unreachable!("no line is longer than usize::MAX bytes");
        };
        let block_lines = block.lines();
        let parsed = block_lines
            .par_iter()
            .filter(|(_, line)| serde_json::from_slice::<IgnoredAny>(line).is_ok())
            .count();
        assert_eq!(
            parsed,
            block_lines.len(),
            "the generated corpus is valid JSON"
        );
        lines += parsed as u64;
    }
    Ok(lines)
}

/// Runs `tracelint ARGS` with stdout discarded; its wall time and its own
/// peak RSS (wait4 reaps exactly this child and returns its rusage).
fn run_measured(args: &[&str]) -> std::io::Result<(f64, f64)> {
    let started = Instant::now();
    let child = Command::new(env!("CARGO_BIN_EXE_tracelint"))
        .args(args)
        .stdout(std::process::Stdio::null())
        .spawn()?;
    let mut status = 0;
    // SAFETY: rusage is plain data that wait4 fills in.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: waits for the child just spawned, whose pid is valid.
    let reaped = unsafe { libc::wait4(child.id() as i32, &mut status, 0, &mut usage) };
    let seconds = started.elapsed().as_secs_f64();
    assert!(reaped > 0, "wait4 failed");
    assert!(
        libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
        "tracelint {args:?} failed: status {status}"
    );
    Ok((seconds, usage.ru_maxrss as f64 / 1024.0))
}

fn main() -> std::io::Result<()> {
    let mib: u64 = std::env::var("TRACELINT_BENCH_MIB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1024);
    let path = corpus(mib << 20)?;
    let size = std::fs::metadata(&path)?.len() as f64;
    let mb = size / 1e6;

    let started = Instant::now();
    let lines = parse_only(&path)?;
    let parse_s = started.elapsed().as_secs_f64();

    let store = path.with_extension("parquet");
    let file = path.to_str().unwrap();
    let (ingest_s, ingest_rss) =
        run_measured(&["ingest", file, "-o", store.to_str().unwrap(), "--quiet"])?;
    let (check_s, check_rss) = run_measured(&[
        "check",
        file,
        "--exit-zero",
        "--output-format",
        "json",
        "--quiet",
    ])?;

    println!("corpus: {} ({mb:.0} MB, {lines} lines)", path.display());
    println!("| pass | seconds | MB/s | × parse-only throughput | peak RSS MiB | RSS / input |");
    println!("|---|---:|---:|---:|---:|---:|");
    println!(
        "| parse-only (serde_json, IgnoredAny, rayon) | {parse_s:.2} | {:.0} | 1.00 | – | – |",
        mb / parse_s
    );
    for (pass, seconds, rss) in [
        ("tracelint ingest (to Parquet)", ingest_s, ingest_rss),
        ("tracelint check (end to end, JSON out)", check_s, check_rss),
    ] {
        println!(
            "| {pass} | {seconds:.2} | {:.0} | {:.3} | {rss:.0} | {:.2} |",
            mb / seconds,
            parse_s / seconds,
            rss * 1048576.0 / size
        );
    }
    Ok(())
}
