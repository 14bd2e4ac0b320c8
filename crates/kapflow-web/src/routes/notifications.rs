//! One's notification emails: which kinds one receives (each switchable), from the kinds one's
//! role gets. Safety alerts, escalations and security notices are not switchable.

use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::views::layout::Layout;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::Form;
use kapflow_domain::time_util::now_utc;
use kapflow_store::notices::Kind;
use serde::Deserialize;

#[derive(Template, WebTemplate)]
#[template(path = "notifications.html")]
pub struct NotificationsPage {
    pub layout: Layout,
    pub csrf: String,
    pub saved: bool,
    /// (kind, label, on)
    pub kinds: Vec<(&'static str, &'static str, bool)>,
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<crate::routes::SavedQuery>,
) -> Result<NotificationsPage, AppError> {
    let u = &user.session.user;
    let off = state.store.notices().switched_off(u.id).await?;
    Ok(NotificationsPage {
        layout: Layout::for_user(&state, &user).await?,
        csrf: user.csrf().to_owned(),
        saved: q.saved.is_some(),
        kinds: Kind::for_role(u.role)
            .into_iter()
            .map(|k| (k.as_str(), k.label(), !off.contains(&k)))
            .collect(),
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ChoicesForm {
    /// The kinds ticked (to receive).
    on: Vec<String>,
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn save(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(f): Form<ChoicesForm>,
) -> Result<Response, AppError> {
    let u = &user.session.user;
    let off: Vec<Kind> = Kind::for_role(u.role)
        .into_iter()
        .filter(|k| !f.on.iter().any(|o| o == k.as_str()))
        .collect();
    state
        .store
        .notices()
        .switch_off(u.id, &off, &user.actor(), now_utc())
        .await?;
    Ok(Redirect::to(&format!("{}?saved=1", crate::paths::NOTIFICATIONS)).into_response())
}
