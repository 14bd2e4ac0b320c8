//! The dosing session's settings: vitals thresholds, the discharge criteria and the vitals
//! schedule, each with its default and where the default comes from (shown on the clinical
//! settings page), and the aftercare sheet's text.

use crate::AppState;
use crate::error::AppError;
use crate::routes::clinical_settings::Spec;
use kapflow_domain::dosing::discharge::DischargeSettings;
use kapflow_domain::dosing::schedule::VitalsSchedule;
use kapflow_domain::dosing::vitals::{Limit, Thresholds};

/// Every dosing setting's key.
pub mod keys {
    pub const HOLD_SYSTOLIC: &str = "dosing.hold_systolic";
    pub const HOLD_DIASTOLIC: &str = "dosing.hold_diastolic";
    pub const ALERT_SYSTOLIC: &str = "dosing.alert_systolic";
    pub const ALERT_DIASTOLIC: &str = "dosing.alert_diastolic";
    pub const URGENT_SYSTOLIC: &str = "dosing.urgent_systolic";
    pub const URGENT_DIASTOLIC: &str = "dosing.urgent_diastolic";
    pub const URGENT_SPO2: &str = "dosing.urgent_spo2_below";
    pub const HR_LOW: &str = "dosing.heart_rate_low";
    pub const HR_HIGH: &str = "dosing.heart_rate_high";
    pub const MIN_OBSERVATION: &str = "dosing.min_observation_minutes";
    pub const BP_MARGIN: &str = "dosing.discharge_bp_margin";
    pub const HR_MARGIN: &str = "dosing.discharge_hr_margin";
    pub const EARLY_EVERY: &str = "dosing.vitals_early_every";
    pub const EARLY_UNTIL: &str = "dosing.vitals_early_until";
    pub const LATE_EVERY: &str = "dosing.vitals_late_every";
    pub const AFTERCARE: &str = "dosing.aftercare";
}

/// Where a value the practice changed comes from.
const PRACTICE: &str = "Set by the practice (differs from the default shown).";

/// Everything a dosing session is judged against.
#[derive(Clone, Debug)]
pub struct DosingSettings {
    pub thresholds: Thresholds,
    pub discharge: DischargeSettings,
    pub schedule: VitalsSchedule,
    /// The aftercare sheet (Markdown), the practice's or the default.
    pub aftercare: String,
}

/// The default aftercare sheet (docs/domain.md §3), replaced by the practice's own text.
pub const AFTERCARE_DEFAULT: &str = "## After your ketamine session\n\n\
- Go home with the person who came to take you. **Do not drive**, cycle or operate machinery until tomorrow, after a night's sleep.\n\
- Do not make important decisions or sign anything important until tomorrow.\n\
- No alcohol or cannabis for 24 hours.\n\
- No opioids or benzodiazepines for 4 hours, unless your prescriber told you otherwise.\n\
- Drink water and eat something light when you feel ready. Mild nausea, tiredness or feeling a little unreal can last a few hours.\n\
- Rest. Write down anything you want to bring to your integration session.\n\n\
If you feel very unwell, have chest pain, trouble breathing, or thoughts of harming yourself, call 911 (or 988, the Suicide & Crisis Lifeline). For anything else, call the practice.\n";

/// The dosing settings the clinical settings page edits, after the screening ones.
pub fn specs() -> Vec<Spec> {
    let t = Thresholds::default();
    let d = DischargeSettings::default();
    let s = VitalsSchedule::default();
    let v = |l: Limit| u32::from(l.value);
    vec![
        (
            "hold_systolic",
            keys::HOLD_SYSTOLIC,
            "Dosing: hold the dose when the pre-dose systolic is above (mmHg)",
            110..=200,
            v(t.hold_systolic),
            t.hold_systolic.source,
        ),
        (
            "hold_diastolic",
            keys::HOLD_DIASTOLIC,
            "Dosing: … or the pre-dose diastolic is above (mmHg)",
            60..=130,
            v(t.hold_diastolic),
            t.hold_diastolic.source,
        ),
        (
            "alert_systolic",
            keys::ALERT_SYSTOLIC,
            "Dosing: alert when the systolic during the session is above (mmHg)",
            120..=220,
            v(t.alert_systolic),
            t.alert_systolic.source,
        ),
        (
            "alert_diastolic",
            keys::ALERT_DIASTOLIC,
            "Dosing: … or the diastolic is above (mmHg)",
            70..=140,
            v(t.alert_diastolic),
            t.alert_diastolic.source,
        ),
        (
            "urgent_systolic",
            keys::URGENT_SYSTOLIC,
            "Dosing: urgent at a systolic of (mmHg) or more",
            140..=260,
            v(t.urgent_systolic),
            t.urgent_systolic.source,
        ),
        (
            "urgent_diastolic",
            keys::URGENT_DIASTOLIC,
            "Dosing: … or a diastolic of (mmHg) or more",
            80..=180,
            v(t.urgent_diastolic),
            t.urgent_diastolic.source,
        ),
        (
            "urgent_spo2",
            keys::URGENT_SPO2,
            "Dosing: urgent when SpO2 is below (%)",
            80..=96,
            v(t.urgent_spo2_below),
            t.urgent_spo2_below.source,
        ),
        (
            "heart_rate_low",
            keys::HR_LOW,
            "Dosing: alert when the heart rate is below (per minute)",
            30..=70,
            v(t.heart_rate_low),
            t.heart_rate_low.source,
        ),
        (
            "heart_rate_high",
            keys::HR_HIGH,
            "Dosing: … or above (per minute)",
            90..=180,
            v(t.heart_rate_high),
            t.heart_rate_high.source,
        ),
        (
            "min_observation",
            keys::MIN_OBSERVATION,
            "Discharge: at least this long after the dose (minutes)",
            60..=360,
            u32::from(d.min_observation_minutes),
            d.source,
        ),
        (
            "bp_margin",
            keys::BP_MARGIN,
            "Discharge: blood pressure within this of the pre-dose reading (mmHg)",
            5..=60,
            u32::from(d.bp_margin),
            d.source,
        ),
        (
            "hr_margin",
            keys::HR_MARGIN,
            "Discharge: heart rate within this of the pre-dose reading (per minute)",
            5..=60,
            u32::from(d.heart_rate_margin),
            d.source,
        ),
        (
            "early_every",
            keys::EARLY_EVERY,
            "Vitals due every (minutes) after the dose…",
            5..=30,
            u32::from(s.early_every),
            s.source,
        ),
        (
            "early_until",
            keys::EARLY_UNTIL,
            "… until this many minutes after the dose…",
            15..=180,
            u32::from(s.early_until),
            s.source,
        ),
        (
            "late_every",
            keys::LATE_EVERY,
            "… then every (minutes)",
            10..=60,
            u32::from(s.late_every),
            s.source,
        ),
    ]
}

/// The settings in force, for a page (from the settings snapshot: no statement of its own).
#[tracing::instrument(level = "debug", skip_all)]
pub async fn load(state: &AppState) -> Result<DosingSettings, AppError> {
    Ok(from(&state.store.settings().snapshot().await?))
}

/// The settings in force this moment, for an entry decided by them (a vitals alert, opening a
/// session, a discharge): never the snapshot, which may be a second behind another instance.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn load_now(state: &AppState) -> Result<DosingSettings, AppError> {
    Ok(from(&state.store.settings().now().await?))
}

fn from(set: &kapflow_store::settings_snapshot::Snapshot) -> DosingSettings {
    let num = |key: &str| set.get(key).and_then(|v| v.parse::<u16>().ok());
    let limit = |key: &str, d: Limit| match num(key) {
        Some(value) if value != d.value => Limit {
            value,
            source: PRACTICE,
        },
        _ => d,
    };
    let t = Thresholds::default();
    let thresholds = Thresholds {
        hold_systolic: limit(keys::HOLD_SYSTOLIC, t.hold_systolic),
        hold_diastolic: limit(keys::HOLD_DIASTOLIC, t.hold_diastolic),
        alert_systolic: limit(keys::ALERT_SYSTOLIC, t.alert_systolic),
        alert_diastolic: limit(keys::ALERT_DIASTOLIC, t.alert_diastolic),
        urgent_systolic: limit(keys::URGENT_SYSTOLIC, t.urgent_systolic),
        urgent_diastolic: limit(keys::URGENT_DIASTOLIC, t.urgent_diastolic),
        urgent_spo2_below: limit(keys::URGENT_SPO2, t.urgent_spo2_below),
        heart_rate_low: limit(keys::HR_LOW, t.heart_rate_low),
        heart_rate_high: limit(keys::HR_HIGH, t.heart_rate_high),
    };
    let d = DischargeSettings::default();
    let discharge = DischargeSettings {
        min_observation_minutes: num(keys::MIN_OBSERVATION).unwrap_or(d.min_observation_minutes),
        bp_margin: num(keys::BP_MARGIN).unwrap_or(d.bp_margin),
        heart_rate_margin: num(keys::HR_MARGIN).unwrap_or(d.heart_rate_margin),
        source: d.source,
    };
    let s = VitalsSchedule::default();
    let schedule = VitalsSchedule {
        early_every: num(keys::EARLY_EVERY).unwrap_or(s.early_every),
        early_until: num(keys::EARLY_UNTIL).unwrap_or(s.early_until),
        late_every: num(keys::LATE_EVERY).unwrap_or(s.late_every),
        source: s.source,
    };
    let aftercare = set
        .get(keys::AFTERCARE)
        .filter(|t| !t.trim().is_empty())
        .unwrap_or(AFTERCARE_DEFAULT)
        .to_owned();
    DosingSettings {
        thresholds,
        discharge,
        schedule,
        aftercare,
    }
}
