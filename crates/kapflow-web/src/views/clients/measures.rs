//! A client's measures: alerts, scores with their charts, the schedule.

use super::score_rows;
use super::{Ctx, HeaderView, Tab, ctx};
use crate::AppState;
use crate::auth::{ClientAccess, StaffUser};
use crate::error::AppError;
use crate::practice_zone::today;
use crate::time_fmt::when;
use crate::views::alerts::{AckForm, AckRefusal, AlertItem};
use crate::views::layout::Layout;
use askama::Template;
use askama_web::WebTemplate;
use kapflow_domain::access::Action;
use kapflow_domain::form::FieldErrors;
use kapflow_domain::measures::{Instrument, Kind, Scored, pcl5};
use kapflow_domain::time_util::now_utc;

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
    /// The trend chart; none for the C-SSRS, whose result is a level, not a score.
    pub chart: Option<String>,
    /// The table's columns after "Answered".
    pub columns: Vec<&'static str>,
    pub rows: Vec<ScoreRow>,
}

/// One answered questionnaire in the history table, with the way to its answers.
pub struct ScoreRow {
    pub at: String,
    pub cells: Vec<String>,
    pub href: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "measures.html")]
pub struct MeasuresPage {
    pub layout: Layout,
    pub h: HeaderView,
    pub csrf: String,
    pub notice: Option<&'static str>,
    /// The open alerts and the form that closes them (none open: `None`).
    pub ack: Option<AckForm>,
    /// Acknowledged alerts, each with who closed it, when, and their note.
    pub closed: Vec<(AlertItem, String)>,
    /// The caller may close alerts (the care team, the owner).
    pub can_ack: bool,
    pub ack_refused: bool,
    pub requests: Vec<RequestView>,
    pub series: Vec<SeriesView>,
    pub instruments: Vec<(String, String)>,
    pub can_edit: bool,
    pub has_email: bool,
    /// When the client agreed to receive questionnaire links by email, if they have.
    pub email_consent: Option<String>,
    /// Whether due questionnaires go out by themselves (a practice setting).
    pub auto_send: bool,
    pub today: String,
    /// Which form the errors belong to (the schedule's forms).
    pub error_form: String,
    pub e: FieldErrors,
    pub text_link: Option<String>,
}

/// A refused submission of one of the page's forms.
pub struct Refusal {
    /// The id of the control at fault, or `add` for the add form.
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
    ack: Option<AckRefusal>,
    text_link: Option<String>,
) -> Result<MeasuresPage, AppError> {
    let Ctx {
        header,
        client,
        email_consent_at,
        ..
    } = ctx(state, &access, Tab::Measures).await?;
    let all = state.store.measures().instruments().await?;
    let mut open = Vec::new();
    let mut closed = Vec::new();
    for a in state
        .store
        .alerts()
        .of_client(&access.clinical_or_404()?)
        .await?
    {
        let item = AlertItem::new(&a, &title_of(&all, &a.instrument));
        match a.acknowledged_at {
            None => open.push(item),
            Some(t) => closed.push((
                item,
                format!(
                    "Acknowledged {} by {}: {}",
                    when(t),
                    a.acknowledged_by.unwrap_or_default(),
                    a.ack_note.unwrap_or_default()
                ),
            )),
        }
    }
    let ack_refused = ack.is_some();
    let ack = (!open.is_empty()).then(|| {
        let mut f = AckForm::new(access.client(), "measures", open);
        if let Some(r) = &ack {
            f.refuse(r);
        }
        f
    });
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
        let details: Vec<Option<Scored>> = mine
            .iter()
            .map(|r| {
                score_rows::needs_detail(i.kind)
                    .then(|| r.detail())
                    .flatten()
            })
            .collect();
        // The PCL-5's bands follow the practice's cutoff, recorded with each response: the
        // chart draws the one the latest score was read against, as its row says.
        let recut;
        let latest = details.last().and_then(Option::as_ref);
        let drawn = match latest.and_then(|s| s.pcl5.as_ref()) {
            Some(f) if i.kind == Kind::Pcl5 => {
                recut = Instrument {
                    bands: pcl5::bands_for_cutoff(f.cutoff),
                    ..i.clone()
                };
                &recut
            }
            _ => i,
        };
        series.push(SeriesView {
            title: i.title.clone(),
            chart: (i.kind != Kind::Cssrs).then(|| crate::chart::trend(drawn, &points, &dosing)),
            columns: score_rows::columns(i.kind),
            rows: mine
                .iter()
                .zip(&details)
                .map(|(r, detail)| ScoreRow {
                    at: when(r.submitted_at),
                    cells: score_rows::cells(i.kind, r, detail.as_ref()),
                    href: crate::paths::response(access.client(), r.id),
                })
                .collect(),
        });
    }
    Ok(MeasuresPage {
        layout: Layout::for_user(state, &user.0).await?,
        h: header,
        csrf: user.0.csrf().to_owned(),
        notice,
        ack,
        closed,
        can_ack: access.may(Action::AcknowledgeRiskAlert),
        ack_refused,
        requests,
        series,
        instruments: all
            .iter()
            .map(|i| (i.code.clone(), i.title.clone()))
            .collect(),
        can_edit: access.may(Action::EditClinicalRecord),
        has_email: client.email.is_some(),
        email_consent: email_consent_at.map(when),
        auto_send: crate::routes::clinical_settings::auto_send(state).await?,
        today: today.to_string(),
        error_form: error.as_ref().map(|r| r.form.clone()).unwrap_or_default(),
        e: error
            .map(|r| FieldErrors::of(r.field, Some(r.message)))
            .unwrap_or_default(),
        text_link,
    })
}
