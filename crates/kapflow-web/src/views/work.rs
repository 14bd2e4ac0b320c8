//! The dashboard's work queues per role, each item a link to where the work is done: the
//! therapist's dosing sessions, answers to dose-change requests and unread messages; the
//! prescriber's referrals, dose-change requests and unread messages; front desk's new
//! inquiries, missing consents and contact details, questionnaires that cannot be emailed; the owner's staff without a second factor
//! and invitations waiting. A client's open risk alert shows beside their name.

use crate::AppState;
use crate::error::AppError;
use crate::time_fmt::when;
use kapflow_domain::time_util::now_utc;
use kapflow_domain::{ClientId, InquiryId, Role, UserId};
use kapflow_store::work::WorkRow;

/// One queue: its heading, what it says when empty, its items.
pub struct Queue {
    pub heading: &'static str,
    pub empty: &'static str,
    pub items: Vec<QueueItem>,
}

/// One thing waiting: where it is done, whom or what it is about, since when.
pub struct QueueItem {
    pub href: String,
    pub name: String,
    pub since: String,
    /// The client's most serious open risk alert, where the reader may see it, and where it
    /// is answered (the client's Measures page).
    pub risk: Option<(&'static str, String)>,
}

fn queue(
    heading: &'static str,
    empty: &'static str,
    rows: Vec<WorkRow>,
    href: impl Fn(uuid::Uuid) -> String,
) -> Queue {
    Queue {
        heading,
        empty,
        items: rows
            .into_iter()
            .map(|r| QueueItem {
                href: href(r.id),
                name: r.name,
                since: when(r.since),
                risk: r.risk.map(|level| {
                    let measures = crate::paths::measures(ClientId::from_uuid(r.id));
                    (level.label(), measures)
                }),
            })
            .collect(),
    }
}

fn client(f: fn(ClientId) -> String) -> impl Fn(uuid::Uuid) -> String {
    move |id| f(ClientId::from_uuid(id))
}

/// The setting: hours after which an unsigned note shows on its author's dashboard.
pub const UNSIGNED_HOURS_KEY: &str = "notes.unsigned_hours";
pub const UNSIGNED_HOURS: u32 = 72;

/// The queues of a person with `role`, oldest work first in each.
pub async fn queues(state: &AppState, user: UserId, role: Role) -> Result<Vec<Queue>, AppError> {
    let work = state.store.work();
    let now = now_utc();
    let mut out = Vec::new();
    if matches!(role, Role::Owner | Role::Therapist) {
        out.push(queue(
            "Dosing sessions open or being prepared",
            "No dosing session is open.",
            work.sessions_open(user).await?,
            client(crate::paths::dosing),
        ));
        out.push(queue(
            "Answers to dose-change requests (last 14 days)",
            "No new answers from the prescriber.",
            work.dose_answers(user, now).await?,
            client(crate::paths::prescriber),
        ));
        out.push(queue(
            "Unread messages",
            "No unread messages in the last 30 days.",
            work.messages(user, false, now).await?,
            client(crate::paths::messages),
        ));
        let zone = crate::practice_zone::current();
        let (start, end) = zone.day_bounds(zone.today(now));
        out.push(Queue {
            heading: "Your appointments today",
            empty: "Nothing booked for you today.",
            items: work
                .appointments_today(user, start, end)
                .await?
                .into_iter()
                .map(|r| QueueItem {
                    href: match r.client {
                        Some(c) => crate::paths::appointment(c, r.appointment),
                        None => crate::paths::hold(r.appointment),
                    },
                    name: format!(
                        "{} {}",
                        crate::time_fmt::clock(r.starts_at),
                        r.name.unwrap_or_else(|| r.kind.clone())
                    ),
                    since: r.kind,
                    risk: r
                        .risk
                        .zip(r.client)
                        .map(|(level, c)| (level.label(), crate::paths::measures(c))),
                })
                .collect(),
        });
        let hours = state
            .store
            .settings()
            .snapshot()
            .await?
            .get(UNSIGNED_HOURS_KEY)
            .and_then(|v| v.parse::<i64>().ok())
            .unwrap_or(i64::from(UNSIGNED_HOURS));
        out.push(Queue {
            heading: "Your notes waiting to be signed",
            empty: "No note of yours has waited long to be signed.",
            items: work
                .unsigned_notes(user, now - time::Duration::hours(hours))
                .await?
                .into_iter()
                .map(|n| QueueItem {
                    href: crate::paths::note(n.client, n.note),
                    name: format!("{}: {}", n.name, n.title),
                    since: when(n.since),
                    risk: n
                        .risk
                        .map(|level| (level.label(), crate::paths::measures(n.client))),
                })
                .collect(),
        });
    }
    if role == Role::Prescriber {
        out.push(queue(
            "Referrals awaiting your evaluation",
            "No referral is waiting.",
            work.referrals_waiting(user).await?,
            client(crate::paths::prescriber),
        ));
        out.push(queue(
            "Dose-change requests to answer",
            "No request is waiting.",
            work.dose_requests(user).await?,
            client(crate::paths::prescriber),
        ));
        out.push(queue(
            "Unread messages from care teams",
            "No unread messages in the last 30 days.",
            work.messages(user, true, now).await?,
            client(crate::paths::messages),
        ));
    }
    if matches!(role, Role::Owner | Role::FrontDesk) {
        out.push(queue(
            "New inquiries",
            "No new inquiry.",
            work.new_inquiries().await?,
            |id| crate::paths::inquiry(InquiryId::from_uuid(id)),
        ));
        out.push(queue(
            "Clients in a course without signed consents",
            "Every client in a course has signed.",
            work.missing_consents(user, role).await?,
            client(crate::paths::consents),
        ));
        let today = crate::practice_zone::today(now);
        out.push(Queue {
            heading: "Questionnaires that cannot be emailed (no address or no agreement)",
            empty: "Every questionnaire due can go by email.",
            items: work
                .questionnaires_stuck(user, role, today)
                .await?
                .into_iter()
                .map(|r| {
                    let id = ClientId::from_uuid(r.id);
                    QueueItem {
                        href: crate::paths::client(id),
                        name: r.name,
                        since: r.due_on.to_string(),
                        risk: r.risk.map(|l| (l.label(), crate::paths::measures(id))),
                    }
                })
                .collect(),
        });
        out.push(queue(
            "Clients missing contact details or an emergency contact",
            "Every client in a course can be reached.",
            work.missing_contact(user, role).await?,
            client(crate::paths::client_edit),
        ));
    }
    if role == Role::Owner {
        out.push(queue(
            "Staff without two-step sign-in",
            "Everyone signs in with a second step.",
            work.staff_without_mfa().await?,
            |_| crate::paths::STAFF.to_owned(),
        ));
        let pending = state.store.invitations().pending(now).await?;
        out.push(Queue {
            heading: "Invitations not yet accepted",
            empty: "No invitation is waiting.",
            items: pending
                .into_iter()
                .map(|p| QueueItem {
                    href: crate::paths::STAFF.to_owned(),
                    name: p.email,
                    since: when(p.created_at),
                    risk: None,
                })
                .collect(),
        });
    }
    Ok(out)
}
