//! The practice outcome report (owner: the whole practice; a therapist: their caseload) — per
//! instrument, n with a baseline and a post-course score, mean baseline, mean change with its
//! 95% confidence interval, % response and % remission, split by primary concern — and the
//! owner's de-identified CSV for research (random per-export subject ids, dates shifted per
//! subject, ages banded, no names, contact details or free text; the export is audited).

use crate::AppState;
use crate::auth::{OwnerUser, StaffUser};
use crate::csv_out::{Cell, Csv};
use crate::error::AppError;
use crate::views::layout::Layout;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use kapflow_domain::Role;
use kapflow_domain::client::age_on;
use kapflow_domain::measures::deidentify::{age_band, pseudonyms, shift_date};
use kapflow_domain::measures::report::{CourseOutcome, Summary, display1, practice_report};
use kapflow_domain::time_util::now_utc;
use kapflow_store::outcomes::OutcomePair;
use sha2::{Digest, Sha256};

pub struct SummaryView {
    pub group: String,
    pub n: usize,
    pub mean_baseline: String,
    pub mean_change: String,
    pub ci: String,
    pub response: String,
    pub remission: String,
}

pub struct InstrumentView {
    pub title: String,
    pub rows: Vec<SummaryView>,
}

#[derive(Template, WebTemplate)]
#[template(path = "outcomes.html")]
pub struct OutcomesPage {
    pub layout: Layout,
    pub scope: &'static str,
    pub instruments: Vec<InstrumentView>,
    pub can_export: bool,
}

fn pct(p: Option<f64>, count: usize, of: usize) -> String {
    match p {
        Some(p) => format!("{}% ({count}/{of})", display1(p)),
        None => "—".into(),
    }
}

fn view(group: String, s: &Summary) -> SummaryView {
    SummaryView {
        group,
        n: s.n,
        mean_baseline: display1(s.mean_baseline),
        mean_change: display1(s.mean_change),
        ci: s
            .change_ci95
            .map(|i| format!("{} to {}", display1(i.low), display1(i.high)))
            .unwrap_or_else(|| "— (n < 2)".into()),
        response: pct(s.response_pct, s.responders, s.response_denominator),
        remission: pct(s.remission_pct, s.remitted, s.n),
    }
}

fn outcomes(pairs: &[OutcomePair]) -> Vec<CourseOutcome> {
    pairs
        .iter()
        .filter_map(|p| {
            let i = kapflow_domain::measures::builtin(&p.instrument)?;
            Some(CourseOutcome {
                subject: p.client_id.to_string(),
                concerns: p.concerns.0.clone(),
                instrument: p.instrument.clone(),
                kind: i.kind,
                baseline: u32::try_from(p.baseline).ok()?,
                post: u32::try_from(p.post).ok()?,
            })
        })
        .collect()
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn outcomes_page(
    State(state): State<AppState>,
    user: StaffUser,
) -> Result<OutcomesPage, AppError> {
    let owner = user.0.role() == Role::Owner;
    let pairs = state
        .store
        .outcomes()
        .pairs((!owner).then(|| user.0.id()))
        .await?;
    let entry = user
        .0
        .actor()
        .entry("report.outcomes_viewed", now_utc())
        .record("courses", pairs.len());
    state.store.audit().record(&entry).await?;
    let instruments = practice_report(&outcomes(&pairs))
        .into_iter()
        .map(|r| {
            let mut rows = vec![view("All courses".into(), &r.overall)];
            for (concern, s) in &r.by_concern {
                if let Some(s) = s {
                    rows.push(view(concern.label().to_owned(), s));
                }
            }
            InstrumentView {
                title: kapflow_domain::measures::builtin(&r.instrument)
                    .map(|i| i.title)
                    .unwrap_or(r.instrument),
                rows,
            }
        })
        .collect();
    Ok(OutcomesPage {
        layout: Layout::for_user(&state, &user.0).await?,
        scope: if owner {
            "the whole practice"
        } else {
            "your caseload"
        },
        instruments,
        can_export: owner,
    })
}

/// The de-identified export. The per-export secret comes from fresh randomness and is never
/// stored, so subject ids and date shifts cannot be linked across exports.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn research_csv(
    State(state): State<AppState>,
    owner: OwnerUser,
) -> Result<Response, AppError> {
    let pairs = state.store.outcomes().pairs(None).await?;
    let secret: [u8; 32] = Sha256::digest(crate::setup_link::new_token().as_bytes()).into();
    let subjects: Vec<String> = pairs.iter().map(|p| p.client_id.to_string()).collect();
    let names = pseudonyms(&secret, subjects.iter().map(String::as_str));
    let mut out = Csv::new(&[
        "subject",
        "age_band",
        "concerns",
        "instrument",
        "baseline_date",
        "baseline_total",
        "post_date",
        "post_total",
        "change",
    ]);
    for p in &pairs {
        let Some(s) = names.get(p.client_id.to_string().as_str()) else {
            continue;
        };
        let age = age_on(p.date_of_birth, p.baseline_at.date());
        let concerns = p
            .concerns
            .0
            .iter()
            .map(|c| c.as_str())
            .collect::<Vec<_>>()
            .join(";");
        let baseline_date = shift_date(p.baseline_at.date(), s.offset_days).to_string();
        let post_date = shift_date(p.post_at.date(), s.offset_days).to_string();
        out.row(&[
            Cell::Text(&s.id),
            Cell::Text(age_band(age)),
            Cell::Text(&concerns),
            Cell::Text(&p.instrument),
            Cell::Text(&baseline_date),
            Cell::Number(p.baseline),
            Cell::Text(&post_date),
            Cell::Number(p.post),
            Cell::Number(p.post - p.baseline),
        ]);
    }
    let entry = owner
        .0
        .actor()
        .entry("report.research_exported", now_utc())
        .record("rows", pairs.len());
    state.store.audit().record(&entry).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"kapflow-outcomes-deidentified.csv\"",
            ),
        ],
        out.finish(),
    )
        .into_response())
}
