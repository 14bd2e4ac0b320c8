//! An instrument as data: its wording, answer options, skip logic, sub-scales and bands.
//!
//! The published instruments and the practice's own ones share this one shape, so one scorer
//! serves both and the form renders from the same value the server scores against.

use serde::{Deserialize, Serialize};

/// Which scoring rules apply on top of the plain sum. Published instruments carry rules of their
/// own (a safety item, a diagnostic rule, a risk level); a practice's instrument is a plain sum.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Kind {
    Phq9,
    Gad7,
    Pcl5,
    Cssrs,
    Custom,
}

/// One answer the client can choose: what they read and the value it scores.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnswerOption {
    pub value: u8,
    pub label: String,
}

/// When an item is asked. Skip logic lives in the data, so the form and the scorer cannot
/// disagree about which items a client should have seen.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum AskWhen {
    Always,
    /// Asked only when an earlier item has this answer; otherwise it must stay unanswered.
    Answered {
        item: String,
        value: u8,
    },
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Item {
    /// Stable key the answers are stored under ("q1", "q6_recent").
    pub code: String,
    /// The question exactly as published.
    pub text: String,
    /// Published examples or clarification shown under the question, if any.
    pub note: Option<String>,
    pub options: Vec<AnswerOption>,
    pub ask_when: AskWhen,
    /// False for an item that qualifies another (the C-SSRS "within the past 3 months?") and so
    /// adds nothing to the total.
    pub counts_in_total: bool,
}

impl Item {
    pub fn allows(&self, value: u8) -> bool {
        self.options.iter().any(|o| o.value == value)
    }

    pub fn max_value(&self) -> u8 {
        self.options.iter().map(|o| o.value).max().unwrap_or(0)
    }

    pub fn label_of(&self, value: u8) -> Option<&str> {
        self.options
            .iter()
            .find(|o| o.value == value)
            .map(|o| o.label.as_str())
    }
}

/// A severity band: an inclusive range of totals and its label.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Band {
    pub min: u32,
    pub max: u32,
    pub label: String,
}

impl Band {
    pub fn contains(&self, total: u32) -> bool {
        self.min <= total && total <= self.max
    }
}

/// A named group of items whose answers are summed separately (the PCL-5 clusters).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subscale {
    pub code: String,
    pub label: String,
    pub items: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Instrument {
    /// Stable code ("phq9", "gad7", "pcl5", "cssrs", or the practice's own).
    pub code: String,
    /// Version of this wording and scoring; stored with every result so an old score can be
    /// read against the text the client actually saw.
    pub version: String,
    pub title: String,
    /// Published instructions shown before the items (may be empty).
    pub instructions: String,
    /// The lead-in every item completes ("Over the last 2 weeks, …").
    pub stem: String,
    pub kind: Kind,
    pub items: Vec<Item>,
    pub subscales: Vec<Subscale>,
    /// Empty for the C-SSRS, whose result is a risk level, not a severity band.
    pub bands: Vec<Band>,
    /// Where the wording and scoring come from, for the UI and the record.
    pub source: String,
}

impl Instrument {
    /// The instructions a client reads when answering alone (by link or on the office
    /// tablet): the C-SSRS's are written for an interviewer, so the client reads its
    /// self-report wording instead.
    pub fn client_instructions(&self) -> &str {
        match self.kind {
            Kind::Cssrs => super::cssrs::SELF_REPORT_INSTRUCTIONS,
            _ => &self.instructions,
        }
    }

    /// The lead-in a client reads above the questions (the C-SSRS's time frames are in its
    /// self-report instructions: questions 1–5 the past month, question 6 ever).
    pub fn client_stem(&self) -> &str {
        match self.kind {
            Kind::Cssrs => "",
            _ => &self.stem,
        }
    }

    pub fn item(&self, code: &str) -> Option<&Item> {
        self.items.iter().find(|i| i.code == code)
    }

    /// The highest total the items allow.
    pub fn max_total(&self) -> u32 {
        self.items
            .iter()
            .filter(|i| i.counts_in_total)
            .fold(0u32, |sum, i| sum.saturating_add(u32::from(i.max_value())))
    }

    /// The band a total falls in; None only if the bands do not cover it.
    pub fn band_for(&self, total: u32) -> Option<&Band> {
        self.bands.iter().find(|b| b.contains(total))
    }
}

/// Answer options from (value, label) pairs.
pub(super) fn options(pairs: &[(u8, &str)]) -> Vec<AnswerOption> {
    pairs
        .iter()
        .map(|&(value, label)| AnswerOption {
            value,
            label: label.to_owned(),
        })
        .collect()
}

/// Items asked always, scored in the total, coded "q1", "q2", … in order.
pub(super) fn plain_items(texts: &[&str], opts: &[AnswerOption]) -> Vec<Item> {
    texts
        .iter()
        .enumerate()
        .map(|(n, text)| Item {
            code: format!("q{}", n + 1),
            text: (*text).to_owned(),
            note: None,
            options: opts.to_vec(),
            ask_when: AskWhen::Always,
            counts_in_total: true,
        })
        .collect()
}

pub(super) fn bands(ranges: &[(u32, u32, &str)]) -> Vec<Band> {
    ranges
        .iter()
        .map(|&(min, max, label)| Band {
            min,
            max,
            label: label.to_owned(),
        })
        .collect()
}
