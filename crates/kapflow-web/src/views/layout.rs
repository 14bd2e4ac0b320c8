//! What every page's frame needs: the practice's name and, when someone is signed in, the
//! navigation (with what waits behind it: unread messages, new inquiries), the form token and
//! the idle-timeout settings for `session.js`.

use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::paths;
use kapflow_domain::Role;
use kapflow_domain::access::{Action, Relationship, decide};
use kapflow_domain::session_policy::IDLE_WARNING;
use kapflow_store::settings::keys;
use kapflow_store::work::NavCounts;

/// One entry of the main navigation.
#[derive(Clone, Debug)]
pub struct NavLink {
    pub href: &'static str,
    pub label: &'static str,
    /// What waits behind the link, when anything does: how many, and of what ("unread
    /// messages"), said in full to a screen reader.
    pub count: Option<(i64, &'static str)>,
}

/// The main navigation in order: each entry shows to the roles the access policy allows its
/// action, so the menu never offers a page the person would be refused.
const LINKS: &[(Action, &str, &str)] = &[
    (Action::ViewDashboard, paths::DASHBOARD, "Dashboard"),
    (Action::ViewInquiries, paths::INQUIRIES, "Inquiries"),
    (Action::ListClients, paths::CLIENTS, "Clients"),
    (Action::ViewCalendar, paths::CALENDAR, "Calendar"),
    (Action::ViewOutcomeReport, paths::OUTCOMES, "Outcomes"),
    (Action::ManageFees, paths::BILLING_SETTINGS, "Billing"),
    (Action::EditSite, paths::SITE, "Website"),
    (Action::ManageStaff, paths::STAFF, "Staff"),
    (
        Action::ManageConsentDocuments,
        paths::CONSENT_DOCUMENTS,
        "Consents",
    ),
    (
        Action::ManageInstruments,
        paths::INSTRUMENTS,
        "Questionnaires",
    ),
    (Action::ViewAudit, paths::AUDIT, "Audit trail"),
    (Action::ManageStaff, paths::API_TOKENS, "Sharing"),
    (Action::ViewAudit, paths::CUSTODY_REPORT, "Custody log"),
    (
        Action::ManageOwnAccount,
        paths::NOTIFICATIONS,
        "Notifications",
    ),
    (Action::ManageOwnAccount, paths::SESSIONS, "Your sessions"),
];

/// A client's navigation: the portal's pages.
const PORTAL_LINKS: &[(&str, &str)] = &[
    (paths::PORTAL, "Home"),
    (paths::PORTAL_APPOINTMENTS, "Appointments"),
    (paths::PORTAL_QUESTIONNAIRES, "Questionnaires"),
    (paths::PORTAL_MESSAGES, "Messages"),
    (paths::PORTAL_JOURNAL, "Journal"),
    (paths::PORTAL_PREPARATION, "Preparing"),
    (paths::PORTAL_INTAKE, "Intake"),
    (paths::PORTAL_CONSENTS, "Consent forms"),
    (paths::SESSIONS, "Your sessions"),
];

/// The count a link carries: unread messages on the dashboard (where their queue is), new
/// inquiries on the inbox.
fn counted(href: &str, counts: NavCounts) -> Option<(i64, &'static str)> {
    let (n, what) = match href {
        paths::DASHBOARD if counts.unread_messages == 1 => (1, "unread message"),
        paths::DASHBOARD => (counts.unread_messages, "unread messages"),
        paths::INQUIRIES if counts.new_inquiries == 1 => (1, "new inquiry"),
        paths::INQUIRIES => (counts.new_inquiries, "new inquiries"),
        _ => return None,
    };
    (n > 0).then_some((n, what))
}

#[derive(Clone, Debug)]
pub struct Nav {
    pub name: String,
    pub role_label: &'static str,
    pub csrf: String,
    /// Empty until both factors are passed (only sign-out shows then).
    pub links: Vec<NavLink>,
    pub idle_seconds: i64,
    pub warn_seconds: i64,
    /// The keys `session.js` keeps this person's unsent typing under.
    pub draft: crate::forms::DraftKeys,
}

#[derive(Clone, Debug)]
pub struct Layout {
    pub site_name: String,
    pub nav: Option<Nav>,
}

impl Layout {
    /// For pages of no one in particular (errors, first-run pages).
    pub fn plain(site_name: impl Into<String>) -> Layout {
        Layout {
            site_name: site_name.into(),
            nav: None,
        }
    }

    pub(crate) async fn practice_name(state: &AppState) -> Result<String, AppError> {
        Ok(state
            .store
            .settings()
            .snapshot()
            .await?
            .get(keys::PRACTICE_NAME)
            .unwrap_or("kapflow")
            .to_owned())
    }

    pub async fn public(state: &AppState) -> Result<Layout, AppError> {
        Ok(Layout::plain(Self::practice_name(state).await?))
    }

    pub async fn for_user(state: &AppState, user: &CurrentUser) -> Result<Layout, AppError> {
        let u = &user.session.user;
        Ok(Layout {
            site_name: Self::practice_name(state).await?,
            nav: Some(Nav {
                name: u.display_name.clone(),
                role_label: u.role.label(),
                csrf: user.csrf().to_owned(),
                links: if user.fully_signed_in() && u.role == Role::Client {
                    PORTAL_LINKS
                        .iter()
                        .map(|(href, label)| NavLink {
                            href,
                            label,
                            count: None,
                        })
                        .collect()
                } else if user.fully_signed_in() {
                    let may = |action| decide(u.role, action, Relationship::None).is_allowed();
                    let inquiries = may(Action::ViewInquiries);
                    let counts = state.nav_counts.get(state, u.id, u.role, inquiries).await?;
                    LINKS
                        .iter()
                        .filter(|(action, _, _)| may(*action))
                        .map(|(_, href, label)| NavLink {
                            href,
                            label,
                            count: counted(href, counts),
                        })
                        .collect()
                } else {
                    Vec::new()
                },
                idle_seconds: state.config.idle.for_role(u.role).whole_seconds(),
                warn_seconds: IDLE_WARNING.whole_seconds(),
                draft: crate::forms::draft_keys(state, u.id).await?,
            }),
        })
    }
}
