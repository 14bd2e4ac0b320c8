//! Passkeys (WebAuthn) as a second factor, for clients and staff: registered in place of an
//! authenticator app when setting up two-step sign-in, or added later from "Your sessions"; used
//! on the code page to sign in or confirm. The browser's part is `assets/passkey.js`; the
//! server's is `webauthn-rs` (kanidm's relying-party library), whose ceremony state is kept in
//! the database (`passkeys::Ceremony`), bound to the session, single-use and short-lived.

use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::routes::login::safe_next;
use crate::routes::mfa::{raise_session, with_cookie};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use kapflow_domain::AuditOutcome;
use kapflow_domain::time_util::now_utc;
use kapflow_store::passkeys::Ceremony;
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;
use webauthn_rs::prelude::{
    Passkey, PasskeyAuthentication, PasskeyRegistration, PublicKeyCredential,
    RegisterPublicKeyCredential, Url, Webauthn, WebauthnBuilder,
};

/// Whether passkeys can work here: browsers scope a passkey to a domain name, so a practice
/// reached by a bare IP address (a first test on a laptop) offers codes only.
pub fn possible(state: &AppState) -> bool {
    Url::parse(&state.config.public_url).is_ok_and(|u| u.domain().is_some())
}

/// The relying party: the practice's public address (its domain is the passkeys' scope).
fn relying_party(state: &AppState) -> Result<Webauthn, AppError> {
    let origin = Url::parse(&state.config.public_url)
        .map_err(|_| AppError::internal("public URL does not parse"))?;
    let domain = origin
        .domain()
        .ok_or_else(|| AppError::internal("passkeys need a domain name"))?
        .to_owned();
    WebauthnBuilder::new(&domain, &origin)
        .and_then(|b| b.rp_name("kapflow").build())
        .map_err(|e| AppError::internal(format!("passkey relying party: {e}")))
}

/// The answer where passkeys cannot work (see [`possible`]).
fn unavailable() -> Response {
    refused(
        StatusCode::NOT_FOUND,
        "Passkeys work once the practice is reached by its web address. Use a code.",
    )
}

/// A refusal the page's script shows as it is.
fn refused(status: StatusCode, message: &str) -> Response {
    (status, Json(json!({ "error": message }))).into_response()
}

/// A credential that did not verify: audited as a failure of `action`, then refused with
/// `message` (the library's reason goes to the log only; it names no person).
async fn did_not_verify(
    state: &AppState,
    user: &CurrentUser,
    action: &str,
    why: &str,
    status: StatusCode,
    message: &str,
    now: time::OffsetDateTime,
) -> Result<Response, AppError> {
    let entry = user
        .actor()
        .entry(action, now)
        .outcome(AuditOutcome::Failure, Some(why));
    state.store.audit().record(&entry).await?;
    Ok(refused(status, message))
}

fn to_json<T: serde::Serialize>(v: &T) -> Result<String, AppError> {
    serde_json::to_string(v).map_err(|e| AppError::internal(e.to_string()))
}

fn from_json<T: serde::de::DeserializeOwned>(s: &str) -> Result<T, AppError> {
    serde_json::from_str(s).map_err(|e| AppError::internal(format!("stored passkey data: {e}")))
}

/// `user`'s passkeys, as the library reads them.
async fn passkeys_of(state: &AppState, user: &CurrentUser) -> Result<Vec<Passkey>, AppError> {
    state
        .store
        .passkeys()
        .list(user.id())
        .await?
        .iter()
        .map(|p| from_json(&p.credential))
        .collect()
}

/// Keeps a ceremony's state for this session and hands the browser its options.
async fn begin<S: serde::Serialize, O: serde::Serialize>(
    state: &AppState,
    user: &CurrentUser,
    kind: Ceremony,
    ceremony_state: &S,
    options: &O,
) -> Result<Response, AppError> {
    let ceremony = state
        .store
        .passkeys()
        .begin(
            user.session_id(),
            kind,
            &to_json(ceremony_state)?,
            now_utc(),
        )
        .await?;
    Ok(Json(json!({ "ceremony": ceremony, "options": options })).into_response())
}

/// The state of this session's ceremony `id` of `kind`, spent now.
async fn take(
    state: &AppState,
    user: &CurrentUser,
    id: Uuid,
    kind: Ceremony,
    now: time::OffsetDateTime,
) -> Result<Option<String>, AppError> {
    Ok(state
        .store
        .passkeys()
        .take(id, user.session_id(), kind, now)
        .await?)
}

/// A ceremony that is spent, expired or another session's.
fn stale() -> Response {
    refused(
        StatusCode::CONFLICT,
        "That took too long or was already used. Try again.",
    )
}

/// Registering is setting up the second factor (no other yet: the password alone got here), or
/// adding one once fully signed in. A session with the password alone may not add a passkey
/// beside a factor it has not passed.
fn may_register(user: &CurrentUser) -> bool {
    user.fully_signed_in() || !user.session.mfa_enrolled
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn register_start(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<Response, AppError> {
    if !possible(&state) {
        return Ok(unavailable());
    }
    if !may_register(&user) {
        return Ok(refused(
            StatusCode::FORBIDDEN,
            "Sign in with your code first, then add a passkey.",
        ));
    }
    let rp = relying_party(&state)?;
    let existing = passkeys_of(&state, &user).await?;
    let exclude = existing.iter().map(|p| p.cred_id().clone()).collect();
    let u = &user.session.user;
    let (options, registration) = rp
        .start_passkey_registration(u.id.as_uuid(), &u.email, &u.display_name, Some(exclude))
        .map_err(|e| AppError::internal(format!("passkey registration: {e}")))?;
    begin(&state, &user, Ceremony::Register, &registration, &options).await
}

#[derive(Deserialize)]
pub struct RegisterFinish {
    ceremony: Uuid,
    #[serde(default)]
    name: String,
    credential: RegisterPublicKeyCredential,
    #[serde(default)]
    next: String,
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn register_finish(
    State(state): State<AppState>,
    user: CurrentUser,
    Json(f): Json<RegisterFinish>,
) -> Result<Response, AppError> {
    if !possible(&state) {
        return Ok(unavailable());
    }
    if !may_register(&user) {
        return Ok(refused(
            StatusCode::FORBIDDEN,
            "Sign in with your code first.",
        ));
    }
    let now = now_utc();
    let Some(stored) = take(&state, &user, f.ceremony, Ceremony::Register, now).await? else {
        return Ok(stale());
    };
    let registration: PasskeyRegistration = from_json(&stored)?;
    let passkey =
        match relying_party(&state)?.finish_passkey_registration(&f.credential, &registration) {
            Ok(p) => p,
            Err(e) => {
                tracing::info!(error = %e, "passkey registration refused");
                return did_not_verify(
                    &state,
                    &user,
                    "mfa.passkey_refused",
                    "registration did not verify",
                    StatusCode::BAD_REQUEST,
                    "The passkey could not be checked. Try again.",
                    now,
                )
                .await;
            }
        };
    let name = f.name.trim().chars().take(60).collect::<String>();
    let name = if name.is_empty() {
        "Passkey".to_owned()
    } else {
        name
    };
    state
        .store
        .passkeys()
        .add(user.id(), &name, &to_json(&passkey)?, &user.actor(), now)
        .await?;
    if user.fully_signed_in() {
        return Ok(Json(json!({ "next": crate::paths::SESSIONS })).into_response());
    }
    // Set up in place of an authenticator app: the second factor is passed now.
    let next = safe_next(Some(&f.next), crate::paths::DASHBOARD);
    let (token, _) = raise_session(&state, &user, false, "auth.mfa").await?;
    Ok(with_cookie(
        Json(json!({ "next": next })).into_response(),
        &state,
        &token,
    ))
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn sign_in_start(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<Response, AppError> {
    if !possible(&state) {
        return Ok(unavailable());
    }
    let passkeys = passkeys_of(&state, &user).await?;
    if passkeys.is_empty() {
        return Ok(refused(
            StatusCode::NOT_FOUND,
            "You have no passkey yet. Use the code from your authenticator app.",
        ));
    }
    let (options, authentication) = relying_party(&state)?
        .start_passkey_authentication(&passkeys)
        .map_err(|e| AppError::internal(format!("passkey sign-in: {e}")))?;
    begin(
        &state,
        &user,
        Ceremony::Authenticate,
        &authentication,
        &options,
    )
    .await
}

#[derive(Deserialize)]
pub struct SignInFinish {
    ceremony: Uuid,
    credential: PublicKeyCredential,
    #[serde(default)]
    next: String,
}

/// A passkey passed: the session is raised as by a code — the second factor at sign-in, or a
/// fresh confirmation (step-up) once signed in.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn sign_in_finish(
    State(state): State<AppState>,
    user: CurrentUser,
    Json(f): Json<SignInFinish>,
) -> Result<Response, AppError> {
    if !possible(&state) {
        return Ok(unavailable());
    }
    let now = now_utc();
    let Some(stored) = take(&state, &user, f.ceremony, Ceremony::Authenticate, now).await? else {
        return Ok(stale());
    };
    let authentication: PasskeyAuthentication = from_json(&stored)?;
    let result = match relying_party(&state)?
        .finish_passkey_authentication(&f.credential, &authentication)
    {
        Ok(r) => r,
        Err(e) => {
            tracing::info!(error = %e, "passkey sign-in refused");
            return did_not_verify(
                &state,
                &user,
                "auth.mfa_failed",
                "passkey did not verify",
                StatusCode::UNAUTHORIZED,
                "The passkey was not accepted. Try again, or use your code.",
                now,
            )
            .await;
        }
    };
    // Keep the authenticator's new counter (a cloned authenticator shows as a counter that
    // goes back).
    for row in state.store.passkeys().list(user.id()).await? {
        let mut passkey: Passkey = from_json(&row.credential)?;
        if passkey.cred_id() == result.cred_id() {
            passkey.update_credential(&result);
            state
                .store
                .passkeys()
                .used(user.id(), row.id, &to_json(&passkey)?, now)
                .await?;
        }
    }
    let next = safe_next(Some(&f.next), crate::paths::DASHBOARD);
    let action = if user.fully_signed_in() {
        "auth.step_up"
    } else {
        "auth.mfa"
    };
    let (token, _) = raise_session(&state, &user, true, action).await?;
    Ok(with_cookie(
        Json(json!({ "next": next })).into_response(),
        &state,
        &token,
    ))
}
