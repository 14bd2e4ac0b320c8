//! Questionnaires go out by themselves: once the client's agreement to email is recorded (on
//! the Measures page, or by front desk on the overview), the worker's round emails each due questionnaire once with a working
//! link; a practice that wants a staff click turns it off in its clinical settings.

mod support;

use axum::http::StatusCode;
use kapflow_domain::time_util::now_utc;
use support::clinic::{clinic, give_email};
use support::{TestApp, mailed};

fn mail_context() -> (tempfile::TempDir, kapflow_web::mail::MailContext) {
    let dir = tempfile::tempdir().expect("dir");
    let ctx = kapflow_web::mail::MailContext {
        mailer: kapflow_web::mail::Mailer::Files(dir.path().to_owned()),
        from: "kapflow <kapflow@localhost>".parse().expect("from"),
        public_url: "http://127.0.0.1:8080".into(),
    };
    (dir, ctx)
}

#[tokio::test]
async fn due_questionnaires_are_emailed_by_themselves_only_to_a_client_who_agreed() {
    let t = TestApp::new().await;
    let c = clinic(&t).await;
    let a = c.a;
    give_email(&t, a, "Ada Alpha", "ada@example.org").await;
    let (_dir, ctx) = mail_context();
    let send = || kapflow_web::mail::follow_ups::send_due(&t.db.store, &ctx, now_utc());

    // Not agreed: nothing goes out by itself.
    let page = t.get(&format!("/clients/{a}/measures"), Some(&c.t1)).await;
    assert!(
        page.body
            .contains("has not agreed to receive questionnaire links by email")
    );
    assert_eq!(send().await.expect("round"), 0);

    // Front desk sees it waiting (a questionnaire due that cannot be emailed), records the
    // client's agreement from the overview — a contact preference — and the item is gone.
    let stuck = "Questionnaires that cannot be emailed";
    let desk = t.get("/dashboard", Some(&c.front)).await.body;
    let queue = &desk[desk.find(stuck).expect("front desk's queue")..];
    assert!(queue[..queue.find("</section>").expect("end")].contains("Ada Alpha"));
    let consent = format!("/clients/{a}/email-consent");
    let r = t
        .post(&consent, "agreed=yes&from=client", Some(&c.front))
        .await;
    assert_eq!(r.location(), format!("/clients/{a}?done=email-agreed"));
    let overview = t.get(r.location(), Some(&c.front)).await.body;
    assert!(overview.contains("The client agreed on"), "{overview}");
    let desk = t.get("/dashboard", Some(&c.front)).await.body;
    let queue = &desk[desk.find(stuck).expect("front desk's queue")..];
    assert!(!queue[..queue.find("</section>").expect("end")].contains("Ada Alpha"));
    // The therapist records it on the Measures page and comes back there.
    let r = t.post(&consent, "agreed=no", Some(&c.t1)).await;
    assert_eq!(
        r.location(),
        format!("/clients/{a}/measures?done=email-withdrawn")
    );
    let r = t.post(&consent, "agreed=yes", Some(&c.t1)).await;
    assert_eq!(
        r.location(),
        format!("/clients/{a}/measures?done=email-agreed")
    );
    let page = t
        .get(
            &format!("/clients/{a}/measures?done=email-agreed"),
            Some(&c.t1),
        )
        .await;
    assert!(
        page.body
            .contains("each questionnaire is emailed when it is due")
    );

    // The round emails what is due, once, with a link that opens the questionnaire.
    let sent = send().await.expect("round");
    assert!(sent >= 1, "the baseline is due");
    assert_eq!(send().await.expect("round"), 0, "once");
    let mails = mailed(&t).await;
    let to_ada: Vec<_> = mails
        .iter()
        .filter(|m| m.contains("ada@example.org"))
        .collect();
    assert_eq!(to_ada.len(), sent);
    let link = {
        let m = to_ada[0];
        let i = m.find("/m/").expect("a link");
        let rest = &m[i..];
        rest[..rest.find(char::is_whitespace).unwrap_or(rest.len())].to_owned()
    };
    assert_eq!(t.get(&link, None).await.status, StatusCode::OK);

    // A practice that wants a click: nothing more by itself, even after the client agreed.
    let r = t
        .post(
            "/settings/clinical",
            "auto_send_shown=1&remind_days=3",
            Some(&c.owner),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let b = c.b;
    give_email(&t, b, "Ben Beta", "ben@example.org").await;
    let r = t
        .post(
            &format!("/clients/{b}/email-consent"),
            "agreed=yes",
            Some(&c.t2),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(send().await.expect("round"), 0);
    let page = t.get(&format!("/clients/{b}/measures"), Some(&c.t2)).await;
    assert!(page.body.contains("the practice sends each with a click"));
}
