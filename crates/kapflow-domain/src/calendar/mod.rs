//! The practice calendar's rules: session types, a clinician's working hours, and what a
//! booking must be before the store looks for conflicts.

pub mod booking;
pub mod hours;
pub mod session_type;

pub use booking::{Booking, BookingInput, Repeat};
pub use hours::WeekHours;
pub use session_type::{NoteTemplate, SessionType, SessionTypeInput, Status};
