//! The ICD-10-CM codes a therapist diagnoses with, shipped as data (`data/icd10cm-mental-health.tsv`,
//! with its source and release in its header): every billable code of chapter 5 (F01–F99) and
//! the Z codes of psychosocial circumstances therapists use. Only a code on this list can be
//! entered, so a superbill never carries a mistyped or retired code.

use std::sync::LazyLock;

/// The release the list was taken from (the header of the data file says where).
pub const RELEASE: &str = "ICD-10-CM, April 1, 2026 (CDC National Center for Health Statistics)";

const DATA: &str = include_str!("../../data/icd10cm-mental-health.tsv");

/// One billable code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Diagnosis {
    /// With its dot, as on a claim form (`F33.1`).
    pub code: &'static str,
    pub description: &'static str,
}

static LIST: LazyLock<Vec<Diagnosis>> = LazyLock::new(|| {
    DATA.lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .filter_map(|l| l.split_once('\t'))
        .map(|(code, description)| Diagnosis { code, description })
        .collect()
});

/// Every code, in the classification's order.
pub fn all() -> &'static [Diagnosis] {
    &LIST
}

/// The code as typed (any case, with or without its dot), if it is on the list.
pub fn find(typed: &str) -> Option<Diagnosis> {
    let want = squash(typed);
    if want.is_empty() {
        return None;
    }
    all().iter().copied().find(|d| squash(d.code) == want)
}

/// Codes whose code starts with `query` or whose description holds each of its words, at most
/// `limit`, in the classification's order.
pub fn search(query: &str, limit: usize) -> Vec<Diagnosis> {
    let code = squash(query);
    let words: Vec<String> = query
        .split_whitespace()
        .map(str::to_lowercase)
        .filter(|w| !w.is_empty())
        .collect();
    if words.is_empty() {
        return Vec::new();
    }
    all()
        .iter()
        .filter(|d| {
            squash(d.code).starts_with(&code) || {
                let text = d.description.to_lowercase();
                words.iter().all(|w| text.contains(w.as_str()))
            }
        })
        .take(limit)
        .copied()
        .collect()
}

fn squash(code: &str) -> String {
    code.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_list_holds_the_codes_therapists_bill_with() {
        assert!(all().len() > 1000, "{}", all().len());
        assert!(
            all()
                .iter()
                .all(|d| d.code.contains('.') || d.code.len() == 3)
        );
        assert_eq!(
            find("f331").map(|d| d.description),
            Some("Major depressive disorder, recurrent, moderate")
        );
        assert_eq!(find("F43.10").map(|d| d.code), Some("F43.10"));
        assert_eq!(find("Z91.51").map(|d| d.code), Some("Z91.51"));
        // A category is not billable; a code outside the list is not offered.
        assert_eq!(find("F33"), None);
        assert_eq!(find("J45.909"), None);
        assert_eq!(find(""), None);
    }

    #[test]
    fn search_by_code_or_words() {
        let ptsd = search("post-traumatic chronic", 10);
        assert_eq!(ptsd.first().map(|d| d.code), Some("F43.12"));
        let by_code = search("F33.4", 10);
        assert!(by_code.iter().all(|d| d.code.starts_with("F33.4")));
        assert!(!by_code.is_empty());
        assert!(search("   ", 10).is_empty());
        assert_eq!(search("disorder", 3).len(), 3);
    }
}
