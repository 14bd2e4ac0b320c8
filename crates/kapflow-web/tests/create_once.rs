//! Every form that creates something records once: the same form sent twice (a double click, a
//! refresh, a retry after a dropped connection) gets the first answer back and writes nothing
//! more. Each form is sent twice under one key; the second changes nothing in the audit trail.

mod support;

use axum::http::StatusCode;
use kapflow_domain::time_util::now_utc;
use support::TestApp;
use support::clinic::clinic;

async fn audit_rows(t: &TestApp) -> usize {
    t.db.store
        .audit()
        .query(&kapflow_store::audit::AuditFilter::default(), 100_000)
        .await
        .expect("audit")
        .len()
}

#[tokio::test]
async fn every_create_form_sent_twice_records_once() {
    let t = TestApp::new().await;
    let c = clinic(&t).await;
    let a = c.a;
    let today = now_utc().date().to_string();
    let owner = t.confirmed(&c.owner).await;
    let t2 = t.confirmed(&c.t2).await;
    let p1 = t.confirmed(&c.p1).await;
    let forms: Vec<(String, String, &support::Person)> = vec![
        (
            format!("/clients/{a}/messages"),
            "body=Please%20call%20me%20back".into(),
            &c.t1,
        ),
        (
            format!("/clients/{a}/measures"),
            format!("instrument=phq9&due_on={today}"),
            &c.t1,
        ),
        (
            format!("/clients/{a}/shipments"),
            format!("carrier=UPS&tracking_number=1Z999AA1&shipped_on={today}"),
            &p1,
        ),
        (
            format!("/clients/{a}/dose-requests"),
            "request=Could%20we%20try%20150%20mg%20next%20time%3F".into(),
            &c.t1,
        ),
        (
            format!("/clients/{a}/care-team"),
            "change=join&reason=Covering%20for%20Sam%20while%20on%20leave".into(),
            &owner,
        ),
        (
            "/staff/invite".into(),
            "email=new.colleague%40example.org&name=New%20Colleague&role=therapist".into(),
            &owner,
        ),
        (
            "/partner-orgs".into(),
            "name=Second%20Medical%20Group".into(),
            &owner,
        ),
        (
            "/break-glass".into(),
            "legal_name=Ada%20Alpha&date_of_birth=1985-03-14&reason=Crisis%20call%2C%20therapist%20away".into(),
            &t2,
        ),
    ];
    for (n, (path, body, who)) in forms.iter().enumerate() {
        let key = format!("once-key-{n:02}-0123456789abcdef");
        let sent = format!("{body}&_key={key}");
        let first = t.post(path, &sent, Some(who)).await;
        assert_eq!(
            first.status,
            StatusCode::SEE_OTHER,
            "{path}: the first send records ({})",
            first.body
        );
        let before = audit_rows(&t).await;
        let again = t.post(path, &sent, Some(who)).await;
        assert_eq!(
            (again.status, again.location()),
            (first.status, first.location()),
            "{path}: the repeat gets the first answer"
        );
        assert_eq!(
            audit_rows(&t).await,
            before,
            "{path}: the repeat records nothing"
        );
        // The same key with other content is refused, not run.
        let other = t
            .post(path, &format!("{body}x&_key={key}"), Some(who))
            .await;
        assert_eq!(other.status, StatusCode::CONFLICT, "{path}: a reused key");
    }
}

#[tokio::test]
async fn a_refused_form_gives_its_key_back_for_the_corrected_send() {
    let t = TestApp::new().await;
    let c = clinic(&t).await;
    let path = format!("/clients/{}/messages", c.a);
    let key = "_key=fixed-key-0123456789abcdef";
    let refused = t.post(&path, &format!("body=&{key}"), Some(&c.t1)).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    let sent = t
        .post(&path, &format!("body=Corrected&{key}"), Some(&c.t1))
        .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER);
}
