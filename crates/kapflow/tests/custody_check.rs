//! `kapflow check` verifies the medication custody log: a log kapflow wrote passes, and an
//! entry changed by someone with the database file (triggers dropped) is named.

mod support;

use kapflow_domain::audit::{AuditKey, AuditKeyring};
use kapflow_domain::client::ClientInput;
use kapflow_domain::dosing::custody::{CustodyKind, NewCustodyEntry};
use kapflow_domain::time_util::now_utc;
use kapflow_domain::{Actor, DosingSessionId, Email, Role};
use kapflow_store::clients::Created;
use support::{OWNER_FORM, Server, check, embedded_store, path_of, runtime};

/// Logs what was brought and the dose taken on a new client's session through the store, as
/// the monitor would, with the practice's own audit key; returns the dose entry's id.
async fn log_two_entries(data: &std::path::Path) -> uuid::Uuid {
    let store = embedded_store(data).await;
    let key_text = std::fs::read_to_string(data.join("audit-key")).expect("the key file");
    let key = AuditKey::from_file_text(&key_text).expect("a key");
    store
        .audit()
        .use_keys(AuditKeyring::new([key]).expect("ring"), None);
    let email = Email::parse("catherine@example.org").expect("email");
    let owner = store
        .users()
        .by_email(&email)
        .await
        .expect("users")
        .expect("the owner")
        .id;
    let actor = Actor::user(owner, Role::Owner, None, None);
    let now = now_utc();
    let input = ClientInput {
        legal_name: "Ada Client".into(),
        date_of_birth: "1985-03-14".into(),
        support_name: "Sam Support".into(),
        support_phone: "555-123-4567".into(),
        concerns: vec!["depression".into()],
        ..ClientInput::default()
    }
    .validate(kapflow_domain::zone::PracticeZone::utc().today(now))
    .expect("valid");
    let Created::Client(client) = store
        .clients()
        .create("custody-check", &input, None, &[owner], &actor, now)
        .await
        .expect("create")
    else {
        panic!("client not created")
    };
    let access = kapflow_store::access::for_tests(client);
    let course = store
        .courses()
        .current(&access)
        .await
        .expect("course")
        .expect("a course")
        .id;
    // The session pages are not part of this test: the session row is written directly.
    let (session, rx) = (DosingSessionId::new(), uuid::Uuid::now_v7());
    let blob = |u: uuid::Uuid| format!("X'{}'", u.simple());
    let prescription = format!(
        "INSERT INTO prescriptions (id, course_id, prescriber_id, drug, form, strength_mg, \
         quantity, directions, pharmacy, prescribed_at) VALUES ({}, {}, {}, 'Ketamine HCl', \
         'troche', 100, 6, 'One in session', 'Pharmacy', '2025-01-01T00:00:00Z')",
        blob(rx),
        blob(course.as_uuid()),
        blob(owner.as_uuid())
    );
    let sql = format!(
        "INSERT INTO dosing_sessions (id, course_id, client_id, number, prescription_id, status, \
         prepared_by, prepared_at) VALUES ({}, {}, {}, 1, {}, 'open', {}, '2025-01-01T00:00:00Z')",
        blob(session.as_uuid()),
        blob(course.as_uuid()),
        blob(client.as_uuid()),
        blob(rx),
        blob(owner.as_uuid())
    );
    raw_sql(data, &[&prescription, &sql]).await;
    let mut brought = NewCustodyEntry::empty(CustodyKind::Brought);
    brought.drug = Some("Ketamine HCl".into());
    brought.count = Some(6);
    let mut dose = NewCustodyEntry::empty(CustodyKind::Dose);
    dose.amount_ug = Some(100_000);
    dose.held_minutes = Some(12);
    let clinical = access.clinical().expect("clinical");
    let mut ids = Vec::new();
    for (k, e) in [brought, dose].iter().enumerate() {
        let row = store
            .custody()
            .record(&clinical, session, &format!("k{k}"), e, &actor, now)
            .await
            .expect("store")
            .expect("logged");
        ids.push(row.entry.id);
    }
    store.close().await;
    ids[1]
}

/// Runs statements on the embedded database, as someone with file access could.
async fn raw_sql(data: &std::path::Path, statements: &[&str]) {
    use sqlx::Connection;
    let db = data.join("kapflow.db");
    let mut c = sqlx::SqliteConnection::connect(&format!("sqlite://{}", db.display()))
        .await
        .expect("open");
    for sql in statements {
        sqlx::query(sqlx::AssertSqlSafe(sql.to_string()))
            .execute(&mut c)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
    }
}

#[test]
fn check_names_a_changed_custody_entry() {
    let dir = tempfile::tempdir().expect("dir");
    let server = Server::start(dir.path(), None);
    let link = path_of(server.setup_link.as_deref().expect("link"));
    assert_eq!(server.post_form(&link, OWNER_FORM).status, 200);
    drop(server);
    let rt = runtime();
    let changed = rt.block_on(log_two_entries(dir.path()));
    let (ok, out) = check(dir.path(), None);
    assert!(ok, "{out}");
    assert!(out.contains("custody log: ok (2 entries"), "{out}");

    // Someone with the file drops the trigger and lowers the dose taken.
    rt.block_on(raw_sql(
        dir.path(),
        &[
            "DROP TRIGGER custody_entries_no_update",
            "UPDATE custody_entries SET amount_ug = 50000 WHERE seq = 2",
        ],
    ));
    let (ok, out) = check(dir.path(), None);
    assert!(!ok, "check must fail: {out}");
    assert!(out.contains("custody log: BROKEN at entry 2"), "{out}");
    assert!(out.contains(&changed.to_string()), "{out}");
}
