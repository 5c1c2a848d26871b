//! The live guard: traces held as their spans arrive (`pipeline::live`),
//! judged again by the same detectors and gate as `check` each time they
//! change, and acted on when one trips.
//!
//! - **Receiving**: a request's OTLP/JSON goes through ingest's reader
//!   (`ingest::read_stream`, the `otlp_json` format: the mapping `check`
//!   uses on a file) into the live table.
//! - **Judging** (`evaluate`, called every `debounce` by the evaluator
//!   thread): each changed trace is assembled from all its events so far
//!   (`pending::assemble`, the assembly of a file) and checked by
//!   `detect::run_detectors`. The gate (`--fail-on`, by default error
//!   findings) makes the verdict: `trip` when a finding gates, `warn` with
//!   findings that do not, `ok` otherwise. Once a trace is finished (idle,
//!   evicted, or the receiver stopping) it is judged a last time on
//!   everything it received: its findings equal `check`'s on the same
//!   spans (`tests/live.rs`).
//! - **Acting**, once per trace, on its first trip: the webhook, the
//!   `--on-trip` command, a notice to `watch`. Finished traces' findings
//!   are appended to the findings file as JSON Lines (the lines of `check
//!   --output-format jsonl`), and their events to a Parquet store (the
//!   store `ingest` writes) when one is asked for. Verdicts stay readable
//!   (`verdict`) while the trace is live and for the last `max_traces`
//!   finished ones.

use anyhow::{Context, Result};
use polars::prelude::{BooleanChunked, DataFrame};
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use serde::Serialize;
use std::collections::VecDeque;
use std::io::Write;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Sender;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant, SystemTime};

use super::metrics::Metrics;
use super::webhook::WebhookSender;
use crate::accounting::{IngestSummary, Location, Severity};
use crate::detect::{gate, run_detectors, DetectOptions, Detector, Finding, Gate};
use crate::event::PendingEvent;
use crate::ingest::{read_stream, IngestOptions, MemorySink};
use crate::pipeline::live::{ChangedTrace, Closed, ClosedTrace, LiveLimits, LiveTraces};
use crate::pipeline::pending;
use crate::store::{columns, StoreWriter, TraceIndex};

/// What the guard runs and how it acts.
pub struct GuardConfig {
    pub limits: LiveLimits,
    /// How often changed traces are judged again.
    pub debounce: Duration,
    pub detectors: Vec<&'static dyn Detector>,
    pub options: DetectOptions,
    pub gate: Gate,
    pub ingest: IngestOptions,
    /// Where finished traces' findings are appended as JSON Lines.
    pub findings_file: Option<PathBuf>,
    /// Where finished traces' events are written as a Parquet store,
    /// complete once the guard stops (`close_store`).
    pub store: Option<PathBuf>,
    /// Run with `sh -c` on a trace's first trip, its id in
    /// `TRACELINT_TRACE_ID`.
    pub on_trip: Option<String>,
    /// The receiver's base URL (`http://127.0.0.1:4318`), for the
    /// verdict's address given to `on_trip` and the webhook.
    pub base_url: String,
}

impl GuardConfig {
    /// `check`'s detectors, options and gate as they are without a
    /// configuration file, judging every 100 ms, with no output and no
    /// action: what an embedding of the guard (a test, a program of one's
    /// own) starts from and changes fields of.
    pub fn new(limits: LiveLimits) -> GuardConfig {
        GuardConfig {
            limits,
            debounce: Duration::from_millis(100),
            detectors: crate::detect::registry(),
            options: DetectOptions::default(),
            gate: Gate::default(),
            ingest: IngestOptions::default(),
            findings_file: None,
            store: None,
            on_trip: None,
            base_url: String::new(),
        }
    }
}

/// A trace's verdict: the gate on its findings so far.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// No finding.
    Ok,
    /// Findings, none of which fails the gate.
    Warn,
    /// A finding fails the gate: stop the run.
    Trip,
}

/// What `GET /v1/traces/{trace_id}/verdict` answers, what the webhook
/// posts and what `watch` prints.
#[derive(Clone, Debug, Serialize)]
pub struct TraceVerdict {
    pub trace_id: String,
    pub verdict: Verdict,
    /// `live` while spans may still come, `finished` after.
    pub state: &'static str,
    /// Why it finished: `idle`, `evicted` (made room while still
    /// receiving: judged on what it had), `shutdown`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub closed: Option<Closed>,
    /// Spans (events) received and held.
    pub spans: u64,
    /// Spans refused past `--max-spans-per-trace`: the verdict did not see
    /// them.
    pub spans_dropped: u64,
    /// When it first tripped (RFC 3339, UTC).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tripped_at: Option<String>,
    /// The detectors whose findings fail the gate.
    pub tripped_by: Vec<String>,
    /// Every finding, in report order (the objects of `check`'s JSON).
    pub findings: Vec<Finding>,
    /// Whether each finding fails the gate, in the same order.
    pub gating: Vec<bool>,
}

/// What `watch` is told as it happens.
#[derive(Clone, Debug)]
pub enum Notice {
    /// A finding not seen before on this trace (its detector and first
    /// evidence span), and whether it fails the gate.
    Finding(Box<Finding>, bool),
    /// A trace's first trip.
    Trip(Box<TraceVerdict>),
    /// A trace finished, with its final verdict.
    Finished(Box<TraceVerdict>),
}

/// What one request gave.
#[derive(Debug, Default)]
pub struct Received {
    pub accepted: u64,
    /// Spans refused: unreadable (with a diagnostic) or past the cap.
    pub rejected: u64,
    /// The first diagnostic of what was refused, for the client.
    pub message: Option<String>,
}

pub struct Guard {
    config: GuardConfig,
    /// Set once the runtime that delivers it runs (`set_webhook`).
    webhook: OnceLock<WebhookSender>,
    live: Mutex<LiveTraces>,
    verdicts: Mutex<Verdicts>,
    pub metrics: Metrics,
    listeners: Mutex<Vec<Sender<Notice>>>,
    /// Requests received, to name each in diagnostics.
    requests: std::sync::atomic::AtomicU64,
    /// What every request gave, for the store's summary.
    received: Mutex<IngestSummary>,
    store: Mutex<Option<StoreSink>>,
}

/// The store of finished traces, written a batch of traces at a time.
struct StoreSink {
    writer: StoreWriter,
    /// Traces written: spans of one that come after it finished cannot be
    /// added to it (a store holds each trace once, whole).
    written: HashSet<String>,
    /// Events not written, per reason.
    not_written: Vec<(&'static str, u64)>,
}

/// Live traces' verdicts, and the last finished ones.
#[derive(Default)]
struct Verdicts {
    by_trace: HashMap<String, TraceVerdict>,
    /// Finished traces, oldest first: forgotten past `max_traces`.
    finished: VecDeque<String>,
    /// Per live trace, the findings already announced.
    announced: HashMap<String, HashSet<(String, String)>>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Guard {
    pub fn new(config: GuardConfig) -> Result<Arc<Guard>> {
        let store = config.store.as_deref().map(|path| StoreSink {
            writer: StoreWriter::create(path),
            written: HashSet::default(),
            not_written: Vec::new(),
        });
        Ok(Arc::new(Guard {
            live: Mutex::new(LiveTraces::new(config.limits)),
            store: Mutex::new(store),
            config,
            webhook: OnceLock::new(),
            verdicts: Mutex::default(),
            metrics: Metrics::new(),
            listeners: Mutex::default(),
            requests: Default::default(),
            received: Mutex::default(),
        }))
    }

    /// Posts each first trip's verdict from now on.
    pub fn set_webhook(&self, sender: WebhookSender) {
        let _ = self.webhook.set(sender);
    }

    /// Waits for webhook deliveries under way (see `WebhookSender::wait_pending`).
    pub fn wait_for_deliveries(&self) {
        if let Some(webhook) = self.webhook.get() {
            let pending = webhook.pending();
            if pending > 0 {
                eprintln!(
                    "tracelint: waiting for {pending} webhook deliveries (at most {} s)",
                    super::webhook::LONGEST.as_secs()
                );
            }
            webhook.wait_pending(super::webhook::LONGEST);
        }
    }

    /// Notices from now on, for `watch`.
    pub fn subscribe(&self) -> std::sync::mpsc::Receiver<Notice> {
        let (sender, receiver) = std::sync::mpsc::channel();
        lock(&self.listeners).push(sender);
        receiver
    }

    fn notify(&self, notice: Notice) {
        lock(&self.listeners).retain(|l| l.send(notice.clone()).is_ok());
    }

    /// Reads one OTLP/JSON document (a request's body, a line of a file
    /// being followed) named `source` in diagnostics and findings, and
    /// holds its spans. A line of a followed file is `line` of `source`;
    /// a request (`None`) is named by its number.
    pub fn receive(&self, otlp_json: &[u8], source: &str, line: Option<u32>) -> Result<Received> {
        let number = self.requests.fetch_add(1, Ordering::Relaxed) + 1;
        let sink = MemorySink::default();
        let mut reader: &[u8] = otlp_json;
        let mut options = self.config.ingest;
        options.format = crate::ingest::registry::by_name("otlp_json");
        let read = read_stream(&mut reader, source, &options, &sink)?;
        let mut events: Vec<PendingEvent> = sink.into_chunks().into_iter().flatten().collect();
        let first_line = line.unwrap_or(1);
        if first_line > 1 {
            for event in &mut events {
                event.event.source_line += first_line - 1;
            }
        }
        let skipped = read.report.summary.skipped;
        lock(&self.received).add(&read.report.summary);
        let diagnostics = read.report.diagnostics();
        let message = diagnostics
            .iter()
            .find(|d| d.severity == Severity::Skipped)
            .map(|d| format!("{}: {}", d.reason, d.detail));
        for diagnostic in diagnostics {
            let place = match (line, diagnostic.location) {
                (Some(first), Location::Line(at)) => format!("{source}:{}", first + at - 1),
                (Some(_), _) => source.to_string(),
                (None, _) => format!("request {number}"),
            };
            let what = match diagnostic.severity {
                Severity::Skipped => "skipped",
                Severity::Repaired => "read with a repair",
            };
            eprintln!(
                "tracelint: {}: {what}: {}: {}",
                crate::inert::for_line(&place),
                diagnostic.reason,
                crate::inert::for_line(&diagnostic.detail)
            );
        }
        let admitted = lock(&self.live).admit(events, Instant::now());
        for trace_id in &admitted.capped {
            eprintln!(
                "tracelint: trace {} reached --max-spans-per-trace ({}): its later spans are refused",
                crate::inert::for_line(trace_id),
                self.config.limits.max_spans_per_trace
            );
        }
        self.metrics.spans_duplicate.inc_by(admitted.duplicates);
        let received = Received {
            accepted: admitted.accepted,
            rejected: skipped + admitted.rejected,
            message: if admitted.rejected > 0 && message.is_none() {
                Some(format!(
                    "{} spans over the cap of {} per trace",
                    admitted.rejected, self.config.limits.max_spans_per_trace
                ))
            } else {
                message
            },
        };
        self.metrics.spans_accepted.inc_by(received.accepted);
        self.metrics.spans_rejected.inc_by(received.rejected);
        Ok(received)
    }

    /// The verdict of a live or recently finished trace.
    pub fn verdict(&self, trace_id: &str) -> Option<TraceVerdict> {
        lock(&self.verdicts).by_trace.get(trace_id).cloned()
    }

    /// Traces held now.
    pub fn live_traces(&self) -> usize {
        lock(&self.live).len()
    }

    /// One round: changed traces judged again, finished ones judged a last
    /// time and let go.
    pub fn evaluate(&self, now: Instant) -> Result<()> {
        let (changed, closed) = {
            let mut live = lock(&self.live);
            let closed = live.take_closed(now, false);
            let changed = live.changed();
            self.metrics.traces_live.set(live.len() as i64);
            (changed, closed)
        };
        self.judge_live(changed)?;
        self.judge_finished(closed)
    }

    /// Every trace finished and judged: the receiver is stopping.
    pub fn finish_all(&self) -> Result<()> {
        let closed = lock(&self.live).take_closed(Instant::now(), true);
        self.metrics.traces_live.set(0);
        self.judge_finished(closed)
    }

    /// Runs `evaluate` every `debounce` until `stop` is set, then
    /// `finish_all`. An error is printed and the loop goes on: a live
    /// guard does not stop guarding over one trace.
    pub fn spawn_evaluator(self: &Arc<Self>, stop: Arc<AtomicBool>) -> std::thread::JoinHandle<()> {
        let guard = Arc::clone(self);
        std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                std::thread::sleep(guard.config.debounce);
                if let Err(error) = guard.evaluate(Instant::now()) {
                    eprintln!("tracelint: error: judging live traces: {error:#}");
                }
            }
            if let Err(error) = guard.finish_all() {
                eprintln!("tracelint: error: judging the last traces: {error:#}");
            }
        })
    }

    /// The Store frame of `traces`, and the findings per trace, each
    /// trace's in report order.
    fn detect(
        &self,
        traces: Vec<Vec<PendingEvent>>,
    ) -> Result<(DataFrame, HashMap<String, Vec<Finding>>)> {
        let started = Instant::now();
        let (frame, _) = pending::assemble(traces)?;
        let index = TraceIndex::build(&frame)?;
        let detected = run_detectors(&frame, &index, &self.config.detectors, &self.config.options)?;
        let mut by_trace: HashMap<String, Vec<Finding>> = HashMap::default();
        for finding in detected.findings {
            by_trace
                .entry(finding.trace_id.clone())
                .or_default()
                .push(finding);
        }
        self.metrics.evaluations.inc();
        self.metrics
            .evaluation_seconds
            .inc_by(started.elapsed().as_secs_f64());
        Ok((frame, by_trace))
    }

    fn verdict_of(&self, trace_id: &str, findings: Vec<Finding>, spans: u64) -> TraceVerdict {
        let fingerprints = gate::fingerprints(&findings, str::to_string);
        let gating = self.config.gate.gates(&findings, &fingerprints);
        let mut tripped_by: Vec<String> = findings
            .iter()
            .zip(&gating)
            .filter(|(_, g)| **g)
            .map(|(f, _)| f.detector.clone())
            .collect();
        tripped_by.sort();
        tripped_by.dedup();
        let verdict = if !tripped_by.is_empty() {
            Verdict::Trip
        } else if findings.is_empty() {
            Verdict::Ok
        } else {
            Verdict::Warn
        };
        TraceVerdict {
            trace_id: trace_id.to_string(),
            verdict,
            state: "live",
            closed: None,
            spans,
            spans_dropped: 0,
            tripped_at: None,
            tripped_by,
            findings,
            gating,
        }
    }

    fn judge_live(&self, changed: Vec<ChangedTrace>) -> Result<()> {
        if changed.is_empty() {
            return Ok(());
        }
        let facts: Vec<(String, u64, u64)> = changed
            .iter()
            .map(|c| (c.trace_id.clone(), c.events.len() as u64, c.spans_dropped))
            .collect();
        let (_, mut by_trace) = self.detect(changed.into_iter().map(|c| c.events).collect())?;
        for (trace_id, spans, dropped) in facts {
            let findings = by_trace.remove(&trace_id).unwrap_or_default();
            let mut verdict = self.verdict_of(&trace_id, findings, spans);
            verdict.spans_dropped = dropped;
            self.record(verdict, None);
        }
        Ok(())
    }

    fn judge_finished(&self, closed: Vec<ClosedTrace>) -> Result<()> {
        if closed.is_empty() {
            return Ok(());
        }
        let facts: Vec<(String, Closed, u64, u64)> = closed
            .iter()
            .map(|c| {
                (
                    c.trace_id.clone(),
                    c.closed,
                    c.events.len() as u64,
                    c.spans_dropped,
                )
            })
            .collect();
        let (frame, mut by_trace) = self.detect(closed.into_iter().map(|c| c.events).collect())?;
        self.store_traces(&frame, &facts)?;
        let mut lines = Vec::new();
        for (trace_id, closed, spans, dropped) in facts {
            let findings = by_trace.remove(&trace_id).unwrap_or_default();
            lines.extend(findings.iter().cloned());
            let mut verdict = self.verdict_of(&trace_id, findings, spans);
            verdict.spans_dropped = dropped;
            if closed == Closed::Evicted {
                self.metrics.traces_evicted.inc();
            }
            self.metrics.traces_finished.inc();
            self.record(verdict, Some(closed));
        }
        if let Some(path) = &self.config.findings_file {
            append_lines(path, &lines)?;
        }
        Ok(())
    }

    /// Writes finished traces to the store, when there is one. A trace
    /// written already (spans came after it finished: the idle timeout is
    /// shorter than the run's pauses) is not written again; its events are
    /// counted as not written (`late_spans`) and a warning says so.
    fn store_traces(&self, frame: &DataFrame, facts: &[(String, Closed, u64, u64)]) -> Result<()> {
        let mut store = lock(&self.store);
        let Some(sink) = store.as_mut() else {
            return Ok(());
        };
        for (trace_id, _, _, dropped) in facts {
            if *dropped > 0 {
                sink.not_written.push(("over_span_cap", *dropped));
            }
            if sink.written.contains(trace_id) {
                eprintln!(
                    "tracelint: trace {trace_id} received spans after it was finished; \
                     they are not in the store (raise --idle-timeout)"
                );
            }
        }
        let ids = frame.column(columns::TRACE_ID)?.str()?;
        let late: usize = ids
            .iter()
            .filter(|id| id.is_some_and(|id| sink.written.contains(id)))
            .count();
        let frame = if late > 0 {
            let keep: BooleanChunked = ids
                .iter()
                .map(|id| Some(!id.is_some_and(|id| sink.written.contains(id))))
                .collect();
            sink.not_written.push(("late_spans", late as u64));
            frame.filter(&keep)?
        } else {
            frame.clone()
        };
        sink.written
            .extend(facts.iter().map(|(trace_id, ..)| trace_id.clone()));
        if frame.height() > 0 {
            sink.writer.write(&frame)?;
        }
        Ok(())
    }

    /// Writes the store's footer, with the summary of what was received
    /// and what was not written; a no-op without a store. Call once the
    /// traces are finished (`finish_all`).
    pub fn close_store(&self) -> Result<()> {
        let Some(sink) = lock(&self.store).take() else {
            return Ok(());
        };
        let mut summary = lock(&self.received).clone();
        // Read, but not in the store: skipped, with their reason.
        for (reason, count) in sink.not_written {
            summary.ingested = summary.ingested.saturating_sub(count);
            summary.skipped += count;
            *summary
                .skipped_reasons
                .entry(reason.to_string())
                .or_default() += count;
        }
        sink.writer.finish(&summary, &mut DataFrame::empty())
    }

    /// Keeps a trace's new verdict, announces its new findings and acts on
    /// its first trip.
    fn record(&self, mut verdict: TraceVerdict, closed: Option<Closed>) {
        let mut verdicts = lock(&self.verdicts);
        let previous = verdicts.by_trace.get(&verdict.trace_id);
        verdict.tripped_at = previous.and_then(|p| p.tripped_at.clone());
        if let Some(previous) = previous.filter(|p| p.verdict == Verdict::Trip) {
            // A trip stays a trip: spans that came after the trace finished
            // are judged without what came before, and must not clear it.
            for (finding, gating) in previous.findings.iter().zip(&previous.gating) {
                let same = |f: &Finding| {
                    f.detector == finding.detector && f.span_ids.first() == finding.span_ids.first()
                };
                if *gating && !verdict.findings.iter().any(same) {
                    verdict.findings.push(finding.clone());
                    verdict.gating.push(true);
                }
            }
            verdict
                .tripped_by
                .extend(previous.tripped_by.iter().cloned());
            verdict.tripped_by.sort();
            verdict.tripped_by.dedup();
            verdict.verdict = Verdict::Trip;
        }
        let first_trip = verdict.verdict == Verdict::Trip && verdict.tripped_at.is_none();
        if first_trip {
            verdict.tripped_at = Some(now_rfc3339());
        }
        let announced = verdicts
            .announced
            .entry(verdict.trace_id.clone())
            .or_default();
        let mut new_findings = Vec::new();
        for (finding, gating) in verdict.findings.iter().zip(&verdict.gating) {
            let key = (
                finding.detector.clone(),
                finding.span_ids.first().cloned().unwrap_or_default(),
            );
            if announced.insert(key) {
                new_findings.push(Notice::Finding(Box::new(finding.clone()), *gating));
            }
        }
        if let Some(closed) = closed {
            verdict.state = "finished";
            verdict.closed = Some(closed);
            verdicts.announced.remove(&verdict.trace_id);
            verdicts.finished.push_back(verdict.trace_id.clone());
            while verdicts.finished.len() > self.config.limits.max_traces.max(1) {
                if let Some(old) = verdicts.finished.pop_front() {
                    // Not when it came back live since.
                    if verdicts
                        .by_trace
                        .get(&old)
                        .is_some_and(|v| v.state == "finished")
                    {
                        verdicts.by_trace.remove(&old);
                    }
                }
            }
        }
        verdicts
            .by_trace
            .insert(verdict.trace_id.clone(), verdict.clone());
        drop(verdicts);
        for notice in new_findings {
            self.notify(notice);
        }
        if first_trip {
            self.metrics.traces_tripped.inc();
            for detector in &verdict.tripped_by {
                self.metrics.trip(detector);
            }
            self.act_on_trip(&verdict);
        }
        if closed.is_some() {
            self.notify(Notice::Finished(Box::new(verdict)));
        }
    }

    fn act_on_trip(&self, verdict: &TraceVerdict) {
        eprintln!(
            "tracelint: trace {} tripped ({})",
            crate::inert::for_line(&verdict.trace_id),
            verdict.tripped_by.join(", ")
        );
        let url = format!(
            "{}/v1/traces/{}/verdict",
            self.config.base_url, verdict.trace_id
        );
        if let Some(webhook) = self.webhook.get() {
            webhook.send(verdict, &url);
        }
        if let Some(command) = &self.config.on_trip {
            run_on_trip(command, verdict, &url, &self.metrics);
        }
        self.notify(Notice::Trip(Box::new(verdict.clone())));
    }
}

/// Starts `sh -c COMMAND` with the trace in its environment, and reaps it
/// on a thread of its own: a slow command does not hold the guard.
fn run_on_trip(command: &str, verdict: &TraceVerdict, url: &str, metrics: &Metrics) {
    let child = std::process::Command::new("sh")
        .arg("-c")
        .arg(command)
        .env("TRACELINT_TRACE_ID", &verdict.trace_id)
        .env("TRACELINT_VERDICT", "trip")
        .env("TRACELINT_DETECTORS", verdict.tripped_by.join(","))
        .env("TRACELINT_VERDICT_URL", url)
        .stdin(std::process::Stdio::null())
        .spawn();
    let failures = metrics.on_trip_failures.clone();
    match child {
        Ok(mut child) => {
            std::thread::spawn(move || match child.wait() {
                Ok(status) if status.success() => {}
                Ok(status) => {
                    failures.inc();
                    eprintln!("tracelint: --on-trip command ended with {status}");
                }
                Err(error) => {
                    failures.inc();
                    eprintln!("tracelint: --on-trip command: {error}");
                }
            });
        }
        Err(error) => {
            failures.inc();
            eprintln!("tracelint: cannot start the --on-trip command: {error}");
        }
    }
}

fn append_lines(path: &PathBuf, findings: &[Finding]) -> Result<()> {
    if findings.is_empty() {
        return Ok(());
    }
    let text = crate::report::json::findings_lines(findings)?;
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .with_context(|| format!("cannot open {} to append findings", path.display()))?;
    file.write_all(text.as_bytes())
        .with_context(|| format!("cannot append findings to {}", path.display()))
}

fn now_rfc3339() -> String {
    let ns = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_nanos() as i64)
        .unwrap_or_default();
    crate::event::format_timestamp_ns(ns)
}
