//! Signing in with a password (step one of two for staff) and signing out.

use crate::AppState;
use crate::auth::{CurrentUser, cookie, password};
use crate::client_ip::ClientIp;
use crate::error::AppError;
use crate::views::auth::LoginPage;
use crate::views::layout::Layout;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use kapflow_domain::time_util::now_utc;
use kapflow_domain::token::token_hash;
use kapflow_domain::{Actor, Email};
use kapflow_store::rate_limit::AttemptDecision;
use kapflow_store::sessions::NewSession;
use serde::Deserialize;
use time::Duration;

/// Failed attempts per IP address per window, whatever the account (issue: 30 → 429).
pub const IP_ATTEMPTS: i64 = 30;
/// Failed attempts per account address per window, whether or not the account exists.
pub const ACCOUNT_ATTEMPTS: i64 = 10;
pub const WINDOW: Duration = Duration::minutes(15);

const WRONG: &str = "The email address or password is not right.";

/// Where to go after signing in (and after the second factor): `next` when it is a path on
/// this site, otherwise `default`. `next` comes from the query string, so anything a browser
/// could read as another site (`//host`, `/\host`, a tab or line break a browser drops before
/// resolving, `%5c` or `%0d%0a` that turn into those once decoded) is refused rather than
/// cleaned up: a person never needs such a target, an attacker does.
pub fn safe_next(next: Option<&str>, default: &'static str) -> String {
    match next {
        Some(n) if is_local_path(n) => n.to_owned(),
        _ => default.to_owned(),
    }
}

/// Rounds of percent-decoding looked through: a proxy or framework may decode once more than
/// expected, so each decoding must be harmless too; more layers than this are refused.
const DECODE_ROUNDS: usize = 3;

fn is_local_path(n: &str) -> bool {
    // A path and query as `http` parses them: no scheme, no authority, only URI characters.
    if n.len() >= 512 || n.parse::<axum::http::uri::PathAndQuery>().is_err() {
        return false;
    }
    let mut current = n.as_bytes().to_vec();
    for _ in 0..=DECODE_ROUNDS {
        if !plain_local_path(&current) {
            return false;
        }
        let decoded: Vec<u8> = percent_encoding::percent_decode(&current).collect();
        if decoded == current {
            return true;
        }
        current = decoded;
    }
    false
}

/// One `/` then anything but a second `/`; no backslash, control character or whitespace
/// (ASCII or not) anywhere.
fn plain_local_path(b: &[u8]) -> bool {
    b.first() == Some(&b'/')
        && b.get(1) != Some(&b'/')
        && !b.contains(&b'\\')
        && String::from_utf8_lossy(b)
            .chars()
            .all(|c| !c.is_control() && !c.is_whitespace())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct LoginQuery {
    next: Option<String>,
    expired: Option<String>,
    signed_out: Option<String>,
    reset: Option<String>,
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn show(
    State(state): State<AppState>,
    Query(q): Query<LoginQuery>,
) -> Result<LoginPage, AppError> {
    let notice = if q.expired.is_some() {
        Some("You were signed out after a period without activity. Sign in again to continue.")
    } else if q.signed_out.is_some() {
        Some("You are signed out.")
    } else if q.reset.is_some() {
        Some("Your password has been changed. Sign in with the new one.")
    } else {
        None
    };
    Ok(LoginPage {
        layout: Layout::public(&state).await?,
        email: String::new(),
        next: safe_next(q.next.as_deref(), crate::paths::DASHBOARD),
        error: None,
        notice,
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct LoginForm {
    email: String,
    password: String,
    next: String,
}

/// A new random session token and form token.
pub fn new_tokens() -> (String, String) {
    (
        crate::setup_link::new_token(),
        crate::setup_link::new_token(),
    )
}

/// Ends the session this browser already had (a fresh id at every sign-in: no fixation).
async fn end_previous(
    state: &AppState,
    headers: &HeaderMap,
    ip: &Option<String>,
) -> Result<(), AppError> {
    let tls = state.config.served_over_tls();
    if let Some(old) = cookie::read(headers, tls)
        && let Some(rec) = state.store.sessions().by_token(&token_hash(&old)).await?
    {
        let actor = Actor::user(rec.user.id, rec.user.role, Some(rec.id), ip.clone());
        state
            .store
            .sessions()
            .end(rec.id, &actor, "auth.session_replaced", now_utc())
            .await?;
    }
    Ok(())
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn submit(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Result<Response, AppError> {
    let now = now_utc();
    let next = safe_next(Some(&form.next), crate::paths::DASHBOARD);
    let ip_key = format!("login-ip:{}", ip.as_deref().unwrap_or("unknown"));
    // Each attempt is counted before the password is checked (so simultaneous guesses cannot
    // slip past the limit together) and handed back below if it succeeds: only failures add up.
    let ip_attempt = match state
        .store
        .rate_limits()
        .attempt(&ip_key, now, WINDOW, IP_ATTEMPTS)
        .await?
    {
        AttemptDecision::Allowed(a) => a,
        AttemptDecision::Limited { retry_after } => {
            return Ok(crate::error::too_many_requests(retry_after));
        }
    };
    let layout = Layout::public(&state).await?;
    let refuse = |layout: Layout, email: String| {
        (
            StatusCode::UNAUTHORIZED,
            LoginPage {
                layout,
                email,
                next: next.clone(),
                error: Some(WRONG.into()),
                notice: None,
            },
        )
            .into_response()
    };
    let Ok(email) = Email::parse(&form.email) else {
        return Ok(refuse(layout, form.email));
    };
    let account_key = format!("login-account:{}", email.as_str());
    let account_attempt = match state
        .store
        .rate_limits()
        .attempt(&account_key, now, WINDOW, ACCOUNT_ATTEMPTS)
        .await?
    {
        AttemptDecision::Allowed(a) => a,
        AttemptDecision::Limited { retry_after } => {
            return Ok(crate::error::too_many_requests(retry_after));
        }
    };
    let record = state.store.accounts().login_record(&email).await?;
    // Verify even when there is no account, so both cases take as long.
    let ok = password::verify(
        form.password,
        record.as_ref().and_then(|r| r.password_hash.clone()),
    )
    .await?;
    let actor = Actor::anonymous(ip.clone());
    let Some(record) = record else {
        state
            .store
            .accounts()
            .record_login_failure(None, &actor, "unknown account", now)
            .await?;
        return Ok(refuse(layout, email.to_string()));
    };
    let user = record.id;
    if record.locked_until.is_some_and(|t| t > now) {
        state
            .store
            .accounts()
            .record_login_failure(Some(user), &actor, "account locked", now)
            .await?;
        return Ok(crate::error::too_many_requests(
            record.locked_until.map(|t| t - now).unwrap_or(WINDOW),
        ));
    }
    if !ok || record.disabled_at.is_some() {
        let why = if ok {
            "account disabled"
        } else {
            "wrong password"
        };
        state
            .store
            .accounts()
            .record_login_failure(Some(user), &actor, why, now)
            .await?;
        return Ok(refuse(layout, email.to_string()));
    }
    // The right password: this attempt was not a failure, so it does not count.
    let limits = state.store.rate_limits();
    limits.succeeded(ip_attempt).await?;
    limits.succeeded(account_attempt).await?;
    let role = record.role;
    end_previous(&state, &headers, &ip).await?;
    let (token, csrf) = new_tokens();
    let hash = token_hash(&token);
    let ua = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(|s| s.chars().take(200).collect::<String>());
    let enrolled = state
        .store
        .accounts()
        .totp_record(user)
        .await?
        .totp_secret
        .is_some()
        || !state.store.passkeys().list(user).await?.is_empty();
    // A client without a second factor, where the practice lets clients choose: signed in with
    // the password alone (staff always need both).
    let password_enough = !enrolled
        && role == kapflow_domain::Role::Client
        && !crate::portal_settings::read(&state.store.settings().snapshot().await?)
            .second_factor_required;
    let new = NewSession {
        user,
        token_hash: &hash,
        csrf_token: &csrf,
        mfa_verified: password_enough,
        step_up: false,
        ip: ip.as_deref(),
        user_agent: ua.as_deref(),
    };
    let actor = Actor::user(user, role, None, ip.clone());
    state
        .store
        .accounts()
        .start_session_after_password(&new, &actor, now)
        .await?;
    let go = if password_enough {
        next.clone()
    } else if enrolled {
        format!(
            "{}?next={}",
            crate::paths::LOGIN_MFA,
            form_urlencoded::byte_serialize(next.as_bytes()).collect::<String>()
        )
    } else {
        format!(
            "{}?next={}",
            crate::paths::MFA_ENROL,
            form_urlencoded::byte_serialize(next.as_bytes()).collect::<String>()
        )
    };
    let mut res = Redirect::to(&go).into_response();
    res.headers_mut().insert(
        header::SET_COOKIE,
        cookie::set(&token, state.config.served_over_tls()),
    );
    Ok(res)
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn logout(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<Response, AppError> {
    state
        .store
        .sessions()
        .end(user.session_id(), &user.actor(), "auth.logout", now_utc())
        .await?;
    let mut res = Redirect::to(&format!("{}?signed_out=1", crate::paths::LOGIN)).into_response();
    res.headers_mut().insert(
        header::SET_COOKIE,
        cookie::clear(state.config.served_over_tls()),
    );
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn next_is_a_path_on_this_site_or_the_default() {
        for good in [
            "/dashboard",
            "/clients/abc?tab=x",
            "/audit?from=2026-11-01&to=2026-11-30",
            "/audit/export.csv?person=owner%40example.org",
            "/clients/abc/measures#due",
        ] {
            assert_eq!(safe_next(Some(good), "/d"), good, "{good}");
        }
        for hostile in [
            "",
            "staff",
            "//evil.example",
            "///evil.example",
            "https://evil.example",
            "javascript:alert(1)",
            " /staff",
            "/\t/evil.example/",
            "/\\evil.example",
            "/\\\\evil.example",
            "\\/evil.example",
            "/\\/evil.example",
            "/\r\n/evil.example",
            "/\u{0}",
            "/a b",
            "/\u{a0}/evil.example",
            "/%0d%0aSet-Cookie:x",
            "/%5c%5cevil.example",
            "/%5Cevil.example",
            "/%2fevil.example",
            "/%2F%2Fevil.example",
            "/%09/evil.example",
            "/%20",
            "/%c2%a0evil.example",
            "/%252f%252fevil.example",
            "/%25252f%25252fevil.example",
            "/%2525252fx",
            &format!("/{}", "a".repeat(600)),
        ] {
            assert_eq!(safe_next(Some(hostile), "/d"), "/d", "{hostile:?}");
        }
        assert_eq!(safe_next(None, "/d"), "/d");
    }
}
