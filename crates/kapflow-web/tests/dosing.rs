//! The dosing pages over HTTP, on both backends: a refused entry comes back with every field as
//! typed and its message beside it, the same entry sent twice records once, the prescriber
//! reads the session but cannot write to it, and front desk learns only that a session is
//! running.

mod support;

use axum::http::StatusCode;
use kapflow_domain::prescribing::plan::DosingPlan;
use support::clinic::{adult, clinic};
use support::on_both_backends;
use support::{Person, TestApp};

fn actor(p: &Person) -> kapflow_domain::Actor {
    kapflow_domain::Actor::user(p.id, p.role, None, None)
}

async fn flow(t: TestApp) {
    let c = clinic(&t).await;
    let s = &t.db.store;
    let now = kapflow_domain::time_util::now_utc();
    let kapflow_store::clients::Created::Client(client) = s
        .clients()
        .create(
            "dosing-web-test-01",
            &adult("Cy Gamma"),
            None,
            &[c.t1.id],
            &actor(&c.front),
            now,
        )
        .await
        .expect("client")
    else {
        panic!("not created")
    };
    kapflow_store::fixtures::ready_for_dosing(
        s,
        &kapflow_store::fixtures::ReadyFor {
            client,
            therapist: &actor(&c.t1),
            prescriber: &actor(&c.p1),
            org: c.org1,
            plan: DosingPlan {
                sessions_planned: 6,
                min_days_between: 7,
                dose_ug: 100_000,
                split_allowed: false,
                booster_ug: None,
            },
        },
    )
    .await;
    let dosing = format!("/clients/{}/dosing", client);
    let r = t.post(&dosing, "_key=prepare-key-0001", Some(&c.t1)).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let session = r
        .headers
        .get("location")
        .and_then(|v| v.to_str().ok())
        .and_then(|l| l.split('?').next())
        .expect("to the session")
        .to_owned();

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
