//! The practice's clinical thresholds: how long break-glass lasts and the contraindication
//! screening's flags. Every threshold is a setting with its default and where it comes from
//! (docs/domain.md §3), never a constant buried in code.

use crate::AppState;
use crate::auth::OwnerUser;
use crate::error::AppError;
use crate::views::layout::Layout;
use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use kapflow_domain::screening::ScreeningSettings;
use kapflow_domain::text::number_in;
use kapflow_domain::time_util::now_utc;
use kapflow_store::settings::keys;
use std::ops::RangeInclusive;

/// (form name, setting key, label, allowed range, default, source)
pub type Spec = (
    &'static str,
    &'static str,
    &'static str,
    RangeInclusive<u32>,
    u32,
    &'static str,
);

fn specs() -> Vec<Spec> {
    let d = ScreeningSettings::default();
    let mut all = vec![
        (
            "break_glass_hours",
            keys::BREAK_GLASS_HOURS,
            "Break-glass access lasts (hours)",
            1..=24,
            4,
            "Practice default; HIPAA 45 CFR 164.312(a)(2)(ii) asks for an emergency access procedure.",
        ),
        (
            "break_glass_reason",
            keys::BREAK_GLASS_MIN_REASON,
            "A break-glass reason needs at least (characters)",
            10..=200,
            kapflow_domain::prescribing::BREAK_GLASS_MIN_REASON,
            "Practice default: a sentence that says who needs the record and why, not a word.",
        ),
        (
            "bp_systolic",
            keys::SCREEN_BP_SYSTOLIC,
            "Flag a systolic reading at or above (mmHg)",
            100..=220,
            d.bp_systolic_flag,
            "An IV/nasal ketamine clinic's pre-dose hold rule (140/90); no published sublingual KAP threshold exists.",
        ),
        (
            "bp_diastolic",
            keys::SCREEN_BP_DIASTOLIC,
            "Flag a diastolic reading at or above (mmHg)",
            60..=140,
            d.bp_diastolic_flag,
            "As above (140/90).",
        ),
        (
            "minimum_age",
            keys::SCREEN_MIN_AGE,
            "Flag clients younger than (years)",
            18..=30,
            d.minimum_age,
            "The practice's KAP protocol: under 18 is a contraindication.",
        ),
        (
            "alert_hours",
            keys::ALERT_ESCALATE_HOURS,
            "Escalate an unacknowledged suicide-risk alert to the owner after (hours)",
            1..=72,
            24,
            "Practice default (24 hours); the treating therapist is told at once.",
        ),
        (
            "alert_high_hours",
            keys::ALERT_ESCALATE_HIGH_HOURS,
            "… and for a high-risk C-SSRS result after (hours)",
            1..=24,
            1,
            "C-SSRS screener: yes to Q4/Q5 or recent behaviour means immediate evaluation.",
        ),
        (
            "pcl5_cutoff",
            keys::PCL5_CUTOFF,
            "PCL-5 total for provisional PTSD",
            25..=45,
            33,
            "National Center for PTSD: 31–33 suggested; 33 by default.",
        ),
        (
            "remind_days",
            keys::MEASURES_REMIND_DAYS,
            "Remind the client of an emailed questionnaire still unanswered after (days; 0 for no reminder)",
            0..=14,
            3,
            "Practice default: one reminder, three days after the questionnaire was emailed.",
        ),
        (
            "reminder_first",
            crate::mail::reminders::FIRST_KEY,
            "Remind clients of an appointment this long before it (hours; 0 for no reminder)",
            0..=336,
            crate::mail::reminders::FIRST_DEFAULT,
            "Practice default: two days before.",
        ),
        (
            "reminder_second",
            crate::mail::reminders::SECOND_KEY,
            "… and again this long before it (hours; 0 for no second reminder)",
            0..=336,
            crate::mail::reminders::SECOND_DEFAULT,
            "Practice default: the day before.",
        ),
        (
            "unsigned_hours",
            crate::views::work::UNSIGNED_HOURS_KEY,
            "Show a clinical note still unsigned on its author's dashboard after (hours)",
            1..=336,
            crate::views::work::UNSIGNED_HOURS,
            "Practice default: 72 hours, the time many payers and licensing boards expect a note to be complete in.",
        ),
        (
            "portal_invitation_days",
            crate::portal_settings::keys::INVITATION_DAYS,
            "A client's portal invitation link works for (days)",
            1..=30,
            kapflow_domain::portal::INVITATION_DAYS,
            "Practice default: a week, long enough to find the email, short enough that an old link is not left working.",
        ),
        (
            "portal_attachment_mb",
            crate::portal_settings::keys::ATTACHMENT_MB,
            "A file sent with a portal message may be at most (MB; 0 for no files)",
            0..=kapflow_domain::portal::ATTACHMENT_MB_MAX,
            kapflow_domain::portal::ATTACHMENT_MB,
            "Practice default: 5 MB, a phone photo or a scanned letter. Photos and PDFs only; a photo's location and camera details are removed.",
        ),
    ];
    all.extend(crate::dosing_settings::specs());
    all
}

/// Whether due questionnaires are emailed by themselves (default: yes; clients who agreed).
/// From the settings snapshot: the Measures page says it without a statement of its own.
pub async fn auto_send(state: &AppState) -> Result<bool, AppError> {
    let snapshot = state.store.settings().snapshot().await?;
    Ok(snapshot
        .get(keys::MEASURES_AUTO_SEND)
        .is_none_or(|v| v != "false"))
}

/// Whether the practice requires a witness for every dose and booster (default: no).
pub async fn witness_required(state: &AppState) -> Result<bool, AppError> {
    let snapshot = state.store.settings().snapshot().await?;
    Ok(snapshot
        .get(keys::CUSTODY_WITNESS_REQUIRED)
        .is_some_and(|v| v == "true"))
}

/// The scoring settings in force.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn measure_settings(
    state: &AppState,
) -> Result<kapflow_domain::measures::MeasureSettings, AppError> {
    let d = kapflow_domain::measures::MeasureSettings::default();
    Ok(kapflow_domain::measures::MeasureSettings {
        pcl5_provisional_cutoff: state
            .store
            .settings()
            .get(keys::PCL5_CUTOFF)
            .await?
            .and_then(|v| v.parse().ok())
            .unwrap_or(d.pcl5_provisional_cutoff),
    })
}

/// The screening thresholds in force (one query: they share the `screening.` prefix).
#[tracing::instrument(level = "debug", skip_all)]
pub async fn screening(state: &AppState) -> Result<ScreeningSettings, AppError> {
    let d = ScreeningSettings::default();
    let set = state.store.settings().snapshot().await?;
    let get =
        |key: &str, default: u32| set.get(key).and_then(|v| v.parse().ok()).unwrap_or(default);
    Ok(ScreeningSettings {
        bp_systolic_flag: get(keys::SCREEN_BP_SYSTOLIC, d.bp_systolic_flag),
        bp_diastolic_flag: get(keys::SCREEN_BP_DIASTOLIC, d.bp_diastolic_flag),
        minimum_age: get(keys::SCREEN_MIN_AGE, d.minimum_age),
    })
}

pub struct Field {
    pub name: &'static str,
    pub label: &'static str,
    pub value: String,
    pub default: u32,
    pub source: &'static str,
    pub error: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "clinical_settings.html")]
pub struct ClinicalSettingsPage {
    pub layout: Layout,
    pub csrf: String,
    pub fields: Vec<Field>,
    pub saved: bool,
    /// The aftercare sheet as shown or typed, and its error.
    pub aftercare: String,
    pub aftercare_error: Option<String>,
    /// Whether every dose and booster needs a witness in the custody log.
    pub witness_required: bool,
    /// Whether due questionnaires are emailed by themselves.
    pub auto_send: bool,
    /// What a dosing-day reminder says about eating and drinking, as shown or typed.
    pub food: String,
    pub food_error: Option<String>,
    /// The portal's settings as shown or sent: a second factor required, change requests
    /// allowed, and the words on when messages are read (with its error).
    pub portal_mfa: bool,
    pub portal_changes: bool,
    pub portal_review: bool,
    pub messages_read: String,
    pub messages_read_error: Option<String>,
}

/// The eating and drinking guidance the dosing-day reminder carries.
async fn food(state: &AppState) -> Result<String, AppError> {
    let settings = state.store.settings().snapshot().await?;
    Ok(crate::mail::reminders::dosing_food(&settings).to_owned())
}

impl ClinicalSettingsPage {
    /// The fields' errors, for the shared form pieces.
    pub fn errors(&self) -> kapflow_domain::form::FieldErrors {
        let mut e = kapflow_domain::form::FieldErrors::default();
        if let Some(m) = &self.aftercare_error {
            e.add("aftercare", m.clone());
        }
        if let Some(m) = &self.food_error {
            e.add("dosing_food", m.clone());
        }
        if let Some(m) = &self.messages_read_error {
            e.add("messages_read", m.clone());
        }
        for f in &self.fields {
            if let Some(m) = &f.error {
                e.add(f.name, m.clone());
            }
        }
        e
    }
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn show(
    State(state): State<AppState>,
    owner: OwnerUser,
    Query(q): Query<crate::routes::SavedQuery>,
) -> Result<ClinicalSettingsPage, AppError> {
    let portal = crate::portal_settings::read(&state.store.settings().snapshot().await?);
    let mut fields = Vec::new();
    for (name, key, label, _, default, source) in specs() {
        let value = state
            .store
            .settings()
            .get(key)
            .await?
            .unwrap_or_else(|| default.to_string());
        fields.push(Field {
            name,
            label,
            value,
            default,
            source,
            error: None,
        });
    }
    Ok(ClinicalSettingsPage {
        layout: Layout::for_user(&state, &owner.0).await?,
        csrf: owner.0.csrf().to_owned(),
        fields,
        saved: q.saved.is_some(),
        aftercare: crate::dosing_settings::load(&state).await?.aftercare,
        aftercare_error: None,
        witness_required: witness_required(&state).await?,
        auto_send: auto_send(&state).await?,
        food: food(&state).await?,
        food_error: None,
        portal_mfa: portal.second_factor_required,
        portal_changes: portal.change_requests,
        portal_review: portal.review_signatures,
        messages_read: portal.messages_read,
        messages_read_error: None,
    })
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn save(
    State(state): State<AppState>,
    owner: OwnerUser,
    Form(form): Form<std::collections::HashMap<String, String>>,
) -> Result<Response, AppError> {
    let mut fields = Vec::new();
    let mut values = Vec::new();
    for (name, key, label, range, default, source) in specs() {
        // A field the form did not send (an older page, a script posting a few) keeps its value.
        let Some(raw) = form.get(name).cloned() else {
            continue;
        };
        let checked = number_in(&raw, range, "a number");
        if let Ok(v) = &checked {
            values.push((key, v.to_string()));
        }
        fields.push(Field {
            name,
            label,
            value: raw,
            default,
            source,
            error: checked.err(),
        });
    }
    // The box arrives only when ticked; the hidden field says the form had it at all.
    let witness = form
        .contains_key("witness_shown")
        .then(|| form.contains_key("witness_required"));
    if let Some(on) = witness {
        values.push((keys::CUSTODY_WITNESS_REQUIRED, on.to_string()));
    }
    let auto = form
        .contains_key("auto_send_shown")
        .then(|| form.contains_key("auto_send"));
    if let Some(on) = auto {
        values.push((keys::MEASURES_AUTO_SEND, on.to_string()));
    }
    let portal = crate::portal_settings::read(&state.store.settings().snapshot().await?);
    let mut portal_box = |shown: &str, name: &str, key: &'static str, now: bool| {
        let on = form.contains_key(shown).then(|| form.contains_key(name));
        if let Some(on) = on {
            values.push((key, on.to_string()));
        }
        on.unwrap_or(now)
    };
    let portal_mfa = portal_box(
        "portal_mfa_shown",
        "portal_mfa",
        crate::portal_settings::keys::SECOND_FACTOR_REQUIRED,
        portal.second_factor_required,
    );
    let portal_changes = portal_box(
        "portal_changes_shown",
        "portal_changes",
        crate::portal_settings::keys::CHANGE_REQUESTS,
        portal.change_requests,
    );
    let portal_review = portal_box(
        "portal_review_shown",
        "portal_review",
        crate::portal_settings::keys::REVIEW_SIGNATURES,
        portal.review_signatures,
    );
    let messages_typed = form.get("messages_read").cloned();
    let mut messages_read_error = None;
    if let Some(text) = &messages_typed {
        match kapflow_domain::text::required_text(
            text,
            1000,
            "what the portal says about when messages are read",
        ) {
            Ok(t) => values.push((crate::portal_settings::keys::MESSAGES_READ, t)),
            Err(m) => messages_read_error = Some(m),
        }
    }
    let aftercare_typed = form.get("aftercare").cloned();
    let mut aftercare_error = None;
    if let Some(text) = &aftercare_typed {
        match kapflow_domain::text::required_text(text, 5000, "the aftercare sheet") {
            Ok(t) => values.push((crate::dosing_settings::keys::AFTERCARE, t)),
            Err(m) => aftercare_error = Some(m),
        }
    }
    let food_typed = form.get("dosing_food").cloned();
    let mut food_error = None;
    if let Some(text) = &food_typed {
        match kapflow_domain::text::required_text(
            text,
            1000,
            "what the dosing-day reminder says about eating and drinking",
        ) {
            Ok(t) => values.push((crate::mail::reminders::FOOD_KEY, t)),
            Err(m) => food_error = Some(m),
        }
    }
    if fields.iter().any(|f| f.error.is_some())
        || aftercare_error.is_some()
        || food_error.is_some()
        || messages_read_error.is_some()
    {
        let aftercare = match aftercare_typed {
            Some(t) => t,
            None => crate::dosing_settings::load(&state).await?.aftercare,
        };
        let food = match food_typed {
            Some(t) => t,
            None => food(&state).await?,
        };
        let page = ClinicalSettingsPage {
            layout: Layout::for_user(&state, &owner.0).await?,
            csrf: owner.0.csrf().to_owned(),
            fields,
            saved: false,
            aftercare,
            aftercare_error,
            witness_required: match witness {
                Some(on) => on,
                None => witness_required(&state).await?,
            },
            auto_send: match auto {
                Some(on) => on,
                None => auto_send(&state).await?,
            },
            food,
            food_error,
            portal_mfa,
            portal_changes,
            portal_review,
            messages_read: messages_typed.unwrap_or(portal.messages_read),
            messages_read_error,
        };
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    }
    state
        .store
        .site()
        .save_practice_details(&values, &owner.0.actor(), now_utc())
        .await?;
    Ok(Redirect::to(&format!("{}?saved=1", crate::paths::CLINICAL_SETTINGS)).into_response())
}
