//! The dosing pages: the list of a client's sessions, and one session — before the dose its
//! gates (each unmet one with where it is met), while it runs the monitor (timeline, vitals due,
//! alerts, entries, who is in the room, discharge), once closed its summary. The same page is
//! read-only for the prescriber of the referral and under break-glass.

use super::dosing_chart::{Reading, Timeline, render};
use super::{Ctx, HeaderView, Tab, ctx};
use crate::AppState;
use crate::auth::{ClientAccess, StaffUser};
use crate::dosing_settings::DosingSettings;
use crate::error::AppError;
use crate::time_fmt::when;
use crate::views::layout::Layout;
use askama::Template;
use askama_web::WebTemplate;
use kapflow_domain::access::Action;
use kapflow_domain::dosing::discharge::{Checklist, DischargeInput};
use kapflow_domain::dosing::entries::{
    MeasuredBy, ObservationInput, ObservationKind, Phase, RideHomeInput, VitalsInput,
};
use kapflow_domain::dosing::gates::{FixedOn, StartUnmet};
use kapflow_domain::dosing::presence::in_room;
use kapflow_domain::dosing::session::{ONSET, PEAK, Status};
use kapflow_domain::dosing::vitals::{before_dosing, during_session, worst};
use kapflow_domain::form::FieldErrors;
use kapflow_domain::{ClientId, DosingSessionId, UserId};
use kapflow_store::dosing::{MonitorData, SessionRow};

/// The forms a medicine comes in, for the custody form.
pub const DOSE_FORMS: &[(&str, &str)] = &[("troche", "Troche"), ("rdt", "Rapid-dissolve tablet")];

/// What can be logged in custody once the dose is in.
pub const AFTER_DOSE_KINDS: &[(&str, &str)] = &[
    ("returned", "Count handed back to the client"),
    ("attested", "Client's attestation"),
    ("booster", "Booster taken"),
    ("dose", "Second part of a split dose"),
    ("correction", "Correction of an earlier entry"),
];

/// What an observation is about, for its select.
pub const OBSERVATION_CHOICES: &[(&str, &str)] = &[
    ("", "Choose"),
    ("dissociation", "Dissociation"),
    ("nausea", "Nausea"),
    ("vomiting", "Vomiting"),
    ("anxiety", "Anxiety"),
    ("adverse_event", "Adverse event"),
    ("other", "Other"),
];

/// One session in the list.
pub struct SessionLine {
    pub href: String,
    pub number: i64,
    pub status: &'static str,
    pub prepared: String,
    pub ended: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "dosing.html")]
pub struct DosingListPage {
    pub layout: Layout,
    pub h: HeaderView,
    pub notice: Option<&'static str>,
    pub csrf: String,
    pub sessions: Vec<SessionLine>,
    pub live: Option<String>,
    pub can_edit: bool,
    pub refusal: Vec<String>,
}

pub async fn list_page(
    state: &AppState,
    user: &StaffUser,
    access: ClientAccess,
    refusal: Vec<String>,
) -> Result<DosingListPage, AppError> {
    let Ctx { header, .. } = ctx(state, &access, Tab::Dosing).await?;
    let clinical = access.clinical_or_404()?;
    let rows = state.store.dosing().list(&clinical).await?;
    let c = access.client();
    let live = rows
        .iter()
        .find(|s| matches!(s.status, Status::Preparing | Status::Open))
        .map(|s| crate::paths::dosing_session(c, s.id));
    Ok(DosingListPage {
        layout: Layout::for_user(state, &user.0).await?,
        h: header,
        notice: None,
        csrf: user.0.csrf().to_owned(),
        sessions: rows
            .iter()
            .map(|s| SessionLine {
                href: crate::paths::dosing_session(c, s.id),
                number: s.number,
                status: s.status.label(),
                prepared: when(s.prepared_at),
                ended: s.closed_at.map(when).unwrap_or_default(),
            })
            .collect(),
        live,
        can_edit: access.may(Action::EditClinicalRecord),
        refusal,
    })
}

/// An unmet gate as shown: what, and where it is met.
pub struct GateView {
    pub message: &'static str,
    pub href: String,
    pub fix: &'static str,
}

fn gate_view(c: ClientId, s: DosingSessionId, u: StartUnmet) -> GateView {
    let (href, fix) = match u.fixed_on() {
        FixedOn::Consents => (crate::paths::consents(c), "Consents"),
        FixedOn::Prescriber => (crate::paths::prescriber(c), "Prescriber"),
        FixedOn::Measures => (crate::paths::measures(c), "Measures"),
        FixedOn::Overview | FixedOn::Session => {
            let anchor = match u {
                StartUnmet::MedicationNotLogged => "#custody",
                StartUnmet::NoRideHome => "#ride-home",
                StartUnmet::VitalsHold => "#override",
                _ => "#vitals",
            };
            (
                format!("{}{anchor}", crate::paths::dosing_session(c, s)),
                "On this page",
            )
        }
    };
    GateView {
        message: u.message(),
        href,
        fix,
    }
}

pub struct VitalsView {
    pub at: String,
    pub minute: String,
    pub phase: &'static str,
    pub bp: String,
    pub heart_rate: i64,
    pub spo2: i64,
    pub respiratory_rate: String,
    pub measured_by: &'static str,
    pub recorded: String,
    pub level: &'static str,
}

pub struct AlertView {
    pub id: String,
    /// The id of this alert's "action taken" field (one form per alert on the page).
    pub field_id: String,
    pub ack_href: String,
    pub level: &'static str,
    pub urgent: bool,
    pub what: String,
    pub rule: String,
    pub source: String,
    pub raised: String,
    pub acknowledged: Option<String>,
}

pub struct LogLine {
    pub at: String,
    pub what: String,
    pub detail: String,
}

/// Everything a person typed into one of the page's forms, kept when the server refuses it.
#[derive(Default)]
pub struct Typed {
    pub vitals: VitalsInput,
    pub observation: ObservationInput,
    pub ride: RideHomeInput,
    pub discharge: DischargeInput,
    /// The reason fields by form: skip, override, cancel, and an alert's action.
    pub reason: String,
    pub custody: kapflow_domain::dosing::custody::input::CustodyInput,
    pub custody_kind: String,
}

/// Which form a refusal belongs to, so its errors show beside its fields.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Which {
    #[default]
    None,
    Vitals,
    Observation,
    Ride,
    Skip,
    Override,
    Cancel,
    Alert,
    Presence,
    Custody,
    Discharge,
    Start,
}

#[derive(Template, WebTemplate)]
#[template(path = "dosing_session.html")]
pub struct SessionPage {
    pub layout: Layout,
    pub h: HeaderView,
    pub csrf: String,
    pub notice: Option<&'static str>,
    pub s: SessionRow,
    pub id: DosingSessionId,
    pub can_edit: bool,
    pub preparing: bool,
    pub open: bool,
    pub closed: bool,
    pub gates: Vec<GateView>,
    pub hold: bool,
    pub chart: String,
    pub minutes: Option<u32>,
    pub due: Option<String>,
    pub overdue: bool,
    pub vitals: Vec<VitalsView>,
    pub alerts: Vec<AlertView>,
    pub open_alerts: usize,
    pub observations: Vec<LogLine>,
    pub presence: Vec<LogLine>,
    pub in_room: Vec<(String, String)>,
    pub colleagues: Vec<(String, String)>,
    /// The witness choices: nobody, or any clinician of the practice.
    pub witnesses: Vec<(String, String)>,
    pub custody: Vec<LogLine>,
    /// Photos of the label as brought: (address, when, by whom).
    pub label_photos: Vec<(String, String, String)>,
    pub dosed: bool,
    pub has_final: bool,
    pub checklist: Checklist,
    /// The closed session's facts, as terms and their text.
    pub summary: Vec<(&'static str, String)>,
    pub refusal: Vec<String>,
    pub which: Which,
    pub e: FieldErrors,
    pub typed: Typed,
    pub server_now_ms: i64,
    pub dosed_at_ms: i64,
    pub min_observation: u16,
    pub settings_source: &'static str,
    pub measured_by_options: Vec<(&'static str, &'static str)>,
    pub observation_options: Vec<(&'static str, &'static str)>,
}

impl SessionPage {
    /// A fresh key for an entry form (the same key sent twice records once).
    pub fn key(&self) -> String {
        crate::routes::clients::form_key()
    }

    /// The "measured by" choices, the one chosen marked (the therapist by default).
    pub fn measured_by_radios(&self) -> Vec<(&'static str, &'static str, bool)> {
        let chosen = match self.typed.vitals.measured_by.as_str() {
            "" => "therapist",
            other => other,
        };
        self.measured_by_options
            .iter()
            .map(|(v, l)| (*v, *l, *v == chosen))
            .collect()
    }

    /// The kind of custody entry chosen after the dose (the count handed back by default).
    pub fn custody_kind_chosen(&self) -> String {
        match self.typed.custody_kind.as_str() {
            "" => "returned".to_owned(),
            other => other.to_owned(),
        }
    }

    /// The reason typed into form `w`, if that form was refused.
    pub fn reason_for(&self, w: Which) -> &str {
        if self.which == w {
            &self.typed.reason
        } else {
            ""
        }
    }

    /// What an observation can be about.
    pub fn observation_choices(&self) -> &'static [(&'static str, &'static str)] {
        OBSERVATION_CHOICES
    }

    /// The errors of form `w`, none for the others.
    pub fn errors(&self, w: Which) -> FieldErrors {
        if self.which == w {
            self.e.clone()
        } else {
            FieldErrors::default()
        }
    }
}

/// A refusal to show on the session page: the form, its errors or reasons, what was typed.
#[derive(Default)]
pub struct Refusal {
    pub which: Which,
    pub e: FieldErrors,
    pub reasons: Vec<String>,
    pub typed: Typed,
}

/// The record of the client's dosing session prepared on the practice's `day`, as lines for a
/// note's Data section; `None` when there was none.
pub async fn summary_on(
    state: &AppState,
    clinical: &kapflow_store::ClinicalAccess,
    day: time::Date,
) -> Result<Option<String>, AppError> {
    let zone = crate::practice_zone::current();
    let sessions = state.store.dosing().list(clinical).await?;
    let Some(s) = sessions.iter().find(|s| zone.today(s.prepared_at) == day) else {
        return Ok(None);
    };
    let checklist: Checklist = s
        .discharge
        .as_deref()
        .and_then(|j| serde_json::from_str(j).ok())
        .unwrap_or_default();
    let lines: Vec<String> = summary_of(s, &checklist)
        .into_iter()
        .map(|(k, v)| format!("{k}: {v}"))
        .collect();
    Ok(Some(format!(
        "Dosing session {}.\n{}",
        s.number,
        lines.join("\n")
    )))
}

/// The facts of a closed session, as the summary lists them.
fn summary_of(s: &SessionRow, c: &Checklist) -> Vec<(&'static str, String)> {
    let mut out = vec![(
        "Prepared",
        format!("{} by {}", when(s.prepared_at), s.prepared_by),
    )];
    if let Some(t) = s.opened_at {
        out.push(("Opened", when(t)));
    }
    if let Some(t) = s.dosed_at {
        out.push(("Dose taken", when(t)));
    }
    if let Some(t) = s.closed_at {
        let mut text = when(t);
        if let Some(x) = s.ending {
            text.push_str(&format!(": {}", x.label()));
        }
        if let Some(r) = &s.end_reason {
            text.push_str(&format!(" ({r})"));
        }
        out.push(("Ended", text));
    }
    if let Some(n) = &s.ride_home_name {
        out.push(("Went home with", n.clone()));
    }
    if s.opened_at.is_some()
        && s.ending != Some(kapflow_domain::dosing::session::EndedAs::Cancelled)
    {
        let ticked: Vec<&str> = [
            (c.alert_and_oriented, "alert and oriented"),
            (c.tolerating_fluids, "tolerating fluids"),
            (c.little_or_no_nausea, "little or no nausea"),
            (c.ride_home_present, "the person taking them home present"),
            (c.aftercare_given, "aftercare given"),
        ]
        .into_iter()
        .filter(|(on, _)| *on)
        .map(|(_, t)| t)
        .collect();
        out.push((
            "Discharge checklist",
            if ticked.is_empty() {
                "none ticked".to_owned()
            } else {
                ticked.join("; ")
            },
        ));
    }
    out
}

fn minutes_between(from: time::OffsetDateTime, to: time::OffsetDateTime) -> i64 {
    (to - from).whole_minutes()
}

#[allow(clippy::too_many_arguments)]
pub async fn session_page(
    state: &AppState,
    user: &StaffUser,
    access: ClientAccess,
    id: DosingSessionId,
    notice: Option<&'static str>,
    refusal: Refusal,
) -> Result<SessionPage, AppError> {
    let Ctx { header, .. } = ctx(state, &access, Tab::Dosing).await?;
    let clinical = access.clinical_or_404()?;
    let MonitorData {
        session: s,
        vitals,
        alerts,
        observations,
        presence,
    } = state
        .store
        .dosing()
        .monitor(&clinical, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let settings: DosingSettings = crate::dosing_settings::load(state).await?;
    let now = crate::clock::now();
    let c = access.client();
    let can_edit = access.may(Action::EditClinicalRecord);
    let gates = if s.status == Status::Preparing {
        state
            .store
            .dosing()
            .gates(&clinical, id, &settings.thresholds, now)
            .await?
            .unwrap_or_default()
    } else {
        vec![]
    };
    let hold = gates.contains(&StartUnmet::VitalsHold);
    let zero = s.dosed_at;
    let minutes = match (s.status, zero) {
        (Status::Open, Some(z)) => u32::try_from(minutes_between(z, now).max(0)).ok(),
        _ => None,
    };
    let readings_at: Vec<i64> = vitals
        .iter()
        .filter_map(|v| zero.map(|z| minutes_between(z, v.measured_at)))
        .collect();
    let (due, overdue) = match minutes {
        Some(m) => match settings.schedule.overdue(m, &readings_at) {
            Some(at) => (
                Some(format!("Vitals overdue: they were due at {at} minutes.")),
                true,
            ),
            None => {
                let next = settings.schedule.next_due(m);
                (
                    Some(format!(
                        "Next vitals due at {next} minutes (in {} min).",
                        next - m
                    )),
                    false,
                )
            }
        },
        None => (None, false),
    };
    let alerted: std::collections::HashSet<_> = alerts.iter().map(|a| a.vitals_id).collect();
    let chart = zero
        .map(|z| {
            let span_end = minutes.unwrap_or(0)
                + u32::from(
                    settings
                        .schedule
                        .early_every
                        .max(settings.schedule.late_every),
                );
            render(&Timeline {
                now: minutes,
                onset: ONSET,
                peak: PEAK,
                due: settings.schedule.due_times(span_end.max(180)),
                readings: vitals
                    .iter()
                    .map(|v| Reading {
                        minute: minutes_between(z, v.measured_at),
                        systolic: u32::try_from(v.systolic).unwrap_or(0),
                        diastolic: u32::try_from(v.diastolic).unwrap_or(0),
                        heart_rate: u32::try_from(v.heart_rate).unwrap_or(0),
                        alert: alerted.contains(&v.id),
                    })
                    .collect(),
            })
        })
        .unwrap_or_default();
    let vitals_view = vitals
        .iter()
        .map(|v| {
            let judged = if v.phase == Phase::PreDose {
                before_dosing(&v.vitals(), &settings.thresholds)
            } else {
                during_session(&v.vitals(), &settings.thresholds)
            };
            VitalsView {
                at: when(v.measured_at),
                minute: zero
                    .map(|z| format!("{} min", minutes_between(z, v.measured_at)))
                    .unwrap_or_else(|| "before the dose".into()),
                phase: v.phase.label(),
                bp: format!("{}/{}", v.systolic, v.diastolic),
                heart_rate: v.heart_rate,
                spo2: v.spo2,
                respiratory_rate: v
                    .respiratory_rate
                    .map(|r| r.to_string())
                    .unwrap_or_else(|| "—".into()),
                measured_by: v.measured_by.label(),
                recorded: format!("{} by {}", when(v.recorded_at), v.recorded_by),
                level: worst(&judged).map(|l| l.label()).unwrap_or("Within limits"),
            }
        })
        .collect();
    let mut alert_views: Vec<AlertView> = alerts
        .iter()
        .map(|a| AlertView {
            id: a.id.to_string(),
            field_id: format!("action_taken-{}", a.id),
            ack_href: crate::paths::dosing_alert_ack(c, id, a.id),
            level: a.level.label(),
            urgent: a.level == kapflow_domain::dosing::vitals::Level::Urgent,
            what: a.what.clone(),
            rule: a.rule.clone(),
            source: a.source.clone(),
            raised: when(a.raised_at),
            acknowledged: a.acknowledged_at.map(|t| {
                format!(
                    "{} by {}: {}",
                    when(t),
                    a.acknowledged_by.clone().unwrap_or_default(),
                    a.action_taken.clone().unwrap_or_default()
                )
            }),
        })
        .collect();
    alert_views.sort_by_key(|a| a.acknowledged.is_some());
    let open_alerts = alert_views
        .iter()
        .filter(|a| a.acknowledged.is_none())
        .count();
    let events: Vec<_> = presence.iter().map(|p| p.event()).collect();
    let here: Vec<UserId> = in_room(&events);
    let colleagues = state.store.dosing().colleagues().await?;
    let name_of = |u: UserId| {
        colleagues
            .iter()
            .find(|(id, _)| *id == u)
            .map(|(_, n)| n.clone())
            .unwrap_or_else(|| "a former colleague".into())
    };
    let custody = crate::routes::clients::dosing_custody::lines(state, &clinical, id).await?;
    let checklist: Checklist = s
        .discharge
        .as_deref()
        .and_then(|j| serde_json::from_str(j).ok())
        .unwrap_or_default();
    let summary = summary_of(&s, &checklist);
    let label_photos = state
        .store
        .dosing()
        .label_photos(&clinical, id)
        .await?
        .into_iter()
        .map(|p| {
            (
                crate::paths::dosing_label_file(c, id, p.id),
                when(p.uploaded_at),
                p.uploaded_by,
            )
        })
        .collect();
    let witnesses = std::iter::once((String::new(), "No witness".to_owned()))
        .chain(colleagues.iter().map(|(u, n)| (u.to_string(), n.clone())))
        .collect();
    Ok(SessionPage {
        label_photos,
        summary,
        witnesses,
        layout: Layout::for_user(state, &user.0).await?,
        h: header,
        csrf: user.0.csrf().to_owned(),
        notice,
        id,
        can_edit,
        preparing: s.status == Status::Preparing,
        open: s.status == Status::Open,
        closed: matches!(s.status, Status::Closed | Status::Cancelled),
        gates: gates.into_iter().map(|u| gate_view(c, id, u)).collect(),
        hold,
        chart,
        minutes,
        due,
        overdue,
        vitals: vitals_view,
        alerts: alert_views,
        open_alerts,
        observations: observations
            .iter()
            .map(|o| LogLine {
                at: when(o.at),
                what: match o.cadss {
                    Some(n) if o.kind == ObservationKind::Dissociation => {
                        format!("{} (CADSS-6 {n})", o.kind.label())
                    }
                    _ => o.kind.label().to_owned(),
                },
                detail: [o.note.as_str(), o.action.as_str()]
                    .iter()
                    .filter(|t| !t.is_empty())
                    .copied()
                    .collect::<Vec<_>>()
                    .join(" — Action: "),
            })
            .collect(),
        presence: presence
            .iter()
            .map(|p| LogLine {
                at: when(p.at),
                what: p.change.label().to_owned(),
                detail: match &p.taking_over {
                    Some(t) => format!("{} → {t}", p.person),
                    None => p.person.clone(),
                },
            })
            .collect(),
        in_room: here.iter().map(|u| (u.to_string(), name_of(*u))).collect(),
        colleagues: colleagues
            .iter()
            .filter(|(u, _)| !here.contains(u))
            .map(|(u, n)| (u.to_string(), n.clone()))
            .collect(),
        custody,
        dosed: s.dosed_at.is_some(),
        has_final: vitals.iter().any(|v| v.phase == Phase::Final),
        checklist,
        refusal: refusal.reasons,
        which: refusal.which,
        e: refusal.e,
        typed: refusal.typed,
        server_now_ms: i64::try_from(now.unix_timestamp_nanos() / 1_000_000).unwrap_or(0),
        dosed_at_ms: s
            .dosed_at
            .and_then(|t| i64::try_from(t.unix_timestamp_nanos() / 1_000_000).ok())
            .unwrap_or(0),
        min_observation: settings.discharge.min_observation_minutes,
        settings_source: settings.discharge.source,
        measured_by_options: MeasuredBy::ALL
            .iter()
            .map(|m| (m.as_str(), m.label()))
            .collect(),
        observation_options: ObservationKind::ALL
            .iter()
            .map(|k| (k.as_str(), k.label()))
            .collect(),
        s,
    })
}
