//! When vitals are due in a session (a practice setting; the default follows the protocol
//! facts: before the dose, every 15 minutes to the hour, then every 30, and at discharge).

/// The practice's vitals schedule, in minutes from the dose.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VitalsSchedule {
    /// Every this many minutes while the effects build and peak…
    pub early_every: u16,
    /// …until this many minutes after the dose…
    pub early_until: u16,
    /// …then every this many minutes to discharge.
    pub late_every: u16,
    pub source: &'static str,
}

impl Default for VitalsSchedule {
    fn default() -> VitalsSchedule {
        VitalsSchedule {
            early_every: 15,
            early_until: 60,
            late_every: 30,
            source: "Common KAP monitoring practice: before the dose, every 15–30 minutes during the session (many protocols add about 40 minutes after the dose, the blood-pressure peak), and at the end.",
        }
    }
}

impl VitalsSchedule {
    /// The due times (minutes after the dose) up to and including `until`.
    pub fn due_times(&self, until: u32) -> Vec<u32> {
        let early = u32::from(self.early_every.max(1));
        let late = u32::from(self.late_every.max(1));
        let mut out = Vec::new();
        let mut m = early;
        while m <= until && m <= u32::from(self.early_until) {
            out.push(m);
            m += early;
        }
        let mut m = out.last().copied().unwrap_or(0) + late;
        while m <= until {
            out.push(m);
            m += late;
        }
        out
    }

    /// The next due time after `minutes_since_dose`.
    pub fn next_due(&self, minutes_since_dose: u32) -> u32 {
        let horizon = minutes_since_dose + u32::from(self.early_every.max(self.late_every)) + 1;
        self.due_times(horizon)
            .into_iter()
            .find(|m| *m > minutes_since_dose)
            .unwrap_or(horizon)
    }

    /// The latest due time that has passed without a reading taken at or after it, if any:
    /// `readings` are the minutes after the dose at which vitals were measured.
    pub fn overdue(&self, minutes_since_dose: u32, readings: &[i64]) -> Option<u32> {
        let last_due = self
            .due_times(minutes_since_dose)
            .into_iter()
            .rev()
            .find(|m| *m <= minutes_since_dose)?;
        // A reading a few minutes early counts for the time it was due at.
        let grace = i64::from(self.early_every.min(self.late_every) / 3);
        let taken = readings.iter().any(|r| *r >= i64::from(last_due) - grace);
        (!taken).then_some(last_due)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_schedule_is_every_15_to_the_hour_then_every_30() {
        let s = VitalsSchedule::default();
        assert_eq!(s.due_times(150), vec![15, 30, 45, 60, 90, 120, 150]);
        assert_eq!(s.next_due(0), 15);
        assert_eq!(s.next_due(60), 90);
        assert_eq!(s.next_due(61), 90);
    }

    #[test]
    fn a_missed_reading_is_overdue_until_taken() {
        let s = VitalsSchedule::default();
        assert_eq!(s.overdue(10, &[]), None, "nothing due yet");
        assert_eq!(s.overdue(16, &[]), Some(15));
        assert_eq!(s.overdue(16, &[14]), None, "a minute early counts");
        assert_eq!(s.overdue(31, &[14]), Some(30));
        assert_eq!(s.overdue(95, &[15, 30, 45, 60]), Some(90));
    }
}
