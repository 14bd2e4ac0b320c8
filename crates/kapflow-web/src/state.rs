//! What every handler can reach. Nothing here holds state that matters between requests:
//! that lives in the database, so several instances behave as one.

use crate::config::WebConfig;
use kapflow_store::Store;
use metrics_exporter_prometheus::PrometheusHandle;
use std::sync::Arc;

#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub config: Arc<WebConfig>,
    pub metrics: PrometheusHandle,
    /// Rendered public pages (see `site`); a cache, not state that matters.
    pub site: Arc<crate::site::SiteCache>,
    /// The key that signs public form tokens, loaded from the database once.
    pub form_secret: Arc<tokio::sync::OnceCell<Vec<u8>>>,
}

impl AppState {
    pub fn new(store: Store, config: WebConfig) -> AppState {
        AppState {
            store,
            config: Arc::new(config),
            metrics: crate::metrics::handle(),
            site: Arc::default(),
            form_secret: Arc::default(),
        }
    }
}
