//! Property tests across every instrument: totals stay in range, bands tile the range exactly,
//! and no input, however malformed, makes scoring panic.

use proptest::prelude::*;

use super::custom::{CustomInstrumentSpec, CustomItemSpec};
use super::instrument::{AnswerOption, Band, Instrument};
use super::outcome::{ResponseStatus, percent_reduction, response_status};
use super::score::{Answers, MeasureSettings, ScoreError, score};
use super::{builtins, cssrs, gad7, pcl5, phq9};

/// Complete, in-range answers for an instrument with no skip logic.
fn complete(instrument: Instrument) -> impl Strategy<Value = (Instrument, Answers)> {
    let per_item: Vec<_> = instrument
        .items
        .iter()
        .map(|i| prop::sample::select(i.options.iter().map(|o| o.value).collect::<Vec<_>>()))
        .collect();
    per_item.prop_map(move |values| {
        let a = instrument
            .items
            .iter()
            .zip(values)
            .map(|(i, v)| (i.code.clone(), v))
            .collect();
        (instrument.clone(), a)
    })
}

fn summed() -> impl Strategy<Value = (Instrument, Answers)> {
    prop_oneof![
        complete(phq9::instrument()),
        complete(gad7::instrument()),
        complete(pcl5::instrument()),
    ]
}

/// Keys mixing real item codes with junk, values over the whole u8 range.
fn arbitrary_answers() -> impl Strategy<Value = Answers> {
    let key = prop_oneof![
        (1u8..=21).prop_map(|n| format!("q{n}")),
        Just("q6_recent".to_owned()),
        ".{0,8}",
    ];
    prop::collection::btree_map(key, any::<u8>(), 0..25)
}

/// A valid practice instrument: random items, and bands cut at random points of 0..=max.
fn custom_spec() -> impl Strategy<Value = CustomInstrumentSpec> {
    let item = prop::collection::btree_set(any::<u8>(), 1..6).prop_map(|values| CustomItemSpec {
        text: "An item".into(),
        options: values
            .into_iter()
            .map(|value| AnswerOption {
                value,
                label: format!("Value {value}"),
            })
            .collect(),
    });
    prop::collection::vec(item, 1..8)
        .prop_flat_map(|items| {
            let max: u32 = items
                .iter()
                .map(|i| u32::from(i.options.iter().map(|o| o.value).max().unwrap_or(0)))
                .sum();
            let cuts = prop::collection::btree_set(1..=max.max(1), 0..5);
            (Just(items), Just(max), cuts)
        })
        .prop_map(|(items, max, cuts)| {
            let mut starts: Vec<u32> = std::iter::once(0)
                .chain(cuts.into_iter().filter(|&c| c <= max))
                .collect();
            starts.dedup();
            let bands = starts
                .iter()
                .enumerate()
                .map(|(n, &min)| Band {
                    min,
                    max: starts.get(n + 1).map_or(max, |next| next - 1),
                    label: format!("Band {n}"),
                })
                .rev() // entered in any order
                .collect();
            CustomInstrumentSpec {
                code: "local".into(),
                title: "Local".into(),
                version: "1".into(),
                instructions: String::new(),
                stem: String::new(),
                items,
                bands,
                source: "Practice".into(),
            }
        })
}

/// The rule, restated independently of `check_bands`: there are bands, each labelled and
/// within 0..=max, and every total from 0 to max falls in exactly one.
fn tiles(bands: &[Band], max: u32) -> bool {
    !bands.is_empty()
        && bands
            .iter()
            .all(|b| !b.label.trim().is_empty() && b.min <= b.max && b.max <= max)
        && (0..=max).all(|total| exactly_one_band(bands, total))
}

/// One small edit that may break a valid tiling (or, with a zero shift, leave it valid).
#[derive(Clone, Debug)]
enum BandEdit {
    ShiftMin(prop::sample::Index, i8),
    ShiftMax(prop::sample::Index, i8),
    Drop(prop::sample::Index),
    Repeat(prop::sample::Index),
    BlankLabel(prop::sample::Index),
}

fn band_edit() -> impl Strategy<Value = BandEdit> {
    let i = any::<prop::sample::Index>;
    prop_oneof![
        (i(), -2i8..=2).prop_map(|(i, d)| BandEdit::ShiftMin(i, d)),
        (i(), -2i8..=2).prop_map(|(i, d)| BandEdit::ShiftMax(i, d)),
        i().prop_map(BandEdit::Drop),
        i().prop_map(BandEdit::Repeat),
        i().prop_map(BandEdit::BlankLabel),
    ]
}

fn apply(bands: &mut Vec<Band>, edit: &BandEdit) {
    if bands.is_empty() {
        return;
    }
    let shift = |v: u32, d: i8| v.saturating_add_signed(i32::from(d));
    match edit {
        BandEdit::ShiftMin(i, d) => {
            let b = i.get_mut(bands);
            b.min = shift(b.min, *d);
        }
        BandEdit::ShiftMax(i, d) => {
            let b = i.get_mut(bands);
            b.max = shift(b.max, *d);
        }
        BandEdit::Drop(i) => {
            let n = i.index(bands.len());
            bands.remove(n);
        }
        BandEdit::Repeat(i) => {
            let b = i.get(bands).clone();
            bands.push(b);
        }
        BandEdit::BlankLabel(i) => i.get_mut(bands).label = " ".into(),
    }
}

/// A valid practice instrument whose bands then get none, one or two small edits: about half
/// still tile the range and half do not, so both sides of the rule are exercised.
fn spec_with_nearly_valid_bands() -> impl Strategy<Value = (CustomInstrumentSpec, u32)> {
    let edits = prop_oneof![Just(Vec::new()), prop::collection::vec(band_edit(), 1..=2)];
    (custom_spec(), edits).prop_map(|(mut spec, edits)| {
        let max = spec.build().expect("valid").max_total();
        for e in &edits {
            apply(&mut spec.bands, e);
        }
        (spec, max)
    })
}

#[test]
fn the_nearly_valid_generator_gives_both_valid_and_invalid_bands_often() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let strategy = spec_with_nearly_valid_bands();
    let valid = (0..400)
        .filter(|_| {
            let (spec, max) = strategy.new_tree(&mut runner).expect("value").current();
            tiles(&spec.bands, max)
        })
        .count();
    assert!((100..=300).contains(&valid), "{valid} of 400 valid");
}

fn exactly_one_band(bands: &[Band], total: u32) -> bool {
    bands.iter().filter(|b| b.contains(total)).count() == 1
}

#[test]
fn every_possible_total_of_every_builtin_has_exactly_one_band() {
    for i in builtins().iter().filter(|i| !i.bands.is_empty()) {
        for total in 0..=i.max_total() {
            assert!(
                exactly_one_band(&i.bands, total),
                "{} total {total}",
                i.code
            );
        }
        assert!(i.band_for(i.max_total() + 1).is_none(), "{}", i.code);
    }
}

proptest! {
    #[test]
    fn totals_stay_within_0_and_the_maximum((instrument, answers) in summed()) {
        let s = score(&instrument, &answers, &MeasureSettings::default()).expect("complete");
        prop_assert!(s.total <= s.max_total);
        prop_assert_eq!(s.max_total, instrument.max_total());
        let sum: u32 = answers.values().map(|&v| u32::from(v)).sum();
        prop_assert_eq!(s.total, sum);
        // Sub-scores partition the PCL-5 total.
        if !s.subscores.is_empty() {
            prop_assert_eq!(s.subscores.iter().map(|x| x.total).sum::<u32>(), s.total);
        }
    }

    #[test]
    fn the_band_is_the_one_that_contains_the_total((instrument, answers) in summed()) {
        let s = score(&instrument, &answers, &MeasureSettings::default()).expect("complete");
        let band = instrument.band_for(s.total).expect("covered");
        prop_assert_eq!(&s.band, &band.label);
    }

    #[test]
    fn pcl5_bands_and_flags_agree_with_any_cutoff(
        (instrument, answers) in complete(pcl5::instrument()),
        cutoff in 0u32..=90,
    ) {
        let settings = MeasureSettings { pcl5_provisional_cutoff: cutoff };
        let s = score(&instrument, &answers, &settings).expect("complete");
        let f = s.pcl5.as_ref().expect("findings");
        prop_assert_eq!(f.meets_cutoff, s.total >= cutoff);
        prop_assert_eq!(s.band.starts_with("Provisional"), s.total >= cutoff);
        let bands = pcl5::bands_for_cutoff(cutoff);
        for total in 0..=pcl5::MAX_TOTAL {
            prop_assert!(exactly_one_band(&bands, total));
        }
    }

    #[test]
    fn phq9_flags_exactly_when_item_9_is_positive(
        (instrument, answers) in complete(phq9::instrument()),
    ) {
        let s = score(&instrument, &answers, &MeasureSettings::default()).expect("complete");
        prop_assert_eq!(s.has_safety_alert(), answers["q9"] > 0);
    }

    #[test]
    fn scoring_arbitrary_input_never_panics(
        answers in arbitrary_answers(),
        cutoff in any::<u32>(),
    ) {
        let settings = MeasureSettings { pcl5_provisional_cutoff: cutoff };
        for instrument in builtins() {
            if let Ok(s) = score(&instrument, &answers, &settings) {
                // Only a complete, in-range submission of known items can score.
                prop_assert!(answers.keys().all(|k| instrument.item(k).is_some()));
                prop_assert!(s.total <= s.max_total);
            }
        }
    }

    #[test]
    fn cssrs_risk_is_none_exactly_when_nothing_is_yes(answers in arbitrary_answers()) {
        match score(&cssrs::instrument(), &answers, &MeasureSettings::default()) {
            Ok(s) => {
                let any_yes = answers.values().any(|&v| v == cssrs::YES);
                prop_assert_eq!(s.cssrs_risk == Some(cssrs::RiskLevel::None), !any_yes);
                prop_assert_eq!(s.has_safety_alert(), any_yes);
            }
            Err(e) => prop_assert!(!e.to_string().is_empty()),
        }
    }

    #[test]
    fn generated_custom_instruments_tile_their_range(spec in custom_spec()) {
        let i = spec.build().expect("generated valid");
        for total in 0..=i.max_total() {
            prop_assert!(exactly_one_band(&i.bands, total));
        }
        // Boundaries are exact: each band's min and max belong to it and to no other.
        for b in &i.bands {
            prop_assert_eq!(i.band_for(b.min), Some(b));
            prop_assert_eq!(i.band_for(b.max), Some(b));
        }
    }

    #[test]
    fn generated_custom_instruments_score_every_complete_answer(
        (instrument, answers) in custom_spec()
            .prop_map(|s| s.build().expect("valid"))
            .prop_flat_map(complete)
    ) {
        let s = score(&instrument, &answers, &MeasureSettings::default()).expect("complete");
        prop_assert!(s.total <= s.max_total);
        prop_assert_eq!(Some(&s.band), instrument.band_for(s.total).map(|b| &b.label));
    }

    #[test]
    fn a_spec_builds_exactly_when_its_bands_tile_the_range(
        (spec, max) in spec_with_nearly_valid_bands(),
    ) {
        let expected = tiles(&spec.bands, max);
        match spec.build() {
            Ok(i) => {
                prop_assert!(expected, "accepted bands that do not tile 0..={}: {:?}", max, spec.bands);
                prop_assert_eq!(i.max_total(), max);
                for total in 0..=max {
                    prop_assert!(exactly_one_band(&i.bands, total));
                }
                prop_assert!(i.bands.windows(2).all(|w| w[0].max + 1 == w[1].min), "kept in order");
            }
            Err(e) => {
                prop_assert!(!expected, "refused a valid tiling ({}): {:?}", e, spec.bands);
                prop_assert!(!e.to_string().is_empty());
            }
        }
    }

    #[test]
    fn building_with_arbitrary_bands_never_panics_and_agrees_with_the_rule(
        spec in custom_spec(),
        bands in prop::collection::vec((any::<u32>(), any::<u32>(), ".{0,3}"), 0..5),
    ) {
        let mut spec = spec;
        let max = spec.build().expect("valid").max_total();
        spec.bands = bands
            .into_iter()
            .map(|(min, max, label)| Band { min, max, label })
            .collect();
        prop_assert_eq!(spec.build().is_ok(), tiles(&spec.bands, max));
    }

    #[test]
    fn dropping_any_required_answer_is_refused(
        (instrument, answers) in summed(),
        pick in any::<prop::sample::Index>(),
    ) {
        let mut a = answers;
        let code = pick.get(&instrument.items).code.clone();
        a.remove(&code);
        let err = score(&instrument, &a, &MeasureSettings::default()).expect_err("incomplete");
        let expected = ScoreError::Missing {
            instrument: instrument.code.clone(),
            item: code,
        };
        prop_assert_eq!(err, expected);
    }

    #[test]
    fn response_agrees_with_the_exact_percentage(baseline in 0u32..200, latest in 0u32..200) {
        let status = response_status(baseline, latest);
        match percent_reduction(baseline, latest) {
            None => prop_assert_eq!(status, ResponseStatus::BaselineZero),
            Some(_) => {
                // Exact rational comparison, independent of the whole-percent rounding.
                let pct = f64::from(baseline.saturating_sub(latest)) / f64::from(baseline);
                let expected = if pct >= 0.5 {
                    ResponseStatus::Response
                } else if pct >= 0.25 {
                    ResponseStatus::PartialResponse
                } else {
                    ResponseStatus::NoResponse
                };
                prop_assert_eq!(status, expected);
            }
        }
    }
}
