//! Labels that come with a corpus: what people said went wrong in a trace
//! (MAST annotations, Who&When mistake agent and step, TRAIL errors). They
//! are kept in a table of their own, keyed by trace (and span or step),
//! never mixed into events: detectors must not see them, evaluation does.

use polars::prelude::*;
use std::sync::Arc;

/// One label as its corpus states it.
#[derive(Clone, Debug, PartialEq)]
pub struct Label {
    pub trace_id: String,
    /// Which labelled corpus: `mast`, `mast_human`, `mast_v1`,
    /// `who_and_when`, `trail`.
    pub corpus: &'static str,
    /// The taxonomy or annotation round the category belongs to
    /// (`MAST-14`, `Round 1`, `mistake`, `TRAIL`).
    pub scheme: String,
    /// The category as the corpus names it (`1.3`, `Tool-related`,
    /// `mistake`).
    pub category: String,
    /// The corpus' verdict: `1`/`0`, `yes`/`no`, annotator votes
    /// (`true,false,true`), an impact (`HIGH`).
    pub verdict: String,
    pub span_id: Option<String>,
    pub step: Option<i64>,
    pub agent: Option<String>,
    /// The annotator's reason or evidence, cut to an excerpt.
    pub detail: Option<String>,
    pub source_file: Arc<str>,
}

impl Label {
    /// A trace-level verdict: no span, step, agent or reason yet (the
    /// caller sets those a label has).
    pub fn verdict(
        trace_id: &str,
        corpus: &'static str,
        scheme: &str,
        category: &str,
        verdict: String,
        source_file: &Arc<str>,
    ) -> Label {
        Label {
            trace_id: trace_id.to_string(),
            corpus,
            scheme: scheme.to_string(),
            category: category.to_string(),
            verdict,
            span_id: None,
            step: None,
            agent: None,
            detail: None,
            source_file: source_file.clone(),
        }
    }
}

/// Characters of a label's reason kept.
pub const DETAIL_CHARS: usize = 512;

pub mod columns {
    pub const TRACE_ID: &str = "trace_id";
    pub const CORPUS: &str = "corpus";
    pub const SCHEME: &str = "scheme";
    pub const CATEGORY: &str = "category";
    pub const VERDICT: &str = "verdict";
    pub const SPAN_ID: &str = "span_id";
    pub const STEP: &str = "step";
    pub const AGENT: &str = "agent";
    pub const DETAIL: &str = "detail";
    pub const SOURCE_FILE: &str = "source_file";
}

/// The labels table, sorted by trace id and then as read.
pub fn labels_to_frame(labels: &[Label]) -> PolarsResult<DataFrame> {
    use columns::*;
    let text = |name: &str, get: &dyn Fn(&Label) -> Option<&str>| -> Column {
        Column::new(
            name.into(),
            labels.iter().map(get).collect::<Vec<Option<&str>>>(),
        )
    };
    DataFrame::new(
        labels.len(),
        vec![
            text(TRACE_ID, &|l| Some(&l.trace_id)),
            text(CORPUS, &|l| Some(l.corpus)),
            text(SCHEME, &|l| Some(&l.scheme)),
            text(CATEGORY, &|l| Some(&l.category)),
            text(VERDICT, &|l| Some(&l.verdict)),
            text(SPAN_ID, &|l| l.span_id.as_deref()),
            Column::new(
                STEP.into(),
                labels.iter().map(|l| l.step).collect::<Vec<Option<i64>>>(),
            ),
            text(AGENT, &|l| l.agent.as_deref()),
            text(DETAIL, &|l| l.detail.as_deref()),
            text(SOURCE_FILE, &|l| Some(&l.source_file)),
        ],
    )
}

/// One row of the labels table, read back.
#[derive(Clone, Debug, PartialEq)]
pub struct LabelRow {
    pub trace_id: String,
    pub corpus: String,
    pub scheme: String,
    pub category: String,
    pub verdict: String,
    pub span_id: Option<String>,
    pub step: Option<i64>,
    pub agent: Option<String>,
    pub source_file: String,
}

/// The labels table's rows (empty when the frame has no labels columns).
pub fn label_rows(frame: &DataFrame) -> PolarsResult<Vec<LabelRow>> {
    use columns::*;
    if frame.height() == 0 {
        return Ok(Vec::new());
    }
    let text = |name: &str| -> PolarsResult<StringChunked> {
        Ok(frame.column(name)?.cast(&DataType::String)?.str()?.clone())
    };
    let (trace, corpus, scheme, category, verdict, span, agent, file) = (
        text(TRACE_ID)?,
        text(CORPUS)?,
        text(SCHEME)?,
        text(CATEGORY)?,
        text(VERDICT)?,
        text(SPAN_ID)?,
        text(AGENT)?,
        text(SOURCE_FILE)?,
    );
    let step = frame.column(STEP)?.i64()?.clone();
    let owned = |column: &StringChunked, i: usize| column.get(i).map(str::to_string);
    Ok((0..frame.height())
        .map(|i| LabelRow {
            trace_id: owned(&trace, i).unwrap_or_default(),
            corpus: owned(&corpus, i).unwrap_or_default(),
            scheme: owned(&scheme, i).unwrap_or_default(),
            category: owned(&category, i).unwrap_or_default(),
            verdict: owned(&verdict, i).unwrap_or_default(),
            span_id: owned(&span, i),
            step: step.get(i),
            agent: owned(&agent, i),
            source_file: owned(&file, i).unwrap_or_default(),
        })
        .collect())
}
