//! Issue 5, end to end: an inquiry becomes a client, who goes through intake, screening,
//! preparation, consents and referral to a partner prescriber, and on to "ready for dosing".
//! Every person works in their own browser (a fresh Chromium profile), as they would.

use super::support::Server;
use super::support::browser::{Browser, axe_source};
use super::support::keys::{press, refused_submit, tab_to, title, type_text};
use super::support::ui::*;
use fantoccini::key::Key;
use fantoccini::{Client, Locator};

const CLIENT: &str = "Jordan Avery";
const OWNER_PW: &str = "lantern orbit pebble";
const STAFF_PW: &str = "quiet harbour violet";

fn add_staff(server: &Server, data: &std::path::Path, email: &str, role: &str, name: &str) {
    add_staff_from_console(server, data, (email, role, name), STAFF_PW);
}

async fn first_sign_in(base: &str, email: &str, name: &str) -> Browser {
    staff_browser(base, email, STAFF_PW, name).await
}

/// Opens a tab of the client record and waits for it to be the current one.
async fn open_tab(c: &Client, label: &str) {
    click_text(c, "nav[@aria-label='Client record']//a", label).await;
    wait_contains(c, Locator::Css("nav .tabs a[aria-current=page]"), label).await;
    expect_h1(c, CLIENT).await;
}

async fn stage(c: &Client) -> String {
    wait_text(c, Locator::Css(".client-facts strong")).await
}

async fn page_text(c: &Client) -> String {
    wait_text(c, Locator::Css("main")).await
}

async fn current_path(c: &Client) -> String {
    c.current_url().await.expect("url").path().to_owned()
}

#[tokio::test]
async fn pathway_an_inquiry_becomes_a_client_who_is_referred_prescribed_and_ready_for_dosing() {
    let Some(owner) = Browser::start().await else {
        return;
    };
    let axe_js = axe_source();
    let axe = axe_js.as_deref();
    let (_dir, data, server) = super::support::practice_server().await;
    let base = server.url.clone();

    // --- 1. Setup: the owner, the staff, partner organisations, consent documents. ---------
    let c = &owner.client;
    set_up_owner(c, server.setup_link.as_deref().expect("link"), OWNER_PW).await;
    for (email, role, name) in [
        ("desk@example.org", "front_desk", "Dana Desk"),
        ("sam@example.org", "therapist", "Sam Rivera"),
        ("priya@example.org", "prescriber", "Priya Patel"),
        ("omar@example.org", "prescriber", "Omar Haddad"),
    ] {
        add_staff(&server, &data, email, role, name);
    }
    c.goto(&format!("{base}/staff")).await.expect("staff");
    for org in ["Skylight Psychedelics", "Other Medical Group"] {
        fill(c, "org-name", org).await;
        click_and_load(c, "form[action='/partner-orgs'] button[type=submit]").await;
        wait_contains(c, Locator::Css("main"), org).await;
    }
    assert_accessible(c, axe, "the staff page with partner organisations").await;
    for (prescriber, org) in [
        ("Priya Patel", "Skylight Psychedelics"),
        ("Omar Haddad", "Other Medical Group"),
    ] {
        let select = id_for_label(c, &format!("Partner organisation of {prescriber}")).await;
        choose(c, &select, org).await;
        let user = select.strip_prefix("org-").expect("org-<user id>");
        click_and_load(
            c,
            &format!("form[action='/staff/{user}/partner-org'] button[type=submit]"),
        )
        .await;
        let kept = c
            .find(Locator::Css(&format!("#{select} option:checked")))
            .await
            .expect("chosen option")
            .text()
            .await
            .expect("text");
        assert_eq!(kept, org, "{prescriber} is in {org}");
    }
    c.goto(&format!("{base}/consent-documents"))
        .await
        .expect("consent documents");
    // A new practice starts from drafts, each marked for its lawyer's review.
    click_text(c, "a", "Start the KAP informed consent from a draft").await;
    let mut draft = String::new();
    for _ in 0..100 {
        draft = field_value(c, "body").await;
        if !draft.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(draft.starts_with("DRAFT — review this text"), "{draft}");
    assert_accessible(c, axe, "the consent documents page with a draft").await;
    for (kind, title, body) in [
        (
            "kap",
            "Informed consent for ketamine-assisted psychotherapy",
            "I understand what ketamine-assisted psychotherapy involves, its risks and benefits, and that I may stop at any time.",
        ),
        (
            "release_of_information",
            "Release of information to the partner prescriber",
            "I allow the practice to share my intake, screening and consents with the partner prescriber organisation.",
        ),
    ] {
        c.find(Locator::Id("kind"))
            .await
            .expect("kind")
            .select_by_value(kind)
            .await
            .expect("choose kind");
        fill(c, "title", title).await;
        fill(c, "body", body).await;
        click_and_load(c, "form[action='/consent-documents'] button[type=submit]").await;
        wait_contains(c, Locator::Css(".notice"), "published").await;
        wait_contains(c, Locator::Css("table.table"), title).await;
    }
    owner.close().await;

    // --- 2. A visitor inquires. ------------------------------------------------------------
    let visitor = Browser::start().await.expect("a browser");
    let c = &visitor.client;
    c.goto(&format!("{base}/connect")).await.expect("connect");
    fill(c, "name", CLIENT).await;
    click(c, "#contact-email").await;
    fill(c, "email", "jordan@example.org").await;
    click(c, "#concern-depression").await;
    fill(
        c,
        "message",
        "I would like to know whether KAP could help me.",
    )
    .await;
    click(c, "#consent").await;
    click(c, "form.inquiry-form button[type=submit]").await;
    expect_h1(c, "Thank you, your inquiry has been sent").await;
    visitor.close().await;

    // --- 3. The front desk opens the client record from the inquiry. -----------------------
    let desk = first_sign_in(&base, "desk@example.org", "Dana Desk").await;
    let c = &desk.client;
    // The dashboard is front desk's work queue: the new inquiry leads it.
    let waiting = wait_contains(c, Locator::Css(".queue"), "New inquiries (1)").await;
    assert!(waiting.contains(CLIENT), "{waiting}");
    assert_accessible(c, axe, "the front desk's dashboard with a new inquiry").await;
    click_text(c, "section[contains(@class, 'queue')]//a", CLIENT).await;
    expect_h1(c, CLIENT).await;
    click_text(c, "a", "Became a client: open a client record").await;
    expect_h1(c, "New client").await;
    let prefilled = c
        .find(Locator::Id("legal_name"))
        .await
        .expect("legal name")
        .prop("value")
        .await
        .expect("value");
    assert_eq!(
        prefilled.as_deref(),
        Some(CLIENT),
        "prefilled from the inquiry"
    );
    assert_accessible(c, axe, "the new-client form").await;
    // Keyboard only: sent without a date of birth and with a phone that is not one; the
    // summary lists them in the order of the form and leads to the first.
    tab_to(c, "#support_phone").await;
    type_text(c, "call me").await;
    let summary = refused_submit(
        c,
        "form[action='/clients'] button[type=submit]",
        "#date_of_birth",
    )
    .await;
    let (dob, phone) = (
        summary
            .find("date of birth")
            .expect("names the date of birth"),
        summary.find("phone").expect("names the phone"),
    );
    assert!(dob < phone, "in the order of the form: {summary}");
    assert_accessible(c, axe, "the new-client form with errors").await;
    set_date(c, "date_of_birth", "1985-03-14").await;
    fill(c, "support_name", "Riley Avery").await;
    fill(c, "support_phone", "555-0142").await;
    choose(c, "therapist", "Sam Rivera").await;
    click_and_load(c, "form[action='/clients'] button[type=submit]").await;
    expect_h1(c, CLIENT).await;
    assert_eq!(stage(c).await, "Assessment");
    let client_path = current_path(c).await;
    let client_id = client_path
        .strip_prefix("/clients/")
        .expect("on the client page")
        .to_owned();
    let header = wait_text(c, Locator::Css("header.client-header")).await;
    assert!(header.contains("Course stage: Assessment"), "{header}");
    assert!(
        !header.contains("Intake & screening") && !header.contains("Consents"),
        "the front desk sees no clinical tab: {header}"
    );
    assert!(
        c.find(Locator::Css(&format!(
            "a[href='/clients/{client_id}/intake']"
        )))
        .await
        .is_err(),
        "no link to the intake for the front desk"
    );
    shot(c, "pathway-client-front-desk").await;
    assert_accessible(c, axe, "the client overview (front desk)").await;
    desk.close().await;

    // --- 4. The therapist: intake, screening, preparation, refusal, consents, referral. ----
    let (therapist, sam_secret) =
        staff_browser_with_secret(&base, "sam@example.org", STAFF_PW, "Sam Rivera").await;
    let c = &therapist.client;
    c.goto(&format!("{base}/clients")).await.expect("caseload");
    expect_h1(c, "Clients").await;
    wait_contains(c, Locator::Css("table.table"), CLIENT).await;
    assert_accessible(c, axe, "the client list").await;
    click_text(c, "a", CLIENT).await;
    expect_h1(c, CLIENT).await;
    assert_accessible(c, axe, "the client overview (therapist)").await;

    // Keyboard only: to the intake, a draft with a reading that is not a number, refused with
    // focus on the summary, which leads to the field; then on to the Measures tab.
    tab_to(c, "nav[aria-label='Client record'] a[href$='/intake']").await;
    press(c, Key::Enter).await;
    wait_contains(c, Locator::Css("nav .tabs a[aria-current=page]"), "Intake").await;
    let intake_title = title(c).await;
    tab_to(c, "#bp_systolic").await;
    type_text(c, "high").await;
    let summary = refused_submit(c, "button[name=intent][value=draft]", "#bp_systolic").await;
    assert!(
        summary.starts_with("The draft was not saved") && summary.contains("systolic"),
        "says what was not done and names the field: {summary}"
    );
    assert_eq!(title(c).await, format!("Error: {intake_title}"));
    assert_eq!(
        attr_of(c, "bp_systolic", "aria-invalid").await.as_deref(),
        Some("true")
    );
    assert_eq!(
        attr_of(c, "bp_systolic", "aria-describedby")
            .await
            .as_deref(),
        Some("bp_systolic-error")
    );
    assert_accessible(c, axe, "the intake with an error").await;
    tab_to(c, "nav[aria-label='Client record'] a[href$='/measures']").await;
    press(c, Key::Enter).await;
    wait_contains(
        c,
        Locator::Css("nav .tabs a[aria-current=page]"),
        "Measures",
    )
    .await;
    assert_accessible(c, axe, "the Measures tab").await;

    open_tab(c, "Intake & screening").await;
    for (id, text) in [
        ("medical_history", "Appendectomy in 2010; otherwise well."),
        (
            "psychiatric_history",
            "Recurrent depression since 2015; no psychosis or mania.",
        ),
        (
            "current_medications",
            "Sertraline 100 mg daily; clonazepam 0.5 mg at night.",
        ),
        ("allergies", "None known"),
        ("substance_use", "Alcohol two drinks a week"),
        ("prior_ketamine", "None"),
        ("bp_history", "Borderline readings at the GP last year"),
        ("goals", "Lift the depression enough to return to work."),
        ("concerns", "Worried about nausea."),
    ] {
        fill(c, id, text).await;
    }
    fill(c, "bp_systolic", "150").await;
    fill(c, "bp_diastolic", "95").await;
    click(c, "input[name=takes_benzodiazepines]").await;
    assert_accessible(c, axe, "the intake form").await;
    click_and_load(c, "button[name=intent][value=complete]").await;
    wait_contains(c, Locator::Css(".notice"), "Intake completed").await;
    let mut bp_row = None;
    for row in c
        .find_all(Locator::Css("table.table tbody tr"))
        .await
        .expect("flag rows")
    {
        let text = row.text().await.expect("row");
        if text.contains("150/95") {
            bp_row = Some(row);
        }
    }
    let bp_row = bp_row.expect("a blood-pressure flag for 150/95");
    let source = bp_row
        .find(Locator::Css("td:nth-child(4)"))
        .await
        .expect("source cell")
        .text()
        .await
        .expect("source");
    assert!(
        source.contains("140/90"),
        "the blood-pressure rule: {source}"
    );
    let flags = wait_text(c, Locator::Css("ul.flags")).await;
    assert!(
        flags.contains("Blood pressure today 150/95 mmHg"),
        "the header lists the flag: {flags}"
    );
    shot(c, "pathway-screening").await;
    assert_accessible(c, axe, "the intake and screening page").await;
    click_and_load(c, "form[action$='/screening/review'] button[type=submit]").await;
    wait_contains(c, Locator::Css(".notice"), "Screening marked as reviewed").await;

    open_tab(c, "Course").await;
    assert_accessible(c, axe, "the course page").await;
    click_and_load(c, "form[action$='/course/advance'] button[type=submit]").await;
    wait_contains(c, Locator::Css(".notice"), "next stage").await;
    assert_eq!(stage(c).await, "Preparation");

    open_tab(c, "Preparation").await;
    fill(
        c,
        "intentions",
        "To feel less weighed down; to be kinder to myself.",
    )
    .await;
    let boxes = c
        .find_all(Locator::Css("input[name=discussed]"))
        .await
        .expect("checklist");
    assert!(!boxes.is_empty(), "a preparation checklist");
    for b in &boxes {
        b.click().await.expect("tick");
    }
    assert_accessible(c, axe, "the preparation page").await;
    click_and_load(c, "button[name=intent][value=sign_off]").await;
    wait_contains(c, Locator::Css(".notice"), "Readiness signed off").await;

    // Referring before the consents are signed is refused, with every reason.
    open_tab(c, "Course").await;
    choose(c, "org", "Skylight Psychedelics").await;
    click_and_load(c, "form[action$='/referral'] button[type=submit]").await;
    let refusal = wait_text(c, Locator::Id("refusal")).await;
    for reason in [
        "There is no signed, current KAP informed consent.",
        "There is no signed, current release of information to the prescriber organisation.",
    ] {
        assert!(refusal.contains(reason), "{reason:?} in {refusal:?}");
    }
    assert_eq!(stage(c).await, "Preparation");
    shot(c, "pathway-referral-refused").await;
    assert_accessible(c, axe, "the course page with a refusal").await;

    open_tab(c, "Consents").await;
    wait_text(c, Locator::Css(".consent-doc .hint")).await;
    // The date the client writes: today where they are (the server accepts a day either side
    // of UTC's date, since the practice may be anywhere).
    let today = time::OffsetDateTime::now_utc().date().to_string();
    assert_accessible(c, axe, "the consents page").await;
    for signed in 1..=2 {
        let typed = c
            .find(Locator::Css(".consent-doc form input[name=typed_name]"))
            .await
            .expect("a document to sign")
            .attr("id")
            .await
            .expect("id")
            .expect("typed name id");
        let doc = typed.strip_prefix("typed_name-").expect("typed_name-<doc>");
        let sign = async || {
            fill(c, &typed, CLIENT).await;
            set_date(c, &format!("signed_on-{doc}"), &today).await;
            click(c, &format!("#agree-{doc}")).await;
            click_and_load(
                c,
                &format!(".consent-doc:has(#agree-{doc}) form button[type=submit]"),
            )
            .await;
        };
        sign().await;
        if signed == 1 {
            // Signing on the client's behalf asks for the therapist's code, then back to sign.
            confirm_step_up(c, &sam_secret).await;
            expect_h1(c, CLIENT).await;
            sign().await;
        }
        wait_contains(c, Locator::Css(".notice"), "Signature recorded").await;
        let on_file = c
            .find_all(Locator::Css("table.table tbody tr"))
            .await
            .expect("signatures");
        assert_eq!(on_file.len(), signed, "signatures on file");
    }
    assert!(
        c.find(Locator::Css(".consent-doc form")).await.is_err(),
        "nothing left to sign"
    );

    open_tab(c, "Course").await;
    choose(c, "org", "Skylight Psychedelics").await;
    click_and_load(c, "form[action$='/referral'] button[type=submit]").await;
    wait_contains(c, Locator::Css(".notice"), "Referred").await;
    assert_eq!(stage(c).await, "Medical evaluation");

    // --- 5. A prescriber of another organisation sees nothing of the client. ---------------
    let other = first_sign_in(&base, "omar@example.org", "Omar Haddad").await;
    let c = &other.client;
    c.goto(&format!("{base}/clients")).await.expect("caseload");
    let text = page_text(c).await;
    assert!(text.contains("No clients yet."), "{text}");
    assert!(!text.contains(CLIENT), "{text}");
    c.goto(&format!("{base}/clients/{client_id}/prescriber"))
        .await
        .expect("prescriber page");
    expect_h1(c, "Page not found").await;
    let text = page_text(c).await;
    assert!(text.contains("Error 404"), "{text}");
    assert!(!text.contains(CLIENT), "{text}");
    other.close().await;

    // --- 6. The referred organisation's prescriber evaluates, prescribes, ships. -----------
    let (prescriber, priya_secret) =
        staff_browser_with_secret(&base, "priya@example.org", STAFF_PW, "Priya Patel").await;
    let c = &prescriber.client;
    // The referral waits on the prescriber's dashboard and leads to the prescriber page.
    let waiting = wait_contains(
        c,
        Locator::Css("main"),
        "Referrals awaiting your evaluation (1)",
    )
    .await;
    assert!(waiting.contains(CLIENT), "{waiting}");
    assert_accessible(c, axe, "the prescriber's dashboard with a referral").await;
    click_text(c, "section[contains(@class, 'queue')]//a", CLIENT).await;
    expect_h1(c, CLIENT).await;
    wait_contains(
        c,
        Locator::Css("nav .tabs a[aria-current=page]"),
        "Prescriber",
    )
    .await;
    c.goto(&format!("{base}/clients")).await.expect("caseload");
    expect_h1(c, "Referred clients").await;
    wait_contains(c, Locator::Css("table.table"), CLIENT).await;
    click_text(c, "a", CLIENT).await;
    expect_h1(c, CLIENT).await;
    open_tab(c, "Prescriber").await;
    let packet = page_text(c).await;
    for shown in [
        "Referred to Skylight Psychedelics",
        "Appendectomy in 2010",
        "Sertraline 100 mg daily",
        "150/95 mmHg",
        "Takes benzodiazepines",
        "140/90",
        "KAP informed consent: signed",
        "Release of information to the prescriber: signed",
    ] {
        assert!(
            packet.contains(shown),
            "the packet shows {shown:?}: {packet}"
        );
    }
    assert_accessible(c, axe, "the prescriber page (prescriber)").await;
    c.find(Locator::Id("decision"))
        .await
        .expect("decision")
        .select_by_value("eligible")
        .await
        .expect("eligible");
    fill(
        c,
        "reasons",
        "Blood pressure reviewed: recheck before each session. Benzodiazepine held the night before.",
    )
    .await;
    let year: i32 = today[..4].parse().expect("year");
    set_date(c, "valid_until", &format!("{}-06-30", year + 1)).await;
    click_and_load(c, "form[action$='/evaluation'] button[type=submit]").await;
    wait_contains(c, Locator::Css(".notice"), "Evaluation recorded").await;
    assert_eq!(stage(c).await, "Medication");

    click_text(c, "summary", "Write a prescription").await;
    choose(c, "form", "Troche (lozenge)").await;
    fill(c, "strength_mg", "100").await;
    fill(c, "quantity", "6").await;
    // The plan starts at the usual six sessions a week apart; the dose is the prescriber's.
    fill(c, "dose_mg", "100").await;
    fill(
        c,
        "directions",
        "Dissolve one troche under the tongue at the start of a supervised session.",
    )
    .await;
    fill(c, "pharmacy", "Northside Compounding Pharmacy").await;
    assert_accessible(c, axe, "the prescription form").await;
    click_and_load(c, "form[action$='/prescription'] button[type=submit]").await;
    wait_contains(c, Locator::Css(".notice"), "Prescription recorded").await;
    wait_contains(
        c,
        Locator::Css("main"),
        "Ketamine HCl 100 mg, 6 × Troche (lozenge)",
    )
    .await;

    click_text(c, "summary", "Record a shipment").await;
    fill(c, "carrier", "UPS").await;
    fill(c, "tracking_number", "1Z999AA10123456784").await;
    let shipped_on = c
        .find(Locator::Id("shipped_on"))
        .await
        .expect("shipped on")
        .prop("value")
        .await
        .expect("value");
    assert_eq!(
        shipped_on.as_deref(),
        Some(today.as_str()),
        "prefilled with today"
    );
    click_and_load(c, "form[action$='/shipments'] button[type=submit]").await;
    // Custody entries ask for the prescriber's code first; then the shipment is sent again.
    confirm_step_up(c, &priya_secret).await;
    expect_h1(c, CLIENT).await;
    click_text(c, "summary", "Record a shipment").await;
    fill(c, "carrier", "UPS").await;
    fill(c, "tracking_number", "1Z999AA10123456784").await;
    click_and_load(c, "form[action$='/shipments'] button[type=submit]").await;
    wait_contains(c, Locator::Css(".notice"), "Shipment recorded").await;
    click_and_load(c, "form[action$='/received'] button[type=submit]").await;
    wait_contains(c, Locator::Css(".notice"), "Receipt recorded").await;
    let header = wait_text(c, Locator::Css("header.client-header")).await;
    assert!(
        header.contains("Course stage: Ready for dosing"),
        "{header}"
    );
    shot(c, "pathway-ready-for-dosing").await;
    assert_accessible(c, axe, "the prescriber page after shipment").await;
    prescriber.close().await;

    // --- 7. The therapist cannot set a dose: only ask the prescriber for a change. ---------
    let c = &therapist.client;
    c.goto(&format!("{base}{client_path}/prescriber"))
        .await
        .expect("prescriber tab");
    expect_h1(c, CLIENT).await;
    assert_eq!(stage(c).await, "Ready for dosing");
    wait_contains(c, Locator::Css("main"), "Ketamine HCl 100 mg").await;
    for name in ["strength_mg", "new_strength_mg", "dose_mg"] {
        assert!(
            c.find(Locator::Css(&format!("[name={name}]")))
                .await
                .is_err(),
            "the therapist has no {name} field"
        );
    }
    assert!(
        c.find(Locator::Css("form[action$='/prescription']"))
            .await
            .is_err(),
        "no prescription form for the therapist"
    );
    shot(c, "pathway-prescriber-therapist").await;
    assert_accessible(c, axe, "the prescriber page (therapist)").await;
    fill(
        c,
        "request",
        "Nausea at the first session: could the dose be lowered?",
    )
    .await;
    click_and_load(c, "form[action$='/dose-requests'] button[type=submit]").await;
    wait_contains(c, Locator::Css(".notice"), "Dose-change request sent").await;
    wait_contains(c, Locator::Css("main"), "Awaiting the prescriber.").await;
    therapist.close().await;
}
