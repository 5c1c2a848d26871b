//! `tracelint check`: ingest, detect, gate. The exit code is the verdict.

use anyhow::Result;
use clap::{Args, ValueEnum};

use super::exit;
use super::inputs::InputArgs;
use crate::detect::{registry, run_detectors, DetectOptions, Gate};
use crate::report::{self, CheckOutcome};
use crate::summary::RunSummary;

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum CheckFormat {
    Table,
    Json,
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
}

pub fn run(args: CheckArgs) -> Result<u8> {
    let store = args.input.load()?;
    let index = store.trace_index()?;
    let detectors = registry();
    let findings = run_detectors(&store.events, &index, &detectors, &DetectOptions::default())?;
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
