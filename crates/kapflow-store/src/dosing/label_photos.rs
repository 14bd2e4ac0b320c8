//! Photos of the medication's label as the client brought it: optional evidence beside the
//! custody log's "brought" entry, append-only, each with its SHA-256 in the audit row.

use super::{Dosing, session_for_update};
use crate::{ClinicalAccess, StoreError, audit};
use kapflow_domain::digest::sha256_hex;
use kapflow_domain::dosing::session::Status;
use kapflow_domain::{Actor, DosingSessionId};
use time::OffsetDateTime;
use uuid::Uuid;

/// A label photo's facts (its bytes are read one at a time).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct LabelPhoto {
    pub id: Uuid,
    pub uploaded_at: OffsetDateTime,
    pub uploaded_by: String,
}

impl Dosing<'_> {
    /// Keeps a label photo (type already sniffed, metadata stripped) on a session that is
    /// being prepared or is open; `None` when the session is not the client's or is past that.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn add_label_photo(
        &self,
        access: &ClinicalAccess,
        id: DosingSessionId,
        content_type: &str,
        bytes: &[u8],
        actor: &Actor,
        now: OffsetDateTime,
    ) -> Result<Option<Uuid>, StoreError> {
        let Some((by, _)) = actor.user else {
            return Ok(None);
        };
        let mut tx = self.store.begin().await?;
        let Some(s) = session_for_update(&mut tx, access.client(), id).await? else {
            return Ok(None);
        };
        if !matches!(s.status, Status::Preparing | Status::Open) {
            return Ok(None);
        }
        let photo = Uuid::now_v7();
        let sha = sha256_hex(bytes);
        tx.exec(
            "INSERT INTO custody_label_photos (id, session_id, client_id, content_type, bytes, \
                 sha256, uploaded_at, uploaded_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            args![
                photo,
                id,
                access.client(),
                content_type,
                bytes,
                sha.as_str(),
                now,
                by
            ],
        )
        .await?;
        audit::append(
            &mut tx,
            &actor
                .entry("custody.label_photo", now)
                .record("dosing_session", id)
                .client(access.client())
                .because(format!("photo {photo}, sha256 {sha}")),
        )
        .await?;
        tx.commit().await?;
        Ok(Some(photo))
    }

    /// The session's label photos, oldest first.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn label_photos(
        &self,
        access: &ClinicalAccess,
        id: DosingSessionId,
    ) -> Result<Vec<LabelPhoto>, StoreError> {
        self.store
            .db
            .fetch_all(
                "SELECT p.id, p.uploaded_at, u.display_name AS uploaded_by FROM \
                     custody_label_photos p JOIN users u ON u.id = p.uploaded_by WHERE \
                     p.session_id = $1 AND p.client_id = $2 ORDER BY p.uploaded_at, p.id",
                args![id, access.client()],
            )
            .await
    }

    /// One label photo's type and bytes, if it is this client's and this session's.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn label_photo(
        &self,
        access: &ClinicalAccess,
        id: DosingSessionId,
        photo: Uuid,
    ) -> Result<Option<(String, Vec<u8>)>, StoreError> {
        #[derive(sqlx::FromRow)]
        struct Row {
            content_type: String,
            bytes: Vec<u8>,
        }
        let row: Option<Row> = self
            .store
            .db
            .fetch_optional(
                "SELECT content_type, bytes FROM custody_label_photos WHERE id = $1 AND \
                     session_id = $2 AND client_id = $3",
                args![photo, id, access.client()],
            )
            .await?;
        Ok(row.map(|r| (r.content_type, r.bytes)))
    }
}
