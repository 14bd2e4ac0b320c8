//! A server-rendered SVG trend chart of one instrument for one client: severity bands,
//! the scores over time, baseline / response / remission lines and the dosing sessions.
//!
//! Self-contained by design: no scripts, fonts, foreignObject or external references, so it is
//! safe to inline under a strict CSP and prints as it shows. Every text is escaped, and the
//! <title>/<desc> pair tells a screen reader in words what the lines show.
//!
//! Written into one pre-sized `String`: a `format!` per element, a `String` per number and
//! a hash of the whole description once cost a sixth of a measures page's instructions.
//! `Tenths`, `Ymd` and `Escaped` print in place inside `write!`.

use sha2::{Digest, Sha256};
use std::cmp::Ordering;
use std::fmt::{self, Write};
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
    escape_into(&mut out, s);
    out
}

/// [`escape`], appended to `out`.
pub fn escape_into(out: &mut String, s: &str) {
    // Writing into a String cannot fail.
    let _ = write_escaped(out, s);
}

/// [`escape`] in place inside `write!`: `write!(svg, "<title>{}</title>", Escaped(label))`.
#[derive(Clone, Copy, Debug)]
pub struct Escaped<'a>(pub &'a str);

impl fmt::Display for Escaped<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_escaped(f, self.0)
    }
}

/// The one escaping rule behind `escape`, `escape_into` and `Escaped`. Runs of plain text are
/// copied whole; most labels are one run.
fn write_escaped(out: &mut impl Write, s: &str) -> fmt::Result {
    let mut plain_from = 0;
    for (i, c) in s.char_indices() {
        let replacement = match c {
            '&' => "&amp;",
            '<' => "&lt;",
            '>' => "&gt;",
            '"' => "&quot;",
            '\'' => "&#39;",
            '\t' | '\n' | '\r' => " ",
            c if c < ' ' || c == '\u{fffe}' || c == '\u{ffff}' => "",
            _ => continue,
        };
        out.write_str(&s[plain_from..i])?;
        out.write_str(replacement)?;
        plain_from = i + c.len_utf8();
    }
    out.write_str(&s[plain_from..])
}

/// The chart as a standalone SVG element.
pub fn render(input: &ChartInput) -> String {
    let mut svg = String::with_capacity(capacity(input));
    // Writing into a String cannot fail.
    let _ = write_chart(&mut svg, input);
    svg
}

/// Enough for the whole chart, so the buffer is allocated once: the frame, axes and lines take
/// about 3 KB, a score about 200 bytes, a marker about 350, and each text is written up to
/// three times (only escaping could outgrow this).
fn capacity(input: &ChartInput) -> usize {
    let texts = input.title.len()
        + input.bands.iter().map(|b| b.2.len()).sum::<usize>()
        + input.markers.iter().map(|m| m.1.len()).sum::<usize>();
    4096 + 300 * input.points.len() + 400 * input.markers.len() + 3 * texts
}

fn write_chart(svg: &mut String, input: &ChartInput) -> fmt::Result {
    let mut points = input.points.clone();
    points.sort_by_key(|&(d, _)| d);
    let mut marks: Vec<&(Date, String)> = input.markers.iter().collect();
    marks.sort_by_key(|m| m.0);
    let id = ChartId::of(input, &points, &marks);
    let title = Escaped(&input.title);
    write!(
        svg,
        concat!(
            r#"<svg xmlns="http://www.w3.org/2000/svg" class="measure-chart" width="{w}" "#,
            r#"height="{h}" viewBox="0 0 {w} {h}" role="img" aria-labelledby="{id}-t {id}-d" "#,
            r#"font-family="sans-serif" font-size="10">"#,
            r#"<title id="{id}-t">{title}</title><desc id="{id}-d">"#
        ),
        w = WIDTH,
        h = HEIGHT,
        id = id,
        title = title,
    )?;
    describe(svg, input, &points)?;
    // LEFT is whole, and printed as such.
    write!(
        svg,
        r#"</desc><text class="chart-title" x="{}" y="16" font-size="12" font-weight="bold">{title}</text>"#,
        LEFT as u32
    )?;
    if points.is_empty() {
        return write!(
            svg,
            r##"<text class="empty" x="{}" y="{}" text-anchor="middle" font-size="14" fill="#555">No scores yet</text></svg>"##,
            WIDTH / 2,
            HEIGHT / 2
        );
    }
    let scale = Scale::new(input, &points);
    bands(svg, input, &scale)?;
    axes(svg, &scale)?;
    thresholds(svg, input, &scale)?;
    markers(svg, &marks, &scale)?;
    series(svg, &points, &scale)?;
    svg.push_str("</svg>");
    Ok(())
}

/// The element ids' stem, `chart-` and twelve hex digits. From the content, so the output is
/// stable and two different charts on one page do not clash; but from what tells charts apart
/// (the title, the lines, the scores and the markers), not from the whole description, which
/// is several times longer to hash.
#[derive(Clone, Copy)]
struct ChartId(u64);

impl ChartId {
    fn of(input: &ChartInput, points: &[(Date, u32)], marks: &[&(Date, String)]) -> ChartId {
        let mut h = Sha256::new();
        // Lengths before variable parts, so no two inputs feed the same bytes.
        h.update((input.title.len() as u64).to_le_bytes());
        h.update(input.title.as_bytes());
        h.update(input.max.to_le_bytes());
        for line in [input.baseline, input.response_line, input.remission_below] {
            h.update(line.map_or(u64::MAX, u64::from).to_le_bytes());
        }
        h.update((points.len() as u64).to_le_bytes());
        for &(date, total) in points {
            h.update(date.to_julian_day().to_le_bytes());
            h.update(total.to_le_bytes());
        }
        h.update((marks.len() as u64).to_le_bytes());
        for (date, label) in marks {
            h.update(date.to_julian_day().to_le_bytes());
            h.update((label.len() as u64).to_le_bytes());
            h.update(label.as_bytes());
        }
        let d = h.finalize();
        ChartId(u64::from_be_bytes([
            0, 0, d[0], d[1], d[2], d[3], d[4], d[5],
        ]))
    }
}

impl fmt::Display for ChartId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The first six bytes of the digest in hex.
        write!(f, "chart-{:012x}", self.0)
    }
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

/// A coordinate to one decimal. By integer arithmetic: `{:.1}` runs the exact (Dragon4) float
/// formatter, which cost a tenth of a measures page's instructions for some forty numbers.
#[derive(Clone, Copy)]
struct Tenths(f64);

impl fmt::Display for Tenths {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let tenths = (self.0 * 10.0).round();
        if tenths < 0.0 {
            f.write_char('-')?;
        }
        // Coordinates lie within a few hundred units of the plot, far inside i64.
        let t = (tenths.abs() as i64).unsigned_abs();
        fmt::Display::fmt(&(t / 10), f)?;
        f.write_char('.')?;
        fmt::Display::fmt(&(t % 10), f)
    }
}

/// A date as `Date`'s Display prints it, `YYYY-MM-DD`; by hand for the years 0–9999 a chart
/// meets, since that Display (and its padding) cost more than the rest of a point.
#[derive(Clone, Copy)]
struct Ymd(Date);

impl fmt::Display for Ymd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (year, month, day) = self.0.to_calendar_date();
        // A sign or a fifth digit: as `Date` writes it.
        let Some(year) = u16::try_from(year).ok().filter(|y| *y <= 9999) else {
            return fmt::Display::fmt(&self.0, f);
        };
        let (month, day) = (u16::from(u8::from(month)), u16::from(day));
        let digit = |v: u16| b'0' + (v % 10) as u8;
        let text = [
            digit(year / 1000),
            digit(year / 100),
            digit(year / 10),
            digit(year),
            b'-',
            digit(month / 10),
            digit(month),
            b'-',
            digit(day / 10),
            digit(day),
        ];
        f.write_str(std::str::from_utf8(&text).map_err(|_| fmt::Error)?)
    }
}

fn bands(svg: &mut String, input: &ChartInput, s: &Scale) -> fmt::Result {
    svg.push_str(r#"<g class="bands">"#);
    for (i, (min, max, label)) in input.bands.iter().enumerate() {
        if min > max || *min > s.top {
            continue;
        }
        // Whole totals sit mid-band: 0–4 and 5–9 meet at 4.5.
        let y_top = s.y(f64::from(*max) + 0.5);
        let y_bottom = s.y(f64::from(*min) - 0.5);
        let label = Escaped(label);
        write!(
            svg,
            r##"<rect class="band band-{i}" x="{}" y="{}" width="{}" height="{}" fill="{}" stroke="#ffffff" stroke-width="1"><title>{label} ({min}–{max})</title></rect>"##,
            Tenths(LEFT),
            Tenths(y_top),
            Tenths(RIGHT - LEFT),
            Tenths(y_bottom - y_top),
            BAND_FILLS[i % BAND_FILLS.len()],
        )?;
        // Too thin a band for its label: the rect's <title> still names it.
        if y_bottom - y_top >= 10.0 {
            write!(
                svg,
                r##"<text class="band-label band-{i}" x="{}" y="{}" font-size="9" fill="#444">{label}</text>"##,
                Tenths(RIGHT + 6.0),
                Tenths((y_top + y_bottom) / 2.0 + 3.0),
            )?;
        }
    }
    svg.push_str("</g>");
    Ok(())
}

fn axes(svg: &mut String, s: &Scale) -> fmt::Result {
    write!(
        svg,
        r##"<g class="axes" stroke="#333" stroke-width="1"><line x1="{l}" y1="{t}" x2="{l}" y2="{b}"/><line x1="{l}" y1="{b}" x2="{r}" y2="{b}"/></g><g class="ticks" fill="#333">"##,
        l = Tenths(LEFT),
        t = Tenths(TOP),
        b = Tenths(BOTTOM),
        r = Tenths(RIGHT),
    )?;
    for v in y_ticks(s.top) {
        let y = s.y(f64::from(v));
        write!(
            svg,
            r##"<line x1="{}" y1="{yy}" x2="{}" y2="{yy}" stroke="#333"/><text x="{}" y="{}" text-anchor="end">{v}</text>"##,
            Tenths(LEFT - 4.0),
            Tenths(LEFT),
            Tenths(LEFT - 6.0),
            Tenths(y + 3.0),
            yy = Tenths(y),
        )?;
    }
    for day in date_ticks(s) {
        let Ok(date) = Date::from_julian_day(day as i32) else {
            continue;
        };
        write!(
            svg,
            r##"<line x1="{x}" y1="{}" x2="{x}" y2="{}" stroke="#333"/><text x="{x}" y="{}" text-anchor="middle">{}</text>"##,
            Tenths(BOTTOM),
            Tenths(BOTTOM + 4.0),
            Tenths(BOTTOM + 16.0),
            Ymd(date),
            x = Tenths(s.x(date)),
        )?;
    }
    svg.push_str("</g>");
    Ok(())
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

fn thresholds(svg: &mut String, input: &ChartInput, s: &Scale) -> fmt::Result {
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
        write!(
            svg,
            r##"<line class="{class}" x1="{}" y1="{yy}" x2="{}" y2="{yy}" stroke="{colour}" stroke-width="1.5" stroke-dasharray="{dash}"/><text class="{class}" x="{}" y="{}" text-anchor="end" font-size="9" fill="{colour}">{words} {v}</text>"##,
            Tenths(LEFT),
            Tenths(RIGHT),
            Tenths(RIGHT - 4.0),
            Tenths((y - 3.0).max(TOP + 8.0)),
            yy = Tenths(y),
        )?;
    }
    svg.push_str("</g>");
    Ok(())
}

/// `marks` in date order.
fn markers(svg: &mut String, marks: &[&(Date, String)], s: &Scale) -> fmt::Result {
    svg.push_str(r#"<g class="markers">"#);
    // Labels that would overlap the previous one are left to the line's <title>.
    let mut free_from = f64::MIN;
    for (date, label) in marks {
        let x = s.x(*date);
        write!(
            svg,
            r##"<line class="marker" x1="{xx}" y1="{}" x2="{xx}" y2="{}" stroke="#7a3e9d" stroke-width="1" stroke-dasharray="3 3"><title>{}: "##,
            Tenths(TOP),
            Tenths(BOTTOM),
            Ymd(*date),
            xx = Tenths(x),
        )?;
        // The width is judged on the label as escaped (an entity counts as its characters).
        let label_from = svg.len();
        escape_into(svg, label);
        let half = svg[label_from..].chars().count() as f64 * 2.6;
        svg.push_str("</title></line>");
        let centre = x.clamp(half, f64::from(WIDTH) - half);
        if centre - half >= free_from && half * 2.0 < RIGHT - LEFT {
            write!(
                svg,
                r##"<text class="marker-label" x="{}" y="{}" text-anchor="middle" font-size="9" fill="#7a3e9d">{}</text>"##,
                Tenths(centre),
                Tenths(TOP - 4.0),
                Escaped(label),
            )?;
            free_from = centre + half + 4.0;
        }
    }
    svg.push_str("</g>");
    Ok(())
}

/// `points` in date order.
fn series(svg: &mut String, points: &[(Date, u32)], s: &Scale) -> fmt::Result {
    let at = |&(date, total): &(Date, u32)| (Tenths(s.x(date)), Tenths(s.y(f64::from(total))));
    svg.push_str(r#"<g class="series">"#);
    if points.len() > 1 {
        svg.push_str(r#"<polyline points=""#);
        for (i, point) in points.iter().enumerate() {
            if i > 0 {
                svg.push(' ');
            }
            let (x, y) = at(point);
            write!(svg, "{x},{y}")?;
        }
        svg.push_str(r##"" fill="none" stroke="#1f3f6e" stroke-width="2"/>"##);
    }
    for point in points {
        let (x, y) = at(point);
        write!(
            svg,
            r##"<circle class="point" cx="{x}" cy="{y}" r="3.5" fill="#1f3f6e" stroke="#ffffff" stroke-width="1"><title>{}: {}</title></circle>"##,
            Ymd(point.0),
            point.1,
        )?;
    }
    svg.push_str("</g>");
    Ok(())
}

/// The chart in words, for the <desc> a screen reader announces; escaped as it is written.
/// `points` in date order.
fn describe(d: &mut String, input: &ChartInput, points: &[(Date, u32)]) -> fmt::Result {
    let (Some(&(first_day, first)), Some(&(last_day, last))) = (points.first(), points.last())
    else {
        d.push_str("No scores yet.");
        return Ok(());
    };
    if points.len() == 1 {
        write!(
            d,
            "1 score, on {}: {first} out of {}.",
            Ymd(first_day),
            input.max
        )?;
    } else {
        write!(
            d,
            "{} scores from {} to {}, out of {}. First {first}, last {last} (",
            points.len(),
            Ymd(first_day),
            Ymd(last_day),
            input.max,
        )?;
        match last.cmp(&first) {
            Ordering::Less => write!(d, "{} points lower", first - last)?,
            Ordering::Greater => write!(d, "{} points higher", last - first)?,
            Ordering::Equal => d.push_str("no change"),
        }
        d.push_str("). Scores: ");
        for (i, &(day, total)) in points.iter().enumerate() {
            if i > 0 {
                d.push_str("; ");
            }
            write!(d, "{}: {total}", Ymd(day))?;
        }
        d.push('.');
    }
    if let Some((_, _, band)) = input.bands.iter().find(|b| b.0 <= last && last <= b.1) {
        write!(d, " The latest score is in the {} band.", Escaped(band))?;
    }
    if let Some(b) = input.baseline {
        write!(d, " Baseline {b}.")?;
    }
    if let Some(r) = input.response_line {
        write!(d, " Response at {r} or below.")?;
    }
    if let Some(r) = input.remission_below {
        write!(d, " Remission below {r}.")?;
    }
    if !input.markers.is_empty() {
        let mut marks: Vec<&(Date, String)> = input.markers.iter().collect();
        marks.sort_by(|a, b| described_order(a, b));
        d.push_str(" Marked: ");
        for (i, (day, label)) in marks.into_iter().enumerate() {
            if i > 0 {
                d.push_str("; ");
            }
            write!(d, "{} ({})", Ymd(*day), Escaped(label))?;
        }
        d.push('.');
    }
    Ok(())
}

/// The order of the description's "date (label)" entries, which has always been that of the
/// text. For four-digit years that is by date, then by label followed by its ")" (so
/// "Dose 1 (late)" comes before "Dose 1"); other years compare as written.
fn described_order(a: &(Date, String), b: &(Date, String)) -> Ordering {
    let four_digits = |d: Date| (0..=9999).contains(&d.year());
    if four_digits(a.0) && four_digits(b.0) {
        fn closed(label: &str) -> impl Iterator<Item = u8> + '_ {
            label.bytes().chain(*b")")
        }
        a.0.cmp(&b.0).then_with(|| closed(&a.1).cmp(closed(&b.1)))
    } else {
        format!("{} ({})", a.0, a.1).cmp(&format!("{} ({})", b.0, b.1))
    }
}

#[cfg(test)]
#[path = "svg_tests.rs"]
mod tests;
