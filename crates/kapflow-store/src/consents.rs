//! Consent documents (versioned, immutable) and clients' witnessed signatures. A signature
//! stores the SHA-256 of the exact text signed; the store re-hashes the document at signing so a
//! tampered text can never be signed as if it were the published one.

use crate::clients::client_exists;
use crate::{Store, StoreError, audit};
use kapflow_domain::consent::{ConsentKind, NewDocument, Signature, text_sha256};
use kapflow_domain::{Actor, ClientId};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DocumentRow {
    pub id: Uuid,
    pub kind: String,
    pub version: i64,
    pub title: String,
    pub body: String,
    pub sha256: String,
    pub created_at: OffsetDateTime,
}

impl DocumentRow {
    pub fn kind(&self) -> Option<ConsentKind> {
        ConsentKind::parse(&self.kind)
    }
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SignatureRow {
    pub id: Uuid,
    pub kind: String,
    pub version: i64,
    pub latest_version: i64,
    pub title: String,
    pub typed_name: String,
    pub signed_on: Date,
    pub signed_at: OffsetDateTime,
    pub sha256: String,
    pub witness_name: String,
    pub revoked_at: Option<OffsetDateTime>,
    pub revoke_reason: Option<String>,
}

impl SignatureRow {
    /// Signed, of the latest version, and not revoked.
    pub fn is_current(&self) -> bool {
        self.revoked_at.is_none() && self.version == self.latest_version
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Signed {
    Signed(Uuid),
    /// Not the latest version of its kind (the form was open while the owner published anew).
    Outdated,
    NoSuchDocument,
    /// The stored text no longer hashes to its recorded hash: refuse and investigate.
    TextAltered,
}

impl Store {
    /// Every version of every document, newest first per kind.
    pub async fn consent_documents(&self) -> Result<Vec<DocumentRow>, StoreError> {
        Ok(on_db!(self, c => sqlx::query_as(
            "SELECT id, kind, version, title, body, sha256, created_at FROM consent_documents ORDER BY kind, version DESC"
        ).fetch_all(c).await)?)
    }

    /// The latest version of each kind.
    pub async fn latest_consent_documents(&self) -> Result<Vec<DocumentRow>, StoreError> {
        Ok(on_db!(self, c => sqlx::query_as(
            "SELECT id, kind, version, title, body, sha256, created_at FROM consent_documents d \
             WHERE version = (SELECT MAX(version) FROM consent_documents x WHERE x.kind = d.kind) ORDER BY kind"
        ).fetch_all(c).await)?)
    }

    /// Publishes a new version of a consent document.
    pub async fn add_consent_document(
        &self,
        doc: &NewDocument,
        actor: &Actor,
        now: OffsetDateTime,
    ) -> Result<i64, StoreError> {
        let mut tx = self.begin().await?;
        let version: i64 = on_tx!(&mut tx, c => sqlx::query_scalar(
            "SELECT COALESCE(MAX(version), 0) + 1 FROM consent_documents WHERE kind = $1"
        ).bind(doc.kind.as_str()).fetch_one(c).await)?;
        let id = Uuid::now_v7();
        on_tx!(&mut tx, c => sqlx::query(
            "INSERT INTO consent_documents (id, kind, version, title, body, sha256, created_at, created_by) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
        ).bind(id).bind(doc.kind.as_str()).bind(version).bind(&doc.title).bind(&doc.body).bind(text_sha256(&doc.body))
            .bind(now).bind(crate::actor_uuid(actor)).execute(c).await.map(|r| r.rows_affected()))?;
        let mut entry = actor
            .entry("consent_document.published", now)
            .record("consent_document", id);
        entry.reason = Some(format!("{} v{version}", doc.kind.as_str()));
        audit::append(&mut tx, &entry).await?;
        tx.commit().await?;
        Ok(version)
    }

    pub async fn signatures(&self, client: ClientId) -> Result<Vec<SignatureRow>, StoreError> {
        Ok(on_db!(self, c => sqlx::query_as(
            "SELECT s.id, d.kind, d.version, (SELECT MAX(version) FROM consent_documents x WHERE x.kind = d.kind) AS latest_version, \
             d.title, s.typed_name, s.signed_on, s.signed_at, s.sha256, u.display_name AS witness_name, s.revoked_at, s.revoke_reason \
             FROM consent_signatures s JOIN consent_documents d ON d.id = s.document_id JOIN users u ON u.id = s.witness_id \
             WHERE s.client_id = $1 ORDER BY s.signed_at DESC, s.id DESC"
        ).bind(client.as_uuid()).fetch_all(c).await)?)
    }

    /// Records a client's signature of one document version, witnessed by the signed-in staff
    /// member.
    pub async fn sign_consent(
        &self,
        client: ClientId,
        document: Uuid,
        sig: &Signature,
        actor: &Actor,
        now: OffsetDateTime,
    ) -> Result<Option<Signed>, StoreError> {
        let Some((witness, _)) = actor.user else {
            return Ok(None);
        };
        let mut tx = self.begin().await?;
        if !client_exists(&mut tx, client).await? {
            return Ok(None);
        }
        let doc: Option<DocumentRow> = on_tx!(&mut tx, c => sqlx::query_as(
            "SELECT id, kind, version, title, body, sha256, created_at FROM consent_documents WHERE id = $1"
        ).bind(document).fetch_optional(c).await)?;
        let Some(doc) = doc else {
            return Ok(Some(Signed::NoSuchDocument));
        };
        let latest: i64 = on_tx!(&mut tx, c => sqlx::query_scalar(
            "SELECT MAX(version) FROM consent_documents WHERE kind = $1"
        ).bind(&doc.kind).fetch_one(c).await)?;
        if doc.version != latest {
            return Ok(Some(Signed::Outdated));
        }
        let hash = text_sha256(&doc.body);
        if hash != doc.sha256 {
            return Ok(Some(Signed::TextAltered));
        }
        let id = Uuid::now_v7();
        on_tx!(&mut tx, c => sqlx::query(
            "INSERT INTO consent_signatures (id, client_id, document_id, typed_name, signed_on, signed_at, sha256, witness_id) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
        ).bind(id).bind(client.as_uuid()).bind(doc.id).bind(&sig.typed_name).bind(sig.signed_on).bind(now)
            .bind(&hash).bind(witness.as_uuid()).execute(c).await.map(|r| r.rows_affected()))?;
        let mut entry = actor
            .entry("consent.signed", now)
            .record("consent_signature", id)
            .client(client);
        entry.reason = Some(format!("{} v{}", doc.kind, doc.version));
        audit::append(&mut tx, &entry).await?;
        tx.commit().await?;
        Ok(Some(Signed::Signed(id)))
    }

    /// Records a revocation; false if there is no such unrevoked signature of this client.
    pub async fn revoke_consent(
        &self,
        client: ClientId,
        signature: Uuid,
        reason: &str,
        actor: &Actor,
        now: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin().await?;
        let n = on_tx!(&mut tx, c => sqlx::query(
            "UPDATE consent_signatures SET revoked_at = $1, revoked_by = $2, revoke_reason = $3 \
             WHERE id = $4 AND client_id = $5 AND revoked_at IS NULL"
        ).bind(now).bind(crate::actor_uuid(actor)).bind(reason).bind(signature).bind(client.as_uuid())
            .execute(c).await.map(|r| r.rows_affected()))?;
        if n == 0 {
            return Ok(false);
        }
        let mut entry = actor
            .entry("consent.revoked", now)
            .record("consent_signature", signature)
            .client(client);
        entry.reason = Some(reason.to_owned());
        audit::append(&mut tx, &entry).await?;
        tx.commit().await?;
        Ok(true)
    }
}
