//! Every URL path of the app, written once. Each route's pattern is a constant the router
//! registers; each pattern with parameters also gets a function that fills them in from typed
//! values, which handlers, emails and templates (`{{ crate::paths::course(h.id) }}`) link with,
//! so a link cannot point at a route that does not exist or carry the wrong kind of id.

use kapflow_domain::{
    AlertId, ApiTokenId, AppointmentId, AttachmentId, ClientId, DoseRequestId, DosingSessionId,
    InquiryId, JournalEntryId, MeasureRequestId, NoteId, PhotoId, PsychNoteId, ResponseId, RoomId,
    SessionAlertId, ShipmentId, SignatureId, TimeOffId, UserId,
};

/// A value a link is made of: a typed id, or text (a token, a section key), taken by value or
/// by reference (templates pass references).
pub trait Param<T: ?Sized> {
    fn param(&self) -> &T;
}

/// The typed ids links carry.
pub trait Id: Copy {}

impl<T: Id> Param<T> for T {
    fn param(&self) -> &T {
        self
    }
}

impl<T: Id> Param<T> for &T {
    fn param(&self) -> &T {
        self
    }
}

impl<T: Id> Param<T> for &&T {
    fn param(&self) -> &T {
        self
    }
}

impl Param<str> for &str {
    fn param(&self) -> &str {
        self
    }
}

impl Param<str> for String {
    fn param(&self) -> &str {
        self
    }
}

impl Param<str> for &String {
    fn param(&self) -> &str {
        self
    }
}

impl Id for uuid::Uuid {}
impl Id for AlertId {}
impl Id for ResponseId {}
impl Id for ClientId {}
impl Id for DoseRequestId {}
impl Id for InquiryId {}
impl Id for MeasureRequestId {}
impl Id for PhotoId {}
impl Id for ShipmentId {}
impl Id for SignatureId {}
impl Id for UserId {}
impl Id for DosingSessionId {}
impl Id for SessionAlertId {}
impl Id for AppointmentId {}
impl Id for RoomId {}
impl Id for TimeOffId {}
impl Id for NoteId {}
impl Id for PsychNoteId {}
impl Id for JournalEntryId {}
impl Id for AttachmentId {}
impl Id for ApiTokenId {}

/// `NAME = "/pattern/{param}" => link_fn(param: Type, …);` declares the pattern constant and,
/// for patterns with parameters, the function that fills them in.
macro_rules! paths {
    ($(
        $(#[$meta:meta])*
        $name:ident = $pattern:literal $(=> $link:ident($($param:ident: $ty:ty),+))?;
    )*) => {$(
        $(#[$meta])*
        pub const $name: &str = $pattern;
        $(
            #[doc = concat!("`", $pattern, "` for these values.")]
            pub fn $link($($param: impl Param<$ty>),+) -> String {
                $(let $param = $param.param();)+
                format!($pattern)
            }
        )?
    )*};
}

paths! {
    HOME = "/";
    HEALTHZ = "/healthz";
    READYZ = "/readyz";
    METRICS = "/metrics";
    SETUP = "/setup/{token}" => setup(token: str);
    STATIC = "/static/{file}" => static_file(file: str);
    LOGIN = "/login";
    LOGIN_MFA = "/login/mfa";
    MFA_ENROL = "/mfa/enrol";
    PASSKEY_REGISTER_START = "/passkeys/register/start";
    PASSKEY_REGISTER_FINISH = "/passkeys/register/finish";
    PASSKEY_SIGN_IN_START = "/passkeys/sign-in/start";
    PASSKEY_SIGN_IN_FINISH = "/passkeys/sign-in/finish";
    LOGOUT = "/logout";
    DASHBOARD = "/dashboard";
    SESSIONS = "/account/sessions";
    NOTIFICATIONS = "/account/notifications";
    SESSIONS_END_OTHERS = "/account/sessions/end-others";
    PASSKEY_REMOVE = "/account/passkeys/{passkey}/remove" => passkey_remove(passkey: str);
    KEEPALIVE = "/session/keepalive";
    STEP_UP = "/step-up";
    STAFF = "/staff";
    STAFF_INVITE = "/staff/invite";
    STAFF_REVOKE = "/staff/invitations/revoke";
    STAFF_DISABLE = "/staff/{id}/disable" => staff_disable(id: UserId);
    STAFF_ROLE = "/staff/{id}/role" => staff_role(id: UserId);
    STAFF_RESET_MFA = "/staff/{id}/reset-mfa" => staff_reset_mfa(id: UserId);
    STAFF_PARTNER_ORG = "/staff/{id}/partner-org" => staff_partner_org(id: UserId);
    INVITE = "/invite/{token}" => invite(token: str);
    FORGOT = "/password/forgot";
    RESET = "/password/reset/{token}" => reset(token: str);
    AUDIT = "/audit";
    AUDIT_CSV = "/audit/export.csv";
    KETAMINE = "/ketamine";
    BENEFITS = "/benefits";
    HOW = "/how-kap-works";
    MEDICATION = "/medication";
    RESEARCH = "/research";
    FAQ = "/faq";
    CONNECT = "/connect";
    CONNECT_THANKS = "/connect/thanks";
    SITEMAP = "/sitemap.xml";
    ROBOTS = "/robots.txt";
    INQUIRIES = "/inquiries";
    INQUIRY = "/inquiries/{id}" => inquiry(id: InquiryId);
    INQUIRY_SEARCH = "/inquiries/search";
    INQUIRY_STATUS = "/inquiries/{id}/status" => inquiry_status(id: InquiryId);
    INQUIRY_ASSIGN = "/inquiries/{id}/assign" => inquiry_assign(id: InquiryId);
    INQUIRY_NOTES = "/inquiries/{id}/notes" => inquiry_notes(id: InquiryId);
    SITE = "/site";
    SITE_PREVIEW = "/site/preview";
    SITE_SECTION = "/site/{key}" => site_section(key: str);
    SITE_RESTORE = "/site/{key}/restore/{rev}" => site_restore(key: str, rev: uuid::Uuid);
    SETTINGS = "/settings";
    SITE_PHOTOS = "/site/photos";
    SITE_PHOTO_REMOVE = "/site/photos/{id}/remove" => site_photo_remove(id: PhotoId);
    PHOTO = "/photos/{id}" => photo(id: PhotoId);
    CLIENTS = "/clients";
    CLIENT_NEW = "/clients/new";
    CLIENT_SEARCH = "/clients/search";
    CLIENT = "/clients/{client}" => client(client: ClientId);
    CLIENT_EDIT = "/clients/{client}/edit" => client_edit(client: ClientId);
    CLIENT_TEAM = "/clients/{client}/care-team" => client_team(client: ClientId);
    COURSE = "/clients/{client}/course" => course(client: ClientId);
    COURSE_ADVANCE = "/clients/{client}/course/advance" => course_advance(client: ClientId);
    COURSE_DISCONTINUE = "/clients/{client}/course/discontinue" => course_discontinue(client: ClientId);
    COURSE_NEW = "/clients/{client}/course/new" => course_new(client: ClientId);
    COURSE_COMPLETE = "/clients/{client}/course/complete" => course_complete(client: ClientId);
    REFERRAL = "/clients/{client}/referral" => referral(client: ClientId);
    INTAKE = "/clients/{client}/intake" => intake(client: ClientId);
    SCREENING_REVIEW = "/clients/{client}/screening/review" => screening_review(client: ClientId);
    CONSENTS = "/clients/{client}/consents" => consents(client: ClientId);
    CONSENT_REVOKE = "/clients/{client}/consents/{signature}/revoke"
        => consent_revoke(client: ClientId, signature: SignatureId);
    CONSENT_ACCEPT = "/clients/{client}/consents/{signature}/accept"
        => consent_accept(client: ClientId, signature: SignatureId);
    PREPARATION = "/clients/{client}/preparation" => preparation(client: ClientId);
    PRESCRIBER = "/clients/{client}/prescriber" => prescriber(client: ClientId);
    EVALUATION = "/clients/{client}/evaluation" => evaluation(client: ClientId);
    PRESCRIPTION = "/clients/{client}/prescription" => prescription(client: ClientId);
    SHIPMENTS = "/clients/{client}/shipments" => shipments(client: ClientId);
    SHIPMENT_RECEIVED = "/clients/{client}/shipments/{shipment}/received"
        => shipment_received(client: ClientId, shipment: ShipmentId);
    DOSE_REQUESTS = "/clients/{client}/dose-requests" => dose_requests(client: ClientId);
    DOSE_ANSWER = "/clients/{client}/dose-requests/{request}/answer"
        => dose_answer(client: ClientId, request: DoseRequestId);
    MESSAGES = "/clients/{client}/messages" => messages(client: ClientId);
    MESSAGE_FILE = "/clients/{client}/messages/files/{file}"
        => message_file(client: ClientId, file: AttachmentId);
    BREAK_GLASS = "/break-glass";
    CONSENT_DOCUMENTS = "/consent-documents";
    PARTNER_ORGS = "/partner-orgs";
    PARTNER_ORG = "/partner-orgs/{id}" => partner_org(id: str);
    CLINICAL_SETTINGS = "/settings/clinical";
    API_TOKENS = "/settings/api-tokens";
    API_TOKEN_REVOKE = "/settings/api-tokens/{token}/revoke" => api_token_revoke(token: ApiTokenId);
    BILLING_SETTINGS = "/settings/billing";
    BILLING_FEES = "/settings/billing/fees";
    BILLING_CODES = "/settings/billing/codes";
    BILLING_CLINICIAN = "/settings/billing/clinicians/{id}" => billing_clinician(id: UserId);
    /// The FHIR R4 read API (bearer tokens, JSON): its base, its CapabilityStatement, and
    /// every other path below the base (`{kind}`, `{kind}/{id}`, `Patient/{id}/$everything`,
    /// and anything else, answered with an OperationOutcome), read by `kapflow_fhir::api`.
    FHIR_BASE = "/fhir/r4";
    FHIR_METADATA = "/fhir/r4/metadata";
    FHIR_OTHER = "/fhir/r4/{*rest}";
    QUESTIONNAIRE = "/m/{token}" => questionnaire(token: str);
    OUTCOMES = "/reports/outcomes";
    RESEARCH_CSV = "/reports/outcomes/research.csv";
    BILLING_REPORT = "/reports/billing";
    BILLING_CSV = "/reports/billing/ledger.csv";
    INSTRUMENTS = "/measures/instruments";
    MEASURES = "/clients/{client}/measures" => measures(client: ClientId);
    MEASURE_REQUEST = "/clients/{client}/measures/{request}"
        => measure_request(client: ClientId, request: MeasureRequestId);
    MEASURE_SEND = "/clients/{client}/measures/{request}/send"
        => measure_send(client: ClientId, request: MeasureRequestId);
    ALERTS_ACK = "/clients/{client}/alerts/acknowledge" => alerts_ack(client: ClientId);
    EMAIL_CONSENT = "/clients/{client}/email-consent" => email_consent(client: ClientId);
    RESPONSE = "/clients/{client}/responses/{response}"
        => response(client: ClientId, response: ResponseId);
    DOSING = "/clients/{client}/dosing" => dosing(client: ClientId);
    DOSING_SESSION = "/clients/{client}/dosing/{session}"
        => dosing_session(client: ClientId, session: DosingSessionId);
    DOSING_RIDE = "/clients/{client}/dosing/{session}/ride-home"
        => dosing_ride(client: ClientId, session: DosingSessionId);
    DOSING_MEASURES = "/clients/{client}/dosing/{session}/pre-dose-measures"
        => dosing_measures(client: ClientId, session: DosingSessionId);
    DOSING_OVERRIDE = "/clients/{client}/dosing/{session}/override"
        => dosing_override(client: ClientId, session: DosingSessionId);
    DOSING_START = "/clients/{client}/dosing/{session}/start"
        => dosing_start(client: ClientId, session: DosingSessionId);
    DOSING_CANCEL = "/clients/{client}/dosing/{session}/cancel"
        => dosing_cancel(client: ClientId, session: DosingSessionId);
    DOSING_VITALS = "/clients/{client}/dosing/{session}/vitals"
        => dosing_vitals(client: ClientId, session: DosingSessionId);
    DOSING_ALERT_ACK = "/clients/{client}/dosing/{session}/alerts/{alert}/acknowledge"
        => dosing_alert_ack(client: ClientId, session: DosingSessionId, alert: SessionAlertId);
    DOSING_OBSERVATIONS = "/clients/{client}/dosing/{session}/observations"
        => dosing_observations(client: ClientId, session: DosingSessionId);
    DOSING_PRESENCE = "/clients/{client}/dosing/{session}/presence"
        => dosing_presence(client: ClientId, session: DosingSessionId);
    DOSING_CUSTODY = "/clients/{client}/dosing/{session}/custody"
        => dosing_custody(client: ClientId, session: DosingSessionId);
    DOSING_LABEL = "/clients/{client}/dosing/{session}/label-photos"
        => dosing_label(client: ClientId, session: DosingSessionId);
    DOSING_LABEL_FILE = "/clients/{client}/dosing/{session}/label-photos/{photo}"
        => dosing_label_file(client: ClientId, session: DosingSessionId, photo: uuid::Uuid);
    DOSING_DISCHARGE = "/clients/{client}/dosing/{session}/discharge"
        => dosing_discharge(client: ClientId, session: DosingSessionId);
    DOSING_AFTERCARE = "/clients/{client}/dosing/{session}/aftercare"
        => dosing_aftercare(client: ClientId, session: DosingSessionId);
    CLIENT_CUSTODY = "/clients/{client}/custody" => client_custody(client: ClientId);
    CUSTODY_REPORT = "/reports/custody";
    INTEGRATION = "/clients/{client}/integration" => integration(client: ClientId);
    CALENDAR = "/calendar";
    CALENDAR_SETUP = "/calendar/setup";
    CALENDAR_DAY_PDF = "/calendar/day.pdf";
    SESSION_TYPE = "/calendar/setup/types/{key}" => session_type(key: str);
    ROOMS = "/calendar/setup/rooms";
    FEED_DETAIL = "/calendar/setup/feed";
    ROOM = "/calendar/setup/rooms/{room}" => room(room: RoomId);
    HOURS = "/calendar/hours";
    TIME_OFF = "/calendar/time-off";
    TIME_OFF_REMOVE = "/calendar/time-off/{entry}/remove" => time_off_remove(entry: TimeOffId);
    HOLDS = "/calendar/holds";
    ICAL = "/ical/{token}" => ical(token: str);
    MY_FEED = "/calendar/my-feed";
    PORTAL = "/portal";
    PORTAL_APPOINTMENTS = "/portal/appointments";
    PORTAL_APPOINTMENT_ICS = "/portal/appointments/{appointment}/calendar.ics"
        => portal_appointment_ics(appointment: AppointmentId);
    PORTAL_APPOINTMENT_CHANGE = "/portal/appointments/{appointment}/change"
        => portal_appointment_change(appointment: AppointmentId);
    PORTAL_QUESTIONNAIRES = "/portal/questionnaires";
    PORTAL_QUESTIONNAIRE_OPEN = "/portal/questionnaires/{request}"
        => portal_questionnaire_open(request: MeasureRequestId);
    PORTAL_JOURNAL = "/portal/journal";
    PORTAL_JOURNAL_SHARE = "/portal/journal/{entry}/share"
        => portal_journal_share(entry: JournalEntryId);
    PORTAL_MESSAGES = "/portal/messages";
    PORTAL_MESSAGE_FILE = "/portal/messages/files/{file}" => portal_message_file(file: AttachmentId);
    PORTAL_INTAKE = "/portal/intake";
    PORTAL_CONSENTS = "/portal/consents";
    PORTAL_PREPARATION = "/portal/preparation";
    PORTAL_RECORD_CSV = "/portal/my-record.csv";
    PORTAL_RECORD_PDF = "/portal/my-record.pdf";
    PORTAL_ESTIMATE = "/portal/estimate.pdf";
    PORTAL_RECORD_FHIR = "/portal/my-record.json";
    CLIENT_PORTAL_INVITE = "/clients/{client}/portal/invite" => client_portal_invite(client: ClientId);
    CLIENT_PORTAL_WITHDRAW = "/clients/{client}/portal/withdraw"
        => client_portal_withdraw(client: ClientId);
    CLIENT_PORTAL_ACCESS = "/clients/{client}/portal/access"
        => client_portal_access(client: ClientId);
    CLIENT_PORTAL_RESET = "/clients/{client}/portal/reset-second-factor"
        => client_portal_reset(client: ClientId);
    MY_FEED_WITHDRAW = "/calendar/my-feed/withdraw";
    HOLD_NEW = "/calendar/holds/new";
    HOLD = "/calendar/holds/{appointment}" => hold(appointment: AppointmentId);
    HOLD_CANCEL = "/calendar/holds/{appointment}/cancel" => hold_cancel(appointment: AppointmentId);
    APPOINTMENTS = "/clients/{client}/appointments" => appointments(client: ClientId);
    APPOINTMENT = "/clients/{client}/appointments/{appointment}"
        => appointment(client: ClientId, appointment: AppointmentId);
    APPOINTMENT_MOVE = "/clients/{client}/appointments/{appointment}/move"
        => appointment_move(client: ClientId, appointment: AppointmentId);
    APPOINTMENT_CANCEL = "/clients/{client}/appointments/{appointment}/cancel"
        => appointment_cancel(client: ClientId, appointment: AppointmentId);
    APPOINTMENT_NO_SHOW = "/clients/{client}/appointments/{appointment}/no-show"
        => appointment_no_show(client: ClientId, appointment: AppointmentId);
    APPOINTMENT_NOTE = "/clients/{client}/appointments/{appointment}/note"
        => appointment_note(client: ClientId, appointment: AppointmentId);
    NOTES = "/clients/{client}/notes" => notes(client: ClientId);
    NOTE = "/clients/{client}/notes/{note}" => note(client: ClientId, note: NoteId);
    NOTE_SIGN = "/clients/{client}/notes/{note}/sign" => note_sign(client: ClientId, note: NoteId);
    NOTE_PDF = "/clients/{client}/notes/{note}/pdf" => note_pdf(client: ClientId, note: NoteId);
    RECORD_COPY_PDF = "/clients/{client}/record-copy.pdf" => record_copy_pdf(client: ClientId);
    RECORD_COPY_FHIR = "/clients/{client}/record-copy.json" => record_copy_fhir(client: ClientId);
    BILLING = "/clients/{client}/billing" => billing(client: ClientId);
    BILLING_CHARGES = "/clients/{client}/billing/charges" => billing_charges(client: ClientId);
    BILLING_PAYMENTS = "/clients/{client}/billing/payments" => billing_payments(client: ClientId);
    BILLING_RATES = "/clients/{client}/billing/rates" => billing_rates(client: ClientId);
    BILLING_ESTIMATES = "/clients/{client}/billing/estimates" => billing_estimates(client: ClientId);
    ESTIMATE_PDF = "/clients/{client}/billing/estimate.pdf" => estimate_pdf(client: ClientId);
    BILLING_DIAGNOSES = "/clients/{client}/billing/diagnoses" => billing_diagnoses(client: ClientId);
    BILLING_DIAGNOSIS_REMOVE = "/clients/{client}/billing/diagnoses/remove"
        => billing_diagnosis_remove(client: ClientId);
    BILLING_SESSION = "/clients/{client}/billing/sessions/{session}"
        => billing_session(client: ClientId, session: DosingSessionId);
    SUPERBILL_PDF = "/clients/{client}/billing/superbill.pdf" => superbill_pdf(client: ClientId);
    STATEMENT_PDF = "/clients/{client}/billing/statement.pdf" => statement_pdf(client: ClientId);
    NOTE_ADDENDA = "/clients/{client}/notes/{note}/addenda"
        => note_addenda(client: ClientId, note: NoteId);
    PSYCH_NOTES = "/clients/{client}/psychotherapy-notes" => psych_notes(client: ClientId);
    PSYCH_NOTE = "/clients/{client}/psychotherapy-notes/{note}"
        => psych_note(client: ClientId, note: PsychNoteId);
}

/// A page's address with `?done=…`, the confirmation it shows after a redirect.
/// The break-glass form for a client with an open safety alert (the alert names the client, so
/// only a reason is asked).
pub fn break_glass_for(client: ClientId) -> String {
    format!("{BREAK_GLASS}?client={client}")
}

pub fn done(path: String, what: &str) -> String {
    format!("{path}?done={what}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_fill_the_route_patterns() {
        let c = ClientId::new();
        assert_eq!(client(c), CLIENT.replace("{client}", &c.to_string()));
        let r = MeasureRequestId::new();
        assert_eq!(
            measure_send(c, r),
            format!("/clients/{c}/measures/{r}/send")
        );
        assert_eq!(reset("abc"), "/password/reset/abc");
    }
}
