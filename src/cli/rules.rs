//! `tracelint rules [NAME | SELECTORS] [--taxonomy]`.

use anyhow::Result;
use clap::Args;

use super::exit;
use crate::detect::{registry, Detector, Selector};
use crate::report;

#[derive(Args, Debug)]
pub struct RulesArgs {
    /// A detector whose documentation to print, or selectors (as for
    /// --select and --fail-on: a MAST mode, a category, a checklist item, a
    /// severity, `checklist`, `all`; comma-separated) whose detectors to
    /// list.
    #[arg(value_name = "NAME | SELECTORS")]
    pub name: Option<String>,

    /// Print the MAST failure modes and the production-readiness checklist.
    #[arg(long, conflicts_with = "name")]
    pub taxonomy: bool,
}

pub fn run(args: RulesArgs) -> Result<u8> {
    let detectors = registry();
    if args.taxonomy {
        super::print_out(&report::table::taxonomy())?;
    } else if let Some(detector) = args
        .name
        .as_deref()
        .and_then(|name| detectors.iter().find(|d| d.name() == name))
    {
        super::print_out(&format!(
            "# {}\n\n{}\n",
            detector.name(),
            detector.documentation().trim()
        ))?;
    } else if let Some(selectors) = args.name {
        // The same selectors as --select: one that matches no detector is
        // the same error there and here.
        let dyns: Vec<&dyn Detector> = detectors.to_vec();
        let selectors = Selector::parse_all(&[selectors], &dyns)?;
        let chosen: Vec<&dyn Detector> = dyns
            .into_iter()
            .filter(|d| selectors.iter().any(|s| s.matches_detector(*d)))
            .collect();
        super::print_out(&report::table::detectors(&chosen))?;
    } else {
        super::print_out(&report::table::detectors(&detectors))?;
    }
    Ok(exit::CLEAN)
}
