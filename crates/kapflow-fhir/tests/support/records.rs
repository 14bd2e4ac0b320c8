//! The records a client's whole record is made of, written through the store's own calls
//! (questionnaires, a dosing session, notes, bookings), for the record tests.

use super::world::*;
use kapflow_domain::calendar::{Booking, NoteTemplate};
use kapflow_domain::dosing::custody::{CustodyKind, NewCustodyEntry};
use kapflow_domain::dosing::entries::{MeasuredBy, RideHome, VitalsEntry};
use kapflow_domain::dosing::vitals::{Thresholds, Vitals};
use kapflow_domain::measures::schedule::{AlertTiming, Channel};
use kapflow_domain::measures::{MeasureSettings, Scored, builtin, score};
use kapflow_domain::notes::NoteBody;
use kapflow_domain::prescribing::DoseForm;
use kapflow_domain::time_util::now_utc;
use kapflow_domain::token::token_hash;
use kapflow_domain::{Actor, ClientId, Role};
use kapflow_fhir::r4::resources::Resource;
use kapflow_store::calendar::Booked;
use kapflow_store::dosing::Prepared;
use kapflow_store::measures::Submission;
use kapflow_store::notes::{NewNote, Saved, Signing};
use kapflow_store::testkit::TestDb;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

/// The `itemN: value` answers of a built-in instrument, scored.
pub fn scored(code: &str, answers: &[(&str, u8)]) -> Scored {
    let instrument = builtin(code).expect("built in");
    let answers: BTreeMap<String, u8> =
        answers.iter().map(|(k, v)| ((*k).to_owned(), *v)).collect();
    score(&instrument, &answers, &MeasureSettings::default()).expect("scored")
}

pub fn phq9() -> Scored {
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
pub async fn answer(
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

pub fn vitals(systolic: u16, is_final: bool) -> VitalsEntry {
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
pub async fn dosing_session(db: &TestDb, w: &World, c: ClientId) {
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
pub async fn note(db: &TestDb, w: &World, c: ClientId, text: &str, signed: bool) -> Uuid {
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
pub fn weekday() -> time::Date {
    let mut d = now_utc().date() + Duration::days(7);
    while matches!(d.weekday(), time::Weekday::Saturday | time::Weekday::Sunday) {
        d = d.next_day().expect("day");
    }
    d
}

pub async fn book(db: &TestDb, w: &World, c: Option<ClientId>, at: time::Time) {
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

pub fn json(resources: &[Resource]) -> Vec<Value> {
    resources
        .iter()
        .map(|r| serde_json::to_value(r).expect("json"))
        .collect()
}

pub fn local_id(r: &Value) -> String {
    format!(
        "{}/{}",
        r["resourceType"].as_str().expect("type"),
        r["id"].as_str().expect("id")
    )
}

pub fn references(v: &Value, into: &mut BTreeSet<String>) {
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
