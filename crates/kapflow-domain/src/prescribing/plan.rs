//! The prescriber's plan for the dosing sessions (docs/domain.md §3): how many sessions, how
//! many days at least between two, the dose per session, whether it may be taken in parts, and
//! the booster allowed. Doses are whole micrograms, never floats: "112.5 mg" is 112 500 µg, so a
//! dose reads back exactly as the prescriber typed it.

use crate::form::FieldErrors;
use crate::text::number_in;
use std::ops::RangeInclusive;

/// A course is usually 6–8 dosing sessions, some programmes up to 12 (docs/domain.md §2); 24
/// leaves room for a long programme and catches a slip like 60.
pub const SESSIONS_PLANNED: RangeInclusive<u32> = 1..=24;

/// Partner organisations usually allow at most one session a week (docs/domain.md §3); 0 lets a
/// prescriber allow two on one day, 60 is kapflow's bound on a sensible gap.
pub const MIN_DAYS_BETWEEN: RangeInclusive<u32> = 0..=60;

/// Doses outside 1–1000 mg are refused as typing slips; lozenge doses seen in KAP span 10–350 mg
/// (docs/domain.md §3), so this only catches what no one would prescribe.
pub const DOSE_UG: RangeInclusive<u32> = 1_000..=1_000_000;

/// The plan of a prescription made before plans were written: the usual six sessions a week
/// apart, the strength as the dose (what the migration's defaults say).
pub const USUAL_SESSIONS: u32 = 6;
pub const USUAL_DAYS_BETWEEN: u32 = 7;

/// The prescriber's plan, as validated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DosingPlan {
    pub sessions_planned: u32,
    pub min_days_between: u32,
    /// The dose per session, in micrograms.
    pub dose_ug: u32,
    /// The dose may be taken in parts (e.g. two halves).
    pub split_allowed: bool,
    /// The booster allowed after the dose, in micrograms; `None`: no booster.
    pub booster_ug: Option<u32>,
}

impl DosingPlan {
    /// The plan read for a prescription written without one: the strength is the dose.
    pub fn usual(strength_mg: u32) -> DosingPlan {
        DosingPlan {
            sessions_planned: USUAL_SESSIONS,
            min_days_between: USUAL_DAYS_BETWEEN,
            dose_ug: strength_mg.saturating_mul(1000),
            split_allowed: false,
            booster_ug: None,
        }
    }
}

/// A dose typed in milligrams, with at most three decimal places ("100", "112.5", "0.25 mg"),
/// as whole micrograms within `range`. `what` completes "Enter …".
pub fn milligrams(raw: &str, range: RangeInclusive<u32>, what: &str) -> Result<u32, String> {
    let v = raw.trim();
    let v = v
        .strip_suffix("mg")
        .or_else(|| v.strip_suffix("MG"))
        .or_else(|| v.strip_suffix("Mg"))
        .unwrap_or(v)
        .trim_end();
    if v.is_empty() {
        return Err(format!("Enter {what}."));
    }
    let format =
        || format!("Enter {what} as a number, like 100 or 112.5 (at most three decimal places).");
    let (whole, fraction) = v.split_once('.').unwrap_or((v, ""));
    let digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
    if whole.is_empty() && fraction.is_empty()
        || !digits(whole)
        || !digits(fraction)
        || fraction.len() > 3
        || (v.contains('.') && fraction.is_empty())
    {
        return Err(format());
    }
    let out_of_range = || {
        format!(
            "Enter {what} from {} to {}.",
            mg_text(*range.start()),
            mg_text(*range.end())
        )
    };
    // More than nine whole digits is out of range whatever they are; parse the rest exactly.
    let whole = whole.trim_start_matches('0');
    if whole.len() > 9 {
        return Err(out_of_range());
    }
    let whole: u64 = if whole.is_empty() {
        0
    } else {
        whole.parse().map_err(|_| format())?
    };
    let fraction: u64 = format!("{fraction:0<3}").parse().map_err(|_| format())?;
    let ug = whole * 1000 + fraction;
    match u32::try_from(ug) {
        Ok(ug) if range.contains(&ug) => Ok(ug),
        _ => Err(out_of_range()),
    }
}

/// Micrograms as a person reads a dose: "100 mg", "112.5 mg", "0.25 mg".
pub fn mg_text(ug: u32) -> String {
    let (whole, fraction) = (ug / 1000, ug % 1000);
    if fraction == 0 {
        format!("{whole} mg")
    } else {
        let f = format!("{fraction:03}");
        format!("{whole}.{} mg", f.trim_end_matches('0'))
    }
}

/// The plan's fields as typed on the prescription form.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(default)]
pub struct PlanInput {
    pub sessions_planned: String,
    pub min_days_between: String,
    pub dose_mg: String,
    /// A checkbox: "yes" when ticked, absent when not.
    pub split_allowed: String,
    pub booster_mg: String,
}

impl PlanInput {
    /// What a new prescription form starts with: the usual plan, no dose yet.
    pub fn usual() -> PlanInput {
        PlanInput {
            sessions_planned: USUAL_SESSIONS.to_string(),
            min_days_between: USUAL_DAYS_BETWEEN.to_string(),
            ..PlanInput::default()
        }
    }

    /// Validates the plan into `e`; `dispensed_ug` (strength × quantity, when both are valid)
    /// bounds the dose and the booster, since a session cannot take more than was dispensed.
    pub fn validate_into(
        &self,
        e: &mut FieldErrors,
        dispensed_ug: Option<u64>,
    ) -> Option<DosingPlan> {
        let sessions_planned = e.take(
            "sessions_planned",
            number_in(
                &self.sessions_planned,
                SESSIONS_PLANNED,
                "the number of dosing sessions planned",
            ),
        );
        let min_days_between = e.take(
            "min_days_between",
            number_in(
                &self.min_days_between,
                MIN_DAYS_BETWEEN,
                "the fewest days between two dosing sessions",
            ),
        );
        let dose_ug = e.take(
            "dose_mg",
            milligrams(&self.dose_mg, DOSE_UG, "the dose per session in mg"),
        );
        let split_allowed = e.take(
            "split_allowed",
            match self.split_allowed.trim() {
                "" => Ok(false),
                "yes" | "on" | "true" => Ok(true),
                _ => Err("Tick the box only if the dose may be taken in parts.".to_owned()),
            },
        );
        let booster_ug = if self.booster_mg.trim().is_empty() {
            Some(None)
        } else {
            e.take(
                "booster_mg",
                milligrams(&self.booster_mg, DOSE_UG, "the booster in mg").map(Some),
            )
        };
        if let (Some(total), Some(dose)) = (dispensed_ug, dose_ug) {
            let shown = |ug: u64| mg_text(u32::try_from(ug).unwrap_or(u32::MAX));
            if u64::from(dose) > total {
                e.add(
                    "dose_mg",
                    format!(
                        "The dose per session ({}) is more than the prescription dispenses in \
                         all (strength × quantity: {}).",
                        mg_text(dose),
                        shown(total)
                    ),
                );
            } else if let Some(Some(booster)) = booster_ug
                && u64::from(dose) + u64::from(booster) > total
            {
                e.add(
                    "booster_mg",
                    format!(
                        "The dose and the booster together ({}) are more than the prescription \
                         dispenses in all (strength × quantity: {}).",
                        shown(u64::from(dose) + u64::from(booster)),
                        shown(total)
                    ),
                );
            }
        }
        match (
            sessions_planned,
            min_days_between,
            dose_ug,
            split_allowed,
            booster_ug,
        ) {
            (
                Some(sessions_planned),
                Some(min_days_between),
                Some(dose_ug),
                Some(split_allowed),
                Some(booster_ug),
            ) => Some(DosingPlan {
                sessions_planned,
                min_days_between,
                dose_ug,
                split_allowed,
                booster_ug,
            }),
            _ => None,
        }
    }
}

/// The plan in one line for the record: "6 dosing sessions, at least 7 days apart; 150 mg per
/// session, may be taken in parts; booster up to 50 mg".
pub fn summary(p: &DosingPlan) -> String {
    let sessions = match p.sessions_planned {
        1 => "1 dosing session".to_owned(),
        n => format!("{n} dosing sessions"),
    };
    let apart = match p.min_days_between {
        0 => "no minimum gap".to_owned(),
        1 => "at least 1 day apart".to_owned(),
        n => format!("at least {n} days apart"),
    };
    let split = if p.split_allowed {
        "may be taken in parts"
    } else {
        "taken in one go"
    };
    let booster = match p.booster_ug {
        Some(b) => format!("booster up to {}", mg_text(b)),
        None => "no booster".to_owned(),
    };
    format!(
        "{sessions}, {apart}; {} per session, {split}; {booster}",
        mg_text(p.dose_ug)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn input(dose: &str, booster: &str) -> PlanInput {
        PlanInput {
            dose_mg: dose.into(),
            booster_mg: booster.into(),
            ..PlanInput::usual()
        }
    }

    fn plan(p: &PlanInput, dispensed: Option<u64>) -> Result<DosingPlan, FieldErrors> {
        let mut e = FieldErrors::default();
        let out = p.validate_into(&mut e, dispensed);
        out.filter(|_| e.is_empty()).ok_or(e)
    }

    #[test]
    fn milligrams_are_read_exactly_as_micrograms() {
        let mg = |s: &str| milligrams(s, DOSE_UG, "the dose per session in mg");
        assert_eq!(mg("100"), Ok(100_000));
        assert_eq!(mg(" 112.5 "), Ok(112_500));
        assert_eq!(
            mg("0.125"),
            Err("Enter the dose per session in mg from 1 mg to 1000 mg.".into())
        );
        assert_eq!(mg("1.005"), Ok(1_005));
        assert_eq!(mg("150 mg"), Ok(150_000));
        assert_eq!(mg("007.250"), Ok(7_250));
        assert_eq!(mg("1000"), Ok(1_000_000));
        assert_eq!(mg(""), Err("Enter the dose per session in mg.".into()));
        for bad in [
            "1.2345", "1,5", "-5", "1e3", ".", "5.", "abc", "1 000", "+5",
        ] {
            assert!(
                mg(bad).expect_err(bad).contains("like 100 or 112.5"),
                "{bad}"
            );
        }
        for out in ["0", "0.999", "1000.001", "99999999999999999999"] {
            assert!(
                mg(out).expect_err(out).contains("from 1 mg to 1000 mg"),
                "{out}"
            );
        }
        assert_eq!(
            mg(".5").map(mg_text),
            Err("Enter the dose per session in mg from 1 mg to 1000 mg.".into())
        );
    }

    #[test]
    fn a_plan_names_each_field_it_cannot_take() {
        let e = plan(
            &PlanInput {
                sessions_planned: "0".into(),
                min_days_between: "61".into(),
                dose_mg: "".into(),
                split_allowed: "maybe".into(),
                booster_mg: "lots".into(),
            },
            None,
        )
        .expect_err("refused");
        assert_eq!(
            e.get("sessions_planned"),
            Some("Enter the number of dosing sessions planned as a whole number from 1 to 24.")
        );
        assert_eq!(
            e.get("min_days_between"),
            Some(
                "Enter the fewest days between two dosing sessions as a whole number from 0 to 60."
            )
        );
        assert_eq!(e.get("dose_mg"), Some("Enter the dose per session in mg."));
        assert!(e.has("split_allowed") && e.has("booster_mg"));
        let ok = plan(&input("150", ""), Some(600_000)).expect("valid");
        assert_eq!(
            ok,
            DosingPlan {
                sessions_planned: 6,
                min_days_between: 7,
                dose_ug: 150_000,
                split_allowed: false,
                booster_ug: None,
            }
        );
        assert_eq!(
            summary(&ok),
            "6 dosing sessions, at least 7 days apart; 150 mg per session, taken in one go; no \
             booster"
        );
    }

    #[test]
    fn the_dose_and_booster_fit_in_what_is_dispensed() {
        let e = plan(&input("250", ""), Some(200_000)).expect_err("refused");
        assert_eq!(
            e.get("dose_mg"),
            Some(
                "The dose per session (250 mg) is more than the prescription dispenses in all \
                 (strength × quantity: 200 mg)."
            )
        );
        let e = plan(&input("150", "75.5"), Some(200_000)).expect_err("refused");
        assert!(e.get("booster_mg").expect("booster").contains("(225.5 mg)"));
        let split = PlanInput {
            split_allowed: "yes".into(),
            ..input("100", "50")
        };
        let p = plan(&split, Some(200_000)).expect("valid");
        assert_eq!((p.split_allowed, p.booster_ug), (true, Some(50_000)));
        assert!(summary(&p).ends_with("may be taken in parts; booster up to 50 mg"));
    }

    #[test]
    fn older_prescriptions_read_with_the_usual_plan() {
        assert_eq!(DosingPlan::usual(100).dose_ug, 100_000);
        assert_eq!(DosingPlan::usual(100).sessions_planned, 6);
    }

    proptest! {
        /// Any dose in range, written the way the page writes it, reads back to the same µg.
        #[test]
        fn a_dose_shown_reads_back_to_itself(ug in DOSE_UG) {
            let shown = mg_text(ug);
            prop_assert_eq!(milligrams(&shown, DOSE_UG, "x"), Ok(ug));
        }
    }
}
