//! One's own account: the dashboard, active sessions, signing out elsewhere, staying signed in.

use crate::AppState;
use crate::auth::{CurrentUser, StaffUser};
use crate::error::AppError;
use crate::routes::clients::DoneQuery;
use crate::time_fmt::when;
use crate::views::account::{AlertGroup, DashboardPage, PasskeyView, SessionView, SessionsPage};
use crate::views::alerts::{AckForm, AckRefusal, AlertItem};
use crate::views::layout::Layout;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use kapflow_domain::Role;
use kapflow_domain::time_util::now_utc;
use kapflow_store::alerts::OpenAlert;
use kapflow_store::passkeys::Removal;
use serde::Deserialize;

/// What the dashboard confirms after each `?done=`.
const NOTICES: &[(&str, &str)] = &[
    ("acknowledged", "Acknowledged, with your note."),
    (
        "already-acknowledged",
        "Nothing to close: someone acknowledged these alerts already.",
    ),
];

#[tracing::instrument(level = "debug", skip_all)]
pub async fn dashboard(
    State(state): State<AppState>,
    StaffUser(user): StaffUser,
    Query(q): Query<DoneQuery>,
) -> Result<DashboardPage, AppError> {
    dashboard_page(&state, &user, q.notice(NOTICES), None).await
}

/// The dashboard; `refused` is an alert-closing form sent back with what was typed.
pub async fn dashboard_page(
    state: &AppState,
    user: &CurrentUser,
    notice: Option<&'static str>,
    refused: Option<AckRefusal>,
) -> Result<DashboardPage, AppError> {
    let u = &user.session.user;
    let clinician = matches!(u.role, Role::Owner | Role::Therapist);
    let (alerts, due) = if clinician {
        // The owner sees every open alert of the practice: alerts nobody answers escalate to
        // the owner, who may close them for any client.
        let everyone = u.role == Role::Owner;
        let now = kapflow_domain::time_util::now_utc();
        let today = crate::practice_zone::today(now);
        let open = state.store.alerts().open(u.id, everyone, now).await?;
        let due = state
            .store
            .measures()
            .due(u.id, false, today + time::Duration::days(3))
            .await?
            .into_iter()
            .map(|d| crate::views::account::DashDue {
                client: d.client_id,
                name: d.legal_name,
                instrument: instrument_title(&d.instrument),
                due: d.due_on.to_string(),
                overdue: d.due_on < today,
                risk: d.risk.map(|l| l.label()),
            })
            .collect();
        (alert_groups(open, refused.as_ref()), due)
    } else {
        (vec![], vec![])
    };
    Ok(DashboardPage {
        layout: Layout::for_user(state, user).await?,
        csrf: user.csrf().to_owned(),
        notice,
        refused: refused.is_some(),
        name: u.display_name.clone(),
        role_label: u.role.label(),
        is_owner: u.role == Role::Owner,
        clinician,
        alerts,
        due,
        queues: crate::views::work::queues(state, u.id, u.role).await?,
        mail_notice: if u.role == Role::Owner {
            crate::views::account::mail_notice(state.store.outbox().health().await?)
        } else {
            None
        },
    })
}

fn instrument_title(code: &str) -> String {
    kapflow_domain::measures::builtin(code)
        .map(|i| i.title)
        .unwrap_or_else(|| code.to_owned())
}

/// Open alerts by client, in the order of each client's most serious (then oldest) alert —
/// the order the store returns them in.
fn alert_groups(open: Vec<OpenAlert>, refused: Option<&AckRefusal>) -> Vec<AlertGroup> {
    let mut groups: Vec<AlertGroup> = Vec::new();
    for OpenAlert { alert, reachable } in open {
        let item = AlertItem::new(&alert, &instrument_title(&alert.instrument));
        match groups.iter_mut().find(|g| g.form.client == alert.client_id) {
            Some(g) => g.form.alerts.push(item),
            None => groups.push(AlertGroup {
                name: alert.legal_name,
                href: if reachable {
                    crate::paths::measures(alert.client_id)
                } else {
                    crate::paths::break_glass_for(alert.client_id)
                },
                needs_break_glass: !reachable,
                form: AckForm::new(alert.client_id, "dashboard", vec![item]),
            }),
        }
    }
    if let Some(r) = refused
        && let Some(g) = groups.iter_mut().find(|g| g.form.client == r.client)
    {
        g.form.refuse(r);
    }
    groups
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct SessionsQuery {
    ended: Option<u64>,
    passkey: Option<String>,
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn sessions(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<SessionsQuery>,
) -> Result<SessionsPage, AppError> {
    let list = state.store.sessions().list(user.id()).await?;
    let sessions = list
        .into_iter()
        .map(|s| SessionView {
            created: when(s.created_at),
            last_seen: when(s.last_seen_at),
            ip: s.ip.unwrap_or_default(),
            user_agent: s.user_agent.unwrap_or_default(),
            current: s.id == user.session_id(),
        })
        .collect();
    Ok(SessionsPage {
        layout: Layout::for_user(&state, &user).await?,
        csrf: user.csrf().to_owned(),
        sessions,
        ended: q.ended,
        passkeys_possible: crate::routes::passkeys::possible(&state),
        passkeys: state
            .store
            .passkeys()
            .list(user.id())
            .await?
            .into_iter()
            .map(|p| PasskeyView {
                remove: crate::paths::passkey_remove(p.id.to_string()),
                name: p.name,
                added: when(p.created_at),
                used: p.last_used_at.map_or_else(|| "never".to_owned(), when),
            })
            .collect(),
        passkey: q
            .passkey
            .filter(|p| matches!(p.as_str(), "removed" | "only")),
    })
}

/// Removes one of the person's own passkeys (after a fresh second factor), unless it is their
/// only second factor.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn remove_passkey(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(passkey): Path<String>,
) -> Result<Response, AppError> {
    let id = uuid::Uuid::parse_str(&passkey).map_err(|_| AppError::NotFound)?;
    let outcome = state
        .store
        .passkeys()
        .remove(user.id(), id, &user.actor(), now_utc())
        .await?;
    let said = match outcome {
        Removal::Removed => "removed",
        Removal::OnlyFactor => "only",
        Removal::NotFound => return Err(AppError::NotFound),
    };
    Ok(Redirect::to(&format!("{}?passkey={said}", crate::paths::SESSIONS)).into_response())
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn end_others(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<Response, AppError> {
    let n = state
        .store
        .sessions()
        .end_others(user.id(), user.session_id(), &user.actor(), now_utc())
        .await?;
    Ok(Redirect::to(&format!("{}?ended={n}", crate::paths::SESSIONS)).into_response())
}

/// The idle-warning's "stay signed in": the access check already recorded the activity.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn keepalive(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<StatusCode, AppError> {
    state
        .store
        .sessions()
        .touch(user.session_id(), now_utc())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
