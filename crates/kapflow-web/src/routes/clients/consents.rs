//! Consents: the client signs the current version of each document in the office (typed full
//! name, the date, an explicit tick), witnessed by the signed-in staff member; revocation is
//! recorded and blocks what depends on it. The owner publishes document versions.

use super::{Ctx, DoneQuery, HeaderView, ctx};
use crate::AppState;
use crate::auth::{ClientAccess, OwnerUser, StaffUser};
use crate::error::AppError;
use crate::layout::Layout;
use crate::time_fmt::when;
use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use kapflow_domain::access::Action;
use kapflow_domain::consent::{ConsentKind, DocumentInput, SignatureInput};
use kapflow_domain::form::FieldErrors;
use kapflow_domain::pathway::today;
use kapflow_domain::prescribing::reason;
use kapflow_domain::time_util::now_utc;
use kapflow_domain::{DocumentId, SignatureId};
use kapflow_store::consents::Signed;
use serde::Deserialize;

pub struct DocView {
    pub id: String,
    pub label: &'static str,
    pub title: String,
    pub version: i64,
    pub body: String,
    pub sha256: String,
    pub signed_current: bool,
}

pub struct SignatureView {
    pub id: String,
    pub label: &'static str,
    pub version: i64,
    pub typed_name: String,
    pub signed: String,
    pub witness: String,
    pub sha256: String,
    pub status: String,
    pub revocable: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "consents.html")]
pub struct ConsentsPage {
    pub layout: Layout,
    pub h: HeaderView,
    pub csrf: String,
    pub notice: Option<&'static str>,
    pub today: String,
    pub docs: Vec<DocView>,
    pub signatures: Vec<SignatureView>,
    pub can_edit: bool,
    /// The document whose form was submitted, what was typed and what was wrong.
    pub open_doc: String,
    pub v: SignatureInput,
    pub e: FieldErrors,
    pub revoke_error: Option<(String, String)>,
}

async fn page(
    state: &AppState,
    user: &StaffUser,
    access: ClientAccess,
    notice: Option<&'static str>,
    v: SignatureInput,
    e: FieldErrors,
    revoke_error: Option<(String, String)>,
) -> Result<ConsentsPage, AppError> {
    let Ctx { header, .. } = ctx(state, &access, "/consents").await?;
    let clinical = access.clinical().ok_or(AppError::NotFound)?;
    let sigs = state.store.consents().signatures(&clinical).await?;
    let docs = state
        .store
        .consents()
        .latest_documents()
        .await?
        .into_iter()
        .map(|d| DocView {
            signed_current: sigs
                .iter()
                .any(|s| s.kind == d.kind && s.version == d.version && s.revoked_at.is_none()),
            id: d.id.to_string(),
            label: d.kind.label(),
            title: d.title,
            version: d.version,
            body: d.body,
            sha256: d.sha256,
        })
        .collect();
    let signatures = sigs
        .iter()
        .map(|s| SignatureView {
            id: s.id.to_string(),
            label: s.kind.label(),
            version: s.version,
            typed_name: s.typed_name.clone(),
            signed: format!("{} (dated {})", when(s.signed_at), s.signed_on),
            witness: s.witness_name.clone(),
            sha256: s.sha256.clone(),
            status: match (&s.revoked_at, s.is_current()) {
                (Some(t), _) => format!(
                    "Revoked {}: {}",
                    when(*t),
                    s.revoke_reason.clone().unwrap_or_default()
                ),
                (None, true) => "Current".into(),
                (None, false) => "Superseded by a newer version: sign again".into(),
            },
            revocable: s.revoked_at.is_none(),
        })
        .collect();
    Ok(ConsentsPage {
        layout: Layout::for_user(state, &user.0).await?,
        h: header,
        csrf: user.0.csrf().to_owned(),
        notice,
        today: today(now_utc()).to_string(),
        docs,
        signatures,
        can_edit: access.may(Action::EditClinicalRecord),
        open_doc: v.document_id.clone(),
        v,
        e,
        revoke_error,
    })
}

pub async fn show(
    State(state): State<AppState>,
    user: StaffUser,
    access: ClientAccess,
    Query(q): Query<DoneQuery>,
) -> Result<ConsentsPage, AppError> {
    let notice = match q.done.as_str() {
        "signed" => Some("Signature recorded, with you as witness."),
        "revoked" => Some("Revocation recorded."),
        _ => None,
    };
    page(
        &state,
        &user,
        access,
        notice,
        SignatureInput::default(),
        FieldErrors::default(),
        None,
    )
    .await
}

pub async fn sign(
    State(state): State<AppState>,
    user: StaffUser,
    access: ClientAccess,
    Form(v): Form<SignatureInput>,
) -> Result<Response, AppError> {
    let doc = DocumentId::parse(&v.document_id).ok_or(AppError::BadRequest)?;
    let sig = match v.validate(today(now_utc())) {
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
            return Ok(Redirect::to(&format!(
                "/clients/{}/consents?done=signed",
                access.client()
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

pub async fn revoke(
    State(state): State<AppState>,
    user: StaffUser,
    access: ClientAccess,
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
                Some((signature.to_string(), msg)),
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
    Ok(Redirect::to(&format!(
        "/clients/{}/consents?done=revoked",
        access.client()
    ))
    .into_response())
}

pub struct VersionView {
    pub label: &'static str,
    pub version: i64,
    pub title: String,
    pub published: String,
    pub sha256: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "consent_documents.html")]
pub struct DocumentsPage {
    pub layout: Layout,
    pub csrf: String,
    pub notice: Option<String>,
    pub versions: Vec<VersionView>,
    pub kinds: Vec<(&'static str, &'static str)>,
    pub v: DocumentInput,
    pub e: FieldErrors,
}

async fn documents_page(
    state: &AppState,
    user: &OwnerUser,
    notice: Option<String>,
    v: DocumentInput,
    e: FieldErrors,
) -> Result<DocumentsPage, AppError> {
    Ok(DocumentsPage {
        layout: Layout::for_user(state, &user.0).await?,
        csrf: user.0.csrf().to_owned(),
        notice,
        versions: state
            .store
            .consents()
            .documents()
            .await?
            .into_iter()
            .map(|d| VersionView {
                label: d.kind.label(),
                version: d.version,
                title: d.title,
                published: when(d.created_at),
                sha256: d.sha256,
            })
            .collect(),
        kinds: ConsentKind::ALL
            .iter()
            .map(|k| (k.as_str(), k.label()))
            .collect(),
        v,
        e,
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PublishedQuery {
    version: String,
}

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
    documents_page(
        &state,
        &user,
        notice,
        DocumentInput::default(),
        FieldErrors::default(),
    )
    .await
}

pub async fn publish(
    State(state): State<AppState>,
    user: OwnerUser,
    Form(v): Form<DocumentInput>,
) -> Result<Response, AppError> {
    match v.validate() {
        Ok(doc) => {
            let version = state
                .store
                .consents()
                .add_document(&doc, &user.0.actor(), now_utc())
                .await?;
            Ok(Redirect::to(&format!("/consent-documents?version={version}")).into_response())
        }
        Err(e) => {
            let p = documents_page(&state, &user, None, v, e).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, p).into_response())
        }
    }
}
