//! The emergency-access (break-glass) form.

use crate::AppState;
use crate::auth::StaffUser;
use crate::error::AppError;
use crate::views::layout::Layout;
use askama::Template;
use askama_web::WebTemplate;
use kapflow_domain::ClientId;
use kapflow_domain::form::FieldErrors;
use kapflow_store::settings::keys;
use serde::Deserialize;

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct BreakGlassInput {
    /// Set when opened from a safety alert: the client it names (then only a reason is asked).
    pub client: String,
    pub legal_name: String,
    pub date_of_birth: String,
    pub reason: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "break_glass.html")]
pub struct BreakGlassPage {
    pub layout: Layout,
    pub csrf: String,
    pub hours: i64,
    /// The legal name of the client whose open alert this access is for.
    pub alert_client: Option<String>,
    pub v: BreakGlassInput,
    pub e: FieldErrors,
}

pub async fn page(
    state: &AppState,
    user: &StaffUser,
    mut v: BreakGlassInput,
    e: FieldErrors,
) -> Result<BreakGlassPage, AppError> {
    let alert_client = match alert_client(state, &v.client).await? {
        Some((_, name)) => Some(name),
        None => {
            v.client.clear();
            None
        }
    };
    Ok(BreakGlassPage {
        layout: Layout::for_user(state, &user.0).await?,
        csrf: user.0.csrf().to_owned(),
        hours: hours(state).await?,
        alert_client,
        v,
        e,
    })
}

/// The client named by `raw` (an id) and their legal name, while they have an open alert.
pub async fn alert_client(
    state: &AppState,
    raw: &str,
) -> Result<Option<(ClientId, String)>, AppError> {
    let Some(id) = ClientId::parse(raw) else {
        return Ok(None);
    };
    Ok(state
        .store
        .alerts()
        .client_with_open_alert(id)
        .await?
        .map(|name| (id, name)))
}

/// How long a grant lasts (practice setting `break_glass.hours`, default 4).
/// The fewest characters a break-glass reason may have (a practice setting).
pub async fn min_reason(state: &AppState) -> Result<u32, AppError> {
    Ok(state
        .store
        .settings()
        .get(keys::BREAK_GLASS_MIN_REASON)
        .await?
        .and_then(|h| h.parse::<u32>().ok())
        .filter(|h| (10..=200).contains(h))
        .unwrap_or(kapflow_domain::prescribing::BREAK_GLASS_MIN_REASON))
}

pub async fn hours(state: &AppState) -> Result<i64, AppError> {
    Ok(state
        .store
        .settings()
        .get(keys::BREAK_GLASS_HOURS)
        .await?
        .and_then(|h| h.parse::<i64>().ok())
        .filter(|h| (1..=24).contains(h))
        .unwrap_or(4))
}
