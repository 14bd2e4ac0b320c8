//! The owner's editor for the public site: sections with drafts, publication, history and
//! restore, a live preview, and the practice's details.

use crate::AppState;
use crate::auth::OwnerUser;
use crate::error::AppError;
use crate::layout::Layout;
use crate::markdown;
use crate::routes::account::when;
use crate::site::{DEFAULT_PARTNER, SiteInfo};
use crate::templates::{SettingField, SettingsPage, SiteEditPage, SiteSectionsPage};
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use kapflow_domain::site::Page;
use kapflow_domain::text::required_line;
use kapflow_domain::time_util::now_utc;
use kapflow_store::settings::keys;
use kapflow_store::site::RevisionStatus;
use serde::Deserialize;
use uuid::Uuid;

const MAX_BODY_CHARS: usize = 20_000;

pub async fn sections(
    State(state): State<AppState>,
    owner: OwnerUser,
) -> Result<SiteSectionsPage, AppError> {
    let mut all = state.store.published_site().await?;
    let order = |slug: &str| {
        Page::ALL
            .iter()
            .position(|p| p.slug() == slug)
            .unwrap_or(99)
    };
    all.sort_by_key(|s| (order(&s.page), s.position));
    Ok(SiteSectionsPage {
        layout: Layout::for_user(&state, &owner.0).await?,
        sections: all
            .into_iter()
            .map(|s| {
                (
                    Page::parse(&s.page).map(Page::nav_label).unwrap_or(""),
                    s.label,
                    s.title,
                    s.key,
                )
            })
            .collect(),
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct EditQuery {
    done: String,
}

struct Draft {
    title: String,
    body: String,
    title_error: Option<String>,
    body_error: Option<String>,
    notice: Option<String>,
}

async fn edit_page(
    state: &AppState,
    owner: &OwnerUser,
    key: &str,
    draft: Option<Draft>,
) -> Result<Response, AppError> {
    let Some(section) = state.store.section_for_edit(key).await? else {
        return Err(AppError::NotFound);
    };
    let partner = SiteInfo::load(state).await?.partner;
    let current = section.draft.as_ref().or(section.published.as_ref());
    let (title, body, title_error, body_error, notice) = match draft {
        Some(d) => (d.title, d.body, d.title_error, d.body_error, d.notice),
        None => (
            current.map(|r| r.title.clone()).unwrap_or_default(),
            current.map(|r| r.body_md.clone()).unwrap_or_default(),
            None,
            None,
            None,
        ),
    };
    let errors = title_error.is_some() || body_error.is_some();
    let history = state
        .store
        .section_history(key)
        .await?
        .into_iter()
        .map(|r| {
            let kind = if r.status == "published" {
                "Published"
            } else {
                "Draft"
            };
            (
                when(r.created_at),
                r.author_email.unwrap_or_else(|| "first version".into()),
                kind,
                r.title,
                r.id.to_string(),
            )
        })
        .collect();
    let page = SiteEditPage {
        layout: Layout::for_user(state, &owner.0).await?,
        csrf: owner.0.csrf().to_owned(),
        key: section.key,
        label: section.label,
        preview_html: markdown::render(&body, &partner),
        title,
        body,
        title_error,
        body_error,
        has_draft: section.draft.is_some(),
        notice,
        history,
    };
    Ok((
        if errors {
            StatusCode::UNPROCESSABLE_ENTITY
        } else {
            StatusCode::OK
        },
        page,
    )
        .into_response())
}

pub async fn edit(
    State(state): State<AppState>,
    owner: OwnerUser,
    Path(key): Path<String>,
    Query(q): Query<EditQuery>,
) -> Result<Response, AppError> {
    let notice = match q.done.as_str() {
        "draft" => Some("Draft saved. Visitors still see the published text.".to_owned()),
        "published" => Some("Published. Visitors see the new text now.".to_owned()),
        "restored" => Some("That version is published again.".to_owned()),
        _ => None,
    };
    if notice.is_none() {
        return edit_page(&state, &owner, &key, None).await;
    }
    let section = state
        .store
        .section_for_edit(&key)
        .await?
        .ok_or(AppError::NotFound)?;
    let current = section.draft.or(section.published);
    let draft = Draft {
        title: current
            .as_ref()
            .map(|r| r.title.clone())
            .unwrap_or_default(),
        body: current.map(|r| r.body_md).unwrap_or_default(),
        title_error: None,
        body_error: None,
        notice,
    };
    edit_page(&state, &owner, &key, Some(draft)).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct SaveForm {
    title: String,
    body: String,
    action: String,
}

pub async fn save(
    State(state): State<AppState>,
    owner: OwnerUser,
    Path(key): Path<String>,
    Form(f): Form<SaveForm>,
) -> Result<Response, AppError> {
    if state.store.section_for_edit(&key).await?.is_none() {
        return Err(AppError::NotFound);
    }
    let title = required_line(&f.title, 200, "a heading");
    let body_error = if f.body.trim().is_empty() {
        Some("Enter the text of this section.".to_owned())
    } else if f.body.chars().count() > MAX_BODY_CHARS {
        Some(format!("Use at most {MAX_BODY_CHARS} characters."))
    } else {
        None
    };
    let status = match f.action.as_str() {
        "publish" => Some(RevisionStatus::Published),
        "draft" => Some(RevisionStatus::Draft),
        _ => None,
    };
    let (Ok(title), None, Some(status)) = (&title, &body_error, status) else {
        let draft = Draft {
            title: f.title.clone(),
            body: f.body,
            title_error: title.err(),
            body_error,
            notice: None,
        };
        return edit_page(&state, &owner, &key, Some(draft)).await;
    };
    state
        .store
        .save_section(
            &key,
            title,
            f.body.trim_end(),
            status,
            &owner.0.actor(),
            now_utc(),
        )
        .await?;
    state.site.invalidate().await;
    let done = if status == RevisionStatus::Published {
        "published"
    } else {
        "draft"
    };
    Ok(Redirect::to(&format!("/site/{key}?done={done}")).into_response())
}

pub async fn restore(
    State(state): State<AppState>,
    owner: OwnerUser,
    Path((key, rev)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let rev = Uuid::parse_str(&rev).map_err(|_| AppError::NotFound)?;
    match state
        .store
        .restore_revision(&key, rev, &owner.0.actor(), now_utc())
        .await?
    {
        Some(_) => {
            state.site.invalidate().await;
            Ok(Redirect::to(&format!("/site/{key}?done=restored")).into_response())
        }
        None => Err(AppError::NotFound),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PreviewForm {
    body: String,
}

/// The live preview's fragment (htmx posts the text as it is typed).
pub async fn preview(
    State(state): State<AppState>,
    _owner: OwnerUser,
    Form(f): Form<PreviewForm>,
) -> Result<Html<String>, AppError> {
    let partner = SiteInfo::load(&state).await?.partner;
    Ok(Html(markdown::render(&f.body, &partner)))
}

/// The practice's details: (form name, setting key, label).
const FIELDS: &[(&str, &str, &str)] = &[
    ("practice_name", keys::PRACTICE_NAME, "Practice name"),
    ("clinician_name", keys::CLINICIAN_NAME, "Clinician's name"),
    (
        "clinician_credentials",
        keys::CLINICIAN_CREDENTIALS,
        "Credentials (for example LMFT)",
    ),
    (
        "partner",
        keys::PARTNER_NAME,
        "Partner prescriber organisation",
    ),
    ("address", keys::ADDRESS, "Office address"),
    ("phone", keys::PHONE, "Phone"),
    ("email", keys::EMAIL, "Email"),
    ("hours", keys::HOURS, "Hours"),
    ("states", keys::STATES, "States served"),
];

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct SettingsQuery {
    saved: Option<String>,
}

pub async fn settings(
    State(state): State<AppState>,
    owner: OwnerUser,
    Query(q): Query<SettingsQuery>,
) -> Result<SettingsPage, AppError> {
    let info = SiteInfo::load(&state).await?;
    let value = |name: &str| match name {
        "practice_name" => info.practice_name.clone(),
        "clinician_name" => info.clinician_name.clone(),
        "clinician_credentials" => info.clinician_credentials.clone(),
        "partner" => info.partner.clone(),
        "address" => info.address.clone(),
        "phone" => info.phone.clone(),
        "email" => info.email.clone(),
        "hours" => info.hours.clone(),
        "states" => info.states.clone(),
        _ => String::new(),
    };
    Ok(SettingsPage {
        layout: Layout::for_user(&state, &owner.0).await?,
        csrf: owner.0.csrf().to_owned(),
        fields: FIELDS
            .iter()
            .map(|(n, _, l)| SettingField {
                name: n,
                label: l,
                value: value(n),
                error: None,
            })
            .collect(),
        saved: q.saved.is_some(),
    })
}

pub async fn save_settings(
    State(state): State<AppState>,
    owner: OwnerUser,
    Form(form): Form<std::collections::HashMap<String, String>>,
) -> Result<Response, AppError> {
    let mut fields = Vec::new();
    let mut values = Vec::new();
    for (name, key, label) in FIELDS {
        let raw = form.get(*name).cloned().unwrap_or_default();
        let required = matches!(*name, "practice_name" | "partner");
        let checked = if required {
            required_line(&raw, 200, &label.to_lowercase())
        } else if raw.trim().is_empty() {
            Ok(String::new())
        } else {
            required_line(&raw, 200, "it")
        };
        let checked = match (*name, checked) {
            ("email", Ok(v)) if !v.is_empty() => kapflow_domain::Email::parse(&v)
                .map(|e| e.to_string())
                .map_err(|e| e.to_string()),
            (_, c) => c,
        };
        match checked {
            Ok(v) => {
                values.push((
                    *key,
                    if *name == "partner" && v.is_empty() {
                        DEFAULT_PARTNER.to_owned()
                    } else {
                        v.clone()
                    },
                ));
                fields.push(SettingField {
                    name,
                    label,
                    value: v,
                    error: None,
                });
            }
            Err(e) => fields.push(SettingField {
                name,
                label,
                value: raw,
                error: Some(e),
            }),
        }
    }
    if fields.iter().any(|f| f.error.is_some()) {
        let page = SettingsPage {
            layout: Layout::for_user(&state, &owner.0).await?,
            csrf: owner.0.csrf().to_owned(),
            fields,
            saved: false,
        };
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    }
    state
        .store
        .save_practice_settings(&values, &owner.0.actor(), now_utc())
        .await?;
    state.site.invalidate().await;
    Ok(Redirect::to("/settings?saved=1").into_response())
}
