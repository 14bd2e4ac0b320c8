//! The password policy: length only, no composition rules (NIST SP 800-63B, ASVS 5.0 §6.2).

use std::fmt;

pub const MIN_PASSWORD_CHARS: usize = 12;
/// Long enough for any passphrase, short enough that hashing it is not a denial of service.
pub const MAX_PASSWORD_CHARS: usize = 128;

/// A password a person chose, accepted by the policy. Never printed.
#[derive(Clone)]
pub struct NewPassword(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PasswordRejected {
    #[error("Use at least {MIN_PASSWORD_CHARS} characters.")]
    TooShort,
    #[error("Use at most {MAX_PASSWORD_CHARS} characters.")]
    TooLong,
    #[error("The two passwords are not the same.")]
    Mismatch,
    #[error("This password is on a list of commonly used passwords. Choose another.")]
    Common,
}

/// Bundled list of common passwords long enough to pass the length rule (see the file's header).
const COMMON_PASSWORDS: &str = include_str!("common_passwords.txt");

fn is_common(password: &str) -> bool {
    let lower = password.to_lowercase();
    // One character repeated is as weak as any listed password.
    let mut chars = lower.chars();
    let first = chars.next();
    if first.is_some() && chars.all(|c| Some(c) == first) {
        return true;
    }
    COMMON_PASSWORDS
        .lines()
        .filter(|l| !l.starts_with('#'))
        .any(|l| l == lower)
}

impl NewPassword {
    pub fn parse(password: &str, confirmation: &str) -> Result<NewPassword, PasswordRejected> {
        let chars = password.chars().count();
        if chars < MIN_PASSWORD_CHARS {
            return Err(PasswordRejected::TooShort);
        }
        if chars > MAX_PASSWORD_CHARS {
            return Err(PasswordRejected::TooLong);
        }
        if password != confirmation {
            return Err(PasswordRejected::Mismatch);
        }
        if is_common(password) {
            return Err(PasswordRejected::Common);
        }
        Ok(NewPassword(password.to_owned()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("NewPassword(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn length_is_counted_in_characters() {
        assert_eq!(
            NewPassword::parse("elevenchars", "elevenchars").err(),
            Some(PasswordRejected::TooShort)
        );
        // Twelve characters, more than twelve bytes.
        assert!(NewPassword::parse("äöüäöüäöüäöü", "äöüäöüäöüäöü").is_ok());
        let long = "x".repeat(MAX_PASSWORD_CHARS + 1);
        assert_eq!(
            NewPassword::parse(&long, &long).err(),
            Some(PasswordRejected::TooLong)
        );
    }

    #[test]
    fn confirmation_must_match() {
        assert_eq!(
            NewPassword::parse("correct horse battery", "correct horse batterY").err(),
            Some(PasswordRejected::Mismatch)
        );
    }

    #[test]
    fn common_passwords_are_refused_whatever_their_case() {
        for p in [
            "finalfantasy",
            "FinalFantasy",
            "christopher1",
            "aaaaaaaaaaaaaa",
        ] {
            assert_eq!(
                NewPassword::parse(p, p).err(),
                Some(PasswordRejected::Common),
                "{p}"
            );
        }
        assert!(NewPassword::parse("lantern orbit pebble", "lantern orbit pebble").is_ok());
    }

    #[test]
    fn debug_hides_the_password() {
        let p = NewPassword::parse("correct horse battery", "correct horse battery").expect("ok");
        assert!(!format!("{p:?}").contains("horse"));
    }
}
