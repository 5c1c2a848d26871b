//! tracelint: finds why LLM multi-agent systems fail, from the traces they
//! leave. See DESIGN.md for the architecture: ingest → Store → detectors →
//! findings → gate and renderers.

pub mod cli;
pub mod config;
pub mod detect;
pub mod eval;
pub mod event;
pub mod ingest;
pub mod labels;
pub mod report;
pub mod signals;
pub mod store;
pub mod summary;
pub mod taxonomy;
pub mod text;
pub mod timings;
