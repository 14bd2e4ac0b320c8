//! The owner's account administration through HTTP, in process: role changes with step-up,
//! invitations, password resets, and the audit viewer.

mod support;

use axum::http::{StatusCode, header};
use kapflow_domain::{Role, UserId};
use support::signin::*;
use support::{PASSWORD, Person, Reply, TestApp, mailed_link};

/// The owner's invitation form, sent.
async fn invite(t: &TestApp, owner: &Person, form: &str) -> Reply {
    t.post("/staff/invite", form, Some(owner)).await
}

/// The form that accepts an invitation as `name` with the test password.
fn accept_form(name: &str) -> String {
    format!(
        "display_name={name}&password={0}&password_confirm={0}",
        PASSWORD.replace(' ', "+")
    )
}

/// The role `id`'s account has now.
async fn role_of(t: &TestApp, id: UserId) -> Role {
    t.db.store
        .users()
        .by_id(id)
        .await
        .expect("q")
        .expect("u")
        .role
}

#[tokio::test]
async fn role_changes_need_a_fresh_step_up() {
    let t = TestApp::new().await;
    let (owner, secret) = enrolled(&t, "owner@example.org", Role::Owner).await;
    let ther = t.signed_in("t@example.org", Role::Therapist).await;
    let uri = format!("/staff/{}/role", ther.id);
    let r = t.post(&uri, "role=front_desk", Some(&owner)).await;
    assert_eq!(
        (r.status, r.location()),
        (StatusCode::SEE_OTHER, "/step-up?next=%2Fstaff")
    );
    assert_eq!(role_of(&t, ther.id).await, Role::Therapist);
    let (s, stepped) = step_up(&t, &owner, &secret, "%2Fstaff").await;
    assert_eq!((s.status, s.location()), (StatusCode::SEE_OTHER, "/staff"));
    let r = t.post(&uri, "role=front_desk", Some(&stepped)).await;
    assert_eq!(r.location(), "/staff?done=role");
    assert_eq!(role_of(&t, ther.id).await, Role::FrontDesk);
    assert!(
        t.get("/dashboard", Some(&ther))
            .await
            .location()
            .starts_with("/login?next="),
        "the changed account signs in afresh"
    );
}

#[tokio::test]
async fn an_invitation_is_single_use_and_makes_the_account() {
    let t = TestApp::new().await;
    let owner = t.signed_in("owner@example.org", Role::Owner).await;
    let bad = invite(&t, &owner, "email=not-an-address&role=therapist").await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("value=\"not-an-address\""));
    let r = invite(&t, &owner, "email=new%40example.org&role=therapist").await;
    assert_eq!(r.location(), "/staff?done=invited");
    let staff = t.get("/staff", Some(&owner)).await.body;
    assert!(
        staff.contains("Invitations not yet accepted")
            && staff.contains("<td>new@example.org</td>")
    );
    let link = mailed_link(&t, "/invite/").await;
    assert_eq!(t.get(&link, None).await.status, StatusCode::OK);
    let weak = t
        .post(
            &link,
            "display_name=New+Therapist&password=short&password_confirm=short",
            None,
        )
        .await;
    assert_eq!(weak.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(weak.body.contains("value=\"New Therapist\""));
    let ok = t.post(&link, &accept_form("New+Therapist"), None).await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    assert_eq!(t.get(&link, None).await.status, StatusCode::GONE);
    let u =
        t.db.store
            .users()
            .by_email(&kapflow_domain::Email::parse("new@example.org").expect("e"))
            .await
            .expect("q")
            .expect("u");
    assert_eq!(u.role, Role::Therapist);
    let signed_in = login(&t, "new@example.org", PASSWORD).await;
    assert_eq!(signed_in.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn a_password_reset_link_works_once_and_ends_old_sessions() {
    let t = TestApp::new().await;
    let id = t.account("ann@example.org", Role::Therapist).await;
    let live = t
        .session_for(id, Role::Therapist, "ann@example.org", true)
        .await;
    for email in ["nobody%40example.org", "ann%40example.org"] {
        let r = t
            .post("/password/forgot", &format!("email={email}"), None)
            .await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(r.body.contains("If an active account uses that address"));
    }
    let link = mailed_link(&t, "/password/reset/").await;
    let r = t
        .post(
            &link,
            "password=lantern+orbit+pebble&password_confirm=lantern+orbit+pebble",
            None,
        )
        .await;
    assert_eq!(
        (r.status, r.location()),
        (StatusCode::SEE_OTHER, "/login?reset=1")
    );
    assert_eq!(t.get(&link, None).await.status, StatusCode::GONE);
    assert!(
        t.get("/dashboard", Some(&live))
            .await
            .location()
            .starts_with("/login?next=")
    );
    assert_eq!(
        login(&t, "ann@example.org", "lantern orbit pebble")
            .await
            .status,
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn audit_filter_dates_outside_a_sensible_window_are_refused_with_the_range() {
    let t = TestApp::new().await;
    let owner = t.signed_in("owner@example.org", Role::Owner).await;
    // 9999-12-31 used to reach "to + 1 day" past the calendar's end: a panic, answered 500.
    for q in [
        "to=9999-12-31",
        "from=9999-12-31",
        "from=1900-01-01",
        "to=1900-01-01",
    ] {
        let r = t.get(&format!("/audit?{q}"), Some(&owner)).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{q}");
        let what = if q.starts_with("to") { "To" } else { "From" };
        assert!(
            r.body.contains(&format!("Enter the {what} date between")),
            "{q}: {}",
            r.body
        );
    }
    let today = kapflow_domain::time_util::now_utc().date();
    let r = t
        .get(&format!("/audit?from={today}&to={today}"), Some(&owner))
        .await;
    assert_eq!(r.status, StatusCode::OK);
}

#[tokio::test]
async fn the_audit_viewer_filters_and_its_export_needs_step_up_and_is_audited() {
    let t = TestApp::new().await;
    let (owner, secret) = enrolled(&t, "owner@example.org", Role::Owner).await;
    let page = t.get("/audit?action=mfa.enrolled", Some(&owner)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("<td>mfa.enrolled</td>"));
    assert!(!page.body.contains("<td>auth.password_ok</td>"));
    let bad = t.get("/audit?from=yesterday", Some(&owner)).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let csv = t
        .get("/audit/export.csv?person=owner%40example.org", Some(&owner))
        .await;
    assert!(csv.location().starts_with("/step-up?next="));
    let (_, stepped) = step_up(&t, &owner, &secret, "%2Faudit%2Fexport.csv").await;
    let csv = t
        .get(
            "/audit/export.csv?person=owner%40example.org",
            Some(&stepped),
        )
        .await;
    assert_eq!(csv.status, StatusCode::OK);
    assert_eq!(csv.headers[header::CONTENT_TYPE], "text/csv; charset=utf-8");
    assert!(csv.body.starts_with("seq,time_utc,person"));
    assert!(csv.body.contains(",mfa.enrolled,"));
    let actions = t.audit_actions(Some(owner.id)).await;
    assert!(actions.iter().any(|(a, _)| a == "audit.export"));
}

#[tokio::test]
async fn a_withdrawn_invitation_link_stops_working() {
    let t = TestApp::new().await;
    let owner = t.signed_in("owner@example.org", Role::Owner).await;
    invite(&t, &owner, "email=new%40example.org&role=front_desk").await;
    let link = mailed_link(&t, "/invite/").await;
    let revoke = || {
        t.post(
            "/staff/invitations/revoke",
            "email=new%40example.org",
            Some(&owner),
        )
    };
    assert_eq!(revoke().await.location(), "/staff?done=revoked");
    assert_eq!(t.get(&link, None).await.status, StatusCode::GONE);
    assert_eq!(revoke().await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn an_invitation_for_an_address_that_gained_an_account_says_so_instead_of_failing() {
    // An invitation made before the address got an account another way (`kapflow user add`
    // before first-run setup, then setup with the same address): the unique address must
    // answer with a page that says what to do, not a server error.
    let t = TestApp::new().await;
    let owner = t.signed_in("owner@example.org", Role::Owner).await;
    let r = invite(&t, &owner, "email=late%40example.org&role=therapist").await;
    assert_eq!(r.location(), "/staff?done=invited");
    let link = mailed_link(&t, "/invite/").await;
    t.account("late@example.org", Role::FrontDesk).await;
    let shown = t.get(&link, None).await;
    assert_eq!(shown.status, StatusCode::CONFLICT);
    assert!(
        shown.body.contains("You already have an account"),
        "{}",
        shown.body
    );
    let sent = t.post(&link, &accept_form("Late+Comer"), None).await;
    assert_eq!(sent.status, StatusCode::CONFLICT, "{}", sent.body);
    assert!(sent.body.contains("Sign in"));
    let accounts = t.db.store.users().list().await.expect("users");
    let same: Vec<_> = accounts
        .iter()
        .filter(|u| u.email.as_str() == "late@example.org")
        .collect();
    assert_eq!(same.len(), 1, "still one account for the address");
    assert_eq!(
        same[0].role,
        Role::FrontDesk,
        "the existing account is untouched"
    );
}

#[tokio::test]
async fn mail_kapflow_cannot_read_stays_unsent_counted_and_shown_to_the_owner() {
    let t = TestApp::new().await;
    let owner = t.signed_in("owner@example.org", Role::Owner).await;
    let r = invite(&t, &owner, "email=new%40example.org&role=therapist").await;
    assert_eq!(r.location(), "/staff?done=invited");
    // The stored message is damaged (a template this version does not know).
    kapflow_store::testkit::raw_execute(
        &t.db,
        "UPDATE outbox SET payload = '{\"template\":\"no_such_template\",\"to\":\"x@example.org\"}'",
    )
    .await
    .expect("damage");
    for round in 0..2 {
        assert!(
            support::mailed(&t).await.is_empty(),
            "round {round}: nothing sent"
        );
    }
    let outbox = t.db.store.outbox();
    assert_eq!(
        outbox.pending().await.expect("pending"),
        0,
        "no longer waiting"
    );
    let health = outbox.health().await.expect("health");
    assert_eq!(
        (health.given_up, health.failing),
        (1, 0),
        "kept undelivered, given up"
    );
    let troubles = outbox.troubles(10).await.expect("troubles");
    assert_eq!(troubles.len(), 1);
    assert_eq!(troubles[0].attempts, 1, "not leased again after giving up");
    assert_eq!(troubles[0].kind, None);

    let metrics = t.get("/metrics", None).await.body;
    assert!(metrics.contains("kapflow_mail_given_up 1"), "{metrics}");
    assert!(
        metrics.contains("kapflow_mail_undeliverable_total 1"),
        "{metrics}"
    );

    let staff = t.get("/staff", Some(&owner)).await.body;
    assert!(staff.contains("Email that could not be sent"));
    assert!(staff.contains("A message kapflow cannot read"));
    assert!(staff.contains("will not be retried"));
    assert!(
        !staff.contains("x@example.org"),
        "the content is never shown"
    );
    let dash = t.get("/dashboard", Some(&owner)).await.body;
    assert!(dash.contains("1 email could not be sent at all."), "{dash}");
    let ther = t.signed_in("t@example.org", Role::Therapist).await;
    assert!(
        !t.get("/dashboard", Some(&ther))
            .await
            .body
            .contains("could not be sent")
    );
}
