//! Amounts of money as whole minor units (cents) of the practice's one currency. Parsing takes
//! what a person types ("$1,250.50", "80", "80.5") and refuses anything that is not an exact
//! amount; nothing here ever passes through a float.

use std::fmt;

crate::named_enum! {
    /// The practice's currency (one per practice, a setting); every one here has cents.
    pub enum Currency {
        Usd = "USD", "US dollar";
        Cad = "CAD", "Canadian dollar";
        Eur = "EUR", "Euro";
        Gbp = "GBP", "Pound sterling";
        Aud = "AUD", "Australian dollar";
    }
}

impl Currency {
    pub fn symbol(self) -> &'static str {
        match self {
            Currency::Usd | Currency::Cad | Currency::Aud => "$",
            Currency::Eur => "€",
            Currency::Gbp => "£",
        }
    }
}

/// An amount in cents. Arithmetic is checked: an overflow is an error, never a wrap.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Cents(pub i64);

/// The largest amount one line may hold: $10,000,000.00 (anything larger is a typing mistake).
pub const MAX_LINE: Cents = Cents(1_000_000_000);

impl Cents {
    pub const ZERO: Cents = Cents(0);

    pub fn checked_add(self, other: Cents) -> Option<Cents> {
        self.0.checked_add(other.0).map(Cents)
    }

    pub fn checked_sub(self, other: Cents) -> Option<Cents> {
        self.0.checked_sub(other.0).map(Cents)
    }

    pub fn is_negative(self) -> bool {
        self.0 < 0
    }

    /// `self` times `units` (a fee per unit), checked.
    pub fn times(self, units: u32) -> Option<Cents> {
        self.0.checked_mul(i64::from(units)).map(Cents)
    }

    /// The amount as a person writes it in `currency`: `$1,250.50`, `-$20.00`.
    pub fn display(self, currency: Currency) -> String {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        let (whole, cents) = (abs / 100, abs % 100);
        let digits = whole.to_string();
        let mut grouped = String::with_capacity(digits.len() + digits.len() / 3);
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i) % 3 == 0 {
                grouped.push(',');
            }
            grouped.push(c);
        }
        format!("{sign}{}{grouped}.{cents:02}", currency.symbol())
    }
}

impl fmt::Display for Cents {
    /// Plain, for CSV and forms: `1250.50`, `-20.00`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        write!(f, "{sign}{}.{:02}", abs / 100, abs % 100)
    }
}

/// An amount as typed: an optional currency symbol, digits with optional thousands commas, and
/// at most two decimals. Zero is allowed (a waived fee); negative amounts are not typed (the
/// ledger's entry kinds carry the direction).
pub fn parse_amount(raw: &str) -> Result<Cents, String> {
    const BAD: &str = "Enter an amount such as 150 or 150.00.";
    let t = raw.trim();
    let t = t.strip_prefix(['$', '€', '£']).unwrap_or(t).trim_start();
    if t.is_empty() {
        return Err("Enter an amount.".into());
    }
    if t.starts_with('-') {
        return Err("Enter the amount without a minus sign.".into());
    }
    let (whole, fraction) = match t.split_once('.') {
        Some((w, f)) => (w, f),
        None => (t, ""),
    };
    if fraction.len() > 2 || !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return Err("Use at most two digits after the point.".into());
    }
    let groups: Vec<&str> = whole.split(',').collect();
    let grouped_ok = groups.len() == 1
        || (groups[0].len() <= 3
            && !groups[0].is_empty()
            && groups[1..].iter().all(|g| g.len() == 3));
    let digits: String = groups.concat();
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) || !grouped_ok {
        return Err(BAD.into());
    }
    let whole: i64 = digits
        .parse()
        .ok()
        .filter(|w| *w <= MAX_LINE.0 / 100)
        .ok_or_else(|| format!("Use at most {}.", MAX_LINE.display(Currency::Usd)))?;
    let cents: i64 = format!("{fraction:0<2}")
        .parse()
        .map_err(|_| BAD.to_owned())?;
    let total = whole * 100 + cents;
    if total > MAX_LINE.0 {
        return Err(format!("Use at most {}.", MAX_LINE.display(Currency::Usd)));
    }
    Ok(Cents(total))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn typed_amounts_are_exact() {
        for (typed, cents) in [
            ("150", 15_000),
            ("$150.00", 15_000),
            ("1,250.5", 125_050),
            (" $ 0.07 ", 7),
            ("0", 0),
            ("10,000,000", 1_000_000_000),
        ] {
            assert_eq!(parse_amount(typed), Ok(Cents(cents)), "{typed}");
        }
        for bad in [
            "",
            "abc",
            "1.234",
            "-5",
            "1,25",
            "12,3456",
            "1e3",
            "10,000,000.01",
            ".5",
            "5.",
        ] {
            let parsed = parse_amount(bad);
            // "5." and ".5" are what a person might type; they mean 5 and 0.50.
            if bad == "5." {
                assert_eq!(parsed, Ok(Cents(500)));
            } else if bad == ".5" {
                assert!(parsed.is_err(), "{bad}: a leading digit is needed");
            } else {
                assert!(parsed.is_err(), "{bad} → {parsed:?}");
            }
        }
    }

    #[test]
    fn amounts_read_as_people_write_them() {
        assert_eq!(Cents(125_050).display(Currency::Usd), "$1,250.50");
        assert_eq!(Cents(-2_000).display(Currency::Gbp), "-£20.00");
        assert_eq!(Cents(5).display(Currency::Eur), "€0.05");
        assert_eq!(Cents(123_456_789).display(Currency::Usd), "$1,234,567.89");
        assert_eq!(Cents(-5).to_string(), "-0.05");
    }

    proptest! {
        #[test]
        fn what_is_shown_parses_back(cents in 0i64..=MAX_LINE.0) {
            let shown = Cents(cents).display(Currency::Usd);
            prop_assert_eq!(parse_amount(&shown), Ok(Cents(cents)));
            prop_assert_eq!(parse_amount(&Cents(cents).to_string()), Ok(Cents(cents)));
        }
    }
}
