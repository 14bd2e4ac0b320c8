//! The portal's forms the client fills in themselves: their intake and their consents.

use super::layout::Layout;
use super::portal::PortalFrame;
use askama::Template;
use askama_web::WebTemplate;
use kapflow_domain::form::FieldErrors;
use kapflow_domain::intake::IntakeForm;

#[derive(Template, WebTemplate)]
#[template(path = "portal_intake.html")]
pub struct IntakePage {
    pub layout: Layout,
    pub f: PortalFrame,
    pub v: IntakeForm,
    pub e: FieldErrors,
    pub questions: &'static [(&'static str, &'static str)],
    /// Where the intake stands, in the client's words.
    pub status: String,
    /// The client may still change it.
    pub editable: bool,
    /// The refusal of the whole form (not one field), if any.
    pub refusal: Option<&'static str>,
    pub saved: bool,
}

impl IntakePage {
    /// The attribute that keeps a completed intake's answers from changing.
    pub fn locked(&self) -> &'static str {
        if self.editable { "" } else { "readonly" }
    }
}

/// One consent document as the client reads it.
pub struct ConsentDoc {
    pub id: kapflow_domain::DocumentId,
    pub title: String,
    pub version: i64,
    pub body: String,
    pub sha256: String,
    /// Where the client's signature of this version stands, if they signed it.
    pub signed: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "portal_consents.html")]
pub struct ConsentsPage {
    pub layout: Layout,
    pub f: PortalFrame,
    pub docs: Vec<ConsentDoc>,
    /// The document whose signature was refused, with what was typed.
    pub open: Option<kapflow_domain::DocumentId>,
    pub typed_name: String,
    pub signed_on: String,
    pub today: String,
    pub e: FieldErrors,
    pub refusal: Option<&'static str>,
    pub notice: Option<&'static str>,
    pub key: String,
}

impl ConsentsPage {
    /// Whether the refused signature shown is of document `id`.
    pub fn is_open(&self, id: &kapflow_domain::DocumentId) -> bool {
        self.open == Some(*id)
    }
}
