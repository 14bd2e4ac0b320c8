//! Scoring a completed questionnaire, on the server only. All or nothing: a missing, unknown,
//! out-of-range or skipped-but-answered item refuses the whole submission, because a partial
//! total would understate severity and could hide a safety item.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::cssrs::{self, RiskLevel};
use super::instrument::{AskWhen, Instrument, Kind};
use super::pcl5::{self, Pcl5Findings};
use super::phq9;

/// The client's answers, keyed by item code. Absent means not answered (or skipped).
pub type Answers = BTreeMap<String, u8>;

/// Thresholds the practice may change; defaults per the docs/domain.md §4.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MeasureSettings {
    /// PCL-5 total at or above which PTSD is provisional. The literature uses 31–33.
    pub pcl5_provisional_cutoff: u32,
}

impl Default for MeasureSettings {
    fn default() -> Self {
        MeasureSettings {
            pcl5_provisional_cutoff: 33,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum FlagKind {
    /// PHQ-9 item 9 above 0 or any positive C-SSRS answer.
    SuicideRisk,
    /// PCL-5 total at or above the practice's cutoff.
    ProvisionalPtsdByCutoff,
    /// PCL-5 answers meet the DSM-5 symptom-cluster rule.
    ProvisionalPtsdByDsm5Rule,
}

impl FlagKind {
    /// Safety alerts go to the treating therapist at once and stay open until a clinician
    /// acknowledges them (docs/domain.md §4); the PTSD findings are clinical information, not alerts.
    pub fn is_safety_alert(self) -> bool {
        matches!(self, FlagKind::SuicideRisk)
    }
}

/// One finding, with the rule that raised it and where the rule comes from, for the UI.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Flag {
    pub kind: FlagKind,
    /// The C-SSRS risk level; None where the instrument grades no level (PHQ-9 item 9).
    pub risk: Option<RiskLevel>,
    pub finding: String,
    pub rule: String,
    pub source: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubScore {
    pub code: String,
    pub label: String,
    pub total: u32,
    pub max: u32,
}

/// A scored submission: everything the record keeps (docs/domain.md §4).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scored {
    pub instrument: String,
    pub version: String,
    pub kind: Kind,
    /// The validated answers, exactly as scored.
    pub answers: Answers,
    /// Sum of the scored items. For the C-SSRS this is the count of "yes" answers to Q1–Q6,
    /// which is not a severity score: read `cssrs_risk` instead.
    pub total: u32,
    pub max_total: u32,
    pub subscores: Vec<SubScore>,
    /// The severity band's label; for the C-SSRS, the risk level's label.
    pub band: String,
    pub flags: Vec<Flag>,
    pub pcl5: Option<Pcl5Findings>,
    pub cssrs_risk: Option<RiskLevel>,
}

impl Scored {
    pub fn has_safety_alert(&self) -> bool {
        self.flags.iter().any(|f| f.kind.is_safety_alert())
    }
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ScoreError {
    #[error("{instrument}: item {item} has no answer; every item must be answered")]
    Missing { instrument: String, item: String },
    #[error("{instrument}: {value} is not an allowed answer to item {item} (allowed: {allowed})")]
    OutOfRange {
        instrument: String,
        item: String,
        value: u8,
        allowed: String,
    },
    #[error("{instrument}: there is no item {item}")]
    UnknownItem { instrument: String, item: String },
    #[error("{instrument}: answer number {position} is beyond the last item")]
    ExtraAnswer { instrument: String, position: usize },
    #[error("{instrument}: item {item} is skipped when {because}, so it must not have an answer")]
    AnsweredSkippedItem {
        instrument: String,
        item: String,
        because: String,
    },
    #[error("{instrument}: no band covers the total {total}")]
    NoBand { instrument: String, total: u32 },
}

/// Answers given in item order (None = unanswered or skipped), as a form posts them.
pub fn answers_in_order(
    instrument: &Instrument,
    values: &[Option<u8>],
) -> Result<Answers, ScoreError> {
    if values.len() > instrument.items.len() {
        return Err(ScoreError::ExtraAnswer {
            instrument: instrument.code.clone(),
            position: instrument.items.len() + 1,
        });
    }
    Ok(instrument
        .items
        .iter()
        .zip(values)
        .filter_map(|(item, v)| v.map(|v| (item.code.clone(), v)))
        .collect())
}

/// Whether an item is asked, given the answers so far.
pub fn is_asked(ask_when: &AskWhen, answers: &Answers) -> bool {
    match ask_when {
        AskWhen::Always => true,
        AskWhen::Answered { item, value } => answers.get(item) == Some(value),
    }
}

/// The items a client has on screen for the answers given so far: those asked without
/// condition, and those whose condition an answer on screen meets (an item comes after the one
/// it depends on).
pub fn on_screen(instrument: &Instrument, answers: &Answers) -> Vec<String> {
    let mut shown: Vec<String> = Vec::new();
    for it in &instrument.items {
        let on = match &it.ask_when {
            AskWhen::Always => true,
            AskWhen::Answered { item, .. } => {
                shown.contains(item) && is_asked(&it.ask_when, answers)
            }
        };
        if on {
            shown.push(it.code.clone());
        }
    }
    shown
}

/// Refuses anything but a complete, in-range answer to exactly the items that were asked.
fn check(instrument: &Instrument, answers: &Answers) -> Result<(), ScoreError> {
    let code = || instrument.code.clone();
    if let Some(unknown) = answers.keys().find(|k| instrument.item(k).is_none()) {
        return Err(ScoreError::UnknownItem {
            instrument: code(),
            item: unknown.clone(),
        });
    }
    for item in &instrument.items {
        let asked = is_asked(&item.ask_when, answers);
        match (asked, answers.get(&item.code)) {
            (true, None) => {
                return Err(ScoreError::Missing {
                    instrument: code(),
                    item: item.code.clone(),
                });
            }
            (true, Some(&v)) if !item.allows(v) => {
                let allowed: Vec<String> =
                    item.options.iter().map(|o| o.value.to_string()).collect();
                return Err(ScoreError::OutOfRange {
                    instrument: code(),
                    item: item.code.clone(),
                    value: v,
                    allowed: allowed.join(", "),
                });
            }
            (false, Some(_)) => {
                let because = match &item.ask_when {
                    AskWhen::Answered { item: on, value } => {
                        format!("item {on} is not answered {value}")
                    }
                    AskWhen::Always => String::new(),
                };
                return Err(ScoreError::AnsweredSkippedItem {
                    instrument: code(),
                    item: item.code.clone(),
                    because,
                });
            }
            _ => {}
        }
    }
    Ok(())
}

fn sum<'a>(instrument: &Instrument, codes: impl Iterator<Item = &'a str>, a: &Answers) -> u32 {
    codes
        .filter(|c| instrument.item(c).is_some_and(|i| i.counts_in_total))
        .filter_map(|c| a.get(c))
        .fold(0u32, |s, &v| s.saturating_add(u32::from(v)))
}

/// Scores a complete submission, or refuses it naming the first item at fault.
pub fn score(
    instrument: &Instrument,
    answers: &Answers,
    settings: &MeasureSettings,
) -> Result<Scored, ScoreError> {
    check(instrument, answers)?;
    let total = sum(
        instrument,
        instrument.items.iter().map(|i| i.code.as_str()),
        answers,
    );
    let subscores = instrument
        .subscales
        .iter()
        .map(|s| SubScore {
            code: s.code.clone(),
            label: s.label.clone(),
            total: sum(instrument, s.items.iter().map(String::as_str), answers),
            max: s
                .items
                .iter()
                .filter_map(|c| instrument.item(c))
                .fold(0u32, |m, i| m.saturating_add(u32::from(i.max_value()))),
        })
        .collect();

    let mut flags = Vec::new();
    let mut pcl5_findings = None;
    let mut cssrs_risk = None;
    match instrument.kind {
        Kind::Phq9 => flags.extend(phq9::item9_flag(instrument, answers)),
        Kind::Pcl5 => {
            let f = pcl5::findings(answers, total, settings.pcl5_provisional_cutoff);
            flags.extend(pcl5::flags(&f));
            pcl5_findings = Some(f);
        }
        Kind::Cssrs => {
            let risk = cssrs::risk(answers);
            flags.extend(cssrs::flag(risk, answers));
            cssrs_risk = Some(risk);
        }
        Kind::Gad7 | Kind::Custom => {}
    }
    // The PCL-5 bands follow the practice's cutoff, not the default stored on the instrument.
    let pcl5_bands;
    let bands = if instrument.kind == Kind::Pcl5 {
        pcl5_bands = pcl5::bands_for_cutoff(settings.pcl5_provisional_cutoff);
        &pcl5_bands
    } else {
        &instrument.bands
    };
    let band = match cssrs_risk {
        Some(risk) => risk.label().to_owned(),
        None => bands
            .iter()
            .find(|b| b.contains(total))
            .ok_or_else(|| ScoreError::NoBand {
                instrument: instrument.code.clone(),
                total,
            })?
            .label
            .clone(),
    };
    Ok(Scored {
        instrument: instrument.code.clone(),
        version: instrument.version.clone(),
        kind: instrument.kind,
        answers: answers.clone(),
        total,
        max_total: instrument.max_total(),
        subscores,
        band,
        flags,
        pcl5: pcl5_findings,
        cssrs_risk,
    })
}

#[cfg(test)]
mod tests {
    use super::super::{gad7, phq9};
    use super::*;

    fn all(instrument: &Instrument, v: u8) -> Answers {
        instrument
            .items
            .iter()
            .map(|i| (i.code.clone(), v))
            .collect()
    }

    #[test]
    fn a_missing_item_is_refused_by_name() {
        let phq = phq9::instrument();
        let mut a = all(&phq, 1);
        a.remove("q4");
        let err = score(&phq, &a, &MeasureSettings::default()).expect_err("refused");
        assert_eq!(
            err,
            ScoreError::Missing {
                instrument: "phq9".into(),
                item: "q4".into()
            }
        );
        assert!(err.to_string().contains("item q4 has no answer"));
    }

    #[test]
    fn an_out_of_range_answer_is_refused_by_name() {
        let phq = phq9::instrument();
        let mut a = all(&phq, 0);
        a.insert("q2".into(), 4);
        let err = score(&phq, &a, &MeasureSettings::default()).expect_err("refused");
        assert!(matches!(&err, ScoreError::OutOfRange { item, value: 4, .. } if item == "q2"));
        assert!(err.to_string().contains("allowed: 0, 1, 2, 3"));
    }

    #[test]
    fn an_unknown_item_is_refused_by_name() {
        let gad = gad7::instrument();
        let mut a = all(&gad, 0);
        a.insert("q8".into(), 0);
        let err = score(&gad, &a, &MeasureSettings::default()).expect_err("refused");
        assert_eq!(
            err,
            ScoreError::UnknownItem {
                instrument: "gad7".into(),
                item: "q8".into()
            }
        );
    }

    #[test]
    fn answers_in_order_maps_positions_to_codes_and_refuses_extras() {
        let gad = gad7::instrument();
        let a = answers_in_order(&gad, &[Some(1), None, Some(3)]).expect("fits");
        assert_eq!(a.get("q1"), Some(&1));
        assert_eq!(a.get("q2"), None);
        assert_eq!(a.get("q3"), Some(&3));
        let err = answers_in_order(&gad, &[Some(0); 8]).expect_err("one too many");
        assert_eq!(
            err,
            ScoreError::ExtraAnswer {
                instrument: "gad7".into(),
                position: 8
            }
        );
        // A short list is not an error here: the scorer names the first missing item.
        let short = answers_in_order(&gad, &[Some(0); 6]).expect("fits");
        let err = score(&gad, &short, &MeasureSettings::default()).expect_err("refused");
        assert!(matches!(err, ScoreError::Missing { item, .. } if item == "q7"));
    }

    #[test]
    fn the_result_records_instrument_version_and_answers() {
        let gad = gad7::instrument();
        let a = all(&gad, 2);
        let s = score(&gad, &a, &MeasureSettings::default()).expect("complete");
        assert_eq!(s.instrument, "gad7");
        assert_eq!(s.version, gad.version);
        assert_eq!(s.answers, a);
        assert_eq!((s.total, s.max_total), (14, 21));
        assert!(!s.has_safety_alert());
    }

    #[test]
    fn bands_that_do_not_cover_the_total_refuse_rather_than_guess() {
        let mut gad = gad7::instrument();
        gad.bands.pop();
        let err =
            score(&gad, &all(&gad, 3), &MeasureSettings::default()).expect_err("no band for 21");
        assert_eq!(
            err,
            ScoreError::NoBand {
                instrument: "gad7".into(),
                total: 21
            }
        );
    }
}
