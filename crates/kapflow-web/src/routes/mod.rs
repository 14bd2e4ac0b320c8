//! Every route of the app, each declared with who may call it (`auth::Access`). Routes can only
//! be added through `Routes`, which records the declaration beside the handler.

pub mod account;
pub mod api_tokens;
pub mod assets;
pub mod audit;
pub mod billing_report;
pub mod billing_settings;
mod billing_table;
pub mod calendar;
pub mod clients;
pub mod clinical_settings;
pub mod connect;
pub mod custody;
pub mod fhir;
pub mod health;
pub mod inbox;
pub mod instruments;
pub mod invite;
pub mod login;
pub mod mfa;
pub mod notifications;
pub mod partner_orgs;
pub mod passkeys;
pub mod portal;
pub mod public;
pub mod questionnaire;
pub mod reports;
pub mod reset;
pub mod setup;
pub mod site_admin;
pub mod staff;

/// `?saved=1` after a settings form's redirect: the page confirms the save.
#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct SavedQuery {
    pub saved: Option<String>,
}

use crate::AppState;
use crate::auth::Access;
use crate::auth::access::Registry;
use crate::error::AppError;
use axum::Router;
use axum::handler::Handler;
use axum::http::Method;
use axum::routing::{get, post};
use kapflow_domain::access::Action;

/// Builds the router and the access registry together.
pub struct Routes {
    router: Router<AppState>,
    registry: Registry,
}

impl Routes {
    fn new() -> Routes {
        Routes {
            router: Router::new(),
            registry: Registry::default(),
        }
    }

    fn get<H, T>(mut self, path: &'static str, access: Access, handler: H) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.registry.add(Method::GET, path, access);
        self.router = self.router.route(path, get(handler));
        self
    }

    fn post<H, T>(mut self, path: &'static str, access: Access, handler: H) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.registry.add(Method::POST, path, access);
        self.router = self.router.route(path, post(handler));
        self
    }

    /// The route added last is a sensitive action: it asks for a fresh step-up first
    /// (../shared/design/security.md lists them).
    fn confirmed(mut self) -> Self {
        self.registry.confirm_last(None);
        self
    }

    /// [`Routes::confirmed`] for a form that lives on another page (`page`, a route template).
    fn confirmed_on(mut self, page: &'static str) -> Self {
        self.registry.confirm_last(Some(page));
        self
    }

    pub fn into_parts(self) -> (Router<AppState>, Registry) {
        (self.router, self.registry)
    }
}

/// Every route and its access rule.
pub fn build() -> Routes {
    build_with(true)
}

/// Every route and its access rule; `/metrics` only when `metrics` (the binary serves it on a
/// listener of its own otherwise, so the public address does not have it at all).
pub fn build_with(metrics: bool) -> Routes {
    use crate::paths::*;
    use Access::{Client, PasswordOnly, Policy, Public};
    use clients::{break_glass, consents};
    let routes = billing_table::routes(clients::table::routes(Routes::new()))
        .get(BREAK_GLASS, Policy(Action::BreakGlass), break_glass::show)
        .confirmed()
        .post(BREAK_GLASS, Policy(Action::BreakGlass), break_glass::open)
        .confirmed()
        .get(
            CONSENT_DOCUMENTS,
            Policy(Action::ManageConsentDocuments),
            consents::documents,
        )
        .post(
            CONSENT_DOCUMENTS,
            Policy(Action::ManageConsentDocuments),
            consents::publish,
        )
        .post(PARTNER_ORGS, Policy(Action::ManageStaff), partner_orgs::add)
        .post(
            PARTNER_ORG,
            Policy(Action::ManageStaff),
            partner_orgs::rename,
        )
        .post(
            STAFF_PARTNER_ORG,
            Policy(Action::ManageStaff),
            partner_orgs::set_member,
        )
        .get(
            CLINICAL_SETTINGS,
            Policy(Action::EditSite),
            clinical_settings::show,
        )
        .post(
            CLINICAL_SETTINGS,
            Policy(Action::EditSite),
            clinical_settings::save,
        )
        .get(API_TOKENS, Policy(Action::ManageStaff), api_tokens::page)
        .post(API_TOKENS, Policy(Action::ManageStaff), api_tokens::create)
        .confirmed()
        .post(
            API_TOKEN_REVOKE,
            Policy(Action::ManageStaff),
            api_tokens::revoke,
        )
        .confirmed_on(API_TOKENS)
        .get(FHIR_METADATA, Access::ApiToken, fhir::answer)
        .get(FHIR_OTHER, Access::ApiToken, fhir::answer)
        .get(
            CLIENT_CUSTODY,
            Client(Action::ViewClinicalRecord),
            custody::client_report,
        )
        .get(
            CUSTODY_REPORT,
            Policy(Action::ViewAudit),
            custody::practice_report,
        )
        .get(
            OUTCOMES,
            Policy(Action::ViewOutcomeReport),
            reports::outcomes_page,
        )
        .get(
            RESEARCH_CSV,
            Policy(Action::ExportResearchData),
            reports::research_csv,
        )
        .confirmed()
        .get(
            INSTRUMENTS,
            Policy(Action::ManageInstruments),
            instruments::list,
        )
        .post(
            INSTRUMENTS,
            Policy(Action::ManageInstruments),
            instruments::add,
        )
        .get(QUESTIONNAIRE, Public, questionnaire::show)
        .post(QUESTIONNAIRE, Public, questionnaire::submit)
        .get(
            MEASURES,
            Client(Action::ViewClinicalRecord),
            clients::measures::show,
        )
        .post(
            MEASURES,
            Client(Action::EditClinicalRecord),
            clients::measures::add,
        )
        .post(
            MEASURE_REQUEST,
            Client(Action::EditClinicalRecord),
            clients::measures::change,
        )
        .post(
            MEASURE_SEND,
            Client(Action::EditClinicalRecord),
            clients::measures::send,
        )
        .get(
            RESPONSE,
            Client(Action::ViewClinicalRecord),
            clients::measures::response,
        )
        .post(
            EMAIL_CONSENT,
            Client(Action::EditClientDemographics),
            clients::measures::email_consent,
        )
        .get(
            APPOINTMENTS,
            Client(Action::ViewClientDemographics),
            clients::appointments::list,
        )
        .post(
            APPOINTMENTS,
            Client(Action::EditClientDemographics),
            clients::appointments::book,
        )
        .get(
            APPOINTMENT,
            Client(Action::ViewClientDemographics),
            clients::appointments::show,
        )
        .post(
            APPOINTMENT_MOVE,
            Client(Action::EditClientDemographics),
            clients::appointments::move_to,
        )
        .post(
            APPOINTMENT_CANCEL,
            Client(Action::EditClientDemographics),
            clients::appointments::cancel,
        )
        .post(
            APPOINTMENT_NO_SHOW,
            Client(Action::EditClientDemographics),
            clients::appointments::no_show,
        )
        .post(
            APPOINTMENT_NOTE,
            Client(Action::EditClinicalRecord),
            clients::notes::of_appointment,
        )
        .get(
            NOTES,
            Client(Action::ViewClinicalRecord),
            clients::notes::list,
        )
        .post(
            NOTES,
            Client(Action::EditClinicalRecord),
            clients::notes::start,
        )
        .get(
            NOTE,
            Client(Action::ViewClinicalRecord),
            clients::notes::show,
        )
        .post(
            NOTE,
            Client(Action::EditClinicalRecord),
            clients::notes::save,
        )
        .post(
            NOTE_SIGN,
            Client(Action::EditClinicalRecord),
            clients::notes::sign,
        )
        .get(
            NOTE_PDF,
            Client(Action::ViewClinicalRecord),
            clients::note_pdf::download,
        )
        .post(
            NOTE_ADDENDA,
            Client(Action::EditClinicalRecord),
            clients::notes::add_addendum,
        )
        .get(
            PSYCH_NOTES,
            Client(Action::PsychotherapyNotes),
            clients::psych_notes::list,
        )
        .post(
            PSYCH_NOTES,
            Client(Action::PsychotherapyNotes),
            clients::psych_notes::write,
        )
        .get(
            PSYCH_NOTE,
            Client(Action::PsychotherapyNotes),
            clients::psych_notes::show,
        )
        .post(
            PSYCH_NOTE,
            Client(Action::PsychotherapyNotes),
            clients::psych_notes::save,
        )
        .get(CALENDAR, Policy(Action::ViewCalendar), calendar::show)
        .get(
            CALENDAR_DAY_PDF,
            Policy(Action::ViewCalendar),
            calendar::print::day_pdf,
        )
        .get(ICAL, Public, calendar::feed::subscription)
        .post(MY_FEED, Policy(Action::ViewCalendar), calendar::feed::make)
        .post(
            MY_FEED_WITHDRAW,
            Policy(Action::ViewCalendar),
            calendar::feed::withdraw,
        )
        .get(
            HOLD_NEW,
            Policy(Action::ViewCalendar),
            calendar::holds::new_form,
        )
        .post(HOLDS, Policy(Action::ViewCalendar), calendar::holds::create)
        .get(HOLD, Policy(Action::ViewCalendar), calendar::holds::show)
        .post(
            HOLD_CANCEL,
            Policy(Action::ViewCalendar),
            calendar::holds::cancel,
        )
        .get(HOURS, Policy(Action::ViewCalendar), calendar::hours::show)
        .post(
            HOURS,
            Policy(Action::ViewCalendar),
            calendar::hours::save_hours,
        )
        .post(
            TIME_OFF,
            Policy(Action::ViewCalendar),
            calendar::hours::add_time_off,
        )
        .post(
            TIME_OFF_REMOVE,
            Policy(Action::ViewCalendar),
            calendar::hours::remove_time_off,
        )
        .get(
            CALENDAR_SETUP,
            Policy(Action::EditSite),
            calendar::setup::show,
        )
        .post(
            SESSION_TYPE,
            Policy(Action::EditSite),
            calendar::setup::save_type,
        )
        .post(ROOMS, Policy(Action::EditSite), calendar::setup::add_room)
        .post(
            FEED_DETAIL,
            Policy(Action::EditSite),
            calendar::setup::feed_detail,
        )
        .post(ROOM, Policy(Action::EditSite), calendar::setup::change_room)
        .post(
            ALERTS_ACK,
            Client(Action::AcknowledgeRiskAlert),
            clients::alerts::acknowledge,
        )
        .get(HOME, Public, public::home)
        .get(KETAMINE, Public, public::ketamine)
        .get(BENEFITS, Public, public::benefits)
        .get(HOW, Public, public::how_it_works)
        .get(MEDICATION, Public, public::medication)
        .get(RESEARCH, Public, public::research)
        .get(FAQ, Public, public::faq)
        .get(CONNECT, Public, connect::show)
        .post(CONNECT, Public, connect::submit)
        .get(CONNECT_THANKS, Public, connect::thanks)
        .get(SITEMAP, Public, public::sitemap)
        .get(ROBOTS, Public, public::robots)
        .get(PHOTO, Public, public::photo)
        .get(HEALTHZ, Public, health::healthz)
        .get(READYZ, Public, health::readyz)
        .get(STATIC, Public, assets::serve)
        .get(SETUP, Public, setup::show)
        .post(SETUP, Public, setup::submit)
        .get(LOGIN, Public, login::show)
        .post(LOGIN, Public, login::submit)
        .get(INVITE, Public, invite::show)
        .post(INVITE, Public, invite::submit)
        .get(FORGOT, Public, reset::forgot_show)
        .post(FORGOT, Public, reset::forgot_submit)
        .get(RESET, Public, reset::reset_show)
        .post(RESET, Public, reset::reset_submit)
        .get(LOGIN_MFA, PasswordOnly, mfa::login_show)
        .post(LOGIN_MFA, PasswordOnly, mfa::login_submit)
        .get(MFA_ENROL, PasswordOnly, mfa::enrol_show)
        .post(MFA_ENROL, PasswordOnly, mfa::enrol_submit)
        .post(LOGOUT, PasswordOnly, login::logout)
        .post(
            PASSKEY_REGISTER_START,
            PasswordOnly,
            passkeys::register_start,
        )
        .post(
            PASSKEY_REGISTER_FINISH,
            PasswordOnly,
            passkeys::register_finish,
        )
        .post(PASSKEY_SIGN_IN_START, PasswordOnly, passkeys::sign_in_start)
        .post(
            PASSKEY_SIGN_IN_FINISH,
            PasswordOnly,
            passkeys::sign_in_finish,
        )
        .get(
            NOTIFICATIONS,
            Policy(Action::ManageOwnAccount),
            notifications::show,
        )
        .post(
            NOTIFICATIONS,
            Policy(Action::ManageOwnAccount),
            notifications::save,
        )
        .get(DASHBOARD, Policy(Action::ViewDashboard), account::dashboard)
        .get(
            SESSIONS,
            Policy(Action::ManageOwnAccount),
            account::sessions,
        )
        .post(
            SESSIONS_END_OTHERS,
            Policy(Action::ManageOwnAccount),
            account::end_others,
        )
        .post(
            PASSKEY_REMOVE,
            Policy(Action::ManageOwnAccount),
            account::remove_passkey,
        )
        .confirmed_on(SESSIONS)
        .post(
            KEEPALIVE,
            Policy(Action::ManageOwnAccount),
            account::keepalive,
        )
        .get(STEP_UP, Policy(Action::ManageOwnAccount), mfa::step_up_show)
        .post(
            STEP_UP,
            Policy(Action::ManageOwnAccount),
            mfa::step_up_submit,
        )
        .get(STAFF, Policy(Action::ManageStaff), staff::list)
        .post(STAFF_INVITE, Policy(Action::ManageStaff), staff::invite)
        .post(
            STAFF_REVOKE,
            Policy(Action::ManageStaff),
            staff::revoke_invitation,
        )
        .post(STAFF_DISABLE, Policy(Action::ManageStaff), staff::disable)
        .confirmed()
        .post(STAFF_ROLE, Policy(Action::ManageStaff), staff::change_role)
        .confirmed()
        .post(
            STAFF_RESET_MFA,
            Policy(Action::ManageStaff),
            staff::reset_mfa,
        )
        .confirmed()
        .get(AUDIT, Policy(Action::ViewAudit), audit::view)
        .get(AUDIT_CSV, Policy(Action::ExportAudit), audit::export_csv)
        .confirmed()
        .get(INQUIRIES, Policy(Action::ViewInquiries), inbox::list)
        .post(INQUIRY_SEARCH, Policy(Action::ViewInquiries), inbox::search)
        .get(INQUIRY, Policy(Action::ViewInquiries), inbox::view)
        .post(
            INQUIRY_STATUS,
            Policy(Action::ManageInquiries),
            inbox::set_status,
        )
        .post(
            INQUIRY_ASSIGN,
            Policy(Action::AssignInquiries),
            inbox::assign,
        )
        .post(
            INQUIRY_NOTES,
            Policy(Action::ManageInquiries),
            inbox::add_note,
        )
        .get(SITE, Policy(Action::EditSite), site_admin::sections)
        .post(SITE_PREVIEW, Policy(Action::EditSite), site_admin::preview)
        .get(SITE_SECTION, Policy(Action::EditSite), site_admin::edit)
        .post(SITE_SECTION, Policy(Action::EditSite), site_admin::save)
        .post(SITE_RESTORE, Policy(Action::EditSite), site_admin::restore)
        .get(SITE_PHOTOS, Policy(Action::EditSite), site_admin::photos)
        .post(
            SITE_PHOTOS,
            Policy(Action::EditSite),
            site_admin::upload_photo,
        )
        .post(
            SITE_PHOTO_REMOVE,
            Policy(Action::EditSite),
            site_admin::remove_photo,
        )
        .get(SETTINGS, Policy(Action::EditSite), site_admin::settings)
        .post(
            SETTINGS,
            Policy(Action::EditSite),
            site_admin::save_settings,
        );
    let routes = portal::routes(routes);
    if metrics {
        routes.get(METRICS, Public, health::metrics)
    } else {
        routes
    }
}

/// Anything unrouted: the error-page middleware renders the 404 page.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn not_found() -> AppError {
    AppError::NotFound
}
