//! `tracelint check`: ingest, detect, gate. The exit code is the verdict.

use anyhow::{Context, Result};
use clap::{Args, ValueEnum};

use super::exit;
use super::inputs::InputArgs;
use crate::config::Config;
use crate::detect::gate::chosen_detectors;
use crate::detect::{registry, run_detectors, Baseline, DetectOptions, Gate, Selector};
use crate::report::{self, CheckOutcome, TraceRef};
use crate::summary::RunSummary;
use std::path::PathBuf;

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum CheckFormat {
    Table,
    Json,
    /// One finding per line.
    Jsonl,
    /// SARIF 2.1.0, for code scanning.
    Sarif,
    /// JUnit XML: a test case per trace, a failure per finding.
    Junit,
    /// GitHub Actions workflow commands (annotations).
    Github,
    /// GitLab code quality JSON.
    Gitlab,
    /// GitHub-flavoured Markdown, for a pull-request comment.
    Markdown,
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

    /// Token budget per trace (budget-exceeded); off by default.
    #[arg(long, value_name = "TOKENS")]
    pub budget_tokens: Option<i64>,

    /// Cost budget per trace in USD (budget-exceeded); off by default.
    #[arg(long, value_name = "USD")]
    pub budget_usd: Option<f64>,

    /// Wall-clock limit per trace in seconds (duration-exceeded); off by default.
    #[arg(long, value_name = "SECONDS")]
    pub max_duration: Option<f64>,

    /// Configuration file; by default the nearest tracelint.toml upward
    /// from the working directory.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Run only these detectors: names, MAST modes (1.3), categories
    /// (FC1), checklist items (P2), `checklist` or `all`; comma-separated
    /// or repeated.
    #[arg(long, value_name = "SELECTORS")]
    pub select: Vec<String>,

    /// Do not run these detectors (same selectors as --select).
    #[arg(long, value_name = "SELECTORS")]
    pub ignore: Vec<String>,

    /// Findings that fail the run: a severity (that or worse), detector
    /// names, MAST modes or categories, checklist items [default: error].
    #[arg(long, value_name = "SELECTORS")]
    pub fail_on: Vec<String>,

    /// Fail when there are more than N findings (not in the baseline).
    #[arg(long, value_name = "N")]
    pub max_findings: Option<usize>,

    /// Findings listed in this baseline do not fail the run.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,

    /// Write the findings of this run as a baseline.
    #[arg(long, value_name = "FILE")]
    pub write_baseline: Option<PathBuf>,

    /// Also write the findings as JSON to FILE.
    #[arg(long, value_name = "FILE")]
    pub export_json: Option<PathBuf>,

    /// Also write SARIF 2.1.0 to FILE.
    #[arg(long, value_name = "FILE")]
    pub export_sarif: Option<PathBuf>,

    /// Also write JUnit XML to FILE.
    #[arg(long, value_name = "FILE")]
    pub export_junit: Option<PathBuf>,

    /// Also write the Markdown summary to FILE.
    #[arg(long, value_name = "FILE")]
    pub export_markdown: Option<PathBuf>,
}

impl CheckArgs {
    /// Detector options and the gate: tracelint.toml, then the flags over it.
    fn settings(&self, names: &[&str]) -> Result<Settings> {
        let (config, _) = Config::load(self.config.as_deref())?;
        let mut options = config.detectors;
        if let Some(tokens) = self.budget_tokens {
            options.budget.max_tokens = Some(tokens);
        }
        if let Some(usd) = self.budget_usd {
            options.budget.max_usd = Some(usd);
        }
        if let Some(seconds) = self.max_duration {
            options.duration.max_seconds = Some(seconds);
        }
        let pick = |flag: &Vec<String>, file: &Vec<String>| {
            Selector::parse_all(if flag.is_empty() { file } else { flag }, names)
        };
        let gate_config = &config.gate;
        let mut gate = Gate {
            max_findings: self.max_findings.or(gate_config.max_findings),
            ..Gate::default()
        };
        let fail_on = pick(&self.fail_on, &gate_config.fail_on)?;
        if !fail_on.is_empty() {
            gate.fail_on = fail_on;
        }
        if let Some(path) = self.baseline.as_ref().or(gate_config.baseline.as_ref()) {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read baseline {}", path.display()))?;
            let baseline: Baseline = serde_json::from_str(&text)
                .with_context(|| format!("{} is not a tracelint baseline", path.display()))?;
            gate.baseline = Some(baseline.fingerprints);
        }
        Ok(Settings {
            options,
            select: pick(&self.select, &gate_config.select)?,
            ignore: pick(&self.ignore, &gate_config.ignore)?,
            gate,
        })
    }
}

struct Settings {
    options: DetectOptions,
    select: Vec<Selector>,
    ignore: Vec<Selector>,
    gate: Gate,
}

pub fn run(args: CheckArgs) -> Result<u8> {
    let names: Vec<&str> = registry().iter().map(|d| d.name()).collect();
    let Settings {
        options,
        select,
        ignore,
        gate,
    } = args.settings(&names)?;
    let detectors = chosen_detectors(registry(), &select, &ignore);

    let store = args.input.load()?;
    let index = store.trace_index()?;
    let findings = run_detectors(&store.events, &index, &detectors, &options)?;
    let gating = gate.gating(&findings).len();
    let fails = gate.fails(&findings);
    let outcome = CheckOutcome {
        summary: RunSummary::new(&store.ingest, index.traces.len(), store.events.height()),
        traces: trace_refs(&store, &index)?,
        detectors: detectors.iter().map(|d| d.name()).collect(),
        gating,
        findings,
    };
    let out = render(args.output_format, &outcome)?;
    super::print_out(&out)?;
    let exports = [
        (&args.export_json, CheckFormat::Json),
        (&args.export_sarif, CheckFormat::Sarif),
        (&args.export_junit, CheckFormat::Junit),
        (&args.export_markdown, CheckFormat::Markdown),
    ];
    for (path, format) in exports {
        if let Some(path) = path {
            std::fs::write(path, render(format, &outcome)?)
                .with_context(|| format!("cannot write {}", path.display()))?;
        }
    }
    if let Some(path) = &args.write_baseline {
        let baseline = serde_json::to_string_pretty(&Baseline::of(&outcome.findings))?;
        std::fs::write(path, baseline + "\n")
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    if index.traces.is_empty() {
        eprintln!("tracelint: error: no traces were read from the input");
        return Ok(exit::ERROR);
    }
    if args.input.strict_failure(&store) {
        return Ok(exit::ERROR);
    }
    Ok(if fails && !args.exit_zero {
        exit::GATING_FINDINGS
    } else {
        exit::CLEAN
    })
}

fn render(format: CheckFormat, outcome: &CheckOutcome) -> Result<String> {
    Ok(match format {
        CheckFormat::Table => report::table::check(outcome),
        CheckFormat::Json => report::json::check(outcome)?,
        CheckFormat::Jsonl => report::json::findings_lines(&outcome.findings)?,
        CheckFormat::Sarif => report::sarif::check(outcome)?,
        CheckFormat::Junit => report::junit::check(outcome),
        CheckFormat::Github => report::github::check(outcome),
        CheckFormat::Gitlab => report::gitlab::check(outcome)?,
        CheckFormat::Markdown => report::markdown::check(outcome),
    })
}

/// Each trace with the file its first event came from.
fn trace_refs(
    store: &crate::store::Store,
    index: &crate::store::TraceIndex,
) -> Result<Vec<TraceRef>> {
    let files = store
        .events
        .column(crate::store::columns::SOURCE_FILE)?
        .cast(&polars::prelude::DataType::String)?;
    let files = files.str()?;
    Ok(index
        .traces
        .iter()
        .map(|t| TraceRef {
            trace_id: t.trace_id.clone(),
            source_file: files.get(t.rows.start).unwrap_or_default().to_string(),
        })
        .collect())
}
