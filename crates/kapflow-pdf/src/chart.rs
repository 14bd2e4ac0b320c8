//! A score chart on the page: axes, the scale's ends, dashed cut-offs with their labels, the
//! scores joined by a line with a mark at each, the first and last dates under the axis, and
//! the caption below. Drawn with lines, so it prints sharp and costs no image.

use crate::document::Chart;
use crate::layout::{Cursor, MARGIN, Run, SMALL, Stroke, TEXT_WIDTH_PT};
use crate::metrics::{Face, encode};

/// The plot's height, and the room kept for the dates under it and the caption.
const PLOT: f32 = 96.0;
const BELOW: f32 = 30.0;
/// The scale's labels sit in this band left of the plot.
const GUTTER: f32 = 28.0;

fn run(x: f32, y: f32, text: &str) -> Run {
    Run {
        x,
        y,
        face: Face::Regular,
        size: SMALL,
        text: encode(text),
    }
}

fn line(points: Vec<(f32, f32)>, width: f32, gray: f32, dashed: bool) -> Stroke {
    Stroke {
        points,
        width,
        gray,
        dashed,
    }
}

pub(crate) fn lay_out(cursor: &mut Cursor, chart: &Chart) {
    cursor.need(PLOT + BELOW + 10.0);
    cursor.y -= 6.0;
    let top = cursor.y;
    let bottom = top - PLOT;
    let left = MARGIN + GUTTER;
    let right = MARGIN + TEXT_WIDTH_PT;
    let max = chart.max.max(1) as f32;
    let y_of = |score: u32| bottom + (score.min(chart.max) as f32 / max) * PLOT;
    let n = chart.points.len();
    let x_of = |i: usize| {
        if n <= 1 {
            (left + right) / 2.0
        } else {
            left + 8.0 + (right - left - 16.0) * i as f32 / (n - 1) as f32
        }
    };
    let page = cursor.page();
    page.strokes.push(line(
        vec![(left, top), (left, bottom), (right, bottom)],
        0.6,
        0.4,
        false,
    ));
    page.runs
        .push(run(MARGIN, top - SMALL, &chart.max.to_string()));
    page.runs.push(run(MARGIN, bottom, "0"));
    for (score, label) in &chart.marks {
        let y = y_of(*score);
        page.strokes
            .push(line(vec![(left, y), (right, y)], 0.5, 0.6, true));
        let text = format!("{score} {label}");
        let width = Face::Regular.measure(&encode(&text), SMALL);
        page.runs.push(run(right - width, y + 2.0, &text));
    }
    let points: Vec<(f32, f32)> = chart
        .points
        .iter()
        .enumerate()
        .map(|(i, (_, score))| (x_of(i), y_of(*score)))
        .collect();
    if points.len() > 1 {
        page.strokes.push(line(points.clone(), 1.4, 0.0, false));
    }
    for &(x, y) in &points {
        // A small cross at each score, so a single one still shows.
        page.strokes.push(line(
            vec![(x - 2.5, y - 2.5), (x + 2.5, y + 2.5)],
            1.0,
            0.0,
            false,
        ));
        page.strokes.push(line(
            vec![(x - 2.5, y + 2.5), (x + 2.5, y - 2.5)],
            1.0,
            0.0,
            false,
        ));
    }
    let under = bottom - SMALL - 3.0;
    if let Some((first, _)) = chart.points.first() {
        page.runs.push(run(left, under, first));
    }
    if n > 1
        && let Some((last, _)) = chart.points.last()
    {
        let width = Face::Regular.measure(&encode(last), SMALL);
        page.runs.push(run(right - width, under, last));
    }
    page.runs
        .push(run(MARGIN, under - SMALL - 5.0, &chart.caption));
    cursor.y = bottom - BELOW;
}

#[cfg(test)]
mod tests {
    use crate::document::{Block, Chart, Document};
    use crate::layout::lay_out;

    fn chart(scores: &[u32]) -> Chart {
        Chart {
            caption: "PHQ-9 total by date".into(),
            max: 27,
            points: scores
                .iter()
                .enumerate()
                .map(|(i, s)| (format!("2026-11-{:02}", i + 1), *s))
                .collect(),
            marks: vec![(10, "moderate".into())],
        }
    }

    #[test]
    fn scores_are_drawn_to_scale_inside_the_plot() {
        let mut doc = Document::new("t", "f");
        doc.push(Block::Chart(chart(&[27, 0, 13])));
        let page = &lay_out(&doc)[0];
        // Axes, one cut-off, the score line and two strokes per mark.
        assert_eq!(page.strokes.len(), 1 + 1 + 1 + 6);
        let scores = &page.strokes[2].points;
        let (top, bottom) = (page.strokes[0].points[0].1, page.strokes[0].points[1].1);
        assert!((scores[0].1 - top).abs() < 0.01, "27 at the top");
        assert!((scores[1].1 - bottom).abs() < 0.01, "0 at the bottom");
        assert!(
            scores[0].0 < scores[1].0 && scores[1].0 < scores[2].0,
            "time runs right"
        );
        let texts: Vec<String> = page
            .runs
            .iter()
            .map(|r| String::from_utf8_lossy(&r.text).into_owned())
            .collect();
        for want in [
            "27",
            "0",
            "10 moderate",
            "2026-11-01",
            "2026-11-03",
            "PHQ-9 total by date",
        ] {
            assert!(texts.iter().any(|t| t == want), "{want} in {texts:?}");
        }
    }

    #[test]
    fn one_score_is_a_mark_and_a_chart_keeps_to_one_page() {
        let mut doc = Document::new("t", "f");
        for _ in 0..12 {
            doc.push(Block::Chart(chart(&[5])));
        }
        let pages = lay_out(&doc);
        assert!(pages.len() >= 2);
        for p in &pages {
            for s in &p.strokes {
                for (_, y) in &s.points {
                    assert!(*y > 40.0, "above the footer");
                }
            }
        }
    }
}
