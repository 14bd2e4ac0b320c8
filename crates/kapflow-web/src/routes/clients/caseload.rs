//! The caseload: the clients the caller may see (owner and front desk every client, a therapist
//! their care team's, a prescriber those referred to their organisation), searched by name
//! through a POST so a name never goes into a URL, sorted by fixed keys, fifty to a page.

use crate::AppState;
use crate::auth::StaffUser;
use crate::error::AppError;
use crate::practice_zone::today;
use crate::time_fmt::when;
use crate::views::clients::caseload::{ListPage, Row};
use crate::views::layout::Layout;
use axum::extract::{Query, State};
use kapflow_domain::Role;
use kapflow_domain::client::{CaseloadSort, age_on};
use kapflow_domain::pathway::Stage;
use kapflow_domain::time_util::now_utc;
use kapflow_store::clients::{CaseloadScope, PAGE_SIZE};
use serde::Deserialize;

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ListQuery {
    sort: String,
    page: i64,
}

/// The search form's fields. Sent as a POST body: a client's name never goes into a URL
/// (browser history, proxy logs).
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct SearchForm {
    q: String,
    sort: String,
    page: i64,
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn list(
    State(state): State<AppState>,
    user: StaffUser,
    Query(query): Query<ListQuery>,
) -> Result<ListPage, AppError> {
    render_list(
        &state,
        &user,
        SearchForm {
            q: String::new(),
            sort: query.sort,
            page: query.page,
        },
    )
    .await
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn search(
    State(state): State<AppState>,
    user: StaffUser,
    axum::Form(query): axum::Form<SearchForm>,
) -> Result<ListPage, AppError> {
    render_list(&state, &user, query).await
}

async fn render_list(
    state: &AppState,
    user: &StaffUser,
    query: SearchForm,
) -> Result<ListPage, AppError> {
    let sort = CaseloadSort::parse(&query.sort).unwrap_or_default();
    let search = Some(query.q.trim()).filter(|s| !s.is_empty());
    let page = query.page.max(1);
    let scope = CaseloadScope {
        user: user.0.id(),
        role: user.0.role(),
    };
    let result = state
        .store
        .clients()
        .caseload(scope, search, sort, page)
        .await?;
    // A search reads client names: audited like any read of the record.
    let mut entry = user
        .0
        .actor()
        .entry("client.list", now_utc())
        .record("clients", result.rows.len());
    entry.reason = search.map(|_| "search".to_owned());
    state.store.audit().record(&entry).await?;
    let today = today(now_utc());
    let role = user.0.role();
    Ok(ListPage {
        layout: Layout::for_user(state, &user.0).await?,
        csrf: user.0.csrf().to_owned(),
        q: query.q,
        sort: sort.as_str(),
        sorts: CaseloadSort::ALL
            .iter()
            .map(|s| (s.as_str(), s.label()))
            .collect(),
        rows: result
            .rows
            .into_iter()
            .map(|r| Row {
                id: r.id,
                name: match r.preferred_name {
                    Some(p) if p != r.legal_name => format!("{} ({p})", r.legal_name),
                    _ => r.legal_name,
                },
                age: age_on(r.date_of_birth, today),
                stage: r.stage.map(Stage::label).unwrap_or("—"),
                since: when(r.created_at),
                risk: r.risk.map(|l| l.label()),
            })
            .collect(),
        total: result.total,
        page,
        pages: ((result.total + PAGE_SIZE - 1) / PAGE_SIZE).max(1),
        can_create: matches!(role, Role::Owner | Role::FrontDesk | Role::Therapist),
        can_break_glass: matches!(role, Role::Owner | Role::Therapist),
        prescriber: role == Role::Prescriber,
    })
}
