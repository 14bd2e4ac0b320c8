//! One course of KAP treatment as a state machine (docs/domain.md §2 and §5).
//!
//! assessment → preparation → medical evaluation → medication → ready for dosing → dosing ⇄
//! integration → completed, and discontinued from any stage (reason required). The therapist
//! advances the stages up to "ready for dosing"; from there a dosing session moves the course:
//! opening one (only with the proof that every start gate held) enters dosing, closing it enters
//! integration, and the next session opens from integration. A course is completed from
//! integration. Every transition lists its preconditions; a refusal names every unmet one in
//! plain words, so the therapist sees all that is missing at once.

use time::Date;

crate::named_enum! {
    /// Where a course of treatment stands.
    pub enum Stage {
        Assessment = "assessment", "Assessment";
        Preparation = "preparation", "Preparation";
        MedicalEvaluation = "medical_evaluation", "Medical evaluation";
        Medication = "medication", "Medication";
        ReadyForDosing = "ready_for_dosing", "Ready for dosing";
        Dosing = "dosing", "Dosing session";
        Integration = "integration", "Integration";
        Completed = "completed", "Completed";
        Discontinued = "discontinued", "Discontinued";
    }
}

/// The prescriber's decision (recorded by the partner organisation, never by the therapist).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Eligibility {
    Eligible { valid_until: Date },
    NotEligible,
    MoreInformationNeeded,
}

/// What is true of a course right now, as the store finds it. The gates read only this.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CourseFacts {
    pub intake_completed: bool,
    pub screening_reviewed: bool,
    /// A signed, current (not revoked, latest version) KAP informed consent.
    pub kap_consent: bool,
    /// A signed, current release of information to the partner prescriber organisation.
    pub release_of_information: bool,
    pub preparation_signed_off: bool,
    pub referred: bool,
    pub eligibility: Option<Eligibility>,
    pub active_prescription: bool,
    pub medication_received_by_client: bool,
    /// A named person who will take the client home after dosing.
    pub support_person_named: bool,
    pub today: Date,
}

/// A precondition that is not met, in words for the therapist.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Unmet {
    IntakeIncomplete,
    ScreeningNotReviewed,
    KapConsentMissing,
    ReleaseOfInformationMissing,
    PreparationNotSignedOff,
    NotReferred,
    NotEvaluated,
    NotEligible,
    MoreInformationNeeded,
    EligibilityExpired,
    NoActivePrescription,
    MedicationNotReceived,
    NoSupportPerson,
    ReasonRequired,
    CourseEnded,
    NotTheNextStage,
    /// A dosing session opens only from "ready for dosing" or integration.
    NotReadyForDosing,
    /// Only an open dosing session can close.
    NoSessionOpen,
    /// A course is completed from integration.
    NotInIntegration,
}

impl Unmet {
    pub fn message(self) -> &'static str {
        match self {
            Unmet::IntakeIncomplete => "The intake is not completed.",
            Unmet::ScreeningNotReviewed => "The contraindication screening has not been reviewed.",
            Unmet::KapConsentMissing => "There is no signed, current KAP informed consent.",
            Unmet::ReleaseOfInformationMissing => {
                "There is no signed, current release of information to the prescriber organisation."
            }
            Unmet::PreparationNotSignedOff => {
                "The therapist has not signed off readiness after preparation."
            }
            Unmet::NotReferred => {
                "The client has not been referred to the prescriber organisation."
            }
            Unmet::NotEvaluated => "The prescriber has not recorded an evaluation yet.",
            Unmet::NotEligible => "The prescriber found the client not eligible.",
            Unmet::MoreInformationNeeded => "The prescriber asked for more information.",
            Unmet::EligibilityExpired => "The prescriber's eligibility decision has expired.",
            Unmet::NoActivePrescription => "There is no active prescription.",
            Unmet::MedicationNotReceived => "The client has not received the shipped medication.",
            Unmet::NoSupportPerson => {
                "No support person is named to take the client home after dosing."
            }
            Unmet::ReasonRequired => "A reason is required.",
            Unmet::CourseEnded => "This course has ended; start a new course instead.",
            Unmet::NotTheNextStage => "The course can only move to its next stage.",
            Unmet::NotReadyForDosing => {
                "A dosing session opens only when the course is ready for dosing or in integration."
            }
            Unmet::NoSessionOpen => "No dosing session is open.",
            Unmet::NotInIntegration => {
                "A course is completed from integration, after its dosing sessions."
            }
        }
    }
}

/// A refused transition with every unmet precondition.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GateRefused {
    pub reasons: Vec<Unmet>,
}

/// What the therapist asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Transition {
    Advance(Stage),
    Discontinue {
        reason: String,
    },
    /// A dosing session opened: only with the proof that every start gate held.
    SessionOpened(crate::dosing::gates::GatesPassed),
    /// The open dosing session was closed (discharged or ended early).
    SessionClosed,
    /// The course is complete (from integration).
    Complete,
}

/// A course that has ended takes no more transitions.
pub fn ended(stage: Stage) -> bool {
    matches!(stage, Stage::Completed | Stage::Discontinued)
}

fn eligibility_unmet(f: &CourseFacts, out: &mut Vec<Unmet>) {
    match f.eligibility {
        None => out.push(Unmet::NotEvaluated),
        Some(Eligibility::NotEligible) => out.push(Unmet::NotEligible),
        Some(Eligibility::MoreInformationNeeded) => out.push(Unmet::MoreInformationNeeded),
        Some(Eligibility::Eligible { valid_until }) if valid_until < f.today => {
            out.push(Unmet::EligibilityExpired)
        }
        Some(Eligibility::Eligible { .. }) => {}
    }
}

/// Every precondition of entering `to`, unmet ones listed in a stable order.
pub fn unmet_for(to: Stage, f: &CourseFacts) -> Vec<Unmet> {
    let mut out = Vec::new();
    let mut need = |ok: bool, u: Unmet| {
        if !ok {
            out.push(u);
        }
    };
    match to {
        // Entered through a dosing session's gates, its closing, or completion (see
        // `transition`), not by advancing.
        Stage::Assessment
        | Stage::Dosing
        | Stage::Integration
        | Stage::Completed
        | Stage::Discontinued => {}
        Stage::Preparation => {
            need(f.intake_completed, Unmet::IntakeIncomplete);
            need(f.screening_reviewed, Unmet::ScreeningNotReviewed);
        }
        Stage::MedicalEvaluation => {
            need(f.kap_consent, Unmet::KapConsentMissing);
            need(f.release_of_information, Unmet::ReleaseOfInformationMissing);
            need(f.preparation_signed_off, Unmet::PreparationNotSignedOff);
            need(f.referred, Unmet::NotReferred);
        }
        Stage::Medication => eligibility_unmet(f, &mut out),
        Stage::ReadyForDosing => {
            need(f.kap_consent, Unmet::KapConsentMissing);
            eligibility_unmet(f, &mut out);
            let mut need = |ok: bool, u: Unmet| {
                if !ok {
                    out.push(u);
                }
            };
            need(f.active_prescription, Unmet::NoActivePrescription);
            need(
                f.medication_received_by_client,
                Unmet::MedicationNotReceived,
            );
            need(f.support_person_named, Unmet::NoSupportPerson);
        }
    }
    out
}

/// The stage a course moves on to from `stage`, if any (discontinuing is not a next stage).
pub fn next(stage: Stage) -> Option<Stage> {
    match stage {
        Stage::Assessment => Some(Stage::Preparation),
        Stage::Preparation => Some(Stage::MedicalEvaluation),
        Stage::MedicalEvaluation => Some(Stage::Medication),
        Stage::Medication => Some(Stage::ReadyForDosing),
        // From here a dosing session moves the course.
        Stage::ReadyForDosing
        | Stage::Dosing
        | Stage::Integration
        | Stage::Completed
        | Stage::Discontinued => None,
    }
}

/// Applies `t` to a course at `from`, or refuses with every unmet precondition.
pub fn transition(from: Stage, t: &Transition, facts: &CourseFacts) -> Result<Stage, GateRefused> {
    let refuse = |u: Unmet| Err(GateRefused { reasons: vec![u] });
    if ended(from) {
        return refuse(Unmet::CourseEnded);
    }
    match t {
        Transition::SessionOpened(_) => match from {
            Stage::ReadyForDosing | Stage::Integration => Ok(Stage::Dosing),
            _ => refuse(Unmet::NotReadyForDosing),
        },
        Transition::SessionClosed => match from {
            Stage::Dosing => Ok(Stage::Integration),
            _ => refuse(Unmet::NoSessionOpen),
        },
        Transition::Complete => match from {
            Stage::Integration => Ok(Stage::Completed),
            _ => refuse(Unmet::NotInIntegration),
        },
        Transition::Discontinue { reason } => {
            if reason.trim().is_empty() {
                Err(GateRefused {
                    reasons: vec![Unmet::ReasonRequired],
                })
            } else {
                Ok(Stage::Discontinued)
            }
        }
        Transition::Advance(to) => {
            if next(from) != Some(*to) {
                return Err(GateRefused {
                    reasons: vec![Unmet::NotTheNextStage],
                });
            }
            let reasons = unmet_for(*to, facts);
            if reasons.is_empty() {
                Ok(*to)
            } else {
                Err(GateRefused { reasons })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::date;

    fn all_met() -> CourseFacts {
        CourseFacts {
            intake_completed: true,
            screening_reviewed: true,
            kap_consent: true,
            release_of_information: true,
            preparation_signed_off: true,
            referred: true,
            eligibility: Some(Eligibility::Eligible {
                valid_until: date!(2027 - 06 - 30),
            }),
            active_prescription: true,
            medication_received_by_client: true,
            support_person_named: true,
            today: date!(2026 - 12 - 01),
        }
    }

    #[test]
    fn the_happy_path_reaches_ready_for_dosing() {
        let f = all_met();
        let mut s = Stage::Assessment;
        for to in [
            Stage::Preparation,
            Stage::MedicalEvaluation,
            Stage::Medication,
            Stage::ReadyForDosing,
        ] {
            s = transition(s, &Transition::Advance(to), &f).expect("gate met");
        }
        assert_eq!(s, Stage::ReadyForDosing);
    }

    #[test]
    fn a_refusal_lists_every_unmet_condition() {
        let mut f = all_met();
        f.kap_consent = false;
        f.referred = false;
        let err = transition(
            Stage::Preparation,
            &Transition::Advance(Stage::MedicalEvaluation),
            &f,
        )
        .expect_err("refused");
        assert_eq!(
            err.reasons,
            vec![Unmet::KapConsentMissing, Unmet::NotReferred]
        );
        assert!(err.reasons.iter().all(|u| u.message().ends_with('.')));
    }

    #[test]
    fn expired_or_negative_eligibility_blocks_medication() {
        let mut f = all_met();
        f.eligibility = Some(Eligibility::Eligible {
            valid_until: date!(2026 - 11 - 30),
        });
        assert_eq!(
            transition(
                Stage::MedicalEvaluation,
                &Transition::Advance(Stage::Medication),
                &f
            )
            .expect_err("expired")
            .reasons,
            vec![Unmet::EligibilityExpired]
        );
        f.eligibility = Some(Eligibility::NotEligible);
        assert!(
            transition(
                Stage::MedicalEvaluation,
                &Transition::Advance(Stage::Medication),
                &f
            )
            .is_err()
        );
        f.eligibility = None;
        assert!(
            transition(
                Stage::MedicalEvaluation,
                &Transition::Advance(Stage::Medication),
                &f
            )
            .is_err()
        );
    }

    #[test]
    fn stages_cannot_be_skipped_and_discontinuing_needs_a_reason() {
        let f = all_met();
        assert_eq!(
            transition(
                Stage::Assessment,
                &Transition::Advance(Stage::ReadyForDosing),
                &f
            )
            .expect_err("skip")
            .reasons,
            vec![Unmet::NotTheNextStage]
        );
        assert!(
            transition(
                Stage::Medication,
                &Transition::Discontinue {
                    reason: "  ".into()
                },
                &f
            )
            .is_err()
        );
        assert_eq!(
            transition(
                Stage::Medication,
                &Transition::Discontinue {
                    reason: "moved away".into()
                },
                &f
            ),
            Ok(Stage::Discontinued)
        );
        assert!(
            transition(
                Stage::Discontinued,
                &Transition::Advance(Stage::Preparation),
                &f
            )
            .is_err()
        );
    }

    fn any_facts() -> impl Strategy<Value = CourseFacts> {
        (
            proptest::collection::vec(any::<bool>(), 9),
            0u8..5,
            -30i64..30,
        )
            .prop_map(|(b, e, days)| {
                let today = date!(2026 - 12 - 01);
                CourseFacts {
                    intake_completed: b[0],
                    screening_reviewed: b[1],
                    kap_consent: b[2],
                    release_of_information: b[3],
                    preparation_signed_off: b[4],
                    referred: b[5],
                    eligibility: match e {
                        0 => None,
                        1 => Some(Eligibility::NotEligible),
                        2 => Some(Eligibility::MoreInformationNeeded),
                        _ => Some(Eligibility::Eligible {
                            valid_until: today + time::Duration::days(days),
                        }),
                    },
                    active_prescription: b[6],
                    medication_received_by_client: b[7],
                    support_person_named: b[8],
                    today,
                }
            })
    }

    /// A proof that the dosing gates held (only `gates::start` makes one).
    fn passed() -> crate::dosing::gates::GatesPassed {
        crate::dosing::gates::start(
            &crate::dosing::gates::tests::ready(),
            &crate::dosing::vitals::Thresholds::default(),
        )
        .expect("every gate holds")
    }

    fn any_transition() -> impl Strategy<Value = Transition> {
        prop_oneof![
            proptest::sample::select(Stage::ALL.to_vec()).prop_map(Transition::Advance),
            "[a-z ]{0,8}".prop_map(|reason| Transition::Discontinue { reason }),
            Just(Transition::SessionOpened(passed())),
            Just(Transition::SessionClosed),
            Just(Transition::Complete),
        ]
    }

    #[test]
    fn sessions_move_the_course_between_dosing_and_integration_until_it_is_completed() {
        let f = all_met();
        let mut s = Stage::ReadyForDosing;
        for (t, to) in [
            (Transition::SessionOpened(passed()), Stage::Dosing),
            (Transition::SessionClosed, Stage::Integration),
            (Transition::SessionOpened(passed()), Stage::Dosing),
            (Transition::SessionClosed, Stage::Integration),
            (Transition::Complete, Stage::Completed),
        ] {
            s = transition(s, &t, &f).expect("allowed");
            assert_eq!(s, to);
        }
        for t in [
            Transition::SessionOpened(passed()),
            Transition::Discontinue {
                reason: "moved".into(),
            },
        ] {
            assert_eq!(
                transition(Stage::Completed, &t, &f)
                    .expect_err("ended")
                    .reasons,
                vec![Unmet::CourseEnded]
            );
        }
        let refused = |from, t| transition(from, &t, &f).expect_err("refused").reasons;
        assert_eq!(
            refused(Stage::Medication, Transition::SessionOpened(passed())),
            vec![Unmet::NotReadyForDosing]
        );
        assert_eq!(
            refused(Stage::Integration, Transition::SessionClosed),
            vec![Unmet::NoSessionOpen]
        );
        assert_eq!(
            refused(Stage::Dosing, Transition::Complete),
            vec![Unmet::NotInIntegration]
        );
        assert_eq!(
            refused(Stage::ReadyForDosing, Transition::Advance(Stage::Dosing)),
            vec![Unmet::NotTheNextStage],
            "dosing starts only by opening a session"
        );
        assert_eq!(
            transition(
                Stage::Dosing,
                &Transition::Discontinue {
                    reason: "adverse event".into()
                },
                &f
            ),
            Ok(Stage::Discontinued)
        );
    }

    proptest! {
        /// Whatever happens in whatever order, "ready for dosing" is only ever entered with
        /// every gate of docs/domain.md §5 that this stage can know satisfied at that moment.
        #[test]
        fn ready_for_dosing_is_never_reached_without_its_gates(
            start in proptest::sample::select(Stage::ALL.to_vec()),
            steps in proptest::collection::vec((any_transition(), any_facts()), 1..30)
        ) {
            // From any stage, so the dosing ⇄ integration part is walked as often as the start.
            let mut s = start;
            for (t, f) in &steps {
                if let Ok(next) = transition(s, t, f) {
                    if next == Stage::ReadyForDosing {
                        prop_assert!(f.kap_consent && f.active_prescription && f.medication_received_by_client && f.support_person_named);
                        let eligible_now = matches!(f.eligibility, Some(Eligibility::Eligible { valid_until }) if valid_until >= f.today);
                        prop_assert!(eligible_now, "entered ready for dosing without current eligibility");
                    }
                    if next == Stage::MedicalEvaluation {
                        prop_assert!(f.kap_consent && f.release_of_information && f.preparation_signed_off && f.referred);
                    }
                    let allowed = match (t, next) {
                        (Transition::Discontinue { .. }, Stage::Discontinued) => true,
                        (Transition::Advance(_), _) => Some(next) == super::next(s),
                        (Transition::SessionOpened(_), Stage::Dosing) => {
                            matches!(s, Stage::ReadyForDosing | Stage::Integration)
                        }
                        (Transition::SessionClosed, Stage::Integration) => s == Stage::Dosing,
                        (Transition::Complete, Stage::Completed) => s == Stage::Integration,
                        _ => false,
                    };
                    prop_assert!(allowed, "{s:?} --{t:?}--> {next:?}");
                    prop_assert!(!ended(s), "an ended course moved");
                    s = next;
                }
            }
        }

        #[test]
        fn a_refusal_changes_nothing_and_always_says_why(from in proptest::sample::select(Stage::ALL.to_vec()), t in any_transition(), f in any_facts()) {
            if let Err(e) = transition(from, &t, &f) {
                prop_assert!(!e.reasons.is_empty());
            }
        }
    }
}
