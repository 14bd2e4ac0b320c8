//! Every route of the app, grouped by feature. URL paths are spelt only here and in `paths`.

pub mod assets;
pub mod health;
pub mod home;
pub mod setup;

use crate::AppState;
use crate::error::AppError;
use axum::Router;
use axum::routing::get;

/// The URL paths other code links to.
pub mod paths {
    pub const HOME: &str = "/";
    pub const HEALTHZ: &str = "/healthz";
    pub const READYZ: &str = "/readyz";
    pub const METRICS: &str = "/metrics";
    pub const SETUP: &str = "/setup/{token}";
    pub const STATIC: &str = "/static/{file}";

    pub fn setup(token: &str) -> String {
        format!("/setup/{token}")
    }
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route(paths::HOME, get(home::show))
        .route(paths::HEALTHZ, get(health::healthz))
        .route(paths::READYZ, get(health::readyz))
        .route(paths::METRICS, get(health::metrics))
        .route(paths::SETUP, get(setup::show).post(setup::submit))
        .route(paths::STATIC, get(assets::serve))
}

/// Anything unrouted: the error-page middleware renders the 404 page.
pub async fn not_found() -> AppError {
    AppError::NotFound
}
