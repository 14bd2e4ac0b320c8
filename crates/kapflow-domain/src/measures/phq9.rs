//! PHQ-9 (depression): the published wording, its bands, and the item-9 safety flag (docs/domain.md §4).

use super::instrument::{Instrument, Kind, bands, options, plain_items};
use super::score::{Answers, Flag, FlagKind};

pub const CODE: &str = "phq9";

const ITEMS: [&str; 9] = [
    "Little interest or pleasure in doing things",
    "Feeling down, depressed, or hopeless",
    "Trouble falling or staying asleep, or sleeping too much",
    "Feeling tired or having little energy",
    "Poor appetite or overeating",
    "Feeling bad about yourself — or that you are a failure or have let yourself or your family down",
    "Trouble concentrating on things, such as reading the newspaper or watching television",
    "Moving or speaking so slowly that other people could have noticed? Or the opposite — being so fidgety or restless that you have been moving around a lot more than usual",
    "Thoughts that you would be better off dead or of hurting yourself in some way",
];

pub(super) const FREQUENCY: [(u8, &str); 4] = [
    (0, "Not at all"),
    (1, "Several days"),
    (2, "More than half the days"),
    (3, "Nearly every day"),
];

pub const ITEM9_RULE: &str = "PHQ-9 item 9 > 0 — a safety flag whatever the total";
pub const ITEM9_SOURCE: &str =
    "Kroenke & Spitzer, PHQ-9 (item 9 asks about thoughts of death or self-harm)";

const STEM: &str =
    "Over the last 2 weeks, how often have you been bothered by any of the following problems?";

const SOURCE: &str = "Developed by Drs. Robert L. Spitzer, Janet B.W. Williams, Kurt Kroenke and colleagues, with an educational grant from Pfizer Inc. No permission required to reproduce, translate, display or distribute. Kroenke, Spitzer & Williams, J Gen Intern Med 2001;16:606–613.";

pub fn instrument() -> Instrument {
    Instrument {
        code: CODE.to_owned(),
        version: "1".to_owned(),
        title: "Patient Health Questionnaire (PHQ-9)".to_owned(),
        instructions: String::new(),
        stem: STEM.to_owned(),
        kind: Kind::Phq9,
        items: plain_items(&ITEMS, &options(&FREQUENCY)),
        subscales: Vec::new(),
        bands: bands(&[
            (0, 4, "Minimal"),
            (5, 9, "Mild"),
            (10, 14, "Moderate"),
            (15, 19, "Moderately severe"),
            (20, 27, "Severe"),
        ]),
        source: SOURCE.to_owned(),
    }
}

/// Item 9 asks about thoughts of death or self-harm; any answer above "Not at all" must reach
/// the therapist even when the total is minimal, because the total can hide it.
pub(super) fn item9_flag(instrument: &Instrument, answers: &Answers) -> Option<Flag> {
    let value = *answers.get("q9")?;
    if value == 0 {
        return None;
    }
    let label = instrument
        .item("q9")
        .and_then(|i| i.label_of(value))
        .unwrap_or("?");
    Some(Flag {
        kind: FlagKind::SuicideRisk,
        risk: None,
        finding: format!(
            "PHQ-9 item 9 (thoughts of being better off dead or of self-harm) answered \"{label}\" ({value})"
        ),
        rule: ITEM9_RULE.to_owned(),
        source: ITEM9_SOURCE.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::super::score::{MeasureSettings, Scored, score};
    use super::*;

    /// Answers whose total is `total`, filled from item 1 (3 each) so item 9 stays 0 unless
    /// the total needs all nine items.
    fn with_total(total: u32) -> Answers {
        let mut left = total;
        (1..=9)
            .map(|n| {
                let v = left.min(3);
                left -= v;
                (format!("q{n}"), u8::try_from(v).expect("0..=3"))
            })
            .collect()
    }

    fn scored(a: &Answers) -> Scored {
        score(&instrument(), a, &MeasureSettings::default()).expect("complete")
    }

    #[test]
    fn the_wording_is_the_published_text() {
        let i = instrument();
        assert_eq!(i.items.len(), 9);
        assert_eq!(i.stem, STEM);
        assert!(STEM.starts_with("Over the last 2 weeks, how often have you been bothered"));
        assert_eq!(
            i.items[0].text,
            "Little interest or pleasure in doing things"
        );
        assert_eq!(
            i.items[8].text,
            "Thoughts that you would be better off dead or of hurting yourself in some way"
        );
        let labels: Vec<&str> = i.items[0]
            .options
            .iter()
            .map(|o| o.label.as_str())
            .collect();
        assert_eq!(
            labels,
            [
                "Not at all",
                "Several days",
                "More than half the days",
                "Nearly every day"
            ]
        );
        assert_eq!(i.max_total(), 27);
    }

    #[test]
    fn every_band_boundary_scores_into_the_right_band() {
        // Hand-worked: each total is built from items at 3 then the remainder.
        let cases = [
            (0, "Minimal"),
            (4, "Minimal"),
            (5, "Mild"),
            (9, "Mild"),
            (10, "Moderate"),
            (14, "Moderate"),
            (15, "Moderately severe"),
            (19, "Moderately severe"),
            (20, "Severe"),
            (27, "Severe"),
        ];
        for (total, band) in cases {
            let s = scored(&with_total(total));
            assert_eq!(s.total, total);
            assert_eq!(s.band, band, "total {total}");
        }
    }

    #[test]
    fn a_hand_worked_mixed_answer_set() {
        // 1+2+0+3+1+0+2+1+0 = 10: moderate, no flag.
        let a: Answers = [1, 2, 0, 3, 1, 0, 2, 1, 0]
            .iter()
            .enumerate()
            .map(|(n, &v)| (format!("q{}", n + 1), v))
            .collect();
        let s = scored(&a);
        assert_eq!((s.total, s.band.as_str()), (10, "Moderate"));
        assert!(s.flags.is_empty());
    }

    #[test]
    fn item_9_flags_suicide_risk_even_at_a_total_of_1() {
        let mut a = with_total(0);
        a.insert("q9".into(), 1);
        let s = scored(&a);
        assert_eq!((s.total, s.band.as_str()), (1, "Minimal"));
        assert_eq!(s.flags.len(), 1);
        let f = &s.flags[0];
        assert_eq!(f.kind, FlagKind::SuicideRisk);
        assert!(f.kind.is_safety_alert());
        assert_eq!(f.rule, ITEM9_RULE);
        assert_eq!(f.source, ITEM9_SOURCE);
        assert!(f.finding.contains("\"Several days\" (1)"));
        assert!(s.has_safety_alert());
    }

    #[test]
    fn item_9_at_each_positive_value_flags_and_at_0_does_not() {
        for v in 0..=3u8 {
            let mut a = with_total(0);
            a.insert("q9".into(), v);
            assert_eq!(scored(&a).has_safety_alert(), v > 0, "item 9 = {v}");
        }
        // A severe total without item 9 raises no safety flag: the flag is item 9's alone.
        let mut a = with_total(24);
        assert_eq!(a.get("q9"), Some(&0));
        a.insert("q9".into(), 0);
        assert!(!scored(&a).has_safety_alert());
    }

    #[test]
    fn value_4_is_refused() {
        let mut a = with_total(0);
        a.insert("q1".into(), 4);
        let err = score(&instrument(), &a, &MeasureSettings::default()).expect_err("refused");
        assert!(
            err.to_string()
                .contains("4 is not an allowed answer to item q1")
        );
    }
}
