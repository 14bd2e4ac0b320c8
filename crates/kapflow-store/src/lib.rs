//! kapflow's persistence: one `Store` over SQLite or PostgreSQL, chosen once from the URL.
//!
//! The store is read by topic: `store.clients()`, `store.courses()`, `store.measures()`… each
//! a borrowed handle over the same pool, in its own module. Every SQL text is shared by both
//! backends (`$N` placeholders, `RETURNING`, `ON CONFLICT`) and runs through the calls in
//! [`sql`] (`tx.exec(SQL, args![…])`). Web code never names a backend. Every state change
//! writes its audit row in the same transaction, and reads of a client's clinical record take
//! the [`access::ClinicalAccess`] the access check produced.

#[macro_use]
mod sql;
mod backend;
mod error;
mod lookup;
mod sqlite_readers;
mod sqlite_writer;

pub mod access;
pub mod accounts;
pub mod alerts;
pub mod api_tokens;
pub mod assessment;
pub mod audit;
pub mod audit_files;
pub mod billing;
pub mod calendar;
pub mod check;
pub mod client_header;
pub mod clients;
pub mod consents;
pub mod courses;
pub mod custody;
pub mod demo;
pub mod dosing;
pub mod fhir_api;
pub mod fhir_reads;
#[cfg(feature = "testkit")]
pub mod fixtures;
pub mod follow_ups;
pub mod idempotency;
pub mod inquiries;
pub mod integration;
pub mod invitations;
pub mod key_files;
pub mod measures;
pub mod message_attachments;
pub mod messages;
pub mod migrate;
pub mod notes;
pub mod notices;
pub mod outbox;
pub mod outcomes;
pub mod partner_orgs;
pub mod passkeys;
pub mod photos;
pub mod portal;
pub mod prescribing;
pub mod prescribing_plan;
pub mod psych_notes;
pub mod rate_limit;
pub mod secrets;
pub mod sessions;
pub mod settings;
pub mod settings_snapshot;
pub mod setup;
pub mod site;
pub mod snapshot;
pub mod target;
#[cfg(feature = "testkit")]
pub mod testkit;
pub mod transfer;
pub mod users;
pub mod work;

pub use access::{ClientAccess, ClinicalAccess};
pub use backend::{Backend, Store, Tx};
pub use error::StoreError;
pub use target::{DatabaseTarget, TargetError};

/// The acting account's id as stored in `*_by` columns; `None` for the system or anonymous.
pub(crate) fn actor_uuid(actor: &kapflow_domain::Actor) -> Option<uuid::Uuid> {
    actor.user.map(|(u, _)| u.as_uuid())
}

/// Declares a topic handle: the store seen from one subject.
macro_rules! topic {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Clone, Copy)]
        pub struct $name<'a> {
            pub(crate) store: &'a $crate::Store,
        }
    };
}
pub(crate) use topic;

/// The topics, each a handle into its module.
macro_rules! topics {
    ($($method:ident => $module:ident :: $handle:ident),* $(,)?) => {
        impl Store {
            $(
                #[doc = concat!("The store's `", stringify!($module), "` topic.")]
                pub fn $method(&self) -> $module::$handle<'_> {
                    $module::$handle { store: self }
                }
            )*
        }
    };
}

topics! {
    access => access::Access,
    api_tokens => api_tokens::ApiTokens,
    transfer => transfer::Transfer,
    accounts => accounts::Accounts,
    alerts => alerts::Alerts,
    assessment => assessment::Assessment,
    audit => audit::Audit,
    billing => billing::Billing,
    calendar => calendar::Calendar,
    clients => clients::Clients,
    consents => consents::Consents,
    courses => courses::Courses,
    portal => portal::Portal,
    passkeys => passkeys::Passkeys,
    custody => custody::Custody,
    dosing => dosing::Dosing,
    fhir_reads => fhir_reads::FhirReads,
    inquiries => inquiries::Inquiries,
    integration => integration::Integration,
    invitations => invitations::Invitations,
    measures => measures::Measures,
    messages => messages::Messages,
    notes => notes::Notes,
    outbox => outbox::Outbox,
    outcomes => outcomes::Outcomes,
    partner_orgs => partner_orgs::PartnerOrgs,
    photos => photos::Photos,
    prescribing => prescribing::Prescribing,
    psych_notes => psych_notes::PsychNotes,
    rate_limits => rate_limit::RateLimits,
    secrets => secrets::Secrets,
    sessions => sessions::Sessions,
    settings => settings::Settings,
    setup => setup::Setup,
    site => site::Site,
    users => users::Users,
    work => work::Work,
    follow_ups => follow_ups::FollowUps,
    notices => notices::Notices,
}
