//! The client's integration journal: private entries, each shareable with the care team.

use super::OnPortal;
use crate::error::AppError;
use crate::time_fmt::when;
use crate::views::portal::{EntryView, JournalPage};
use axum::Form;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use kapflow_domain::JournalEntryId;
use kapflow_domain::form::FieldErrors;
use kapflow_domain::portal::journal_body;
use kapflow_domain::time_util::now_utc;
use serde::Deserialize;

async fn page(
    on: &OnPortal,
    body: String,
    share: bool,
    e: FieldErrors,
) -> Result<JournalPage, AppError> {
    let entries = on.0.store.portal().journal(&on.2).await?;
    let (layout, f) = on.frame().await?;
    Ok(JournalPage {
        layout,
        f,
        entries: entries
            .into_iter()
            .map(|en| EntryView {
                id: en.id,
                at: when(en.created_at),
                body: en.body,
                shared: en.shared_at.is_some(),
            })
            .collect(),
        body,
        share,
        e,
        key: crate::routes::clients::form_key(),
    })
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn show(on: OnPortal) -> Result<JournalPage, AppError> {
    page(&on, String::new(), false, FieldErrors::default()).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct EntryForm {
    body: String,
    share: Option<String>,
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn write(on: OnPortal, Form(f): Form<EntryForm>) -> Result<Response, AppError> {
    let share = f.share.as_deref() == Some("true");
    let body = match journal_body(&f.body) {
        Ok(b) => b,
        Err(e) => {
            let p = page(&on, f.body, share, e).await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, p).into_response());
        }
    };
    on.0.store
        .portal()
        .write_journal(&on.2, &body, share, &on.1.actor(), now_utc())
        .await?;
    Ok(Redirect::to(crate::paths::PORTAL_JOURNAL).into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ShareForm {
    share: String,
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn share(
    on: OnPortal,
    Path(entry): Path<String>,
    Form(f): Form<ShareForm>,
) -> Result<Response, AppError> {
    let changed = match JournalEntryId::parse(&entry) {
        Some(entry) => {
            on.0.store
                .portal()
                .share_journal(&on.2, entry, f.share == "true", &on.1.actor(), now_utc())
                .await?
        }
        None => false,
    };
    if !changed {
        return Err(on.not_theirs("journal_entry").await);
    }
    Ok(Redirect::to(crate::paths::PORTAL_JOURNAL).into_response())
}
