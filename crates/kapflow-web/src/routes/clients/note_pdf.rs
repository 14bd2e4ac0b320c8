//! A signed note as a PDF, as the clinician signed it: its sections, who signed it and when,
//! the SHA-256 of the signed text, and every addendum the same way. A draft has no PDF (it may
//! still change); psychotherapy notes never leave as a file.

use super::OnClient;
use crate::error::AppError;
use crate::print;
use crate::time_fmt::{day, when};
use crate::views::clients::{Tab, ctx};
use axum::extract::Path;
use axum::response::Response;
use kapflow_domain::NoteId;
use kapflow_domain::notes::sections;
use kapflow_pdf::Block;

#[tracing::instrument(level = "debug", skip_all)]
pub async fn download(
    on: OnClient,
    Path((_, id)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let OnClient(state, _, access) = &on;
    let clinical = access.clinical_or_404()?;
    let id = NoteId::parse(&id).ok_or(AppError::NotFound)?;
    let (n, addenda) = state
        .store
        .notes()
        .get(&clinical, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let (Some(signed_at), Some(signer), Some(sha)) = (
        n.signed_at,
        n.signer_name.as_ref(),
        n.content_sha256.as_ref(),
    ) else {
        return Err(AppError::NotFound);
    };
    let client = ctx(state, access, Tab::Notes).await?.header.name;
    let body = n.body()?;
    let mut doc = print::document(state, &n.title).await?;
    doc.push(Block::Title(n.title.clone()));
    doc.field("Client", &client)
        .field(
            "Written by",
            &format!("{}, started {}", n.author_name, when(n.created_at)),
        )
        .field("Signed by", &format!("{signer}, {}", when(signed_at)));
    for s in sections(n.template) {
        doc.section(s.heading, body.get(s.key));
    }
    doc.push(Block::Gap)
        .push(Block::Small(format!("SHA-256 of the signed text: {sha}")));
    for a in &addenda {
        doc.push(Block::Rule)
            .push(Block::Heading(format!("Addendum, {}", when(a.signed_at))))
            .field("Signed by", &a.author_name)
            .push(Block::Text(a.body.clone()))
            .push(Block::Small(format!(
                "SHA-256 of the addendum: {}",
                a.content_sha256
            )));
    }
    Ok(print::pdf(&doc, &format!("note-{}.pdf", day(signed_at))))
}
