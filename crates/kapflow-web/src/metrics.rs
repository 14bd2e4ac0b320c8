//! Prometheus metrics: request counts and latency histograms per route template, and the
//! state of outgoing mail.
//!
//! Labels are the matched route (`/setup/{token}`), never the raw path, so no token or id can
//! reach a label.

use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use std::sync::OnceLock;

pub const REQUESTS: &str = "kapflow_http_requests_total";
pub const DURATION: &str = "kapflow_http_request_duration_seconds";
/// Mail not yet delivered (gauge, whole practice).
pub const MAIL_WAITING: &str = "kapflow_mail_waiting";
/// Of that, mail refused at least once and being retried (gauge).
pub const MAIL_FAILING: &str = "kapflow_mail_failing";
/// Mail kapflow gave up on because it cannot read it (gauge); the owner sees each on Staff.
pub const MAIL_GIVEN_UP: &str = "kapflow_mail_given_up";

/// The process-wide recorder (the `metrics` facade is global by design); installed once.
pub fn handle() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let builder = PrometheusBuilder::new()
                .set_buckets_for_metric(
                    Matcher::Full(DURATION.to_owned()),
                    &[
                        0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
                    ],
                )
                .unwrap_or_else(|_| PrometheusBuilder::new());
            match builder.install_recorder() {
                Ok(h) => h,
                // Another recorder is installed (only possible in odd test setups): keep a
                // working handle that is simply not the global one.
                Err(_) => PrometheusBuilder::new().build_recorder().handle(),
            }
        })
        .clone()
}

/// A static label for the method (no allocation for the usual ones).
pub fn method_label(m: &axum::http::Method) -> &'static str {
    match m.as_str() {
        "GET" => "GET",
        "POST" => "POST",
        "HEAD" => "HEAD",
        "PUT" => "PUT",
        "DELETE" => "DELETE",
        "PATCH" => "PATCH",
        "OPTIONS" => "OPTIONS",
        _ => "OTHER",
    }
}

/// Counts and times one request under its route template.
pub fn record(
    method: &'static str,
    route: String,
    status: axum::http::StatusCode,
    elapsed: std::time::Duration,
) {
    let labels = [
        ("method", method.to_owned()),
        ("route", route),
        ("status", status.as_u16().to_string()),
    ];
    metrics::counter!(REQUESTS, &labels).increment(1);
    metrics::histogram!(DURATION, &labels).record(elapsed.as_secs_f64());
}
