//! The prescriber page: the referral packet and the prescriber's records.

use super::{Ctx, FlagView, HeaderView, Tab, ctx};
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
use kapflow_domain::prescribing::plan::{self, PlanInput};
use kapflow_domain::prescribing::{
    Decision, DoseChangeAnswerInput, DoseChangeRequestInput, DoseForm, EvaluationInput,
    PrescriptionInput, ShipmentInput,
};
use kapflow_domain::time_util::now_utc;

/// "N of M dosing sessions held", as the prescriber and course pages show progress.
pub fn held_line(held: i64, planned: i64) -> String {
    let noun = if planned == 1 { "session" } else { "sessions" };
    format!("{held} of {planned} dosing {noun} held")
}

pub struct RxView {
    pub summary: String,
    /// The plan in words: sessions, days apart, dose, split, booster.
    pub plan: String,
    pub directions: String,
    pub pharmacy: String,
    pub prescribed: String,
    pub active: bool,
}

pub struct ShipmentView {
    pub id: kapflow_domain::ShipmentId,
    pub summary: String,
    pub received: Option<String>,
}

pub struct DoseRequestView {
    pub id: kapflow_domain::DoseRequestId,
    pub request: String,
    pub asked: String,
    pub answer: Option<String>,
}

/// Which form was sent back with errors, and what was typed in it.
#[derive(Default)]
pub struct Typed {
    pub open: &'static str,
    pub request_id: Option<kapflow_domain::DoseRequestId>,
    pub evaluation: EvaluationInput,
    pub rx: PrescriptionInput,
    pub shipment: ShipmentInput,
    pub dose_request: DoseChangeRequestInput,
    pub dose_answer: DoseChangeAnswerInput,
    pub e: FieldErrors,
    pub refusal: Vec<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "prescriber.html")]
pub struct PrescriberPage {
    pub layout: Layout,
    pub h: HeaderView,
    pub csrf: String,
    pub notice: Option<&'static str>,
    pub referral: Option<String>,
    pub intake: Vec<(&'static str, String)>,
    pub yes_answers: Vec<&'static str>,
    pub flags: Vec<FlagView>,
    /// The intake cannot be read, so there is no screening to show.
    pub screening_unreadable: bool,
    pub consents: Vec<(String, String)>,
    pub evaluations: Vec<(String, String, String, String)>,
    pub prescriptions: Vec<RxView>,
    pub shipments: Vec<ShipmentView>,
    pub dose_requests: Vec<DoseRequestView>,
    pub prescriber: bool,
    pub can_request_dose: bool,
    pub has_active_rx: bool,
    /// "2 of 6 dosing sessions held", against the active prescription's plan.
    pub held: Option<String>,
    pub decisions: Vec<(&'static str, &'static str)>,
    pub forms: Vec<(&'static str, &'static str)>,
    pub today: String,
    pub t: Typed,
}

pub async fn page(
    state: &AppState,
    user: &StaffUser,
    access: ClientAccess,
    notice: Option<&'static str>,
    mut t: Typed,
) -> Result<PrescriberPage, AppError> {
    // A prescription form not sent back with errors starts from the usual plan.
    if t.open != "prescription" {
        t.rx.plan = PlanInput::usual();
    }
    let Ctx {
        header,
        course,
        client,
        ..
    } = ctx(state, &access, Tab::Prescriber).await?;
    let course = course.ok_or(AppError::NotFound)?;
    let clinical = access.clinical_or_404()?;
    let intake = state
        .store
        .assessment()
        .intake(&clinical, course.id)
        .await?;
    let flags = super::flags_of(state, &clinical, &client, Some(&course)).await?;
    let screening_unreadable = flags.is_none();
    let (summary, yes_answers) = match &intake {
        Some(i) if i.form.is_err() => (
            vec![(
                "Status",
                "The intake could not be read; ask the therapist".to_owned(),
            )],
            vec![],
        ),
        Some(i) => {
            let f = i.form.clone().unwrap_or_default();
            let status = match &i.completed {
                Some((at, _)) => format!("Completed {}", when(*at)),
                None => "Draft (not completed)".into(),
            };
            (
                vec![
                    ("Status", status),
                    ("Medical history", f.medical_history.clone()),
                    ("Psychiatric history", f.psychiatric_history.clone()),
                    ("Current medications", f.current_medications.clone()),
                    ("Allergies", f.allergies.clone()),
                    ("Substance use", f.substance_use.clone()),
                    ("Prior ketamine", f.prior_ketamine.clone()),
                    ("Blood pressure history", f.bp_history.clone()),
                    (
                        "Blood pressure at assessment",
                        format!("{}/{} mmHg", f.bp_systolic, f.bp_diastolic),
                    ),
                    ("Goals", f.goals.clone()),
                ],
                kapflow_domain::intake::QUESTIONS
                    .iter()
                    .filter(|(k, _)| f.answer(k))
                    .map(|(_, label)| *label)
                    .collect(),
            )
        }
        None => (vec![("Status", "No intake recorded".to_owned())], vec![]),
    };
    let consents = state
        .store
        .consents()
        .signatures(&clinical)
        .await?
        .into_iter()
        .map(|s| {
            let label = s.kind.label();
            let status = if let Some(t) = s.revoked_at {
                format!("revoked {}", when(t))
            } else if s.is_current() {
                format!("signed {} (v{})", s.signed_on, s.version)
            } else {
                format!("signed v{}; a newer version awaits signature", s.version)
            };
            (label.to_owned(), status)
        })
        .collect();
    let evaluations = state
        .store
        .prescribing()
        .evaluations(&clinical, course.id)
        .await?
        .into_iter()
        .map(|e| {
            (
                e.decision.label().to_owned(),
                e.reasons,
                e.valid_until.map(|d| d.to_string()).unwrap_or_default(),
                format!("{} by {}", when(e.recorded_at), e.prescriber),
            )
        })
        .collect();
    let rxs = state
        .store
        .prescribing()
        .prescriptions(&clinical, course.id)
        .await?;
    let has_active_rx = rxs.iter().any(|r| r.superseded_at.is_none());
    let prescriptions = rxs
        .into_iter()
        .map(|r| RxView {
            summary: format!(
                "{} {} mg, {} × {}",
                r.drug,
                r.strength_mg,
                r.quantity,
                r.form.label()
            ),
            plan: r
                .plan()
                .map(|p| plan::summary(&p))
                .unwrap_or_else(|| "The plan could not be read.".to_owned()),
            directions: r.directions,
            pharmacy: r.pharmacy,
            prescribed: format!("{} by {}", when(r.prescribed_at), r.prescriber),
            active: r.superseded_at.is_none(),
        })
        .collect();
    let shipments = state
        .store
        .prescribing()
        .shipments(&clinical, course.id)
        .await?
        .into_iter()
        .map(|s| ShipmentView {
            id: s.id,
            summary: format!(
                "{} {}, shipped {}",
                s.carrier, s.tracking_number, s.shipped_on
            ),
            received: s.received_at.map(when),
        })
        .collect();
    let dose_requests = state
        .store
        .prescribing()
        .dose_requests(&clinical, course.id)
        .await?
        .into_iter()
        .map(|d| DoseRequestView {
            id: d.id,
            request: d.request,
            asked: format!("{} by {}", when(d.requested_at), d.requested_by),
            answer: d.answer.map(|a| {
                format!(
                    "{}: {} ({})",
                    a.label(),
                    d.answer_note.unwrap_or_default(),
                    d.answered_at.map(when).unwrap_or_default()
                )
            }),
        })
        .collect();
    let held = state
        .store
        .prescribing()
        .plan(&clinical, course.id)
        .await?
        .map(|p| held_line(p.sessions_held, p.sessions_planned));
    let referral = super::referral_line(state, &clinical, course.id).await?;
    Ok(PrescriberPage {
        layout: Layout::for_user(state, &user.0).await?,
        h: header,
        csrf: user.0.csrf().to_owned(),
        notice,
        referral,
        intake: summary,
        yes_answers,
        flags: flags.iter().flatten().map(FlagView::from).collect(),
        screening_unreadable,
        consents,
        evaluations,
        prescriptions,
        shipments,
        dose_requests,
        prescriber: access.may(Action::Prescribe),
        can_request_dose: access.may(Action::EditClinicalRecord),
        has_active_rx,
        held,
        decisions: Decision::ALL
            .iter()
            .map(|d| (d.as_str(), d.label()))
            .collect(),
        forms: DoseForm::ALL
            .iter()
            .map(|d| (d.as_str(), d.label()))
            .collect(),
        today: today(now_utc()).to_string(),
        t,
    })
}
