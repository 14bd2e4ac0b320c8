//! A client's clinical notes: the list, a free-standing note or an appointment's (from the
//! kind's template; a dosing session's pre-filled from the session's record), saving a draft
//! with the version it edited (a stale save shows both texts and loses neither), signing
//! (with a fresh code; the draft is saved first, so the step-up loses nothing) and addenda.

use super::{OnClient, Showing};
use crate::error::AppError;
use crate::practice_zone;
use crate::routes::mfa::require_step_up;
use crate::time_fmt::when;
use crate::views::clients::{HeaderView, Tab, ctx};
use crate::views::layout::Layout;
use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use kapflow_domain::access::Action;
use kapflow_domain::calendar::NoteTemplate;
use kapflow_domain::form::FieldErrors;
use kapflow_domain::notes::{NoteBody, Section, required_body, sections};
use kapflow_domain::text::in_words;
use kapflow_domain::time_util::now_utc;
use kapflow_domain::{AppointmentId, NoteId, Role};
use kapflow_store::notes::{NewNote, NoteRow, Saved, Signing};
use std::collections::HashMap;

pub struct NoteLine {
    pub href: String,
    pub title: String,
    pub author: String,
    pub started: String,
    pub signed: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "notes.html")]
pub struct NotesPage {
    pub layout: Layout,
    pub h: HeaderView,
    pub csrf: String,
    pub notes: Vec<NoteLine>,
    pub may_write: bool,
    pub psychotherapy: bool,
    pub templates: Vec<(String, String)>,
    pub notice: Option<&'static str>,
}

const NOTICES: &[(&str, &str)] = &[(
    "signed",
    "The note is signed. It can no longer change; add an addendum for anything later.",
)];

#[tracing::instrument(level = "debug", skip_all)]
pub async fn list(Showing(on, done): Showing) -> Result<NotesPage, AppError> {
    let OnClient(state, user, access) = &on;
    let h = ctx(state, access, Tab::Notes).await?.header;
    let clinical = access.clinical_or_404()?;
    let prescriber = user.0.role() == Role::Prescriber;
    let notes = state
        .store
        .notes()
        .list(&clinical)
        .await?
        .into_iter()
        // The prescriber reads what the care team signed, not their drafts.
        .filter(|n| !prescriber || n.is_signed())
        .map(|n| NoteLine {
            href: crate::paths::note(n.client_id, n.id),
            title: n.title,
            author: n.author_name,
            started: when(n.created_at),
            signed: n.signed_at.map(when),
        })
        .collect();
    Ok(NotesPage {
        layout: Layout::for_user(state, &user.0).await?,
        h,
        csrf: user.0.csrf().to_owned(),
        notes,
        may_write: access.may(Action::EditClinicalRecord),
        psychotherapy: access.may(Action::PsychotherapyNotes),
        templates: NoteTemplate::ALL
            .iter()
            .map(|t| (t.as_str().to_owned(), t.label().to_owned()))
            .collect(),
        notice: done.notice(NOTICES),
    })
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct StartForm {
    template: String,
}

/// A free-standing note.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn start(on: OnClient, Form(f): Form<StartForm>) -> Result<Response, AppError> {
    let OnClient(state, user, access) = &on;
    let clinical = access.clinical_or_404()?;
    let template = NoteTemplate::parse(f.template.trim()).unwrap_or(NoteTemplate::General);
    let title = format!(
        "{} note, {}",
        template.label(),
        in_words(practice_zone::today(now_utc()))
    );
    let id = state
        .store
        .notes()
        .start(
            &clinical,
            &NewNote {
                appointment: None,
                template,
                title: &title,
                body: &NoteBody::default(),
            },
            &user.0.actor(),
            now_utc(),
        )
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Redirect::to(&crate::paths::note(access.client(), id)).into_response())
}

/// The note of an appointment: started from its kind's template (a dosing session's with the
/// session's record in its Data section), or the one already started.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn of_appointment(
    on: OnClient,
    Path((_, appointment)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let OnClient(state, user, access) = &on;
    let clinical = access.clinical_or_404()?;
    let appointment = AppointmentId::parse(&appointment).ok_or(AppError::NotFound)?;
    let notes = state.store.notes();
    if let Some(id) = notes.of_appointment(&clinical, appointment).await? {
        return Ok(Redirect::to(&crate::paths::note(access.client(), id)).into_response());
    }
    let row = state
        .store
        .calendar()
        .of_client(access, appointment)
        .await?
        .ok_or(AppError::NotFound)?;
    let kinds = state.store.calendar().session_types().await?;
    let template = kinds
        .iter()
        .find(|k| k.key == row.session_type)
        .map(|k| k.note_template)
        .unwrap_or(NoteTemplate::General);
    let day = practice_zone::current().today(row.starts_at);
    let mut body = NoteBody::default();
    if template == NoteTemplate::Dosing
        && let Some(text) = crate::views::clients::dosing::summary_on(state, &clinical, day).await?
    {
        body.0.push(("data".to_owned(), text));
    }
    let title = format!("{} note, {}", row.type_label, in_words(day));
    let id = notes
        .start(
            &clinical,
            &NewNote {
                appointment: Some(appointment),
                template,
                title: &title,
                body: &body,
            },
            &user.0.actor(),
            now_utc(),
        )
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Redirect::to(&crate::paths::note(access.client(), id)).into_response())
}

pub struct SectionView {
    pub key: &'static str,
    pub heading: &'static str,
    pub hint: &'static str,
    /// What the form shows (what was typed, on a refused save).
    pub text: String,
    /// The stored text, where another window saved something else meanwhile.
    pub theirs: Option<String>,
}

pub struct AddendumView {
    pub body: String,
    pub by: String,
    pub at: String,
    pub sha: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "note.html")]
pub struct NotePage {
    pub layout: Layout,
    pub h: HeaderView,
    pub csrf: String,
    pub id: NoteId,
    pub title: String,
    pub author: String,
    pub started: String,
    pub version: i64,
    pub sections: Vec<SectionView>,
    /// Signed: by whom, when, and the SHA-256 of the signed text.
    pub signed: Option<(String, String, String)>,
    /// The reader wrote it and it is a draft: they may save and sign.
    pub editable: bool,
    pub may_add: bool,
    pub addenda: Vec<AddendumView>,
    pub addendum: String,
    pub e: FieldErrors,
    pub stale: bool,
    /// A fresh code was given lately: an addendum can be signed now.
    pub stepped_up: bool,
    pub step_up_href: String,
    pub notice: Option<&'static str>,
    pub refusal: Option<&'static str>,
}

fn note_id(s: &str) -> Result<NoteId, AppError> {
    NoteId::parse(s).ok_or(AppError::NotFound)
}

fn section_views(
    secs: &[Section],
    shown: &NoteBody,
    theirs: Option<&NoteBody>,
) -> Vec<SectionView> {
    secs.iter()
        .map(|s| SectionView {
            key: s.key,
            heading: s.heading,
            hint: s.hint,
            text: shown.get(s.key).to_owned(),
            theirs: theirs
                .map(|t| t.get(s.key).to_owned())
                .filter(|t| t != shown.get(s.key)),
        })
        .collect()
}

async fn note_page(on: &OnClient, id: NoteId) -> Result<(NotePage, NoteRow), AppError> {
    let OnClient(state, user, access) = on;
    let h = ctx(state, access, Tab::Notes).await?.header;
    let clinical = access.clinical_or_404()?;
    let (n, addenda) = state
        .store
        .notes()
        .get(&clinical, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if user.0.role() == Role::Prescriber && !n.is_signed() {
        return Err(AppError::NotFound);
    }
    let body = n.body()?;
    let writes = access.may(Action::EditClinicalRecord);
    let page = NotePage {
        layout: Layout::for_user(state, &user.0).await?,
        h,
        csrf: user.0.csrf().to_owned(),
        id,
        title: n.title.clone(),
        author: n.author_name.clone(),
        started: when(n.created_at),
        version: n.version,
        sections: section_views(sections(n.template), &body, None),
        signed: n.signed_at.map(|t| {
            (
                n.signer_name.clone().unwrap_or_default(),
                when(t),
                n.content_sha256.clone().unwrap_or_default(),
            )
        }),
        editable: writes && !n.is_signed() && n.author_id == user.0.id(),
        may_add: writes && n.is_signed(),
        addenda: addenda
            .into_iter()
            .map(|a| AddendumView {
                body: a.body,
                by: a.author_name,
                at: when(a.signed_at),
                sha: a.content_sha256,
            })
            .collect(),
        addendum: String::new(),
        e: FieldErrors::default(),
        stale: false,
        stepped_up: kapflow_domain::session_policy::step_up_fresh(
            user.0.session.step_up_at,
            now_utc(),
        ),
        step_up_href: format!(
            "{}?next={}",
            crate::paths::STEP_UP,
            form_urlencoded::byte_serialize(crate::paths::note(access.client(), id).as_bytes())
                .collect::<String>()
        ),
        notice: None,
        refusal: None,
    };
    Ok((page, n))
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct DoneQuery {
    done: String,
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn show(
    on: OnClient,
    Path((_, id)): Path<(String, String)>,
    axum::extract::Query(q): axum::extract::Query<DoneQuery>,
) -> Result<NotePage, AppError> {
    let (mut page, _) = note_page(&on, note_id(&id)?).await?;
    page.notice = match q.done.as_str() {
        "saved" => Some("Draft saved."),
        "addendum" => Some("Addendum signed and added."),
        _ => None,
    };
    Ok(page)
}

/// Saves the draft as typed; `Err` carries the page to show instead (a refusal or a stale
/// save, with both texts).
async fn save_typed(
    on: &OnClient,
    id: NoteId,
    form: &HashMap<String, String>,
) -> Result<Result<i64, Response>, AppError> {
    let OnClient(state, user, access) = on;
    let clinical = access.clinical_or_404()?;
    let (mut page, n) = note_page(on, id).await?;
    let value = |k: &str| form.get(k).cloned().unwrap_or_default();
    let version: i64 = value("version").parse().unwrap_or(-1);
    let body = match NoteBody::from_form(n.template, &value) {
        Ok(b) => b,
        Err(e) => {
            let typed = NoteBody(
                sections(n.template)
                    .iter()
                    .map(|s| (s.key.to_owned(), value(s.key)))
                    .collect(),
            );
            page.sections = section_views(sections(n.template), &typed, None);
            page.e = e;
            return Ok(Err((StatusCode::UNPROCESSABLE_ENTITY, page).into_response()));
        }
    };
    match state
        .store
        .notes()
        .save(&clinical, id, &body, version, &user.0.actor(), now_utc())
        .await?
    {
        Saved::Done(v) => Ok(Ok(v)),
        Saved::Stale(current) => {
            // Nothing is lost: the form keeps what this window typed, each section shows what
            // the other window saved, and the next save is made knowingly over it.
            let theirs = current.body()?;
            page.sections = section_views(sections(n.template), &body, Some(&theirs));
            page.version = current.version;
            page.stale = true;
            Ok(Err((StatusCode::CONFLICT, page).into_response()))
        }
        Saved::Signed => {
            page.refusal =
                Some("This note is signed and can no longer change. Add an addendum below.");
            Ok(Err((StatusCode::CONFLICT, page).into_response()))
        }
        Saved::NotAuthor | Saved::NotFound => Err(AppError::NotFound),
    }
}

/// A save in the background (forms.js): 204 with the new version, or the refusal's status.
fn autosaved(outcome: Result<i64, Response>) -> Response {
    match outcome {
        Ok(v) => {
            let mut res = StatusCode::NO_CONTENT.into_response();
            if let Ok(h) = axum::http::HeaderValue::from_str(&v.to_string()) {
                res.headers_mut().insert("x-version", h);
            }
            res
        }
        Err(page) => page.status().into_response(),
    }
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn save(
    on: OnClient,
    Path((_, id)): Path<(String, String)>,
    headers: axum::http::HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let id = note_id(&id)?;
    if headers.contains_key("x-autosave") {
        return Ok(autosaved(save_typed(&on, id, &form).await?));
    }
    match save_typed(&on, id, &form).await? {
        Ok(_) => Ok(Redirect::to(&crate::paths::done(
            crate::paths::note(on.2.client(), id),
            "saved",
        ))
        .into_response()),
        Err(page) => Ok(page),
    }
}

/// Saves what is typed, then asks for a fresh code if the last one is not recent (the draft
/// is kept; the person signs again after), then signs.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn sign(
    on: OnClient,
    Path((_, id)): Path<(String, String)>,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let id = note_id(&id)?;
    let version = match save_typed(&on, id, &form).await? {
        Ok(v) => v,
        Err(page) => return Ok(page),
    };
    let OnClient(state, user, access) = &on;
    let here = crate::paths::note(access.client(), id);
    if let Some(ask) = require_step_up(&user.0, &here) {
        return Ok(ask);
    }
    let clinical = access.clinical_or_404()?;
    match state
        .store
        .notes()
        .sign(&clinical, id, version, &user.0.actor(), now_utc())
        .await?
    {
        Signing::Done => Ok(Redirect::to(&crate::paths::done(
            crate::paths::notes(access.client()),
            "signed",
        ))
        .into_response()),
        Signing::Empty => {
            let (mut page, _) = note_page(&on, id).await?;
            page.refusal = Some("Write the note before signing it.");
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Signing::Stale(_) | Signing::AlreadySigned => {
            let (mut page, _) = note_page(&on, id).await?;
            page.refusal =
                Some("The note changed before it could be signed; read it again and sign.");
            Ok((StatusCode::CONFLICT, page).into_response())
        }
        Signing::NotAuthor | Signing::NotFound => Err(AppError::NotFound),
    }
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct AddendumForm {
    addendum: String,
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn add_addendum(
    on: OnClient,
    Path((_, id)): Path<(String, String)>,
    Form(f): Form<AddendumForm>,
) -> Result<Response, AppError> {
    let id = note_id(&id)?;
    let OnClient(state, user, access) = &on;
    if require_step_up(&user.0, "").is_some() {
        // The confirmation ran out while writing: keep the text on the page and say so.
        let (mut page, _) = note_page(&on, id).await?;
        page.addendum = f.addendum;
        page.refusal = Some(
            "Your code confirmation has run out. Copy your addendum, confirm with your code, then sign it.",
        );
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    }
    let text = match required_body(&f.addendum, "the addendum") {
        Ok(t) => t,
        Err(m) => {
            let (mut page, _) = note_page(&on, id).await?;
            page.addendum = f.addendum;
            page.e = FieldErrors::of("addendum", Some(m));
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
    };
    let clinical = access.clinical_or_404()?;
    match state
        .store
        .notes()
        .add_addendum(&clinical, id, &text, &user.0.actor(), now_utc())
        .await?
    {
        Some(_) => Ok(Redirect::to(&crate::paths::done(
            crate::paths::note(access.client(), id),
            "addendum",
        ))
        .into_response()),
        None => Err(AppError::NotFound),
    }
}
