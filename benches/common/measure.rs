//! Running tracelint as a measured child process, and reading what it found.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::File;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

/// Runs `tracelint ARGS` with stdout to `stdout` and stderr to `stderr`;
/// its wall time and its own peak RSS (wait4 reaps exactly this child and
/// returns its rusage).
pub fn run_measured(args: &[&str], stdout: &Path, stderr: Stdio) -> std::io::Result<(f64, f64)> {
    let started = Instant::now();
    let child = Command::new(env!("CARGO_BIN_EXE_tracelint"))
        .args(args)
        .stdout(File::create(stdout)?)
        .stderr(stderr)
        .spawn()?;
    let mut status = 0;
    // SAFETY: rusage is plain data that wait4 fills in.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: waits for the child just spawned, whose pid is valid.
    let reaped = unsafe { libc::wait4(child.id() as i32, &mut status, 0, &mut usage) };
    let seconds = started.elapsed().as_secs_f64();
    assert!(reaped > 0, "wait4 failed");
    assert!(
        libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
        "tracelint {args:?} failed: status {status}"
    );
    Ok((seconds, usage.ru_maxrss as f64 / 1024.0))
}

/// A `check` run: its wall time, peak RSS, and where its time went.
pub struct CheckRun {
    pub seconds: f64,
    pub rss_mib: f64,
    /// What `--timings` printed: the run's phases.
    pub timings: String,
}

/// `tracelint check DIR --timings` end to end, its findings as JSON Lines
/// to `findings`: wall time and peak RSS, as `run_measured`.
pub fn check(dir: &Path, findings: &Path) -> std::io::Result<CheckRun> {
    let dir = dir.to_str().expect("corpus paths are UTF-8");
    let timings = findings.with_extension("timings.txt");
    let (seconds, rss_mib) = run_measured(
        &[
            "check",
            dir,
            "--exit-zero",
            "--output-format",
            "jsonl",
            "--quiet",
            "--timings",
        ],
        findings,
        Stdio::from(File::create(&timings)?),
    )?;
    Ok(CheckRun {
        seconds,
        rss_mib,
        timings: std::fs::read_to_string(&timings)?,
    })
}

/// Prints how many traces each detector found something in: to be read
/// against the corpus's planted shapes.
pub fn print_traces_per_detector(findings: &Path) -> std::io::Result<()> {
    println!("findings by detector (traces with one):");
    for (detector, traces) in traces_per_detector(findings)? {
        println!("  {detector}: {traces}");
    }
    Ok(())
}

/// Distinct traces with a finding, per detector, from `check`'s JSON Lines.
fn traces_per_detector(findings: &Path) -> std::io::Result<BTreeMap<String, usize>> {
    let mut traces: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for line in std::fs::read_to_string(findings)?.lines() {
        let finding: serde_json::Value = serde_json::from_str(line)?;
        let field = |k: &str| finding[k].as_str().unwrap_or_default().to_string();
        traces
            .entry(field("detector"))
            .or_default()
            .insert(field("trace_id"));
    }
    Ok(traces.into_iter().map(|(d, t)| (d, t.len())).collect())
}
