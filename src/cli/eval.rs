//! `tracelint eval`: precision, recall and F1 of the detectors, TRAIL's
//! location and joint accuracy, and Who&When's blame accuracy, on the
//! labelled corpora and the project's planted fixtures, beside the
//! published reference figures.

use anyhow::Result;
use clap::{Args, ValueEnum};
use serde::Serialize;
use std::path::{Path, PathBuf};

use super::detection::{Detection, DetectionArgs};
use super::exit;
use crate::detect::blame::blame_all;
use crate::detect::{run_detectors, Finding};
use crate::eval::{self, CorpusEval, Split};
use crate::ingest::IngestOptions;
use crate::labels::{label_rows, LabelRow};
use crate::output_file;
use crate::pipeline::{self, Inputs, Partitioning, Request};
use crate::store::{Store, TraceIndex};

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum EvalFormat {
    Table,
    Json,
}

#[derive(Args, Debug)]
pub struct EvalArgs {
    /// The folder of the labelled corpora (trail/, who_and_when/, mast/).
    #[arg(long, value_name = "DIR", default_value = "../shared/data")]
    pub data: PathBuf,

    /// The framework fixtures, with their planted.toml.
    #[arg(long, value_name = "DIR", default_value = "tests/fixtures/frameworks")]
    pub fixtures: PathBuf,

    /// dev: where thresholds are tuned; test: held out, only measured.
    #[arg(long, value_enum, default_value_t = Split::Dev)]
    pub split: Split,

    #[arg(long, value_enum, default_value_t = EvalFormat::Table)]
    pub output_format: EvalFormat,

    /// Write each Who&When blame beside its label as JSON, for reading
    /// the wrong ones.
    #[arg(long, value_name = "FILE")]
    pub attributions: Option<PathBuf>,

    /// Print nothing on stderr but errors.
    #[arg(short, long)]
    pub quiet: bool,

    #[command(flatten)]
    pub detection: DetectionArgs,
}

/// Everything `eval` measured, as `--output-format json` prints it.
#[derive(Serialize)]
pub struct EvalReport {
    pub schema_version: u32,
    pub tracelint_version: &'static str,
    pub split: Split,
    pub corpora: Vec<CorpusEval>,
    /// Corpora not found, with where they were looked for.
    pub missing: Vec<String>,
}

/// A corpus read and checked: its labels, findings and traces.
struct Checked {
    store: Store,
    index: TraceIndex,
    labels: Vec<LabelRow>,
    findings: Vec<Finding>,
}

fn check(paths: &[&Path], detection: &Detection, quiet: bool) -> Result<Checked> {
    let paths: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
    let (store, report) = pipeline::load(Request {
        inputs: Inputs::Paths(paths.clone()),
        options: IngestOptions::default(),
        partitioning: Partitioning::Memory,
        spill_dir: None,
    })?;
    if !quiet && report.summary.skipped > 0 {
        eprintln!(
            "tracelint: {}: {} records skipped while reading",
            paths.join(" "),
            report.summary.skipped
        );
    }
    let index = store.trace_index()?;
    let findings = run_detectors(
        &store.events,
        &index,
        &detection.detectors,
        &detection.options,
    )?
    .findings;
    let labels = label_rows(&store.labels)?;
    Ok(Checked {
        store,
        index,
        labels,
        findings,
    })
}

pub fn run(args: EvalArgs) -> Result<u8> {
    let detection = args.detection.resolve(None, None, false)?;
    let mut corpora = Vec::new();
    let mut missing = Vec::new();
    let mut attributions = Vec::new();
    let mut present = |path: &Path| {
        let exists = path.exists();
        if !exists {
            missing.push(path.display().to_string());
        }
        exists
    };

    let trail = args.data.join("trail");
    if present(&trail) {
        let checked = check(&[&trail], &detection, args.quiet)?;
        let read = checked
            .index
            .traces
            .iter()
            .map(|t| t.trace_id.as_str())
            .collect();
        corpora.push(eval::trail::evaluate(
            &checked.labels,
            &checked.findings,
            &read,
            args.split,
        ));
    }
    let who_and_when = args.data.join("who_and_when");
    if present(&who_and_when) {
        let checked = check(&[&who_and_when], &detection, args.quiet)?;
        let blames = blame_all(
            &checked.store.events,
            &checked.index,
            &checked.findings,
            true,
        )?;
        let (corpus, attributed) =
            eval::who_and_when::evaluate(&checked.labels, &blames, args.split);
        corpora.push(corpus);
        attributions = attributed;
    }
    let mast = args.data.join("mast/MAD_human_labelled_dataset.json");
    let rounds_file = args.data.join("mast/human_round_code_map.json");
    if present(&mast) {
        let rounds = if rounds_file.exists() {
            eval::mast::read_round_map(&rounds_file)?
        } else {
            Default::default()
        };
        let checked = check(&[&mast], &detection, args.quiet)?;
        corpora.push(eval::mast::evaluate(
            &checked.labels,
            &checked.findings,
            &rounds,
            args.split,
        ));
    }
    let manifest = args.fixtures.join("planted.toml");
    if present(&manifest) {
        let planted = eval::planted::read_manifest(&manifest)?;
        let checked = check(&[&args.fixtures], &detection, args.quiet)?;
        let traces = super::check::trace_refs(&checked.store.events, &checked.index)?
            .into_iter()
            .map(|t| (t.trace_id, t.source_file.to_string()))
            .collect::<Vec<_>>();
        corpora.push(eval::planted::evaluate(
            &planted,
            &traces,
            &checked.findings,
            args.split,
        ));
    }
    if corpora.is_empty() {
        eprintln!(
            "tracelint: error: no labelled corpus found (looked for {})",
            missing.join(", ")
        );
        return Ok(exit::ERROR);
    }
    if let Some(path) = &args.attributions {
        let text = serde_json::to_string_pretty(&attributions)? + "\n";
        output_file::write(path, text.as_bytes())?;
    }
    let report = EvalReport {
        schema_version: 1,
        tracelint_version: env!("CARGO_PKG_VERSION"),
        split: args.split,
        corpora,
        missing,
    };
    let out = match args.output_format {
        EvalFormat::Json => serde_json::to_string_pretty(&report)? + "\n",
        EvalFormat::Table => crate::report::table::eval(&report.corpora, &report.missing),
    };
    super::print_out(&out)?;
    Ok(exit::CLEAN)
}
