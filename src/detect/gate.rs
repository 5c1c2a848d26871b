//! The CI verdict. Selectors name detectors or findings the way users
//! think of them: a severity (`error`: that severity or worse), a detector
//! name, a MAST mode (`1.3`), a MAST category (`FC1`, `FC2`, `FC3`), a
//! checklist item (`P2`), `checklist`, or `all`. `--select` / `--ignore`
//! choose the detectors that run; `--fail-on` the findings that fail the
//! run; a baseline forgives the findings it lists; `--max-findings` fails a
//! run with more findings than that.

use anyhow::{bail, Result};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

use super::{Detector, Finding, Mapping, Severity};
use crate::taxonomy::TAXONOMY;

#[derive(Clone, Debug, PartialEq)]
pub enum Selector {
    All,
    Severity(Severity),
    Detector(String),
    MastMode(String),
    MastCategory(String),
    Checklist(Option<String>),
}

impl Selector {
    /// Parses one selector; `detectors` are the names that exist.
    pub fn parse(text: &str, detectors: &[&str]) -> Result<Selector> {
        let text = text.trim();
        let lower = text.to_ascii_lowercase();
        Ok(match lower.as_str() {
            "all" => Selector::All,
            "error" => Selector::Severity(Severity::Error),
            "warning" => Selector::Severity(Severity::Warning),
            "info" => Selector::Severity(Severity::Info),
            "checklist" => Selector::Checklist(None),
            _ if TAXONOMY.modes.iter().any(|m| m.id == text) => Selector::MastMode(text.to_string()),
            _ if TAXONOMY.categories.contains_key(&text.to_ascii_uppercase()) => {
                Selector::MastCategory(text.to_ascii_uppercase())
            }
            _ if TAXONOMY.checklist.iter().any(|c| c.id == text.to_ascii_uppercase()) => {
                Selector::Checklist(Some(text.to_ascii_uppercase()))
            }
            _ if detectors.contains(&text) => Selector::Detector(text.to_string()),
            _ => bail!(
                "unknown selector {text:?}: use a severity (error, warning, info), a detector name, a MAST mode (1.1–3.3), a category (FC1, FC2, FC3), a checklist item (P1–P10), checklist or all"
            ),
        })
    }

    /// Parses a comma-separated list (and repeated flags), each selector of
    /// which must match at least one of `detectors`: a gate or a selection
    /// that can match nothing (`--fail-on 2.2`, a MAST mode no detector maps
    /// to) would silently pass every run. The error names the selector and
    /// the MAST modes and checklist items the detectors have.
    pub fn parse_all(texts: &[String], detectors: &[&dyn Detector]) -> Result<Vec<Selector>> {
        let names: Vec<&str> = detectors.iter().map(|d| d.name()).collect();
        texts
            .iter()
            .flat_map(|t| t.split(','))
            .filter(|t| !t.trim().is_empty())
            .map(|text| {
                let selector = Selector::parse(text, &names)?;
                if !detectors.iter().any(|d| selector.matches_detector(*d)) {
                    let listed = |of: fn(&Mapping) -> Option<&'static str>| {
                        let set: BTreeSet<&str> =
                            detectors.iter().filter_map(|d| of(&d.mapping())).collect();
                        set.into_iter().collect::<Vec<_>>().join(", ")
                    };
                    bail!(
                        "selector {:?} matches no detector (MAST modes with a detector: {}; checklist items: {}; `tracelint rules` lists the detectors)",
                        text.trim(),
                        listed(|m| m.mast_mode),
                        listed(|m| m.checklist)
                    );
                }
                Ok(selector)
            })
            .collect()
    }

    fn matches_mapping(&self, name: &str, mapping: Mapping, severity: Severity) -> bool {
        let category = |mode: &str| {
            TAXONOMY
                .modes
                .iter()
                .find(|m| m.id == mode)
                .map(|m| m.category.clone())
        };
        match self {
            Selector::All => true,
            Selector::Severity(s) => severity >= *s,
            Selector::Detector(d) => d == name,
            Selector::MastMode(m) => mapping.mast_mode == Some(m.as_str()),
            Selector::MastCategory(c) => mapping.mast_mode.and_then(category).as_deref() == Some(c),
            Selector::Checklist(None) => mapping.checklist.is_some(),
            Selector::Checklist(Some(item)) => mapping.checklist == Some(item.as_str()),
        }
    }

    pub fn matches_detector(&self, detector: &dyn Detector) -> bool {
        self.matches_mapping(
            detector.name(),
            detector.mapping(),
            detector.default_severity(),
        )
    }

    pub fn matches_finding(&self, finding: &Finding) -> bool {
        let mapping = Mapping {
            mast_mode: None,
            checklist: None,
        };
        let mode = finding.mast_mode.as_deref();
        let checklist = finding.checklist.as_deref();
        match self {
            Selector::MastMode(m) => mode == Some(m.as_str()),
            Selector::Checklist(None) => checklist.is_some(),
            Selector::Checklist(Some(item)) => checklist == Some(item.as_str()),
            Selector::MastCategory(_) => {
                let category = mode.and_then(|m| TAXONOMY.modes.iter().find(|x| x.id == m));
                matches!((self, category), (Selector::MastCategory(c), Some(m)) if &m.category == c)
            }
            _ => self.matches_mapping(&finding.detector, mapping, finding.severity),
        }
    }
}

/// The detectors that run: those `select` names (all by default), less
/// those `ignore` names.
pub fn chosen_detectors(
    all: Vec<&'static dyn Detector>,
    select: &[Selector],
    ignore: &[Selector],
) -> Vec<&'static dyn Detector> {
    all.into_iter()
        .filter(|d| select.is_empty() || select.iter().any(|s| s.matches_detector(*d)))
        .filter(|d| !ignore.iter().any(|s| s.matches_detector(*d)))
        .collect()
}

/// Findings a team has accepted: their fingerprints, written by
/// `--write-baseline` and read by `--baseline`.
#[derive(Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct Baseline {
    pub version: u32,
    pub fingerprints: BTreeSet<String>,
}

/// A finding's identity across runs on the same traces: its detector, its
/// trace and its evidence.
pub fn fingerprint(finding: &Finding) -> String {
    let key = format!(
        "{}\u{1f}{}\u{1f}{}",
        finding.detector,
        finding.trace_id,
        finding.span_ids.join("\u{1f}")
    );
    format!("{:016x}", xxhash_rust::xxh3::xxh3_64(key.as_bytes()))
}

impl Baseline {
    pub fn of(findings: &[Finding]) -> Baseline {
        Baseline {
            version: 1,
            fingerprints: findings.iter().map(fingerprint).collect(),
        }
    }
}

/// The CI verdict: which findings fail the run.
#[derive(Clone, Debug)]
pub struct Gate {
    /// Findings matching any of these fail the run.
    pub fail_on: Vec<Selector>,
    /// Findings in the baseline do not fail the run.
    pub baseline: Option<BTreeSet<String>>,
    /// More findings than this (not in the baseline) fail the run.
    pub max_findings: Option<usize>,
}

impl Default for Gate {
    fn default() -> Self {
        Gate {
            fail_on: vec![Selector::Severity(Severity::Error)],
            baseline: None,
            max_findings: None,
        }
    }
}

impl Gate {
    /// Whether a finding is new (not forgiven by the baseline).
    pub fn is_new(&self, finding: &Finding) -> bool {
        self.baseline
            .as_ref()
            .is_none_or(|b| !b.contains(&fingerprint(finding)))
    }

    /// The findings that fail the run.
    pub fn gating<'f>(&self, findings: &'f [Finding]) -> Vec<&'f Finding> {
        findings
            .iter()
            .filter(|f| self.is_new(f))
            .filter(|f| self.fail_on.iter().any(|s| s.matches_finding(f)))
            .collect()
    }

    /// With a baseline, for each finding whether the baseline has it.
    pub fn baselined(&self, findings: &[Finding]) -> Option<Vec<bool>> {
        self.baseline
            .as_ref()
            .map(|_| findings.iter().map(|f| !self.is_new(f)).collect())
    }

    /// For each finding, whether it fails the run: a new finding matching
    /// `fail_on`, or any new finding when there are more than
    /// `max_findings` of them. What every CI output marks as failing.
    pub fn gates(&self, findings: &[Finding]) -> Vec<bool> {
        let new = findings.iter().filter(|f| self.is_new(f)).count();
        let too_many = self.max_findings.is_some_and(|max| new > max);
        findings
            .iter()
            .map(|f| {
                self.is_new(f) && (too_many || self.fail_on.iter().any(|s| s.matches_finding(f)))
            })
            .collect()
    }

    /// Whether the run fails: a gating finding, or too many new findings.
    pub fn fails(&self, findings: &[Finding]) -> bool {
        self.gates(findings).contains(&true)
    }
}
