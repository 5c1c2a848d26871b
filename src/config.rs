//! tracelint.toml: found upward from the working directory, or given with
//! `--config`. Every key has a default; an unknown key is an error that
//! names it. Detector options live under `[detectors.<name>]`:
//!
//! ```toml
//! [gate]
//! fail_on = ["error"]
//!
//! [detectors.repeated-tool-call]
//! min_repeats = 4
//! window = 12
//!
//! [detectors.budget-exceeded]
//! max_tokens = 200000
//! ```

use anyhow::{Context, Result};
use serde::Deserialize;
use std::path::{Path, PathBuf};

use crate::detect::DetectOptions;

pub const FILE_NAME: &str = "tracelint.toml";

#[derive(Debug, Default, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub gate: GateConfig,
    pub detectors: DetectOptions,
}

/// `[gate]`: the CI verdict; each key as the `check` flag of the same name,
/// which overrides it.
#[derive(Debug, Default, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct GateConfig {
    /// Selectors of the findings that fail the run (default: `["error"]`).
    pub fail_on: Vec<String>,
    /// Selectors of the detectors that run (default: all).
    pub select: Vec<String>,
    /// Selectors of the detectors that do not run (default: none).
    pub ignore: Vec<String>,
    /// Fail when there are more findings than this (default: no limit).
    pub max_findings: Option<usize>,
    /// Baseline file, relative to this config file (default: none).
    pub baseline: Option<PathBuf>,
}

impl Config {
    /// The config at `path`, or the nearest tracelint.toml from the working
    /// directory up, or the defaults when there is none.
    pub fn load(path: Option<&Path>) -> Result<(Config, Option<PathBuf>)> {
        let found = match path {
            Some(path) => Some(path.to_path_buf()),
            None => find_upward(&std::env::current_dir()?),
        };
        let Some(found) = found else {
            return Ok((Config::default(), None));
        };
        let text = std::fs::read_to_string(&found)
            .with_context(|| format!("cannot read {}", found.display()))?;
        let mut config: Config =
            toml::from_str(&text).with_context(|| format!("in {}", found.display()))?;
        if let (Some(baseline), Some(dir)) = (&config.gate.baseline, found.parent()) {
            config.gate.baseline = Some(dir.join(baseline));
        }
        Ok((config, Some(found)))
    }
}

fn find_upward(start: &Path) -> Option<PathBuf> {
    start
        .ancestors()
        .map(|dir| dir.join(FILE_NAME))
        .find(|candidate| candidate.is_file())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detector_options_and_unknown_keys() {
        let config: Config = toml::from_str(
            "[detectors.repeated-tool-call]\nmin_repeats = 4\n[detectors.budget-exceeded]\nmax_tokens = 1000\n",
        )
        .unwrap();
        assert_eq!(config.detectors.repeated_tool_call.min_repeats, 4);
        assert_eq!(config.detectors.repeated_tool_call.window, 10);
        assert_eq!(config.detectors.budget.max_tokens, Some(1000));
        let error = toml::from_str::<Config>("[detectors.repeated-tool-call]\nmin_repeat = 4\n")
            .unwrap_err()
            .to_string();
        assert!(error.contains("min_repeat"), "{error}");
        let error = toml::from_str::<Config>("[detector]\n")
            .unwrap_err()
            .to_string();
        assert!(error.contains("detector"), "{error}");
    }
}
