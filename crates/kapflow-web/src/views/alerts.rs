//! Open suicide-risk alerts as a person closes them: each alert's title and what was answered,
//! and the one form (boxes for the alerts, one note) that closes several of one client's alerts,
//! shown on the client's Measures page and on the dashboard.

use crate::time_fmt::when;
use kapflow_domain::form::FieldErrors;
use kapflow_domain::{AlertId, ClientId};
use kapflow_store::alerts::AlertRow;

/// One alert, as its box shows it.
pub struct AlertItem {
    pub id: AlertId,
    /// Level and instrument: "High risk — C-SSRS screener".
    pub title: String,
    /// What was answered.
    pub finding: String,
    pub rule: String,
    pub source: String,
    pub raised: String,
    pub escalated: bool,
    /// Ticked in the closing form (all are, until a refused submission says otherwise).
    pub chosen: bool,
}

impl AlertItem {
    /// `instrument` is the questionnaire's title.
    pub fn new(a: &AlertRow, instrument: &str) -> AlertItem {
        AlertItem {
            id: a.id,
            title: format!("{} — {instrument}", a.level.label()),
            finding: a.finding.clone(),
            rule: a.rule.clone(),
            source: a.source.clone(),
            raised: when(a.created_at),
            escalated: a.escalated_at.is_some(),
            chosen: true,
        }
    }
}

/// The form that closes one client's open alerts with one note.
pub struct AckForm {
    pub client: ClientId,
    /// Where the form is shown, and where it comes back to: `measures` or `dashboard`.
    pub from: &'static str,
    pub alerts: Vec<AlertItem>,
    /// What was typed, kept when the form is refused.
    pub note: String,
    pub e: FieldErrors,
}

impl AckForm {
    pub fn new(client: ClientId, from: &'static str, alerts: Vec<AlertItem>) -> AckForm {
        AckForm {
            client,
            from,
            alerts,
            note: String::new(),
            e: FieldErrors::default(),
        }
    }

    /// The form as it was refused: what was typed and ticked, and why.
    pub fn refuse(&mut self, refusal: &AckRefusal) {
        for a in &mut self.alerts {
            a.chosen = refusal.chosen.contains(&a.id);
        }
        self.note = refusal.note.clone();
        self.e = refusal.e.clone();
    }

    /// A prefix that keeps the ids of several forms on one page apart.
    pub fn prefix(&self) -> String {
        format!("ack-{}", self.client)
    }
}

/// A refused closing: the client, what was sent, and the message per field (`alert`, `note`).
#[derive(Clone)]
pub struct AckRefusal {
    pub client: ClientId,
    pub chosen: Vec<AlertId>,
    pub note: String,
    pub e: FieldErrors,
}
