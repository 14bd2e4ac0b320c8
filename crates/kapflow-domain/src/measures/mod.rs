//! Measurement-based care questionnaires (docs/domain.md §4): the published instruments as
//! data, practice-defined ones, server-side scoring with safety flags, and outcome over time.
//!
//! Scoring refuses anything incomplete; flags carry their rule and source so the UI can show
//! why an alert fired. Not embedded: BDI-II and BAI (Pearson licence).

pub mod cssrs;
pub mod custom;
pub mod deidentify;
pub mod gad7;
pub mod instrument;
pub mod outcome;
pub mod pcl5;
pub mod phq9;
pub mod report;
pub mod schedule;
pub mod score;

#[cfg(test)]
mod proptests;

pub use cssrs::RiskLevel;
pub use custom::{CustomError, CustomInstrumentSpec, CustomItemSpec};
pub use instrument::{AnswerOption, AskWhen, Band, Instrument, Item, Kind, Subscale};
pub use outcome::{
    Change, MeaningfulChange, OutcomeError, ResponseStatus, change_from_baseline,
    pcl5_meaningful_change, percent_reduction, remission, response_status,
};
pub use pcl5::{ClusterCount, Pcl5Findings};
pub use score::{
    Answers, Flag, FlagKind, MeasureSettings, ScoreError, Scored, SubScore, answers_in_order, score,
};

/// Codes of the published instruments; a practice's own instrument may not reuse them.
pub const BUILTIN_CODES: [&str; 4] = [phq9::CODE, gad7::CODE, pcl5::CODE, cssrs::CODE];

/// A published instrument by its code.
pub fn builtin(code: &str) -> Option<Instrument> {
    match code {
        phq9::CODE => Some(phq9::instrument()),
        gad7::CODE => Some(gad7::instrument()),
        pcl5::CODE => Some(pcl5::instrument()),
        cssrs::CODE => Some(cssrs::instrument()),
        _ => None,
    }
}

/// Every published instrument, in the order the practice usually gives them.
pub fn builtins() -> Vec<Instrument> {
    vec![
        phq9::instrument(),
        gad7::instrument(),
        pcl5::instrument(),
        cssrs::instrument(),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtins_are_found_by_their_stable_codes() {
        for code in BUILTIN_CODES {
            let i = builtin(code).expect("known");
            assert_eq!(i.code, code);
            assert!(!i.version.is_empty() && !i.title.is_empty() && !i.source.is_empty());
        }
        assert_eq!(builtin("bdi2"), None);
        assert_eq!(builtin("bai"), None);
        assert_eq!(builtins().len(), BUILTIN_CODES.len());
    }

    #[test]
    fn builtin_items_are_well_formed() {
        for i in builtins() {
            let mut codes: Vec<&str> = i.items.iter().map(|x| x.code.as_str()).collect();
            codes.sort_unstable();
            codes.dedup();
            assert_eq!(
                codes.len(),
                i.items.len(),
                "{}: duplicate item code",
                i.code
            );
            for (n, item) in i.items.iter().enumerate() {
                assert!(!item.text.trim().is_empty());
                assert!(!item.options.is_empty());
                // Skip logic may only depend on an earlier item, so a form can ask in order.
                if let AskWhen::Answered { item: on, value } = &item.ask_when {
                    let pos = i.items.iter().position(|x| &x.code == on).expect("exists");
                    assert!(pos < n, "{} {} depends on a later item", i.code, item.code);
                    assert!(i.items[pos].allows(*value));
                }
            }
            for s in &i.subscales {
                assert!(s.items.iter().all(|c| i.item(c).is_some()));
            }
        }
    }
}
