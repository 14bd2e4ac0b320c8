//! End to end on a 390 px phone: the therapist invites a client from their record; the client
//! makes an account with an authenticator, sends their intake, signs the consent forms (which
//! the therapist accepts), answers the due PHQ-9, adds an appointment to their calendar, shares
//! a journal entry and writes to the therapist (who reads it; the email says nothing of it) and
//! signs out. Every portal page passes axe at 360 and 1280 px without
//! sideways scrolling.

use super::support::browser::{Browser, axe_source};
use super::support::ui::*;
use fantoccini::Locator;

const CLIENT: &str = "Morgan Ellis";
const CLIENT_EMAIL: &str = "morgan@example.org";
const OWNER_PW: &str = "lantern orbit pebble";
const STAFF_PW: &str = "quiet harbour violet";
const CLIENT_PW: &str = "maple river lantern";
const MESSAGE: &str = "Could we talk about the last session on Thursday?";
const SHARED: &str = "I felt lighter walking home.";

const PAGES: &[&str] = &[
    "/portal",
    "/portal/appointments",
    "/portal/questionnaires",
    "/portal/journal",
    "/portal/messages",
    "/portal/preparation",
    "/portal/intake",
    "/portal/consents",
];

/// The practice's consent documents, published by the owner (through the store: the owner's
/// own pages are tested elsewhere).
async fn publish_consents(data: &std::path::Path) {
    use kapflow_domain::consent::{ConsentKind, NewDocument};
    let store = super::support::keyed_store(data).await;
    let owner = kapflow_domain::Actor::user(
        super::support::user_id(&store, "catherine@example.org").await,
        kapflow_domain::Role::Owner,
        None,
        None,
    );
    for kind in [ConsentKind::Kap, ConsentKind::ReleaseOfInformation] {
        store
            .consents()
            .add_document(
                &NewDocument {
                    kind,
                    title: kind.label().into(),
                    body: format!("I consent: {}.", kind.label()),
                },
                &owner,
                kapflow_domain::time_util::now_utc(),
            )
            .await
            .expect("document");
    }
    store.close().await;
}

#[tokio::test]
async fn portal_a_client_invited_from_the_record_uses_the_portal_on_a_phone() {
    let Some(owner) = Browser::start().await else {
        return;
    };
    let axe_js = axe_source();
    let axe = axe_js.as_deref();
    let (_dir, data, server) = super::support::practice_server().await;
    let base = server.url.clone();
    set_up_owner(
        &owner.client,
        server.setup_link.as_deref().expect("link"),
        OWNER_PW,
    )
    .await;
    owner.close().await;
    publish_consents(&data).await;
    add_staff_from_console(
        &server,
        &data,
        ("sam@example.org", "therapist", "Sam Rivera"),
        STAFF_PW,
    );

    // --- 1. The therapist opens the client, books an appointment and invites them. ---------
    let therapist = staff_browser(&base, "sam@example.org", STAFF_PW, "Sam Rivera").await;
    let t = &therapist.client;
    click_text(t, "a", "Clients").await;
    click_text(t, "a", "New client").await;
    expect_h1(t, "New client").await;
    fill(t, "legal_name", CLIENT).await;
    set_date(t, "date_of_birth", "1990-07-21").await;
    fill(t, "email", CLIENT_EMAIL).await;
    click_and_load(t, "form[action='/clients'] button[type=submit]").await;
    expect_h1(t, CLIENT).await;
    let client_path = t.current_url().await.expect("url").path().to_owned();
    t.goto(&format!("{base}{client_path}/appointments"))
        .await
        .expect("appointments");
    choose(
        t,
        "session_type",
        "Integration (50 min, in person or by video)",
    )
    .await;
    set_date(t, "date", &next_weekday()).await;
    set_value(t, "time", "10:00").await;
    choose(t, "clinician", "Sam Rivera").await;
    click_and_load(t, "form[action$='/appointments'] button[type=submit]").await;
    wait_contains(t, Locator::Css("main"), "Booked.").await;
    t.goto(&format!("{base}{client_path}"))
        .await
        .expect("record");
    click_and_load(t, "form[action$='/portal/invite'] button[type=submit]").await;
    wait_contains(t, Locator::Css(".notice"), "Portal invitation sent").await;
    assert_accessible(t, axe, "a client record with a portal invitation").await;

    // --- 2. The invitation: no name, nothing about care. ------------------------------------
    let mail = {
        let data = data.clone();
        tokio::task::spawn_blocking(move || mail_to(&data, CLIENT_EMAIL, "/invite/"))
            .await
            .expect("mail")
    };
    assert_eq!(mail.subject, "Your account invitation");
    for part in CLIENT.split(' ') {
        assert!(!mail.text.contains(part), "no name in the invitation");
    }
    let link = mail.link("/invite/");

    // --- 3. On a phone: the account, with an authenticator. ----------------------------------
    let phone = Browser::start().await.expect("a browser");
    let c = &phone.client;
    c.set_window_size(390, 844).await.expect("phone size");
    c.goto(&link).await.expect("invitation");
    expect_h1(c, "Set up your account").await;
    assert_accessible(c, axe, "the portal invitation").await;
    fill(c, "display_name", "Morgan").await;
    fill(c, "password", CLIENT_PW).await;
    fill(c, "password_confirm", CLIENT_PW).await;
    click_and_load(c, "form button[type=submit]").await;
    expect_h1(c, "Your account is ready").await;
    sign_in(c, &base, CLIENT_EMAIL, CLIENT_PW).await;
    enrol(c).await;
    click(c, "a.button.primary").await;
    expect_h1(c, &format!("Hello, {CLIENT}")).await;
    let home = wait_text(c, Locator::Css("main")).await;
    assert!(home.contains("988") && home.contains("911"), "{home}");
    assert!(
        home.contains("1 to answer") || home.contains("to answer"),
        "{home}"
    );

    // --- 4. The intake, sent to the care team; both consent forms signed. --------------------
    click_text(c, "a", "Intake").await;
    expect_h1(c, "Your intake").await;
    for (id, text) in [
        ("medical_history", "None"),
        ("psychiatric_history", "Depression since 2019"),
        ("current_medications", "Sertraline 50 mg"),
        ("allergies", "None known"),
        ("substance_use", "A glass of wine at weekends"),
        ("goals", "Feel present with my family"),
    ] {
        fill(c, id, text).await;
    }
    click_and_load(c, "button[value=send]").await;
    wait_contains(c, Locator::Css(".error-summary"), "prior ketamine").await;
    assert_eq!(field_value(c, "goals").await, "Feel present with my family");
    assert_accessible(c, axe, "a refused intake").await;
    fill(c, "prior_ketamine", "None").await;
    click_and_load(c, "button[value=send]").await;
    wait_contains(c, Locator::Css("main"), "You sent it to your care team").await;
    click_text(c, "a", "Consent forms").await;
    expect_h1(c, "Consent forms").await;
    for _ in 0..2 {
        c.find(Locator::Css("form input[name=typed_name]"))
            .await
            .expect("a form to sign")
            .send_keys(CLIENT)
            .await
            .expect("typed");
        click(c, "form input[name=agree]").await;
        click_and_load(c, "form[action='/portal/consents'] button[type=submit]").await;
        wait_contains(c, Locator::Css(".notice"), "your signature is recorded").await;
    }
    let signed = wait_text(c, Locator::Css("main")).await;
    assert!(!present(c, "form input[name=typed_name]").await, "{signed}");
    t.goto(&format!("{base}{client_path}/consents"))
        .await
        .expect("consents");
    for _ in 0..2 {
        click_and_load(t, "form[action$='/accept'] button[type=submit]").await;
        wait_contains(t, Locator::Css(".notice"), "counts from now on").await;
    }
    assert!(!present(t, "form[action$='/accept']").await);

    // --- 5. The due PHQ-9, from the portal. ----------------------------------------------------
    click_text(c, "a", "Questionnaires").await;
    expect_h1(c, "Questionnaires").await;
    let answer = "//li[.//strong[normalize-space(.)='Patient Health Questionnaire (PHQ-9)']]\
                  //button[normalize-space(.)='Answer now']";
    c.find(Locator::XPath(answer))
        .await
        .expect("the PHQ-9 to answer")
        .click()
        .await
        .expect("answer now");
    expect_h1(c, "Patient Health Questionnaire (PHQ-9)").await;
    for q in 1..=9 {
        click(c, &format!("input[name=q{q}][value='0']")).await;
    }
    click_and_load(c, "form button[type=submit]").await;
    wait_contains(c, Locator::Css("main"), "Thank you").await;
    c.goto(&format!("{base}/portal/questionnaires"))
        .await
        .expect("questionnaires");
    let left = wait_text(c, Locator::Css("main")).await;
    assert!(!left.contains("(PHQ-9)"), "answered: {left}");

    // --- 6. The appointment, added to the phone's calendar. ---------------------------------
    click_text(c, "a", "Appointments").await;
    expect_h1(c, "Appointments").await;
    let href = c
        .find(Locator::LinkText("Add to my calendar"))
        .await
        .expect("calendar link")
        .attr("href")
        .await
        .expect("href")
        .expect("href");
    let ics = c
        .execute(
            "return fetch(arguments[0]).then(r => r.text());",
            vec![href.clone().into()],
        )
        .await
        .expect("the calendar file");
    let ics = ics.as_str().expect("text");
    assert!(
        ics.contains("BEGIN:VEVENT") && !ics.contains("Integration"),
        "{ics}"
    );

    // --- 7. A journal entry shared, one kept private. ----------------------------------------
    click_text(c, "a", "Journal").await;
    expect_h1(c, "Integration journal").await;
    fill(c, "body", "Only for me.").await;
    click_and_load(c, "form[action='/portal/journal'] button[type=submit]").await;
    fill(c, "body", SHARED).await;
    click(c, "input[name=share]").await;
    click_and_load(c, "form[action='/portal/journal'] button[type=submit]").await;
    let journal = wait_contains(c, Locator::Css("main"), SHARED).await;
    assert!(journal.contains("Shared with your care team") && journal.contains("Private"));

    // --- 8. A message to the therapist. ------------------------------------------------------
    click_text(c, "a", "Messages").await;
    expect_h1(c, "Messages with your care team").await;
    fill(c, "body", MESSAGE).await;
    // With a letter from the client's doctor, as a PDF from the phone's files.
    let letter = data.join("Letter from Dr Lee.pdf");
    std::fs::write(&letter, b"%PDF-1.4\n%%EOF\n").expect("pdf");
    c.find(Locator::Id("file"))
        .await
        .expect("file field")
        .send_keys(letter.to_str().expect("path"))
        .await
        .expect("choose the file");
    click_and_load(c, "form[action='/portal/messages'] button[type=submit]").await;
    let sent = wait_contains(c, Locator::Css("main"), MESSAGE).await;
    assert!(sent.contains("Letter from Dr Lee.pdf"), "{sent}");

    // --- 9. Every portal page: axe and no sideways scrolling at 360 and 1280 px. -------------
    for (w, h) in [(360, 800), (1280, 900)] {
        c.set_window_size(w, h).await.expect("size");
        for page in PAGES {
            c.goto(&format!("{base}{page}")).await.expect("page");
            wait_text(c, Locator::Css("h1")).await;
            let (doc, view) = widths(c).await;
            assert!(
                doc <= view,
                "{page} at {w} px scrolls sideways ({doc} > {view})"
            );
            assert_accessible(c, axe, &format!("{page} at {w} px")).await;
        }
    }
    c.set_window_size(390, 844).await.expect("phone size");

    // --- 10. The therapist reads the message and the shared entry, never the private one. -----
    t.goto(&format!("{base}{client_path}/messages"))
        .await
        .expect("messages");
    let team = wait_contains(t, Locator::Css("main"), MESSAGE).await;
    assert!(
        team.contains(SHARED)
            && !team.contains("Only for me.")
            && team.contains("Letter from Dr Lee.pdf"),
        "{team}"
    );
    let notice = {
        let data = data.clone();
        tokio::task::spawn_blocking(move || mail_to(&data, "sam@example.org", "/messages"))
            .await
            .expect("mail")
    };
    assert!(!notice.text.contains("Thursday") && !notice.text.contains(CLIENT));

    // --- 11. Sign out. ---------------------------------------------------------------------
    c.goto(&format!("{base}/portal")).await.expect("portal");
    click(c, "form[action='/logout'] button[type=submit]").await;
    wait_contains(c, Locator::Css("main"), "You are signed out").await;
    c.goto(&format!("{base}/portal")).await.expect("portal");
    expect_h1(c, "Sign in").await;
    phone.close().await;
    therapist.close().await;
}
