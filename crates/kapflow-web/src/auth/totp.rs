//! TOTP second factor (RFC 6238: SHA-1, 6 digits, 30 s, ±1 step) and its QR code, rendered on
//! our server as SVG. Replays are refused by the store (`accept_totp_step`).

use kapflow_domain::mfa::RECOVERY_CODE_COUNT;
use kapflow_domain::token::token_hash;
use qrcode::QrCode;
use qrcode::render::svg;
use rand::RngCore;
use totp_rs::{Builder, Totp};

/// A new 160-bit secret (RFC 4226's recommendation).
pub fn new_secret() -> Vec<u8> {
    let mut s = vec![0u8; 20];
    rand::rng().fill_bytes(&mut s);
    s
}

fn totp(secret: &[u8], issuer: &str, account: &str) -> Option<Totp> {
    // The otpauth label may not contain ':'.
    let clean = |s: &str| s.replace(':', " ");
    Builder::new()
        .with_secret(secret.to_vec())
        .with_issuer(Some(clean(issuer)))
        .with_account_name(clean(account))
        .build()
        .ok()
}

/// The secret in base32, for typing into an authenticator by hand.
pub fn secret_text(secret: &[u8]) -> String {
    totp(secret, "kapflow", "account")
        .map(|t| t.secret().to_base32())
        .unwrap_or_default()
}

/// The bytes of a secret typed from its base32 text (what an authenticator app does with it).
pub fn decode_secret_text(text: &str) -> Option<Vec<u8>> {
    totp_rs::Secret::try_from_base32(text.trim())
        .ok()
        .map(|s| s.as_bytes().to_vec())
}

/// The enrolment QR code as an inline SVG element (no XML prolog).
pub fn qr_svg(secret: &[u8], issuer: &str, account: &str) -> Option<String> {
    let url = totp(secret, issuer, account)?.to_url().ok()?;
    let code = QrCode::new(url.as_bytes()).ok()?;
    let svg = code
        .render::<svg::Color<'_>>()
        .min_dimensions(220, 220)
        .quiet_zone(true)
        .build();
    let start = svg.find("<svg")?;
    Some(svg[start..].replacen(
        "<svg",
        "<svg role=\"img\" aria-label=\"QR code for your authenticator app\"",
        1,
    ))
}

/// The time step a code is valid for at `unix_time`, if any (±1 step for clock skew).
pub fn matching_step(secret: &[u8], code: &str, unix_time: u64) -> Option<i64> {
    let t = totp(secret, "kapflow", "account")?;
    t.check(code, unix_time).and_then(|s| i64::try_from(s).ok())
}

/// The code for `unix_time` (tests compute codes the way an authenticator app does).
pub fn code_at(secret: &[u8], unix_time: u64) -> String {
    totp(secret, "kapflow", "account")
        .map(|t| t.generate(unix_time).to_string())
        .unwrap_or_default()
}

/// Ten single-use recovery codes, as shown (`xxxxx-xxxxx`, 50 random bits each), and the
/// hashes to store.
pub fn new_recovery_codes() -> (Vec<String>, Vec<Vec<u8>>) {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let mut rng = rand::rng();
    let codes: Vec<String> = (0..RECOVERY_CODE_COUNT)
        .map(|_| {
            let mut s = String::with_capacity(11);
            for i in 0..10 {
                if i == 5 {
                    s.push('-');
                }
                s.push(ALPHABET[(rng.next_u32() as usize) % ALPHABET.len()] as char);
            }
            s
        })
        .collect();
    let hashes = codes.iter().map(|c| recovery_code_hash(c)).collect();
    (codes, hashes)
}

pub fn recovery_code_hash(typed: &str) -> Vec<u8> {
    token_hash(&kapflow_domain::mfa::normalise_recovery_code(typed))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_match_their_step_within_one_step_of_skew() {
        let s = new_secret();
        let t = 1_800_000_000u64;
        let code = code_at(&s, t);
        assert_eq!(matching_step(&s, &code, t), Some((t / 30) as i64));
        assert!(matching_step(&s, &code, t + 30).is_some());
        assert!(matching_step(&s, &code, t + 90).is_none());
        assert!(matching_step(&s, "000000x", t).is_none());
    }

    #[test]
    fn the_qr_code_is_inline_svg() {
        let svg = qr_svg(&new_secret(), "Alvarado: Therapy", "ann@example.org").expect("svg");
        assert!(svg.starts_with("<svg role=\"img\""));
        assert!(!svg.contains("<script"));
    }

    #[test]
    fn recovery_codes_are_distinct_and_hash_whatever_the_typing() {
        let (codes, hashes) = new_recovery_codes();
        assert_eq!(codes.len(), 10);
        assert_eq!(hashes.len(), 10);
        assert_eq!(
            recovery_code_hash(&codes[0].to_uppercase().replace('-', " ")),
            hashes[0]
        );
    }
}
