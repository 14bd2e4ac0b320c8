//! A client's consents (documents to sign, signatures on file) and the owner's consent documents.

use super::{Ctx, HeaderView, Tab, ctx};
use crate::AppState;
use crate::auth::{ClientAccess, OwnerUser, StaffUser};
use crate::error::AppError;
use crate::practice_zone::today;
use crate::time_fmt::when;
use crate::views::layout::Layout;
use askama::Template;
use askama_web::WebTemplate;
use kapflow_domain::access::Action;
use kapflow_domain::consent::{ConsentKind, DocumentInput, SignatureInput};
use kapflow_domain::form::FieldErrors;
use kapflow_domain::time_util::now_utc;

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
    pub id: kapflow_domain::SignatureId,
    pub label: &'static str,
    pub version: i64,
    pub typed_name: String,
    pub signed: String,
    pub witness: String,
    pub sha256: String,
    pub status: String,
    pub revocable: bool,
    /// Signed by the client in the portal and waiting for a clinician's review.
    pub awaiting_review: bool,
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
    pub revoke_error: Option<(kapflow_domain::SignatureId, String)>,
}

pub async fn page(
    state: &AppState,
    user: &StaffUser,
    access: ClientAccess,
    notice: Option<&'static str>,
    v: SignatureInput,
    e: FieldErrors,
    revoke_error: Option<(kapflow_domain::SignatureId, String)>,
) -> Result<ConsentsPage, AppError> {
    let Ctx { header, .. } = ctx(state, &access, Tab::Consents).await?;
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
            id: s.id,
            label: s.kind.label(),
            version: s.version,
            typed_name: s.typed_name.clone(),
            signed: format!("{} (dated {})", when(s.signed_at), s.signed_on),
            witness: if s.by_client {
                "The client, in the portal".to_owned()
            } else {
                s.witness_name.clone()
            },
            sha256: s.sha256.clone(),
            status: match (&s.revoked_at, s.is_current()) {
                (Some(t), _) => format!(
                    "Revoked {}: {}",
                    when(*t),
                    s.revoke_reason.clone().unwrap_or_default()
                ),
                (None, false) if s.review_pending => {
                    "Signed in the portal: counts once a clinician accepts it".into()
                }
                (None, true) => "Current".into(),
                (None, false) => "Superseded by a newer version: sign again".into(),
            },
            revocable: s.revoked_at.is_none(),
            awaiting_review: s.review_pending && s.revoked_at.is_none(),
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
    /// The documents never published, as (kind, label): each can start from a draft.
    pub drafts: Vec<(&'static str, &'static str)>,
    pub v: DocumentInput,
    pub e: FieldErrors,
}

/// The form filled with the starting draft of `kind`, the practice's and partner's names in it.
pub async fn draft_input(state: &AppState, kind: ConsentKind) -> Result<DocumentInput, AppError> {
    let site = crate::site::SiteInfo::load(state).await?;
    let (title, body) =
        kapflow_domain::consent_drafts::draft(kind, &site.practice_name, &site.partner);
    Ok(DocumentInput {
        kind: kind.as_str().to_owned(),
        title,
        body,
    })
}

pub async fn documents_page(
    state: &AppState,
    user: &OwnerUser,
    notice: Option<String>,
    v: DocumentInput,
    e: FieldErrors,
) -> Result<DocumentsPage, AppError> {
    let published = state.store.consents().documents().await?;
    let drafts = ConsentKind::ALL
        .iter()
        .filter(|k| !published.iter().any(|d| d.kind == **k))
        .map(|k| (k.as_str(), k.label()))
        .collect();
    Ok(DocumentsPage {
        layout: Layout::for_user(state, &user.0).await?,
        csrf: user.0.csrf().to_owned(),
        notice,
        drafts,
        versions: published
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
