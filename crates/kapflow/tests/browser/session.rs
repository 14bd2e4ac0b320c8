//! The signed-in session in the browser: the idle warning (announced, never covering the field
//! in focus, closed by Escape) and what was typed kept over an idle sign-out for the same person
//! only.

use super::support::browser::Browser;
use super::support::keys::{focus_is, press, shift_tab, tab_to};
use super::support::ui::*;
use fantoccini::Locator;
use fantoccini::key::Key;

/// The drafts `session.js` keeps in this tab, as stored.
async fn kept_drafts(c: &fantoccini::Client) -> Vec<String> {
    let v = c
        .execute(
            "return Object.keys(sessionStorage).filter(k => k.startsWith('kapflow-draft:')).map(k => sessionStorage.getItem(k));",
            vec![],
        )
        .await
        .expect("read storage");
    serde_json::from_value(v).expect("strings")
}

/// Waits (up to 10 s) until this tab keeps exactly `n` drafts.
async fn until_kept(c: &fantoccini::Client, n: usize) -> Vec<String> {
    for _ in 0..100 {
        let kept = kept_drafts(c).await;
        if kept.len() == n {
            return kept;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("the tab never kept {n} drafts: {:?}", kept_drafts(c).await);
}

/// What an idle sign-out leaves: the session gone, the tab on the sign-in page with `next`.
async fn signed_out_for_idleness(c: &fantoccini::Client, base: &str, next: &str) {
    c.delete_all_cookies().await.expect("end the session");
    c.goto(&format!("{base}/login?expired=1&next={next}"))
        .await
        .expect("sign-in page");
}

async fn sign_in_with_code(c: &fantoccini::Client, email: &str, password: &str, code: &str) {
    fill(c, "email", email).await;
    fill(c, "password", password).await;
    click(c, "form[action^='/login'] button[type=submit]").await;
    fill(c, "code", code).await;
    click(c, "form[action='/login/mfa'] button[type=submit]").await;
}

/// What covers the focused element, if anything does: the idle warning over any part of it.
const COVERED: &str = "const bar = document.getElementById('idle-warning'); const el = document.activeElement;\
    if (!el || el === document.body) return 'nothing has focus';\
    if (bar.contains(el)) return null;\
    const w = bar.getBoundingClientRect(), r = el.getBoundingClientRect();\
    const across = Math.min(r.right, w.right) - Math.max(r.left, w.left), down = Math.min(r.bottom, w.bottom) - Math.max(r.top, w.top);\
    return across > 0 && down > 0 ? (el.id || el.tagName) + ' is under the warning' : null;";

/// Waits (up to 5 s) until the idle warning is shown or hidden, as `shown` says.
async fn until_warning(c: &fantoccini::Client, shown: bool, why: &str) {
    let script = "return !document.getElementById('idle-warning').hidden";
    for _ in 0..50 {
        if c.execute(script, vec![]).await.expect("warning") == serde_json::json!(shown) {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!(
        "{why}: the warning never became {}",
        if shown { "shown" } else { "hidden" }
    );
}

/// The idle warning at a phone's width: it comes two minutes before sign-out (the clock is
/// moved on, not waited for), is announced, takes no focus, never covers the focused field as
/// the person tabs on, and Escape keeps the session.
async fn idle_warning_leaves_the_focused_field_in_view(c: &fantoccini::Client, base: &str) {
    c.set_window_size(390, 844).await.expect("phone width");
    c.goto(&format!("{base}/clients/new")).await.expect("form");
    expect_h1(c, "New client").await;
    tab_to(c, "#legal_name").await;
    c.execute(
        "const b = document.body.dataset; const ahead = (b.idleSeconds - b.warnSeconds + 1) * 1000;\
         const real = Date.now.bind(Date); Date.now = () => real() + ahead;",
        vec![],
    )
    .await
    .expect("move the clock on");
    until_warning(c, true, "the warning shows two minutes before sign-out").await;
    assert!(
        focus_is(c, "#legal_name").await,
        "the warning takes no focus"
    );
    let said = wait_text(c, Locator::Id("idle-announce")).await;
    assert!(said.contains("signed out"), "announced: {said:?}");
    // On through the form, then back past the top of the page, where a bar at the top would
    // sit over the first links if the page did not move down under it.
    for step in 0..20 {
        let covered = c.execute(COVERED, vec![]).await.expect("covered");
        assert_eq!(covered, serde_json::Value::Null, "after {step} Tabs");
        press(c, Key::Tab).await;
    }
    for step in 0..30 {
        shift_tab(c).await;
        let covered = c.execute(COVERED, vec![]).await.expect("covered");
        assert_eq!(covered, serde_json::Value::Null, "after {step} Shift+Tabs");
    }
    press(c, Key::Escape).await;
    until_warning(c, false, "Escape keeps the session and closes the warning").await;
    c.set_window_size(1280, 900).await.expect("desktop width");
}

#[tokio::test]
async fn typing_kept_over_an_idle_sign_out_returns_only_to_the_same_person() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let (_dir, data, server) = super::support::practice_server().await;
    let base = server.url.clone();
    let owner_pw = "lantern orbit pebble";
    let c = &browser.client;
    let owner_secret = set_up_owner(c, server.setup_link.as_deref().expect("link"), owner_pw).await;
    add_staff_from_console(
        &server,
        &data,
        ("sam@example.org", "therapist", "Sam Rivera"),
        "quiet harbour violet",
    );

    idle_warning_leaves_the_focused_field_in_view(c, &base).await;

    // The owner types, is signed out for idleness, and signs back in on the same tab.
    c.goto(&format!("{base}/clients/new")).await.expect("form");
    fill(c, "legal_name", "Quinn Sample").await;
    let kept = until_kept(c, 1).await;
    assert!(
        !kept[0].contains("Quinn"),
        "kept encrypted, not as typed: {}",
        kept[0]
    );
    signed_out_for_idleness(c, &base, "/clients/new").await;
    sign_in_with_code(
        c,
        "catherine@example.org",
        owner_pw,
        &totp_code(&owner_secret, 1),
    )
    .await;
    expect_h1(c, "New client").await;
    wait_contains(c, Locator::Css("main"), "We restored what you had typed").await;
    assert_eq!(field_value(c, "legal_name").await, "Quinn Sample");
    assert!(
        kept_drafts(c).await.is_empty(),
        "a restored draft is not kept twice"
    );

    // The owner types again, and this time someone else signs in on the same tab.
    fill(c, "legal_name", "Riley Private").await;
    until_kept(c, 1).await;
    signed_out_for_idleness(c, &base, "/clients/new").await;
    fill(c, "email", "sam@example.org").await;
    fill(c, "password", "quiet harbour violet").await;
    click(c, "form[action^='/login'] button[type=submit]").await;
    enrol(c).await;
    assert!(
        kept_drafts(c).await.is_empty(),
        "another person's sign-in deletes the draft"
    );
    c.goto(&format!("{base}/clients/new")).await.expect("form");
    expect_h1(c, "New client").await;
    assert_eq!(
        field_value(c, "legal_name").await,
        "",
        "nothing of the owner's shows"
    );
    assert!(!c.source().await.expect("html").contains("Riley Private"));

    // An explicit sign-out deletes what was kept.
    fill(c, "legal_name", "Sam's Draft").await;
    until_kept(c, 1).await;
    click(c, "form[action='/logout'] button").await;
    expect_h1(c, "Sign in").await;
    assert!(
        kept_drafts(c).await.is_empty(),
        "sign-out deletes kept drafts"
    );
    browser.close().await;
}
