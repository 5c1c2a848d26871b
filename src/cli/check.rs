//! `tracelint check`: ingest, detect, gate. The exit code is the verdict.

use anyhow::Result;
use clap::{Args, ValueEnum};

use super::exit;
use super::inputs::InputArgs;
use crate::config::Config;
use crate::detect::{registry, run_detectors, DetectOptions, Gate};
use crate::report::{self, CheckOutcome};
use crate::summary::RunSummary;
use std::path::PathBuf;

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum CheckFormat {
    Table,
    Json,
    /// One finding per line.
    Jsonl,
}

#[derive(Args, Debug)]
pub struct CheckArgs {
    #[command(flatten)]
    pub input: InputArgs,

    #[arg(long, value_enum, default_value_t = CheckFormat::Table)]
    pub output_format: CheckFormat,

    /// Exit 0 even when findings fail the gate (errors still exit 2).
    #[arg(long)]
    pub exit_zero: bool,

    /// Token budget per trace (budget-exceeded); off by default.
    #[arg(long, value_name = "TOKENS")]
    pub budget_tokens: Option<i64>,

    /// Cost budget per trace in USD (budget-exceeded); off by default.
    #[arg(long, value_name = "USD")]
    pub budget_usd: Option<f64>,

    /// Wall-clock limit per trace in seconds (duration-exceeded); off by default.
    #[arg(long, value_name = "SECONDS")]
    pub max_duration: Option<f64>,

    /// Configuration file; by default the nearest tracelint.toml upward
    /// from the working directory.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

impl CheckArgs {
    /// Detector options: tracelint.toml, then the flags over it.
    fn detect_options(&self) -> Result<DetectOptions> {
        let (config, _) = Config::load(self.config.as_deref())?;
        let mut options = config.detectors;
        if let Some(tokens) = self.budget_tokens {
            options.budget.max_tokens = Some(tokens);
        }
        if let Some(usd) = self.budget_usd {
            options.budget.max_usd = Some(usd);
        }
        if let Some(seconds) = self.max_duration {
            options.duration.max_seconds = Some(seconds);
        }
        Ok(options)
    }
}

pub fn run(args: CheckArgs) -> Result<u8> {
    let options = args.detect_options()?;
    let store = args.input.load()?;
    let index = store.trace_index()?;
    let detectors = registry();
    let findings = run_detectors(&store.events, &index, &detectors, &options)?;
    let gate = Gate::default();
    let gating = gate.gating(&findings).len();
    let outcome = CheckOutcome {
        summary: RunSummary::new(&store.ingest, index.traces.len(), store.events.height()),
        detectors: detectors.iter().map(|d| d.name()).collect(),
        gating,
        findings,
    };
    let out = match args.output_format {
        CheckFormat::Table => report::table::check(&outcome),
        CheckFormat::Json => report::json::check(&outcome)?,
        CheckFormat::Jsonl => report::json::findings_lines(&outcome.findings)?,
    };
    print!("{out}");
    if index.traces.is_empty() {
        eprintln!("tracelint: error: no traces were read from the input");
        return Ok(exit::ERROR);
    }
    if args.input.strict_failure(&store) {
        return Ok(exit::ERROR);
    }
    Ok(if gating > 0 && !args.exit_zero {
        exit::GATING_FINDINGS
    } else {
        exit::CLEAN
    })
}
