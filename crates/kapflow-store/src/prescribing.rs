//! The partner prescriber's side of the pathway: organisations, referrals, evaluations,
//! prescriptions, shipments, dose-change requests, and the care team's messages about a
//! client. Only a prescriber's own acts write evaluations, prescriptions, shipments and dose
//! answers; a therapist can refer and *request* a change, never set a dose.

use crate::courses::{CourseRow, advance_if_ready, apply, current_course_tx};
use crate::{Store, StoreError, audit};
use kapflow_domain::pathway::{self, Eligibility, GateRefused, Stage, Transition, Unmet};
use kapflow_domain::prescribing::{
    DoseAnswer, DoseChangeAnswer, Evaluation, Prescription, Shipment,
};
use kapflow_domain::{Actor, AuditOutcome, ClientId};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ReferralRow {
    pub org_id: Uuid,
    pub org_name: String,
    pub referred_at: OffsetDateTime,
    pub referred_by: String,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct EvaluationRow {
    pub decision: String,
    pub reasons: String,
    pub valid_until: Option<Date>,
    pub recorded_at: OffsetDateTime,
    pub prescriber: String,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PrescriptionRow {
    pub id: Uuid,
    pub drug: String,
    pub form: String,
    pub strength_mg: i64,
    pub quantity: i64,
    pub directions: String,
    pub pharmacy: String,
    pub prescribed_at: OffsetDateTime,
    pub superseded_at: Option<OffsetDateTime>,
    pub prescriber: String,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ShipmentRow {
    pub id: Uuid,
    pub prescription_id: Uuid,
    pub carrier: String,
    pub tracking_number: String,
    pub shipped_on: Date,
    pub received_at: Option<OffsetDateTime>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DoseRequestRow {
    pub id: Uuid,
    pub request: String,
    pub requested_at: OffsetDateTime,
    pub requested_by: String,
    pub answer: Option<String>,
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
    course: Uuid,
) -> Result<Option<PrescriptionRow>, StoreError> {
    Ok(on_tx!(tx, c => sqlx::query_as(
        "SELECT p.id, p.drug, p.form, p.strength_mg, p.quantity, p.directions, p.pharmacy, p.prescribed_at, p.superseded_at, \
         u.display_name AS prescriber FROM prescriptions p JOIN users u ON u.id = p.prescriber_id \
         WHERE p.course_id = $1 AND p.superseded_at IS NULL"
    ).bind(course).fetch_optional(c).await)?)
}

async fn insert_prescription(
    tx: &mut crate::Tx,
    course: Uuid,
    rx: &Prescription,
    prescriber: Option<Uuid>,
    now: OffsetDateTime,
) -> Result<Uuid, StoreError> {
    on_tx!(tx, c => sqlx::query("UPDATE prescriptions SET superseded_at = $1 WHERE course_id = $2 AND superseded_at IS NULL")
        .bind(now).bind(course).execute(c).await.map(|r| r.rows_affected()))?;
    let id = Uuid::now_v7();
    on_tx!(tx, c => sqlx::query(
        "INSERT INTO prescriptions (id, course_id, prescriber_id, drug, form, strength_mg, quantity, directions, pharmacy, prescribed_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
    ).bind(id).bind(course).bind(prescriber).bind(&rx.drug).bind(rx.form.as_str()).bind(i64::from(rx.strength_mg))
        .bind(i64::from(rx.quantity)).bind(&rx.directions).bind(&rx.pharmacy).bind(now).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(id)
}

impl Store {
    /// Refers the current course to `org` and moves it to medical evaluation — only if every
    /// gate of that stage is met (signed release of information, KAP consent, readiness
    /// sign-off); otherwise nothing is kept and every unmet condition is returned.
    pub async fn refer(
        &self,
        client: ClientId,
        org: Uuid,
        actor: &Actor,
        now: OffsetDateTime,
    ) -> Result<Result<(), Refused>, StoreError> {
        let Some(by) = crate::actor_uuid(actor) else {
            return Ok(Err(Refused::NotFound));
        };
        let mut tx = self.begin().await?;
        let Some(course) = current_course_tx(&mut tx, client).await? else {
            return Ok(Err(Refused::NotFound));
        };
        let org_ok: bool = on_tx!(&mut tx, c => sqlx::query_scalar::<_, bool>("SELECT COUNT(*) > 0 FROM partner_orgs WHERE id = $1")
            .bind(org).fetch_one(c).await)?;
        if !org_ok {
            return Ok(Err(Refused::Because(vec![
                "Choose a partner organisation.".into(),
            ])));
        }
        if course.stage() != Stage::Preparation {
            return Ok(Err(Refused::Because(vec![
                "A client is referred at the end of preparation.".into(),
            ])));
        }
        on_tx!(&mut tx, c => sqlx::query(
            "INSERT INTO referrals (course_id, client_id, org_id, referred_at, referred_by) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (course_id) DO UPDATE SET org_id = excluded.org_id, referred_at = excluded.referred_at, referred_by = excluded.referred_by"
        ).bind(course.id).bind(client.as_uuid()).bind(org).bind(now).bind(by).execute(c).await.map(|r| r.rows_affected()))?;
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
                let payload =
                    serde_json::json!({ "template": "referral", "org_id": org.to_string() });
                crate::outbox::enqueue(&mut tx, "email", &payload.to_string(), now).await?;
                tx.commit().await?;
                Ok(Ok(()))
            }
            Err(GateRefused { reasons }) => {
                // Keep nothing of the attempt but its audit row.
                drop(tx);
                let mut tx = self.begin().await?;
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

    pub async fn referral(&self, course: Uuid) -> Result<Option<ReferralRow>, StoreError> {
        Ok(on_db!(self, c => sqlx::query_as(
            "SELECT r.org_id, o.name AS org_name, r.referred_at, u.display_name AS referred_by FROM referrals r \
             JOIN partner_orgs o ON o.id = r.org_id JOIN users u ON u.id = r.referred_by WHERE r.course_id = $1"
        ).bind(course).fetch_optional(c).await)?)
    }

    pub async fn evaluations(&self, course: Uuid) -> Result<Vec<EvaluationRow>, StoreError> {
        Ok(on_db!(self, c => sqlx::query_as(
            "SELECT e.decision, e.reasons, e.valid_until, e.recorded_at, u.display_name AS prescriber FROM evaluations e \
             JOIN users u ON u.id = e.prescriber_id WHERE e.course_id = $1 ORDER BY e.recorded_at DESC, e.id DESC"
        ).bind(course).fetch_all(c).await)?)
    }

    /// Loads the current course of a client referred to the prescriber's organisation.
    async fn referred_course(
        &self,
        tx: &mut crate::Tx,
        client: ClientId,
        actor: &Actor,
    ) -> Result<Option<CourseRow>, StoreError> {
        let Some(user) = crate::actor_uuid(actor) else {
            return Ok(None);
        };
        let Some(course) = current_course_tx(tx, client).await? else {
            return Ok(None);
        };
        let ok: bool = on_tx!(tx, c => sqlx::query_scalar::<_, bool>(
            "SELECT COUNT(*) > 0 FROM referrals r JOIN users u ON u.partner_org_id = r.org_id WHERE r.course_id = $1 AND u.id = $2"
        ).bind(course.id).bind(user).fetch_one(c).await)?;
        Ok(ok.then_some(course))
    }

    /// The prescriber's decision on the current course; "eligible" moves it to medication.
    pub async fn record_evaluation(
        &self,
        client: ClientId,
        eval: &Evaluation,
        actor: &Actor,
        now: OffsetDateTime,
    ) -> Result<Result<(), Refused>, StoreError> {
        let mut tx = self.begin().await?;
        let Some(course) = self.referred_course(&mut tx, client, actor).await? else {
            return Ok(Err(Refused::NotFound));
        };
        if !matches!(
            course.stage(),
            Stage::MedicalEvaluation | Stage::Medication | Stage::ReadyForDosing
        ) {
            return Ok(Err(Refused::Because(vec![
                "This course is not awaiting a medical evaluation.".into(),
            ])));
        }
        let id = Uuid::now_v7();
        on_tx!(&mut tx, c => sqlx::query(
            "INSERT INTO evaluations (id, course_id, prescriber_id, decision, reasons, valid_until, recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7)"
        ).bind(id).bind(course.id).bind(crate::actor_uuid(actor)).bind(eval.decision.as_str()).bind(&eval.reasons).bind(eval.valid_until).bind(now)
            .execute(c).await.map(|r| r.rows_affected()))?;
        let mut entry = actor
            .entry("evaluation.recorded", now)
            .record("evaluation", id)
            .client(client);
        entry.reason = Some(eval.decision.as_str().to_owned());
        audit::append(&mut tx, &entry).await?;
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

    pub async fn prescriptions(&self, course: Uuid) -> Result<Vec<PrescriptionRow>, StoreError> {
        Ok(on_db!(self, c => sqlx::query_as(
            "SELECT p.id, p.drug, p.form, p.strength_mg, p.quantity, p.directions, p.pharmacy, p.prescribed_at, p.superseded_at, \
             u.display_name AS prescriber FROM prescriptions p JOIN users u ON u.id = p.prescriber_id \
             WHERE p.course_id = $1 ORDER BY p.prescribed_at DESC, p.id DESC"
        ).bind(course).fetch_all(c).await)?)
    }

    /// A prescription on the current course; needs a standing "eligible". Supersedes the
    /// active one.
    pub async fn prescribe(
        &self,
        client: ClientId,
        rx: &Prescription,
        actor: &Actor,
        now: OffsetDateTime,
    ) -> Result<Result<Uuid, Refused>, StoreError> {
        let mut tx = self.begin().await?;
        let Some(course) = self.referred_course(&mut tx, client, actor).await? else {
            return Ok(Err(Refused::NotFound));
        };
        if !matches!(course.stage(), Stage::Medication | Stage::ReadyForDosing) {
            return Ok(Err(Refused::Because(vec![
                "Record the evaluation as eligible before prescribing.".into(),
            ])));
        }
        let f = crate::courses::facts(&mut tx, &course, pathway::today(now)).await?;
        match f.eligibility {
            Some(Eligibility::Eligible { valid_until }) if valid_until >= f.today => {}
            _ => return Ok(Err(because(&[Unmet::EligibilityExpired]))),
        }
        let id = insert_prescription(&mut tx, course.id, rx, crate::actor_uuid(actor), now).await?;
        let mut entry = actor
            .entry("prescription.created", now)
            .record("prescription", id)
            .client(client);
        entry.reason = Some(format!("{} mg", rx.strength_mg));
        audit::append(&mut tx, &entry).await?;
        tx.commit().await?;
        Ok(Ok(id))
    }

    pub async fn shipments(&self, course: Uuid) -> Result<Vec<ShipmentRow>, StoreError> {
        Ok(on_db!(self, c => sqlx::query_as(
            "SELECT id, prescription_id, carrier, tracking_number, shipped_on, received_at FROM shipments \
             WHERE course_id = $1 ORDER BY recorded_at DESC, id DESC"
        ).bind(course).fetch_all(c).await)?)
    }

    /// The pharmacy shipped the active prescription.
    pub async fn record_shipment(
        &self,
        client: ClientId,
        s: &Shipment,
        actor: &Actor,
        now: OffsetDateTime,
    ) -> Result<Result<Uuid, Refused>, StoreError> {
        let mut tx = self.begin().await?;
        let Some(course) = self.referred_course(&mut tx, client, actor).await? else {
            return Ok(Err(Refused::NotFound));
        };
        let Some(rx) = active_prescription(&mut tx, course.id).await? else {
            return Ok(Err(because(&[Unmet::NoActivePrescription])));
        };
        let id = Uuid::now_v7();
        on_tx!(&mut tx, c => sqlx::query(
            "INSERT INTO shipments (id, prescription_id, course_id, carrier, tracking_number, shipped_on, recorded_at, recorded_by) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
        ).bind(id).bind(rx.id).bind(course.id).bind(&s.carrier).bind(&s.tracking_number).bind(s.shipped_on).bind(now).bind(crate::actor_uuid(actor))
            .execute(c).await.map(|r| r.rows_affected()))?;
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
    pub async fn record_receipt(
        &self,
        client: ClientId,
        shipment: Uuid,
        actor: &Actor,
        now: OffsetDateTime,
    ) -> Result<Result<(), Refused>, StoreError> {
        let mut tx = self.begin().await?;
        let Some(course) = self.referred_course(&mut tx, client, actor).await? else {
            return Ok(Err(Refused::NotFound));
        };
        let n = on_tx!(&mut tx, c => sqlx::query(
            "UPDATE shipments SET received_at = $1, received_by = $2 WHERE id = $3 AND course_id = $4 AND received_at IS NULL"
        ).bind(now).bind(crate::actor_uuid(actor)).bind(shipment).bind(course.id).execute(c).await.map(|r| r.rows_affected()))?;
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

    pub async fn dose_requests(&self, course: Uuid) -> Result<Vec<DoseRequestRow>, StoreError> {
        Ok(on_db!(self, c => sqlx::query_as(
            "SELECT d.id, d.request, d.requested_at, u.display_name AS requested_by, d.answer, d.answer_note, d.answered_at \
             FROM dose_change_requests d JOIN users u ON u.id = d.requested_by WHERE d.course_id = $1 \
             ORDER BY d.requested_at DESC, d.id DESC"
        ).bind(course).fetch_all(c).await)?)
    }

    /// The therapist asks the prescriber for a dose change (words only).
    pub async fn request_dose_change(
        &self,
        client: ClientId,
        request: &str,
        actor: &Actor,
        now: OffsetDateTime,
    ) -> Result<Result<Uuid, Refused>, StoreError> {
        let mut tx = self.begin().await?;
        let Some(course) = current_course_tx(&mut tx, client).await? else {
            return Ok(Err(Refused::NotFound));
        };
        let Some(rx) = active_prescription(&mut tx, course.id).await? else {
            return Ok(Err(because(&[Unmet::NoActivePrescription])));
        };
        let id = Uuid::now_v7();
        on_tx!(&mut tx, c => sqlx::query(
            "INSERT INTO dose_change_requests (id, course_id, prescription_id, request, requested_at, requested_by) VALUES ($1, $2, $3, $4, $5, $6)"
        ).bind(id).bind(course.id).bind(rx.id).bind(request).bind(now).bind(crate::actor_uuid(actor)).execute(c).await.map(|r| r.rows_affected()))?;
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
    pub async fn answer_dose_change(
        &self,
        client: ClientId,
        request: Uuid,
        a: &DoseChangeAnswer,
        actor: &Actor,
        now: OffsetDateTime,
    ) -> Result<Result<(), Refused>, StoreError> {
        let mut tx = self.begin().await?;
        let Some(course) = self.referred_course(&mut tx, client, actor).await? else {
            return Ok(Err(Refused::NotFound));
        };
        let open: bool = on_tx!(&mut tx, c => sqlx::query_scalar::<_, bool>(
            "SELECT COUNT(*) > 0 FROM dose_change_requests WHERE id = $1 AND course_id = $2 AND answer IS NULL"
        ).bind(request).bind(course.id).fetch_one(c).await)?;
        if !open {
            return Ok(Err(Refused::NotFound));
        }
        let mut new_rx = None;
        if let (DoseAnswer::Approved, Some(mg)) = (a.answer, a.new_strength_mg) {
            let Some(old) = active_prescription(&mut tx, course.id).await? else {
                return Ok(Err(because(&[Unmet::NoActivePrescription])));
            };
            let rx = Prescription {
                drug: old.drug,
                form: kapflow_domain::prescribing::DoseForm::parse(&old.form)
                    .ok_or_else(|| StoreError::Corrupt("prescription form".into()))?,
                strength_mg: mg,
                quantity: u32::try_from(old.quantity).unwrap_or(1),
                directions: old.directions,
                pharmacy: old.pharmacy,
            };
            new_rx = Some(
                insert_prescription(&mut tx, course.id, &rx, crate::actor_uuid(actor), now).await?,
            );
        }
        on_tx!(&mut tx, c => sqlx::query(
            "UPDATE dose_change_requests SET answer = $1, answer_note = $2, answered_at = $3, answered_by = $4, new_prescription_id = $5 WHERE id = $6"
        ).bind(a.answer.as_str()).bind(&a.note).bind(now).bind(crate::actor_uuid(actor)).bind(new_rx).bind(request)
            .execute(c).await.map(|r| r.rows_affected()))?;
        let mut entry = actor
            .entry("dose_change.answered", now)
            .record("dose_change_request", request)
            .client(client);
        entry.reason = Some(a.answer.as_str().to_owned());
        audit::append(&mut tx, &entry).await?;
        tx.commit().await?;
        Ok(Ok(()))
    }
}
