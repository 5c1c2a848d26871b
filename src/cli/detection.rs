//! What to detect and what fails the gate: the flags and tracelint.toml
//! keys that `check` and `report` share.

use anyhow::{Context, Result};
use clap::Args;
use std::path::PathBuf;

use crate::config::Config;
use crate::detect::gate::chosen_detectors;
use crate::detect::{registry, Baseline, DetectOptions, Detector, Gate, Selector};

#[derive(Args, Debug)]
pub struct DetectionArgs {
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
}

/// The detectors to run, their options, and the gate.
pub struct Detection {
    pub detectors: Vec<&'static dyn Detector>,
    pub options: DetectOptions,
    pub gate: Gate,
}

impl DetectionArgs {
    /// tracelint.toml, then the flags over it. `max_findings` and
    /// `baseline` are taken from the file; `check`'s flags override them.
    /// Without `read_baseline` (a run that writes the baseline: recording
    /// today's findings judges none) no baseline is read, so the first
    /// `--write-baseline` works where tracelint.toml names the file.
    pub fn resolve(
        &self,
        max_findings: Option<usize>,
        baseline: Option<&PathBuf>,
        read_baseline: bool,
    ) -> Result<Detection> {
        let detectors = registry();
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
            Selector::parse_all(if flag.is_empty() { file } else { flag }, &detectors)
        };
        let gate_config = &config.gate;
        let mut gate = Gate {
            max_findings: max_findings.or(gate_config.max_findings),
            ..Gate::default()
        };
        let fail_on = pick(&self.fail_on, &gate_config.fail_on)?;
        if !fail_on.is_empty() {
            gate.fail_on = fail_on;
        }
        if let Some(path) = baseline
            .or(gate_config.baseline.as_ref())
            .filter(|_| read_baseline)
        {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read baseline {}", path.display()))?;
            let baseline = Baseline::parse(&text).with_context(|| {
                format!("{} is not a baseline this tracelint reads", path.display())
            })?;
            gate.baseline = Some(baseline.fingerprints);
        }
        let select = pick(&self.select, &gate_config.select)?;
        let ignore = pick(&self.ignore, &gate_config.ignore)?;
        Ok(Detection {
            detectors: chosen_detectors(detectors, &select, &ignore),
            options,
            gate,
        })
    }
}
