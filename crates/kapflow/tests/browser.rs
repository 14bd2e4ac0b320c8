//! Browser flows in headless Chromium against the real binary. Run one at a time.

mod support;

use fantoccini::Locator;
use support::Server;
use support::browser::Browser;

#[tokio::test]
async fn owner_opens_the_setup_link_from_the_home_page_and_sets_up_the_practice() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let dir = tempfile::tempdir().expect("dir");
    let data = dir.path().to_owned();
    let server = tokio::task::spawn_blocking(move || Server::start(&data, None))
        .await
        .expect("server");
    let c = &browser.client;
    let link = server.setup_link.clone().expect("setup link");

    // The home page explains where the setup link is, and loads our own htmx under the CSP.
    c.goto(&server.url).await.expect("home");
    let h1 = c
        .find(Locator::Css("h1"))
        .await
        .expect("h1")
        .text()
        .await
        .expect("text");
    assert_eq!(h1, "kapflow is installed");
    let htmx: serde_json::Value = c.execute("return typeof htmx", vec![]).await.expect("js");
    assert_eq!(htmx, "object", "vendored htmx loads from our origin");

    // The setup link shows the form.
    c.goto(&link).await.expect("setup link");
    let h1 = c
        .find(Locator::Css("h1"))
        .await
        .expect("h1")
        .text()
        .await
        .expect("text");
    assert_eq!(h1, "Set up your practice");
    let form = c.form(Locator::Css("form")).await.expect("form");

    // A mistake is shown next to its field, and what was typed stays.
    c.find(Locator::Id("practice_name"))
        .await
        .expect("f")
        .send_keys("Alvarado Therapy")
        .await
        .expect("type");
    c.find(Locator::Id("display_name"))
        .await
        .expect("f")
        .send_keys("Catherine Alvarado, LMFT")
        .await
        .expect("type");
    c.find(Locator::Id("email"))
        .await
        .expect("f")
        .send_keys("catherine.example.org")
        .await
        .expect("type");
    c.find(Locator::Id("password"))
        .await
        .expect("f")
        .send_keys("correct horse battery")
        .await
        .expect("type");
    c.find(Locator::Id("password_confirm"))
        .await
        .expect("f")
        .send_keys("correct horse battery")
        .await
        .expect("type");
    form.submit().await.expect("submit");
    let err = c
        .find(Locator::Id("email-error"))
        .await
        .expect("email error")
        .text()
        .await
        .expect("t");
    assert!(err.contains("like name@example.com"), "{err}");
    let kept = c
        .find(Locator::Id("practice_name"))
        .await
        .expect("f")
        .prop("value")
        .await
        .expect("v");
    assert_eq!(kept.as_deref(), Some("Alvarado Therapy"));

    // Fixed, it goes through once.
    let email = c.find(Locator::Id("email")).await.expect("f");
    email.clear().await.expect("clear");
    email
        .send_keys("catherine@example.org")
        .await
        .expect("type");
    c.find(Locator::Id("password"))
        .await
        .expect("f")
        .send_keys("correct horse battery")
        .await
        .expect("type");
    c.find(Locator::Id("password_confirm"))
        .await
        .expect("f")
        .send_keys("correct horse battery")
        .await
        .expect("type");
    c.form(Locator::Css("form"))
        .await
        .expect("form")
        .submit()
        .await
        .expect("submit");
    let h1 = c
        .find(Locator::Css("h1"))
        .await
        .expect("h1")
        .text()
        .await
        .expect("text");
    assert_eq!(h1, "Your practice is set up");

    // The link is spent.
    c.goto(&link).await.expect("link again");
    let h1 = c
        .find(Locator::Css("h1"))
        .await
        .expect("h1")
        .text()
        .await
        .expect("text");
    assert_eq!(h1, "This setup link cannot be used");
    c.goto(&server.url).await.expect("home");
    let name = c
        .find(Locator::Css(".site-name"))
        .await
        .expect("name")
        .text()
        .await
        .expect("t");
    assert_eq!(name, "Alvarado Therapy");

    browser.close().await;
}

/// Types into the field with this id, replacing what is there.
async fn fill(c: &fantoccini::Client, id: &str, text: &str) {
    let el = c
        .find(Locator::Id(id))
        .await
        .unwrap_or_else(|_| panic!("field #{id}"));
    el.clear().await.expect("clear");
    el.send_keys(text).await.expect("type");
}

async fn click(c: &fantoccini::Client, css: &str) {
    c.find(Locator::Css(css))
        .await
        .unwrap_or_else(|_| panic!("element {css}"))
        .click()
        .await
        .expect("click");
}

/// Waits (up to 10 s) until the page's heading is `expected`: a click that submits a form
/// returns before the next page has loaded.
async fn expect_h1(c: &fantoccini::Client, expected: &str) {
    let mut seen = String::new();
    for _ in 0..100 {
        if let Ok(el) = c.find(Locator::Css("h1")).await
            && let Ok(text) = el.text().await
        {
            if text == expected {
                return;
            }
            seen = text;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("expected the heading {expected:?}, the page shows {seen:?}");
}

/// Saves a screenshot when KAPFLOW_SCREENSHOTS_DIR is set (for looking at pages by eye).
async fn shot(c: &fantoccini::Client, name: &str) {
    if let Ok(dir) = std::env::var("KAPFLOW_SCREENSHOTS_DIR") {
        let png = c.screenshot().await.expect("screenshot");
        std::fs::create_dir_all(&dir).expect("dir");
        std::fs::write(std::path::Path::new(&dir).join(format!("{name}.png")), png).expect("write");
    }
}

fn totp_code(secret: &[u8], steps_ahead: i64) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs();
    kapflow_web::auth::totp::code_at(secret, now + (steps_ahead * 30) as u64)
}

/// Signs in with the password and lands on the second-factor page.
async fn sign_in(c: &fantoccini::Client, base: &str, email: &str, password: &str) {
    c.goto(&format!("{base}/login")).await.expect("login page");
    fill(c, "email", email).await;
    fill(c, "password", password).await;
    click(c, "form[action='/login'] button[type=submit]").await;
}

/// On the enrolment page: reads the shown secret, enters the current code, and returns the
/// secret and the recovery codes shown.
async fn enrol(c: &fantoccini::Client) -> (Vec<u8>, Vec<String>) {
    expect_h1(c, "Set up two-step sign-in").await;
    assert!(
        c.find(Locator::Css(".qr svg")).await.is_ok(),
        "QR code shown as SVG"
    );
    shot(c, "mfa-enrol").await;
    let text = c
        .find(Locator::Id("totp-secret"))
        .await
        .expect("secret")
        .text()
        .await
        .expect("t");
    let secret = kapflow_web::auth::totp::decode_secret_text(&text).expect("base32 secret");
    fill(c, "code", &totp_code(&secret, 0)).await;
    click(c, "form[action='/mfa/enrol'] button[type=submit]").await;
    expect_h1(c, "Two-step sign-in is on").await;
    let mut codes = Vec::new();
    for el in c
        .find_all(Locator::Css("#recovery-codes code"))
        .await
        .expect("codes")
    {
        codes.push(el.text().await.expect("code"));
    }
    assert_eq!(codes.len(), 10);
    (secret, codes)
}

fn mailed_link(data: &std::path::Path, marker: &str) -> String {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        if let Ok(dir) = std::fs::read_dir(data.join("mail")) {
            for f in dir.flatten() {
                let text = std::fs::read_to_string(f.path()).unwrap_or_default();
                let unfolded = text
                    .replace("=\r\n", "")
                    .replace("=\n", "")
                    .replace("=3D", "=");
                if let Some(i) = unfolded.find(marker) {
                    let start = unfolded[..i].rfind("http").expect("link start");
                    let rest = &unfolded[start..];
                    let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
                    return rest[..end].to_owned();
                }
            }
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no email with {marker}"
        );
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
}

#[tokio::test]
async fn owner_enrols_mfa_invites_a_therapist_who_enrols_and_lands_on_an_empty_dashboard() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let dir = tempfile::tempdir().expect("dir");
    let data = dir.path().to_owned();
    let log = dir.path().join("server.log");
    let server = {
        let (data, log) = (data.clone(), log.clone());
        tokio::task::spawn_blocking(move || Server::start_logged(&data, None, Some(&log)))
            .await
            .expect("server")
    };
    let c = &browser.client;
    let base = server.url.clone();
    let setup_link = server.setup_link.clone().expect("setup link");
    let owner_pw = "lantern orbit pebble";
    let ther_pw = "quiet harbour violet";

    // Owner: first-run setup.
    c.goto(&setup_link).await.expect("setup");
    fill(c, "practice_name", "Alvarado Therapy").await;
    fill(c, "display_name", "Catherine Alvarado").await;
    fill(c, "email", "catherine@example.org").await;
    fill(c, "password", owner_pw).await;
    fill(c, "password_confirm", owner_pw).await;
    click(c, "form button[type=submit]").await;
    expect_h1(c, "Your practice is set up").await;
    click(c, "a.button.primary").await;

    // Sign in, enrol TOTP from the shown secret, land on the dashboard.
    fill(c, "email", "catherine@example.org").await;
    fill(c, "password", owner_pw).await;
    click(c, "form[action='/login'] button[type=submit]").await;
    let (owner_secret, owner_codes) = enrol(c).await;
    click(c, "a.button.primary").await;
    expect_h1(c, "Welcome, Catherine Alvarado").await;
    let first_cookie = c
        .get_named_cookie("kapflow_session")
        .await
        .expect("cookie")
        .value()
        .to_owned();

    // Sign out, sign back in: a wrong code is refused, the next one works.
    click(c, "form[action='/logout'] button").await;
    expect_h1(c, "Sign in").await;
    sign_in(c, &base, "catherine@example.org", owner_pw).await;
    expect_h1(c, "Confirm it is you").await;
    fill(c, "code", "000000").await;
    click(c, "form[action='/login/mfa'] button[type=submit]").await;
    let err = c
        .find(Locator::Css(".error-summary"))
        .await
        .expect("error")
        .text()
        .await
        .expect("t");
    assert!(err.contains("not right"), "{err}");
    fill(c, "code", &totp_code(&owner_secret, 1)).await;
    click(c, "form[action='/login/mfa'] button[type=submit]").await;
    expect_h1(c, "Welcome, Catherine Alvarado").await;

    // Invite a therapist.
    c.goto(&format!("{base}/staff")).await.expect("staff");
    fill(c, "invite-email", "sam@example.org").await;
    click(c, "form[action='/staff/invite'] button[type=submit]").await;
    let notice = c
        .find(Locator::Css(".notice"))
        .await
        .expect("notice")
        .text()
        .await
        .expect("t");
    assert_eq!(notice, "Invitation sent.");
    shot(c, "staff").await;
    let invite = mailed_link(&data, "/invite/");

    // The therapist, in a fresh browser session: accepts, signs in, enrols, sees an empty dashboard.
    c.delete_all_cookies().await.expect("new person");
    c.goto(&invite).await.expect("invite");
    expect_h1(c, "Set up your account").await;
    fill(c, "display_name", "Sam Rivera").await;
    fill(c, "password", ther_pw).await;
    fill(c, "password_confirm", ther_pw).await;
    click(c, "form button[type=submit]").await;
    expect_h1(c, "Your account is ready").await;
    sign_in(c, &base, "sam@example.org", ther_pw).await;
    let (_ther_secret, ther_codes) = enrol(c).await;
    click(c, "a.button.primary").await;
    expect_h1(c, "Welcome, Sam Rivera").await;
    let body = c
        .find(Locator::Css("main"))
        .await
        .expect("main")
        .text()
        .await
        .expect("t");
    assert!(body.contains("Nothing needs your attention"), "{body}");
    shot(c, "dashboard-therapist").await;
    assert!(
        c.find(Locator::Css("a[href='/staff']")).await.is_err(),
        "a therapist has no staff menu"
    );
    c.goto(&format!("{base}/audit")).await.expect("audit");
    expect_h1(c, "Not allowed").await;

    // Owner again: the wrong code is in the audit trail.
    c.delete_all_cookies().await.expect("owner again");
    sign_in(c, &base, "catherine@example.org", owner_pw).await;
    fill(c, "code", &owner_codes[0]).await;
    click(c, "form[action='/login/mfa'] button[type=submit]").await;
    c.goto(&format!("{base}/audit?action=auth.mfa"))
        .await
        .expect("audit");
    shot(c, "audit").await;
    let table = c
        .find(Locator::Css("table.audit"))
        .await
        .expect("table")
        .text()
        .await
        .expect("t");
    assert!(
        table.contains("failure") && table.contains("wrong code"),
        "{table}"
    );
    assert!(table.contains("catherine@example.org"));

    browser.close().await;
    drop(server);

    // Nothing secret reached the log.
    let logged = std::fs::read_to_string(&log).expect("log");
    assert!(
        logged.contains("finished processing request"),
        "debug log was captured"
    );
    let setup_token = setup_link.rsplit('/').next().expect("token");
    let invite_token = invite.rsplit('/').next().expect("token");
    let owner_secret_text = kapflow_web::auth::totp::secret_text(&owner_secret);
    for secret in [
        owner_pw,
        ther_pw,
        setup_token,
        invite_token,
        owner_secret_text.as_str(),
        first_cookie.as_str(),
        owner_codes[0].as_str(),
        ther_codes[0].as_str(),
    ] {
        assert!(!logged.contains(secret), "a secret reached the log");
    }
}
