//! C-SSRS Screener (Screen Version – Recent: ideation in the past month, behaviour in the past
//! 3 months): the published questions, the skip logic, and the risk level (docs/domain.md §4). Any positive
//! answer raises a suicide-risk safety flag carrying its level.

use serde::{Deserialize, Serialize};

use super::instrument::{AskWhen, Instrument, Item, Kind, options};
use super::score::{Answers, Flag, FlagKind};

pub const CODE: &str = "cssrs";

pub const YES: u8 = 1;
pub const NO: u8 = 0;

pub const SOURCE: &str = "Columbia-Suicide Severity Rating Scale Screen Version – Recent (Posner et al., The Research Foundation for Mental Hygiene), Columbia Protocol triage";

const Q1: &str = "Have you wished you were dead or wished you could go to sleep and not wake up?";
const Q2: &str = "Have you actually had any thoughts of killing yourself?";
const Q3: &str = "Have you been thinking about how you might do this?";
const Q4: &str = "Have you had these thoughts and had some intention of acting on them?";
const Q5: &str = "Have you started to work out or worked out the details of how to kill yourself? Do you intend to carry out this plan?";
const Q6: &str = "Have you ever done anything, started to do anything, or prepared to do anything to end your life?";
const Q6_EXAMPLES: &str = "Examples: Collected pills, obtained a gun, gave away valuables, wrote a will or suicide note, took out pills but didn't swallow any, held a gun but changed your mind or it was grabbed from your hand, went to the roof but didn't jump; or actually took pills, tried to shoot yourself, cut yourself, tried to hang yourself, etc.";
const Q6_RECENT: &str = "Was this within the past 3 months?";
const INSTRUCTIONS: &str = "Ask questions 1 and 2. If YES to 2, ask questions 3, 4, 5, and 6. If NO to 2, go directly to question 6.";
/// What a client answering alone reads instead of the interviewer's instructions: the same
/// questions and skip logic, in the self-report screener's terms.
pub const SELF_REPORT_INSTRUCTIONS: &str = "Please answer yes or no. Questions 1 to 5 are about the past month; question 6 asks whether you have ever done something to end your life. Some questions appear only after certain answers.";

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum RiskLevel {
    None,
    Low,
    Moderate,
    High,
}

impl RiskLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            RiskLevel::None => "none",
            RiskLevel::Low => "low",
            RiskLevel::Moderate => "moderate",
            RiskLevel::High => "high",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            RiskLevel::None => "No risk identified",
            RiskLevel::Low => "Low risk — still evaluate",
            RiskLevel::Moderate => "Moderate risk",
            RiskLevel::High => "High risk — immediate evaluation",
        }
    }

    /// The rule that puts answers at this level, shown with the flag.
    pub fn rule(self) -> &'static str {
        match self {
            RiskLevel::None => "No to every question",
            RiskLevel::Low => {
                "Yes to Q1 (wish to be dead) and/or Q2 (suicidal thoughts) only: low risk, still evaluate"
            }
            RiskLevel::Moderate => {
                "Yes to Q3 (thoughts of a method), or suicidal behaviour (Q6) more than 3 months ago: moderate risk"
            }
            RiskLevel::High => {
                "Yes to Q4 (intent) or Q5 (plan) in the past month, or suicidal behaviour (Q6) in the past 3 months: high risk, immediate evaluation"
            }
        }
    }
}

fn yes_no() -> Vec<super::instrument::AnswerOption> {
    options(&[(YES, "Yes"), (NO, "No")])
}

fn item(code: &str, text: &str, note: Option<&str>, ask_when: AskWhen, counts: bool) -> Item {
    Item {
        code: code.to_owned(),
        text: text.to_owned(),
        note: note.map(str::to_owned),
        options: yes_no(),
        ask_when,
        counts_in_total: counts,
    }
}

fn if_yes(on: &str) -> AskWhen {
    AskWhen::Answered {
        item: on.to_owned(),
        value: YES,
    }
}

pub fn instrument() -> Instrument {
    use AskWhen::Always;
    Instrument {
        code: CODE.to_owned(),
        version: "1".to_owned(),
        title: "Columbia-Suicide Severity Rating Scale (C-SSRS) Screener — Recent".to_owned(),
        instructions: INSTRUCTIONS.to_owned(),
        stem: "Past month".to_owned(),
        kind: Kind::Cssrs,
        items: vec![
            item("q1", Q1, None, Always, true),
            item("q2", Q2, None, Always, true),
            item("q3", Q3, None, if_yes("q2"), true),
            item("q4", Q4, None, if_yes("q2"), true),
            item("q5", Q5, None, if_yes("q2"), true),
            item("q6", Q6, Some(Q6_EXAMPLES), Always, true),
            // Timing qualifies Q6 rather than adding a symptom, so it stays out of the count.
            item("q6_recent", Q6_RECENT, None, if_yes("q6"), false),
        ],
        subscales: Vec::new(),
        bands: Vec::new(),
        source: SOURCE.to_owned(),
    }
}

/// The risk level of answers that passed the skip-logic check. Skipped items are absent and
/// read as "no".
pub(super) fn risk(a: &Answers) -> RiskLevel {
    let yes = |code: &str| a.get(code) == Some(&YES);
    let behaviour = yes("q6");
    if yes("q4") || yes("q5") || (behaviour && yes("q6_recent")) {
        RiskLevel::High
    } else if yes("q3") || behaviour {
        // Behaviour more than 3 months ago: the Columbia triage puts it at moderate.
        RiskLevel::Moderate
    } else if yes("q1") || yes("q2") {
        RiskLevel::Low
    } else {
        RiskLevel::None
    }
}

/// Each screener question in a few words, for a result read at a glance.
const IN_SHORT: [(&str, &str); 6] = [
    ("q1", "Q1 wish to be dead"),
    ("q2", "Q2 suicidal thoughts"),
    ("q3", "Q3 thought of how"),
    ("q4", "Q4 intent to act"),
    ("q5", "Q5 plan"),
    ("q6", "Q6 behaviour"),
];

/// The questions answered "yes", in a few words each; behaviour says when. The screener's
/// result is the risk level and these answers — never a count of them.
pub fn yes_answers(a: &Answers) -> Vec<String> {
    IN_SHORT
        .iter()
        .filter(|(code, _)| a.get(*code) == Some(&YES))
        .map(|(code, short)| match (*code, a.get("q6_recent")) {
            ("q6", Some(&YES)) => format!("{short} (within the past 3 months)"),
            ("q6", Some(_)) => format!("{short} (more than 3 months ago)"),
            _ => (*short).to_owned(),
        })
        .collect()
}

pub(super) fn flag(risk: RiskLevel, a: &Answers) -> Option<Flag> {
    if risk == RiskLevel::None {
        return None;
    }
    let yes: Vec<String> = ["q1", "q2", "q3", "q4", "q5", "q6"]
        .iter()
        .filter(|c| a.get(**c) == Some(&YES))
        .map(|c| c.trim_start_matches('q').to_owned())
        .collect();
    let mut finding = format!("C-SSRS: yes to Q{}", yes.join(", Q"));
    match a.get("q6_recent") {
        Some(&YES) => finding.push_str(" (behaviour within the past 3 months)"),
        Some(_) => finding.push_str(" (behaviour more than 3 months ago)"),
        None => {}
    }
    finding.push_str(&format!(" — {}", risk.label()));
    Some(Flag {
        kind: FlagKind::SuicideRisk,
        risk: Some(risk),
        finding,
        rule: risk.rule().to_owned(),
        source: SOURCE.to_owned(),
    })
}

#[cfg(test)]
mod yes_answers_tests {
    use super::*;

    #[test]
    fn the_yes_answers_are_named_and_behaviour_says_when() {
        let a: Answers = [
            ("q1", YES),
            ("q2", YES),
            ("q3", NO),
            ("q4", NO),
            ("q5", NO),
            ("q6", YES),
            ("q6_recent", NO),
        ]
        .iter()
        .map(|(k, v)| ((*k).to_owned(), *v))
        .collect();
        assert_eq!(
            yes_answers(&a),
            vec![
                "Q1 wish to be dead",
                "Q2 suicidal thoughts",
                "Q6 behaviour (more than 3 months ago)"
            ]
        );
        let none: Answers = [("q1", NO), ("q2", NO), ("q6", NO)]
            .iter()
            .map(|(k, v)| ((*k).to_owned(), *v))
            .collect();
        assert!(yes_answers(&none).is_empty());
    }

    #[test]
    fn follow_ups_are_on_screen_only_after_the_answer_that_asks_them() {
        let i = instrument();
        let shown = |pairs: &[(&str, u8)]| {
            let a: Answers = pairs.iter().map(|(k, v)| ((*k).to_owned(), *v)).collect();
            super::super::score::on_screen(&i, &a)
        };
        assert_eq!(shown(&[]), ["q1", "q2", "q6"]);
        assert_eq!(shown(&[("q2", YES)]), ["q1", "q2", "q3", "q4", "q5", "q6"]);
        assert_eq!(shown(&[("q2", NO), ("q3", YES)]), ["q1", "q2", "q6"]);
        assert_eq!(shown(&[("q6", YES)]), ["q1", "q2", "q6", "q6_recent"]);
    }
}

#[cfg(test)]
mod tests {
    use super::super::score::{MeasureSettings, ScoreError, Scored, score};
    use super::*;

    fn answers(set: &[(&str, u8)]) -> Answers {
        set.iter().map(|&(c, v)| (c.to_owned(), v)).collect()
    }

    fn scored(set: &[(&str, u8)]) -> Result<Scored, ScoreError> {
        score(&instrument(), &answers(set), &MeasureSettings::default())
    }

    fn level(set: &[(&str, u8)]) -> RiskLevel {
        scored(set).expect("valid").cssrs_risk.expect("risk")
    }

    #[test]
    fn all_no_with_q2_no_skips_3_to_5_and_is_no_risk() {
        let s = scored(&[("q1", NO), ("q2", NO), ("q6", NO)]).expect("valid");
        assert_eq!(s.cssrs_risk, Some(RiskLevel::None));
        assert_eq!(s.band, "No risk identified");
        assert!(s.flags.is_empty());
        assert_eq!(s.total, 0);
    }

    #[test]
    fn q2_yes_with_3_to_6_no_is_low() {
        let s = scored(&[
            ("q1", NO),
            ("q2", YES),
            ("q3", NO),
            ("q4", NO),
            ("q5", NO),
            ("q6", NO),
        ])
        .expect("valid");
        assert_eq!(s.cssrs_risk, Some(RiskLevel::Low));
        assert_eq!(s.total, 1);
    }

    #[test]
    fn q1_only_is_low_and_raises_a_flag_with_its_level() {
        let s = scored(&[("q1", YES), ("q2", NO), ("q6", NO)]).expect("valid");
        assert_eq!(s.cssrs_risk, Some(RiskLevel::Low));
        let f = &s.flags[0];
        assert_eq!(
            (f.kind, f.risk),
            (FlagKind::SuicideRisk, Some(RiskLevel::Low))
        );
        assert_eq!(f.rule, RiskLevel::Low.rule());
        assert_eq!(f.source, SOURCE);
        assert_eq!(f.finding, "C-SSRS: yes to Q1 — Low risk — still evaluate");
        assert!(s.has_safety_alert());
    }

    #[test]
    fn q3_yes_is_moderate() {
        let set = [
            ("q1", YES),
            ("q2", YES),
            ("q3", YES),
            ("q4", NO),
            ("q5", NO),
            ("q6", NO),
        ];
        assert_eq!(level(&set), RiskLevel::Moderate);
    }

    #[test]
    fn q4_or_q5_yes_is_high() {
        for (q4, q5) in [(YES, NO), (NO, YES), (YES, YES)] {
            let set = [
                ("q1", NO),
                ("q2", YES),
                ("q3", NO),
                ("q4", q4),
                ("q5", q5),
                ("q6", NO),
            ];
            assert_eq!(level(&set), RiskLevel::High, "q4 {q4} q5 {q5}");
        }
    }

    #[test]
    fn behaviour_in_the_past_3_months_is_high_even_without_ideation() {
        let s = scored(&[("q1", NO), ("q2", NO), ("q6", YES), ("q6_recent", YES)]).expect("valid");
        assert_eq!(s.cssrs_risk, Some(RiskLevel::High));
        assert_eq!(s.band, "High risk — immediate evaluation");
        assert!(s.flags[0].finding.contains("within the past 3 months"));
        // The timing qualifier is not counted as a "yes".
        assert_eq!(s.total, 1);
    }

    #[test]
    fn behaviour_more_than_3_months_ago_is_moderate() {
        let set = [("q1", NO), ("q2", NO), ("q6", YES), ("q6_recent", NO)];
        assert_eq!(level(&set), RiskLevel::Moderate);
    }

    #[test]
    fn the_highest_level_wins() {
        let set = [
            ("q1", YES),
            ("q2", YES),
            ("q3", YES),
            ("q4", NO),
            ("q5", YES),
            ("q6", YES),
            ("q6_recent", NO),
        ];
        let s = scored(&set).expect("valid");
        assert_eq!(s.cssrs_risk, Some(RiskLevel::High));
        assert_eq!(s.flags.len(), 1);
        assert!(
            s.flags[0]
                .finding
                .starts_with("C-SSRS: yes to Q1, Q2, Q3, Q5, Q6")
        );
    }

    #[test]
    fn q1_and_q2_are_always_required() {
        let err = scored(&[("q2", NO), ("q6", NO)]).expect_err("q1 missing");
        assert!(matches!(err, ScoreError::Missing { item, .. } if item == "q1"));
        let err = scored(&[("q1", NO), ("q6", NO)]).expect_err("q2 missing");
        assert!(matches!(err, ScoreError::Missing { item, .. } if item == "q2"));
    }

    #[test]
    fn behaviour_is_required_on_both_paths() {
        let err = scored(&[("q1", NO), ("q2", NO)]).expect_err("q6 missing");
        assert!(matches!(err, ScoreError::Missing { item, .. } if item == "q6"));
        let err = scored(&[("q1", NO), ("q2", YES), ("q3", NO), ("q4", NO), ("q5", NO)])
            .expect_err("q6 missing");
        assert!(matches!(err, ScoreError::Missing { item, .. } if item == "q6"));
    }

    #[test]
    fn q2_yes_requires_3_to_5() {
        for missing in ["q3", "q4", "q5"] {
            let mut a = answers(&[
                ("q1", NO),
                ("q2", YES),
                ("q3", NO),
                ("q4", NO),
                ("q5", NO),
                ("q6", NO),
            ]);
            a.remove(missing);
            let err = score(&instrument(), &a, &MeasureSettings::default()).expect_err("refused");
            assert!(matches!(err, ScoreError::Missing { item, .. } if item == missing));
        }
    }

    #[test]
    fn an_answer_to_a_skipped_item_is_refused() {
        for skipped in ["q3", "q4", "q5"] {
            // Even a "no" is refused: the client was never asked.
            for v in [NO, YES] {
                let mut a = answers(&[("q1", YES), ("q2", NO), ("q6", NO)]);
                a.insert(skipped.to_owned(), v);
                let err =
                    score(&instrument(), &a, &MeasureSettings::default()).expect_err("refused");
                assert_eq!(
                    err,
                    ScoreError::AnsweredSkippedItem {
                        instrument: CODE.into(),
                        item: skipped.into(),
                        because: "item q2 is not answered 1".into()
                    }
                );
            }
        }
    }

    #[test]
    fn the_timing_question_follows_q6() {
        let err = scored(&[("q1", NO), ("q2", NO), ("q6", YES)]).expect_err("timing missing");
        assert!(matches!(err, ScoreError::Missing { item, .. } if item == "q6_recent"));
        let err = scored(&[("q1", NO), ("q2", NO), ("q6", NO), ("q6_recent", NO)])
            .expect_err("timing asked without behaviour");
        assert!(matches!(err, ScoreError::AnsweredSkippedItem { item, .. } if item == "q6_recent"));
    }

    #[test]
    fn only_yes_and_no_are_allowed() {
        let err = scored(&[("q1", 2), ("q2", NO), ("q6", NO)]).expect_err("2 is not yes/no");
        assert!(matches!(err, ScoreError::OutOfRange { item, value: 2, .. } if item == "q1"));
    }

    #[test]
    fn the_wording_is_the_published_screener() {
        let i = instrument();
        let texts: Vec<&str> = i.items.iter().map(|x| x.text.as_str()).collect();
        assert_eq!(
            texts[0],
            "Have you wished you were dead or wished you could go to sleep and not wake up?"
        );
        assert_eq!(
            texts[1],
            "Have you actually had any thoughts of killing yourself?"
        );
        assert_eq!(i.items.len(), 7);
        assert!(i.bands.is_empty());
    }
}
