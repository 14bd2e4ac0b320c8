//! `/fhir/r4`: every GET below the base goes to the installed FHIR server with the caller's
//! token; the answer is audited (one row per client whose records it holds, naming the token)
//! before a byte of it is sent.

use crate::AppState;
use crate::fhir::{ApiCaller, bare_error, json, outcome};
use axum::Extension;
use axum::extract::State;
use axum::http::{StatusCode, Uri};
use axum::response::Response;
use kapflow_domain::AuditOutcome;
use kapflow_domain::time_util::now_utc;
use kapflow_store::fhir_api::{FhirGet, FhirReply};

pub async fn answer(
    State(state): State<AppState>,
    Extension(caller): Extension<ApiCaller>,
    uri: Uri,
) -> Response {
    let Some(server) = state.fhir() else {
        return outcome(
            StatusCode::NOT_IMPLEMENTED,
            "not-supported",
            "This kapflow instance does not serve the FHIR API.",
        );
    };
    let raw = uri
        .path()
        .strip_prefix(crate::paths::FHIR_BASE)
        .unwrap_or("")
        .trim_start_matches('/');
    // `$everything` may arrive as `%24everything`.
    let path = percent_encoding::percent_decode_str(raw).decode_utf8_lossy();
    let base = format!(
        "{}{}",
        state.config.public_url.trim_end_matches('/'),
        crate::paths::FHIR_BASE
    );
    let now = now_utc();
    let ask = FhirGet {
        path: &path,
        query: uri.query().unwrap_or(""),
        base: &base,
        now,
    };
    let reply = match server.get(&state.store, &caller.grant, ask).await {
        Ok(r) => r,
        Err(e) => return crate::auth::api_token::store_failure(e.into()),
    };
    if let Err(e) = audit(&state, &caller, &reply, now).await {
        return crate::auth::api_token::store_failure(e.into());
    }
    let status = StatusCode::from_u16(reply.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    if reply.body.is_null() {
        return bare_error(status);
    }
    json(status, &reply.body)
}

/// The call's audit rows: what was asked, by which token, about whom.
async fn audit(
    state: &AppState,
    caller: &ApiCaller,
    reply: &FhirReply,
    now: time::OffsetDateTime,
) -> Result<(), kapflow_store::StoreError> {
    let outcome = match reply.status {
        200..=299 => AuditOutcome::Success,
        401 | 403 | 404 => AuditOutcome::Denied,
        _ => AuditOutcome::Failure,
    };
    let entry = kapflow_domain::AuditEntry::system(&format!("fhir.{}", reply.interaction), now)
        .record("api_token", caller.grant.id())
        .ip(caller.ip.clone())
        .because(format!(
            "{} · GET {} → {}",
            caller.grant.name(),
            reply.asked,
            reply.status
        ));
    let entry = kapflow_domain::AuditEntry { outcome, ..entry };
    if reply.clients.is_empty() {
        return state.audit_reads().record(entry).await;
    }
    // A page of patients is one row each, committed together by the batcher.
    let rows = reply.clients.iter().map(|client| {
        // Each row its own id: the entry is a template.
        let row = kapflow_domain::AuditEntry {
            id: kapflow_domain::AuditId::new(),
            ..entry.clone()
        };
        state.audit_reads().record(row.client(client))
    });
    futures_util::future::try_join_all(rows).await?;
    Ok(())
}
