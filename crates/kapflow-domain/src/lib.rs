//! kapflow's pure rules and types: no I/O, no async, no database or HTTP types.
//!
//! Everything a clinician relies on being exactly right lives here, where it can be unit- and
//! property-tested without a server: typed ids, validated values, roles, and the audit chain.

pub mod access;
pub mod api_token;
pub mod audit;
pub mod audit_checkpoint;
pub mod billing;
pub mod calendar;
pub mod client;
pub mod consent;
pub mod consent_drafts;
pub mod digest;
pub mod dosing;
pub mod email;
pub mod form;
pub mod ids;
pub mod inquiry;
pub mod intake;
pub mod integration;
pub mod keys;
pub mod measures;
pub mod mfa;
pub mod named;
pub mod notes;
pub mod password;
pub mod pathway;
pub mod portal;
pub mod preparation;
pub mod prescribing;
pub mod role;
pub mod screening;
pub mod sealed;
pub mod session_policy;
pub mod text;
pub mod time_util;
pub mod token;
pub mod zone;

pub use audit::{Actor, AuditEntry, AuditOutcome, ChainHash};
pub use email::Email;
pub use ids::{
    AddendumId, AlertId, ApiTokenId, AppointmentId, AttachmentId, AuditId, ClientId, CourseId,
    DocumentId, DoseRequestId, DosingSessionId, EvaluationId, GrantId, InquiryId, IntegrationId,
    JournalEntryId, MeasureRequestId, MessageId, NoteId, OrgId, OutboxId, PhotoId, PrescriptionId,
    PsychNoteId, ResponseId, RoomId, SeriesId, SessionAlertId, SessionId, ShipmentId, SignatureId,
    TimeOffId, UserId, VitalsId,
};
pub use password::{NewPassword, PasswordRejected};
pub use role::Role;
