//! The seam between the web layer's `/fhir/r4` routes and the crate that maps records to FHIR.
//!
//! Why a trait here: the FHIR model is the largest thing kapflow compiles, so the web crate
//! does not depend on it (its many test binaries would each link it). The web layer
//! authenticates the token, audits the call and frames the HTTP answer; an implementation of
//! [`FhirServer`] (`kapflow_fhir::api::Server`, installed by the binary) reads the records
//! through the store, within the token's [`ApiGrant`], and answers as FHIR JSON.

use crate::api_tokens::ApiGrant;
use crate::{ClinicalAccess, Store, StoreError};
use kapflow_domain::ClientId;
use std::future::Future;
use std::pin::Pin;
use time::OffsetDateTime;

/// One GET of the API, as the web layer received it.
#[derive(Debug, Clone, Copy)]
pub struct FhirGet<'a> {
    /// The path below the FHIR base, without a leading slash (`Patient/…/$everything`).
    pub path: &'a str,
    /// The raw query string, if any.
    pub query: &'a str,
    /// The FHIR base address as the caller reached it (for full URLs and paging links).
    pub base: &'a str,
    pub now: OffsetDateTime,
}

/// What the API answers: the HTTP status, the FHIR JSON (a resource, a Bundle or an
/// OperationOutcome), and for the audit trail what was asked and whose records it holds.
#[derive(Debug, Clone)]
pub struct FhirReply {
    pub status: u16,
    pub body: serde_json::Value,
    /// `read`, `search`, `everything`, `metadata` or `refused`.
    pub interaction: &'static str,
    /// What was asked for, without PHI (`Observation?patient=<id>`, `Patient/<id>`).
    pub asked: String,
    /// The clients whose records the answer holds (one audit row each).
    pub clients: Vec<ClientId>,
}

/// An OperationOutcome with one issue (`severity` `error` or `fatal`; `code` from FHIR's
/// issue-type value set) — the one builder both the web layer and the FHIR crate answer errors
/// with, so the two cannot drift.
pub fn outcome(severity: &str, code: &str, text: &str) -> serde_json::Value {
    serde_json::json!({
        "resourceType": "OperationOutcome",
        "issue": [{ "severity": severity, "code": code, "diagnostics": text }],
    })
}

pub type FhirFuture<'a> = Pin<Box<dyn Future<Output = Result<FhirReply, StoreError>> + Send + 'a>>;
pub type BundleFuture<'a> =
    Pin<Box<dyn Future<Output = Result<serde_json::Value, StoreError>> + Send + 'a>>;

/// Answers the FHIR API's reads. An implementation must reach a client's records only through
/// `store.access().for_api_token(grant, …)` and `api_token_clients`, so a token never reads
/// outside its scope.
pub trait FhirServer: Send + Sync + 'static {
    fn get<'a>(&'a self, store: &'a Store, grant: &'a ApiGrant, get: FhirGet<'a>)
    -> FhirFuture<'a>;

    /// The client's whole record (and what it refers to) as a `collection` Bundle: the right
    /// of access's machine-readable copy.
    fn record<'a>(
        &'a self,
        store: &'a Store,
        access: &'a ClinicalAccess,
        base: &'a str,
        now: OffsetDateTime,
    ) -> BundleFuture<'a>;
}
