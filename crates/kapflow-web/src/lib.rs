//! kapflow's HTTP layer: turns requests into store and domain calls and results into HTML.
//!
//! Handlers stay thin (extract, call, render). One middleware stack wraps every route, the
//! fallback and the static files alike (see `middleware`). Web code never writes SQL and never
//! names a database backend.

pub mod attachment;
pub mod audit_batch;
pub mod auth;
pub mod billing_docs;
pub mod billing_settings;
pub mod chart;
pub mod client_ip;
pub mod clock;
pub mod config;
pub mod csv_out;
pub mod dosing_settings;
pub mod error;
pub mod estimates;
pub mod fhir;
pub mod form_fields;
pub mod form_once;
pub mod forms;
pub mod ical;
pub mod mail;
pub mod markdown;
pub mod metrics;
pub mod middleware;
pub mod nav_counts;
pub mod paths;
pub mod photo;
pub mod portal_settings;
pub mod practice_zone;
pub mod print;
pub mod record_copy;
pub mod routes;
pub mod setup_link;
pub mod site;
pub mod state;
pub mod time_fmt;
pub mod upload;
pub mod views;
pub mod write_health;

pub use config::WebConfig;
pub use state::AppState;

use axum::Router;

/// The whole application: every route behind the access check and the one middleware stack
/// (`/metrics` only while `config.metrics_on_main`).
pub fn app(state: AppState) -> Router {
    let routes = routes::build_with(state.config.metrics_on_main);
    app_with(state, routes)
}

/// `/metrics` alone, for a listener of its own (an address only the monitoring network
/// reaches). No session, access check or page middleware: it serves no person, and the
/// scrapes are not counted as practice traffic; any other path is 404.
pub fn metrics_app(state: AppState) -> Router {
    Router::new()
        .route(paths::METRICS, axum::routing::get(routes::health::metrics))
        .with_state(state)
}

/// The application from a given route set (tests add routes to show what the access check
/// does with them).
pub fn app_with(state: AppState, routes: routes::Routes) -> Router {
    let (router, registry) = routes.into_parts();
    app_from_parts(state, router, registry)
}

/// The application from a router and the registry it is checked against. A route in `router`
/// that `registry` does not declare is refused by the access check.
pub fn app_from_parts(
    state: AppState,
    router: Router<AppState>,
    registry: auth::access::Registry,
) -> Router {
    let registry = std::sync::Arc::new(registry);
    let router = router
        .fallback(routes::not_found)
        .layer(axum::middleware::from_fn_with_state(
            (state.clone(), registry),
            auth::access::enforce,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            practice_zone::layer,
        ));
    middleware::wrap(router, &state).with_state(state)
}

/// The access registry of the full app (for the authorization matrix test).
pub fn registry() -> auth::access::Registry {
    routes::build().into_parts().1
}
