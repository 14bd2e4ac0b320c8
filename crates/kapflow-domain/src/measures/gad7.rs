//! GAD-7 (anxiety): the published wording and its bands (docs/domain.md §4). A plain sum; no safety item.

use super::instrument::{Instrument, Kind, bands, options, plain_items};
use super::phq9::FREQUENCY;

pub const CODE: &str = "gad7";

const ITEMS: [&str; 7] = [
    "Feeling nervous, anxious, or on edge",
    "Not being able to stop or control worrying",
    "Worrying too much about different things",
    "Trouble relaxing",
    "Being so restless that it is hard to sit still",
    "Becoming easily annoyed or irritable",
    "Feeling afraid, as if something awful might happen",
];

const STEM: &str =
    "Over the last 2 weeks, how often have you been bothered by the following problems?";

const SOURCE: &str = "Spitzer, Kroenke, Williams & Löwe, Arch Intern Med 2006;166:1092–1097. Developed with an educational grant from Pfizer Inc. No permission required to reproduce, translate, display or distribute.";

pub fn instrument() -> Instrument {
    Instrument {
        code: CODE.to_owned(),
        version: "1".to_owned(),
        title: "Generalized Anxiety Disorder 7-item (GAD-7)".to_owned(),
        instructions: String::new(),
        stem: STEM.to_owned(),
        kind: Kind::Gad7,
        // Same four frequency answers as the PHQ-9: both come from the PHQ family.
        items: plain_items(&ITEMS, &options(&FREQUENCY)),
        subscales: Vec::new(),
        bands: bands(&[
            (0, 4, "Minimal"),
            (5, 9, "Mild"),
            (10, 14, "Moderate"),
            (15, 21, "Severe"),
        ]),
        source: SOURCE.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::super::score::{Answers, MeasureSettings, score};
    use super::*;

    fn with_total(total: u32) -> Answers {
        let mut left = total;
        (1..=7)
            .map(|n| {
                let v = left.min(3);
                left -= v;
                (format!("q{n}"), u8::try_from(v).expect("0..=3"))
            })
            .collect()
    }

    #[test]
    fn the_wording_is_the_published_text() {
        let i = instrument();
        assert_eq!(i.items.len(), 7);
        assert_eq!(
            i.items[1].text,
            "Not being able to stop or control worrying"
        );
        assert_eq!(i.items[6].options.len(), 4);
        assert_eq!(i.max_total(), 21);
    }

    #[test]
    fn every_band_boundary_scores_into_the_right_band() {
        let cases = [
            (0, "Minimal"),
            (4, "Minimal"),
            (5, "Mild"),
            (9, "Mild"),
            (10, "Moderate"),
            (14, "Moderate"),
            (15, "Severe"),
            (21, "Severe"),
        ];
        for (total, band) in cases {
            let s = score(
                &instrument(),
                &with_total(total),
                &MeasureSettings::default(),
            )
            .expect("complete");
            assert_eq!((s.total, s.band.as_str()), (total, band));
            assert!(s.flags.is_empty());
        }
    }

    #[test]
    fn a_hand_worked_mixed_answer_set() {
        // 3+0+2+1+0+2+1 = 9: mild.
        let a: Answers = [3, 0, 2, 1, 0, 2, 1]
            .iter()
            .enumerate()
            .map(|(n, &v)| (format!("q{}", n + 1), v))
            .collect();
        let s = score(&instrument(), &a, &MeasureSettings::default()).expect("complete");
        assert_eq!((s.total, s.band.as_str()), (9, "Mild"));
    }
}
