//! Working a page with the keyboard alone, as a person who cannot use a mouse does: keys go to
//! whatever has focus, through WebDriver's key actions (no element is clicked or targeted).

#![allow(dead_code)]

use fantoccini::Client;
use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::key::Key;
use std::time::Duration;

/// Presses and releases each key in turn.
pub async fn keys(c: &Client, keys: &[char]) {
    let mut seq = KeyActions::new("keyboard".into());
    for k in keys {
        seq = seq
            .then(KeyAction::Down { value: *k })
            .then(KeyAction::Up { value: *k });
    }
    c.perform_actions(seq).await.expect("key presses");
}

pub async fn press(c: &Client, key: Key) {
    keys(c, &[key.into()]).await;
}

/// Shift+Tab: focus moves back.
pub async fn shift_tab(c: &Client) {
    let (shift, tab): (char, char) = (Key::Shift.into(), Key::Tab.into());
    let seq = KeyActions::new("keyboard".into())
        .then(KeyAction::Down { value: shift })
        .then(KeyAction::Down { value: tab })
        .then(KeyAction::Up { value: tab })
        .then(KeyAction::Up { value: shift });
    c.perform_actions(seq).await.expect("shift tab");
}

/// Selects everything in the focused field (Control+A), so typing replaces it.
pub async fn select_all(c: &Client) {
    let ctrl: char = Key::Control.into();
    let seq = KeyActions::new("keyboard".into())
        .then(KeyAction::Down { value: ctrl })
        .then(KeyAction::Down { value: 'a' })
        .then(KeyAction::Up { value: 'a' })
        .then(KeyAction::Up { value: ctrl });
    c.perform_actions(seq).await.expect("select all");
}

/// Types text into whatever has focus.
pub async fn type_text(c: &Client, text: &str) {
    keys(c, &text.chars().collect::<Vec<_>>()).await;
}

/// Whether the focused element matches the CSS selector.
pub async fn focus_is(c: &Client, css: &str) -> bool {
    c.execute(
        "return !!document.activeElement && document.activeElement.matches(arguments[0]);",
        vec![serde_json::json!(css)],
    )
    .await
    .expect("focused element")
    .as_bool()
    .unwrap_or(false)
}

/// What has focus, for messages: tag, id and text.
pub async fn focused(c: &Client) -> String {
    let v = c
        .execute(
            "const el = document.activeElement; if (!el) return 'nothing'; \
             return el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + (el.name ? '[name=' + el.name + ']' : '') \
               + ' ' + (el.innerText || '').trim().slice(0, 60);",
            vec![],
        )
        .await
        .expect("focused element");
    v.as_str().unwrap_or_default().to_owned()
}

/// Presses Tab until the focused element matches `css` (at most 80 times).
pub async fn tab_to(c: &Client, css: &str) {
    for _ in 0..80 {
        if focus_is(c, css).await {
            return;
        }
        press(c, Key::Tab).await;
    }
    panic!(
        "80 Tabs never reached {css}; focus is on {}",
        focused(c).await
    );
}

/// Waits (up to 10 s) until the focused element matches `css`: a key that submits a form
/// returns before the next page has loaded and its script has run.
pub async fn until_focus(c: &Client, css: &str) {
    for _ in 0..100 {
        if focus_is(c, css).await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("focus never reached {css}; it is on {}", focused(c).await);
}

/// After a refused submit: focus is on the error summary, and one Tab and Enter put it in the
/// first field to fix (`first`, a selector for the field or the first choice of its group).
pub async fn summary_leads_to(c: &Client, first: &str) {
    until_focus(c, ".error-summary[role=alert][tabindex='-1']").await;
    press(c, Key::Tab).await;
    assert!(
        focus_is(c, ".error-summary li:first-child a").await,
        "Tab from the summary goes to its first entry, not {}",
        focused(c).await
    );
    press(c, Key::Enter).await;
    until_focus(c, first).await;
}

/// Tabs to the submit button `submit`, presses Enter, and expects the refusal: focus on the
/// summary, which leads to `first`. Returns the summary's text.
pub async fn refused_submit(c: &Client, submit: &str, first: &str) -> String {
    tab_to(c, submit).await;
    press(c, Key::Enter).await;
    summary_leads_to(c, first).await;
    c.find(fantoccini::Locator::Css(".error-summary"))
        .await
        .expect("summary")
        .text()
        .await
        .expect("summary text")
}

/// The page's title.
pub async fn title(c: &Client) -> String {
    c.title().await.expect("title")
}
