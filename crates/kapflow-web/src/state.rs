//! What every handler can reach. Nothing here holds state that matters between requests:
//! that lives in the database, so several instances behave as one.

use crate::config::WebConfig;
use kapflow_store::Store;
use metrics_exporter_prometheus::PrometheusHandle;
use std::ops::Deref;
use std::sync::Arc;

/// Cloned for every request by axum, so it is one reference count (see `Inner` for the parts).
#[derive(Clone)]
pub struct AppState(Arc<Inner>);

pub struct Inner {
    pub store: Store,
    pub config: WebConfig,
    pub metrics: PrometheusHandle,
    /// Rendered public pages (see `site`); a cache, not state that matters.
    pub site: crate::site::SiteCache,
    /// The navigation's counts per person, for a few seconds; a cache, not state that matters.
    pub nav_counts: crate::nav_counts::NavCountCache,
    /// The key that signs public form tokens, loaded from the database once.
    pub form_secret: tokio::sync::OnceCell<Vec<u8>>,
    /// Whether this instance's writes land (readiness while the disk is full).
    pub write_health: crate::write_health::WriteHealth,
    /// Commits read-audit rows in groups (started on first use, inside the runtime).
    audit_batcher: std::sync::OnceLock<crate::audit_batch::AuditBatcher>,
    /// What answers the FHIR API (installed by the binary; see `crate::fhir`).
    fhir: std::sync::OnceLock<Arc<dyn kapflow_store::fhir_api::FhirServer>>,
}

impl Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

impl AppState {
    pub fn new(store: Store, config: WebConfig) -> AppState {
        AppState(Arc::new(Inner {
            store,
            config,
            metrics: crate::metrics::handle(),
            site: Default::default(),
            nav_counts: Default::default(),
            form_secret: Default::default(),
            write_health: Default::default(),
            audit_batcher: Default::default(),
            fhir: Default::default(),
        }))
    }

    /// Serves the FHIR API with `server` (once; the binary installs the FHIR crate's).
    pub fn install_fhir(&self, server: Arc<dyn kapflow_store::fhir_api::FhirServer>) {
        // A second install is a programming error of the caller, and harmless: the first stays.
        let _ = self.0.fhir.set(server);
    }

    /// What answers the FHIR API, once installed.
    pub fn fhir(&self) -> Option<&Arc<dyn kapflow_store::fhir_api::FhirServer>> {
        self.0.fhir.get()
    }

    /// The read-audit writer; returns once the row is committed.
    pub fn audit_reads(&self) -> &crate::audit_batch::AuditBatcher {
        self.0
            .audit_batcher
            .get_or_init(|| crate::audit_batch::AuditBatcher::spawn(self.0.store.clone()))
    }
}
