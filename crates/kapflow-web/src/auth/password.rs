//! Argon2id password hashing and verification, always on a blocking thread (each takes tens of
//! milliseconds of CPU by design and must not stall the async workers).

use crate::error::AppError;
use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use kapflow_domain::NewPassword;
use std::sync::LazyLock;

/// Hashes with Argon2id at the crate's defaults (m = 19 MiB, t = 2, p = 1: the OWASP minimum).
pub async fn hash(password: NewPassword) -> Result<String, AppError> {
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .hash_password(password.expose().as_bytes())
            .map(|h| h.to_string())
            .map_err(|e| AppError::internal(format!("argon2: {e}")))
    })
    .await
    .map_err(|e| AppError::internal(format!("hashing task: {e}")))?
}

/// A real hash of a random password, verified against when the account does not exist, so an
/// unknown address takes as long as a wrong password.
static DUMMY_HASH: LazyLock<String> = LazyLock::new(|| {
    Argon2::default()
        .hash_password(crate::setup_link::new_token().as_bytes())
        .map(|h| h.to_string())
        .unwrap_or_default()
});

/// Checks `password` against `stored` (or the dummy hash when there is no account).
pub async fn verify(password: String, stored: Option<String>) -> Result<bool, AppError> {
    tokio::task::spawn_blocking(move || {
        let real = stored.is_some();
        let hash = stored.unwrap_or_else(|| DUMMY_HASH.clone());
        let ok = PasswordHash::new(&hash)
            .map(|parsed| {
                Argon2::default()
                    .verify_password(password.as_bytes(), &parsed)
                    .is_ok()
            })
            .unwrap_or(false);
        real && ok
    })
    .await
    .map_err(|e| AppError::internal(format!("verify task: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_are_argon2id_with_the_required_cost_and_verify() {
        let p = NewPassword::parse("a long passphrase", "a long passphrase").expect("ok");
        let h = hash(p).await.expect("hash");
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
        assert!(
            verify("a long passphrase".into(), Some(h.clone()))
                .await
                .expect("v")
        );
        assert!(
            !verify("a long passphrasE".into(), Some(h))
                .await
                .expect("v")
        );
        assert!(!verify("anything".into(), None).await.expect("v"));
    }
}
