//! Identity through HTTP, in process: sign-in, throttling, lockout, MFA, sessions, CSRF.

mod support;

use axum::http::{StatusCode, header};
use kapflow_domain::Role;
use kapflow_domain::time_util::now_utc;
use support::on_both_backends;
use support::signin::*;
use support::{PASSWORD, TestApp};
use time::Duration;

#[tokio::test]
async fn wrong_password_and_unknown_account_get_the_same_answer_and_are_audited() {
    let t = TestApp::new().await;
    let id = t.account("ann@example.org", Role::Therapist).await;
    let wrong = login(&t, "ann@example.org", "not the password").await;
    let unknown = login(&t, "nobody@example.org", PASSWORD).await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);
    let msg = "The email address or password is not right.";
    assert!(wrong.body.contains(msg) && unknown.body.contains(msg));
    assert!(
        wrong.body.contains("value=\"ann@example.org\""),
        "the address typed is kept"
    );
    assert!(wrong.session_cookie().is_none());
    let rows = t.audit_of_action("auth.login", 10).await;
    assert_eq!(rows.len(), 2);
    assert!(
        rows.iter()
            .all(|r| r.entry.outcome == kapflow_domain::AuditOutcome::Failure)
    );
    assert!(
        rows.iter()
            .any(|r| r.entry.record_id.as_deref() == Some(&id.to_string()))
    );
}

#[tokio::test]
async fn thirty_failed_logins_from_one_ip_get_429() {
    let t = TestApp::new().await;
    for i in 0..30 {
        let r = login(&t, &format!("u{i}@example.org"), "wrong password!").await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "attempt {i}");
    }
    let r = login(&t, "u99@example.org", "wrong password!").await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(r.headers.contains_key(header::RETRY_AFTER));
    assert!(r.body.contains("Too many attempts"));
}

#[tokio::test]
async fn ten_wrong_passwords_lock_the_account_and_send_a_notice() {
    let t = TestApp::new().await;
    t.account("ann@example.org", Role::Therapist).await;
    for _ in 0..10 {
        login(&t, "ann@example.org", "wrong password!").await;
    }
    let r = login(&t, "ann@example.org", PASSWORD).await;
    assert_eq!(
        r.status,
        StatusCode::TOO_MANY_REQUESTS,
        "even the right password waits"
    );
    assert_eq!(
        t.db.store.outbox().pending().await.expect("q"),
        1,
        "a lockout notice is queued"
    );
}

#[tokio::test]
async fn successful_sign_ins_do_not_use_up_the_throttles_but_failures_still_do() {
    let t = TestApp::new().await;
    let id = t.account("ann@example.org", Role::Therapist).await;
    // More right passwords than either limit allows attempts (10 per account, 30 per IP), all
    // from one address, in one window: every one signs in.
    for i in 0..=kapflow_web::routes::login::IP_ATTEMPTS {
        let r = login(&t, "ann@example.org", PASSWORD).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "sign-in {i}: {}", r.body);
    }
    // Right codes do not count either: enrolment, then ten recovery codes and a fresh TOTP
    // code (eleven sign-ins with a code, over the limit of ten wrong ones).
    let (_, p) = password_step(&t, "ann@example.org", id, Role::Therapist).await;
    let (_, secret, codes) = enrol(&t, &p).await;
    let totp = code_now(&secret, 1);
    for (i, code) in codes.iter().chain([&totp]).enumerate() {
        let (_, p) = password_step(&t, "ann@example.org", id, Role::Therapist).await;
        let r = t
            .post(
                "/login/mfa",
                &format!("code={code}&next=%2Fdashboard"),
                Some(&p),
            )
            .await;
        assert_eq!(
            (r.status, r.location()),
            (StatusCode::SEE_OTHER, "/dashboard"),
            "code {i}"
        );
    }
    // Wrong codes still run out: ten are refused, then the eleventh waits.
    let (_, p) = password_step(&t, "ann@example.org", id, Role::Therapist).await;
    for i in 0..10 {
        let r = t.post("/login/mfa", "code=000000", Some(&p)).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "wrong code {i}");
    }
    let r = t.post("/login/mfa", "code=000000", Some(&p)).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    // Wrong passwords still lock the account out, and then even the right one waits.
    for i in 0..10 {
        let r = login(&t, "ann@example.org", "wrong password!").await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "wrong password {i}");
    }
    let r = login(&t, "ann@example.org", PASSWORD).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(r.headers.contains_key(header::RETRY_AFTER));
}

on_both_backends!(
    full_sign_in,
    the_full_sign_in_with_mfa_enrolment_replay_refusal_and_recovery_codes,
    the_full_sign_in_with_mfa_enrolment_replay_refusal_and_recovery_codes_postgres
);

async fn full_sign_in(t: TestApp) {
    let id = t.account("ann@example.org", Role::Therapist).await;
    let (r, p) = password_step(&t, "ann@example.org", id, Role::Therapist).await;
    assert!(r.location().starts_with("/mfa/enrol"));
    // Before the second factor, nothing is visible.
    let d = t.get("/dashboard", Some(&p)).await;
    assert_eq!(
        (d.status, d.location()),
        (StatusCode::SEE_OTHER, "/mfa/enrol")
    );
    // A wrong enrolment code is refused and audited.
    let bad = t.post("/mfa/enrol", "code=000000", Some(&p)).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let (full, secret, codes) = enrol(&t, &p).await;
    assert_eq!(
        t.get("/dashboard", Some(&full)).await.status,
        StatusCode::OK
    );
    assert_eq!(
        t.get("/dashboard", Some(&p)).await.status,
        StatusCode::SEE_OTHER,
        "the pre-MFA session is gone"
    );

    // Sign out, then the cookie is worthless.
    let out = t.post("/logout", "", Some(&full)).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    let replay = t.get("/dashboard", Some(&full)).await;
    assert!(
        replay.location().starts_with("/login?next="),
        "replayed cookie after logout is signed out"
    );

    // Sign in again: the code used at enrolment cannot be replayed; a wrong code is audited.
    let (r, p2) = password_step(&t, "ann@example.org", id, Role::Therapist).await;
    assert!(r.location().starts_with("/login/mfa"));
    let wrong = t
        .post("/login/mfa", "code=123456&next=%2Fdashboard", Some(&p2))
        .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    let actions = t.audit_actions(Some(id)).await;
    assert!(
        actions
            .iter()
            .any(|(a, o)| a == "auth.mfa" && o == "failure"),
        "{actions:?}"
    );
    // One code, used twice: the second use is a replay whatever the clock does meanwhile.
    let code = code_now(&secret, 1);
    let ok = t
        .post(
            "/login/mfa",
            &format!("code={code}&next=%2Fdashboard"),
            Some(&p2),
        )
        .await;
    assert_eq!(
        (ok.status, ok.location()),
        (StatusCode::SEE_OTHER, "/dashboard")
    );
    let (_, p3) = password_step(&t, "ann@example.org", id, Role::Therapist).await;
    let replay = t
        .post("/login/mfa", &format!("code={code}"), Some(&p3))
        .await;
    assert_eq!(
        replay.status,
        StatusCode::UNAUTHORIZED,
        "a code is accepted once"
    );
    // A recovery code works once.
    let rec = t
        .post(
            "/login/mfa",
            &format!("code={}", codes[0].to_uppercase()),
            Some(&p3),
        )
        .await;
    assert_eq!(rec.status, StatusCode::SEE_OTHER);
    let (_, p4) = password_step(&t, "ann@example.org", id, Role::Therapist).await;
    assert_eq!(
        t.post("/login/mfa", &format!("code={}", codes[0]), Some(&p4))
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn a_disabled_account_is_signed_out_on_its_next_request() {
    let t = TestApp::new().await;
    let owner = t.signed_in("owner@example.org", Role::Owner).await;
    let ther = t.signed_in("t@example.org", Role::Therapist).await;
    assert_eq!(
        t.get("/dashboard", Some(&ther)).await.status,
        StatusCode::OK
    );
    let r = t
        .post(&format!("/staff/{}/disable", ther.id), "", Some(&owner))
        .await;
    assert!(
        r.location().starts_with("/step-up?next="),
        "disabling a person asks for the owner's code first"
    );
    let owner = t.confirmed(&owner).await;
    let r = t
        .post(&format!("/staff/{}/disable", ther.id), "", Some(&owner))
        .await;
    assert_eq!(
        (r.status, r.location()),
        (StatusCode::SEE_OTHER, "/staff?done=disabled")
    );
    let after = t.get("/dashboard", Some(&ther)).await;
    assert!(after.location().starts_with("/login?next="));
    // And cannot sign in again.
    t.db.store.users().list().await.expect("users");
}

#[tokio::test]
async fn idle_sessions_end_and_say_why() {
    let t = TestApp::new().await;
    let p = t.signed_in("t@example.org", Role::Therapist).await;
    let rec =
        t.db.store
            .sessions()
            .by_token(&kapflow_domain::token::token_hash(&p.token))
            .await
            .expect("q")
            .expect("s");
    t.db.store
        .sessions()
        .touch(rec.id, now_utc() - Duration::minutes(31))
        .await
        .expect("age it");
    let r = t.get("/dashboard", Some(&p)).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(r.location().contains("expired=1"), "{}", r.location());
    assert!(
        t.get("/dashboard", Some(&p))
            .await
            .location()
            .starts_with("/login?next=")
    );
    let actions = t.audit_actions(Some(p.id)).await;
    assert!(actions.iter().any(|(a, _)| a == "session.expired"));
}

#[tokio::test]
async fn forms_without_this_sessions_token_are_refused_and_change_nothing() {
    let t = TestApp::new().await;
    let owner = t.signed_in("owner@example.org", Role::Owner).await;
    let ther = t.signed_in("t@example.org", Role::Therapist).await;
    let uri = format!("/staff/{}/disable", ther.id);
    for form in ["_csrf=", "_csrf=0000", &format!("_csrf={}", ther.csrf)] {
        let r = t.post(&uri, form, Some(&owner)).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{form}");
    }
    // Cross-site, even with the right token.
    let req = axum::http::Request::post(&uri)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header("sec-fetch-site", "cross-site")
        .header(header::COOKIE, format!("kapflow_session={}", owner.token))
        .body(axum::body::Body::from(format!("_csrf={}", owner.csrf)))
        .expect("req");
    assert_eq!(t.send(req).await.status, StatusCode::FORBIDDEN);
    assert!(
        !t.db
            .store
            .users()
            .by_id(ther.id)
            .await
            .expect("q")
            .expect("u")
            .disabled
    );
    let refusals = t.audit_actions(Some(owner.id)).await;
    assert_eq!(
        refusals
            .iter()
            .filter(|(a, _)| a == "access.csrf_refused")
            .count(),
        3
    );
}

#[tokio::test]
async fn sign_out_everywhere_else_keeps_this_session() {
    let t = TestApp::new().await;
    let a = t.signed_in("t@example.org", Role::Therapist).await;
    let b = t
        .session_for(a.id, Role::Therapist, "t@example.org", true)
        .await;
    let list = t.get("/account/sessions", Some(&a)).await;
    assert_eq!(list.body.matches("<tr><td>").count(), 2);
    let r = t.post("/account/sessions/end-others", "", Some(&a)).await;
    assert_eq!(r.location(), "/account/sessions?ended=1");
    assert_eq!(t.get("/dashboard", Some(&a)).await.status, StatusCode::OK);
    assert!(
        t.get("/dashboard", Some(&b))
            .await
            .location()
            .starts_with("/login?next=")
    );
}
