//! The forms a client fills in themselves: their intake (during assessment, through the same
//! store calls staff use, the client's account as the author) and their consents (the same
//! versioned documents and SHA-256 of the text signed; where the practice asks, a clinician
//! reviews a portal signature before it counts).

use super::{Portal, PortalAccess};
use crate::assessment::{IntakeRecord, Kept, Saved};
use crate::consents::{DocumentRow, SignatureRow, Signed};
use crate::{ClientAccess, ClinicalAccess, StoreError};
use kapflow_domain::client::Sensitivity;
use kapflow_domain::consent::Signature;
use kapflow_domain::intake::IntakeForm;
use kapflow_domain::{Actor, DocumentId};
use time::OffsetDateTime;

impl PortalAccess {
    fn own(&self) -> ClientAccess {
        ClientAccess::own_record(self.client, self.user)
    }
    fn own_clinical(&self) -> ClinicalAccess {
        ClinicalAccess::own_record(self.client, self.user)
    }
}

impl Portal<'_> {
    /// The intake of the client's current course, if it has one.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn intake(&self, access: &PortalAccess) -> Result<Option<IntakeRecord>, StoreError> {
        let Some(course) = self.store.courses().current(&access.own()).await? else {
            return Ok(None);
        };
        self.store
            .assessment()
            .intake(&access.own_clinical(), course.id)
            .await
    }

    /// Saves the client's intake as a draft, or (`send`) hands it to the care team, who take
    /// the blood pressure at the assessment and complete it; the record's sensitivity label
    /// stays the care team's choice.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn save_intake(
        &self,
        access: &PortalAccess,
        form: &IntakeForm,
        send: bool,
        actor: &Actor,
        now: OffsetDateTime,
    ) -> Result<Saved, StoreError> {
        let sensitivity = self
            .intake(access)
            .await?
            .map_or(Sensitivity::General, |i| i.sensitivity);
        self.store
            .assessment()
            .keep_intake(
                &access.own(),
                form,
                sensitivity,
                if send {
                    Kept::SentByClient
                } else {
                    Kept::Draft
                },
                actor,
                now,
            )
            .await
    }

    /// When the client sent the current course's intake, if they did.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn intake_sent(
        &self,
        access: &PortalAccess,
    ) -> Result<Option<OffsetDateTime>, StoreError> {
        let Some(course) = self.store.courses().current(&access.own()).await? else {
            return Ok(None);
        };
        self.store
            .assessment()
            .sent_by_client(&access.own_clinical(), course.id)
            .await
    }

    /// The latest version of each consent document, and the client's signatures.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn consents(
        &self,
        access: &PortalAccess,
    ) -> Result<(Vec<DocumentRow>, Vec<SignatureRow>), StoreError> {
        let consents = self.store.consents();
        Ok((
            consents.latest_documents().await?,
            consents.signatures(&access.own_clinical()).await?,
        ))
    }

    /// The client signs the latest version of a document; `review` when the practice has a
    /// clinician review portal signatures before they count.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn sign_consent(
        &self,
        access: &PortalAccess,
        document: DocumentId,
        sig: &Signature,
        review: bool,
        actor: &Actor,
        now: OffsetDateTime,
    ) -> Result<Option<Signed>, StoreError> {
        self.store
            .consents()
            .record_signature(&access.own(), document, sig, Some(review), actor, now)
            .await
    }
}
