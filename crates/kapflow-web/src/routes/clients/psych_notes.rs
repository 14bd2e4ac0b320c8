//! Psychotherapy notes: the author's own, kept apart from the record (never in a clinical
//! note, the prescriber's view, an export or the client's portal). The route admits only a
//! clinician of the care team (never break-glass); the store shows each person only what they
//! wrote, and audits every read.

use super::OnClient;
use crate::error::AppError;
use crate::time_fmt::when;
use crate::views::clients::{HeaderView, Tab, ctx};
use crate::views::layout::Layout;
use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use kapflow_domain::PsychNoteId;
use kapflow_domain::form::FieldErrors;
use kapflow_domain::notes::required_body;
use kapflow_domain::time_util::now_utc;
use kapflow_store::psych_notes::PsychSaved;

pub struct PsychLine {
    pub href: String,
    pub written: String,
    pub first_line: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "psych_notes.html")]
pub struct PsychNotesPage {
    pub layout: Layout,
    pub h: HeaderView,
    pub csrf: String,
    pub notes: Vec<PsychLine>,
    pub body: String,
    pub e: FieldErrors,
    pub notice: Option<&'static str>,
}

async fn list_page(
    on: &OnClient,
    body: String,
    e: FieldErrors,
) -> Result<PsychNotesPage, AppError> {
    let OnClient(state, user, access) = on;
    let h = ctx(state, access, Tab::Notes).await?.header;
    let clinical = access.clinical_or_404()?;
    let notes = state
        .store
        .psych_notes()
        .mine(&clinical, &user.0.actor(), now_utc())
        .await?
        .into_iter()
        .map(|n| PsychLine {
            href: crate::paths::psych_note(access.client(), n.id),
            written: when(n.created_at),
            first_line: n
                .body
                .lines()
                .next()
                .unwrap_or("")
                .chars()
                .take(80)
                .collect(),
        })
        .collect();
    Ok(PsychNotesPage {
        layout: Layout::for_user(state, &user.0).await?,
        h,
        csrf: user.0.csrf().to_owned(),
        notes,
        body,
        e,
        notice: None,
    })
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn list(on: OnClient) -> Result<PsychNotesPage, AppError> {
    list_page(&on, String::new(), FieldErrors::default()).await
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct BodyForm {
    body: String,
    version: String,
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn write(on: OnClient, Form(f): Form<BodyForm>) -> Result<Response, AppError> {
    let OnClient(state, user, access) = &on;
    let body = match required_body(&f.body, "the note") {
        Ok(b) => b,
        Err(m) => {
            let p = list_page(&on, f.body, FieldErrors::of("body", Some(m))).await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, p).into_response());
        }
    };
    let clinical = access.clinical_or_404()?;
    let id = state
        .store
        .psych_notes()
        .write(&clinical, &body, &user.0.actor(), now_utc())
        .await?;
    Ok(Redirect::to(&crate::paths::psych_note(access.client(), id)).into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "psych_note.html")]
pub struct PsychNotePage {
    pub layout: Layout,
    pub h: HeaderView,
    pub csrf: String,
    pub id: PsychNoteId,
    pub written: String,
    pub version: i64,
    pub body: String,
    pub theirs: Option<String>,
    pub e: FieldErrors,
    pub saved: bool,
}

async fn one_page(on: &OnClient, id: &str) -> Result<PsychNotePage, AppError> {
    let OnClient(state, user, access) = on;
    let id = PsychNoteId::parse(id).ok_or(AppError::NotFound)?;
    let clinical = access.clinical_or_404()?;
    // Anyone's but the caller's is not found (and the attempt is audited by the store).
    let n = state
        .store
        .psych_notes()
        .one(&clinical, id, &user.0.actor(), now_utc())
        .await?
        .ok_or(AppError::NotFound)?;
    let h = ctx(state, access, Tab::Notes).await?.header;
    Ok(PsychNotePage {
        layout: Layout::for_user(state, &user.0).await?,
        h,
        csrf: user.0.csrf().to_owned(),
        id,
        written: when(n.created_at),
        version: n.version,
        body: n.body,
        theirs: None,
        e: FieldErrors::default(),
        saved: false,
    })
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct SavedQuery {
    saved: Option<String>,
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn show(
    on: OnClient,
    Path((_, id)): Path<(String, String)>,
    axum::extract::Query(q): axum::extract::Query<SavedQuery>,
) -> Result<PsychNotePage, AppError> {
    let mut p = one_page(&on, &id).await?;
    p.saved = q.saved.is_some();
    Ok(p)
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn save(
    on: OnClient,
    Path((_, id)): Path<(String, String)>,
    Form(f): Form<BodyForm>,
) -> Result<Response, AppError> {
    let mut page = one_page(&on, &id).await?;
    let OnClient(state, user, access) = &on;
    let body = match required_body(&f.body, "the note") {
        Ok(b) => b,
        Err(m) => {
            page.body = f.body;
            page.e = FieldErrors::of("body", Some(m));
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
    };
    let clinical = access.clinical_or_404()?;
    let version: i64 = f.version.parse().unwrap_or(-1);
    match state
        .store
        .psych_notes()
        .save(
            &clinical,
            page.id,
            &body,
            version,
            &user.0.actor(),
            now_utc(),
        )
        .await?
    {
        PsychSaved::Done(_) => Ok(Redirect::to(&format!(
            "{}?saved=1",
            crate::paths::psych_note(access.client(), page.id)
        ))
        .into_response()),
        PsychSaved::Stale(current) => {
            page.theirs = Some(current.body.clone()).filter(|t| *t != body);
            page.body = body;
            page.version = current.version;
            Ok((StatusCode::CONFLICT, page).into_response())
        }
        PsychSaved::NotFound => Err(AppError::NotFound),
    }
}
