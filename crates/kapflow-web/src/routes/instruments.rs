//! The practice's own questionnaires, defined without code: items (one per line), the answer
//! options every item shares ("0 = Never"), and severity bands ("0-4 Low") that must cover every
//! possible total. Published instruments (PHQ-9, GAD-7, PCL-5, C-SSRS) are listed, not editable.

use crate::AppState;
use crate::auth::OwnerUser;
use crate::error::AppError;
use crate::views::layout::Layout;
use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use kapflow_domain::measures::{AnswerOption, Band, CustomInstrumentSpec, CustomItemSpec};
use kapflow_domain::time_util::now_utc;
use serde::Deserialize;

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct InstrumentForm {
    pub code: String,
    pub title: String,
    pub version: String,
    pub instructions: String,
    pub items: String,
    pub options: String,
    pub bands: String,
    pub source: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "instruments.html")]
pub struct InstrumentsPage {
    pub layout: Layout,
    pub csrf: String,
    pub notice: Option<&'static str>,
    pub list: Vec<(String, String, String, usize, bool)>,
    pub v: InstrumentForm,
    pub error: Option<String>,
}

async fn page(
    state: &AppState,
    owner: &OwnerUser,
    notice: Option<&'static str>,
    v: InstrumentForm,
    error: Option<String>,
) -> Result<InstrumentsPage, AppError> {
    Ok(InstrumentsPage {
        layout: Layout::for_user(state, &owner.0).await?,
        csrf: owner.0.csrf().to_owned(),
        notice,
        list: state
            .store
            .measures()
            .instruments()
            .await?
            .into_iter()
            .map(|i| {
                let builtin = kapflow_domain::measures::BUILTIN_CODES.contains(&i.code.as_str());
                (i.code, i.title, i.version, i.items.len(), builtin)
            })
            .collect(),
        v,
        error,
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct AddedQuery {
    added: Option<String>,
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn list(
    State(state): State<AppState>,
    owner: OwnerUser,
    Query(q): Query<AddedQuery>,
) -> Result<InstrumentsPage, AppError> {
    let notice = q
        .added
        .map(|_| "Questionnaire added. It can now be scheduled for clients.");
    page(&state, &owner, notice, InstrumentForm::default(), None).await
}

/// Reads "value = label" lines.
fn options(raw: &str) -> Result<Vec<AnswerOption>, String> {
    raw.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|l| {
            let (v, label) = l.split_once('=').ok_or_else(|| {
                format!("Write each answer option as \"0 = Never\" (line \"{l}\").")
            })?;
            let value = v
                .trim()
                .parse::<u8>()
                .map_err(|_| format!("\"{}\" is not a whole number from 0 to 255.", v.trim()))?;
            Ok(AnswerOption {
                value,
                label: label.trim().to_owned(),
            })
        })
        .collect()
}

/// Reads "min-max label" lines.
fn bands(raw: &str) -> Result<Vec<Band>, String> {
    raw.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|l| {
            let bad = || format!("Write each band as \"0-4 Minimal\" (line \"{l}\").");
            let (range, label) = l.split_once(char::is_whitespace).ok_or_else(bad)?;
            let (min, max) = range.split_once('-').ok_or_else(bad)?;
            Ok(Band {
                min: min.trim().parse().map_err(|_| bad())?,
                max: max.trim().parse().map_err(|_| bad())?,
                label: label.trim().to_owned(),
            })
        })
        .collect()
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn add(
    State(state): State<AppState>,
    owner: OwnerUser,
    Form(v): Form<InstrumentForm>,
) -> Result<Response, AppError> {
    let built = options(&v.options).and_then(|opts| {
        let spec = CustomInstrumentSpec {
            code: v.code.trim().to_owned(),
            title: v.title.trim().to_owned(),
            version: v.version.trim().to_owned(),
            instructions: v.instructions.trim().to_owned(),
            stem: String::new(),
            items: v
                .items
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(|text| CustomItemSpec {
                    text: text.to_owned(),
                    options: opts.clone(),
                })
                .collect(),
            bands: bands(&v.bands)?,
            source: v.source.trim().to_owned(),
        };
        spec.build().map_err(|e| {
            let s = e.to_string();
            let mut c = s.chars();
            c.next()
                .map(|f| f.to_uppercase().collect::<String>() + c.as_str() + ".")
                .unwrap_or(s)
        })
    });
    let instrument = match built {
        Ok(i) => i,
        Err(m) => {
            let p = page(&state, &owner, None, v, Some(m)).await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, p).into_response());
        }
    };
    if !state
        .store
        .measures()
        .add_custom_instrument(&instrument, &owner.0.actor(), now_utc())
        .await?
    {
        let msg =
            "This code already has this version; give the new one another version.".to_owned();
        let p = page(&state, &owner, None, v, Some(msg)).await?;
        return Ok((StatusCode::CONFLICT, p).into_response());
    }
    Ok(Redirect::to(&format!("{}?added=1", crate::paths::INSTRUMENTS)).into_response())
}
