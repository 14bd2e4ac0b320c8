//! Questionnaires that go out by themselves, on both backends: emailed once when due, only to
//! a client who agreed to email, reminded once, never after an answer, and each send audited
//! with its email queued in the same step.

mod common;

use common::*;
use kapflow_domain::Role;
use kapflow_domain::time_util::now_utc;
use kapflow_store::follow_ups::ToSend;
use kapflow_store::store_test;
use kapflow_store::testkit::TestDb;
use time::Duration;

store_test!(
    a_due_questionnaire_is_emailed_once_to_a_client_who_agreed_and_reminded_once,
    async |db: &TestDb| {
        let s = &db.store;
        let (t, ta) = person(db, "t@example.org", Role::Therapist).await;
        let mut input = client_input("Ada Alpha");
        input.email = Some(kapflow_domain::Email::parse("ada@example.org").expect("email"));
        let c = open_client(db, &input, t, &ta).await;
        let now = now_utc();
        let remind = Some(Duration::days(3));
        let due = |at: time::OffsetDateTime| async move {
            s.follow_ups()
                .due(utc_today(at), remind, at)
                .await
                .expect("due")
        };
        // The baseline is due today, but the client has not agreed to email.
        assert!(due(now).await.is_empty(), "no email without consent");
        let agreed = async || {
            let header = s.clients().header(&for_tests(c)).await.expect("q");
            header.expect("client").email_consent_at
        };
        assert!(agreed().await.is_none());
        assert!(
            s.follow_ups()
                .set_email_consent(&for_tests(c), true, &ta, now)
                .await
                .expect("consent")
        );
        assert!(agreed().await.is_some(), "recorded");
        let first = due(now).await;
        assert!(!first.is_empty() && first.iter().all(|x| !x.reminder && x.client == c));
        let mut sent = 0;
        for (n, x) in first.iter().enumerate() {
            let token = format!("tok-first-{n}");
            if s.follow_ups()
                .send(*x, token.as_bytes(), Duration::days(7), "http://x/m/t", now)
                .await
                .expect("send")
            {
                sent += 1;
            }
            // Sent again (another instance): nothing more.
            assert!(
                !s.follow_ups()
                    .send(*x, b"tok-again", Duration::days(7), "http://x/m/t", now)
                    .await
                    .expect("send")
            );
        }
        assert_eq!(sent, first.len());
        assert!(due(now).await.is_empty(), "each is emailed once");
        assert_eq!(
            audit_rows(db, &action_filter("measure.link_emailed"), 50)
                .await
                .len(),
            sent
        );
        assert!(s.outbox().pending().await.expect("outbox") >= sent as i64);
        // Three days later, unanswered: one reminder each; then none.
        let later = now + Duration::days(3) + Duration::minutes(1);
        let reminders = due(later).await;
        assert_eq!(reminders.len(), sent);
        assert!(reminders.iter().all(|x| x.reminder));
        let one: ToSend = reminders[0];
        assert!(
            s.follow_ups()
                .send(one, b"tok-remind", Duration::days(7), "http://x/m/t", later)
                .await
                .expect("remind")
        );
        assert_eq!(due(later).await.len(), sent - 1);
        // Withdrawn consent: nothing more goes out.
        assert!(
            s.follow_ups()
                .set_email_consent(&for_tests(c), false, &ta, later)
                .await
                .expect("withdraw")
        );
        assert!(due(later).await.is_empty());
        assert!(agreed().await.is_none(), "withdrawn");
        assert!(
            !s.follow_ups()
                .send(
                    reminders[1],
                    b"tok-late",
                    Duration::days(7),
                    "http://x/m/t",
                    later
                )
                .await
                .expect("send"),
            "not after the client withdrew"
        );
    }
);

/// The test practice's date (its zone is UTC unless a test chooses one).
fn utc_today(t: time::OffsetDateTime) -> time::Date {
    kapflow_domain::zone::PracticeZone::utc().today(t)
}
