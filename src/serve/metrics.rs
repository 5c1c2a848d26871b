//! The receiver's `/metrics`: counters and gauges in the OpenMetrics text
//! format (which Prometheus scrapes), written by the `prometheus-client`
//! crate. Names follow Prometheus' conventions: a `tracelint_` prefix,
//! `_total` on counters (added by the encoder), base units (seconds).

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::{Metric, Registry};
use std::sync::atomic::AtomicU64;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct DetectorLabel {
    detector: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct CodeLabel {
    code: u16,
}

/// Every metric of a receiver. Cloning a metric shares it.
pub struct Metrics {
    registry: Registry,
    /// Traces held now (`tracelint_traces_live`).
    pub traces_live: Gauge,
    /// Spans taken into live traces.
    pub spans_accepted: Counter,
    /// Spans refused: unreadable, or past the per-trace cap.
    pub spans_rejected: Counter,
    /// Spans a trace held already (sent again by a retry): not held twice.
    pub spans_duplicate: Counter,
    requests: Family<CodeLabel, Counter>,
    /// Traces finished (idle, evicted or at shutdown).
    pub traces_finished: Counter,
    /// Traces evicted to make room while still receiving.
    pub traces_evicted: Counter,
    trips: Family<DetectorLabel, Counter>,
    /// Traces that tripped (each once).
    pub traces_tripped: Counter,
    /// Webhook deliveries that failed after every attempt.
    pub webhook_failures: Counter,
    /// `--on-trip` commands that could not start or failed.
    pub on_trip_failures: Counter,
    /// Rounds of detection on changed or finished traces, and their time.
    pub evaluations: Counter,
    pub evaluation_seconds: Counter<f64, AtomicU64>,
}

impl Metrics {
    pub fn new() -> Metrics {
        let mut r = Registry::with_prefix("tracelint");
        Metrics {
            traces_live: registered(&mut r, "traces_live", "Traces held now"),
            spans_accepted: registered(&mut r, "spans_accepted", "Spans taken into live traces"),
            spans_rejected: registered(
                &mut r,
                "spans_rejected",
                "Spans refused: unreadable, or past the per-trace cap",
            ),
            spans_duplicate: registered(
                &mut r,
                "spans_duplicate",
                "Spans a trace held already (sent again by a retry), not held twice",
            ),
            requests: registered(
                &mut r,
                "requests",
                "OTLP export requests, by the HTTP status answered",
            ),
            traces_finished: registered(
                &mut r,
                "traces_finished",
                "Traces finished: idle, evicted, or at shutdown",
            ),
            traces_evicted: registered(
                &mut r,
                "traces_evicted",
                "Traces evicted to make room while still receiving",
            ),
            trips: registered(
                &mut r,
                "trips",
                "Traces tripped, by each detector that failed the gate",
            ),
            traces_tripped: registered(
                &mut r,
                "traces_tripped",
                "Traces that tripped, each counted once",
            ),
            webhook_failures: registered(
                &mut r,
                "webhook_failures",
                "Webhook deliveries that failed after every attempt",
            ),
            on_trip_failures: registered(
                &mut r,
                "on_trip_failures",
                "--on-trip commands that could not start or failed",
            ),
            evaluations: registered(
                &mut r,
                "evaluations",
                "Rounds of detection on changed or finished traces",
            ),
            evaluation_seconds: registered(
                &mut r,
                "evaluation_seconds",
                "Time spent in detection rounds",
            ),
            registry: r,
        }
    }

    /// One request answered with `code`.
    pub fn request(&self, code: u16) {
        self.requests.get_or_create(&CodeLabel { code }).inc();
    }

    /// A trace tripped by `detector`.
    pub fn trip(&self, detector: &str) {
        self.trips
            .get_or_create(&DetectorLabel {
                detector: detector.to_string(),
            })
            .inc();
    }

    /// One line for the end of a run: traces, spans, evictions, trips.
    pub fn summary(&self) -> String {
        format!(
            "traces finished: {} (evicted: {}), spans accepted: {}, rejected: {}, traces tripped: {}",
            self.traces_finished.get(),
            self.traces_evicted.get(),
            self.spans_accepted.get(),
            self.spans_rejected.get(),
            self.traces_tripped.get(),
        )
    }

    /// The exposition, ending with `# EOF`.
    pub fn render(&self) -> String {
        let mut out = String::new();
        // Writing to a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }
}

/// A new metric, registered under `name` (the encoder adds `_total` to a
/// counter's), sharing its value with the registry.
fn registered<M: Metric + Clone + Default>(registry: &mut Registry, name: &str, help: &str) -> M {
    let metric = M::default();
    registry.register(name, help, metric.clone());
    metric
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}
