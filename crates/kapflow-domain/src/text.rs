//! Validated one-line text a person types: names, titles, numbers and dates.

use time::Date;

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
pub fn date(raw: &str, what: &str) -> Result<Date, String> {
    let v = raw.trim();
    if v.is_empty() {
        return Err(format!("Enter {what}."));
    }
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    Date::parse(v, &fmt).map_err(|_| format!("Enter {what} as a date, like 1980-04-23."))
}

/// A date typed by a person that must fall between `earliest` and `latest` (both allowed), so a
/// slip of the keyboard (1900, 9999) is caught where it is typed instead of being stored. The
/// refusal names the field and the allowed range in words.
pub fn date_within(raw: &str, what: &str, earliest: Date, latest: Date) -> Result<Date, String> {
    let d = date(raw, what)?;
    if (earliest..=latest).contains(&d) {
        Ok(d)
    } else {
        Err(format!(
            "Enter {what} between {} and {}.",
            in_words(earliest),
            in_words(latest)
        ))
    }
}

/// A date as people read it in a message, like "3 December 2026" (no day/month ambiguity).
pub fn in_words(d: Date) -> String {
    format!("{} {} {}", d.day(), d.month(), d.year())
}

/// The same day `years` calendar years later (earlier when negative); 29 February becomes
/// 28 February in a year without it. Saturates at the calendar's ends instead of panicking.
pub fn years_from(d: Date, years: i32) -> Date {
    let y = d.year().saturating_add(years);
    d.replace_year(y)
        .or_else(|_| d.replace_day(28).and_then(|d28| d28.replace_year(y)))
        .unwrap_or(if years < 0 { Date::MIN } else { Date::MAX })
}

/// `days` days from `d`, saturating at the calendar's ends instead of panicking.
pub fn days_from(d: Date, days: i64) -> Date {
    d.checked_add(time::Duration::days(days))
        .unwrap_or(if days < 0 { Date::MIN } else { Date::MAX })
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

    #[test]
    fn dates_within_a_window_accept_both_ends_and_nothing_outside() {
        use time::macros::date;
        let (a, b) = (date!(2025 - 11 - 29), date!(2026 - 11 - 30));
        let within = |raw: &str| date_within(raw, "the date it shipped", a, b);
        assert_eq!(within("2025-11-29"), Ok(a));
        assert_eq!(within("2026-11-30"), Ok(b));
        let msg = "Enter the date it shipped between 29 November 2025 and 30 November 2026.";
        for outside in ["2025-11-28", "2026-12-01", "1900-01-01", "9999-12-31"] {
            assert_eq!(within(outside), Err(msg.to_owned()), "{outside}");
        }
        // Typing errors still get the format message, blanks the "Enter" one.
        assert!(within("29/11/2025").expect_err("refused").contains("like"));
        assert_eq!(within(" "), Err("Enter the date it shipped.".to_owned()));
    }

    #[test]
    fn calendar_steps_keep_the_day_and_never_panic() {
        use time::macros::date;
        assert_eq!(years_from(date!(2026 - 11 - 29), -1), date!(2025 - 11 - 29));
        assert_eq!(years_from(date!(2026 - 11 - 29), 2), date!(2028 - 11 - 29));
        assert_eq!(years_from(date!(2028 - 02 - 29), 1), date!(2029 - 02 - 28));
        assert_eq!(years_from(date!(2028 - 02 - 29), -4), date!(2024 - 02 - 29));
        assert_eq!(years_from(Date::MAX, 2), Date::MAX);
        assert_eq!(years_from(Date::MIN, -1), Date::MIN);
        assert_eq!(days_from(date!(2026 - 12 - 31), 1), date!(2027 - 01 - 01));
        assert_eq!(days_from(Date::MAX, 1), Date::MAX);
        assert_eq!(days_from(Date::MIN, -1), Date::MIN);
        assert_eq!(in_words(date!(2026 - 03 - 04)), "4 March 2026");
    }
}
