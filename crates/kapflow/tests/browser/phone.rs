//! At a phone's width: the client's C-SSRS link shows only the questions that apply as the
//! answers are given, and no page of a client's record scrolls sideways. Called from the
//! measures flow, which has a client with a record worth looking at.

use super::support::browser::Browser;
use super::support::ui::*;
use fantoccini::{Client, Locator};

/// Every tab of a client's record, after the client's path.
const CLIENT_TABS: [&str; 9] = [
    "",
    "/course",
    "/intake",
    "/consents",
    "/preparation",
    "/prescriber",
    "/dosing",
    "/measures",
    "/messages",
];

/// The questions on screen, by their codes.
async fn visible_questions(c: &Client) -> Vec<String> {
    let mut codes = Vec::new();
    for fs in c
        .find_all(Locator::Css("fieldset.question"))
        .await
        .expect("questions")
    {
        if fs.is_displayed().await.expect("displayed") {
            codes.push(fs.attr("data-code").await.expect("attr").expect("code"));
        }
    }
    codes
}

async fn choose_answer(c: &Client, q: &str, value: u8) {
    click(c, &format!("input[name={q}][value='{value}']")).await;
}

/// The client answers the C-SSRS link `link` on a 390 px phone: the follow-up questions
/// appear only after the answers that ask them, and go when the answer changes.
pub async fn cssrs_at_phone_width(link: &str, axe: Option<&str>) {
    let phone = Browser::start().await.expect("a browser");
    let c = &phone.client;
    c.set_window_size(390, 844).await.expect("phone size");
    c.goto(link).await.expect("the questionnaire");
    let text = wait_text(c, Locator::Css("main")).await;
    assert!(
        !text.contains("Ask questions"),
        "self-report wording: {text}"
    );
    assert_eq!(visible_questions(c).await, ["q1", "q2", "q6"]);
    assert_accessible(c, axe, "the C-SSRS link at 390 px").await;
    choose_answer(c, "q1", 1).await;
    choose_answer(c, "q2", 1).await;
    assert_eq!(
        visible_questions(c).await,
        ["q1", "q2", "q3", "q4", "q5", "q6"],
        "yes to question 2 asks 3 to 5"
    );
    choose_answer(c, "q3", 0).await;
    // Changed to no: questions 3 to 5 go, and their answers with them.
    choose_answer(c, "q2", 0).await;
    assert_eq!(visible_questions(c).await, ["q1", "q2", "q6"]);
    choose_answer(c, "q6", 1).await;
    assert_eq!(
        visible_questions(c).await,
        ["q1", "q2", "q6", "q6_recent"],
        "the past-3-months question follows a yes to question 6 only"
    );
    choose_answer(c, "q6_recent", 0).await;
    let (doc, view) = widths(c).await;
    assert!(
        doc <= view,
        "the questionnaire scrolls sideways: {doc} > {view}"
    );
    shot(c, "cssrs-phone").await;
    assert_accessible(c, axe, "the C-SSRS with its follow-ups at 390 px").await;
    click(c, "form button[type=submit]").await;
    expect_h1(c, "You are not alone. Help is available right now.").await;
    phone.close().await;
}

/// At 320, 360 and 390 px (and a tablet's 768, a desktop's 1280, where pages take two
/// columns), no tab of the client's record, nor the caseload or the dashboard, is wider than the
/// screen, and each passes axe.
pub async fn no_sideways_scrolling(c: &Client, base: &str, client_path: &str, axe: Option<&str>) {
    for width in [320u32, 360, 390, 768, 1280] {
        c.set_window_size(width, 800).await.expect("phone size");
        let mut pages: Vec<String> = CLIENT_TABS
            .iter()
            .map(|tab| format!("{base}{client_path}{tab}"))
            .collect();
        pages.push(format!("{base}/clients"));
        pages.push(format!("{base}/dashboard"));
        for page in pages {
            c.goto(&page).await.expect("page");
            wait_text(c, Locator::Css("h1")).await;
            let (doc, view) = widths(c).await;
            assert_eq!(view, u64::from(width), "the viewport is the screen's");
            assert!(
                doc <= view,
                "{page} at {width} px scrolls sideways: {doc} > {view}"
            );
            if matches!(width, 360 | 768 | 1280) {
                assert_accessible(c, axe, &format!("{page} at {width} px")).await;
            }
        }
    }
    c.set_window_size(1280, 900).await.expect("desktop size");
}
