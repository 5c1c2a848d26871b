//! `tracelint ingest PATHS -o STORE`: the normalized events as Parquet.

use anyhow::Result;
use clap::Args;
use std::path::PathBuf;

use super::exit;
use super::inputs::{InputArgs, PartitionArgs};
use crate::accounting::IngestSummary;
use crate::pipeline::{Finished, TraceSource};
use crate::store::{write_store, Store, StoreWriter};
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
    args.input.refuse_as_output(&args.output)?;
    let source = args.input.open(&args.partitioning)?;
    let (events, summary) = if source.batches() == 1 {
        write_whole(&args, source)?
    } else {
        write_by_batch(&args, source)?
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

/// One frame of every trace, written in one piece.
fn write_whole(
    args: &IngestArgs,
    mut source: Box<dyn TraceSource>,
) -> Result<(usize, IngestSummary)> {
    let events = source
        .next_batch()?
        .expect("a one-batch source gives one frame");
    let Finished { report, labels } = source.finish()?;
    args.input.show_diagnostics(&report);
    let mut store = Store {
        events,
        labels,
        ingest: report.summary,
    };
    timings::phase("write store", || write_store(&mut store, &args.output))?;
    Ok((store.events.height(), store.ingest))
}

/// Inputs larger than memory: each partition of whole traces is assembled
/// and written to the store in turn, so memory follows a partition; the
/// summary, complete only after the last, goes in the footer.
fn write_by_batch(
    args: &IngestArgs,
    mut source: Box<dyn TraceSource>,
) -> Result<(usize, IngestSummary)> {
    let mut writer = StoreWriter::create(&args.output);
    let mut events = 0;
    while let Some(frame) = source.next_batch()? {
        if frame.height() > 0 {
            events += frame.height();
            timings::phase("write store", || writer.write(&frame))?;
        }
    }
    let Finished { report, mut labels } = source.finish()?;
    args.input.show_diagnostics(&report);
    timings::phase("write store", || {
        writer.finish(&report.summary, &mut labels)
    })?;
    Ok((events, report.summary))
}
