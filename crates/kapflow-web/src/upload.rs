//! A posted form that may carry one file: the same handler takes the urlencoded form (no file
//! chosen, or a client without multipart) and the multipart one, so a form gains a file field
//! without a second route.

use crate::error::AppError;
use axum::extract::{FromRequest, Multipart, Request};
use axum::http::header;

/// A file as the browser sent it (before its type is sniffed).
pub struct SentFile {
    pub name: String,
    pub bytes: Vec<u8>,
}

/// The form's text fields and its file, if one was chosen.
#[derive(Default)]
pub struct Posted {
    fields: Vec<(String, String)>,
    pub file: Option<SentFile>,
}

impl Posted {
    /// The text field `name` ("" when absent).
    pub fn text(&self, name: &str) -> &str {
        self.fields
            .iter()
            .find(|(k, _)| k == name)
            .map_or("", |(_, v)| v.as_str())
    }
}

/// The one file field each form names `file`.
const FILE_FIELD: &str = "file";

impl<S: Send + Sync> FromRequest<S> for Posted {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let multipart = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|ct| ct.starts_with("multipart/form-data"));
        if !multipart {
            let axum::Form(fields) = axum::Form::<Vec<(String, String)>>::from_request(req, state)
                .await
                .map_err(|_| AppError::BadRequest)?;
            return Ok(Posted { fields, file: None });
        }
        let mut form = Multipart::from_request(req, state)
            .await
            .map_err(|_| AppError::BadRequest)?;
        let mut posted = Posted::default();
        // The body is already within the route's limit (middleware::body_limit).
        while let Some(field) = form.next_field().await.map_err(|_| AppError::BadRequest)? {
            let Some(name) = field.name().map(str::to_owned) else {
                continue;
            };
            if name == FILE_FIELD {
                let sent = field.file_name().unwrap_or("").to_owned();
                let bytes = field.bytes().await.map_err(|_| AppError::BadRequest)?;
                // A file input left empty still sends a part, with no name and no bytes.
                if !bytes.is_empty() {
                    posted.file = Some(SentFile {
                        name: sent,
                        bytes: bytes.to_vec(),
                    });
                }
            } else {
                let text = field.text().await.map_err(|_| AppError::BadRequest)?;
                posted.fields.push((name, text));
            }
        }
        Ok(posted)
    }
}
