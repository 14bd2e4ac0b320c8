//! Browser flows in headless Chromium against the real binary. Run one at a time.

mod support;

#[path = "browser/calendar.rs"]
mod calendar;
#[path = "browser/dosing.rs"]
mod dosing;
#[path = "browser/measures.rs"]
mod measures;
#[path = "browser/passkey.rs"]
mod passkey;
#[path = "browser/pathway.rs"]
mod pathway;
#[path = "browser/phone.rs"]
mod phone;
#[path = "browser/portal.rs"]
mod portal;
#[path = "browser/session.rs"]
mod session;

use fantoccini::Locator;
use fantoccini::key::Key;
use support::Server;
use support::browser::Browser;
use support::keys::{
    focus_is, press, select_all, summary_leads_to, tab_to, title, type_text, until_focus,
};
use support::ui::*;

#[tokio::test]
async fn owner_opens_the_setup_link_from_the_home_page_and_sets_up_the_practice() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let (_dir, _data, server) = support::practice_server().await;
    let c = &browser.client;
    let link = server.setup_link.clone().expect("setup link");

    // The home page explains where the setup link is; staff pages load our own htmx under the CSP.
    c.goto(&server.url).await.expect("home");
    let notice = wait_text(c, Locator::Id("setup-heading")).await;
    assert_eq!(notice, "kapflow is installed");
    c.goto(&format!("{}/login", server.url))
        .await
        .expect("login");
    let htmx: serde_json::Value = c.execute("return typeof htmx", vec![]).await.expect("js");
    assert_eq!(htmx, "object", "vendored htmx loads from our origin");

    // The setup link shows the form.
    c.goto(&link).await.expect("setup link");
    expect_h1(c, "Set up your practice").await;

    // A mistake is shown next to its field, and what was typed stays.
    fill(c, "practice_name", "Alvarado Therapy").await;
    choose(c, "time_zone", "America/Los Angeles").await;
    fill(c, "display_name", "Catherine Alvarado, LMFT").await;
    fill(c, "email", "catherine.example.org").await;
    fill(c, "password", "correct horse battery").await;
    fill(c, "password_confirm", "correct horse battery").await;
    click(c, "form button[type=submit]").await;
    let err = wait_text(c, Locator::Id("email-error")).await;
    assert!(err.contains("like name@example.com"), "{err}");
    let kept = c
        .find(Locator::Id("practice_name"))
        .await
        .expect("f")
        .prop("value")
        .await
        .expect("v");
    assert_eq!(kept.as_deref(), Some("Alvarado Therapy"));
    assert_eq!(
        field_value(c, "time_zone").await,
        "America/Los_Angeles",
        "the chosen zone stays chosen"
    );

    // Fixed, it goes through once.
    fill(c, "email", "catherine@example.org").await;
    fill(c, "password", "correct horse battery").await;
    fill(c, "password_confirm", "correct horse battery").await;
    click(c, "form button[type=submit]").await;
    expect_h1(c, "Your practice is set up").await;

    // The link is spent.
    c.goto(&link).await.expect("link again");
    expect_h1(c, "This setup link cannot be used").await;
    c.goto(&server.url).await.expect("home");
    let name = wait_text(c, Locator::Css(".site-name")).await;
    assert_eq!(name, "Alvarado Therapy");
    assert!(
        c.find(Locator::Id("setup-heading")).await.is_err(),
        "no setup notice once set up"
    );

    browser.close().await;
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
    choose(c, "time_zone", "UTC").await;
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
    let err = wait_text(c, Locator::Css(".error-summary")).await;
    assert!(err.contains("not right"), "{err}");
    fill(c, "code", &totp_code(&owner_secret, 1)).await;
    click(c, "form[action='/login/mfa'] button[type=submit]").await;
    expect_h1(c, "Welcome, Catherine Alvarado").await;

    // Invite a therapist.
    c.goto(&format!("{base}/staff")).await.expect("staff");
    fill(c, "invite-email", "sam@example.org").await;
    click(c, "form[action='/staff/invite'] button[type=submit]").await;
    let notice = wait_text(c, Locator::Css(".notice")).await;
    assert_eq!(notice, "Invitation sent.");
    shot(c, "staff").await;
    assert_accessible(
        c,
        support::browser::axe_source().as_deref(),
        "the staff page",
    )
    .await;
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
    let body = wait_text(c, Locator::Css("main")).await;
    assert!(
        body.contains("No questionnaires are due for your clients"),
        "{body}"
    );
    shot(c, "dashboard-therapist").await;
    assert_accessible(
        c,
        support::browser::axe_source().as_deref(),
        "the dashboard",
    )
    .await;
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
    // Wait for the signed-in page: going on before the code is accepted races the sign-in.
    click_and_load(c, "form[action='/login/mfa'] button[type=submit]").await;
    c.goto(&format!("{base}/audit?action=auth.mfa"))
        .await
        .expect("audit");
    shot(c, "audit").await;
    assert_accessible(
        c,
        support::browser::axe_source().as_deref(),
        "the audit trail",
    )
    .await;
    let table = wait_text(c, Locator::Css("table.audit")).await;
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
        logged.contains("route=/login/mfa") && logged.contains("latency_ms"),
        "the debug log was captured: {logged}"
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

#[tokio::test]
async fn a_visitor_inquires_the_front_desk_handles_it_and_every_page_passes_axe() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let axe_js = support::browser::axe_source();
    let axe = axe_js.as_deref();
    let (_dir, data, server) = support::practice_server().await;
    let c = &browser.client;
    let base = server.url.clone();
    let owner_pw = "lantern orbit pebble";
    let owner_secret = set_up_owner(c, server.setup_link.as_deref().expect("link"), owner_pw).await;

    // The owner's website editor and practice details are accessible too.
    for path in [
        "/site",
        "/site/faq.1",
        "/settings",
        "/site/photos",
        "/account/sessions",
        "/account/notifications",
        "/staff",
    ] {
        c.goto(&format!("{base}{path}")).await.expect("editor page");
        assert_accessible(c, axe, path).await;
    }

    // Front desk: invited from the console, accepts through the link.
    let out = support::kapflow_command(&data, None)
        .args([
            "user",
            "add",
            "--email",
            "desk@example.org",
            "--role",
            "front_desk",
            "--public-url",
            &base,
        ])
        .output()
        .expect("user add");
    let link = String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .find(|w| w.contains("/invite/"))
        .expect("link")
        .to_owned();
    let desk_pw = "quiet harbour violet";
    let accepted = server.post_form(
        &support::path_of(&link),
        &format!(
            "display_name=Dana+Desk&password={0}&password_confirm={0}",
            desk_pw.replace(' ', "+")
        ),
    );
    assert_eq!(accepted.status, 200);

    // A visitor reads every public page at three widths: accessible, screenshotted.
    c.delete_all_cookies().await.expect("visitor");
    for (w, h) in [(360u32, 800u32), (768, 1000), (1280, 900)] {
        c.set_window_size(w, h).await.expect("resize");
        for page in kapflow_web::site::Page::ALL {
            c.goto(&format!("{base}{}", page.path()))
                .await
                .expect("page");
            assert_accessible(c, axe, &format!("{} at {w}px", page.path())).await;
            let foreign: serde_json::Value = c
                .execute("return performance.getEntriesByType('resource').map(e => e.name).filter(n => !n.startsWith(location.origin))", vec![])
                .await
                .expect("resource timing");
            assert_eq!(
                foreign,
                serde_json::json!([]),
                "{} loaded something from another origin",
                page.path()
            );
            shot(c, &format!("public{}-{w}", page.path().replace('/', "-"))).await;
        }
    }
    c.set_window_size(1280, 900).await.expect("resize");

    // The inquiry, keyboard only: a mistake, fixed without retyping, then a double click.
    c.goto(&format!("{base}/connect")).await.expect("connect");
    let connect_title = title(c).await;
    tab_to(c, "#name").await;
    type_text(c, "Jo Lee").await;
    tab_to(c, "input[name=preferred_contact]").await;
    press(c, Key::Space).await;
    assert!(
        focus_is(c, "#contact-email:checked").await,
        "email is the first way to be contacted"
    );
    tab_to(c, "#email").await;
    type_text(c, "jo.example.org").await;
    tab_to(c, "#concern-depression").await;
    press(c, Key::Space).await;
    tab_to(c, "#message").await;
    type_text(c, "I would like to know whether KAP could help me.").await;
    let count = wait_text(c, Locator::Id("message-count")).await;
    assert_eq!(
        count, "953 of 1000 characters left",
        "a visible, live character limit"
    );
    tab_to(c, "#consent").await;
    press(c, Key::Space).await;
    tab_to(c, "form.inquiry-form button[type=submit]").await;
    press(c, Key::Enter).await;
    summary_leads_to(c, "#email").await;
    expect_h1(c, "Connect with me").await;
    assert_eq!(title(c).await, format!("Error: {connect_title}"));
    let err = wait_text(c, Locator::Id("email-error")).await;
    assert!(err.contains("name@example.com"), "{err}");
    assert_eq!(
        attr_of(c, "email", "aria-describedby").await.as_deref(),
        Some("email-error")
    );
    // Fixed from the keyboard, where the summary left focus.
    select_all(c).await;
    type_text(c, "jo@example.org").await;
    assert_accessible(c, axe, "/connect with errors").await;
    let kept = c
        .find(Locator::Id("name"))
        .await
        .expect("name")
        .prop("value")
        .await
        .expect("v");
    assert_eq!(kept.as_deref(), Some("Jo Lee"));
    let message = c
        .find(Locator::Id("message"))
        .await
        .expect("m")
        .prop("value")
        .await
        .expect("v");
    assert_eq!(
        message.as_deref(),
        Some("I would like to know whether KAP could help me.")
    );
    assert_eq!(field_value(c, "email").await, "jo@example.org");
    c.execute("const b = document.querySelector('form.inquiry-form button[type=submit]'); b.click(); b.click();", vec![]).await.expect("double click");
    expect_h1(c, "Thank you, your inquiry has been sent").await;
    let thanks_title = title(c).await;
    assert!(
        thanks_title != connect_title && thanks_title.starts_with("Your inquiry has been sent"),
        "{thanks_title}"
    );
    assert_accessible(c, axe, "/connect/thanks").await;

    // The front desk signs in, sees one inquiry, marks it contacted.
    sign_in(c, &base, "desk@example.org", desk_pw).await;
    enrol(c).await;
    click(c, "a.button.primary").await;
    c.goto(&format!("{base}/inquiries")).await.expect("inbox");
    expect_h1(c, "Inquiries").await;
    let rows = c
        .find_all(Locator::Css("table.table tbody tr"))
        .await
        .expect("rows");
    assert_eq!(rows.len(), 1, "one inquiry despite the double click");
    assert_accessible(c, axe, "the inbox").await;
    click(c, "table.table tbody a").await;
    expect_h1(c, "Jo Lee").await;
    assert_accessible(c, axe, "an inquiry").await;
    c.find(Locator::Id("new-status"))
        .await
        .expect("status")
        .select_by_value("contacted")
        .await
        .expect("select");
    click(c, "form[action$='/status'] button").await;
    let notice = wait_text(c, Locator::Css(".notice")).await;
    assert_eq!(notice, "Status updated.");
    shot(c, "inquiry").await;

    // The owner signs in, keyboard only: a wrong password, then a wrong code, each refused with
    // focus on what to fix.
    c.delete_all_cookies().await.expect("owner");
    c.goto(&format!("{base}/login"))
        .await
        .expect("sign-in page");
    tab_to(c, "#email").await;
    type_text(c, "catherine@example.org").await;
    tab_to(c, "#password").await;
    type_text(c, "not my password").await;
    press(c, Key::Enter).await;
    summary_leads_to(c, "#email").await;
    assert!(title(c).await.starts_with("Error: Sign in"));
    assert_accessible(c, axe, "sign-in with a wrong password").await;
    tab_to(c, "#password").await;
    type_text(c, owner_pw).await;
    press(c, Key::Enter).await;
    until_focus(c, "#code").await; // the code field takes focus on arrival
    type_text(c, "000000").await;
    press(c, Key::Enter).await;
    summary_leads_to(c, "#code").await;
    assert_eq!(
        attr_of(c, "code", "aria-describedby").await.as_deref(),
        Some("code-hint code-error")
    );
    assert_accessible(c, axe, "the code page with a wrong code").await;
    tab_to(c, "#code").await;
    type_text(c, &totp_code(&owner_secret, 1)).await;
    press(c, Key::Enter).await;
    expect_h1(c, "Welcome, Catherine Alvarado").await;
    c.goto(&format!("{base}/audit?action=inquiry.view"))
        .await
        .expect("audit");
    let table = wait_text(c, Locator::Css("table.audit")).await;
    assert!(
        table.contains("desk@example.org") && table.contains("inquiry.view"),
        "{table}"
    );

    browser.close().await;
}
