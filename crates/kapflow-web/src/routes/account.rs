//! One's own account: the dashboard, active sessions, signing out elsewhere, staying signed in.

use crate::AppState;
use crate::auth::{CurrentUser, StaffUser};
use crate::error::AppError;
use crate::time_fmt::when;
use crate::views::account::{DashboardPage, SessionView, SessionsPage};
use crate::views::layout::Layout;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use kapflow_domain::Role;
use kapflow_domain::time_util::now_utc;
use serde::Deserialize;

#[tracing::instrument(level = "debug", skip_all)]
pub async fn dashboard(
    State(state): State<AppState>,
    StaffUser(user): StaffUser,
) -> Result<DashboardPage, AppError> {
    let u = &user.session.user;
    let clinician = matches!(u.role, Role::Owner | Role::Therapist);
    let (alerts, due) = if clinician {
        let everyone = u.role == Role::Owner;
        let today = kapflow_domain::pathway::today(kapflow_domain::time_util::now_utc());
        let alerts = state
            .store
            .alerts()
            .open(u.id, everyone)
            .await?
            .into_iter()
            .map(|a| crate::views::account::DashAlert {
                client: a.client_id,
                name: a.legal_name,
                level: a.level.phrase(),
                raised: when(a.created_at),
                escalated: a.escalated_at.is_some(),
            })
            .collect();
        let due = state
            .store
            .measures()
            .due(u.id, false, today + time::Duration::days(3))
            .await?
            .into_iter()
            .map(|d| crate::views::account::DashDue {
                client: d.client_id,
                name: d.legal_name,
                instrument: kapflow_domain::measures::builtin(&d.instrument)
                    .map(|i| i.title)
                    .unwrap_or(d.instrument),
                due: d.due_on.to_string(),
                overdue: d.due_on < today,
            })
            .collect();
        (alerts, due)
    } else {
        (vec![], vec![])
    };
    Ok(DashboardPage {
        layout: Layout::for_user(&state, &user).await?,
        name: u.display_name.clone(),
        role_label: u.role.label(),
        is_owner: u.role == Role::Owner,
        clinician,
        alerts,
        due,
        mail_notice: if u.role == Role::Owner {
            crate::views::account::mail_notice(state.store.outbox().health().await?)
        } else {
            None
        },
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct SessionsQuery {
    ended: Option<u64>,
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
    })
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
