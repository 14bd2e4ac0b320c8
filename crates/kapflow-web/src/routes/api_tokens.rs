//! The owner's API tokens: the list (who each is for, its scope, until when, last used), a new
//! token (its secret shown once, on the answer to the form, never stored or sent again), and
//! revoking one. Making and revoking ask for a fresh step-up (security.md: sharing records).

use crate::AppState;
use crate::auth::OwnerUser;
use crate::error::AppError;
use crate::views::api_tokens::{ApiTokensPage, Chosen, TokenForm};
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use kapflow_domain::access::Action;
use kapflow_domain::api_token::{checked_lifetime, checked_name, expires_at, secret_from};
use kapflow_domain::form::FieldErrors;
use kapflow_domain::time_util::now_utc;
use kapflow_domain::token::token_hash;
use kapflow_domain::{ApiTokenId, ClientId, Role};
use kapflow_store::access::ClientDecision;
use kapflow_store::api_tokens::{Created, NewToken};
use serde::Deserialize;

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PageQuery {
    /// A client chosen from their record ("share by API"), for a token of theirs alone.
    client: Option<String>,
    revoked: Option<String>,
}

/// The client a page or form names, with their name; `None` for none or an unknown id.
async fn chosen(
    state: &AppState,
    owner: &OwnerUser,
    raw: Option<&str>,
) -> Result<Option<Chosen>, AppError> {
    let Some(id) = raw.filter(|s| !s.is_empty()).and_then(ClientId::parse) else {
        return Ok(None);
    };
    let decision = state
        .store
        .access()
        .to_client(
            owner.0.id(),
            Role::Owner,
            Action::ViewClientDemographics,
            id,
            now_utc(),
        )
        .await?;
    let ClientDecision::Allowed(access) = decision else {
        return Ok(None);
    };
    Ok(state.store.clients().get(&access).await?.map(|c| Chosen {
        id: c.id.to_string(),
        name: c.legal_name,
    }))
}

pub async fn page(
    State(state): State<AppState>,
    owner: OwnerUser,
    Query(q): Query<PageQuery>,
) -> Result<ApiTokensPage, AppError> {
    let client = chosen(&state, &owner, q.client.as_deref()).await?;
    let form = TokenForm {
        scope: if client.is_some() {
            "one_client"
        } else {
            "all_clients"
        }
        .into(),
        days: "90".into(),
        ..TokenForm::default()
    };
    let mut page = ApiTokensPage::load(&state, &owner, form, client).await?;
    page.notice = q
        .revoked
        .map(|_| "Revoked. The token no longer opens the API.".into());
    Ok(page)
}

pub async fn create(
    State(state): State<AppState>,
    owner: OwnerUser,
    Form(form): Form<TokenForm>,
) -> Result<Response, AppError> {
    let client = chosen(&state, &owner, Some(&form.client)).await?;
    let mut e = FieldErrors::default();
    let name = checked_name(&form.name).map_err(|m| e.add("name", m)).ok();
    let days = checked_lifetime(&form.days)
        .map_err(|m| e.add("days", m))
        .ok();
    let scope_client = match form.scope.as_str() {
        "all_clients" => Some(None),
        "one_client" if client.is_some() => {
            Some(client.as_ref().and_then(|c| ClientId::parse(&c.id)))
        }
        "one_client" => {
            e.add(
                "scope",
                "To share one client's records, open their record and choose “Share by API”.",
            );
            None
        }
        _ => {
            e.add("scope", "Choose whose records the token reads.");
            None
        }
    };
    let (Some(name), Some(days), Some(scope_client)) = (name, days, scope_client) else {
        return refused(&state, &owner, form, client, e).await;
    };
    let secret = secret_from(&crate::setup_link::new_token());
    let now = now_utc();
    let made = state
        .store
        .api_tokens()
        .create(
            NewToken {
                name: &name,
                client: scope_client,
                expires_at: expires_at(now, days),
                hash: &token_hash(&secret),
            },
            owner.0.id(),
            &owner.0.actor(),
            now,
        )
        .await?;
    match made {
        Created::Made(_) => {
            let mut page = ApiTokensPage::load(&state, &owner, TokenForm::fresh(), None).await?;
            page.made = Some((name, secret));
            Ok(page.into_response())
        }
        Created::NameTaken => {
            e.add("name", "Another token has this name; each needs its own, so the audit trail tells them apart.");
            refused(&state, &owner, form, client, e).await
        }
        Created::NoSuchClient => Err(AppError::NotFound),
    }
}

/// The page again with the form as typed and its errors beside the fields.
async fn refused(
    state: &AppState,
    owner: &OwnerUser,
    form: TokenForm,
    client: Option<Chosen>,
    e: FieldErrors,
) -> Result<Response, AppError> {
    let mut page = ApiTokensPage::load(state, owner, form, client).await?;
    page.e = e;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

pub async fn revoke(
    State(state): State<AppState>,
    owner: OwnerUser,
    Path(token): Path<String>,
) -> Result<Response, AppError> {
    let id = ApiTokenId::parse(&token).ok_or(AppError::NotFound)?;
    let done = state
        .store
        .api_tokens()
        .revoke(id, owner.0.id(), &owner.0.actor(), now_utc())
        .await?;
    if !done {
        // Unknown, or revoked a moment ago (a second click): the list shows which.
        return Ok(Redirect::to(crate::paths::API_TOKENS).into_response());
    }
    Ok(Redirect::to(&format!("{}?revoked=1", crate::paths::API_TOKENS)).into_response())
}
