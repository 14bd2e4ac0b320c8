//! A client's whole record read from a real store (SQLite and PostgreSQL) as FHIR: every
//! kind the store lets a client have, valid against HL7's R4 schema, every reference
//! resolved, nothing of a psychotherapy note, a draft or another client, and every id traced
//! back to its client.

mod support;

use kapflow_domain::calendar::{Booking, NoteTemplate};
use kapflow_domain::consent::ConsentKind;
use kapflow_domain::dosing::custody::{CustodyKind, NewCustodyEntry};
use kapflow_domain::dosing::entries::{MeasuredBy, RideHome, VitalsEntry};
use kapflow_domain::dosing::vitals::{Thresholds, Vitals};
use kapflow_domain::measures::cssrs::{NO, YES};
use kapflow_domain::measures::schedule::{AlertTiming, Channel};
use kapflow_domain::measures::{MeasureSettings, Scored, builtin, score};
use kapflow_domain::notes::NoteBody;
use kapflow_domain::prescribing::DoseForm;
use kapflow_domain::time_util::now_utc;
use kapflow_domain::token::token_hash;
use kapflow_domain::{Actor, ClientId, Role};
use kapflow_fhir::r4::resources::Resource;
use kapflow_fhir::record::{
    client_resources, organizations, practitioners, questionnaires, referenced,
};
use kapflow_store::calendar::Booked;
use kapflow_store::dosing::Prepared;
use kapflow_store::measures::Submission;
use kapflow_store::notes::{NewNote, Saved, Signing};
use kapflow_store::store_test;
use kapflow_store::testkit::TestDb;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use support::validator::hl7_validator;
use support::world::*;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

const PSYCHOTHERAPY_NOTE: &str = "Countertransference: I felt protective of her today";
const DRAFT: &str = "Unfinished thought about the mother, not yet signed";
const SIGNED: &str = "Client reported sleeping better since the first session";
const OTHER_CLIENT: &str = "Bea's own session went quietly";

/// The `itemN: value` answers of a built-in instrument, scored.
fn scored(code: &str, answers: &[(&str, u8)]) -> Scored {
    let instrument = builtin(code).expect("built in");
    let answers: BTreeMap<String, u8> =
        answers.iter().map(|(k, v)| ((*k).to_owned(), *v)).collect();
    score(&instrument, &answers, &MeasureSettings::default()).expect("scored")
}

fn phq9() -> Scored {
    let instrument = builtin("phq9").expect("phq9");
    let answers: Vec<(String, u8)> = instrument
        .items
        .iter()
        .zip([2, 2, 1, 2, 1, 1, 2, 1, 0])
        .map(|(item, v)| (item.code.clone(), v))
        .collect();
    let answers: Vec<(&str, u8)> = answers.iter().map(|(k, v)| (k.as_str(), *v)).collect();
    scored("phq9", &answers)
}

/// The client answers `scored` through a link of their open request of its instrument (one
/// is added when the schedule has none); the response's id and whether it raised an alert.
async fn answer(
    db: &TestDb,
    c: ClientId,
    s: &Scored,
    by: &Actor,
    at: OffsetDateTime,
) -> (Uuid, bool) {
    let measures = db.store.measures();
    let open = |rows: Vec<kapflow_store::measures::RequestRow>| {
        rows.into_iter().find(|r| {
            r.instrument == s.instrument && r.completed_at.is_none() && r.cancelled_at.is_none()
        })
    };
    let request = match open(measures.requests(&seen(c)).await.expect("requests")) {
        Some(r) => r,
        None => {
            assert!(
                measures
                    .add_request(&seen(c), &s.instrument, at.date(), by, at)
                    .await
                    .expect("request")
            );
            open(measures.requests(&seen(c)).await.expect("requests")).expect("added")
        }
    };
    let token = format!("token-{}", Uuid::now_v7());
    assert!(
        measures
            .issue_link(
                &seen(c),
                request.id,
                &token_hash(&token),
                Channel::Email,
                Duration::days(30),
                "http://x/m/t",
                by,
                at,
            )
            .await
            .expect("link")
    );
    let timing = AlertTiming {
        escalate_after: Duration::hours(24),
        escalate_high_after: Duration::hours(1),
    };
    match measures
        .submit(&token_hash(&token), s, timing, at)
        .await
        .expect("submit")
    {
        Submission::Recorded { response, alert } => (response.as_uuid(), alert),
        other => panic!("{other:?}"),
    }
}

fn vitals(systolic: u16, is_final: bool) -> VitalsEntry {
    VitalsEntry {
        vitals: Vitals {
            systolic,
            diastolic: 82,
            heart_rate: 76,
            spo2: 98,
            respiratory_rate: Some(14),
        },
        measured_by: MeasuredBy::Therapist,
        minutes_ago: 0,
        is_final,
    }
}

/// A dosing session of client `c`: the medication brought, pre-dose vitals, opened, a dose
/// and a booster taken, the booster corrected (logged in error), vitals during.
async fn dosing_session(db: &TestDb, w: &World, c: ClientId) {
    let (s, t, by, now) = (db.store.dosing(), Thresholds::default(), &w.t1.1, now_utc());
    let Prepared::Session(id) = s.prepare(&seen(c), by, now).await.expect("prepare") else {
        panic!("not prepared");
    };
    let custody = |entry: NewCustodyEntry, key: &'static str| async move {
        db.store
            .custody()
            .record(&seen(c), id, key, &entry, by, now_utc())
            .await
            .expect("custody")
            .expect("logged");
    };
    custody(
        NewCustodyEntry {
            drug: Some("Ketamine HCl".into()),
            dose_form: Some(DoseForm::Troche),
            strength_ug: Some(100_000),
            count: Some(4),
            pharmacy: Some("Compounding Pharmacy".into()),
            rx_number: Some("RX-1".into()),
            ..NewCustodyEntry::empty(CustodyKind::Brought)
        },
        "brought",
    )
    .await;
    s.vitals(&seen(c), id, "pre", &vitals(122, false), now, &t, by, now)
        .await
        .expect("vitals")
        .expect("pre-dose");
    let ride = RideHome {
        name: "Sam Support".into(),
        phone: None,
    };
    assert!(
        s.ride_home(&seen(c), id, &ride, by, now)
            .await
            .expect("ride")
    );
    assert!(
        s.skip_measures(&seen(c), id, "Answered at the intake this week.", by, now)
            .await
            .expect("skip")
    );
    s.start(&seen(c), id, &t, by, now)
        .await
        .expect("start")
        .expect("opened");
    custody(
        NewCustodyEntry {
            amount_ug: Some(100_000),
            held_minutes: Some(15),
            ..NewCustodyEntry::empty(CustodyKind::Dose)
        },
        "dose",
    )
    .await;
    custody(
        NewCustodyEntry {
            amount_ug: Some(50_000),
            held_minutes: Some(10),
            ..NewCustodyEntry::empty(CustodyKind::Booster)
        },
        "booster",
    )
    .await;
    let booster = db
        .store
        .custody()
        .for_session(&seen(c), id)
        .await
        .expect("log")
        .into_iter()
        .find(|row| row.entry.what.kind == CustodyKind::Booster)
        .expect("booster logged")
        .entry
        .seq;
    custody(
        NewCustodyEntry {
            corrects_seq: Some(booster),
            note: "Booster logged on the wrong session.".into(),
            ..NewCustodyEntry::empty(CustodyKind::Correction)
        },
        "correction",
    )
    .await;
    let later = now + Duration::minutes(40);
    s.vitals(
        &seen(c),
        id,
        "v40",
        &vitals(128, false),
        later,
        &t,
        by,
        later,
    )
    .await
    .expect("vitals")
    .expect("during");
}

/// A note of `c` by `t1` with `text`, signed with an addendum when `signed`; its id.
async fn note(db: &TestDb, w: &World, c: ClientId, text: &str, signed: bool) -> Uuid {
    let notes = db.store.notes();
    let access = clinician(db, w.t1.0, Role::Therapist, c).await;
    let now = now_utc();
    let body = NoteBody(vec![
        ("data".into(), text.into()),
        ("assessment".into(), "Mood improving.".into()),
        ("plan".into(), "Integration next week.".into()),
    ]);
    let empty = NoteBody::default();
    let new = NewNote {
        appointment: None,
        template: NoteTemplate::General,
        title: "General note",
        body: &empty,
    };
    let id = notes
        .start(&access, &new, &w.t1.1, now)
        .await
        .expect("start")
        .expect("started");
    assert_eq!(
        notes
            .save(&access, id, &body, 1, &w.t1.1, now)
            .await
            .expect("save"),
        Saved::Done(2)
    );
    if signed {
        assert_eq!(
            notes
                .sign(&access, id, 2, &w.t1.1, now)
                .await
                .expect("sign"),
            Signing::Done
        );
        notes
            .add_addendum(&access, id, "Called the next day: well.", &w.t1.1, now)
            .await
            .expect("addendum")
            .expect("added");
    }
    id.as_uuid()
}

/// Next week's first weekday (working hours are Monday to Friday).
fn weekday() -> time::Date {
    let mut d = now_utc().date() + Duration::days(7);
    while matches!(d.weekday(), time::Weekday::Saturday | time::Weekday::Sunday) {
        d = d.next_day().expect("day");
    }
    d
}

async fn book(db: &TestDb, w: &World, c: Option<ClientId>, at: time::Time) {
    let booking = Booking {
        session_type: "integration".into(),
        date: weekday(),
        time: at,
        minutes: 50,
        clinician: w.t1.0,
        second_clinician: Some(w.t2.0),
        room: None,
        telehealth: false,
        video_link: None,
        repeat: None,
        title: c.is_none().then(|| "Supervision".into()),
    };
    let access = c.map(for_tests);
    let booked = db
        .store
        .calendar()
        .book(access.as_ref(), &booking, &w.front.1, now_utc())
        .await
        .expect("book");
    assert!(matches!(booked, Booked::Done(_)), "{booked:?}");
}

fn json(resources: &[Resource]) -> Vec<Value> {
    resources
        .iter()
        .map(|r| serde_json::to_value(r).expect("json"))
        .collect()
}

fn local_id(r: &Value) -> String {
    format!(
        "{}/{}",
        r["resourceType"].as_str().expect("type"),
        r["id"].as_str().expect("id")
    )
}

fn references(v: &Value, into: &mut BTreeSet<String>) {
    match v {
        Value::Object(map) => {
            for (k, v) in map {
                match (k.as_str(), v) {
                    ("reference", Value::String(r)) => {
                        into.insert(r.clone());
                    }
                    _ => references(v, into),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| references(v, into)),
        _ => {}
    }
}

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
