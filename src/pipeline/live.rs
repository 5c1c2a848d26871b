//! Live traces: the events of traces still running, held per trace as they
//! arrive (in any order, in any split into requests) until the trace is
//! finished: idle for a while, evicted to make room, or the receiver
//! stopping. Bounded like the OpenTelemetry Collector's tail sampling
//! processor (`num_traces`, `decision_wait`): at most `max_traces` traces
//! and `max_spans_per_trace` events each; what does not fit is counted,
//! never dropped silently.
//!
//! A trace is handed out as pending events, the way files give them, and
//! made into a Store frame by `pending::assemble`, the same assembly
//! `check` runs, so
//! the detectors see a live trace exactly as they would see it in a file.
//! Events keep their arrival order as the tie-break of equal start times
//! (`PendingEvent::order`), whatever request brought them.

use rustc_hash::FxHashMap as HashMap;
use std::time::{Duration, Instant};

use crate::event::PendingEvent;

/// The bounds of the live table.
#[derive(Clone, Copy, Debug)]
pub struct LiveLimits {
    /// Traces held at once; a new trace past it evicts the least recently
    /// updated one.
    pub max_traces: usize,
    /// Events held per trace; later ones are rejected (counted).
    pub max_spans_per_trace: usize,
    /// A trace that received nothing for this long is finished.
    pub idle: Duration,
}

/// Why a trace left the table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Closed {
    /// Nothing arrived for `LiveLimits::idle`.
    Idle,
    /// Made room for a new trace while still receiving.
    Evicted,
    /// The receiver stopped.
    Shutdown,
}

/// A trace that left the table, with every event it received.
pub struct ClosedTrace {
    pub trace_id: String,
    pub events: Vec<PendingEvent>,
    pub closed: Closed,
    /// Events refused because the trace had `max_spans_per_trace` already.
    pub spans_dropped: u64,
}

/// What taking one request's events did.
#[derive(Debug, Default)]
pub struct Admitted {
    /// Events now held.
    pub accepted: u64,
    /// Events refused: their trace was full.
    pub rejected: u64,
    /// Events the trace held already (a span sent again by an exporter's
    /// retry): not held twice, and not counted against the cap.
    pub duplicates: u64,
    /// Traces that reached `max_spans_per_trace` with this request.
    pub capped: Vec<String>,
}

struct LiveTrace {
    events: Vec<PendingEvent>,
    /// Each span id's first event, to know a span sent again.
    by_span: HashMap<String, usize>,
    last_seen: Instant,
    /// Received something (or refused something) since it was last handed
    /// out by `changed`.
    changed: bool,
    spans_dropped: u64,
}

/// A changed trace as `LiveTraces::changed` hands it out.
pub struct ChangedTrace {
    pub trace_id: String,
    /// Copies of every event held.
    pub events: Vec<PendingEvent>,
    pub spans_dropped: u64,
}

pub struct LiveTraces {
    limits: LiveLimits,
    traces: HashMap<String, LiveTrace>,
    /// Events admitted so far: each event's arrival number.
    arrivals: u64,
    /// Traces evicted and waiting for `take_closed`.
    evicted: Vec<ClosedTrace>,
}

impl LiveTraces {
    pub fn new(limits: LiveLimits) -> LiveTraces {
        LiveTraces {
            limits,
            traces: HashMap::default(),
            arrivals: 0,
            evicted: Vec::new(),
        }
    }

    /// Traces held.
    pub fn len(&self) -> usize {
        self.traces.len()
    }

    pub fn is_empty(&self) -> bool {
        self.traces.is_empty()
    }

    /// Events held, over every trace.
    pub fn events(&self) -> usize {
        self.traces.values().map(|t| t.events.len()).sum()
    }

    pub fn contains(&self, trace_id: &str) -> bool {
        self.traces.contains_key(trace_id)
    }

    /// Takes one request's events. A trace not held yet evicts the least
    /// recently updated one when the table is full (`take_closed` gives
    /// it); an event past its trace's cap is refused.
    pub fn admit(&mut self, events: Vec<PendingEvent>, now: Instant) -> Admitted {
        let mut admitted = Admitted::default();
        for mut event in events {
            if !self.traces.contains_key(&event.event.trace_id) {
                if self.traces.len() >= self.limits.max_traces.max(1) {
                    self.evict_oldest();
                }
                self.traces.insert(
                    event.event.trace_id.clone(),
                    LiveTrace {
                        events: Vec::new(),
                        by_span: HashMap::default(),
                        last_seen: now,
                        changed: false,
                        spans_dropped: 0,
                    },
                );
            }
            let trace = self
                .traces
                .get_mut(&event.event.trace_id)
                .expect("inserted above");
            trace.last_seen = now;
            let known = trace.by_span.get(&event.event.span_id).copied();
            if known.is_some_and(|i| trace.events[i].event.same_content(&event.event)) {
                admitted.duplicates += 1;
                continue;
            }
            if trace.events.len() >= self.limits.max_spans_per_trace {
                if trace.spans_dropped == 0 {
                    admitted.capped.push(event.event.trace_id.clone());
                }
                trace.spans_dropped += 1;
                trace.changed = true;
                admitted.rejected += 1;
                continue;
            }
            // Arrival order breaks ties of start time, as input order does
            // in a file.
            event.order = (0, self.arrivals);
            self.arrivals += 1;
            if known.is_none() {
                trace
                    .by_span
                    .insert(event.event.span_id.clone(), trace.events.len());
            }
            trace.events.push(event);
            trace.changed = true;
            admitted.accepted += 1;
        }
        admitted
    }

    fn evict_oldest(&mut self) {
        let Some(oldest) = self
            .traces
            .iter()
            .min_by(|a, b| (a.1.last_seen, a.0).cmp(&(b.1.last_seen, b.0)))
            .map(|(id, _)| id.clone())
        else {
            return;
        };
        let closed = self.close(&oldest, Closed::Evicted);
        self.evicted.extend(closed);
    }

    fn close(&mut self, trace_id: &str, closed: Closed) -> Option<ClosedTrace> {
        let (trace_id, trace) = self.traces.remove_entry(trace_id)?;
        Some(ClosedTrace {
            trace_id,
            events: trace.events,
            closed,
            spans_dropped: trace.spans_dropped,
        })
    }

    /// The traces that received (or refused) events since they were last
    /// handed out, with copies of all their events so far, sorted by trace
    /// id.
    pub fn changed(&mut self) -> Vec<ChangedTrace> {
        let mut changed: Vec<ChangedTrace> = self
            .traces
            .iter_mut()
            .filter(|(_, t)| t.changed)
            .map(|(id, t)| {
                t.changed = false;
                ChangedTrace {
                    trace_id: id.clone(),
                    events: t.events.clone(),
                    spans_dropped: t.spans_dropped,
                }
            })
            .collect();
        changed.sort_by(|a, b| a.trace_id.cmp(&b.trace_id));
        changed
    }

    /// The traces finished by now: evicted ones, and those idle for
    /// `LiveLimits::idle`, sorted by trace id. Everything, when `all`
    /// (the receiver stopping).
    pub fn take_closed(&mut self, now: Instant, all: bool) -> Vec<ClosedTrace> {
        let idle = self.limits.idle;
        let mut ids: Vec<(String, Closed)> = self
            .traces
            .iter()
            .filter_map(|(id, t)| {
                if all {
                    Some((id.clone(), Closed::Shutdown))
                } else {
                    (now.saturating_duration_since(t.last_seen) >= idle)
                        .then(|| (id.clone(), Closed::Idle))
                }
            })
            .collect();
        ids.sort_by(|a, b| a.0.cmp(&b.0));
        let mut closed = std::mem::take(&mut self.evicted);
        closed.extend(ids.iter().filter_map(|(id, why)| self.close(id, *why)));
        closed.sort_by(|a, b| a.trace_id.cmp(&b.trace_id));
        closed
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::Event;

    fn event(trace: &str, span: &str) -> PendingEvent {
        PendingEvent {
            event: Event::new(trace.into(), span.into(), "test", "x".into(), 1),
            clues: Default::default(),
            order: (7, 7),
            attach_to: None,
        }
    }

    fn limits(max_traces: usize, max_spans: usize) -> LiveLimits {
        LiveLimits {
            max_traces,
            max_spans_per_trace: max_spans,
            idle: Duration::from_secs(5),
        }
    }

    #[test]
    fn a_full_table_evicts_the_least_recently_updated_trace() {
        let mut live = LiveTraces::new(limits(2, 10));
        let t0 = Instant::now();
        live.admit(vec![event("a", "1")], t0);
        live.admit(vec![event("b", "1")], t0 + Duration::from_secs(1));
        live.admit(vec![event("a", "2")], t0 + Duration::from_secs(2));
        live.admit(vec![event("c", "1")], t0 + Duration::from_secs(3));
        assert_eq!(live.len(), 2);
        assert!(live.contains("a") && live.contains("c") && !live.contains("b"));
        let closed = live.take_closed(t0 + Duration::from_secs(3), false);
        assert_eq!(closed.len(), 1);
        assert_eq!(
            (closed[0].trace_id.as_str(), closed[0].closed),
            ("b", Closed::Evicted)
        );
    }

    #[test]
    fn events_past_the_cap_are_refused_and_counted() {
        let mut live = LiveTraces::new(limits(10, 2));
        let admitted = live.admit(
            vec![event("a", "1"), event("a", "2"), event("a", "3")],
            Instant::now(),
        );
        assert_eq!((admitted.accepted, admitted.rejected), (2, 1));
        assert_eq!(admitted.capped, ["a"]);
        assert_eq!(live.changed()[0].spans_dropped, 1);
        let closed = live.take_closed(Instant::now(), true);
        assert_eq!(closed[0].events.len(), 2);
        assert_eq!(closed[0].spans_dropped, 1);
        assert_eq!(closed[0].closed, Closed::Shutdown);
    }

    #[test]
    fn a_span_sent_again_is_held_once_and_not_counted_against_the_cap() {
        let mut live = LiveTraces::new(limits(10, 2));
        let now = Instant::now();
        live.admit(vec![event("a", "1")], now);
        let again = live.admit(vec![event("a", "1"), event("a", "2")], now);
        assert_eq!(
            (again.accepted, again.duplicates, again.rejected),
            (1, 1, 0)
        );
        assert_eq!(live.events(), 2);
    }

    #[test]
    fn a_span_id_again_with_other_content_is_dropped_by_assembly_and_counted() {
        let first = event("a", "1");
        let mut other = event("a", "1");
        other.event.name = "other".into();
        let (frame, report) = super::super::pending::assemble(vec![vec![first, other]]).unwrap();
        assert_eq!(frame.height(), 1);
        assert_eq!(report.summary.skipped_reasons["duplicate_span_id"], 1);
    }

    #[test]
    fn idle_traces_close_and_changed_ones_are_handed_out_once() {
        let mut live = LiveTraces::new(limits(10, 10));
        let t0 = Instant::now();
        live.admit(vec![event("a", "1"), event("b", "1")], t0);
        let changed = live.changed();
        assert_eq!(changed.len(), 2);
        // Arrival numbers replace the input position.
        assert_eq!(changed[0].events[0].order, (0, 0));
        assert!(live.changed().is_empty());
        live.admit(vec![event("b", "2")], t0 + Duration::from_secs(4));
        assert_eq!(live.changed()[0].trace_id, "b");
        let closed = live.take_closed(t0 + Duration::from_secs(6), false);
        assert_eq!(closed.len(), 1);
        assert_eq!(
            (closed[0].trace_id.as_str(), closed[0].closed),
            ("a", Closed::Idle)
        );
        assert!(live.contains("b"));
    }
}
