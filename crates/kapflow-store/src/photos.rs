//! Photos of the public site.

use crate::{StoreError, audit};
use kapflow_domain::{Actor, PhotoId};
use time::OffsetDateTime;
use uuid::Uuid;

crate::topic!(
    /// Photos on the public site.
    Photos
);

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PhotoInfo {
    #[sqlx(try_from = "Uuid")]
    pub id: PhotoId,
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

impl Photos<'_> {
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn add(
        &self,
        photo: &NewPhoto<'_>,
        actor: &Actor,
        now: OffsetDateTime,
    ) -> Result<PhotoId, StoreError> {
        let id = PhotoId::new();
        let mut tx = self.store.begin().await?;
        tx.exec(
            "INSERT INTO site_photos (id, page, content_type, bytes, alt, author_id, \
                 created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            args![
                id,
                photo.page,
                photo.content_type,
                photo.bytes,
                photo.alt,
                crate::actor_uuid(actor),
                now
            ],
        )
        .await?;
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
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn remove(
        &self,
        id: PhotoId,
        actor: &Actor,
        now: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        let mut tx = self.store.begin().await?;
        let n = tx
            .exec(
                "UPDATE site_photos SET removed_at = $1 WHERE id = $2 AND removed_at IS NULL",
                args![now, id],
            )
            .await?;
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
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn list(&self) -> Result<Vec<PhotoInfo>, StoreError> {
        self.store
            .db
            .fetch_all(
                "SELECT id, page, content_type, alt, created_at FROM site_photos WHERE removed_at \
                 IS NULL ORDER BY created_at, id",
                args![],
            )
            .await
    }

    /// A photo's bytes and type, if it is on the site.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn bytes(&self, id: PhotoId) -> Result<Option<(String, Vec<u8>)>, StoreError> {
        self.store
            .db
            .fetch_optional(
                "SELECT content_type, bytes FROM site_photos WHERE id = $1 AND removed_at IS \
                     NULL",
                args![id],
            )
            .await
    }
}
