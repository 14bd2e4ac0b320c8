//! The client's questionnaires due: answering one opens the same questionnaire page (scoring,
//! crisis flow and all) through a single-use link made for this moment.

use super::OnPortal;
use crate::error::AppError;
use crate::views::portal::{DueView, QuestionnairesPage};
use axum::extract::Path;
use axum::response::{IntoResponse, Redirect, Response};
use kapflow_domain::MeasureRequestId;
use kapflow_domain::time_util::now_utc;
use kapflow_domain::token::token_hash;

#[tracing::instrument(level = "debug", skip_all)]
pub async fn list(on: OnPortal) -> Result<QuestionnairesPage, AppError> {
    let now = now_utc();
    let due =
        on.0.store
            .portal()
            .due(&on.2, crate::practice_zone::today(now))
            .await?;
    let titles = on.0.store.measures().instruments().await?;
    let title = |code: &str| {
        titles
            .iter()
            .find(|i| i.code == code)
            .map_or_else(|| "Questionnaire".to_owned(), |i| i.title.clone())
    };
    let (layout, f) = on.frame().await?;
    Ok(QuestionnairesPage {
        layout,
        f,
        due: due
            .into_iter()
            .map(|d| DueView {
                request: d.request,
                title: title(&d.instrument),
                due: d.due_on.to_string(),
            })
            .collect(),
    })
}

/// Opens a due questionnaire of the client's own: a fresh single-use link, and on to it.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn open(on: OnPortal, Path(request): Path<String>) -> Result<Response, AppError> {
    let Some(request) = MeasureRequestId::parse(&request) else {
        return Err(on.not_theirs("measure_request").await);
    };
    let token = crate::setup_link::new_token();
    let opened =
        on.0.store
            .portal()
            .open_questionnaire(
                &on.2,
                request,
                &token_hash(&token),
                &on.1.actor(),
                now_utc(),
            )
            .await?;
    if !opened {
        return Err(on.not_theirs("measure_request").await);
    }
    Ok(Redirect::to(&crate::paths::questionnaire(&token)).into_response())
}
