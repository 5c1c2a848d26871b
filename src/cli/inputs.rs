//! Input options shared by every command that reads traces, and loading
//! the Store from raw files or from a Parquet store.

use anyhow::{bail, Result};
use clap::Args;
use std::path::PathBuf;

use crate::ingest::report::{IngestReport, IngestSummary};
use crate::ingest::{formats, source, IngestOptions};
use crate::store::{partitions_for, read_store, PartitionedStore, Store};

#[derive(Args, Debug)]
pub struct InputArgs {
    /// Trace files, directories (read recursively), globs, or - for stdin.
    /// Gzip and zstd files are decompressed.
    pub paths: Vec<String>,

    /// Read a Parquet store written by `tracelint ingest` instead of raw files.
    #[arg(long, value_name = "STORE", conflicts_with = "paths")]
    pub store: Option<PathBuf>,

    /// Force an input format instead of sniffing it from each file's content.
    #[arg(long, value_name = "NAME", value_parser = clap::builder::PossibleValuesParser::new(formats::names()))]
    pub format: Option<String>,

    /// Exit 2 if any record was skipped.
    #[arg(long)]
    pub strict: bool,

    /// Characters of each text kept as its excerpt.
    #[arg(long, value_name = "N", default_value_t = IngestOptions::default().excerpt_chars)]
    pub excerpt_chars: usize,

    /// Largest record (a line, or a whole document) read, in bytes.
    #[arg(long, value_name = "BYTES", default_value_t = IngestOptions::default().max_record_bytes)]
    pub max_record_bytes: usize,

    /// Print nothing on stderr but errors.
    #[arg(long, short)]
    pub quiet: bool,
}

impl InputArgs {
    fn ingest_options(&self) -> IngestOptions {
        IngestOptions {
            excerpt_chars: self.excerpt_chars,
            max_record_bytes: self.max_record_bytes,
            format: self.format.as_deref().and_then(formats::by_name),
            progress: !self.quiet && std::io::IsTerminal::is_terminal(&std::io::stderr()),
        }
    }

    /// The Store, from `--store` or by ingesting the paths. Skipped and
    /// repaired records are reported on stderr.
    pub fn load(&self) -> Result<Store> {
        if let Some(path) = &self.store {
            return crate::timings::phase("read store", || read_store(path));
        }
        if self.paths.is_empty() {
            bail!(
                "no input: give trace files, directories, globs or - for stdin, or --store STORE"
            );
        }
        let (store, report) = Store::ingest(&self.paths, &self.ingest_options())?;
        self.show_diagnostics(&report);
        Ok(store)
    }

    /// How many partitions to read the paths into (`None`: one, in
    /// memory): as asked with `--partitions`, else from the input size
    /// (`store::partitions_for`). A `--store` is read whole.
    pub fn partitions(&self, args: &PartitionArgs) -> Result<Option<usize>> {
        if self.store.is_some() {
            return Ok(None);
        }
        if let Some(asked) = args.partitions {
            return Ok((asked > 1).then_some(usize::from(asked)));
        }
        let inputs = source::expand_inputs(&self.paths)?;
        Ok(source::estimated_text_bytes(&inputs).and_then(partitions_for))
    }

    /// Reads the paths into `partitions` partitions spilled to disk; the
    /// caller shows the report (`show_diagnostics`) once every partition
    /// was assembled.
    pub fn ingest_partitioned(
        &self,
        partitions: usize,
        args: &PartitionArgs,
    ) -> Result<PartitionedStore> {
        let inputs = source::expand_inputs(&self.paths)?;
        let spill_dir = args.spill_dir.clone().unwrap_or_else(std::env::temp_dir);
        PartitionedStore::ingest(&inputs, &self.ingest_options(), partitions, &spill_dir)
    }

    /// Skipped and repaired records on stderr, unless `--quiet`.
    pub fn show_diagnostics(&self, report: &IngestReport) {
        if !self.quiet {
            print_diagnostics(report);
        }
    }

    /// Exit 2 under `--strict` when records were skipped.
    pub fn strict_failure(&self, ingest: &IngestSummary) -> bool {
        if self.strict && ingest.skipped > 0 {
            eprintln!(
                "tracelint: --strict: {} record(s) skipped, exiting with 2",
                ingest.skipped
            );
            return true;
        }
        false
    }
}

/// Inputs larger than memory: how to split them.
#[derive(Args, Debug)]
pub struct PartitionArgs {
    /// Read the input into N partitions of whole traces, spilled to disk
    /// and checked one at a time, so that memory follows a partition, not
    /// the input. Default: one partition (in memory) up to 256 MiB of
    /// input text, else one per 8 MiB (at most 256); compressed files
    /// count six times their size, stdin is read in memory. 1 forces memory;
    /// at most 256 (a spill file is open per partition).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=256))]
    pub partitions: Option<u16>,

    /// Where partitions are spilled (default: the system's temporary
    /// directory, $TMPDIR). Removed at the end of the run.
    #[arg(long, value_name = "DIR")]
    pub spill_dir: Option<PathBuf>,
}

fn print_diagnostics(report: &IngestReport) {
    for diagnostic in report.diagnostics() {
        eprintln!("tracelint: {diagnostic}");
    }
    for (reason, more) in report.unshown() {
        eprintln!("tracelint: ... and {more} more ({reason})");
    }
    let s = &report.summary;
    if s.skipped > 0 || s.repaired > 0 {
        eprintln!(
            "tracelint: {} records read from {} files: {} ingested, {} skipped, {} repaired",
            s.records_read, s.files, s.ingested, s.skipped, s.repaired
        );
    }
}
