//! Charts drawn with plotters, each as SVG (inlined in the HTML page and
//! written to charts/) and PNG. PNG text is drawn with DejaVu Sans, which
//! the binary carries, so a machine without fonts draws the same picture.
//! Labels come from traces: plotters' SVG backend escapes them.

use anyhow::{anyhow, Result};
use plotters::prelude::*;
use std::path::Path;
use std::sync::Once;

use crate::inert;
use crate::output_file::OutputFile;

const FONT: &[u8] = include_bytes!("assets/DejaVuSans.ttf");
/// Every chart is this wide (pixels); its height follows its rows.
const WIDTH: u32 = 900;
const BAR: RGBColor = RGBColor(0x3b, 0x6e, 0xa8);
const EVIDENCE: RGBColor = RGBColor(0xc0, 0x39, 0x2b);

/// Registers the embedded font as "sans-serif" once per process.
fn register_font() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // The font is part of the binary; failing to read it is a build bug.
        plotters::style::register_font("sans-serif", FontStyle::Normal, FONT)
            .unwrap_or_else(|_| panic!("the embedded DejaVu Sans font is unreadable"));
    });
}

/// A chart as SVG text; the PNG is written beside it by `write`.
pub struct Chart {
    pub name: &'static str,
    pub title: String,
    pub svg: String,
}

/// A label cut to `max` characters, without the characters SVG (XML)
/// forbids: labels are trace text.
fn short(label: &str, max: usize) -> String {
    let label = inert::for_xml(label.trim());
    let label = label.as_ref();
    if label.chars().count() > max {
        format!("{}…", label.chars().take(max - 1).collect::<String>())
    } else {
        label.to_string()
    }
}

/// Longest bar label shown whole: a MAST mode's name ("1.5 Unaware of
/// termination conditions") fits; an agent or trace id longer is cut.
const LABEL_CHARS: usize = 40;
/// Text sizes in pixels of the 900-pixel-wide chart, which the page shows
/// at about three quarters of its size: still 12 pixels and more.
const LABEL_PX: u32 = 16;
const CAPTION_PX: u32 = 22;

/// An axis label: large values as 80k or 1.5M; counts as whole numbers
/// (no label between them); small values with the digits they need.
fn axis_number(value: f64, counts: bool) -> String {
    let trimmed = |v: f64, digits: usize| {
        let text = format!("{v:.digits$}");
        if text.contains('.') {
            text.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            text
        }
    };
    if counts && value.fract() != 0.0 {
        String::new()
    } else if value.abs() >= 1e6 {
        format!("{}M", trimmed(value / 1e6, 2))
    } else if value.abs() >= 1e4 {
        format!("{}k", trimmed(value / 1e3, 1))
    } else if value.abs() >= 1.0 || value == 0.0 {
        trimmed(value, 2)
    } else {
        trimmed(value, 4)
    }
}

/// Horizontal bars, one per row, the first on top: labels read whole on
/// the left (names of MAST modes, agents), each bar's value at its end.
fn draw_bars<DB: DrawingBackend>(
    root: DrawingArea<DB, plotters::coord::Shift>,
    title: &str,
    x_label: &str,
    bars: &[(String, f64)],
) -> Result<()> {
    root.fill(&WHITE).map_err(|e| anyhow!("{e:?}"))?;
    let max = bars.iter().map(|b| b.1).fold(0.0, f64::max).max(1.0) * 1.15;
    let n = bars.len().max(1);
    let labels: Vec<String> = bars.iter().map(|b| short(&b.0, LABEL_CHARS)).collect();
    let widest = labels.iter().map(|l| l.chars().count()).max().unwrap_or(4) as u32;
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", CAPTION_PX))
        .margin(14)
        .x_label_area_size(48)
        .y_label_area_size(widest * LABEL_PX * 9 / 16 + 24)
        .build_cartesian_2d(0.0..max, (0..n - 1).into_segmented())
        .map_err(|e| anyhow!("{e:?}"))?;
    let counts = bars.iter().all(|b| b.1.fract() == 0.0);
    // Row i of the chart (from the bottom) holds bar n-1-i: the first on top.
    let row = |bar: usize| n - 1 - bar;
    chart
        .configure_mesh()
        .disable_y_mesh()
        .x_desc(x_label)
        .x_label_formatter(&|v| axis_number(*v, counts))
        .y_labels(n)
        .y_label_formatter(&|y| match y {
            SegmentValue::CenterOf(i) => labels.get(row(*i)).cloned().unwrap_or_default(),
            _ => String::new(),
        })
        .label_style(("sans-serif", LABEL_PX))
        .axis_desc_style(("sans-serif", LABEL_PX))
        .draw()
        .map_err(|e| anyhow!("{e:?}"))?;
    // Rectangles in order, not plotters' Histogram, whose hash map draws
    // them in a different order each run: the same input makes the same SVG.
    chart
        .draw_series(bars.iter().enumerate().map(|(i, bar)| {
            let mut rect = Rectangle::new(
                [
                    (0.0, SegmentValue::Exact(row(i))),
                    (bar.1, SegmentValue::Exact(row(i) + 1)),
                ],
                BAR.filled(),
            );
            rect.set_margin(5, 5, 0, 0);
            rect
        }))
        .map_err(|e| anyhow!("{e:?}"))?;
    chart
        .draw_series(bars.iter().enumerate().map(|(i, bar)| {
            Text::new(
                format!(" {}", axis_number(bar.1, false)),
                (bar.1, SegmentValue::CenterOf(row(i))),
                ("sans-serif", LABEL_PX).into_text_style(&root).pos(
                    plotters::style::text_anchor::Pos::new(
                        plotters::style::text_anchor::HPos::Left,
                        plotters::style::text_anchor::VPos::Center,
                    ),
                ),
            )
        }))
        .map_err(|e| anyhow!("{e:?}"))?;
    root.present().map_err(|e| anyhow!("{e:?}"))?;
    Ok(())
}

/// A bar chart's size: as tall as its rows need.
fn bars_size(bars: usize) -> (u32, u32) {
    (WIDTH, (110 + 34 * bars as u32).max(200))
}

/// A bar chart as SVG, and as PNG at `png`.
pub fn bars(
    name: &'static str,
    title: &str,
    y_label: &str,
    bars: &[(String, f64)],
    png: &Path,
) -> Result<Chart> {
    let title = &*inert::for_xml(title);
    register_font();
    let mut svg = String::new();
    draw_bars(
        SVGBackend::with_string(&mut svg, bars_size(bars.len())).into_drawing_area(),
        title,
        y_label,
        bars,
    )?;
    let out = OutputFile::create(png)?;
    draw_bars(
        BitMapBackend::new(out.temp_path(), bars_size(bars.len())).into_drawing_area(),
        title,
        y_label,
        bars,
    )?;
    out.commit()?;
    Ok(Chart {
        name,
        title: title.to_string(),
        svg,
    })
}

/// One event on a timeline: its agent lane, its span in time (or in seq
/// when the trace has no times), and whether it is evidence of a finding.
pub struct Span {
    pub lane: String,
    pub start: f64,
    pub end: f64,
    pub evidence: bool,
}

/// Columns a timeline is cut into: about one per pixel of the plot.
const TIMELINE_COLUMNS: usize = 720;

/// A stretch of one lane that is busy, red when any evidence falls in it.
struct Run {
    lane: usize,
    start: f64,
    end: f64,
    evidence: bool,
}

/// The spans of each lane merged at the chart's resolution, so a trace of
/// 100,000 events draws at most a few hundred rectangles per lane: the SVG
/// stays small and the cost is linear in events (difference arrays, not a
/// walk over every column a span covers).
fn pixel_runs(lanes: &[String], spans: &[Span], end: f64) -> Vec<Run> {
    let lane_of: std::collections::HashMap<&str, usize> = lanes
        .iter()
        .enumerate()
        .map(|(i, l)| (l.as_str(), i))
        .collect();
    let width = TIMELINE_COLUMNS + 1;
    let mut busy = vec![0i64; lanes.len() * width];
    let mut evidence = vec![0i64; lanes.len() * width];
    let column = |x: f64| ((x / end * TIMELINE_COLUMNS as f64) as usize).min(TIMELINE_COLUMNS - 1);
    for span in spans {
        let Some(&lane) = lane_of.get(span.lane.as_str()) else {
            continue;
        };
        let (first, last) = (column(span.start), column(span.end.max(span.start)));
        let marks = if span.evidence {
            &mut evidence
        } else {
            &mut busy
        };
        marks[lane * width + first] += 1;
        marks[lane * width + last + 1] -= 1;
    }
    let step = end / TIMELINE_COLUMNS as f64;
    let mut runs = Vec::new();
    for lane in 0..lanes.len() {
        let (mut busy_depth, mut evidence_depth) = (0, 0);
        let mut open: Option<(usize, bool)> = None;
        for col in 0..=TIMELINE_COLUMNS {
            busy_depth += busy[lane * width + col];
            evidence_depth += evidence[lane * width + col];
            let state = (col < TIMELINE_COLUMNS && busy_depth + evidence_depth > 0)
                .then_some(evidence_depth > 0);
            if open.map(|(_, red)| Some(red)) != Some(state) {
                if let Some((from, red)) = open.take() {
                    runs.push(Run {
                        lane,
                        start: from as f64 * step,
                        end: col as f64 * step,
                        evidence: red,
                    });
                }
                open = state.map(|red| (col, red));
            }
        }
    }
    runs
}

fn draw_timeline<DB: DrawingBackend>(
    root: DrawingArea<DB, plotters::coord::Shift>,
    title: &str,
    x_label: &str,
    lanes: &[String],
    spans: &[Span],
) -> Result<()> {
    root.fill(&WHITE).map_err(|e| anyhow!("{e:?}"))?;
    let end = spans.iter().map(|s| s.end).fold(1.0, f64::max);
    let rows = lanes.len().max(1);
    let names: Vec<String> = lanes.iter().map(|l| short(l, 20)).collect();
    let widest = names.iter().map(|l| l.chars().count()).max().unwrap_or(4) as u32;
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", CAPTION_PX))
        .margin(14)
        .x_label_area_size(48)
        .y_label_area_size(widest * LABEL_PX * 9 / 16 + 24)
        // One empty lane on top, where the legend goes.
        .build_cartesian_2d(0.0..end, 0.0..rows as f64 + 1.0)
        .map_err(|e| anyhow!("{e:?}"))?;
    chart
        .configure_mesh()
        .disable_y_mesh()
        .x_desc(x_label)
        .x_label_formatter(&|v| axis_number(*v, false))
        .y_labels(rows * 2 + 3)
        .y_label_formatter(&|y| {
            let i = y.floor() as usize;
            if (y - i as f64 - 0.5).abs() < 0.26 {
                names.get(i).cloned().unwrap_or_default()
            } else {
                String::new()
            }
        })
        .label_style(("sans-serif", LABEL_PX))
        .axis_desc_style(("sans-serif", LABEL_PX))
        .draw()
        .map_err(|e| anyhow!("{e:?}"))?;
    // Two series, so that the legend says what each colour is.
    let runs = pixel_runs(lanes, spans, end);
    for (evidence, color, label) in [
        (false, BAR, "an event (span, message)"),
        (true, EVIDENCE, "evidence of a finding"),
    ] {
        chart
            .draw_series(
                runs.iter()
                    .filter(|run| run.evidence == evidence)
                    .map(|run| {
                        let lane = run.lane as f64;
                        Rectangle::new(
                            [(run.start, lane + 0.15), (run.end, lane + 0.85)],
                            color.filled(),
                        )
                    }),
            )
            .map_err(|e| anyhow!("{e:?}"))?
            .label(label)
            .legend(move |(x, y)| Rectangle::new([(x, y - 6), (x + 18, y + 6)], color.filled()));
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .label_font(("sans-serif", LABEL_PX))
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK.mix(0.3))
        .draw()
        .map_err(|e| anyhow!("{e:?}"))?;
    root.present().map_err(|e| anyhow!("{e:?}"))?;
    Ok(())
}

/// A timeline by agent lane as SVG, and as PNG at `png`.
pub fn timeline(
    name: &'static str,
    title: &str,
    x_label: &str,
    lanes: &[String],
    spans: &[Span],
    png: Option<&Path>,
) -> Result<Chart> {
    let title = &*inert::for_xml(title);
    register_font();
    let mut svg = String::new();
    draw_timeline(
        SVGBackend::with_string(&mut svg, (WIDTH, 150 + 34 * (lanes.len() as u32 + 1)))
            .into_drawing_area(),
        title,
        x_label,
        lanes,
        spans,
    )?;
    if let Some(png) = png {
        let out = OutputFile::create(png)?;
        draw_timeline(
            BitMapBackend::new(
                out.temp_path(),
                (WIDTH, 150 + 34 * (lanes.len() as u32 + 1)),
            )
            .into_drawing_area(),
            title,
            x_label,
            lanes,
            spans,
        )?;
        out.commit()?;
    }
    Ok(Chart {
        name,
        title: title.to_string(),
        svg,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn span(lane: &str, start: f64, end: f64, evidence: bool) -> Span {
        Span {
            lane: lane.into(),
            start,
            end,
            evidence,
        }
    }

    #[test]
    fn axis_numbers_are_short() {
        let labels: Vec<String> = [
            0.0,
            2.0,
            2.5,
            14000.0,
            8_000_000.0,
            1_250_000.0,
            0.0125,
            100.0,
        ]
        .iter()
        .map(|v| axis_number(*v, false))
        .collect();
        assert_eq!(
            labels,
            ["0", "2", "2.5", "14k", "8M", "1.25M", "0.0125", "100"]
        );
        assert_eq!(axis_number(2.5, true), "", "no label between counts");
        assert_eq!(axis_number(3.0, true), "3");
    }

    #[test]
    fn timeline_spans_merge_into_runs_per_lane_with_evidence_on_top() {
        let lanes = vec!["a".to_string(), "b".to_string()];
        // Lane a: busy 0–36 (two touching spans), evidence 18–27 inside it;
        // lane b: 54–72. The trace ends at 72: 720 columns of 0.1.
        let spans = [
            span("a", 0.0, 20.0, false),
            span("a", 20.0, 36.0, false),
            span("a", 18.0, 27.0, true),
            span("b", 54.0, 72.0, false),
            span("unknown lane", 0.0, 72.0, false),
        ];
        let runs = pixel_runs(&lanes, &spans, 72.0);
        let got: Vec<(usize, f64, f64, bool)> = runs
            .iter()
            .map(|r| {
                (
                    r.lane,
                    (r.start * 10.0).round(),
                    (r.end * 10.0).round(),
                    r.evidence,
                )
            })
            .collect();
        // In columns (0.1 wide): a span covers the columns of its start and
        // of its end; the lane nobody declared is not drawn.
        assert_eq!(
            got,
            vec![
                (0, 0.0, 180.0, false),
                (0, 180.0, 271.0, true),
                (0, 271.0, 361.0, false),
                (1, 540.0, 720.0, false),
            ]
        );
    }

    #[test]
    fn a_hundred_thousand_events_draw_a_bounded_number_of_runs() {
        let lanes = vec!["a".to_string(), "b".to_string()];
        let spans: Vec<Span> = (0..100_000)
            .map(|i| {
                let lane = if i % 7 == 0 { "b" } else { "a" };
                span(lane, i as f64 * 2.0, i as f64 * 2.0 + 1.0, i % 1000 == 0)
            })
            .collect();
        let runs = pixel_runs(&lanes, &spans, 200_000.0);
        assert!(runs.len() <= 2 * TIMELINE_COLUMNS, "{} runs", runs.len());
        assert!(runs.iter().any(|r| r.evidence));
    }
}
