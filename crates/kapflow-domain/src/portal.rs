//! The client portal's rules: what a client may write there and the practice's portal settings.

use crate::form::FieldErrors;
use crate::text::required_text;

/// A journal entry's longest text (a long evening's writing, not a book).
pub const JOURNAL_MAX: usize = 20_000;

/// A journal entry: required, at most [`JOURNAL_MAX`] characters.
pub fn journal_body(raw: &str) -> Result<String, FieldErrors> {
    let mut e = FieldErrors::default();
    let m = e.take(
        "body",
        required_text(raw, JOURNAL_MAX, "what you want to write"),
    );
    m.filter(|_| e.is_empty()).ok_or(e)
}

/// A request to change an appointment: a line or two on what would suit better.
pub fn change_request(raw: &str) -> Result<String, FieldErrors> {
    let mut e = FieldErrors::default();
    let m = e.take(
        "reason",
        required_text(raw, 1000, "what would suit you better"),
    );
    m.filter(|_| e.is_empty()).ok_or(e)
}

crate::named_enum! {
    /// Which thread of a client's messages: the care team with the prescriber, or the client
    /// with the care team.
    pub enum Thread {
        /// Between the care team and the partner prescriber; the client never sees it.
        Team = "team", "Care team and prescriber";
        /// Between the client (through the portal) and their care team.
        Client = "client", "Client and care team";
    }
}

/// The practice's portal settings, with their defaults.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortalSettings {
    /// How long an invitation link works.
    pub invitation_days: u32,
    /// Whether a client must enrol a second factor (the default) or may choose to.
    pub second_factor_required: bool,
    /// Whether a client may ask to change an appointment from the portal.
    pub change_requests: bool,
    /// Whether a consent the client signs in the portal counts only once a clinician of the
    /// care team has reviewed it (the default).
    pub review_signatures: bool,
    /// The practice's own words on when messages are read (the portal never promises more).
    pub messages_read: String,
    /// The largest file a message may carry, in megabytes; 0 turns attachments off.
    pub attachment_mb: u32,
}

/// The default largest attachment (MB): a phone photo or a scanned letter.
pub const ATTACHMENT_MB: u32 = 5;
/// The most a practice may allow (MB): files are kept in the database, and every backup
/// carries them.
pub const ATTACHMENT_MB_MAX: u32 = 10;
/// The longest file name kept with an attachment.
pub const ATTACHMENT_NAME_MAX: usize = 120;

/// The name an attachment is shown and downloaded under: the last part of what the browser
/// sent (some send a whole path), without control characters, at most
/// [`ATTACHMENT_NAME_MAX`] characters, ending in the extension of what the bytes are; `fallback`
/// (e.g. "photo") when nothing usable is left.
pub fn attachment_name(raw: &str, extension: &str, fallback: &str) -> String {
    let last = raw.rsplit(['/', '\\']).next().unwrap_or("");
    let clean: String = last
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '"' | '<' | '>' | '|' | '*' | '?' | ':'))
        .collect();
    let clean = clean.trim().trim_start_matches('.').trim();
    let stem = match clean.rsplit_once('.') {
        Some((stem, _)) if !stem.trim().is_empty() => stem.trim(),
        _ => clean,
    };
    let stem = if stem.is_empty() { fallback } else { stem };
    let room = ATTACHMENT_NAME_MAX - extension.len() - 1;
    let stem: String = stem.chars().take(room).collect();
    format!("{}.{extension}", stem.trim_end())
}

/// The name as plain ASCII for a download's `Content-Disposition` header (the page shows the
/// name as the client gave it).
pub fn ascii_file_name(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// The default invitation validity (days).
pub const INVITATION_DAYS: u32 = 7;

/// What the portal says about messages until the practice writes its own words.
pub const MESSAGES_READ_DEFAULT: &str = "Messages are read during office hours, usually within \
     two working days. They are not watched in the evening, at weekends or on holidays. If you \
     are in crisis, do not wait for a reply: call or text 988, or call 911.";

impl Default for PortalSettings {
    fn default() -> Self {
        PortalSettings {
            invitation_days: INVITATION_DAYS,
            second_factor_required: true,
            change_requests: true,
            review_signatures: true,
            messages_read: MESSAGES_READ_DEFAULT.to_owned(),
            attachment_mb: ATTACHMENT_MB,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_journal_entry_is_required_and_bounded() {
        assert_eq!(
            journal_body("  Felt lighter today.  ").as_deref().ok(),
            Some("Felt lighter today.")
        );
        assert!(
            journal_body("   ")
                .expect_err("empty")
                .get("body")
                .is_some()
        );
        assert!(journal_body(&"x".repeat(JOURNAL_MAX + 1)).is_err());
        assert!(journal_body(&"x".repeat(JOURNAL_MAX)).is_ok());
    }

    #[test]
    fn an_attachment_keeps_the_name_it_was_sent_with_and_the_type_it_is() {
        assert_eq!(
            attachment_name("Lab results.pdf", "pdf", "document"),
            "Lab results.pdf"
        );
        // The extension follows the bytes, not the name.
        assert_eq!(attachment_name("label.png", "jpg", "photo"), "label.jpg");
        assert_eq!(
            attachment_name("C:\\Users\\me\\scan.PDF", "pdf", "document"),
            "scan.pdf"
        );
        assert_eq!(
            attachment_name("/home/me/a\u{0}b.pdf", "pdf", "d"),
            "ab.pdf"
        );
        assert_eq!(attachment_name("", "jpg", "photo"), "photo.jpg");
        assert_eq!(attachment_name(".pdf", "pdf", "document"), "pdf.pdf");
        assert_eq!(attachment_name("...", "pdf", "document"), "document.pdf");
        let long = attachment_name(&"é".repeat(500), "pdf", "document");
        assert_eq!(long.chars().count(), ATTACHMENT_NAME_MAX);
        assert!(long.ends_with(".pdf"));
        assert_eq!(ascii_file_name("Résumé 1.pdf"), "R_sum__1.pdf");
    }

    #[test]
    fn a_change_request_says_what_would_suit() {
        assert!(
            change_request("")
                .expect_err("empty")
                .get("reason")
                .is_some()
        );
        assert!(change_request("Could we move to Thursday?").is_ok());
    }

    #[test]
    fn threads_round_trip() {
        for t in Thread::ALL {
            assert_eq!(Thread::parse(t.as_str()), Some(t));
        }
    }

    #[test]
    fn the_default_never_promises_a_reply_time_it_cannot_keep() {
        let d = PortalSettings::default();
        assert!(d.second_factor_required);
        assert_eq!(d.invitation_days, 7);
        assert!(d.messages_read.contains("988"));
    }
}
