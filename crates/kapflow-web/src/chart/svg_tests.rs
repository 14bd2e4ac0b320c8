//! Tests of the SVG trend chart: structure, escaping, bounds for any input.

use super::*;
use proptest::prelude::*;
use time::macros::date;

fn phq9(points: Vec<(Date, u32)>) -> ChartInput {
    ChartInput {
        title: "PHQ-9".into(),
        max: 27,
        bands: vec![
            (0, 4, "Minimal".into()),
            (5, 9, "Mild".into()),
            (10, 14, "Moderate".into()),
            (15, 19, "Moderately severe".into()),
            (20, 27, "Severe".into()),
        ],
        points,
        markers: vec![
            (date!(2026 - 09 - 10), "Dosing 1".into()),
            (date!(2026 - 10 - 08), "Dosing 2".into()),
        ],
        baseline: Some(18),
        response_line: Some(9),
        remission_below: Some(5),
    }
}

/// Every value of `name="…"` in the SVG (the leading space keeps "x" apart from "cx").
fn attrs(svg: &str, name: &str) -> Vec<f64> {
    let pat = format!(" {name}=\"");
    svg.match_indices(&pat)
        .map(|(i, _)| {
            let rest = &svg[i + pat.len()..];
            let end = rest.find('"').expect("closed attribute");
            rest[..end].parse::<f64>().expect("a number")
        })
        .collect()
}

fn polyline_points(svg: &str) -> Vec<(f64, f64)> {
    let Some(i) = svg.find("<polyline points=\"") else {
        return Vec::new();
    };
    let rest = &svg[i + "<polyline points=\"".len()..];
    let list = &rest[..rest.find('"').expect("closed")];
    list.split(' ')
        .map(|p| {
            let (x, y) = p.split_once(',').expect("x,y");
            (x.parse().expect("x"), y.parse().expect("y"))
        })
        .collect()
}

fn assert_self_contained(svg: &str) {
    for bad in [
        "<script",
        "foreignObject",
        "href",
        "url(",
        "@import",
        "@font-face",
    ] {
        assert!(!svg.contains(bad), "{bad} in {svg}");
    }
    assert!(svg.starts_with("<svg ") && svg.ends_with("</svg>"));
    assert!(svg.contains(r#"viewBox="0 0 640 240""#) && svg.contains(r#"role="img""#));
}

#[test]
fn a_course_draws_every_part() {
    let svg = render(&phq9(vec![
        (date!(2026 - 11 - 29), 6),
        (date!(2026 - 09 - 01), 18),
        (date!(2026 - 10 - 01), 12),
    ]));
    assert_self_contained(&svg);
    assert_eq!(svg.matches("<circle").count(), 3);
    assert!(svg.contains("<title>2026-11-29: 6</title>"));
    assert_eq!(svg.matches("<polyline").count(), 1);
    // Points are drawn in date order whatever the input order.
    let line = polyline_points(&svg);
    assert!(line.windows(2).all(|w| w[0].0 < w[1].0));
    for i in 0..5 {
        assert!(
            svg.contains(&format!(r#"<rect class="band band-{i}""#)),
            "band {i}"
        );
    }
    assert!(svg.contains(">Moderately severe</text>"));
    assert!(svg.contains(r#"<line class="baseline""#) && svg.contains(">Baseline 18</text>"));
    assert!(svg.contains(r#"<line class="response""#) && svg.contains(">Response ≤ 9</text>"));
    assert!(svg.contains(r#"<line class="remission""#) && svg.contains(">Remission &lt; 5</text>"));
    assert_eq!(svg.matches(r#"<line class="marker""#).count(), 2);
    assert!(svg.contains(">Dosing 1</text>"));
    // Date ticks: first and last are labelled.
    assert!(svg.contains(">2026-09-01</text>") && svg.contains(">2026-11-29</text>"));
    // Y ticks for 0..=27: 0, 5, …, 25 and the top.
    for v in [0, 5, 10, 25, 27] {
        assert!(
            svg.contains(&format!(r#"text-anchor="end">{v}</text>"#)),
            "tick {v}"
        );
    }
    let id_ref = svg.split("aria-labelledby=\"").nth(1).expect("labelled");
    let ids: Vec<&str> = id_ref[..id_ref.find('"').expect("closed")]
        .split(' ')
        .collect();
    assert_eq!(ids.len(), 2);
    assert!(svg.contains(&format!(r#"<title id="{}">PHQ-9</title>"#, ids[0])));
    assert!(svg.contains(&format!(r#"<desc id="{}">3 scores from 2026-09-01 to 2026-11-29, out of 27. First 18, last 6 (12 points lower). Scores: 2026-09-01: 18; 2026-10-01: 12; 2026-11-29: 6. The latest score is in the Mild band."#, ids[1])));
}

#[test]
fn no_points_says_so() {
    let svg = render(&phq9(Vec::new()));
    assert_self_contained(&svg);
    assert!(svg.contains(">No scores yet</text>"));
    assert!(svg.contains(">No scores yet.</desc>"));
    assert!(!svg.contains("<circle") && !svg.contains("<polyline"));
}

#[test]
fn one_point_has_a_circle_and_no_line() {
    let svg = render(&phq9(vec![(date!(2026 - 09 - 01), 18)]));
    assert_eq!(svg.matches("<circle").count(), 1);
    assert!(!svg.contains("<polyline"));
    assert!(svg.contains("1 score, on 2026-09-01: 18 out of 27."));
}

#[test]
fn points_on_one_day_sit_in_the_middle() {
    let mut input = phq9(vec![
        (date!(2026 - 09 - 01), 18),
        (date!(2026 - 09 - 01), 9),
    ]);
    input.markers.clear();
    let svg = render(&input);
    assert!(!svg.contains("NaN") && !svg.contains("inf"));
    assert_eq!(attrs(&svg, "cx"), [286.0, 286.0]);
    // One date tick, not five on top of each other.
    assert_eq!(svg.matches(">2026-09-01</text>").count(), 1);
}

#[test]
fn dates_far_apart_and_scores_above_the_max_stay_inside() {
    let mut input = phq9(vec![(Date::MIN, 0), (Date::MAX, 400)]);
    input.max = 27;
    let svg = render(&input);
    let cx = attrs(&svg, "cx");
    let cy = attrs(&svg, "cy");
    assert_eq!(cx.len(), 2);
    assert!(cx[0] < cx[1]);
    assert!(cy.iter().all(|&y| (TOP..=BOTTOM).contains(&y)));
    assert_eq!(cy[1], TOP, "400 widens the scale to 400");
}

#[test]
fn every_text_is_escaped() {
    let mut input = phq9(vec![(date!(2026 - 09 - 01), 3)]);
    input.title = "<script>alert('x')</script> & \"co\"\u{7}".into();
    input.bands[0].2 = "<b>Minimal</b>".into();
    input.markers[0].1 = "Dose <1> & \"more\"".into();
    let svg = render(&input);
    assert!(!svg.contains("<script") && !svg.contains("<b>"));
    assert!(svg.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;co&quot;"));
    assert!(svg.contains("&lt;b&gt;Minimal&lt;/b&gt;"));
    assert!(svg.contains("Dose &lt;1&gt; &amp; &quot;more&quot;"));
    assert!(!svg.contains('\u{7}'));
    assert_eq!(escape("a\tb\nc"), "a b c");
}

#[test]
fn y_ticks_use_round_steps() {
    assert_eq!(y_ticks(1), [0, 1]);
    assert_eq!(y_ticks(6), [0, 1, 2, 3, 4, 5, 6]);
    assert_eq!(y_ticks(21), [0, 5, 10, 15, 20]);
    assert_eq!(y_ticks(27), [0, 5, 10, 15, 20, 25, 27]);
    assert_eq!(y_ticks(80), [0, 20, 40, 60, 80]);
    assert!(y_ticks(u32::MAX).len() <= 8);
}

#[test]
fn bands_that_make_no_sense_are_skipped() {
    let mut input = phq9(vec![(date!(2026 - 09 - 01), 3)]);
    input.bands = vec![(9, 5, "Backwards".into()), (100, 200, "Off".into())];
    let svg = render(&input);
    assert!(!svg.contains("<rect"));
}

fn any_date() -> impl Strategy<Value = Date> {
    let near = date!(2020 - 01 - 01).to_julian_day()..date!(2030 - 01 - 01).to_julian_day();
    let all = Date::MIN.to_julian_day()..=Date::MAX.to_julian_day();
    prop_oneof![near, all].prop_map(|j| Date::from_julian_day(j).expect("in range"))
}

fn any_input() -> impl Strategy<Value = ChartInput> {
    (
        ".{0,20}",
        0u32..200,
        prop::collection::vec((0u32..250, 0u32..250, ".{0,10}"), 0..7),
        prop::collection::vec((any_date(), 0u32..300), 0..15),
        prop::collection::vec((any_date(), ".{0,12}"), 0..6),
        prop::option::of(0u32..300),
        prop::option::of(0u32..300),
        prop::option::of(0u32..300),
    )
        .prop_map(
            |(title, max, bands, points, markers, baseline, response_line, remission_below)| {
                ChartInput {
                    title,
                    max,
                    bands,
                    points,
                    markers,
                    baseline,
                    response_line,
                    remission_below,
                }
            },
        )
}

/// The chart's id stem, from its aria-labelledby.
fn chart_id(svg: &str) -> &str {
    let rest = svg.split("aria-labelledby=\"").nth(1).expect("labelled");
    &rest[..rest.find("-t ").expect("title id")]
}

/// The SVG with its id stem replaced, to compare two renderers whose ids differ by design.
fn without_id(svg: &str) -> String {
    let id = chart_id(svg);
    assert!(
        id.starts_with("chart-") && id.len() == "chart-".len() + 12,
        "{id}"
    );
    svg.replace(id, "chart-ID")
}

/// Every part of the chart at once: a year of scores, two markers on one day whose labels sort
/// one way alone and the other way inside "date (label)" (one is a prefix of the other), markers
/// too close together for every label, text to escape, a band too thin for its label, and all
/// three lines.
fn busy_chart() -> ChartInput {
    let mut input = phq9(
        [
            (date!(2026 - 03 - 02), 21),
            (date!(2026 - 01 - 05), 22),
            (date!(2026 - 02 - 02), 20),
            (date!(2026 - 04 - 06), 18),
            (date!(2026 - 05 - 04), 15),
            (date!(2026 - 06 - 01), 14),
            (date!(2026 - 07 - 06), 11),
            (date!(2026 - 08 - 03), 9),
            (date!(2026 - 09 - 07), 7),
            (date!(2026 - 10 - 05), 4),
            (date!(2026 - 11 - 02), 3),
        ]
        .to_vec(),
    );
    input.title = "PHQ-9 <\"Patient\" & 'Health'>".into();
    input.bands.push((27, 27, "Top\tonly".into()));
    input.markers = vec![
        (date!(2026 - 02 - 16), "Dose 1".into()),
        (date!(2026 - 02 - 16), "Dose 1 (late)".into()),
        (date!(2026 - 02 - 17), "Integration & <notes>".into()),
        (date!(2026 - 06 - 15), "Dose 2".into()),
    ];
    input.baseline = Some(22);
    input.response_line = Some(11);
    input.remission_below = Some(5);
    input
}

#[test]
fn the_same_bytes_as_the_old_renderer() {
    for input in [
        busy_chart(),
        phq9(Vec::new()),
        phq9(vec![(date!(2026 - 09 - 01), 18)]),
        phq9(vec![(Date::MIN, 0), (Date::MAX, 400)]),
    ] {
        let (new, old) = (render(&input), old::render(&input));
        assert_eq!(without_id(&new), without_id(&old));
        // The id is named four times: aria-labelledby twice, then the <title> and the <desc>.
        assert_eq!(new.matches(chart_id(&new)).count(), 4);
    }
    let svg = render(&busy_chart());
    assert!(svg.contains(" Marked: 2026-02-16 (Dose 1 (late)); 2026-02-16 (Dose 1); "));
    assert!(svg.contains("Integration &amp; &lt;notes&gt;"));
    assert!(svg.len() <= capacity(&busy_chart()), "one allocation");
}

#[test]
fn ids_are_stable_and_tell_charts_apart() {
    let input = busy_chart();
    let id = chart_id(&render(&input)).to_owned();
    let mut shuffled = input.clone();
    shuffled.points.reverse();
    assert_eq!(
        chart_id(&render(&shuffled)),
        id,
        "input order does not matter"
    );
    let mut gad7 = input.clone();
    gad7.title = "GAD-7".into();
    let mut rescored = input.clone();
    rescored.points[3].1 += 1;
    let mut redated = input.clone();
    redated.markers[3].0 = date!(2026 - 06 - 16);
    let mut relabelled = input.clone();
    relabelled.markers[3].1 = "Dose 3".into();
    let mut no_line = input;
    no_line.response_line = None;
    for other in [gad7, rescored, redated, relabelled, no_line] {
        assert_ne!(chart_id(&render(&other)), id, "{other:?}");
    }
}

#[test]
fn escaping_in_place_is_escaping() {
    let text = "a\tb\n<c> & \"d\" 'e'\u{7}\u{fffe}é";
    let mut out = String::from("x");
    escape_into(&mut out, text);
    assert_eq!(out, format!("x{}", escape(text)));
    assert_eq!(format!("{}", Escaped(text)), escape(text));
    assert_eq!(
        escape(text),
        "a b &lt;c&gt; &amp; &quot;d&quot; &#39;e&#39;é"
    );
}

#[test]
fn tenths_round_to_one_decimal() {
    for (v, text) in [
        (0.0, "0.0"),
        (40.0, "40.0"),
        (31.96, "32.0"),
        (123.44, "123.4"),
        (-3.06, "-3.1"),
        (-0.04, "0.0"),
        (531.99999, "532.0"),
    ] {
        assert_eq!(Tenths(v).to_string(), text, "{v}");
    }
}

#[test]
fn dates_print_as_date_does() {
    let step = 997;
    let mut day = Date::MIN.to_julian_day();
    while day <= Date::MAX.to_julian_day() {
        let date = Date::from_julian_day(day).expect("in range");
        assert_eq!(Ymd(date).to_string(), date.to_string());
        day += step;
    }
    for date in [
        Date::MIN,
        Date::MAX,
        date!(0000 - 01 - 01),
        date!(-0001 - 12 - 31),
        date!(0999 - 12 - 31),
        date!(9999 - 12 - 31),
        date!(2026 - 02 - 28),
    ] {
        assert_eq!(Ymd(date).to_string(), date.to_string());
    }
}

proptest! {
    #[test]
    fn coordinates_stay_in_the_view_box(input in any_input()) {
        let svg = render(&input);
        let (w, h) = (f64::from(WIDTH), f64::from(HEIGHT));
        prop_assert_eq!(svg.matches("<circle").count(), input.points.len());
        for name in ["cx", "x", "x1", "x2"] {
            for v in attrs(&svg, name) {
                prop_assert!((0.0..=w).contains(&v), "{}={} in {}", name, v, svg);
            }
        }
        for name in ["cy", "y", "y1", "y2"] {
            for v in attrs(&svg, name) {
                prop_assert!((0.0..=h).contains(&v), "{}={} in {}", name, v, svg);
            }
        }
        for v in attrs(&svg, "width").into_iter().chain(attrs(&svg, "height")) {
            prop_assert!(v >= 0.0);
        }
        for (x, y) in polyline_points(&svg) {
            prop_assert!((0.0..=w).contains(&x) && (0.0..=h).contains(&y));
        }
        prop_assert!(!svg.contains("<script") && !svg.contains("NaN"));
        // Tags open and close in balance: no text broke out of its element.
        let opens = svg.matches('<').count();
        let closes = svg.matches('>').count();
        prop_assert_eq!(opens, closes);
    }

    #[test]
    fn the_same_bytes_as_the_old_renderer_for_any_input(input in any_input()) {
        let (new, old) = (render(&input), old::render(&input));
        prop_assert_eq!(without_id(&new), without_id(&old));
    }
}

/// The renderer as it was before it wrote into one buffer (a `format!` per element, a `String`
/// per number, the id hashed from the whole description), kept to hold the new one to the same
/// bytes. If the drawing is meant to change, change this with it or drop it.
mod old {
    use super::ChartInput;
    use sha2::{Digest, Sha256};
    use time::Date;

    const WIDTH: u32 = 640;
    const HEIGHT: u32 = 240;

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

    /// Text safe inside an SVG element or attribute: & < > " ' escaped, and characters XML 1.0
    /// forbids (most control characters) dropped, since one would make the whole chart invalid.
    fn escape(s: &str) -> String {
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
            let (first, last) =
                days.fold((i64::MAX, i64::MIN), |(lo, hi), d| (lo.min(d), hi.max(d)));
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
    fn n(v: f64) -> String {
        let tenths = (v * 10.0).round();
        let sign = if tenths < 0.0 { "-" } else { "" };
        // Coordinates lie within a few hundred units of the plot, far inside i64.
        let t = (tenths.abs() as i64).unsigned_abs();
        format!("{sign}{}.{}", t / 10, t % 10)
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
}
