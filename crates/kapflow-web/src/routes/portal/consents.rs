//! The client signs consents themselves: the latest version of each document, the SHA-256 of
//! the text signed kept with the signature; where the practice asks, a clinician accepts the
//! signature before it counts.

use super::OnPortal;
use crate::error::AppError;
use crate::practice_zone::today;
use crate::views::portal_forms::{ConsentDoc, ConsentsPage};
use axum::Form;
use axum::extract::Query;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use kapflow_domain::DocumentId;
use kapflow_domain::consent::SignatureInput;
use kapflow_domain::form::FieldErrors;
use kapflow_domain::time_util::now_utc;
use kapflow_store::consents::Signed;

/// What was typed into a refused signature, and why it was refused.
struct Refused {
    doc: Option<DocumentId>,
    input: SignatureInput,
    e: FieldErrors,
    why: Option<&'static str>,
}

async fn page(
    on: &OnPortal,
    refused: Option<Refused>,
    notice: Option<&'static str>,
) -> Result<ConsentsPage, AppError> {
    let (docs, sigs) = on.0.store.portal().consents(&on.2).await?;
    let docs = docs
        .into_iter()
        .map(|d| {
            let mine = sigs
                .iter()
                .find(|s| s.kind == d.kind && s.version == d.version && s.revoked_at.is_none());
            ConsentDoc {
                id: d.id,
                title: d.title,
                version: d.version,
                body: d.body,
                sha256: d.sha256,
                signed: mine.map(|s| {
                    if s.review_pending {
                        format!(
                            "You signed this on {}. Your care team will look it over.",
                            s.signed_on
                        )
                    } else {
                        format!("Signed on {}.", s.signed_on)
                    }
                }),
            }
        })
        .collect();
    let (open, input, e, refusal) = match refused {
        Some(r) => (r.doc, r.input, r.e, r.why),
        None => (
            None,
            SignatureInput::default(),
            FieldErrors::default(),
            None,
        ),
    };
    let (layout, f) = on.frame().await?;
    Ok(ConsentsPage {
        layout,
        f,
        docs,
        open,
        typed_name: input.typed_name,
        signed_on: input.signed_on,
        today: today(now_utc()).to_string(),
        e,
        refusal,
        notice,
        key: crate::routes::clients::form_key(),
    })
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct DoneQuery {
    signed: Option<String>,
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn show(on: OnPortal, Query(q): Query<DoneQuery>) -> Result<ConsentsPage, AppError> {
    let notice = q
        .signed
        .is_some()
        .then_some("Thank you: your signature is recorded.");
    page(&on, None, notice).await
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn sign(on: OnPortal, Form(v): Form<SignatureInput>) -> Result<Response, AppError> {
    let Some(doc) = DocumentId::parse(&v.document_id) else {
        return Err(on.not_theirs("consent_document").await);
    };
    let legal_name = on.0.store.portal().legal_name(&on.2).await?;
    let sig = match v.validate(today(now_utc()), &legal_name) {
        Ok(s) => s,
        Err(e) => {
            let refused = Refused {
                doc: Some(doc),
                input: v,
                e,
                why: None,
            };
            let p = page(&on, Some(refused), None).await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, p).into_response());
        }
    };
    let settings = on.0.store.settings().snapshot().await?;
    let review = crate::portal_settings::read(&settings).review_signatures;
    let why = match on
        .0
        .store
        .portal()
        .sign_consent(&on.2, doc, &sig, review, &on.1.actor(), now_utc())
        .await?
    {
        Some(Signed::Signed(_)) => {
            return Ok(
                Redirect::to(&format!("{}?signed=1", crate::paths::PORTAL_CONSENTS))
                    .into_response(),
            );
        }
        Some(Signed::Outdated) => {
            "The practice published a newer version of this form while you were reading. Please read it and sign again."
        }
        Some(Signed::TextAltered) => {
            "This form cannot be signed just now. Please tell your care team."
        }
        Some(Signed::NoSuchDocument) | None => return Err(on.not_theirs("consent_document").await),
    };
    let refused = Refused {
        doc: Some(doc),
        input: v,
        e: FieldErrors::default(),
        why: Some(why),
    };
    let p = page(&on, Some(refused), None).await?;
    Ok((StatusCode::CONFLICT, p).into_response())
}
