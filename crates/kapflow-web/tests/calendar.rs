//! The calendar through the app: the practice's time zone everywhere a time is shown, the
//! owner's rooms, front desk booking a dosing session with a second booking refused beside
//! the form (keeping what was typed), therapists reading other clinicians' bookings without
//! the client's name, holds, working hours and time off.

mod support;

use axum::http::StatusCode;
use kapflow_domain::time_util::now_utc;
use support::TestApp;
use support::clinic::clinic;
use time::Duration;

fn enc(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
}

/// A weekday at least a week ahead, as the form types it.
fn next_weekday() -> String {
    let mut d = now_utc().date() + Duration::days(8);
    while matches!(d.weekday(), time::Weekday::Saturday | time::Weekday::Sunday) {
        d = d.next_day().expect("day");
    }
    d.to_string()
}

#[tokio::test]
async fn the_practice_time_zone_is_chosen_in_practice_details_and_read_everywhere() {
    let t = TestApp::new().await;
    let c = clinic(&t).await;
    let page = t.get("/settings", Some(&c.owner)).await;
    assert!(page.body.contains("America/New_York"), "the list of zones");
    // An unknown zone is refused beside the field, and what was typed stays.
    let r = t
        .post(
            "/settings",
            "practice_name=Practice&time_zone=Mars%2FOlympus",
            Some(&c.owner),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("not a time zone name"), "{}", r.body);
    let r = t
        .post(
            "/settings",
            "practice_name=Practice&time_zone=America%2FNew_York",
            Some(&c.owner),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    // Times read in New York's zone, with its abbreviation, on every page that shows one.
    let audit = t.get("/audit", Some(&c.owner)).await.body;
    assert!(
        audit.contains(" EST") || audit.contains(" EDT"),
        "zone named"
    );
    assert!(!audit.contains(" UTC<"), "no UTC left");
    let cal = t.get("/calendar", Some(&c.front)).await.body;
    assert!(
        cal.contains("America/New York"),
        "the calendar names its zone"
    );
}

#[tokio::test]
async fn front_desk_books_a_dosing_session_and_a_second_booking_is_refused() {
    let t = TestApp::new().await;
    let c = clinic(&t).await;
    // Rooms are the owner's to set up.
    assert_eq!(
        t.post(
            "/calendar/setup/rooms",
            "room_name=Dosing+room&dosing=on",
            Some(&c.front)
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
    let r = t
        .post(
            "/calendar/setup/rooms",
            "room_name=Dosing+room&dosing=on",
            Some(&c.owner),
        )
        .await;
    assert_eq!(r.location(), "/calendar/setup?done=room");
    let r = t
        .post(
            "/calendar/setup/rooms",
            "room_name=dosing+ROOM",
            Some(&c.owner),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("Another room has this name."));
    let room = t.db.store.calendar().rooms().await.expect("rooms")[0].id;

    let day = next_weekday();
    let form = |client_time: &str, clinician: kapflow_domain::UserId| {
        format!(
            "_key={}&session_type=dosing&date={day}&time={}&clinician={clinician}&room={room}&repeat=none",
            kapflow_domain::UserId::new().to_string().replace('-', ""),
            enc(client_time)
        )
    };
    let a = c.a;
    let r = t
        .post(
            &format!("/clients/{a}/appointments"),
            &form("10:00", c.t1.id),
            Some(&c.front),
        )
        .await;
    assert_eq!(
        r.location(),
        format!("/clients/{a}/appointments?done=booked")
    );
    let list = t.get(r.location(), Some(&c.front)).await.body;
    assert!(list.contains("Booked.") && list.contains("Dosing session"));
    assert!(list.contains("10:00–13:00"), "{list}");
    // The room again, another client and clinician, an hour later: refused, nothing lost.
    let b = c.b;
    let r = t
        .post(
            &format!("/clients/{b}/appointments"),
            &form("11:00", c.t2.id),
            Some(&c.front),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("Nothing was booked: the time is taken."));
    assert!(
        r.body.contains("Dosing room is already booked from"),
        "{}",
        r.body
    );
    assert!(r.body.contains("value=\"11:00\""), "the typed time stays");
    // The clinician again, with a room-less kind: refused with the clinician's name.
    let integration = format!(
        "session_type=integration&date={day}&time=12%3A00&clinician={}&repeat=none",
        c.t1.id
    );
    let r = t
        .post(
            &format!("/clients/{b}/appointments"),
            &integration,
            Some(&c.front),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body
            .contains("t1@example.org already has an appointment from")
    );
    // A field left wrong is named beside it.
    let r = t
        .post(
            &format!("/clients/{b}/appointments"),
            &format!(
                "session_type=dosing&date={day}&time=10%3A00&clinician={}",
                c.t2.id
            ),
            Some(&c.front),
        )
        .await;
    assert!(
        r.body
            .contains("Choose the room: a dosing session needs one.")
    );

    // The therapist of another client sees the time booked, not the name.
    let week = format!("/calendar?view=week&date={day}&who=practice");
    let t2_view = t.get(&week, Some(&c.t2)).await.body;
    assert!(
        t2_view.contains("Booked") && !t2_view.contains("Ada Alpha"),
        "{t2_view}"
    );
    let t1_view = t.get(&week, Some(&c.t1)).await.body;
    assert!(t1_view.contains("Ada Alpha"));
    let desk = t.get(&week, Some(&c.front)).await.body;
    assert!(desk.contains("Ada Alpha") && desk.contains("Dosing room"));
    // The calendar's read of client names is audited.
    assert!(!t.audit_of_action("calendar.viewed", 5).await.is_empty());
    // The day as a PDF: what the day view shows, names hidden the same way, audited the same.
    let day_view = t
        .get(
            &format!("/calendar?view=day&date={day}&who=practice"),
            Some(&c.front),
        )
        .await
        .body;
    assert!(day_view.contains("Save this day as PDF"));
    let pdf = format!("/calendar/day.pdf?date={day}&who=practice");
    let r = t.get(&pdf, Some(&c.front)).await;
    let (pages, text) = support::pdf_text(&r);
    assert_eq!(pages, 1);
    for want in [
        "Schedule,",
        "The whole practice",
        "Ada Alpha: Dosing session",
        "Dosing room",
        "10:00",
    ] {
        assert!(text.contains(want), "{want:?} missing from {text}");
    }
    let disposition = r.header(axum::http::header::CONTENT_DISPOSITION);
    assert_eq!(
        disposition,
        format!("attachment; filename=\"schedule-{day}.pdf\"")
    );
    let (_, theirs) = support::pdf_text(&t.get(&pdf, Some(&c.t2)).await);
    assert!(
        theirs.contains("Booked") && !theirs.contains("Ada Alpha"),
        "{theirs}"
    );
    let empty = format!(
        "/calendar/day.pdf?date={}&who=practice",
        now_utc().date() + Duration::days(400)
    );
    let (_, none) = support::pdf_text(&t.get(&empty, Some(&c.front)).await);
    assert!(none.contains("Nothing is booked on this day."));
    // The prescriber has no calendar.
    assert_eq!(
        t.get("/calendar", Some(&c.p1)).await.status,
        StatusCode::FORBIDDEN
    );

    // Cancelling needs a reason; then the room is free again.
    let id =
        t.db.store
            .calendar()
            .for_client(
                &support::clinic::grant(
                    &t,
                    &c.front,
                    kapflow_domain::access::Action::EditClientDemographics,
                    a,
                )
                .await,
            )
            .await
            .expect("rows")[0]
            .id;
    let cancel = format!("/clients/{a}/appointments/{id}/cancel");
    let r = t.post(&cancel, "reason=", Some(&c.front)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("Enter why it is cancelled."));
    let r = t
        .post(&cancel, "reason=Client+unwell", Some(&c.front))
        .await;
    assert_eq!(
        r.location(),
        format!("/clients/{a}/appointments?done=cancelled")
    );
    let r = t
        .post(
            &format!("/clients/{b}/appointments"),
            &form("11:00", c.t2.id),
            Some(&c.front),
        )
        .await;
    assert_eq!(
        r.location(),
        format!("/clients/{b}/appointments?done=booked")
    );
    // Another client's appointment through this client's address: not found.
    assert_eq!(
        t.get(&format!("/clients/{b}/appointments/{id}"), Some(&c.front))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn holds_hours_and_time_off_belong_to_their_clinician() {
    let t = TestApp::new().await;
    let c = clinic(&t).await;
    let day = next_weekday();
    // A therapist holds time for themselves, not for a colleague.
    let hold = |who: kapflow_domain::UserId| {
        format!(
            "title=Supervision&session_type=integration&date={day}&time=15%3A00&clinician={who}"
        )
    };
    let r = t.post("/calendar/holds", &hold(c.t2.id), Some(&c.t1)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("You can hold time for yourself only."));
    let r = t.post("/calendar/holds", &hold(c.t1.id), Some(&c.t1)).await;
    assert_eq!(r.location(), "/calendar?done=held");
    let page = t
        .get(&format!("/calendar?view=day&date={day}"), Some(&c.t1))
        .await
        .body;
    assert!(page.contains("Held: Supervision"));
    // Working hours: a refused day keeps what was typed.
    let r = t
        .post(
            "/calendar/hours",
            "mon_start=10%3A00&mon_end=09%3A00",
            Some(&c.t1),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("The day must end after it starts."));
    assert!(r.body.contains("value=\"10:00\""));
    let r = t
        .post(
            "/calendar/hours",
            "mon_start=08%3A00&mon_end=18%3A00",
            Some(&c.t1),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    // Someone else's hours: not for a therapist; front desk keeps anyone's.
    assert_eq!(
        t.get(&format!("/calendar/hours?who={}", c.t2.id), Some(&c.t1))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        t.get(&format!("/calendar/hours?who={}", c.t2.id), Some(&c.front))
            .await
            .status,
        StatusCode::OK
    );
    // Time off over the hold is refused with the hold's time.
    let r = t
        .post(
            "/calendar/time-off",
            &format!("user={}&off_from={day}&off_to={day}", c.t1.id),
            Some(&c.t1),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("appointments are booked in that time"));
}

#[tokio::test]
async fn a_clinicians_feed_shows_appointments_without_names_until_withdrawn() {
    let t = TestApp::new().await;
    let c = clinic(&t).await;
    let day = next_weekday();
    let r = t
        .post(
            &format!("/clients/{}/appointments", c.a),
            &format!(
                "session_type=integration&date={day}&time=10%3A00&clinician={}",
                c.t1.id
            ),
            Some(&c.front),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let made = t.post("/calendar/my-feed", "", Some(&c.t1)).await;
    assert_eq!(made.status, StatusCode::OK);
    let start = made.body.find("/ical/").expect("the link is shown once");
    let path: String = made.body[start..]
        .chars()
        .take_while(|ch| *ch != '"')
        .collect();
    // The subscription needs no session: the link is the key.
    let feed = t.get(&path, None).await;
    assert_eq!(feed.status, StatusCode::OK);
    assert!(
        !feed.body.contains("Ada") && !feed.body.contains("Alpha"),
        "no name"
    );
    let parsed: icalendar::Calendar = feed.body.parse().expect("RFC 5545");
    use icalendar::Component;
    let summaries: Vec<&str> = parsed
        .components
        .iter()
        .filter_map(|x| x.as_event())
        .filter_map(|e| e.get_summary())
        .collect();
    assert_eq!(summaries, ["Session"]);
    // A colleague's feed does not carry it.
    let other = t.post("/calendar/my-feed", "", Some(&c.t2)).await.body;
    let s2 = other.find("/ical/").expect("link");
    let path2: String = other[s2..].chars().take_while(|ch| *ch != '"').collect();
    assert!(!t.get(&path2, None).await.body.contains("BEGIN:VEVENT"));
    // A new link stops the old one; a withdrawn link is gone; a made-up one was never there.
    let again = t.post("/calendar/my-feed", "", Some(&c.t1)).await.body;
    assert_eq!(t.get(&path, None).await.status, StatusCode::NOT_FOUND);
    let s3 = again.find("/ical/").expect("link");
    let path3: String = again[s3..].chars().take_while(|ch| *ch != '"').collect();
    assert_eq!(t.get(&path3, None).await.status, StatusCode::OK);
    let r = t.post("/calendar/my-feed/withdraw", "", Some(&c.t1)).await;
    assert_eq!(r.location(), "/calendar/hours?done=feed-withdrawn");
    assert_eq!(t.get(&path3, None).await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        t.get("/ical/not-a-token", None).await.status,
        StatusCode::NOT_FOUND
    );
}
