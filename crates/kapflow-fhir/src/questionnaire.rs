//! Questionnaire and QuestionnaireResponse: the measures as instruments (PHQ-9, GAD-7, PCL-5
//! with their LOINC panel codes; the C-SSRS screener and the practice's own instruments
//! without a code) and each submission with its answers exactly as scored.
//!
//! Answers are codings of the instrument's own answer values (`urn:kapflow:answer-value`,
//! the number the item scores) with the wording the client saw as their display: the
//! instruments' LOINC answer lists are not verified here, so none is claimed.

use crate::observation::date_time;
use crate::r4::codes::{ItemType, PublicationStatus, QuestionnaireAnswersStatus};
use crate::r4::resources::questionnaire::{
    QuestionnaireItem, QuestionnaireItemAnswerOption, QuestionnaireItemAnswerOptionValue,
};
use crate::r4::resources::questionnaire_response::{
    QuestionnaireResponseItem, QuestionnaireResponseItemAnswer,
    QuestionnaireResponseItemAnswerValue,
};
use crate::r4::resources::{Questionnaire, QuestionnaireResponse};
use crate::r4::types;
use crate::values::string;
use fhir::coded::Coded;
use kapflow_domain::ClientId;
use kapflow_domain::measures::{AnswerOption, Instrument, Scored, gad7, pcl5, phq9};
use time::OffsetDateTime;

/// The code system of answer values: the number an answer scores.
pub const ANSWER_VALUES: &str = "urn:kapflow:answer-value";

/// The LOINC panel code of an instrument; `None` for the C-SSRS screener (no code verified
/// for it) and the practice's own instruments.
pub fn panel_code(instrument: &str) -> Option<&'static str> {
    match instrument {
        phq9::CODE => Some("44249-1"),
        gad7::CODE => Some("69737-5"),
        pcl5::CODE => Some("101697-1"),
        _ => None,
    }
}

/// The instrument's canonical URL (its version is added with `|`).
pub fn canonical(instrument: &str) -> String {
    format!("urn:kapflow:questionnaire:{instrument}")
}

/// A FHIR id made of the instrument's code and version (letters, digits, `-` and `.` only).
pub fn questionnaire_id(instrument: &str, version: &str) -> String {
    let id: String = format!("{instrument}-{version}")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '.' {
                c
            } else {
                '-'
            }
        })
        .take(64)
        .collect();
    id
}

/// An instrument as a Questionnaire: one choice item per question, its answers in order.
pub fn questionnaire(instrument: &Instrument) -> Questionnaire {
    Questionnaire {
        id: Some(string(&questionnaire_id(
            &instrument.code,
            &instrument.version,
        ))),
        url: Some(types::Uri(canonical(&instrument.code))),
        version: Some(string(&instrument.version)),
        name: Some(string(&instrument.code.to_uppercase())),
        title: Some(string(&instrument.title)),
        status: Coded::Known(PublicationStatus::Active),
        code: panel_code(&instrument.code)
            .map(|code| types::Coding {
                system: Some(types::Uri("http://loinc.org".to_owned())),
                code: Some(types::Code(code.to_owned())),
                ..Default::default()
            })
            .into_iter()
            .collect(),
        item: instrument
            .items
            .iter()
            .map(|item| QuestionnaireItem {
                link_id: string(&item.code),
                text: Some(string(&item.text)),
                r#type: Coded::Known(ItemType::Choice),
                answer_option: item
                    .options
                    .iter()
                    .map(|option| QuestionnaireItemAnswerOption {
                        value: Some(QuestionnaireItemAnswerOptionValue::Coding(Box::new(
                            answer(option),
                        ))),
                        ..Default::default()
                    })
                    .collect(),
                ..Default::default()
            })
            .collect(),
        ..Default::default()
    }
}

/// A submission as a completed QuestionnaireResponse: every answered item (skipped ones, such
/// as the C-SSRS questions its screener did not ask, are absent), by the client.
pub fn response(
    id: &str,
    client: ClientId,
    completed_at: OffsetDateTime,
    instrument: &Instrument,
    scored: &Scored,
) -> QuestionnaireResponse {
    QuestionnaireResponse {
        id: Some(string(id)),
        questionnaire: Some(types::Canonical(format!(
            "{}|{}",
            canonical(&instrument.code),
            scored.version
        ))),
        status: Coded::Known(QuestionnaireAnswersStatus::Completed),
        subject: Some(crate::patient::reference(client)),
        author: Some(crate::patient::reference(client)),
        authored: Some(date_time(completed_at)),
        item: instrument
            .items
            .iter()
            .filter_map(|item| {
                let value = *scored.answers.get(&item.code)?;
                let option = item.options.iter().find(|o| o.value == value);
                Some(QuestionnaireResponseItem {
                    link_id: string(&item.code),
                    text: Some(string(&item.text)),
                    answer: vec![QuestionnaireResponseItemAnswer {
                        value: Some(QuestionnaireResponseItemAnswerValue::Coding(Box::new(
                            option.map_or_else(|| bare(value), answer),
                        ))),
                        ..Default::default()
                    }],
                    ..Default::default()
                })
            })
            .collect(),
        ..Default::default()
    }
}

fn answer(option: &AnswerOption) -> types::Coding {
    types::Coding {
        display: Some(string(&option.label)),
        ..bare(option.value)
    }
}

/// An answer value the instrument has no wording for (kept, never dropped).
fn bare(value: u8) -> types::Coding {
    types::Coding {
        system: Some(types::Uri(ANSWER_VALUES.to_owned())),
        code: Some(types::Code(value.to_string())),
        ..Default::default()
    }
}
