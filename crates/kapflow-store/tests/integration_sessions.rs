//! The prescription's plan and the course's progress along it, integration sessions, and
//! completing a course from integration, on both backends.
//!
//! Dosing sessions are opened by the dosing pages' own store code; here the course is put into
//! integration and its sessions written with plain SQL, so these tests stand on their own.

mod common;

use common::*;
use kapflow_domain::Role;
use kapflow_domain::access::Action;
use kapflow_domain::integration::IntegrationInput;
use kapflow_domain::pathway::{Stage, Unmet};
use kapflow_domain::prescribing::plan::DosingPlan;
use kapflow_domain::time_util::now_utc;
use kapflow_store::Backend;
use kapflow_store::integration::Refused;
use kapflow_store::store_test;
use kapflow_store::testkit::{TestDb, raw_execute};
use time::Duration;

const PLAN: DosingPlan = DosingPlan {
    sessions_planned: 8,
    min_days_between: 14,
    dose_ug: 112_500,
    split_allowed: true,
    booster_ug: Some(37_500),
};

/// Puts the (only) course that is ready for dosing into integration, as closing its first
/// dosing session would.
async fn into_integration(db: &TestDb) {
    raw_execute(
        db,
        "UPDATE courses SET stage = 'integration' WHERE stage = 'ready_for_dosing'",
    )
    .await
    .expect("stage");
}

/// Two dosing sessions of every course: number 1 opened 20 days ago and closed, number 2
/// opened 5 days ago and closed, and number 3 prepared but never opened.
async fn dosing_sessions(db: &TestDb) {
    let sql: &[&'static str] = match db.store.backend() {
        Backend::Sqlite => &[
            "INSERT INTO dosing_sessions (id, course_id, client_id, number, status, prepared_by, \
             prepared_at, opened_at, closed_at) SELECT randomblob(16), c.id, c.client_id, n.n, \
             n.status, (SELECT id FROM users WHERE email = 't1@example.org'), \
             strftime('%Y-%m-%dT%H:%M:%SZ', 'now', n.ago), CASE WHEN n.status = 'closed' THEN \
             strftime('%Y-%m-%dT%H:%M:%SZ', 'now', n.ago) END, CASE WHEN n.status = 'closed' \
             THEN strftime('%Y-%m-%dT%H:%M:%SZ', 'now', n.ago, '+3 hours') END FROM courses c, \
             (SELECT 1 AS n, 'closed' AS status, '-20 days' AS ago UNION ALL SELECT 2, 'closed', \
             '-5 days' UNION ALL SELECT 3, 'preparing', '-1 hours') n",
        ],
        Backend::Postgres => &[
            "INSERT INTO dosing_sessions (id, course_id, client_id, number, status, prepared_by, \
             prepared_at, opened_at, closed_at) SELECT gen_random_uuid(), c.id, c.client_id, n.n, \
             n.status, (SELECT id FROM users WHERE email = 't1@example.org'), now() - n.ago, CASE \
             WHEN n.status = 'closed' THEN now() - n.ago END, CASE WHEN n.status = 'closed' THEN \
             now() - n.ago + interval '3 hours' END FROM courses c, (VALUES (1, 'closed', \
             interval '20 days'), (2, 'closed', interval '5 days'), (3, 'preparing', interval '1 \
             hour')) AS n (n, status, ago)",
        ],
    };
    for s in sql {
        raw_execute(db, s).await.expect("dosing sessions");
    }
}

fn session(held_on: &str, therapist: kapflow_domain::UserId, summary: &str) -> IntegrationInput {
    IntegrationInput {
        held_on: held_on.into(),
        therapist: therapist.to_string(),
        summary: summary.into(),
    }
}

store_test!(
    the_active_prescription_carries_its_plan_and_the_sessions_held,
    async |db: &TestDb| {
        let w = world(db).await;
        let c = new_client(db, &w, "Ada Client", w.t1.0).await;
        let other = new_client(db, &w, "Bo Client", w.t2.0).await;
        ready_for_dosing(db, &w, c, PLAN).await;
        let course = current_course(db, c).await;
        let rx = db.store.prescribing();
        let plan = rx
            .plan(&seen(c), course.id)
            .await
            .expect("plan")
            .expect("active");
        assert_eq!(plan.plan(), Some(PLAN));
        assert_eq!(
            (
                plan.sessions_held,
                plan.last_opened_on(&kapflow_domain::zone::PracticeZone::utc())
            ),
            (0, None)
        );
        // The prescription list shows the same plan.
        let listed = rx.prescriptions(&seen(c), course.id).await.expect("rx");
        assert_eq!(listed[0].plan(), Some(PLAN));
        // Another client's proof finds nothing of this course.
        assert_eq!(rx.plan(&seen(other), course.id).await.expect("plan"), None);
        assert!(
            rx.dosing_sessions(&seen(other), course.id)
                .await
                .expect("s")
                .is_empty()
        );

        // Only sessions that opened count; the last one opened 5 days ago.
        dosing_sessions(db).await;
        let plan = rx
            .plan(&seen(c), course.id)
            .await
            .expect("plan")
            .expect("active");
        assert_eq!(plan.sessions_held, 2);
        assert_eq!(
            plan.last_opened_on(&kapflow_domain::zone::PracticeZone::utc()),
            Some(utc_today(now_utc() - Duration::days(5)))
        );
        let lines = rx.dosing_sessions(&seen(c), course.id).await.expect("s");
        assert_eq!(
            lines
                .iter()
                .map(|l| (l.number, l.status.as_str(), l.opened_at.is_some()))
                .collect::<Vec<_>>(),
            [
                (1, "closed", true),
                (2, "closed", true),
                (3, "preparing", false)
            ]
        );

        // A prescription written before plans reads its strength as the dose.
        raw_execute(db, "UPDATE prescriptions SET dose_ug = NULL")
            .await
            .expect("old row");
        let plan = rx
            .plan(&seen(c), course.id)
            .await
            .expect("plan")
            .expect("active");
        assert_eq!(plan.dose_ug, 75_000);
    }
);

store_test!(
    integration_sessions_are_recorded_in_treatment_by_the_care_team,
    async |db: &TestDb| {
        let w = world(db).await;
        let s = &db.store;
        let c = new_client(db, &w, "Ada Client", w.t1.0).await;
        ready_for_dosing(db, &w, c, PLAN).await;
        let course = current_course(db, c).await;
        let now = now_utc();
        let day = utc_today(now).to_string();
        let t1 = &w.t1.1;
        let record = |form: IntegrationInput| async move {
            s.integration()
                .record(&seen(c), &form, t1, now)
                .await
                .expect("record")
        };
        // Not before dosing has begun.
        let Err(Refused::Because(why)) = record(session(&day, w.t1.0, "Talked.")).await else {
            panic!("recorded before dosing")
        };
        assert!(why.contains("once dosing has begun"), "{why}");

        into_integration(db).await;
        // Each field is checked, and the therapist must be on the care team.
        let Err(Refused::Fields(e)) = record(session("2999-01-01", w.t1.0, " ")).await else {
            panic!("accepted a blank summary")
        };
        assert!(e.has("held_on") && e.has("summary"));
        let Err(Refused::Fields(e)) = record(session(&day, w.t2.0, "Talked.")).await else {
            panic!("accepted a therapist off the care team")
        };
        assert_eq!(
            e.get("therapist"),
            Some("Choose a therapist on this client's care team.")
        );
        // A prescriber of the referred organisation reads the record but does not write it.
        let prescriber = s
            .grant_for_tests(w.p1.0, Role::Prescriber, Action::ViewClinicalRecord, c)
            .await
            .expect("referred prescriber")
            .clinical()
            .expect("clinical");
        assert_eq!(
            s.integration()
                .record(&prescriber, &session(&day, w.t1.0, "Talked."), &w.p1.1, now)
                .await
                .expect("record"),
            Err(Refused::NotFound)
        );

        // The course opened today: a session the day before is refused.
        let yesterday = utc_today(now - Duration::days(1)).to_string();
        assert!(matches!(
            record(session(&yesterday, w.t1.0, "Too early.")).await,
            Err(Refused::Fields(e)) if e.has("held_on")
        ));
        let id = record(session(
            &day,
            w.t1.0,
            "Worked on the image of the open door; will journal daily.",
        ))
        .await
        .expect("recorded");
        record(session(&day, w.t1.0, "Second session."))
            .await
            .expect("recorded");
        let rows = s
            .integration()
            .for_course(&seen(c), course.id)
            .await
            .expect("rows");
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].id, id);
        assert_eq!(rows[0].held_on, utc_today(now));
        assert_eq!(rows[0].therapist_id, w.t1.0);
        assert!(rows[0].summary.starts_with("Worked on the image"));
        // Audited with the change, each once.
        let audited = audit_rows(db, &action_filter("integration.recorded"), 10).await;
        assert_eq!(audited.len(), 2);
        assert_eq!(audited[1].entry.client_id, Some(c.to_string()));
        assert_eq!(audited[1].entry.actor_user_id, Some(w.t1.0));
    }
);

store_test!(
    a_course_is_completed_from_integration_with_its_reason,
    async |db: &TestDb| {
        let w = world(db).await;
        let s = &db.store;
        let c = new_client(db, &w, "Ada Client", w.t1.0).await;
        ready_for_dosing(db, &w, c, PLAN).await;
        let now = now_utc();
        let t1 = &w.t1.1;
        let complete = |why: &'static str| async move {
            s.integration()
                .complete(&for_tests(c), why, t1, now)
                .await
                .expect("complete")
                .expect("course")
        };
        assert_eq!(
            complete("Goals met").await.expect_err("refused").reasons,
            vec![Unmet::NotInIntegration]
        );
        into_integration(db).await;
        assert_eq!(
            complete("Goals met; six sessions held").await,
            Ok(Stage::Completed)
        );
        let course = current_course(db, c).await;
        assert!(course.closed_at.is_some());
        let history = s.courses().history(&seen(c), course.id).await.expect("h");
        let last = history.last().expect("history");
        assert_eq!(
            (last.to_stage, last.reason.as_str()),
            (Stage::Completed, "Goals met; six sessions held")
        );
        // Ended: no more integration sessions, and no second completion.
        let late = s
            .integration()
            .record(
                &seen(c),
                &session(&utc_today(now).to_string(), w.t1.0, "After the end."),
                &w.t1.1,
                now,
            )
            .await
            .expect("record");
        assert!(matches!(late, Err(Refused::Because(_))));
        assert_eq!(
            complete("again").await.expect_err("refused").reasons,
            vec![Unmet::CourseEnded]
        );
    }
);

/// The test practice's date (its zone is UTC unless a test chooses one).
fn utc_today(t: time::OffsetDateTime) -> time::Date {
    kapflow_domain::zone::PracticeZone::utc().today(t)
}
