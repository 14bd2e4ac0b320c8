//! askama views: one struct per page, compiled and auto-escaped. URLs of static assets are
//! built here so templates never spell a versioned path by hand.

use askama::Template;
use askama_web::WebTemplate;

/// Versioned URLs of the stylesheet and htmx, for `base.html`.
pub fn css_href() -> &'static str {
    crate::routes::assets::href("kapflow.css")
}
pub fn htmx_src() -> &'static str {
    crate::routes::assets::href("htmx-4.0.1.min.js")
}

#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage<'a> {
    pub site_name: &'a str,
    pub status: u16,
    pub message: &'a str,
    pub detail: &'a str,
    pub request_id: &'a str,
}

#[derive(Template, WebTemplate)]
#[template(path = "home.html")]
pub struct HomePage {
    pub site_name: String,
    pub needs_setup: bool,
}

/// What the person typed into the setup form (never the passwords), and what was wrong.
#[derive(Default, Debug, Clone)]
pub struct SetupValues {
    pub practice_name: String,
    pub display_name: String,
    pub email: String,
}

#[derive(Default, Debug, Clone)]
pub struct SetupErrors {
    pub practice_name: Option<String>,
    pub display_name: Option<String>,
    pub email: Option<String>,
    pub password: Option<String>,
}

impl SetupErrors {
    pub fn any(&self) -> bool {
        self.practice_name.is_some()
            || self.display_name.is_some()
            || self.email.is_some()
            || self.password.is_some()
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "setup_form.html")]
pub struct SetupFormPage {
    pub site_name: String,
    pub action: String,
    pub values: SetupValues,
    pub errors: SetupErrors,
    pub min_password: usize,
}

#[derive(Template, WebTemplate)]
#[template(path = "setup_done.html")]
pub struct SetupDonePage {
    pub site_name: String,
    pub owner_email: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "setup_unavailable.html")]
pub struct SetupUnavailablePage {
    pub site_name: String,
    pub reason: &'static str,
}
