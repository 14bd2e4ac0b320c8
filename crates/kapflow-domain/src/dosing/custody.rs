//! The medication custody log (docs/domain.md §6): what the client brought (the label), the
//! dose taken under observation and what was spat out and how it was disposed of, a booster,
//! the count handed back, the client's attestation, and corrections that name the entry they
//! correct. The log is append-only and hash-chained over the whole practice ([`chain`]); a
//! dose or booster is refused beyond what the prescription allows ([`dose`]); the form a
//! clinician fills in validates into a [`NewCustodyEntry`] ([`input`]).
//!
//! Amounts are integer micrograms: a person types milligrams with up to three decimals
//! ("12.5"), read without floating point so nothing is ever rounded.

pub mod chain;
pub mod dose;
pub mod input;
pub mod report;

use super::session::Status;
use crate::prescribing::DoseForm;
use crate::{ClientId, DosingSessionId, UserId};
use time::OffsetDateTime;
use uuid::Uuid;

crate::named_enum! {
    /// What a custody entry records.
    pub enum CustodyKind {
        Brought = "brought", "Medication brought";
        Dose = "dose", "Dose taken";
        Booster = "booster", "Booster taken";
        Returned = "returned", "Returned to the client";
        Attested = "attested", "Client's attestation";
        Correction = "correction", "Correction";
    }
}

impl CustodyKind {
    /// Whether an entry of this kind may be recorded on a session in `status`: the medication is logged while the session is
    /// prepared or open, taken only while it is open, handed back, attested and corrected
    /// until it is closed too; nothing is logged on a cancelled session.
    pub fn allowed_while(self, status: Status) -> bool {
        match self {
            CustodyKind::Brought => matches!(status, Status::Preparing | Status::Open),
            CustodyKind::Dose | CustodyKind::Booster => status == Status::Open,
            CustodyKind::Returned | CustodyKind::Attested | CustodyKind::Correction => {
                matches!(status, Status::Open | Status::Closed)
            }
        }
    }

    /// Whether the entry is medication taken (counted against the prescription).
    pub fn is_taken(self) -> bool {
        matches!(self, CustodyKind::Dose | CustodyKind::Booster)
    }
}

/// One entry as validated from the form: only the fields its kind uses are set (see
/// [`input::CustodyInput::validate`]). Corrections carry only the entry they correct and the
/// note; a correction never adds dose allowance back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewCustodyEntry {
    pub kind: CustodyKind,
    pub drug: Option<String>,
    pub dose_form: Option<DoseForm>,
    pub strength_ug: Option<i64>,
    pub count: Option<i64>,
    pub pharmacy: Option<String>,
    pub rx_number: Option<String>,
    pub amount_ug: Option<i64>,
    pub held_minutes: Option<i64>,
    pub spat_out: Option<String>,
    pub disposal: Option<String>,
    pub witness: Option<UserId>,
    pub corrects_seq: Option<i64>,
    /// Free words; for an attestation what the client attested, for a correction what was
    /// wrong. May be empty otherwise.
    pub note: String,
}

impl NewCustodyEntry {
    /// An entry of `kind` with nothing else set.
    pub fn empty(kind: CustodyKind) -> NewCustodyEntry {
        NewCustodyEntry {
            kind,
            drug: None,
            dose_form: None,
            strength_ug: None,
            count: None,
            pharmacy: None,
            rx_number: None,
            amount_ug: None,
            held_minutes: None,
            spat_out: None,
            disposal: None,
            witness: None,
            corrects_seq: None,
            note: String::new(),
        }
    }
}

/// One entry as logged: its place in the chain, the session and client, who recorded it and
/// when, and what it says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CustodyEntry {
    pub seq: i64,
    pub id: Uuid,
    pub session_id: DosingSessionId,
    pub client_id: ClientId,
    /// The monitor's key for this entry: the same key twice records once.
    pub entry_key: String,
    /// UTC, microsecond precision (what both databases keep).
    pub at: OffsetDateTime,
    pub recorded_by: UserId,
    pub what: NewCustodyEntry,
}

/// The most a single amount may be: 500 mg (strengths above are refused as typing slips, as
/// for prescriptions, `prescribing::STRENGTH_MG`).
pub const MAX_UG: i64 = 500_000;

/// Milligrams typed by a person ("100", "12.5", "0.125") as micrograms, without floating
/// point: digits, optionally a point and one to three more digits; from 0.001 mg to 500 mg.
/// `what` completes "Enter …".
pub fn parse_mg(raw: &str, what: &str) -> Result<i64, String> {
    let v = raw.trim();
    let v = v.strip_suffix("mg").map(str::trim_end).unwrap_or(v);
    if v.is_empty() {
        return Err(format!("Enter {what}."));
    }
    let shape = || format!("Enter {what} in mg, like 100 or 12.5 (at most 3 decimals).");
    let (whole, frac) = v.split_once('.').unwrap_or((v, ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty()
        || whole.len() > 6
        || !digits(whole)
        || frac.len() > 3
        || !digits(frac)
        || (v.contains('.') && frac.is_empty())
    {
        return Err(shape());
    }
    // At most six digits and three decimals: no overflow is possible.
    let whole: i64 = whole.parse().map_err(|_| shape())?;
    let frac_ug: i64 = format!("{frac:0<3}").parse().map_err(|_| shape())?;
    let ug = whole * 1000 + frac_ug;
    if (1..=MAX_UG).contains(&ug) {
        Ok(ug)
    } else {
        Err(format!(
            "Enter {what} from 0.001 mg to {} mg.",
            MAX_UG / 1000
        ))
    }
}

/// Micrograms as milligrams for people: "100", "12.5", "0.125" (no trailing zeros).
pub fn mg(ug: i64) -> String {
    let sign = if ug < 0 { "-" } else { "" };
    let ug = ug.unsigned_abs();
    let (whole, frac) = (ug / 1000, ug % 1000);
    if frac == 0 {
        format!("{sign}{whole}")
    } else {
        let frac = format!("{frac:03}");
        format!("{sign}{whole}.{}", frac.trim_end_matches('0'))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn milligrams_read_as_micrograms_without_rounding() {
        assert_eq!(parse_mg("100", "the dose"), Ok(100_000));
        assert_eq!(parse_mg(" 12.5 ", "the dose"), Ok(12_500));
        assert_eq!(parse_mg("0.125", "the dose"), Ok(125));
        assert_eq!(parse_mg("50 mg", "the dose"), Ok(50_000));
        assert_eq!(parse_mg("500", "the dose"), Ok(500_000));
        assert_eq!(parse_mg("", "the dose"), Err("Enter the dose.".into()));
        for bad in [
            "1.2345",
            "-5",
            ".5",
            "5.",
            "1e3",
            "1,5",
            "abc",
            "99999999999",
        ] {
            assert!(parse_mg(bad, "the dose").is_err(), "{bad}");
        }
        assert!(parse_mg("0", "the dose").is_err());
        assert!(parse_mg("500.001", "the dose").is_err());
    }

    #[test]
    fn micrograms_read_as_milligrams() {
        assert_eq!(mg(100_000), "100");
        assert_eq!(mg(12_500), "12.5");
        assert_eq!(mg(125), "0.125");
        assert_eq!(mg(0), "0");
        assert_eq!(mg(-1_500), "-1.5");
    }

    #[test]
    fn each_kind_is_logged_only_while_the_session_allows_it() {
        use CustodyKind::*;
        use Status::{Cancelled, Closed, Open, Preparing};
        assert!(Brought.allowed_while(Preparing) && Brought.allowed_while(Open));
        assert!(!Brought.allowed_while(Closed));
        assert!(Dose.allowed_while(Open) && !Dose.allowed_while(Preparing));
        assert!(!Booster.allowed_while(Closed));
        assert!(Returned.allowed_while(Closed) && Correction.allowed_while(Open));
        assert!(!Attested.allowed_while(Preparing));
        for k in CustodyKind::ALL {
            assert!(!k.allowed_while(Cancelled), "{k}");
        }
    }

    proptest! {
        /// Whatever is written back by `mg` reads again as the same amount.
        #[test]
        fn mg_and_parse_mg_round_trip(ug in 1i64..=MAX_UG) {
            prop_assert_eq!(parse_mg(&mg(ug), "x"), Ok(ug));
        }
    }
}
