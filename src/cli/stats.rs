//! `tracelint stats`: per-trace and per-agent tables.

use anyhow::Result;
use clap::{Args, ValueEnum};

use super::exit;
use super::inputs::{no_traces, InputArgs};
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

    /// Which table CSV output holds (CSV has room for one).
    #[arg(long, value_enum, default_value_t = StatsTable::Traces)]
    pub table: StatsTable,
}

pub fn run(args: StatsArgs) -> Result<u8> {
    let (store, read) = args.input.load()?;
    let stats = summary::compute(&store)?;
    let out = match args.output_format {
        StatsFormat::Json => report::json::stats(&stats)?,
        StatsFormat::Table => inert::for_terminal(&report::table::stats(&stats)).into_owned(),
        StatsFormat::Csv => match args.table {
            StatsTable::Traces => report::csv::traces(&stats.traces)?,
            StatsTable::Agents => report::csv::agents(&stats.agents)?,
            StatsTable::Handoffs => report::csv::handoff_edges(&stats.handoff_edges)?,
            StatsTable::Tools => report::csv::tool_calls(&stats.tool_calls)?,
        },
    };
    super::print_out(&out)?;
    if store.events.height() == 0 {
        eprintln!("tracelint: error: {}", no_traces(&read));
        return Ok(exit::ERROR);
    }
    Ok(if args.input.strict_failure(&store.ingest) {
        exit::ERROR
    } else {
        exit::CLEAN
    })
}
