//! What an appointment is charged: an attended one its service lines (each with its code,
//! units, place of service and up to four diagnosis pointers), a missed one the practice's
//! no-show or late-cancellation fee if it has set one, and a cancellation in good time nothing.

use super::money::Cents;
use crate::UserId;
use crate::calendar::session_type::Status;
use time::{Duration, OffsetDateTime};

crate::named_enum! {
    /// Where a service was given, as the claim form's place-of-service code.
    pub enum PlaceOfService {
        Office = "11", "11 Office";
        TelehealthHome = "10", "10 Telehealth in the client's home";
        TelehealthOther = "02", "02 Telehealth elsewhere";
    }
}

/// The most diagnosis pointers a service line carries (the claim form's A–D).
pub const MAX_POINTERS: usize = 4;

/// The fee services of a missed appointment, keyed in the fee schedule like any code.
pub const NO_SHOW: &str = "no_show";
pub const LATE_CANCEL: &str = "late_cancel";

/// One line of a charge.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Line {
    /// A CPT or HCPCS code, or one of the practice's own fee keys (`no_show`).
    pub code: String,
    pub modifier: Option<String>,
    pub units: u32,
    /// The fee of one unit (the line's amount is `units` times it).
    pub unit_fee: Cents,
    pub place: PlaceOfService,
    /// ICD-10-CM codes, at most [`MAX_POINTERS`], most important first.
    pub diagnoses: Vec<String>,
    /// The clinician who gave the service (the superbill names them).
    pub rendering: Option<UserId>,
}

impl Line {
    /// `None` only on an overflow no practice reaches.
    pub fn amount(&self) -> Option<Cents> {
        self.unit_fee
            .0
            .checked_mul(i64::from(self.units))
            .map(Cents)
    }
}

/// The sum of the lines.
pub fn total(lines: &[Line]) -> Option<Cents> {
    lines.iter().try_fold(Cents::ZERO, |sum, l| {
        sum.0.checked_add(l.amount()?.0).map(Cents)
    })
}

/// What kind of charge an appointment calls for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Chargeable {
    /// Held: its services.
    Attended,
    /// The client did not come: the no-show fee.
    NoShow,
    /// Cancelled within the practice's notice period: the late-cancellation fee.
    LateCancel,
    /// Cancelled in good time, or not over yet: nothing.
    Nothing,
}

/// How an appointment booked from `starts` to `ends` is charged at `now`. `cancelled_at` is
/// when it was cancelled or marked missed; `notice_hours` is how much notice a cancellation
/// needs to be free.
pub fn chargeable(
    status: Status,
    starts: OffsetDateTime,
    ends: OffsetDateTime,
    cancelled_at: Option<OffsetDateTime>,
    notice_hours: u32,
    now: OffsetDateTime,
) -> Chargeable {
    match status {
        Status::Booked if ends <= now => Chargeable::Attended,
        Status::Booked => Chargeable::Nothing,
        Status::NoShow => Chargeable::NoShow,
        Status::Cancelled => match cancelled_at {
            Some(at) if starts - at < Duration::hours(i64::from(notice_hours)) => {
                Chargeable::LateCancel
            }
            _ => Chargeable::Nothing,
        },
    }
}

/// The diagnosis codes as the clinician chose them for a line: known to be the client's,
/// without repeats, at most [`MAX_POINTERS`].
pub fn pointers(chosen: &[String], clients: &[String]) -> Result<Vec<String>, &'static str> {
    let mut out: Vec<String> = Vec::new();
    for c in chosen.iter().map(|c| c.trim()).filter(|c| !c.is_empty()) {
        if !clients.iter().any(|k| k == c) {
            return Err("Choose from the client's diagnoses.");
        }
        if !out.iter().any(|k| k == c) {
            out.push(c.to_owned());
        }
    }
    if out.len() > MAX_POINTERS {
        return Err("A service line points to at most four diagnoses.");
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn what_an_appointment_is_charged() {
        let starts = datetime!(2026-12-10 10:00 UTC);
        let ends = datetime!(2026-12-10 11:00 UTC);
        let after = datetime!(2026-12-10 12:00 UTC);
        assert_eq!(
            chargeable(Status::Booked, starts, ends, None, 24, after),
            Chargeable::Attended
        );
        assert_eq!(
            chargeable(Status::Booked, starts, ends, None, 24, starts),
            Chargeable::Nothing,
            "not over yet"
        );
        assert_eq!(
            chargeable(Status::NoShow, starts, ends, Some(after), 24, after),
            Chargeable::NoShow
        );
        let late = datetime!(2026-12-09 10:01 UTC);
        let in_time = datetime!(2026-12-09 10:00 UTC);
        assert_eq!(
            chargeable(Status::Cancelled, starts, ends, Some(late), 24, after),
            Chargeable::LateCancel
        );
        assert_eq!(
            chargeable(Status::Cancelled, starts, ends, Some(in_time), 24, after),
            Chargeable::Nothing
        );
    }

    #[test]
    fn lines_add_up_and_point_to_four_diagnoses_at_most() {
        let line = |code: &str, units, cents| Line {
            code: code.into(),
            modifier: None,
            units,
            unit_fee: Cents(cents),
            place: PlaceOfService::Office,
            diagnoses: vec!["F33.1".into()],
            rendering: None,
        };
        assert_eq!(
            total(&[line("0820T", 3, 15_000), line("0821T", 1, 10_000)]),
            Some(Cents(55_000))
        );
        let client: Vec<String> = ["F33.1", "F43.10", "F41.1", "Z91.51", "F10.20"]
            .map(String::from)
            .to_vec();
        let four = client[..4].to_vec();
        assert_eq!(pointers(&four, &client), Ok(four.clone()));
        assert!(pointers(&client, &client).is_err());
        assert!(pointers(&["F32.A".into()], &client).is_err());
        let twice = vec!["F33.1".to_string(), "F33.1".into(), " ".into()];
        assert_eq!(pointers(&twice, &client), Ok(vec!["F33.1".into()]));
    }
}
