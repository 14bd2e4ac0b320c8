//! The pages: one askama struct per page (compiled, auto-escaped, in `templates/`) and the
//! builders that fill them from the store. Routes extract, call and render; everything a page
//! shows is assembled here. Every page carries a `Layout` (practice name, navigation).

pub mod account;
pub mod alerts;
pub mod api_tokens;
pub mod audit;
pub mod auth;
pub mod billing_settings;
pub mod calendar;
pub mod clients;
pub mod error;
pub mod inbox;
pub mod layout;
pub mod portal;
pub mod portal_forms;
pub mod site;
pub mod staff;
pub mod work;

/// Versioned URLs of the stylesheet and scripts, for the page frames.
pub fn css_href() -> &'static str {
    crate::routes::assets::href("kapflow.css")
}
pub fn favicon_href() -> &'static str {
    crate::routes::assets::href("favicon.svg")
}
pub fn htmx_src() -> &'static str {
    crate::routes::assets::href("htmx-4.0.1.min.js")
}
pub fn forms_js_src() -> &'static str {
    crate::routes::assets::href("forms.js")
}
pub fn session_js_src() -> &'static str {
    crate::routes::assets::href("session.js")
}
pub fn monitor_js_src() -> &'static str {
    crate::routes::assets::href("monitor.js")
}
pub fn passkey_js_src() -> &'static str {
    crate::routes::assets::href("passkey.js")
}

/// The partner prescriber organisations as (id, name) choices for a select, by name.
pub async fn org_choices(
    state: &crate::AppState,
) -> Result<Vec<(String, String)>, crate::error::AppError> {
    Ok(state
        .store
        .partner_orgs()
        .list()
        .await?
        .into_iter()
        .map(|o| (o.id.to_string(), o.name))
        .collect())
}
