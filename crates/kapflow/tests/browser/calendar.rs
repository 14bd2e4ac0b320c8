//! The calendar in the browser: front desk books a dosing session in the dosing room from the
//! client's record; a second booking of the room and the clinician at that time is refused
//! with the reasons and keeps what was typed; the week view shows it; the therapist's calendar
//! feed carries it without the client's name. axe on every new page.

use super::support::browser::{Browser, axe_source};
use super::support::ui::*;
use super::support::{http, keyed_store, path_of, practice_server, user_id};
use fantoccini::{Client, Locator};
use kapflow_domain::client::ClientInput;
use kapflow_domain::time_util::now_utc;
use kapflow_domain::{Actor, ClientId, Role};
use std::path::Path;

const OWNER_PW: &str = "lantern orbit pebble";
const STAFF_PW: &str = "quiet harbour violet";
const CLIENT: &str = "Jordan Avery";

/// The client on Sam's care team and the practice's dosing room, made beside the server.
async fn client_and_room(data: &Path) -> ClientId {
    let store = keyed_store(data).await;
    let now = now_utc();
    let owner = Actor::user(
        user_id(&store, "catherine@example.org").await,
        Role::Owner,
        None,
        None,
    );
    let sam = user_id(&store, "sam@example.org").await;
    let client = ClientInput {
        legal_name: CLIENT.into(),
        date_of_birth: "1984-03-02".into(),
        support_name: "Morgan Avery".into(),
        support_phone: "555 010 2233".into(),
        ..ClientInput::default()
    }
    .validate(kapflow_domain::zone::PracticeZone::utc().today(now))
    .expect("client");
    let kapflow_store::clients::Created::Client(c) = store
        .clients()
        .create("calendar-browser-01", &client, None, &[sam], &owner, now)
        .await
        .expect("create")
    else {
        panic!("not created")
    };
    store
        .calendar()
        .save_room(None, "Dosing room", true, true, &owner, now)
        .await
        .expect("room");
    store.close().await;
    c
}

async fn book(c: &Client, day: &str, clinician: &str) {
    choose(c, "session_type", "Dosing session (180 min, needs a room)").await;
    set_date(c, "date", day).await;
    set_value(c, "time", "10:00").await;
    choose(c, "clinician", clinician).await;
    choose(c, "room", "Dosing room (dosing)").await;
    click_and_load(c, "form[action$='/appointments'] button[type=submit]").await;
}

#[tokio::test]
async fn front_desk_books_the_dosing_room_and_a_second_booking_is_refused() {
    let Some(owner) = Browser::start().await else {
        return;
    };
    let axe_js = axe_source();
    let axe = axe_js.as_deref();
    let (_dir, data, server) = practice_server().await;
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
        ("dana@example.org", "front_desk", "Dana Desk"),
    ] {
        add_staff_from_console(&server, &data, (email, role, name), STAFF_PW);
    }
    let client = client_and_room(&data).await;
    let day = next_weekday();

    // --- Front desk books the dosing session from the client's record. ---
    let desk = staff_browser(&base, "dana@example.org", STAFF_PW, "Dana Desk").await;
    let c = &desk.client;
    c.goto(&format!("{base}/clients/{client}/appointments"))
        .await
        .expect("appointments");
    expect_h1(c, CLIENT).await;
    assert_accessible(c, axe, "a client's appointments with the booking form").await;
    book(c, &day, "Sam Rivera").await;
    wait_contains(c, Locator::Css("main"), "Booked.").await;
    let list = wait_text(c, Locator::Css("main")).await;
    assert!(
        list.contains("10:00–13:00") && list.contains("Dosing room"),
        "{list}"
    );

    // --- The same room and time again, with Lee: refused, reasons named, nothing lost. ---
    book(c, &day, "Lee Chen").await;
    let refused = wait_contains(c, Locator::Id("conflicts"), "the time is taken").await;
    assert!(
        refused.contains("Dosing room is already booked from"),
        "{refused}"
    );
    assert!(
        refused.contains("already has an appointment"),
        "the client too: {refused}"
    );
    assert_eq!(field_value(c, "time").await, "10:00");
    assert_eq!(field_value(c, "date").await, day);
    assert_accessible(c, axe, "a refused booking").await;

    // --- The week view shows it, with the client's name for front desk. ---
    c.goto(&format!(
        "{base}/calendar?view=week&date={day}&who=practice"
    ))
    .await
    .expect("calendar");
    let week = wait_contains(c, Locator::Css("main"), CLIENT).await;
    assert!(week.contains("Dosing session") && week.contains("Sam Rivera"));
    assert_accessible(c, axe, "the practice's week").await;
    desk.close().await;

    // --- Sam subscribes to a feed: the appointment is there, the name is not. ---
    let sam = staff_browser(&base, "sam@example.org", STAFF_PW, "Sam Rivera").await;
    let c = &sam.client;
    c.goto(&format!("{base}/calendar/hours"))
        .await
        .expect("hours");
    assert_accessible(c, axe, "working hours, time off and the feed").await;
    click_and_load(c, "form[action='/calendar/my-feed'] button[type=submit]").await;
    let link = field_value(c, "feed-link").await;
    assert!(link.contains("/ical/"), "{link}");
    assert_accessible(c, axe, "the new feed link").await;
    let feed = http(&base, "GET", &path_of(&link), None);
    assert!(feed.body.contains("BEGIN:VEVENT") && feed.body.contains("SUMMARY:Session"));
    assert!(!feed.body.contains("Jordan") && !feed.body.contains("Avery"));
    sam.close().await;
}

/// Reads the current page's `<h1>`.
async fn heading(c: &Client) -> String {
    wait_text(c, Locator::Css("h1")).await
}

#[tokio::test]
async fn a_note_written_in_two_windows_loses_nothing_is_signed_and_psychotherapy_notes_stay_private()
 {
    let Some(owner) = Browser::start().await else {
        return;
    };
    let axe_js = axe_source();
    let axe = axe_js.as_deref();
    let (_dir, data, server) = practice_server().await;
    let base = server.url.clone();
    set_up_owner(
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
    let client = client_and_room(&data).await;

    let (sam, secret) =
        staff_browser_with_secret(&base, "sam@example.org", STAFF_PW, "Sam Rivera").await;
    let c = &sam.client;
    c.goto(&format!("{base}/clients/{client}/notes"))
        .await
        .expect("notes");
    assert_accessible(c, axe, "a client's notes").await;
    choose(c, "template", "General (DAP)").await;
    click_and_load(c, "form[action$='/notes'] button[type=submit]").await;
    wait_contains(c, Locator::Css("main"), "Data").await;
    let note = c.current_url().await.expect("url").to_string();
    assert_accessible(c, axe, "a draft note").await;
    let first = c.window().await.expect("window");

    // A second window of the same note saves first.
    let second = c.new_window(true).await.expect("new window").handle;
    c.switch_to_window(second.clone()).await.expect("switch");
    c.goto(&note).await.expect("note in window two");
    fill(c, "data", "Written in window two.").await;
    click_and_load(
        c,
        "form[data-autosave] button[type=submit]:not([formaction])",
    )
    .await;
    wait_contains(c, Locator::Css("main"), "Draft saved.").await;

    // The first window, still at the first version, saves: refused, both texts on the page.
    c.switch_to_window(first).await.expect("switch back");
    fill(c, "data", "Written in window one.").await;
    click_and_load(
        c,
        "form[data-autosave] button[type=submit]:not([formaction])",
    )
    .await;
    let stale = wait_contains(c, Locator::Id("stale"), "another window").await;
    assert!(stale.contains("Not saved"), "{stale}");
    assert_eq!(field_value(c, "data").await, "Written in window one.");
    let main = wait_text(c, Locator::Css("main")).await;
    assert!(
        main.contains("Written in window two."),
        "the other window's text shown"
    );
    assert_accessible(c, axe, "a stale save with both texts").await;

    // Combined and signed (with the code when asked); then it cannot change.
    fill(c, "data", "Written in both windows, combined.").await;
    click_and_load(c, "button[formaction$='/sign']").await;
    if heading(c).await == "Confirm with your code" {
        confirm_step_up(c, &secret).await;
        wait_contains(c, Locator::Css("main"), "combined").await;
        click_and_load(c, "button[formaction$='/sign']").await;
    }
    wait_contains(c, Locator::Css("main"), "The note is signed.").await;
    c.goto(&note).await.expect("signed note");
    let signed = wait_contains(c, Locator::Css("main"), "Signed by Sam Rivera").await;
    assert!(signed.contains("SHA-256") && signed.contains("combined"));
    assert!(!present(c, "textarea#data").await, "no editing once signed");
    fill(c, "addendum", "The client called the next day: well.").await;
    click_and_load(c, "form[action$='/addenda'] button[type=submit]").await;
    wait_contains(c, Locator::Css("main"), "The client called the next day").await;
    assert_accessible(c, axe, "a signed note with an addendum").await;

    // A psychotherapy note: Sam's alone.
    c.goto(&format!("{base}/clients/{client}/psychotherapy-notes"))
        .await
        .expect("psychotherapy notes");
    assert_accessible(c, axe, "psychotherapy notes").await;
    fill(c, "body", "Felt protective; explore in supervision.").await;
    click_and_load(
        c,
        "form[action$='/psychotherapy-notes'] button[type=submit]",
    )
    .await;
    wait_contains(c, Locator::Css("main"), "explore in supervision").await;
    let private = c.current_url().await.expect("url").to_string();
    sam.close().await;
    let o = &owner.client;
    o.goto(&private).await.expect("owner tries");
    let page = wait_text(o, Locator::Css("main")).await;
    assert!(
        !page.contains("explore in supervision"),
        "the owner never reads it"
    );
    owner.close().await;
}
