//! The client record's routes: the caseload, the record and its course, intake, consents,
//! preparation, the prescriber's side, dosing sessions, portal invitations and messages — each
//! declared with who may call it (`auth::Access`).

use crate::auth::Access;
use crate::routes::Routes;
use kapflow_domain::access::Action;

/// The client record's routes, added to `routes`.
pub(in crate::routes) fn routes(routes: Routes) -> Routes {
    use super::{
        caseload, consents, course, dosing, dosing_custody, dosing_entries, intake, messages,
        portal_invite, preparation, prescriber, record, record_copy,
    };
    use crate::paths::*;
    use Access::Client;
    use Access::Policy;
    routes
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
        .post(
            INTEGRATION,
            Client(Action::EditClinicalRecord),
            course::record_integration,
        )
        .post(
            COURSE_COMPLETE,
            Client(Action::EditClinicalRecord),
            course::complete,
        )
        .get(INTAKE, Client(Action::ViewClinicalRecord), intake::show)
        .post(INTAKE, Client(Action::EditClinicalRecord), intake::save)
        .post(
            SCREENING_REVIEW,
            Client(Action::EditClinicalRecord),
            intake::review,
        )
        .get(
            RECORD_COPY_PDF,
            // Handing over the record is the care team's act (a release), not a read.
            Client(Action::EditClinicalRecord),
            record_copy::pdf,
        )
        .confirmed()
        .get(
            RECORD_COPY_FHIR,
            // Handing over the record is the care team's act (a release), not a read.
            Client(Action::EditClinicalRecord),
            record_copy::fhir,
        )
        .confirmed()
        .get(CONSENTS, Client(Action::ViewClinicalRecord), consents::show)
        .post(CONSENTS, Client(Action::EditClinicalRecord), consents::sign)
        .confirmed()
        .post(
            CONSENT_REVOKE,
            Client(Action::EditClinicalRecord),
            consents::revoke,
        )
        .post(
            CONSENT_ACCEPT,
            Client(Action::EditClinicalRecord),
            consents::accept,
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
        .confirmed_on(PRESCRIBER)
        .post(
            SHIPMENT_RECEIVED,
            Client(Action::Prescribe),
            prescriber::received,
        )
        .confirmed_on(PRESCRIBER)
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
        .get(DOSING, Client(Action::ViewClinicalRecord), dosing::list)
        .post(DOSING, Client(Action::EditClinicalRecord), dosing::prepare)
        .get(
            DOSING_SESSION,
            Client(Action::ViewClinicalRecord),
            dosing::show,
        )
        .get(
            DOSING_AFTERCARE,
            Client(Action::ViewClinicalRecord),
            dosing::aftercare,
        )
        .post(
            DOSING_RIDE,
            Client(Action::EditClinicalRecord),
            dosing::ride_home,
        )
        .post(
            DOSING_MEASURES,
            Client(Action::EditClinicalRecord),
            dosing::skip_measures,
        )
        .post(
            DOSING_OVERRIDE,
            Client(Action::EditClinicalRecord),
            dosing::override_hold,
        )
        .confirmed_on(DOSING_SESSION)
        .post(
            DOSING_START,
            Client(Action::EditClinicalRecord),
            dosing::start,
        )
        .post(
            DOSING_CANCEL,
            Client(Action::EditClinicalRecord),
            dosing::cancel,
        )
        .post(
            DOSING_VITALS,
            Client(Action::EditClinicalRecord),
            dosing_entries::vitals,
        )
        .post(
            DOSING_ALERT_ACK,
            Client(Action::EditClinicalRecord),
            dosing_entries::acknowledge,
        )
        .post(
            DOSING_OBSERVATIONS,
            Client(Action::EditClinicalRecord),
            dosing_entries::observe,
        )
        .post(
            DOSING_PRESENCE,
            Client(Action::EditClinicalRecord),
            dosing_entries::presence,
        )
        .post(
            DOSING_CUSTODY,
            Client(Action::EditClinicalRecord),
            dosing_custody::record,
        )
        .post(
            DOSING_LABEL,
            Client(Action::EditClinicalRecord),
            dosing_custody::upload_label,
        )
        .get(
            DOSING_LABEL_FILE,
            Client(Action::ViewClinicalRecord),
            dosing_custody::label_file,
        )
        .post(
            DOSING_DISCHARGE,
            Client(Action::EditClinicalRecord),
            dosing_entries::discharge,
        )
        .post(
            CLIENT_PORTAL_INVITE,
            Client(Action::EditClientDemographics),
            portal_invite::invite,
        )
        .post(
            CLIENT_PORTAL_WITHDRAW,
            Client(Action::EditClientDemographics),
            portal_invite::withdraw,
        )
        .post(
            CLIENT_PORTAL_ACCESS,
            Client(Action::EditClientDemographics),
            portal_invite::access,
        )
        .post(
            CLIENT_PORTAL_RESET,
            Client(Action::EditClientDemographics),
            portal_invite::reset_second_factor,
        )
        .confirmed_on(CLIENT)
        .get(MESSAGES, Client(Action::ViewClinicalRecord), messages::show)
        .post(MESSAGES, Client(Action::MessageCareTeam), messages::post)
        .get(
            MESSAGE_FILE,
            Client(Action::ViewClinicalRecord),
            messages::file,
        )
}
