//! The partner prescriber organisations on the owner's Staff page: adding one, renaming one
//! (the one place its name is typed: the site, consent drafts and referrals read it from
//! here), and putting a prescriber into one.

use crate::AppState;
use crate::auth::OwnerUser;
use crate::error::AppError;
use crate::routes::staff::page;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use kapflow_domain::time_util::now_utc;
use kapflow_domain::{OrgId, UserId};
use kapflow_store::partner_orgs::Renamed;
use serde::Deserialize;

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct OrgForm {
    name: String,
}

fn checked_name(raw: &str) -> Result<String, String> {
    kapflow_domain::text::required_line(raw, 120, "the organisation's name")
}

/// The partner organisation a form chose by id: `None` when it chose none; an id that is not
/// one of the practice's organisations is refused (no form offers it).
pub async fn chosen(state: &AppState, id: &str) -> Result<Option<OrgId>, AppError> {
    if id.is_empty() {
        return Ok(None);
    }
    let org = OrgId::parse(id).ok_or(AppError::BadRequest)?;
    let known = state.store.partner_orgs().list().await?;
    if known.iter().any(|o| o.id == org) {
        Ok(Some(org))
    } else {
        Err(AppError::BadRequest)
    }
}

const NAME_TAKEN: &str = "Another partner organisation has this name.";

/// The Staff page again with the organisation form's refusal beside its field.
async fn refused(
    state: &AppState,
    owner: &OwnerUser,
    status: StatusCode,
    field: &'static str,
    message: String,
    typed: (String, String),
) -> Result<Response, AppError> {
    let mut p = page(state, owner, String::new(), "therapist", None, None).await?;
    p.e = kapflow_domain::form::FieldErrors::of(field, Some(message));
    if typed.0.is_empty() {
        p.org_name = typed.1;
    } else {
        p.renaming = typed;
    }
    Ok((status, p).into_response())
}

/// Adds a partner prescriber organisation.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn add(
    State(state): State<AppState>,
    owner: OwnerUser,
    Form(f): Form<OrgForm>,
) -> Result<Response, AppError> {
    let name = match checked_name(&f.name) {
        Ok(n) => n,
        Err(m) => {
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            let typed = (String::new(), f.name);
            return refused(&state, &owner, status, "org-name", m, typed).await;
        }
    };
    match state
        .store
        .partner_orgs()
        .add(&name, &owner.0.actor(), now_utc())
        .await?
    {
        Some(_) => {
            state.site.invalidate().await;
            Ok(Redirect::to(&format!("{}?done=org", crate::paths::STAFF)).into_response())
        }
        None => {
            let typed = (String::new(), f.name);
            let (status, m) = (StatusCode::CONFLICT, NAME_TAKEN.to_owned());
            refused(&state, &owner, status, "org-name", m, typed).await
        }
    }
}

/// Renames a partner organisation.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn rename(
    State(state): State<AppState>,
    owner: OwnerUser,
    Path(id): Path<String>,
    Form(f): Form<OrgForm>,
) -> Result<Response, AppError> {
    let org = OrgId::parse(&id).ok_or(AppError::NotFound)?;
    // One rename is refused at a time; `renaming` says which organisation's field it is.
    let field = "org-rename";
    let typed = (org.to_string(), f.name.clone());
    let name = match checked_name(&f.name) {
        Ok(n) => n,
        Err(m) => {
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            return refused(&state, &owner, status, field, m, typed).await;
        }
    };
    match state
        .store
        .partner_orgs()
        .rename(org, &name, &owner.0.actor(), now_utc())
        .await?
    {
        Renamed::Done => {
            state.site.invalidate().await;
            Ok(Redirect::to(&format!("{}?done=org_renamed", crate::paths::STAFF)).into_response())
        }
        Renamed::NameTaken => {
            let m = NAME_TAKEN.to_owned();
            refused(&state, &owner, StatusCode::CONFLICT, field, m, typed).await
        }
        Renamed::NoSuchOrg => Err(AppError::NotFound),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct MemberForm {
    org: String,
}

/// Puts a prescriber into a partner organisation (or none).
#[tracing::instrument(level = "debug", skip_all)]
pub async fn set_member(
    State(state): State<AppState>,
    owner: OwnerUser,
    Path(id): Path<String>,
    Form(f): Form<MemberForm>,
) -> Result<Response, AppError> {
    let user = UserId::parse(&id).ok_or(AppError::NotFound)?;
    let org = chosen(&state, &f.org).await?;
    if !state
        .store
        .partner_orgs()
        .set_member(user, org, &owner.0.actor(), now_utc())
        .await?
    {
        return Err(AppError::BadRequest);
    }
    Ok(Redirect::to(&format!("{}?done=org_member", crate::paths::STAFF)).into_response())
}
