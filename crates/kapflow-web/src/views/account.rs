//! One's own pages: the dashboard and the list of one's sessions.

use crate::views::alerts::AckForm;
use crate::views::layout::Layout;
use askama::Template;
use askama_web::WebTemplate;

#[derive(Template, WebTemplate)]
#[template(path = "dashboard.html")]
pub struct DashboardPage {
    pub layout: Layout,
    pub csrf: String,
    pub notice: Option<&'static str>,
    /// An alert-closing form came back refused.
    pub refused: bool,
    pub name: String,
    pub role_label: &'static str,
    pub is_owner: bool,
    pub clinician: bool,
    pub alerts: Vec<AlertGroup>,
    pub due: Vec<DashDue>,
    /// The person's work queues.
    pub queues: Vec<crate::views::work::Queue>,
    /// For the owner: what email is failing, if any.
    pub mail_notice: Option<String>,
}

/// One client's open suicide-risk alerts on the dashboard, with the form that closes them.
pub struct AlertGroup {
    pub name: String,
    /// The client's Measures page, or the break-glass form when the viewer cannot open the
    /// record now.
    pub href: String,
    pub needs_break_glass: bool,
    pub form: AckForm,
}

/// A questionnaire due within three days, or overdue.
pub struct DashDue {
    pub client: kapflow_domain::ClientId,
    pub name: String,
    pub instrument: String,
    pub due: String,
    pub overdue: bool,
    /// The client's most serious open risk alert.
    pub risk: Option<&'static str>,
}

pub struct SessionView {
    pub created: String,
    pub last_seen: String,
    pub ip: String,
    pub user_agent: String,
    pub current: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "sessions.html")]
pub struct SessionsPage {
    pub layout: Layout,
    pub csrf: String,
    pub sessions: Vec<SessionView>,
    pub ended: Option<u64>,
    /// Passkeys can work at this address.
    pub passkeys_possible: bool,
    pub passkeys: Vec<PasskeyView>,
    /// What came of removing a passkey ("removed", "only"), from the address.
    pub passkey: Option<String>,
}

/// One of the person's passkeys, as the page lists it.
pub struct PasskeyView {
    pub name: String,
    pub added: String,
    pub used: String,
    /// Where its Remove button posts.
    pub remove: String,
}

/// The owner's one-line warning about email that is failing, if any is.
pub fn mail_notice(h: kapflow_store::outbox::MailHealth) -> Option<String> {
    let emails = |n: i64| {
        if n == 1 {
            "1 email".to_owned()
        } else {
            format!("{n} emails")
        }
    };
    match (h.given_up, h.failing) {
        (0, 0) => None,
        (0, f) => Some(format!(
            "{} refused by the mail server, being retried.",
            emails(f)
        )),
        (g, 0) => Some(format!("{} could not be sent at all.", emails(g))),
        (g, f) => Some(format!(
            "{} could not be sent at all, and {} refused by the mail server, being retried.",
            emails(g),
            emails(f)
        )),
    }
}

#[cfg(test)]
mod tests {
    use kapflow_store::outbox::MailHealth;

    #[test]
    fn the_mail_warning_counts_in_words() {
        let h = |given_up, failing| MailHealth {
            waiting: 9,
            failing,
            given_up,
        };
        assert_eq!(super::mail_notice(h(0, 0)), None);
        assert_eq!(
            super::mail_notice(h(1, 0)).as_deref(),
            Some("1 email could not be sent at all.")
        );
        assert_eq!(
            super::mail_notice(h(2, 1)).as_deref(),
            Some(
                "2 emails could not be sent at all, and 1 email refused by the mail server, being retried."
            )
        );
    }
}
