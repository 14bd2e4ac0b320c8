//! The partner prescriber's view of a referred client — the referral packet (intake summary,
//! screening flags, consents on file) — and their acts: the evaluation, the prescription, the
//! shipment and its receipt, and answers to dose-change requests. The care team sees the same
//! page read-only and can only *request* a dose change: no dose field is ever shown to them, and
//! the server refuses their posts to the prescriber's routes.

use super::{OnClient, Showing};
use crate::AppState;
use crate::auth::{ClientAccess, StaffUser};
use crate::error::AppError;
use crate::practice_zone::today;
use crate::views::clients::prescriber::{PrescriberPage, Typed, page};
use axum::Form;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use kapflow_domain::prescribing::{
    DoseChangeAnswerInput, DoseChangeRequestInput, EvaluationInput, PrescriptionInput,
    ShipmentInput,
};
use kapflow_domain::time_util::now_utc;
use kapflow_domain::{DoseRequestId, ShipmentId};
use kapflow_store::prescribing::Refused;

/// What the page confirms after each `?done=`.
const NOTICES: &[(&str, &str)] = &[
    ("evaluation", "Evaluation recorded."),
    ("prescription", "Prescription recorded."),
    ("shipment", "Shipment recorded."),
    ("received", "Receipt recorded."),
    ("requested", "Dose-change request sent to the prescriber."),
    ("answered", "Answer recorded."),
];

#[tracing::instrument(level = "debug", skip_all)]
pub async fn show(
    Showing(OnClient(state, user, access), q): Showing,
) -> Result<PrescriberPage, AppError> {
    page(&state, &user, access, q.notice(NOTICES), Typed::default()).await
}

fn done(access: &ClientAccess, what: &str) -> Response {
    Redirect::to(&crate::paths::done(
        crate::paths::prescriber(access.client()),
        what,
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

#[tracing::instrument(level = "debug", skip_all)]
pub async fn evaluate(
    OnClient(state, user, access): OnClient,
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

#[tracing::instrument(level = "debug", skip_all)]
pub async fn prescribe(
    OnClient(state, user, access): OnClient,
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

#[tracing::instrument(level = "debug", skip_all)]
pub async fn ship(
    OnClient(state, user, access): OnClient,
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

#[tracing::instrument(level = "debug", skip_all)]
pub async fn received(
    OnClient(state, user, access): OnClient,
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

#[tracing::instrument(level = "debug", skip_all)]
pub async fn request_dose(
    OnClient(state, user, access): OnClient,
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

#[tracing::instrument(level = "debug", skip_all)]
pub async fn answer_dose(
    OnClient(state, user, access): OnClient,
    Path((_, request)): Path<(String, String)>,
    Form(v): Form<DoseChangeAnswerInput>,
) -> Result<Response, AppError> {
    let request = DoseRequestId::parse(&request).ok_or(AppError::NotFound)?;
    let a = match v.validate() {
        Ok(a) => a,
        Err(e) => {
            let t = Typed {
                open: "dose_answer",
                request_id: Some(request),
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
            t.request_id = Some(request);
            t.dose_answer = v;
            again(&state, &user, access, t).await
        }
    }
}
