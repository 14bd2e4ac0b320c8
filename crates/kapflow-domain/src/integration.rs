//! Integration sessions (docs/domain.md §2): the follow-up sessions between and after dosing
//! sessions that bring what came up into daily life. Until full session notes exist, each is
//! recorded on the course as its date, the therapist who held it and a short summary.

use crate::UserId;
use crate::form::FieldErrors;
use crate::pathway::Stage;
use crate::text::{date, in_words, required_text};
use time::Date;

/// The longest summary kept here; a longer account belongs in the session notes.
pub const SUMMARY_MAX: usize = 2000;

/// The form's fields, in the order the page shows them.
pub const FIELDS: &[&str] = &["held_on", "therapist", "summary"];

#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(default)]
pub struct IntegrationInput {
    pub held_on: String,
    /// The id of the clinician who held the session (one of the client's care team).
    pub therapist: String,
    pub summary: String,
}

/// An integration session as validated; the store checks the therapist is on the care team.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IntegrationSession {
    pub held_on: Date,
    pub therapist: UserId,
    pub summary: String,
}

/// Integration sessions belong to the treatment phase: once dosing has begun and until the
/// course ends.
pub fn may_record(stage: Stage) -> Result<(), String> {
    match stage {
        Stage::Dosing | Stage::Integration => Ok(()),
        Stage::Completed | Stage::Discontinued => Err(format!(
            "This course is {}, so no more integration sessions can be added to it.",
            stage.label().to_lowercase()
        )),
        _ => Err(format!(
            "Integration sessions are recorded once dosing has begun; this course is at {}.",
            stage.label().to_lowercase()
        )),
    }
}

impl IntegrationInput {
    /// Validates the form. `today` and `course_opened` are the practice's dates (the session
    /// was held in the practice, so its date is the practice's, with no slack either side).
    pub fn validate(
        &self,
        today: Date,
        course_opened: Date,
    ) -> Result<IntegrationSession, FieldErrors> {
        let mut e = FieldErrors::in_form_order(FIELDS);
        let held_on = e.take(
            "held_on",
            date(&self.held_on, "the date of the session").and_then(|d| {
                if d > today {
                    Err(
                        "The session cannot be dated in the future; enter the day it was held."
                            .to_owned(),
                    )
                } else if d < course_opened {
                    Err(format!(
                        "This course opened on {}; enter a session date from then on.",
                        in_words(course_opened)
                    ))
                } else {
                    Ok(d)
                }
            }),
        );
        let therapist = e.take(
            "therapist",
            UserId::parse(self.therapist.trim())
                .ok_or_else(|| "Choose the therapist who held the session.".to_owned()),
        );
        let summary = e.take(
            "summary",
            required_text(
                &self.summary,
                SUMMARY_MAX,
                "a short summary of the session (themes, insights, what the client will try)",
            ),
        );
        match (held_on, therapist, summary) {
            (Some(held_on), Some(therapist), Some(summary)) if e.is_empty() => {
                Ok(IntegrationSession {
                    held_on,
                    therapist,
                    summary,
                })
            }
            _ => Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    const TODAY: Date = date!(2026 - 11 - 29);
    const OPENED: Date = date!(2026 - 09 - 01);

    fn form(held_on: &str, summary: &str) -> IntegrationInput {
        IntegrationInput {
            held_on: held_on.into(),
            therapist: UserId::new().to_string(),
            summary: summary.into(),
        }
    }

    #[test]
    fn a_session_is_dated_between_the_course_opening_and_today() {
        for ok in ["2026-09-01", "2026-11-29"] {
            assert!(
                form(ok, "Talked it through.")
                    .validate(TODAY, OPENED)
                    .is_ok(),
                "{ok}"
            );
        }
        let e = form("2026-11-30", "x")
            .validate(TODAY, OPENED)
            .expect_err("future");
        assert_eq!(
            e.get("held_on"),
            Some("The session cannot be dated in the future; enter the day it was held.")
        );
        let e = form("2026-08-31", "x")
            .validate(TODAY, OPENED)
            .expect_err("before");
        assert_eq!(
            e.get("held_on"),
            Some("This course opened on 1 September 2026; enter a session date from then on.")
        );
        let e = form("30/11/2026", "x")
            .validate(TODAY, OPENED)
            .expect_err("format");
        assert!(e.get("held_on").expect("message").contains("like"));
    }

    #[test]
    fn the_summary_and_therapist_are_required_in_the_forms_order() {
        let e = IntegrationInput::default()
            .validate(TODAY, OPENED)
            .expect_err("blank");
        assert_eq!(
            e.iter().map(|(f, _)| f).collect::<Vec<_>>(),
            ["held_on", "therapist", "summary"]
        );
        assert!(
            e.get("summary")
                .expect("summary")
                .starts_with("Enter a short summary")
        );
        let long = "x".repeat(SUMMARY_MAX + 1);
        let e = form("2026-11-29", &long)
            .validate(TODAY, OPENED)
            .expect_err("long");
        assert_eq!(
            e.get("summary"),
            Some("Use at most 2000 characters (you have 2001).")
        );
        let ok = form("2026-11-29", &"x".repeat(SUMMARY_MAX))
            .validate(TODAY, OPENED)
            .expect("at the limit");
        assert_eq!(ok.summary.len(), SUMMARY_MAX);
    }

    #[test]
    fn only_a_course_in_treatment_takes_integration_sessions() {
        for s in [Stage::Dosing, Stage::Integration] {
            assert!(may_record(s).is_ok());
        }
        for s in Stage::ALL {
            if !matches!(s, Stage::Dosing | Stage::Integration) {
                assert!(may_record(s).is_err(), "{s:?}");
            }
        }
        assert_eq!(
            may_record(Stage::Medication),
            Err(
                "Integration sessions are recorded once dosing has begun; this course is at \
                 medication."
                    .into()
            )
        );
    }
}
