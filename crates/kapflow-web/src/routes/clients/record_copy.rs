//! A copy of the client's record to hand to them (their right of access): the whole designated
//! record set as a PDF, or as a FHIR R4 Bundle for another clinician's system. For the care
//! team (clinical readers), after a fresh step-up; each copy made is audited.

use super::OnClient;
use crate::error::AppError;
use crate::time_fmt::day;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use kapflow_domain::access::Relationship;
use kapflow_domain::time_util::now_utc;
use kapflow_store::ClinicalAccess;

/// Records that a copy of the record left kapflow, in which form.
pub async fn audited(
    state: &crate::AppState,
    actor: &kapflow_domain::Actor,
    access: &ClinicalAccess,
    form: &str,
) -> Result<(), AppError> {
    let entry = actor
        .entry("record.copy_made", now_utc())
        .client(access.client())
        .record("record_copy", form);
    state.store.audit().record(&entry).await?;
    Ok(())
}

/// The care team's proof for making a copy: a clinician on the team (not a break-glass
/// reader, not the prescriber, who reads the referral packet only).
fn care_team(access: &crate::auth::access::ClientAccess) -> Result<ClinicalAccess, AppError> {
    if access.relationship() != Relationship::AssignedClinician {
        return Err(AppError::NotFound);
    }
    access.clinical_or_404()
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn pdf(on: OnClient) -> Result<Response, AppError> {
    let OnClient(state, user, access) = &on;
    let clinical = care_team(access)?;
    let doc = crate::record_copy::document(state, &clinical).await?;
    audited(state, &user.0.actor(), &clinical, "pdf").await?;
    Ok(crate::print::pdf(
        &doc,
        &format!("health-record-{}.pdf", day(now_utc())),
    ))
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn fhir(on: OnClient) -> Result<Response, AppError> {
    let OnClient(state, user, access) = &on;
    let clinical = care_team(access)?;
    let body = bundle(state, &clinical).await?;
    audited(state, &user.0.actor(), &clinical, "fhir").await?;
    Ok(bundle_download(body))
}

/// The record as a FHIR `collection` Bundle, from the installed FHIR server.
pub async fn bundle(
    state: &crate::AppState,
    access: &ClinicalAccess,
) -> Result<serde_json::Value, AppError> {
    let server = state.fhir().ok_or(AppError::NotFound)?;
    let base = format!(
        "{}{}",
        state.config.public_url.trim_end_matches('/'),
        crate::paths::FHIR_BASE
    );
    Ok(server
        .record(&state.store, access, &base, now_utc())
        .await?)
}

/// The Bundle as a download (named without anything about the client).
pub fn bundle_download(body: serde_json::Value) -> Response {
    let mut res = body.to_string().into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(crate::fhir::FHIR_JSON),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Ok(v) = HeaderValue::from_str(&format!(
        "attachment; filename=\"health-record-{}.json\"",
        day(now_utc())
    )) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    res
}
