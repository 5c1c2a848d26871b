//! The report's Parquet tables for dashboards (`findings.parquet`,
//! `events.parquet`): typed columns a BI tool sums and filters without
//! parsing — lists as lists, metrics as numbers, times as UTC timestamps
//! beside their nanoseconds, hashes as BIGINT. Every column is always
//! there, null where a row has no value, so a table's schema does not
//! depend on what a run found. The columns are documented in
//! docs/schema.md (`REPORT_SCHEMA_VERSION`).
//!
//! Each file's footer carries `tracelint.table` (`findings` / `events`), so
//! a folder search passes over it like over a store; the events table is a
//! dashboard view, not a store (`tracelint ingest -o` writes one).

use anyhow::Result;
use polars::prelude::*;
use std::path::Path;

use super::CheckOutcome;
use crate::detect::Finding;
use crate::output_file::OutputFile;
use crate::store::columns as c;

/// Bumped when a report table's columns change (docs/schema.md says what
/// changed).
pub const REPORT_SCHEMA_VERSION: u32 = 3;

/// The footer key that marks a file as one of tracelint's report tables.
pub const TABLE_KEY: &str = "tracelint.table";

/// Metrics with a column of their own, as whole numbers (BIGINT).
const INT_METRICS: &[&str] = &[
    "wasted_tokens",
    "wasted_ms",
    "repeats",
    "rounds",
    "hops",
    "max_hops",
    "cycle_length",
    "calls",
    "failures",
    "retries",
    "restarts",
    "results",
    "untyped",
    "pending",
    "tokens",
    "budget_tokens",
    "duration_ms",
    "max_ms",
];

/// Metrics with a column of their own, as DOUBLE.
const FLOAT_METRICS: &[&str] = &[
    "wasted_cost_usd",
    "cost_usd",
    "budget_usd",
    "threshold",
    "untyped_rate",
];

/// A row per finding: what `check --output-format json` says of it, typed,
/// with its fingerprint, its gate verdict and its trace's start time
/// (`start_of` a trace id, in UTC epoch nanoseconds).
pub fn findings_frame(
    outcome: &CheckOutcome,
    start_of: &dyn Fn(&str) -> Option<i64>,
) -> Result<DataFrame> {
    let findings = &outcome.findings;
    let text = |name: &str, get: &dyn Fn(&Finding) -> Option<String>| {
        Column::new(name.into(), findings.iter().map(get).collect::<Vec<_>>())
    };
    let list = |name: &str, get: &dyn Fn(&Finding) -> &[String]| -> Column {
        let lists: ListChunked = findings
            .iter()
            .map(|f| Some(Series::new(PlSmallStr::EMPTY, get(f))))
            .collect();
        lists.with_name(name.into()).into_series().into()
    };
    let int = |name: &str, get: &dyn Fn(&Finding) -> Option<i64>| {
        Column::new(name.into(), findings.iter().map(get).collect::<Vec<_>>())
    };
    let trace_start = Int64Chunked::from_iter_options(
        "trace_start".into(),
        findings.iter().map(|f| start_of(&f.trace_id)),
    )
    .into_datetime(TimeUnit::Nanoseconds, Some(TimeZone::UTC))
    .into_series();
    let mut columns = vec![
        Column::new("fingerprint".into(), outcome.fingerprints.clone()),
        text("detector", &|f| Some(f.detector.clone())),
        text("mast_mode", &|f| f.mast_mode.clone()),
        text("checklist", &|f| f.checklist.clone()),
        text("severity", &|f| Some(f.severity.as_str().into())),
        Column::new(
            "confidence".into(),
            findings.iter().map(|f| f.confidence).collect::<Vec<f64>>(),
        ),
        Column::new("gating".into(), outcome.gates.clone()),
        Column::new(
            "baselined".into(),
            (0..findings.len())
                .map(|i| outcome.baselined.as_ref().map(|b| b[i]))
                .collect::<Vec<Option<bool>>>(),
        ),
        text("trace_id", &|f| Some(f.trace_id.clone())),
        trace_start.into(),
        list("span_ids", &|f| &f.span_ids),
        list("agents", &|f| &f.agents),
        int("seq_start", &|f| Some(i64::from(f.seq_range[0]))),
        int("seq_end", &|f| Some(i64::from(f.seq_range[1]))),
        int("step_first", &|f| f.steps.map(|s| s[0])),
        int("step_last", &|f| f.steps.map(|s| s[1])),
        text("message", &|f| Some(f.message.clone())),
    ];
    for metric in INT_METRICS {
        columns.push(int(metric, &|f| f.metrics.get(*metric).map(|v| *v as i64)));
    }
    for metric in FLOAT_METRICS {
        columns.push(Column::new(
            (*metric).into(),
            findings
                .iter()
                .map(|f| f.metrics.get(*metric).copied())
                .collect::<Vec<Option<f64>>>(),
        ));
    }
    columns.extend([
        text("metrics", &|f| serde_json::to_string(&f.metrics).ok()),
        text("source_file", &|f| Some(f.source_file.clone())),
        int("source_line", &|f| Some(i64::from(f.source_line))),
    ]);
    Ok(DataFrame::new(findings.len(), columns)?)
}

/// The store's events as a dashboard table: its columns, with `start_time`
/// and `end_time` as UTC timestamps beside `start_ns` / `end_ns`; the
/// hashes (u64) as BIGINT of the same bits, which every BI tool reads;
/// `counted_input_tokens`, `counted_output_tokens`, `counted_cost_usd`:
/// the usage of usage leaves only (an agent span repeats its children's
/// totals), so their sums are the run's totals; the MinHash signature
/// (`output_sig`, a detector's internal) left out.
pub fn events_frame(events: &DataFrame) -> Result<DataFrame> {
    let leaf = col(c::USAGE_LEAF);
    let counted = |name: &str, out: &str| {
        when(leaf.clone())
            .then(col(name))
            .otherwise(lit(NULL))
            .alias(out)
    };
    let mut frame = events
        .clone()
        .lazy()
        .with_columns([
            counted(c::INPUT_TOKENS, "counted_input_tokens"),
            counted(c::OUTPUT_TOKENS, "counted_output_tokens"),
            counted(c::COST_USD, "counted_cost_usd"),
            // Unsigned integers as BIGINT: not every BI tool reads UINT32.
            col(c::SEQ).cast(DataType::Int64),
            col(c::OUTPUT_SIGNALS).cast(DataType::Int64),
            col(c::SOURCE_LINE).cast(DataType::Int64),
        ])
        .collect()?
        .drop(c::OUTPUT_SIG)?;
    for (ns, out) in [(c::START_NS, "start_time"), (c::END_NS, "end_time")] {
        let time = frame
            .column(ns)?
            .i64()?
            .clone()
            .into_datetime(TimeUnit::Nanoseconds, Some(TimeZone::UTC))
            .into_series()
            .with_name(out.into());
        frame.with_column(Column::from(time))?;
    }
    for hash in [
        c::INPUT_HASH,
        c::OUTPUT_HASH,
        c::TOOL_ARGS_HASH,
        c::FAILURE_SIGNATURE,
    ] {
        let signed: Int64Chunked = frame
            .column(hash)?
            .u64()?
            .iter()
            .map(|h| h.map(|h| h as i64))
            .collect();
        frame.replace(hash, signed.with_name(hash.into()).into_series().into())?;
    }
    Ok(frame)
}

/// Writes `frame` as `path` (zstd), its footer naming the table.
pub fn write_table(frame: &mut DataFrame, path: &Path, table: &str) -> Result<()> {
    let metadata = KeyValueMetadata::from_static(vec![
        (TABLE_KEY.to_string(), table.to_string()),
        (
            "tracelint.report_schema_version".to_string(),
            REPORT_SCHEMA_VERSION.to_string(),
        ),
    ]);
    let mut out = OutputFile::create(path)?;
    ParquetWriter::new(out.file())
        .with_compression(ParquetCompression::Zstd(None))
        .with_key_value_metadata(Some(metadata))
        .finish(frame)
        .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?;
    out.commit()
}
