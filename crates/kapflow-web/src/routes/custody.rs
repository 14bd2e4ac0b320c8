//! The medication custody reports (docs/domain.md §6): one client's log and the practice's
//! (the owner's), for a period of UTC days (this month unless asked), as a printable page or,
//! with `format=csv`, a spreadsheet. Both are read straight from the log in the order logged,
//! with nothing of the moment they were made in them, so the same period gives the same
//! report every time. Downloads are audited.

mod view;

use crate::AppState;
use crate::auth::OwnerUser;
use crate::error::AppError;
use crate::routes::clients::OnClient;
use crate::views::layout::Layout;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use kapflow_domain::Actor;
use kapflow_domain::text::{date_within, years_from};
use kapflow_domain::time_util::now_utc;
use kapflow_store::custody::CustodyRow;
use serde::Deserialize;
use time::Date;
use view::CustodyPage;

/// `?from=YYYY-MM-DD&to=YYYY-MM-DD&format=csv`, all optional.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PeriodQuery {
    from: String,
    to: String,
    format: String,
}

/// The first and last day of `today`'s month.
fn this_month(today: Date) -> (Date, Date) {
    let first = today.replace_day(1).unwrap_or(today);
    let last = today
        .replace_day(today.month().length(today.year()))
        .unwrap_or(today);
    (first, last)
}

/// The period asked for, or what to fix. Dates reach 25 years back (beyond the records'
/// retention) and a year ahead (a month not over yet); a typing slip outside is refused.
fn period(q: &PeriodQuery, today: Date) -> Result<(Date, Date), String> {
    let (first, last) = this_month(today);
    let (earliest, latest) = (years_from(today, -25), years_from(today, 1));
    let day = |raw: &str, what, default| {
        if raw.trim().is_empty() {
            Ok(default)
        } else {
            date_within(raw, what, earliest, latest)
        }
    };
    let from = day(&q.from, "the From date", first)?;
    let to = day(&q.to, "the To date", last)?;
    if from > to {
        return Err("Enter a From date on or before the To date.".into());
    }
    Ok((from, to))
}

/// The report's rows and page, or the page with what to fix (422).
struct Report {
    scope: String,
    practice: bool,
    action: String,
    q: PeriodQuery,
}

impl Report {
    fn page(&self, layout: Layout, rows: &[CustodyRow], error: Option<String>) -> Response {
        let (from, to) = (self.q.from.trim(), self.q.to.trim());
        let mut query = form_urlencoded::Serializer::new(String::new());
        for (k, v) in [("from", from), ("to", to)] {
            if !v.is_empty() {
                query.append_pair(k, v);
            }
        }
        query.append_pair("format", "csv");
        let page = CustodyPage {
            layout,
            scope: self.scope.clone(),
            practice: self.practice,
            action: self.action.clone(),
            from: from.to_owned(),
            to: to.to_owned(),
            csv_href: format!("{}?{}", self.action, query.finish()),
            entries: rows.iter().map(view::entry_view).collect(),
            totals: view::total_lines(&view::totals(rows)),
            error: error.clone(),
        };
        let status = if error.is_some() {
            StatusCode::UNPROCESSABLE_ENTITY
        } else {
            StatusCode::OK
        };
        (status, page).into_response()
    }

    /// The CSV download, audited before it leaves.
    async fn csv(
        &self,
        state: &AppState,
        actor: &Actor,
        client: Option<String>,
        (from, to): (Date, Date),
        rows: &[CustodyRow],
    ) -> Result<Response, AppError> {
        let mut entry = actor
            .entry("custody.exported", now_utc())
            .record("custody", "csv")
            .because(format!("{} entries, {from} to {to}", rows.len()));
        entry.client_id = client;
        state.store.audit().record(&entry).await?;
        let mut res = view::csv(rows).into_response();
        let h = res.headers_mut();
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/csv; charset=utf-8"),
        );
        let name = format!("attachment; filename=\"custody-{from}-to-{to}.csv\"");
        if let Ok(v) = HeaderValue::from_str(&name) {
            h.insert(header::CONTENT_DISPOSITION, v);
        }
        Ok(res)
    }
}

/// One client's custody log for a period.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn client_report(
    OnClient(state, user, access): OnClient,
    Query(q): Query<PeriodQuery>,
) -> Result<Response, AppError> {
    let clinical = access.clinical_or_404()?;
    let client = state
        .store
        .clients()
        .get(&access)
        .await?
        .ok_or(AppError::NotFound)?;
    let report = Report {
        scope: client.legal_name,
        practice: false,
        action: crate::paths::client_custody(access.client()),
        q,
    };
    let layout = Layout::for_user(&state, &user.0).await?;
    let span = match period(&report.q, crate::practice_zone::today(now_utc())) {
        Ok(span) => span,
        Err(e) => return Ok(report.page(layout, &[], Some(e))),
    };
    let rows = state
        .store
        .custody()
        .for_client(&clinical, span.0, span.1)
        .await?;
    if report.q.format == "csv" {
        let client = Some(access.client().to_string());
        return report
            .csv(&state, &user.0.actor(), client, span, &rows)
            .await;
    }
    Ok(report.page(layout, &rows, None))
}

/// The whole practice's custody log for a period (the owner's).
#[tracing::instrument(level = "debug", skip_all)]
pub async fn practice_report(
    State(state): State<AppState>,
    owner: OwnerUser,
    Query(q): Query<PeriodQuery>,
) -> Result<Response, AppError> {
    let report = Report {
        scope: "the practice".into(),
        practice: true,
        action: crate::paths::CUSTODY_REPORT.to_owned(),
        q,
    };
    let layout = Layout::for_user(&state, &owner.0).await?;
    let span = match period(&report.q, crate::practice_zone::today(now_utc())) {
        Ok(span) => span,
        Err(e) => return Ok(report.page(layout, &[], Some(e))),
    };
    let rows = state.store.custody().for_practice(span.0, span.1).await?;
    let actor = owner.0.actor();
    if report.q.format == "csv" {
        return report.csv(&state, &actor, None, span, &rows).await;
    }
    let entry = actor
        .entry("report.custody_viewed", now_utc())
        .record("custody", rows.len())
        .because(format!("{} to {}", span.0, span.1));
    state.store.audit().record(&entry).await?;
    Ok(report.page(layout, &rows, None))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn q(from: &str, to: &str) -> PeriodQuery {
        PeriodQuery {
            from: from.into(),
            to: to.into(),
            format: String::new(),
        }
    }

    #[test]
    fn the_period_is_this_month_unless_asked() {
        let today = date!(2026 - 02 - 14);
        assert_eq!(
            period(&q("", ""), today),
            Ok((date!(2026 - 02 - 01), date!(2026 - 02 - 28)))
        );
        assert_eq!(
            period(&q("2026-01-05", ""), today),
            Ok((date!(2026 - 01 - 05), date!(2026 - 02 - 28)))
        );
        assert!(period(&q("2026-03-01", "2026-02-01"), today).is_err());
        assert!(period(&q("9999-01-01", ""), today).is_err());
        assert!(period(&q("yesterday", ""), today).is_err());
        assert_eq!(
            this_month(date!(2024 - 02 - 29)),
            (date!(2024 - 02 - 01), date!(2024 - 02 - 29))
        );
    }
}
