//! Signing in and setting up: first-run setup, sign-in, the second factor, invitations and password resets.

use crate::views::layout::Layout;
use askama::Template;
use askama_web::WebTemplate;
use kapflow_domain::form::FieldErrors;

/// What the person typed into the setup form (never the passwords), and what was wrong.
#[derive(Default, Debug, Clone)]
pub struct SetupValues {
    pub practice_name: String,
    pub time_zone: String,
    pub display_name: String,
    pub email: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "setup_form.html")]
pub struct SetupFormPage {
    pub layout: Layout,
    pub action: String,
    pub values: SetupValues,
    pub e: FieldErrors,
    pub min_password: usize,
}

impl SetupFormPage {
    /// The time zones to choose from, after a first choice that asks for one.
    pub fn zones(&self) -> Vec<(String, String)> {
        std::iter::once((String::new(), "Choose the practice's time zone".to_owned()))
            .chain(crate::views::site::zone_choices().iter().cloned())
            .collect()
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "setup_done.html")]
pub struct SetupDonePage {
    pub layout: Layout,
    pub owner_email: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "setup_unavailable.html")]
pub struct SetupUnavailablePage {
    pub layout: Layout,
    pub reason: &'static str,
}

#[derive(Template, WebTemplate)]
#[template(path = "login.html")]
pub struct LoginPage {
    pub layout: Layout,
    pub email: String,
    pub next: String,
    pub error: Option<String>,
    pub notice: Option<&'static str>,
}

#[derive(Template, WebTemplate)]
#[template(path = "mfa_login.html")]
pub struct MfaCodePage {
    pub layout: Layout,
    pub heading: &'static str,
    pub action: &'static str,
    pub csrf: String,
    pub next: String,
    pub e: FieldErrors,
    /// The person has a passkey: the page offers it beside the code.
    pub passkeys: bool,
}

impl MfaCodePage {
    /// The code field's fixed attributes: it takes focus, except after a wrong code, when the
    /// error summary does.
    pub fn code_attrs(&self) -> &'static str {
        if self.e.is_empty() {
            "inputmode=\"text\" autocomplete=\"one-time-code\" required maxlength=\"20\" autofocus"
        } else {
            "inputmode=\"text\" autocomplete=\"one-time-code\" required maxlength=\"20\""
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "mfa_enrol.html")]
pub struct MfaEnrolPage {
    pub layout: Layout,
    /// Passkeys can work at this address: the page offers one instead of a code.
    pub passkeys: bool,
    pub csrf: String,
    pub qr_svg: String,
    pub secret_text: String,
    pub e: FieldErrors,
}

#[derive(Template, WebTemplate)]
#[template(path = "recovery_codes.html")]
pub struct RecoveryCodesPage {
    pub layout: Layout,
    pub codes: Vec<String>,
    pub next: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "invite_accept.html")]
pub struct InviteAcceptPage {
    pub layout: Layout,
    pub action: String,
    pub email: String,
    pub role_label: &'static str,
    pub display_name: String,
    pub e: FieldErrors,
    pub min_password: usize,
}

#[derive(Template, WebTemplate)]
#[template(path = "forgot.html")]
pub struct ForgotPage {
    pub layout: Layout,
    pub sent: bool,
    pub email: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "reset.html")]
pub struct ResetPage {
    pub layout: Layout,
    pub action: String,
    pub e: FieldErrors,
    pub min_password: usize,
}

#[derive(Template, WebTemplate)]
#[template(path = "message.html")]
pub struct MessagePage {
    pub layout: Layout,
    pub title: &'static str,
    pub body: &'static str,
    pub link: Option<(&'static str, &'static str)>,
}
