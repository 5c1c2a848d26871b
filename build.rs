//! Tells the tests which of their outside prerequisites are here, so that a
//! test needing one that is absent is *ignored* with its reason (`cargo
//! test` reports "N ignored") rather than passing without having run.
//!
//! - `cfg(tracelint_shared)`: `../shared` beside the repository (the
//!   labelled corpora in `../shared/data`, the real-world cases in
//!   `../shared/hunt`).
//! - `cfg(sarif_schema)`: the SARIF 2.1.0 schema, fetched by
//!   `tools/fetch-sarif-schema.sh` (which touches this file so the fetch is
//!   seen).
//!
//! A present prerequisite is watched (`rerun-if-changed`); an absent one
//! cannot be (Cargo would rerun this script and rebuild the crate on every
//! build), so after putting `../shared` in place, `touch build.rs`.

use std::path::Path;

const SARIF_SCHEMA: &str = "target/sarif-schema/package/lib/schemas/sarif-2.1.0-rtm.5.json";

fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rustc-check-cfg=cfg(tracelint_shared)");
    println!("cargo::rustc-check-cfg=cfg(sarif_schema)");
    for (cfg, path) in [
        ("tracelint_shared", "../shared"),
        ("sarif_schema", SARIF_SCHEMA),
    ] {
        if Path::new(path).exists() {
            println!("cargo::rustc-cfg={cfg}");
            // The directory itself: entries appearing or going (its corpora
            // are read at test time, not compiled in).
            println!("cargo::rerun-if-changed={path}");
        } else if std::env::var_os("TRACELINT_CI").is_some() {
            println!("cargo::warning={path} is missing under .ci/run: the tests that need it are ignored");
        }
    }
}
