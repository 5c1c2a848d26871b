//! The receiver's `/metrics`: counters and gauges in the OpenMetrics text
//! format (which Prometheus scrapes), written by the `prometheus-client`
//! crate. Names follow Prometheus' conventions: a `tracelint_` prefix,
//! `_total` on counters (added by the encoder), base units (seconds).

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;
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
        let mut registry = Registry::with_prefix("tracelint");
        let traces_live = Gauge::default();
        registry.register("traces_live", "Traces held now", traces_live.clone());
        let spans_accepted = Counter::default();
        registry.register(
            "spans_accepted",
            "Spans taken into live traces",
            spans_accepted.clone(),
        );
        let spans_rejected = Counter::default();
        registry.register(
            "spans_rejected",
            "Spans refused: unreadable, or past the per-trace cap",
            spans_rejected.clone(),
        );
        let spans_duplicate = Counter::default();
        registry.register(
            "spans_duplicate",
            "Spans a trace held already (sent again by a retry), not held twice",
            spans_duplicate.clone(),
        );
        let requests = Family::<CodeLabel, Counter>::default();
        registry.register(
            "requests",
            "OTLP export requests, by the HTTP status answered",
            requests.clone(),
        );
        let traces_finished = Counter::default();
        registry.register(
            "traces_finished",
            "Traces finished: idle, evicted, or at shutdown",
            traces_finished.clone(),
        );
        let traces_evicted = Counter::default();
        registry.register(
            "traces_evicted",
            "Traces evicted to make room while still receiving",
            traces_evicted.clone(),
        );
        let trips = Family::<DetectorLabel, Counter>::default();
        registry.register(
            "trips",
            "Traces tripped, by each detector that failed the gate",
            trips.clone(),
        );
        let traces_tripped = Counter::default();
        registry.register(
            "traces_tripped",
            "Traces that tripped, each counted once",
            traces_tripped.clone(),
        );
        let webhook_failures = Counter::default();
        registry.register(
            "webhook_failures",
            "Webhook deliveries that failed after every attempt",
            webhook_failures.clone(),
        );
        let on_trip_failures = Counter::default();
        registry.register(
            "on_trip_failures",
            "--on-trip commands that could not start or failed",
            on_trip_failures.clone(),
        );
        let evaluations = Counter::default();
        registry.register(
            "evaluations",
            "Rounds of detection on changed or finished traces",
            evaluations.clone(),
        );
        let evaluation_seconds = Counter::<f64, AtomicU64>::default();
        registry.register(
            "evaluation_seconds",
            "Time spent in detection rounds",
            evaluation_seconds.clone(),
        );
        Metrics {
            registry,
            traces_live,
            spans_accepted,
            spans_rejected,
            spans_duplicate,
            requests,
            traces_finished,
            traces_evicted,
            trips,
            traces_tripped,
            webhook_failures,
            on_trip_failures,
            evaluations,
            evaluation_seconds,
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

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}
