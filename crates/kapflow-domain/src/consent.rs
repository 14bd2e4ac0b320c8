//! Informed consent documents and signatures (docs/domain.md §2): the owner keeps versioned
//! documents; a client signs one exact version in the office, a staff member witnesses, and the
//! signature holds a SHA-256 of the text signed, so later edits can never change what was agreed.

use crate::form::FieldErrors;
use crate::text::{date, required_line, required_text};
use time::Date;

crate::named_enum! {
    /// The consent documents a practice keeps.
    pub enum ConsentKind {
        /// Informed consent to ketamine-assisted psychotherapy.
        Kap = "kap", "KAP informed consent";
        /// Release of information to the partner prescriber organisation.
        ReleaseOfInformation = "release_of_information", "Release of information to the prescriber";
        /// Consent to supportive touch during sessions, where the practice uses touch.
        Touch = "touch", "Touch consent";
    }
}

/// The SHA-256 of the exact text a client signs, as lowercase hex.
pub fn text_sha256(text: &str) -> String {
    crate::digest::sha256_hex(text.as_bytes())
}

/// A new version of a consent document, as the owner typed it.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(default)]
pub struct DocumentInput {
    pub kind: String,
    pub title: String,
    pub body: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewDocument {
    pub kind: ConsentKind,
    pub title: String,
    pub body: String,
}

impl DocumentInput {
    pub fn validate(&self) -> Result<NewDocument, FieldErrors> {
        let mut e = FieldErrors::default();
        let kind = e.take(
            "kind",
            ConsentKind::parse(&self.kind)
                .ok_or_else(|| "Choose which consent this is.".to_owned()),
        );
        let title = e.take("title", required_line(&self.title, 200, "a title"));
        let body = e.take(
            "body",
            required_text(&self.body, 50_000, "the text the client will sign").and_then(|b| {
                if b.contains(crate::consent_drafts::DRAFT_NOTE) {
                    Err("This is still the draft: delete its first line once your lawyer has reviewed the text.".to_owned())
                } else {
                    Ok(b)
                }
            }),
        );
        match (kind, title, body) {
            (Some(kind), Some(title), Some(body)) if e.is_empty() => {
                Ok(NewDocument { kind, title, body })
            }
            _ => Err(e),
        }
    }
}

/// What was typed at signing. Every field is required: a blank form is never a signature.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(default)]
pub struct SignatureInput {
    pub document_id: String,
    pub typed_name: String,
    pub signed_on: String,
    pub agree: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Signature {
    pub typed_name: String,
    pub signed_on: Date,
}

impl SignatureInput {
    /// `today` is the practice's date. A signature is dated the day it is given where the
    /// client is, who may be elsewhere (signing from home): a day either side is accepted.
    /// The typed name must be the client's `legal_name` (case and spacing aside): a signature
    /// in another name is not the client's.
    pub fn validate(&self, today: Date, legal_name: &str) -> Result<Signature, FieldErrors> {
        let mut e = FieldErrors::default();
        let typed_name = e.take(
            "typed_name",
            required_line(
                &self.typed_name,
                200,
                "the client's full name as their signature",
            )
            .and_then(|typed| {
                if same_name(&typed, legal_name) {
                    Ok(typed)
                } else {
                    Err(format!(
                        "The signature must be the client's legal name as on their record: {}.",
                        legal_name.split_whitespace().collect::<Vec<_>>().join(" ")
                    ))
                }
            }),
        );
        let signed_on = e.take(
            "signed_on",
            date(&self.signed_on, "today's date").and_then(|d| {
                if (d - today).whole_days().abs() <= 1 {
                    Ok(d)
                } else {
                    Err("A signature is dated the day it is given: enter today's date.".into())
                }
            }),
        );
        if self.agree != "yes" {
            e.add("agree", "The client must tick the box to agree.");
        }
        match (typed_name, signed_on) {
            (Some(typed_name), Some(signed_on)) if e.is_empty() => Ok(Signature {
                typed_name,
                signed_on,
            }),
            _ => Err(e),
        }
    }
}

/// Two spellings of one name: the same words, whatever their case and the spaces between.
fn same_name(a: &str, b: &str) -> bool {
    let words = |s: &str| {
        s.split_whitespace()
            .map(str::to_lowercase)
            .collect::<Vec<_>>()
    };
    words(a) == words(b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn a_draft_is_not_published_until_its_draft_line_is_gone() {
        let (title, body) = crate::consent_drafts::draft(ConsentKind::Touch, "P", "O");
        let input = DocumentInput {
            kind: "touch".into(),
            title,
            body: body.clone(),
        };
        let e = input.validate().expect_err("a draft");
        assert!(e.get("body").is_some_and(|m| m.contains("still the draft")));
        let reviewed = DocumentInput {
            body: body.replace(crate::consent_drafts::DRAFT_NOTE, ""),
            ..input
        };
        assert!(reviewed.validate().is_ok());
    }

    #[test]
    fn a_signature_is_the_legal_name_whatever_its_case_and_spacing() {
        let sign = |typed: &str| {
            SignatureInput {
                document_id: String::new(),
                typed_name: typed.into(),
                signed_on: "2026-11-29".into(),
                agree: "yes".into(),
            }
            .validate(date!(2026 - 11 - 29), "Ada  Lovelace")
        };
        for ok in ["Ada Lovelace", "ada lovelace", "  ADA   Lovelace "] {
            assert!(sign(ok).is_ok(), "{ok:?}");
        }
        for wrong in ["Ada", "Ada Byron Lovelace", "Mickey Mouse", "AdaLovelace"] {
            let e = sign(wrong).expect_err(wrong);
            assert!(
                e.get("typed_name")
                    .is_some_and(|m| m.contains("legal name as on their record: Ada Lovelace.")),
                "{wrong:?}: {e:?}"
            );
        }
    }

    #[test]
    fn the_hash_is_of_the_exact_text() {
        assert_eq!(
            text_sha256("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_ne!(text_sha256("abc"), text_sha256("abc "));
    }

    #[test]
    fn a_blank_signature_is_refused_field_by_field() {
        let e = SignatureInput::default()
            .validate(date!(2026 - 11 - 29), "Ada Lovelace")
            .expect_err("refused");
        assert!(e.has("typed_name") && e.has("signed_on") && e.has("agree"));
        let ok = SignatureInput {
            document_id: "x".into(),
            typed_name: "Ada Lovelace".into(),
            signed_on: "2026-11-29".into(),
            agree: "yes".into(),
        };
        assert!(ok.validate(date!(2026 - 11 - 29), "Ada Lovelace").is_ok());
        // The client's local date may be a day either side of the practice's.
        for near in ["2026-11-28", "2026-11-30"] {
            let s = SignatureInput {
                signed_on: near.into(),
                ..ok.clone()
            };
            assert!(
                s.validate(date!(2026 - 11 - 29), "Ada Lovelace").is_ok(),
                "{near}"
            );
        }
        let backdated = SignatureInput {
            signed_on: "2026-11-27".into(),
            ..ok
        };
        assert!(
            backdated
                .validate(date!(2026 - 11 - 29), "Ada Lovelace")
                .expect_err("refused")
                .has("signed_on")
        );
    }

    #[test]
    fn documents_need_kind_title_and_text() {
        let e = DocumentInput::default().validate().expect_err("refused");
        assert!(e.has("kind") && e.has("title") && e.has("body"));
        let d = DocumentInput {
            kind: "kap".into(),
            title: "KAP consent".into(),
            body: "I understand…".into(),
        };
        assert_eq!(d.validate().expect("valid").kind, ConsentKind::Kap);
    }
}
