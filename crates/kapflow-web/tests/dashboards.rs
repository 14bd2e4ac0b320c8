//! Each role's dashboard is a work queue: the prescriber's dose-change requests and messages,
//! the therapist's answers and messages, front desk's missing consents and contact details, the
//! owner's staff without a second step — each item a link to where the work is done, and
//! nothing from outside the person's reach.

mod support;

use axum::http::StatusCode;
use support::clinic::clinic;
use support::{Person, TestApp};

/// The items of the dashboard queue headed `heading` (its links and names), or `None` when the
/// dashboard has no such queue.
fn queue(body: &str, heading: &str) -> Option<Vec<(String, String)>> {
    let at = body.find(&format!(">{heading}"))?;
    let section = &body[at..];
    let section = &section[..section.find("</section>").unwrap_or(section.len())];
    Some(
        section
            .match_indices("<li><a href=\"")
            .map(|(i, m)| {
                let rest = &section[i + m.len()..];
                let href = rest[..rest.find('"').expect("href")].to_owned();
                let name_at = rest.find('>').expect("a") + 1;
                let name =
                    rest[name_at..name_at + rest[name_at..].find('<').expect("</a>")].to_owned();
                (href, name)
            })
            .collect(),
    )
}

async fn dashboard(t: &TestApp, p: &Person) -> String {
    let r = t.get("/dashboard", Some(p)).await;
    assert_eq!(r.status, StatusCode::OK);
    r.body
}

#[tokio::test]
async fn each_roles_dashboard_lists_its_waiting_work_as_links() {
    let t = TestApp::new().await;
    let c = clinic(&t).await;
    let (a, b) = (c.a, c.b);

    // The prescriber: Ada's open dose-change request, to be answered on the prescriber page.
    let p1 = dashboard(&t, &c.p1).await;
    assert_eq!(
        queue(&p1, "Dose-change requests to answer"),
        Some(vec![(
            format!("/clients/{a}/prescriber"),
            "Ada Alpha".to_owned()
        )])
    );
    assert_eq!(
        queue(&p1, "Referrals awaiting your evaluation"),
        Some(vec![])
    );
    assert!(
        queue(&p1, "New inquiries").is_none(),
        "not a prescriber's work"
    );
    assert_eq!(
        queue(
            &dashboard(&t, &c.p2).await,
            "Dose-change requests to answer"
        ),
        Some(vec![]),
        "another organisation's prescriber"
    );

    // A message from the prescriber shows on the therapist's dashboard, not on the other
    // therapist's; the therapist's own message shows on the prescriber's.
    let r = t
        .post(
            &format!("/clients/{a}/messages"),
            "body=Please%20recheck%20BP&_key=dash-msg-p1-0000001",
            Some(&c.p1),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let t1 = dashboard(&t, &c.t1).await;
    assert_eq!(
        queue(&t1, "Unread messages"),
        Some(vec![(
            format!("/clients/{a}/messages"),
            "Ada Alpha".to_owned()
        )])
    );
    assert!(
        t1.contains(r#"Dashboard <span class="nav-count">1<span class="visually-hidden"> unread message</span>"#),
        "the count on the navigation"
    );
    let t2 = dashboard(&t, &c.t2).await;
    assert_eq!(queue(&t2, "Unread messages"), Some(vec![]));
    assert!(!t2.contains("unread message</span>"));
    let p1 = dashboard(&t, &c.p1).await;
    assert_eq!(
        queue(&p1, "Unread messages from care teams"),
        Some(vec![]),
        "the prescriber's own message is not waiting for them"
    );
    // Once the therapist opens Ada's messages, nothing is unread.
    assert_eq!(
        t.get(&format!("/clients/{a}/messages"), Some(&c.t1))
            .await
            .status,
        StatusCode::OK
    );
    let t1 = dashboard(&t, &c.t1).await;
    assert_eq!(queue(&t1, "Unread messages"), Some(vec![]));
    assert!(!t1.contains("unread message</span>"), "the count is gone");
    assert!(queue(&t1, "Staff without two-step sign-in").is_none());

    // Front desk: Ben, at assessment, has signed nothing; Ada has.
    let front = dashboard(&t, &c.front).await;
    let unsigned = queue(&front, "Clients in a course without signed consents").expect("queue");
    assert!(unsigned.contains(&(format!("/clients/{b}/consents"), "Ben Beta".to_owned())));
    assert!(!unsigned.iter().any(|(_, n)| n == "Ada Alpha"));
    assert!(
        queue(
            &front,
            "Clients missing contact details or an emergency contact"
        )
        .is_some()
    );
    assert!(
        queue(&front, "Dose-change requests to answer").is_none()
            && queue(&front, "Unread messages").is_none(),
        "nothing clinical for front desk"
    );

    // The owner: the practice's queues, staff accounts by name with the way to the staff page.
    let owner = dashboard(&t, &c.owner).await;
    let staff = queue(&owner, "Staff without two-step sign-in").expect("queue");
    assert!(
        !staff.is_empty() && staff.iter().all(|(href, _)| href == "/staff"),
        "{staff:?}"
    );
    assert!(queue(&owner, "Invitations not yet accepted").is_some());
    assert!(queue(&owner, "New inquiries").is_some());
}

/// A client's open risk alert shows beside their name in every queue of someone who may read
/// their record — never on front desk's.
#[tokio::test]
async fn queue_rows_carry_the_clients_open_risk_alert() {
    use kapflow_domain::time_util::now_utc;
    use support::answers::{answer, phq9};
    let t = TestApp::new().await;
    let c = clinic(&t).await;
    let a = c.a;
    let r = t
        .post(
            &format!("/clients/{a}/messages"),
            "body=Please%20recheck%20BP&_key=dash-risk-p1-000001",
            Some(&c.p1),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let plain = dashboard(&t, &c.t1).await;
    assert!(!plain.contains("risk-badge"), "no alert yet");
    let items = phq9([1, 1, 1, 1, 1, 1, 1, 1, 2]);
    answer(&t, a, "phq9", &items, now_utc(), &c.t1.actor()).await;
    let t1 = dashboard(&t, &c.t1).await;
    let row = &t1[t1.find(">Unread messages").expect("queue")..];
    let row = &row[..row.find("</li>").expect("a row")];
    assert!(
        row.contains("Ada Alpha") && row.contains("risk-badge") && row.contains("Open alert:"),
        "{row}"
    );
    assert!(
        !dashboard(&t, &c.front).await.contains("risk-badge"),
        "front desk never sees a risk level"
    );
}
