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

#[cfg(test)]
mod tests {
    use super::*;

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
