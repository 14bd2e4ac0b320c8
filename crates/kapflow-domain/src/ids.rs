//! Typed ids: a `UserId` cannot be passed where a `SessionId` is expected.

use serde::{Deserialize, Serialize};
use std::fmt;
use uuid::Uuid;

macro_rules! typed_id {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(Uuid);

        impl $name {
            /// A new, time-ordered (UUIDv7) id.
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }
            pub fn from_uuid(id: Uuid) -> Self {
                Self(id)
            }
            pub fn as_uuid(&self) -> Uuid {
                self.0
            }
            /// Parses the textual form; `None` for anything that is not a UUID.
            pub fn parse(s: &str) -> Option<Self> {
                Uuid::parse_str(s).ok().map(Self)
            }
        }

        impl From<Uuid> for $name {
            fn from(id: Uuid) -> Self {
                Self(id)
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($name), self.0)
            }
        }
    };
}

typed_id!(
    /// A staff or client account.
    UserId
);
typed_id!(
    /// A signed-in browser session (not its secret token).
    SessionId
);
typed_id!(
    /// One row of the audit trail.
    AuditId
);
typed_id!(
    /// A person in treatment (the client record, not a portal account).
    ClientId
);
typed_id!(
    /// One course of treatment of a client.
    CourseId
);

typed_id!(
    /// An inquiry sent through the public site.
    InquiryId
);
typed_id!(
    /// A partner (prescriber) organisation.
    OrgId
);
typed_id!(
    /// One version of a consent document.
    DocumentId
);
typed_id!(
    /// A client's signature of one consent document version.
    SignatureId
);
typed_id!(
    /// A prescriber's evaluation of a course.
    EvaluationId
);
typed_id!(
    /// A prescription (a dose change makes a new one).
    PrescriptionId
);
typed_id!(
    /// A shipment of medication to the client.
    ShipmentId
);
typed_id!(
    /// A therapist's request for a dose change.
    DoseRequestId
);
typed_id!(
    /// A questionnaire on a client's schedule.
    MeasureRequestId
);
typed_id!(
    /// A submitted questionnaire.
    ResponseId
);
typed_id!(
    /// A suicide-risk alert.
    AlertId
);
typed_id!(
    /// A time-boxed emergency (break-glass) grant.
    GrantId
);
typed_id!(
    /// A photo on the public site.
    PhotoId
);
typed_id!(
    /// A message between the care team and the prescriber about a client.
    MessageId
);
typed_id!(
    /// A row of the outbox (a message waiting to be delivered).
    OutboxId
);

typed_id!(
    /// One dosing session (in the office, the therapist present throughout).
    DosingSessionId
);
typed_id!(
    /// One set of vital signs taken in a dosing session.
    VitalsId
);
typed_id!(
    /// A vitals alert raised in a dosing session.
    SessionAlertId
);
typed_id!(
    /// An integration session recorded on a course.
    IntegrationId
);
typed_id!(
    /// A room of the practice (an office, the dosing room).
    RoomId
);
typed_id!(
    /// One appointment (or hold) on the practice calendar.
    AppointmentId
);
typed_id!(
    /// The appointments booked together as one repeating series.
    SeriesId
);
typed_id!(
    /// A clinician's time away (leave, training).
    TimeOffId
);
typed_id!(
    /// A clinical note (of an appointment, or free-standing).
    NoteId
);
typed_id!(
    /// An addendum to a signed clinical note.
    AddendumId
);
typed_id!(
    /// A psychotherapy note: its author's alone.
    PsychNoteId
);
typed_id!(
    /// An entry of a client's integration journal (the portal).
    JournalEntryId
);
typed_id!(
    /// A file sent with a message in the client's thread (the portal).
    AttachmentId
);
typed_id!(
    /// A token of the FHIR read API (not its secret).
    ApiTokenId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_through_text() {
        let id = UserId::new();
        assert_eq!(UserId::parse(&id.to_string()), Some(id));
        assert_eq!(UserId::parse("not-an-id"), None);
    }

    #[test]
    fn new_ids_are_time_ordered() {
        let a = AuditId::new();
        let b = AuditId::new();
        assert!(a < b);
    }
}
