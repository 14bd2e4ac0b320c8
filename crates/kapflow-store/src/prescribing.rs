//! The partner prescriber's side of the pathway: organisations, referrals, evaluations,
//! prescriptions, shipments, dose-change requests, and the care team's messages about a
//! client. Only a prescriber's own acts write evaluations, prescriptions, shipments and dose
//! answers; a therapist can refer and *request* a change, never set a dose.

use crate::courses::{CourseRow, advance_if_ready, apply};
use crate::lookup::current_course;
use crate::prescribing_plan::{insert_prescription, rx_columns};
use crate::sql::OptText;
use crate::{ClientAccess, ClinicalAccess, StoreError, audit, outbox};
use kapflow_domain::pathway::{Eligibility, GateRefused, Stage, Transition, Unmet};
use kapflow_domain::prescribing::plan::{DosingPlan, mg_text};
use kapflow_domain::prescribing::{
    Decision, DoseAnswer, DoseChangeAnswer, DoseForm, Evaluation, Prescription, Shipment,
};
use kapflow_domain::{
    Actor, AuditOutcome, CourseId, DoseRequestId, EvaluationId, OrgId, PrescriptionId, ShipmentId,
};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

crate::topic!(
    /// The partner prescriber's side of the pathway.
    Prescribing
);

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ReferralRow {
    #[sqlx(try_from = "Uuid")]
    pub org_id: OrgId,
    pub org_name: String,
    pub referred_at: OffsetDateTime,
    pub referred_by: String,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct EvaluationRow {
    #[sqlx(try_from = "String")]
    pub decision: Decision,
    pub reasons: String,
    pub valid_until: Option<Date>,
    pub recorded_at: OffsetDateTime,
    pub prescriber: String,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PrescriptionRow {
    #[sqlx(try_from = "Uuid")]
    pub id: PrescriptionId,
    pub drug: String,
    #[sqlx(try_from = "String")]
    pub form: DoseForm,
    pub strength_mg: i64,
    pub quantity: i64,
    pub directions: String,
    pub pharmacy: String,
    pub prescribed_at: OffsetDateTime,
    pub superseded_at: Option<OffsetDateTime>,
    pub prescriber: String,
    pub sessions_planned: i64,
    pub min_days_between: i64,
    /// The dose per session in µg (the strength for a prescription written before plans).
    pub dose_ug: i64,
    pub split_allowed: bool,
    /// `None`: no booster.
    pub booster_ug: Option<i64>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ShipmentRow {
    #[sqlx(try_from = "Uuid")]
    pub id: ShipmentId,
    #[sqlx(try_from = "Uuid")]
    pub prescription_id: PrescriptionId,
    pub carrier: String,
    pub tracking_number: String,
    pub shipped_on: Date,
    pub received_at: Option<OffsetDateTime>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DoseRequestRow {
    #[sqlx(try_from = "Uuid")]
    pub id: DoseRequestId,
    pub request: String,
    pub requested_at: OffsetDateTime,
    pub requested_by: String,
    #[sqlx(try_from = "OptText")]
    pub answer: Option<DoseAnswer>,
    pub answer_note: Option<String>,
    pub answered_at: Option<OffsetDateTime>,
}

/// Why a prescriber's act was refused, in words for them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refused {
    /// No such client, course or record (or not theirs): shown as 404.
    NotFound,
    Because(Vec<String>),
}

fn because(reasons: &[Unmet]) -> Refused {
    Refused::Because(reasons.iter().map(|u| u.message().to_owned()).collect())
}

async fn active_prescription(
    tx: &mut crate::Tx,
    course: CourseId,
) -> Result<Option<PrescriptionRow>, StoreError> {
    tx.fetch_optional(
        concat!(
            "SELECT ",
            rx_columns!(),
            " FROM prescriptions p JOIN users u ON u.id = p.prescriber_id WHERE p.course_id = $1 \
             AND p.superseded_at IS NULL"
        ),
        args![course],
    )
    .await
}

impl Prescribing<'_> {
    /// Refers the current course to `org` and moves it to medical evaluation — only if every
    /// gate of that stage is met (signed release of information, KAP consent, readiness
    /// sign-off); otherwise nothing is kept and every unmet condition is returned.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn refer(
        &self,
        access: &ClientAccess,
        org: OrgId,
        actor: &Actor,
        now: OffsetDateTime,
    ) -> Result<Result<(), Refused>, StoreError> {
        let client = access.client();
        let Some(by) = crate::actor_uuid(actor) else {
            return Ok(Err(Refused::NotFound));
        };
        let mut tx = self.store.begin().await?;
        let Some(course) = current_course(&mut tx, client).await? else {
            return Ok(Err(Refused::NotFound));
        };
        let org_ok: bool = tx
            .scalar::<bool>(
                "SELECT COUNT(*) > 0 FROM partner_orgs WHERE id = $1",
                args![org],
            )
            .await?;
        if !org_ok {
            return Ok(Err(Refused::Because(vec![
                "Choose a partner organisation.".into(),
            ])));
        }
        if course.stage != Stage::Preparation {
            return Ok(Err(Refused::Because(vec![
                "A client is referred at the end of preparation.".into(),
            ])));
        }
        tx.exec(
            "INSERT INTO referrals (course_id, client_id, org_id, referred_at, referred_by) \
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (course_id) DO UPDATE SET org_id = \
                 excluded.org_id, referred_at = excluded.referred_at, referred_by = \
                 excluded.referred_by",
            args![course.id, client, org, now, by],
        )
        .await?;
        match apply(
            &mut tx,
            &course,
            &Transition::Advance(Stage::MedicalEvaluation),
            "Referred to the prescriber",
            actor,
            now,
        )
        .await?
        {
            Ok(_) => {
                audit::append(
                    &mut tx,
                    &actor
                        .entry("referral.made", now)
                        .record("course", course.id)
                        .client(client),
                )
                .await?;
                outbox::enqueue(&mut tx, &outbox::Email::Referral { org_id: org }, now).await?;
                tx.commit().await?;
                Ok(Ok(()))
            }
            Err(GateRefused { reasons }) => {
                // Keep nothing of the attempt but its audit row.
                drop(tx);
                let mut tx = self.store.begin().await?;
                let msg = reasons
                    .iter()
                    .map(|u| u.message())
                    .collect::<Vec<_>>()
                    .join(" ");
                let entry = actor
                    .entry("referral.made", now)
                    .record("course", course.id)
                    .client(client)
                    .outcome(AuditOutcome::Denied, Some(&msg));
                audit::append(&mut tx, &entry).await?;
                tx.commit().await?;
                Ok(Err(because(&reasons)))
            }
        }
    }

    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn referral(
        &self,
        access: &ClinicalAccess,
        course: CourseId,
    ) -> Result<Option<ReferralRow>, StoreError> {
        self.store
            .db
            .fetch_optional(
                "SELECT r.org_id, o.name AS org_name, r.referred_at, u.display_name AS referred_by \
                 FROM referrals r JOIN partner_orgs o ON o.id = r.org_id JOIN users u ON u.id = \
                 r.referred_by WHERE r.course_id = $1 AND r.client_id = $2",
                args![course, access.client()],
            )
            .await
    }

    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn evaluations(
        &self,
        access: &ClinicalAccess,
        course: CourseId,
    ) -> Result<Vec<EvaluationRow>, StoreError> {
        self.store
            .db
            .fetch_all(
                "SELECT e.decision, e.reasons, e.valid_until, e.recorded_at, u.display_name AS \
                 prescriber FROM evaluations e JOIN users u ON u.id = e.prescriber_id JOIN courses \
                 c ON c.id = e.course_id WHERE e.course_id = $1 AND c.client_id = $2 ORDER BY \
                 e.recorded_at DESC, e.id DESC",
                args![course, access.client()],
            )
            .await
    }

    /// Loads the current course of a client referred to the prescriber's organisation.
    async fn referred_course(
        &self,
        tx: &mut crate::Tx,
        access: &ClientAccess,
        actor: &Actor,
    ) -> Result<Option<CourseRow>, StoreError> {
        let Some(user) = crate::actor_uuid(actor) else {
            return Ok(None);
        };
        let Some(course) = current_course(tx, access.client()).await? else {
            return Ok(None);
        };
        let ok: bool = tx
            .scalar::<bool>(
                "SELECT COUNT(*) > 0 FROM referrals r JOIN users u ON u.partner_org_id = r.org_id \
                 WHERE r.course_id = $1 AND u.id = $2",
                args![course.id, user],
            )
            .await?;
        Ok(ok.then_some(course))
    }

    /// The prescriber's decision on the current course; "eligible" moves it to medication.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn record_evaluation(
        &self,
        access: &ClientAccess,
        eval: &Evaluation,
        actor: &Actor,
        now: OffsetDateTime,
    ) -> Result<Result<(), Refused>, StoreError> {
        let client = access.client();
        let mut tx = self.store.begin().await?;
        let Some(course) = self.referred_course(&mut tx, access, actor).await? else {
            return Ok(Err(Refused::NotFound));
        };
        if !matches!(
            course.stage,
            // Eligibility is renewed while the course goes on, too.
            Stage::MedicalEvaluation
                | Stage::Medication
                | Stage::ReadyForDosing
                | Stage::Dosing
                | Stage::Integration
        ) {
            return Ok(Err(Refused::Because(vec![
                "This course is not awaiting a medical evaluation.".into(),
            ])));
        }
        let id = EvaluationId::new();
        tx.exec(
            "INSERT INTO evaluations (id, course_id, prescriber_id, decision, reasons, \
                 valid_until, recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            args![
                id,
                course.id,
                crate::actor_uuid(actor),
                eval.decision,
                &eval.reasons,
                eval.valid_until,
                now
            ],
        )
        .await?;
        audit::append(
            &mut tx,
            &actor
                .entry("evaluation.recorded", now)
                .record("evaluation", id)
                .client(client)
                .because(eval.decision.as_str().to_owned()),
        )
        .await?;
        advance_if_ready(
            &mut tx,
            course.id,
            "Prescriber found the client eligible",
            actor,
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(Ok(()))
    }

    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn prescriptions(
        &self,
        access: &ClinicalAccess,
        course: CourseId,
    ) -> Result<Vec<PrescriptionRow>, StoreError> {
        self.store
            .db
            .fetch_all(
                concat!(
                    "SELECT ",
                    rx_columns!(),
                    " FROM prescriptions p JOIN users u ON u.id = p.prescriber_id JOIN courses c \
                     ON c.id = p.course_id WHERE p.course_id = $1 AND c.client_id = $2 ORDER BY \
                     p.prescribed_at DESC, p.id DESC"
                ),
                args![course, access.client()],
            )
            .await
    }

    /// A prescription on the current course; needs a standing "eligible". Supersedes the
    /// active one.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn prescribe(
        &self,
        access: &ClientAccess,
        rx: &Prescription,
        actor: &Actor,
        now: OffsetDateTime,
    ) -> Result<Result<PrescriptionId, Refused>, StoreError> {
        let client = access.client();
        let mut tx = self.store.begin().await?;
        let Some(course) = self.referred_course(&mut tx, access, actor).await? else {
            return Ok(Err(Refused::NotFound));
        };
        if !matches!(
            course.stage,
            Stage::Medication | Stage::ReadyForDosing | Stage::Dosing | Stage::Integration
        ) {
            return Ok(Err(Refused::Because(vec![
                "Record the evaluation as eligible before prescribing.".into(),
            ])));
        }
        let today = tx.zone().await?.today(now);
        let f = crate::courses::facts(&mut tx, &course, today).await?;
        match f.eligibility {
            Some(Eligibility::Eligible { valid_until }) if valid_until >= f.today => {}
            _ => return Ok(Err(because(&[Unmet::EligibilityExpired]))),
        }
        let id = insert_prescription(&mut tx, course.id, rx, crate::actor_uuid(actor), now).await?;
        audit::append(
            &mut tx,
            &actor
                .entry("prescription.created", now)
                .record("prescription", id)
                .client(client)
                .because(format!(
                    "{} mg; {} per session × {}",
                    rx.strength_mg,
                    mg_text(rx.plan.dose_ug),
                    rx.plan.sessions_planned
                )),
        )
        .await?;
        tx.commit().await?;
        Ok(Ok(id))
    }

    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn shipments(
        &self,
        access: &ClinicalAccess,
        course: CourseId,
    ) -> Result<Vec<ShipmentRow>, StoreError> {
        self.store
            .db
            .fetch_all(
                "SELECT id, prescription_id, carrier, tracking_number, shipped_on, received_at \
                 FROM shipments WHERE course_id = $1 AND course_id IN (SELECT id FROM courses \
                 WHERE client_id = $2) ORDER BY recorded_at DESC, id DESC",
                args![course, access.client()],
            )
            .await
    }

    /// The pharmacy shipped the active prescription.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn record_shipment(
        &self,
        access: &ClientAccess,
        s: &Shipment,
        actor: &Actor,
        now: OffsetDateTime,
    ) -> Result<Result<ShipmentId, Refused>, StoreError> {
        let client = access.client();
        let mut tx = self.store.begin().await?;
        let Some(course) = self.referred_course(&mut tx, access, actor).await? else {
            return Ok(Err(Refused::NotFound));
        };
        let Some(rx) = active_prescription(&mut tx, course.id).await? else {
            return Ok(Err(because(&[Unmet::NoActivePrescription])));
        };
        let id = ShipmentId::new();
        tx.exec(
            "INSERT INTO shipments (id, prescription_id, course_id, carrier, tracking_number, \
                 shipped_on, recorded_at, recorded_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            args![
                id,
                rx.id,
                course.id,
                &s.carrier,
                &s.tracking_number,
                s.shipped_on,
                now,
                crate::actor_uuid(actor)
            ],
        )
        .await?;
        audit::append(
            &mut tx,
            &actor
                .entry("shipment.recorded", now)
                .record("shipment", id)
                .client(client),
        )
        .await?;
        tx.commit().await?;
        Ok(Ok(id))
    }

    /// The client has the medication; the course moves to "ready for dosing" if every gate
    /// is met.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn record_receipt(
        &self,
        access: &ClientAccess,
        shipment: ShipmentId,
        actor: &Actor,
        now: OffsetDateTime,
    ) -> Result<Result<(), Refused>, StoreError> {
        let client = access.client();
        let mut tx = self.store.begin().await?;
        let Some(course) = self.referred_course(&mut tx, access, actor).await? else {
            return Ok(Err(Refused::NotFound));
        };
        let n = tx
            .exec(
                "UPDATE shipments SET received_at = $1, received_by = $2 WHERE id = $3 AND \
                 course_id = $4 AND received_at IS NULL",
                args![now, crate::actor_uuid(actor), shipment, course.id],
            )
            .await?;
        if n == 0 {
            return Ok(Err(Refused::NotFound));
        }
        audit::append(
            &mut tx,
            &actor
                .entry("shipment.received", now)
                .record("shipment", shipment)
                .client(client),
        )
        .await?;
        advance_if_ready(
            &mut tx,
            course.id,
            "Medication received by the client",
            actor,
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(Ok(()))
    }

    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn dose_requests(
        &self,
        access: &ClinicalAccess,
        course: CourseId,
    ) -> Result<Vec<DoseRequestRow>, StoreError> {
        self.store
            .db
            .fetch_all(
                "SELECT d.id, d.request, d.requested_at, u.display_name AS requested_by, d.answer, \
                 d.answer_note, d.answered_at FROM dose_change_requests d JOIN users u ON u.id = \
                 d.requested_by JOIN courses c ON c.id = d.course_id WHERE d.course_id = $1 AND \
                 c.client_id = $2 ORDER BY d.requested_at DESC, d.id DESC",
                args![course, access.client()],
            )
            .await
    }

    /// The therapist asks the prescriber for a dose change (words only).
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn request_dose_change(
        &self,
        access: &ClientAccess,
        request: &str,
        actor: &Actor,
        now: OffsetDateTime,
    ) -> Result<Result<DoseRequestId, Refused>, StoreError> {
        let client = access.client();
        let mut tx = self.store.begin().await?;
        let Some(course) = current_course(&mut tx, client).await? else {
            return Ok(Err(Refused::NotFound));
        };
        let Some(rx) = active_prescription(&mut tx, course.id).await? else {
            return Ok(Err(because(&[Unmet::NoActivePrescription])));
        };
        let id = DoseRequestId::new();
        tx.exec(
            "INSERT INTO dose_change_requests (id, course_id, prescription_id, request, \
                 requested_at, requested_by) VALUES ($1, $2, $3, $4, $5, $6)",
            args![id, course.id, rx.id, request, now, crate::actor_uuid(actor)],
        )
        .await?;
        let notice = outbox::Email::DoseChangeRequested { request_id: id };
        outbox::enqueue(&mut tx, &notice, now).await?;
        audit::append(
            &mut tx,
            &actor
                .entry("dose_change.requested", now)
                .record("dose_change_request", id)
                .client(client),
        )
        .await?;
        tx.commit().await?;
        Ok(Ok(id))
    }

    /// The prescriber answers; an approval writes a new prescription at the new strength that
    /// supersedes the active one.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn answer_dose_change(
        &self,
        access: &ClientAccess,
        request: DoseRequestId,
        a: &DoseChangeAnswer,
        actor: &Actor,
        now: OffsetDateTime,
    ) -> Result<Result<(), Refused>, StoreError> {
        let client = access.client();
        let mut tx = self.store.begin().await?;
        let Some(course) = self.referred_course(&mut tx, access, actor).await? else {
            return Ok(Err(Refused::NotFound));
        };
        let open: bool = tx
            .scalar::<bool>(
                "SELECT COUNT(*) > 0 FROM dose_change_requests WHERE id = $1 AND course_id = $2 \
                 AND answer IS NULL",
                args![request, course.id],
            )
            .await?;
        if !open {
            return Ok(Err(Refused::NotFound));
        }
        let mut new_rx = None;
        if let (DoseAnswer::Approved, Some(mg)) = (a.answer, a.new_strength_mg) {
            let Some(old) = active_prescription(&mut tx, course.id).await? else {
                return Ok(Err(because(&[Unmet::NoActivePrescription])));
            };
            // The request asked for a dose: the approved strength is the new dose per
            // session; how many sessions, how far apart, split and booster carry over.
            let plan = old.plan().unwrap_or_else(|| DosingPlan::usual(mg));
            let rx = Prescription {
                drug: old.drug,
                form: old.form,
                strength_mg: mg,
                quantity: u32::try_from(old.quantity).unwrap_or(1),
                directions: old.directions,
                pharmacy: old.pharmacy,
                plan: DosingPlan {
                    dose_ug: mg.saturating_mul(1000),
                    ..plan
                },
            };
            new_rx = Some(
                insert_prescription(&mut tx, course.id, &rx, crate::actor_uuid(actor), now).await?,
            );
        }
        tx.exec(
            "UPDATE dose_change_requests SET answer = $1, answer_note = $2, answered_at = $3, \
                 answered_by = $4, new_prescription_id = $5 WHERE id = $6",
            args![
                a.answer,
                &a.note,
                now,
                crate::actor_uuid(actor),
                new_rx,
                request
            ],
        )
        .await?;
        let notice = outbox::Email::DoseChangeAnswered {
            request_id: request,
        };
        outbox::enqueue(&mut tx, &notice, now).await?;
        audit::append(
            &mut tx,
            &actor
                .entry("dose_change.answered", now)
                .record("dose_change_request", request)
                .client(client)
                .because(a.answer.as_str().to_owned()),
        )
        .await?;
        tx.commit().await?;
        Ok(Ok(()))
    }
}
