//! Whether this instance's writes are landing, from the answers it gave: readiness says "not
//! ready" while the database refuses writes (a full disk), which a read-only probe cannot see.
//!
//! It is per instance on purpose: readiness is about this process's connections. It heals by
//! itself: a write that lands, or a quiet interval after the last refusal, makes it ready again,
//! so a balancer that stops sending traffic to a not-ready instance does not keep it out forever.

use axum::http::{Method, StatusCode};
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// How long after a refused write the instance reports not ready, unless a write lands first.
pub const REFUSED_FOR_MS: i64 = 30_000;

#[derive(Default)]
pub struct WriteHealth {
    last_refused_ms: AtomicI64,
    last_written_ms: AtomicI64,
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

impl WriteHealth {
    /// Notes the answer to a request: only form posts count (reads say nothing about writes).
    pub fn note(&self, method: &Method, status: StatusCode) {
        if method != Method::POST {
            return;
        }
        if status == StatusCode::SERVICE_UNAVAILABLE {
            self.last_refused_ms.store(now_ms(), Ordering::Relaxed);
        } else if status.is_success() || status.is_redirection() {
            self.last_written_ms.store(now_ms(), Ordering::Relaxed);
        }
    }

    /// Writes are being refused: the last write was refused, recently, and none landed since.
    pub fn refusing(&self) -> bool {
        let refused = self.last_refused_ms.load(Ordering::Relaxed);
        refused > self.last_written_ms.load(Ordering::Relaxed)
            && now_ms() - refused < REFUSED_FOR_MS
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refused_write_makes_it_refusing_until_a_write_lands() {
        let h = WriteHealth::default();
        assert!(!h.refusing());
        h.note(&Method::GET, StatusCode::SERVICE_UNAVAILABLE);
        assert!(!h.refusing(), "a read says nothing about writes");
        h.note(&Method::POST, StatusCode::SERVICE_UNAVAILABLE);
        assert!(h.refusing());
        h.note(&Method::POST, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(h.refusing(), "a refused form is not a landed write");
        std::thread::sleep(std::time::Duration::from_millis(2));
        h.note(&Method::POST, StatusCode::SEE_OTHER);
        assert!(!h.refusing());
    }

    #[test]
    fn an_old_refusal_expires() {
        let h = WriteHealth::default();
        h.last_refused_ms
            .store(now_ms() - REFUSED_FOR_MS - 1, Ordering::Relaxed);
        assert!(!h.refusing());
    }
}
