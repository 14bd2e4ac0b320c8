//! What every page of a client's record shows at the top — the client, the current course and,
//! for a caller who may read clinical content, that course's intake (its screening flags) and
//! the client's open suicide-risk alerts — in one statement, since every client page needs them
//! before anything else.

use crate::StoreError;
use crate::access::ClientAccess;
use crate::alerts::most_serious_first;
use crate::assessment::{IntakeRecord, IntakeRow};
use crate::clients::{ClientRecord, Clients};
use crate::lookup::CourseRow;
use crate::sql::OptText;
use kapflow_domain::client::Sensitivity;
use kapflow_domain::measures::schedule::AlertLevel;
use kapflow_domain::pathway::Stage;
use kapflow_domain::{ClientId, CourseId};
use time::OffsetDateTime;
use uuid::Uuid;

/// The client, the current course and (clinical callers only) its intake.
#[derive(Debug, Clone)]
pub struct ClientHeader {
    pub client: ClientRecord,
    pub course: Option<CourseRow>,
    /// `None` without a course, without an intake, or for a caller who may not read it.
    pub intake: Option<IntakeRecord>,
    /// The client's open risk alerts; `None` when there are none or the caller may not read
    /// clinical content.
    pub risk: Option<OpenRisk>,
    /// The prescriber's latest decision on the current course: the screening's flags are then
    /// reviewed by the prescriber (clinical callers only).
    pub prescriber_review: Option<PrescriberReview>,
    /// When the client agreed to questionnaires and reminders by email (Measures shows it).
    pub email_consent_at: Option<OffsetDateTime>,
}

/// The prescriber's latest evaluation of the course: their decision, who, when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrescriberReview {
    pub decision: kapflow_domain::prescribing::Decision,
    pub by: String,
    pub at: OffsetDateTime,
}

/// A client's unacknowledged risk alerts, the most serious first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpenRisk {
    /// The highest level among them.
    pub level: AlertLevel,
    /// When the oldest alert of that level was raised.
    pub raised: OffsetDateTime,
    /// How many alerts are open, of every level.
    pub open: i64,
}

/// The latest course joins on its number; the intake and the open alerts only when `$2` (the
/// caller may read clinical content), so a front-desk header never carries intake answers or
/// risk levels.
const HEADER: &str = concat!(
    "SELECT c.id, c.created_at, c.legal_name, c.preferred_name, c.pronouns, \
     c.date_of_birth, c.email, c.phone, c.address, c.emergency_name, c.emergency_phone, \
     c.support_name, c.support_phone, c.concerns, c.sensitivity, c.inquiry_id, \
     c.email_consent_at, \
     k.id AS course_id, k.number AS course_number, k.stage AS course_stage, \
     k.opened_at AS course_opened_at, k.closed_at AS course_closed_at, \
     i.form_json AS intake_form_json, i.sensitivity AS intake_sensitivity, \
     i.updated_at AS intake_updated_at, i.completed_at AS intake_completed_at, \
     cu.display_name AS intake_completed_name, i.screening_reviewed_at AS intake_reviewed_at, \
     ru.display_name AS intake_reviewed_name, \
     ra.level AS risk_level, ra.created_at AS risk_raised, \
     ev.decision AS review_decision, ev.recorded_at AS review_at, eu.display_name AS review_by, \
     (SELECT COUNT(*) FROM risk_alerts a WHERE a.client_id = c.id AND a.acknowledged_at IS NULL \
         AND $2) AS risk_open \
     FROM clients c \
     LEFT JOIN courses k ON k.client_id = c.id AND k.number = \
         (SELECT MAX(number) FROM courses WHERE client_id = c.id) \
     LEFT JOIN intakes i ON i.course_id = k.id AND $2 \
     LEFT JOIN users cu ON cu.id = i.completed_by \
     LEFT JOIN users ru ON ru.id = i.screening_reviewed_by \
     LEFT JOIN evaluations ev ON ev.id = (SELECT e.id FROM evaluations e WHERE e.course_id = \
         k.id AND $2 ORDER BY e.recorded_at DESC, e.id DESC LIMIT 1) \
     LEFT JOIN users eu ON eu.id = ev.prescriber_id \
     LEFT JOIN risk_alerts ra ON ra.id = (SELECT a.id FROM risk_alerts a WHERE \
         a.client_id = c.id AND a.acknowledged_at IS NULL AND $2 ",
    most_serious_first!(),
    " LIMIT 1) \
     WHERE c.id = $1"
);

#[derive(sqlx::FromRow)]
struct HeaderRow {
    #[sqlx(flatten)]
    client: ClientRecord,
    email_consent_at: Option<OffsetDateTime>,
    course_id: Option<Uuid>,
    course_number: Option<i64>,
    #[sqlx(try_from = "OptText")]
    course_stage: Option<Stage>,
    course_opened_at: Option<OffsetDateTime>,
    course_closed_at: Option<OffsetDateTime>,
    intake_form_json: Option<String>,
    #[sqlx(try_from = "OptText")]
    intake_sensitivity: Option<Sensitivity>,
    intake_updated_at: Option<OffsetDateTime>,
    intake_completed_at: Option<OffsetDateTime>,
    intake_completed_name: Option<String>,
    intake_reviewed_at: Option<OffsetDateTime>,
    intake_reviewed_name: Option<String>,
    #[sqlx(try_from = "OptText")]
    risk_level: Option<AlertLevel>,
    risk_raised: Option<OffsetDateTime>,
    risk_open: i64,
    #[sqlx(try_from = "OptText")]
    review_decision: Option<kapflow_domain::prescribing::Decision>,
    review_at: Option<OffsetDateTime>,
    review_by: Option<String>,
}

impl HeaderRow {
    fn split(self) -> ClientHeader {
        let client_id: ClientId = self.client.id;
        let course = match (
            self.course_id,
            self.course_number,
            self.course_stage,
            self.course_opened_at,
        ) {
            (Some(id), Some(number), Some(stage), Some(opened_at)) => Some(CourseRow {
                id: CourseId::from_uuid(id),
                client_id,
                number,
                stage,
                opened_at,
                closed_at: self.course_closed_at,
            }),
            _ => None,
        };
        let intake = match (
            &course,
            self.intake_form_json,
            self.intake_sensitivity,
            self.intake_updated_at,
        ) {
            (Some(c), Some(form_json), Some(sensitivity), Some(updated_at)) => Some(
                IntakeRow {
                    course_id: c.id,
                    form_json,
                    sensitivity,
                    updated_at,
                    completed_at: self.intake_completed_at,
                    completed_name: self.intake_completed_name,
                    screening_reviewed_at: self.intake_reviewed_at,
                    reviewed_name: self.intake_reviewed_name,
                }
                .record(),
            ),
            _ => None,
        };
        let risk = match (self.risk_level, self.risk_raised) {
            (Some(level), Some(raised)) => Some(OpenRisk {
                level,
                raised,
                open: self.risk_open,
            }),
            _ => None,
        };
        let prescriber_review = match (self.review_decision, self.review_at) {
            (Some(decision), Some(at)) => Some(PrescriberReview {
                decision,
                by: self.review_by.unwrap_or_default(),
                at,
            }),
            _ => None,
        };
        ClientHeader {
            client: self.client,
            course,
            intake,
            risk,
            prescriber_review,
            email_consent_at: self.email_consent_at,
        }
    }
}

impl Clients<'_> {
    /// The header of the client's pages, in one statement; `None` if the client is gone.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn header(&self, access: &ClientAccess) -> Result<Option<ClientHeader>, StoreError> {
        let clinical = access.clinical().is_some();
        let row: Option<HeaderRow> = self
            .store
            .db
            .fetch_optional(HEADER, args![access.client(), clinical])
            .await?;
        Ok(row.map(HeaderRow::split))
    }
}
