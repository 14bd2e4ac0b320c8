//! Observation: a questionnaire's total score (with its LOINC code where one exists) and the
//! vital signs taken during a dosing session (LOINC codes, UCUM units).
//!
//! Codes from docs/domain.md §9. LOINC displays are left out on purpose: a display must be
//! LOINC's own long name, so each coding carries the code and the concept's `text` says what
//! it is in plain words.

use crate::r4::choice::Primitive;
use crate::r4::codes::ObservationStatus;
use crate::r4::resources::Observation;
use crate::r4::resources::observation::{
    ObservationComponent, ObservationComponentValue, ObservationEffective, ObservationValue,
};
use crate::r4::types;
use crate::values::{coded, string, words};
use fhir::coded::Coded;
use kapflow_domain::ClientId;
use kapflow_domain::dosing::vitals::Vitals;
use kapflow_domain::measures::{Scored, gad7, pcl5, phq9};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

const LOINC: &str = "http://loinc.org";
const UCUM: &str = "http://unitsofmeasure.org";
const CATEGORY: &str = "http://terminology.hl7.org/CodeSystem/observation-category";

/// The LOINC code of an instrument's total score and its name in words; `None` for the
/// C-SSRS (its screener has no verified code of its own) and the practice's own instruments.
pub fn total_score_code(instrument: &str) -> Option<(&'static str, &'static str)> {
    match instrument {
        phq9::CODE => Some(("44261-6", "PHQ-9 total score")),
        gad7::CODE => Some(("70274-6", "GAD-7 total score")),
        pcl5::CODE => Some(("101698-9", "PCL-5 total score")),
        _ => None,
    }
}

/// A questionnaire response's total as an Observation, its severity band as the
/// interpretation (in words); `None` when the instrument has no LOINC total.
pub fn total_score(
    id: &str,
    client: ClientId,
    completed_at: OffsetDateTime,
    scored: &Scored,
) -> Option<Observation> {
    let (code, text) = total_score_code(&scored.instrument)?;
    Some(Observation {
        value: Some(ObservationValue::Integer(Primitive::new(types::Integer(
            i32::try_from(scored.total).unwrap_or(i32::MAX),
        )))),
        interpretation: vec![words(&scored.band)],
        ..base(
            id,
            client,
            completed_at,
            ("survey", "Survey"),
            coded_with_text(LOINC, code, text),
        )
    })
}

/// One set of vital signs as Observations: the blood-pressure panel (systolic and diastolic
/// as components), heart rate, SpO2 and, when taken, respiratory rate. Ids are `id` with a
/// suffix per sign.
pub fn vital_signs(
    id: &str,
    client: ClientId,
    taken_at: OffsetDateTime,
    vitals: &Vitals,
) -> Vec<Observation> {
    let vital = |suffix: &str, code: &str, text: &str| {
        base(
            &format!("{id}-{suffix}"),
            client,
            taken_at,
            ("vital-signs", "Vital Signs"),
            coded_with_text(LOINC, code, text),
        )
    };
    let mut signs = vec![
        Observation {
            component: vec![
                component(
                    "8480-6",
                    "Systolic blood pressure",
                    vitals.systolic,
                    "mm[Hg]",
                    "mmHg",
                ),
                component(
                    "8462-4",
                    "Diastolic blood pressure",
                    vitals.diastolic,
                    "mm[Hg]",
                    "mmHg",
                ),
            ],
            ..vital("bp", "85354-9", "Blood pressure")
        },
        Observation {
            value: Some(ObservationValue::Quantity(Box::new(quantity(
                vitals.heart_rate,
                "/min",
                "beats/minute",
            )))),
            ..vital("hr", "8867-4", "Heart rate")
        },
        Observation {
            value: Some(ObservationValue::Quantity(Box::new(quantity(
                u16::from(vitals.spo2),
                "%",
                "%",
            )))),
            ..vital("spo2", "59408-5", "Oxygen saturation by pulse oximetry")
        },
    ];
    if let Some(rate) = vitals.respiratory_rate {
        signs.push(Observation {
            value: Some(ObservationValue::Quantity(Box::new(quantity(
                rate,
                "/min",
                "breaths/minute",
            )))),
            ..vital("rr", "9279-1", "Respiratory rate")
        });
    }
    signs
}

/// What every Observation here has: final, its category, its code, the client, the time.
fn base(
    id: &str,
    client: ClientId,
    at: OffsetDateTime,
    (category, category_display): (&str, &str),
    code: types::CodeableConcept,
) -> Observation {
    Observation {
        id: Some(string(id)),
        status: Coded::Known(ObservationStatus::Final),
        category: vec![coded(CATEGORY, category, category_display)],
        code,
        subject: Some(crate::patient::reference(client)),
        effective: Some(ObservationEffective::DateTime(Primitive::new(date_time(
            at,
        )))),
        ..Default::default()
    }
}

fn coded_with_text(system: &str, code: &str, text: &str) -> types::CodeableConcept {
    types::CodeableConcept {
        coding: vec![types::Coding {
            system: Some(types::Uri(system.to_owned())),
            code: Some(types::Code(code.to_owned())),
            ..Default::default()
        }],
        text: Some(string(text)),
        ..Default::default()
    }
}

fn component(code: &str, text: &str, value: u16, ucum: &str, unit: &str) -> ObservationComponent {
    ObservationComponent {
        code: coded_with_text(LOINC, code, text),
        value: Some(ObservationComponentValue::Quantity(Box::new(quantity(
            value, ucum, unit,
        )))),
        ..Default::default()
    }
}

/// A whole-number measurement in a UCUM unit.
fn quantity(value: u16, ucum: &str, unit: &str) -> types::Quantity {
    types::Quantity {
        value: Some(types::Decimal::from_json_number(&serde_json::Number::from(
            value,
        ))),
        unit: Some(string(unit)),
        system: Some(types::Uri(UCUM.to_owned())),
        code: Some(types::Code(ucum.to_owned())),
        ..Default::default()
    }
}

/// A FHIR dateTime in UTC, to the second as kapflow shows times.
pub(crate) fn date_time(at: OffsetDateTime) -> types::DateTime {
    let at = at
        .to_offset(time::UtcOffset::UTC)
        .replace_nanosecond(0)
        .unwrap_or(at);
    types::DateTime(at.format(&Rfc3339).unwrap_or_default())
}
