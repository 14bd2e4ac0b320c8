//! Who is calling: sessions and their cookie, the access check every route passes, CSRF
//! tokens, passwords and second factors.

pub mod access;
pub mod cookie;
pub mod current;
pub mod password;
pub mod totp;

pub use access::{Access, ClientAccess, ClinicalAccess};
pub use current::{CurrentUser, OwnerUser, StaffUser};

/// Only where to go next if it stays on this site: a path, never `//host` or a scheme.
pub fn safe_next(next: Option<&str>, default: &'static str) -> String {
    match next {
        Some(n)
            if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') && n.len() < 512 =>
        {
            n.to_owned()
        }
        _ => default.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn next_never_leaves_the_site() {
        use super::safe_next;
        assert_eq!(safe_next(Some("/staff"), "/d"), "/staff");
        for bad in ["//evil.example", "https://evil.example", "/\\evil", "staff"] {
            assert_eq!(safe_next(Some(bad), "/d"), "/d", "{bad}");
        }
        assert_eq!(safe_next(None, "/d"), "/d");
    }
}
