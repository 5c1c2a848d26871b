//! `tracelint blame`: for each failed trace, the agent and the step where
//! the failure began, and why.

use anyhow::Result;
use clap::{Args, ValueEnum};

use super::detection::{Detection, DetectionArgs};
use super::exit;
use super::inputs::InputArgs;
use crate::detect::blame::blame_all;
use crate::detect::run_detectors;

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum BlameFormat {
    Table,
    Json,
}

#[derive(Args, Debug)]
pub struct BlameArgs {
    #[command(flatten)]
    pub input: InputArgs,

    #[arg(long, value_enum, default_value_t = BlameFormat::Table)]
    pub output_format: BlameFormat,

    /// Every trace is a failed run (as in Who&When): blame each one, even
    /// when nothing in it failed visibly.
    #[arg(long)]
    pub known_failed: bool,

    #[command(flatten)]
    pub detection: DetectionArgs,
}

pub fn run(args: BlameArgs) -> Result<u8> {
    let Detection {
        detectors, options, ..
    } = args.detection.resolve(None, None, false)?;
    let (store, read) = args.input.load()?;
    if store.events.height() == 0 {
        anyhow::bail!("{}", args.input.no_traces(&read));
    }
    let index = store.trace_index()?;
    let findings = run_detectors(&store.events, &index, &detectors, &options)?;
    let blames = blame_all(&store.events, &index, &findings.findings, args.known_failed)?;
    let out = match args.output_format {
        BlameFormat::Json => {
            serde_json::to_string_pretty(&serde_json::json!({
                "schema_version": 1,
                "traces": index.traces.len(),
                "blamed": blames.len(),
                "blames": blames,
            }))? + "\n"
        }
        BlameFormat::Table => {
            let table = crate::report::table::blames(&blames, index.traces.len());
            crate::inert::for_terminal(&table).into_owned()
        }
    };
    super::print_out(&out)?;
    Ok(if args.input.strict_failure(&store.ingest) {
        exit::ERROR
    } else {
        exit::CLEAN
    })
}
