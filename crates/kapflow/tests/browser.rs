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
