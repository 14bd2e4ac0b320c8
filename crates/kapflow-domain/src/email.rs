//! A validated, normalised email address.

use std::fmt;

/// An email address, trimmed and lower-cased so that one person has one account.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Email(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EmailRejected {
    #[error("Enter an email address.")]
    Empty,
    #[error("Enter an email address like name@example.com.")]
    Malformed,
    #[error("That email address is too long.")]
    TooLong,
}

impl Email {
    /// Deliberately simple: one `@`, a non-empty local part, a dotted domain, no spaces.
    /// Deliverability is proven by the invitation link, not by a regex.
    pub fn parse(raw: &str) -> Result<Email, EmailRejected> {
        let s = raw.trim().to_lowercase();
        if s.is_empty() {
            return Err(EmailRejected::Empty);
        }
        if s.len() > 254 {
            return Err(EmailRejected::TooLong);
        }
        let Some((local, domain)) = s.split_once('@') else {
            return Err(EmailRejected::Malformed);
        };
        let bad_char = |c: char| c.is_whitespace() || c.is_control() || c == '<' || c == '>';
        if local.is_empty()
            || domain.len() < 3
            || domain.contains('@')
            || !domain.contains('.')
            || domain.starts_with('.')
            || domain.ends_with('.')
            || s.chars().any(bad_char)
        {
            return Err(EmailRejected::Malformed);
        }
        Ok(Email(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

// An address identifies a person: keep it out of debug output and so out of logs.
impl fmt::Debug for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Email(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_case_and_space() {
        assert_eq!(
            Email::parse("  Ann@Example.ORG ").map(|e| e.as_str().to_owned()),
            Ok("ann@example.org".to_owned())
        );
    }

    #[test]
    fn refuses_malformed() {
        for bad in [
            "",
            "ann",
            "ann@",
            "@x.org",
            "ann@x",
            "a b@x.org",
            "a@b@c.org",
            "a@.org",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad} was accepted");
        }
    }

    #[test]
    fn debug_does_not_reveal_the_address() {
        let e = Email::parse("ann@example.org").expect("valid");
        assert!(!format!("{e:?}").contains("ann"));
    }
}
