//! Questionnaire answers with a plausible course: a total for the moment in treatment (most
//! fall, some stay flat, a few rise), then item answers that add up to it. Integer arithmetic
//! only, so the same seed gives the same answers on every machine.

use super::story::Risk;
use kapflow_domain::measures::{Answers, Instrument, cssrs, phq9};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// What one questionnaire's answers are made from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Answer {
    pub instrument: &'static str,
    /// The total the items add up to (the C-SSRS ignores it: its answers follow `risk`).
    pub total: u32,
    /// PHQ-9 item 9 (thoughts of death), kept out of the total's share-out.
    pub item9: u8,
    pub risk: Risk,
    /// Seeds the share-out over the items.
    pub salt: u64,
}

/// The total `progress` (‰ of the course's effect reached) of the way from `baseline` to
/// `baseline` less `reduction_percent`, eased so most change comes early, plus `noise`.
pub fn total_at(baseline: u32, max: u32, reduction_percent: i32, progress: u32, noise: i32) -> u32 {
    let p = i64::from(progress.min(1000));
    // 1 - (1 - p)², in thousandths.
    let eased = 1000 - (1000 - p) * (1000 - p) / 1000;
    let base = i64::from(baseline);
    let change = base * i64::from(reduction_percent) * eased / 100_000;
    let total = (base - change + i64::from(noise)).clamp(0, i64::from(max));
    u32::try_from(total).unwrap_or(0)
}

/// A small day-to-day wobble.
pub fn noise(rng: &mut StdRng) -> i32 {
    rng.random_range(-2..=2)
}

/// The C-SSRS screener's answers at a risk level (skipped questions left out, as the form does).
fn cssrs_answers(risk: Risk) -> Answers {
    let (yes, no) = (cssrs::YES, cssrs::NO);
    let set: &[(&str, u8)] = match risk {
        Risk::None => &[("q1", no), ("q2", no), ("q6", no)],
        Risk::Passive => &[("q1", yes), ("q2", no), ("q6", no)],
        Risk::Moderate => &[
            ("q1", yes),
            ("q2", yes),
            ("q3", yes),
            ("q4", no),
            ("q5", no),
            ("q6", no),
        ],
        Risk::High => &[
            ("q1", yes),
            ("q2", yes),
            ("q3", yes),
            ("q4", yes),
            ("q5", no),
            ("q6", no),
        ],
    };
    set.iter().map(|&(c, v)| (c.to_owned(), v)).collect()
}

/// Item answers for `a` on `instrument`: the total shared out over the items at random (each
/// within its range); PHQ-9 item 9 as planned.
pub fn answers(instrument: &Instrument, a: &Answer) -> Answers {
    if instrument.code == cssrs::CODE {
        return cssrs_answers(a.risk);
    }
    let mut rng = StdRng::seed_from_u64(a.salt);
    let fixed = |code: &str| instrument.code == phq9::CODE && code == "q9";
    let mut out: Answers = instrument
        .items
        .iter()
        .map(|i| (i.code.clone(), if fixed(&i.code) { a.item9 } else { 0 }))
        .collect();
    let open: Vec<(String, u8)> = instrument
        .items
        .iter()
        .filter(|i| !fixed(&i.code))
        .map(|i| (i.code.clone(), i.max_value()))
        .collect();
    let mut left = a.total;
    while left > 0 {
        let room: Vec<&(String, u8)> = open
            .iter()
            .filter(|(code, max)| out.get(code).is_some_and(|v| v < max))
            .collect();
        if room.is_empty() {
            break;
        }
        let (code, _) = room[rng.random_range(0..room.len())];
        if let Some(v) = out.get_mut(code) {
            *v += 1;
        }
        left -= 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use kapflow_domain::measures::{MeasureSettings, builtin, score};

    #[test]
    fn totals_fall_for_responders_and_rise_for_those_who_worsen() {
        assert_eq!(total_at(20, 24, 60, 0, 0), 20);
        assert_eq!(total_at(20, 24, 60, 1000, 0), 8);
        assert!(total_at(20, 24, 60, 500, 0) < 14, "most change comes early");
        assert_eq!(total_at(20, 24, -25, 1000, 0), 24, "capped at the maximum");
        assert_eq!(total_at(2, 24, 0, 0, -5), 0, "never below zero");
    }

    #[test]
    fn the_answers_add_up_to_the_total_and_score_as_planned() {
        for (code, total, item9) in [
            ("phq9", 17, 0),
            ("phq9", 9, 1),
            ("gad7", 12, 0),
            ("pcl5", 48, 0),
        ] {
            let i = builtin(code).expect("instrument");
            let a = Answer {
                instrument: code,
                total,
                item9,
                risk: Risk::None,
                salt: 99,
            };
            let s = score(&i, &answers(&i, &a), &MeasureSettings::default()).expect("scores");
            assert_eq!(s.total, total + u32::from(item9), "{code}");
            assert_eq!(s.has_safety_alert(), item9 > 0, "{code}");
        }
    }

    #[test]
    fn cssrs_answers_raise_the_risk_they_stand_for() {
        let i = builtin("cssrs").expect("instrument");
        for (risk, alert) in [
            (Risk::None, false),
            (Risk::Passive, true),
            (Risk::Moderate, true),
            (Risk::High, true),
        ] {
            let a = Answer {
                instrument: "cssrs",
                total: 0,
                item9: 0,
                risk,
                salt: 1,
            };
            let s = score(&i, &answers(&i, &a), &MeasureSettings::default()).expect("scores");
            assert_eq!(s.has_safety_alert(), alert, "{risk:?}");
        }
    }
}
