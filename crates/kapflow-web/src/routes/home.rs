//! The start page. It reads the practice's name from the database on every request (the public
//! site issue adds caching and the practice's full content).

use crate::AppState;
use crate::error::AppError;
use crate::layout::Layout;
use crate::templates::HomePage;
use axum::extract::State;
use kapflow_store::settings::keys;

pub async fn show(State(state): State<AppState>) -> Result<HomePage, AppError> {
    let name = state.store.setting(keys::PRACTICE_NAME).await?;
    let needs_setup = name.is_none() && state.store.needs_setup().await?;
    Ok(HomePage {
        layout: Layout::plain(name.unwrap_or_else(|| "kapflow".to_owned())),
        needs_setup,
    })
}
