//! The public site: the practice's details, pages rendered from published sections, and an
//! in-memory cache of rendered pages with ETags.
//!
//! The cache holds no state that matters: it is keyed by the database's site version, which
//! every instance re-reads at most once a second, so a publication on one instance shows on
//! all of them within a second and pages are not re-rendered from the database on every hit.

use crate::AppState;
use crate::error::AppError;
use crate::markdown;
use askama::Template;
pub mod pages;
pub mod seed;

use kapflow_store::settings::keys;
pub use pages::{FAQ_PREFIX, PARTNER_PLACEHOLDER, Page};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::RwLock;

pub const DEFAULT_PARTNER: &str = "Skylight Psychedelics";

/// The practice's public details (settings), with defaults for what is not set.
#[derive(Clone, Debug, Default)]
pub struct SiteInfo {
    pub practice_name: String,
    pub clinician_name: String,
    pub clinician_credentials: String,
    /// The partner organisation the site names (see `partner_named`).
    pub partner: String,
    /// The owner's choice among several partner organisations (an id; empty: none made).
    pub partner_org: String,
    pub address: String,
    pub phone: String,
    pub email: String,
    pub hours: String,
    pub states: String,
}

/// The partner organisation the site names: the one the owner chose where there are several,
/// else the first by name; the seed page's partner until the practice adds its own.
async fn partner_named(state: &AppState, chosen: &str) -> Result<String, AppError> {
    let orgs = state.store.partner_orgs().list().await?;
    let pick = orgs
        .iter()
        .find(|o| o.id.to_string() == chosen)
        .or(orgs.first());
    Ok(pick.map_or_else(|| DEFAULT_PARTNER.to_owned(), |o| o.name.clone()))
}

impl SiteInfo {
    pub async fn load(state: &AppState) -> Result<SiteInfo, AppError> {
        let rows = state
            .store
            .settings()
            .many(&[
                keys::PRACTICE_NAME,
                keys::CLINICIAN_NAME,
                keys::CLINICIAN_CREDENTIALS,
                keys::PARTNER_ORG,
                keys::ADDRESS,
                keys::PHONE,
                keys::EMAIL,
                keys::HOURS,
                keys::STATES,
            ])
            .await?;
        let get = |k: &str| {
            rows.iter()
                .find(|(key, _)| key == k)
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        };
        let or = |v: String, d: &str| if v.trim().is_empty() { d.to_owned() } else { v };
        Ok(SiteInfo {
            practice_name: or(get(keys::PRACTICE_NAME), "kapflow"),
            clinician_name: get(keys::CLINICIAN_NAME),
            clinician_credentials: get(keys::CLINICIAN_CREDENTIALS),
            partner: partner_named(state, &get(keys::PARTNER_ORG)).await?,
            partner_org: get(keys::PARTNER_ORG),
            address: get(keys::ADDRESS),
            phone: get(keys::PHONE),
            email: get(keys::EMAIL),
            hours: get(keys::HOURS),
            states: get(keys::STATES),
        })
    }

    /// `tel:` form of the phone number.
    pub fn phone_href(&self) -> String {
        let digits: String = self
            .phone
            .chars()
            .filter(|c| c.is_ascii_digit() || *c == '+')
            .collect();
        format!("tel:{digits}")
    }

    /// schema.org JSON-LD for the practice, safe inside a `<script>` element.
    pub fn json_ld(&self, public_url: &str) -> String {
        let mut v = serde_json::json!({
            "@context": "https://schema.org",
            "@type": "MedicalBusiness",
            "name": self.practice_name,
            "url": format!("{public_url}/"),
            "medicalSpecialty": "Psychiatric",
            "description": Page::Home.description(),
        });
        let set = |v: &mut serde_json::Value, k: &str, x: &str| {
            if !x.trim().is_empty() {
                v[k] = serde_json::Value::String(x.to_owned());
            }
        };
        set(&mut v, "telephone", &self.phone);
        set(&mut v, "email", &self.email);
        set(&mut v, "address", &self.address);
        set(&mut v, "openingHours", &self.hours);
        set(&mut v, "areaServed", &self.states);
        if !self.clinician_name.trim().is_empty() {
            v["employee"] = serde_json::json!({ "@type": "Person", "name": self.clinician_name, "jobTitle": self.clinician_credentials });
        }
        // `<` never appears raw, so the text cannot close the script element.
        v.to_string().replace('<', "\\u003c")
    }
}

/// One section, rendered.
#[derive(Clone, Debug)]
pub struct RenderedSection {
    pub key: String,
    pub anchor: String,
    pub title: String,
    pub html: String,
    /// Rendered as a question with its answer in a disclosure widget.
    pub faq: bool,
}

/// What the public site shows, read from the database once per content version.
#[derive(Debug)]
pub struct Snapshot {
    pub info: SiteInfo,
    pub sections: Vec<kapflow_store::site::PublishedSection>,
}

/// The sections of `page` as published, rendered.
pub async fn sections(
    state: &AppState,
    page: Page,
    info: &SiteInfo,
) -> Result<Vec<RenderedSection>, AppError> {
    let snap = state.site.snapshot(state).await?;
    Ok(snap
        .sections
        .iter()
        .filter(|s| s.page == page.slug())
        .cloned()
        .map(|s| RenderedSection {
            anchor: s.key.replace('.', "-"),
            faq: s.key.starts_with(FAQ_PREFIX),
            html: markdown::render(&s.body_md, &info.partner),
            title: s.title.replace(PARTNER_PLACEHOLDER, &info.partner),
            key: s.key,
        })
        .collect())
}

/// A rendered response body and its validator.
#[derive(Debug)]
pub struct CachedPage {
    pub body: bytes::Bytes,
    pub etag: String,
    pub etag_header: axum::http::HeaderValue,
    pub content_type: &'static str,
}

impl CachedPage {
    pub fn new(body: String, content_type: &'static str) -> CachedPage {
        let etag = format!(
            "\"{}\"",
            hex::encode(&Sha256::digest(body.as_bytes())[..12])
        );
        CachedPage {
            body: body.into(),
            etag_header: axum::http::HeaderValue::from_str(&etag)
                .unwrap_or_else(|_| axum::http::HeaderValue::from_static("\"\"")),
            etag,
            content_type,
        }
    }
}

struct Inner {
    version: i64,
    checked: Option<Instant>,
    pages: HashMap<&'static str, Arc<CachedPage>>,
    snapshot: Option<Arc<Snapshot>>,
}

/// See the module comment.
pub struct SiteCache {
    inner: RwLock<Inner>,
}

/// How stale another instance's publication may look here.
const RECHECK_EVERY: Duration = Duration::from_secs(1);

impl Default for SiteCache {
    fn default() -> Self {
        SiteCache {
            inner: RwLock::new(Inner {
                version: -1,
                checked: None,
                pages: HashMap::new(),
                snapshot: None,
            }),
        }
    }
}

impl SiteCache {
    /// Forgets every page now (this instance just changed something; others notice within
    /// a second through the version).
    pub async fn invalidate(&self) {
        let mut inner = self.inner.write().await;
        inner.pages.clear();
        inner.snapshot = None;
        inner.checked = None;
    }

    /// The cached page `key`, rendering it with `render` when missing or out of date.
    pub async fn get<F, Fut>(
        &self,
        state: &AppState,
        key: &'static str,
        render: F,
    ) -> Result<Arc<CachedPage>, AppError>
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = Result<CachedPage, AppError>>,
    {
        {
            let inner = self.inner.read().await;
            if inner.checked.is_some_and(|t| t.elapsed() < RECHECK_EVERY)
                && let Some(p) = inner.pages.get(key)
            {
                return Ok(p.clone());
            }
        }
        let version = state.store.site().version().await?;
        {
            let mut inner = self.inner.write().await;
            inner.note_version(version);
            if let Some(p) = inner.pages.get(key) {
                return Ok(p.clone());
            }
        }
        let page = Arc::new(render().await?);
        let mut inner = self.inner.write().await;
        if inner.version == version {
            inner.pages.insert(key, page.clone());
        }
        Ok(page)
    }
}

impl Inner {
    /// Records a freshly read version, forgetting everything rendered for an older one.
    fn note_version(&mut self, version: i64) {
        if self.version != version {
            self.pages.clear();
            self.snapshot = None;
            self.version = version;
        }
        self.checked = Some(Instant::now());
    }
}

impl SiteCache {
    /// The published content and practice details, read from the database once per version.
    pub async fn snapshot(&self, state: &AppState) -> Result<Arc<Snapshot>, AppError> {
        {
            let inner = self.inner.read().await;
            if inner.checked.is_some_and(|t| t.elapsed() < RECHECK_EVERY)
                && let Some(s) = &inner.snapshot
            {
                return Ok(s.clone());
            }
        }
        let version = state.store.site().version().await?;
        {
            let mut inner = self.inner.write().await;
            inner.note_version(version);
            if let Some(s) = &inner.snapshot {
                return Ok(s.clone());
            }
        }
        let snap = Arc::new(Snapshot {
            info: SiteInfo::load(state).await?,
            sections: state.store.site().published().await?,
        });
        let mut inner = self.inner.write().await;
        if inner.version == version {
            inner.snapshot = Some(snap.clone());
        }
        Ok(snap)
    }
}

/// Renders a template into a cacheable page.
pub fn html_page<T: Template>(t: &T) -> Result<CachedPage, AppError> {
    t.render()
        .map(|b| CachedPage::new(b, "text/html; charset=utf-8"))
        .map_err(|e| AppError::internal(format!("template: {e}")))
}
