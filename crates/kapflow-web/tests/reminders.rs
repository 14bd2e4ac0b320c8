//! Appointment reminders: queued once per offset to a client who agreed to email, composed
//! when sent with nothing about the session in the subject, the dosing-day instructions in the
//! body and the client's own calendar entry attached; a cancelled appointment sends nothing.

mod support;

use axum::http::StatusCode;
use kapflow_domain::time_util::now_utc;
use kapflow_web::mail::reminders::queue_due;
use support::TestApp;
use support::clinic::{clinic, give_email};
use time::{Duration, OffsetDateTime, PrimitiveDateTime, Time};

fn mail_context() -> (tempfile::TempDir, kapflow_web::mail::MailContext) {
    let dir = tempfile::tempdir().expect("dir");
    let ctx = kapflow_web::mail::MailContext {
        mailer: kapflow_web::mail::Mailer::Files(dir.path().to_owned()),
        from: "kapflow <kapflow@localhost>".parse().expect("from"),
        public_url: "http://127.0.0.1:8080".into(),
    };
    (dir, ctx)
}

fn sent(dir: &std::path::Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .expect("mail dir")
        .filter_map(|e| std::fs::read_to_string(e.expect("entry").path()).ok())
        .collect()
}

/// A start 26 to 30 hours from now (inside the 48-hour reminder's window), on a 5-minute step,
/// whose 3 hours end the same day: its date and time as typed, and the instant.
fn in_about_30_hours() -> (String, String, OffsetDateTime) {
    let mut start = now_utc() + Duration::hours(30);
    if start.hour() >= 21 {
        start -= Duration::hours(4);
    }
    let minute = start.minute() - start.minute() % 5;
    let at = PrimitiveDateTime::new(
        start.date(),
        Time::from_hms(start.hour(), minute, 0).expect("time"),
    )
    .assume_utc();
    (
        at.date().to_string(),
        format!("{:02}%3A{:02}", at.hour(), at.minute()),
        at,
    )
}

#[tokio::test]
async fn a_dosing_day_is_reminded_twice_without_phi_and_a_cancelled_one_not_at_all() {
    let t = TestApp::new().await;
    let c = clinic(&t).await;
    let (a, b) = (c.a, c.b);
    for (client, name, email) in [
        (a, "Ada Alpha", "ada@example.org"),
        (b, "Ben Beta", "ben@example.org"),
    ] {
        give_email(&t, client, name, email).await;
        let r = t
            .post(
                &format!("/clients/{client}/email-consent"),
                "agreed=yes&from=client",
                Some(&c.front),
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
    }
    t.post(
        "/calendar/setup/rooms",
        "room_name=Dosing+room&dosing=on",
        Some(&c.owner),
    )
    .await;
    // The practice's own words on eating and drinking ride with the dosing-day reminder.
    let r = t
        .post(
            "/settings/clinical",
            "dosing_food=Soup+at+noon+only.",
            Some(&c.owner),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let store = &t.db.store;
    let room = store.calendar().rooms().await.expect("rooms")[0].id;
    let (day, time, start) = in_about_30_hours();
    // Working every day around the clock, so the dosing session fits whatever the hour.
    let always = kapflow_domain::calendar::WeekHours([Some((0, 24 * 60)); 7]);
    store
        .calendar()
        .set_hours(c.t1.id, &always, &c.t1.actor(), now_utc())
        .await
        .expect("hours");
    let rooms = [room.to_string(), String::new()];
    for ((client, clinician, kind), room) in [(a, c.t1.id, "dosing"), (b, c.t2.id, "integration")]
        .into_iter()
        .zip(rooms)
    {
        let form =
            format!("session_type={kind}&date={day}&time={time}&clinician={clinician}&room={room}");
        let r = t
            .post(
                &format!("/clients/{client}/appointments"),
                &form,
                Some(&c.front),
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    }

    // About 30 hours before: the 48-hour reminders of both; once only.
    assert_eq!(queue_due(store, now_utc()).await.expect("round"), 2);
    assert_eq!(queue_due(store, now_utc()).await.expect("round"), 0);
    // Ben's appointment is cancelled before the mail goes: nothing is sent to him.
    let ben = support::clinic::grant(
        &t,
        &c.front,
        kapflow_domain::access::Action::EditClientDemographics,
        b,
    )
    .await;
    let ben_appointment = store.calendar().for_client(&ben).await.expect("rows")[0].id;
    let r = t
        .post(
            &format!("/clients/{b}/appointments/{ben_appointment}/cancel"),
            "reason=Unwell",
            Some(&c.front),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let (dir, ctx) = mail_context();
    kapflow_web::mail::deliver_due(store, &ctx, "test")
        .await
        .expect("deliver");
    let mails: Vec<String> = sent(dir.path())
        .into_iter()
        .filter(|m| m.contains("Subject: A reminder of your appointment"))
        .collect();
    assert_eq!(mails.len(), 1, "Ada's only");
    let m = &mails[0];
    assert!(m.contains("To: ada@example.org"));
    let subject = m
        .lines()
        .find(|l| l.starts_with("Subject:"))
        .expect("subject");
    for phi in ["Ada", "Alpha", "Dosing", "dosing", "ketamine"] {
        assert!(!subject.contains(phi), "{subject}");
    }
    assert!(
        m.contains("Bring the medicine"),
        "dosing-day instructions: {m}"
    );
    assert!(m.contains("you may not drive until the next day"));
    assert!(
        m.contains("Soup at noon only."),
        "the practice's guidance: {m}"
    );
    assert!(
        m.contains("appointment.ics") && m.contains("text/calendar"),
        "the calendar entry"
    );
    // Inside the last day: the 24-hour reminder.
    assert_eq!(
        queue_due(store, start - Duration::hours(20))
            .await
            .expect("round"),
        1
    );
    assert!(
        !t.audit_of_action("appointment.reminder_queued", 5)
            .await
            .is_empty()
    );
}

#[tokio::test]
async fn reminder_times_and_the_unsigned_note_delay_are_clinical_settings() {
    let t = TestApp::new().await;
    let c = clinic(&t).await;
    let r = t
        .post(
            "/settings/clinical",
            "reminder_first=400&reminder_second=0&unsigned_hours=24",
            Some(&c.owner),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("id=\"reminder_first-error\"") && r.body.contains("value=\"400\""));
    // The eating and drinking guidance may not be left empty; the page shows it by default.
    let page = t.get("/settings/clinical", Some(&c.owner)).await.body;
    assert!(page.contains("Eat only a light meal on the day"));
    let r = t
        .post(
            "/settings/clinical",
            "reminder_first=72&dosing_food=+",
            Some(&c.owner),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("id=\"dosing_food-error\"") && r.body.contains("value=\"72\""));
    let r = t
        .post(
            "/settings/clinical",
            "reminder_first=72&reminder_second=0&unsigned_hours=24",
            Some(&c.owner),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let s = t.db.store.settings().now().await.expect("settings");
    use kapflow_web::mail::reminders::{FIRST_KEY, SECOND_KEY, offsets};
    assert_eq!(
        offsets(s.get(FIRST_KEY), s.get(SECOND_KEY)),
        [72],
        "one reminder, 3 days before"
    );
    assert_eq!(
        s.get(kapflow_web::views::work::UNSIGNED_HOURS_KEY),
        Some("24")
    );
}
