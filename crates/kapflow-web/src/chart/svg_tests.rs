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
}
