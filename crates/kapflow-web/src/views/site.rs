//! The public site's pages and the owner's site editor, practice details and photos.

use crate::views::layout::Layout;
use askama::Template;
use askama_web::WebTemplate;
use kapflow_domain::form::FieldErrors;

/// The frame of a public page.
pub struct PublicLayout {
    pub site: crate::site::SiteInfo,
    pub title: String,
    pub description: &'static str,
    pub canonical: String,
    pub json_ld: String,
    pub nav: Vec<NavItem>,
}

#[derive(Template)]
#[template(path = "public_page.html")]
pub struct PublicPageView {
    pub p: PublicLayout,
    pub photos: Vec<PhotoView>,
    pub sections: Vec<crate::site::RenderedSection>,
    pub show_cta: bool,
    pub needs_setup: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "connect.html")]
pub struct ConnectPage {
    pub p: PublicLayout,
    pub sections: Vec<crate::site::RenderedSection>,
    pub form_token: String,
    pub v: kapflow_domain::inquiry::InquiryInput,
    pub e: kapflow_domain::form::FieldErrors,
    pub form_error: Option<String>,
    pub contact_methods: Vec<(&'static str, &'static str)>,
    pub concern_options: Vec<(&'static str, &'static str)>,
    pub max_message: usize,
}

#[derive(Template, WebTemplate)]
#[template(path = "connect_thanks.html")]
pub struct ConnectThanksPage {
    pub p: PublicLayout,
    pub sections: Vec<crate::site::RenderedSection>,
}

#[derive(Template, WebTemplate)]
#[template(path = "site_sections.html")]
pub struct SiteSectionsPage {
    pub layout: Layout,
    pub sections: Vec<SectionRow>,
}

#[derive(Template, WebTemplate)]
#[template(path = "site_edit.html")]
pub struct SiteEditPage {
    pub layout: Layout,
    pub csrf: String,
    pub key: String,
    pub label: String,
    pub title: String,
    pub body: String,
    pub e: FieldErrors,
    pub preview_html: String,
    pub has_draft: bool,
    pub notice: Option<String>,
    pub history: Vec<RevisionRow>,
}

pub struct SettingField {
    pub name: &'static str,
    pub label: &'static str,
    pub value: String,
    pub error: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "settings.html")]
pub struct SettingsPage {
    pub layout: Layout,
    pub csrf: String,
    pub fields: Vec<SettingField>,
    /// The partner organisations as (id, name), for the choice of the one the site names;
    /// the choice shows only where there are several.
    pub orgs: Vec<(String, String)>,
    /// The organisation the site names now (its id), and its name.
    pub partner_org: String,
    pub partner: String,
    /// The practice's time zone (its IANA name), with the refusal of a name that is not one.
    pub zone: String,
    pub zone_error: Option<String>,
    pub saved: bool,
}

impl SettingsPage {
    /// The fields' errors, for the shared form pieces.
    pub fn errors(&self) -> FieldErrors {
        let mut e = FieldErrors::default();
        for f in &self.fields {
            if let Some(m) = &f.error {
                e.add(f.name, m.clone());
            }
        }
        if let Some(m) = &self.zone_error {
            e.add("time_zone", m.clone());
        }
        e
    }

    /// Every zone a practice may choose, as (value, text).
    pub fn zones(&self) -> &'static [(String, String)] {
        zone_choices()
    }
}

/// Every zone a practice may choose, as (value, text): the setup form's and Practice details'.
pub fn zone_choices() -> &'static [(String, String)] {
    static ZONES: std::sync::LazyLock<Vec<(String, String)>> = std::sync::LazyLock::new(|| {
        kapflow_domain::zone::PracticeZone::all_names()
            .into_iter()
            .map(|n| (n.clone(), n.replace('_', " ")))
            .collect()
    });
    &ZONES
}

#[derive(Template, WebTemplate)]
#[template(path = "photos.html")]
pub struct PhotosPage {
    pub layout: Layout,
    pub csrf: String,
    /// (slug, label)
    pub pages: Vec<(&'static str, &'static str)>,
    pub photos: Vec<PhotoRow>,
    pub page_value: String,
    pub alt_value: String,
    pub e: FieldErrors,
    pub max_mb: usize,
    pub notice: Option<&'static str>,
}

/// One page in the public site's menu.
pub struct NavItem {
    pub path: &'static str,
    pub label: &'static str,
    pub current: bool,
}

/// A photo on a public page.
pub struct PhotoView {
    pub id: kapflow_domain::PhotoId,
    pub alt: String,
}

/// A section in the owner's list of the site's content.
pub struct SectionRow {
    pub page: &'static str,
    pub label: String,
    pub heading: String,
    pub key: String,
}

/// One revision of a section, in its history.
pub struct RevisionRow {
    pub saved: String,
    pub by: String,
    pub kind: &'static str,
    pub heading: String,
    pub id: uuid::Uuid,
}

/// A photo in the owner's list.
pub struct PhotoRow {
    pub id: kapflow_domain::PhotoId,
    pub page: &'static str,
    pub alt: String,
    pub added: String,
}
