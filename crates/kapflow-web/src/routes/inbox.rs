//! The inquiry inbox: owner and front desk see every inquiry, a therapist those assigned to
//! them; every list, search and view is audited (in the store, before anything is shown).

use crate::AppState;
use crate::auth::StaffUser;
use crate::error::AppError;
use crate::time_fmt::when;
use crate::views::inbox::{EventView, InquiriesPage, InquiryPage, InquiryRowView, InquiryView};
use crate::views::layout::Layout;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use kapflow_domain::access::{Action, Relationship, decide};
use kapflow_domain::form::FieldErrors;
use kapflow_domain::inquiry::InquiryStatus;
use kapflow_domain::time_util::now_utc;
use kapflow_domain::{InquiryId, Role, UserId};
use kapflow_store::inquiries::InboxScope;
use serde::Deserialize;

fn scope(u: &StaffUser) -> InboxScope {
    InboxScope {
        user: u.0.id(),
        role: u.0.role(),
    }
}

fn statuses() -> Vec<(&'static str, &'static str)> {
    InquiryStatus::ALL
        .iter()
        .map(|s| (s.as_str(), s.label()))
        .collect()
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ListQuery {
    q: String,
    status: String,
}

/// The status filter travels in the URL; a search (a name, an address) only in a POST body,
/// so it never reaches browser history or proxy logs.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn list(
    State(state): State<AppState>,
    user: StaffUser,
    Query(query): Query<ListQuery>,
) -> Result<InquiriesPage, AppError> {
    let query = ListQuery {
        q: String::new(),
        status: query.status,
    };
    render_list(&state, &user, query).await
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn search(
    State(state): State<AppState>,
    user: StaffUser,
    Form(query): Form<ListQuery>,
) -> Result<InquiriesPage, AppError> {
    render_list(&state, &user, query).await
}

async fn render_list(
    state: &AppState,
    user: &StaffUser,
    query: ListQuery,
) -> Result<InquiriesPage, AppError> {
    let status = InquiryStatus::parse(&query.status);
    let search = Some(query.q.trim()).filter(|s| !s.is_empty());
    let rows = state
        .store
        .inquiries()
        .list(scope(user), status, search, &user.0.actor(), now_utc())
        .await?;
    Ok(InquiriesPage {
        layout: Layout::for_user(state, &user.0).await?,
        csrf: user.0.csrf().to_owned(),
        q: query.q,
        status: status.map(|s| s.as_str().to_owned()).unwrap_or_default(),
        statuses: statuses(),
        rows: rows
            .into_iter()
            .map(|r| InquiryRowView {
                id: r.id,
                received: when(r.created_at),
                name: r.name,
                concerns: r.concerns.labels(),
                status: r.status.label(),
                assigned: r.assigned_name.unwrap_or_default(),
            })
            .collect(),
    })
}

fn inquiry_id(raw: &str) -> Result<InquiryId, AppError> {
    InquiryId::parse(raw).ok_or(AppError::NotFound)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ViewQuery {
    done: String,
}

async fn detail_page(
    state: &AppState,
    user: &StaffUser,
    id: InquiryId,
    notice: Option<String>,
    note: String,
    note_error: Option<String>,
) -> Result<Response, AppError> {
    let Some((d, events)) = state
        .store
        .inquiries()
        .view(scope(user), id, &user.0.actor(), now_utc())
        .await?
    else {
        return Err(AppError::NotFound);
    };
    let staff = state.store.users().staff().await?;
    let name_of = |id: Option<UserId>| {
        id.and_then(|i| staff.iter().find(|s| s.user.id == i))
            .map(|s| s.user.display_name.clone())
            .unwrap_or_default()
    };
    let can_assign =
        decide(user.0.role(), Action::AssignInquiries, Relationship::None).is_allowed();
    let clinicians = staff
        .iter()
        .filter(|s| !s.user.disabled && matches!(s.user.role, Role::Therapist | Role::Owner))
        .map(|s| (s.user.id.to_string(), s.user.display_name.clone()))
        .collect();
    let page = InquiryPage {
        layout: Layout::for_user(state, &user.0).await?,
        csrf: user.0.csrf().to_owned(),
        d: InquiryView {
            id: d.id,
            name: d.name,
            received: when(d.created_at),
            status: d.status.label(),
            status_value: d.status.as_str().to_owned(),
            preferred_contact: d.preferred_contact.label(),
            email: d.email.unwrap_or_default(),
            phone: d.phone.unwrap_or_default(),
            preferred_time: d.preferred_time.unwrap_or_default(),
            concerns: d.concerns.labels(),
            heard_from: d.heard_from.unwrap_or_default(),
            message: d.message,
            assigned: name_of(d.assigned_to),
            assigned_id: d.assigned_to.map(|u| u.to_string()).unwrap_or_default(),
        },
        events: events
            .into_iter()
            .map(|e| EventView {
                at: when(e.at),
                who: e.actor_name.unwrap_or_default(),
                kind: e.kind,
                detail: e.detail,
            })
            .collect(),
        statuses: statuses(),
        clinicians,
        can_assign,
        client: state.store.clients().of_inquiry(id).await?,
        can_create_client: decide(user.0.role(), Action::CreateClient, Relationship::None)
            .is_allowed(),
        notice,
        e: FieldErrors::of("note", note_error.clone()),
        note,
    };
    let code = if note_error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    Ok((code, page).into_response())
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn view(
    State(state): State<AppState>,
    user: StaffUser,
    Path(id): Path<String>,
    Query(q): Query<ViewQuery>,
) -> Result<Response, AppError> {
    let notice = match q.done.as_str() {
        "status" => Some("Status updated.".to_owned()),
        "assigned" => Some("Assignment saved.".to_owned()),
        "note" => Some("Note added.".to_owned()),
        _ => None,
    };
    detail_page(&state, &user, inquiry_id(&id)?, notice, String::new(), None).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct StatusForm {
    status: String,
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn set_status(
    State(state): State<AppState>,
    user: StaffUser,
    Path(id): Path<String>,
    Form(f): Form<StatusForm>,
) -> Result<Response, AppError> {
    let id = inquiry_id(&id)?;
    let status = InquiryStatus::parse(&f.status).ok_or(AppError::BadRequest)?;
    if !state
        .store
        .inquiries()
        .set_status(scope(&user), id, status, &user.0.actor(), now_utc())
        .await?
    {
        return Err(AppError::NotFound);
    }
    Ok(Redirect::to(&crate::paths::done(crate::paths::inquiry(id), "status")).into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct AssignForm {
    user: String,
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn assign(
    State(state): State<AppState>,
    user: StaffUser,
    Path(id): Path<String>,
    Form(f): Form<AssignForm>,
) -> Result<Response, AppError> {
    if !matches!(user.0.role(), Role::Owner | Role::FrontDesk) {
        return Err(AppError::Forbidden);
    }
    let id = inquiry_id(&id)?;
    let to = if f.user.is_empty() {
        None
    } else {
        let uid = UserId::parse(&f.user).ok_or(AppError::BadRequest)?;
        let target = state
            .store
            .users()
            .by_id(uid)
            .await?
            .ok_or(AppError::BadRequest)?;
        if target.disabled || !matches!(target.role, Role::Therapist | Role::Owner) {
            return Err(AppError::BadRequest);
        }
        Some((uid, target.display_name))
    };
    if !state
        .store
        .inquiries()
        .assign(scope(&user), id, to, &user.0.actor(), now_utc())
        .await?
    {
        return Err(AppError::NotFound);
    }
    Ok(Redirect::to(&crate::paths::done(crate::paths::inquiry(id), "assigned")).into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct NoteForm {
    note: String,
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn add_note(
    State(state): State<AppState>,
    user: StaffUser,
    Path(id): Path<String>,
    Form(f): Form<NoteForm>,
) -> Result<Response, AppError> {
    let id = inquiry_id(&id)?;
    let note = f.note.trim();
    if note.is_empty() || note.chars().count() > 2000 {
        let msg = if note.is_empty() {
            "Write the note first."
        } else {
            "Use at most 2000 characters."
        };
        return detail_page(&state, &user, id, None, f.note.clone(), Some(msg.into())).await;
    }
    if !state
        .store
        .inquiries()
        .add_note(scope(&user), id, note, &user.0.actor(), now_utc())
        .await?
    {
        return Err(AppError::NotFound);
    }
    Ok(Redirect::to(&crate::paths::done(crate::paths::inquiry(id), "note")).into_response())
}
