//! The practice's public pages, served from the page cache with ETags, plus `sitemap.xml` and
//! `robots.txt`.

use crate::AppState;
use crate::error::AppError;
use crate::site::Page;
use crate::site::{CachedPage, SiteInfo, html_page, sections};
use crate::views::site::{NavItem, PhotoView, PublicLayout, PublicPageView};
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// The frame every public page shares.
pub fn layout(state: &AppState, site: SiteInfo, page: Page) -> PublicLayout {
    let canonical = format!("{}{}", state.config.public_url, page.path());
    PublicLayout {
        json_ld: site.json_ld(&state.config.public_url),
        site,
        title: page.title().to_owned(),
        description: page.description(),
        canonical,
        nav: Page::ALL
            .iter()
            .map(|p| NavItem {
                path: p.path(),
                label: p.nav_label(),
                current: *p == page,
            })
            .collect(),
    }
}

async fn render(state: &AppState, page: Page) -> Result<CachedPage, AppError> {
    let site = state.site.snapshot(state).await?.info.clone();
    let sections = sections(state, page, &site).await?;
    let needs_setup = page == Page::Home && state.store.setup().needs_setup().await?;
    let photos = state
        .store
        .photos()
        .list()
        .await?
        .into_iter()
        .filter(|p| p.page == page.slug())
        .map(|p| PhotoView {
            id: p.id,
            alt: p.alt,
        })
        .collect();
    let view = PublicPageView {
        photos,
        show_cta: page != Page::Connect,
        needs_setup,
        sections,
        p: layout(state, site, page),
    };
    html_page(&view)
}

/// Answers from the cache, or 304 when the browser's copy is current.
pub fn respond(page: &CachedPage, headers: &HeaderMap) -> Response {
    let fresh = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',')
                .any(|t| t.trim() == page.etag || t.trim() == "*")
        });
    let mut res = if fresh {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        page.body.clone().into_response()
    };
    let h = res.headers_mut();
    h.insert(header::ETAG, page.etag_header.clone());
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(page.content_type),
    );
    // Public, but always revalidated: a correction must show at once.
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    res
}

async fn serve(state: AppState, headers: HeaderMap, page: Page) -> Result<Response, AppError> {
    let cached = state
        .site
        .get(&state, page.slug(), || render(&state, page))
        .await?;
    Ok(respond(&cached, &headers))
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn home(State(s): State<AppState>, h: HeaderMap) -> Result<Response, AppError> {
    serve(s, h, Page::Home).await
}
#[tracing::instrument(level = "debug", skip_all)]
pub async fn ketamine(State(s): State<AppState>, h: HeaderMap) -> Result<Response, AppError> {
    serve(s, h, Page::Ketamine).await
}
#[tracing::instrument(level = "debug", skip_all)]
pub async fn benefits(State(s): State<AppState>, h: HeaderMap) -> Result<Response, AppError> {
    serve(s, h, Page::Benefits).await
}
#[tracing::instrument(level = "debug", skip_all)]
pub async fn how_it_works(State(s): State<AppState>, h: HeaderMap) -> Result<Response, AppError> {
    serve(s, h, Page::HowItWorks).await
}
#[tracing::instrument(level = "debug", skip_all)]
pub async fn medication(State(s): State<AppState>, h: HeaderMap) -> Result<Response, AppError> {
    serve(s, h, Page::Medication).await
}
#[tracing::instrument(level = "debug", skip_all)]
pub async fn research(State(s): State<AppState>, h: HeaderMap) -> Result<Response, AppError> {
    serve(s, h, Page::Research).await
}
#[tracing::instrument(level = "debug", skip_all)]
pub async fn faq(State(s): State<AppState>, h: HeaderMap) -> Result<Response, AppError> {
    serve(s, h, Page::Faq).await
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn sitemap(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let page = state
        .site
        .get(&state, "sitemap.xml", || async {
            let mut xml = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n");
            for p in Page::ALL {
                xml.push_str(&format!("  <url><loc>{}{}</loc></url>\n", state.config.public_url, p.path()));
            }
            xml.push_str("</urlset>\n");
            Ok(CachedPage::new(xml, "application/xml; charset=utf-8"))
        })
        .await?;
    Ok(respond(&page, &headers))
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn robots(State(state): State<AppState>) -> Response {
    let body = format!(
        "User-agent: *\nDisallow: /login\nDisallow: /dashboard\nDisallow: /inquiries\nDisallow: /staff\nDisallow: /audit\nDisallow: /site\nDisallow: /settings\nDisallow: /setup/\nDisallow: /invite/\nDisallow: /password/\nSitemap: {}/sitemap.xml\n",
        state.config.public_url
    );
    let mut res = body.into_response();
    res.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=3600"),
    );
    res
}

/// A photo of the public site. Ids are never reused, so the bytes may be cached for a year.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn photo(
    State(state): State<AppState>,
    axum::extract::Path(id): axum::extract::Path<String>,
) -> Result<Response, AppError> {
    let id = kapflow_domain::PhotoId::parse(&id).ok_or(AppError::NotFound)?;
    let Some((content_type, bytes)) = state.store.photos().bytes(id).await? else {
        return Err(AppError::NotFound);
    };
    let mut res = bytes.into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(&content_type).map_err(|_| AppError::internal("photo type"))?,
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=31536000, immutable"),
    );
    Ok(res)
}
