//! The practice calendar: kinds of appointment and rooms (`setup`), working hours and time off
//! (`hours`), booking with its conflict checks (`booking`) and the views that read it
//! (`reading`).
//!
//! Every change to appointments or time off first takes the one `calendar_lock` row, so two
//! bookings at the same moment are checked one after the other on both databases (SQLite's
//! writer is single anyway; on PostgreSQL the row lock makes the second wait for the first's
//! commit and then see its appointment).

mod booking;
mod feed;
mod hours;
mod reading;
mod reminders;
mod setup;
mod week_rows;

pub use booking::{Booked, Changed, Conflict, ConflictWith, On};
pub use feed::FeedItem;
pub use hours::TimeOffRow;
pub use reading::{AppointmentRow, Filter, Viewer};
pub use reminders::ReminderFacts;
pub use setup::{RoomRow, RoomSaved};

use crate::StoreError;
use crate::backend::Tx;

crate::topic!(
    /// The practice calendar.
    Calendar
);

/// Takes the calendar's lock for the rest of `tx` (see the module comment).
pub(crate) async fn lock(tx: &mut Tx) -> Result<(), StoreError> {
    tx.exec(
        "UPDATE calendar_lock SET version = version + 1 WHERE id = 1",
        args![],
    )
    .await?;
    Ok(())
}
