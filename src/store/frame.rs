//! Events to columns. Column names are a contract with reports and
//! dashboards (DESIGN.md §3); `columns` names them once.

use polars::prelude::*;
use rayon::prelude::*;

use crate::event::{Event, Status};
use crate::failure::Failure;
use crate::timings;

/// Store column names.
pub mod columns {
    pub const TRACE_ID: &str = "trace_id";
    pub const SPAN_ID: &str = "span_id";
    pub const PARENT_ID: &str = "parent_id";
    pub const SEQ: &str = "seq";
    pub const SESSION_ID: &str = "session_id";
    pub const AGENT: &str = "agent";
    /// The agent is only the service name (`Event::agent_is_service`).
    pub const AGENT_IS_SERVICE: &str = "agent_is_service";
    pub const KIND: &str = "kind";
    pub const OP: &str = "op";
    pub const NAME: &str = "name";
    pub const START_NS: &str = "start_ns";
    pub const END_NS: &str = "end_ns";
    pub const STATUS: &str = "status";
    pub const ERROR_TYPE: &str = "error_type";
    pub const ERROR_MESSAGE: &str = "error_message";
    /// How the event failed, from status and text (`crate::failure`):
    /// `hard`, `soft`, `provider`; null when it did not.
    pub const FAILURE: &str = "failure";
    /// Which failure (`crate::failure::signature`): of the error message
    /// when the status failed, else of the output text; null when the
    /// event did not fail.
    pub const FAILURE_SIGNATURE: &str = "failure_signature";
    pub const ROLE: &str = "role";
    pub const INPUT_EXCERPT: &str = "input_excerpt";
    pub const OUTPUT_EXCERPT: &str = "output_excerpt";
    pub const INPUT_HASH: &str = "input_hash";
    pub const OUTPUT_HASH: &str = "output_hash";
    pub const OUTPUT_SIG: &str = "output_sig";
    /// Bit flags read from the full output text (`crate::signals`).
    pub const OUTPUT_SIGNALS: &str = "output_signals";
    pub const MODEL: &str = "model";
    pub const INPUT_TOKENS: &str = "input_tokens";
    pub const OUTPUT_TOKENS: &str = "output_tokens";
    pub const COST_USD: &str = "cost_usd";
    pub const TOOL_NAME: &str = "tool_name";
    pub const TOOL_ARGS: &str = "tool_args";
    pub const TOOL_ARGS_HASH: &str = "tool_args_hash";
    pub const HANDOFF_FROM: &str = "handoff_from";
    pub const HANDOFF_TO: &str = "handoff_to";
    pub const STEP: &str = "step";
    pub const TERMINATION_REASON: &str = "termination_reason";
    pub const USAGE_LEAF: &str = "usage_leaf";
    pub const SOURCE_FORMAT: &str = "source_format";
    pub const SOURCE_FILE: &str = "source_file";
    pub const SOURCE_LINE: &str = "source_line";
}

/// Columns with few distinct values, stored as categoricals.
const CATEGORICAL: [&str; 6] = [
    columns::KIND,
    columns::STATUS,
    columns::FAILURE,
    columns::ROLE,
    columns::SOURCE_FORMAT,
    columns::SOURCE_FILE,
];

/// The `failure_signature` of an event: of what says how it failed — its
/// error message or type when its status failed (else its output), its
/// output when only the text reports the failure.
fn failure_signature(e: &Event) -> Option<u64> {
    if e.status == Status::Error {
        let error = e.error_message.as_deref().or(e.error_type.as_deref());
        return error
            .map(crate::failure::signature)
            .or(e.output_failure_signature)
            .or(Some(crate::failure::signature("")));
    }
    e.output_failure_signature
}

/// Builds the Store frame. `events` must already be in Store order (by
/// trace id, then seq).
pub fn events_to_frame(events: &[Event]) -> PolarsResult<DataFrame> {
    build_frame(events.len(), || events.iter())
}

/// Builds the Store frame of assembled traces, as ingest hands them over
/// (traces by id, each trace's events by seq), without joining them first.
pub fn traces_to_frame(traces: &[Vec<&Event>]) -> PolarsResult<DataFrame> {
    timings::phase("build store frame", || {
        build_frame(traces.iter().map(Vec::len).sum(), || {
            traces.iter().flatten().copied()
        })
    })
}

/// Makes one column of the frame.
type ColumnMaker<'a> = Box<dyn Fn() -> Column + Send + Sync + 'a>;

/// The columns are independent, so they are built in parallel; `events`
/// gives a fresh pass over the `n` events for each.
fn build_frame<'a, I>(
    n: usize,
    events: impl Fn() -> I + Send + Sync + 'a,
) -> PolarsResult<DataFrame>
where
    I: Iterator<Item = &'a Event>,
{
    use columns::*;
    let events = &events;
    let text = |name: &'static str, get: fn(&Event) -> Option<&str>| -> ColumnMaker {
        Box::new(move || {
            Column::new(
                name.into(),
                events().map(get).collect::<Vec<Option<&str>>>(),
            )
        })
    };
    let int = |name: &'static str, get: fn(&Event) -> Option<i64>| -> ColumnMaker {
        Box::new(move || Column::new(name.into(), events().map(get).collect::<Vec<Option<i64>>>()))
    };
    let hash = |name: &'static str, get: fn(&Event) -> Option<u64>| -> ColumnMaker {
        Box::new(move || Column::new(name.into(), events().map(get).collect::<Vec<Option<u64>>>()))
    };
    let signatures: ColumnMaker = Box::new(move || {
        let mut builder = ListPrimitiveChunkedBuilder::<UInt32Type>::new(
            OUTPUT_SIG.into(),
            n,
            n * crate::text::SIGNATURE_LEN,
            DataType::UInt32,
        );
        for e in events() {
            builder.append_opt_slice(e.output_sig.as_deref());
        }
        builder.finish().into_column()
    });
    let makers: Vec<ColumnMaker> = vec![
        text(TRACE_ID, |e| Some(&e.trace_id)),
        text(SPAN_ID, |e| Some(&e.span_id)),
        text(PARENT_ID, |e| e.parent_id.as_deref()),
        Box::new(move || Column::new(SEQ.into(), events().map(|e| e.seq).collect::<Vec<u32>>())),
        text(SESSION_ID, |e| e.session_id.as_deref()),
        text(AGENT, |e| e.agent.as_deref()),
        Box::new(move || {
            Column::new(
                AGENT_IS_SERVICE.into(),
                events().map(|e| e.agent_is_service).collect::<Vec<bool>>(),
            )
        }),
        text(KIND, |e| Some(e.kind.as_str())),
        text(OP, |e| Some(&e.op)),
        text(NAME, |e| Some(&e.name)),
        int(START_NS, |e| e.start_ns),
        int(END_NS, |e| e.end_ns),
        text(STATUS, |e| Some(e.status.as_str())),
        text(ERROR_TYPE, |e| e.error_type.as_deref()),
        text(ERROR_MESSAGE, |e| e.error_message.as_deref()),
        text(FAILURE, |e| {
            crate::failure::classify(
                e.status == Status::Error,
                e.kind == crate::event::Kind::LlmCall,
                e.error_type.as_deref(),
                e.error_message.as_deref(),
                e.output_signals,
                e.source_format,
            )
            .map(Failure::as_str)
        }),
        hash(FAILURE_SIGNATURE, failure_signature),
        text(ROLE, |e| e.role.map(|r| r.as_str())),
        text(INPUT_EXCERPT, |e| {
            e.input.as_ref().map(|d| d.excerpt.as_str())
        }),
        text(OUTPUT_EXCERPT, |e| {
            e.output.as_ref().map(|d| d.excerpt.as_str())
        }),
        hash(INPUT_HASH, |e| e.input.as_ref().map(|d| d.hash)),
        hash(OUTPUT_HASH, |e| e.output.as_ref().map(|d| d.hash)),
        signatures,
        Box::new(move || {
            Column::new(
                OUTPUT_SIGNALS.into(),
                events().map(|e| e.output_signals).collect::<Vec<u32>>(),
            )
        }),
        text(MODEL, |e| e.model.as_deref()),
        int(INPUT_TOKENS, |e| e.input_tokens),
        int(OUTPUT_TOKENS, |e| e.output_tokens),
        Box::new(move || {
            Column::new(
                COST_USD.into(),
                events().map(|e| e.cost_usd).collect::<Vec<Option<f64>>>(),
            )
        }),
        text(TOOL_NAME, |e| e.tool_name.as_deref()),
        text(TOOL_ARGS, |e| e.tool_args.as_deref()),
        hash(TOOL_ARGS_HASH, |e| e.tool_args_hash),
        text(HANDOFF_FROM, |e| e.handoff_from.as_deref()),
        text(HANDOFF_TO, |e| e.handoff_to.as_deref()),
        int(STEP, |e| e.step),
        text(TERMINATION_REASON, |e| e.termination_reason.as_deref()),
        Box::new(move || {
            Column::new(
                USAGE_LEAF.into(),
                events().map(|e| e.usage_leaf).collect::<Vec<bool>>(),
            )
        }),
        text(SOURCE_FORMAT, |e| Some(e.source_format)),
        text(SOURCE_FILE, |e| Some(&e.source_file)),
        Box::new(move || {
            Column::new(
                SOURCE_LINE.into(),
                events().map(|e| e.source_line).collect::<Vec<u32>>(),
            )
        }),
    ];
    let columns: Vec<Column> = makers.par_iter().map(|make| make()).collect();
    let mut frame = DataFrame::new(n, columns)?;
    // One after the other: categories are numbered as they are first met,
    // and the numbering should not depend on which thread came first.
    let categorical = DataType::from_categories(Categories::global());
    for name in CATEGORICAL {
        let cast = frame.column(name)?.cast(&categorical)?;
        frame.with_column(cast)?;
    }
    Ok(frame)
}
