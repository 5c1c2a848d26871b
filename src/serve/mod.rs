//! The live guard behind `tracelint serve` and `tracelint watch`: an OTLP
//! receiver (`otlp_http`), a file follower (`follow`), and the guard that
//! holds live traces, judges them with the detectors and the gate of
//! `check`, and acts when one trips (`guard`: verdicts, the `--on-trip`
//! command; `webhook`; `metrics`).
//!
//! Imports `pipeline` (the live table, the assembly), `ingest` (reading a
//! request's OTLP/JSON), `detect` and `report`; only `cli` imports it. This
//! file only declares.

pub mod follow;
pub mod guard;
pub mod metrics;
pub mod otlp_http;
pub mod webhook;
