//! What the partner prescriber records (docs/domain.md §2–3): the evaluation, the
//! prescription, the shipment, and answers to dose-change requests. The therapist can only
//! *ask* for a dose change; nothing here lets anyone but the prescriber set a dose.

pub mod plan;

use crate::form::FieldErrors;
use crate::pathway::Eligibility;
use crate::text::{
    date_within, days_from, number_in, optional_line, required_line, required_text, years_from,
};
use plan::{DosingPlan, PlanInput};
use time::Date;

crate::named_enum! {
    /// The prescriber's decision on an evaluation.
    pub enum Decision {
        Eligible = "eligible", "Eligible";
        NotEligible = "not_eligible", "Not eligible";
        MoreInformationNeeded = "more_information_needed", "More information needed";
    }
}

/// The stored decision as the pathway reads it.
pub fn eligibility(decision: Decision, valid_until: Option<Date>) -> Option<Eligibility> {
    match (decision, valid_until) {
        (Decision::Eligible, Some(valid_until)) => Some(Eligibility::Eligible { valid_until }),
        // An "eligible" without an expiry cannot be stored (validation); treat it as no decision.
        (Decision::Eligible, None) => None,
        (Decision::NotEligible, _) => Some(Eligibility::NotEligible),
        (Decision::MoreInformationNeeded, _) => Some(Eligibility::MoreInformationNeeded),
    }
}

/// The dates an eligibility may be "valid until", given the practice's `today`: from yesterday (a
/// day of slack: the prescriber, elsewhere, may be a day behind) to two years ahead. No source sets a
/// longest validity; two years is kapflow's bound on what a prescriber would sign, so 9999 or a
/// decade is caught as the typing slip it is.
pub fn valid_until_window(today: Date) -> (Date, Date) {
    (days_from(today, -1), years_from(today, 2))
}

/// The dates a shipment may be recorded as shipped on: from a year ago (older is a typing slip,
/// not a shipment still on its way) to tomorrow (a day of slack: the pharmacy, elsewhere, may
/// be a day ahead; a shipment is recorded once it has gone, never in advance).
pub fn shipped_on_window(today: Date) -> (Date, Date) {
    (years_from(today, -1), days_from(today, 1))
}

#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(default)]
pub struct EvaluationInput {
    pub decision: String,
    pub reasons: String,
    pub valid_until: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Evaluation {
    pub decision: Decision,
    pub reasons: String,
    pub valid_until: Option<Date>,
}

impl EvaluationInput {
    pub fn validate(&self, today: Date) -> Result<Evaluation, FieldErrors> {
        let mut e = FieldErrors::default();
        let decision = e.take(
            "decision",
            Decision::parse(&self.decision).ok_or_else(|| "Choose a decision.".to_owned()),
        );
        let reasons = e.take(
            "reasons",
            required_text(&self.reasons, 4000, "the reasons for the decision"),
        );
        let valid_until = match decision {
            Some(Decision::Eligible) => e.take("valid_until", {
                let (earliest, latest) = valid_until_window(today);
                date_within(
                    &self.valid_until,
                    "the date eligibility is valid until",
                    earliest,
                    latest,
                )
            }),
            _ => None,
        };
        match (decision, reasons) {
            (Some(decision), Some(reasons)) if e.is_empty() => Ok(Evaluation {
                decision,
                reasons,
                valid_until,
            }),
            _ => Err(e),
        }
    }
}

crate::named_enum! {
    /// Sublingual forms (docs/domain.md §3).
    pub enum DoseForm {
        Troche = "troche", "Troche (lozenge)";
        RapidDissolveTablet = "rdt", "Rapid-dissolve tablet";
    }
}

/// Strengths outside this are refused as likely typing errors; lozenge doses seen in KAP span
/// 10–350 mg (docs/domain.md §3).
pub const STRENGTH_MG: std::ops::RangeInclusive<u32> = 1..=500;

#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(default)]
pub struct PrescriptionInput {
    pub drug: String,
    pub form: String,
    pub strength_mg: String,
    pub quantity: String,
    pub directions: String,
    pub pharmacy: String,
    /// The plan's fields, typed on the same form.
    #[serde(flatten)]
    pub plan: PlanInput,
}

/// The fields of the prescription form, in the order the page shows them.
pub const PRESCRIPTION_FIELDS: &[&str] = &[
    "drug",
    "form",
    "strength_mg",
    "quantity",
    "sessions_planned",
    "min_days_between",
    "dose_mg",
    "split_allowed",
    "booster_mg",
    "directions",
    "pharmacy",
];

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Prescription {
    pub drug: String,
    pub form: DoseForm,
    pub strength_mg: u32,
    pub quantity: u32,
    pub directions: String,
    pub pharmacy: String,
    /// How many sessions, how far apart, and the dose per session.
    pub plan: DosingPlan,
}

impl PrescriptionInput {
    pub fn validate(&self) -> Result<Prescription, FieldErrors> {
        let mut e = FieldErrors::in_form_order(PRESCRIPTION_FIELDS);
        let drug = e.take("drug", required_line(&self.drug, 120, "the drug"));
        let form = e.take(
            "form",
            DoseForm::parse(&self.form)
                .ok_or_else(|| "Choose troche or rapid-dissolve tablet.".to_owned()),
        );
        let strength_mg = e.take(
            "strength_mg",
            number_in(&self.strength_mg, STRENGTH_MG, "the strength in mg"),
        );
        let quantity = e.take(
            "quantity",
            number_in(&self.quantity, 1..=100, "the quantity"),
        );
        let directions = e.take(
            "directions",
            required_text(&self.directions, 2000, "the directions"),
        );
        let pharmacy = e.take(
            "pharmacy",
            required_line(&self.pharmacy, 200, "the pharmacy"),
        );
        let dispensed_ug = strength_mg
            .zip(quantity)
            .map(|(s, q)| u64::from(s) * u64::from(q) * 1000);
        let plan = self.plan.validate_into(&mut e, dispensed_ug);
        match (
            drug,
            form,
            strength_mg,
            quantity,
            directions,
            pharmacy,
            plan,
        ) {
            (
                Some(drug),
                Some(form),
                Some(strength_mg),
                Some(quantity),
                Some(directions),
                Some(pharmacy),
                Some(plan),
            ) if e.is_empty() => Ok(Prescription {
                drug,
                form,
                strength_mg,
                quantity,
                directions,
                pharmacy,
                plan,
            }),
            _ => Err(e),
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(default)]
pub struct ShipmentInput {
    pub carrier: String,
    pub tracking_number: String,
    pub shipped_on: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Shipment {
    pub carrier: String,
    pub tracking_number: String,
    pub shipped_on: Date,
}

impl ShipmentInput {
    pub fn validate(&self, today: Date) -> Result<Shipment, FieldErrors> {
        let mut e = FieldErrors::default();
        let carrier = e.take("carrier", required_line(&self.carrier, 80, "the carrier"));
        let tracking_number = e.take(
            "tracking_number",
            required_line(&self.tracking_number, 80, "the tracking number"),
        );
        let shipped_on = e.take("shipped_on", {
            let (earliest, latest) = shipped_on_window(today);
            date_within(&self.shipped_on, "the date it shipped", earliest, latest)
        });
        match (carrier, tracking_number, shipped_on) {
            (Some(carrier), Some(tracking_number), Some(shipped_on)) if e.is_empty() => {
                Ok(Shipment {
                    carrier,
                    tracking_number,
                    shipped_on,
                })
            }
            _ => Err(e),
        }
    }
}

/// The therapist's request: words, never a new dose field.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(default)]
pub struct DoseChangeRequestInput {
    pub request: String,
}

impl DoseChangeRequestInput {
    pub fn validate(&self) -> Result<String, FieldErrors> {
        let mut e = FieldErrors::default();
        let r = e.take(
            "request",
            required_text(&self.request, 2000, "what change you suggest and why"),
        );
        r.filter(|_| e.is_empty()).ok_or(e)
    }
}

crate::named_enum! {
    /// The prescriber's answer to a dose-change request.
    pub enum DoseAnswer {
        Approved = "approved", "Approved";
        Declined = "declined", "Declined";
    }
}

/// The prescriber's answer. Approving changes the dose only through a new strength here,
/// which replaces the active prescription: the new strength is the new dose per session (the
/// request asks for a dose), and the rest of the plan carries over.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(default)]
pub struct DoseChangeAnswerInput {
    pub answer: String,
    pub note: String,
    pub new_strength_mg: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DoseChangeAnswer {
    pub answer: DoseAnswer,
    pub note: String,
    pub new_strength_mg: Option<u32>,
}

impl DoseChangeAnswerInput {
    pub fn validate(&self) -> Result<DoseChangeAnswer, FieldErrors> {
        let mut e = FieldErrors::default();
        let answer = e.take(
            "answer",
            DoseAnswer::parse(&self.answer).ok_or_else(|| "Choose approve or decline.".to_owned()),
        );
        let note = e.take(
            "note",
            required_text(&self.note, 2000, "a note for the therapist"),
        );
        let new_strength_mg = match answer {
            Some(DoseAnswer::Approved) => e.take(
                "new_strength_mg",
                number_in(&self.new_strength_mg, STRENGTH_MG, "the new strength in mg"),
            ),
            _ => {
                if !self.new_strength_mg.trim().is_empty() {
                    e.add(
                        "new_strength_mg",
                        "Leave the strength empty when declining.",
                    );
                }
                None
            }
        };
        match (answer, note) {
            (Some(answer), Some(note)) if e.is_empty() => Ok(DoseChangeAnswer {
                answer,
                note,
                new_strength_mg,
            }),
            _ => Err(e),
        }
    }
}

/// A message between therapist and prescriber about a client.
pub fn message_body(raw: &str) -> Result<String, FieldErrors> {
    let mut e = FieldErrors::default();
    let m = e.take("body", required_text(raw, 4000, "a message"));
    m.filter(|_| e.is_empty()).ok_or(e)
}

/// A break-glass reason: required, one line.
/// The reason for breaking the glass: a real sentence, at least `min_chars` characters (a
/// practice setting), so "x" or "urgent" cannot open a record outside one's care.
pub const BREAK_GLASS_MIN_REASON: u32 = 20;

pub fn break_glass_reason(raw: &str, min_chars: u32) -> Result<String, FieldErrors> {
    let mut e = FieldErrors::default();
    let m = e.take(
        "reason",
        required_line(raw, 300, "why you need this record now").and_then(|r| {
            if (r.chars().count() as u32) < min_chars {
                Err(format!(
                    "Say why you need this record now in at least {min_chars} characters, for \
                     example who called and what they need."
                ))
            } else {
                Ok(r)
            }
        }),
    );
    m.filter(|_| e.is_empty()).ok_or(e)
}

/// A discontinuation or other reason that must be stated.
pub fn reason(raw: &str, what: &str) -> Result<String, FieldErrors> {
    let mut e = FieldErrors::default();
    let m = e.take("reason", required_line(raw, 500, what));
    m.filter(|_| e.is_empty()).ok_or(e)
}

/// An optional one-line note (e.g. who received a shipment).
pub fn optional_note(raw: &str) -> Result<Option<String>, FieldErrors> {
    let mut e = FieldErrors::default();
    let m = e.take("note", optional_line(raw, 300));
    m.filter(|_| e.is_empty()).ok_or(e)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    const TODAY: Date = date!(2026 - 11 - 29);

    #[test]
    fn eligible_needs_a_future_expiry_and_reasons() {
        let e = EvaluationInput {
            decision: "eligible".into(),
            ..Default::default()
        }
        .validate(TODAY)
        .expect_err("refused");
        assert!(e.has("reasons") && e.has("valid_until"));
        let ok = EvaluationInput {
            decision: "eligible".into(),
            reasons: "No contraindications; BP controlled.".into(),
            valid_until: "2027-05-29".into(),
        }
        .validate(TODAY)
        .expect("valid");
        assert_eq!(
            eligibility(ok.decision, ok.valid_until),
            Some(Eligibility::Eligible {
                valid_until: date!(2027 - 05 - 29)
            })
        );
        let not = EvaluationInput {
            decision: "not_eligible".into(),
            reasons: "Psychosis history".into(),
            valid_until: String::new(),
        }
        .validate(TODAY)
        .expect("valid");
        assert_eq!(
            eligibility(not.decision, None),
            Some(Eligibility::NotEligible)
        );
    }

    #[test]
    fn a_prescription_is_complete_or_refused() {
        let e = PrescriptionInput::default()
            .validate()
            .expect_err("refused");
        for f in [
            "drug",
            "form",
            "strength_mg",
            "quantity",
            "directions",
            "pharmacy",
            "sessions_planned",
            "min_days_between",
            "dose_mg",
        ] {
            assert!(e.has(f), "{f}");
        }
        // The summary reads like the form: the plan's fields stand between quantity and
        // directions.
        let order: Vec<_> = e.iter().map(|(f, _)| f).collect();
        assert_eq!(
            order[4..7],
            ["sessions_planned", "min_days_between", "dose_mg"]
        );
        let p = PrescriptionInput {
            drug: "Ketamine HCl".into(),
            form: "troche".into(),
            strength_mg: "100".into(),
            quantity: "6".into(),
            directions: "Dissolve one under the tongue in session.".into(),
            pharmacy: "Compounding Pharmacy".into(),
            plan: PlanInput {
                dose_mg: "100".into(),
                ..PlanInput::usual()
            },
        };
        let rx = p.validate().expect("valid");
        assert_eq!((rx.strength_mg, rx.plan.dose_ug), (100, 100_000));
        // A dose larger than strength × quantity is refused beside the dose.
        let too_much = PrescriptionInput {
            quantity: "1".into(),
            plan: PlanInput {
                dose_mg: "150".into(),
                ..PlanInput::usual()
            },
            ..p.clone()
        };
        assert!(too_much.validate().expect_err("refused").has("dose_mg"));
        let typo = PrescriptionInput {
            strength_mg: "1000".into(),
            ..p
        };
        assert!(typo.validate().expect_err("refused").has("strength_mg"));
    }

    #[test]
    fn dose_answers_carry_a_strength_only_when_approved() {
        let ok = DoseChangeAnswerInput {
            answer: "approved".into(),
            note: "Increase".into(),
            new_strength_mg: "150".into(),
        };
        assert_eq!(ok.validate().expect("valid").new_strength_mg, Some(150));
        let bad = DoseChangeAnswerInput {
            answer: "declined".into(),
            note: "No".into(),
            new_strength_mg: "150".into(),
        };
        assert!(bad.validate().expect_err("refused").has("new_strength_mg"));
        assert!(DoseChangeRequestInput::default().validate().is_err());
    }

    #[test]
    fn shipments_are_not_dated_in_the_future() {
        let s = ShipmentInput {
            carrier: "UPS".into(),
            tracking_number: "1Z999".into(),
            shipped_on: "2026-12-01".into(),
        };
        assert!(s.validate(TODAY).expect_err("refused").has("shipped_on"));
        assert!(break_glass_reason(" ", 20).is_err());
        assert!(break_glass_reason("urgent", 20).is_err());
        assert!(break_glass_reason("Crisis call, therapist away", 20).is_ok());
        assert!(break_glass_reason("urgent", 5).is_ok());
        assert!(message_body("hello").is_ok());
    }

    #[test]
    fn a_shipment_is_dated_from_a_year_ago_to_tomorrow() {
        let on = |d: &str| {
            ShipmentInput {
                carrier: "UPS".into(),
                tracking_number: "1Z999".into(),
                shipped_on: d.into(),
            }
            .validate(TODAY)
        };
        assert_eq!(
            shipped_on_window(TODAY),
            (date!(2025 - 11 - 29), date!(2026 - 11 - 30))
        );
        for ok in ["2025-11-29", "2026-11-29", "2026-11-30"] {
            assert!(on(ok).is_ok(), "{ok}");
        }
        for bad in ["1900-01-01", "2025-11-28", "2026-12-01", "9999-12-31"] {
            let e = on(bad).expect_err("refused");
            assert_eq!(
                e.get("shipped_on"),
                Some("Enter the date it shipped between 29 November 2025 and 30 November 2026."),
                "{bad}"
            );
        }
    }

    #[test]
    fn eligibility_is_valid_until_a_date_in_the_next_two_years() {
        let until = |d: &str| {
            EvaluationInput {
                decision: "eligible".into(),
                reasons: "No contraindications.".into(),
                valid_until: d.into(),
            }
            .validate(TODAY)
        };
        assert_eq!(
            valid_until_window(TODAY),
            (date!(2026 - 11 - 28), date!(2028 - 11 - 29))
        );
        for ok in ["2026-11-28", "2027-05-29", "2028-11-29"] {
            assert!(until(ok).is_ok(), "{ok}");
        }
        for bad in ["1900-01-01", "2026-11-27", "2028-11-30", "9999-12-31"] {
            let e = until(bad).expect_err("refused");
            assert_eq!(
                e.get("valid_until"),
                Some(
                    "Enter the date eligibility is valid until between 28 November 2026 and 29 \
                     November 2028."
                ),
                "{bad}"
            );
        }
    }
}
