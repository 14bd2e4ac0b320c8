//! The client portal's practice settings (Clinical settings page): how long an invitation
//! works, whether a client must use a second factor, whether they may ask to change an
//! appointment, the practice's words on when messages are read, and the largest file a message
//! may carry.

use kapflow_domain::portal::{ATTACHMENT_MB_MAX, INVITATION_DAYS, PortalSettings};
use kapflow_store::settings_snapshot::Snapshot;

/// Every portal setting's key.
pub mod keys {
    pub const INVITATION_DAYS: &str = "portal.invitation_days";
    pub const SECOND_FACTOR_REQUIRED: &str = "portal.second_factor_required";
    pub const CHANGE_REQUESTS: &str = "portal.change_requests";
    pub const REVIEW_SIGNATURES: &str = "portal.review_signatures";
    pub const MESSAGES_READ: &str = "portal.messages_read";
    pub const ATTACHMENT_MB: &str = "portal.attachment_mb";
}

/// The settings as the practice left them, each falling back to its default.
pub fn read(settings: &Snapshot) -> PortalSettings {
    let d = PortalSettings::default();
    let flag = |key: &str, default: bool| match settings.get(key) {
        Some("true") => true,
        Some("false") => false,
        _ => default,
    };
    PortalSettings {
        invitation_days: settings
            .get(keys::INVITATION_DAYS)
            .and_then(|v| v.parse().ok())
            .filter(|d| (1..=30).contains(d))
            .unwrap_or(INVITATION_DAYS),
        second_factor_required: flag(keys::SECOND_FACTOR_REQUIRED, d.second_factor_required),
        change_requests: flag(keys::CHANGE_REQUESTS, d.change_requests),
        review_signatures: flag(keys::REVIEW_SIGNATURES, d.review_signatures),
        messages_read: settings
            .get(keys::MESSAGES_READ)
            .filter(|t| !t.trim().is_empty())
            .map_or(d.messages_read, str::to_owned),
        attachment_mb: settings
            .get(keys::ATTACHMENT_MB)
            .and_then(|v| v.parse().ok())
            .filter(|mb| *mb <= ATTACHMENT_MB_MAX)
            .unwrap_or(d.attachment_mb),
    }
}
