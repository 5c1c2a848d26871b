//! Pending events as a table: how a distributed run (`tracelint worker`,
//! the Spark job in `python/`) moves events from the step that reads files
//! to the step that checks whole traces, through the engine's shuffle.
//!
//! A trace may be spread over many files, so its events can be assembled
//! (duplicates dropped, parents repaired, `seq` by start time, agents by
//! ancestry) only once they are together: what travels is the events as
//! ingest emits them, before assembly, each with its input order. One row
//! per event:
//!
//! | column | type | |
//! |---|---|---|
//! | `trace_id` | str | the key to shuffle on |
//! | `source_file` | str | the input it was read from |
//! | `source_format` | str | the format that read it |
//! | `event` | binary | the event itself (postcard, as the spill writes it) |
//!
//! The `event` column is this tracelint's own encoding, read back only by
//! the same version: the file's footer says which (`VERSION_KEY`). An
//! engine reads `trace_id` and moves the rest as it is.

use anyhow::{bail, Context, Result};
use polars::prelude::*;
use std::sync::Arc;

use crate::accounting::IngestReport;
use crate::event::PendingEvent;
use crate::ingest::with_traces;
use crate::store::traces_to_frame;

/// The Store frame of traces given as their pending events (a trace's
/// events in one list or several), assembled as `check` assembles a
/// file's: duplicates dropped, parents repaired, `seq` by start time;
/// traces sorted by id. The report starts with every event read and
/// ingested, and assembly's drops and repairs applied to it.
pub fn assemble(traces: Vec<Vec<PendingEvent>>) -> Result<(DataFrame, IngestReport)> {
    // Assembly demotes a dropped duplicate from ingested to skipped.
    let events: usize = traces.iter().map(Vec::len).sum();
    let mut report = IngestReport::default();
    report.record_ingested(events as u64);
    let frame = with_traces(traces, &mut report, traces_to_frame)?;
    Ok((frame, report))
}

/// The footer key whose value is the encoding's version.
pub const VERSION_KEY: &str = "tracelint.pending";
/// This build's encoding: the crate version, since the event's fields
/// (and so postcard's bytes) change with it.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

pub mod columns {
    pub const TRACE_ID: &str = "trace_id";
    pub const SOURCE_FILE: &str = "source_file";
    pub const SOURCE_FORMAT: &str = "source_format";
    pub const EVENT: &str = "event";
}

/// The table of `events`, in their order.
pub fn to_frame(events: &[PendingEvent]) -> Result<DataFrame> {
    let encoded: Vec<Vec<u8>> = events
        .iter()
        .map(|e| postcard::to_allocvec(e).context("cannot encode a pending event"))
        .collect::<Result<_>>()?;
    let text = |name: &str, get: &dyn Fn(&PendingEvent) -> &str| {
        Column::new(name.into(), events.iter().map(get).collect::<Vec<&str>>())
    };
    Ok(DataFrame::new(
        events.len(),
        vec![
            text(columns::TRACE_ID, &|e| &e.event.trace_id),
            text(columns::SOURCE_FILE, &|e| &e.event.source_file),
            text(columns::SOURCE_FORMAT, &|e| e.event.source_format),
            Column::new(
                columns::EVENT.into(),
                encoded.iter().map(Vec::as_slice).collect::<Vec<&[u8]>>(),
            ),
        ],
    )?)
}

/// The events of a table `to_frame` wrote (any subset or order of its
/// rows: a partition after a shuffle). `format_of` gives a format's
/// `&'static` name; an unknown one is an error.
pub fn from_frame(
    frame: &DataFrame,
    format_of: impl Fn(&str) -> Option<&'static str>,
) -> Result<Vec<PendingEvent>> {
    let files = frame.column(columns::SOURCE_FILE)?.str()?;
    let formats = frame.column(columns::SOURCE_FORMAT)?.str()?;
    let encoded = frame.column(columns::EVENT)?.binary()?;
    let mut names: std::collections::HashMap<&str, Arc<str>> = Default::default();
    let mut events = Vec::with_capacity(frame.height());
    for row in 0..frame.height() {
        let (Some(file), Some(format), Some(bytes)) =
            (files.get(row), formats.get(row), encoded.get(row))
        else {
            bail!("row {row} of the pending events has a null column");
        };
        let mut event: PendingEvent = postcard::from_bytes(bytes).with_context(|| {
            format!("row {row}: not an event of this tracelint ({VERSION_KEY} {VERSION})")
        })?;
        event.event.source_format =
            format_of(format).with_context(|| format!("row {row}: unknown format {format:?}"))?;
        event.event.source_file = names.entry(file).or_insert_with(|| Arc::from(file)).clone();
        events.push(event);
    }
    Ok(events)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::Event;

    #[test]
    fn events_come_back_as_they_went() {
        let mut event = Event::new("t1".into(), "s1".into(), "otlp_json", "a.json".into(), 7);
        event.name = "chat".into();
        let pending = PendingEvent {
            event,
            clues: Default::default(),
            order: (3, 9),
            attach_to: None,
        };
        let frame = to_frame(std::slice::from_ref(&pending)).unwrap();
        let back = from_frame(&frame, |name| (name == "otlp_json").then_some("otlp_json")).unwrap();
        assert_eq!(back.len(), 1);
        assert_eq!(back[0].event, pending.event);
        assert_eq!(back[0].order, (3, 9));
        assert_eq!(&*back[0].event.source_file, "a.json");
        assert!(from_frame(&frame, |_| None).is_err());
    }
}
