//! Billing's routes: the owner's settings and report, and a client's Billing tab with its
//! charges, payments, rates, estimates, diagnoses, monitoring hours and documents — each
//! declared with who may call it (`auth::Access`).

use crate::auth::Access;
use crate::routes::Routes;
use kapflow_domain::access::Action;

/// Billing's routes, added to `routes`.
pub(super) fn routes(routes: Routes) -> Routes {
    use super::clients;
    use super::{billing_report, billing_settings};
    use crate::paths::*;
    use Access::{Client, Policy};
    routes
        .get(
            BILLING_SETTINGS,
            Policy(Action::ManageFees),
            billing_settings::page,
        )
        .post(
            BILLING_SETTINGS,
            Policy(Action::ManageFees),
            billing_settings::save_details,
        )
        .post(
            BILLING_FEES,
            Policy(Action::ManageFees),
            billing_settings::set_fee,
        )
        .post(
            BILLING_CODES,
            Policy(Action::ManageFees),
            billing_settings::save_codes,
        )
        .post(
            BILLING_CLINICIAN,
            Policy(Action::ManageFees),
            billing_settings::save_clinician,
        )
        .get(
            BILLING_REPORT,
            Policy(Action::ManageFees),
            billing_report::page,
        )
        .get(
            BILLING_CSV,
            Policy(Action::ManageFees),
            billing_report::ledger_csv,
        )
        .confirmed()
        .get(
            BILLING,
            Client(Action::ManageBilling),
            clients::billing::page,
        )
        .post(
            BILLING_CHARGES,
            Client(Action::ManageBilling),
            clients::billing::charge,
        )
        .post(
            BILLING_PAYMENTS,
            Client(Action::ManageBilling),
            clients::billing::payment,
        )
        .post(
            BILLING_ESTIMATES,
            Client(Action::ManageBilling),
            clients::billing::give_estimate,
        )
        .get(
            ESTIMATE_PDF,
            Client(Action::ManageBilling),
            clients::billing::estimate_pdf,
        )
        .post(
            BILLING_RATES,
            Client(Action::ManageBilling),
            clients::billing::add_rate,
        )
        .post(
            BILLING_DIAGNOSES,
            Client(Action::EditClinicalRecord),
            clients::billing::add_diagnosis,
        )
        .post(
            BILLING_DIAGNOSIS_REMOVE,
            Client(Action::EditClinicalRecord),
            clients::billing::remove_diagnosis,
        )
        .get(
            BILLING_SESSION,
            Client(Action::EditClinicalRecord),
            clients::billing_session::page,
        )
        .post(
            BILLING_SESSION,
            Client(Action::EditClinicalRecord),
            clients::billing_session::charge,
        )
        .get(
            SUPERBILL_PDF,
            Client(Action::ManageBilling),
            clients::billing::superbill_pdf,
        )
        .get(
            STATEMENT_PDF,
            Client(Action::ManageBilling),
            clients::billing::statement_pdf,
        )
}
