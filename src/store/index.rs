//! TraceIndex: each trace's rows of the Store, a contiguous range because
//! the Store is sorted by trace id and seq.

use anyhow::{bail, Result};
use polars::prelude::*;
use std::ops::Range;

use super::columns;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TraceRows {
    pub trace_id: String,
    /// Row range in the Store frame, in seq order.
    pub rows: Range<usize>,
}

#[derive(Debug, Default)]
pub struct TraceIndex {
    pub traces: Vec<TraceRows>,
}

impl TraceIndex {
    /// Indexes a frame in Store order; a frame whose traces are not
    /// contiguous and in seq order is rejected rather than misread.
    pub fn build(frame: &DataFrame) -> Result<TraceIndex> {
        let ids = frame.column(columns::TRACE_ID)?.str()?.clone();
        let seqs = frame.column(columns::SEQ)?.u32()?.clone();
        let mut traces: Vec<TraceRows> = Vec::new();
        for (row, (id, seq)) in ids.iter().zip(seqs.iter()).enumerate() {
            let (Some(id), Some(seq)) = (id, seq) else {
                bail!("row {row} of the store has no trace_id or seq");
            };
            match traces.last_mut() {
                Some(last) if last.trace_id == id => {
                    if seq as usize != row - last.rows.start {
                        bail!("trace {id}: rows are not in seq order at row {row}");
                    }
                    last.rows.end = row + 1;
                }
                last => {
                    if last.is_some_and(|l| l.trace_id.as_str() > id) {
                        bail!("the store is not sorted by trace_id at row {row}");
                    }
                    if seq != 0 {
                        bail!("trace {id} does not start at seq 0 (row {row})");
                    }
                    traces.push(TraceRows {
                        trace_id: id.to_string(),
                        rows: row..row + 1,
                    });
                }
            }
        }
        Ok(TraceIndex { traces })
    }

    /// The rows of one trace, as a zero-copy slice of the frame.
    pub fn slice(frame: &DataFrame, trace: &TraceRows) -> DataFrame {
        frame.slice(trace.rows.start as i64, trace.rows.len())
    }
}
