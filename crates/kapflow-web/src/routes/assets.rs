//! Static files, embedded in the binary: our stylesheet, scripts and icon, and the vendored
//! htmx.
//!
//! Each URL carries a hash of the file's content, so the files can be cached for a year and a
//! new release is still fetched at once.

use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use std::sync::LazyLock;

struct Asset {
    name: &'static str,
    content_type: &'static str,
    bytes: &'static [u8],
}

const ASSETS: &[Asset] = &[
    Asset {
        name: "kapflow.css",
        content_type: "text/css; charset=utf-8",
        bytes: include_bytes!("../../assets/kapflow.css"),
    },
    Asset {
        name: "forms.js",
        content_type: "text/javascript; charset=utf-8",
        bytes: include_bytes!("../../assets/forms.js"),
    },
    Asset {
        name: "session.js",
        content_type: "text/javascript; charset=utf-8",
        bytes: include_bytes!("../../assets/session.js"),
    },
    Asset {
        name: "monitor.js",
        content_type: "text/javascript; charset=utf-8",
        bytes: include_bytes!("../../assets/monitor.js"),
    },
    Asset {
        name: "passkey.js",
        content_type: "text/javascript; charset=utf-8",
        bytes: include_bytes!("../../assets/passkey.js"),
    },
    Asset {
        name: "favicon.svg",
        content_type: "image/svg+xml",
        bytes: include_bytes!("../../assets/favicon.svg"),
    },
    Asset {
        name: "htmx-4.0.1.min.js",
        content_type: "text/javascript; charset=utf-8",
        bytes: include_bytes!("../../assets/htmx-4.0.1.min.js"),
    },
];

/// `(name, versioned href)` for every asset, computed once.
static HREFS: LazyLock<Vec<(&'static str, String)>> = LazyLock::new(|| {
    ASSETS
        .iter()
        .map(|a| {
            let digest = hex::encode(&Sha256::digest(a.bytes)[..6]);
            (
                a.name,
                format!("{}?v={digest}", crate::paths::static_file(a.name)),
            )
        })
        .collect()
});

/// The versioned URL of an embedded asset. A name that is not embedded gets an address that
/// answers 404 (never a panic); the asset test below fails on it before a release.
pub fn href(name: &str) -> &'static str {
    HREFS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, h)| h.as_str())
        .unwrap_or("/static/missing")
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn serve(Path(file): Path<String>) -> Response {
    let Some(asset) = ASSETS.iter().find(|a| a.name == file) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let mut res = asset.bytes.into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(asset.content_type),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=31536000, immutable"),
    );
    res
}

#[cfg(test)]
mod tests {

    #[test]
    fn every_asset_the_pages_load_is_embedded_and_versioned() {
        for href in [
            crate::views::css_href(),
            crate::views::htmx_src(),
            crate::views::forms_js_src(),
            crate::views::session_js_src(),
            crate::views::monitor_js_src(),
            crate::views::passkey_js_src(),
        ] {
            assert!(
                href.starts_with("/static/") && href.contains("?v="),
                "{href}"
            );
        }
        assert_eq!(super::href("nope.js"), "/static/missing");
    }
}
