//! The owner's editor for the public site: sections with drafts, publication, history and
//! restore, a live preview, and the practice's details.

use crate::AppState;
use crate::auth::OwnerUser;
use crate::error::AppError;
use crate::markdown;
use crate::site::Page;
use crate::site::SiteInfo;
use crate::time_fmt::when;
use crate::views::layout::Layout;
use crate::views::site::{
    PhotoRow, RevisionRow, SectionRow, SettingField, SettingsPage, SiteEditPage, SiteSectionsPage,
};
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use kapflow_domain::PhotoId;
use kapflow_domain::form::FieldErrors;
use kapflow_domain::text::required_line;
use kapflow_domain::time_util::now_utc;
use kapflow_store::settings::keys;
use kapflow_store::site::RevisionStatus;
use serde::Deserialize;
use uuid::Uuid;

const MAX_BODY_CHARS: usize = 20_000;

#[tracing::instrument(level = "debug", skip_all)]
pub async fn sections(
    State(state): State<AppState>,
    owner: OwnerUser,
) -> Result<SiteSectionsPage, AppError> {
    let mut all = state.store.site().published().await?;
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
            .map(|s| SectionRow {
                page: Page::parse(&s.page).map(Page::nav_label).unwrap_or(""),
                label: s.label,
                heading: s.title,
                key: s.key,
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
    let Some(section) = state.store.site().section_for_edit(key).await? else {
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
        .site()
        .section_history(key)
        .await?
        .into_iter()
        .map(|r| {
            let kind = if r.status == RevisionStatus::Published {
                "Published"
            } else {
                "Draft"
            };
            RevisionRow {
                saved: when(r.created_at),
                by: r.author.unwrap_or_else(|| "first version".into()),
                kind,
                heading: r.title,
                id: r.id,
            }
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
        e: {
            let mut e = FieldErrors::of("title", title_error);
            if let Some(m) = body_error {
                e.add("body", m);
            }
            e
        },
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

#[tracing::instrument(level = "debug", skip_all)]
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
        .site()
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

#[tracing::instrument(level = "debug", skip_all)]
pub async fn save(
    State(state): State<AppState>,
    owner: OwnerUser,
    Path(key): Path<String>,
    Form(f): Form<SaveForm>,
) -> Result<Response, AppError> {
    if state.store.site().section_for_edit(&key).await?.is_none() {
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
        .site()
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
    Ok(Redirect::to(&crate::paths::done(crate::paths::site_section(key), done)).into_response())
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn restore(
    State(state): State<AppState>,
    owner: OwnerUser,
    Path((key, rev)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let rev = Uuid::parse_str(&rev).map_err(|_| AppError::NotFound)?;
    match state
        .store
        .site()
        .restore_revision(&key, rev, &owner.0.actor(), now_utc())
        .await?
    {
        Some(_) => {
            state.site.invalidate().await;
            Ok(Redirect::to(&crate::paths::done(
                crate::paths::site_section(key),
                "restored",
            ))
            .into_response())
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
#[tracing::instrument(level = "debug", skip_all)]
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
    ("address", keys::ADDRESS, "Office address"),
    ("phone", keys::PHONE, "Phone"),
    ("email", keys::EMAIL, "Email"),
    ("hours", keys::HOURS, "Hours"),
    ("states", keys::STATES, "States served"),
];

#[tracing::instrument(level = "debug", skip_all)]
pub async fn settings(
    State(state): State<AppState>,
    owner: OwnerUser,
    Query(q): Query<crate::routes::SavedQuery>,
) -> Result<SettingsPage, AppError> {
    let info = SiteInfo::load(&state).await?;
    let value = |name: &str| match name {
        "practice_name" => info.practice_name.clone(),
        "clinician_name" => info.clinician_name.clone(),
        "clinician_credentials" => info.clinician_credentials.clone(),
        "address" => info.address.clone(),
        "phone" => info.phone.clone(),
        "email" => info.email.clone(),
        "hours" => info.hours.clone(),
        "states" => info.states.clone(),
        _ => String::new(),
    };
    let fields = FIELDS
        .iter()
        .map(|(n, _, l)| SettingField {
            name: n,
            label: l,
            value: value(n),
            error: None,
        })
        .collect();
    let mut page = settings_page(&state, &owner, fields, &info, q.saved.is_some()).await?;
    page.zone = crate::practice_zone::current().name().to_owned();
    Ok(page)
}

async fn settings_page(
    state: &AppState,
    owner: &OwnerUser,
    fields: Vec<SettingField>,
    info: &SiteInfo,
    saved: bool,
) -> Result<SettingsPage, AppError> {
    let orgs = crate::views::org_choices(state).await?;
    // The id of the organisation the site names, so the choice shows it selected.
    let partner_org = orgs
        .iter()
        .find(|(_, name)| *name == info.partner)
        .map(|(id, _)| id.clone())
        .unwrap_or_default();
    Ok(SettingsPage {
        layout: Layout::for_user(state, &owner.0).await?,
        csrf: owner.0.csrf().to_owned(),
        fields,
        orgs,
        partner_org,
        partner: info.partner.clone(),
        zone: String::new(),
        zone_error: None,
        saved,
    })
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn save_settings(
    State(state): State<AppState>,
    owner: OwnerUser,
    Form(form): Form<std::collections::HashMap<String, String>>,
) -> Result<Response, AppError> {
    let mut fields = Vec::new();
    let mut values = Vec::new();
    for (name, key, label) in FIELDS {
        let raw = form.get(*name).cloned().unwrap_or_default();
        let required = *name == "practice_name";
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
                values.push((*key, v.clone()));
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
    // Which partner organisation the site names: one of the list, or left as it is.
    let chosen = form.get("partner_org").cloned().unwrap_or_default();
    if let Some(org) = crate::routes::partner_orgs::chosen(&state, &chosen).await? {
        values.push((keys::PARTNER_ORG, org.to_string()));
    }
    // The time zone: one of the list (a form without the field leaves it as it is).
    let typed_zone = form.get("time_zone").cloned().unwrap_or_default();
    let zone = if typed_zone.trim().is_empty() {
        Ok(None)
    } else {
        kapflow_domain::zone::PracticeZone::named(&typed_zone).map(Some)
    };
    if let Ok(Some(z)) = &zone {
        values.push((keys::TIME_ZONE, z.name().to_owned()));
    }
    if fields.iter().any(|f| f.error.is_some()) || zone.is_err() {
        let info = SiteInfo::load(&state).await?;
        let mut page = settings_page(&state, &owner, fields, &info, false).await?;
        if !chosen.is_empty() {
            page.partner_org = chosen;
        }
        page.zone = typed_zone;
        page.zone_error = zone.err().map(|e| e.to_string());
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    }
    state
        .store
        .site()
        .save_practice_details(&values, &owner.0.actor(), now_utc())
        .await?;
    state.site.invalidate().await;
    Ok(Redirect::to(&format!("{}?saved=1", crate::paths::SETTINGS)).into_response())
}

/// The photo upload: a multipart form with the page, the alt text and the file.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn upload_photo(
    State(state): State<AppState>,
    owner: OwnerUser,
    mut form: axum::extract::Multipart,
) -> Result<Response, AppError> {
    let (mut page, mut alt, mut file) = (String::new(), String::new(), None::<Vec<u8>>);
    let mut too_big = false;
    while let Some(field) = form.next_field().await.map_err(|_| AppError::BadRequest)? {
        match field.name() {
            Some("page") => page = field.text().await.map_err(|_| AppError::BadRequest)?,
            Some("alt") => alt = field.text().await.map_err(|_| AppError::BadRequest)?,
            Some("photo") => match field.bytes().await {
                Ok(b) if b.len() <= crate::photo::MAX_PHOTO_BYTES => {
                    file = Some(b.to_vec()).filter(|b| !b.is_empty())
                }
                Ok(_) => too_big = true,
                Err(_) => too_big = true,
            },
            _ => {}
        }
    }
    let mut errors = PhotoErrors::default();
    let page_ok = Page::parse(&page);
    if page_ok.is_none() {
        errors.page = Some("Choose the page the photo belongs on.".into());
    }
    let alt_text = required_line(
        &alt,
        300,
        "a description of the photo for people who cannot see it",
    )
    .map_err(|e| errors.alt = Some(e))
    .ok();
    let cleaned = match (file, too_big) {
        (_, true) => {
            errors.file = Some(format!(
                "Photos can be at most {} MB.",
                crate::photo::MAX_PHOTO_BYTES / 1024 / 1024
            ));
            None
        }
        (None, false) => {
            errors.file = Some("Choose a photo to upload.".into());
            None
        }
        (Some(bytes), false) => match crate::photo::sniff(&bytes) {
            None => {
                errors.file = Some("Upload a JPEG, PNG or WebP photo.".into());
                None
            }
            Some(kind) => match crate::photo::strip_metadata(kind, &bytes) {
                Ok(clean) => Some((kind, clean)),
                Err(e) => {
                    errors.file = Some(e.into());
                    None
                }
            },
        },
    };
    let (Some(page), Some(alt), Some((kind, clean))) = (page_ok, alt_text, cleaned) else {
        errors.values = (page, alt);
        return photos_page(
            &state,
            &owner,
            errors,
            None,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    let photo = kapflow_store::photos::NewPhoto {
        page: page.slug(),
        content_type: kind.content_type(),
        bytes: &clean,
        alt: &alt,
    };
    state
        .store
        .photos()
        .add(&photo, &owner.0.actor(), now_utc())
        .await?;
    state.site.invalidate().await;
    Ok(Redirect::to(&format!("{}?done=added", crate::paths::SITE_PHOTOS)).into_response())
}

#[derive(Default)]
pub struct PhotoErrors {
    pub page: Option<String>,
    pub alt: Option<String>,
    pub file: Option<String>,
    /// What was typed: (page, alt).
    pub values: (String, String),
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PhotosQuery {
    done: String,
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn photos(
    State(state): State<AppState>,
    owner: OwnerUser,
    Query(q): Query<PhotosQuery>,
) -> Result<Response, AppError> {
    let mut errors = PhotoErrors::default();
    errors.values.0 = "home".into();
    let notice = match q.done.as_str() {
        "added" => Some("Photo added. Its metadata (camera, place, time) was removed."),
        "removed" => Some("Photo taken off the site."),
        _ => None,
    };
    photos_page(&state, &owner, errors, notice, StatusCode::OK).await
}

async fn photos_page(
    state: &AppState,
    owner: &OwnerUser,
    errors: PhotoErrors,
    notice: Option<&'static str>,
    code: StatusCode,
) -> Result<Response, AppError> {
    let photos = state.store.photos().list().await?;
    let page = crate::views::site::PhotosPage {
        layout: Layout::for_user(state, &owner.0).await?,
        csrf: owner.0.csrf().to_owned(),
        pages: Page::ALL
            .iter()
            .map(|p| (p.slug(), p.nav_label()))
            .collect(),
        photos: photos
            .into_iter()
            .map(|p| PhotoRow {
                id: p.id,
                page: Page::parse(&p.page).map(Page::nav_label).unwrap_or(""),
                alt: p.alt,
                added: when(p.created_at),
            })
            .collect(),
        page_value: errors.values.0,
        alt_value: errors.values.1,
        e: {
            let mut e = FieldErrors::of("page", errors.page);
            if let Some(m) = errors.alt {
                e.add("alt", m);
            }
            if let Some(m) = errors.file {
                e.add("photo", m);
            }
            e
        },
        max_mb: crate::photo::MAX_PHOTO_BYTES / 1024 / 1024,
        notice,
    };
    Ok((code, page).into_response())
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn remove_photo(
    State(state): State<AppState>,
    owner: OwnerUser,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let id = PhotoId::parse(&id).ok_or(AppError::NotFound)?;
    if !state
        .store
        .photos()
        .remove(id, &owner.0.actor(), now_utc())
        .await?
    {
        return Err(AppError::NotFound);
    }
    state.site.invalidate().await;
    Ok(Redirect::to(&format!("{}?done=removed", crate::paths::SITE_PHOTOS)).into_response())
}
