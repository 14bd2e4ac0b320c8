//! A client's whole record read from a real store (SQLite and PostgreSQL) as FHIR: every
//! kind the store lets a client have, valid against HL7's R4 schema, every reference
//! resolved, nothing of a psychotherapy note, a draft or another client, and every id traced
//! back to its client.

mod support;

use kapflow_domain::Role;
use kapflow_domain::calendar::NoteTemplate;
use kapflow_domain::consent::ConsentKind;
use kapflow_domain::measures::cssrs::{NO, YES};
use kapflow_domain::notes::NoteBody;
use kapflow_domain::time_util::now_utc;
use kapflow_fhir::record::{
    client_resources, organizations, practitioners, questionnaires, referenced,
};
use kapflow_store::notes::{NewNote, Signing};
use kapflow_store::store_test;
use kapflow_store::testkit::TestDb;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use support::records::*;
use support::validator::hl7_validator;
use support::world::*;
use time::Duration;
use uuid::Uuid;

const PSYCHOTHERAPY_NOTE: &str = "Countertransference: I felt protective of her today";
const DRAFT: &str = "Unfinished thought about the mother, not yet signed";
const SIGNED: &str = "Client reported sleeping better since the first session";
const OTHER_CLIENT: &str = "Bea's own session went quietly";

store_test!(
    a_clients_whole_record_is_valid_fhir_that_resolves_and_holds_nothing_it_must_not,
    async |db: &TestDb| {
        let w = world(db).await;
        let a = new_client(db, &w, "Ada Alpha", w.t1.0).await;
        let b = new_client(db, &w, "Bea Beta", w.t2.0).await;
        let t0 = now_utc() - Duration::hours(3);

        ready_for_dosing(db, &w, a).await;
        let (phq9_response, _) = answer(db, a, &phq9(), &w.t1.1, t0).await;
        // Before the C-SSRS: an open high-risk alert holds every dose.
        dosing_session(db, &w, a).await;
        let high = scored(
            "cssrs",
            &[
                ("q1", YES),
                ("q2", YES),
                ("q3", NO),
                ("q4", YES),
                ("q5", NO),
                ("q6", NO),
            ],
        );
        let (cssrs_response, alert) = answer(db, a, &high, &w.t1.1, t0 + Duration::hours(1)).await;
        assert!(alert, "a high C-SSRS raises a risk alert");
        let signed = note(db, &w, a, SIGNED, true).await;
        let draft = note(db, &w, a, DRAFT, false).await;
        let t1 = clinician(db, w.t1.0, Role::Therapist, a).await;
        db.store
            .psych_notes()
            .write(&t1, PSYCHOTHERAPY_NOTE, &w.t1.1, now_utc())
            .await
            .expect("psychotherapy note");
        book(db, &w, Some(a), time::macros::time!(10:00)).await;
        book(db, &w, None, time::macros::time!(13:00)).await;

        sign(db, b, ConsentKind::Kap, &w.t2.1).await;
        let b_note = {
            let notes = db.store.notes();
            let access = clinician(db, w.t2.0, Role::Therapist, b).await;
            let body = NoteBody(vec![("data".into(), OTHER_CLIENT.into())]);
            let new = NewNote {
                appointment: None,
                template: NoteTemplate::General,
                title: "General note",
                body: &body,
            };
            let id = notes
                .start(&access, &new, &w.t2.1, now_utc())
                .await
                .expect("start")
                .expect("started");
            assert_eq!(
                notes
                    .sign(&access, id, 1, &w.t2.1, now_utc())
                    .await
                    .expect("sign"),
                Signing::Done
            );
            id.as_uuid()
        };

        let resources = client_resources(&db.store, &seen(a)).await.expect("record");
        let practice = referenced(&db.store, &resources).await.expect("referenced");
        let record = json(&resources);
        let around = json(&practice);

        // Patient first; every kind the store let this client have; kinds in their order.
        assert_eq!(record[0]["resourceType"], "Patient");
        assert_eq!(record[0]["id"], a.to_string());
        let kinds: Vec<&str> = record
            .iter()
            .map(|r| r["resourceType"].as_str().expect("type"))
            .collect();
        let mut order: Vec<&str> = kinds.clone();
        order.dedup();
        assert_eq!(
            order,
            [
                "Patient",
                "EpisodeOfCare",
                "Encounter",
                "Appointment",
                "QuestionnaireResponse",
                "Observation",
                "QuestionnaireResponse",
                "Observation",
                "MedicationRequest",
                "MedicationDispense",
                "MedicationAdministration",
                "Consent",
                "DocumentReference",
                "Flag",
                "Provenance",
            ],
            "{kinds:?}"
        );
        let count = |kind: &str| kinds.iter().filter(|k| **k == kind).count();
        assert_eq!(count("Appointment"), 1, "the hold is nobody's appointment");
        assert_eq!(count("DocumentReference"), 1, "the draft is not a document");
        assert_eq!(count("Consent"), 2);
        assert_eq!(count("MedicationAdministration"), 2);
        let by_id: BTreeMap<String, &Value> = record.iter().map(|r| (local_id(r), r)).collect();
        assert_eq!(by_id.len(), record.len(), "ids are unique");
        let episode = by_id
            .values()
            .find(|r| r["resourceType"] == "EpisodeOfCare")
            .expect("a course");
        assert_eq!(
            episode["careManager"]["reference"],
            format!("Practitioner/{}", w.t1.0)
        );
        let history = episode["extension"]
            .as_array()
            .expect("extensions")
            .iter()
            .filter(|e| e["url"] == kapflow_fhir::episode::STAGE_HISTORY_EXTENSION)
            .count();
        assert!(
            history >= 5,
            "the course's stages from assessment to dosing"
        );
        let booster = by_id
            .values()
            .find(|r| {
                r["resourceType"] == "MedicationAdministration" && r["status"] == "entered-in-error"
            })
            .expect("the corrected booster");
        assert_eq!(booster["dosage"]["dose"]["value"], 50);
        assert!(by_id.contains_key(&format!("QuestionnaireResponse/{phq9_response}")));
        assert!(by_id.contains_key(&format!("Observation/{phq9_response}-total")));
        assert!(by_id.contains_key(&format!("QuestionnaireResponse/{cssrs_response}")));
        assert!(
            !by_id.contains_key(&format!("Observation/{cssrs_response}-total")),
            "the C-SSRS has no LOINC total"
        );
        assert!(by_id.contains_key(&format!("DocumentReference/{signed}")));
        assert!(!by_id.contains_key(&format!("DocumentReference/{draft}")));
        let flags: Vec<&str> = by_id
            .keys()
            .filter(|k| k.starts_with("Flag/"))
            .map(String::as_str)
            .collect();
        assert_eq!(
            flags.len(),
            2,
            "the risk alert and the intake's raised blood pressure: {flags:?}"
        );
        assert_eq!(
            count("Observation"),
            1 + 2 * 4,
            "the PHQ-9 total, and blood pressure, heart rate, SpO2 and breathing twice"
        );

        // Valid against HL7's schema: the record, what it references, and the API's lists.
        let listed = [
            practitioners(&db.store).await.expect("practitioners"),
            organizations(&db.store).await.expect("organizations"),
            questionnaires(&db.store).await.expect("questionnaires"),
        ]
        .concat();
        assert_eq!(
            json(&listed)
                .iter()
                .filter(|r| r["resourceType"] == "Practitioner")
                .count(),
            5,
            "every staff account"
        );
        let everything: Vec<Value> = record
            .iter()
            .chain(&around)
            .cloned()
            .chain(json(&listed))
            .collect();
        if let Some(checked) = hl7_validator(&everything) {
            checked.expect("valid FHIR R4");
        }

        // What must never leave: the psychotherapy note, the draft, another client.
        let text: String = record
            .iter()
            .chain(&around)
            .map(|r| {
                let mut s = r.to_string();
                // Note texts travel in base64: read them back to search them.
                for c in r["content"].as_array().into_iter().flatten() {
                    if let Some(data) = c["attachment"]["data"].as_str() {
                        use base64::Engine;
                        let bytes = base64::engine::general_purpose::STANDARD
                            .decode(data)
                            .expect("base64");
                        s.push_str(&String::from_utf8(bytes).expect("utf-8"));
                    }
                }
                s
            })
            .collect();
        assert!(
            text.contains(SIGNED),
            "the signed note's text is there, decoded"
        );
        for never in [PSYCHOTHERAPY_NOTE, DRAFT, OTHER_CLIENT, "Bea Beta"] {
            assert!(!text.contains(never), "{never:?} left in the record");
        }
        assert!(!text.contains(&b.to_string()), "another client's id");
        let theirs = json(
            &client_resources(&db.store, &seen(b))
                .await
                .expect("b's record"),
        );
        assert!(theirs.iter().any(|r| r["id"] == b_note.to_string()));
        for r in &theirs {
            assert!(
                !by_id.contains_key(&local_id(r)),
                "{} of Bea in Ada's record",
                local_id(r)
            );
        }

        // Every reference resolves inside the record and what it references.
        let known: BTreeSet<String> = record.iter().chain(&around).map(local_id).collect();
        let mut pointed = BTreeSet::new();
        for r in record.iter().chain(&around) {
            references(r, &mut pointed);
        }
        let dangling: Vec<&String> = pointed.difference(&known).collect();
        assert!(dangling.is_empty(), "unresolved references: {dangling:?}");
        for kind in ["Practitioner", "Organization", "Questionnaire"] {
            assert!(
                around.iter().any(|r| r["resourceType"] == kind),
                "no {kind} referenced"
            );
        }
        assert!(around.iter().any(|r| r["id"] == "practice"));

        // Every record's UUID finds its client; nothing else does.
        let reads = db.store.fhir_reads();
        let provenance = by_id
            .keys()
            .find_map(|k| k.strip_prefix("Provenance/"))
            .expect("a provenance");
        for id in [
            phq9_response.to_string(),
            signed.to_string(),
            provenance.to_owned(),
        ] {
            let id = Uuid::parse_str(&id).expect("uuid");
            assert_eq!(reads.client_of_record(id).await.expect("lookup"), Some(a));
        }
        assert_eq!(
            reads.client_of_record(b_note).await.expect("lookup"),
            Some(b)
        );
        assert_eq!(
            reads
                .client_of_record(Uuid::now_v7())
                .await
                .expect("lookup"),
            None
        );
        for id in by_id.values().filter_map(|r| r["id"].as_str()) {
            let uuid = id
                .get(..36)
                .and_then(|u| Uuid::parse_str(u).ok())
                .expect("a uuid first");
            assert_eq!(
                reads.client_of_record(uuid).await.expect("lookup"),
                Some(a),
                "{id}"
            );
        }
    }
);
