//! The course page: stage, what the next stage still needs, the dosing sessions against the
//! prescription's plan, the integration sessions (and the form to record one), completing or
//! discontinuing the course, and its history.

use super::prescriber::held_line;
use super::{Ctx, HeaderView, Tab, ctx};
use crate::AppState;
use crate::auth::{ClientAccess, StaffUser};
use crate::error::AppError;
use crate::practice_zone::today;
use crate::time_fmt::when;
use crate::views::layout::Layout;
use askama::Template;
use askama_web::WebTemplate;
use kapflow_domain::access::Action;
use kapflow_domain::form::FieldErrors;
use kapflow_domain::integration::{IntegrationInput, may_record};
use kapflow_domain::pathway::{Stage, unmet_for};
use kapflow_domain::prescribing::plan;
use kapflow_domain::text::in_words;
use kapflow_domain::time_util::now_utc;
use kapflow_domain::{DosingSessionId, Role};

pub struct HistoryView {
    pub at: String,
    pub who: String,
    pub from: &'static str,
    pub to: &'static str,
    pub why: String,
}

pub struct DosingView {
    pub id: DosingSessionId,
    pub number: i64,
    pub date: String,
    pub status: &'static str,
}

pub struct IntegrationView {
    pub held_on: String,
    pub therapist: String,
    pub summary: String,
    pub recorded: String,
}

/// What was typed into the page's forms when one comes back refused, and why.
#[derive(Default)]
pub struct Typed {
    /// Unmet conditions of a refused step, in words.
    pub refusal: Vec<String>,
    /// The discontinuation reason.
    pub reason: String,
    pub integration: IntegrationInput,
    /// The completion's reason and confirmation box.
    pub complete_reason: String,
    pub complete_confirm: bool,
    /// Which form's fold is open: "integration", "complete" or "" (the discontinue fold opens
    /// when its reason has an error).
    pub open: &'static str,
    pub e: FieldErrors,
}

#[derive(Template, WebTemplate)]
#[template(path = "course.html")]
pub struct CoursePage {
    pub layout: Layout,
    pub h: HeaderView,
    pub csrf: String,
    pub notice: Option<&'static str>,
    pub number: i64,
    pub stage: &'static str,
    pub ended: bool,
    /// The next stage and, for each of its preconditions, whether it is met.
    pub next: Option<(&'static str, &'static str)>,
    pub still_needed: Vec<&'static str>,
    pub refer_next: bool,
    pub orgs: Vec<(String, String)>,
    pub referral: Option<String>,
    pub history: Vec<HistoryView>,
    pub can_edit: bool,
    /// The active prescription's plan in words, and "N of M dosing sessions held".
    pub plan: Option<String>,
    pub held: Option<String>,
    pub dosing: Vec<DosingView>,
    pub integration: Vec<IntegrationView>,
    /// Integration sessions can be recorded now (dosing has begun, the course goes on).
    pub can_record_integration: bool,
    /// The care team's clinicians, one of whom held the session: (id, name).
    pub team: Vec<(String, String)>,
    pub therapist_chosen: String,
    pub today: String,
    pub can_complete: bool,
    pub t: Typed,
    /// The client's appointments from the course's opening: coming (soonest first) and past
    /// (latest first).
    pub coming: Vec<crate::views::calendar::AppointmentView>,
    pub past: Vec<crate::views::calendar::AppointmentView>,
}

/// A dosing session's status as the care team says it.
fn status_label(status: &str) -> &'static str {
    match status {
        "preparing" => "Being prepared",
        "open" => "In progress",
        "closed" => "Closed",
        "cancelled" => "Cancelled",
        _ => "Unknown",
    }
}

pub async fn page(
    state: &AppState,
    user: &StaffUser,
    access: ClientAccess,
    notice: Option<&'static str>,
    t: Typed,
) -> Result<CoursePage, AppError> {
    let Ctx { header, .. } = ctx(state, &access, Tab::Course).await?;
    let clinical = access.clinical().ok_or(AppError::NotFound)?;
    let Some((course, facts)) = state.store.courses().facts(&clinical, now_utc()).await? else {
        return Err(AppError::NotFound);
    };
    let stage = course.stage;
    let next = kapflow_domain::pathway::next(stage);
    let still_needed = next
        .map(|n| unmet_for(n, &facts))
        .unwrap_or_default()
        .into_iter()
        // Referring is the act that moves preparation on; it is not "missing".
        .filter(|u| *u != kapflow_domain::pathway::Unmet::NotReferred)
        .map(|u| u.message())
        .collect();
    let history = state
        .store
        .courses()
        .history(&clinical, course.id)
        .await?
        .into_iter()
        .map(|t| HistoryView {
            at: when(t.at),
            who: t.actor_name.unwrap_or_else(|| "system".into()),
            from: t.from_stage.map(Stage::label).unwrap_or("—"),
            to: t.to_stage.label(),
            why: t.reason,
        })
        .collect();
    let rx = state.store.prescribing();
    let active_plan = rx.plan(&clinical, course.id).await?;
    let dosing = rx
        .dosing_sessions(&clinical, course.id)
        .await?
        .into_iter()
        .map(|d| DosingView {
            id: d.id,
            number: d.number,
            date: when(d.opened_at.unwrap_or(d.prepared_at)),
            status: status_label(&d.status),
        })
        .collect();
    let integration = state
        .store
        .integration()
        .for_course(&clinical, course.id)
        .await?
        .into_iter()
        .map(|i| IntegrationView {
            held_on: in_words(i.held_on),
            therapist: i.therapist,
            summary: i.summary,
            recorded: format!("{} by {}", when(i.recorded_at), i.recorded_by),
        })
        .collect();
    let team: Vec<(String, String)> = state
        .store
        .clients()
        .care_team(&access)
        .await?
        .into_iter()
        .filter(|m| matches!(m.role, Role::Therapist | Role::Owner))
        .map(|m| (m.user_id.to_string(), m.display_name))
        .collect();
    // The session was most likely held by whoever records it.
    let me = user.0.id().to_string();
    let therapist_chosen = if !t.integration.therapist.is_empty() {
        t.integration.therapist.clone()
    } else if team.iter().any(|(id, _)| *id == me) {
        me
    } else {
        team.first().map(|(id, _)| id.clone()).unwrap_or_default()
    };
    let can_edit = access.may(Action::EditClinicalRecord);
    let referral = super::referral_line(state, &clinical, course.id).await?;
    let (mut coming, mut past) = (Vec::new(), Vec::new());
    let now = now_utc();
    for r in state.store.calendar().for_client(&access).await? {
        if r.starts_at < course.opened_at {
            continue;
        }
        let v = crate::views::calendar::AppointmentView::from_row(&r, access.user(), true);
        if r.ends_at > now && r.status == kapflow_domain::calendar::Status::Booked {
            coming.push(v);
        } else {
            past.push(v);
        }
    }
    past.reverse();
    Ok(CoursePage {
        coming,
        past,
        layout: Layout::for_user(state, &user.0).await?,
        h: header,
        csrf: user.0.csrf().to_owned(),
        notice,
        number: course.number,
        stage: stage.label(),
        ended: kapflow_domain::pathway::ended(stage),
        next: next.map(|n| (n.as_str(), n.label())),
        still_needed,
        refer_next: next == Some(Stage::MedicalEvaluation),
        orgs: crate::views::org_choices(state).await?,
        referral,
        history,
        can_edit,
        plan: active_plan
            .as_ref()
            .and_then(|p| p.plan())
            .map(|p| plan::summary(&p)),
        held: active_plan.map(|p| held_line(p.sessions_held, p.sessions_planned)),
        dosing,
        integration,
        can_record_integration: can_edit && may_record(stage).is_ok(),
        team,
        therapist_chosen,
        today: today(now_utc()).to_string(),
        can_complete: can_edit && stage == Stage::Integration,
        t,
    })
}
