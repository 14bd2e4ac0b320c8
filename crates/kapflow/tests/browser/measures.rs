//! End to end: a client answers a PHQ-9 through an emailed link with item 9 above zero and sees
//! crisis resources at once; the therapist sees the safety alert everywhere the client appears;
//! the owner, not on the client's care team, acknowledges it with a note from the dashboard;
//! the chart shows the new point. Every person works in their own browser.

use super::support::browser::{Browser, axe_source};
use super::support::keys::{focus_is, press, summary_leads_to, tab_to, title};
use super::support::ui::*;
use fantoccini::key::Key;
use fantoccini::{Client, Locator};

const CLIENT: &str = "Morgan Ellis";
const CLIENT_EMAIL: &str = "client@example.org";
const PRACTICE: &str = "Alvarado Therapy";
const PHQ9: &str = "Patient Health Questionnaire (PHQ-9)";
const CSSRS: &str = "Columbia-Suicide Severity Rating Scale (C-SSRS) Screener — Recent";
const OWNER_PW: &str = "lantern orbit pebble";
const STAFF_PW: &str = "quiet harbour violet";
const NOTE: &str = "Called the client; safe; plan made";

/// The client's answers, item by item (q1..q9): item 9 is "Several days".
const ANSWERS: [u8; 9] = [2, 1, 3, 1, 0, 0, 1, 0, 1];

/// Opens a tab of the client record and waits for it to be the current one.
async fn open_tab(c: &Client, label: &str) {
    click_text(c, "nav[@aria-label='Client record']//a", label).await;
    wait_contains(c, Locator::Css("nav .tabs a[aria-current=page]"), label).await;
    expect_h1(c, CLIENT).await;
}

async fn page_text(c: &Client) -> String {
    wait_text(c, Locator::Css("body")).await
}

/// Chooses the answer `value` of question `q` with the keyboard: Tab into the group, Space on
/// the answer that has focus, then the down arrow (which wraps) until the one wanted.
async fn answer_by_keys(c: &Client, q: usize, value: u8) {
    tab_to(c, &format!("input[type=radio][name=q{q}]")).await;
    press(c, Key::Space).await;
    for _ in 0..8 {
        if focus_is(c, &format!("input[name=q{q}][value='{value}']:checked")).await {
            return;
        }
        press(c, Key::Down).await;
    }
    panic!("question {q} never took the answer {value}");
}

async fn is_checked(c: &Client, q: usize, value: u8) -> bool {
    let el = c
        .find(Locator::Css(&format!(
            "input[type=radio][name=q{q}][value='{value}']"
        )))
        .await
        .expect("radio");
    el.prop("checked").await.expect("checked").as_deref() == Some("true")
}

/// The open (unacknowledged) alerts shown on the page.
async fn open_alerts(c: &Client) -> usize {
    c.find_all(Locator::Css(".alert-box.open"))
        .await
        .expect("alerts")
        .len()
}

#[tokio::test]
async fn measures_a_phq9_by_email_with_item_9_raises_an_alert_the_owner_closes_from_the_dashboard()
{
    let Some(owner) = Browser::start().await else {
        return;
    };
    let axe_js = axe_source();
    let axe = axe_js.as_deref();
    let (_dir, data, server) = super::support::practice_server().await;
    let base = server.url.clone();

    // --- 1. Setup: the owner, then a therapist added from the console. ---------------------
    // The owner's browser stays signed in: the owner closes the alert at step 5.
    let owner_secret = set_up_owner(
        &owner.client,
        server.setup_link.as_deref().expect("link"),
        OWNER_PW,
    )
    .await;
    add_staff_from_console(
        &server,
        &data,
        ("sam@example.org", "therapist", "Sam Rivera"),
        STAFF_PW,
    );

    // --- 2. The therapist opens the client (and so is on the care team) and emails the
    // baseline PHQ-9. ------------------------------------------------------------------------
    let therapist = staff_browser(&base, "sam@example.org", STAFF_PW, "Sam Rivera").await;
    let c = &therapist.client;
    click_text(c, "a", "Clients").await;
    expect_h1(c, "Clients").await;
    click_text(c, "a", "New client").await;
    expect_h1(c, "New client").await;
    fill(c, "legal_name", CLIENT).await;
    set_date(c, "date_of_birth", "1990-07-21").await;
    fill(c, "email", CLIENT_EMAIL).await;
    click_and_load(c, "form[action='/clients'] button[type=submit]").await;
    expect_h1(c, CLIENT).await;
    let client_path = c.current_url().await.expect("url").path().to_owned();
    assert!(client_path.starts_with("/clients/"), "{client_path}");

    open_tab(c, "Measures").await;
    let schedule = wait_contains(c, Locator::Css("main"), PHQ9).await;
    assert!(
        schedule.contains("No questionnaire answered yet."),
        "{schedule}"
    );
    let rows = c
        .find_all(Locator::Css("main > .table-scroll > table.table tbody tr"))
        .await
        .expect("schedule rows");
    let mut baseline = Vec::new();
    for row in rows {
        baseline.push(row.text().await.expect("row"));
    }
    let phq9_row = baseline
        .iter()
        .find(|r| r.starts_with(PHQ9))
        .unwrap_or_else(|| panic!("a PHQ-9 in the schedule: {baseline:#?}"));
    assert!(phq9_row.contains("Baseline (assessment)"), "{phq9_row}");
    assert!(phq9_row.contains("Due today"), "{phq9_row}");
    assert!(baseline.len() >= 3, "PHQ-9, GAD-7, C-SSRS: {baseline:#?}");
    click_in_row(c, PHQ9, "Email link").await;
    let notice = wait_contains(c, Locator::Css(".notice"), "Emailed:").await;
    assert!(notice.contains("single-use link"), "{notice}");

    // --- 3. The email: no name in it, a link to the public questionnaire. -----------------
    let mail = {
        let data = data.clone();
        tokio::task::spawn_blocking(move || mail_to(&data, CLIENT_EMAIL, "/m/"))
            .await
            .expect("mail")
    };
    assert_eq!(mail.subject, "A short questionnaire for you");
    assert!(!mail.subject.contains(PRACTICE));
    for part in CLIENT.split(' ') {
        assert!(!mail.subject.contains(part), "{:?}", mail.subject);
        assert!(!mail.text.contains(part), "no name in the email");
    }
    let link = mail.link("/m/");
    assert!(link.starts_with(&format!("{base}/m/")), "{link}");

    // --- 4. The client, not signed in: the questionnaire and nothing else. -----------------
    let client = Browser::start().await.expect("a browser");
    let cl = &client.client;
    cl.goto(&link).await.expect("questionnaire");
    expect_h1(cl, PHQ9).await;
    let name = wait_text(cl, Locator::Css(".site-name")).await;
    assert_eq!(name, PRACTICE);
    let text = page_text(cl).await;
    for part in CLIENT.split(' ') {
        assert!(!text.contains(part), "no client name: {text}");
    }
    for staff in [
        "nav",
        "a[href='/clients']",
        "a[href='/dashboard']",
        "form[action='/logout']",
    ] {
        assert!(!present(cl, staff).await, "no staff navigation ({staff})");
    }
    assert_eq!(
        cl.find_all(Locator::Css("fieldset.question"))
            .await
            .expect("questions")
            .len(),
        9
    );
    shot(cl, "measures-questionnaire").await;
    assert_accessible(cl, axe, "the questionnaire").await;

    // Keyboard only: sent with question 9 unanswered, refused with the other answers kept;
    // focus lands on the summary, and Tab and Enter reach question 9.
    let untouched = title(cl).await;
    for (i, v) in ANSWERS.iter().enumerate().take(8) {
        answer_by_keys(cl, i + 1, *v).await;
    }
    tab_to(cl, "button[type=submit]").await;
    press(cl, Key::Enter).await;
    summary_leads_to(cl, "input[name=q9]").await;
    let summary = wait_text(cl, Locator::Css(".error-summary")).await;
    assert!(
        summary.contains("1 question still needs an answer")
            && summary.contains("Question 9 needs an answer."),
        "{summary}"
    );
    let beside = wait_text(cl, Locator::Id("q9-error")).await;
    assert_eq!(beside, "Question 9 needs an answer.");
    assert_eq!(title(cl).await, format!("Error: {untouched}"));
    for (i, v) in ANSWERS.iter().enumerate().take(8) {
        assert!(is_checked(cl, i + 1, *v).await, "q{} kept as {v}", i + 1);
    }
    assert!(!is_checked(cl, 9, 1).await);
    assert_accessible(cl, axe, "the questionnaire with a missing answer").await;

    // Every question answered, item 9 above zero: crisis resources at once.
    answer_by_keys(cl, 9, ANSWERS[8]).await;
    tab_to(cl, "button[type=submit]").await;
    press(cl, Key::Enter).await;
    expect_h1(cl, "You are not alone. Help is available right now.").await;
    let crisis = wait_text(cl, Locator::Css(".crisis-now")).await;
    for needed in ["988", "911"] {
        assert!(crisis.contains(needed), "{needed} shown: {crisis}");
    }
    for number in ["988", "911"] {
        let shown = cl
            .find(Locator::Css(&format!(".crisis-now a[href='tel:{number}']")))
            .await
            .expect("a call link")
            .is_displayed()
            .await
            .expect("displayed");
        assert!(shown, "{number} is visible");
    }
    let text = page_text(cl).await;
    assert!(!text.contains(CLIENT), "{text}");
    shot(cl, "measures-crisis").await;
    assert_accessible(cl, axe, "the crisis confirmation").await;
    client.close().await;

    // The therapist is told by email too, without the client's name.
    let alert_mail = {
        let data = data.clone();
        tokio::task::spawn_blocking(move || mail_to(&data, "sam@example.org", "suicide-risk"))
            .await
            .expect("mail")
    };
    assert!(alert_mail.subject.starts_with("Safety alert"));
    assert!(
        !alert_mail.text.contains(CLIENT),
        "no name in the alert email"
    );

    // --- 5. The therapist: the dashboard banner, the alert, acknowledging it. --------------
    c.goto(&format!("{base}/dashboard"))
        .await
        .expect("dashboard");
    expect_h1(c, "Welcome, Sam Rivera").await;
    let banner = wait_contains(c, Locator::Css(".alert-banner"), CLIENT).await;
    assert!(
        banner.contains("Safety alerts need you (1 client)"),
        "{banner}"
    );
    shot(c, "measures-dashboard-alert").await;
    assert_accessible(c, axe, "the dashboard with a safety alert").await;
    click_text(c, "section[contains(@class, 'alert-banner')]//h3/a", CLIENT).await;
    expect_h1(c, CLIENT).await;
    wait_contains(
        c,
        Locator::Css("nav .tabs a[aria-current=page]"),
        "Measures",
    )
    .await;
    assert_eq!(
        c.current_url().await.expect("url").path(),
        format!("{client_path}/measures")
    );
    // The caseload marks the client; every page of the record carries the open alert at the
    // top, with the way to it.
    c.goto(&format!("{base}/clients")).await.expect("caseload");
    let badge = wait_text(c, Locator::Css("a.risk-badge")).await;
    assert_eq!(badge, "Open alert: Safety flag");
    assert_accessible(c, axe, "the caseload with an open alert").await;
    c.goto(&format!("{base}{client_path}"))
        .await
        .expect("overview");
    expect_h1(c, CLIENT).await;
    let risk = wait_text(c, Locator::Css(".risk-banner")).await;
    assert!(
        risk.contains("Open suicide-risk alert: Safety flag"),
        "{risk}"
    );
    assert_accessible(c, axe, "the client overview with an open alert").await;
    click_text(
        c,
        "section[contains(@class, 'risk-banner')]//a",
        "Review and acknowledge on the Measures page",
    )
    .await;
    wait_contains(
        c,
        Locator::Css("nav .tabs a[aria-current=page]"),
        "Measures",
    )
    .await;
    let alert = wait_text(c, Locator::Css(".alert-box.open")).await;
    for shown in [
        "PHQ-9 item 9 > 0",
        "Kroenke & Spitzer",
        "Several days",
        "Rule:",
        "Source:",
    ] {
        assert!(alert.contains(shown), "{shown:?} in {alert:?}");
    }
    shot(c, "measures-open-alert").await;
    assert_accessible(c, axe, "the Measures page with an open alert").await;

    // Without a note: refused, the alert stays open.
    click_and_load(c, "form.ack-form button[type=submit]").await;
    let refused = wait_text(c, Locator::Css(".error-summary")).await;
    assert!(refused.contains("a note is required"), "{refused}");
    assert_eq!(open_alerts(c).await, 1, "still open");
    assert_accessible(c, axe, "the Measures page with a refused acknowledgement").await;

    // The owner, not on the care team, sees the alert on the dashboard — its level, the
    // questionnaire and what was answered — and closes it there with a note.
    let o = &owner.client;
    o.goto(&format!("{base}/dashboard"))
        .await
        .expect("dashboard");
    expect_h1(o, "Welcome, Catherine Alvarado").await;
    let group = wait_contains(o, Locator::Css(".alert-group"), CLIENT).await;
    for shown in [
        "not on your caseload",
        "Safety flag — Patient Health Questionnaire (PHQ-9)",
        "answered \"Several days\"",
    ] {
        assert!(group.contains(shown), "{shown:?} in {group:?}");
    }
    assert_accessible(
        o,
        axe,
        "the owner's dashboard with an alert outside the care team",
    )
    .await;
    // The client's name leads to emergency access for that client: after the owner's code,
    // only a reason is asked. Not opened here: the alert is closed from the dashboard.
    click_text(o, "section[contains(@class, 'alert-group')]//h3/a", CLIENT).await;
    confirm_step_up(o, &owner_secret).await;
    let form = wait_contains(o, Locator::Css("main"), "who has an open safety alert").await;
    assert!(
        form.contains(CLIENT) && !present(o, "#legal_name").await,
        "{form}"
    );
    assert_accessible(o, axe, "emergency access for a client with an alert").await;
    // The owner's own pages changed too: notification choices and the follow-up setting.
    for (path, what) in [
        ("/account/notifications", "Notifications"),
        ("/settings/clinical", "Clinical settings"),
    ] {
        o.goto(&format!("{base}{path}")).await.expect("page");
        wait_text(o, Locator::Css("h1")).await;
        assert_accessible(o, axe, what).await;
    }
    // Sharing records with another system: a token, its refusal and its one-time secret.
    o.goto(&format!("{base}/settings/api-tokens"))
        .await
        .expect("page");
    expect_h1(o, "Sharing records with other systems").await;
    assert_accessible(o, axe, "sharing records, before any token").await;
    let make = "form[action='/settings/api-tokens'] button[type=submit]";
    click_and_load(o, make).await;
    let refused = wait_text(o, Locator::Css(".error-summary")).await;
    assert!(refused.contains("Enter a name"), "{refused}");
    assert_accessible(o, axe, "a refused new token").await;
    let name = id_for_label(o, "Who the token is for").await;
    fill(o, &name, "Regional HIE").await;
    click_and_load(o, make).await;
    let made = wait_contains(o, Locator::Css("#new-token"), "is ready").await;
    assert!(made.contains("Regional HIE"), "{made}");
    assert_accessible(o, axe, "a new token's secret, shown once").await;
    o.goto(&format!("{base}/dashboard"))
        .await
        .expect("dashboard");
    expect_h1(o, "Welcome, Catherine Alvarado").await;
    click_and_load(o, ".alert-group form.ack-form button[type=submit]").await;
    let refused = wait_text(o, Locator::Css(".error-summary")).await;
    assert!(refused.contains("a note is required"), "{refused}");
    assert!(title(o).await.starts_with("Error: Dashboard"));
    assert_accessible(o, axe, "the dashboard with a refused acknowledgement").await;
    let note = id_for_label(o, "What you did (required to close the alert)").await;
    fill(o, &note, NOTE).await;
    click_and_load(o, ".alert-group form.ack-form button[type=submit]").await;
    wait_contains(o, Locator::Css(".notice"), "Acknowledged, with your note.").await;
    assert!(!present(o, ".alert-banner").await, "nothing left open");
    owner.close().await;

    // The therapist's page shows it closed, by whom and with the note.
    c.refresh().await.expect("reload");
    expect_h1(c, CLIENT).await;
    assert_eq!(open_alerts(c).await, 0, "closed");
    assert!(
        !present(c, ".risk-banner").await,
        "no risk banner once acknowledged"
    );
    let closed = wait_text(c, Locator::Css(".alert-box")).await;
    assert!(
        closed.contains("Acknowledged")
            && closed.contains("by Catherine Alvarado: Called the client"),
        "{closed}"
    );

    // --- 6. The chart: one point, and its data table. --------------------------------------
    let total: u8 = ANSWERS.iter().sum();
    let series = format!("section.series[aria-label='{PHQ9}']");
    let points = c
        .find_all(Locator::Css(&format!("{series} .chart svg circle")))
        .await
        .expect("points");
    assert_eq!(points.len(), 1, "one point on the chart");
    assert!(
        present(c, &format!("{series} .chart > svg")).await,
        "an inline svg"
    );
    let rows = c
        .find_all(Locator::Css(&format!("{series} table tbody tr")))
        .await
        .expect("data rows");
    assert_eq!(rows.len(), 1, "one row in the data table");
    let cell = rows[0]
        .find(Locator::Css("td:nth-child(2)"))
        .await
        .expect("total cell")
        .text()
        .await
        .expect("total");
    assert_eq!(cell, total.to_string());
    let severity = rows[0]
        .find(Locator::Css("td:nth-child(3)"))
        .await
        .expect("severity cell")
        .text()
        .await
        .expect("severity");
    assert_eq!(severity, "Mild", "a total of {total}");
    let schedule = wait_text(c, Locator::Css("main > .table-scroll > table.table")).await;
    let answered = schedule
        .lines()
        .find(|l| l.starts_with(PHQ9))
        .unwrap_or_default()
        .to_owned();
    assert!(answered.contains("Answered"), "{schedule}");
    shot(c, "measures-acknowledged").await;
    assert_accessible(c, axe, "the Measures page after acknowledging").await;
    // The row's answers, in full.
    click(c, &format!("{series} table tbody tr td:last-child a")).await;
    let answers = wait_contains(c, Locator::Css("main table"), "Every question").await;
    assert!(
        answers.contains("Thoughts that you would be better off dead")
            && answers.contains("Several days (1)"),
        "{answers}"
    );
    assert_accessible(c, axe, "a response's answers").await;
    c.back().await.expect("back");

    // --- 7. The C-SSRS by a link to text, answered on a phone; the record at a phone's width.
    c.goto(&format!("{base}{client_path}/measures"))
        .await
        .expect("measures");
    click_in_row(c, CSSRS, "Link to text").await;
    let shown = wait_contains(c, Locator::Css(".notice code"), "/m/").await;
    super::phone::cssrs_at_phone_width(&shown, axe).await;
    super::phone::no_sideways_scrolling(c, &base, &client_path, axe).await;

    // The PHQ-9's alert is gone from the dashboard; the C-SSRS's (behaviour, more than 3
    // months ago: moderate) is there.
    c.goto(&format!("{base}/dashboard"))
        .await
        .expect("dashboard");
    expect_h1(c, "Welcome, Sam Rivera").await;
    let banner = wait_text(c, Locator::Css(".alert-banner")).await;
    assert!(
        banner.contains("Moderate risk — Columbia") && !banner.contains("Safety flag"),
        "{banner}"
    );
    therapist.close().await;
}
