//! `tracelint rules [NAME] [--taxonomy]`.

use anyhow::{bail, Result};
use clap::Args;

use super::exit;
use crate::detect::registry;
use crate::report;

#[derive(Args, Debug)]
pub struct RulesArgs {
    /// A detector whose documentation to print.
    pub name: Option<String>,

    /// Print the MAST failure modes and the production-readiness checklist.
    #[arg(long, conflicts_with = "name")]
    pub taxonomy: bool,
}

pub fn run(args: RulesArgs) -> Result<u8> {
    let detectors = registry();
    if args.taxonomy {
        super::print_out(&report::table::taxonomy())?;
    } else if let Some(name) = args.name {
        let Some(detector) = detectors.iter().find(|d| d.name() == name) else {
            let known: Vec<&str> = detectors.iter().map(|d| d.name()).collect();
            bail!(
                "no detector named {name:?}; known: {}",
                if known.is_empty() {
                    "none yet".to_string()
                } else {
                    known.join(", ")
                }
            );
        };
        super::print_out(&format!(
            "# {}\n\n{}\n",
            detector.name(),
            detector.documentation().trim()
        ))?;
    } else {
        super::print_out(&report::table::detectors(&detectors))?;
    }
    Ok(exit::CLEAN)
}
