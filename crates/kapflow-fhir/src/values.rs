//! Small builders for the datatypes every mapping uses.

use crate::r4::codes::{ContactPointSystem, NameUse};
use crate::r4::types;
use fhir::coded::Coded;

pub(crate) fn string(text: &str) -> types::String {
    types::String(text.to_owned())
}

/// A name as the person wrote it: kapflow keeps names whole (never split into given and
/// family, which would guess wrong for many names).
pub(crate) fn name(text: &str, used: NameUse) -> types::HumanName {
    types::HumanName {
        r#use: Some(Coded::Known(used)),
        text: Some(string(text)),
        ..Default::default()
    }
}

pub(crate) fn contact(system: ContactPointSystem, value: &str) -> types::ContactPoint {
    types::ContactPoint {
        system: Some(Coded::Known(system)),
        value: Some(string(value)),
        ..Default::default()
    }
}

/// A concept with one coding from `system`.
pub(crate) fn coded(system: &str, code: &str, display: &str) -> types::CodeableConcept {
    types::CodeableConcept {
        coding: vec![types::Coding {
            system: Some(types::Uri(system.to_owned())),
            code: Some(types::Code(code.to_owned())),
            display: Some(string(display)),
            ..Default::default()
        }],
        ..Default::default()
    }
}

/// A concept that is only words (no code system says it).
pub(crate) fn words(text: &str) -> types::CodeableConcept {
    types::CodeableConcept {
        text: Some(string(text)),
        ..Default::default()
    }
}

/// A reference to the resource `kind/id` on this server.
pub(crate) fn reference<T>(kind: &str, id: impl std::fmt::Display) -> types::Reference<T>
where
    types::Reference<T>: Default,
{
    types::Reference {
        reference: Some(string(&format!("{kind}/{id}"))),
        ..Default::default()
    }
}
