//! Identity through HTTP, in process: sign-in, throttling, sessions, CSRF, MFA, step-up,
//! invitations, password reset, the audit viewer.

mod support;

use axum::http::{StatusCode, header};
use kapflow_domain::Role;
use kapflow_domain::time_util::now_utc;
use kapflow_web::auth::totp;
use support::{PASSWORD, Person, Reply, TestApp, mailed_link};
use time::Duration;

fn form_login(email: &str, password: &str) -> String {
    format!(
        "email={}&password={}&next=%2Fdashboard",
        email.replace('@', "%40"),
        password.replace(' ', "+")
    )
}

/// Signs in with the password; returns the new session (second factor still pending).
async fn password_step(
    t: &TestApp,
    email: &str,
    id: kapflow_domain::UserId,
    role: Role,
) -> (Reply, Person) {
    let r = t.post("/login", &form_login(email, PASSWORD), None).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let token = r.session_cookie().expect("a session cookie");
    let rec =
        t.db.store
            .session_by_token(&kapflow_domain::token::token_hash(&token))
            .await
            .expect("q")
            .expect("session");
    let p = Person {
        id,
        role,
        email: email.into(),
        token,
        csrf: rec.csrf_token,
    };
    (r, p)
}

fn between<'a>(s: &'a str, start: &str, end: &str) -> &'a str {
    let i = s
        .find(start)
        .map(|i| i + start.len())
        .expect("start marker");
    let j = s[i..].find(end).expect("end marker");
    &s[i..i + j]
}

fn code_now(secret: &[u8], offset_steps: i64) -> String {
    let t = now_utc().unix_timestamp() + offset_steps * 30;
    totp::code_at(secret, u64::try_from(t).expect("time"))
}

/// Enrols TOTP through the pages; returns the fully signed-in person and the secret.
async fn enrol(t: &TestApp, p: &Person) -> (Person, Vec<u8>, Vec<String>) {
    let page = t.get("/mfa/enrol", Some(p)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("<svg"), "QR code rendered as SVG");
    let secret = totp::decode_secret_text(between(
        &page.body,
        "id=\"totp-secret\" class=\"secret\">",
        "<",
    ))
    .expect("secret");
    let r = t
        .post(
            "/mfa/enrol",
            &format!("code={}", code_now(&secret, 0)),
            Some(p),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let codes: Vec<String> = r
        .body
        .split("<li><code>")
        .skip(1)
        .map(|s| s.split('<').next().unwrap_or("").to_owned())
        .collect();
    assert_eq!(codes.len(), 10);
    let token = r.session_cookie().expect("rotated session");
    assert_ne!(token, p.token, "a new session id after the second factor");
    let rec =
        t.db.store
            .session_by_token(&kapflow_domain::token::token_hash(&token))
            .await
            .expect("q")
            .expect("s");
    (
        Person {
            token,
            csrf: rec.csrf_token,
            ..p.clone()
        },
        secret,
        codes,
    )
}

#[tokio::test]
async fn wrong_password_and_unknown_account_get_the_same_answer_and_are_audited() {
    let t = TestApp::new().await;
    let id = t.account("ann@example.org", Role::Therapist).await;
    let wrong = t
        .post(
            "/login",
            &form_login("ann@example.org", "not the password"),
            None,
        )
        .await;
    let unknown = t
        .post("/login", &form_login("nobody@example.org", PASSWORD), None)
        .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);
    let msg = "The email address or password is not right.";
    assert!(wrong.body.contains(msg) && unknown.body.contains(msg));
    assert!(
        wrong.body.contains("value=\"ann@example.org\""),
        "the address typed is kept"
    );
    assert!(wrong.session_cookie().is_none());
    let rows =
        t.db.store
            .query_audit(
                &kapflow_store::audit::AuditFilter {
                    action: Some("auth.login".into()),
                    ..Default::default()
                },
                10,
            )
            .await
            .expect("q");
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
        let r = t
            .post(
                "/login",
                &form_login(&format!("u{i}@example.org"), "wrong password!"),
                None,
            )
            .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "attempt {i}");
    }
    let r = t
        .post(
            "/login",
            &form_login("u99@example.org", "wrong password!"),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(r.headers.contains_key(header::RETRY_AFTER));
    assert!(r.body.contains("Too many attempts"));
}

#[tokio::test]
async fn ten_wrong_passwords_lock_the_account_and_send_a_notice() {
    let t = TestApp::new().await;
    t.account("ann@example.org", Role::Therapist).await;
    for _ in 0..10 {
        t.post(
            "/login",
            &form_login("ann@example.org", "wrong password!"),
            None,
        )
        .await;
    }
    let r = t
        .post("/login", &form_login("ann@example.org", PASSWORD), None)
        .await;
    assert_eq!(
        r.status,
        StatusCode::TOO_MANY_REQUESTS,
        "even the right password waits"
    );
    assert_eq!(
        t.db.store.outbox_pending().await.expect("q"),
        1,
        "a lockout notice is queued"
    );
}

#[tokio::test]
async fn the_full_sign_in_with_mfa_enrolment_replay_refusal_and_recovery_codes() {
    full_sign_in(TestApp::new().await).await;
}

#[tokio::test]
async fn the_full_sign_in_with_mfa_enrolment_replay_refusal_and_recovery_codes_postgres() {
    full_sign_in(TestApp::new_postgres().await).await;
}

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
    assert_eq!(
        (r.status, r.location()),
        (StatusCode::SEE_OTHER, "/staff?done=disabled")
    );
    let after = t.get("/dashboard", Some(&ther)).await;
    assert!(after.location().starts_with("/login?next="));
    // And cannot sign in again.
    t.db.store.list_users().await.expect("users");
}

#[tokio::test]
async fn idle_sessions_end_and_say_why() {
    let t = TestApp::new().await;
    let p = t.signed_in("t@example.org", Role::Therapist).await;
    let rec =
        t.db.store
            .session_by_token(&kapflow_domain::token::token_hash(&p.token))
            .await
            .expect("q")
            .expect("s");
    t.db.store
        .touch_session(rec.id, now_utc() - Duration::minutes(31))
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
            .user_by_id(ther.id)
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
async fn role_changes_need_a_fresh_step_up() {
    let t = TestApp::new().await;
    let owner_id = t.account("owner@example.org", Role::Owner).await;
    let ther = t.signed_in("t@example.org", Role::Therapist).await;
    let (_, p) = password_step(&t, "owner@example.org", owner_id, Role::Owner).await;
    let (owner, secret, _) = enrol(&t, &p).await;
    let uri = format!("/staff/{}/role", ther.id);
    let r = t.post(&uri, "role=front_desk", Some(&owner)).await;
    assert_eq!(
        (r.status, r.location()),
        (StatusCode::SEE_OTHER, "/step-up?next=%2Fstaff")
    );
    assert_eq!(
        t.db.store
            .user_by_id(ther.id)
            .await
            .expect("q")
            .expect("u")
            .role,
        Role::Therapist
    );
    let s = t
        .post(
            "/step-up",
            &format!("code={}&next=%2Fstaff", code_now(&secret, 1)),
            Some(&owner),
        )
        .await;
    assert_eq!((s.status, s.location()), (StatusCode::SEE_OTHER, "/staff"));
    let token = s.session_cookie().expect("new session at step-up");
    let rec =
        t.db.store
            .session_by_token(&kapflow_domain::token::token_hash(&token))
            .await
            .expect("q")
            .expect("s");
    let stepped = Person {
        token,
        csrf: rec.csrf_token,
        ..owner.clone()
    };
    let r = t.post(&uri, "role=front_desk", Some(&stepped)).await;
    assert_eq!(r.location(), "/staff?done=role");
    assert_eq!(
        t.db.store
            .user_by_id(ther.id)
            .await
            .expect("q")
            .expect("u")
            .role,
        Role::FrontDesk
    );
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
    let bad = t
        .post(
            "/staff/invite",
            "email=not-an-address&role=therapist",
            Some(&owner),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("value=\"not-an-address\""));
    let r = t
        .post(
            "/staff/invite",
            "email=new%40example.org&role=therapist",
            Some(&owner),
        )
        .await;
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
    let ok = t
        .post(
            &link,
            &format!(
                "display_name=New+Therapist&password={0}&password_confirm={0}",
                PASSWORD.replace(' ', "+")
            ),
            None,
        )
        .await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    assert_eq!(t.get(&link, None).await.status, StatusCode::GONE);
    let u =
        t.db.store
            .user_by_email(&kapflow_domain::Email::parse("new@example.org").expect("e"))
            .await
            .expect("q")
            .expect("u");
    assert_eq!(u.role, Role::Therapist);
    let login = t
        .post("/login", &form_login("new@example.org", PASSWORD), None)
        .await;
    assert_eq!(login.status, StatusCode::SEE_OTHER);
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
        t.post(
            "/login",
            &form_login("ann@example.org", "lantern orbit pebble"),
            None
        )
        .await
        .status,
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn the_audit_viewer_filters_and_its_export_needs_step_up_and_is_audited() {
    let t = TestApp::new().await;
    let owner_id = t.account("owner@example.org", Role::Owner).await;
    let (_, p) = password_step(&t, "owner@example.org", owner_id, Role::Owner).await;
    let (owner, secret, _) = enrol(&t, &p).await;
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
    let s = t
        .post(
            "/step-up",
            &format!("code={}&next=%2Faudit%2Fexport.csv", code_now(&secret, 1)),
            Some(&owner),
        )
        .await;
    let token = s.session_cookie().expect("stepped up");
    let rec =
        t.db.store
            .session_by_token(&kapflow_domain::token::token_hash(&token))
            .await
            .expect("q")
            .expect("s");
    let stepped = Person {
        token,
        csrf: rec.csrf_token,
        ..owner.clone()
    };
    let csv = t
        .get(
            "/audit/export.csv?person=owner%40example.org",
            Some(&stepped),
        )
        .await;
    assert_eq!(csv.status, StatusCode::OK);
    assert_eq!(csv.headers[header::CONTENT_TYPE], "text/csv; charset=utf-8");
    assert!(csv.body.starts_with("seq,time_utc,person"));
    assert!(csv.body.contains("\"mfa.enrolled\""));
    let actions = t.audit_actions(Some(owner_id)).await;
    assert!(actions.iter().any(|(a, _)| a == "audit.export"));
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

#[tokio::test]
async fn a_withdrawn_invitation_link_stops_working() {
    let t = TestApp::new().await;
    let owner = t.signed_in("owner@example.org", Role::Owner).await;
    t.post(
        "/staff/invite",
        "email=new%40example.org&role=front_desk",
        Some(&owner),
    )
    .await;
    let link = mailed_link(&t, "/invite/").await;
    let r = t
        .post(
            "/staff/invitations/revoke",
            "email=new%40example.org",
            Some(&owner),
        )
        .await;
    assert_eq!(r.location(), "/staff?done=revoked");
    assert_eq!(t.get(&link, None).await.status, StatusCode::GONE);
    assert_eq!(
        t.post(
            "/staff/invitations/revoke",
            "email=new%40example.org",
            Some(&owner)
        )
        .await
        .status,
        StatusCode::NOT_FOUND
    );
}
