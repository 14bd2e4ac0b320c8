//! The forms a story fills in: the intake (a few with screening flags: benzodiazepines,
//! bipolar disorder, and high blood pressure for those the prescriber will find not eligible),
//! the preparation, and the prescriber's evaluation, prescription, shipment and receipt.

use super::load::Progress;
use super::practice_today;
use super::script::Step;
use super::story::{Exit, Story};
use super::words;
use anyhow::{Context, anyhow, bail};
use kapflow_domain::Actor;
use kapflow_domain::inquiry::Concern;
use kapflow_domain::intake::IntakeForm;
use kapflow_domain::preparation::{CHECKLIST, PreparationForm};
use kapflow_domain::prescribing::plan::DosingPlan;
use kapflow_domain::prescribing::{Decision, DoseForm, Evaluation, Prescription, Shipment};
use kapflow_store::{ClientAccess, Store};
use time::{Duration, OffsetDateTime};

fn pick<T: Copy>(list: &[T], n: u64, salt: u64) -> T {
    list[((n.wrapping_mul(31).wrapping_add(salt)) % list.len() as u64) as usize]
}

/// The completed intake of `story`.
pub fn intake(story: &Story) -> IntakeForm {
    let n = story.n;
    let benzodiazepines = n % 11 == 3;
    let psychiatric = story
        .person
        .concerns
        .iter()
        .map(|c| match c {
            Concern::Depression => {
                "Major depressive disorder, recurrent; two antidepressant trials"
            }
            Concern::Ptsd => "PTSD after a car accident; trauma-focused therapy in the past",
            Concern::Anxiety => "Generalised anxiety since early adulthood",
            Concern::ChronicPain => "Low mood with chronic back pain",
            Concern::Other => "Adjustment difficulties",
        })
        .collect::<Vec<_>>()
        .join("; ");
    IntakeForm {
        medical_history: pick(&words::MEDICAL_HISTORY, n, 1).into(),
        psychiatric_history: psychiatric,
        current_medications: if benzodiazepines {
            "Sertraline 100 mg daily; lorazepam 0.5 mg as needed".into()
        } else {
            pick(&words::MEDICATIONS, n, 2).into()
        },
        allergies: if n % 7 == 2 {
            "Penicillin (rash)"
        } else {
            "None known"
        }
        .into(),
        substance_use: pick(&words::SUBSTANCE_USE, n, 3).into(),
        prior_ketamine: pick(&words::PRIOR_KETAMINE, n, 4).into(),
        bp_history: String::new(),
        bp_systolic: story.systolic.to_string(),
        bp_diastolic: story.diastolic.to_string(),
        goals: pick(&words::GOALS, n, 5).into(),
        concerns: String::new(),
        hypertension_uncontrolled: story.exit == Some(Exit::NotEligible),
        bipolar_disorder: n % 23 == 7,
        takes_benzodiazepines: benzodiazepines,
        ..IntakeForm::default()
    }
}

/// The signed-off preparation of `story`: every topic of the checklist discussed.
pub fn preparation(story: &Story) -> PreparationForm {
    PreparationForm {
        intentions: pick(&words::INTENTIONS, story.n, 6).into(),
        discussed: CHECKLIST.iter().map(|(k, _)| (*k).to_owned()).collect(),
        notes: "Went through the consent and the day of a session; client has a ride home.".into(),
    }
}

fn prescription(story: &Story) -> Prescription {
    let r = story.regimen;
    let directions = match (r.split, r.booster_mg) {
        (true, _) => format!(
            "Hold one {} mg troche under the tongue in two halves 20 minutes apart, in session only.",
            r.strength_mg
        ),
        (false, Some(b)) => format!(
            "Hold one {} mg troche under the tongue 10–12 minutes in session; a {b} mg booster may be given once after 45 minutes.",
            r.strength_mg
        ),
        _ => format!(
            "Hold one {} mg troche under the tongue 10–12 minutes, then spit out; in session only.",
            r.strength_mg
        ),
    };
    Prescription {
        drug: "Ketamine HCl".into(),
        form: DoseForm::Troche,
        strength_mg: r.strength_mg,
        quantity: r.quantity(),
        directions,
        pharmacy: pick(&words::PHARMACIES, story.n, 7).into(),
        plan: DosingPlan {
            sessions_planned: r.sessions,
            min_days_between: r.days_between,
            dose_ug: r.dose_mg * 1000,
            split_allowed: r.split,
            booster_ug: r.booster_mg.map(|b| b * 1000),
        },
    }
}

/// The prescriber's acts on the referred client.
pub async fn prescriber_step(
    s: &Store,
    story: &Story,
    p: &mut Progress,
    step: &Step,
    a: &ClientAccess,
    by: &Actor,
    at: OffsetDateTime,
) -> anyhow::Result<()> {
    let rx = s.prescribing();
    let refused = |r| anyhow!("refused: {r:?}");
    match step {
        Step::Evaluate(decision) => {
            let (reasons, valid_until) = match decision {
                Decision::Eligible => (
                    "No contraindication found at the video evaluation; blood pressure within limits.",
                    Some(practice_today(at) + Duration::days(270)),
                ),
                Decision::NotEligible => (words::NOT_ELIGIBLE_REASONS, None),
                Decision::MoreInformationNeeded => (words::MORE_INFORMATION, None),
            };
            let eval = Evaluation {
                decision: *decision,
                reasons: reasons.into(),
                valid_until,
            };
            rx.record_evaluation(a, &eval, by, at)
                .await?
                .map_err(refused)?;
        }
        Step::Prescribe => {
            rx.prescribe(a, &prescription(story), by, at)
                .await?
                .map_err(refused)?;
        }
        Step::Ship => {
            let ship = Shipment {
                carrier: pick(&words::CARRIERS, story.n, 8).into(),
                tracking_number: format!("DEMO{:010}", story.n.wrapping_mul(7919) % 10_000_000_000),
                shipped_on: practice_today(at),
            };
            p.shipment = Some(
                rx.record_shipment(a, &ship, by, at)
                    .await?
                    .map_err(refused)?,
            );
        }
        Step::Receive => {
            let shipment = p.shipment.context("nothing shipped")?;
            rx.record_receipt(a, shipment, by, at)
                .await?
                .map_err(refused)?;
        }
        other => bail!("not a prescriber's step: {other:?}"),
    }
    Ok(())
}
