//! The dosing session's timeline as inline SVG: minutes from the dose, the expected onset and
//! peak windows, when vitals are due, "now", and the blood pressure and heart rate readings.
//! Hand-drawn like the measures chart (no scripts, fonts or external references, so it is safe
//! under a strict CSP and prints); the data table beside it says the same in numbers.
//!
//! Written into one pre-sized `String`, numbers in place, with the span worked out once: every
//! text here is a number or a fixed word, so nothing needs escaping.

use std::fmt::Write;

const WIDTH: u32 = 720;
const HEIGHT: u32 = 260;
const LEFT: u32 = 44;
const RIGHT: u32 = 700;
const TOP: u32 = 28;
const BOTTOM: u32 = 222;
/// The value axis (mmHg and beats per minute share it).
const LOW: u32 = 40;
const HIGH: u32 = 220;

/// One reading placed on the timeline.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Reading {
    /// Minutes after the dose (negative: before it).
    pub minute: i64,
    pub systolic: u32,
    pub diastolic: u32,
    pub heart_rate: u32,
    pub alert: bool,
}

/// What the timeline shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Timeline {
    /// Minutes since the dose now (`None` when the session closed: no "now" line).
    pub now: Option<u32>,
    pub onset: (u32, u32),
    pub peak: (u32, u32),
    pub due: Vec<u32>,
    pub readings: Vec<Reading>,
}

impl Timeline {
    fn span(&self) -> u32 {
        let last = self
            .readings
            .iter()
            .map(|r| u32::try_from(r.minute.max(0)).unwrap_or(0))
            .chain(self.now)
            .max()
            .unwrap_or(0);
        // Whole half-hours, at least the three hours a session usually lasts.
        ((last + 15).max(180)).div_ceil(30) * 30
    }
}

/// x of a minute on a timeline of `span` minutes (from `Timeline::span`, which walks the
/// readings: once per chart, not once per mark).
fn x(span: u32, minute: i64) -> u32 {
    let span = i64::from(span);
    let m = minute.clamp(-10, span);
    let w = i64::from(RIGHT - LEFT);
    u32::try_from(i64::from(LEFT) + (m.max(0) * w) / span).unwrap_or(LEFT)
}

fn y(v: u32) -> u32 {
    let v = v.clamp(LOW, HIGH);
    BOTTOM - (v - LOW) * (BOTTOM - TOP) / (HIGH - LOW)
}

/// The chart, as an `<svg>` element.
pub fn render(t: &Timeline) -> String {
    let span = t.span();
    let at = |minute: i64| x(span, minute);
    let mut s = String::with_capacity(capacity(t, span));
    let _ = write!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="dosing-chart" viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" role="img" aria-labelledby="tl-t tl-d" font-family="sans-serif" font-size="11" data-span="{span}" data-left="{LEFT}" data-right="{RIGHT}"><title id="tl-t">Session timeline</title><desc id="tl-d">"#
    );
    describe(&mut s, t);
    s.push_str("</desc>");
    let band = |s: &mut String, (a, b): (u32, u32), fill: &str, label: &str, row: u32| {
        let (x1, x2) = (at(i64::from(a)), at(i64::from(b)));
        let _ = write!(
            s,
            r##"<rect x="{x1}" y="{TOP}" width="{}" height="{}" fill="{fill}"/><text x="{}" y="{row}" fill="#333">{label}</text>"##,
            x2.saturating_sub(x1),
            BOTTOM - TOP,
            x1 + 2
        );
    };
    band(&mut s, t.onset, "#e8f0fb", "expected onset", TOP - 14);
    band(&mut s, t.peak, "#f7ecd9", "peak", TOP - 2);
    // Axes and the half-hour grid.
    let _ = write!(
        s,
        r##"<line x1="{LEFT}" y1="{BOTTOM}" x2="{RIGHT}" y2="{BOTTOM}" stroke="#555"/><line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{BOTTOM}" stroke="#555"/>"##
    );
    for m in (0..=span).step_by(30) {
        let x = at(i64::from(m));
        let _ = write!(
            s,
            r##"<line x1="{x}" y1="{BOTTOM}" x2="{x}" y2="{}" stroke="#555"/><text x="{x}" y="{}" text-anchor="middle">{m} min</text>"##,
            BOTTOM + 4,
            BOTTOM + 16
        );
    }
    for v in [60, 100, 140, 180] {
        let yy = y(v);
        let _ = write!(
            s,
            r##"<line x1="{LEFT}" y1="{yy}" x2="{RIGHT}" y2="{yy}" stroke="#ddd"/><text x="{}" y="{}" text-anchor="end">{v}</text>"##,
            LEFT - 4,
            yy + 4
        );
    }
    for d in &t.due {
        let x = at(i64::from(*d));
        let _ = write!(
            s,
            r##"<path d="M{x} {BOTTOM} l-4 8 h8 z" fill="#6b4e00"><title>vitals due at {d} min</title></path>"##
        );
    }
    // The readings: systolic and diastolic as one bar each, heart rate as a line.
    for r in &t.readings {
        let x = at(r.minute);
        let colour = if r.alert { "#a4001d" } else { "#0b2a4a" };
        let _ = write!(
            s,
            r##"<line x1="{x}" y1="{}" x2="{x}" y2="{}" stroke="{colour}" stroke-width="4"/><text x="{x}" y="{}" text-anchor="middle" fill="{colour}">{}/{}</text>"##,
            y(r.systolic),
            y(r.diastolic),
            y(r.systolic).saturating_sub(4),
            r.systolic,
            r.diastolic
        );
    }
    if !t.readings.is_empty() {
        s.push_str(r#"<polyline points=""#);
        for (i, r) in t.readings.iter().enumerate() {
            let sep = if i == 0 { "" } else { " " };
            let _ = write!(s, "{sep}{},{}", at(r.minute), y(r.heart_rate));
        }
        s.push_str(r##"" fill="none" stroke="#2d6a2d" stroke-width="2" stroke-dasharray="5 3"/>"##);
    }
    if let Some(now) = t.now {
        let x = at(i64::from(now));
        let _ = write!(
            s,
            r##"<line class="now-line" x1="{x}" y1="{}" x2="{x}" y2="{BOTTOM}" stroke="#a4001d" stroke-width="2"/><text class="now-label" x="{x}" y="{}" text-anchor="middle" fill="#a4001d">now</text>"##,
            TOP - 8,
            TOP - 10
        );
    }
    let _ = write!(
        s,
        r##"<text x="{RIGHT}" y="{}" text-anchor="end" fill="#333">bars: blood pressure (mmHg) · dashed: heart rate (/min)</text></svg>"##,
        HEIGHT - 4
    );
    s
}

/// Enough for the whole chart, so the buffer is allocated once: the frame, windows and legend
/// take about 1.2 KB, a half-hour line about 120 bytes, a due mark 110, a reading 200.
fn capacity(t: &Timeline, span: u32) -> usize {
    1536 + 130 * (span as usize / 30 + 1) + 120 * t.due.len() + 220 * t.readings.len()
}

/// The timeline in words, for a screen reader.
fn describe(d: &mut String, t: &Timeline) {
    let _ = write!(
        d,
        "Minutes from the dose. Expected onset {}–{} minutes, peak {}–{} minutes.",
        t.onset.0, t.onset.1, t.peak.0, t.peak.1
    );
    if let Some(now) = t.now {
        let _ = write!(d, " Now: {now} minutes.");
    }
    let _ = write!(d, " {} readings", t.readings.len());
    if let Some(last) = t.readings.last() {
        let _ = write!(
            d,
            "; the latest at {} minutes: {}/{} mmHg, heart rate {}.",
            last.minute, last.systolic, last.diastolic, last.heart_rate
        );
    } else {
        d.push('.');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn timeline(now: Option<u32>) -> Timeline {
        Timeline {
            now,
            onset: (10, 30),
            peak: (25, 60),
            due: vec![15, 30, 45, 60, 90],
            readings: vec![
                Reading {
                    minute: -5,
                    systolic: 124,
                    diastolic: 80,
                    heart_rate: 72,
                    alert: false,
                },
                Reading {
                    minute: 40,
                    systolic: 165,
                    diastolic: 95,
                    heart_rate: 88,
                    alert: true,
                },
            ],
        }
    }

    #[test]
    fn the_timeline_draws_windows_readings_and_now() {
        let svg = render(&timeline(Some(42)));
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert!(svg.contains("expected onset") && svg.contains("peak"));
        assert!(svg.contains("165/95") && svg.contains("#a4001d"));
        assert!(svg.contains("now-line"));
        assert!(svg.contains("Now: 42 minutes"));
        assert!(
            !render(&timeline(None)).contains("now-line"),
            "a closed session has no now"
        );
        assert!(!svg.contains("<script"));
    }

    #[test]
    fn a_long_session_widens_the_axis() {
        let mut t = timeline(Some(200));
        assert_eq!(t.span(), 240);
        t.now = Some(10);
        assert_eq!(t.span(), 180);
    }

    #[test]
    fn the_same_bytes_as_the_old_timeline() {
        let mut long = timeline(Some(250));
        long.readings.extend((0..12u32).map(|i| Reading {
            minute: i64::from(15 * i + 5),
            systolic: 110 + 7 * i,
            diastolic: 70 + 2 * i,
            heart_rate: 60 + 3 * i,
            alert: i % 5 == 0,
        }));
        let mut far = timeline(None);
        far.readings[1].minute = 10_000;
        far.readings[1].systolic = 300;
        far.readings[0].heart_rate = 10;
        let empty = Timeline {
            now: Some(0),
            onset: (0, 0),
            peak: (200, 100),
            due: Vec::new(),
            readings: Vec::new(),
        };
        for t in [timeline(Some(42)), timeline(None), long, far, empty] {
            let svg = render(&t);
            assert_eq!(svg, old::render(&t), "{t:?}");
            assert!(svg.len() <= capacity(&t, t.span()), "one allocation");
        }
    }

    /// The timeline as drawn before it wrote into one buffer (a `format!` per heart-rate point,
    /// the span walked for every mark, the description escaped as a whole), kept to hold the new
    /// one to the same bytes. If the drawing is meant to change, change this with it or drop it.
    mod old {
        use super::super::{BOTTOM, HEIGHT, HIGH, LEFT, LOW, RIGHT, TOP, Timeline, WIDTH};
        use crate::chart::svg::escape;
        use std::fmt::Write;

        struct Old<'a>(&'a Timeline);

        impl Old<'_> {
            fn span(&self) -> u32 {
                let last = self
                    .0
                    .readings
                    .iter()
                    .map(|r| u32::try_from(r.minute.max(0)).unwrap_or(0))
                    .chain(self.0.now)
                    .max()
                    .unwrap_or(0);
                // Whole half-hours, at least the three hours a session usually lasts.
                ((last + 15).max(180)).div_ceil(30) * 30
            }

            fn x(&self, minute: i64) -> u32 {
                let span = i64::from(self.span());
                let m = minute.clamp(-10, span);
                let w = i64::from(RIGHT - LEFT);
                u32::try_from(i64::from(LEFT) + (m.max(0) * w) / span).unwrap_or(LEFT)
            }
        }

        fn y(v: u32) -> u32 {
            let v = v.clamp(LOW, HIGH);
            BOTTOM - (v - LOW) * (BOTTOM - TOP) / (HIGH - LOW)
        }

        /// The chart, as an `<svg>` element.
        pub fn render(t: &Timeline) -> String {
            let t = &Old(t);
            let span = t.span();
            let desc = describe(t);
            let mut s = String::with_capacity(4096);
            let _ = write!(
                s,
                r#"<svg xmlns="http://www.w3.org/2000/svg" class="dosing-chart" viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" role="img" aria-labelledby="tl-t tl-d" font-family="sans-serif" font-size="11" data-span="{span}" data-left="{LEFT}" data-right="{RIGHT}"><title id="tl-t">Session timeline</title><desc id="tl-d">{}</desc>"#,
                escape(&desc)
            );
            let band = |s: &mut String, (a, b): (u32, u32), fill: &str, label: &str, row: u32| {
                let (x1, x2) = (t.x(i64::from(a)), t.x(i64::from(b)));
                let _ = write!(
                    s,
                    r##"<rect x="{x1}" y="{TOP}" width="{}" height="{}" fill="{fill}"/><text x="{}" y="{row}" fill="#333">{label}</text>"##,
                    x2.saturating_sub(x1),
                    BOTTOM - TOP,
                    x1 + 2
                );
            };
            band(&mut s, t.0.onset, "#e8f0fb", "expected onset", TOP - 14);
            band(&mut s, t.0.peak, "#f7ecd9", "peak", TOP - 2);
            // Axes and the half-hour grid.
            let _ = write!(
                s,
                r##"<line x1="{LEFT}" y1="{BOTTOM}" x2="{RIGHT}" y2="{BOTTOM}" stroke="#555"/><line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{BOTTOM}" stroke="#555"/>"##
            );
            for m in (0..=span).step_by(30) {
                let x = t.x(i64::from(m));
                let _ = write!(
                    s,
                    r##"<line x1="{x}" y1="{BOTTOM}" x2="{x}" y2="{}" stroke="#555"/><text x="{x}" y="{}" text-anchor="middle">{m} min</text>"##,
                    BOTTOM + 4,
                    BOTTOM + 16
                );
            }
            for v in [60, 100, 140, 180] {
                let yy = y(v);
                let _ = write!(
                    s,
                    r##"<line x1="{LEFT}" y1="{yy}" x2="{RIGHT}" y2="{yy}" stroke="#ddd"/><text x="{}" y="{}" text-anchor="end">{v}</text>"##,
                    LEFT - 4,
                    yy + 4
                );
            }
            for d in &t.0.due {
                let x = t.x(i64::from(*d));
                let _ = write!(
                    s,
                    r##"<path d="M{x} {BOTTOM} l-4 8 h8 z" fill="#6b4e00"><title>vitals due at {d} min</title></path>"##
                );
            }
            // The readings: systolic and diastolic as one bar each, heart rate as a line.
            for r in &t.0.readings {
                let x = t.x(r.minute);
                let colour = if r.alert { "#a4001d" } else { "#0b2a4a" };
                let _ = write!(
                    s,
                    r##"<line x1="{x}" y1="{}" x2="{x}" y2="{}" stroke="{colour}" stroke-width="4"/><text x="{x}" y="{}" text-anchor="middle" fill="{colour}">{}/{}</text>"##,
                    y(r.systolic),
                    y(r.diastolic),
                    y(r.systolic).saturating_sub(4),
                    r.systolic,
                    r.diastolic
                );
            }
            let hr: Vec<String> =
                t.0.readings
                    .iter()
                    .map(|r| format!("{},{}", t.x(r.minute), y(r.heart_rate)))
                    .collect();
            if !hr.is_empty() {
                let _ = write!(
                    s,
                    r##"<polyline points="{}" fill="none" stroke="#2d6a2d" stroke-width="2" stroke-dasharray="5 3"/>"##,
                    hr.join(" ")
                );
            }
            if let Some(now) = t.0.now {
                let x = t.x(i64::from(now));
                let _ = write!(
                    s,
                    r##"<line class="now-line" x1="{x}" y1="{}" x2="{x}" y2="{BOTTOM}" stroke="#a4001d" stroke-width="2"/><text class="now-label" x="{x}" y="{}" text-anchor="middle" fill="#a4001d">now</text>"##,
                    TOP - 8,
                    TOP - 10
                );
            }
            let _ = write!(
                s,
                r##"<text x="{RIGHT}" y="{}" text-anchor="end" fill="#333">bars: blood pressure (mmHg) · dashed: heart rate (/min)</text></svg>"##,
                HEIGHT - 4
            );
            s
        }

        /// The timeline in words, for a screen reader.
        fn describe(t: &Old<'_>) -> String {
            let t = t.0;
            let mut d = format!(
                "Minutes from the dose. Expected onset {}–{} minutes, peak {}–{} minutes.",
                t.onset.0, t.onset.1, t.peak.0, t.peak.1
            );
            if let Some(now) = t.now {
                let _ = write!(d, " Now: {now} minutes.");
            }
            let _ = write!(d, " {} readings", t.readings.len());
            if let Some(last) = t.readings.last() {
                let _ = write!(
                    d,
                    "; the latest at {} minutes: {}/{} mmHg, heart rate {}.",
                    last.minute, last.systolic, last.diastolic, last.heart_rate
                );
            } else {
                d.push('.');
            }
            d
        }
    }
}
