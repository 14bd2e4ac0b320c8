//! A server-rendered SVG trend chart of one instrument for one client: severity bands,
//! the scores over time, baseline / response / remission lines and the dosing sessions.
//!
//! Self-contained by design: no scripts, fonts, foreignObject or external references, so it is
//! safe to inline under a strict CSP and prints as it shows. Every text is escaped, and the
//! <title>/<desc> pair tells a screen reader in words what the lines show.

use sha2::{Digest, Sha256};
use time::Date;

pub const WIDTH: u32 = 640;
pub const HEIGHT: u32 = 240;

// The plot area; the right margin holds the band labels, the top the title and marker labels.
const LEFT: f64 = 40.0;
const RIGHT: f64 = 532.0;
const TOP: f64 = 32.0;
const BOTTOM: f64 = 206.0;
// Points stay this far inside the plot, clear of the axis.
const PAD: f64 = 10.0;

/// Light fills that darken with severity, so the bands also read in greyscale.
const BAND_FILLS: [&str; 6] = [
    "#f1f7f1", "#f6f1d9", "#f4e3cb", "#efd2c6", "#e6c0c6", "#dab3cf",
];

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChartInput {
    /// Instrument title, e.g. "PHQ-9".
    pub title: String,
    /// Highest possible total.
    pub max: u32,
    /// Severity bands as inclusive (min, max, label).
    pub bands: Vec<(u32, u32, String)>,
    /// (date, total) in any order.
    pub points: Vec<(Date, u32)>,
    /// Events drawn as vertical lines, e.g. dosing sessions.
    pub markers: Vec<(Date, String)>,
    pub baseline: Option<u32>,
    /// The total at or below which the course is a response (≤ 50% of baseline).
    pub response_line: Option<u32>,
    /// Totals below this are remission (5 for the PHQ-9 and GAD-7).
    pub remission_below: Option<u32>,
}

/// Text safe inside an SVG element or attribute: & < > " ' escaped, and characters XML 1.0
/// forbids (most control characters) dropped, since one would make the whole chart invalid.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\t' | '\n' | '\r' => out.push(' '),
            c if c < ' ' || c == '\u{fffe}' || c == '\u{ffff}' => {}
            c => out.push(c),
        }
    }
    out
}

/// The chart as a standalone SVG element.
pub fn render(input: &ChartInput) -> String {
    let mut points = input.points.clone();
    points.sort_by_key(|&(d, _)| d);
    let desc = describe(input, &points);
    // Ids from the content: stable output, and two different charts on one page do not clash.
    let digest = Sha256::digest(format!("{}\0{desc}", input.title).as_bytes());
    let id = format!("chart-{}", hex::encode(&digest[..6]));
    let mut svg = format!(
        concat!(
            r#"<svg xmlns="http://www.w3.org/2000/svg" class="measure-chart" width="{w}" "#,
            r#"height="{h}" viewBox="0 0 {w} {h}" role="img" aria-labelledby="{id}-t {id}-d" "#,
            r#"font-family="sans-serif" font-size="10">"#,
            r#"<title id="{id}-t">{title}</title><desc id="{id}-d">{desc}</desc>"#,
            r#"<text class="chart-title" x="{left}" y="16" font-size="12" font-weight="bold">{title}</text>"#
        ),
        w = WIDTH,
        h = HEIGHT,
        id = id,
        title = escape(&input.title),
        desc = escape(&desc),
        left = LEFT,
    );
    if points.is_empty() {
        svg.push_str(&format!(
            r##"<text class="empty" x="{}" y="{}" text-anchor="middle" font-size="14" fill="#555">No scores yet</text></svg>"##,
            WIDTH / 2,
            HEIGHT / 2
        ));
        return svg;
    }
    let scale = Scale::new(input, &points);
    bands(&mut svg, input, &scale);
    axes(&mut svg, &scale);
    thresholds(&mut svg, input, &scale);
    markers(&mut svg, input, &scale);
    series(&mut svg, &points, &scale);
    svg.push_str("</svg>");
    svg
}

/// Maps days and totals to the plot.
struct Scale {
    first: i64,
    span: i64,
    top: u32,
}

impl Scale {
    fn new(input: &ChartInput, points: &[(Date, u32)]) -> Scale {
        let days = points
            .iter()
            .map(|p| p.0)
            .chain(input.markers.iter().map(|m| m.0))
            .map(|d| i64::from(d.to_julian_day()));
        let (first, last) = days.fold((i64::MAX, i64::MIN), |(lo, hi), d| (lo.min(d), hi.max(d)));
        // A total above the stated max (or a line above it) widens the scale, never escapes it.
        let top = points
            .iter()
            .map(|p| p.1)
            .chain([input.max, 1])
            .chain(input.baseline)
            .chain(input.response_line)
            .chain(input.remission_below)
            .max()
            .unwrap_or(1);
        Scale {
            first,
            span: last - first,
            top,
        }
    }

    fn x(&self, date: Date) -> f64 {
        if self.span == 0 {
            // All on one day: the middle, with no division by a zero span.
            return (LEFT + RIGHT) / 2.0;
        }
        let t = (i64::from(date.to_julian_day()) - self.first) as f64 / self.span as f64;
        LEFT + PAD + t.clamp(0.0, 1.0) * (RIGHT - LEFT - 2.0 * PAD)
    }

    /// y of a value on the continuous scale (bands use half-points between whole totals).
    fn y(&self, value: f64) -> f64 {
        let t = (value / f64::from(self.top)).clamp(0.0, 1.0);
        BOTTOM - t * (BOTTOM - TOP)
    }
}

fn n(v: f64) -> String {
    format!("{v:.1}")
}

fn bands(svg: &mut String, input: &ChartInput, s: &Scale) {
    svg.push_str(r#"<g class="bands">"#);
    for (i, (min, max, label)) in input.bands.iter().enumerate() {
        if min > max || *min > s.top {
            continue;
        }
        // Whole totals sit mid-band: 0–4 and 5–9 meet at 4.5.
        let y_top = s.y(f64::from(*max) + 0.5);
        let y_bottom = s.y(f64::from(*min) - 0.5);
        let label = escape(label);
        svg.push_str(&format!(
            r##"<rect class="band band-{i}" x="{}" y="{}" width="{}" height="{}" fill="{}" stroke="#ffffff" stroke-width="1"><title>{label} ({min}–{max})</title></rect>"##,
            n(LEFT),
            n(y_top),
            n(RIGHT - LEFT),
            n(y_bottom - y_top),
            BAND_FILLS[i % BAND_FILLS.len()],
        ));
        // Too thin a band for its label: the rect's <title> still names it.
        if y_bottom - y_top >= 10.0 {
            svg.push_str(&format!(
                r##"<text class="band-label band-{i}" x="{}" y="{}" font-size="9" fill="#444">{label}</text>"##,
                n(RIGHT + 6.0),
                n((y_top + y_bottom) / 2.0 + 3.0),
            ));
        }
    }
    svg.push_str("</g>");
}

fn axes(svg: &mut String, s: &Scale) {
    svg.push_str(&format!(
        r##"<g class="axes" stroke="#333" stroke-width="1"><line x1="{l}" y1="{t}" x2="{l}" y2="{b}"/><line x1="{l}" y1="{b}" x2="{r}" y2="{b}"/></g><g class="ticks" fill="#333">"##,
        l = n(LEFT),
        t = n(TOP),
        b = n(BOTTOM),
        r = n(RIGHT),
    ));
    for v in y_ticks(s.top) {
        let y = n(s.y(f64::from(v)));
        svg.push_str(&format!(
            r##"<line x1="{}" y1="{y}" x2="{}" y2="{y}" stroke="#333"/><text x="{}" y="{}" text-anchor="end">{v}</text>"##,
            n(LEFT - 4.0),
            n(LEFT),
            n(LEFT - 6.0),
            n(s.y(f64::from(v)) + 3.0),
        ));
    }
    for day in date_ticks(s) {
        let Ok(date) = Date::from_julian_day(day as i32) else {
            continue;
        };
        let x = n(s.x(date));
        svg.push_str(&format!(
            r##"<line x1="{x}" y1="{}" x2="{x}" y2="{}" stroke="#333"/><text x="{x}" y="{}" text-anchor="middle">{date}</text>"##,
            n(BOTTOM),
            n(BOTTOM + 4.0),
            n(BOTTOM + 16.0),
        ));
    }
    svg.push_str("</g>");
}

/// 0 and multiples of a 1-2-5 step, about five of them, and the top when it is not one.
fn y_ticks(top: u32) -> Vec<u32> {
    let top = u64::from(top);
    // 1, 2, 5, 10, 20, 50, …: the first that gives at most six steps.
    let mut step: u64 = 1;
    let mut k: u32 = 0;
    while top / step > 6 {
        k += 1;
        step = [1, 2, 5][(k % 3) as usize] * 10u64.pow(k / 3);
    }
    let mut ticks: Vec<u64> = (0..=top / step).map(|i| i * step).collect();
    if let Some(&last) = ticks.last()
        && top - last >= step / 2
        && top != last
    {
        ticks.push(top);
    }
    ticks
        .into_iter()
        .filter_map(|t| u32::try_from(t).ok())
        .collect()
}

/// First, last and up to three days evenly between, as Julian days.
fn date_ticks(s: &Scale) -> Vec<i64> {
    let mut days: Vec<i64> = (0..=4).map(|i| s.first + (s.span * i + 2) / 4).collect();
    days[0] = s.first;
    days[4] = s.first + s.span;
    days.dedup();
    days
}

fn thresholds(svg: &mut String, input: &ChartInput, s: &Scale) {
    // Each line has its own dash pattern, so they stay apart in greyscale too. The words are
    // fixed markup, already escaped.
    let lines = [
        (input.baseline, "baseline", "#555555", "6 3", "Baseline"),
        (
            input.response_line,
            "response",
            "#2a6f2a",
            "4 3",
            "Response ≤",
        ),
        (
            input.remission_below,
            "remission",
            "#1f5fa8",
            "2 2",
            "Remission &lt;",
        ),
    ];
    svg.push_str(r#"<g class="thresholds">"#);
    for (value, class, colour, dash, words) in lines {
        let Some(v) = value else { continue };
        let y = s.y(f64::from(v));
        svg.push_str(&format!(
            r##"<line class="{class}" x1="{}" y1="{yy}" x2="{}" y2="{yy}" stroke="{colour}" stroke-width="1.5" stroke-dasharray="{dash}"/><text class="{class}" x="{}" y="{}" text-anchor="end" font-size="9" fill="{colour}">{words} {v}</text>"##,
            n(LEFT),
            n(RIGHT),
            n(RIGHT - 4.0),
            n((y - 3.0).max(TOP + 8.0)),
            yy = n(y),
        ));
    }
    svg.push_str("</g>");
}

fn markers(svg: &mut String, input: &ChartInput, s: &Scale) {
    let mut marks: Vec<&(Date, String)> = input.markers.iter().collect();
    marks.sort_by_key(|m| m.0);
    svg.push_str(r#"<g class="markers">"#);
    // Labels that would overlap the previous one are left to the line's <title>.
    let mut free_from = f64::MIN;
    for (date, label) in marks {
        let x = s.x(*date);
        let label = escape(label);
        svg.push_str(&format!(
            r##"<line class="marker" x1="{xx}" y1="{}" x2="{xx}" y2="{}" stroke="#7a3e9d" stroke-width="1" stroke-dasharray="3 3"><title>{date}: {label}</title></line>"##,
            n(TOP),
            n(BOTTOM),
            xx = n(x),
        ));
        let half = label.chars().count() as f64 * 2.6;
        let centre = x.clamp(half, f64::from(WIDTH) - half);
        if centre - half >= free_from && half * 2.0 < RIGHT - LEFT {
            svg.push_str(&format!(
                r##"<text class="marker-label" x="{}" y="{}" text-anchor="middle" font-size="9" fill="#7a3e9d">{label}</text>"##,
                n(centre),
                n(TOP - 4.0),
            ));
            free_from = centre + half + 4.0;
        }
    }
    svg.push_str("</g>");
}

fn series(svg: &mut String, points: &[(Date, u32)], s: &Scale) {
    let coords: Vec<(f64, f64)> = points
        .iter()
        .map(|&(d, v)| (s.x(d), s.y(f64::from(v))))
        .collect();
    svg.push_str(r#"<g class="series">"#);
    if coords.len() > 1 {
        let list: Vec<String> = coords
            .iter()
            .map(|&(x, y)| format!("{},{}", n(x), n(y)))
            .collect();
        svg.push_str(&format!(
            r##"<polyline points="{}" fill="none" stroke="#1f3f6e" stroke-width="2"/>"##,
            list.join(" ")
        ));
    }
    for (&(date, total), &(x, y)) in points.iter().zip(&coords) {
        svg.push_str(&format!(
            r##"<circle class="point" cx="{}" cy="{}" r="3.5" fill="#1f3f6e" stroke="#ffffff" stroke-width="1"><title>{date}: {total}</title></circle>"##,
            n(x),
            n(y),
        ));
    }
    svg.push_str("</g>");
}

/// The chart in words, for the <desc> a screen reader announces.
fn describe(input: &ChartInput, points: &[(Date, u32)]) -> String {
    let (Some(&(first_day, first)), Some(&(last_day, last))) = (points.first(), points.last())
    else {
        return "No scores yet.".to_owned();
    };
    let mut d = if points.len() == 1 {
        format!("1 score, on {first_day}: {first} out of {}.", input.max)
    } else {
        let trend = match last.cmp(&first) {
            std::cmp::Ordering::Less => format!("{} points lower", first - last),
            std::cmp::Ordering::Greater => format!("{} points higher", last - first),
            std::cmp::Ordering::Equal => "no change".to_owned(),
        };
        let all: Vec<String> = points.iter().map(|(d, v)| format!("{d}: {v}")).collect();
        format!(
            "{} scores from {first_day} to {last_day}, out of {}. First {first}, last {last} ({trend}). Scores: {}.",
            points.len(),
            input.max,
            all.join("; ")
        )
    };
    if let Some((_, _, band)) = input.bands.iter().find(|b| b.0 <= last && last <= b.1) {
        d.push_str(&format!(" The latest score is in the {band} band."));
    }
    if let Some(b) = input.baseline {
        d.push_str(&format!(" Baseline {b}."));
    }
    if let Some(r) = input.response_line {
        d.push_str(&format!(" Response at {r} or below."));
    }
    if let Some(r) = input.remission_below {
        d.push_str(&format!(" Remission below {r}."));
    }
    if !input.markers.is_empty() {
        let mut marks: Vec<String> = input
            .markers
            .iter()
            .map(|(d, l)| format!("{d} ({l})"))
            .collect();
        marks.sort();
        d.push_str(&format!(" Marked: {}.", marks.join("; ")));
    }
    d
}

#[cfg(test)]
#[path = "svg_tests.rs"]
mod tests;
