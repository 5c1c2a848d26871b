//! Input options shared by every command that reads traces, turned into a
//! pipeline request: the whole Store in memory (`load`), or its traces
//! batch by batch (`open`).

use anyhow::{bail, Result};
use clap::Args;
use std::path::{Path, PathBuf};

use crate::accounting::{IngestReport, IngestSummary, ORPHANED_LOG_RECORDS};
use crate::inert;
use crate::ingest::source::{expand_inputs, Input};
use crate::ingest::{registry, IngestOptions};
use crate::pipeline::{self, Inputs, Partitioning, Request, TraceSource};
use crate::store::{labels_path, Store};

#[derive(Args, Debug)]
pub struct InputArgs {
    /// Trace files, directories (read recursively), globs, or - for stdin.
    /// Gzip and zstd files are decompressed.
    pub paths: Vec<String>,

    /// Read a Parquet store written by `tracelint ingest` instead of raw files.
    #[arg(long, value_name = "STORE", conflicts_with = "paths")]
    pub store: Option<PathBuf>,

    /// Force an input format instead of sniffing it from each file's content.
    #[arg(long, value_name = "NAME", value_parser = clap::builder::PossibleValuesParser::new(registry::names()))]
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
            format: self.format.as_deref().and_then(registry::by_name),
            progress: !self.quiet && std::io::IsTerminal::is_terminal(&std::io::stderr()),
        }
    }

    fn request(&self, partitioning: Partitioning, spill_dir: Option<PathBuf>) -> Request {
        Request {
            inputs: match &self.store {
                Some(path) => Inputs::Store(path.clone()),
                None => Inputs::Paths(self.paths.clone()),
            },
            options: self.ingest_options(),
            partitioning,
            spill_dir,
        }
    }

    /// The whole Store in memory, from `--store` or by ingesting the paths,
    /// and the report of reading it. Skipped and repaired records are
    /// reported on stderr.
    pub fn load(&self) -> Result<(Store, IngestReport)> {
        let (store, report) = pipeline::load(self.request(Partitioning::Memory, None))?;
        self.show_diagnostics(&report);
        Ok((store, report))
    }

    /// The traces, partition by partition when the input is larger than
    /// memory (or `--partitions` asks). The caller shows the report
    /// (`show_diagnostics`) once every batch was taken.
    pub fn open(&self, args: &PartitionArgs) -> Result<Box<dyn TraceSource>> {
        let partitioning = match args.partitions {
            None => Partitioning::Auto,
            Some(1) => Partitioning::Memory,
            Some(n) => Partitioning::Partitions(usize::from(n)),
        };
        pipeline::open(self.request(partitioning, args.spill_dir.clone()))
    }

    /// Refuses to write `output` (a file, or a folder of report files) over
    /// an input: `ingest in.json -o in.json` would replace the traces with
    /// their store.
    pub fn refuse_as_output(&self, output: &Path) -> Result<()> {
        let mut inputs: Vec<PathBuf> = Vec::new();
        if let Some(store) = &self.store {
            inputs.push(store.clone());
            inputs.push(labels_path(store));
        }
        if !self.paths.is_empty() {
            inputs.extend(
                expand_inputs(&self.paths)?
                    .into_iter()
                    .filter_map(|i| match i {
                        Input::Path(path) => Some(path),
                        _ => None,
                    }),
            );
        }
        let folder = output
            .is_dir()
            .then(|| output.canonicalize().ok())
            .flatten();
        for input in &inputs {
            let inside = folder.as_ref().is_some_and(|folder| {
                input
                    .canonicalize()
                    .is_ok_and(|input| input.starts_with(folder))
            });
            if inside || same_file(input, output) {
                bail!(
                    "{} is an input of this run: refusing to write over it",
                    output.display()
                );
            }
        }
        Ok(())
    }

    /// Skipped and repaired records on stderr, unless `--quiet` or the
    /// input is a store (whose ingest showed them).
    pub fn show_diagnostics(&self, report: &IngestReport) {
        if !self.quiet && self.store.is_none() {
            print_diagnostics(report);
        }
    }

    /// Why the run read no trace (`no_traces`), not repeating the
    /// diagnostics this run printed.
    pub fn no_traces(&self, report: &IngestReport) -> String {
        no_traces(report, !self.quiet && self.store.is_none())
    }

    /// Why the run is an error under `--strict`: records were skipped.
    pub fn strict_error(&self, ingest: &IngestSummary) -> Option<String> {
        (self.strict && ingest.skipped > 0)
            .then(|| format!("--strict: {} record(s) skipped", ingest.skipped))
    }

    /// Exit 2 under `--strict` when records were skipped, saying so.
    pub fn strict_failure(&self, ingest: &IngestSummary) -> bool {
        let error = self.strict_error(ingest);
        if let Some(error) = &error {
            eprintln!("tracelint: {error}, exiting with 2");
        }
        error.is_some()
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
        eprintln!("tracelint: {}", inert::for_line(&diagnostic.to_string()));
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

/// Why a run read no trace: what each input held (the first few). With
/// `diagnostics_shown`, an input skipped whole is left out: its line is
/// above already.
pub fn no_traces(report: &IngestReport, diagnostics_shown: bool) -> String {
    const SHOWN: usize = 20;
    let mut text = "no traces were read from the input".to_string();
    let told = |input: &&crate::accounting::InputTally| {
        diagnostics_shown
            && input.format.is_none()
            && input.skipped == 1
            && input.first_skip.is_some()
    };
    let inputs: Vec<_> = report.inputs.iter().filter(|i| !told(i)).collect();
    if report.summary.files == 0 {
        text.push_str(
            "\n  no input file: folders are searched for *.json, *.jsonl, *.ndjson, *.log, *.txt, *.pb, *.binpb, *.parquet, *.csv, *.tsv, *.db and their .gz, .zst",
        );
    }
    for input in inputs.iter().take(SHOWN) {
        text.push_str(&format!("\n  {}", inert::for_line(&input.to_string())));
    }
    if inputs.len() > SHOWN {
        text.push_str(&format!("\n  ... and {} more inputs", inputs.len() - SHOWN));
    }
    if let Some(orphaned) = report.summary.other_signals.get(ORPHANED_LOG_RECORDS) {
        text.push_str(&format!(
            "\n  {orphaned} GenAI log record(s) belong to spans that are not in the input: give the trace files (resourceSpans) with them"
        ));
    }
    text
}

/// Whether two paths name the same file (through links, `..`, relative
/// and absolute spellings). A path that does not exist names no input.
fn same_file(a: &Path, b: &Path) -> bool {
    let (Ok(a_meta), Ok(b_meta)) = (std::fs::metadata(a), std::fs::metadata(b)) else {
        return false;
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        a_meta.dev() == b_meta.dev() && a_meta.ino() == b_meta.ino()
    }
    #[cfg(not(unix))]
    {
        let _ = (a_meta, b_meta);
        a.canonicalize().ok() == b.canonicalize().ok()
    }
}
