//! Notification emails between the people of a client's care: who receives each kind (looked
//! up when it is sent, so a change of care team or a revoked release of information counts),
//! and each person's choice to switch a kind off. A notice says what happened and links to it;
//! it never names the client.

use crate::access::RELEASE_STANDS;
use crate::{StoreError, audit};
use kapflow_domain::{Actor, ClientId, DoseRequestId, MessageId, UserId};
use time::OffsetDateTime;
use uuid::Uuid;

crate::topic!(
    /// Who receives notification emails, and each person's choices.
    Notices
);

/// The kinds of notification a person may switch off.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A dose-change request (prescribers).
    DoseRequests,
    /// The prescriber's answer to a dose-change request (the care team).
    DoseAnswers,
    /// A new message about a client.
    Messages,
    /// An inquiry given to the person.
    InquiriesAssigned,
}

impl Kind {
    pub const ALL: [Kind; 4] = [
        Kind::DoseRequests,
        Kind::DoseAnswers,
        Kind::Messages,
        Kind::InquiriesAssigned,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::DoseRequests => "dose_requests",
            Kind::DoseAnswers => "dose_answers",
            Kind::Messages => "messages",
            Kind::InquiriesAssigned => "inquiries_assigned",
        }
    }

    pub fn parse(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// What the person receives, in their words.
    pub fn label(self) -> &'static str {
        match self {
            Kind::DoseRequests => "A care team asks for a dose change",
            Kind::DoseAnswers => "The prescriber answers a dose-change request",
            Kind::Messages => "A new message about one of my clients",
            Kind::InquiriesAssigned => "An inquiry is given to me",
        }
    }

    /// The kinds a person of `role` can receive.
    pub fn for_role(role: kapflow_domain::Role) -> Vec<Kind> {
        use kapflow_domain::Role;
        match role {
            Role::Prescriber => vec![Kind::DoseRequests, Kind::Messages],
            Role::Owner | Role::Therapist => {
                vec![Kind::DoseAnswers, Kind::Messages, Kind::InquiriesAssigned]
            }
            Role::FrontDesk => vec![Kind::InquiriesAssigned],
            Role::Client => vec![],
        }
    }
}

/// The addresses of people (aliased `u`) who have not switched `kind` off.
fn wants(kind: Kind) -> String {
    format!(
        "u.disabled_at IS NULL AND (',' || u.mail_off || ',') NOT LIKE '%,{},%'",
        kind.as_str()
    )
}

/// The care team of client `$1`, but for person `$2`.
fn care_team(kind: Kind) -> String {
    format!(
        "SELECT u.email FROM care_team t JOIN users u ON u.id = t.user_id WHERE t.client_id = \
         $1 AND u.id <> $2 AND {}",
        wants(kind)
    )
}

/// The prescribers of the organisations client `$1` was referred to, while a release of
/// information stands, but for person `$2`.
fn prescribers(kind: Kind) -> String {
    format!(
        "SELECT u.email FROM referrals r JOIN users u ON u.partner_org_id = r.org_id JOIN \
         clients c ON c.id = r.client_id WHERE r.client_id = $1 AND u.id <> $2 AND u.role = \
         'prescriber' AND {RELEASE_STANDS} AND {}",
        wants(kind)
    )
}

/// Nobody: `$2` when no one is to be left out.
const NOBODY: Uuid = Uuid::nil();

impl Notices<'_> {
    async fn emails(
        &self,
        sql: String,
        args: &[crate::sql::Arg<'_>],
    ) -> Result<Vec<String>, StoreError> {
        let mut to: Vec<String> = self
            .store
            .db
            .scalars(sqlx::AssertSqlSafe(sql), args)
            .await?;
        to.sort();
        to.dedup();
        Ok(to)
    }

    async fn client_of_request(
        &self,
        request: DoseRequestId,
    ) -> Result<Option<ClientId>, StoreError> {
        let id: Option<Uuid> = self
            .store
            .db
            .scalar_optional(
                "SELECT co.client_id FROM dose_change_requests q JOIN courses co ON co.id = \
                 q.course_id WHERE q.id = $1",
                args![request],
            )
            .await?;
        Ok(id.map(ClientId::from_uuid))
    }

    /// Who hears of a dose-change request, and the client it links to.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn dose_request(
        &self,
        request: DoseRequestId,
    ) -> Result<Option<(ClientId, Vec<String>)>, StoreError> {
        let Some(client) = self.client_of_request(request).await? else {
            return Ok(None);
        };
        let sql = prescribers(Kind::DoseRequests);
        Ok(Some((
            client,
            self.emails(sql, args![client, NOBODY]).await?,
        )))
    }

    /// Who hears the prescriber's answer, and the client it links to.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn dose_answer(
        &self,
        request: DoseRequestId,
    ) -> Result<Option<(ClientId, Vec<String>)>, StoreError> {
        let Some(client) = self.client_of_request(request).await? else {
            return Ok(None);
        };
        let sql = care_team(Kind::DoseAnswers);
        Ok(Some((
            client,
            self.emails(sql, args![client, NOBODY]).await?,
        )))
    }

    /// Who hears of a message (the other side, never its author), and the client it links to.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn message(
        &self,
        message: MessageId,
    ) -> Result<Option<(ClientId, Vec<String>)>, StoreError> {
        let row: Option<(Uuid, Uuid, String, String)> = self
            .store
            .db
            .fetch_optional(
                "SELECT m.client_id, m.author_id, u.role, m.thread FROM client_messages m JOIN \
                 users u ON u.id = m.author_id WHERE m.id = $1",
                args![message],
            )
            .await?;
        let Some((client, author, role, thread)) = row else {
            return Ok(None);
        };
        let client = ClientId::from_uuid(client);
        // The client's thread: the care team hears of the client's messages (the client hears
        // of the care team's through `portal_message`); the team's thread: the other side.
        let sql = match (thread.as_str(), role.as_str()) {
            ("client", "client") | ("team", "prescriber") => care_team(Kind::Messages),
            ("client", _) => return Ok(Some((client, Vec::new()))),
            _ => prescribers(Kind::Messages),
        };
        Ok(Some((
            client,
            self.emails(sql, args![client, author]).await?,
        )))
    }

    /// The address of the client's portal account, for a message the care team wrote to them
    /// in the portal (none when the account is gone or switched off).
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn portal_message(&self, message: MessageId) -> Result<Vec<String>, StoreError> {
        self.store
            .db
            .scalars(
                "SELECT u.email FROM client_messages m JOIN users u ON u.client_id = m.client_id \
                 WHERE m.id = $1 AND m.thread = 'client' AND u.role = 'client' AND \
                 u.disabled_at IS NULL",
                args![message],
            )
            .await
    }

    /// The address of the person an inquiry was given to, unless they switched it off.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn inquiry_assigned(&self, user: UserId) -> Result<Vec<String>, StoreError> {
        let sql = format!(
            "SELECT u.email FROM users u WHERE u.id = $1 AND {}",
            wants(Kind::InquiriesAssigned)
        );
        self.emails(sql, args![user]).await
    }

    /// The kinds `user` has switched off.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn switched_off(&self, user: UserId) -> Result<Vec<Kind>, StoreError> {
        let off: Option<String> = self
            .store
            .db
            .scalar_optional("SELECT mail_off FROM users WHERE id = $1", args![user])
            .await?;
        Ok(off
            .unwrap_or_default()
            .split(',')
            .filter_map(Kind::parse)
            .collect())
    }

    /// Sets the kinds `user` receives no email for. Audited.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn switch_off(
        &self,
        user: UserId,
        off: &[Kind],
        actor: &Actor,
        now: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        let list = off.iter().map(|k| k.as_str()).collect::<Vec<_>>().join(",");
        let entry = actor
            .entry("account.notifications_changed", now)
            .record("user", user)
            .because(if list.is_empty() {
                "all on".to_owned()
            } else {
                format!("off: {list}")
            });
        audit::change(
            self.store.begin().await?,
            "UPDATE users SET mail_off = $1, updated_at = $2 WHERE id = $3",
            args![list, now, user],
            &entry,
        )
        .await
    }
}
