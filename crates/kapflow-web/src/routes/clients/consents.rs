//! Consents: the client signs the current version of each document in the office (typed full
//! name, the date, an explicit tick), witnessed by the signed-in staff member; revocation is
//! recorded and blocks what depends on it. The owner publishes document versions.

use super::{OnClient, Showing};
use crate::AppState;
use crate::auth::OwnerUser;
use crate::error::AppError;
use crate::practice_zone::today;
use crate::views::clients::consents::{ConsentsPage, DocumentsPage, documents_page, page};
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use kapflow_domain::consent::{ConsentKind, DocumentInput, SignatureInput};
use kapflow_domain::form::FieldErrors;
use kapflow_domain::prescribing::reason;
use kapflow_domain::time_util::now_utc;
use kapflow_domain::{DocumentId, SignatureId};
use kapflow_store::consents::Signed;
use serde::Deserialize;

/// What the page confirms after each `?done=`.
const NOTICES: &[(&str, &str)] = &[
    ("signed", "Signature recorded, with you as witness."),
    ("revoked", "Revocation recorded."),
    (
        "accepted",
        "The client's signature is accepted: it counts from now on.",
    ),
];

#[tracing::instrument(level = "debug", skip_all)]
pub async fn show(
    Showing(OnClient(state, user, access), q): Showing,
) -> Result<ConsentsPage, AppError> {
    page(
        &state,
        &user,
        access,
        q.notice(NOTICES),
        SignatureInput::default(),
        FieldErrors::default(),
        None,
    )
    .await
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn sign(
    OnClient(state, user, access): OnClient,
    Form(v): Form<SignatureInput>,
) -> Result<Response, AppError> {
    let doc = DocumentId::parse(&v.document_id).ok_or(AppError::BadRequest)?;
    let legal_name =
        crate::views::clients::ctx(&state, &access, crate::views::clients::Tab::Consents)
            .await?
            .client
            .legal_name;
    let sig = match v.validate(today(now_utc()), &legal_name) {
        Ok(s) => s,
        Err(e) => {
            let p = page(&state, &user, access, None, v, e, None).await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, p).into_response());
        }
    };
    let outcome = state
        .store
        .consents()
        .sign(&access, doc, &sig, &user.0.actor(), now_utc())
        .await?
        .ok_or(AppError::NotFound)?;
    let msg = match outcome {
        Signed::Signed(_) => {
            return Ok(Redirect::to(&crate::paths::done(
                crate::paths::consents(access.client()),
                "signed",
            ))
            .into_response());
        }
        Signed::Outdated => {
            "A newer version of this document was published: read it with the client and sign that one."
        }
        Signed::NoSuchDocument => return Err(AppError::BadRequest),
        Signed::TextAltered => {
            "This document's stored text does not match its published hash; it cannot be signed. Tell the practice owner."
        }
    };
    let mut e = FieldErrors::default();
    e.add("agree", msg);
    let p = page(&state, &user, access, None, v, e, None).await?;
    Ok((StatusCode::CONFLICT, p).into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct RevokeForm {
    reason: String,
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn revoke(
    OnClient(state, user, access): OnClient,
    Path((_, signature)): Path<(String, String)>,
    Form(f): Form<RevokeForm>,
) -> Result<Response, AppError> {
    let signature = SignatureId::parse(&signature).ok_or(AppError::NotFound)?;
    let why = match reason(&f.reason, "why the client revokes this consent") {
        Ok(r) => r,
        Err(e) => {
            let msg = e.get("reason").unwrap_or_default().to_owned();
            let p = page(
                &state,
                &user,
                access,
                None,
                SignatureInput::default(),
                FieldErrors::default(),
                Some((signature, msg)),
            )
            .await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, p).into_response());
        }
    };
    if !state
        .store
        .consents()
        .revoke(&access, signature, &why, &user.0.actor(), now_utc())
        .await?
    {
        return Err(AppError::NotFound);
    }
    Ok(Redirect::to(&crate::paths::done(
        crate::paths::consents(access.client()),
        "revoked",
    ))
    .into_response())
}

/// A clinician accepts a consent the client signed in the portal (where the practice asks for
/// review): from then on it counts.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn accept(
    OnClient(state, user, access): OnClient,
    Path((_, signature)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let signature = SignatureId::parse(&signature).ok_or(AppError::NotFound)?;
    if !state
        .store
        .consents()
        .accept_review(&access, signature, &user.0.actor(), now_utc())
        .await?
    {
        return Err(AppError::NotFound);
    }
    Ok(Redirect::to(&crate::paths::done(
        crate::paths::consents(access.client()),
        "accepted",
    ))
    .into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PublishedQuery {
    version: String,
    /// `?draft=kap`: the form starts from that document's draft.
    draft: String,
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn documents(
    State(state): State<AppState>,
    user: OwnerUser,
    Query(q): Query<PublishedQuery>,
) -> Result<DocumentsPage, AppError> {
    let notice = q
        .version
        .parse::<i64>()
        .ok()
        .map(|v| format!("Version {v} published. Clients sign it from now on."));
    let v = match ConsentKind::parse(&q.draft) {
        Some(kind) => crate::views::clients::consents::draft_input(&state, kind).await?,
        None => DocumentInput::default(),
    };
    documents_page(&state, &user, notice, v, FieldErrors::default()).await
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn publish(
    State(state): State<AppState>,
    user: OwnerUser,
    Form(v): Form<DocumentInput>,
) -> Result<Response, AppError> {
    match v.validate() {
        Ok(doc) => match state
            .store
            .consents()
            .add_document(&doc, &user.0.actor(), now_utc())
            .await?
        {
            Some(version) => Ok(Redirect::to(&format!(
                "{}?version={version}",
                crate::paths::CONSENT_DOCUMENTS
            ))
            .into_response()),
            None => {
                let e = FieldErrors::of(
                    "title",
                    Some("Another version of this document was published at the same moment, so this one was not. Check the versions listed, then publish again if it is still needed.".to_owned()),
                );
                let p = documents_page(&state, &user, None, v, e).await?;
                Ok((StatusCode::CONFLICT, p).into_response())
            }
        },
        Err(e) => {
            let p = documents_page(&state, &user, None, v, e).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, p).into_response())
        }
    }
}
