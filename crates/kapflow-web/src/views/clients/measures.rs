//! A client's measures: alerts, scores with their charts, the schedule.

use super::{Ctx, HeaderView, Tab, ctx};
use crate::AppState;
use crate::auth::{ClientAccess, StaffUser};
use crate::error::AppError;
use crate::time_fmt::when;
use crate::views::layout::Layout;
use askama::Template;
use askama_web::WebTemplate;
use kapflow_domain::access::Action;
use kapflow_domain::form::FieldErrors;
use kapflow_domain::measures::Instrument;
use kapflow_domain::pathway::today;
use kapflow_domain::time_util::now_utc;

pub struct AlertView {
    pub id: kapflow_domain::AlertId,
    pub instrument: String,
    pub level: String,
    pub finding: String,
    pub rule: String,
    pub source: String,
    pub raised: String,
    pub escalated: bool,
    pub closed: Option<String>,
}

pub struct RequestView {
    pub id: kapflow_domain::MeasureRequestId,
    pub title: String,
    pub due: String,
    pub reason: &'static str,
    pub status: &'static str,
    pub open: bool,
}

pub struct SeriesView {
    pub title: String,
    pub chart: String,
    pub rows: Vec<(String, i64, String)>,
}

#[derive(Template, WebTemplate)]
#[template(path = "measures.html")]
pub struct MeasuresPage {
    pub layout: Layout,
    pub h: HeaderView,
    pub csrf: String,
    pub notice: Option<&'static str>,
    pub alerts: Vec<AlertView>,
    pub requests: Vec<RequestView>,
    pub series: Vec<SeriesView>,
    pub instruments: Vec<(String, String)>,
    pub can_edit: bool,
    pub has_email: bool,
    pub today: String,
    /// Which form the errors belong to: `ack-<alert id>` for an acknowledgement, `schedule`
    /// for the schedule's forms.
    pub error_form: String,
    pub e: FieldErrors,
    pub text_link: Option<String>,
}

/// A refused submission of one of the page's forms.
pub struct Refusal {
    /// `ack-<alert id>` or `schedule`.
    pub form: String,
    pub field: &'static str,
    pub message: String,
}

pub fn title_of(all: &[Instrument], code: &str) -> String {
    all.iter()
        .find(|i| i.code == code)
        .map(|i| i.title.clone())
        .unwrap_or_else(|| code.to_owned())
}

pub async fn page(
    state: &AppState,
    user: &StaffUser,
    access: ClientAccess,
    notice: Option<&'static str>,
    error: Option<Refusal>,
    text_link: Option<String>,
) -> Result<MeasuresPage, AppError> {
    let Ctx { header, client, .. } = ctx(state, &access, Tab::Measures).await?;
    let all = state.store.measures().instruments().await?;
    let alerts = state
        .store
        .alerts()
        .of_client(&access.clinical_or_404()?)
        .await?
        .into_iter()
        .map(|a| AlertView {
            id: a.id,
            instrument: title_of(&all, &a.instrument),
            level: a.level.label().to_owned(),
            finding: a.finding,
            rule: a.rule,
            source: a.source,
            raised: when(a.created_at),
            escalated: a.escalated_at.is_some(),
            closed: a.acknowledged_at.map(|t| {
                format!(
                    "Acknowledged {} by {}: {}",
                    when(t),
                    a.acknowledged_by.unwrap_or_default(),
                    a.ack_note.unwrap_or_default()
                )
            }),
        })
        .collect();
    let today = today(now_utc());
    let requests = state
        .store
        .measures()
        .requests(&access.clinical_or_404()?)
        .await?
        .into_iter()
        .map(|r| {
            let open = r.completed_at.is_none() && r.cancelled_at.is_none();
            RequestView {
                id: r.id,
                title: title_of(&all, &r.instrument),
                due: r.due_on.to_string(),
                reason: r.reason.label(),
                status: if r.completed_at.is_some() {
                    "Answered"
                } else if r.cancelled_at.is_some() {
                    "Cancelled"
                } else if r.due_on < today {
                    "Overdue"
                } else if r.due_on == today {
                    "Due today"
                } else {
                    "Scheduled"
                },
                open,
            }
        })
        .collect();
    let responses = state
        .store
        .measures()
        .points(&access.clinical_or_404()?)
        .await?;
    // Each dosing session that opened is marked on every trend chart.
    let dosing: Vec<(time::Date, String)> = state
        .store
        .dosing()
        .opened(&access.clinical_or_404()?)
        .await?
        .into_iter()
        .map(|(number, at)| (at.date(), format!("Dosing {number}")))
        .collect();
    let mut series = Vec::new();
    for i in &all {
        let mine: Vec<_> = responses
            .iter()
            .filter(|r| r.instrument == i.code)
            .collect();
        if mine.is_empty() {
            continue;
        }
        let points: Vec<(time::Date, u32)> = mine
            .iter()
            .map(|r| (r.submitted_at.date(), u32::try_from(r.total).unwrap_or(0)))
            .collect();
        series.push(SeriesView {
            title: i.title.clone(),
            chart: crate::chart::trend(i, &points, &dosing),
            rows: mine
                .iter()
                .map(|r| (when(r.submitted_at), r.total, r.band.clone()))
                .collect(),
        });
    }
    Ok(MeasuresPage {
        layout: Layout::for_user(state, &user.0).await?,
        h: header,
        csrf: user.0.csrf().to_owned(),
        notice,
        alerts,
        requests,
        series,
        instruments: all
            .iter()
            .map(|i| (i.code.clone(), i.title.clone()))
            .collect(),
        can_edit: access.may(Action::EditClinicalRecord),
        has_email: client.email.is_some(),
        today: today.to_string(),
        error_form: error.as_ref().map(|r| r.form.clone()).unwrap_or_default(),
        e: error
            .map(|r| FieldErrors::of(r.field, Some(r.message)))
            .unwrap_or_default(),
        text_link,
    })
}
