//! Practitioner: a member of the practice's staff or a partner prescriber.

use crate::r4::codes::{ContactPointSystem, NameUse};
use crate::r4::resources::Practitioner;
use crate::r4::types;
use crate::values::{contact, name, string};
use kapflow_store::users::User;

/// A staff account as a Practitioner: the name it shows and its work address; a disabled
/// account is inactive.
pub fn practitioner(user: &User) -> Practitioner {
    Practitioner {
        id: Some(string(&user.id.to_string())),
        active: Some(types::Boolean(!user.disabled)),
        name: vec![name(&user.display_name, NameUse::Usual)],
        telecom: vec![types::ContactPoint {
            r#use: Some(fhir::coded::Coded::Known(
                crate::r4::codes::ContactPointUse::Work,
            )),
            ..contact(ContactPointSystem::Email, &user.email)
        }],
        ..Default::default()
    }
}
