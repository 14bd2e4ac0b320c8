//! Instruments the practice defines itself (a MEQ-30 or CADSS whose wording it supplies, a local
//! check-in): numeric options, a plain sum, and bands. Validation makes sure every possible
//! total lands in exactly one band, so such an instrument can be scored like a published one.

use serde::{Deserialize, Serialize};

use super::BUILTIN_CODES;
use super::instrument::{AnswerOption, AskWhen, Band, Instrument, Item, Kind};

/// Bounds a definition so its totals stay small and its form stays usable.
pub const MAX_ITEMS: usize = 200;
pub const MAX_CODE_LEN: usize = 40;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomItemSpec {
    pub text: String,
    pub options: Vec<AnswerOption>,
}

/// What the practice enters; `build` turns it into an `Instrument` or says what is wrong.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomInstrumentSpec {
    pub code: String,
    pub title: String,
    pub version: String,
    pub instructions: String,
    pub stem: String,
    pub items: Vec<CustomItemSpec>,
    pub bands: Vec<Band>,
    /// Who supplied the wording (and under what licence); shown with the results.
    pub source: String,
}

/// Items and bands are numbered from 1, as the practice sees them on the form.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CustomError {
    #[error(
        "the code must be 1–{MAX_CODE_LEN} lowercase letters, digits or underscores, starting with a letter"
    )]
    InvalidCode,
    #[error("the code \"{0}\" belongs to a published instrument")]
    ReservedCode(String),
    #[error("the title is empty")]
    EmptyTitle,
    #[error("the version is empty")]
    EmptyVersion,
    #[error("an instrument needs at least one item")]
    NoItems,
    #[error("an instrument may have at most {MAX_ITEMS} items")]
    TooManyItems,
    #[error("item {item} has no text")]
    EmptyItemText { item: usize },
    #[error("item {item} has no answer options")]
    NoOptions { item: usize },
    #[error("item {item}: the option with value {value} has no label")]
    EmptyOptionLabel { item: usize, value: u8 },
    #[error("item {item}: two options have the value {value}")]
    DuplicateOptionValue { item: usize, value: u8 },
    #[error("an instrument needs at least one band")]
    NoBands,
    #[error("band {band} has no label")]
    EmptyBandLabel { band: usize },
    #[error("band {band} runs backwards ({min}–{max})")]
    InvertedBand { band: usize, min: u32, max: u32 },
    #[error("bands \"{first}\" and \"{second}\" overlap at {at}")]
    BandsOverlap {
        first: String,
        second: String,
        at: u32,
    },
    #[error("no band covers totals {from}–{to}")]
    Uncovered { from: u32, to: u32 },
    #[error("band \"{band}\" reaches {band_max}, beyond the highest possible total {max_total}")]
    BeyondMaxTotal {
        band: String,
        band_max: u32,
        max_total: u32,
    },
}

fn blank(s: &str) -> bool {
    s.trim().is_empty()
}

fn valid_code(code: &str) -> bool {
    let mut chars = code.chars();
    code.len() <= MAX_CODE_LEN
        && chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

fn check_item(n: usize, item: &CustomItemSpec) -> Result<(), CustomError> {
    if blank(&item.text) {
        return Err(CustomError::EmptyItemText { item: n });
    }
    if item.options.is_empty() {
        return Err(CustomError::NoOptions { item: n });
    }
    for (i, o) in item.options.iter().enumerate() {
        if blank(&o.label) {
            return Err(CustomError::EmptyOptionLabel {
                item: n,
                value: o.value,
            });
        }
        if item.options[..i].iter().any(|p| p.value == o.value) {
            return Err(CustomError::DuplicateOptionValue {
                item: n,
                value: o.value,
            });
        }
    }
    Ok(())
}

/// Bands must tile 0..=max_total exactly: no gap, no overlap, nothing beyond.
fn check_bands(bands: &[Band], max_total: u32) -> Result<(), CustomError> {
    if bands.is_empty() {
        return Err(CustomError::NoBands);
    }
    for (i, b) in bands.iter().enumerate() {
        if blank(&b.label) {
            return Err(CustomError::EmptyBandLabel { band: i + 1 });
        }
        if b.min > b.max {
            return Err(CustomError::InvertedBand {
                band: i + 1,
                min: b.min,
                max: b.max,
            });
        }
    }
    let mut sorted: Vec<&Band> = bands.iter().collect();
    sorted.sort_by_key(|b| (b.min, b.max));
    // `next` is the lowest total not yet covered.
    let mut next: u64 = 0;
    let mut prev: Option<&Band> = None;
    for b in sorted {
        if u64::from(b.min) > next {
            return Err(CustomError::Uncovered {
                from: u32::try_from(next).unwrap_or(u32::MAX),
                to: b.min - 1,
            });
        }
        if let Some(p) = prev.filter(|_| u64::from(b.min) < next) {
            return Err(CustomError::BandsOverlap {
                first: p.label.clone(),
                second: b.label.clone(),
                at: b.min,
            });
        }
        if b.max > max_total {
            return Err(CustomError::BeyondMaxTotal {
                band: b.label.clone(),
                band_max: b.max,
                max_total,
            });
        }
        next = u64::from(b.max) + 1;
        prev = Some(b);
    }
    if next <= u64::from(max_total) {
        return Err(CustomError::Uncovered {
            from: u32::try_from(next).unwrap_or(u32::MAX),
            to: max_total,
        });
    }
    Ok(())
}

impl CustomInstrumentSpec {
    /// The first problem found, checked in the order the practice fills the form in.
    pub fn build(&self) -> Result<Instrument, CustomError> {
        if !valid_code(&self.code) {
            return Err(CustomError::InvalidCode);
        }
        if BUILTIN_CODES.contains(&self.code.as_str()) {
            return Err(CustomError::ReservedCode(self.code.clone()));
        }
        if blank(&self.title) {
            return Err(CustomError::EmptyTitle);
        }
        if blank(&self.version) {
            return Err(CustomError::EmptyVersion);
        }
        if self.items.is_empty() {
            return Err(CustomError::NoItems);
        }
        if self.items.len() > MAX_ITEMS {
            return Err(CustomError::TooManyItems);
        }
        for (i, item) in self.items.iter().enumerate() {
            check_item(i + 1, item)?;
        }
        let items: Vec<Item> = self
            .items
            .iter()
            .enumerate()
            .map(|(i, spec)| Item {
                code: format!("q{}", i + 1),
                text: spec.text.clone(),
                note: None,
                options: spec.options.clone(),
                ask_when: AskWhen::Always,
                counts_in_total: true,
            })
            .collect();
        let mut instrument = Instrument {
            code: self.code.clone(),
            version: self.version.clone(),
            title: self.title.clone(),
            instructions: self.instructions.clone(),
            stem: self.stem.clone(),
            kind: Kind::Custom,
            items,
            subscales: Vec::new(),
            bands: Vec::new(),
            source: self.source.clone(),
        };
        check_bands(&self.bands, instrument.max_total())?;
        let mut bands = self.bands.clone();
        bands.sort_by_key(|b| b.min);
        instrument.bands = bands;
        Ok(instrument)
    }
}

#[cfg(test)]
mod tests {
    use super::super::score::{Answers, MeasureSettings, ScoreError, score};
    use super::*;

    fn opt(value: u8, label: &str) -> AnswerOption {
        AnswerOption {
            value,
            label: label.to_owned(),
        }
    }

    fn band(min: u32, max: u32, label: &str) -> Band {
        Band {
            min,
            max,
            label: label.to_owned(),
        }
    }

    /// Three items scored 0–2: totals 0–6.
    fn spec() -> CustomInstrumentSpec {
        let item = |t: &str| CustomItemSpec {
            text: t.to_owned(),
            options: vec![opt(0, "Never"), opt(1, "Sometimes"), opt(2, "Often")],
        };
        CustomInstrumentSpec {
            code: "checkin".into(),
            title: "Weekly check-in".into(),
            version: "2025-1".into(),
            instructions: String::new(),
            stem: "This week:".into(),
            items: vec![
                item("I slept well"),
                item("I felt calm"),
                item("I felt connected"),
            ],
            bands: vec![band(3, 6, "High"), band(0, 2, "Low")],
            source: "Practice-written".into(),
        }
    }

    #[test]
    fn a_valid_definition_builds_and_scores_with_the_same_scorer() {
        let i = spec().build().expect("valid");
        assert_eq!(i.kind, Kind::Custom);
        assert_eq!(i.max_total(), 6);
        // Bands are stored in order whatever order they were entered in.
        assert_eq!(i.bands[0].label, "Low");
        let a: Answers = [("q1", 1), ("q2", 1), ("q3", 0)]
            .iter()
            .map(|&(c, v)| (c.to_owned(), v))
            .collect();
        let s = score(&i, &a, &MeasureSettings::default()).expect("complete");
        assert_eq!((s.total, s.band.as_str()), (2, "Low"));
        let mut a = a;
        a.insert("q3".into(), 1);
        let s = score(&i, &a, &MeasureSettings::default()).expect("complete");
        assert_eq!((s.total, s.band.as_str()), (3, "High"));
        assert!(s.flags.is_empty());
        a.insert("q3".into(), 3);
        let err = score(&i, &a, &MeasureSettings::default()).expect_err("3 is not an option");
        assert!(matches!(err, ScoreError::OutOfRange { value: 3, .. }));
    }

    #[test]
    fn option_values_need_not_be_contiguous() {
        let mut s = spec();
        s.items = vec![CustomItemSpec {
            text: "Pain".into(),
            options: vec![opt(0, "None"), opt(5, "Some"), opt(10, "Worst")],
        }];
        s.bands = vec![band(0, 4, "Low"), band(5, 10, "High")];
        assert_eq!(s.build().expect("valid").max_total(), 10);
    }

    fn refused(f: impl FnOnce(&mut CustomInstrumentSpec)) -> CustomError {
        let mut s = spec();
        f(&mut s);
        s.build().expect_err("invalid")
    }

    #[test]
    fn codes_must_be_simple_and_not_a_published_instrument() {
        for bad in ["", "Check", "1st", "with space", "dash-ed", &"a".repeat(41)] {
            assert_eq!(
                refused(|s| s.code = bad.into()),
                CustomError::InvalidCode,
                "{bad:?}"
            );
        }
        for code in BUILTIN_CODES {
            assert_eq!(
                refused(|s| s.code = code.into()),
                CustomError::ReservedCode(code.into())
            );
        }
    }

    #[test]
    fn title_and_version_are_required() {
        assert_eq!(refused(|s| s.title = "  ".into()), CustomError::EmptyTitle);
        assert_eq!(
            refused(|s| s.version = String::new()),
            CustomError::EmptyVersion
        );
    }

    #[test]
    fn items_are_required_and_bounded() {
        assert_eq!(refused(|s| s.items.clear()), CustomError::NoItems);
        let one = spec().items[0].clone();
        assert_eq!(
            refused(|s| s.items = vec![one; MAX_ITEMS + 1]),
            CustomError::TooManyItems
        );
    }

    #[test]
    fn items_need_text_and_options_with_distinct_values_and_labels() {
        assert_eq!(
            refused(|s| s.items[1].text = " ".into()),
            CustomError::EmptyItemText { item: 2 }
        );
        assert_eq!(
            refused(|s| s.items[2].options.clear()),
            CustomError::NoOptions { item: 3 }
        );
        assert_eq!(
            refused(|s| s.items[0].options[1].label = String::new()),
            CustomError::EmptyOptionLabel { item: 1, value: 1 }
        );
        assert_eq!(
            refused(|s| s.items[0].options[2].value = 0),
            CustomError::DuplicateOptionValue { item: 1, value: 0 }
        );
    }

    #[test]
    fn bands_are_required_and_labelled_and_ordered() {
        assert_eq!(refused(|s| s.bands.clear()), CustomError::NoBands);
        assert_eq!(
            refused(|s| s.bands[1].label = String::new()),
            CustomError::EmptyBandLabel { band: 2 }
        );
        assert_eq!(
            refused(|s| s.bands[0] = band(6, 3, "High")),
            CustomError::InvertedBand {
                band: 1,
                min: 6,
                max: 3
            }
        );
    }

    #[test]
    fn bands_must_not_overlap() {
        let err = refused(|s| s.bands = vec![band(0, 3, "Low"), band(3, 6, "High")]);
        assert_eq!(
            err,
            CustomError::BandsOverlap {
                first: "Low".into(),
                second: "High".into(),
                at: 3
            }
        );
        assert_eq!(err.to_string(), "bands \"Low\" and \"High\" overlap at 3");
        // A band inside another overlaps too.
        let err = refused(|s| {
            s.bands = vec![band(0, 6, "All"), band(2, 3, "Inner")];
        });
        assert!(matches!(err, CustomError::BandsOverlap { at: 2, .. }));
    }

    #[test]
    fn bands_must_cover_every_total_from_0_to_the_maximum() {
        assert_eq!(
            refused(|s| s.bands = vec![band(1, 6, "All but 0")]),
            CustomError::Uncovered { from: 0, to: 0 }
        );
        assert_eq!(
            refused(|s| s.bands = vec![band(0, 2, "Low"), band(4, 6, "High")]),
            CustomError::Uncovered { from: 3, to: 3 }
        );
        assert_eq!(
            refused(|s| s.bands = vec![band(0, 2, "Low"), band(3, 5, "High")]),
            CustomError::Uncovered { from: 6, to: 6 }
        );
        assert_eq!(
            refused(|s| s.bands = vec![band(0, 2, "Low"), band(3, 7, "High")]),
            CustomError::BeyondMaxTotal {
                band: "High".into(),
                band_max: 7,
                max_total: 6
            }
        );
    }

    #[test]
    fn a_single_band_over_the_whole_range_is_enough() {
        let mut s = spec();
        s.bands = vec![band(0, 6, "Recorded")];
        assert!(s.build().is_ok());
    }
}
