//! Client records, care teams (caseloads), the caseload list and how a user stands to a client.
//! Who may see what is decided by `kapflow_domain::access`; this module answers the facts the
//! decision needs (`relationship`) and scopes lists in SQL so a row the caller may not see is
//! never read.

use crate::idempotency::{self, Claim};
use crate::inquiries::like_pattern;
use crate::{Store, StoreError, Tx, audit};
use kapflow_domain::access::Relationship;
use kapflow_domain::client::{CaseloadSort, NewClient};
use kapflow_domain::pathway::Stage;
use kapflow_domain::{Actor, ClientId, Role, UserId};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

pub const PAGE_SIZE: i64 = 50;

/// The client `c` has a signed, unrevoked release of information: without it the prescriber
/// organisation neither sees the client in its list nor opens the record (one condition for
/// both, so they cannot disagree).
pub(crate) const RELEASE_STANDS: &str = "EXISTS (SELECT 1 FROM consent_signatures s \
     JOIN consent_documents d ON d.id = s.document_id \
     WHERE s.client_id = c.id AND d.kind = 'release_of_information' AND s.revoked_at IS NULL)";

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ClientRecord {
    pub id: Uuid,
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
    pub concerns: String,
    pub sensitivity: String,
    pub inquiry_id: Option<Uuid>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CaseloadRow {
    pub id: Uuid,
    pub legal_name: String,
    pub preferred_name: Option<String>,
    pub date_of_birth: Date,
    pub created_at: OffsetDateTime,
    pub stage: Option<String>,
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

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TeamMember {
    pub user_id: Uuid,
    pub display_name: String,
    pub role: String,
}

/// How the caller stands to a client, and until when a break-glass grant runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Standing {
    pub relationship: Relationship,
    pub break_glass_until: Option<OffsetDateTime>,
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

fn search_text(c: &NewClient) -> String {
    let mut s = c.legal_name.to_lowercase();
    if let Some(p) = &c.preferred_name {
        s.push(' ');
        s.push_str(&p.to_lowercase());
    }
    s
}

pub(crate) async fn client_exists(tx: &mut Tx, id: ClientId) -> Result<bool, StoreError> {
    Ok(
        on_tx!(tx, c => sqlx::query_scalar::<_, bool>("SELECT COUNT(*) > 0 FROM clients WHERE id = $1")
        .bind(id.as_uuid()).fetch_one(c).await)?,
    )
}

/// Opens course 1 at assessment for a new client, with its first history row.
async fn open_course(
    tx: &mut Tx,
    client: ClientId,
    actor: Option<UserId>,
    now: OffsetDateTime,
) -> Result<Uuid, StoreError> {
    let number: i64 = on_tx!(tx, c => sqlx::query_scalar(
        "SELECT COALESCE(MAX(number), 0) + 1 FROM courses WHERE client_id = $1"
    ).bind(client.as_uuid()).fetch_one(c).await)?;
    let id = Uuid::now_v7();
    on_tx!(tx, c => sqlx::query(
        "INSERT INTO courses (id, client_id, number, stage, opened_at) VALUES ($1, $2, $3, 'assessment', $4)"
    ).bind(id).bind(client.as_uuid()).bind(number).bind(now).execute(c).await.map(|r| r.rows_affected()))?;
    on_tx!(tx, c => sqlx::query(
        "INSERT INTO course_transitions (id, course_id, at, actor_id, from_stage, to_stage, reason) \
         VALUES ($1, $2, $3, $4, NULL, 'assessment', 'Course opened')"
    ).bind(Uuid::now_v7()).bind(id).bind(now).bind(actor.map(|a| a.as_uuid())).execute(c).await.map(|r| r.rows_affected()))?;
    crate::measures::schedule_baseline(tx, client.as_uuid(), id, actor.map(|a| a.as_uuid()), now)
        .await?;
    Ok(id)
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
}

impl Store {
    /// Creates a client (optionally from an inquiry, which is marked "became client"), puts
    /// `team` on the care team, opens course 1 at assessment — one transaction, audited.
    #[allow(clippy::too_many_arguments)]
    pub async fn create_client(
        &self,
        form_key: &str,
        client: &NewClient,
        inquiry: Option<Uuid>,
        team: &[UserId],
        actor: &Actor,
        now: OffsetDateTime,
    ) -> Result<Created, StoreError> {
        let mut tx = self.begin().await?;
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
            let taken: bool = on_tx!(&mut tx, c => sqlx::query_scalar::<_, bool>(
                "SELECT COUNT(*) > 0 FROM clients WHERE inquiry_id = $1"
            ).bind(inq).fetch_one(c).await)?;
            if taken {
                return Ok(Created::InquiryTaken);
            }
        }
        let id = ClientId::new();
        on_tx!(&mut tx, c => sqlx::query(
            "INSERT INTO clients (id, created_at, updated_at, legal_name, preferred_name, search_text, pronouns, \
             date_of_birth, email, phone, address, emergency_name, emergency_phone, support_name, support_phone, \
             concerns, sensitivity, inquiry_id, created_by) \
             VALUES ($1, $2, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)"
        )
        .bind(id.as_uuid()).bind(now).bind(&client.legal_name).bind(&client.preferred_name).bind(search_text(client))
        .bind(&client.pronouns).bind(client.date_of_birth).bind(client.email.as_ref().map(|e| e.as_str()))
        .bind(&client.phone).bind(&client.address).bind(&client.emergency_name).bind(&client.emergency_phone)
        .bind(&client.support_name).bind(&client.support_phone).bind(client.concerns_text())
        .bind(client.sensitivity.as_str()).bind(inquiry).bind(crate::actor_uuid(actor))
        .execute(c).await.map(|r| r.rows_affected()))?;
        for member in team {
            add_member(&mut tx, id, *member, now).await?;
        }
        let course = open_course(&mut tx, id, actor.user.map(|(u, _)| u), now).await?;
        if let Some(inq) = inquiry {
            let n = on_tx!(&mut tx, c => sqlx::query(
                "UPDATE inquiries SET status = 'became_client', updated_at = $1 WHERE id = $2"
            ).bind(now).bind(inq).execute(c).await.map(|r| r.rows_affected()))?;
            if n == 1 {
                on_tx!(&mut tx, c => sqlx::query(
                    "INSERT INTO inquiry_events (id, inquiry_id, at, actor_id, kind, detail) VALUES ($1, $2, $3, $4, 'status', 'Became a client')"
                ).bind(Uuid::now_v7()).bind(inq).bind(now).bind(crate::actor_uuid(actor))
                    .execute(c).await.map(|r| r.rows_affected()))?;
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
        audit::append(
            &mut tx,
            &actor
                .entry("course.opened", now)
                .record("course", course)
                .client(id),
        )
        .await?;
        idempotency::complete(&mut tx, &scope, form_key, 303, &id.to_string()).await?;
        tx.commit().await?;
        Ok(Created::Client(id))
    }

    /// Changes the demographic record; audited with the client.
    pub async fn update_client(
        &self,
        id: ClientId,
        client: &NewClient,
        actor: &Actor,
        now: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin().await?;
        let n = on_tx!(&mut tx, c => sqlx::query(
            "UPDATE clients SET updated_at = $2, legal_name = $3, preferred_name = $4, search_text = $5, pronouns = $6, \
             date_of_birth = $7, email = $8, phone = $9, address = $10, emergency_name = $11, emergency_phone = $12, \
             support_name = $13, support_phone = $14, concerns = $15, sensitivity = $16 WHERE id = $1"
        )
        .bind(id.as_uuid()).bind(now).bind(&client.legal_name).bind(&client.preferred_name).bind(search_text(client))
        .bind(&client.pronouns).bind(client.date_of_birth).bind(client.email.as_ref().map(|e| e.as_str()))
        .bind(&client.phone).bind(&client.address).bind(&client.emergency_name).bind(&client.emergency_phone)
        .bind(&client.support_name).bind(&client.support_phone).bind(client.concerns_text())
        .bind(client.sensitivity.as_str())
        .execute(c).await.map(|r| r.rows_affected()))?;
        if n == 0 {
            return Ok(false);
        }
        audit::append(
            &mut tx,
            &actor
                .entry("client.updated", now)
                .record("client", id)
                .client(id),
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    pub async fn client(&self, id: ClientId) -> Result<Option<ClientRecord>, StoreError> {
        Ok(on_db!(self, c => sqlx::query_as(
            "SELECT id, created_at, legal_name, preferred_name, pronouns, date_of_birth, email, phone, address, \
             emergency_name, emergency_phone, support_name, support_phone, concerns, sensitivity, inquiry_id \
             FROM clients WHERE id = $1"
        ).bind(id.as_uuid()).fetch_optional(c).await)?)
    }

    /// How `user` stands to client `id`; `None` if there is no such client.
    pub async fn standing(
        &self,
        user: UserId,
        role: Role,
        id: ClientId,
        now: OffsetDateTime,
    ) -> Result<Option<Standing>, StoreError> {
        let sql = format!(
            "SELECT \
               (SELECT COUNT(*) > 0 FROM care_team WHERE client_id = c.id AND user_id = $2), \
               (SELECT MAX(expires_at) FROM break_glass_grants WHERE client_id = c.id AND user_id = $2 AND expires_at > $3), \
               (SELECT COUNT(*) > 0 FROM referrals r JOIN users u ON u.partner_org_id = r.org_id \
                  WHERE r.client_id = c.id AND u.id = $2 AND {RELEASE_STANDS}) \
             FROM clients c WHERE c.id = $1"
        );
        let row: Option<(bool, Option<OffsetDateTime>, bool)> = on_db!(self, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
            .bind(id.as_uuid()).bind(user.as_uuid()).bind(now).fetch_optional(c).await)?;
        let Some((on_team, glass, referred)) = row else {
            return Ok(None);
        };
        let relationship = match role {
            Role::Owner | Role::Therapist if on_team => Relationship::AssignedClinician,
            Role::Owner | Role::Therapist if glass.is_some() => Relationship::BreakGlass,
            // A revoked release of information ends the prescriber's view.
            Role::Prescriber if referred => Relationship::ReferredPrescriber,
            _ => Relationship::None,
        };
        Ok(Some(Standing {
            relationship,
            break_glass_until: glass.filter(|_| relationship == Relationship::BreakGlass),
        }))
    }

    /// One page of the caller's caseload, optionally matching `search` in the names.
    pub async fn caseload(
        &self,
        scope: CaseloadScope,
        search: Option<&str>,
        sort: CaseloadSort,
        page: i64,
    ) -> Result<CaseloadPage, StoreError> {
        let (team_of, org_of): (Option<Uuid>, Option<Uuid>) = match scope.role {
            Role::Owner | Role::FrontDesk => (None, None),
            Role::Therapist => (Some(scope.user.as_uuid()), None),
            Role::Prescriber => match self.partner_org_of(scope.user).await? {
                Some(org) => (None, Some(org)),
                None => {
                    return Ok(CaseloadPage {
                        rows: vec![],
                        total: 0,
                    });
                }
            },
            Role::Client => {
                return Ok(CaseloadPage {
                    rows: vec![],
                    total: 0,
                });
            }
        };
        let pattern = search.map(like_pattern);
        // Only constant SQL is spliced in (the filter and `order_by`); values are bound.
        let filter = format!(
            "FROM clients c WHERE ($1 IS NULL OR EXISTS (SELECT 1 FROM care_team t WHERE t.client_id = c.id AND t.user_id = $1)) \
             AND ($2 IS NULL OR (EXISTS (SELECT 1 FROM referrals r WHERE r.client_id = c.id AND r.org_id = $2) AND {RELEASE_STANDS})) \
             AND ($3 IS NULL OR c.search_text LIKE $3 ESCAPE '\\')"
        );
        let total: i64 = on_db!(self, c => sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) {filter}")))
            .bind(team_of).bind(org_of).bind(pattern.as_deref()).fetch_one(c).await)?;
        let sql = format!(
            "SELECT c.id, c.legal_name, c.preferred_name, c.date_of_birth, c.created_at, \
             (SELECT co.stage FROM courses co WHERE co.client_id = c.id ORDER BY co.number DESC LIMIT 1) AS stage \
             {filter} {} LIMIT $4 OFFSET $5",
            order_by(sort)
        );
        let page = page.max(1);
        let rows: Vec<CaseloadRow> = on_db!(self, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
            .bind(team_of).bind(org_of).bind(pattern.as_deref()).bind(PAGE_SIZE).bind((page - 1) * PAGE_SIZE)
            .fetch_all(c).await)?;
        Ok(CaseloadPage { rows, total })
    }

    pub async fn care_team(&self, id: ClientId) -> Result<Vec<TeamMember>, StoreError> {
        Ok(on_db!(self, c => sqlx::query_as(
            "SELECT u.id AS user_id, u.display_name, u.role FROM care_team t JOIN users u ON u.id = t.user_id \
             WHERE t.client_id = $1 ORDER BY u.display_name"
        ).bind(id.as_uuid()).fetch_all(c).await)?)
    }

    /// Adds or removes one clinician; refuses accounts that cannot hold a caseload.
    pub async fn change_care_team(
        &self,
        id: ClientId,
        member: UserId,
        add: bool,
        actor: &Actor,
        now: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin().await?;
        if !client_exists(&mut tx, id).await? {
            return Ok(false);
        }
        let clinician: bool = on_tx!(&mut tx, c => sqlx::query_scalar::<_, bool>(
            "SELECT COUNT(*) > 0 FROM users WHERE id = $1 AND role IN ('owner', 'therapist') AND disabled_at IS NULL"
        ).bind(member.as_uuid()).fetch_one(c).await)?;
        if add && !clinician {
            return Ok(false);
        }
        if add {
            add_member(&mut tx, id, member, now).await?;
        } else {
            on_tx!(&mut tx, c => sqlx::query("DELETE FROM care_team WHERE client_id = $1 AND user_id = $2")
                .bind(id.as_uuid()).bind(member.as_uuid()).execute(c).await.map(|r| r.rows_affected()))?;
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

    /// The latest course's stage, for the client header.
    pub async fn stage_of(&self, id: ClientId) -> Result<Option<Stage>, StoreError> {
        let s: Option<String> = on_db!(self, c => sqlx::query_scalar(
            "SELECT stage FROM courses WHERE client_id = $1 ORDER BY number DESC LIMIT 1"
        ).bind(id.as_uuid()).fetch_optional(c).await)?;
        Ok(s.as_deref().and_then(Stage::parse))
    }

    /// Opens a time-boxed, read-only grant to a client outside the caller's caseload, and
    /// tells the owner (a link, no PHI) through the outbox.
    pub async fn open_break_glass(
        &self,
        user: UserId,
        id: ClientId,
        reason: &str,
        hours: i64,
        actor: &Actor,
        now: OffsetDateTime,
    ) -> Result<Option<OffsetDateTime>, StoreError> {
        let mut tx = self.begin().await?;
        if !client_exists(&mut tx, id).await? {
            return Ok(None);
        }
        let until = now + time::Duration::hours(hours);
        let grant = Uuid::now_v7();
        on_tx!(&mut tx, c => sqlx::query(
            "INSERT INTO break_glass_grants (id, user_id, client_id, reason, opened_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)"
        ).bind(grant).bind(user.as_uuid()).bind(id.as_uuid()).bind(reason).bind(now).bind(until)
            .execute(c).await.map(|r| r.rows_affected()))?;
        let payload =
            serde_json::json!({ "template": "break_glass", "grant_id": grant.to_string() });
        crate::outbox::enqueue(&mut tx, "email", &payload.to_string(), now).await?;
        let mut entry = actor
            .entry("break_glass.opened", now)
            .record("break_glass", grant)
            .client(id);
        entry.reason = Some(reason.to_owned());
        audit::append(&mut tx, &entry).await?;
        tx.commit().await?;
        Ok(Some(until))
    }

    /// Who opened a break-glass grant and until when (for the owner's notification: no PHI).
    pub async fn break_glass_notice(
        &self,
        grant: Uuid,
    ) -> Result<Option<(String, OffsetDateTime)>, StoreError> {
        Ok(on_db!(self, c => sqlx::query_as(
            "SELECT u.display_name, g.expires_at FROM break_glass_grants g JOIN users u ON u.id = g.user_id WHERE g.id = $1"
        ).bind(grant).fetch_optional(c).await)?)
    }

    pub async fn owner_emails(&self) -> Result<Vec<String>, StoreError> {
        Ok(on_db!(self, c => sqlx::query_scalar(
            "SELECT email FROM users WHERE role = 'owner' AND disabled_at IS NULL ORDER BY email"
        ).fetch_all(c).await)?)
    }

    /// The one client with exactly this legal name (ignoring case) and date of birth, for
    /// break-glass: an emergency needs the person, not a browsable list.
    pub async fn find_client_exact(
        &self,
        legal_name: &str,
        dob: Date,
    ) -> Result<Option<ClientId>, StoreError> {
        let ids: Vec<Uuid> = on_db!(self, c => sqlx::query_scalar(
            "SELECT id FROM clients WHERE lower(legal_name) = $1 AND date_of_birth = $2 LIMIT 2"
        ).bind(legal_name.trim().to_lowercase()).bind(dob).fetch_all(c).await)?;
        // Two people with the same name and birthday: refuse rather than guess.
        Ok(match ids.as_slice() {
            [one] => Some(ClientId::from_uuid(*one)),
            _ => None,
        })
    }

    /// A client whose inquiry this was, if it became one.
    pub async fn client_of_inquiry(&self, inquiry: Uuid) -> Result<Option<ClientId>, StoreError> {
        let id: Option<Uuid> = on_db!(self, c => sqlx::query_scalar("SELECT id FROM clients WHERE inquiry_id = $1")
            .bind(inquiry).fetch_optional(c).await)?;
        Ok(id.map(ClientId::from_uuid))
    }
}

async fn add_member(
    tx: &mut Tx,
    client: ClientId,
    user: UserId,
    now: OffsetDateTime,
) -> Result<(), StoreError> {
    on_tx!(tx, c => sqlx::query(
        "INSERT INTO care_team (client_id, user_id, added_at) VALUES ($1, $2, $3) ON CONFLICT (client_id, user_id) DO NOTHING"
    ).bind(client.as_uuid()).bind(user.as_uuid()).bind(now).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}
