//! `tracelint stats`: per-trace and per-agent tables.

use anyhow::Result;
use clap::{Args, ValueEnum};

use super::exit;
use super::inputs::InputArgs;
use crate::inert;
use crate::report;
use crate::summary;

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum StatsFormat {
    Table,
    Json,
    Csv,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum StatsTable {
    Traces,
    Agents,
    Handoffs,
    Tools,
}

#[derive(Args, Debug)]
pub struct StatsArgs {
    #[command(flatten)]
    pub input: InputArgs,

    #[arg(long, value_enum, default_value_t = StatsFormat::Table)]
    pub output_format: StatsFormat,

    /// Show this table alone, in any output format (JSON: the summary and
    /// that table's key). Without it: every table, and CSV the traces
    /// (CSV has room for one).
    #[arg(long, value_enum)]
    pub table: Option<StatsTable>,
}

impl From<StatsTable> for report::StatsTable {
    fn from(table: StatsTable) -> Self {
        match table {
            StatsTable::Traces => report::StatsTable::Traces,
            StatsTable::Agents => report::StatsTable::Agents,
            StatsTable::Handoffs => report::StatsTable::Handoffs,
            StatsTable::Tools => report::StatsTable::Tools,
        }
    }
}

pub fn run(args: StatsArgs) -> Result<u8> {
    let (store, read) = args.input.load()?;
    let stats = summary::compute(&store)?;
    let only = args.table.map(report::StatsTable::from);
    let out = match args.output_format {
        StatsFormat::Json => report::json::stats(&stats, only)?,
        StatsFormat::Table => inert::for_terminal(&report::table::stats(&stats, only)).into_owned(),
        StatsFormat::Csv => match args.table.unwrap_or(StatsTable::Traces) {
            StatsTable::Traces => report::csv::traces(&stats.traces)?,
            StatsTable::Agents => report::csv::agents(&stats.agents)?,
            StatsTable::Handoffs => report::csv::handoff_edges(&stats.handoff_edges)?,
            StatsTable::Tools => report::csv::tool_calls(&stats.tool_calls)?,
        },
    };
    super::print_out(&out)?;
    if store.events.height() == 0 {
        eprintln!("tracelint: error: {}", args.input.no_traces(&read));
        return Ok(exit::ERROR);
    }
    Ok(if args.input.strict_failure(&store.ingest) {
        exit::ERROR
    } else {
        exit::CLEAN
    })
}
