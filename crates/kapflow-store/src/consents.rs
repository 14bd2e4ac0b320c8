//! Consent documents (versioned, immutable) and clients' witnessed signatures. A signature
//! stores the SHA-256 of the exact text signed; the store re-hashes the document at signing so a
//! tampered text can never be signed as if it were the published one.

use crate::error::UniqueOr;
use crate::lookup::client_exists;
use crate::{ClientAccess, ClinicalAccess, StoreError, audit};
use kapflow_domain::consent::{ConsentKind, NewDocument, Signature, text_sha256};
use kapflow_domain::{Actor, DocumentId, SignatureId};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

crate::topic!(
    /// Consent documents and signatures.
    Consents
);

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DocumentRow {
    #[sqlx(try_from = "Uuid")]
    pub id: DocumentId,
    #[sqlx(try_from = "String")]
    pub kind: ConsentKind,
    pub version: i64,
    pub title: String,
    pub body: String,
    pub sha256: String,
    pub created_at: OffsetDateTime,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SignatureRow {
    #[sqlx(try_from = "Uuid")]
    pub id: SignatureId,
    #[sqlx(try_from = "String")]
    pub kind: ConsentKind,
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
    /// Signed by the client in the portal (the witness is then the client's own account).
    pub by_client: bool,
    /// Signed in the portal and not yet reviewed: it does not count until it is.
    pub review_pending: bool,
}

impl SignatureRow {
    /// Signed, of the latest version, not revoked and not waiting for review.
    pub fn is_current(&self) -> bool {
        self.revoked_at.is_none() && self.version == self.latest_version && !self.review_pending
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Signed {
    Signed(SignatureId),
    /// Not the latest version of its kind (the form was open while the owner published anew).
    Outdated,
    NoSuchDocument,
    /// The stored text no longer hashes to its recorded hash: refuse and investigate.
    TextAltered,
}

impl Consents<'_> {
    /// Every version of every document, newest first per kind.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn documents(&self) -> Result<Vec<DocumentRow>, StoreError> {
        self.store
            .db
            .fetch_all(
                "SELECT id, kind, version, title, body, sha256, created_at FROM consent_documents \
                 ORDER BY kind, version DESC",
                args![],
            )
            .await
    }

    /// The latest version of each kind.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn latest_documents(&self) -> Result<Vec<DocumentRow>, StoreError> {
        self.store
            .db
            .fetch_all(
                "SELECT id, kind, version, title, body, sha256, created_at FROM consent_documents \
                 d WHERE version = (SELECT MAX(version) FROM consent_documents x WHERE x.kind = \
                 d.kind) ORDER BY kind",
                args![],
            )
            .await
    }

    /// Publishes a new version of a consent document: its number, or `None` when another
    /// version was published at the same moment (the number was taken; nothing was saved).
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn add_document(
        &self,
        doc: &NewDocument,
        actor: &Actor,
        now: OffsetDateTime,
    ) -> Result<Option<i64>, StoreError> {
        let mut tx = self.store.begin().await?;
        let version: i64 = tx
            .scalar(
                "SELECT COALESCE(MAX(version), 0) + 1 FROM consent_documents WHERE kind = $1",
                args![doc.kind],
            )
            .await?;
        let id = DocumentId::new();
        if tx
            .exec(
                "INSERT INTO consent_documents (id, kind, version, title, body, sha256, \
                 created_at, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                args![
                    id,
                    doc.kind,
                    version,
                    &doc.title,
                    &doc.body,
                    text_sha256(&doc.body),
                    now,
                    crate::actor_uuid(actor)
                ],
            )
            .await
            .or_duplicate()?
            .is_none()
        {
            return Ok(None);
        }
        audit::append(
            &mut tx,
            &actor
                .entry("consent_document.published", now)
                .record("consent_document", id)
                .because(format!("{} v{version}", doc.kind.as_str())),
        )
        .await?;
        tx.commit().await?;
        Ok(Some(version))
    }

    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn signatures(
        &self,
        access: &ClinicalAccess,
    ) -> Result<Vec<SignatureRow>, StoreError> {
        let client = access.client();
        self.store
            .db
            .fetch_all(
                "SELECT s.id, d.kind, d.version, (SELECT MAX(version) FROM consent_documents x \
                 WHERE x.kind = d.kind) AS latest_version, d.title, s.typed_name, s.signed_on, \
                 s.signed_at, s.sha256, u.display_name AS witness_name, s.revoked_at, \
                 s.revoke_reason, s.by_client, s.review_pending FROM consent_signatures s JOIN consent_documents d ON d.id = \
                 s.document_id JOIN users u ON u.id = s.witness_id WHERE s.client_id = $1 ORDER BY \
                 s.signed_at DESC, s.id DESC",
                args![client],
            )
            .await
    }

    /// Records a client's signature of one document version, witnessed by the signed-in staff
    /// member.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn sign(
        &self,
        access: &ClientAccess,
        document: DocumentId,
        sig: &Signature,
        actor: &Actor,
        now: OffsetDateTime,
    ) -> Result<Option<Signed>, StoreError> {
        self.record_signature(access, document, sig, None, actor, now)
            .await
    }

    /// Records a signature: witnessed by the signed-in staff member (`portal` none), or given
    /// by the client themself in the portal (`portal`: whether it waits for review).
    pub(crate) async fn record_signature(
        &self,
        access: &ClientAccess,
        document: DocumentId,
        sig: &Signature,
        portal: Option<bool>,
        actor: &Actor,
        now: OffsetDateTime,
    ) -> Result<Option<Signed>, StoreError> {
        let Some((witness, _)) = actor.user else {
            return Ok(None);
        };
        let client = access.client();
        let mut tx = self.store.begin().await?;
        if !client_exists(&mut tx, client).await? {
            return Ok(None);
        }
        let doc: Option<DocumentRow> = tx
            .fetch_optional(
                "SELECT id, kind, version, title, body, sha256, created_at FROM consent_documents \
                 WHERE id = $1",
                args![document],
            )
            .await?;
        let Some(doc) = doc else {
            return Ok(Some(Signed::NoSuchDocument));
        };
        let latest: i64 = tx
            .scalar(
                "SELECT MAX(version) FROM consent_documents WHERE kind = $1",
                args![doc.kind],
            )
            .await?;
        if doc.version != latest {
            return Ok(Some(Signed::Outdated));
        }
        let hash = text_sha256(&doc.body);
        if hash != doc.sha256 {
            return Ok(Some(Signed::TextAltered));
        }
        let id = SignatureId::new();
        tx.exec(
            "INSERT INTO consent_signatures (id, client_id, document_id, typed_name, \
                 signed_on, signed_at, sha256, witness_id, by_client, review_pending) VALUES ($1, \
                 $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            args![
                id,
                client,
                doc.id,
                &sig.typed_name,
                sig.signed_on,
                now,
                &hash,
                witness,
                portal.is_some(),
                portal.unwrap_or(false)
            ],
        )
        .await?;
        audit::append(
            &mut tx,
            &actor
                .entry("consent.signed", now)
                .record("consent_signature", id)
                .client(client)
                .because(format!("{} v{}", doc.kind, doc.version)),
        )
        .await?;
        tx.commit().await?;
        Ok(Some(Signed::Signed(id)))
    }

    /// A clinician accepts a signature the client gave in the portal: from now on it counts.
    /// False when there is no such signature waiting for review.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn accept_review(
        &self,
        access: &ClientAccess,
        signature: SignatureId,
        actor: &Actor,
        now: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        let client = access.client();
        let tx = self.store.begin().await?;
        let entry = actor
            .entry("consent.reviewed", now)
            .record("consent_signature", signature)
            .client(client);
        audit::change(
            tx,
            "UPDATE consent_signatures SET review_pending = FALSE, reviewed_by = $1, \
                 reviewed_at = $2 WHERE id = $3 AND client_id = $4 AND review_pending AND \
                 revoked_at IS NULL",
            args![crate::actor_uuid(actor), now, signature, client],
            &entry,
        )
        .await
    }

    /// Records a revocation; false if there is no such unrevoked signature of this client.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn revoke(
        &self,
        access: &ClientAccess,
        signature: SignatureId,
        reason: &str,
        actor: &Actor,
        now: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        let client = access.client();
        let tx = self.store.begin().await?;
        let entry = actor
            .entry("consent.revoked", now)
            .record("consent_signature", signature)
            .client(client)
            .because(reason.to_owned());
        audit::change(
            tx,
            "UPDATE consent_signatures SET revoked_at = $1, revoked_by = $2, revoke_reason = \
                 $3 WHERE id = $4 AND client_id = $5 AND revoked_at IS NULL",
            args![now, crate::actor_uuid(actor), reason, signature, client],
            &entry,
        )
        .await
    }
}
