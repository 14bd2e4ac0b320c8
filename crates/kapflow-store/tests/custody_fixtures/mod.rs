//! What the custody log tests share: a prescription and a dosing session written directly
//! (the session pages and their store have tests of their own), entries of each kind, and one
//! call that logs an entry under a fresh key.

#![allow(dead_code)]

use crate::common::*;
use kapflow_domain::dosing::custody::{CustodyKind, NewCustodyEntry};
use kapflow_domain::dosing::session::Status;
use kapflow_domain::prescribing::DoseForm;
use kapflow_domain::{Actor, ClientId, CourseId, DosingSessionId, UserId};
use kapflow_store::Backend;
use kapflow_store::custody::{CustodyRefused, CustodyRow};
use kapflow_store::testkit::{TestDb, raw_execute};
use time::OffsetDateTime;
use uuid::Uuid;

/// Runs SQL built for this test's backend. The testkit takes only `'static` text (as sqlx
/// does); leaking a few short statements in a test process is harmless.
pub async fn sql(db: &TestDb, text: String) {
    let text: &'static str = Box::leak(text.into_boxed_str());
    raw_execute(db, text)
        .await
        .unwrap_or_else(|e| panic!("{text}: {e}"));
}

/// A UUID as a literal of the backend's column type.
pub fn id(db: &TestDb, u: Uuid) -> String {
    match db.store.backend() {
        Backend::Sqlite => format!("X'{}'", u.simple()),
        Backend::Postgres => format!("'{u}'"),
    }
}

/// A prescription on `course` by `prescriber`: `dose_ug` (NULL: the strength), whether it may
/// be split, and the booster allowed.
pub async fn prescription(
    db: &TestDb,
    course: CourseId,
    prescriber: UserId,
    dose_ug: Option<i64>,
    split: bool,
    booster_ug: Option<i64>,
) -> Uuid {
    let rx = Uuid::now_v7();
    let null = |v: Option<i64>| v.map_or("NULL".to_owned(), |v| v.to_string());
    sql(
        db,
        format!(
            "INSERT INTO prescriptions (id, course_id, prescriber_id, drug, form, strength_mg, \
             quantity, directions, pharmacy, prescribed_at, dose_ug, split_allowed, booster_ug) \
             VALUES ({}, {}, {}, 'Ketamine HCl', 'troche', 100, 6, 'Hold 12 minutes', \
             'Main St Pharmacy', '2025-01-01T00:00:00Z', {}, {}, {})",
            id(db, rx),
            id(db, course.as_uuid()),
            id(db, prescriber.as_uuid()),
            null(dose_ug),
            if split { "TRUE" } else { "FALSE" },
            null(booster_ug)
        ),
    )
    .await;
    rx
}

/// A dosing session of `client`'s current course in `status`.
pub async fn session(
    db: &TestDb,
    client: ClientId,
    number: i64,
    rx: Option<Uuid>,
    by: UserId,
    status: Status,
) -> DosingSessionId {
    let course = current_course(db, client).await.id;
    let s = DosingSessionId::new();
    sql(
        db,
        format!(
            "INSERT INTO dosing_sessions (id, course_id, client_id, number, prescription_id, \
             status, prepared_by, prepared_at) VALUES ({}, {}, {}, {number}, {}, '{}', {}, \
             '2025-01-01T00:00:00Z')",
            id(db, s.as_uuid()),
            id(db, course.as_uuid()),
            id(db, client.as_uuid()),
            rx.map_or("NULL".to_owned(), |r| id(db, r)),
            status.as_str(),
            id(db, by.as_uuid())
        ),
    )
    .await;
    s
}

pub async fn set_status(db: &TestDb, s: DosingSessionId, status: Status) {
    sql(
        db,
        format!(
            "UPDATE dosing_sessions SET status = '{}' WHERE id = {}",
            status.as_str(),
            id(db, s.as_uuid())
        ),
    )
    .await;
}

pub fn brought(count: i64) -> NewCustodyEntry {
    let mut e = NewCustodyEntry::empty(CustodyKind::Brought);
    e.drug = Some("Ketamine HCl".into());
    e.dose_form = Some(DoseForm::Troche);
    e.strength_ug = Some(100_000);
    e.count = Some(count);
    e.pharmacy = Some("Main St Pharmacy".into());
    e.rx_number = Some("RX-1042".into());
    e
}

pub fn taken(kind: CustodyKind, amount_ug: i64) -> NewCustodyEntry {
    let mut e = NewCustodyEntry::empty(kind);
    e.amount_ug = Some(amount_ug);
    e.held_minutes = Some(12);
    e.spat_out = Some("saliva".into());
    e.disposal = Some("into a cup, flushed".into());
    e
}

pub fn counted(kind: CustodyKind, count: i64) -> NewCustodyEntry {
    let mut e = NewCustodyEntry::empty(kind);
    e.count = Some(count);
    e
}

pub fn noted(kind: CustodyKind, note: &str, corrects: Option<i64>) -> NewCustodyEntry {
    let mut e = NewCustodyEntry::empty(kind);
    e.note = note.into();
    e.corrects_seq = corrects;
    e
}

/// Logs `e` on `s` under a fresh key at `at`.
pub async fn log(
    db: &TestDb,
    c: ClientId,
    s: DosingSessionId,
    e: &NewCustodyEntry,
    by: &Actor,
    at: OffsetDateTime,
) -> Result<CustodyRow, CustodyRefused> {
    db.store
        .custody()
        .record(&seen(c), s, &Uuid::now_v7().to_string(), e, by, at)
        .await
        .expect("store")
}

/// Whether the session's `dosed_at` is the time of its first dose entry (compared in the
/// database, so each backend compares its own stored form).
pub async fn dosed_at_is_first_dose(db: &TestDb, s: DosingSessionId) -> bool {
    let s = id(db, s.as_uuid());
    let text = format!(
        "UPDATE dosing_sessions SET dosed_at = dosed_at WHERE id = {s} AND dosed_at = (SELECT \
         at FROM custody_entries WHERE session_id = {s} AND kind = 'dose' ORDER BY seq LIMIT 1)"
    );
    let text: &'static str = Box::leak(text.into_boxed_str());
    raw_execute(db, text).await.expect("compare") == 1
}
