//! The second factor: enrolment (QR code, recovery codes), the sign-in step, and step-up
//! ("confirm with your code") for sensitive actions.

use crate::AppState;
use crate::auth::{CurrentUser, cookie, totp};
use crate::error::AppError;
use crate::routes::login::{new_tokens, safe_next};
use crate::views::auth::{MfaCodePage, MfaEnrolPage, RecoveryCodesPage};
use crate::views::layout::Layout;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use kapflow_domain::AuditOutcome;
use kapflow_domain::form::FieldErrors;
use kapflow_domain::mfa::parse_totp_code;
use kapflow_domain::time_util::now_utc;
use kapflow_domain::token::token_hash;
use kapflow_store::rate_limit::AttemptDecision;
use kapflow_store::sessions::NewSession;
use serde::Deserialize;
use time::Duration;

/// Wrong codes allowed per account per window before 429 (right ones are not counted).
const MFA_ATTEMPTS: i64 = 10;
const MFA_WINDOW: Duration = Duration::minutes(15);

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct NextQuery {
    next: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CodeForm {
    code: String,
    next: String,
}

fn unix_now() -> u64 {
    u64::try_from(now_utc().unix_timestamp()).unwrap_or(0)
}

enum Checked {
    Ok,
    Wrong,
    Throttled(Duration),
}

/// Checks a TOTP code (refusing replays) or, failing that shape, a recovery code. Failures
/// are audited and throttled per account.
async fn check_code(
    state: &AppState,
    user: &CurrentUser,
    typed: &str,
    action: &str,
) -> Result<Checked, AppError> {
    let now = now_utc();
    let bucket = format!("mfa:{}", user.id());
    // Counted before the code is checked (simultaneous guesses cannot pass the limit together)
    // and handed back if the code is right: only wrong codes add up.
    let attempt = match state
        .store
        .rate_limits()
        .attempt(&bucket, now, MFA_WINDOW, MFA_ATTEMPTS)
        .await?
    {
        AttemptDecision::Allowed(a) => a,
        AttemptDecision::Limited { retry_after } => {
            let entry = user
                .actor()
                .entry(action, now)
                .outcome(AuditOutcome::Denied, Some("too many attempts"));
            state.store.audit().record(&entry).await?;
            return Ok(Checked::Throttled(retry_after));
        }
    };
    let ok = match parse_totp_code(typed) {
        Some(code) => match state
            .store
            .accounts()
            .totp_record(user.id())
            .await?
            .totp_secret
        {
            Some(secret) => match totp::matching_step(&secret, &code, unix_now()) {
                Some(step) => {
                    state
                        .store
                        .accounts()
                        .accept_totp_step(user.id(), step)
                        .await?
                }
                None => false,
            },
            None => false,
        },
        None => {
            state
                .store
                .accounts()
                .use_recovery_code(user.id(), &totp::recovery_code_hash(typed), now)
                .await?
        }
    };
    if ok {
        state.store.rate_limits().succeeded(attempt).await?;
        return Ok(Checked::Ok);
    }
    let entry = user
        .actor()
        .entry(action, now)
        .record("user", user.id())
        .outcome(AuditOutcome::Failure, Some("wrong code"));
    state.store.audit().record(&entry).await?;
    Ok(Checked::Wrong)
}

/// Replaces the session with one that has passed the second factor (and, for step-up, a fresh
/// confirmation). Returns the new cookie value and the new session's form token.
pub(crate) async fn raise_session(
    state: &AppState,
    user: &CurrentUser,
    step_up: bool,
    action: &str,
) -> Result<(String, String), AppError> {
    let (token, csrf) = new_tokens();
    let hash = token_hash(&token);
    let new = NewSession {
        user: user.id(),
        token_hash: &hash,
        csrf_token: &csrf,
        mfa_verified: true,
        step_up,
        ip: user.ip.as_deref(),
        user_agent: None,
    };
    let now = now_utc();
    state
        .store
        .sessions()
        .rotate(
            user.session_id(),
            &new,
            user.actor().entry(action, now),
            now,
        )
        .await?;
    Ok((token, csrf))
}

pub(crate) fn with_cookie(mut res: Response, state: &AppState, token: &str) -> Response {
    res.headers_mut().insert(
        header::SET_COOKIE,
        cookie::set(token, state.config.served_over_tls()),
    );
    res
}

async fn code_page(
    state: &AppState,
    user: &CurrentUser,
    heading: &'static str,
    action: &'static str,
    next: String,
    error: Option<String>,
) -> Result<MfaCodePage, AppError> {
    Ok(MfaCodePage {
        layout: Layout::for_user(state, user).await?,
        heading,
        action,
        csrf: user.csrf().to_owned(),
        next,
        e: FieldErrors::of("code", error),
        passkeys: crate::routes::passkeys::possible(state)
            && !state.store.passkeys().list(user.id()).await?.is_empty(),
    })
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn login_show(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<NextQuery>,
) -> Result<Response, AppError> {
    let next = safe_next(q.next.as_deref(), crate::paths::DASHBOARD);
    if user.fully_signed_in() {
        return Ok(Redirect::to(&next).into_response());
    }
    if !user.session.mfa_enrolled {
        return Ok(Redirect::to(crate::paths::MFA_ENROL).into_response());
    }
    Ok(code_page(
        &state,
        &user,
        Confirmation::SignIn.heading(),
        Confirmation::SignIn.action(),
        next,
        None,
    )
    .await?
    .into_response())
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn login_submit(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(form): Form<CodeForm>,
) -> Result<Response, AppError> {
    confirm(&state, &user, &form, Confirmation::SignIn).await
}

/// The two places a code is typed once enrolled: signing in, and step-up.
#[derive(Clone, Copy)]
enum Confirmation {
    SignIn,
    StepUp,
}

impl Confirmation {
    fn heading(self) -> &'static str {
        match self {
            Confirmation::SignIn => "Confirm it is you",
            Confirmation::StepUp => "Confirm with your code",
        }
    }
    fn action(self) -> &'static str {
        match self {
            Confirmation::SignIn => crate::paths::LOGIN_MFA,
            Confirmation::StepUp => crate::paths::STEP_UP,
        }
    }
    fn audit(self) -> &'static str {
        match self {
            Confirmation::SignIn => "auth.mfa",
            Confirmation::StepUp => "auth.step_up",
        }
    }
}

/// Checks the code; on success replaces the session with a raised one and goes on to `next`.
async fn confirm(
    state: &AppState,
    user: &CurrentUser,
    form: &CodeForm,
    kind: Confirmation,
) -> Result<Response, AppError> {
    let next = safe_next(Some(&form.next), crate::paths::DASHBOARD);
    match check_code(state, user, &form.code, kind.audit()).await? {
        Checked::Ok => {
            let step_up = matches!(kind, Confirmation::StepUp);
            let (token, _) = raise_session(state, user, step_up, kind.audit()).await?;
            Ok(with_cookie(
                Redirect::to(&next).into_response(),
                state,
                &token,
            ))
        }
        Checked::Wrong => {
            let error = match kind {
                Confirmation::SignIn => {
                    "That code is not right. Codes change every 30 seconds: try the current one."
                }
                Confirmation::StepUp => "That code is not right.",
            };
            let page = code_page(
                state,
                user,
                kind.heading(),
                kind.action(),
                next,
                Some(error.into()),
            )
            .await?;
            Ok((StatusCode::UNAUTHORIZED, page).into_response())
        }
        Checked::Throttled(d) => Ok(crate::error::too_many_requests(d)),
    }
}

async fn enrol_page(
    state: &AppState,
    user: &CurrentUser,
    error: Option<String>,
) -> Result<MfaEnrolPage, AppError> {
    let secret = state
        .store
        .accounts()
        .pending_totp_secret(user.id(), &totp::new_secret())
        .await?;
    let layout = Layout::for_user(state, user).await?;
    let qr_svg = totp::qr_svg(&secret, &layout.site_name, &user.session.user.email)
        .ok_or_else(|| AppError::internal("QR code"))?;
    Ok(MfaEnrolPage {
        layout,
        passkeys: crate::routes::passkeys::possible(state),
        csrf: user.csrf().to_owned(),
        qr_svg,
        secret_text: totp::secret_text(&secret),
        e: FieldErrors::of("code", error),
    })
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn enrol_show(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<Response, AppError> {
    if user.session.mfa_enrolled {
        return Ok(Redirect::to(if user.fully_signed_in() {
            crate::paths::DASHBOARD
        } else {
            crate::paths::LOGIN_MFA
        })
        .into_response());
    }
    Ok(enrol_page(&state, &user, None).await?.into_response())
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn enrol_submit(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(form): Form<CodeForm>,
) -> Result<Response, AppError> {
    if user.session.mfa_enrolled {
        return Ok(Redirect::to(crate::paths::DASHBOARD).into_response());
    }
    let now = now_utc();
    let bucket = format!("mfa:{}", user.id());
    let attempt = match state
        .store
        .rate_limits()
        .attempt(&bucket, now, MFA_WINDOW, MFA_ATTEMPTS)
        .await?
    {
        AttemptDecision::Allowed(a) => a,
        AttemptDecision::Limited { retry_after } => {
            return Ok(crate::error::too_many_requests(retry_after));
        }
    };
    let secret = state
        .store
        .accounts()
        .pending_totp_secret(user.id(), &totp::new_secret())
        .await?;
    let step =
        parse_totp_code(&form.code).and_then(|c| totp::matching_step(&secret, &c, unix_now()));
    let Some(step) = step else {
        let entry = user
            .actor()
            .entry("mfa.enrolled", now)
            .record("user", user.id())
            .outcome(AuditOutcome::Failure, Some("wrong code"));
        state.store.audit().record(&entry).await?;
        let page = enrol_page(&state, &user, Some("That code is not right. Check the app shows kapflow's entry, then type its current six digits.".into())).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    };
    // A right code: not a failure, so it does not count.
    state.store.rate_limits().succeeded(attempt).await?;
    let (codes, hashes) = totp::new_recovery_codes();
    state
        .store
        .accounts()
        .enrol_totp(user.id(), &secret, step, &hashes, &user.actor(), now)
        .await?;
    let (token, csrf) = raise_session(&state, &user, false, "auth.mfa").await?;
    let mut raised = user.clone();
    raised.session.csrf_token = csrf;
    raised.session.mfa_verified = true;
    raised.session.mfa_enrolled = true;
    let next = safe_next(Some(&form.next), crate::paths::DASHBOARD);
    let page = RecoveryCodesPage {
        layout: Layout::for_user(&state, &raised).await?,
        codes,
        next,
    };
    Ok(with_cookie(page.into_response(), &state, &token))
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn step_up_show(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<NextQuery>,
) -> Result<MfaCodePage, AppError> {
    let next = safe_next(q.next.as_deref(), crate::paths::DASHBOARD);
    code_page(
        &state,
        &user,
        Confirmation::StepUp.heading(),
        Confirmation::StepUp.action(),
        next,
        None,
    )
    .await
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn step_up_submit(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(form): Form<CodeForm>,
) -> Result<Response, AppError> {
    confirm(&state, &user, &form, Confirmation::StepUp).await
}

/// For handlers of sensitive actions: `Some(redirect)` to the step-up page when the session's
/// last confirmation is not fresh.
pub fn require_step_up(user: &CurrentUser, back_to: &str) -> Option<Response> {
    if kapflow_domain::session_policy::step_up_fresh(user.session.step_up_at, now_utc()) {
        return None;
    }
    Some(crate::auth::access::ask_step_up(back_to))
}
