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
                "unknown selector {text:?}: use a severity (error, warning, info), a detector name (`tracelint rules` lists them), a MAST mode (1.1–3.3), a category (FC1, FC2, FC3), a checklist item (P1–P10), checklist or all"
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
        // `--fail-on ''` would fall back to the default gate unseen.
        if !texts.is_empty()
            && texts
                .iter()
                .all(|t| t.split(',').all(|s| s.trim().is_empty()))
        {
            bail!("an empty selector list selects nothing: name a selector (`all`, `error`, a MAST mode ...), or use --exit-zero to never fail");
        }
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
/// `--write-baseline` and read by `--baseline`. Version 2: fingerprints
/// of `fingerprints` (version 1 hashed trace and span ids, which a
/// re-recorded trace changes; such a baseline is refused with the way out).
#[derive(Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct Baseline {
    pub version: u32,
    pub fingerprints: BTreeSet<String>,
}

impl Baseline {
    pub const VERSION: u32 = 2;

    pub fn of(fingerprints: &[String]) -> Baseline {
        Baseline {
            version: Baseline::VERSION,
            fingerprints: fingerprints.iter().cloned().collect(),
        }
    }

    /// A baseline file's text; an error names what is wrong with it.
    pub fn parse(text: &str) -> Result<Baseline> {
        let baseline: Baseline = serde_json::from_str(text)?;
        if baseline.version != Baseline::VERSION {
            bail!(
                "it is a version {} baseline and this tracelint reads version {}: its fingerprints were made from trace and span ids, which change whenever a trace is recorded again; write it again with --write-baseline",
                baseline.version,
                Baseline::VERSION
            );
        }
        Ok(baseline)
    }
}

/// Each finding's fingerprint: its identity across runs, kept when the
/// traces are recorded again with new trace and span ids, timestamps and
/// counts. 16 hex digits of xxh3 over the finding's `identity` (detector,
/// the trace's root span name, agents, evidence span kinds and names), the
/// trace file's path as `path_of` gives it (repository-relative, so a
/// checkout elsewhere keeps it) with generated ids masked, and the
/// finding's occurrence among findings equal in all of these, in report
/// order (two runs of the same failing workflow in one file are two
/// findings, not one). The baseline, SARIF `partialFingerprints` and the
/// GitLab `fingerprint` all use it.
pub fn fingerprints(findings: &[Finding], path_of: impl Fn(&str) -> String) -> Vec<String> {
    let mut seen: std::collections::HashMap<(u64, String), u32> = Default::default();
    findings
        .iter()
        .map(|f| {
            let file = crate::text::without_ids(&path_of(&f.source_file));
            let key = format!("{:016x}\u{1f}{file}", f.identity);
            let occurrence = seen.entry((f.identity, file)).or_default();
            let key = format!("{key}\u{1f}{occurrence}");
            *occurrence += 1;
            format!("{:016x}", xxhash_rust::xxh3::xxh3_64(key.as_bytes()))
        })
        .collect()
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
    /// Whether the finding with this fingerprint is new (not forgiven by
    /// the baseline).
    fn is_new(&self, fingerprint: &str) -> bool {
        self.baseline
            .as_ref()
            .is_none_or(|b| !b.contains(fingerprint))
    }

    /// With a baseline, for each fingerprint whether the baseline has it.
    pub fn baselined(&self, fingerprints: &[String]) -> Option<Vec<bool>> {
        self.baseline
            .as_ref()
            .map(|_| fingerprints.iter().map(|f| !self.is_new(f)).collect())
    }

    /// For each finding (with its fingerprint), whether it fails the run:
    /// a new finding matching `fail_on`, or any new finding when there are
    /// more than `max_findings` of them. What every CI output marks as
    /// failing; the run fails when any is true.
    pub fn gates(&self, findings: &[Finding], fingerprints: &[String]) -> Vec<bool> {
        let new: Vec<bool> = fingerprints.iter().map(|f| self.is_new(f)).collect();
        let count = new.iter().filter(|n| **n).count();
        let too_many = self.max_findings.is_some_and(|max| count > max);
        findings
            .iter()
            .zip(new)
            .map(|(f, new)| new && (too_many || self.fail_on.iter().any(|s| s.matches_finding(f))))
            .collect()
    }
}
