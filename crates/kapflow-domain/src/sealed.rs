//! Secrets kept in the database (TOTP secrets, and any integration secret later), sealed with
//! a key that is never in the database, so a copy of the database alone cannot produce a
//! second-factor code.
//!
//! A sealed value is `KFS1`, the key's generation (4 bytes, big-endian), a 24-byte nonce and
//! the XChaCha20-Poly1305 ciphertext with its tag. The associated data binds it to its place
//! (`users.totp_secret` and the account's id): a sealed value copied into another account's
//! row does not open. The nonce comes from the caller (this crate does no I/O) and must be
//! random; 24 bytes make a repeat negligible.

use crate::keys::{Key, KeyKind, Keyring};
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};

/// The kind of key secrets are sealed with (see [`crate::keys`]).
pub struct SecretsKind;

impl KeyKind for SecretsKind {
    const TAG: &'static str = "kapflow-secrets-key";
    const NAME: &'static str = "secrets key";
}

pub type SecretsKey = Key<SecretsKind>;
pub type SecretsKeyring = Keyring<SecretsKind>;

/// The first bytes of every sealed value.
const MAGIC: &[u8; 4] = b"KFS1";
pub const NONCE_LEN: usize = 24;
const TAG_LEN: usize = 16;
const HEADER_LEN: usize = MAGIC.len() + 4 + NONCE_LEN;

/// Why a stored value did not open.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum OpenError {
    #[error(
        "a secret in the database is sealed with secrets key generation {0}, which this process does not have: give it that key (the secrets-key files from the backup, or KAPFLOW_SECRETS_KEY)"
    )]
    UnknownGeneration(u32),
    #[error(
        "a secret in the database is not sealed: it was written without the secrets key; reset that account's second factor"
    )]
    NotSealed,
    #[error(
        "a secret in the database does not open with the secrets key: it was sealed with another key of the same generation, or changed"
    )]
    Refused,
}

/// Seals `plaintext` for the place `context` names, with `key` and a fresh random `nonce`.
pub fn seal(key: &SecretsKey, nonce: [u8; NONCE_LEN], context: &[u8], plaintext: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(HEADER_LEN + plaintext.len() + TAG_LEN);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&key.generation().to_be_bytes());
    out.extend_from_slice(&nonce);
    let aad = associated_data(&out[..MAGIC.len() + 4], context);
    let ciphertext = cipher(key)
        .encrypt(
            XNonce::from_slice(&nonce),
            Payload {
                msg: plaintext,
                aad: &aad,
            },
        )
        // Encryption fails only for a message longer than the cipher's 256 GiB limit.
        .unwrap_or_else(|_| unreachable!("a secret is a few bytes"));
    out.extend_from_slice(&ciphertext);
    out
}

/// The generation a stored value is sealed with; `None` for a value stored before secrets
/// were sealed (plaintext, always shorter than a sealed value).
pub fn sealed_generation(stored: &[u8]) -> Option<u32> {
    if stored.len() < HEADER_LEN + TAG_LEN || !stored.starts_with(MAGIC) {
        return None;
    }
    let generation: [u8; 4] = stored[MAGIC.len()..MAGIC.len() + 4].try_into().ok()?;
    Some(u32::from_be_bytes(generation))
}

/// The plaintext of a sealed value, opened with the ring's key of its generation. A value that
/// is not sealed is refused: the store seals every value from before sealing when kapflow
/// starts, so one found later was written by someone without the key (planting a known TOTP
/// secret, say).
pub fn open(ring: &SecretsKeyring, context: &[u8], stored: &[u8]) -> Result<Vec<u8>, OpenError> {
    let Some(generation) = sealed_generation(stored) else {
        return Err(OpenError::NotSealed);
    };
    let key = ring
        .get(generation)
        .ok_or(OpenError::UnknownGeneration(generation))?;
    let aad = associated_data(&stored[..MAGIC.len() + 4], context);
    cipher(key)
        .decrypt(
            XNonce::from_slice(&stored[MAGIC.len() + 4..HEADER_LEN]),
            Payload {
                msg: &stored[HEADER_LEN..],
                aad: &aad,
            },
        )
        .map_err(|_| OpenError::Refused)
}

/// The header (magic and generation) and the place, so neither can be swapped.
fn associated_data(header: &[u8], context: &[u8]) -> Vec<u8> {
    let mut aad = header.to_vec();
    aad.extend_from_slice(context);
    aad
}

fn cipher(key: &SecretsKey) -> XChaCha20Poly1305 {
    XChaCha20Poly1305::new(key.secret().into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ring(keys: &[(u32, u8)]) -> SecretsKeyring {
        SecretsKeyring::new(
            keys.iter()
                .map(|&(g, b)| SecretsKey::new(g, [b; 32]).expect("key")),
        )
        .expect("ring")
    }

    #[test]
    fn a_sealed_secret_opens_with_its_key_and_place_only() {
        let keys = ring(&[(1, 1)]);
        let key = keys.current().expect("key");
        let secret = b"twenty bytes secret!";
        let sealed = seal(key, [9; NONCE_LEN], b"users.totp_secret:a", secret);
        assert_eq!(sealed_generation(&sealed), Some(1));
        assert!(
            !sealed.windows(secret.len()).any(|w| w == secret),
            "the plaintext is not in the sealed value"
        );
        assert_eq!(
            open(&keys, b"users.totp_secret:a", &sealed).as_deref(),
            Ok(&secret[..])
        );
        assert_eq!(
            open(&keys, b"users.totp_secret:b", &sealed),
            Err(OpenError::Refused),
            "another account's row"
        );
        assert_eq!(
            open(&ring(&[(1, 2)]), b"users.totp_secret:a", &sealed),
            Err(OpenError::Refused),
            "another key of the same generation"
        );
        assert_eq!(
            open(&ring(&[(2, 1)]), b"users.totp_secret:a", &sealed),
            Err(OpenError::UnknownGeneration(1))
        );
    }

    #[test]
    fn any_changed_byte_is_refused() {
        let keys = ring(&[(1, 1), (2, 2)]);
        let sealed = seal(
            keys.current().expect("key"),
            [3; NONCE_LEN],
            b"x",
            b"secret",
        );
        for i in 0..sealed.len() {
            let mut changed = sealed.clone();
            changed[i] ^= 0x01;
            assert!(open(&keys, b"x", &changed).is_err(), "byte {i}");
        }
    }

    #[test]
    fn a_value_that_is_not_sealed_is_refused() {
        let plain = [0x4b_u8; 20];
        assert_eq!(sealed_generation(&plain), None);
        assert_eq!(
            open(&ring(&[(1, 1)]), b"x", &plain),
            Err(OpenError::NotSealed)
        );
    }
}
