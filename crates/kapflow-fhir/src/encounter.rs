//! Encounter: a dosing session in the office, within its course.
//!
//! Statuses: a session being prepared (the client is there, the gates not yet met) is
//! `arrived`, an open one `in-progress`, a closed one `finished` (discharged or ended early),
//! a cancelled one `cancelled`. The session's minute-by-minute record (vitals, doses, custody)
//! is carried by the Observations and medication resources that point at it.

use crate::observation::date_time;
use crate::r4::codes::EncounterStatus;
use crate::r4::resources::Encounter;
use crate::r4::types;
use crate::values::{string, words};
use fhir::coded::Coded;
use kapflow_domain::dosing::session::Status;
use kapflow_store::dosing::SessionRow;

/// HL7 v3 ActCode, which R4 binds `Encounter.class` to.
const ACT_CODE: &str = "http://terminology.hl7.org/CodeSystem/v3-ActCode";

/// A dosing session as an ambulatory Encounter of the client's course.
pub fn dosing_session(session: &SessionRow) -> Encounter {
    Encounter {
        id: Some(string(&session.id.to_string())),
        status: Coded::Known(match session.status {
            Status::Preparing => EncounterStatus::Arrived,
            Status::Open => EncounterStatus::InProgress,
            Status::Closed => EncounterStatus::Finished,
            Status::Cancelled => EncounterStatus::Cancelled,
        }),
        class: types::Coding {
            system: Some(types::Uri(ACT_CODE.to_owned())),
            code: Some(types::Code("AMB".to_owned())),
            display: Some(string("ambulatory")),
            ..Default::default()
        },
        r#type: vec![words(&format!(
            "Ketamine-assisted psychotherapy dosing session {}",
            session.number
        ))],
        subject: Some(crate::patient::reference(session.client_id)),
        episode_of_care: vec![crate::values::reference("EpisodeOfCare", session.course_id)],
        period: Some(types::Period {
            start: Some(date_time(session.opened_at.unwrap_or(session.prepared_at))),
            end: session.closed_at.map(date_time),
            ..Default::default()
        }),
        service_provider: Some(crate::values::reference(
            "Organization",
            crate::organization::PRACTICE_ID,
        )),
        ..Default::default()
    }
}
