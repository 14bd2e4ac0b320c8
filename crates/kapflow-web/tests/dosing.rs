//! The dosing pages over HTTP, on both backends: a refused entry comes back with every field as
//! typed and its message beside it, the same entry sent twice records once, the prescriber
//! reads the session but cannot write to it, and front desk learns only that a session is
//! running.

mod support;

use axum::http::StatusCode;
use support::TestApp;
use support::clinic::{clinic, in_dosing};
use support::on_both_backends;

async fn flow(t: TestApp) {
    let c = clinic(&t).await;
    let (client, session) = in_dosing(&t, &c, "Cy Gamma", "dosing-web-test-01").await;

    // A slip: everything typed comes back, the message beside the field.
    let r = t
        .post(
            &format!("{session}/vitals"),
            "entry_key=vitals-slip-1&systolic=1280&diastolic=82&heart_rate=72&spo2=98&measured_by=therapist",
            Some(&c.t1),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("value=\"1280\"") && r.body.contains("value=\"82\""));
    assert!(r.body.contains("from 50 to 300"), "the range is named");
    assert!(r.body.contains("Error: "), "the title says so");

    // The same entry twice records once.
    let good = "entry_key=vitals-good-1&systolic=128&diastolic=82&heart_rate=72&spo2=98&measured_by=therapist";
    for _ in 0..2 {
        let r = t
            .post(&format!("{session}/vitals"), good, Some(&c.t1))
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
    }
    let page = t.get(&session, Some(&c.t1)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(
        page.body.matches("<td>128/82</td>").count(),
        1,
        "recorded once"
    );

    // The prescriber of the referral reads it and writes nothing.
    let page = t.get(&session, Some(&c.p1)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("128/82"));
    assert!(
        !page.body.contains("/vitals\""),
        "no entry forms for the prescriber"
    );
    let r = t
        .post(&format!("{session}/vitals"), "entry_key=vitals-p1-0001&systolic=120&diastolic=80&heart_rate=70&spo2=99&measured_by=therapist", Some(&c.p1))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    // Front desk: that a session runs, on the overview; nothing of it.
    let overview = t.get(&format!("/clients/{}", client), Some(&c.front)).await;
    assert!(overview.body.contains("Dosing session today"));
    assert!(!overview.body.contains("128/82"));
    assert_eq!(
        t.get(&session, Some(&c.front)).await.status,
        StatusCode::FORBIDDEN
    );
}

on_both_backends!(flow, dosing_pages_on_sqlite, dosing_pages_on_postgres);
