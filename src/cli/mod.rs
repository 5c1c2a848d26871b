//! The command line: one file per subcommand. `run` maps every outcome to
//! the exit-code contract: 0 nothing gating, 1 gating findings, 2 error
//! (bad usage, unreadable input, zero traces, skipped records under
//! `--strict`).
//!
//! The top: commands wire `pipeline`, `detect` and `report` together;
//! nothing else imports `cli`.

mod blame;
mod check;
mod detection;
mod eval;
mod ingest;
mod inputs;
mod report;
mod rules;
mod serve;
mod stats;
mod watch;
mod worker;

use clap::{Parser, Subcommand};
use std::path::Path;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "tracelint",
    version,
    about = "Finds why LLM multi-agent systems fail, from the traces they leave",
    long_about = "tracelint reads agent trace exports (OTLP/JSON and other OpenTelemetry span dumps), \
keeps them as a columnar store, and flags the failure modes of the MAST taxonomy and the gaps \
of a production-readiness checklist.\n\nExit codes: 0 nothing gating, 1 gating findings, 2 error."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,

    /// Print on stderr, at the end, where the run's wall time went phase by
    /// phase (reading and parsing, assembling traces, the store frame, the
    /// detectors, the output).
    #[arg(long, global = true)]
    timings: bool,
}

#[derive(Subcommand)]
enum Command {
    /// Ingest traces, run the detectors and gate on their findings.
    Check(Box<check::CheckArgs>),
    /// Ingest traces into a Parquet store that other commands read with --store.
    Ingest(ingest::IngestArgs),
    /// Per-trace and per-agent tables: events, calls, handoffs, tokens, cost, duration.
    Stats(stats::StatsArgs),
    /// List the detectors, print one's documentation, or print the taxonomy.
    Rules(rules::RulesArgs),
    /// Write a report folder: index.html, summary.md, findings and events
    /// as JSON, Parquet and CSV, and charts.
    Report(Box<report::ReportArgs>),
    /// For each failed trace, the agent and step where the failure began.
    Blame(Box<blame::BlameArgs>),
    /// Measure the detectors and blame against human labels (TRAIL,
    /// Who&When, MAST) and the planted fixtures.
    Eval(Box<eval::EvalArgs>),
    /// Receive OTLP/HTTP and judge traces as their spans arrive: verdicts
    /// to poll, a webhook and a command on a trip, /metrics.
    Serve(Box<serve::ServeArgs>),
    /// Run an agent program with its OTel exporter pointed at an embedded
    /// receiver, print findings as they appear, and stop it on a trip
    /// (exit 1); or follow a growing export with --follow.
    Watch(Box<watch::WatchArgs>),
    /// The steps of a run spread over many machines (Spark, Ray, Dask):
    /// read files to pending events, check a partition of whole traces,
    /// gather the partitions' findings into one report.
    Worker(worker::WorkerArgs),
}

/// Writes machine or human output to stdout. A reader that went away
/// (`| head`) is not an error: the output is simply no longer wanted.
pub fn print_out(text: &str) -> anyhow::Result<()> {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|_| stdout.flush())
    {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}

/// Where CI outputs name trace files from: the nearest directory upward of
/// the working directory holding `.git` (a repository's root, or a
/// worktree's); none outside a repository.
fn source_root() -> anyhow::Result<crate::report::SourceRoot> {
    let cwd = std::env::current_dir()?;
    let dir = cwd
        .ancestors()
        .find(|d| d.join(".git").exists())
        .map(Path::to_path_buf);
    Ok(crate::report::SourceRoot { dir, cwd })
}

/// Exit codes of the contract.
pub mod exit {
    pub const CLEAN: u8 = 0;
    pub const GATING_FINDINGS: u8 = 1;
    pub const ERROR: u8 = 2;
}

pub fn run() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            let code = if error.use_stderr() {
                exit::ERROR
            } else {
                exit::CLEAN
            };
            let _ = error.print();
            return ExitCode::from(code);
        }
    };
    crate::cleanup::on_interrupt_remove_registered();
    let started = std::time::Instant::now();
    if cli.timings {
        crate::timings::enable();
    }
    let outcome = match cli.command {
        Command::Check(args) => check::run(*args),
        Command::Ingest(args) => ingest::run(args),
        Command::Stats(args) => stats::run(args),
        Command::Rules(args) => rules::run(args),
        Command::Report(args) => report::run(*args),
        Command::Blame(args) => blame::run(*args),
        Command::Eval(args) => eval::run(*args),
        Command::Serve(args) => serve::run(*args),
        Command::Watch(args) => watch::run(*args),
        Command::Worker(args) => worker::run(args),
    };
    if let Some(timings) = crate::timings::summary(started.elapsed()) {
        eprint!("{timings}");
    }
    match outcome {
        Ok(code) => ExitCode::from(code),
        Err(error) => {
            let message = format!("{error:#}");
            eprintln!("tracelint: error: {}", crate::inert::for_terminal(&message));
            ExitCode::from(exit::ERROR)
        }
    }
}
