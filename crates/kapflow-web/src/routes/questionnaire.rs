//! Answering a questionnaire without signing in: a single-use, expiring link (emailed to the
//! client, or opened on the office tablet in kiosk mode). The page shows the practice's name
//! and the questionnaire, nothing else. Scores are computed here, on the server, from the item
//! answers; a missing or out-of-range answer is refused with the answers kept. When an answer
//! raises a suicide-risk flag, the confirmation shows crisis resources at once.

use crate::AppState;
use crate::error::AppError;
use crate::form_fields::Fields;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use kapflow_domain::measures::schedule::{AlertTiming, Channel};
use kapflow_domain::measures::score::{is_asked, on_screen};
use kapflow_domain::measures::{AskWhen, Instrument, MeasureSettings, ScoreError, score};
use kapflow_domain::time_util::now_utc;
use kapflow_domain::token::token_hash;
use kapflow_store::measures::{LinkState, Submission};
use kapflow_store::settings::keys;
use std::collections::BTreeMap;

/// What is wrong with the answer to one question.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Problem {
    Unanswered,
    NotAnOption,
    Inconsistent,
}

impl Problem {
    /// The message beside question `n` and in the summary: it names the question, so a
    /// screen-reader user hears which one (WCAG 3.3.1).
    fn message(self, n: usize) -> String {
        match self {
            Problem::Unanswered => format!("Question {n} needs an answer."),
            Problem::NotAnOption => format!("Question {n}: choose one of the answers."),
            Problem::Inconsistent => format!("Question {n}: please check this answer."),
        }
    }
}

/// One question as shown, with what was chosen and any problem.
pub struct ItemView {
    pub code: String,
    pub number: usize,
    pub text: String,
    pub note: Option<String>,
    /// Asked only after an answer: (the earlier question's code, the answer's value). The form's
    /// script shows it as soon as that answer is chosen.
    pub asks: Option<(String, u8)>,
    /// On screen now: asked without condition, or its condition met by the answers so far.
    /// Without the script a question that follows from an answer comes as a second step.
    pub shown: bool,
    /// (value, label, chosen)
    pub options: Vec<(u8, String, bool)>,
    pub error: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "questionnaire.html")]
pub struct QuestionnairePage {
    pub practice: String,
    pub title: String,
    pub instructions: String,
    pub stem: String,
    pub items: Vec<ItemView>,
    /// The questions on screen, comma-separated (the form tells the server which it showed).
    pub shown: String,
    /// Said when the answers brought more questions (the second step without the script).
    pub more: bool,
    pub action: String,
    /// The summary's first line when answers are missing or wrong.
    pub intro: String,
    /// (id of the question's group, message), in question order.
    pub summary: Vec<(String, String)>,
}

#[derive(Template, WebTemplate)]
#[template(path = "questionnaire_done.html")]
pub struct DonePage {
    pub practice: String,
    pub heading: &'static str,
    pub message: &'static str,
    pub crisis: bool,
    pub kiosk: bool,
}

async fn practice(state: &AppState) -> Result<String, AppError> {
    Ok(state
        .store
        .settings()
        .get(keys::PRACTICE_NAME)
        .await?
        .unwrap_or_else(|| "Your care team".to_owned()))
}

async fn done(
    state: &AppState,
    heading: &'static str,
    message: &'static str,
    crisis: bool,
    kiosk: bool,
    status: StatusCode,
) -> Result<Response, AppError> {
    let page = DonePage {
        practice: practice(state).await?,
        heading,
        message,
        crisis,
        kiosk,
    };
    Ok((status, page).into_response())
}

fn page(
    practice: String,
    i: &Instrument,
    token: &str,
    chosen: &BTreeMap<String, u8>,
    errors: &BTreeMap<String, Problem>,
    more: bool,
) -> QuestionnairePage {
    let numbered = |n: usize, code: &String| errors.get(code).map(|p| p.message(n + 1));
    let summary: Vec<(String, String)> = i
        .items
        .iter()
        .enumerate()
        .filter_map(|(n, it)| numbered(n, &it.code).map(|m| (format!("q-{}", it.code), m)))
        .collect();
    let k = summary.len();
    let all_unanswered = errors.values().all(|p| *p == Problem::Unanswered);
    let shown = on_screen(i, chosen);
    QuestionnairePage {
        practice,
        title: i.title.clone(),
        instructions: i.client_instructions().to_owned(),
        stem: i.client_stem().to_owned(),
        items: i
            .items
            .iter()
            .enumerate()
            .map(|(n, it)| {
                let on = shown.contains(&it.code);
                ItemView {
                    code: it.code.clone(),
                    number: n + 1,
                    text: it.text.clone(),
                    note: it.note.clone(),
                    asks: match &it.ask_when {
                        AskWhen::Always => None,
                        AskWhen::Answered { item, value } => Some((item.clone(), *value)),
                    },
                    shown: on,
                    options: it
                        .options
                        .iter()
                        .map(|o| {
                            let picked = on && chosen.get(&it.code) == Some(&o.value);
                            (o.value, o.label.clone(), picked)
                        })
                        .collect(),
                    error: numbered(n, &it.code),
                }
            })
            .collect(),
        shown: shown.join(","),
        more,
        action: crate::paths::questionnaire(token),
        intro: if all_unanswered {
            format!(
                "{k} question{} still need{} an answer. Your other answers are kept.",
                if k == 1 { "" } else { "s" },
                if k == 1 { "s" } else { "" }
            )
        } else {
            format!(
                "Please check {k} answer{}. Your other answers are kept.",
                if k == 1 { "" } else { "s" }
            )
        },
        summary,
    }
}

async fn open(
    state: &AppState,
    token: &str,
) -> Result<Result<(Instrument, Channel), Response>, AppError> {
    let now = now_utc();
    match state.store.measures().link(&token_hash(token), now).await? {
        LinkState::Open {
            instrument,
            channel,
            ..
        } => {
            let i = state
                .store
                .measures()
                .instrument(&instrument)
                .await?
                .ok_or_else(|| AppError::internal("request for an unknown instrument"))?;
            Ok(Ok((i, channel)))
        }
        LinkState::Submitted { alert } => Ok(Err(done(
            state,
            "Thank you",
            "Your answers were received. You do not need to answer again.",
            alert,
            false,
            StatusCode::OK,
        )
        .await?)),
        LinkState::Expired => Ok(Err(done(
            state,
            "This link has expired",
            "Please ask your care team for a new link.",
            false,
            false,
            StatusCode::GONE,
        )
        .await?)),
        LinkState::Unknown => Err(AppError::NotFound),
    }
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn show(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Result<Response, AppError> {
    let (i, _) = match open(&state, &token).await? {
        Ok(x) => x,
        Err(r) => return Ok(r),
    };
    let p = page(
        practice(&state).await?,
        &i,
        &token,
        &BTreeMap::new(),
        &BTreeMap::new(),
        false,
    );
    Ok(p.into_response())
}

async fn timing(state: &AppState) -> Result<AlertTiming, AppError> {
    let hours = |key: &'static str, default: i64| async move {
        Ok::<i64, AppError>(
            state
                .store
                .settings()
                .get(key)
                .await?
                .and_then(|v| v.parse().ok())
                .unwrap_or(default),
        )
    };
    Ok(AlertTiming {
        escalate_after: time::Duration::hours(hours(keys::ALERT_ESCALATE_HOURS, 24).await?),
        escalate_high_after: time::Duration::hours(
            hours(keys::ALERT_ESCALATE_HIGH_HOURS, 1).await?,
        ),
    })
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn submit(
    State(state): State<AppState>,
    Path(token): Path<String>,
    f: Fields,
) -> Result<Response, AppError> {
    let (i, channel) = match open(&state, &token).await? {
        Ok(x) => x,
        Err(r) => return Ok(r),
    };
    let kiosk = channel == Channel::Kiosk;
    // What was chosen, as typed; anything unreadable is an error beside its question.
    let mut chosen = BTreeMap::new();
    let mut errors = BTreeMap::new();
    for it in &i.items {
        let raw = f.get(&it.code);
        if raw.is_empty() {
            continue;
        }
        match raw.parse::<u8>() {
            Ok(v) if it.allows(v) => {
                chosen.insert(it.code.clone(), v);
            }
            _ => {
                errors.insert(it.code.clone(), Problem::NotAnOption);
            }
        }
    }
    // Only the questions that apply are scored; an answer to one that does not apply (a
    // conditional question whose condition was not met) is set aside, not held against them.
    let answers: BTreeMap<String, u8> = chosen
        .iter()
        .filter(|(code, _)| {
            i.item(code)
                .map(|it| is_asked(&it.ask_when, &chosen))
                .unwrap_or(false)
        })
        .map(|(k, v)| (k.clone(), *v))
        .collect();
    // A question that applies but was not on the client's screen (it follows from an answer
    // just given, and the page had no script to show it) is the next step, not a mistake.
    let shown_field = f.get("_shown");
    let seen: Option<Vec<&str>> = f
        .on("_shown")
        .then(|| shown_field.split(',').filter(|c| !c.is_empty()).collect());
    let mut next_step = false;
    for it in &i.items {
        if is_asked(&it.ask_when, &answers) && !answers.contains_key(&it.code) {
            match &seen {
                Some(seen) if !seen.contains(&it.code.as_str()) => next_step = true,
                _ => {
                    errors.entry(it.code.clone()).or_insert(Problem::Unanswered);
                }
            }
        }
    }
    if next_step && errors.is_empty() {
        let p = page(practice(&state).await?, &i, &token, &chosen, &errors, true);
        return Ok(p.into_response());
    }
    let settings: MeasureSettings =
        crate::routes::clinical_settings::measure_settings(&state).await?;
    let scored = if errors.is_empty() {
        match score(&i, &answers, &settings) {
            Ok(s) => Some(s),
            Err(e) => {
                let item = match &e {
                    ScoreError::Missing { item, .. }
                    | ScoreError::OutOfRange { item, .. }
                    | ScoreError::UnknownItem { item, .. }
                    | ScoreError::AnsweredSkippedItem { item, .. } => Some(item.clone()),
                    _ => None,
                };
                if let Some(item) = item {
                    errors.insert(item, Problem::Inconsistent);
                }
                None
            }
        }
    } else {
        None
    };
    let Some(scored) = scored else {
        let p = page(practice(&state).await?, &i, &token, &chosen, &errors, false);
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, p).into_response());
    };
    let timing = timing(&state).await?;
    match state
        .store
        .measures()
        .submit(&token_hash(&token), &scored, timing, now_utc())
        .await?
    {
        Submission::Recorded { alert, .. } | Submission::AlreadySubmitted { alert } => {
            done(
                &state,
                "Thank you",
                "Your answers were received and your care team will see them.",
                alert,
                kiosk,
                StatusCode::OK,
            )
            .await
        }
        Submission::Expired => {
            done(
                &state,
                "This link has expired",
                "Please ask your care team for a new link.",
                false,
                kiosk,
                StatusCode::GONE,
            )
            .await
        }
        Submission::Unknown => Err(AppError::NotFound),
    }
}
