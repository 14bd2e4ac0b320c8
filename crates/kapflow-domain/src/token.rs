//! Secret tokens (setup links, sessions, invitations): only their hash is ever stored.

use sha2::{Digest, Sha256};

/// The SHA-256 of a presented token, as stored. A fast hash is right here: the tokens carry
/// 256 random bits, so there is nothing to brute-force, unlike a password.
pub fn token_hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// A token must look like one we issued (64 lowercase hex characters) before we hash and look
/// it up; anything else is refused without touching the database.
pub fn looks_like_token(s: &str) -> bool {
    s.len() == 64
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shape_check() {
        assert!(looks_like_token(&"a1".repeat(32)));
        assert!(!looks_like_token("A1"));
        assert!(!looks_like_token(&"g1".repeat(32)));
        assert_eq!(token_hash("x").len(), 32);
    }
}
