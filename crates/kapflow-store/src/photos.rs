//! Photos of the public site.

use crate::{Store, StoreError, audit};
use kapflow_domain::Actor;
use time::OffsetDateTime;
use uuid::Uuid;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PhotoInfo {
    pub id: Uuid,
    pub page: String,
    pub content_type: String,
    pub alt: String,
    pub created_at: OffsetDateTime,
}

/// A photo ready to store: its type already sniffed and its metadata already stripped.
pub struct NewPhoto<'a> {
    pub page: &'a str,
    pub content_type: &'a str,
    pub bytes: &'a [u8],
    pub alt: &'a str,
}

impl Store {
    pub async fn add_photo(
        &self,
        photo: &NewPhoto<'_>,
        actor: &Actor,
        now: OffsetDateTime,
    ) -> Result<Uuid, StoreError> {
        let id = Uuid::now_v7();
        let mut tx = self.begin().await?;
        on_tx!(&mut tx, c => sqlx::query(
            "INSERT INTO site_photos (id, page, content_type, bytes, alt, author_id, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)"
        ).bind(id).bind(photo.page).bind(photo.content_type).bind(photo.bytes).bind(photo.alt)
            .bind(actor.user.map(|u| u.0.as_uuid())).bind(now).execute(c).await.map(|r| r.rows_affected()))?;
        crate::site::bump_version(&mut tx, now).await?;
        audit::append(
            &mut tx,
            &actor
                .entry("site.photo_added", now)
                .record("site_photo", id),
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Takes a photo off the site (kept in the database for the record). False if unknown.
    pub async fn remove_photo(
        &self,
        id: Uuid,
        actor: &Actor,
        now: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin().await?;
        let n = on_tx!(&mut tx, c => sqlx::query("UPDATE site_photos SET removed_at = $1 WHERE id = $2 AND removed_at IS NULL")
            .bind(now).bind(id).execute(c).await.map(|r| r.rows_affected()))?;
        if n == 1 {
            crate::site::bump_version(&mut tx, now).await?;
            audit::append(
                &mut tx,
                &actor
                    .entry("site.photo_removed", now)
                    .record("site_photo", id),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(n == 1)
    }

    /// Photos on the site now, oldest first.
    pub async fn site_photos(&self) -> Result<Vec<PhotoInfo>, StoreError> {
        Ok(on_db!(self, c => sqlx::query_as(
            "SELECT id, page, content_type, alt, created_at FROM site_photos WHERE removed_at IS NULL ORDER BY created_at, id"
        ).fetch_all(c).await)?)
    }

    /// A photo's bytes and type, if it is on the site.
    pub async fn photo_bytes(&self, id: Uuid) -> Result<Option<(String, Vec<u8>)>, StoreError> {
        Ok(on_db!(self, c => sqlx::query_as(
            "SELECT content_type, bytes FROM site_photos WHERE id = $1 AND removed_at IS NULL"
        ).bind(id).fetch_optional(c).await)?)
    }
}
