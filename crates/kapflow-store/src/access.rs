//! How a person stands to a client, and the proof of it a handler holds.
//!
//! The access check asks [`Access::to_client`], which reads the caller's standing (care team,
//! break-glass grant, referral with a standing release of information) and asks the domain's
//! policy. Only an allowed decision yields a [`ClientAccess`]; its fields are private, so no
//! other code can make one. Reads of a client's clinical record take the narrower
//! [`ClinicalAccess`], which only a caller allowed to read clinical content gets — so a
//! handler cannot read a record it was not granted, whatever its route says.

use crate::{Store, StoreError, audit, lookup};
use kapflow_domain::access::{Action, Decision, Relationship, decide};
use kapflow_domain::{Actor, ClientId, GrantId, Role, UserId};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

crate::topic!(
    /// Standing, access decisions and break-glass grants.
    Access
);

/// The client `c` has a signed, unrevoked release of information: without it the prescriber
/// organisation neither sees the client in its list nor opens the record (one condition for
/// both, so they cannot disagree).
pub(crate) const RELEASE_STANDS: &str = "EXISTS (SELECT 1 FROM consent_signatures s \
     JOIN consent_documents d ON d.id = s.document_id \
     WHERE s.client_id = c.id AND d.kind = 'release_of_information' AND s.revoked_at IS NULL \
     AND NOT s.review_pending)";

/// How the caller stands to a client, and until when a break-glass grant runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Standing {
    pub relationship: Relationship,
    pub break_glass_until: Option<OffsetDateTime>,
}

/// Proof that the access check allowed this caller an action on this client.
#[derive(Clone, Copy, Debug)]
pub struct ClientAccess {
    client: ClientId,
    user: UserId,
    role: Role,
    standing: Standing,
}

impl ClientAccess {
    pub fn client(&self) -> ClientId {
        self.client
    }
    pub fn user(&self) -> UserId {
        self.user
    }
    pub fn role(&self) -> Role {
        self.role
    }
    pub fn relationship(&self) -> Relationship {
        self.standing.relationship
    }
    /// Until when a break-glass grant lets the caller read this record.
    pub fn break_glass_until(&self) -> Option<OffsetDateTime> {
        self.standing.break_glass_until
    }
    /// Whether the policy allows the caller `action` on this client.
    pub fn may(&self, action: Action) -> bool {
        decide(self.role, action, self.standing.relationship).is_allowed()
    }
    /// Whether the caller reads the client's own thread of messages (the portal's) and the
    /// journal entries they shared: the clinicians of the care team, never the prescriber.
    pub fn sees_client_thread(&self) -> bool {
        matches!(self.role, Role::Owner | Role::Therapist)
    }
    /// The proof for reading clinical content, for a caller who may.
    pub fn clinical(&self) -> Option<ClinicalAccess> {
        self.may(Action::ViewClinicalRecord)
            .then_some(ClinicalAccess(*self))
    }
}

impl ClientAccess {
    /// The client's own standing to their record, for the portal's writes through the same
    /// store calls staff use (the portal's proof, `portal::PortalAccess`, makes it).
    pub(crate) fn own_record(client: ClientId, user: UserId) -> ClientAccess {
        ClientAccess {
            client,
            user,
            role: Role::Client,
            standing: Standing {
                relationship: Relationship::OwnRecord,
                break_glass_until: None,
            },
        }
    }
}

impl ClinicalAccess {
    /// The client's own reading of their record's clinical parts the portal shows them (their
    /// intake, their consents), made only by `portal::PortalAccess`.
    pub(crate) fn own_record(client: ClientId, user: UserId) -> ClinicalAccess {
        ClinicalAccess(ClientAccess::own_record(client, user))
    }
}

impl ClinicalAccess {
    /// Another system's reading of a client on the owner's say-so (an API token inside its
    /// scope, or the operator's practice export): read-only by the policy. Made only by
    /// `Access::for_api_token`, `api_token_clients` and `every_client_for_export`.
    fn read_only_for(client: ClientId, owner: UserId) -> ClinicalAccess {
        ClinicalAccess(ClientAccess {
            client,
            user: owner,
            role: Role::Owner,
            standing: Standing {
                relationship: Relationship::ApiToken,
                break_glass_until: None,
            },
        })
    }
}

/// Proof that the caller may read this client's clinical record (intake, scores, consents,
/// prescriptions, messages).
#[derive(Clone, Copy, Debug)]
pub struct ClinicalAccess(ClientAccess);

impl ClinicalAccess {
    pub fn client(&self) -> ClientId {
        self.0.client
    }
    pub fn access(&self) -> &ClientAccess {
        &self.0
    }
    pub fn sees_client_thread(&self) -> bool {
        self.0.sees_client_thread()
    }
}

/// What the access check came to for one client.
#[derive(Clone, Copy, Debug)]
pub enum ClientDecision {
    Allowed(ClientAccess),
    /// There is no such client (answered like any other refusal: not found).
    NoSuchClient,
    /// The client exists but the policy refuses: the reason, for the audit trail.
    Denied(&'static str),
}

impl Access<'_> {
    /// How `user` stands to client `id`; `None` if there is no such client.
    #[tracing::instrument(level = "debug", skip_all)]
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
        let row: Option<(bool, Option<OffsetDateTime>, bool)> = self
            .store
            .db
            .fetch_optional(sqlx::AssertSqlSafe(sql), args![id, user, now])
            .await?;
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

    /// Decides whether `user` may do `action` to client `id` now.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn to_client(
        &self,
        user: UserId,
        role: Role,
        action: Action,
        id: ClientId,
        now: OffsetDateTime,
    ) -> Result<ClientDecision, StoreError> {
        let Some(standing) = self.standing(user, role, id, now).await? else {
            return Ok(ClientDecision::NoSuchClient);
        };
        Ok(match decide(role, action, standing.relationship) {
            Decision::Allow => ClientDecision::Allowed(ClientAccess {
                client: id,
                user,
                role,
                standing,
            }),
            Decision::Deny(why) => ClientDecision::Denied(why),
        })
    }

    /// A token's reading of client `id`: `None` when the client is outside the token's scope
    /// or does not exist (the API answers both alike: not found).
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn for_api_token(
        &self,
        grant: &crate::api_tokens::ApiGrant,
        id: ClientId,
    ) -> Result<Option<ClinicalAccess>, StoreError> {
        if !grant.covers(id) {
            return Ok(None);
        }
        let known: bool = self
            .store
            .db
            .scalar("SELECT COUNT(*) > 0 FROM clients WHERE id = $1", args![id])
            .await?;
        Ok(known.then(|| ClinicalAccess::read_only_for(id, grant.owner())))
    }

    /// Every client's record for the operator's practice export (`kapflow export`, run on the
    /// server by whoever holds its database): read-only, like a practice-wide token, and
    /// recorded by the command in the audit trail.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn every_client_for_export(&self) -> Result<Vec<ClinicalAccess>, StoreError> {
        let ids: Vec<(Uuid,)> = self
            .store
            .db
            .fetch_all("SELECT id FROM clients ORDER BY id", args![])
            .await?;
        Ok(ids
            .into_iter()
            // No person: the operator at the server, named in the command's audit row.
            .map(|(id,)| {
                ClinicalAccess::read_only_for(
                    ClientId::from_uuid(id),
                    UserId::from_uuid(Uuid::nil()),
                )
            })
            .collect())
    }

    /// The clients a token reads, in a stable order (oldest record first), `limit` of them
    /// from `offset`, and how many there are in all.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn api_token_clients(
        &self,
        grant: &crate::api_tokens::ApiGrant,
        offset: i64,
        limit: i64,
    ) -> Result<(Vec<ClinicalAccess>, i64), StoreError> {
        if let Some(only) = grant.client() {
            let reach = self.for_api_token(grant, only).await?;
            let total = i64::from(reach.is_some());
            let page = reach
                .into_iter()
                .skip(offset.max(0) as usize)
                .take(limit.max(0) as usize);
            return Ok((page.collect(), total));
        }
        let total: i64 = self
            .store
            .db
            .scalar("SELECT COUNT(*) FROM clients", args![])
            .await?;
        let ids: Vec<(Uuid,)> = self
            .store
            .db
            .fetch_all(
                "SELECT id FROM clients ORDER BY id LIMIT $1 OFFSET $2",
                args![limit, offset],
            )
            .await?;
        let page = ids
            .into_iter()
            .map(|(id,)| ClinicalAccess::read_only_for(ClientId::from_uuid(id), grant.owner()))
            .collect();
        Ok((page, total))
    }

    /// Opens a time-boxed, read-only grant to a client outside the caller's caseload, and
    /// tells the owner (a link, no PHI) through the outbox.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn open_break_glass(
        &self,
        user: UserId,
        id: ClientId,
        reason: &str,
        hours: i64,
        actor: &Actor,
        now: OffsetDateTime,
    ) -> Result<Option<OffsetDateTime>, StoreError> {
        let mut tx = self.store.begin().await?;
        if !lookup::client_exists(&mut tx, id).await? {
            return Ok(None);
        }
        let until = now + time::Duration::hours(hours);
        let grant = GrantId::new();
        tx.exec(
            "INSERT INTO break_glass_grants (id, user_id, client_id, reason, opened_at, \
                 expires_at) VALUES ($1, $2, $3, $4, $5, $6)",
            args![grant, user, id, reason, now, until],
        )
        .await?;
        crate::outbox::enqueue(
            &mut tx,
            &crate::outbox::Email::BreakGlass { grant_id: grant },
            now,
        )
        .await?;
        audit::append(
            &mut tx,
            &actor
                .entry("break_glass.opened", now)
                .record("break_glass", grant)
                .client(id)
                .because(reason.to_owned()),
        )
        .await?;
        tx.commit().await?;
        Ok(Some(until))
    }

    /// Who opened a break-glass grant and until when (for the owner's notification: no PHI).
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn break_glass_notice(
        &self,
        grant: GrantId,
    ) -> Result<Option<(String, OffsetDateTime)>, StoreError> {
        self.store
            .db
            .fetch_optional(
                "SELECT u.display_name, g.expires_at FROM break_glass_grants g JOIN users u ON \
                     u.id = g.user_id WHERE g.id = $1",
                args![grant],
            )
            .await
    }

    /// The one client with exactly this legal name (ignoring case) and date of birth, for
    /// break-glass: an emergency needs the person, not a browsable list.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn find_client_exact(
        &self,
        legal_name: &str,
        dob: Date,
    ) -> Result<Option<ClientId>, StoreError> {
        let ids: Vec<Uuid> = self
            .store
            .db
            .scalars(
                "SELECT id FROM clients WHERE lower(legal_name) = $1 AND date_of_birth = $2 \
                     LIMIT 2",
                args![legal_name.trim().to_lowercase(), dob],
            )
            .await?;
        // Two people with the same name and birthday: refuse rather than guess.
        Ok(match ids.as_slice() {
            [one] => Some(ClientId::from_uuid(*one)),
            _ => None,
        })
    }
}

impl Store {
    /// A caller's access to a client as the access check would grant it, for tests and tools
    /// that act as a person (never for handlers: they receive theirs from the check).
    #[cfg(feature = "testkit")]
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn grant_for_tests(
        &self,
        user: UserId,
        role: Role,
        action: Action,
        id: ClientId,
    ) -> Option<ClientAccess> {
        match self
            .access()
            .to_client(user, role, action, id, kapflow_domain::time_util::now_utc())
            .await
        {
            Ok(ClientDecision::Allowed(a)) => Some(a),
            _ => None,
        }
    }
}

/// Test setup that acts on a client without a person (seeding records before the requests
/// under test): an owner on the care team. Built only with the `testkit` feature, which no
/// release build has, so production code cannot forge a proof.
#[cfg(feature = "testkit")]
pub fn for_tests(client: ClientId) -> ClientAccess {
    ClientAccess {
        client,
        user: UserId::from_uuid(Uuid::nil()),
        role: Role::Owner,
        standing: Standing {
            relationship: Relationship::AssignedClinician,
            break_glass_until: None,
        },
    }
}
