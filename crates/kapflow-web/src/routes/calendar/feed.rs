//! A clinician's calendar feed: the subscription itself (public, found by its unguessable
//! link alone) and the clinician's own buttons to make a new link or withdraw it. The link is
//! shown once, when made: only its hash is kept.

use crate::AppState;
use crate::auth::StaffUser;
use crate::error::AppError;
use crate::ical::{DETAIL_KEY, FeedDetail, feed};
use crate::views::layout::Layout;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use kapflow_domain::time_util::now_utc;
use kapflow_domain::token::{looks_like_token, token_hash};
use time::Duration;

/// How far back and ahead a feed reaches.
const BACK: Duration = Duration::days(30);
const AHEAD: Duration = Duration::days(400);

#[tracing::instrument(level = "debug", skip_all)]
pub async fn subscription(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Result<Response, AppError> {
    let token = token.strip_suffix(".ics").unwrap_or(&token);
    if !looks_like_token(token) {
        return Err(AppError::NotFound);
    }
    let now = now_utc();
    let Some((_, items)) = state
        .store
        .calendar()
        .feed(&token_hash(token), now - BACK, now + AHEAD)
        .await?
    else {
        return Err(AppError::NotFound);
    };
    let settings = state.store.settings().snapshot().await?;
    let detail = FeedDetail::from_setting(settings.get(DETAIL_KEY));
    let practice = settings
        .get(kapflow_store::settings::keys::PRACTICE_NAME)
        .unwrap_or("kapflow");
    let host = crate::ical::host_of(&state.config.public_url);
    let mut res = feed(practice, &host, &items, detail).into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/calendar; charset=utf-8"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(res)
}

#[derive(Template, WebTemplate)]
#[template(path = "calendar_feed.html")]
pub struct FeedMadePage {
    pub layout: Layout,
    pub link: String,
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn make(
    State(state): State<AppState>,
    user: StaffUser,
) -> Result<FeedMadePage, AppError> {
    let token = crate::setup_link::new_token();
    state
        .store
        .calendar()
        .new_feed(user.0.id(), &token_hash(&token), &user.0.actor(), now_utc())
        .await?;
    Ok(FeedMadePage {
        layout: Layout::for_user(&state, &user.0).await?,
        link: format!(
            "{}{}",
            state.config.public_url.trim_end_matches('/'),
            crate::paths::ical(format!("{token}.ics"))
        ),
    })
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn withdraw(
    State(state): State<AppState>,
    user: StaffUser,
) -> Result<Response, AppError> {
    state
        .store
        .calendar()
        .withdraw_feed(user.0.id(), &user.0.actor(), now_utc())
        .await?;
    Ok(Redirect::to(&format!("{}?done=feed-withdrawn", crate::paths::HOURS)).into_response())
}
