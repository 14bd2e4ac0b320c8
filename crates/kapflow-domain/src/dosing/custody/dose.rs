//! How much may be taken in one session (docs/domain.md §3: the prescriber alone sets the dose;
//! some split it into two parts plus an optional booster). A dose entry is refused when it
//! would take the session's doses past the prescribed dose, or be a second part of a dose the
//! prescription does not allow to be split; a booster only if the prescription allows one, at
//! most one, up to its amount, and after the dose.

use super::{CustodyKind, mg};

/// What the session's prescription allows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DoseAllowance {
    /// The dose for one session, in µg (all parts together).
    pub dose_ug: i64,
    /// Whether the dose may be taken in more than one part.
    pub split_allowed: bool,
    /// The booster allowed, in µg; `None`: no booster.
    pub booster_ug: Option<i64>,
}

/// Medication taken: a dose (or one part of it) or a booster, and how much.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Taken {
    pub kind: CustodyKind,
    pub amount_ug: i64,
}

/// Why an amount may not be given, in a clinician's words.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DoseRefused {
    /// Only doses and boosters are checked against the prescription.
    NotMedicationTaken,
    /// A second part of a dose the prescription does not allow to be split.
    NotSplit,
    /// The parts would add up to more than the prescribed dose.
    OverDose {
        prescribed_ug: i64,
        taken_ug: i64,
        asked_ug: i64,
    },
    NoBoosterPrescribed,
    BoosterBeforeDose,
    BoosterAlreadyTaken,
    OverBooster {
        allowed_ug: i64,
        asked_ug: i64,
    },
    /// An amount of nothing (or less) is not medication taken.
    NoAmount,
}

impl DoseRefused {
    pub fn message(&self) -> String {
        match *self {
            DoseRefused::NotMedicationTaken => {
                "Only a dose or a booster is checked against the prescription.".into()
            }
            DoseRefused::NotSplit => "A dose is already recorded for this session and the \
                 prescription does not allow the dose to be taken in parts."
                .into(),
            DoseRefused::OverDose {
                prescribed_ug,
                taken_ug,
                asked_ug,
            } => {
                let left = (prescribed_ug - taken_ug).max(0);
                if taken_ug == 0 {
                    format!(
                        "{} mg is more than the prescribed dose of {} mg.",
                        mg(asked_ug),
                        mg(prescribed_ug)
                    )
                } else {
                    format!(
                        "{} mg would make {} mg this session; the prescribed dose is {} mg and \
                         {} mg is already taken, so at most {} mg more.",
                        mg(asked_ug),
                        mg(taken_ug + asked_ug),
                        mg(prescribed_ug),
                        mg(taken_ug),
                        mg(left)
                    )
                }
            }
            DoseRefused::NoBoosterPrescribed => "The prescription allows no booster.".into(),
            DoseRefused::BoosterBeforeDose => "Record the dose before a booster.".into(),
            DoseRefused::BoosterAlreadyTaken => {
                "A booster is already recorded for this session; only one is allowed.".into()
            }
            DoseRefused::OverBooster {
                allowed_ug,
                asked_ug,
            } => format!(
                "{} mg is more than the booster the prescription allows ({} mg).",
                mg(asked_ug),
                mg(allowed_ug)
            ),
            DoseRefused::NoAmount => "Enter the amount taken.".into(),
        }
    }
}

impl std::fmt::Display for DoseRefused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message())
    }
}

/// Whether `new` may be taken after `earlier` (the session's doses and boosters already
/// logged, in any order) under `allowance`.
pub fn check_dose(
    allowance: &DoseAllowance,
    earlier: &[Taken],
    new: Taken,
) -> Result<(), DoseRefused> {
    if new.amount_ug <= 0 {
        return Err(DoseRefused::NoAmount);
    }
    let of = |kind| earlier.iter().filter(move |t| t.kind == kind);
    let doses = of(CustodyKind::Dose).count();
    // Saturating: stored amounts are bounded, but a sum must never wrap round into "allowed".
    let taken_ug = of(CustodyKind::Dose).fold(0i64, |s, t| s.saturating_add(t.amount_ug));
    match new.kind {
        CustodyKind::Dose => {
            if doses > 0 && !allowance.split_allowed {
                return Err(DoseRefused::NotSplit);
            }
            if taken_ug.saturating_add(new.amount_ug) > allowance.dose_ug {
                return Err(DoseRefused::OverDose {
                    prescribed_ug: allowance.dose_ug,
                    taken_ug,
                    asked_ug: new.amount_ug,
                });
            }
            Ok(())
        }
        CustodyKind::Booster => {
            let Some(allowed_ug) = allowance.booster_ug else {
                return Err(DoseRefused::NoBoosterPrescribed);
            };
            if doses == 0 {
                return Err(DoseRefused::BoosterBeforeDose);
            }
            if of(CustodyKind::Booster).next().is_some() {
                return Err(DoseRefused::BoosterAlreadyTaken);
            }
            if new.amount_ug > allowed_ug {
                return Err(DoseRefused::OverBooster {
                    allowed_ug,
                    asked_ug: new.amount_ug,
                });
            }
            Ok(())
        }
        _ => Err(DoseRefused::NotMedicationTaken),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const DOSE: CustodyKind = CustodyKind::Dose;
    const BOOSTER: CustodyKind = CustodyKind::Booster;

    fn t(kind: CustodyKind, amount_ug: i64) -> Taken {
        Taken { kind, amount_ug }
    }

    fn rx(dose_ug: i64, split_allowed: bool, booster_ug: Option<i64>) -> DoseAllowance {
        DoseAllowance {
            dose_ug,
            split_allowed,
            booster_ug,
        }
    }

    #[test]
    fn a_whole_dose_once_without_a_split() {
        let a = rx(100_000, false, None);
        assert_eq!(check_dose(&a, &[], t(DOSE, 100_000)), Ok(()));
        assert_eq!(check_dose(&a, &[], t(DOSE, 50_000)), Ok(()));
        assert_eq!(
            check_dose(&a, &[t(DOSE, 50_000)], t(DOSE, 50_000)),
            Err(DoseRefused::NotSplit)
        );
        let over = check_dose(&a, &[], t(DOSE, 100_001)).expect_err("over");
        assert_eq!(
            over.message(),
            "100.001 mg is more than the prescribed dose of 100 mg."
        );
        assert_eq!(
            check_dose(&a, &[t(DOSE, 100_000)], t(BOOSTER, 1)),
            Err(DoseRefused::NoBoosterPrescribed)
        );
    }

    #[test]
    fn a_split_dose_up_to_the_prescribed_total_and_one_booster_after_it() {
        let a = rx(100_000, true, Some(25_000));
        let half = t(DOSE, 50_000);
        assert_eq!(check_dose(&a, &[half], half), Ok(()));
        let refused = check_dose(&a, &[half, half], t(DOSE, 500)).expect_err("over");
        assert_eq!(
            refused.message(),
            "0.5 mg would make 100.5 mg this session; the prescribed dose is 100 mg and 100 mg \
             is already taken, so at most 0 mg more."
        );
        assert_eq!(
            check_dose(&a, &[], t(BOOSTER, 25_000)),
            Err(DoseRefused::BoosterBeforeDose)
        );
        assert_eq!(check_dose(&a, &[half, half], t(BOOSTER, 25_000)), Ok(()));
        assert_eq!(
            check_dose(&a, &[half], t(BOOSTER, 25_001)).map_err(|e| e.message()),
            Err("25.001 mg is more than the booster the prescription allows (25 mg).".into())
        );
        assert_eq!(
            check_dose(&a, &[half, t(BOOSTER, 10_000)], t(BOOSTER, 10_000)),
            Err(DoseRefused::BoosterAlreadyTaken)
        );
        // A booster does not count against the dose.
        assert_eq!(check_dose(&a, &[half, t(BOOSTER, 25_000)], half), Ok(()));
        assert_eq!(
            check_dose(&a, &[], t(CustodyKind::Returned, 1)),
            Err(DoseRefused::NotMedicationTaken)
        );
        assert_eq!(check_dose(&a, &[], t(DOSE, 0)), Err(DoseRefused::NoAmount));
    }

    proptest! {
        /// Whatever is attempted, in whatever order, what is let through never exceeds the
        /// prescription: doses sum to at most the dose (and are one unless it may be split),
        /// and there is at most one booster, within its amount, and none without one.
        #[test]
        fn no_sequence_of_entries_exceeds_the_prescription(
            dose_ug in 1i64..=500_000,
            split_allowed in any::<bool>(),
            booster_ug in proptest::option::of(1i64..=200_000),
            attempts in proptest::collection::vec((any::<bool>(), -10i64..=600_000), 0..12),
        ) {
            let a = rx(dose_ug, split_allowed, booster_ug);
            let mut logged: Vec<Taken> = Vec::new();
            for (booster, amount_ug) in attempts {
                let new = t(if booster { BOOSTER } else { DOSE }, amount_ug);
                if check_dose(&a, &logged, new).is_ok() {
                    logged.push(new);
                }
            }
            let doses: Vec<i64> = logged.iter().filter(|x| x.kind == DOSE).map(|x| x.amount_ug).collect();
            let boosters: Vec<i64> = logged.iter().filter(|x| x.kind == BOOSTER).map(|x| x.amount_ug).collect();
            prop_assert!(doses.iter().sum::<i64>() <= dose_ug);
            prop_assert!(logged.iter().all(|x| x.amount_ug > 0));
            prop_assert!(split_allowed || doses.len() <= 1);
            prop_assert!(boosters.len() <= 1);
            match booster_ug {
                None => prop_assert!(boosters.is_empty()),
                Some(b) => prop_assert!(boosters.iter().all(|x| *x <= b)),
            }
            // A booster only ever follows a dose.
            if let Some(i) = logged.iter().position(|x| x.kind == BOOSTER) {
                prop_assert!(logged[..i].iter().any(|x| x.kind == DOSE));
            }
        }

        /// Within the prescription, a first dose of any amount up to it is never refused.
        #[test]
        fn a_first_dose_within_the_prescription_is_allowed(dose_ug in 1i64..=500_000, frac in 1i64..=100) {
            let amount = (dose_ug * frac / 100).max(1);
            prop_assert_eq!(check_dose(&rx(dose_ug, false, None), &[], t(DOSE, amount)), Ok(()));
        }
    }
}
