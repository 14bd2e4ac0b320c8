//! Consent: a consent the client signed (KAP informed consent, release of information to the
//! partner prescriber, touch): `active`, `proposed` while a portal signature waits for the
//! practice's review, `inactive` once revoked.
//!
//! Codes checked against their sources: scope from FHIR's consent-scope (`treatment`,
//! `patient-privacy`), category from FHIR R4's consent-category value set (LOINC 59284-0
//! "Patient Consent", 64292-6 "Release of information consent"), and the policy rule v3
//! ActCode `OPTIN` (the client opted in by signing). The signed document itself is named in
//! the source attachment; the SHA-256 of its exact text is the consent's identifier.

use crate::observation::date_time;
use crate::r4::codes::ConsentStateCodes;
use crate::r4::resources::Consent;
use crate::r4::resources::consent::ConsentSource;
use crate::r4::types;
use crate::values::{coded, string};
use fhir::coded::Coded;
use kapflow_domain::ClientId;
use kapflow_domain::consent::ConsentKind;
use kapflow_store::consents::SignatureRow;

const SCOPE: &str = "http://terminology.hl7.org/CodeSystem/consentscope";
const LOINC: &str = "http://loinc.org";
const ACT_CODE: &str = "http://terminology.hl7.org/CodeSystem/v3-ActCode";

/// A signature of `client` as a Consent.
pub fn consent(client: ClientId, signature: &SignatureRow) -> Consent {
    let (scope, category) = match signature.kind {
        ConsentKind::ReleaseOfInformation => (
            coded(SCOPE, "patient-privacy", "Privacy Consent"),
            coded(LOINC, "64292-6", "Release of information consent"),
        ),
        ConsentKind::Kap | ConsentKind::Touch => (
            coded(SCOPE, "treatment", "Treatment"),
            coded(LOINC, "59284-0", "Patient Consent"),
        ),
    };
    let patient = crate::patient::reference(client);
    let mut consent = Consent::builder()
        .id(string(&signature.id.to_string()))
        .identifier(vec![types::Identifier {
            system: Some(types::Uri(crate::document::SIGNED_SHA256.to_owned())),
            value: Some(string(&signature.sha256)),
            ..Default::default()
        }])
        .status(Coded::Known(if signature.revoked_at.is_some() {
            ConsentStateCodes::Inactive
        } else if signature.review_pending {
            // Signed in the portal, not yet reviewed by the practice: it does not count yet.
            ConsentStateCodes::Proposed
        } else {
            ConsentStateCodes::Active
        }))
        .scope(scope)
        .category(vec1::Vec1::new(category))
        .date_time(date_time(signature.signed_at))
        .performer(vec![patient.clone()])
        .organization(vec![crate::values::reference(
            "Organization",
            crate::organization::PRACTICE_ID,
        )])
        .source(ConsentSource::Attachment(Box::new(types::Attachment {
            title: Some(string(&format!(
                "{}, version {} (signed as “{}”)",
                signature.title, signature.version, signature.typed_name
            ))),
            creation: Some(date_time(signature.signed_at)),
            ..Default::default()
        })))
        .policy_rule(coded(ACT_CODE, "OPTIN", "opt-in"))
        .build()
        .unwrap_or_else(|e| unreachable!("status, scope and category are set: {e}"));
    consent.patient = Some(crate::values::reference("Patient", client));
    consent
}
