//! Settings of the web layer, resolved once by the binary from flags and `KAPFLOW_*` variables.

use std::time::Duration;

#[derive(Clone, Debug)]
pub struct WebConfig {
    /// The address people use to reach kapflow, without a trailing slash (links in the console
    /// and, later, in emails).
    pub public_url: String,
    /// A whole request, body included, must finish within this.
    pub request_timeout: Duration,
    /// Largest request body accepted, in bytes (photo uploads raise it on their own route).
    pub max_body_bytes: usize,
    /// Inquiries accepted from one IP address per hour.
    pub inquiries_per_hour: i64,
    /// How long a session may sit idle, for staff and for clients.
    pub idle: kapflow_domain::session_policy::IdleLimits,
    /// Proxies whose `X-Forwarded-For` names the client (none: the TCP peer is the client).
    pub trusted_proxies: crate::client_ip::TrustedProxies,
    /// `/metrics` is served by the main app. False when the binary serves it on a listener of
    /// its own (`KAPFLOW_METRICS_LISTEN`, see [`crate::metrics_app`]): then the public address
    /// answers it with 404 like any unknown path.
    pub metrics_on_main: bool,
}

impl WebConfig {
    /// Cookies get `Secure` and the `__Host-` prefix, and HSTS is sent, only over TLS.
    pub fn served_over_tls(&self) -> bool {
        self.public_url.starts_with("https://")
    }
}

impl Default for WebConfig {
    fn default() -> Self {
        WebConfig {
            public_url: "http://127.0.0.1:8080".into(),
            request_timeout: Duration::from_secs(30),
            max_body_bytes: 64 * 1024,
            inquiries_per_hour: 5,
            idle: Default::default(),
            trusted_proxies: Default::default(),
            metrics_on_main: true,
        }
    }
}
