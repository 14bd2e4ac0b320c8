//! Second-factor rules that do not depend on a crypto library: replay refusal and recovery codes.

/// TOTP codes are valid for one 30-second step (±1 for clock skew). A code whose step is not
/// after the last accepted one is a replay, even if it is still valid.
pub fn step_is_fresh(last_accepted: Option<i64>, step: i64) -> bool {
    last_accepted.is_none_or(|last| step > last)
}

/// How many single-use recovery codes a person gets.
pub const RECOVERY_CODE_COUNT: usize = 10;

/// Normalises a typed recovery code: case, spaces and dashes do not matter.
pub fn normalise_recovery_code(typed: &str) -> String {
    typed
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// Normalises a typed TOTP code: digits only, exactly six.
pub fn parse_totp_code(typed: &str) -> Option<String> {
    let digits: String = typed.chars().filter(|c| !c.is_whitespace()).collect();
    (digits.len() == 6 && digits.bytes().all(|b| b.is_ascii_digit())).then_some(digits)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replays_are_refused() {
        assert!(step_is_fresh(None, 10));
        assert!(step_is_fresh(Some(9), 10));
        assert!(!step_is_fresh(Some(10), 10));
        assert!(!step_is_fresh(Some(11), 10));
    }

    #[test]
    fn codes_are_normalised() {
        assert_eq!(normalise_recovery_code(" AB12-cd34 "), "ab12cd34");
        assert_eq!(parse_totp_code("123 456").as_deref(), Some("123456"));
        assert_eq!(parse_totp_code("12345"), None);
        assert_eq!(parse_totp_code("12345a"), None);
    }
}
