//! The FHIR read API's answers: `metadata`, read and search of each kind, and
//! `Patient/{id}/$everything`, each within the token's scope. The web layer authenticates,
//! audits and frames; this module decides what the answer holds.
//!
//! A client's records are reached only through `access().for_api_token` (one client, inside
//! the scope, existing) or `access().api_token_clients` (the scope's clients), so a token
//! scoped to one client meets every other client as "not found" whatever it asks.

mod capability;
pub mod query;

use crate::r4::resources::Resource;
use crate::{bundle, patient, record};
use kapflow_domain::ClientId;
use kapflow_store::api_tokens::ApiGrant;
use kapflow_store::fhir_api::{BundleFuture, FhirFuture, FhirGet, FhirReply, FhirServer};
use kapflow_store::{ClinicalAccess, Store, StoreError};
use query::Query;
use serde_json::Value;

/// The kinds read per client (searched by `patient`).
pub const PATIENT_KINDS: [&str; 13] = [
    "Patient",
    "EpisodeOfCare",
    "Encounter",
    "Appointment",
    "QuestionnaireResponse",
    "Observation",
    "MedicationRequest",
    "MedicationDispense",
    "MedicationAdministration",
    "Consent",
    "DocumentReference",
    "Flag",
    "Provenance",
];

/// The practice's own kinds (no client in them).
pub const PRACTICE_KINDS: [&str; 3] = ["Practitioner", "Organization", "Questionnaire"];

/// The FHIR server the binary installs into the web layer.
#[derive(Debug, Default, Clone, Copy)]
pub struct Server;

impl FhirServer for Server {
    fn get<'a>(
        &'a self,
        store: &'a Store,
        grant: &'a ApiGrant,
        get: FhirGet<'a>,
    ) -> FhirFuture<'a> {
        Box::pin(answer(store, grant, get))
    }

    fn record<'a>(
        &'a self,
        store: &'a Store,
        access: &'a ClinicalAccess,
        base: &'a str,
        now: time::OffsetDateTime,
    ) -> BundleFuture<'a> {
        Box::pin(record_bundle(store, access, base, now))
    }
}

/// A client's whole record and the practice's resources it refers to, as a `collection`.
pub async fn record_bundle(
    store: &Store,
    access: &ClinicalAccess,
    base: &str,
    now: time::OffsetDateTime,
) -> Result<Value, StoreError> {
    let mut resources = record::client_resources(store, access).await?;
    let practice = record::referenced(store, &resources).await?;
    resources.extend(practice);
    let bundle = bundle::collection(&uuid::Uuid::now_v7().to_string(), base, resources, now);
    Ok(crate::to_json(Resource::Bundle(Box::new(bundle))))
}

/// One issue as an OperationOutcome.
pub fn outcome(code: &str, text: &str) -> Value {
    kapflow_store::fhir_api::outcome("error", code, text)
}

fn reply(status: u16, body: Value, interaction: &'static str, asked: String) -> FhirReply {
    FhirReply {
        status,
        body,
        interaction,
        asked,
        clients: Vec::new(),
    }
}

fn not_found(interaction: &'static str, asked: String) -> FhirReply {
    reply(
        404,
        outcome(
            "not-found",
            "No such resource, or not one this token reads.",
        ),
        interaction,
        asked,
    )
}

/// Answers one GET.
pub async fn answer(
    store: &Store,
    grant: &ApiGrant,
    get: FhirGet<'_>,
) -> Result<FhirReply, StoreError> {
    let segments: Vec<&str> = get.path.split('/').filter(|s| !s.is_empty()).collect();
    match segments.as_slice() {
        ["metadata"] => Ok(reply(
            200,
            capability::statement(get.base, get.now),
            "metadata",
            "metadata".into(),
        )),
        [kind] if known(kind) => search(store, grant, kind, get).await,
        [kind, id] if known(kind) => read(store, grant, kind, id).await,
        ["Patient", id, "$everything"] => everything(store, grant, id, get).await,
        _ => Ok(reply(
            404,
            outcome(
                "not-supported",
                "Not a resource type or operation this server has; see /metadata.",
            ),
            "refused",
            "an unknown path".into(),
        )),
    }
}

fn known(kind: &str) -> bool {
    PATIENT_KINDS.contains(&kind) || PRACTICE_KINDS.contains(&kind)
}

async fn practice_kind(store: &Store, kind: &str) -> Result<Vec<Resource>, StoreError> {
    match kind {
        "Practitioner" => record::practitioners(store).await,
        "Organization" => record::organizations(store).await,
        _ => record::questionnaires(store).await,
    }
}

/// The Patient of one client the token reads.
async fn patient_of(
    store: &Store,
    access: &ClinicalAccess,
) -> Result<Option<Resource>, StoreError> {
    Ok(store
        .clients()
        .get(access.access())
        .await?
        .map(|c| Resource::Patient(Box::new(patient::patient(&c)))))
}

/// Whether `resource` is of `kind` (and has `id`, when given).
fn is(resource: &Resource, kind: &str, id: Option<&str>) -> bool {
    crate::kind_and_id(resource).is_some_and(|(k, i)| k == kind && id.is_none_or(|id| id == i))
}

async fn read(
    store: &Store,
    grant: &ApiGrant,
    kind: &str,
    id: &str,
) -> Result<FhirReply, StoreError> {
    let asked = format!("{kind}/{}", safe_id(id));
    if PRACTICE_KINDS.contains(&kind) {
        let found = practice_kind(store, kind)
            .await?
            .into_iter()
            .find(|r| is(r, kind, Some(id)));
        return Ok(match found {
            Some(r) => reply(200, crate::to_json(r), "read", asked),
            None => not_found("read", asked),
        });
    }
    // Every client-level id starts with the UUID of the record it was made from.
    let owner = match id.get(..36).and_then(|u| uuid::Uuid::parse_str(u).ok()) {
        Some(_) if kind == "Patient" => ClientId::parse(id),
        Some(u) => store.fhir_reads().client_of_record(u).await?,
        None => None,
    };
    let Some(client) = owner else {
        return Ok(not_found("read", asked));
    };
    let Some(access) = store.access().for_api_token(grant, client).await? else {
        return Ok(not_found("read", asked));
    };
    let found = if kind == "Patient" {
        patient_of(store, &access).await?
    } else {
        record::client_resources(store, &access)
            .await?
            .into_iter()
            .find(|r| is(r, kind, Some(id)))
    };
    Ok(match found {
        Some(r) => FhirReply {
            clients: vec![client],
            ..reply(200, crate::to_json(r), "read", asked)
        },
        None => not_found("read", asked),
    })
}

/// An id as the audit trail keeps it: the characters a FHIR id may have.
fn safe_id(id: &str) -> String {
    id.chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.'))
        .take(64)
        .collect()
}

async fn search(
    store: &Store,
    grant: &ApiGrant,
    kind: &str,
    get: FhirGet<'_>,
) -> Result<FhirReply, StoreError> {
    let allowed: &[&str] = match kind {
        "Patient" => &["_id"],
        k if PRACTICE_KINDS.contains(&k) => &[],
        _ => &["patient"],
    };
    let q = match query::parse(get.query, allowed) {
        Ok(q) => q,
        Err(why) => {
            return Ok(reply(
                400,
                outcome("not-supported", &why),
                "search",
                format!("{kind}?…"),
            ));
        }
    };
    let asked = format!("{kind}?{}", query::described(&q));
    let mut clients = Vec::new();
    let (page, total): (Vec<Resource>, u32) = if PRACTICE_KINDS.contains(&kind) {
        paged(practice_kind(store, kind).await?, &q)
    } else if kind == "Patient" {
        if let Some(id) = &q.id {
            let reach = match ClientId::parse(id) {
                Some(c) => store.access().for_api_token(grant, c).await?,
                None => None,
            };
            let mut found = Vec::new();
            if let Some(access) = reach {
                found.extend(patient_of(store, &access).await?);
                clients.push(access.client());
            }
            paged(found, &q)
        } else {
            let (reach, total) = store
                .access()
                .api_token_clients(grant, i64::from(q.offset), i64::from(q.count))
                .await?;
            let mut found = Vec::with_capacity(reach.len());
            for access in &reach {
                found.extend(patient_of(store, access).await?);
                clients.push(access.client());
            }
            (found, u32::try_from(total).unwrap_or(u32::MAX))
        }
    } else {
        let Some(patient) = q.patient.or(grant.client()) else {
            let why =
                "Search by client: add ?patient=<Patient id> (this token reads every client).";
            return Ok(reply(400, outcome("required", why), "search", asked));
        };
        match store.access().for_api_token(grant, patient).await? {
            // Out of scope or unknown: an empty result, as for a client with no such records.
            None => (Vec::new(), 0),
            Some(access) => {
                clients.push(patient);
                let all: Vec<Resource> = record::client_resources(store, &access)
                    .await?
                    .into_iter()
                    .filter(|r| is(r, kind, None))
                    .collect();
                paged(all, &q)
            }
        }
    };
    let body = searchset(get, kind, &q, page, total);
    Ok(FhirReply {
        clients,
        ..reply(200, body, "search", asked)
    })
}

async fn everything(
    store: &Store,
    grant: &ApiGrant,
    id: &str,
    get: FhirGet<'_>,
) -> Result<FhirReply, StoreError> {
    let asked = format!("Patient/{}/$everything", safe_id(id));
    let q = match query::parse(get.query, &[]) {
        Ok(q) => q,
        Err(why) => {
            return Ok(reply(
                400,
                outcome("not-supported", &why),
                "everything",
                asked,
            ));
        }
    };
    let reach = match ClientId::parse(id) {
        Some(c) => store.access().for_api_token(grant, c).await?,
        None => None,
    };
    let Some(access) = reach else {
        return Ok(not_found("everything", asked));
    };
    let mut resources = record::client_resources(store, &access).await?;
    let practice = record::referenced(store, &resources).await?;
    resources.extend(practice);
    let (page, total) = paged(resources, &q);
    let body = searchset(get, &format!("Patient/{id}/$everything"), &q, page, total);
    Ok(FhirReply {
        clients: vec![access.client()],
        ..reply(200, body, "everything", asked)
    })
}

/// The page `q` asks for out of `all`, and how many there are.
fn paged(all: Vec<Resource>, q: &Query) -> (Vec<Resource>, u32) {
    let total = u32::try_from(all.len()).unwrap_or(u32::MAX);
    let page = all
        .into_iter()
        .skip(q.offset as usize)
        .take(q.count as usize)
        .collect();
    (page, total)
}

/// A searchset Bundle of `page` with its `self`, `next` and `previous` links.
fn searchset(get: FhirGet<'_>, path: &str, q: &Query, page: Vec<Resource>, total: u32) -> Value {
    let link = |offset: u32| {
        let mut again = q.clone();
        again.offset = offset;
        format!("{}/{path}?{}", get.base, query::described(&again))
    };
    let mut links = vec![("self", link(q.offset))];
    if q.count > 0 && q.offset.saturating_add(q.count) < total {
        links.push(("next", link(q.offset + q.count)));
    }
    if q.offset > 0 {
        links.push(("previous", link(q.offset.saturating_sub(q.count.max(1)))));
    }
    let bundle = bundle::searchset(
        &uuid::Uuid::now_v7().to_string(),
        get.base,
        page,
        total,
        &links,
        get.now,
    );
    crate::to_json(Resource::Bundle(Box::new(bundle)))
}
