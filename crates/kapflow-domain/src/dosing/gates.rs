//! The gates a dosing session must pass before it opens (docs/domain.md §5): each unmet one is
//! named in plain words with the page that fixes it, all at once.

use super::vitals::{Level, Thresholds, Vitals, before_dosing};
use crate::pathway::Eligibility;
use time::Date;

/// Where the prescription's plan stands: how many dosing sessions it allows, how many were
/// held, how many days must pass between two, and when the last one was.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Plan {
    pub sessions_allowed: u16,
    pub sessions_held: u16,
    pub min_days_between: u16,
    pub last_session_on: Option<Date>,
}

/// The questionnaires due before a dose.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PreDoseMeasures {
    Done,
    /// Skipped today, with the therapist's reason.
    Skipped {
        reason: String,
    },
    Missing,
}

/// What is true on the day of a session, as the store finds it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StartFacts {
    pub today: Date,
    /// A signed, current (latest version, not revoked) KAP informed consent.
    pub kap_consent: bool,
    pub eligibility: Option<Eligibility>,
    /// The active prescription's plan; `None` when there is no active prescription.
    pub plan: Option<Plan>,
    /// The medication the client brought today is entered in the custody log.
    pub medication_logged_today: bool,
    /// The pre-dose vitals, if taken.
    pub pre_dose_vitals: Option<Vitals>,
    /// The therapist's reason for dosing despite a hold (confirmed with a code, audited).
    pub vitals_override: Option<String>,
    /// An open high-risk suicide alert for this client.
    pub open_high_risk_alert: bool,
    pub pre_dose_measures: PreDoseMeasures,
    /// The named person who takes the client home is confirmed for today.
    pub ride_home_confirmed: bool,
}

/// The page of the client record where a gate is met.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FixedOn {
    Consents,
    Prescriber,
    Session,
    Measures,
    Overview,
}

/// A gate that is not met.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum StartUnmet {
    NoKapConsent,
    NotEvaluated,
    NotEligible,
    EligibilityExpired,
    NoActivePrescription,
    NoDosesLeft,
    TooSoonAfterLastSession,
    MedicationNotLogged,
    NoPreDoseVitals,
    VitalsHold,
    VitalsUrgent,
    OpenHighRiskAlert,
    PreDoseMeasuresMissing,
    NoRideHome,
}

impl StartUnmet {
    pub fn message(self) -> &'static str {
        match self {
            StartUnmet::NoKapConsent => "There is no signed, current KAP informed consent.",
            StartUnmet::NotEvaluated => "The prescriber has not recorded an evaluation.",
            StartUnmet::NotEligible => "The prescriber has not found the client eligible.",
            StartUnmet::EligibilityExpired => "The prescriber's eligibility decision has expired.",
            StartUnmet::NoActivePrescription => "There is no active prescription.",
            StartUnmet::NoDosesLeft => {
                "The prescription's plan has no dosing sessions left: ask the prescriber."
            }
            StartUnmet::TooSoonAfterLastSession => {
                "Too soon after the last dosing session for the prescription's plan."
            }
            StartUnmet::MedicationNotLogged => {
                "The medication the client brought today is not entered in the custody log."
            }
            StartUnmet::NoPreDoseVitals => "Pre-dose vitals are not recorded.",
            StartUnmet::VitalsHold => {
                "The pre-dose vitals are above the hold threshold: dose only with a stated reason, confirmed with your code."
            }
            StartUnmet::VitalsUrgent => {
                "The pre-dose vitals are in the urgent range: do not dose today."
            }
            StartUnmet::OpenHighRiskAlert => {
                "A high-risk suicide alert is open: a clinician must acknowledge it first."
            }
            StartUnmet::PreDoseMeasuresMissing => {
                "The pre-dose questionnaires are not done (or skipped with a reason)."
            }
            StartUnmet::NoRideHome => "No named person is confirmed to take the client home today.",
        }
    }

    /// Where the therapist goes to meet it.
    pub fn fixed_on(self) -> FixedOn {
        match self {
            StartUnmet::NoKapConsent => FixedOn::Consents,
            StartUnmet::NotEvaluated
            | StartUnmet::NotEligible
            | StartUnmet::EligibilityExpired
            | StartUnmet::NoActivePrescription
            | StartUnmet::NoDosesLeft
            | StartUnmet::TooSoonAfterLastSession => FixedOn::Prescriber,
            StartUnmet::MedicationNotLogged
            | StartUnmet::NoPreDoseVitals
            | StartUnmet::VitalsHold
            | StartUnmet::VitalsUrgent => FixedOn::Session,
            StartUnmet::OpenHighRiskAlert | StartUnmet::PreDoseMeasuresMissing => FixedOn::Measures,
            StartUnmet::NoRideHome => FixedOn::Overview,
        }
    }
}

/// The proof that every start gate held: only [`start`] makes one, and only a transition with
/// one moves a course into a dosing session.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GatesPassed(());

/// Every gate of opening a dosing session; the proof only when all hold. An urgent pre-dose
/// reading cannot be overridden; a hold can, with a reason.
pub fn start(f: &StartFacts, t: &Thresholds) -> Result<GatesPassed, Vec<StartUnmet>> {
    let mut out = Vec::new();
    let mut need = |ok: bool, u: StartUnmet| {
        if !ok {
            out.push(u);
        }
    };
    need(f.kap_consent, StartUnmet::NoKapConsent);
    match f.eligibility {
        None => need(false, StartUnmet::NotEvaluated),
        Some(Eligibility::Eligible { valid_until }) => {
            need(valid_until >= f.today, StartUnmet::EligibilityExpired)
        }
        Some(Eligibility::NotEligible | Eligibility::MoreInformationNeeded) => {
            need(false, StartUnmet::NotEligible)
        }
    }
    match f.plan {
        None => need(false, StartUnmet::NoActivePrescription),
        Some(p) => {
            need(
                p.sessions_held < p.sessions_allowed,
                StartUnmet::NoDosesLeft,
            );
            let rested = p
                .last_session_on
                .is_none_or(|last| (f.today - last).whole_days() >= i64::from(p.min_days_between));
            need(rested, StartUnmet::TooSoonAfterLastSession);
        }
    }
    need(f.medication_logged_today, StartUnmet::MedicationNotLogged);
    match f.pre_dose_vitals {
        None => need(false, StartUnmet::NoPreDoseVitals),
        Some(v) => match super::vitals::worst(&before_dosing(&v, t)) {
            Some(Level::Urgent) => need(false, StartUnmet::VitalsUrgent),
            Some(_) => need(
                f.vitals_override
                    .as_deref()
                    .is_some_and(|r| !r.trim().is_empty()),
                StartUnmet::VitalsHold,
            ),
            None => {}
        },
    }
    need(!f.open_high_risk_alert, StartUnmet::OpenHighRiskAlert);
    let measures = match &f.pre_dose_measures {
        PreDoseMeasures::Done => true,
        PreDoseMeasures::Skipped { reason } => !reason.trim().is_empty(),
        PreDoseMeasures::Missing => false,
    };
    need(measures, StartUnmet::PreDoseMeasuresMissing);
    need(f.ride_home_confirmed, StartUnmet::NoRideHome);
    if out.is_empty() {
        Ok(GatesPassed(()))
    } else {
        Err(out)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::date;

    const TODAY: Date = date!(2026 - 12 - 02);

    fn calm() -> Vitals {
        Vitals {
            systolic: 120,
            diastolic: 80,
            heart_rate: 70,
            spo2: 98,
            respiratory_rate: None,
        }
    }

    /// A day on which every gate holds (other modules' tests take their proof from it).
    pub(crate) fn ready() -> StartFacts {
        StartFacts {
            today: TODAY,
            kap_consent: true,
            eligibility: Some(Eligibility::Eligible {
                valid_until: date!(2027 - 06 - 01),
            }),
            plan: Some(Plan {
                sessions_allowed: 6,
                sessions_held: 2,
                min_days_between: 7,
                last_session_on: Some(date!(2026 - 11 - 20)),
            }),
            medication_logged_today: true,
            pre_dose_vitals: Some(calm()),
            vitals_override: None,
            open_high_risk_alert: false,
            pre_dose_measures: PreDoseMeasures::Done,
            ride_home_confirmed: true,
        }
    }

    #[test]
    fn a_ready_session_opens_and_a_blank_one_names_every_gate() {
        let t = Thresholds::default();
        assert!(start(&ready(), &t).is_ok());
        let blank = StartFacts {
            kap_consent: false,
            eligibility: None,
            plan: None,
            medication_logged_today: false,
            pre_dose_vitals: None,
            open_high_risk_alert: true,
            pre_dose_measures: PreDoseMeasures::Missing,
            ride_home_confirmed: false,
            ..ready()
        };
        assert_eq!(
            start(&blank, &t),
            Err(vec![
                StartUnmet::NoKapConsent,
                StartUnmet::NotEvaluated,
                StartUnmet::NoActivePrescription,
                StartUnmet::MedicationNotLogged,
                StartUnmet::NoPreDoseVitals,
                StartUnmet::OpenHighRiskAlert,
                StartUnmet::PreDoseMeasuresMissing,
                StartUnmet::NoRideHome,
            ])
        );
    }

    #[test]
    fn the_plan_counts_sessions_and_days_between() {
        let t = Thresholds::default();
        let with = |p: Plan| StartFacts {
            plan: Some(p),
            ..ready()
        };
        let p = ready().plan.expect("plan");
        assert_eq!(
            start(
                &with(Plan {
                    sessions_held: 6,
                    ..p
                }),
                &t
            ),
            Err(vec![StartUnmet::NoDosesLeft])
        );
        assert_eq!(
            start(
                &with(Plan {
                    last_session_on: Some(date!(2026 - 11 - 26)),
                    ..p
                }),
                &t
            ),
            Err(vec![StartUnmet::TooSoonAfterLastSession])
        );
        assert_eq!(
            start(
                &with(Plan {
                    last_session_on: Some(date!(2026 - 11 - 25)),
                    ..p
                }),
                &t
            ),
            Ok(GatesPassed(())),
            "exactly seven days later"
        );
    }

    #[test]
    fn a_hold_needs_a_reason_and_an_urgent_reading_cannot_be_overridden() {
        let t = Thresholds::default();
        let high = |s, d, reason: Option<&str>| StartFacts {
            pre_dose_vitals: Some(Vitals {
                systolic: s,
                diastolic: d,
                ..calm()
            }),
            vitals_override: reason.map(str::to_owned),
            ..ready()
        };
        assert_eq!(
            start(&high(150, 85, None), &t),
            Err(vec![StartUnmet::VitalsHold])
        );
        assert_eq!(
            start(&high(150, 85, Some("  ")), &t),
            Err(vec![StartUnmet::VitalsHold])
        );
        assert!(start(&high(150, 85, Some("Anxious; rechecked, calm")), &t).is_ok());
        assert_eq!(
            start(&high(185, 85, Some("Anxious")), &t),
            Err(vec![StartUnmet::VitalsUrgent])
        );
    }

    #[test]
    fn expired_or_refused_eligibility_and_skipped_measures() {
        let t = Thresholds::default();
        let f = StartFacts {
            eligibility: Some(Eligibility::Eligible {
                valid_until: date!(2026 - 12 - 01),
            }),
            ..ready()
        };
        assert_eq!(start(&f, &t), Err(vec![StartUnmet::EligibilityExpired]));
        let f = StartFacts {
            eligibility: Some(Eligibility::NotEligible),
            ..ready()
        };
        assert_eq!(start(&f, &t), Err(vec![StartUnmet::NotEligible]));
        let skipped = |reason: &str| StartFacts {
            pre_dose_measures: PreDoseMeasures::Skipped {
                reason: reason.into(),
            },
            ..ready()
        };
        assert!(start(&skipped("Client too anxious to read"), &t).is_ok());
        assert_eq!(
            start(&skipped(""), &t),
            Err(vec![StartUnmet::PreDoseMeasuresMissing])
        );
    }

    fn facts() -> impl Strategy<Value = StartFacts> {
        (
            (
                any::<bool>(),
                0u8..4,
                any::<bool>(),
                0u16..8,
                0u16..8,
                0u16..15,
            ),
            (
                any::<bool>(),
                any::<bool>(),
                100u16..200,
                60u16..125,
                0u8..3,
            ),
            (any::<bool>(), 0u8..3, any::<bool>()),
        )
            .prop_map(
                |(
                    (consent, elig, has_plan, allowed, held, days_ago),
                    (logged, has_vitals, sys, dia, why),
                    (alert, measures, ride),
                )| StartFacts {
                    today: TODAY,
                    kap_consent: consent,
                    eligibility: match elig {
                        0 => None,
                        1 => Some(Eligibility::NotEligible),
                        2 => Some(Eligibility::Eligible {
                            valid_until: date!(2026 - 12 - 01),
                        }),
                        _ => Some(Eligibility::Eligible {
                            valid_until: date!(2027 - 12 - 01),
                        }),
                    },
                    plan: has_plan.then_some(Plan {
                        sessions_allowed: allowed,
                        sessions_held: held,
                        min_days_between: 7,
                        last_session_on: Some(TODAY - time::Duration::days(days_ago.into())),
                    }),
                    medication_logged_today: logged,
                    pre_dose_vitals: has_vitals.then_some(Vitals {
                        systolic: sys,
                        diastolic: dia,
                        ..calm()
                    }),
                    vitals_override: match why {
                        0 => None,
                        1 => Some(" ".into()),
                        _ => Some("Rechecked after rest".into()),
                    },
                    open_high_risk_alert: alert,
                    pre_dose_measures: match measures {
                        0 => PreDoseMeasures::Missing,
                        1 => PreDoseMeasures::Skipped {
                            reason: "Too unwell to read".into(),
                        },
                        _ => PreDoseMeasures::Done,
                    },
                    ride_home_confirmed: ride,
                },
            )
    }

    proptest! {
        /// A session opens exactly when every gate holds, read independently of `start`; a
        /// refusal names only gates that are really unmet, and at least one.
        #[test]
        fn a_session_opens_exactly_when_every_gate_holds(f in facts()) {
            let t = Thresholds::default();
            let plan_ok = f.plan.is_some_and(|p| {
                p.sessions_held < p.sessions_allowed
                    && p.last_session_on.is_none_or(|l| (f.today - l).whole_days() >= 7)
            });
            let eligible = matches!(f.eligibility, Some(Eligibility::Eligible { valid_until }) if valid_until >= f.today);
            let vitals_ok = f.pre_dose_vitals.is_some_and(|v| {
                let urgent = v.systolic >= 180 || v.diastolic >= 120;
                let hold = v.systolic > 140 || v.diastolic > 90;
                let reason = f.vitals_override.as_deref().is_some_and(|r| !r.trim().is_empty());
                !urgent && (!hold || reason)
            });
            let measures_ok = !matches!(f.pre_dose_measures, PreDoseMeasures::Missing);
            let all = f.kap_consent && eligible && plan_ok && f.medication_logged_today
                && vitals_ok && !f.open_high_risk_alert && measures_ok && f.ride_home_confirmed;
            match start(&f, &t) {
                Ok(_) => prop_assert!(all),
                Err(unmet) => {
                    prop_assert!(!all && !unmet.is_empty());
                    for u in unmet {
                        let really = match u {
                            StartUnmet::NoKapConsent => !f.kap_consent,
                            StartUnmet::NotEvaluated | StartUnmet::NotEligible | StartUnmet::EligibilityExpired => !eligible,
                            StartUnmet::NoActivePrescription | StartUnmet::NoDosesLeft | StartUnmet::TooSoonAfterLastSession => !plan_ok,
                            StartUnmet::MedicationNotLogged => !f.medication_logged_today,
                            StartUnmet::NoPreDoseVitals | StartUnmet::VitalsHold | StartUnmet::VitalsUrgent => !vitals_ok,
                            StartUnmet::OpenHighRiskAlert => f.open_high_risk_alert,
                            StartUnmet::PreDoseMeasuresMissing => !measures_ok,
                            StartUnmet::NoRideHome => !f.ride_home_confirmed,
                        };
                        prop_assert!(really, "{u:?} named but met");
                    }
                }
            }
        }
    }
}
