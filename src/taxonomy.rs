//! The MAST failure modes and the production-readiness checklist, as data
//! (taxonomy/*.toml) embedded in the binary.

use serde::Deserialize;
use std::collections::BTreeMap;
use std::sync::LazyLock;

const MAST_TOML: &str = include_str!("../taxonomy/mast.toml");
const CHECKLIST_TOML: &str = include_str!("../taxonomy/checklist.toml");

#[derive(Debug, Deserialize)]
pub struct MastMode {
    pub id: String,
    pub name: String,
    pub category: String,
    pub definition: String,
}

#[derive(Debug, Deserialize)]
pub struct ChecklistItem {
    pub id: String,
    pub name: String,
    pub definition: String,
}

#[derive(Debug, Deserialize)]
struct MastFile {
    categories: BTreeMap<String, String>,
    mode: Vec<MastMode>,
}

#[derive(Debug, Deserialize)]
struct ChecklistFile {
    item: Vec<ChecklistItem>,
}

pub struct Taxonomy {
    /// FC1..FC3 to their names.
    pub categories: BTreeMap<String, String>,
    pub modes: Vec<MastMode>,
    pub checklist: Vec<ChecklistItem>,
}

/// Parsed once; the TOML is part of the binary and tested, so a parse
/// failure is a build defect, not an input error.
pub static TAXONOMY: LazyLock<Taxonomy> = LazyLock::new(|| {
    let mast: MastFile = toml::from_str(MAST_TOML).expect("taxonomy/mast.toml is valid");
    let checklist: ChecklistFile =
        toml::from_str(CHECKLIST_TOML).expect("taxonomy/checklist.toml is valid");
    Taxonomy {
        categories: mast.categories,
        modes: mast.mode,
        checklist: checklist.item,
    }
});

const MAPPING_TOML: &str = include_str!("../taxonomy/mapping.toml");

/// A detector's meaning in the label schemes `eval` scores against.
#[derive(Debug, Deserialize)]
pub struct DetectorLabels {
    pub mast: Option<String>,
    #[serde(default)]
    pub trail: Vec<String>,
}

/// Whether a deterministic detector can see a TRAIL category.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Reach {
    /// A detector maps to it.
    In,
    /// Visible in error texts and statuses; no detector yet.
    Possible,
    /// Needs judging what a text means.
    Out,
}

#[derive(Debug, Deserialize)]
pub struct TrailCategory {
    pub group: String,
    pub reach: Reach,
}

#[derive(Debug, Deserialize)]
struct TrailSection {
    category: BTreeMap<String, TrailCategory>,
}

/// taxonomy/mapping.toml: detectors to MAST modes and TRAIL categories.
#[derive(Debug, Deserialize)]
pub struct Mapping {
    pub detector: BTreeMap<String, DetectorLabels>,
    trail: TrailSection,
}

impl Mapping {
    pub fn trail_categories(&self) -> &BTreeMap<String, TrailCategory> {
        &self.trail.category
    }

    /// A TRAIL category as its annotators spelled it (`Formatting Error`,
    /// `Instruction non complience`, ` Incorrect Problem Identification`)
    /// to the category's name, or `None` when it names none.
    pub fn trail_category(&self, raw: &str) -> Option<&str> {
        let key = trail_key(raw);
        self.trail
            .category
            .keys()
            .find(|name| trail_key(name) == key)
            .map(String::as_str)
    }
}

/// Letters only, lower case, misspellings the annotators made mended and
/// the words that vary dropped: "Task Orchestration Errors" and "Task
/// Orchestration" meet.
fn trail_key(name: &str) -> String {
    let letters: String = name
        .to_lowercase()
        .replace("complience", "compliance")
        .chars()
        .filter(char::is_ascii_alphabetic)
        .collect();
    let mut key = letters.as_str();
    for suffix in ["errors", "error", "failures", "failure", "issues", "issue"] {
        if let Some(stem) = key.strip_suffix(suffix) {
            key = stem;
            break;
        }
    }
    key.to_string()
}

pub static MAPPING: LazyLock<Mapping> =
    LazyLock::new(|| toml::from_str(MAPPING_TOML).expect("taxonomy/mapping.toml is valid"));

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mapping_covers_every_detector_and_agrees_with_it() {
        let mapping = &*MAPPING;
        let names: Vec<&str> = crate::detect::registry().iter().map(|d| d.name()).collect();
        let mapped: Vec<&str> = mapping.detector.keys().map(String::as_str).collect();
        let mut sorted = names.clone();
        sorted.sort();
        assert_eq!(mapped, sorted);
        for detector in crate::detect::registry() {
            let labels = &mapping.detector[detector.name()];
            assert_eq!(
                labels.mast.as_deref(),
                detector.mapping().mast_mode,
                "{}",
                detector.name()
            );
            for category in &labels.trail {
                let known = &mapping.trail_categories()[category];
                assert_eq!(known.reach, Reach::In, "{category} is mapped, so in reach");
            }
        }
        assert_eq!(mapping.trail_categories().len(), 21);
        for (name, category) in mapping.trail_categories() {
            let mapped = mapping.detector.values().any(|d| d.trail.contains(name));
            assert_eq!(mapped, category.reach == Reach::In, "{name}");
        }
    }

    #[test]
    fn trail_spellings_meet_their_category() {
        let mapping = &*MAPPING;
        for (raw, name) in [
            ("Formatting Error", "Formatting Errors"),
            ("Instruction non complience", "Instruction Non-compliance"),
            ("Instruction Non-Compliance", "Instruction Non-compliance"),
            (
                " Incorrect Problem Identification",
                "Incorrect Problem Identification",
            ),
            ("Task Orchestration Errors", "Task Orchestration"),
            ("Task Orchestration Error", "Task Orchestration"),
            ("Context Handling Failure", "Context Handling Failures"),
            ("Language-Only", "Language-only"),
            ("Tool Selection", "Tool Selection Errors"),
            ("Poor Information retrieval", "Poor Information Retrieval"),
            ("Goal deviation", "Goal Deviation"),
        ] {
            assert_eq!(mapping.trail_category(raw), Some(name), "{raw}");
        }
        assert_eq!(mapping.trail_category("overall"), None);
    }

    #[test]
    fn taxonomy_has_the_14_modes_and_10_items() {
        let t = &*TAXONOMY;
        let ids: Vec<&str> = t.modes.iter().map(|m| m.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "1.1", "1.2", "1.3", "1.4", "1.5", "2.1", "2.2", "2.3", "2.4", "2.5", "2.6", "3.1",
                "3.2", "3.3"
            ]
        );
        for mode in &t.modes {
            let expected = format!("FC{}", &mode.id[..1]);
            assert_eq!(mode.category, expected, "{}", mode.id);
            assert!(t.categories.contains_key(&mode.category));
            assert!(mode.definition.len() > 40);
        }
        let items: Vec<&str> = t.checklist.iter().map(|i| i.id.as_str()).collect();
        assert_eq!(
            items,
            ["P1", "P2", "P3", "P4", "P5", "P6", "P7", "P8", "P9", "P10"]
        );
    }
}
