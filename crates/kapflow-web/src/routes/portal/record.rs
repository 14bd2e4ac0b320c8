//! The client's right of access from the portal: their whole record as a PDF or a FHIR Bundle
//! (the same copies the care team can make), and their appointments and questionnaire results
//! as a spreadsheet; each download audited.

use super::OnPortal;
use crate::csv_out::{Cell, Csv};
use crate::error::AppError;
use crate::time_fmt::when;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use kapflow_domain::time_util::now_utc;

#[tracing::instrument(level = "debug", skip_all)]
pub async fn csv(on: OnPortal) -> Result<Response, AppError> {
    let portal = on.0.store.portal();
    let appointments = portal.appointments(&on.2).await?;
    let scores = portal.scores(&on.2).await?;
    let titles = on.0.store.measures().instruments().await?;
    let title = |code: &str| {
        titles
            .iter()
            .find(|i| i.code == code)
            .map_or_else(|| code.to_owned(), |i| i.title.clone())
    };
    let mut out = Csv::new(&["kind", "when", "what", "with", "status or score", "result"]);
    for a in &appointments {
        out.row(&[
            Cell::Text("appointment"),
            Cell::Text(&when(a.starts_at)),
            Cell::Text(&a.type_label),
            Cell::Text(&a.clinician_name),
            Cell::Text(a.status.label()),
            Cell::Text(""),
        ]);
    }
    for s in &scores {
        out.row(&[
            Cell::Text("questionnaire"),
            Cell::Text(&when(s.submitted_at)),
            Cell::Text(&title(&s.instrument)),
            Cell::Text(""),
            Cell::Number(s.total),
            Cell::Text(&s.band),
        ]);
    }
    let entry =
        on.1.actor()
            .entry("portal.record_downloaded", now_utc())
            .client(on.2.client())
            .record("rows", appointments.len() + scores.len());
    on.0.store.audit().record(&entry).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"my-record.csv\"",
            ),
            (header::CACHE_CONTROL, "no-store"),
        ],
        out.finish(),
    )
        .into_response())
}

/// The whole record as a PDF.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn pdf(on: OnPortal) -> Result<Response, AppError> {
    let access = on.2.whole_record();
    let doc = crate::record_copy::document(&on.0, &access).await?;
    crate::routes::clients::record_copy::audited(&on.0, &on.1.actor(), &access, "pdf").await?;
    Ok(crate::print::pdf(
        &doc,
        &format!("health-record-{}.pdf", crate::time_fmt::day(now_utc())),
    ))
}

/// The client's newest good-faith estimate as a PDF (or a page saying there is none yet).
#[tracing::instrument(level = "debug", skip_all)]
pub async fn estimate(on: OnPortal) -> Result<Response, AppError> {
    let access = on.2.whole_record();
    let latest = on.0.store.billing().estimates(access.access()).await?;
    let doc = crate::estimates::document(&on.0, access.access(), latest.first()).await?;
    Ok(crate::print::pdf(&doc, "good-faith-estimate.pdf"))
}

/// The whole record as a FHIR Bundle, for another clinician's system.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn fhir(on: OnPortal) -> Result<Response, AppError> {
    use crate::routes::clients::record_copy::{audited, bundle, bundle_download};
    let access = on.2.whole_record();
    let body = bundle(&on.0, &access).await?;
    audited(&on.0, &on.1.actor(), &access, "fhir").await?;
    Ok(bundle_download(body))
}
