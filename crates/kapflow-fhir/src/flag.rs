//! Flag: a suicide-risk alert raised by a questionnaire answer, as the warning it is for anyone
//! who opens the client's record elsewhere.
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
use kapflow_store::alerts::AlertRow;

const FLAG_CATEGORY: &str = "http://terminology.hl7.org/CodeSystem/flag-category";

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
