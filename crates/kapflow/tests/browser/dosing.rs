//! A dosing session in the room, end to end, on a tablet-sized window: the gates refuse until
//! every pre-dose check is in (each one named), the dose is logged, vitals are entered when due
//! (the server's clock moved forward by the test, never slept), an alert is acknowledged with
//! the action taken, a colleague takes over in a second browser, leaving the client alone is
//! refused, the server is killed with kill -9 between two vitals and an entry made while it is
//! down is saved when it is back, the session is discharged, and the prescriber reads the
//! summary. Then the session is billed: the presence log's hand-over gives each clinician's
//! 0820T/0821T hours, a card number in a payment is refused, and the superbill's text holds
//! every field an insurer asks for. axe and the WCAG checks run on every new page.

use super::support::browser::{Browser, axe_source};
use super::support::ui::*;
use super::support::{Server, kapflow_command, keyed_store, user_id};
use fantoccini::{Client, Locator};
use kapflow_domain::billing::money::Cents;
use kapflow_domain::client::ClientInput;
use kapflow_domain::prescribing::plan::DosingPlan;
use kapflow_domain::time_util::now_utc;
use kapflow_domain::{Actor, ClientId, Role};
use std::path::Path;

const OWNER_PW: &str = "lantern orbit pebble";
const STAFF_PW: &str = "quiet harbour violet";
const CLIENT: &str = "Jordan Avery";

/// The smallest valid PNG: one transparent pixel.
const ONE_PIXEL_PNG: &[u8] = &[
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F, 0x15, 0xC4,
    0x89, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x44, 0x41, 0x54, 0x78, 0xDA, 0x63, 0x64, 0x60, 0xF8, 0x5F,
    0x0F, 0x00, 0x02, 0x87, 0x01, 0x80, 0xEB, 0x47, 0xBA, 0x92, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45,
    0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82,
];

/// Moves the server's dosing clock to `minutes` after the real time.
fn set_clock(file: &Path, minutes: i64) {
    std::fs::write(file, (minutes * 60).to_string()).expect("clock file");
}

/// The practice's records beside the running server: the partner organisation, the client on
/// Sam's and Lee's care team, walked to "ready for dosing" by the store's own fixture.
async fn client_ready_for_dosing(data: &Path) -> ClientId {
    let store = keyed_store(data).await;
    let now = now_utc();
    let owner = Actor::user(
        user_id(&store, "catherine@example.org").await,
        Role::Owner,
        None,
        None,
    );
    let sam = user_id(&store, "sam@example.org").await;
    let lee = user_id(&store, "lee@example.org").await;
    let priya = user_id(&store, "priya@example.org").await;
    let org = store
        .partner_orgs()
        .add("Skylight Psychedelics", &owner, now)
        .await
        .expect("org")
        .expect("new");
    assert!(
        store
            .partner_orgs()
            .set_member(priya, Some(org), &owner, now)
            .await
            .expect("member")
    );
    let client = ClientInput {
        legal_name: CLIENT.into(),
        date_of_birth: "1984-03-02".into(),
        support_name: "Morgan Avery".into(),
        support_phone: "555 010 2233".into(),
        ..ClientInput::default()
    }
    .validate(utc_today(now))
    .expect("client");
    let kapflow_store::clients::Created::Client(c) = store
        .clients()
        .create(
            "dosing-browser-0123",
            &client,
            None,
            &[sam, lee],
            &owner,
            now,
        )
        .await
        .expect("create")
    else {
        panic!("not created")
    };
    let sam_actor = Actor::user(sam, Role::Therapist, None, None);
    let priya_actor = Actor::user(priya, Role::Prescriber, None, None);
    kapflow_store::fixtures::ready_for_dosing(
        &store,
        &kapflow_store::fixtures::ReadyFor {
            client: c,
            therapist: &sam_actor,
            prescriber: &priya_actor,
            org,
            plan: DosingPlan {
                sessions_planned: 6,
                min_days_between: 7,
                dose_ug: 100_000,
                split_allowed: false,
                booster_ug: None,
            },
        },
    )
    .await;
    store.close().await;
    c
}

async fn tablet(c: &Client) {
    c.set_window_size(768, 1024).await.expect("tablet size");
}

async fn main_text(c: &Client) -> String {
    wait_text(c, Locator::Css("main")).await
}

/// Sends the entry form whose submit button is `button` (the page's script sends it in the
/// background) and waits until `table` shows `needle`.
async fn entry(c: &Client, button: &str, needle: &str) {
    click(c, button).await;
    wait_contains(c, Locator::Css("#monitor"), needle).await;
}

async fn vitals(c: &Client, s: &str, d: &str, hr: &str, spo2: &str) {
    fill(c, "systolic", s).await;
    fill(c, "diastolic", d).await;
    fill(c, "heart_rate", hr).await;
    fill(c, "spo2", spo2).await;
}

#[tokio::test]
async fn dosing_a_session_runs_from_the_gates_to_discharge_with_nothing_lost() {
    let Some(owner) = Browser::start().await else {
        return;
    };
    let axe_js = axe_source();
    let axe = axe_js.as_deref();
    let dir = tempfile::tempdir().expect("dir");
    let data = dir.path().to_owned();
    let clock = data.join("clock");
    set_clock(&clock, 0);
    let env = |data: &Path| {
        let mut cmd = kapflow_command(data, None);
        cmd.env("KAPFLOW_TEST_CLOCK_FILE", data.join("clock"));
        cmd
    };
    let mut server = {
        let data = data.clone();
        tokio::task::spawn_blocking(move || Server::spawn_command(&mut env(&data)))
            .await
            .expect("server")
    };
    let base = server.url.clone();
    set_up_owner(
        &owner.client,
        server.setup_link.as_deref().expect("link"),
        OWNER_PW,
    )
    .await;
    owner.close().await;
    for (email, role, name) in [
        ("sam@example.org", "therapist", "Sam Rivera"),
        ("lee@example.org", "therapist", "Lee Chen"),
        ("priya@example.org", "prescriber", "Priya Patel"),
    ] {
        add_staff_from_console(&server, &data, (email, role, name), STAFF_PW);
    }
    let client = client_ready_for_dosing(&data).await;

    // --- Sam prepares today's session on the tablet; the gates name every missing check. ---
    let (sam, _sam_secret) =
        staff_browser_with_secret(&base, "sam@example.org", STAFF_PW, "Sam Rivera").await;
    let c = &sam.client;
    tablet(c).await;
    c.goto(&format!("{base}/clients/{client}/dosing"))
        .await
        .expect("dosing");
    expect_h1(c, CLIENT).await;
    assert_accessible(c, axe, "the dosing sessions list").await;
    click_and_load(c, "form[action$='/dosing'] button[type=submit]").await;
    wait_contains(c, Locator::Css("main"), "pre-dose checks").await;
    let session_url = c.current_url().await.expect("url").path().to_owned();
    assert_accessible(c, axe, "a session before the dose").await;
    click_and_load(c, "form[action$='/start'] button[type=submit]").await;
    let refusal = wait_text(c, Locator::Css(".error-summary")).await;
    for gate in [
        "not entered in the custody log",
        "Pre-dose vitals are not recorded",
        "questionnaires are not done",
        "No named person is confirmed to take the client home",
    ] {
        assert!(refusal.contains(gate), "{gate} named in {refusal:?}");
    }
    assert!(
        !refusal.contains("consent"),
        "the consent is signed: {refusal}"
    );
    assert_accessible(c, axe, "the gates' refusal").await;

    // Each check, as the therapist meets it.
    fill(c, "drug", "Ketamine HCl").await;
    choose(c, "dose_form", "Troche").await;
    fill(c, "strength_mg", "100").await;
    fill(c, "count", "4").await;
    fill(c, "pharmacy", "Compounding Pharmacy").await;
    fill(c, "rx_number", "RX-77").await;
    entry(c, "#custody button[type=submit]", "Medication brought").await;
    // A photo of the label, as the tablet's camera would give it (a 1×1 PNG here).
    let label = data.join("label.png");
    std::fs::write(&label, ONE_PIXEL_PNG).expect("png");
    c.find(Locator::Id("label_photo"))
        .await
        .expect("file field")
        .send_keys(label.to_str().expect("path"))
        .await
        .expect("choose the photo");
    click_and_load(c, "form[action$='/label-photos'] button[type=submit]").await;
    assert!(
        present(c, "#custody img.thumb").await,
        "the label photo shows: {}",
        main_text(c).await
    );
    vitals(c, "128", "82", "72", "98").await;
    entry(c, "#vitals button[type=submit]", "128/82").await;
    fill(c, "ride_name", "Morgan Avery").await;
    click(c, "#ride_confirmed").await;
    click_and_load(c, "form[action$='/ride-home'] button[type=submit]").await;
    fill(
        c,
        "skip_reason",
        "Answered the PHQ-9 by phone this morning.",
    )
    .await;
    click_and_load(c, "form[action$='/pre-dose-measures'] button[type=submit]").await;
    wait_contains(c, Locator::Css("#gates"), "Every safety check is met").await;
    click_and_load(c, "form[action$='/start'] button[type=submit]").await;
    wait_contains(c, Locator::Css("main"), "The session is open").await;

    // --- The dose, the timeline, vitals when due, an alert acknowledged. -----------------------
    fill(c, "amount_mg", "100").await;
    fill(c, "held_minutes", "12").await;
    fill(c, "spat_out", "saliva only").await;
    fill(c, "disposal", "tissue into the sealed bin").await;
    entry(c, "#custody button[type=submit]", "Dose taken").await;
    c.goto(&format!("{base}{session_url}"))
        .await
        .expect("monitor");
    wait_contains(c, Locator::Css("#monitor"), "minutes since the dose").await;
    assert!(
        present(c, "svg.dosing-chart .now-line").await,
        "now on the timeline"
    );
    set_clock(&clock, 16);
    c.goto(&format!("{base}{session_url}"))
        .await
        .expect("monitor");
    wait_contains(c, Locator::Css(".vitals-due"), "overdue").await;
    vitals(c, "166", "98", "88", "97").await;
    entry(c, "#vitals button[type=submit]", "to acknowledge").await;
    let alert = main_text(c).await;
    assert!(
        alert.contains("Alert above 160/100"),
        "the rule shows: {alert}"
    );
    assert!(
        alert.contains("psychedelic-session"),
        "its source shows: {alert}"
    );
    assert_accessible(c, axe, "the monitor with an open alert").await;
    let ack = c
        .find(Locator::Css("textarea[name=action_taken]"))
        .await
        .expect("action field")
        .attr("id")
        .await
        .expect("id")
        .expect("an id");
    fill(c, &ack, "Dimmed the lights, rechecked after 10 minutes.").await;
    click_and_load(c, "form[action*='/alerts/'] button[type=submit]").await;
    wait_contains(c, Locator::Css("#alerts"), "Dimmed the lights").await;

    // --- kill -9 between two vitals; an entry made while the server is down is kept. --------
    set_clock(&clock, 31);
    vitals(c, "150", "92", "84", "98").await;
    entry(c, "#vitals button[type=submit]", "150/92").await;
    let listen = base.trim_start_matches("http://").to_owned();
    server.child.kill().expect("kill -9");
    server.child.wait().expect("reaped");
    vitals(c, "142", "90", "80", "98").await;
    click(c, "#vitals button[type=submit]").await;
    wait_contains(c, Locator::Id("pending-entries"), "Not saved yet").await;
    server = {
        let data = data.clone();
        tokio::task::spawn_blocking(move || Server::spawn_at(&mut env(&data), &listen))
            .await
            .expect("restart")
    };
    assert_eq!(server.url, base, "back on the same address");
    // The page sends it again by itself (every few seconds) once the server answers.
    let mut rows = Vec::new();
    for _ in 0..200 {
        rows = vitals_rows(c).await;
        if rows.iter().any(|r| r == "142/90") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(
        rows,
        ["128/82", "166/98", "150/92", "142/90"],
        "neither entry lost, the one made while the server was down included"
    );
    assert!(
        !present(c, "#pending-entries:not([hidden])").await,
        "nothing left unsent"
    );
    c.goto(&format!("{base}{session_url}"))
        .await
        .expect("reload");
    assert_eq!(
        vitals_rows(c).await,
        ["128/82", "166/98", "150/92", "142/90"],
        "each reading recorded once"
    );

    // --- Lee takes over in a second browser; leaving the client alone is refused. -----------
    choose(c, "taking_over", "Lee Chen").await;
    entry(
        c,
        "form[action$='/presence'] input[value=handover] ~ button",
        "Handed over",
    )
    .await;
    let lee = staff_browser(&base, "lee@example.org", STAFF_PW, "Lee Chen").await;
    let l = &lee.client;
    tablet(l).await;
    l.goto(&format!("{base}{session_url}"))
        .await
        .expect("Lee's monitor");
    wait_contains(l, Locator::Css("#presence"), "Lee Chen").await;
    choose(l, "leave-person", "Lee Chen").await;
    click(l, "form[action$='/presence'] input[value=leave] ~ button").await;
    wait_contains(l, Locator::Css(".error-summary"), "cannot be left alone").await;
    assert_accessible(l, axe, "a refused leave").await;
    // Sam comes back in and stays beside Lee until discharge (the second professional).
    choose(l, "join-person", "Sam Rivera").await;
    entry(
        l,
        "form[action$='/presence'] input[value=join] ~ button",
        "Came in",
    )
    .await;

    // --- Discharge after the minimum observation, with the final vitals. --------------------
    set_clock(&clock, 125);
    l.goto(&format!("{base}{session_url}"))
        .await
        .expect("monitor");
    vitals(l, "130", "84", "76", "98").await;
    click(l, "input[name=phase][value=final]").await;
    entry(l, "#vitals button[type=submit]", "At discharge").await;
    for name in [
        "alert_and_oriented",
        "tolerating_fluids",
        "little_or_no_nausea",
        "ride_home_present",
        "aftercare_given",
    ] {
        click(l, &format!("input[name={name}]")).await;
    }
    click_and_load(l, "form[action$='/discharge'] button[type=submit]").await;
    wait_contains(l, Locator::Css("main"), "moved to integration").await;
    wait_contains(l, Locator::Css("main"), "Discharged").await;
    l.goto(&format!("{base}{session_url}/aftercare"))
        .await
        .expect("aftercare");
    wait_contains(
        l,
        Locator::Css("main"),
        "No alcohol or cannabis for 24 hours",
    )
    .await;
    assert_accessible(l, axe, "the aftercare sheet").await;
    monitoring_hours_are_charged(l, axe, &base, &data, client).await;
    lee.close().await;
    sam.close().await;

    // --- The prescriber reads the summary, and writes nothing. ------------------------------
    let priya = staff_browser(&base, "priya@example.org", STAFF_PW, "Priya Patel").await;
    let p = &priya.client;
    p.goto(&format!("{base}{session_url}"))
        .await
        .expect("summary");
    let summary = wait_contains(p, Locator::Css("main"), "Summary").await;
    for seen in [
        "166/98",
        "Dimmed the lights",
        "Handed over",
        "Dose taken",
        "Morgan Avery",
    ] {
        assert!(
            summary.contains(seen),
            "the prescriber sees {seen}: {summary}"
        );
    }
    assert!(
        !present(p, "main form").await,
        "read-only for the prescriber"
    );
    assert_accessible(p, axe, "the session summary").await;
    priya.close().await;
    let _ = server.terminate();
}

/// The session's presence log, billed: Sam had the client from the start until the hand-over
/// at 31 minutes (0820T, 1 hour), Lee from then to discharge at 125 (0820T, 2 hours), and Sam,
/// back in the room beside Lee, as the second professional (0821T, 2 hours). A card number in a
/// payment is refused; the superbill carries the codes, units, diagnosis and identifiers.
async fn monitoring_hours_are_charged(
    l: &Client,
    axe: Option<&str>,
    base: &str,
    data: &Path,
    client: ClientId,
) {
    fees_and_identifiers(data).await;
    l.goto(&format!("{base}/clients/{client}/billing?dx=F33.1"))
        .await
        .expect("billing");
    click_and_load(l, "form[action$='/billing/diagnoses'] button[type=submit]").await;
    wait_contains(l, Locator::Css("main"), "The diagnosis is added").await;
    assert_accessible(l, axe, "the billing page").await;
    click_and_load(l, "a[href*='/billing/sessions/']").await;
    wait_contains(l, Locator::Css("main"), "What will be charged").await;
    let mut lines = Vec::new();
    for row in l
        .find_all(Locator::Css("main tbody tr"))
        .await
        .expect("rows")
    {
        let mut cells = Vec::new();
        for td in row.find_all(Locator::Css("td")).await.expect("cells") {
            cells.push(td.text().await.expect("cell"));
        }
        lines.push((cells[0].clone(), cells[1].clone(), cells[3].clone()));
    }
    lines.sort();
    let want =
        |who: &str, code: &str, units: &str| (who.to_owned(), code.to_owned(), units.to_owned());
    assert_eq!(
        lines,
        [
            want("Lee Chen", "0820T", "2"),
            want("Sam Rivera", "0820T", "1"),
            want("Sam Rivera", "0821T", "2"),
        ],
        "the hours of each clinician by code"
    );
    let total = wait_text(l, Locator::Css("main tfoot")).await;
    assert!(total.contains("$650.00"), "{total}");
    assert_accessible(l, axe, "the monitoring hours").await;
    click_and_load(
        l,
        "form[method=post][action*='/billing/sessions/'] button[type=submit]",
    )
    .await;
    wait_contains(l, Locator::Css("main"), "Charged.").await;

    // A card number typed into a payment's note is refused, and nothing typed is lost.
    fill(l, "amount", "650").await;
    fill(l, "note", "Card 4111 1111 1111 1111 at the desk").await;
    click_and_load(l, "form[action$='/billing/payments'] button[type=submit]").await;
    wait_contains(
        l,
        Locator::Css(".error-summary"),
        "looks like a card number",
    )
    .await;
    assert_eq!(field_value(l, "amount").await, "650");
    assert_accessible(l, axe, "a refused payment").await;

    let href = format!("/clients/{client}/billing/superbill.pdf");
    let bytes = l
        .execute_async(
            "const done = arguments[arguments.length - 1];
             fetch(arguments[0], {credentials: 'same-origin'})
               .then(r => r.arrayBuffer())
               .then(b => done(Array.from(new Uint8Array(b))));",
            vec![serde_json::json!(href)],
        )
        .await
        .expect("the superbill");
    let bytes: Vec<u8> = serde_json::from_value(bytes).expect("bytes");
    let pdf = lopdf::Document::load_mem(&bytes).expect("a PDF another reader opens");
    let pages: Vec<u32> = pdf.get_pages().keys().copied().collect();
    let text = pdf.extract_text(&pages).expect("its text");
    for field in [
        "Superbill: Jordan Avery",
        "1984-03-02",
        "Sam Rivera",
        "Lee Chen",
        "1245319599",
        "LMFT 54321, California",
        "12-3456789",
        "A F33.1",
        "CPT 0820T",
        "CPT 0821T",
        "Place of service 11",
        "Diagnosis pointer A",
        "Units 2",
        "Units 1",
        "Fee $150.00",
        "Fee $100.00",
        "Total charged",
        "$650.00",
    ] {
        assert!(text.contains(field), "{field:?} on the superbill: {text}");
    }
}

/// The owner's fees for the monitoring codes, the practice's tax id, Sam's NPI and licence, and
/// therapists allowed to see their clients' balances, as the billing settings page keeps them.
async fn fees_and_identifiers(data: &Path) {
    let store = keyed_store(data).await;
    let now = now_utc();
    let owner_id = user_id(&store, "catherine@example.org").await;
    let owner = Actor::user(owner_id, Role::Owner, None, None);
    let from = now.date() - time::Duration::days(30);
    for (code, cents) in [("0820T", 15_000), ("0821T", 10_000)] {
        store
            .billing()
            .set_fee(code, Cents(cents), from, owner_id, &owner, now)
            .await
            .expect("fee")
            .expect("a new fee");
    }
    let sam = user_id(&store, "sam@example.org").await;
    store
        .billing()
        .set_clinician_billing(
            sam,
            Some("1245319599"),
            Some("LMFT 54321, California"),
            owner_id,
            &owner,
            now,
        )
        .await
        .expect("identifiers");
    store
        .site()
        .save_practice_details(
            &[
                (
                    kapflow_store::settings::keys::BILLING_TAX_ID,
                    "12-3456789".into(),
                ),
                // Lee, a therapist, records the payment and prints the superbill.
                (
                    kapflow_store::settings::keys::BILLING_THERAPISTS_SEE_BALANCES,
                    "true".into(),
                ),
            ],
            &owner,
            now,
        )
        .await
        .expect("tax id");
    store.close().await;
}

/// The blood pressures in the session's vitals table, in order.
async fn vitals_rows(c: &Client) -> Vec<String> {
    let rows: serde_json::Value = c
        .execute(
            "const t = [...document.querySelectorAll('table')].find(t => t.caption && t.caption.textContent === 'Vitals');\
             return t ? [...t.querySelectorAll('tbody tr')].map(r => r.cells[3].textContent) : [];",
            vec![],
        )
        .await
        .expect("vitals rows");
    rows.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// The test practice's date (its zone is UTC unless a test chooses one).
fn utc_today(t: time::OffsetDateTime) -> time::Date {
    kapflow_domain::zone::PracticeZone::utc().today(t)
}
