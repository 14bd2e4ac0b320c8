//! Accounts: staff and clients.

use crate::backend::Tx;
use crate::{Store, StoreError};
use kapflow_domain::{Email, Role, UserId};
use time::OffsetDateTime;
use uuid::Uuid;

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
    id: Uuid,
    email: String,
    display_name: String,
    role: String,
    disabled_at: Option<OffsetDateTime>,
    created_at: OffsetDateTime,
}

impl TryFrom<UserRow> for User {
    type Error = StoreError;
    fn try_from(r: UserRow) -> Result<User, StoreError> {
        Ok(User {
            id: UserId::from_uuid(r.id),
            role: Role::parse(&r.role)
                .ok_or_else(|| StoreError::Corrupt(format!("unknown role {}", r.role)))?,
            email: r.email,
            display_name: r.display_name,
            disabled: r.disabled_at.is_some(),
            created_at: r.created_at,
        })
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
    on_tx!(tx, c => sqlx::query(
        "INSERT INTO users (id, email, display_name, role, password_hash, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $6)"
    )
    .bind(id.as_uuid())
    .bind(user.email.as_str())
    .bind(user.display_name)
    .bind(user.role.as_str())
    .bind(user.password_hash)
    .bind(now)
    .execute(c).await.map(|r| r.rows_affected()))?;
    Ok(id)
}

impl Store {
    pub async fn owner_exists(&self) -> Result<bool, StoreError> {
        Ok(on_db!(self, c => sqlx::query_scalar::<_, bool>(
            "SELECT COUNT(*) > 0 FROM users WHERE role = 'owner'"
        ).fetch_one(c).await)?)
    }

    pub async fn list_users(&self) -> Result<Vec<User>, StoreError> {
        let rows: Vec<UserRow> = on_db!(self, c => sqlx::query_as(
            "SELECT id, email, display_name, role, disabled_at, created_at FROM users ORDER BY created_at, id"
        ).fetch_all(c).await)?;
        rows.into_iter().map(User::try_from).collect()
    }

    /// Every account with its MFA state and last activity, for the owner's staff page.
    pub async fn staff_listing(&self) -> Result<Vec<StaffListing>, StoreError> {
        #[derive(sqlx::FromRow)]
        struct Row {
            #[sqlx(flatten)]
            user: UserRow,
            mfa_enrolled_at: Option<OffsetDateTime>,
            last_seen_at: Option<OffsetDateTime>,
        }
        let rows: Vec<Row> = on_db!(self, c => sqlx::query_as(
            "SELECT u.id, u.email, u.display_name, u.role, u.disabled_at, u.created_at, u.mfa_enrolled_at, \
             (SELECT MAX(s.last_seen_at) FROM sessions s WHERE s.user_id = u.id) AS last_seen_at \
             FROM users u ORDER BY u.role, u.display_name, u.id"
        ).fetch_all(c).await)?;
        rows.into_iter()
            .map(|r| {
                Ok(StaffListing {
                    user: User::try_from(r.user)?,
                    mfa_enrolled: r.mfa_enrolled_at.is_some(),
                    last_seen_at: r.last_seen_at,
                })
            })
            .collect()
    }

    pub async fn user_by_id(&self, id: UserId) -> Result<Option<User>, StoreError> {
        let row: Option<UserRow> = on_db!(self, c => sqlx::query_as(
            "SELECT id, email, display_name, role, disabled_at, created_at FROM users WHERE id = $1"
        ).bind(id.as_uuid()).fetch_optional(c).await)?;
        row.map(User::try_from).transpose()
    }
}
