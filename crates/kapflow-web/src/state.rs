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
}

impl AppState {
    pub fn new(store: Store, config: WebConfig) -> AppState {
        AppState {
            store,
            config: Arc::new(config),
            metrics: crate::metrics::handle(),
        }
    }
}
