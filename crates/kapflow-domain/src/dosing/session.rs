//! A dosing session's life: prepared (the pre-dose checks), open (the gates held and the
//! monitor runs), closed (discharged or ended early), or cancelled before it opened.

crate::named_enum! {
    /// Where a dosing session stands.
    pub enum Status {
        Preparing = "preparing", "Before the dose";
        Open = "open", "In progress";
        Closed = "closed", "Closed";
        Cancelled = "cancelled", "Cancelled";
    }
}

crate::named_enum! {
    /// How a session ended.
    pub enum EndedAs {
        Discharged = "discharged", "Discharged";
        EarlyEnd = "early_end", "Ended early";
        Cancelled = "cancelled", "Cancelled before the dose";
    }
}

/// The expected onset and peak windows drawn on the monitor's timeline, in minutes from the
/// dose (docs/domain.md §3: effects start within about 10–30 minutes and peak 25–60).
pub const ONSET: (u32, u32) = (10, 30);
pub const PEAK: (u32, u32) = (25, 60);
