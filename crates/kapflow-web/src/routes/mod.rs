//! Every route of the app, each declared with who may call it (`auth::Access`). Routes can only
//! be added through `Routes`, which records the declaration beside the handler.

pub mod account;
pub mod assets;
pub mod audit;
pub mod clients;
pub mod clinical_settings;
pub mod connect;
pub mod health;
pub mod inbox;
pub mod instruments;
pub mod invite;
pub mod login;
pub mod mfa;
pub mod public;
pub mod questionnaire;
pub mod reports;
pub mod reset;
pub mod setup;
pub mod site_admin;
pub mod staff;

use crate::AppState;
use crate::auth::Access;
use crate::auth::access::Registry;
use crate::error::AppError;
use axum::Router;
use axum::handler::Handler;
use axum::http::Method;
use axum::routing::{get, post};
use kapflow_domain::access::Action;

/// The URL paths other code links to.
pub mod paths {
    pub const HOME: &str = "/";
    pub const HEALTHZ: &str = "/healthz";
    pub const READYZ: &str = "/readyz";
    pub const METRICS: &str = "/metrics";
    pub const SETUP: &str = "/setup/{token}";
    pub const STATIC: &str = "/static/{file}";
    pub const LOGIN: &str = "/login";
    pub const LOGIN_MFA: &str = "/login/mfa";
    pub const MFA_ENROL: &str = "/mfa/enrol";
    pub const LOGOUT: &str = "/logout";
    pub const DASHBOARD: &str = "/dashboard";
    pub const SESSIONS: &str = "/account/sessions";
    pub const SESSIONS_END_OTHERS: &str = "/account/sessions/end-others";
    pub const KEEPALIVE: &str = "/session/keepalive";
    pub const STEP_UP: &str = "/step-up";
    pub const STAFF: &str = "/staff";
    pub const STAFF_INVITE: &str = "/staff/invite";
    pub const STAFF_REVOKE: &str = "/staff/invitations/revoke";
    pub const STAFF_DISABLE: &str = "/staff/{id}/disable";
    pub const STAFF_ROLE: &str = "/staff/{id}/role";
    pub const STAFF_RESET_MFA: &str = "/staff/{id}/reset-mfa";
    pub const INVITE: &str = "/invite/{token}";
    pub const FORGOT: &str = "/password/forgot";
    pub const RESET: &str = "/password/reset/{token}";
    pub const AUDIT: &str = "/audit";
    pub const AUDIT_CSV: &str = "/audit/export.csv";
    pub const KETAMINE: &str = "/ketamine";
    pub const BENEFITS: &str = "/benefits";
    pub const HOW: &str = "/how-kap-works";
    pub const MEDICATION: &str = "/medication";
    pub const RESEARCH: &str = "/research";
    pub const FAQ: &str = "/faq";
    pub const CONNECT: &str = "/connect";
    pub const CONNECT_THANKS: &str = "/connect/thanks";
    pub const SITEMAP: &str = "/sitemap.xml";
    pub const ROBOTS: &str = "/robots.txt";
    pub const INQUIRIES: &str = "/inquiries";
    pub const INQUIRY: &str = "/inquiries/{id}";
    pub const INQUIRY_SEARCH: &str = "/inquiries/search";
    pub const INQUIRY_STATUS: &str = "/inquiries/{id}/status";
    pub const INQUIRY_ASSIGN: &str = "/inquiries/{id}/assign";
    pub const INQUIRY_NOTES: &str = "/inquiries/{id}/notes";
    pub const SITE: &str = "/site";
    pub const SITE_PREVIEW: &str = "/site/preview";
    pub const SITE_SECTION: &str = "/site/{key}";
    pub const SITE_RESTORE: &str = "/site/{key}/restore/{rev}";
    pub const SETTINGS: &str = "/settings";
    pub const SITE_PHOTOS: &str = "/site/photos";
    pub const SITE_PHOTO_REMOVE: &str = "/site/photos/{id}/remove";
    pub const PHOTO: &str = "/photos/{id}";
    pub const CLIENTS: &str = "/clients";
    pub const CLIENT_NEW: &str = "/clients/new";
    pub const CLIENT_SEARCH: &str = "/clients/search";
    pub const CLIENT: &str = "/clients/{client}";
    pub const CLIENT_EDIT: &str = "/clients/{client}/edit";
    pub const CLIENT_TEAM: &str = "/clients/{client}/care-team";
    pub const COURSE: &str = "/clients/{client}/course";
    pub const COURSE_ADVANCE: &str = "/clients/{client}/course/advance";
    pub const COURSE_DISCONTINUE: &str = "/clients/{client}/course/discontinue";
    pub const COURSE_NEW: &str = "/clients/{client}/course/new";
    pub const REFERRAL: &str = "/clients/{client}/referral";
    pub const INTAKE: &str = "/clients/{client}/intake";
    pub const SCREENING_REVIEW: &str = "/clients/{client}/screening/review";
    pub const CONSENTS: &str = "/clients/{client}/consents";
    pub const CONSENT_REVOKE: &str = "/clients/{client}/consents/{signature}/revoke";
    pub const PREPARATION: &str = "/clients/{client}/preparation";
    pub const PRESCRIBER: &str = "/clients/{client}/prescriber";
    pub const EVALUATION: &str = "/clients/{client}/evaluation";
    pub const PRESCRIPTION: &str = "/clients/{client}/prescription";
    pub const SHIPMENTS: &str = "/clients/{client}/shipments";
    pub const SHIPMENT_RECEIVED: &str = "/clients/{client}/shipments/{shipment}/received";
    pub const DOSE_REQUESTS: &str = "/clients/{client}/dose-requests";
    pub const DOSE_ANSWER: &str = "/clients/{client}/dose-requests/{request}/answer";
    pub const MESSAGES: &str = "/clients/{client}/messages";
    pub const BREAK_GLASS: &str = "/break-glass";
    pub const CONSENT_DOCUMENTS: &str = "/consent-documents";
    pub const PARTNER_ORGS: &str = "/partner-orgs";
    pub const STAFF_PARTNER_ORG: &str = "/staff/{id}/partner-org";
    pub const CLINICAL_SETTINGS: &str = "/settings/clinical";
    pub const QUESTIONNAIRE: &str = "/m/{token}";
    pub const OUTCOMES: &str = "/reports/outcomes";
    pub const RESEARCH_CSV: &str = "/reports/outcomes/research.csv";
    pub const INSTRUMENTS: &str = "/measures/instruments";
    pub const MEASURES: &str = "/clients/{client}/measures";
    pub const MEASURE_REQUEST: &str = "/clients/{client}/measures/{request}";
    pub const MEASURE_SEND: &str = "/clients/{client}/measures/{request}/send";
    pub const ALERT_ACK: &str = "/clients/{client}/alerts/{alert}/acknowledge";

    pub fn setup(token: &str) -> String {
        format!("/setup/{token}")
    }
    pub fn invite(token: &str) -> String {
        format!("/invite/{token}")
    }
    pub fn reset(token: &str) -> String {
        format!("/password/reset/{token}")
    }
    pub fn staff_action(id: &str, action: &str) -> String {
        format!("/staff/{id}/{action}")
    }
}

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

    pub fn into_parts(self) -> (Router<AppState>, Registry) {
        (self.router, self.registry)
    }
}

/// Every route and its access rule.
pub fn build() -> Routes {
    use Access::{Client, PasswordOnly, Policy, Public};
    use clients::{
        break_glass, caseload, consents, course, intake, messages, preparation, prescriber, record,
    };
    use paths::*;
    Routes::new()
        .get(CLIENTS, Policy(Action::ListClients), caseload::list)
        .post(CLIENT_SEARCH, Policy(Action::ListClients), caseload::search)
        .get(CLIENT_NEW, Policy(Action::CreateClient), record::new_form)
        .post(CLIENTS, Policy(Action::CreateClient), record::create)
        .get(
            CLIENT,
            Client(Action::ViewClientDemographics),
            record::overview,
        )
        .get(
            CLIENT_EDIT,
            Client(Action::EditClientDemographics),
            record::edit_form,
        )
        .post(
            CLIENT_EDIT,
            Client(Action::EditClientDemographics),
            record::edit,
        )
        .post(
            CLIENT_TEAM,
            Client(Action::AssignCareTeam),
            record::care_team,
        )
        .get(COURSE, Client(Action::ViewClinicalRecord), course::show)
        .post(
            COURSE_ADVANCE,
            Client(Action::EditClinicalRecord),
            course::advance,
        )
        .post(
            COURSE_DISCONTINUE,
            Client(Action::EditClinicalRecord),
            course::discontinue,
        )
        .post(
            COURSE_NEW,
            Client(Action::EditClinicalRecord),
            course::new_course,
        )
        .post(REFERRAL, Client(Action::EditClinicalRecord), course::refer)
        .get(INTAKE, Client(Action::ViewClinicalRecord), intake::show)
        .post(INTAKE, Client(Action::EditClinicalRecord), intake::save)
        .post(
            SCREENING_REVIEW,
            Client(Action::EditClinicalRecord),
            intake::review,
        )
        .get(CONSENTS, Client(Action::ViewClinicalRecord), consents::show)
        .post(CONSENTS, Client(Action::EditClinicalRecord), consents::sign)
        .post(
            CONSENT_REVOKE,
            Client(Action::EditClinicalRecord),
            consents::revoke,
        )
        .get(
            PREPARATION,
            Client(Action::ViewClinicalRecord),
            preparation::show,
        )
        .post(
            PREPARATION,
            Client(Action::EditClinicalRecord),
            preparation::save,
        )
        .get(
            PRESCRIBER,
            Client(Action::ViewClinicalRecord),
            prescriber::show,
        )
        .post(EVALUATION, Client(Action::Prescribe), prescriber::evaluate)
        .post(
            PRESCRIPTION,
            Client(Action::Prescribe),
            prescriber::prescribe,
        )
        .post(SHIPMENTS, Client(Action::Prescribe), prescriber::ship)
        .post(
            SHIPMENT_RECEIVED,
            Client(Action::Prescribe),
            prescriber::received,
        )
        .post(
            DOSE_REQUESTS,
            Client(Action::EditClinicalRecord),
            prescriber::request_dose,
        )
        .post(
            DOSE_ANSWER,
            Client(Action::Prescribe),
            prescriber::answer_dose,
        )
        .get(MESSAGES, Client(Action::ViewClinicalRecord), messages::show)
        .post(MESSAGES, Client(Action::MessageCareTeam), messages::post)
        .get(BREAK_GLASS, Policy(Action::BreakGlass), break_glass::show)
        .post(BREAK_GLASS, Policy(Action::BreakGlass), break_glass::open)
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
        .post(
            PARTNER_ORGS,
            Policy(Action::ManageStaff),
            staff::add_partner_org,
        )
        .post(
            STAFF_PARTNER_ORG,
            Policy(Action::ManageStaff),
            staff::set_partner_org,
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
        .post(
            ALERT_ACK,
            Client(Action::EditClinicalRecord),
            clients::measures::acknowledge,
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
        .get(METRICS, Public, health::metrics)
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
        .post(STAFF_ROLE, Policy(Action::ManageStaff), staff::change_role)
        .post(
            STAFF_RESET_MFA,
            Policy(Action::ManageStaff),
            staff::reset_mfa,
        )
        .get(AUDIT, Policy(Action::ViewAudit), audit::view)
        .get(AUDIT_CSV, Policy(Action::ExportAudit), audit::export_csv)
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
        )
}

/// Anything unrouted: the error-page middleware renders the 404 page.
pub async fn not_found() -> AppError {
    AppError::NotFound
}
