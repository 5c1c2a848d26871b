//! `tracelint ingest PATHS -o STORE`: the normalized events as Parquet.

use anyhow::Result;
use clap::Args;
use std::path::PathBuf;

use super::exit;
use super::inputs::InputArgs;
use crate::store::write_store;

#[derive(Args, Debug)]
pub struct IngestArgs {
    #[command(flatten)]
    pub input: InputArgs,

    /// The Parquet store to write.
    #[arg(long, short = 'o', value_name = "STORE")]
    pub output: PathBuf,
}

pub fn run(args: IngestArgs) -> Result<u8> {
    let mut store = args.input.load()?;
    write_store(&mut store, &args.output)?;
    if !args.input.quiet {
        let s = &store.ingest;
        eprintln!(
            "tracelint: wrote {} events ({} records read, {} skipped) to {}",
            store.events.height(),
            s.records_read,
            s.skipped,
            args.output.display()
        );
    }
    Ok(if args.input.strict_failure(&store.ingest) {
        exit::ERROR
    } else {
        exit::CLEAN
    })
}
