//! The owner's audit viewer: filters by person, client, action and date range; paginated;
//! CSV export behind step-up, itself audited.

use crate::AppState;
use crate::auth::OwnerUser;
use crate::csv_out::{Cell, Csv};
use crate::error::AppError;
use crate::time_fmt::when;
use crate::views::audit::{AuditFilterValues, AuditPage, AuditRowView};
use crate::views::layout::Layout;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use kapflow_domain::text::{date_within, days_from, years_from};
use kapflow_domain::time_util::now_utc;
use kapflow_domain::{Email, UserId};
use kapflow_store::audit::{AuditFilter, AuditListing};
use kapflow_store::rate_limit::RateDecision;
use serde::Deserialize;
use time::{Date, Duration};

const PAGE: i64 = 50;
const EXPORT_MAX: i64 = 100_000;

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct AuditQuery {
    person: String,
    client: String,
    action: String,
    from: String,
    to: String,
    before: Option<i64>,
}

impl AuditQuery {
    fn query_string(&self, before: Option<i64>) -> String {
        let mut s = form_urlencoded::Serializer::new(String::new());
        for (k, v) in [
            ("person", &self.person),
            ("client", &self.client),
            ("action", &self.action),
            ("from", &self.from),
            ("to", &self.to),
        ] {
            if !v.trim().is_empty() {
                s.append_pair(k, v.trim());
            }
        }
        if let Some(b) = before {
            s.append_pair("before", &b.to_string());
        }
        s.finish()
    }
}

/// The dates the filter accepts, given the practice's `today`: 25 years back (well beyond the
/// record retention periods practices commonly keep, and older than kapflow itself) to
/// tomorrow. Bounding them also keeps "to" + 1 day clear of the calendar's end, where the
/// arithmetic would panic.
fn filter_window(today: Date) -> (Date, Date) {
    (years_from(today, -25), days_from(today, 1))
}

fn day(s: &str, what: &str, today: Date) -> Result<Option<Date>, String> {
    if s.trim().is_empty() {
        return Ok(None);
    }
    let (earliest, latest) = filter_window(today);
    date_within(s, what, earliest, latest).map(Some)
}

/// Turns the form's values into a store filter. An unknown person matches nothing.
async fn filter(state: &AppState, q: &AuditQuery) -> Result<Result<AuditFilter, String>, AppError> {
    let mut f = AuditFilter {
        before_seq: q.before,
        ..Default::default()
    };
    if !q.person.trim().is_empty() {
        let Ok(email) = Email::parse(&q.person) else {
            return Ok(Err("Enter the person's email address.".into()));
        };
        f.actor = Some(
            state
                .store
                .users()
                .by_email(&email)
                .await?
                .map(|u| u.id)
                .unwrap_or_else(UserId::new),
        );
    }
    let text = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
    f.client_id = text(&q.client);
    f.action = text(&q.action);
    // Days are the practice's: from the start of "from" to the end of "to".
    let zone = crate::practice_zone::current();
    let today = zone.today(now_utc());
    match (
        day(&q.from, "the From date", today),
        day(&q.to, "the To date", today),
    ) {
        (Ok(from), Ok(to)) => {
            f.from = from.map(|d| zone.day_bounds(d).0);
            f.until = to.map(|d| zone.day_bounds(d).1);
        }
        (Err(e), _) | (_, Err(e)) => return Ok(Err(e)),
    }
    Ok(Ok(f))
}

fn row_view(r: &AuditListing) -> AuditRowView {
    let e = &r.entry;
    AuditRowView {
        seq: r.seq,
        at: when(e.at),
        person: r.actor_email.clone().unwrap_or_else(|| {
            if e.actor_user_id.is_some() {
                "(unknown account)".into()
            } else if e.action.starts_with("fhir.") {
                // The token's name leads the reason column.
                "Another system, by API token".into()
            } else {
                "(no one signed in)".into()
            }
        }),
        role: e
            .actor_role
            .map(|r| r.label().to_owned())
            .unwrap_or_default(),
        action: e.action.clone(),
        record: match (&e.record_kind, &e.record_id) {
            (Some(k), Some(i)) => format!("{k} {i}"),
            (Some(k), None) => k.clone(),
            _ => String::new(),
        },
        client: e.client_id.clone().unwrap_or_default(),
        outcome: e.outcome.as_str(),
        reason: e.reason.clone().unwrap_or_default(),
        ip: e.ip.clone().unwrap_or_default(),
    }
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn view_page(
    state: &AppState,
    owner: &OwnerUser,
    q: AuditQuery,
) -> Result<Response, AppError> {
    let (rows, filter_error) = match filter(state, &q).await? {
        Ok(f) => (state.store.audit().query(&f, PAGE).await?, None),
        Err(e) => (Vec::new(), Some(e)),
    };
    let next_page = (rows.len() as i64 == PAGE).then(|| {
        format!(
            "{}?{}",
            crate::paths::AUDIT,
            q.query_string(rows.last().map(|r| r.seq))
        )
    });
    let page = AuditPage {
        layout: Layout::for_user(state, &owner.0).await?,
        csv_href: format!("{}?{}", crate::paths::AUDIT_CSV, q.query_string(None)),
        f: AuditFilterValues {
            person: q.person,
            client: q.client,
            action: q.action,
            from: q.from,
            to: q.to,
        },
        filter_error: filter_error.clone(),
        rows: rows.iter().map(row_view).collect(),
        next_page,
    };
    let status = if filter_error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    Ok((status, page).into_response())
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn view(
    State(state): State<AppState>,
    owner: OwnerUser,
    Query(q): Query<AuditQuery>,
) -> Result<Response, AppError> {
    view_page(&state, &owner, q).await
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn export_csv(
    State(state): State<AppState>,
    owner: OwnerUser,
    Query(q): Query<AuditQuery>,
) -> Result<Response, AppError> {
    let now = now_utc();
    let bucket = format!("export:{}", owner.0.id());
    if let RateDecision::Limited { retry_after } = state
        .store
        .rate_limits()
        .hit(&bucket, now, Duration::hours(1), 20)
        .await?
    {
        return Ok(crate::error::too_many_requests(retry_after));
    }
    let f = match filter(&state, &q).await? {
        Ok(f) => AuditFilter {
            before_seq: None,
            ..f
        },
        Err(_) => return view_page(&state, &owner, q).await,
    };
    let rows = state.store.audit().query(&f, EXPORT_MAX).await?;
    // Audited before the data leaves.
    let mut entry = owner
        .0
        .actor()
        .entry("audit.export", now)
        .record("audit_log", "csv");
    entry.reason = Some(format!(
        "{} rows; filter: {}",
        rows.len(),
        q.query_string(None)
    ));
    state.store.audit().record(&entry).await?;
    let mut csv = Csv::new(&[
        "seq",
        "time_utc",
        "person",
        "role",
        "action",
        "record_kind",
        "record_id",
        "client_id",
        "outcome",
        "reason",
        "ip",
        "session",
    ]);
    for r in &rows {
        let e = &r.entry;
        let at =
            e.at.format(&time::format_description::well_known::Rfc3339)
                .unwrap_or_default();
        let session = e.session_id.map(|s| s.to_string()).unwrap_or_default();
        let opt = |v: &Option<String>| v.clone().unwrap_or_default();
        let (email, kind, record, client, reason, ip) = (
            opt(&r.actor_email),
            opt(&e.record_kind),
            opt(&e.record_id),
            opt(&e.client_id),
            opt(&e.reason),
            opt(&e.ip),
        );
        csv.row(&[
            Cell::Number(r.seq),
            Cell::Text(&at),
            Cell::Text(&email),
            Cell::Text(e.actor_role.map(|x| x.as_str()).unwrap_or_default()),
            Cell::Text(&e.action),
            Cell::Text(&kind),
            Cell::Text(&record),
            Cell::Text(&client),
            Cell::Text(e.outcome.as_str()),
            Cell::Text(&reason),
            Cell::Text(&ip),
            Cell::Text(&session),
        ]);
    }
    let mut res = csv.finish().into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    h.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("attachment; filename=\"audit.csv\""),
    );
    Ok(res)
}
