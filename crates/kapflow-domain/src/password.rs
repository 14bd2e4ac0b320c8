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
        assert!(NewPassword::parse("ääääääääääää", "ääääääääääää").is_ok());
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
    fn debug_hides_the_password() {
        let p = NewPassword::parse("correct horse battery", "correct horse battery").expect("ok");
        assert!(!format!("{p:?}").contains("horse"));
    }
}
