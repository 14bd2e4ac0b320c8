//! A client's pages: the header every client page shows (name, age, stage, flags, tabs) and each page's view.

pub mod billing;
pub mod break_glass;
pub mod caseload;
pub mod consents;
pub mod course;
pub mod dosing;
pub mod dosing_chart;
pub mod intake;
pub mod measures;
pub mod messages;
pub mod preparation;
pub mod prescriber;
pub mod record;
pub mod response;
pub mod score_rows;

use crate::AppState;
use crate::error::AppError;
use crate::paths;
use crate::practice_zone::today;
use crate::time_fmt::when;
use kapflow_domain::ClientId;
use kapflow_domain::access::Action;
use kapflow_domain::client::age_on;
use kapflow_domain::screening::{Flag, screen};
use kapflow_domain::time_util::now_utc;
use kapflow_store::assessment::IntakeRecord;
use kapflow_store::client_header::ClientHeader;
use kapflow_store::clients::ClientRecord;
use kapflow_store::courses::CourseRow;
use kapflow_store::{ClientAccess, ClinicalAccess};

/// One screening flag as shown: what, how serious, the rule and its source.
#[derive(Clone, Debug)]
pub struct FlagView {
    pub severity: &'static str,
    pub absolute: bool,
    pub finding: String,
    pub rule: &'static str,
    pub source: &'static str,
}

impl From<&Flag> for FlagView {
    fn from(f: &Flag) -> Self {
        FlagView {
            severity: f.severity.label(),
            absolute: f.severity == kapflow_domain::screening::Severity::Absolute,
            finding: f.finding.clone(),
            rule: f.rule,
            source: f.source,
        }
    }
}

/// The header on every client page: name, age, the active course's stage, open flags, and
/// the tabs this caller may open.
#[derive(Clone, Debug)]
pub struct HeaderView {
    pub id: ClientId,
    pub name: String,
    pub age: i32,
    pub pronouns: String,
    pub stage: &'static str,
    pub flags: Vec<FlagView>,
    /// The intake cannot be read, so there is no screening to show.
    pub screening_unreadable: bool,
    pub clinical: bool,
    pub break_glass_until: Option<String>,
    /// The client's open suicide-risk alerts (clinical callers only).
    pub risk: Option<RiskView>,
    /// The prescriber's decision on the screening's flags, in a sentence, once there is one.
    pub prescriber_review: Option<String>,
    pub tabs: Vec<TabView>,
}

/// The open-alert banner of the header: the most serious level, when it was raised, how many.
#[derive(Clone, Debug)]
pub struct RiskView {
    pub level: &'static str,
    pub raised: String,
    pub open: i64,
}

/// What a client page knows about its caller and client.
pub struct Ctx {
    pub client: ClientRecord,
    /// When the client agreed to questionnaires and reminders by email.
    pub email_consent_at: Option<time::OffsetDateTime>,
    pub course: Option<CourseRow>,
    pub header: HeaderView,
    pub access: ClientAccess,
}

impl Ctx {
    pub fn id(&self) -> ClientId {
        self.access.client()
    }
}

pub fn display_name(c: &ClientRecord) -> String {
    match &c.preferred_name {
        Some(p) if p != &c.legal_name => format!("{} ({p})", c.legal_name),
        _ => c.legal_name.clone(),
    }
}

/// The flags of a course's intake (draft or completed), most serious first; `None` when the
/// intake cannot be read.
pub async fn flags_of(
    state: &AppState,
    clinical: &ClinicalAccess,
    client: &ClientRecord,
    course: Option<&CourseRow>,
) -> Result<Option<Vec<Flag>>, AppError> {
    let Some(course) = course else {
        return Ok(Some(vec![]));
    };
    let intake = state.store.assessment().intake(clinical, course.id).await?;
    flags_from(state, client, intake.as_ref()).await
}

/// The flags of an intake already read (see [`flags_of`]).
async fn flags_from(
    state: &AppState,
    client: &ClientRecord,
    intake: Option<&IntakeRecord>,
) -> Result<Option<Vec<Flag>>, AppError> {
    let Some(intake) = intake else {
        return Ok(Some(vec![]));
    };
    // An unreadable intake has no screening at all: `None`, which every page shows as such,
    // never as "no flags".
    let Ok(form) = &intake.form else {
        return Ok(None);
    };
    let age = u32::try_from(age_on(client.date_of_birth, today(now_utc()))).ok();
    let settings = crate::routes::clinical_settings::screening(state).await?;
    Ok(Some(screen(&form.answers(age), &settings)))
}

/// Where and when the course was referred, and by whom, if it was.
pub async fn referral_line(
    state: &AppState,
    clinical: &ClinicalAccess,
    course: kapflow_domain::CourseId,
) -> Result<Option<String>, AppError> {
    Ok(state
        .store
        .prescribing()
        .referral(clinical, course)
        .await?
        .map(|r| {
            format!(
                "{} on {} by {}",
                r.org_name,
                when(r.referred_at),
                r.referred_by
            )
        }))
}

/// The pages of a client's record, in the order of their tabs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tab {
    Overview,
    Appointments,
    Course,
    Intake,
    Consents,
    Preparation,
    Prescriber,
    Dosing,
    Measures,
    Notes,
    Messages,
    /// Charges and payments: the owner, the front desk and the care team's clinicians.
    Billing,
}

impl Tab {
    pub const ALL: [Tab; 12] = [
        Tab::Overview,
        Tab::Appointments,
        Tab::Course,
        Tab::Intake,
        Tab::Consents,
        Tab::Preparation,
        Tab::Prescriber,
        Tab::Dosing,
        Tab::Measures,
        Tab::Notes,
        Tab::Messages,
        Tab::Billing,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Tab::Overview => "Overview",
            Tab::Appointments => "Appointments",
            Tab::Course => "Course",
            Tab::Intake => "Intake & screening",
            Tab::Consents => "Consents",
            Tab::Preparation => "Preparation",
            Tab::Prescriber => "Prescriber",
            Tab::Dosing => "Dosing sessions",
            Tab::Measures => "Measures",
            Tab::Notes => "Notes",
            Tab::Messages => "Messages",
            Tab::Billing => "Billing",
        }
    }

    pub fn href(self, c: ClientId) -> String {
        match self {
            Tab::Overview => paths::client(c),
            Tab::Appointments => paths::appointments(c),
            Tab::Course => paths::course(c),
            Tab::Intake => paths::intake(c),
            Tab::Consents => paths::consents(c),
            Tab::Preparation => paths::preparation(c),
            Tab::Prescriber => paths::prescriber(c),
            Tab::Dosing => paths::dosing(c),
            Tab::Measures => paths::measures(c),
            Tab::Notes => paths::notes(c),
            Tab::Messages => paths::messages(c),
            Tab::Billing => paths::billing(c),
        }
    }

    /// Every tab but the overview, the appointments and billing shows clinical content.
    fn clinical(self) -> bool {
        !matches!(self, Tab::Overview | Tab::Appointments | Tab::Billing)
    }
}

/// One tab of the header: where it goes, its name, and whether it is the page shown.
#[derive(Clone, Debug)]
pub struct TabView {
    pub href: String,
    pub label: &'static str,
    pub current: bool,
}

/// Loads the client, the current course and the header for a page under `tab`.
pub async fn ctx(state: &AppState, access: &ClientAccess, tab: Tab) -> Result<Ctx, AppError> {
    // The client, the course and (for clinical callers) the intake in one statement.
    let ClientHeader {
        client,
        course,
        intake,
        risk,
        prescriber_review,
        email_consent_at,
    } = state
        .store
        .clients()
        .header(access)
        .await?
        .ok_or(AppError::NotFound)?;
    let clinical = access.clinical();
    let flags = match &clinical {
        Some(_) => flags_from(state, &client, intake.as_ref()).await?,
        None => Some(vec![]),
    };
    let id = client.id;
    let header = HeaderView {
        name: display_name(&client),
        age: age_on(client.date_of_birth, today(now_utc())),
        pronouns: client.pronouns.clone().unwrap_or_default(),
        stage: course.as_ref().map(|c| c.stage.label()).unwrap_or("—"),
        screening_unreadable: flags.is_none(),
        flags: flags.iter().flatten().map(FlagView::from).collect(),
        clinical: clinical.is_some(),
        break_glass_until: access.break_glass_until().map(when),
        risk: risk.map(|r| RiskView {
            level: r.level.label(),
            raised: when(r.raised),
            open: r.open,
        }),
        // The flags stand until the prescriber decides on them; then they read as reviewed.
        prescriber_review: prescriber_review
            .filter(|r| r.decision != kapflow_domain::prescribing::Decision::MoreInformationNeeded)
            .map(|r| {
                format!(
                    "Reviewed by the prescriber{}: {}, {}.",
                    if r.by.is_empty() {
                        String::new()
                    } else {
                        format!(" ({})", r.by)
                    },
                    r.decision.label(),
                    when(r.at)
                )
            }),
        tabs: Tab::ALL
            .into_iter()
            .filter(|t| clinical.is_some() || !t.clinical())
            .filter(|t| *t != Tab::Billing || access.may(Action::ManageBilling))
            .map(|t| TabView {
                href: t.href(id),
                label: t.label(),
                current: t == tab,
            })
            .collect(),
        id,
    };
    Ok(Ctx {
        client,
        email_consent_at,
        course,
        header,
        access: *access,
    })
}
