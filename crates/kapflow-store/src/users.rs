//! Accounts: staff and clients.

use crate::StoreError;
use crate::backend::Tx;
use kapflow_domain::{Email, Role, UserId};
use time::OffsetDateTime;
use uuid::Uuid;

crate::topic!(
    /// The practice's accounts, as a directory.
    Users
);

/// An account as the rest of the app sees it (no password hash, no MFA secret).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: UserId,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub disabled: bool,
    pub created_at: OffsetDateTime,
}

/// An account as the owner's staff list shows it.
#[derive(Debug, Clone)]
pub struct StaffListing {
    pub user: User,
    pub mfa_enrolled: bool,
    pub last_seen_at: Option<OffsetDateTime>,
}

#[derive(sqlx::FromRow)]
struct UserRow {
    #[sqlx(try_from = "Uuid")]
    id: UserId,
    email: String,
    display_name: String,
    #[sqlx(try_from = "String")]
    role: Role,
    disabled_at: Option<OffsetDateTime>,
    created_at: OffsetDateTime,
}

impl From<UserRow> for User {
    fn from(r: UserRow) -> User {
        User {
            id: r.id,
            role: r.role,
            email: r.email,
            display_name: r.display_name,
            disabled: r.disabled_at.is_some(),
            created_at: r.created_at,
        }
    }
}

/// What a new account is made of. The password arrives already hashed (Argon2id, in web).
pub struct NewUser<'a> {
    pub email: &'a Email,
    pub display_name: &'a str,
    pub role: Role,
    pub password_hash: Option<&'a str>,
}

pub(crate) async fn insert(
    tx: &mut Tx,
    user: &NewUser<'_>,
    now: OffsetDateTime,
) -> Result<UserId, StoreError> {
    let id = UserId::new();
    tx.exec(
        "INSERT INTO users (id, email, display_name, role, password_hash, created_at, \
             updated_at) VALUES ($1, $2, $3, $4, $5, $6, $6)",
        args![
            id,
            user.email.as_str(),
            user.display_name,
            user.role,
            user.password_hash,
            now
        ],
    )
    .await?;
    Ok(id)
}

impl Users<'_> {
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn owner_exists(&self) -> Result<bool, StoreError> {
        self.store
            .db
            .scalar::<bool>(
                "SELECT COUNT(*) > 0 FROM users WHERE role = 'owner'",
                args![],
            )
            .await
    }

    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn list(&self) -> Result<Vec<User>, StoreError> {
        let rows: Vec<UserRow> = self
            .store
            .db
            .fetch_all(
                "SELECT id, email, display_name, role, disabled_at, created_at FROM users ORDER BY \
                 created_at, id",
                args![],
            )
            .await?;
        Ok(rows.into_iter().map(User::from).collect())
    }

    /// Every staff account with its MFA state and last activity, for the owner's staff page
    /// (clients' portal accounts belong to their records).
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn staff(&self) -> Result<Vec<StaffListing>, StoreError> {
        #[derive(sqlx::FromRow)]
        struct Row {
            #[sqlx(flatten)]
            user: UserRow,
            mfa_enrolled_at: Option<OffsetDateTime>,
            last_seen_at: Option<OffsetDateTime>,
        }
        let rows: Vec<Row> = self
            .store
            .db
            .fetch_all(
                "SELECT u.id, u.email, u.display_name, u.role, u.disabled_at, u.created_at, \
                 u.mfa_enrolled_at, (SELECT MAX(s.last_seen_at) FROM sessions s WHERE s.user_id = \
                 u.id) AS last_seen_at FROM users u WHERE u.role <> 'client' ORDER BY u.role, \
                 u.display_name, u.id",
                args![],
            )
            .await?;
        Ok(rows
            .into_iter()
            .map(|r| StaffListing {
                user: User::from(r.user),
                mfa_enrolled: r.mfa_enrolled_at.is_some(),
                last_seen_at: r.last_seen_at,
            })
            .collect())
    }

    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn by_id(&self, id: UserId) -> Result<Option<User>, StoreError> {
        let row: Option<UserRow> = self
            .store
            .db
            .fetch_optional(
                "SELECT id, email, display_name, role, disabled_at, created_at FROM users WHERE id \
                 = $1",
                args![id],
            )
            .await?;
        Ok(row.map(User::from))
    }

    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn by_email(&self, email: &Email) -> Result<Option<User>, StoreError> {
        let id: Option<Uuid> = self
            .store
            .db
            .scalar_optional(
                "SELECT id FROM users WHERE email = $1",
                args![email.as_str()],
            )
            .await?;
        match id {
            Some(id) => self.by_id(UserId::from_uuid(id)).await,
            None => Ok(None),
        }
    }

    /// The active owners' addresses (notices that go to the practice's owner).
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn owner_emails(&self) -> Result<Vec<String>, StoreError> {
        self.store
            .db
            .scalars(crate::lookup::OWNER_EMAILS, args![])
            .await
    }
}
