//! Fixed-window rate limits held in the database, so every instance counts against one limit.

use crate::StoreError;
use time::{Duration, OffsetDateTime};

crate::topic!(
    /// Database-backed rate limits.
    RateLimits
);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RateDecision {
    Allowed {
        remaining: i64,
    },
    /// Over the limit; the window ends in this long.
    Limited {
        retry_after: Duration,
    },
}

/// A limit to count against: `limit` hits per `window` in `bucket`.
#[derive(Debug, Clone)]
pub struct RateLimit<'a> {
    pub bucket: &'a str,
    pub window: Duration,
    pub limit: i64,
}

/// Counts one hit inside the caller's transaction (so a write and its count share one commit).
#[tracing::instrument(level = "debug", skip_all)]
pub async fn hit(
    tx: &mut crate::Tx,
    rl: &RateLimit<'_>,
    now: OffsetDateTime,
) -> Result<RateDecision, StoreError> {
    let stale_before = now - rl.window;
    let (window_start, hits): (OffsetDateTime, i32) = tx
        .fetch_one(
            "INSERT INTO rate_limit_buckets (bucket, window_start, hits) VALUES ($1, $2, 1) ON \
             CONFLICT (bucket) DO UPDATE SET hits = CASE WHEN rate_limit_buckets.window_start <= \
             $3 THEN 1 ELSE rate_limit_buckets.hits + 1 END, window_start = CASE WHEN \
             rate_limit_buckets.window_start <= $3 THEN excluded.window_start ELSE \
             rate_limit_buckets.window_start END RETURNING window_start, hits",
            args![rl.bucket, now, stale_before],
        )
        .await?;
    let hits = i64::from(hits);
    Ok(if hits > rl.limit {
        RateDecision::Limited {
            retry_after: (window_start + rl.window - now).max(Duration::seconds(1)),
        }
    } else {
        RateDecision::Allowed {
            remaining: rl.limit - hits,
        }
    })
}

impl RateLimits<'_> {
    /// Counts one hit on `bucket` (such as `login-ip:203.0.113.7`) in a window of `window`,
    /// allowing `limit` hits per window.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn hit(
        &self,
        bucket: &str,
        now: OffsetDateTime,
        window: Duration,
        limit: i64,
    ) -> Result<RateDecision, StoreError> {
        let mut tx = self.store.begin().await?;
        let decision = hit(
            &mut tx,
            &RateLimit {
                bucket,
                window,
                limit,
            },
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(decision)
    }
}
