//! The navigation's counts (unread messages, new inquiries) per person, kept for a few seconds.
//!
//! Every staff page shows them, and counting is the costliest statement of a page (it looks at
//! each recent message of the person's clients). A person's counts are counted again when they
//! are older than [`MAX_AGE`], or when anything changed on this instance since (any write
//! request, or a thread marked read): the instance where a person reads or writes shows the
//! change at once; other instances follow within [`MAX_AGE`]. A cache, not state that matters:
//! the dashboard's queues are always read fresh.

use crate::AppState;
use crate::error::AppError;
use kapflow_domain::time_util::now_utc;
use kapflow_domain::{Role, UserId};
use kapflow_store::work::NavCounts;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

/// How stale a count may be on an instance where nothing changed.
pub const MAX_AGE: Duration = Duration::from_secs(15);

/// At most this many people's counts are kept; past it, expired ones are dropped (and, if all
/// are fresh, every one: they are only counts).
const MAX_PEOPLE: usize = 4096;

struct Kept {
    at: Instant,
    generation: u64,
    counts: NavCounts,
}

/// See the module comment.
#[derive(Default)]
pub struct NavCountCache {
    generation: AtomicU64,
    kept: Mutex<HashMap<UserId, Kept>>,
}

impl NavCountCache {
    /// Something changed on this instance: every kept count is counted again.
    pub fn changed(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
    }

    /// `user`'s counts; `inquiries`: whether they may read inquiries.
    pub async fn get(
        &self,
        state: &AppState,
        user: UserId,
        role: Role,
        inquiries: bool,
    ) -> Result<NavCounts, AppError> {
        // Read before counting: a change during the count leaves the entry already stale.
        let generation = self.generation.load(Ordering::Acquire);
        {
            let kept = self.kept.lock().unwrap_or_else(PoisonError::into_inner);
            if let Some(k) = kept.get(&user)
                && k.generation == generation
                && k.at.elapsed() < MAX_AGE
            {
                return Ok(k.counts);
            }
        }
        let counts = state
            .store
            .work()
            .nav_counts(user, role, inquiries, now_utc())
            .await?;
        let mut kept = self.kept.lock().unwrap_or_else(PoisonError::into_inner);
        if kept.len() >= MAX_PEOPLE {
            kept.retain(|_, k| k.at.elapsed() < MAX_AGE);
            if kept.len() >= MAX_PEOPLE {
                kept.clear();
            }
        }
        kept.insert(
            user,
            Kept {
                at: Instant::now(),
                generation,
                counts,
            },
        );
        Ok(counts)
    }
}
