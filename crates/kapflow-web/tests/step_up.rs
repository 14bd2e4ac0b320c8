//! Sensitive client actions that ask for a fresh code (step-up) and say why: break-glass (a
//! reason, a time box, read-only, the owner told), the owner joining a client's care team (a
//! reason, the team told) and the prescriber's custody entries.

mod support;

use axum::http::StatusCode;
use support::TestApp;
use support::clinic::clinic;
use support::mailed;

#[tokio::test]
async fn the_owner_joins_a_care_team_only_with_a_code_a_reason_and_the_team_told() {
    let t = TestApp::new().await;
    let c = clinic(&t).await;
    let a = c.a;
    let team = format!("/clients/{a}/care-team");
    let reason = "reason=Covering%20for%20Sam%20while%20on%20leave";
    // Not with a plain "add": that adds others.
    let r = t
        .post(
            &team,
            &format!("change=add&user={}", c.owner.id),
            Some(&c.owner),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    // Joining asks for the owner's code first…
    let r = t
        .post(&team, &format!("change=join&{reason}"), Some(&c.owner))
        .await;
    assert_eq!(
        (r.status, r.location()),
        (
            StatusCode::SEE_OTHER,
            format!("/step-up?next=%2Fclients%2F{a}").as_str()
        )
    );
    // …and a real reason.
    let owner = t.confirmed(&c.owner).await;
    let r = t
        .post(&team, "change=join&reason=need%20it", Some(&owner))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body.contains("id=\"reason-error\"") && r.body.contains("need it"),
        "the error beside the field, the typing kept"
    );
    assert_eq!(
        t.get(&format!("/clients/{a}/intake"), Some(&owner))
            .await
            .status,
        StatusCode::NOT_FOUND,
        "still outside the owner's reach"
    );
    let r = t
        .post(&team, &format!("change=join&{reason}"), Some(&owner))
        .await;
    assert_eq!(
        (r.status, r.location()),
        (
            StatusCode::SEE_OTHER,
            format!("/clients/{a}?done=joined").as_str()
        )
    );
    assert_eq!(
        t.get(&format!("/clients/{a}/intake"), Some(&owner))
            .await
            .status,
        StatusCode::OK
    );
    let f = kapflow_store::audit::AuditFilter {
        action: Some("care_team.joined".into()),
        ..Default::default()
    };
    let joined = t.db.store.audit().query(&f, 10).await.expect("audit");
    assert_eq!(joined.len(), 1);
    assert_eq!(
        joined[0].entry.reason.as_deref(),
        Some("Covering for Sam while on leave")
    );
    // The therapist already on the team is told, without the client's name.
    let mails = mailed(&t).await;
    let notice = mails
        .iter()
        .find(|m| m.contains("joined the care team"))
        .expect("team notice");
    assert!(notice.contains("t1@example.org"), "{notice}");
    assert!(!notice.contains("Ada") && !notice.contains("Alpha"));
}

#[tokio::test]
async fn custody_entries_ask_the_prescriber_for_a_code_and_come_back_to_the_prescriber_page() {
    let t = TestApp::new().await;
    let c = clinic(&t).await;
    let a = c.a;
    let today = kapflow_domain::time_util::now_utc().date().to_string();
    let ship = format!("carrier=UPS&tracking_number=1Z1&shipped_on={today}");
    for (path, body) in [
        (format!("/clients/{a}/shipments"), ship.as_str()),
        (
            format!("/clients/{a}/shipments/{}/received", c.a_shipment),
            "",
        ),
    ] {
        let r = t.post(&path, body, Some(&c.p1)).await;
        assert_eq!(
            (r.status, r.location()),
            (
                StatusCode::SEE_OTHER,
                format!("/step-up?next=%2Fclients%2F{a}%2Fprescriber").as_str()
            ),
            "{path}"
        );
    }
    let p1 = t.confirmed(&c.p1).await;
    let r = t
        .post(&format!("/clients/{a}/shipments"), &ship, Some(&p1))
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(!r.location().starts_with("/step-up"), "{}", r.location());
}

#[tokio::test]
async fn break_glass_is_reasoned_time_boxed_read_only_and_tells_the_owner() {
    let t = TestApp::new().await;
    let c = clinic(&t).await;
    let a = c.a;
    assert_eq!(
        t.get(&format!("/clients/{a}/intake"), Some(&c.t2))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    // Breaking the glass asks for the code first, for the form and for sending it.
    for r in [
        t.get("/break-glass", Some(&c.t2)).await,
        t.post(
            "/break-glass",
            "legal_name=Ada%20Alpha&date_of_birth=1985-03-14&reason=Crisis%20call%2C%20therapist%20away",
            Some(&c.t2),
        )
        .await,
    ] {
        assert_eq!(
            (r.status, r.location()),
            (StatusCode::SEE_OTHER, "/step-up?next=%2Fbreak-glass")
        );
    }
    let t2 = t.confirmed(&c.t2).await;
    let r = t
        .post(
            "/break-glass",
            "legal_name=Ada%20Alpha&date_of_birth=1985-03-14&reason=",
            Some(&t2),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    // A reason is a real sentence: at least the practice's minimum (20 characters by default).
    let r = t
        .post(
            "/break-glass",
            "legal_name=Ada%20Alpha&date_of_birth=1985-03-14&reason=urgent",
            Some(&t2),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("at least 20 characters"), "{}", r.body);
    assert!(r.body.contains("id=\"reason-error\"") && r.body.contains("value=\"Ada Alpha\""));
    let r = t
        .post("/break-glass", "legal_name=ada%20alpha&date_of_birth=1985-03-14&reason=Crisis%20call%2C%20therapist%20away", Some(&t2))
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), format!("/clients/{a}"));
    let page = t.get(&format!("/clients/{a}/intake"), Some(&c.t2)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Break-glass access, read-only"));
    assert!(!page.body.contains("Complete intake"));
    // Read-only: writes look like the record is absent.
    assert_eq!(
        t.post(&format!("/clients/{a}/messages"), "body=hello", Some(&c.t2))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    // Every view in the window is marked.
    let f = kapflow_store::audit::AuditFilter {
        actor: Some(c.t2.id),
        action: Some("client.viewed".into()),
        ..Default::default()
    };
    let views = t.db.store.audit().query(&f, 100).await.expect("audit");
    assert!(
        !views.is_empty()
            && views
                .iter()
                .all(|v| v.entry.reason.as_deref() == Some("break-glass"))
    );
    // The owner is told, without the client's name.
    let mails = mailed(&t).await;
    let notice = mails
        .iter()
        .find(|m| m.contains("break-glass"))
        .expect("owner notice");
    assert!(notice.contains("owner@example.org"));
    assert!(!notice.contains("Ada") && !notice.contains("Alpha"));
    // No match, no grant.
    let r = t
        .post(
            "/break-glass",
            "legal_name=Nobody&date_of_birth=1985-03-14&reason=Crisis%20call%2C%20therapist%20away",
            Some(&t2),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    // Front desk and prescribers cannot break glass at all.
    assert_eq!(
        t.get("/break-glass", Some(&c.front)).await.status,
        StatusCode::FORBIDDEN
    );
}
