//! One answered questionnaire in full: every question with the answer given (and the ones the
//! skip logic left out), the result as the instrument reads it, and what it flagged.

use super::measures::title_of;
use super::score_rows;
use super::{Ctx, HeaderView, Tab, ctx};
use crate::AppState;
use crate::auth::{ClientAccess, StaffUser};
use crate::error::AppError;
use crate::time_fmt::when;
use crate::views::layout::Layout;
use askama::Template;
use askama_web::WebTemplate;
use kapflow_domain::ResponseId;
use kapflow_domain::measures::Kind;

/// One question and the answer given.
pub struct AnswerView {
    pub number: usize,
    pub question: String,
    /// The answer's wording and value, or that the question was not asked.
    pub answer: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "response.html")]
pub struct ResponsePage {
    pub layout: Layout,
    pub h: HeaderView,
    pub notice: Option<&'static str>,
    pub title: String,
    pub answered: String,
    pub via: &'static str,
    pub version: String,
    /// The result as the history table shows it: (column, value).
    pub result: Vec<(&'static str, String)>,
    pub findings: Vec<String>,
    pub answers: Vec<AnswerView>,
    pub back: String,
}

pub async fn page(
    state: &AppState,
    user: &StaffUser,
    access: ClientAccess,
    id: ResponseId,
) -> Result<ResponsePage, AppError> {
    let clinical = access.clinical_or_404()?;
    let row = state
        .store
        .measures()
        .response(&clinical, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let Ctx { header, .. } = ctx(state, &access, Tab::Measures).await?;
    let all = state.store.measures().instruments().await?;
    let instrument = all.iter().find(|i| i.code == row.instrument);
    let scored = row.scored();
    let kind = instrument.map_or(Kind::Custom, |i| i.kind);
    let point = kapflow_store::measures::ResponsePoint::from(&row);
    let result = score_rows::columns(kind)
        .into_iter()
        .zip(score_rows::cells(kind, &point, point.detail().as_ref()))
        .collect();
    let answers = instrument
        .map(|i| {
            i.items
                .iter()
                .enumerate()
                .map(|(n, item)| AnswerView {
                    number: n + 1,
                    question: item.text.clone(),
                    answer: match scored.as_ref().and_then(|s| s.answers.get(&item.code)) {
                        Some(&v) => match item.label_of(v) {
                            Some(label) => format!("{label} ({v})"),
                            None => v.to_string(),
                        },
                        None => "Not asked (the questionnaire skips it after the answers above)"
                            .to_owned(),
                    },
                })
                .collect()
        })
        .unwrap_or_default();
    Ok(ResponsePage {
        layout: Layout::for_user(state, &user.0).await?,
        h: header,
        notice: None,
        title: title_of(&all, &row.instrument),
        answered: when(row.submitted_at),
        via: row.via.label(),
        version: row.version.clone(),
        result,
        findings: scored
            .map(|s| s.flags.into_iter().map(|f| f.finding).collect())
            .unwrap_or_default(),
        answers,
        back: crate::paths::measures(access.client()),
    })
}
