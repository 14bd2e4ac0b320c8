//! The identifiers a superbill carries, checked as typed: an NPI (ten digits whose last is the
//! Luhn check digit over the 80840 prefix, as CMS issues them), a tax id (an EIN, `12-3456789`),
//! a licence in words, and the service codes fees are kept under (a CPT or HCPCS code such as
//! `90834` or `0820T`, or the practice's missed-appointment fees).

use super::charges::{LATE_CANCEL, NO_SHOW};

/// An NPI as typed (spaces allowed), or `None` when left empty.
pub fn checked_npi(raw: &str) -> Result<Option<String>, &'static str> {
    let digits: String = raw.chars().filter(|c| !c.is_whitespace()).collect();
    if digits.is_empty() {
        return Ok(None);
    }
    if digits.len() != 10 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err("An NPI has ten digits.");
    }
    // The check digit covers "80840" and the first nine digits (CMS's NPI check digit rule).
    let body: Vec<u32> = "80840"
        .chars()
        .chain(digits[..9].chars())
        .filter_map(|c| c.to_digit(10))
        .collect();
    let sum: u32 = body
        .iter()
        .rev()
        .enumerate()
        .map(|(i, d)| {
            if i % 2 == 0 {
                [0, 2, 4, 6, 8, 1, 3, 5, 7, 9][*d as usize]
            } else {
                *d
            }
        })
        .sum();
    let check = (10 - sum % 10) % 10;
    if digits[9..].parse::<u32>().ok() != Some(check) {
        return Err("This is not a valid NPI: check the digits.");
    }
    Ok(Some(digits))
}

/// A tax id (EIN) as typed, kept as `12-3456789`; `None` when left empty.
pub fn checked_tax_id(raw: &str) -> Result<Option<String>, &'static str> {
    let digits: String = raw.chars().filter(|c| c.is_ascii_digit()).collect();
    let t = raw.trim();
    if t.is_empty() {
        return Ok(None);
    }
    let only_digits_and_dash = t
        .chars()
        .all(|c| c.is_ascii_digit() || c == '-' || c == ' ');
    if digits.len() != 9 || !only_digits_and_dash {
        return Err("A tax id (EIN) has nine digits, such as 12-3456789.");
    }
    Ok(Some(format!("{}-{}", &digits[..2], &digits[2..])))
}

/// A licence as typed ("LMFT 12345, California"), or `None` when left empty.
pub fn checked_licence(raw: &str) -> Result<Option<String>, &'static str> {
    let t = raw.trim();
    if t.is_empty() {
        return Ok(None);
    }
    if t.chars().count() > 80 {
        return Err("Keep the licence to 80 characters.");
    }
    Ok(Some(t.to_owned()))
}

/// A service code as typed: five letters or digits (CPT, HCPCS), or a missed-appointment fee.
pub fn checked_code(raw: &str) -> Result<String, &'static str> {
    let t = raw.trim();
    if t == NO_SHOW || t == LATE_CANCEL {
        return Ok(t.to_owned());
    }
    let up = t.to_ascii_uppercase();
    if up.len() == 5 && up.bytes().all(|b| b.is_ascii_alphanumeric()) {
        Ok(up)
    } else {
        Err("Enter a five-character code such as 90834 or 0820T.")
    }
}

/// A modifier as typed (two letters or digits, such as 95), or `None`.
pub fn checked_modifier(raw: &str) -> Result<Option<String>, &'static str> {
    let up = raw.trim().to_ascii_uppercase();
    if up.is_empty() {
        return Ok(None);
    }
    if up.len() == 2 && up.bytes().all(|b| b.is_ascii_alphanumeric()) {
        Ok(Some(up))
    } else {
        Err("A modifier has two characters, such as 95.")
    }
}

/// What a fee key means to a person.
pub fn code_label(code: &str) -> String {
    match code {
        NO_SHOW => "Missed appointment (no-show) fee".into(),
        LATE_CANCEL => "Late cancellation fee".into(),
        other => other.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn npis_are_checked_by_their_check_digit() {
        // CMS's worked example: 123456789 has the check digit 3.
        assert_eq!(checked_npi("1234567893"), Ok(Some("1234567893".into())));
        assert_eq!(checked_npi(" 12345 67893 "), Ok(Some("1234567893".into())));
        assert!(checked_npi("1234567890").is_err());
        assert!(checked_npi("123456789").is_err());
        assert_eq!(checked_npi("  "), Ok(None));
    }

    #[test]
    fn tax_ids_codes_and_modifiers() {
        assert_eq!(checked_tax_id("123456789"), Ok(Some("12-3456789".into())));
        assert_eq!(checked_tax_id("12-3456789"), Ok(Some("12-3456789".into())));
        assert!(checked_tax_id("12-345678").is_err());
        assert!(checked_tax_id("12-34567a9").is_err());
        assert_eq!(checked_code(" 0820t "), Ok("0820T".into()));
        assert_eq!(checked_code("no_show"), Ok("no_show".into()));
        assert!(checked_code("9083").is_err());
        assert_eq!(checked_modifier("95"), Ok(Some("95".into())));
        assert_eq!(checked_modifier(""), Ok(None));
        assert!(checked_modifier("GT5").is_err());
    }
}
