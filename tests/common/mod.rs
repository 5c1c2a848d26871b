//! Helpers shared by the integration tests.
#![allow(dead_code)]

use assert_cmd::Command;
use serde_json::Value;
use std::path::{Path, PathBuf};

pub fn tracelint() -> Command {
    Command::cargo_bin("tracelint").unwrap()
}

/// `../shared/data/<rel>`, or `None` with a note when the corpora are not
/// beside this clone: for tests that add the corpora to inputs of their own.
pub fn shared_data(rel: &str) -> Option<PathBuf> {
    let path = shared_path(rel);
    if path.exists() {
        Some(path)
    } else {
        eprintln!(
            "not here, not read: {} (the shared corpora sit beside the repository)",
            path.display()
        );
        None
    }
}

/// `../shared/data/<rel>`, for a test marked
/// `#[cfg_attr(not(tracelint_shared), ignore = ...)]` (build.rs sets the cfg
/// when `../shared` is beside the repository): it is there, or the test was
/// asked for with `--include-ignored` and fails saying why.
pub fn shared(rel: &str) -> PathBuf {
    let path = shared_path(rel);
    assert!(
        path.exists(),
        "{} is missing: this test needs ../shared beside the repository",
        path.display()
    );
    path
}

fn shared_path(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/data")
        .join(rel)
}

pub fn repo(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

/// `tracelint ingest INPUT -o STORE`; asserts exit 0.
pub fn ingest_to(input: &Path, store: &Path) {
    tracelint()
        .arg("ingest")
        .arg(input)
        .arg("-o")
        .arg(store)
        .arg("--quiet")
        .assert()
        .code(0);
}

/// `stats --output-format json` on the given arguments; asserts exit 0.
pub fn stats_json(args: &[&str]) -> Value {
    let stdout =
        stdout_of(
            tracelint()
                .arg("stats")
                .args(args)
                .args(["--output-format", "json", "--quiet"]),
        );
    serde_json::from_slice(&stdout).unwrap()
}

/// The trace of `stats` JSON with this id.
pub fn trace<'a>(stats: &'a Value, trace_id: &str) -> &'a Value {
    stats["traces"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["trace_id"] == trace_id)
        .unwrap_or_else(|| panic!("no trace {trace_id}"))
}

/// A test whose prerequisite (a schema, a browser) is missing skips with a
/// message on a developer's machine, but fails under `.ci/run`, which
/// installs every prerequisite and sets TRACELINT_CI.
pub fn missing_prerequisite(what: &str) {
    if std::env::var_os("TRACELINT_CI").is_some() {
        panic!("{what} is missing under .ci/run, which should have installed it");
    }
    eprintln!("skipping: {what} is missing");
}

/// Runs a tracelint command; asserts exit 0 (showing stderr when not) and
/// returns its stdout.
pub fn stdout_of(command: &mut Command) -> Vec<u8> {
    let output = command.output().unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "stderr: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output.stdout
}
