//! The prescription's plan and the course page's treatment phase through the web: the plan
//! written with the prescription (every field checked, nothing typed lost), "N of M dosing
//! sessions held", integration sessions recorded only while dosing goes on (once per form),
//! and completing a course from integration with a reason and a confirmation.
//!
//! Client A's course is at medication (prescribed and shipped); dosing sessions are opened by
//! the dosing pages, so these tests put the course into integration with plain SQL.

mod support;

use axum::http::StatusCode;
use kapflow_domain::pathway::Stage;
use kapflow_domain::time_util::now_utc;
use support::TestApp;
use support::clinic::{clinic, stage};

fn form(pairs: &[(&str, &str)]) -> String {
    let mut s = form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        s.append_pair(k, v);
    }
    s.finish()
}

async fn into_integration(t: &TestApp) {
    kapflow_store::testkit::raw_execute(
        &t.db,
        "UPDATE courses SET stage = 'integration' WHERE stage = 'medication'",
    )
    .await
    .expect("stage");
}

async fn audit_rows(t: &TestApp) -> usize {
    t.db.store
        .audit()
        .query(&kapflow_store::audit::AuditFilter::default(), 100_000)
        .await
        .expect("audit")
        .len()
}

#[tokio::test]
async fn the_prescriber_writes_the_plan_and_both_pages_show_it() {
    let t = TestApp::new().await;
    let c = clinic(&t).await;
    let a = c.a;
    let path = format!("/clients/{a}/prescription");
    // A fresh form starts from the usual plan.
    let page = t
        .get(&format!("/clients/{a}/prescriber"), Some(&c.p1))
        .await;
    assert!(
        page.body.contains(
            "id=\"sessions_planned\" name=\"sessions_planned\" type=\"text\" value=\"6\""
        )
    );
    assert!(
        page.body.contains(
            "id=\"min_days_between\" name=\"min_days_between\" type=\"text\" value=\"7\""
        )
    );
    let base = [
        ("drug", "Ketamine HCl"),
        ("form", "troche"),
        ("strength_mg", "100"),
        ("quantity", "2"),
        ("directions", "In session"),
        ("pharmacy", "Compounding Pharmacy"),
    ];
    let with = |plan: &[(&'static str, &'static str)]| {
        let mut all = base.to_vec();
        all.extend_from_slice(plan);
        form(&all)
    };
    // Each plan field is checked beside it, and what was typed stays.
    let refused = t
        .post(
            &path,
            &with(&[
                ("sessions_planned", "30"),
                ("min_days_between", "7"),
                ("dose_mg", "250.5"),
                ("booster_mg", "12.3456"),
            ]),
            Some(&c.p1),
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    for said in [
        "Enter the number of dosing sessions planned as a whole number from 1 to 24.",
        "The dose per session (250.5 mg) is more than the prescription dispenses in all \
         (strength × quantity: 200 mg).",
        "Enter the booster in mg as a number, like 100 or 112.5 (at most three decimal places).",
    ] {
        assert!(refused.body.contains(said), "{said}\n{}", refused.body);
    }
    for kept in ["value=\"30\"", "value=\"250.5\"", "value=\"12.3456\""] {
        assert!(refused.body.contains(kept), "{kept}");
    }
    let sent = t
        .post(
            &path,
            &with(&[
                ("sessions_planned", "8"),
                ("min_days_between", "14"),
                ("dose_mg", "112.5"),
                ("split_allowed", "yes"),
                ("booster_mg", "50"),
            ]),
            Some(&c.p1),
        )
        .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
    let plan = "8 dosing sessions, at least 14 days apart; 112.5 mg per session, may be taken in \
                parts; booster up to 50 mg";
    for page in [
        format!("/clients/{a}/prescriber"),
        format!("/clients/{a}/course"),
    ] {
        let shown = t.get(&page, Some(&c.t1)).await;
        assert_eq!(shown.status, StatusCode::OK);
        assert!(shown.body.contains(plan), "{page}");
        assert!(shown.body.contains("0 of 8 dosing sessions held"), "{page}");
    }
    // The care team never sees a dose field.
    let care = t
        .get(&format!("/clients/{a}/prescriber"), Some(&c.t1))
        .await;
    assert!(!care.body.contains("name=\"dose_mg\""));
}

#[tokio::test]
async fn an_integration_session_waits_for_dosing_keeps_what_was_typed_and_records_once() {
    let t = TestApp::new().await;
    let c = clinic(&t).await;
    let a = c.a;
    let path = format!("/clients/{a}/integration");
    let day = utc_today(now_utc()).to_string();
    let therapist = c.t1.id.to_string();
    let summary = "Worked with the image of the open door; will journal each morning.";
    let good = form(&[
        ("held_on", &day),
        ("therapist", &therapist),
        ("summary", summary),
    ]);
    // Not before dosing has begun: said in words, what was typed is kept.
    let early = t.post(&path, &good, Some(&c.t1)).await;
    assert_eq!(early.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(early.body.contains(
        "Integration sessions are recorded once dosing has begun; this course is \
                       at medication."
    ));
    let course = t.get(&format!("/clients/{a}/course"), Some(&c.t1)).await;
    assert!(!course.body.contains("Record an integration session"));

    into_integration(&t).await;
    let course = t.get(&format!("/clients/{a}/course"), Some(&c.t1)).await;
    assert!(course.body.contains("Record an integration session"));
    // The signed-in clinician is chosen by default.
    assert!(
        course
            .body
            .contains(&format!("<option value=\"{therapist}\" selected>"))
    );

    // Errors beside each field, in the form's order, with the summary kept.
    let blank = t
        .post(
            &path,
            &form(&[
                ("held_on", "2999-01-01"),
                ("therapist", &therapist),
                ("summary", " "),
            ]),
            Some(&c.t1),
        )
        .await;
    assert_eq!(blank.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        blank
            .body
            .contains("The session cannot be dated in the future")
    );
    assert!(blank.body.contains("Enter a short summary of the session"));
    assert!(blank.body.contains("value=\"2999-01-01\""));
    let long = "x".repeat(2001);
    let too_long = t
        .post(
            &path,
            &form(&[
                ("held_on", &day),
                ("therapist", &therapist),
                ("summary", &long),
            ]),
            Some(&c.t1),
        )
        .await;
    assert_eq!(too_long.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        too_long
            .body
            .contains("Use at most 2000 characters (you have 2001).")
    );
    assert!(too_long.body.contains(&long));
    // Therapist 2 is not on client A's care team.
    let off_team = t
        .post(
            &path,
            &form(&[
                ("held_on", &day),
                ("therapist", &c.t2.id.to_string()),
                ("summary", summary),
            ]),
            Some(&c.t1),
        )
        .await;
    assert_eq!(off_team.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        off_team
            .body
            .contains("Choose a therapist on this client&#39;s care team.")
            || off_team
                .body
                .contains("Choose a therapist on this client&#x27;s care team.")
    );
    assert!(off_team.body.contains(summary));

    // Sent twice under one key: recorded once, the repeat goes where the first went.
    let sent = format!("{good}&_key=integration-key-0123456789abcdef");
    let first = t.post(&path, &sent, Some(&c.t1)).await;
    assert_eq!(first.status, StatusCode::SEE_OTHER, "{}", first.body);
    assert_eq!(
        first.location(),
        format!("/clients/{a}/course?done=integration")
    );
    let before = audit_rows(&t).await;
    let again = t.post(&path, &sent, Some(&c.t1)).await;
    assert_eq!(
        (again.status, again.location()),
        (first.status, first.location())
    );
    assert_eq!(audit_rows(&t).await, before);
    let shown = t.get(first.location(), Some(&c.t1)).await;
    assert!(shown.body.contains("Integration session recorded."));
    assert!(shown.body.contains(summary));
    assert_eq!(shown.body.matches(summary).count(), 1);
}

#[tokio::test]
async fn a_course_is_completed_from_integration_with_a_reason_and_a_confirmation() {
    let t = TestApp::new().await;
    let c = clinic(&t).await;
    let a = c.a;
    let path = format!("/clients/{a}/course/complete");
    let done = form(&[
        ("complete_reason", "Planned sessions held; goals met"),
        ("confirm", "yes"),
    ]);
    // Only from integration.
    let early = t.post(&path, &done, Some(&c.t1)).await;
    assert_eq!(early.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(stage(&t, &c.t1, a).await, Some(Stage::Medication));
    let course = t.get(&format!("/clients/{a}/course"), Some(&c.t1)).await;
    assert!(!course.body.contains("Complete the course"));
    assert!(course.body.contains("Discontinue this course"));

    into_integration(&t).await;
    // Without the box ticked nothing happens, and the reason typed stays.
    let unconfirmed = t
        .post(
            &path,
            &form(&[("complete_reason", "Goals met")]),
            Some(&c.t1),
        )
        .await;
    assert_eq!(unconfirmed.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        unconfirmed
            .body
            .contains("Tick the box to confirm this course is complete.")
    );
    assert!(unconfirmed.body.contains("value=\"Goals met\""));
    let no_reason = t
        .post(&path, &form(&[("confirm", "yes")]), Some(&c.t1))
        .await;
    assert_eq!(no_reason.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(no_reason.body.contains("Enter why the course is complete."));
    assert_eq!(stage(&t, &c.t1, a).await, Some(Stage::Integration));

    let sent = t.post(&path, &done, Some(&c.t1)).await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
    assert_eq!(stage(&t, &c.t1, a).await, Some(Stage::Completed));
    let shown = t.get(sent.location(), Some(&c.t1)).await;
    assert!(shown.body.contains("The course is complete."));
    assert!(shown.body.contains("Planned sessions held; goals met"));
    assert!(!shown.body.contains("Record an integration session"));
}

/// The test practice's date (its zone is UTC unless a test chooses one).
fn utc_today(t: time::OffsetDateTime) -> time::Date {
    kapflow_domain::zone::PracticeZone::utc().today(t)
}
