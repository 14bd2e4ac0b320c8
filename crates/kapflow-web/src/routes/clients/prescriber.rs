//! The partner prescriber's view of a referred client — the referral packet (intake summary,
//! screening flags, consents on file) — and their acts: the evaluation, the prescription, the
//! shipment and its receipt, and answers to dose-change requests. The care team sees the same
//! page read-only and can only *request* a dose change: no dose field is ever shown to them, and
//! the server refuses their posts to the prescriber's routes.

use super::{Ctx, DoneQuery, FlagView, HeaderView, ctx};
use crate::AppState;
use crate::auth::{ClientAccess, StaffUser};
use crate::error::AppError;
use crate::layout::Layout;
use crate::time_fmt::when;
use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use kapflow_domain::access::Action;
use kapflow_domain::form::FieldErrors;
use kapflow_domain::pathway::today;
use kapflow_domain::prescribing::{
    Decision, DoseChangeAnswerInput, DoseChangeRequestInput, DoseForm, EvaluationInput,
    PrescriptionInput, ShipmentInput,
};
use kapflow_domain::time_util::now_utc;
use kapflow_domain::{DoseRequestId, ShipmentId};
use kapflow_store::prescribing::Refused;

pub struct RxView {
    pub summary: String,
    pub directions: String,
    pub pharmacy: String,
    pub prescribed: String,
    pub active: bool,
}

pub struct ShipmentView {
    pub id: String,
    pub summary: String,
    pub received: Option<String>,
}

pub struct DoseRequestView {
    pub id: String,
    pub request: String,
    pub asked: String,
    pub answer: Option<String>,
}

/// Which form was sent back with errors, and what was typed in it.
#[derive(Default)]
pub struct Typed {
    pub open: &'static str,
    pub request_id: String,
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
    pub consents: Vec<(String, String)>,
    pub evaluations: Vec<(String, String, String, String)>,
    pub prescriptions: Vec<RxView>,
    pub shipments: Vec<ShipmentView>,
    pub dose_requests: Vec<DoseRequestView>,
    pub prescriber: bool,
    pub can_request_dose: bool,
    pub has_active_rx: bool,
    pub decisions: Vec<(&'static str, &'static str)>,
    pub forms: Vec<(&'static str, &'static str)>,
    pub today: String,
    pub t: Typed,
}

async fn page(
    state: &AppState,
    user: &StaffUser,
    access: ClientAccess,
    notice: Option<&'static str>,
    t: Typed,
) -> Result<PrescriberPage, AppError> {
    let Ctx {
        header,
        course,
        client,
        ..
    } = ctx(state, &access, "/prescriber").await?;
    let course = course.ok_or(AppError::NotFound)?;
    let clinical = access.clinical_or_404()?;
    let intake = state
        .store
        .assessment()
        .intake(&clinical, course.id)
        .await?;
    let flags = super::flags_of(state, &clinical, &client, Some(&course)).await?;
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
            id: s.id.to_string(),
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
            id: d.id.to_string(),
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
    let referral = state
        .store
        .prescribing()
        .referral(&clinical, course.id)
        .await?
        .map(|r| {
            format!(
                "{} on {} by {}",
                r.org_name,
                when(r.referred_at),
                r.referred_by
            )
        });
    Ok(PrescriberPage {
        layout: Layout::for_user(state, &user.0).await?,
        h: header,
        csrf: user.0.csrf().to_owned(),
        notice,
        referral,
        intake: summary,
        yes_answers,
        flags: flags.iter().map(FlagView::from).collect(),
        consents,
        evaluations,
        prescriptions,
        shipments,
        dose_requests,
        prescriber: access.may(Action::Prescribe),
        can_request_dose: access.may(Action::EditClinicalRecord),
        has_active_rx,
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

pub async fn show(
    State(state): State<AppState>,
    user: StaffUser,
    access: ClientAccess,
    Query(q): Query<DoneQuery>,
) -> Result<PrescriberPage, AppError> {
    let notice = match q.done.as_str() {
        "evaluation" => Some("Evaluation recorded."),
        "prescription" => Some("Prescription recorded."),
        "shipment" => Some("Shipment recorded."),
        "received" => Some("Receipt recorded."),
        "requested" => Some("Dose-change request sent to the prescriber."),
        "answered" => Some("Answer recorded."),
        _ => None,
    };
    page(&state, &user, access, notice, Typed::default()).await
}

fn done(access: &ClientAccess, what: &str) -> Response {
    Redirect::to(&format!(
        "/clients/{}/prescriber?done={what}",
        access.client()
    ))
    .into_response()
}

async fn again(
    state: &AppState,
    user: &StaffUser,
    access: ClientAccess,
    t: Typed,
) -> Result<Response, AppError> {
    let p = page(state, user, access, None, t).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, p).into_response())
}

fn refusal(r: Refused, open: &'static str) -> Result<Typed, AppError> {
    match r {
        Refused::NotFound => Err(AppError::NotFound),
        Refused::Because(reasons) => Ok(Typed {
            open,
            refusal: reasons,
            ..Typed::default()
        }),
    }
}

pub async fn evaluate(
    State(state): State<AppState>,
    user: StaffUser,
    access: ClientAccess,
    Form(v): Form<EvaluationInput>,
) -> Result<Response, AppError> {
    let eval = match v.validate(today(now_utc())) {
        Ok(e) => e,
        Err(e) => {
            let t = Typed {
                open: "evaluation",
                evaluation: v,
                e,
                ..Typed::default()
            };
            return again(&state, &user, access, t).await;
        }
    };
    match state
        .store
        .prescribing()
        .record_evaluation(&access, &eval, &user.0.actor(), now_utc())
        .await?
    {
        Ok(()) => Ok(done(&access, "evaluation")),
        Err(r) => {
            let mut t = refusal(r, "evaluation")?;
            t.evaluation = v;
            again(&state, &user, access, t).await
        }
    }
}

pub async fn prescribe(
    State(state): State<AppState>,
    user: StaffUser,
    access: ClientAccess,
    Form(v): Form<PrescriptionInput>,
) -> Result<Response, AppError> {
    let rx = match v.validate() {
        Ok(rx) => rx,
        Err(e) => {
            let t = Typed {
                open: "prescription",
                rx: v,
                e,
                ..Typed::default()
            };
            return again(&state, &user, access, t).await;
        }
    };
    match state
        .store
        .prescribing()
        .prescribe(&access, &rx, &user.0.actor(), now_utc())
        .await?
    {
        Ok(_) => Ok(done(&access, "prescription")),
        Err(r) => {
            let mut t = refusal(r, "prescription")?;
            t.rx = v;
            again(&state, &user, access, t).await
        }
    }
}

pub async fn ship(
    State(state): State<AppState>,
    user: StaffUser,
    access: ClientAccess,
    Form(v): Form<ShipmentInput>,
) -> Result<Response, AppError> {
    let s = match v.validate(today(now_utc())) {
        Ok(s) => s,
        Err(e) => {
            let t = Typed {
                open: "shipment",
                shipment: v,
                e,
                ..Typed::default()
            };
            return again(&state, &user, access, t).await;
        }
    };
    match state
        .store
        .prescribing()
        .record_shipment(&access, &s, &user.0.actor(), now_utc())
        .await?
    {
        Ok(_) => Ok(done(&access, "shipment")),
        Err(r) => {
            let mut t = refusal(r, "shipment")?;
            t.shipment = v;
            again(&state, &user, access, t).await
        }
    }
}

pub async fn received(
    State(state): State<AppState>,
    user: StaffUser,
    access: ClientAccess,
    Path((_, shipment)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let shipment = ShipmentId::parse(&shipment).ok_or(AppError::NotFound)?;
    match state
        .store
        .prescribing()
        .record_receipt(&access, shipment, &user.0.actor(), now_utc())
        .await?
    {
        Ok(()) => Ok(done(&access, "received")),
        Err(r) => {
            let t = refusal(r, "shipment")?;
            again(&state, &user, access, t).await
        }
    }
}

pub async fn request_dose(
    State(state): State<AppState>,
    user: StaffUser,
    access: ClientAccess,
    Form(v): Form<DoseChangeRequestInput>,
) -> Result<Response, AppError> {
    let text = match v.validate() {
        Ok(t) => t,
        Err(e) => {
            let t = Typed {
                open: "dose_request",
                dose_request: v,
                e,
                ..Typed::default()
            };
            return again(&state, &user, access, t).await;
        }
    };
    match state
        .store
        .prescribing()
        .request_dose_change(&access, &text, &user.0.actor(), now_utc())
        .await?
    {
        Ok(_) => Ok(done(&access, "requested")),
        Err(r) => {
            let mut t = refusal(r, "dose_request")?;
            t.dose_request = v;
            again(&state, &user, access, t).await
        }
    }
}

pub async fn answer_dose(
    State(state): State<AppState>,
    user: StaffUser,
    access: ClientAccess,
    Path((_, request)): Path<(String, String)>,
    Form(v): Form<DoseChangeAnswerInput>,
) -> Result<Response, AppError> {
    let request = DoseRequestId::parse(&request).ok_or(AppError::NotFound)?;
    let a = match v.validate() {
        Ok(a) => a,
        Err(e) => {
            let t = Typed {
                open: "dose_answer",
                request_id: request.to_string(),
                dose_answer: v,
                e,
                ..Typed::default()
            };
            return again(&state, &user, access, t).await;
        }
    };
    match state
        .store
        .prescribing()
        .answer_dose_change(&access, request, &a, &user.0.actor(), now_utc())
        .await?
    {
        Ok(()) => Ok(done(&access, "answered")),
        Err(r) => {
            let mut t = refusal(r, "dose_answer")?;
            t.request_id = request.to_string();
            t.dose_answer = v;
            again(&state, &user, access, t).await
        }
    }
}
