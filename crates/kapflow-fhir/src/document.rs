//! DocumentReference: a signed clinical note, with its signed addenda.
//!
//! Only signed notes leave kapflow (a draft is the clinician's unfinished work), and only the
//! clinical notes of the record: psychotherapy notes are another kind of record in kapflow
//! (`store.psych_notes()`) and have no mapping at all. The attachment is the exact text the
//! signature covers (`NoteBody::canonical`), so its SHA-256, carried as the document's master
//! identifier, can be checked by whoever receives it. (R4's `Attachment.hash` is SHA-1; kapflow
//! signs with SHA-256, so the hash is not put there.)

use crate::r4::codes::{CompositionStatus, DocumentReferenceStatus};
use crate::r4::resources::DocumentReference;
use crate::r4::resources::document_reference::DocumentReferenceContent;
use crate::r4::types;
use crate::values::{string, words};
use base64::Engine;
use fhir::coded::Coded;
use kapflow_store::StoreError;
use kapflow_store::notes::{AddendumRow, NoteRow};
use time::OffsetDateTime;

/// The system of a signed text's SHA-256 (lowercase hex).
pub const SIGNED_SHA256: &str = "urn:kapflow:signed-text-sha256";

/// A signed note and its addenda as a DocumentReference; `None` for a draft. An error when
/// the stored note cannot be read (never an empty document).
pub fn note(
    note: &NoteRow,
    addenda: &[AddendumRow],
) -> Result<Option<DocumentReference>, StoreError> {
    let (Some(signed_at), Some(sha256)) = (note.signed_at, note.content_sha256.as_deref()) else {
        return Ok(None);
    };
    let text = note.body()?.canonical(note.template);
    let mut content = vec1::Vec1::new(attachment(
        &text,
        &format!("{} (signed)", note.title),
        signed_at,
    ));
    for addendum in addenda {
        content.push(attachment(
            &addendum.body,
            &format!("Addendum by {}", addendum.author_name),
            addendum.signed_at,
        ));
    }
    let mut document = DocumentReference::builder()
        .id(string(&note.id.to_string()))
        .master_identifier(types::Identifier {
            system: Some(types::Uri(SIGNED_SHA256.to_owned())),
            value: Some(string(sha256)),
            ..Default::default()
        })
        .status(Coded::Known(DocumentReferenceStatus::Current))
        .doc_status(Coded::Known(if addenda.is_empty() {
            CompositionStatus::Final
        } else {
            CompositionStatus::Amended
        }))
        .r#type(words(&format!("{} note", note.template.label())))
        .subject(crate::patient::reference(note.client_id))
        .date(types::Instant(crate::observation::date_time(signed_at).0))
        .author(vec![types::Reference {
            reference: Some(string(&format!("Practitioner/{}", note.author_id))),
            display: Some(string(&note.author_name)),
            ..Default::default()
        }])
        .description(string(&note.title))
        .content(content)
        .build()
        .unwrap_or_else(|e| unreachable!("status and content are set: {e}"));
    document.authenticator = note.signer_name.as_deref().map(|name| types::Reference {
        display: Some(string(name)),
        ..Default::default()
    });
    Ok(Some(document))
}

/// Plain text as an attachment, in base64 as FHIR carries bytes.
fn attachment(text: &str, title: &str, at: OffsetDateTime) -> DocumentReferenceContent {
    DocumentReferenceContent {
        attachment: types::Attachment {
            content_type: Some(types::Code("text/plain; charset=utf-8".to_owned())),
            data: Some(types::Base64Binary(
                base64::engine::general_purpose::STANDARD.encode(text.as_bytes()),
            )),
            title: Some(string(title)),
            creation: Some(crate::observation::date_time(at)),
            ..Default::default()
        },
        ..Default::default()
    }
}
