//! Argon2id password hashing, always on a blocking thread (it takes ~tens of ms of CPU by design).

use argon2::Argon2;
use argon2::password_hash::PasswordHasher;
use kapflow_domain::NewPassword;

/// Hashes with Argon2id at the crate's defaults (m = 19 MiB, t = 2, p = 1: the OWASP minimum).
pub async fn hash(password: NewPassword) -> Result<String, crate::error::AppError> {
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .hash_password(password.expose().as_bytes())
            .map(|h| h.to_string())
            .map_err(|e| crate::error::AppError::internal(format!("argon2: {e}")))
    })
    .await
    .map_err(|e| crate::error::AppError::internal(format!("hashing task: {e}")))?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_are_argon2id_with_the_required_cost() {
        let p = NewPassword::parse("a long passphrase", "a long passphrase").expect("ok");
        let h = hash(p).await.expect("hash");
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
    }
}
