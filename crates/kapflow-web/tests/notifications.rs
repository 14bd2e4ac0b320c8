//! Notification emails: a dose-change request to the referred organisation's prescribers, the
//! answer back to the care team, a message to the other side, never naming the client; each
//! kind switchable per person on their Notifications page.

mod support;

use axum::http::StatusCode;
use support::clinic::clinic;
use support::{TestApp, mailed};

/// The emails to `to` whose subject is `subject`.
fn to<'a>(mails: &'a [String], to: &str, subject: &str) -> Vec<&'a String> {
    mails
        .iter()
        .filter(|m| m.contains(&format!("To: {to}")) && m.contains(&format!("Subject: {subject}")))
        .collect()
}

#[tokio::test]
async fn the_care_team_and_the_prescriber_hear_of_each_others_work_and_can_switch_it_off() {
    let t = TestApp::new().await;
    let c = clinic(&t).await;
    let a = c.a;
    // The clinic's open dose-change request was made before: what it queued is delivered now.
    let _ = mailed(&t).await;

    // The prescriber answers Ada's request: the care team hears, with a link, and no name.
    let r = t
        .post(
            &format!("/clients/{a}/dose-requests/{}/answer", c.a_dose_request),
            "answer=declined&note=Stay%20at%20100",
            Some(&c.p1),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let mails = mailed(&t).await;
    let answered = to(&mails, &c.t1.email, "Answer to a dose-change request");
    assert_eq!(answered.len(), 1, "{mails:#?}");
    assert!(answered[0].contains(&format!("/clients/{a}/prescriber")));
    assert!(!answered[0].contains("Ada") && !answered[0].contains("Stay at 100"));
    assert!(to(&mails, &c.t2.email, "Answer to a dose-change request").is_empty());

    // A new request: the referred organisation's prescriber hears, the other one does not.
    let r = t
        .post(
            &format!("/clients/{a}/dose-requests"),
            "request=Could%20we%20try%20150%20mg%3F&_key=notify-dose-0000001",
            Some(&c.t1),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let mails = mailed(&t).await;
    assert_eq!(to(&mails, &c.p1.email, "Dose-change request").len(), 1);
    assert!(to(&mails, &c.p2.email, "Dose-change request").is_empty());

    // A message from the therapist reaches the prescriber, not its author.
    let post = |body: &str, key: &str| format!("body={body}&_key={key}");
    let r = t
        .post(
            &format!("/clients/{a}/messages"),
            &post("BP%20fine", "notify-msg-00000001"),
            Some(&c.t1),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let mails = mailed(&t).await;
    assert_eq!(to(&mails, &c.p1.email, "New message").len(), 1);
    assert!(to(&mails, &c.t1.email, "New message").is_empty());
    assert!(
        mails.iter().all(|m| !m.contains("BP fine")),
        "never the message itself"
    );

    // The prescriber switches messages off: the next one is not emailed to them.
    let page = t.get("/account/notifications", Some(&c.p1)).await;
    assert!(page.body.contains("value=\"messages\" checked"));
    assert!(
        !page.body.contains("value=\"inquiries_assigned\""),
        "not a prescriber's"
    );
    let r = t
        .post("/account/notifications", "on=dose_requests", Some(&c.p1))
        .await;
    assert_eq!(r.location(), "/account/notifications?saved=1");
    let page = t.get("/account/notifications", Some(&c.p1)).await;
    assert!(page.body.contains("value=\"messages\">"));
    let r = t
        .post(
            &format!("/clients/{a}/messages"),
            &post("Second", "notify-msg-00000002"),
            Some(&c.t1),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(to(&mailed(&t).await, &c.p1.email, "New message").is_empty());
    // The prescriber's own message reaches the care team.
    let r = t
        .post(
            &format!("/clients/{a}/messages"),
            &post("Noted", "notify-msg-00000003"),
            Some(&c.p1),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(to(&mailed(&t).await, &c.t1.email, "New message").len(), 1);
}
