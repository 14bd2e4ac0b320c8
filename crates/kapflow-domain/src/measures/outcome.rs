//! Outcome over a course: change from baseline, response, remission and, for the PCL-5,
//! clinically meaningful change (docs/domain.md §4). Pure arithmetic on totals; every threshold is decided in
//! whole numbers so a boundary (exactly 50%, exactly 10 points) never depends on rounding.
//!
//! A baseline of 0 has no symptoms to reduce: the percentage is undefined (None, never a
//! division by zero) and response is `BaselineZero`, not "no response". Remission and point
//! change are still reported, since they do not divide by the baseline.

use serde::{Deserialize, Serialize};

use super::instrument::Kind;
use super::score::Scored;

/// Points of PCL-5 change the National Center for PTSD treats as clinically meaningful.
pub const PCL5_MEANINGFUL_POINTS: u32 = 10;
/// PHQ-9 and GAD-7 totals below this are remission.
pub const REMISSION_BELOW: u32 = 5;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ResponseStatus {
    /// At least a 50% reduction from baseline.
    Response,
    /// At least 25% and under 50%.
    PartialResponse,
    /// Under 25%, or worse than baseline.
    NoResponse,
    /// The baseline total was 0, so a percentage reduction has no meaning.
    BaselineZero,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum MeaningfulChange {
    Improved,
    Worsened,
    NoMeaningfulChange,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    pub instrument: String,
    pub baseline: u32,
    pub latest: u32,
    /// latest − baseline: negative means fewer symptoms.
    pub points: i64,
    /// Reduction as a whole percentage of the baseline (negative when worse); None at baseline 0.
    pub percent_reduction: Option<i64>,
    /// None for a practice's own instrument, whose direction (is higher worse?) is unknown.
    pub response: Option<ResponseStatus>,
    /// Some only for the PHQ-9 and GAD-7.
    pub remission: Option<bool>,
    /// Some only for the PCL-5.
    pub pcl5_meaningful_change: Option<MeaningfulChange>,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum OutcomeError {
    #[error("a {baseline} baseline cannot be compared with a {latest} result")]
    DifferentInstruments { baseline: String, latest: String },
    #[error("the C-SSRS gives a risk level, not a symptom total to compare over time")]
    NoTotal,
}

/// Response by reduction from baseline, in whole numbers: 2·reduction ≥ baseline is 50%.
pub fn response_status(baseline: u32, latest: u32) -> ResponseStatus {
    if baseline == 0 {
        return ResponseStatus::BaselineZero;
    }
    let reduction = u64::from(baseline.saturating_sub(latest));
    let base = u64::from(baseline);
    if 2 * reduction >= base {
        ResponseStatus::Response
    } else if 4 * reduction >= base {
        ResponseStatus::PartialResponse
    } else {
        ResponseStatus::NoResponse
    }
}

/// The total below which a result is remission, for the instruments that define it (PHQ-9;
/// GAD-7 by analogy); None for the others.
pub fn remission_below(kind: Kind) -> Option<u32> {
    match kind {
        Kind::Phq9 | Kind::Gad7 => Some(REMISSION_BELOW),
        Kind::Pcl5 | Kind::Cssrs | Kind::Custom => None,
    }
}

/// Remission for the instruments that define it (PHQ-9 < 5; GAD-7 < 5 by analogy); None for
/// the others.
pub fn remission(kind: Kind, latest: u32) -> Option<bool> {
    remission_below(kind).map(|below| latest < below)
}

/// The highest total that is still a response (at least 50% below `baseline`), for the
/// instruments whose totals mean "more symptoms"; None where response has no meaning (the
/// C-SSRS, a practice's own instrument, a baseline of 0).
pub fn response_ceiling(kind: Kind, baseline: u32) -> Option<u32> {
    match kind {
        Kind::Phq9 | Kind::Gad7 | Kind::Pcl5 if baseline > 0 => Some(baseline / 2),
        _ => None,
    }
}

/// A PCL-5 change of 10 points or more, either way.
pub fn pcl5_meaningful_change(baseline: u32, latest: u32) -> MeaningfulChange {
    if baseline >= latest.saturating_add(PCL5_MEANINGFUL_POINTS) {
        MeaningfulChange::Improved
    } else if latest >= baseline.saturating_add(PCL5_MEANINGFUL_POINTS) {
        MeaningfulChange::Worsened
    } else {
        MeaningfulChange::NoMeaningfulChange
    }
}

/// Whole-percent reduction, rounded half away from zero; None when the baseline is 0.
pub fn percent_reduction(baseline: u32, latest: u32) -> Option<i64> {
    if baseline == 0 {
        return None;
    }
    let diff = i64::from(baseline) - i64::from(latest);
    let base = i64::from(baseline);
    let scaled = diff * 100;
    let rounded = (scaled.abs() * 2 + base) / (2 * base);
    Some(if scaled < 0 { -rounded } else { rounded })
}

/// Everything the outcome view shows for two results of the same instrument.
pub fn change_from_baseline(baseline: &Scored, latest: &Scored) -> Result<Change, OutcomeError> {
    if baseline.instrument != latest.instrument || baseline.kind != latest.kind {
        return Err(OutcomeError::DifferentInstruments {
            baseline: baseline.instrument.clone(),
            latest: latest.instrument.clone(),
        });
    }
    if latest.kind == Kind::Cssrs {
        return Err(OutcomeError::NoTotal);
    }
    let (b, l) = (baseline.total, latest.total);
    Ok(Change {
        instrument: latest.instrument.clone(),
        baseline: b,
        latest: l,
        points: i64::from(l) - i64::from(b),
        percent_reduction: percent_reduction(b, l),
        response: (latest.kind != Kind::Custom).then(|| response_status(b, l)),
        remission: remission(latest.kind, l),
        pcl5_meaningful_change: (latest.kind == Kind::Pcl5).then(|| pcl5_meaningful_change(b, l)),
    })
}

#[cfg(test)]
mod tests {
    use super::super::score::{Answers, MeasureSettings, score};
    use super::super::{cssrs, gad7, pcl5, phq9};
    use super::*;

    #[test]
    fn the_response_ceiling_is_the_last_total_that_is_a_response() {
        for baseline in 1..=80 {
            let ceiling = response_ceiling(Kind::Pcl5, baseline).expect("ceiling");
            assert_eq!(response_status(baseline, ceiling), ResponseStatus::Response);
            assert_ne!(
                response_status(baseline, ceiling + 1),
                ResponseStatus::Response,
                "{baseline}"
            );
        }
        assert_eq!(response_ceiling(Kind::Phq9, 0), None);
        assert_eq!(response_ceiling(Kind::Cssrs, 10), None);
        assert_eq!(response_ceiling(Kind::Custom, 10), None);
        assert_eq!(remission_below(Kind::Gad7), Some(5));
        assert_eq!(remission_below(Kind::Pcl5), None);
    }
    use ResponseStatus::*;

    #[test]
    fn response_boundaries_are_exact() {
        // Baseline 20: 10 points (50%) is response, 9 (45%) partial, 5 (25%) partial, 4 none.
        assert_eq!(response_status(20, 10), Response);
        assert_eq!(response_status(20, 11), PartialResponse);
        assert_eq!(response_status(20, 15), PartialResponse);
        assert_eq!(response_status(20, 16), NoResponse);
        assert_eq!(response_status(20, 0), Response);
        assert_eq!(response_status(20, 20), NoResponse);
        assert_eq!(response_status(20, 27), NoResponse);
        // Odd baselines: 15 → 7 is 53% (response); 15 → 8 is 47% (partial);
        // 15 → 11 is 27% (partial); 15 → 12 is 20% (none).
        assert_eq!(response_status(15, 7), Response);
        assert_eq!(response_status(15, 8), PartialResponse);
        assert_eq!(response_status(15, 11), PartialResponse);
        assert_eq!(response_status(15, 12), NoResponse);
    }

    #[test]
    fn a_zero_baseline_never_divides() {
        assert_eq!(response_status(0, 0), BaselineZero);
        assert_eq!(response_status(0, 12), BaselineZero);
        assert_eq!(percent_reduction(0, 5), None);
    }

    #[test]
    fn percent_reduction_rounds_half_away_from_zero() {
        assert_eq!(percent_reduction(20, 10), Some(50));
        assert_eq!(percent_reduction(3, 2), Some(33));
        assert_eq!(percent_reduction(3, 1), Some(67));
        assert_eq!(percent_reduction(8, 7), Some(13)); // 12.5 → 13
        assert_eq!(percent_reduction(8, 9), Some(-13));
        assert_eq!(percent_reduction(10, 25), Some(-150));
    }

    #[test]
    fn remission_is_below_5_for_phq9_and_gad7_only() {
        assert_eq!(remission(Kind::Phq9, 4), Some(true));
        assert_eq!(remission(Kind::Phq9, 5), Some(false));
        assert_eq!(remission(Kind::Gad7, 4), Some(true));
        assert_eq!(remission(Kind::Gad7, 5), Some(false));
        assert_eq!(remission(Kind::Pcl5, 0), None);
        assert_eq!(remission(Kind::Custom, 0), None);
    }

    #[test]
    fn pcl5_meaningful_change_is_10_points_either_way() {
        use MeaningfulChange::*;
        assert_eq!(pcl5_meaningful_change(50, 40), Improved);
        assert_eq!(pcl5_meaningful_change(50, 41), NoMeaningfulChange);
        assert_eq!(pcl5_meaningful_change(40, 50), Worsened);
        assert_eq!(pcl5_meaningful_change(41, 50), NoMeaningfulChange);
        assert_eq!(pcl5_meaningful_change(9, 0), NoMeaningfulChange);
        assert_eq!(pcl5_meaningful_change(10, 0), Improved);
    }

    fn scored_total(instrument: &super::super::Instrument, total: u32) -> Scored {
        let mut left = total;
        let a: Answers = instrument
            .items
            .iter()
            .map(|i| {
                let v = left.min(u32::from(i.max_value()));
                left -= v;
                (i.code.clone(), u8::try_from(v).expect("fits"))
            })
            .collect();
        score(instrument, &a, &MeasureSettings::default()).expect("complete")
    }

    #[test]
    fn phq9_from_18_to_4_is_response_and_remission() {
        let phq = phq9::instrument();
        let c = change_from_baseline(&scored_total(&phq, 18), &scored_total(&phq, 4))
            .expect("comparable");
        assert_eq!(c.points, -14);
        assert_eq!(c.percent_reduction, Some(78));
        assert_eq!(c.response, Some(Response));
        assert_eq!(c.remission, Some(true));
        assert_eq!(c.pcl5_meaningful_change, None);
    }

    #[test]
    fn gad7_at_baseline_0_reports_points_and_remission_without_a_percentage() {
        let gad = gad7::instrument();
        let c = change_from_baseline(&scored_total(&gad, 0), &scored_total(&gad, 6))
            .expect("comparable");
        assert_eq!((c.points, c.percent_reduction), (6, None));
        assert_eq!(c.response, Some(BaselineZero));
        assert_eq!(c.remission, Some(false));
    }

    #[test]
    fn pcl5_change_reports_meaningful_change() {
        let pcl = pcl5::instrument();
        let c = change_from_baseline(&scored_total(&pcl, 45), &scored_total(&pcl, 35))
            .expect("comparable");
        assert_eq!(c.pcl5_meaningful_change, Some(MeaningfulChange::Improved));
        assert_eq!(c.response, Some(NoResponse)); // 22%
        assert_eq!(c.remission, None);
    }

    #[test]
    fn different_instruments_and_the_cssrs_are_refused() {
        let phq = scored_total(&phq9::instrument(), 10);
        let gad = scored_total(&gad7::instrument(), 10);
        assert_eq!(
            change_from_baseline(&phq, &gad),
            Err(OutcomeError::DifferentInstruments {
                baseline: "phq9".into(),
                latest: "gad7".into()
            })
        );
        let a: Answers = [("q1", 0), ("q2", 0), ("q6", 0)]
            .iter()
            .map(|&(c, v)| (c.to_owned(), v))
            .collect();
        let c = score(&cssrs::instrument(), &a, &MeasureSettings::default()).expect("valid");
        assert_eq!(change_from_baseline(&c, &c), Err(OutcomeError::NoTotal));
    }
}
