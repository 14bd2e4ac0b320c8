//! Rules for the de-identified research export: age bands instead of ages, per-subject date
//! shifts, random-looking subject ids, and CSV cells that a spreadsheet cannot run as formulas.
//!
//! Pure: the caller draws a fresh secret for every export and passes it in. Ids and offsets are
//! SHA-256 of that secret and the subject key, so one export is consistent with itself while two
//! exports (two secrets) cannot be joined on id or offset. The secret must never be stored with
//! the file. Shifted dates keep each subject's intervals (days between sessions) exact; they are
//! not HIPAA Safe Harbor, which would drop dates altogether.

use std::collections::BTreeMap;

use sha2::{Digest, Sha256};
use time::{Date, Duration};

/// Dates move at most this many days either way.
pub const MAX_OFFSET_DAYS: i64 = 180;

// Separates this use of the secret from any other, and versions the derivation.
const DOMAIN: &[u8] = b"kapflow/deidentify/subject/v1\0";

/// The age band shown instead of an age. A negative age is bad data and is "unknown".
pub fn age_band(age: i32) -> &'static str {
    match age {
        i32::MIN..=-1 => "unknown",
        0..=17 => "under 18",
        18..=24 => "18-24",
        25..=34 => "25-34",
        35..=44 => "35-44",
        45..=54 => "45-54",
        55..=64 => "55-64",
        65..=74 => "65-74",
        75.. => "75+",
    }
}

/// `date` moved by `offset_days`; pinned to the first or last representable date rather than
/// panicking at the edge of the calendar.
pub fn shift_date(date: Date, offset_days: i64) -> Date {
    // Far wider than the calendar, and small enough that Duration::days cannot overflow.
    const LIMIT: i64 = 1_000_000_000;
    date.checked_add(Duration::days(offset_days.clamp(-LIMIT, LIMIT)))
        .unwrap_or(if offset_days < 0 {
            Date::MIN
        } else {
            Date::MAX
        })
}

/// What one subject becomes in one export.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pseudonym {
    /// "S" and hex digits: 8 normally, more when 8 collide in this export.
    pub id: String,
    /// Added to every date of this subject; in −180..=180 and never 0.
    pub offset_days: i64,
}

fn digest(secret: &[u8; 32], subject_key: &str) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(secret);
    h.update(DOMAIN);
    // Length-prefixed, so no two keys can produce the same hashed bytes.
    h.update((subject_key.len() as u64).to_be_bytes());
    h.update(subject_key.as_bytes());
    h.finalize().into()
}

fn id_of(d: &[u8; 32], hex_chars: usize) -> String {
    let mut id = String::with_capacity(hex_chars + 1);
    id.push('S');
    id.push_str(&hex::encode(d)[..hex_chars]);
    id
}

// Bytes 24..32 pick the offset, apart from the bytes the id shows. The 360 non-zero offsets are
// chosen by u64 % 360; the bias (2^64 is not a multiple of 360) is below 1e-16.
fn offset_of(d: &[u8; 32]) -> i64 {
    let mut b = [0u8; 8];
    b.copy_from_slice(&d[24..32]);
    let v = (u64::from_be_bytes(b) % 360) as i64;
    // 0..=179 → −180..=−1; 180..=359 → 1..=180. Zero would leave a date unshifted.
    if v < MAX_OFFSET_DAYS {
        v - MAX_OFFSET_DAYS
    } else {
        v - MAX_OFFSET_DAYS + 1
    }
}

/// One subject's pseudonym in the export keyed by `secret` (8 hex digits; see [`pseudonyms`]
/// for a whole export, which also guards against collisions).
pub fn pseudonym(secret: &[u8; 32], subject_key: &str) -> Pseudonym {
    let d = digest(secret, subject_key);
    Pseudonym {
        id: id_of(&d, 8),
        offset_days: offset_of(&d),
    }
}

/// Pseudonyms for every subject of one export. Ids are 8 hex digits; if two subjects would share
/// one (about 1 in 8,600 at 1,000 subjects), every id of this export lengthens to 16, then 64,
/// so no two subjects are ever merged. Offsets do not depend on the length.
pub fn pseudonyms<'a>(
    secret: &[u8; 32],
    subject_keys: impl IntoIterator<Item = &'a str>,
) -> BTreeMap<&'a str, Pseudonym> {
    let digests: BTreeMap<&str, [u8; 32]> = subject_keys
        .into_iter()
        .map(|k| (k, digest(secret, k)))
        .collect();
    let width = [8, 16]
        .into_iter()
        .find(|&w| {
            let mut seen: Vec<String> = digests.values().map(|d| id_of(d, w)).collect();
            seen.sort_unstable();
            seen.windows(2).all(|p| p[0] != p[1])
        })
        .unwrap_or(64);
    digests
        .into_iter()
        .map(|(k, d)| {
            (
                k,
                Pseudonym {
                    id: id_of(&d, width),
                    offset_days: offset_of(&d),
                },
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::date;

    const A: [u8; 32] = [7; 32];
    const B: [u8; 32] = [8; 32];

    #[test]
    fn age_bands_at_every_edge() {
        let cases = [
            (-1, "unknown"),
            (0, "under 18"),
            (17, "under 18"),
            (18, "18-24"),
            (24, "18-24"),
            (25, "25-34"),
            (34, "25-34"),
            (35, "35-44"),
            (44, "35-44"),
            (45, "45-54"),
            (54, "45-54"),
            (55, "55-64"),
            (64, "55-64"),
            (65, "65-74"),
            (74, "65-74"),
            (75, "75+"),
            (104, "75+"),
            (i32::MAX, "75+"),
            (i32::MIN, "unknown"),
        ];
        for (age, band) in cases {
            assert_eq!(age_band(age), band, "{age}");
        }
    }

    #[test]
    fn dates_shift_across_months_and_years_and_stop_at_the_calendar_edge() {
        assert_eq!(shift_date(date!(2026 - 12 - 20), 15), date!(2027 - 01 - 04));
        assert_eq!(shift_date(date!(2026 - 03 - 01), -1), date!(2026 - 02 - 28));
        assert_eq!(shift_date(date!(2024 - 03 - 01), -1), date!(2024 - 02 - 29));
        assert_eq!(shift_date(date!(2026 - 05 - 05), 0), date!(2026 - 05 - 05));
        assert_eq!(shift_date(Date::MAX, 180), Date::MAX);
        assert_eq!(shift_date(Date::MIN, -180), Date::MIN);
        assert_eq!(shift_date(date!(2026 - 01 - 01), i64::MAX), Date::MAX);
    }

    #[test]
    fn a_subject_keeps_one_id_and_offset_within_an_export() {
        let p = pseudonym(&A, "client-42");
        assert_eq!(p, pseudonym(&A, "client-42"));
        assert_eq!(p.id.len(), 9);
        assert!(p.id.starts_with('S'));
        assert!(p.id[1..].bytes().all(|b| b.is_ascii_hexdigit()));
        let all = pseudonyms(&A, ["client-42", "client-7"]);
        assert_eq!(all["client-42"], p);
        assert_ne!(all["client-42"].id, all["client-7"].id);
    }

    #[test]
    fn different_secrets_give_unlinkable_ids_and_offsets() {
        let keys: Vec<String> = (0..200).map(|i| format!("client-{i}")).collect();
        let a = pseudonyms(&A, keys.iter().map(String::as_str));
        let b = pseudonyms(&B, keys.iter().map(String::as_str));
        assert!(keys.iter().all(|k| a[k.as_str()].id != b[k.as_str()].id));
        let same_offset = keys
            .iter()
            .filter(|k| a[k.as_str()].offset_days == b[k.as_str()].offset_days)
            .count();
        // 1 in 360 by chance: a handful at most, not the 200 of a linkable scheme.
        assert!(same_offset < 10, "{same_offset}");
        let ids_a: std::collections::BTreeSet<&String> = a.values().map(|p| &p.id).collect();
        assert!(b.values().all(|p| !ids_a.contains(&p.id)));
    }

    #[test]
    fn keys_are_length_prefixed() {
        // Without the prefix, ("ab") and ("a" + "b") style concatenations could coincide.
        assert_ne!(pseudonym(&A, "ab"), pseudonym(&A, "a"));
        assert_ne!(pseudonym(&A, ""), pseudonym(&A, "\0"));
    }

    #[test]
    fn offsets_cover_both_directions() {
        let offsets: Vec<i64> = (0..2000)
            .map(|i| pseudonym(&A, &i.to_string()).offset_days)
            .collect();
        assert!(offsets.iter().any(|&o| o < 0));
        assert!(offsets.iter().any(|&o| o > 0));
        let distinct: std::collections::BTreeSet<i64> = offsets.iter().copied().collect();
        assert!(distinct.len() > 300, "{}", distinct.len());
    }

    #[test]
    fn colliding_ids_lengthen_for_the_whole_export() {
        // Find two keys whose 8-digit ids collide (32 bits: a birthday search of ~100k keys).
        let mut seen: BTreeMap<String, String> = BTreeMap::new();
        let mut pair = None;
        for i in 0..400_000u32 {
            let k = i.to_string();
            let id = pseudonym(&A, &k).id;
            if let Some(other) = seen.insert(id, k.clone()) {
                pair = Some((other, k));
                break;
            }
        }
        let (x, y) = pair.expect("a 32-bit collision within 400k keys");
        let all = pseudonyms(&A, [x.as_str(), y.as_str(), "third"]);
        assert!(all.values().all(|p| p.id.len() == 17));
        assert_ne!(all[x.as_str()].id, all[y.as_str()].id);
        assert!(all[x.as_str()].id.starts_with(&pseudonym(&A, &x).id));
        assert_eq!(all[x.as_str()].offset_days, pseudonym(&A, &x).offset_days);
    }

    proptest! {
        #[test]
        fn offsets_are_never_zero_and_within_range(
            secret in any::<[u8; 32]>(),
            key in ".{0,40}",
        ) {
            let p = pseudonym(&secret, &key);
            prop_assert!(p.offset_days != 0);
            prop_assert!((-MAX_OFFSET_DAYS..=MAX_OFFSET_DAYS).contains(&p.offset_days));
            prop_assert_eq!(p.clone(), pseudonym(&secret, &key));
            prop_assert_eq!(p.id.len(), 9);
        }

        #[test]
        fn shifting_keeps_intervals(
            y in 1900i32..2100, d in 1u16..=365, gap in 0i64..400, off in -180i64..=180,
        ) {
            let a = Date::from_ordinal_date(y, d).expect("valid ordinal");
            let b = shift_date(a, gap);
            prop_assert_eq!((shift_date(b, off) - shift_date(a, off)).whole_days(), gap);
        }
    }
}
