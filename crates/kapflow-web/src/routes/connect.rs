//! "Connect with me": the public inquiry form, its submission, and the confirmation page.

use crate::AppState;
use crate::client_ip::ClientIp;
use crate::error::AppError;
use crate::forms;
use crate::routes::public::layout;
use crate::site::Page;
use crate::site::sections;
use crate::views::site::{ConnectPage, ConnectThanksPage};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::Form;
use kapflow_domain::Actor;
use kapflow_domain::form::FieldErrors;
use kapflow_domain::inquiry::{Concern, ContactMethod, InquiryInput, MAX_MESSAGE_CHARS};
use kapflow_domain::time_util::now_utc;
use kapflow_store::inquiries::Submitted;
use kapflow_store::rate_limit::RateLimit;
use sha2::{Digest, Sha256};
use time::Duration;

async fn page(
    state: &AppState,
    v: InquiryInput,
    e: FieldErrors,
    form_error: Option<String>,
    token: Option<String>,
) -> Result<ConnectPage, AppError> {
    let site = state.site.snapshot(state).await?.info.clone();
    let sections = sections(state, Page::Connect, &site)
        .await?
        .into_iter()
        .filter(|s| s.key == "connect.intro")
        .collect();
    let form_token = match token {
        Some(t) => t,
        None => forms::issue(state, now_utc()).await?,
    };
    let mut p = layout(state, site, Page::Connect);
    if !e.is_empty() || form_error.is_some() {
        // A refused form is its own state: a screen reader hears it first (WCAG 2.4.2).
        p.title = format!("Error: {}", p.title);
    }
    Ok(ConnectPage {
        p,
        sections,
        form_token,
        v,
        e,
        form_error,
        contact_methods: ContactMethod::ALL
            .iter()
            .map(|c| (c.as_str(), c.label()))
            .collect(),
        concern_options: Concern::ALL
            .iter()
            .map(|c| (c.as_str(), c.label()))
            .collect(),
        max_message: MAX_MESSAGE_CHARS,
    })
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn show(State(state): State<AppState>) -> Result<ConnectPage, AppError> {
    page(
        &state,
        InquiryInput::default(),
        FieldErrors::default(),
        None,
        None,
    )
    .await
}

/// The submitted form (`concerns` repeats: axum-extra's `Form` keeps every value).
#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct Submission {
    name: String,
    email: String,
    phone: String,
    preferred_contact: String,
    preferred_time: String,
    concerns: Vec<String>,
    message: String,
    heard_from: String,
    consent: String,
    form_token: String,
    /// The honeypot: people never see it, so it stays empty.
    website: String,
}

impl Submission {
    fn input(&self) -> InquiryInput {
        InquiryInput {
            name: self.name.clone(),
            email: self.email.clone(),
            phone: self.phone.clone(),
            preferred_contact: self.preferred_contact.clone(),
            preferred_time: self.preferred_time.clone(),
            concerns: self.concerns.clone(),
            message: self.message.clone(),
            heard_from: self.heard_from.clone(),
            consent: self.consent == "yes",
        }
    }
}

/// The canonical form of what was sent, so the same content under the same key is a repeat.
fn request_hash(i: &InquiryInput) -> Vec<u8> {
    let canonical = serde_json::json!([
        i.name,
        i.email,
        i.phone,
        i.preferred_contact,
        i.preferred_time,
        i.concerns,
        i.message,
        i.heard_from,
        i.consent
    ]);
    Sha256::digest(canonical.to_string().as_bytes()).to_vec()
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn submit(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    Form(sub): Form<Submission>,
) -> Result<Response, AppError> {
    let now = now_utc();
    let input = sub.input();
    if !forms::verify(&state, &sub.form_token, now).await? {
        // Keep what was typed; give a fresh token.
        let msg = "This form had expired, so it was not sent. Please check your details and send it again.".to_owned();
        let p = page(&state, input, FieldErrors::default(), Some(msg), None).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, p).into_response());
    }
    if !sub.website.is_empty() {
        // A bot filled the hidden field: answer as if sent, keep nothing.
        tracing::info!("inquiry dropped by the honeypot");
        return Ok(Redirect::to(crate::paths::CONNECT_THANKS).into_response());
    }
    let inquiry = match input.validate() {
        Ok(i) => i,
        Err(e) => {
            let p = page(&state, input, e, None, Some(sub.form_token)).await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, p).into_response());
        }
    };
    let bucket = format!("inquiry-ip:{}", ip.as_deref().unwrap_or("unknown"));
    let limit = RateLimit {
        bucket: &bucket,
        window: Duration::hours(1),
        limit: state.config.inquiries_per_hour,
    };
    let outcome = state
        .store
        .inquiries()
        .submit(
            &sub.form_token,
            &request_hash(&input),
            &inquiry,
            &limit,
            &Actor::anonymous(ip),
            now,
        )
        .await?;
    match outcome {
        Submitted::Created(_) | Submitted::Repeat => {
            Ok(Redirect::to(crate::paths::CONNECT_THANKS).into_response())
        }
        Submitted::Limited(retry_after) => Ok(crate::error::too_many_requests(retry_after)),
        Submitted::KeyReused => {
            let msg = "This form was already sent. To send another inquiry, check the details below and send again.".to_owned();
            let p = page(&state, input, FieldErrors::default(), Some(msg), None).await?;
            Ok((StatusCode::CONFLICT, p).into_response())
        }
    }
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn thanks(State(state): State<AppState>) -> Result<ConnectThanksPage, AppError> {
    let site = state.site.snapshot(&state).await?.info.clone();
    let sections = sections(&state, Page::Connect, &site)
        .await?
        .into_iter()
        .filter(|s| s.key == "connect.next")
        .collect();
    let mut p = layout(&state, site, Page::Connect);
    p.title = "Your inquiry has been sent".to_owned();
    Ok(ConnectThanksPage { p, sections })
}
