//! Client records, care teams (caseloads) and the caseload list. Who may see what is decided by
//! `kapflow_domain::access` (see `access`); lists are scoped in SQL so a row the caller may not
//! see is never read.

use crate::access::RELEASE_STANDS;
use crate::alerts::{open_level, shown_to_member, shown_to_prescriber};
use crate::error::UniqueOr;
use crate::idempotency::{self, Claim};
use crate::inquiries::{InboxScope, like_pattern};
use crate::sql::{Arg, OptText, OptUuid};
use crate::{ClientAccess, StoreError, audit, courses, lookup};
use kapflow_domain::client::{CaseloadSort, Concerns, NewClient, Sensitivity};
use kapflow_domain::inquiry::InquiryStatus;
use kapflow_domain::measures::schedule::AlertLevel;
use kapflow_domain::pathway::Stage;
use kapflow_domain::{Actor, AuditOutcome, ClientId, InquiryId, OrgId, Role, UserId};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

crate::topic!(
    /// Client records, care teams and caseloads.
    Clients
);

pub const PAGE_SIZE: i64 = 50;

/// A client's demographic record.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ClientRecord {
    #[sqlx(try_from = "Uuid")]
    pub id: ClientId,
    pub created_at: OffsetDateTime,
    pub legal_name: String,
    pub preferred_name: Option<String>,
    pub pronouns: Option<String>,
    pub date_of_birth: Date,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub address: Option<String>,
    pub emergency_name: Option<String>,
    pub emergency_phone: Option<String>,
    pub support_name: Option<String>,
    pub support_phone: Option<String>,
    #[sqlx(try_from = "String")]
    pub concerns: Concerns,
    #[sqlx(try_from = "String")]
    pub sensitivity: Sensitivity,
    #[sqlx(try_from = "OptUuid")]
    pub inquiry_id: Option<InquiryId>,
}

/// One line of a caseload.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CaseloadRow {
    #[sqlx(try_from = "Uuid")]
    pub id: ClientId,
    pub legal_name: String,
    pub preferred_name: Option<String>,
    pub date_of_birth: Date,
    pub created_at: OffsetDateTime,
    #[sqlx(try_from = "OptText")]
    pub stage: Option<Stage>,
    /// The most serious open risk alert's level, only where the caller reads the client's
    /// clinical record (care team, the referral's prescriber); never for front desk.
    #[sqlx(try_from = "OptText")]
    pub risk: Option<AlertLevel>,
}

/// One page of a caseload.
#[derive(Debug, Clone)]
pub struct CaseloadPage {
    pub rows: Vec<CaseloadRow>,
    pub total: i64,
}

/// Whose caseload a list serves: owner and front desk see every client, a therapist their
/// care team's clients, a prescriber the clients referred to their organisation.
#[derive(Clone, Copy, Debug)]
pub struct CaseloadScope {
    pub user: UserId,
    pub role: Role,
}

/// A clinician on a client's care team.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TeamMember {
    #[sqlx(try_from = "Uuid")]
    pub user_id: UserId,
    pub display_name: String,
    #[sqlx(try_from = "String")]
    pub role: Role,
}

fn order_by(sort: CaseloadSort) -> &'static str {
    // Fixed SQL per key: the request never supplies a column name.
    match sort {
        CaseloadSort::Name => "ORDER BY lower(c.legal_name), c.id",
        CaseloadSort::Newest => "ORDER BY c.created_at DESC, c.id DESC",
        CaseloadSort::Stage => {
            "ORDER BY CASE stage WHEN 'assessment' THEN 1 WHEN 'preparation' THEN 2 \
             WHEN 'medical_evaluation' THEN 3 WHEN 'medication' THEN 4 WHEN 'ready_for_dosing' THEN 5 \
             WHEN 'discontinued' THEN 7 ELSE 6 END, lower(c.legal_name), c.id"
        }
    }
}

/// The record's columns in the order both writes bind them: `$3` legal name … `$16` sensitivity
/// (`$1` is the id, `$2` the time).
fn record_args<'a>(id: ClientId, now: OffsetDateTime, c: &'a NewClient) -> [Arg<'a>; 16] {
    [
        Arg::from(id),
        Arg::from(now),
        Arg::from(&c.legal_name),
        Arg::from(c.preferred_name.as_deref()),
        Arg::from(search_text(c)),
        Arg::from(c.pronouns.as_deref()),
        Arg::from(c.date_of_birth),
        Arg::from(c.email.as_ref().map(|e| e.as_str())),
        Arg::from(c.phone.as_deref()),
        Arg::from(c.address.as_deref()),
        Arg::from(c.emergency_name.as_deref()),
        Arg::from(c.emergency_phone.as_deref()),
        Arg::from(c.support_name.as_deref()),
        Arg::from(c.support_phone.as_deref()),
        Arg::from(c.concerns_text()),
        Arg::from(c.sensitivity),
    ]
}

fn search_text(c: &NewClient) -> String {
    let mut s = c.legal_name.to_lowercase();
    if let Some(p) = &c.preferred_name {
        s.push(' ');
        s.push_str(&p.to_lowercase());
    }
    s
}

/// What creating a client came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Created {
    Client(ClientId),
    /// The same form submitted twice: the first submission's client.
    Repeat(ClientId),
    /// The form key was used for something else.
    KeyReused,
    /// The inquiry was already turned into a client.
    InquiryTaken,
    /// No inquiry with that id is in the caller's inbox (it does not exist, or is assigned to
    /// someone else): refused and audited, and nothing is created.
    InquiryNotFound,
}

async fn add_member(
    tx: &mut crate::Tx,
    client: ClientId,
    user: UserId,
    now: OffsetDateTime,
) -> Result<(), StoreError> {
    tx.exec(
        "INSERT INTO care_team (client_id, user_id, added_at) VALUES ($1, $2, $3) ON CONFLICT \
             (client_id, user_id) DO NOTHING",
        args![client, user, now],
    )
    .await?;
    Ok(())
}

impl Clients<'_> {
    /// Creates a client (optionally from an inquiry the caller may see, as `scope` says, which
    /// is marked "became client"), puts `team` on the care team, opens course 1 at assessment —
    /// one transaction, audited.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn create(
        &self,
        form_key: &str,
        client: &NewClient,
        from: Option<(InquiryId, InboxScope)>,
        team: &[UserId],
        actor: &Actor,
        now: OffsetDateTime,
    ) -> Result<Created, StoreError> {
        let inquiry = from.map(|(id, _)| id);
        let mut tx = self.store.begin().await?;
        if let Some((inq, scope)) = from
            && !crate::inquiries::visible(&mut tx, scope, inq).await?
        {
            let entry = actor
                .entry("client.created", now)
                .record("inquiry", inq)
                .outcome(
                    AuditOutcome::Denied,
                    Some("inquiry not found or not assigned"),
                );
            audit::append(&mut tx, &entry).await?;
            tx.commit().await?;
            return Ok(Created::InquiryNotFound);
        }
        let request_hash = kapflow_domain::token::token_hash(&format!(
            "{}|{}|{:?}",
            client.legal_name, client.date_of_birth, inquiry
        ));
        let scope = format!(
            "client:{}",
            actor.user.map(|(u, _)| u.to_string()).unwrap_or_default()
        );
        match idempotency::claim(&mut tx, &scope, form_key, &request_hash, now).await? {
            Claim::Fresh => {}
            Claim::Replay { body, .. } => {
                return Ok(ClientId::parse(&body).map_or(Created::KeyReused, Created::Repeat));
            }
            Claim::KeyReused => return Ok(Created::KeyReused),
        }
        if let Some(inq) = inquiry {
            let taken: bool = tx
                .scalar(
                    "SELECT COUNT(*) > 0 FROM clients WHERE inquiry_id = $1",
                    args![inq],
                )
                .await?;
            if taken {
                return Ok(Created::InquiryTaken);
            }
        }
        let id = ClientId::new();
        // The check above can race with another request taking the same inquiry (PostgreSQL);
        // its unique link then refuses this one, and that is the same answer.
        let inserted = tx
            .exec(
                "INSERT INTO clients (id, created_at, updated_at, legal_name, preferred_name, \
                 search_text, pronouns, date_of_birth, email, phone, address, emergency_name, \
                 emergency_phone, support_name, support_phone, concerns, sensitivity, inquiry_id, \
                 created_by) VALUES ($1, $2, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, \
                 $14, $15, $16, $17, $18)",
                &[
                    &record_args(id, now, client)[..],
                    args![inquiry, crate::actor_uuid(actor)],
                ]
                .concat(),
            )
            .await
            .or_duplicate()?;
        if inserted.is_none() {
            return Ok(Created::InquiryTaken);
        }
        for member in team {
            add_member(&mut tx, id, *member, now).await?;
        }
        if let Some(inq) = inquiry {
            let n = tx
                .exec(
                    "UPDATE inquiries SET status = $1, updated_at = $2 WHERE id = $3",
                    args![InquiryStatus::BecameClient, now, inq],
                )
                .await?;
            if n == 1 {
                tx.exec(
                    "INSERT INTO inquiry_events (id, inquiry_id, at, actor_id, kind, detail) \
                         VALUES ($1, $2, $3, $4, 'status', 'Became a client')",
                    args![Uuid::now_v7(), inq, now, crate::actor_uuid(actor)],
                )
                .await?;
            }
        }
        audit::append(
            &mut tx,
            &actor
                .entry("client.created", now)
                .record("client", id)
                .client(id),
        )
        .await?;
        courses::open(&mut tx, id, 1, actor, now).await?;
        idempotency::complete(&mut tx, &scope, form_key, 303, &id.to_string()).await?;
        tx.commit().await?;
        Ok(Created::Client(id))
    }

    /// Changes the demographic record; audited with the client.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn update(
        &self,
        access: &ClientAccess,
        client: &NewClient,
        actor: &Actor,
        now: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        let id = access.client();
        let tx = self.store.begin().await?;
        let entry = actor
            .entry("client.updated", now)
            .record("client", id)
            .client(id);
        audit::change(
            tx,
            "UPDATE clients SET updated_at = $2, legal_name = $3, preferred_name = $4, \
                     search_text = $5, pronouns = $6, date_of_birth = $7, email = $8, phone = $9, \
                     address = $10, emergency_name = $11, emergency_phone = $12, support_name = \
                     $13, support_phone = $14, concerns = $15, sensitivity = $16 WHERE id = $1",
            &record_args(id, now, client),
            &entry,
        )
        .await
    }

    /// The client's demographic record.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn get(&self, access: &ClientAccess) -> Result<Option<ClientRecord>, StoreError> {
        self.store
            .db
            .fetch_optional(
                "SELECT id, created_at, legal_name, preferred_name, pronouns, date_of_birth, \
                     email, phone, address, emergency_name, emergency_phone, support_name, \
                     support_phone, concerns, sensitivity, inquiry_id FROM clients WHERE id = $1",
                args![access.client()],
            )
            .await
    }

    /// One page of the caller's caseload, optionally matching `search` in the names.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn caseload(
        &self,
        scope: CaseloadScope,
        search: Option<&str>,
        sort: CaseloadSort,
        page: i64,
    ) -> Result<CaseloadPage, StoreError> {
        let empty = CaseloadPage {
            rows: vec![],
            total: 0,
        };
        let (team_of, org_of): (Option<UserId>, Option<OrgId>) = match scope.role {
            Role::Owner | Role::FrontDesk => (None, None),
            Role::Therapist => (Some(scope.user), None),
            Role::Prescriber => match self.store.partner_orgs().of(scope.user).await? {
                Some(org) => (None, Some(org)),
                None => return Ok(empty),
            },
            Role::Client => return Ok(empty),
        };
        let pattern = search.map(like_pattern);
        // Only constant SQL is spliced in (the filter and `order_by`); values are bound.
        let filter = format!(
            "FROM clients c WHERE ($1 IS NULL OR EXISTS (SELECT 1 FROM care_team t WHERE t.client_id = c.id AND t.user_id = $1)) \
             AND ($2 IS NULL OR (EXISTS (SELECT 1 FROM referrals r WHERE r.client_id = c.id AND r.org_id = $2) AND {RELEASE_STANDS})) \
             AND ($3 IS NULL OR c.search_text LIKE $3 ESCAPE '\\')"
        );
        let total: i64 = self
            .store
            .db
            .scalar(
                sqlx::AssertSqlSafe(format!("SELECT COUNT(*) {filter}")),
                args![team_of, org_of, pattern.as_deref()],
            )
            .await?;
        // Whose rows show their risk: a prescriber's rows are all referrals with the release
        // standing (the filter above); anyone else's, the care team's (break-glass shows on the
        // client's page).
        let every_row = scope.role == Role::Prescriber && shown_to_prescriber();
        let as_member = shown_to_member(scope.user, scope.role);
        let sql = format!(
            "SELECT c.id, c.legal_name, c.preferred_name, c.date_of_birth, c.created_at, \
             (SELECT co.stage FROM courses co WHERE co.client_id = c.id ORDER BY co.number DESC LIMIT 1) AS stage, \
             {} AS risk {filter} {} LIMIT $4 OFFSET $5",
            open_level(
                "c.id",
                "($6 OR EXISTS (SELECT 1 FROM care_team t WHERE t.client_id = c.id AND t.user_id = $7))"
            ),
            order_by(sort)
        );
        let page = page.max(1);
        let rows: Vec<CaseloadRow> = self
            .store
            .db
            .fetch_all(
                sqlx::AssertSqlSafe(sql),
                args![
                    team_of,
                    org_of,
                    pattern.as_deref(),
                    PAGE_SIZE,
                    (page - 1) * PAGE_SIZE,
                    every_row,
                    as_member
                ],
            )
            .await?;
        Ok(CaseloadPage { rows, total })
    }

    /// The clinicians on the client's care team.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn care_team(&self, access: &ClientAccess) -> Result<Vec<TeamMember>, StoreError> {
        self.store
            .db
            .fetch_all(
                "SELECT u.id AS user_id, u.display_name, u.role FROM care_team t JOIN users u \
                     ON u.id = t.user_id WHERE t.client_id = $1 ORDER BY u.display_name",
                args![access.client()],
            )
            .await
    }

    /// Adds or removes one clinician; refuses accounts that cannot hold a caseload.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn change_care_team(
        &self,
        access: &ClientAccess,
        member: UserId,
        add: bool,
        actor: &Actor,
        now: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        let id = access.client();
        let mut tx = self.store.begin().await?;
        if !lookup::client_exists(&mut tx, id).await? {
            return Ok(false);
        }
        let clinician: bool = tx
            .scalar(
                "SELECT COUNT(*) > 0 FROM users WHERE id = $1 AND role IN ($2, $3) AND \
                     disabled_at IS NULL",
                args![member, Role::Owner, Role::Therapist],
            )
            .await?;
        if add && !clinician {
            return Ok(false);
        }
        if add {
            add_member(&mut tx, id, member, now).await?;
        } else {
            tx.exec(
                "DELETE FROM care_team WHERE client_id = $1 AND user_id = $2",
                args![id, member],
            )
            .await?;
        }
        let action = if add {
            "care_team.added"
        } else {
            "care_team.removed"
        };
        audit::append(
            &mut tx,
            &actor.entry(action, now).record("user", member).client(id),
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// The caller puts themselves on the client's care team, which opens the clinical record to
    /// them with no time limit. Treated like break-glass: a stated reason in the audit trail,
    /// and the clinicians already on the team are told (by email, no client details). False
    /// when the caller is no clinician or is already on the team.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn join_care_team(
        &self,
        access: &ClientAccess,
        me: UserId,
        reason: &str,
        actor: &Actor,
        now: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        let id = access.client();
        let mut tx = self.store.begin().await?;
        let eligible: bool = tx
            .scalar(
                "SELECT COUNT(*) > 0 FROM users WHERE id = $1 AND role IN ($2, $3) AND \
                 disabled_at IS NULL AND NOT EXISTS (SELECT 1 FROM care_team WHERE client_id = $4 \
                 AND user_id = $1)",
                args![me, Role::Owner, Role::Therapist, id],
            )
            .await?;
        if !lookup::client_exists(&mut tx, id).await? || !eligible {
            return Ok(false);
        }
        add_member(&mut tx, id, me, now).await?;
        let entry = actor
            .entry("care_team.joined", now)
            .record("user", me)
            .client(id)
            .because(reason.to_owned());
        audit::append(&mut tx, &entry).await?;
        crate::outbox::enqueue(
            &mut tx,
            &crate::outbox::Email::CareTeamJoined {
                client_id: id,
                user_id: me,
            },
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Who else is on the client's care team besides `except` (for the notice of a join).
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn team_emails_except(
        &self,
        client: ClientId,
        except: UserId,
    ) -> Result<Vec<String>, StoreError> {
        self.store
            .db
            .scalars(
                "SELECT u.email FROM care_team t JOIN users u ON u.id = t.user_id WHERE \
                 t.client_id = $1 AND t.user_id <> $2 AND u.disabled_at IS NULL ORDER BY u.email",
                args![client, except],
            )
            .await
    }

    /// The client an inquiry became, if it became one.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn of_inquiry(&self, inquiry: InquiryId) -> Result<Option<ClientId>, StoreError> {
        let id: Option<Uuid> = self
            .store
            .db
            .scalar_optional(
                "SELECT id FROM clients WHERE inquiry_id = $1",
                args![inquiry],
            )
            .await?;
        Ok(id.map(ClientId::from_uuid))
    }
}
