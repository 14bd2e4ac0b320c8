//! The monitor's entries: vitals, acknowledging an alert with the action taken, observations,
//! who is in the room, and closing the session. Each form carries `entry_key` (the same key sent
//! twice records once: a retried entry after a dropped connection, a double tap) and, from the
//! page's script, `made_at` — when the entry was made, so one sent late keeps its time.

use super::OnClient;
use super::dosing::{back, refused, session_id};
use crate::error::AppError;
use crate::views::clients::dosing::{Refusal, Typed, Which};
use axum::Form;
use axum::extract::Path;
use axum::response::Response;
use kapflow_domain::dosing::discharge::DischargeInput;
use kapflow_domain::dosing::entries::{ObservationInput, VitalsInput};
use kapflow_domain::dosing::presence::Change;
use kapflow_domain::form::FieldErrors;
use kapflow_domain::text::required_text;
use kapflow_domain::{SessionAlertId, UserId};
use kapflow_store::dosing::{Closing, EntryRefused};
use serde::Deserialize;
use time::{Duration, OffsetDateTime};

/// The key every entry form carries, and when the entry was made.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct Entry {
    entry_key: String,
    made_at: String,
}

impl Entry {
    /// The key, or a fresh one for a form sent without (no script, an old page): such an entry
    /// records once per send, as any plain form does.
    fn key(&self) -> String {
        let k = self.entry_key.trim();
        if (8..=64).contains(&k.len()) && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
            k.to_owned()
        } else {
            crate::routes::clients::form_key()
        }
    }

    /// When it was made: the page's own stamp when plausible (within six hours, not in the
    /// future), else now.
    fn made_at(&self, now: OffsetDateTime) -> OffsetDateTime {
        self.made_at
            .trim()
            .parse::<i64>()
            .ok()
            .and_then(|ms| {
                OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000).ok()
            })
            .filter(|t| *t <= now + Duration::minutes(1) && *t >= now - Duration::hours(6))
            .map(kapflow_domain::time_util::truncate_to_micros)
            .unwrap_or(now)
    }
}

fn entry_refused(r: EntryRefused, which: Which) -> Refusal {
    Refusal {
        which,
        reasons: vec![r.message().to_owned()],
        ..Default::default()
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct VitalsForm {
    #[serde(flatten)]
    entry: Entry,
    #[serde(flatten)]
    input: VitalsInput,
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn vitals(
    on: OnClient,
    Path((_, session)): Path<(String, String)>,
    Form(f): Form<VitalsForm>,
) -> Result<Response, AppError> {
    let id = session_id(&session)?;
    let v = match f.input.validate() {
        Ok(v) => v,
        Err(e) => {
            let typed = Typed {
                vitals: f.input,
                ..Default::default()
            };
            let r = Refusal {
                which: Which::Vitals,
                e,
                typed,
                ..Default::default()
            };
            return refused(on, id, r).await;
        }
    };
    let now = crate::clock::now();
    let measured_at = f.entry.made_at(now) - Duration::minutes(i64::from(v.minutes_ago));
    let settings = crate::dosing_settings::load_now(&on.0).await?;
    let clinical = on.2.clinical_or_404()?;
    let actor = on.1.0.actor();
    let outcome =
        on.0.store
            .dosing()
            .vitals(
                &clinical,
                id,
                &f.entry.key(),
                &v,
                measured_at,
                &settings.thresholds,
                &actor,
                now,
            )
            .await?;
    match outcome {
        Ok(_) => Ok(back(&on, id, "vitals", "vitals")),
        Err(EntryRefused::NotFound) => Err(AppError::NotFound),
        Err(r) => refused(on, id, entry_refused(r, Which::Vitals)).await,
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct AckForm {
    action_taken: String,
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn acknowledge(
    on: OnClient,
    Path((_, session, alert)): Path<(String, String, String)>,
    Form(f): Form<AckForm>,
) -> Result<Response, AppError> {
    let id = session_id(&session)?;
    let alert = SessionAlertId::parse(&alert).ok_or(AppError::NotFound)?;
    let action = match required_text(&f.action_taken, 1000, "the action you took") {
        Ok(a) => a,
        Err(m) => {
            let r = Refusal {
                which: Which::Alert,
                e: FieldErrors::of("action_taken", Some(m)),
                typed: Typed {
                    reason: f.action_taken,
                    ..Default::default()
                },
                ..Default::default()
            };
            return refused(on, id, r).await;
        }
    };
    let clinical = on.2.clinical_or_404()?;
    let actor = on.1.0.actor();
    let outcome =
        on.0.store
            .dosing()
            .acknowledge(&clinical, id, alert, &action, &actor, crate::clock::now())
            .await?;
    match outcome {
        Ok(()) => Ok(back(&on, id, "acknowledged", "alerts")),
        Err(EntryRefused::NotFound) => Err(AppError::NotFound),
        // A second person acknowledged it first: the page shows what they did.
        Err(EntryRefused::AlreadyAcknowledged) => Ok(back(&on, id, "acknowledged", "alerts")),
        Err(r) => refused(on, id, entry_refused(r, Which::Alert)).await,
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ObservationForm {
    #[serde(flatten)]
    entry: Entry,
    #[serde(flatten)]
    input: ObservationInput,
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn observe(
    on: OnClient,
    Path((_, session)): Path<(String, String)>,
    Form(f): Form<ObservationForm>,
) -> Result<Response, AppError> {
    let id = session_id(&session)?;
    let o = match f.input.validate() {
        Ok(o) => o,
        Err(e) => {
            let typed = Typed {
                observation: f.input,
                ..Default::default()
            };
            let r = Refusal {
                which: Which::Observation,
                e,
                typed,
                ..Default::default()
            };
            return refused(on, id, r).await;
        }
    };
    let clinical = on.2.clinical_or_404()?;
    let actor = on.1.0.actor();
    let now = f.entry.made_at(crate::clock::now());
    let outcome =
        on.0.store
            .dosing()
            .observe(&clinical, id, &f.entry.key(), &o, &actor, now)
            .await?;
    match outcome {
        Ok(_) => Ok(back(&on, id, "observed", "observations")),
        Err(EntryRefused::NotFound) => Err(AppError::NotFound),
        Err(r) => refused(on, id, entry_refused(r, Which::Observation)).await,
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PresenceForm {
    #[serde(flatten)]
    entry: Entry,
    /// join, leave or handover.
    change: String,
    person: String,
    taking_over: String,
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn presence(
    on: OnClient,
    Path((_, session)): Path<(String, String)>,
    Form(f): Form<PresenceForm>,
) -> Result<Response, AppError> {
    let id = session_id(&session)?;
    let change = Change::parse(f.change.trim())
        .filter(|c| matches!(c, Change::Join | Change::Leave | Change::Handover));
    let person = UserId::parse(f.person.trim());
    let taking_over = UserId::parse(f.taking_over.trim());
    let (Some(change), Some(person)) = (change, person) else {
        let r = Refusal {
            which: Which::Presence,
            e: FieldErrors::of("person", Some("Choose who.".to_owned())),
            ..Default::default()
        };
        return refused(on, id, r).await;
    };
    let clinical = on.2.clinical_or_404()?;
    let actor = on.1.0.actor();
    let now = f.entry.made_at(crate::clock::now());
    let outcome =
        on.0.store
            .dosing()
            .presence(
                &clinical,
                id,
                &f.entry.key(),
                change,
                person,
                taking_over,
                &actor,
                now,
            )
            .await?;
    match outcome {
        Ok(_) => Ok(back(&on, id, "presence", "presence")),
        Err(EntryRefused::NotFound) => Err(AppError::NotFound),
        Err(r) => refused(on, id, entry_refused(r, Which::Presence)).await,
    }
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn discharge(
    on: OnClient,
    Path((_, session)): Path<(String, String)>,
    Form(f): Form<DischargeInput>,
) -> Result<Response, AppError> {
    let id = session_id(&session)?;
    let settings = crate::dosing_settings::load_now(&on.0).await?;
    let clinical = on.2.clinical_or_404()?;
    let actor = on.1.0.actor();
    let outcome =
        on.0.store
            .dosing()
            .close(
                &clinical,
                id,
                &f.ending(),
                &f.checklist(),
                &settings.discharge,
                &actor,
                crate::clock::now(),
            )
            .await?;
    let reasons = match outcome {
        Ok(()) => return Ok(back(&on, id, "closed", "top")),
        Err(Closing::NotFound) => return Err(AppError::NotFound),
        Err(Closing::NotOpen) => vec!["This session is not open.".to_owned()],
        Err(Closing::Unmet(u)) => u.iter().map(|u| u.message().to_owned()).collect(),
    };
    let r = Refusal {
        which: Which::Discharge,
        reasons,
        typed: Typed {
            discharge: f,
            ..Default::default()
        },
        ..Default::default()
    };
    refused(on, id, r).await
}
