//! The practice outcome report (docs/domain.md §4, in the manner of Dore et al. 2019, §7): per instrument, overall
//! and split by concern, how many courses, mean baseline, mean change with a 95% confidence
//! interval, and the share reaching response and remission.
//!
//! Retrospective and uncontrolled, like the study it imitates: the report describes what happened
//! in this practice and claims no effect. Sums are taken in integers and the variance from exact
//! integer sums, so the same courses always give bit-identical figures whatever their order.
//! The C-SSRS gives a risk level, not a total to compare (outcome.rs), so its courses are left out.

use std::collections::{BTreeMap, BTreeSet};

use super::instrument::Kind;
use super::outcome::{ResponseStatus, remission, response_status};
use crate::inquiry::Concern;

/// The concerns the report splits by. "Other" is too mixed a group to summarise on its own; its
/// courses still count in the overall figures.
pub const SPLIT_CONCERNS: [Concern; 4] = [
    Concern::Depression,
    Concern::Ptsd,
    Concern::Anxiety,
    Concern::ChronicPain,
];

/// One client's course for one instrument: the baseline and the post-course total.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CourseOutcome {
    /// Opaque subject key; used only to count distinct clients.
    pub subject: String,
    /// Every concern the client came with; the course counts under each.
    pub concerns: Vec<Concern>,
    /// Instrument code ("phq9", …).
    pub instrument: String,
    pub kind: Kind,
    pub baseline: u32,
    pub post: u32,
}

/// A two-sided 95% confidence interval.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Interval {
    pub low: f64,
    pub high: f64,
}

/// The figures for one group of courses (never empty: an empty group has no summary).
#[derive(Clone, Debug, PartialEq)]
pub struct Summary {
    /// Courses in the group.
    pub n: usize,
    /// Distinct subjects; below `n` when a client had more than one course.
    pub clients: usize,
    pub mean_baseline: f64,
    /// Mean of post − baseline: negative means fewer symptoms.
    pub mean_change: f64,
    /// Sample standard deviation of the change; None when n < 2.
    pub sd_change: Option<f64>,
    /// t-based 95% interval for the mean change; None when n < 2.
    pub change_ci95: Option<Interval>,
    /// Courses with a ≥ 50% reduction.
    pub responders: usize,
    /// Courses whose response can be judged: baseline above 0 (a 0 baseline has nothing to
    /// reduce, outcome.rs). 0 for a practice's own instrument, whose direction is unknown.
    pub response_denominator: usize,
    /// responders / response_denominator × 100; None when the denominator is 0.
    pub response_pct: Option<f64>,
    /// Courses ending in remission; counted over all n.
    pub remitted: usize,
    /// remitted / n × 100; None for an instrument without a remission rule.
    pub remission_pct: Option<f64>,
}

/// The report for one instrument.
#[derive(Clone, Debug, PartialEq)]
pub struct InstrumentReport {
    pub instrument: String,
    pub kind: Kind,
    pub overall: Summary,
    /// One entry per [`SPLIT_CONCERNS`], in that order; None when no course lists the concern.
    pub by_concern: Vec<(Concern, Option<Summary>)>,
}

/// The whole report: one entry per instrument (and kind), ordered by instrument code.
pub fn practice_report(courses: &[CourseOutcome]) -> Vec<InstrumentReport> {
    let mut groups: BTreeMap<(&str, u8), Vec<&CourseOutcome>> = BTreeMap::new();
    for c in courses.iter().filter(|c| c.kind != Kind::Cssrs) {
        groups
            .entry((c.instrument.as_str(), kind_rank(c.kind)))
            .or_default()
            .push(c);
    }
    groups
        .into_values()
        .filter_map(|group| {
            let first = group.first()?;
            let overall = summarise(&group)?;
            let by_concern = SPLIT_CONCERNS
                .iter()
                .map(|&concern| {
                    let within: Vec<&CourseOutcome> = group
                        .iter()
                        .copied()
                        .filter(|c| c.concerns.contains(&concern))
                        .collect();
                    (concern, summarise(&within))
                })
                .collect();
            Some(InstrumentReport {
                instrument: first.instrument.clone(),
                kind: first.kind,
                overall,
                by_concern,
            })
        })
        .collect()
}

// A stable order for kinds, should one code ever arrive with two kinds (a caller's mistake that
// must not silently mix remission rules).
fn kind_rank(kind: Kind) -> u8 {
    match kind {
        Kind::Phq9 => 0,
        Kind::Gad7 => 1,
        Kind::Pcl5 => 2,
        Kind::Cssrs => 3,
        Kind::Custom => 4,
    }
}

/// Figures for one group of courses of one instrument; None for an empty group.
pub fn summarise(courses: &[&CourseOutcome]) -> Option<Summary> {
    let first = courses.first()?;
    let n = courses.len();
    let n_i = i128::try_from(n).ok()?;
    let changes: Vec<i128> = courses
        .iter()
        .map(|c| i128::from(c.post) - i128::from(c.baseline))
        .collect();
    let sum: i128 = changes.iter().sum();
    let sum_sq: i128 = changes.iter().map(|d| d * d).sum();
    let sum_base: i128 = courses.iter().map(|c| i128::from(c.baseline)).sum();
    let nf = n as f64;
    let mean_change = sum as f64 / nf;

    // Σ(d − mean)² = (n·Σd² − (Σd)²) / n, exact in integers, so no cancellation and no order.
    let (sd_change, change_ci95) = if n >= 2 {
        let ss_n = n_i * sum_sq - sum * sum;
        let variance = ss_n as f64 / (nf * (nf - 1.0));
        let sd = variance.max(0.0).sqrt();
        let half = t_975(n as u64 - 1) * sd / nf.sqrt();
        let ci = Interval {
            low: mean_change - half,
            high: mean_change + half,
        };
        (Some(sd), Some(ci))
    } else {
        (None, None)
    };

    let judged_response = first.kind != Kind::Custom;
    let mut responders = 0;
    let mut response_denominator = 0;
    let mut remitted = 0;
    let mut has_remission_rule = false;
    for c in courses {
        if judged_response {
            match response_status(c.baseline, c.post) {
                ResponseStatus::BaselineZero => {}
                ResponseStatus::Response => {
                    responders += 1;
                    response_denominator += 1;
                }
                ResponseStatus::PartialResponse | ResponseStatus::NoResponse => {
                    response_denominator += 1;
                }
            }
        }
        if let Some(r) = remission(c.kind, c.post) {
            has_remission_rule = true;
            remitted += usize::from(r);
        }
    }
    let clients = courses
        .iter()
        .map(|c| c.subject.as_str())
        .collect::<BTreeSet<_>>()
        .len();

    Some(Summary {
        n,
        clients,
        mean_baseline: sum_base as f64 / nf,
        mean_change,
        sd_change,
        change_ci95,
        responders,
        response_denominator,
        response_pct: percent(responders, response_denominator),
        remitted,
        remission_pct: if has_remission_rule {
            percent(remitted, n)
        } else {
            None
        },
    })
}

fn percent(part: usize, whole: usize) -> Option<f64> {
    (whole > 0).then(|| part as f64 * 100.0 / whole as f64)
}

/// The 0.975 quantile of Student's t with `df` degrees of freedom (two-sided 95%).
///
/// df 1..=30 from the published table (9 decimals). Above 30, the Cornish–Fisher expansion of t
/// about the normal quantile z = 1.959963985 (Abramowitz & Stegun 26.7.5, four correction
/// terms): its error is under 4e-8 at df 31 and shrinks with df, far below the one decimal the
/// report shows. The plain normal 1.96 would narrow the interval by 4% at df 31. df 0 has no
/// interval; it returns infinity so a caller's mistake shows as an unbounded interval.
pub fn t_975(df: u64) -> f64 {
    const TABLE: [f64; 30] = [
        12.706204736,
        4.302652730,
        3.182446305,
        2.776445105,
        2.570581836,
        2.446911851,
        2.364624252,
        2.306004135,
        2.262157163,
        2.228138852,
        2.200985160,
        2.178812830,
        2.160368656,
        2.144786688,
        2.131449546,
        2.119905299,
        2.109815578,
        2.100922040,
        2.093024054,
        2.085963447,
        2.079613845,
        2.073873068,
        2.068657610,
        2.063898562,
        2.059538553,
        2.055529439,
        2.051830516,
        2.048407142,
        2.045229642,
        2.042272456,
    ];
    match df {
        0 => f64::INFINITY,
        1..=30 => TABLE[(df - 1) as usize],
        _ => {
            let z: f64 = 1.959_963_984_540_054;
            let v = df as f64;
            let (z3, z5, z7, z9) = (z.powi(3), z.powi(5), z.powi(7), z.powi(9));
            z + (z3 + z) / (4.0 * v)
                + (5.0 * z5 + 16.0 * z3 + 3.0 * z) / (96.0 * v.powi(2))
                + (3.0 * z7 + 19.0 * z5 + 17.0 * z3 - 15.0 * z) / (384.0 * v.powi(3))
                + (79.0 * z9 + 776.0 * z7 + 1482.0 * z5 - 1920.0 * z3 - 945.0 * z)
                    / (92160.0 * v.powi(4))
        }
    }
}

/// Rounds to one decimal, halves away from zero (on the value times ten); never "-0.0".
pub fn round1(x: f64) -> f64 {
    let r = (x * 10.0).round() / 10.0;
    // -0.0 would print as "-0.0": a change of nothing is shown as 0.0.
    if r == 0.0 { 0.0 } else { r }
}

/// One decimal for display: "-8.4", "40.0"; "–" for a value that is not finite.
pub fn display1(x: f64) -> String {
    if x.is_finite() {
        format!("{:.1}", round1(x))
    } else {
        "–".to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn course(subject: &str, concerns: &[Concern], baseline: u32, post: u32) -> CourseOutcome {
        CourseOutcome {
            subject: subject.to_owned(),
            concerns: concerns.to_vec(),
            instrument: "phq9".to_owned(),
            kind: Kind::Phq9,
            baseline,
            post,
        }
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    #[test]
    fn five_phq9_courses_by_hand() {
        use Concern::*;
        // baseline → post   change   response (≥50%)     remission (<5)
        //   20 → 8          −12      60% yes             no
        //   18 → 10          −8      44% no              no
        //   15 → 4          −11      73% yes             yes
        //   22 → 12         −10      45% no              no
        //   12 → 11          −1       8% no              no
        // mean baseline = 87 / 5 = 17.4
        // mean change   = −42 / 5 = −8.4
        // deviations −3.6, 0.4, −2.6, −1.6, 7.4; squares 12.96, 0.16, 6.76, 2.56, 54.76 = 77.2
        // variance = 77.2 / 4 = 19.3; SD = √19.3 = 4.393176527…
        // SE = SD / √5 = √3.86 = 1.964688270…
        // t(0.975, 4) = 2.776445105; half-width = 2.776445105 × 1.964688270 = 5.454849131…
        // CI = −8.4 ∓ 5.454849131 = (−13.854849131, −2.945150869)
        // response 2/5 = 40%; remission 1/5 = 20%
        let courses = vec![
            course("a", &[Depression], 20, 8),
            course("b", &[Depression, Anxiety], 18, 10),
            course("c", &[Depression], 15, 4),
            course("d", &[Ptsd, Depression], 22, 12),
            course("e", &[Depression], 12, 11),
        ];
        let report = practice_report(&courses);
        assert_eq!(report.len(), 1);
        let s = &report[0].overall;
        assert_eq!((s.n, s.clients), (5, 5));
        assert!(close(s.mean_baseline, 17.4));
        assert!(close(s.mean_change, -8.4));
        assert!(close(s.sd_change.expect("n ≥ 2"), 4.393176527297759));
        let ci = s.change_ci95.expect("n ≥ 2");
        assert!(close(ci.low, -13.854849131), "{}", ci.low);
        assert!(close(ci.high, -2.945150869), "{}", ci.high);
        assert_eq!((s.responders, s.response_denominator), (2, 5));
        assert!(close(s.response_pct.expect("judged"), 40.0));
        assert_eq!(s.remitted, 1);
        assert!(close(s.remission_pct.expect("phq9 has a rule"), 20.0));
        assert_eq!(display1(ci.low), "-13.9");
        assert_eq!(display1(ci.high), "-2.9");
    }

    #[test]
    fn a_course_counts_under_every_concern_it_lists() {
        use Concern::*;
        let courses = vec![
            course("a", &[Depression, Anxiety], 20, 8),
            course("b", &[Depression], 18, 10),
            course("c", &[Ptsd, Depression, Anxiety], 15, 4),
            course("d", &[Other], 22, 12),
            course("e", &[Depression, Depression], 12, 11),
        ];
        let r = &practice_report(&courses)[0];
        assert_eq!(r.overall.n, 5);
        let n_of = |c: Concern| {
            r.by_concern
                .iter()
                .find(|(x, _)| *x == c)
                .map(|(_, s)| s.as_ref().map_or(0, |s| s.n))
        };
        // A concern listed twice still counts the course once.
        assert_eq!(n_of(Depression), Some(4));
        assert_eq!(n_of(Anxiety), Some(2));
        assert_eq!(n_of(Ptsd), Some(1));
        assert_eq!(n_of(ChronicPain), Some(0));
        assert_eq!(n_of(Other), None, "Other is not a split");
        assert_eq!(r.by_concern.len(), SPLIT_CONCERNS.len());
        let chronic = r.by_concern.iter().find(|(c, _)| *c == ChronicPain);
        assert_eq!(chronic, Some(&(ChronicPain, None)));
    }

    #[test]
    fn one_course_has_no_interval() {
        let s = summarise(&[&course("a", &[], 10, 4)]).expect("one course");
        assert_eq!(s.n, 1);
        assert!(close(s.mean_change, -6.0));
        assert_eq!((s.sd_change, s.change_ci95), (None, None));
        assert_eq!(s.remission_pct, Some(100.0));
    }

    #[test]
    fn no_courses_no_report() {
        assert!(practice_report(&[]).is_empty());
        assert_eq!(summarise(&[]), None);
    }

    #[test]
    fn identical_changes_give_a_zero_width_interval() {
        let a = course("a", &[], 10, 5);
        let b = course("b", &[], 12, 7);
        let s = summarise(&[&a, &b]).expect("two");
        assert_eq!(s.sd_change, Some(0.0));
        let ci = s.change_ci95.expect("n = 2");
        assert_eq!((ci.low, ci.high), (-5.0, -5.0));
    }

    #[test]
    fn baseline_zero_is_left_out_of_the_response_denominator_only() {
        let courses = [course("a", &[], 0, 3), course("b", &[], 10, 2)];
        let s = summarise(&[&courses[0], &courses[1]]).expect("two");
        assert_eq!((s.responders, s.response_denominator), (1, 1));
        assert_eq!(s.response_pct, Some(100.0));
        // Both still count for remission: 3 and 2 are under 5.
        assert_eq!((s.remitted, s.remission_pct), (2, Some(100.0)));
        let only_zero = summarise(&[&courses[0]]).expect("one");
        assert_eq!(only_zero.response_pct, None);
    }

    #[test]
    fn instruments_are_reported_apart_and_the_cssrs_is_left_out() {
        let mut pcl = course("a", &[Concern::Ptsd], 50, 40);
        pcl.instrument = "pcl5".into();
        pcl.kind = Kind::Pcl5;
        let mut own = course("a", &[], 30, 10);
        own.instrument = "sleep".into();
        own.kind = Kind::Custom;
        let mut cssrs = course("a", &[], 2, 0);
        cssrs.instrument = "cssrs".into();
        cssrs.kind = Kind::Cssrs;
        let phq = course("a", &[], 20, 4);
        let report = practice_report(&[own, phq, cssrs, pcl]);
        let codes: Vec<&str> = report.iter().map(|r| r.instrument.as_str()).collect();
        assert_eq!(codes, ["pcl5", "phq9", "sleep"]);
        // PCL-5: response judged, no remission rule.
        assert_eq!(report[0].overall.response_pct, Some(0.0));
        assert_eq!(report[0].overall.remission_pct, None);
        // A practice's own instrument: direction unknown, so neither.
        assert_eq!(report[2].overall.response_pct, None);
        assert_eq!(report[2].overall.remission_pct, None);
    }

    #[test]
    fn repeat_clients_are_counted_once_as_clients() {
        let courses = [course("a", &[], 20, 8), course("a", &[], 18, 9)];
        let s = summarise(&[&courses[0], &courses[1]]).expect("two");
        assert_eq!((s.n, s.clients), (2, 1));
    }

    #[test]
    fn order_does_not_change_a_single_bit() {
        let mut courses: Vec<CourseOutcome> = (0..40u32)
            .map(|i| course(&i.to_string(), &[], (i * 7) % 28, (i * 11) % 28))
            .collect();
        let a = practice_report(&courses);
        courses.reverse();
        assert_eq!(a, practice_report(&courses));
    }

    #[test]
    fn t_quantiles() {
        assert_eq!(t_975(0), f64::INFINITY);
        assert!(close(t_975(4), 2.776445105));
        assert!(close(t_975(30), 2.042272456));
        // Reference values: 2.021075390 (40), 2.000297822 (60), 1.979930405 (120),
        // 1.962339081 (1000).
        for (df, t) in [
            (31, 2.039513446),
            (40, 2.021075390),
            (60, 2.000297822),
            (120, 1.979930405),
            (1000, 1.962339081),
        ] {
            assert!((t_975(df) - t).abs() < 5e-8, "df {df}: {}", t_975(df));
        }
        assert!((t_975(u64::MAX) - 1.959963985).abs() < 1e-9);
        // Falls as df rises, table into approximation.
        for df in 1..200 {
            assert!(t_975(df) > t_975(df + 1), "df {df}");
        }
    }

    #[test]
    fn display_rounds_half_away_from_zero_and_hides_negative_zero() {
        assert_eq!(display1(17.45), "17.5");
        assert_eq!(display1(-8.45), "-8.5");
        assert_eq!(display1(-0.04), "0.0");
        assert_eq!(display1(40.0), "40.0");
        assert_eq!(display1(100.0 / 3.0), "33.3");
        assert_eq!(display1(f64::NAN), "–");
        assert_eq!(round1(2.25), 2.3);
    }

    fn any_course() -> impl Strategy<Value = CourseOutcome> {
        (
            0u32..4,
            prop::collection::vec(prop::sample::select(Concern::ALL.to_vec()), 0..3),
            0u32..=80,
            0u32..=80,
        )
            .prop_map(|(s, concerns, baseline, post)| CourseOutcome {
                subject: s.to_string(),
                concerns,
                instrument: "pcl5".into(),
                kind: Kind::Pcl5,
                baseline,
                post,
            })
    }

    proptest! {
        #[test]
        fn figures_stay_in_bounds(courses in prop::collection::vec(any_course(), 1..40)) {
            let max = courses.iter().map(|c| c.baseline.max(c.post)).max().unwrap_or(0) as f64;
            for r in practice_report(&courses) {
                let all = std::iter::once(Some(r.overall.clone()))
                    .chain(r.by_concern.into_iter().map(|(_, s)| s))
                    .flatten();
                for s in all {
                    prop_assert!(s.n >= 1 && s.clients <= s.n);
                    prop_assert!(-max <= s.mean_change && s.mean_change <= max);
                    prop_assert!(0.0 <= s.mean_baseline && s.mean_baseline <= max);
                    if let Some(ci) = s.change_ci95 {
                        prop_assert!(ci.low <= s.mean_change && s.mean_change <= ci.high);
                    }
                    prop_assert_eq!(s.change_ci95.is_some(), s.n >= 2);
                    for p in [s.response_pct, s.remission_pct].into_iter().flatten() {
                        prop_assert!((0.0..=100.0).contains(&p));
                    }
                    prop_assert!(s.responders <= s.response_denominator);
                    prop_assert!(s.response_denominator <= s.n);
                }
            }
        }
    }
}
