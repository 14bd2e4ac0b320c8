//! The custody log on the session page: logging what the client brought, the dose taken, a
//! booster, the count handed back, the client's attestation, a correction — and the log's lines
//! as the page shows them. The log itself (append-only, hash-chained) is the store's `custody`.

use super::OnClient;
use super::dosing::{back, refused, session_id};
use crate::AppState;
use crate::error::AppError;
use crate::time_fmt::when;
use crate::views::clients::dosing::{LogLine, Refusal, Typed, Which};
use axum::Form;
use axum::extract::Path;
use axum::response::Response;
use kapflow_domain::DosingSessionId;
use kapflow_domain::dosing::custody::input::CustodyInput;
use kapflow_domain::dosing::custody::{CustodyKind, NewCustodyEntry, mg};
use kapflow_domain::form::FieldErrors;
use kapflow_store::ClinicalAccess;
use kapflow_store::custody::CustodyRefused;
use serde::Deserialize;

/// A custody entry's words on the page.
fn describe(e: &NewCustodyEntry) -> String {
    let mut parts: Vec<String> = Vec::new();
    if let Some(d) = &e.drug {
        parts.push(d.clone());
    }
    if let Some(f) = e.dose_form {
        parts.push(f.label().to_lowercase());
    }
    if let Some(s) = e.strength_ug {
        parts.push(format!("{} mg each", mg(s)));
    }
    if let Some(c) = e.count {
        parts.push(format!("count {c}"));
    }
    if let Some(p) = &e.pharmacy {
        parts.push(format!("pharmacy {p}"));
    }
    if let Some(r) = &e.rx_number {
        parts.push(format!("Rx {r}"));
    }
    if let Some(a) = e.amount_ug {
        parts.push(format!("{} mg", mg(a)));
    }
    if let Some(h) = e.held_minutes {
        parts.push(format!("held {h} min"));
    }
    if let Some(s) = &e.spat_out {
        parts.push(format!("spat out: {s}"));
    }
    if let Some(d) = &e.disposal {
        parts.push(format!("disposed of: {d}"));
    }
    if let Some(c) = e.corrects_seq {
        parts.push(format!("corrects entry {c}"));
    }
    if !e.note.is_empty() {
        parts.push(e.note.clone());
    }
    parts.join(" · ")
}

/// The session's custody entries as the page lists them.
pub async fn lines(
    state: &AppState,
    clinical: &ClinicalAccess,
    id: DosingSessionId,
) -> Result<Vec<LogLine>, AppError> {
    Ok(state
        .store
        .custody()
        .for_session(clinical, id)
        .await?
        .into_iter()
        .map(|r| LogLine {
            at: when(r.entry.at),
            what: format!("{}. {}", r.entry.seq, r.entry.what.kind.label()),
            detail: {
                let mut d = describe(&r.entry.what);
                if let Some(w) = &r.witness_name {
                    d.push_str(&format!(" · witness {w}"));
                }
                format!("{d} · recorded by {}", r.recorded_by_name)
            },
        })
        .collect())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CustodyForm {
    entry_key: String,
    kind: String,
    #[serde(flatten)]
    input: CustodyInput,
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn record(
    on: OnClient,
    Path((_, session)): Path<(String, String)>,
    Form(f): Form<CustodyForm>,
) -> Result<Response, AppError> {
    let id = session_id(&session)?;
    let typed = || Typed {
        custody: f.input.clone(),
        custody_kind: f.kind.clone(),
        ..Default::default()
    };
    let Some(kind) = CustodyKind::parse(f.kind.trim()) else {
        let r = Refusal {
            which: Which::Custody,
            e: FieldErrors::of("kind", Some("Choose what you are logging.".to_owned())),
            typed: typed(),
            ..Default::default()
        };
        return refused(on, id, r).await;
    };
    let entry = match f.input.validate(kind) {
        Ok(e) => e,
        Err(e) => {
            let r = Refusal {
                which: Which::Custody,
                e,
                typed: typed(),
                ..Default::default()
            };
            return refused(on, id, r).await;
        }
    };
    let key = {
        let k = f.entry_key.trim();
        if (8..=64).contains(&k.len()) && k.chars().all(|c| c.is_ascii_alphanumeric()) {
            k.to_owned()
        } else {
            crate::routes::clients::form_key()
        }
    };
    let clinical = on.2.clinical_or_404()?;
    let actor = on.1.0.actor();
    let outcome =
        on.0.store
            .custody()
            .record(&clinical, id, &key, &entry, &actor, crate::clock::now())
            .await?;
    match outcome {
        Ok(_) => Ok(back(&on, id, "custody", "custody")),
        Err(CustodyRefused::NotFound) => Err(AppError::NotFound),
        Err(r) => {
            let (e, reasons) = match r.field() {
                Some(field) => (FieldErrors::of(field, Some(r.message())), vec![]),
                None => (FieldErrors::default(), vec![r.message()]),
            };
            let r = Refusal {
                which: Which::Custody,
                e,
                reasons,
                typed: typed(),
            };
            refused(on, id, r).await
        }
    }
}

/// A photo of the label as brought: sniffed, metadata stripped, kept with the session.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn upload_label(
    on: OnClient,
    Path((_, session)): Path<(String, String)>,
    mut form: axum::extract::Multipart,
) -> Result<Response, AppError> {
    let id = session_id(&session)?;
    let mut file = None::<Vec<u8>>;
    let mut too_big = false;
    while let Some(field) = form.next_field().await.map_err(|_| AppError::BadRequest)? {
        if field.name() == Some("label_photo") {
            match field.bytes().await {
                Ok(b) if b.len() <= crate::photo::MAX_PHOTO_BYTES => {
                    file = Some(b.to_vec()).filter(|b| !b.is_empty())
                }
                _ => too_big = true,
            }
        }
    }
    let cleaned = match (file, too_big) {
        (_, true) => Err(format!(
            "A photo can be at most {} MB.",
            crate::photo::MAX_PHOTO_BYTES / 1024 / 1024
        )),
        (None, false) => Err("Choose a photo of the label.".to_owned()),
        (Some(bytes), false) => match crate::photo::sniff(&bytes) {
            None => Err("Take or choose a JPEG, PNG or WebP photo.".to_owned()),
            Some(kind) => crate::photo::strip_metadata(kind, &bytes)
                .map(|clean| (kind, clean))
                .map_err(str::to_owned),
        },
    };
    let (kind, bytes) = match cleaned {
        Ok(c) => c,
        Err(m) => {
            let r = Refusal {
                which: Which::Custody,
                e: FieldErrors::of("label_photo", Some(m)),
                ..Default::default()
            };
            return refused(on, id, r).await;
        }
    };
    let clinical = on.2.clinical_or_404()?;
    let actor = on.1.0.actor();
    let kept =
        on.0.store
            .dosing()
            .add_label_photo(
                &clinical,
                id,
                kind.content_type(),
                &bytes,
                &actor,
                crate::clock::now(),
            )
            .await?;
    if kept.is_none() {
        let r = Refusal {
            reasons: vec!["A label photo is added before or during the session.".to_owned()],
            ..Default::default()
        };
        return refused(on, id, r).await;
    }
    Ok(back(&on, id, "custody", "custody"))
}

/// One label photo, to the care team and the prescriber of the referral (never cached).
#[tracing::instrument(level = "debug", skip_all)]
pub async fn label_file(
    OnClient(state, _, access): OnClient,
    Path((_, session, photo)): Path<(String, String, String)>,
) -> Result<Response, AppError> {
    let id = session_id(&session)?;
    let photo = uuid::Uuid::parse_str(&photo).map_err(|_| AppError::NotFound)?;
    let clinical = access.clinical_or_404()?;
    let (content_type, bytes) = state
        .store
        .dosing()
        .label_photo(&clinical, id, photo)
        .await?
        .ok_or(AppError::NotFound)?;
    use axum::http::header;
    use axum::response::IntoResponse;
    Ok((
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        bytes,
    )
        .into_response())
}
