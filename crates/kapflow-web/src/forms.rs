//! Tokens for anonymous public forms (the inquiry form): `time.random.mac`, signed with the
//! practice's secret. A token proves the form came from this site recently, and doubles as the
//! submission's idempotency key, so a double click or a refresh makes one inquiry. Also the
//! per-person keys `session.js` keeps unsent drafts under.

use crate::AppState;
use crate::error::AppError;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use time::{Duration, OffsetDateTime};

/// A form older than this must be reloaded.
pub const MAX_AGE: Duration = Duration::hours(24);

async fn secret(state: &AppState) -> Result<Vec<u8>, AppError> {
    let s = state
        .form_secret
        .get_or_try_init(|| async {
            let fresh = crate::setup_link::new_token();
            state
                .store
                .settings()
                .form_secret(&fresh)
                .await
                .map(|s| s.into_bytes())
        })
        .await?;
    Ok(s.clone())
}

fn mac(secret: &[u8], payload: &str) -> Result<Hmac<Sha256>, AppError> {
    let mut m =
        Hmac::<Sha256>::new_from_slice(secret).map_err(|_| AppError::internal("hmac key"))?;
    m.update(payload.as_bytes());
    Ok(m)
}

pub async fn issue(state: &AppState, now: OffsetDateTime) -> Result<String, AppError> {
    let key = secret(state).await?;
    let payload = format!(
        "{}.{}",
        now.unix_timestamp(),
        &crate::setup_link::new_token()[..32]
    );
    let sig = hex::encode(mac(&key, &payload)?.finalize().into_bytes());
    Ok(format!("{payload}.{sig}"))
}

/// Whether `token` is one this practice issued within `MAX_AGE`.
pub async fn verify(state: &AppState, token: &str, now: OffsetDateTime) -> Result<bool, AppError> {
    let mut parts = token.rsplitn(2, '.');
    let (Some(sig), Some(payload)) = (parts.next(), parts.next()) else {
        return Ok(false);
    };
    let Some(ts) = payload
        .split('.')
        .next()
        .and_then(|t| t.parse::<i64>().ok())
    else {
        return Ok(false);
    };
    let Ok(issued) = OffsetDateTime::from_unix_timestamp(ts) else {
        return Ok(false);
    };
    if issued > now + Duration::minutes(5) || now - issued > MAX_AGE {
        return Ok(false);
    }
    let Ok(sig) = hex::decode(sig) else {
        return Ok(false);
    };
    // `verify_slice` compares in constant time.
    Ok(mac(&secret(state).await?, payload)?
        .verify_slice(&sig)
        .is_ok())
}

/// What `session.js` needs to keep a person's unsent typing in their tab: an AES-256 key (hex)
/// to encrypt it with, and a tag saying whose it is. Both derive from the practice's secret and
/// the person, so the same person signing in again gets them back and anyone else does not.
#[derive(Clone)]
pub struct DraftKeys {
    pub key: String,
    pub owner: String,
}

impl std::fmt::Debug for DraftKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DraftKeys(..)")
    }
}

pub async fn draft_keys(
    state: &AppState,
    user: kapflow_domain::UserId,
) -> Result<DraftKeys, AppError> {
    let secret = secret(state).await?;
    let derive = |purpose: &str| -> Result<String, AppError> {
        Ok(hex::encode(
            mac(&secret, &format!("{purpose}:{user}"))?
                .finalize()
                .into_bytes(),
        ))
    };
    Ok(DraftKeys {
        key: derive("draft-key")?,
        owner: derive("draft-owner")?[..16].to_owned(),
    })
}
