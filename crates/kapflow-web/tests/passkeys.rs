//! Passkeys through the web, as far as a test without an authenticator reaches (the browser
//! test registers and signs in with Chromium's virtual authenticator): registering is offered
//! only to a session that has passed the second factor or has none yet, a ceremony works once
//! and only for the session that began it, and a credential that does not verify is refused
//! and audited.

mod support;

use axum::http::StatusCode;
use kapflow_domain::Role;
use serde_json::{Value, json};
use support::signin::{enrolled, password_step};
use support::{TestApp, on_both_backends};

fn body(r: &support::Reply) -> Value {
    serde_json::from_str(&r.body).unwrap_or(Value::Null)
}

/// The practice at a web address (passkeys are scoped to a domain name, never an IP address).
fn at_a_name() -> kapflow_web::WebConfig {
    kapflow_web::WebConfig {
        public_url: "http://localhost:8080".into(),
        ..Default::default()
    }
}

#[tokio::test]
async fn registering_needs_the_second_factor_passed_and_a_ceremony_works_once() {
    flow(TestApp::with_config(at_a_name()).await).await;
}

#[tokio::test]
async fn registering_needs_the_second_factor_passed_and_a_ceremony_works_once_postgres() {
    flow(TestApp::postgres_with_config(at_a_name()).await).await;
}

#[tokio::test]
async fn at_an_ip_address_passkeys_are_not_offered() {
    let t = TestApp::new().await;
    let id = t.account("new@example.org", Role::Client).await;
    let (_, fresh) = password_step(&t, "new@example.org", id, Role::Client).await;
    let r = t
        .post_json("/passkeys/register/start", &json!({}), &fresh)
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(
        !t.get("/mfa/enrol", Some(&fresh))
            .await
            .body
            .contains("data-passkey")
    );
}

async fn flow(t: TestApp) {
    // A person with an authenticator app, past the password only: may not add a passkey
    // (it would let a stolen password skip the code).
    let (full, _secret) = enrolled(&t, "sam@example.org", Role::Therapist).await;
    let (_, half) = password_step(&t, "sam@example.org", full.id, Role::Therapist).await;
    let r = t
        .post_json("/passkeys/register/start", &json!({}), &half)
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    // Fully signed in: the browser gets a challenge for this practice's address.
    let r = t
        .post_json("/passkeys/register/start", &json!({}), &full)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let start = body(&r);
    let pk = &start["options"]["publicKey"];
    assert_eq!(pk["rp"]["id"], "localhost");
    assert!(pk["challenge"].as_str().is_some_and(|c| c.len() >= 16));
    assert_eq!(pk["user"]["name"], "sam@example.org");
    let ceremony = start["ceremony"].clone();
    // A credential that does not verify: refused, audited; the ceremony is spent.
    let forged = json!({
        "ceremony": ceremony,
        "name": "Forged",
        "credential": {
            "id": "AAAA",
            "rawId": "AAAA",
            "type": "public-key",
            "response": { "attestationObject": "AAAA", "clientDataJSON": "AAAA" }
        }
    });
    let r = t
        .post_json("/passkeys/register/finish", &forged, &full)
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    assert!(body(&r)["error"].as_str().is_some());
    let audit = t.audit_actions(Some(full.id)).await;
    assert!(
        audit
            .iter()
            .any(|(a, o)| a == "mfa.passkey_refused" && o == "failure")
    );
    let r = t
        .post_json("/passkeys/register/finish", &forged, &full)
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "a ceremony works once");
    // Another session cannot finish a ceremony this one began.
    let r = t
        .post_json("/passkeys/register/start", &json!({}), &full)
        .await;
    let other = t.confirmed(&full).await;
    let stolen = json!({ "ceremony": body(&r)["ceremony"], "credential": forged["credential"] });
    let r = t
        .post_json("/passkeys/register/finish", &stolen, &other)
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(
        t.db.store
            .passkeys()
            .list(full.id)
            .await
            .expect("l")
            .is_empty()
    );
    // No passkey yet: signing in with one says so.
    let r = t
        .post_json("/passkeys/sign-in/start", &json!({}), &half)
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(
        body(&r)["error"]
            .as_str()
            .is_some_and(|e| e.contains("no passkey"))
    );
    // The code page offers a passkey only to someone who has one.
    let page = t.get("/login/mfa", Some(&half)).await.body;
    assert!(!page.contains("data-passkey"));
    // Someone setting up their second factor may register one instead of a code.
    let id = t.account("new@example.org", Role::Client).await;
    let (_, fresh) = password_step(&t, "new@example.org", id, Role::Client).await;
    let r = t
        .post_json("/passkeys/register/start", &json!({}), &fresh)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let page = t.get("/mfa/enrol", Some(&fresh)).await.body;
    assert!(page.contains("data-passkey=\"register\""));
}

on_both_backends!(
    removal,
    a_person_removes_a_lost_devices_passkey_after_confirming_but_never_their_only_factor,
    a_person_removes_a_lost_devices_passkey_after_confirming_but_never_their_only_factor_postgres
);

/// A passkey row as a registration leaves it (the credential's JSON is the library's; this
/// test never signs in with it).
async fn stored_passkey(t: &TestApp, p: &support::Person, name: &str) -> uuid::Uuid {
    t.db.store
        .passkeys()
        .add(
            p.id,
            name,
            "{}",
            &p.actor(),
            kapflow_domain::time_util::now_utc(),
        )
        .await
        .expect("added")
}

async fn removal(t: TestApp) {
    // A client who chose passkeys instead of an app: two devices, no TOTP.
    let id = t.account("ada.k@example.org", Role::Client).await;
    let ada = t
        .session_for(id, Role::Client, "ada.k@example.org", true)
        .await;
    let phone = stored_passkey(&t, &ada, "Phone").await;
    let laptop = stored_passkey(&t, &ada, "Laptop").await;
    let page = t.get("/account/sessions", Some(&ada)).await.body;
    assert!(page.contains(&format!("/account/passkeys/{phone}/remove")));
    // Without a fresh second step: sent to confirm, back to the list afterwards.
    let remove = |k: uuid::Uuid| format!("/account/passkeys/{k}/remove");
    let r = t.post(&remove(phone), "", Some(&ada)).await;
    assert!(
        r.location()
            .starts_with("/step-up?next=%2Faccount%2Fsessions"),
        "{}",
        r.location()
    );
    let ada = t.confirmed(&ada).await;
    let r = t.post(&remove(phone), "", Some(&ada)).await;
    assert_eq!(r.location(), "/account/sessions?passkey=removed");
    assert!(
        t.get(r.location(), Some(&ada))
            .await
            .body
            .contains("The passkey was removed")
    );
    // The last one is kept: signing in would need a factor she no longer has.
    let r = t.post(&remove(laptop), "", Some(&ada)).await;
    assert_eq!(r.location(), "/account/sessions?passkey=only");
    assert!(
        t.get(r.location(), Some(&ada))
            .await
            .body
            .contains("only second step")
    );
    let left = t.db.store.passkeys().list(id).await.expect("list");
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].name, "Laptop");
    assert_eq!(t.audit_of_action("mfa.passkey_removed", 10).await.len(), 1);
    // Someone else's passkey: as if there were none, and nothing removed.
    let other = t.signed_in("sam.k@example.org", Role::Therapist).await;
    let other = t.confirmed(&other).await;
    let r = t.post(&remove(laptop), "", Some(&other)).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(t.db.store.passkeys().list(id).await.expect("list").len(), 1);
}
