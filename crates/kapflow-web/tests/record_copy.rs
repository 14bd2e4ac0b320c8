//! The client's right of access: a copy of the whole record as a PDF, from the record (the care
//! team, after a step-up) and from the portal (the client), each audited; psychotherapy notes
//! and unsigned drafts never in it; nobody outside the care team makes one.

mod support;

use kapflow_domain::Role;
use kapflow_domain::time_util::now_utc;
use support::clinic::{clinic, clinical};
use support::{TestApp, on_both_backends, pdf_text};

const PSYCHOTHERAPY_NOTE: &str = "Private process notes about the dream of the lighthouse";

on_both_backends!(
    copies,
    a_copy_of_the_record_holds_the_record_and_nothing_held_apart,
    a_copy_of_the_record_holds_the_record_and_nothing_held_apart_postgres
);

async fn copies(t: TestApp) {
    let c = clinic(&t).await;
    let access = clinical(&t, &c.t1, c.a).await;
    t.db.store
        .psych_notes()
        .write(&access, PSYCHOTHERAPY_NOTE, &c.t1.actor(), now_utc())
        .await
        .expect("psychotherapy note");
    let path = format!("/clients/{}/record-copy.pdf", c.a);

    // The record offers the copy to its clinical readers; it asks for a fresh code first.
    let record = t.get(&format!("/clients/{}", c.a), Some(&c.t1)).await;
    assert!(record.body.contains(&path));
    let asked = t.get(&path, Some(&c.t1)).await;
    assert!(
        asked.location().starts_with("/step-up?next="),
        "{}",
        asked.status
    );
    let t1 = t.confirmed(&c.t1).await;
    let copy = t.get(&path, Some(&t1)).await;
    assert_eq!(copy.status, 200);
    assert!(
        copy.header(axum::http::header::CONTENT_DISPOSITION)
            .contains("health-record-")
    );
    assert!(
        !copy
            .header(axum::http::header::CONTENT_DISPOSITION)
            .contains("Ada")
    );
    let (_, text) = pdf_text(&copy);
    for want in [
        "Health record of Ada Alpha",
        "About you",
        "Date of birth",
        "Courses of treatment",
        "Course 1: opened",
        "Questionnaires",
        "Dosing sessions",
        "Appointments",
        "Clinical notes",
        "Consents",
        "KAP informed consent",
        "psychotherapy notes",
    ] {
        assert!(text.contains(want), "{want:?} in the copy: {text}");
    }
    assert!(!text.contains("lighthouse"), "never a psychotherapy note");
    assert!(!text.contains("Ben Beta"), "never another client");

    // Outside the care team: not found; the front desk never reads clinical records.
    let t2 = t.confirmed(&c.t2).await;
    assert_eq!(t.get(&path, Some(&t2)).await.status, 404);
    let front = t.confirmed(&c.front).await;
    assert_eq!(t.get(&path, Some(&front)).await.status, 403);

    // The client's own copy from the portal, and the spreadsheet beside it.
    let (own, person) =
        support::portal::portal_client(&t, "Cleo Gamma", "cleo@example.org", Some(c.t1.id)).await;
    let home = t.get("/portal", Some(&person)).await;
    assert!(home.body.contains("/portal/my-record.pdf"));
    let mine = t.get("/portal/my-record.pdf", Some(&person)).await;
    assert_eq!(mine.status, 200);
    let (_, text) = pdf_text(&mine);
    assert!(text.contains("Health record of Cleo Gamma"), "{text}");
    assert!(!text.contains("Ada Alpha"));

    let made = t.audit_of_action("record.copy_made", 10).await;
    assert!(
        made.iter()
            .any(|r| r.entry.client_id == Some(c.a.to_string())
                && r.entry.actor_user_id == Some(c.t1.id)
                && r.entry.record_id.as_deref() == Some("pdf"))
    );
    assert!(
        made.iter()
            .any(|r| r.entry.client_id == Some(own.to_string())
                && r.entry.actor_role == Some(Role::Client))
    );
}
