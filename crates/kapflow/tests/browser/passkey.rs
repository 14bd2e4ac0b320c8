//! A passkey in headless Chromium with WebDriver's virtual authenticator: a client sets up a
//! passkey instead of an authenticator app, signs out, and signs in again with the password and
//! the passkey; the server keeps the authenticator's counter. The practice is reached by a
//! name (localhost): browsers scope passkeys to a domain, never an IP address.

use super::support::browser::Browser;
use super::support::ui::*;
use super::support::{Server, kapflow_command};
use fantoccini::Locator;
use fantoccini::wd::WebDriverCompatibleCommand;

const CLIENT_PW: &str = "maple river lantern";
const OWNER_PW: &str = "lantern orbit pebble";

/// WebDriver's "Add Virtual Authenticator" (Web Authentication, level 2, section 11): an
/// internal platform authenticator that holds passkeys and verifies its user.
#[derive(Debug)]
struct AddVirtualAuthenticator;

impl WebDriverCompatibleCommand for AddVirtualAuthenticator {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!(
            "session/{}/webauthn/authenticator",
            session_id.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _: &url::Url) -> (axum::http::Method, Option<String>) {
        let body = serde_json::json!({
            "protocol": "ctap2",
            "transport": "internal",
            "hasResidentKey": true,
            "hasUserVerification": true,
            "isUserConsenting": true,
            "isUserVerified": true
        });
        (axum::http::Method::POST, Some(body.to_string()))
    }
}

/// Waits (up to 10 s) until the browser has left `path`.
async fn leaves(c: &fantoccini::Client, path: &str) {
    for _ in 0..100 {
        if c.current_url().await.expect("url").path() != path {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let error = wait_text(c, Locator::Css("main")).await;
    panic!("still on {path}: {error}");
}

/// A free port on loopback for the server, so its public address can name it.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

#[tokio::test]
async fn passkey_a_client_sets_up_a_passkey_and_signs_in_with_it() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let c = &browser.client;
    let dir = tempfile::tempdir().expect("dir");
    let data = dir.path().to_owned();
    let port = free_port();
    let base = format!("http://localhost:{port}");
    let server = {
        let data = data.clone();
        let base = base.clone();
        tokio::task::spawn_blocking(move || {
            let mut cmd = kapflow_command(&data, None);
            cmd.env("KAPFLOW_PUBLIC_URL", &base);
            Server::spawn_at(&mut cmd, &format!("127.0.0.1:{port}"))
        })
        .await
        .expect("server")
    };
    assert_eq!(server.url, base);
    set_up_owner(c, server.setup_link.as_deref().expect("link"), OWNER_PW).await;
    let _ = c.delete_all_cookies().await;
    // A client account, invited the way the practice invites (through the store: the invitation
    // pages are tested in the portal test).
    let link = {
        let data = data.clone();
        tokio::task::spawn_blocking(move || {
            super::support::runtime().block_on(async {
                let store = super::support::keyed_store(&data).await;
                let owner = kapflow_domain::Actor::user(
                    super::support::user_id(&store, "catherine@example.org").await,
                    kapflow_domain::Role::Owner,
                    None,
                    None,
                );
                let token = kapflow_web::setup_link::new_token();
                let email = kapflow_domain::Email::parse("robin@example.org").expect("email");
                let now = kapflow_domain::time_util::now_utc();
                store
                    .invitations()
                    .create(
                        &email,
                        kapflow_domain::Role::Client,
                        None,
                        &kapflow_store::invitations::IssuedLink {
                            token_hash: &kapflow_domain::token::token_hash(&token),
                            link: "unused",
                            expires_at: now + time::Duration::days(1),
                        },
                        &owner,
                        now,
                    )
                    .await
                    .expect("invite")
                    .expect("sent");
                store.close().await;
                token
            })
        })
        .await
        .expect("invitation")
    };
    c.goto(&format!("{base}/invite/{link}"))
        .await
        .expect("invite");
    fill(c, "display_name", "Robin").await;
    fill(c, "password", CLIENT_PW).await;
    fill(c, "password_confirm", CLIENT_PW).await;
    click_and_load(c, "form button[type=submit]").await;
    expect_h1(c, "Your account is ready").await;

    // The browser gets an authenticator with a fingerprint reader, as a phone has.
    c.issue_cmd(AddVirtualAuthenticator)
        .await
        .expect("virtual authenticator");
    sign_in(c, &base, "robin@example.org", CLIENT_PW).await;
    expect_h1(c, "Set up two-step sign-in").await;
    wait_text(c, Locator::Css("[data-passkey=register] button")).await;
    click(c, "[data-passkey=register] button").await;
    // The second factor is passed: the page moves on.
    leaves(c, "/mfa/enrol").await;
    c.goto(&format!("{base}/account/sessions"))
        .await
        .expect("sessions");
    let sessions = wait_contains(c, Locator::Css("main"), "Passkeys").await;
    assert!(sessions.contains("This device"), "{sessions}");

    // Signed out, and in again: password, then the passkey.
    click(c, "form[action='/logout'] button[type=submit]").await;
    wait_contains(c, Locator::Css("main"), "You are signed out").await;
    sign_in(c, &base, "robin@example.org", CLIENT_PW).await;
    wait_text(c, Locator::Css("[data-passkey=sign-in] button")).await;
    click(c, "[data-passkey=sign-in] button").await;
    leaves(c, "/login/mfa").await;
    c.goto(&format!("{base}/account/sessions"))
        .await
        .expect("sessions");
    expect_h1(c, "Your sessions").await;
    let store_check = {
        let data = data.clone();
        tokio::task::spawn_blocking(move || {
            super::support::runtime().block_on(async {
                let store = super::support::keyed_store(&data).await;
                let id = super::support::user_id(&store, "robin@example.org").await;
                let keys = store.passkeys().list(id).await.expect("passkeys");
                store.close().await;
                keys
            })
        })
        .await
        .expect("store")
    };
    assert_eq!(store_check.len(), 1);
    assert!(
        store_check[0].last_used_at.is_some(),
        "the sign-in is recorded"
    );
    drop(server);
    browser.close().await;
}
