//! The client's own forms in the portal: the intake sent to the care team (who complete it at
//! the assessment) and consents signed by the client, which count once a clinician accepts them.

mod support;

use axum::http::StatusCode;
use kapflow_domain::Role;
use kapflow_domain::time_util::now_utc;
use support::TestApp;
use support::clinic::{clinic, clinical};
use support::on_both_backends;
use support::portal::portal_client;

fn key() -> String {
    uuid::Uuid::now_v7().simple().to_string()
}

on_both_backends!(
    forms,
    a_client_sends_their_intake_and_signs_consents_that_count_once_a_clinician_accepts_them,
    a_client_sends_their_intake_and_signs_consents_that_count_once_a_clinician_accepts_them_postgres
);

async fn forms(t: TestApp) {
    let c = clinic(&t).await;
    let (cal, p) = portal_client(&t, "Cal Gamma", "cal.p@example.org", Some(c.t1.id)).await;
    let missing = |who: kapflow_domain::UserId| {
        let t = &t;
        async move {
            t.db.store
                .work()
                .missing_consents(who, Role::Therapist)
                .await
                .expect("queue")
                .into_iter()
                .any(|r| r.id == cal.as_uuid())
        }
    };
    assert!(missing(c.t1.id).await);
    // The intake: sent with a required answer missing, refused beside it with the rest kept.
    let answers = "medical_history=None&psychiatric_history=Depression&current_medications=None\
                   &allergies=None+known&substance_use=None&prior_ketamine=";
    let r = t
        .post(
            "/portal/intake",
            &format!("{answers}&goals=Feel+better&intent=send"),
            Some(&p),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("id=\"prior_ketamine-error\""), "{}", r.body);
    assert!(
        r.body.contains(">Depression</textarea>"),
        "typed answers kept"
    );
    // Blood pressure is the therapist's, at the assessment: not asked of the client.
    assert!(!r.body.contains("bp_systolic-error"));
    let r = t
        .post(
            "/portal/intake",
            &format!("{answers}None&goals=Feel+better&heart_disease=yes&intent=send"),
            Some(&p),
        )
        .await;
    assert_eq!(r.location(), "/portal/intake?saved=1");
    assert!(
        t.get(r.location(), Some(&p))
            .await
            .body
            .contains("You sent it to your care team")
    );
    let staff = t
        .get(&format!("/clients/{cal}/intake"), Some(&c.t1))
        .await
        .body;
    assert!(
        staff.contains("The client sent these answers from the portal"),
        "{staff}"
    );
    assert!(staff.contains(">Feel better</textarea>"));
    // Consents: a signature in another name is refused; in the client's own name it is
    // recorded and waits for the clinician.
    let docs =
        t.db.store
            .consents()
            .latest_documents()
            .await
            .expect("docs");
    assert_eq!(docs.len(), 2);
    let today = kapflow_domain::zone::PracticeZone::utc().today(now_utc());
    let sign = |doc: kapflow_domain::DocumentId, name: &'static str| {
        let t = &t;
        let p = &p;
        async move {
            t.post(
                "/portal/consents",
                &format!(
                    "_key={}&document_id={doc}&typed_name={name}&signed_on={today}&agree=yes",
                    key()
                ),
                Some(p),
            )
            .await
        }
    };
    let r = sign(docs[0].id, "Someone+Else").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let beside = format!("id=\"typed_name-{}-error\"", docs[0].id);
    assert!(r.body.contains(&beside), "{}", r.body);
    assert!(
        r.body
            .contains(&format!("href=\"#typed_name-{}\"", docs[0].id))
    );
    assert!(
        r.body.contains("value=\"Someone Else\""),
        "the typed name is kept"
    );
    for d in &docs {
        let r = sign(d.id, "Cal+Gamma").await;
        assert_eq!(r.location(), "/portal/consents?signed=1");
    }
    let mine = t.get("/portal/consents", Some(&p)).await.body;
    assert!(mine.contains("Your care team will look it over"));
    assert!(
        missing(c.t1.id).await,
        "a portal signature counts once accepted"
    );
    let page = t
        .get(&format!("/clients/{cal}/consents"), Some(&c.t1))
        .await
        .body;
    assert!(page.contains("The client, in the portal") && page.contains("Accept the client"));
    let sigs =
        t.db.store
            .consents()
            .signatures(&clinical(&t, &c.t1, cal).await)
            .await
            .expect("sigs");
    // Front desk may not accept it; the care team's therapist does.
    let accept = |s: kapflow_domain::SignatureId| format!("/clients/{cal}/consents/{s}/accept");
    assert_eq!(
        t.post(&accept(sigs[0].id), "", Some(&c.front)).await.status,
        StatusCode::FORBIDDEN
    );
    for s in &sigs {
        let r = t.post(&accept(s.id), "", Some(&c.t1)).await;
        assert_eq!(
            r.location(),
            format!("/clients/{cal}/consents?done=accepted")
        );
    }
    assert!(!missing(c.t1.id).await, "both consents count now");
    assert_eq!(
        t.post(&accept(sigs[0].id), "", Some(&c.t1)).await.status,
        StatusCode::NOT_FOUND,
        "nothing waits any more"
    );
}
