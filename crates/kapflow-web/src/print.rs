//! Printable documents leave kapflow as PDF through one door: `kapflow-pdf` lays them out,
//! this module adds the footer every page carries and sends the file (named without anything
//! about the client, never cached).

use crate::AppState;
use crate::error::AppError;
use crate::time_fmt::when;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use kapflow_domain::time_util::now_utc;
use kapflow_pdf::Document;

/// A new document whose footer names the practice and when it was printed.
pub async fn document(state: &AppState, title: &str) -> Result<Document, AppError> {
    let practice = crate::views::layout::Layout::practice_name(state).await?;
    Ok(Document::new(
        title,
        format!(
            "{practice} · Confidential health information · Printed {}",
            when(now_utc())
        ),
    ))
}

/// The document as a PDF download called `file_name` (which must not name the client: file
/// names travel into download folders and browser histories).
pub fn pdf(doc: &Document, file_name: &str) -> Response {
    let mut res = kapflow_pdf::render(doc).into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/pdf"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{file_name}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    res
}
