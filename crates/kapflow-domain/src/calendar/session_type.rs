//! Kinds of appointment (assessment, dosing, …): length, room, telehealth and the note each
//! one's clinical note starts from. The practice edits them; the five defaults come with
//! kapflow (the migration writes them).

use crate::form::FieldErrors;
use crate::text::{number_in, required_line};

crate::named_enum! {
    /// Which template a session's clinical note starts from.
    pub enum NoteTemplate {
        Assessment = "assessment", "Assessment";
        Preparation = "preparation", "Preparation";
        Dosing = "dosing", "Dosing session";
        Integration = "integration", "Integration";
        General = "general", "General (DAP)";
        Soap = "soap", "General (SOAP)";
    }
}

crate::named_enum! {
    /// Where an appointment stands.
    pub enum Status {
        Booked = "booked", "Booked";
        Cancelled = "cancelled", "Cancelled";
        NoShow = "no_show", "Did not attend";
    }
}

/// The key of the dosing type: its appointments need a dosing room and open that day's
/// dosing session. It cannot be removed or made into another kind.
pub const DOSING: &str = "dosing";

/// A kind of appointment as the practice set it up.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionType {
    /// Stable key (`assessment`, `dosing`, or a generated one for the practice's own kinds).
    pub key: String,
    pub label: String,
    pub minutes: u32,
    /// Booked in one of the practice's rooms (the dosing type: a room marked for dosing).
    pub needs_room: bool,
    /// May be held by video instead (the practice's own video tool; kapflow hosts none).
    pub telehealth: bool,
    /// Held outside the practice (the partner prescriber's evaluation): no room, and
    /// working hours are not checked.
    pub external: bool,
    pub note_template: NoteTemplate,
    /// Offered for new bookings (a retired kind keeps its past appointments).
    pub active: bool,
}

impl SessionType {
    pub fn is_dosing(&self) -> bool {
        self.key == DOSING
    }
}

/// The longest appointment kapflow books: a long dosing session with its preparation.
pub const MAX_MINUTES: u32 = 8 * 60;

/// The owner's form for a kind of appointment.
#[derive(Clone, Debug, Default, serde::Deserialize)]
pub struct SessionTypeInput {
    #[serde(default)]
    pub label: String,
    #[serde(default)]
    pub minutes: String,
    #[serde(default)]
    pub needs_room: Option<String>,
    #[serde(default)]
    pub telehealth: Option<String>,
    #[serde(default)]
    pub note_template: String,
    #[serde(default)]
    pub active: Option<String>,
}

pub const TYPE_FIELDS: &[&str] = &["label", "minutes", "note_template"];

impl SessionTypeInput {
    /// The kind as edited, for `key`. The dosing kind always needs a room (its gates read the
    /// room) and is never held by video.
    pub fn validate(&self, key: &str, external: bool) -> Result<SessionType, FieldErrors> {
        let mut e = FieldErrors::in_form_order(TYPE_FIELDS);
        let label = e.take("label", required_line(&self.label, 80, "a name"));
        let minutes = e.take(
            "minutes",
            number_in(&self.minutes, 5..=MAX_MINUTES, "the length in minutes").and_then(|m| {
                if m % 5 == 0 {
                    Ok(m)
                } else {
                    Err("Enter the length in steps of 5 minutes.".into())
                }
            }),
        );
        let template = e.take(
            "note_template",
            NoteTemplate::parse(self.note_template.trim())
                .ok_or_else(|| "Choose the note template.".to_owned()),
        );
        match (label, minutes, template) {
            (Some(label), Some(minutes), Some(note_template)) if e.is_empty() => {
                let dosing = key == DOSING;
                Ok(SessionType {
                    key: key.to_owned(),
                    label,
                    minutes,
                    needs_room: dosing || (!external && self.needs_room.is_some()),
                    telehealth: !dosing && self.telehealth.is_some(),
                    external,
                    note_template,
                    active: dosing || self.active.is_some(),
                })
            }
            _ => Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(minutes: &str) -> SessionTypeInput {
        SessionTypeInput {
            label: "Couples session".into(),
            minutes: minutes.into(),
            needs_room: Some("on".into()),
            telehealth: Some("on".into()),
            note_template: "general".into(),
            active: Some("on".into()),
        }
    }

    #[test]
    fn lengths_are_whole_steps_of_five_minutes_up_to_eight_hours() {
        assert_eq!(input("80").validate("x", false).expect("ok").minutes, 80);
        for bad in ["", "0", "52", "481", "-5", "ninety"] {
            let e = input(bad).validate("x", false).expect_err(bad);
            assert!(e.has("minutes"), "{bad}");
        }
    }

    #[test]
    fn the_dosing_kind_always_needs_a_room_and_is_never_by_video() {
        let mut i = input("180");
        i.needs_room = None;
        i.active = None;
        let t = i.validate(DOSING, false).expect("ok");
        assert!(t.needs_room && !t.telehealth && t.active && t.is_dosing());
        // An external kind never takes a room.
        let t = input("60").validate("prescriber_visit", true).expect("ok");
        assert!(!t.needs_room && t.telehealth && t.external);
    }
}
