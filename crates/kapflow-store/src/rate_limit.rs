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
    Ok(count(tx, rl, now).await?.1)
}

/// Counts one hit; returns the start of the window it landed in and the decision.
async fn count(
    tx: &mut crate::Tx,
    rl: &RateLimit<'_>,
    now: OffsetDateTime,
) -> Result<(OffsetDateTime, RateDecision), StoreError> {
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
    let decision = if hits > rl.limit {
        RateDecision::Limited {
            retry_after: (window_start + rl.window - now).max(Duration::seconds(1)),
        }
    } else {
        RateDecision::Allowed {
            remaining: rl.limit - hits,
        }
    };
    Ok((window_start, decision))
}

/// An attempt counted against a limit by [`RateLimits::attempt`]. Give it back with
/// [`RateLimits::succeeded`] when the attempt turns out to be a success, so only failures use
/// up the budget; dropping it keeps it counted.
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use = "give a successful attempt back with `succeeded`, or it counts as a failure"]
pub struct Attempt {
    bucket: String,
    window_start: OffsetDateTime,
}

/// What [`RateLimits::attempt`] decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttemptDecision {
    /// Go ahead; the attempt is counted until it is given back.
    Allowed(Attempt),
    /// Over the limit; the window ends in this long.
    Limited { retry_after: Duration },
}

impl RateLimits<'_> {
    /// Counts an attempt whose outcome is not known yet (a password, a code) on `bucket`,
    /// allowing `limit` per `window`. The count is taken *before* the attempt is checked, in
    /// one atomic upsert, so any number of simultaneous attempts on any number of instances
    /// can never together get past the limit; a success then hands its count back
    /// ([`RateLimits::succeeded`]), so in the end only failures are counted.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn attempt(
        &self,
        bucket: &str,
        now: OffsetDateTime,
        window: Duration,
        limit: i64,
    ) -> Result<AttemptDecision, StoreError> {
        let mut tx = self.store.begin().await?;
        let rl = RateLimit {
            bucket,
            window,
            limit,
        };
        // `window_start` is the window this hit landed in: `succeeded` uncounts only there.
        let (window_start, decision) = count(&mut tx, &rl, now).await?;
        tx.commit().await?;
        Ok(match decision {
            RateDecision::Limited { retry_after } => AttemptDecision::Limited { retry_after },
            RateDecision::Allowed { .. } => AttemptDecision::Allowed(Attempt {
                bucket: bucket.to_owned(),
                window_start,
            }),
        })
    }

    /// Gives back the count of an attempt that succeeded. A window that has rolled over since
    /// is left alone (its count belongs to other attempts), and the count never goes below 0.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn succeeded(&self, attempt: Attempt) -> Result<(), StoreError> {
        self.store
            .db
            .exec(
                "UPDATE rate_limit_buckets SET hits = hits - 1 WHERE bucket = $1 AND \
                 window_start <= $2 AND hits > 0",
                args![attempt.bucket.as_str(), attempt.window_start],
            )
            .await?;
        Ok(())
    }

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
