//! Renderers: one file per output format. They know neither formats nor
//! failures: they take summaries and findings.
//!
//! Never imports `ingest`, `pipeline` or `cli`.

pub mod charts;
pub mod csv;
pub mod github;
pub mod gitlab;
pub mod html;
pub mod json;
pub mod junit;
pub mod markdown;
pub mod parquet;
pub mod sarif;
pub mod table;

use crate::detect::{gate, Detected, Finding, Gate, Waste};
use crate::summary::RunSummary;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

/// Where CI outputs name trace files from: the repository root, so that a
/// code-scanning service, a pull request annotation and a baseline made
/// in another checkout all find the same file. The `cli` finds the root:
/// the nearest directory upward of the working directory with a `.git`.
/// Outside a repository there is none: a file named by a relative path
/// keeps it (relative to the working directory), one named by an
/// absolute path stays absolute, so neither depends on where the run
/// starts.
#[derive(Clone, Debug)]
pub struct SourceRoot {
    /// The repository root, absolute; None outside a repository.
    pub dir: Option<PathBuf>,
    /// The working directory that relative input paths are relative to.
    pub cwd: PathBuf,
}

impl SourceRoot {
    /// `file` (as the input named it) relative to the root, with `/`
    /// separators; None for a file outside the root or for stdin.
    pub fn relative(&self, file: &str) -> Option<String> {
        if file == "<stdin>" {
            return None;
        }
        let path = self.absolute(file);
        let relative = match &self.dir {
            Some(dir) => path.strip_prefix(dir).ok()?.to_path_buf(),
            None if Path::new(file).is_relative() => {
                let relative = lexical(Path::new(file));
                if relative.starts_with("..") {
                    return None;
                }
                relative
            }
            None => return None,
        };
        let parts: Vec<String> = relative
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        Some(parts.join("/"))
    }

    /// `file` as an absolute path, `.` and `..` resolved by their names
    /// (not through links: the path the user gave, made absolute).
    pub fn absolute(&self, file: &str) -> PathBuf {
        lexical(&self.cwd.join(file))
    }

    /// `file` as CI outputs name it: relative to the root when it is in
    /// it, else as the input named it.
    pub fn display(&self, file: &str) -> String {
        self.relative(file).unwrap_or_else(|| file.to_string())
    }

    /// The root (outside a repository, the working directory) as a
    /// `file:` URI ending in `/` (SARIF `originalUriBaseIds`).
    pub fn uri(&self) -> String {
        let dir = self.dir.as_ref().unwrap_or(&self.cwd);
        let path = dir.to_string_lossy().replace('\\', "/");
        let path = if path.starts_with('/') {
            path
        } else {
            format!("/{path}")
        };
        let path = if path.ends_with('/') {
            path
        } else {
            format!("{path}/")
        };
        format!("file://{}", uri_path(&path))
    }
}

/// `path` with `.` dropped and `name/..` removed, by the names alone.
fn lexical(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::ParentDir if out.file_name().is_some() => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// A path as a URI path: `/` kept, unreserved characters kept, every other
/// byte percent-encoded (RFC 3986).
pub fn uri_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for byte in path.replace('\\', "/").bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                out.push(byte as char)
            }
            other => out.push_str(&format!("%{other:02X}")),
        }
    }
    out
}

/// One of the tables of `stats`, to show alone (`stats --table`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StatsTable {
    Traces,
    Agents,
    Handoffs,
    Tools,
}

/// A trace that was checked.
pub struct TraceRef {
    pub trace_id: String,
    pub source_file: Arc<str>,
}

/// What `check` found, for every renderer.
pub struct CheckOutcome {
    pub summary: RunSummary,
    /// Every trace checked, in Store order.
    pub traces: Vec<TraceRef>,
    /// Names of the detectors that ran.
    pub detectors: Vec<&'static str>,
    /// How many findings fail the gate.
    pub gating: usize,
    pub findings: Vec<Finding>,
    /// For each finding, whether it fails the run (`Gate::gates`).
    pub gates: Vec<bool>,
    /// With `--baseline`, for each finding whether the baseline has it
    /// (accepted: not an error annotation; SARIF `baselineState`).
    pub baselined: Option<Vec<bool>>,
    /// Each finding's fingerprint (`gate::fingerprints`).
    pub fingerprints: Vec<String>,
    /// Per trace with findings, their waste counted once (`Detected::waste`).
    pub waste: std::collections::BTreeMap<String, Waste>,
    /// Where trace files are named from.
    pub root: SourceRoot,
    /// Why the run is an error (exit 2) although it has an outcome: no
    /// trace was read, or records were skipped under `--strict`. Every CI
    /// output says so, so that a broken run never reads as a clean one
    /// (SARIF `executionSuccessful: false`, a JUnit error, a GitLab issue).
    pub error: Option<String>,
}

impl CheckOutcome {
    /// The outcome of `findings` under `gate`: fingerprints made once,
    /// from paths relative to `root`, and each finding's verdict.
    pub fn new(
        summary: RunSummary,
        traces: Vec<TraceRef>,
        detectors: Vec<&'static str>,
        detected: Detected,
        gate: &Gate,
        root: SourceRoot,
    ) -> CheckOutcome {
        let Detected { findings, waste } = detected;
        let fingerprints = gate::fingerprints(&findings, |file| root.display(file));
        let gates = gate.gates(&findings, &fingerprints);
        CheckOutcome {
            summary,
            traces,
            detectors,
            gating: gates.iter().filter(|g| **g).count(),
            baselined: gate.baselined(&fingerprints),
            gates,
            fingerprints,
            findings,
            waste,
            root,
            error: None,
        }
    }

    /// Whether the run fails the gate.
    pub fn fails(&self) -> bool {
        self.gates.contains(&true)
    }

    /// Whether finding `i` is in the baseline (false without one): an
    /// accepted finding, which no output shows as failing.
    pub fn in_baseline(&self, i: usize) -> bool {
        self.baselined.as_ref().is_some_and(|b| b[i])
    }

    /// The one line a CI log shows under every output format: what was
    /// read, what was checked, what was found and what gates. "tracelint:
    /// 5 files, 5 traces, 125 events (0 records skipped); 21 detectors: 11
    /// findings in 4 traces, 10 gating".
    pub fn summary_line(&self) -> String {
        let s = &self.summary;
        let n = |count: u64, what: &str| match count {
            1 => format!("1 {what}"),
            _ => format!("{count} {what}s"),
        };
        let mut line = format!(
            "tracelint: {}, {}, {} ({} skipped); {}: ",
            n(s.files, "file"),
            n(s.traces, "trace"),
            n(s.events, "event"),
            n(s.skipped, "record"),
            n(self.detectors.len() as u64, "detector")
        );
        if self.findings.is_empty() {
            line.push_str("no findings");
            return line;
        }
        let traces: std::collections::HashSet<&str> =
            self.findings.iter().map(|f| f.trace_id.as_str()).collect();
        line.push_str(&format!(
            "{} in {}, {} gating",
            n(self.findings.len() as u64, "finding"),
            n(traces.len() as u64, "trace"),
            self.gating
        ));
        if let Some(baselined) = &self.baselined {
            let accepted = baselined.iter().filter(|b| **b).count();
            line.push_str(&format!(", {accepted} in the baseline"));
        }
        line
    }
}

/// What findings wasted, for people: "1,234 tokens, $0.0210, 3.4 s"; a
/// figure no row gave is left out (unknown is not zero), and when none is
/// known, "not measured (the trace gives no usage or times)".
pub fn waste_text(waste: &Waste) -> String {
    let parts: Vec<String> = [
        waste.tokens.map(|t| format!("{} tokens", thousands(t))),
        waste.cost_usd.map(|c| format!("${c:.4}")),
        waste.ms.map(|ms| format!("{:.1} s", ms as f64 / 1000.0)),
    ]
    .into_iter()
    .flatten()
    .collect();
    if parts.is_empty() {
        "not measured (the trace gives no usage or times)".to_string()
    } else {
        parts.join(", ")
    }
}

/// The waste of all traces, each counted once.
pub fn total_waste<'w>(waste: impl IntoIterator<Item = &'w Waste>) -> Waste {
    waste
        .into_iter()
        .copied()
        .fold(Waste::default(), Waste::plus)
}

/// 1234567 → "1,234,567".
pub fn thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 {
        out.insert(0, '-');
    }
    out
}

/// Findings counted by MAST category (or "checklist") and by MAST mode (or
/// checklist item), for the report's tables and charts.
pub struct Breakdown<'a> {
    /// "FC1 Specification issues" → findings.
    pub by_category: std::collections::BTreeMap<String, usize>,
    /// "1.3" or "P2" → (findings, the detectors that made them).
    pub by_mode: std::collections::BTreeMap<String, (usize, std::collections::BTreeSet<&'a str>)>,
}

impl<'a> Breakdown<'a> {
    pub fn of(findings: &'a [Finding]) -> Self {
        let mut breakdown = Breakdown {
            by_category: Default::default(),
            by_mode: Default::default(),
        };
        for f in findings {
            let mode = f
                .mast_mode
                .clone()
                .or_else(|| f.checklist.clone())
                .unwrap_or_else(|| "-".into());
            let entry = breakdown.by_mode.entry(mode).or_default();
            entry.0 += 1;
            entry.1.insert(&f.detector);
            *breakdown.by_category.entry(category_of(f)).or_default() += 1;
        }
        breakdown
    }
}

/// The MAST category of a finding with its name, or "checklist" for a
/// finding that only maps to the production-readiness checklist.
fn category_of(finding: &Finding) -> String {
    let taxonomy = &crate::taxonomy::TAXONOMY;
    let Some(mode) = finding.mast_mode.as_deref() else {
        return "checklist".to_string();
    };
    match taxonomy.modes.iter().find(|m| m.id == mode) {
        Some(m) => {
            let name = taxonomy
                .categories
                .get(&m.category)
                .map_or("", String::as_str);
            format!("{} {name}", m.category)
        }
        None => mode.to_string(),
    }
}

/// How many findings name each agent.
pub fn findings_per_agent(findings: &[Finding]) -> std::collections::BTreeMap<&str, usize> {
    let mut counts = std::collections::BTreeMap::new();
    for f in findings {
        for agent in &f.agents {
            *counts.entry(agent.as_str()).or_default() += 1;
        }
    }
    counts
}

/// "1.3 Step repetition", "P2 Hop cap": a mode or checklist id with its
/// name from the taxonomy.
pub fn mode_label(id: &str) -> String {
    let taxonomy = &crate::taxonomy::TAXONOMY;
    let name = taxonomy
        .modes
        .iter()
        .find(|m| m.id == id)
        .map(|m| m.name.as_str())
        .or_else(|| {
            taxonomy
                .checklist
                .iter()
                .find(|c| c.id == id)
                .map(|c| c.name.as_str())
        });
    match name {
        Some(name) => format!("{id} {name}"),
        None => id.to_string(),
    }
}
