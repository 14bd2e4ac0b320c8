//! The first-run owner setup link: printed by the binary, spent by `routes::setup`.

use kapflow_domain::time_util::now_utc;
use kapflow_domain::token::token_hash;
use kapflow_store::{Store, StoreError};
use rand::RngCore;
use time::Duration;

/// How long a printed setup link stays valid; a restart prints a fresh one.
pub const SETUP_LINK_LIFETIME: Duration = Duration::hours(24);

/// A new secret token: 256 random bits as 64 hex characters.
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// While the practice has no owner, issues a new one-time setup link and returns it.
pub async fn issue_if_needed(
    store: &Store,
    public_url: &str,
) -> Result<Option<String>, StoreError> {
    if !store.setup().needs_setup().await? {
        return Ok(None);
    }
    let token = new_token();
    let now = now_utc();
    store
        .setup()
        .issue_link(&token_hash(&token), now, now + SETUP_LINK_LIFETIME)
        .await?;
    Ok(Some(format!("{public_url}/setup/{token}")))
}
