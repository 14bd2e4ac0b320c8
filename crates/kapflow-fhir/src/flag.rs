//! Flag: a suicide-risk alert raised by a questionnaire answer, and a contraindication
//! screening flag from the intake, as the warnings they are for anyone who opens the client's
//! record elsewhere.
//!
//! An alert no clinician has acknowledged yet is `active`; once acknowledged it is `inactive`,
//! its period ending when it was acknowledged (the acknowledgement's note stays in kapflow: it
//! may hold clinical detail the receiving system has no place for).

use crate::observation::date_time;
use crate::r4::codes::FlagStatus;
use crate::r4::resources::Flag;
use crate::r4::types;
use crate::values::{coded, string};
use fhir::coded::Coded;
use kapflow_domain::ClientId;
use kapflow_domain::screening;
use kapflow_store::alerts::AlertRow;
use time::OffsetDateTime;

const FLAG_CATEGORY: &str = "http://terminology.hl7.org/CodeSystem/flag-category";

/// The code system of kapflow's screening rules (the rule's code, e.g. `psychosis`).
pub const SCREENING_RULES: &str = "urn:kapflow:screening-flag";

/// A suicide-risk alert as a safety Flag on the client.
pub fn risk_alert(alert: &AlertRow) -> Flag {
    Flag {
        id: Some(string(&alert.id.to_string())),
        status: Coded::Known(if alert.acknowledged_at.is_some() {
            FlagStatus::Inactive
        } else {
            FlagStatus::Active
        }),
        category: vec![coded(FLAG_CATEGORY, "safety", "Safety")],
        code: types::CodeableConcept {
            text: Some(string(&format!(
                "Suicide risk alert ({}): {}",
                alert.level.label(),
                alert.finding
            ))),
            ..Default::default()
        },
        subject: crate::patient::reference(alert.client_id),
        period: Some(types::Period {
            start: Some(date_time(alert.created_at)),
            end: alert.acknowledged_at.map(date_time),
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// A contraindication screening flag of the intake completed at `screened_at` as a clinical
/// Flag: the rule's code, and its severity and finding in words. Its id is `id` (the flags
/// are computed from the intake, so the caller names them: the course and the rule's code).
pub fn screening_flag(
    id: &str,
    client: ClientId,
    screened_at: OffsetDateTime,
    flag: &screening::Flag,
) -> Flag {
    Flag {
        id: Some(string(id)),
        status: Coded::Known(FlagStatus::Active),
        category: vec![coded(FLAG_CATEGORY, "clinical", "Clinical")],
        code: types::CodeableConcept {
            coding: vec![types::Coding {
                system: Some(types::Uri(SCREENING_RULES.to_owned())),
                code: Some(types::Code(flag.code.to_owned())),
                ..Default::default()
            }],
            text: Some(string(&format!(
                "{}: {}",
                flag.severity.label(),
                flag.finding
            ))),
            ..Default::default()
        },
        subject: crate::patient::reference(client),
        period: Some(types::Period {
            start: Some(date_time(screened_at)),
            ..Default::default()
        }),
        ..Default::default()
    }
}
