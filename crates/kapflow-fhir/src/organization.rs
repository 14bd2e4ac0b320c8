//! Organization: the practice itself, and the partner organisations its prescribers work for.

use crate::r4::resources::Organization;
use crate::r4::types;
use crate::values::{coded, string};
use kapflow_domain::OrgId;

/// The practice's resource id: there is one practice per kapflow.
pub const PRACTICE_ID: &str = "practice";

const ORGANIZATION_TYPE: &str = "http://terminology.hl7.org/CodeSystem/organization-type";

/// The practice, by the name it gave at setup.
pub fn practice(name: &str) -> Organization {
    provider(PRACTICE_ID, name)
}

/// A partner organisation (the prescriber's practice or service).
pub fn partner(id: OrgId, name: &str) -> Organization {
    provider(&id.to_string(), name)
}

fn provider(id: &str, name: &str) -> Organization {
    Organization {
        id: Some(string(id)),
        active: Some(types::Boolean(true)),
        r#type: vec![coded(ORGANIZATION_TYPE, "prov", "Healthcare Provider")],
        name: Some(string(name)),
        ..Default::default()
    }
}
