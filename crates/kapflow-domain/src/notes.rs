//! Clinical notes: the sections each template asks for, a note's canonical text and the
//! SHA-256 a signature covers, and what a save, a signature or an addendum must hold.
//!
//! Psychotherapy notes (45 CFR 164.501: the therapist's own process notes, kept apart from the
//! record) are a separate record kind with one free-text body; they are never part of a
//! clinical note, an export, the prescriber's view or the client's.

use crate::calendar::NoteTemplate;
use crate::form::FieldErrors;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// One section of a template.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Section {
    pub key: &'static str,
    pub heading: &'static str,
    pub hint: &'static str,
}

const fn s(key: &'static str, heading: &'static str, hint: &'static str) -> Section {
    Section { key, heading, hint }
}

const DAP: &[Section] = &[
    s(
        "data",
        "Data",
        "What happened in the session: what the client said and did, what was done.",
    ),
    s(
        "assessment",
        "Assessment",
        "Your clinical reading of it: progress, risk, response.",
    ),
    s(
        "plan",
        "Plan",
        "Next steps, homework, the next appointment.",
    ),
];

const SOAP: &[Section] = &[
    s("subjective", "Subjective", "The client's own account."),
    s(
        "objective",
        "Objective",
        "What you observed; scores; vital signs.",
    ),
    s("assessment", "Assessment", "Your clinical reading of it."),
    s("plan", "Plan", "Next steps."),
];

const ASSESSMENT: &[Section] = &[
    s(
        "presenting",
        "Presenting concerns",
        "Why the client came, in their words.",
    ),
    s(
        "history",
        "History and context",
        "Psychiatric, medical, substance use, social.",
    ),
    s(
        "mental_status",
        "Mental status",
        "Appearance, mood and affect, thought, cognition, insight.",
    ),
    s(
        "risk",
        "Risk assessment",
        "Suicide and self-harm risk, harm to others, protective factors.",
    ),
    s(
        "formulation",
        "Assessment and formulation",
        "Your understanding; suitability for KAP.",
    ),
    s("plan", "Plan", "Next steps on the pathway."),
];

const PREPARATION: &[Section] = &[
    s(
        "data",
        "Data",
        "What was discussed: intentions, expectations, set and setting, the day itself.",
    ),
    s(
        "assessment",
        "Assessment",
        "Readiness for dosing; concerns.",
    ),
    s(
        "plan",
        "Plan",
        "What remains before the first dosing session.",
    ),
];

const DOSING: &[Section] = &[
    s(
        "data",
        "Data",
        "The session: dose and times, vital signs, observations, discharge (filled from the session's record where it exists).",
    ),
    s(
        "assessment",
        "Assessment",
        "The client's experience and your clinical reading of it.",
    ),
    s("plan", "Plan", "Integration and the next session."),
];

const INTEGRATION: &[Section] = &[
    s(
        "data",
        "Data",
        "What the client brought from the dosing session; themes.",
    ),
    s(
        "assessment",
        "Assessment",
        "Progress toward the intentions; risk.",
    ),
    s(
        "plan",
        "Plan",
        "Practices between sessions; the next appointment.",
    ),
];

/// The sections of a template, in order.
pub fn sections(t: NoteTemplate) -> &'static [Section] {
    match t {
        NoteTemplate::Assessment => ASSESSMENT,
        NoteTemplate::Preparation => PREPARATION,
        NoteTemplate::Dosing => DOSING,
        NoteTemplate::Integration => INTEGRATION,
        NoteTemplate::General => DAP,
        NoteTemplate::Soap => SOAP,
    }
}

/// The longest section (and the longest addendum or psychotherapy note) kapflow keeps.
pub const MAX_TEXT: usize = 20_000;

/// A note's text: each section's text by key, in the template's order.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoteBody(pub Vec<(String, String)>);

impl NoteBody {
    /// The text of section `key` ("" when empty).
    pub fn get(&self, key: &str) -> &str {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    }

    /// Reads the form's sections for template `t`; only a section longer than [`MAX_TEXT`] is
    /// refused (a draft may be empty or half written).
    pub fn from_form(
        t: NoteTemplate,
        value: &dyn Fn(&str) -> String,
    ) -> Result<NoteBody, FieldErrors> {
        let mut e = FieldErrors::default();
        let mut out = Vec::new();
        for sec in sections(t) {
            let v = value(sec.key).replace("\r\n", "\n");
            if v.chars().count() > MAX_TEXT {
                e.add(
                    sec.key,
                    format!("Keep {} under {MAX_TEXT} characters.", sec.heading),
                );
            }
            out.push((sec.key.to_owned(), v));
        }
        if e.is_empty() {
            Ok(NoteBody(out))
        } else {
            Err(e)
        }
    }

    /// Whether nothing is written in any section.
    pub fn is_empty(&self) -> bool {
        self.0.iter().all(|(_, v)| v.trim().is_empty())
    }

    /// The text a signature covers: each section's heading and text, in the template's order.
    pub fn canonical(&self, t: NoteTemplate) -> String {
        let mut out = String::new();
        for sec in sections(t) {
            out.push_str(sec.heading);
            out.push('\n');
            out.push_str(self.get(sec.key).trim_end());
            out.push_str("\n\n");
        }
        out
    }
}

/// SHA-256 of a signed text, in hex.
pub fn content_hash(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// A free text (an addendum, a psychotherapy note) that must say something.
pub fn required_body(raw: &str, what: &str) -> Result<String, String> {
    let v = raw.replace("\r\n", "\n");
    if v.trim().is_empty() {
        Err(format!("Write {what}."))
    } else if v.chars().count() > MAX_TEXT {
        Err(format!("Keep {what} under {MAX_TEXT} characters."))
    } else {
        Ok(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_has_its_sections_and_a_plan() {
        for t in NoteTemplate::ALL {
            let s = sections(t);
            assert!(s.len() >= 3 && s.iter().any(|x| x.key == "plan"), "{t:?}");
        }
        assert_eq!(sections(NoteTemplate::Soap)[0].heading, "Subjective");
    }

    #[test]
    fn the_signed_text_is_the_sections_in_order_and_its_hash_is_stable() {
        let form = |k: &str| match k {
            "data" => "Talked about the dose.\r\nCalm.".into(),
            "plan" => "Integration Tuesday.".into(),
            _ => String::new(),
        };
        let b = NoteBody::from_form(NoteTemplate::General, &form).expect("ok");
        assert!(!b.is_empty());
        let text = b.canonical(NoteTemplate::General);
        assert_eq!(
            text,
            "Data\nTalked about the dose.\nCalm.\n\nAssessment\n\n\nPlan\nIntegration Tuesday.\n\n"
        );
        assert_eq!(
            content_hash(&text),
            content_hash(&b.canonical(NoteTemplate::General))
        );
        assert_ne!(content_hash(&text), content_hash("Data\n"));
        assert_eq!(content_hash("").len(), 64);
    }

    #[test]
    fn sections_and_bodies_have_limits() {
        let long = "x".repeat(MAX_TEXT + 1);
        let form = |k: &str| {
            if k == "data" {
                long.clone()
            } else {
                String::new()
            }
        };
        assert!(
            NoteBody::from_form(NoteTemplate::General, &form)
                .expect_err("long")
                .has("data")
        );
        assert!(
            NoteBody::from_form(NoteTemplate::General, &|_: &str| String::new())
                .expect("ok")
                .is_empty()
        );
        assert_eq!(
            required_body("  ", "the addendum"),
            Err("Write the addendum.".into())
        );
        assert!(required_body("Later: the client called.", "the addendum").is_ok());
    }
}
