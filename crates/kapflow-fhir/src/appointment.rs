//! Appointment: a client's booked, cancelled or missed session on the calendar.
//!
//! A clinician's hold (no client) is not an Appointment of anyone's record and is never
//! mapped. The video link of a telehealth session stays in kapflow: it is a way into the call.

use crate::r4::codes::{Appointmentstatus, Participationstatus};
use crate::r4::resources::Appointment;
use crate::r4::resources::appointment::AppointmentParticipant;
use crate::r4::types;
use crate::values::{string, words};
use fhir::coded::Coded;
use kapflow_domain::UserId;
use kapflow_domain::calendar::Status;
use kapflow_store::calendar::AppointmentRow;
use time::OffsetDateTime;

/// A client's appointment; `None` for a hold.
pub fn appointment(row: &AppointmentRow) -> Option<Appointment> {
    let client = row.client_id?;
    let mut participant = vec1::Vec1::new(attending(crate::patient::reference(client)));
    for clinician in std::iter::once(row.clinician_id).chain(row.second_clinician) {
        participant.push(attending(practitioner(clinician)));
    }
    let mut appointment = Appointment::builder()
        .id(string(&row.id.to_string()))
        .status(Coded::Known(match row.status {
            Status::Booked => Appointmentstatus::Booked,
            Status::Cancelled => Appointmentstatus::Cancelled,
            Status::NoShow => Appointmentstatus::Noshow,
        }))
        .appointment_type(words(&row.type_label))
        .description(string(&if row.telehealth {
            format!("{} (telehealth)", row.type_label)
        } else {
            row.type_label.clone()
        }))
        .start(instant(row.starts_at))
        .end(instant(row.ends_at))
        .participant(participant)
        .build()
        .unwrap_or_else(|e| unreachable!("status and participant are set: {e}"));
    appointment.cancelation_reason = row.cancel_reason.as_deref().map(words);
    Some(appointment)
}

fn attending(actor: types::Reference) -> AppointmentParticipant {
    AppointmentParticipant {
        actor: Some(actor),
        status: Coded::Known(Participationstatus::Accepted),
        ..Default::default()
    }
}

fn practitioner(user: UserId) -> types::Reference {
    crate::values::reference("Practitioner", user)
}

/// A FHIR instant: UTC, to the second.
fn instant(at: OffsetDateTime) -> types::Instant {
    types::Instant(crate::observation::date_time(at).0)
}
