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

/// An optional single line: empty means `None`.
pub fn optional_line(raw: &str, max: usize) -> Result<Option<String>, String> {
    let v = raw.trim();
    if v.is_empty() {
        Ok(None)
    } else {
        required_line(v, max, "it").map(Some)
    }
}

/// Free text of at most `max` characters (line breaks allowed), trimmed; may be empty.
pub fn free_text(raw: &str, max: usize) -> Result<String, String> {
    let v = raw.trim();
    let chars = v.chars().count();
    if chars > max {
        Err(format!("Use at most {max} characters (you have {chars})."))
    } else if v
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        Err("Use letters, numbers and punctuation only.".into())
    } else {
        Ok(v.replace("\r\n", "\n"))
    }
}

/// Free text that must not be blank.
pub fn required_text(raw: &str, max: usize, what: &str) -> Result<String, String> {
    let v = free_text(raw, max)?;
    if v.is_empty() {
        Err(format!("Enter {what}."))
    } else {
        Ok(v)
    }
}

/// A phone number: digits and the usual punctuation, 7 to 15 digits; empty means `None`.
pub fn phone(raw: &str) -> Result<Option<String>, String> {
    let v = raw.trim();
    if v.is_empty() {
        return Ok(None);
    }
    let digits = v.chars().filter(char::is_ascii_digit).count();
    let allowed = v
        .chars()
        .all(|c| c.is_ascii_digit() || " +-().".contains(c));
    if allowed && (7..=15).contains(&digits) && v.len() <= 30 {
        Ok(Some(v.to_owned()))
    } else {
        Err("Enter a phone number like 555-123-4567.".into())
    }
}

/// A calendar date typed as YYYY-MM-DD (what `<input type=date>` sends).
pub fn date(raw: &str, what: &str) -> Result<time::Date, String> {
    let v = raw.trim();
    if v.is_empty() {
        return Err(format!("Enter {what}."));
    }
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(v, &fmt).map_err(|_| format!("Enter {what} as a date, like 1980-04-23."))
}

/// A whole number within `range`, typed by a person.
pub fn number_in(
    raw: &str,
    range: std::ops::RangeInclusive<u32>,
    what: &str,
) -> Result<u32, String> {
    let v = raw.trim();
    if v.is_empty() {
        return Err(format!("Enter {what}."));
    }
    match v.parse::<u32>() {
        Ok(n) if range.contains(&n) => Ok(n),
        _ => Err(format!(
            "Enter {what} as a whole number from {} to {}.",
            range.start(),
            range.end()
        )),
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

    #[test]
    fn typed_values_are_checked_with_a_message() {
        assert_eq!(optional_line("  ", 5), Ok(None));
        assert_eq!(free_text(" a\r\nb ", 10), Ok("a\nb".into()));
        assert!(free_text("abc", 2).is_err());
        assert!(required_text("  ", 9, "goals").is_err());
        assert_eq!(phone("555-123-4567"), Ok(Some("555-123-4567".into())));
        assert!(phone("call me").is_err());
        assert!(date("1980-04-23", "a date").is_ok());
        assert!(date("23/04/1980", "a date").is_err());
        assert!(
            date("", "a date")
                .expect_err("refused")
                .starts_with("Enter")
        );
        assert_eq!(number_in("120", 40..=300, "systolic"), Ok(120));
        assert!(number_in("12a", 40..=300, "systolic").is_err());
        assert!(number_in("20", 40..=300, "systolic").is_err());
    }
}
