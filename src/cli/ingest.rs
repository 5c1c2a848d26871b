//! `tracelint ingest PATHS -o STORE`: the normalized events as Parquet.

use anyhow::Result;
use clap::Args;
use std::path::PathBuf;

use super::exit;
use super::inputs::{InputArgs, PartitionArgs};
use crate::ingest::report::IngestSummary;
use crate::labels::labels_to_frame;
use crate::store::{write_store, StoreWriter};
use crate::timings;

#[derive(Args, Debug)]
pub struct IngestArgs {
    #[command(flatten)]
    pub input: InputArgs,

    /// The Parquet store to write.
    #[arg(long, short = 'o', value_name = "STORE")]
    pub output: PathBuf,

    #[command(flatten)]
    pub partitioning: PartitionArgs,
}

pub fn run(args: IngestArgs) -> Result<u8> {
    let (events, summary) = match args.input.partitions(&args.partitioning)? {
        None => {
            let mut store = args.input.load()?;
            timings::phase("write store", || write_store(&mut store, &args.output))?;
            (store.events.height(), store.ingest)
        }
        Some(partitions) => ingest_partitioned(&args, partitions)?,
    };
    if !args.input.quiet {
        eprintln!(
            "tracelint: wrote {events} events ({} records read, {} skipped) to {}",
            summary.records_read,
            summary.skipped,
            args.output.display()
        );
    }
    Ok(if args.input.strict_failure(&summary) {
        exit::ERROR
    } else {
        exit::CLEAN
    })
}

/// Inputs larger than memory: each partition of whole traces is assembled
/// and written to the store in turn, so memory follows a partition.
fn ingest_partitioned(args: &IngestArgs, partitions: usize) -> Result<(usize, IngestSummary)> {
    let mut store = args
        .input
        .ingest_partitioned(partitions, &args.partitioning)?;
    let mut writer = StoreWriter::create(&args.output);
    let mut events = 0;
    for k in 0..store.partitions() {
        let frame = store.events(k)?;
        if frame.height() > 0 {
            events += frame.height();
            timings::phase("write store", || writer.write(&frame))?;
        }
    }
    let (report, labels) = store.finish();
    args.input.show_diagnostics(&report);
    timings::phase("write store", || {
        writer.finish(&report.summary, &mut labels_to_frame(&labels)?)
    })?;
    Ok((events, report.summary))
}
