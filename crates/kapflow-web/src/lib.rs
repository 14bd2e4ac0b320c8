//! kapflow's HTTP layer: turns requests into store and domain calls and results into HTML.
//!
//! Handlers stay thin (extract, call, render). One middleware stack wraps every route, the
//! fallback and the static files alike (see `middleware`). Web code never writes SQL and never
//! names a database backend.

pub mod client_ip;
pub mod config;
pub mod error;
pub mod metrics;
pub mod middleware;
pub mod password;
pub mod routes;
pub mod setup_link;
pub mod state;
pub mod templates;

pub use config::WebConfig;
pub use state::AppState;

use axum::Router;

/// The whole application: every route behind the one middleware stack.
pub fn app(state: AppState) -> Router {
    let routes = routes::router().fallback(routes::not_found);
    middleware::wrap(routes, &state).with_state(state)
}
