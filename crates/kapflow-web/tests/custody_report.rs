//! The custody reports: one client's log (its care team), the practice's (the owner's), each
//! as a printable page and as CSV that is the same bytes every time it is asked for, with the
//! download audited.

mod support;

use axum::http::StatusCode;
use kapflow_domain::dosing::custody::{CustodyKind, NewCustodyEntry};
use kapflow_domain::prescribing::DoseForm;
use kapflow_domain::time_util::now_utc;
use kapflow_domain::{ClientId, DosingSessionId};
use kapflow_store::Backend;
use kapflow_store::access::for_tests;
use kapflow_store::testkit::raw_execute;
use support::clinic::{clinic, clinical};
use support::{Person, TestApp, on_both_backends};
use uuid::Uuid;

fn lit(t: &TestApp, u: Uuid) -> String {
    match t.db.store.backend() {
        Backend::Sqlite => format!("X'{}'", u.simple()),
        Backend::Postgres => format!("'{u}'"),
    }
}

/// An open dosing session on client `c`'s current course and active prescription (written
/// directly: the session pages have tests of their own).
async fn open_session(t: &TestApp, c: ClientId, by: &Person) -> DosingSessionId {
    let s = &t.db.store;
    let course = s
        .courses()
        .current(&for_tests(c))
        .await
        .expect("course")
        .expect("a course");
    let rx = s
        .prescribing()
        .prescriptions(&clinical(t, by, c).await, course.id)
        .await
        .expect("rx")
        .into_iter()
        .next()
        .expect("a prescription");
    let id = DosingSessionId::new();
    let text = format!(
        "INSERT INTO dosing_sessions (id, course_id, client_id, number, prescription_id, status, \
         prepared_by, prepared_at) VALUES ({}, {}, {}, 1, {}, 'open', {}, '2025-01-01T00:00:00Z')",
        lit(t, id.as_uuid()),
        lit(t, course.id.as_uuid()),
        lit(t, c.as_uuid()),
        lit(t, rx.id.as_uuid()),
        lit(t, by.id.as_uuid())
    );
    // The testkit takes `'static` SQL, as sqlx does; one leaked statement per test is harmless.
    raw_execute(&t.db, Box::leak(text.into_boxed_str()))
        .await
        .expect("session");
    id
}

async fn flow(t: TestApp) {
    let c = clinic(&t).await;
    let s = open_session(&t, c.a, &c.t1).await;
    let mut brought = NewCustodyEntry::empty(CustodyKind::Brought);
    brought.drug = Some("Ketamine HCl".into());
    brought.dose_form = Some(DoseForm::Troche);
    brought.strength_ug = Some(100_000);
    brought.count = Some(6);
    brought.pharmacy = Some("=Main St Pharmacy".into());
    brought.rx_number = Some("RX-1042".into());
    let mut dose = NewCustodyEntry::empty(CustodyKind::Dose);
    dose.amount_ug = Some(62_500);
    dose.held_minutes = Some(12);
    let mut back = NewCustodyEntry::empty(CustodyKind::Returned);
    back.count = Some(5);
    let access = clinical(&t, &c.t1, c.a).await;
    let actor = kapflow_domain::Actor::user(c.t1.id, c.t1.role, None, None);
    for (k, e) in [brought, dose, back].iter().enumerate() {
        t.db.store
            .custody()
            .record(&access, s, &format!("k{k}"), e, &actor, now_utc())
            .await
            .expect("store")
            .expect("logged");
    }

    // The client's report, this month by default, to the care team.
    let page = t
        .get(&format!("/clients/{}/custody", c.a), Some(&c.t1))
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    for says in [
        "Medication custody log",
        "Ketamine HCl, Troche (lozenge), 100 mg",
        "62.5 mg; held 12 min; nothing spat out",
        "5 handed back",
        "Totals for the period",
    ] {
        assert!(page.body.contains(says), "{says}: {}", page.body);
    }
    let other = t
        .get(&format!("/clients/{}/custody", c.b), Some(&c.t1))
        .await;
    assert_eq!(other.status, StatusCode::NOT_FOUND, "not their client");
    let bad = t
        .get(
            &format!("/clients/{}/custody?from=2026-13-01", c.a),
            Some(&c.t1),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("Enter the From date"), "{}", bad.body);

    // The practice's report is the owner's; its CSV is the same bytes each time.
    let today = kapflow_domain::zone::PracticeZone::utc().today(now_utc());
    let uri = format!("/reports/custody?from={today}&to={today}&format=csv");
    assert_eq!(t.get(&uri, Some(&c.t1)).await.status, StatusCode::FORBIDDEN);
    let first = t.get(&uri, Some(&c.owner)).await;
    assert_eq!(first.status, StatusCode::OK);
    assert_eq!(
        first
            .headers
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("text/csv; charset=utf-8")
    );
    let second = t.get(&uri, Some(&c.owner)).await;
    assert_eq!(first.body, second.body, "reproducible from the log");
    let lines: Vec<&str> = first.body.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(lines.len(), 4, "a header and three entries: {}", first.body);
    assert!(lines[0].starts_with("seq,time_utc,client_id"));
    assert!(
        lines[1].contains(",'=Main St Pharmacy,"),
        "guarded: {}",
        lines[1]
    );
    assert!(lines[2].contains(",dose,") && lines[2].contains(",62500,12,"));
    assert_eq!(t.audit_of_action("custody.exported", 10).await.len(), 2);
    let html = t.get("/reports/custody", Some(&c.owner)).await;
    assert_eq!(html.status, StatusCode::OK);
    assert!(html.body.contains("Medication custody log: the practice"));
    assert!(html.body.contains("<th scope=\"col\">Client</th>"));
}

on_both_backends!(flow, custody_reports_sqlite, custody_reports_postgres);
