//! Validated one-line text a person types: names, titles.

/// A required single line of at most `max` characters, trimmed. The error is a sentence to
/// show beside the field; `what` completes "Enter …".
pub fn required_line(raw: &str, max: usize, what: &str) -> Result<String, String> {
    let v = raw.trim();
    if v.is_empty() {
        Err(format!("Enter {what}."))
    } else if v.chars().count() > max {
        Err(format!("Use at most {max} characters."))
    } else if v.chars().any(char::is_control) {
        Err("Use letters, numbers and punctuation only.".into())
    } else {
        Ok(v.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_trimmed_and_bounded() {
        assert_eq!(required_line("  Ann ", 10, "your name"), Ok("Ann".into()));
        assert_eq!(
            required_line(" ", 10, "your name"),
            Err("Enter your name.".into())
        );
        assert!(required_line(&"x".repeat(11), 10, "x").is_err());
        assert!(required_line("a\u{7}b", 10, "x").is_err());
    }
}
