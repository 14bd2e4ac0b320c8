//! Preparation before the medical referral (docs/domain.md §2–3, the seed page): intentions,
//! the expectations the therapist has gone through with the client, and the readiness sign-off.

use crate::form::FieldErrors;
use crate::text::{free_text, required_text};

/// What the therapist goes through with the client; each must be ticked before sign-off.
/// Wording follows the practice's page and the protocol facts of docs/domain.md.
pub const CHECKLIST: &[(&str, &str)] = &[
    (
        "experience",
        "What the experience may be like: a dissociative, dream-like state; feelings and memories may surface",
    ),
    (
        "onset_peak",
        "Onset about 10–30 minutes after the lozenge; peak effects last about 25–60 minutes, fading over 1–2 hours",
    ),
    (
        "administration",
        "The lozenge is held in the mouth for about 10–12 minutes, then the rest is spat out",
    ),
    (
        "therapist_present",
        "The therapist stays in the room for the whole dosing session and never leaves the client alone",
    ),
    (
        "no_driving",
        "No driving or important decisions until the next day, after sleep",
    ),
    (
        "ride_home",
        "A named responsible adult will take the client home",
    ),
    (
        "aftercare",
        "Aftercare: no alcohol or cannabis for 24 hours, no opioids or benzodiazepines for 4 hours; integration sessions follow",
    ),
];

#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct PreparationForm {
    pub intentions: String,
    /// Keys of `CHECKLIST` that were discussed.
    pub discussed: Vec<String>,
    pub notes: String,
}

impl PreparationForm {
    pub fn is_discussed(&self, key: &str) -> bool {
        self.discussed.iter().any(|d| d == key)
    }

    /// The fields in the order the preparation form shows them.
    pub const FIELDS: &'static [&'static str] = &["intentions", "discussed", "notes"];

    pub fn check_draft(&self) -> FieldErrors {
        let mut e = FieldErrors::in_form_order(Self::FIELDS);
        e.take("intentions", free_text(&self.intentions, 4000));
        e.take("notes", free_text(&self.notes, 4000));
        if self
            .discussed
            .iter()
            .any(|d| !CHECKLIST.iter().any(|(k, _)| k == d))
        {
            e.add("discussed", "Choose from the checklist.");
        }
        e
    }

    /// Readiness needs intentions in words and every expectation discussed.
    pub fn check_sign_off(&self) -> FieldErrors {
        let mut e = self.check_draft();
        e.take(
            "intentions",
            required_text(&self.intentions, 4000, "the client's intentions"),
        );
        let missing: Vec<&str> = CHECKLIST
            .iter()
            .filter(|(k, _)| !self.is_discussed(k))
            .map(|(_, label)| *label)
            .collect();
        if !missing.is_empty() {
            e.add(
                "discussed",
                format!("Not yet discussed: {}.", missing.join("; ")),
            );
        }
        e
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_off_needs_intentions_and_every_expectation() {
        let mut f = PreparationForm::default();
        let e = f.check_sign_off();
        assert!(e.has("intentions") && e.has("discussed"));
        f.intentions = "Meet grief with less fear".into();
        f.discussed = CHECKLIST.iter().map(|(k, _)| k.to_string()).collect();
        assert!(f.check_sign_off().is_empty());
        f.discussed.pop();
        assert!(
            f.check_sign_off()
                .get("discussed")
                .expect("valid")
                .contains("Aftercare")
        );
        assert!(f.check_draft().is_empty());
        f.discussed.push("bogus".into());
        assert!(f.check_draft().has("discussed"));
    }
}
