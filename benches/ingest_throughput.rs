//! Ingest throughput against the JSON-parsing limit, measured in one run.
//!
//! A deterministic generator (`common/corpus.rs`) writes a corpus (default
//! 1 GiB; `TRACELINT_BENCH_MIB` sets the size) of multi-agent traces, healthy
//! and with planted loops, cycles and starvation, as OTLP/JSON Lines and as
//! the OpenAI Agents SDK's native export. Then, on the same files:
//! - parse-only: every line, read by ingest's own block reader, parsed by
//!   serde_json into nothing (`IgnoredAny`), lines in parallel with rayon:
//!   the floor any JSON ingest pays (best of three passes, page cache warm);
//! - ingest: `tracelint ingest FILE -o STORE`, and check: `tracelint check
//!   FILE` end to end, each a child process whose own peak RSS wait4 returns,
//!   also best of three (the largest peak RSS of the three is reported);
//!   the phases of the fastest check (`--timings`).
//!
//! Reported as MB/s and as throughput relative to parse-only, so the figure
//! survives a noisy machine. Run: `cargo bench --bench ingest_throughput`.

#[path = "common/corpus.rs"]
mod corpus;
#[path = "common/measure.rs"]
mod measure;

use rayon::prelude::*;
use serde::de::IgnoredAny;
use std::fs::File;
use std::io::BufReader;
use std::path::Path;
use std::process::Stdio;
use std::time::Instant;
use tracelint::ingest::framing::{BlockItem, LineBlocks};

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

/// Runs of each pass; the fastest is its time.
const RUNS: usize = 3;

/// A pass run several times: every run's wall time, and the largest peak
/// RSS of the runs.
struct Repeated {
    seconds: Vec<f64>,
    max_rss_mib: f64,
}

impl Repeated {
    /// The fastest run's wall time: the pass's time.
    fn best_seconds(&self) -> f64 {
        self.seconds[self.best_run()]
    }

    /// Which run was the fastest.
    fn best_run(&self) -> usize {
        (0..self.seconds.len())
            .min_by(|&a, &b| self.seconds[a].total_cmp(&self.seconds[b]))
            .expect("a pass runs at least once")
    }

    /// The wall times, as a table cell.
    fn all_seconds(&self) -> String {
        let times: Vec<String> = self.seconds.iter().map(|s| format!("{s:.3}")).collect();
        times.join(" / ")
    }
}

/// Runs `pass` (which returns wall time and peak RSS) `runs` times. The
/// fastest is the pass's time, as for parse-only: on these shared machines
/// one run in a few is slowed several-fold by the host (system time from
/// 0.01 s to over 1 s for the same `check` of 100 MiB), and a single run
/// would measure that.
fn repeated(
    runs: usize,
    mut pass: impl FnMut() -> std::io::Result<(f64, f64)>,
) -> std::io::Result<Repeated> {
    let mut measured = Repeated {
        seconds: Vec::with_capacity(runs),
        max_rss_mib: 0.0,
    };
    for _ in 0..runs {
        let (seconds, rss_mib) = pass()?;
        measured.seconds.push(seconds);
        measured.max_rss_mib = measured.max_rss_mib.max(rss_mib);
    }
    Ok(measured)
}

fn main() -> std::io::Result<()> {
    let mib = corpus::size_from_env("TRACELINT_BENCH_MIB", 1024);
    let corpus = corpus::corpus(mib << 20)?;
    let size = corpus.bytes as f64;
    let mb = size / 1e6;

    // Best of three for every pass. Parse-only's first pass also brings
    // the files into the page cache, which the passes after it (and
    // tracelint's) then read from.
    let mut lines = 0;
    let parse = repeated(RUNS, || {
        let started = Instant::now();
        lines = 0;
        for file in corpus.files() {
            lines += parse_only(&file)?;
        }
        Ok((started.elapsed().as_secs_f64(), 0.0))
    })?;
    let parse_s = parse.best_seconds();

    let dir = corpus.dir.to_str().unwrap();
    let store = corpus.dir.with_extension("parquet");
    let out = corpus.dir.with_extension("out");
    let ingest = repeated(RUNS, || {
        measure::run_measured(
            &["ingest", dir, "-o", store.to_str().unwrap(), "--quiet"],
            &out,
            Stdio::inherit(),
        )
    })?;
    let findings = corpus.dir.with_extension("findings.jsonl");
    // The phases of each check run, to print those of the fastest.
    let mut check_timings = Vec::with_capacity(RUNS);
    let check = repeated(RUNS, || {
        let run = measure::check(&corpus.dir, &findings)?;
        check_timings.push(run.timings);
        Ok((run.seconds, run.rss_mib))
    })?;

    corpus.print_summary();
    println!(
        "| pass | seconds, best of {RUNS} | each run | MB/s | × parse-only throughput | peak RSS MiB (largest) | RSS / input |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|");
    println!(
        "| parse-only (serde_json, IgnoredAny, rayon; {lines} lines) | {parse_s:.3} | {} | {:.0} | 1.00 | – | – |",
        parse.all_seconds(),
        mb / parse_s
    );
    for (pass, measured) in [
        ("tracelint ingest (to Parquet)", &ingest),
        ("tracelint check (end to end, JSON out)", &check),
    ] {
        let seconds = measured.best_seconds();
        println!(
            "| {pass} | {seconds:.3} | {} | {:.0} | {:.3} | {:.0} | {:.2} |",
            measured.all_seconds(),
            mb / seconds,
            parse_s / seconds,
            measured.max_rss_mib,
            measured.max_rss_mib * 1048576.0 / size
        );
    }
    println!();
    println!(
        "phases of the fastest check run:\n```\n{}```",
        check_timings[check.best_run()]
    );
    measure::print_traces_per_detector(&findings)
}
