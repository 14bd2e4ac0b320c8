//! Signing in through the pages, as the tests need it: the password step, TOTP enrolment from
//! the shown secret, and codes computed the way an authenticator app does.

use super::{PASSWORD, Person, Reply, TestApp};
use axum::http::StatusCode;
use kapflow_domain::Role;
use kapflow_domain::time_util::now_utc;
use kapflow_web::auth::totp;

pub fn form_login(email: &str, password: &str) -> String {
    format!(
        "email={}&password={}&next=%2Fdashboard",
        email.replace('@', "%40"),
        password.replace(' ', "+")
    )
}

/// Posts the sign-in form for `email` with `password`, as nobody yet.
pub async fn login(t: &TestApp, email: &str, password: &str) -> Reply {
    t.post("/login", &form_login(email, password), None).await
}

/// Signs in with the password; returns the new session (second factor still pending).
pub async fn password_step(
    t: &TestApp,
    email: &str,
    id: kapflow_domain::UserId,
    role: Role,
) -> (Reply, Person) {
    let r = login(t, email, PASSWORD).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let who = Person {
        id,
        role,
        email: email.into(),
        token: String::new(),
        csrf: String::new(),
    };
    let p = continue_session(t, &r, &who).await;
    (r, p)
}

pub fn between<'a>(s: &'a str, start: &str, end: &str) -> &'a str {
    let i = s
        .find(start)
        .map(|i| i + start.len())
        .expect("start marker");
    let j = s[i..].find(end).expect("end marker");
    &s[i..i + j]
}

pub fn code_now(secret: &[u8], offset_steps: i64) -> String {
    let t = now_utc().unix_timestamp() + offset_steps * 30;
    totp::code_at(secret, u64::try_from(t).expect("time"))
}

/// Enrols TOTP through the pages; returns the fully signed-in person and the secret.
pub async fn enrol(t: &TestApp, p: &Person) -> (Person, Vec<u8>, Vec<String>) {
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
    let full = continue_session(t, &r, p).await;
    assert_ne!(
        full.token, p.token,
        "a new session id after the second factor"
    );
    (full, secret, codes)
}

/// A new account with the test password, signed in through the pages with TOTP enrolled;
/// returns the person and their TOTP secret.
pub async fn enrolled(t: &TestApp, email: &str, role: Role) -> (Person, Vec<u8>) {
    let id = t.account(email, role).await;
    let (_, p) = password_step(t, email, id, role).await;
    let (full, secret, _) = enrol(t, &p).await;
    (full, secret)
}

/// Steps up with the next TOTP code, going on to `next` (encoded); returns the reply and `p`
/// in the session it sets.
pub async fn step_up(t: &TestApp, p: &Person, secret: &[u8], next: &str) -> (Reply, Person) {
    let form = format!("code={}&next={next}", code_now(secret, 1));
    let r = t.post("/step-up", &form, Some(p)).await;
    let stepped = continue_session(t, &r, p).await;
    (r, stepped)
}

/// `p` as the session the reply just set (sign-in, second factor, step-up rotate the session).
pub async fn continue_session(t: &TestApp, r: &Reply, p: &Person) -> Person {
    let token = r.session_cookie().expect("the reply sets a new session");
    let rec =
        t.db.store
            .sessions()
            .by_token(&kapflow_domain::token::token_hash(&token))
            .await
            .expect("q")
            .expect("the new session exists");
    Person {
        token,
        csrf: rec.csrf_token,
        ..p.clone()
    }
}
