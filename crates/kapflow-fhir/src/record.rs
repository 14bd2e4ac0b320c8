//! A client's designated record set read from the store as FHIR resources, and the
//! practice-level resources (staff, organisations, instruments) those resources point at.
//!
//! One statement per kind of record, never one per row. What never leaves: psychotherapy
//! notes (not read at all), drafts of clinical notes (only signed notes are read), a hold on
//! the calendar, the screening of an intake labelled as a psychotherapy note, and the audit
//! rows of reads and refusals (only successful acts on records with a resource here become
//! Provenance, and only for a record in the set).

use crate::r4::resources::Resource;
use crate::r4::resources::observation::Observation;
use crate::values::reference;
use crate::{
    appointment, consent, document, encounter, episode, flag, medication, observation,
    organization, patient, practitioner, prescription, provenance, questionnaire,
};
use kapflow_domain::Role;
use kapflow_domain::client::{Sensitivity, age_on};
use kapflow_domain::measures::{Instrument, builtin, builtins};
use kapflow_domain::screening::{ScreeningSettings, screen};
use kapflow_store::settings::keys;
use kapflow_store::settings_snapshot::Snapshot;
use kapflow_store::{ClinicalAccess, Store, StoreError};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

/// Every resource of one client's designated record set, the Patient first, then by kind in
/// a stable order, oldest first within a kind: EpisodeOfCare, Encounter, Appointment,
/// QuestionnaireResponse (each followed by its total score's Observation where the total has
/// a LOINC code), Observation (vital signs), MedicationRequest (each followed by its
/// MedicationDispense), MedicationAdministration, Consent, DocumentReference, Flag (risk
/// alerts, then the screening flags of each course), Provenance.
///
/// Every id starts with the UUID of the record it comes from (`<response>-total`,
/// `<vitals>-bp`, `<course>-<flag code>`), so `client_of_record` finds its client. A stored
/// record kapflow cannot read (a scored response, an intake, a note) is an error, never a
/// record left out in silence.
pub async fn client_resources(
    store: &Store,
    access: &ClinicalAccess,
) -> Result<Vec<Resource>, StoreError> {
    let Some(client) = store.clients().get(access.access()).await? else {
        return Ok(Vec::new());
    };
    let id = client.id;
    let reads = store.fhir_reads();
    let mut out = vec![Resource::Patient(Box::new(patient::patient(&client)))];

    // Courses, oldest first, each with its own stage history.
    let mut courses = store.courses().all(access.access()).await?;
    courses.sort_by_key(|c| c.number);
    let mut history: HashMap<_, Vec<_>> = HashMap::new();
    for step in reads.transitions(access).await? {
        history
            .entry(step.course_id)
            .or_default()
            .push(step.transition);
    }
    let therapist = reads.primary_therapist(access).await?;
    for course in &courses {
        let steps = history.get(&course.id).map_or(&[][..], Vec::as_slice);
        out.push(Resource::EpisodeOfCare(Box::new(episode::episode(
            course, steps, therapist,
        ))));
    }

    let mut sessions = store.dosing().list(access).await?;
    sessions.sort_by_key(|s| (s.prepared_at, s.id.as_uuid()));
    out.extend(
        sessions
            .iter()
            .map(|s| Resource::Encounter(Box::new(encounter::dosing_session(s)))),
    );

    out.extend(
        store
            .calendar()
            .for_client(access.access())
            .await?
            .iter()
            .filter_map(appointment::appointment)
            .map(|a| Resource::Appointment(Box::new(a))),
    );

    let responses = store.measures().responses(access).await?;
    let customs = if responses.iter().any(|r| builtin(&r.instrument).is_none()) {
        reads.custom_instrument_versions().await?
    } else {
        Vec::new()
    };
    for r in &responses {
        let scored = r.scored().ok_or_else(|| {
            StoreError::Corrupt(format!("questionnaire response {} cannot be read", r.id))
        })?;
        let instrument =
            instrument_of(&customs, &r.instrument, &scored.version).ok_or_else(|| {
                StoreError::Corrupt(format!(
                    "questionnaire response {} names an unknown instrument {} {}",
                    r.id, r.instrument, scored.version
                ))
            })?;
        let response_id = r.id.to_string();
        out.push(Resource::QuestionnaireResponse(Box::new(
            questionnaire::response(&response_id, id, r.submitted_at, &instrument, &scored),
        )));
        if let Some(total) =
            observation::total_score(&format!("{response_id}-total"), id, r.submitted_at, &scored)
        {
            // The total is computed from the response: say so, so the two stay together.
            let total = Observation {
                derived_from: vec![reference("QuestionnaireResponse", &response_id)],
                ..total
            };
            out.push(Resource::Observation(Box::new(total)));
        }
    }

    for taken in reads.vitals(access).await? {
        let v = &taken.vitals;
        out.extend(
            observation::vital_signs(&v.id.to_string(), id, v.measured_at, &v.vitals())
                .into_iter()
                .map(|o| {
                    Resource::Observation(Box::new(Observation {
                        encounter: Some(reference("Encounter", taken.session_id)),
                        ..o
                    }))
                }),
        );
    }

    let shipments = reads.shipments(access).await?;
    for p in reads.prescriptions(access).await? {
        out.push(Resource::MedicationRequest(Box::new(
            prescription::request(id, &p),
        )));
        out.extend(
            shipments
                .iter()
                .filter(|s| s.prescription_id == p.id)
                .map(|s| Resource::MedicationDispense(Box::new(prescription::dispense(id, &p, s)))),
        );
    }

    let custody = store.custody().of_client(access).await?;
    // The log is never changed: a dose is marked in error by a later entry that names it.
    let corrected: HashSet<i64> = custody
        .iter()
        .filter_map(|row| row.entry.what.corrects_seq)
        .collect();
    out.extend(custody.iter().filter_map(|row| {
        medication::administration(&row.entry, corrected.contains(&row.entry.seq))
            .map(|m| Resource::MedicationAdministration(Box::new(m)))
    }));

    let mut signatures = store.consents().signatures(access).await?;
    signatures.sort_by_key(|s| (s.signed_at, s.id.as_uuid()));
    out.extend(
        signatures
            .iter()
            .map(|s| Resource::Consent(Box::new(consent::consent(id, s)))),
    );

    let mut addenda: HashMap<_, Vec<_>> = HashMap::new();
    for a in reads.addenda(access).await? {
        addenda.entry(a.note_id).or_default().push(a.addendum);
    }
    for note in reads.signed_notes(access).await? {
        let of_note = addenda.get(&note.id).map_or(&[][..], Vec::as_slice);
        if let Some(doc) = document::note(&note, of_note)? {
            out.push(Resource::DocumentReference(Box::new(doc)));
        }
    }

    let mut alerts = store.alerts().of_client(access).await?;
    alerts.sort_by_key(|a| (a.created_at, a.id.as_uuid()));
    out.extend(
        alerts
            .iter()
            .map(|a| Resource::Flag(Box::new(flag::risk_alert(a)))),
    );
    out.extend(screening_flags(store, access, &client).await?);

    let present: HashSet<String> = out.iter().filter_map(local_id).collect();
    out.extend(
        store
            .audit()
            .changes_to_records(access, &provenance_kinds())
            .await?
            .iter()
            .filter_map(|row| provenance::provenance(&row.entry))
            // Only the provenance of a record in the set: a draft note's saves, for one, stay.
            .filter(|p| {
                p.target
                    .iter()
                    .all(|t| t.reference.as_ref().is_some_and(|r| present.contains(&r.0)))
            })
            .map(|p| Resource::Provenance(Box::new(p))),
    );
    Ok(out)
}

/// The screening flags of each course's completed intake, as they stood when it was
/// completed (the client's age then, today's thresholds). An intake the practice labelled a
/// psychotherapy note is kept out of the record set.
async fn screening_flags(
    store: &Store,
    access: &ClinicalAccess,
    client: &kapflow_store::clients::ClientRecord,
) -> Result<Vec<Resource>, StoreError> {
    let intakes = store.fhir_reads().completed_intakes(access).await?;
    if intakes.is_empty() {
        return Ok(Vec::new());
    }
    let settings = store.settings().snapshot().await?;
    let thresholds = thresholds(&settings);
    let mut flags = Vec::new();
    for intake in intakes {
        let Some((completed_at, _)) = intake.completed else {
            continue;
        };
        if intake.sensitivity == Sensitivity::PsychotherapyNote {
            continue;
        }
        let form = intake.form.map_err(|_| {
            StoreError::Corrupt(format!(
                "the intake of course {} cannot be read",
                intake.course_id
            ))
        })?;
        let on = settings.zone().today(completed_at);
        let age = u32::try_from(age_on(client.date_of_birth, on)).ok();
        for found in screen(&form.answers(age), &thresholds) {
            // FHIR ids allow letters, digits, `-` and `.`: rule codes use `_`.
            let code = found.code.replace('_', "-");
            let id = format!("{}-{code}", intake.course_id);
            flags.push(Resource::Flag(Box::new(flag::screening_flag(
                &id,
                client.id,
                completed_at,
                &found,
            ))));
        }
    }
    Ok(flags)
}

/// The screening thresholds in force, as the practice set them (the client page reads the
/// same keys with the same defaults).
fn thresholds(settings: &Snapshot) -> ScreeningSettings {
    let d = ScreeningSettings::default();
    let get = |key: &str, default: u32| {
        settings
            .get(key)
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    ScreeningSettings {
        bp_systolic_flag: get(keys::SCREEN_BP_SYSTOLIC, d.bp_systolic_flag),
        bp_diastolic_flag: get(keys::SCREEN_BP_DIASTOLIC, d.bp_diastolic_flag),
        minimum_age: get(keys::SCREEN_MIN_AGE, d.minimum_age),
    }
}

/// The instrument a response was answered on: that version, else (a built-in instrument
/// whose wording kapflow has since updated) the built-in one of that code.
fn instrument_of(customs: &[Instrument], code: &str, version: &str) -> Option<Instrument> {
    builtins()
        .into_iter()
        .chain(customs.iter().cloned())
        .find(|i| i.code == code && i.version == version)
        .or_else(|| builtin(code))
}

/// The practice-level resources that `resources` point at: a Practitioner for each staff
/// account referenced, the practice and each partner organisation referenced as
/// Organizations, and the Questionnaire of each instrument version a response answers — so
/// a Bundle of a client's record resolves every reference inside it. Resources already in
/// `resources` are not repeated.
pub async fn referenced(
    store: &Store,
    resources: &[Resource],
) -> Result<Vec<Resource>, StoreError> {
    let have: HashSet<String> = resources.iter().filter_map(local_id).collect();
    let mut wanted: BTreeSet<(String, String)> = BTreeSet::new();
    let mut canonicals: BTreeSet<String> = BTreeSet::new();
    for resource in resources {
        let json = serde_json::to_value(resource).map_err(|e| {
            StoreError::Corrupt(format!("a FHIR resource cannot be serialised: {e}"))
        })?;
        references(&json, &mut wanted);
        if let Resource::QuestionnaireResponse(r) = resource
            && let Some(q) = &r.questionnaire
        {
            canonicals.insert(q.0.clone());
        }
    }
    wanted.retain(|(kind, id)| !have.contains(&format!("{kind}/{id}")));
    let mut out = Vec::new();

    let staff: BTreeSet<&str> = wanted
        .iter()
        .filter(|(kind, _)| kind == "Practitioner")
        .map(|(_, id)| id.as_str())
        .collect();
    if !staff.is_empty() {
        out.extend(
            store
                .users()
                .list()
                .await?
                .iter()
                .filter(|u| staff.contains(u.id.to_string().as_str()))
                .map(|u| Resource::Practitioner(Box::new(practitioner::practitioner(u)))),
        );
    }

    let orgs: BTreeSet<&str> = wanted
        .iter()
        .filter(|(kind, _)| kind == "Organization")
        .map(|(_, id)| id.as_str())
        .collect();
    if orgs.contains(organization::PRACTICE_ID) {
        out.push(practice(store).await?);
    }
    if orgs.iter().any(|id| *id != organization::PRACTICE_ID) {
        out.extend(
            store
                .partner_orgs()
                .list()
                .await?
                .iter()
                .filter(|o| orgs.contains(o.id.to_string().as_str()))
                .map(|o| Resource::Organization(Box::new(organization::partner(o.id, &o.name)))),
        );
    }

    let answered: BTreeMap<String, (String, String)> = canonicals
        .iter()
        .filter_map(|c| {
            let (url, version) = c.split_once('|')?;
            let code = url.strip_prefix(&questionnaire::canonical(""))?;
            Some((
                questionnaire::questionnaire_id(code, version),
                (code.to_owned(), version.to_owned()),
            ))
        })
        .filter(|(id, _)| !have.contains(&format!("Questionnaire/{id}")))
        .collect();
    if !answered.is_empty() {
        let customs = if answered.values().any(|(code, _)| builtin(code).is_none()) {
            store.fhir_reads().custom_instrument_versions().await?
        } else {
            Vec::new()
        };
        let mut made = BTreeSet::new();
        for (code, version) in answered.values() {
            if let Some(instrument) = instrument_of(&customs, code, version) {
                let q = questionnaire::questionnaire(&instrument);
                if made.insert(questionnaire::questionnaire_id(
                    &instrument.code,
                    &instrument.version,
                )) {
                    out.push(Resource::Questionnaire(Box::new(q)));
                }
            }
        }
    }
    Ok(out)
}

/// Every staff account as a Practitioner (disabled ones inactive), oldest account first;
/// clients' portal accounts are not staff.
pub async fn practitioners(store: &Store) -> Result<Vec<Resource>, StoreError> {
    Ok(store
        .users()
        .list()
        .await?
        .iter()
        .filter(|u| u.role != Role::Client)
        .map(|u| Resource::Practitioner(Box::new(practitioner::practitioner(u))))
        .collect())
}

/// The practice and every partner organisation, as Organizations.
pub async fn organizations(store: &Store) -> Result<Vec<Resource>, StoreError> {
    let mut out = vec![practice(store).await?];
    out.extend(
        store
            .partner_orgs()
            .list()
            .await?
            .iter()
            .map(|o| Resource::Organization(Box::new(organization::partner(o.id, &o.name)))),
    );
    Ok(out)
}

/// Every instrument as a Questionnaire: the built-in ones, then every version of the
/// practice's own (a response names the version it answered, so each stays findable).
pub async fn questionnaires(store: &Store) -> Result<Vec<Resource>, StoreError> {
    Ok(builtins()
        .into_iter()
        .chain(store.fhir_reads().custom_instrument_versions().await?)
        .map(|i| Resource::Questionnaire(Box::new(questionnaire::questionnaire(&i))))
        .collect())
}

/// The practice as an Organization, by the name it gave at setup.
async fn practice(store: &Store) -> Result<Resource, StoreError> {
    let name = store
        .settings()
        .snapshot()
        .await?
        .get(keys::PRACTICE_NAME)
        .map(str::trim)
        .filter(|n| !n.is_empty())
        // FHIR refuses an empty string; a practice that skipped setup still has a name.
        .unwrap_or("The practice")
        .to_owned();
    Ok(Resource::Organization(Box::new(organization::practice(
        &name,
    ))))
}

/// `Kind/id` of a resource, as references on this server name it.
fn local_id(resource: &Resource) -> Option<String> {
    crate::kind_and_id(resource).map(|(kind, id)| format!("{kind}/{id}"))
}

/// Every `"reference": "Kind/id"` inside `json`, as (kind, id).
fn references(json: &serde_json::Value, into: &mut BTreeSet<(String, String)>) {
    match json {
        serde_json::Value::Object(map) => {
            for (key, value) in map {
                if key == "reference"
                    && let Some((kind, id)) = value.as_str().and_then(|r| r.split_once('/'))
                {
                    into.insert((kind.to_owned(), id.to_owned()));
                } else {
                    references(value, into);
                }
            }
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| references(v, into)),
        _ => {}
    }
}

/// The audit trail's record kinds that have a resource here: only these rows are read for
/// Provenance.
fn provenance_kinds() -> Vec<&'static str> {
    provenance::RECORD_KINDS.iter().map(|(k, _)| *k).collect()
}
