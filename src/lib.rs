//! tracelint: finds why LLM multi-agent systems fail, from the traces they
//! leave.
//!
//! The layers, each importing only those before it (`tests/architecture.rs`
//! checks this on the source):
//!
//! - leaf vocabulary: `event`, `accounting`, `termination`, `labels`, `text`,
//!   `signals`, `taxonomy`, `timings`; and the leaf services `inert` (trace
//!   text made harmless for each output), `output_file`
//!   (writes whole or not at all) and `cleanup` (what an interrupted run
//!   removes);
//! - `ingest`: input files to pending events, handed to an `EventSink`;
//! - `store`: frames of events (Polars), Parquet, the trace index;
//! - `pipeline`: the one seam from inputs to batches of whole traces, in
//!   memory, through partitions on disk, or from a store;
//! - `detect`: findings from a frame's traces; `summary`: the stats tables;
//!   `eval`: scoring against labels;
//! - `report`: renderers of findings and tables;
//! - `serve`: the live guard (OTLP receiver, live verdicts, trip actions);
//! - `cli`: one file per command, wiring the layers together.

pub mod accounting;
pub mod cleanup;
pub mod cli;
pub mod config;
pub mod coverage;
pub mod detect;
pub mod eval;
pub mod event;
pub mod failure;
pub mod inert;
pub mod ingest;
pub mod labels;
pub mod output_file;
pub mod pipeline;
pub mod report;
pub mod serve;
pub mod signals;
pub mod store;
pub mod summary;
pub mod taxonomy;
pub mod termination;
pub mod text;
pub mod timings;
