//! The practice calendar on both backends: a clinician, a room or a client is never booked
//! twice (also when two requests book at the same moment), time off and working hours are
//! kept, a series keeps its local time across the clock changes, and every change is audited.

mod common;

use common::*;
use kapflow_domain::calendar::{Booking, Repeat, Status, WeekHours};
use kapflow_domain::time_util::now_utc;
use kapflow_domain::zone::PracticeZone;
use kapflow_domain::{Actor, RoomId, UserId};
use kapflow_store::calendar::{Booked, Changed, ConflictWith, Filter, On, RoomSaved, Viewer};
use kapflow_store::settings::keys;
use kapflow_store::store_test;
use kapflow_store::testkit::TestDb;
use time::macros::time;
use time::{Date, Duration, Time};

async fn room(db: &TestDb, name: &str, dosing: bool, by: &Actor) -> RoomId {
    match db
        .store
        .calendar()
        .save_room(None, name, dosing, true, by, now_utc())
        .await
        .expect("room")
    {
        RoomSaved::Done(id) => id,
        other => panic!("{other:?}"),
    }
}

async fn set_zone(db: &TestDb, name: &str, by: &Actor) {
    db.store
        .site()
        .save_practice_details(&[(keys::TIME_ZONE, name.to_owned())], by, now_utc())
        .await
        .expect("zone");
}

/// A weekday at least a week ahead (working hours are Monday to Friday by default).
fn next_weekday() -> Date {
    let mut d = now_utc().date() + Duration::days(7);
    while matches!(d.weekday(), time::Weekday::Saturday | time::Weekday::Sunday) {
        d = d.next_day().expect("day");
    }
    d
}

fn dosing(day: Date, at: Time, clinician: UserId, room: RoomId) -> Booking {
    Booking {
        session_type: "dosing".into(),
        date: day,
        time: at,
        minutes: 180,
        clinician,
        second_clinician: None,
        room: Some(room),
        telehealth: false,
        video_link: None,
        repeat: None,
        title: None,
    }
}

fn integration(day: Date, at: Time, clinician: UserId) -> Booking {
    Booking {
        session_type: "integration".into(),
        minutes: 50,
        room: None,
        ..dosing(day, at, clinician, RoomId::new())
    }
}

store_test!(
    a_clinician_a_room_and_a_client_are_never_booked_twice,
    async |db: &TestDb| {
        let s = &db.store;
        let w = world(db).await;
        let a = new_client(db, &w, "Ada Alpha", w.t1.0).await;
        let b = new_client(db, &w, "Bea Beta", w.t2.0).await;
        let dosing_room = room(db, "Dosing room", true, &w.owner.1).await;
        let office = room(db, "Office 2", false, &w.owner.1).await;
        let cal = s.calendar();
        let day = next_weekday();
        let now = now_utc();
        let book = |who: kapflow_domain::ClientId, bk: Booking| {
            let front = w.front.1.clone();
            async move {
                let access = for_tests(who);
                s.calendar()
                    .book(Some(&access), &bk, &front, now)
                    .await
                    .expect("book")
            }
        };
        let Booked::Done(first) = book(a, dosing(day, time!(10:00), w.t1.0, dosing_room)).await
        else {
            panic!("first booking refused")
        };
        assert_eq!(first.len(), 1);
        // The same clinician an hour later (the dosing session runs three hours).
        let Booked::Conflicts(c) = book(b, integration(day, time!(11:00), w.t1.0)).await else {
            panic!("double-booked the clinician")
        };
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].with, ConflictWith::Clinician("t1@example.org".into()));
        // The same room with another clinician.
        let Booked::Conflicts(c) = book(b, dosing(day, time!(12:00), w.t2.0, dosing_room)).await
        else {
            panic!("double-booked the room")
        };
        assert_eq!(c[0].with, ConflictWith::Room("Dosing room".into()));
        // The same client with another clinician.
        let Booked::Conflicts(c) = book(a, integration(day, time!(09:30), w.t2.0)).await else {
            panic!("double-booked the client")
        };
        assert_eq!(c[0].with, ConflictWith::Client);
        // A room that is not for dosing is refused for a dosing session.
        assert!(matches!(
            book(b, dosing(day, time!(14:00), w.t2.0, office)).await,
            Booked::Refused("room", _)
        ));
        // A prescriber does not hold in-office sessions.
        assert!(matches!(
            book(b, integration(day, time!(14:00), w.p1.0)).await,
            Booked::Refused("clinician", _)
        ));
        // Right after the dosing session ends: free.
        assert!(matches!(
            book(b, integration(day, time!(13:00), w.t1.0)).await,
            Booked::Done(_)
        ));
        // Cancelled, the time is free again; the reason is kept and audited.
        let access = for_tests(a);
        assert_eq!(
            cal.cancel(
                On::Client(&access),
                first[0],
                "Client is unwell",
                false,
                &w.front.1,
                now
            )
            .await
            .expect("cancel"),
            Changed::Done
        );
        assert!(matches!(
            book(b, dosing(day, time!(09:00), w.t2.0, dosing_room)).await,
            Booked::Done(_)
        ));
        let rows = cal.for_client(&access).await.expect("rows");
        assert_eq!(rows[0].status, Status::Cancelled);
        assert_eq!(rows[0].cancel_reason.as_deref(), Some("Client is unwell"));
        for action in ["appointment.booked", "appointment.cancelled"] {
            assert!(
                !audit_rows(db, &action_filter(action), 10).await.is_empty(),
                "{action}"
            );
        }
        // Another client's proof does not reach this appointment.
        let other = for_tests(b);
        assert_eq!(
            cal.cancel(On::Client(&other), first[0], "x", false, &w.front.1, now)
                .await
                .expect("cancel"),
            Changed::NotFound
        );
    }
);

store_test!(
    two_bookings_at_the_same_moment_one_wins,
    async |db: &TestDb| {
        let s = &db.store;
        let w = world(db).await;
        let a = new_client(db, &w, "Ada Alpha", w.t1.0).await;
        let b = new_client(db, &w, "Bea Beta", w.t1.0).await;
        let dosing_room = room(db, "Dosing room", true, &w.owner.1).await;
        let day = next_weekday();
        let now = now_utc();
        let (aa, ba) = (for_tests(a), for_tests(b));
        let (x, y) = (
            dosing(day, time!(10:00), w.t1.0, dosing_room),
            dosing(day, time!(10:30), w.t2.0, dosing_room),
        );
        let cal = s.calendar();
        let (one, two) = tokio::join!(
            cal.book(Some(&aa), &x, &w.front.1, now),
            cal.book(Some(&ba), &y, &w.owner.1, now),
        );
        let done = [one.expect("one"), two.expect("two")]
            .iter()
            .filter(|r| matches!(r, Booked::Done(_)))
            .count();
        assert_eq!(
            done, 1,
            "exactly one of two overlapping bookings of one room"
        );
        let everyone = Viewer {
            user: w.owner.0,
            role: kapflow_domain::Role::Owner,
        };
        let booked = cal
            .range(
                everyone,
                Filter::Room(dosing_room),
                now,
                now + Duration::days(30),
            )
            .await
            .expect("range");
        assert_eq!(booked.len(), 1);
    }
);

store_test!(time_off_and_working_hours_are_kept, async |db: &TestDb| {
    let s = &db.store;
    let w = world(db).await;
    let a = new_client(db, &w, "Ada Alpha", w.t1.0).await;
    let dosing_room = room(db, "Dosing room", true, &w.owner.1).await;
    let cal = s.calendar();
    let day = next_weekday();
    let now = now_utc();
    let access = for_tests(a);
    // The default week ends at 17:00: a dosing session from 15:00 runs past it.
    let Booked::Conflicts(c) = cal
        .book(
            Some(&access),
            &dosing(day, time!(15:00), w.t1.0, dosing_room),
            &w.front.1,
            now,
        )
        .await
        .expect("book")
    else {
        panic!("booked past working hours")
    };
    assert_eq!(
        c[0].with,
        ConflictWith::OutsideHours("t1@example.org".into())
    );
    // Other kinds may be booked outside hours (an evening integration session).
    assert!(matches!(
        cal.book(
            Some(&access),
            &integration(day, time!(18:00), w.t1.0),
            &w.front.1,
            now
        )
        .await
        .expect("book"),
        Booked::Done(_)
    ));
    // Longer hours that day, and the dosing session fits.
    let mut week = WeekHours::default();
    week.0[usize::from(day.weekday().number_days_from_monday())] = Some((9 * 60, 19 * 60));
    cal.set_hours(w.t1.0, &week, &w.t1.1, now)
        .await
        .expect("hours");
    assert_eq!(cal.hours(w.t1.0).await.expect("hours"), week);
    assert!(matches!(
        cal.book(
            Some(&access),
            &dosing(day, time!(14:00), w.t1.0, dosing_room),
            &w.front.1,
            now
        )
        .await
        .expect("book"),
        Booked::Done(_)
    ));
    // Time off over booked appointments is refused with their times.
    let utc = PracticeZone::utc();
    let (start, end) = (utc.day_bounds(day).0, utc.day_bounds(day).1);
    let clashes = cal
        .add_time_off(w.t1.0, (start, end), Some("Leave"), &w.t1.1, now)
        .await
        .expect("off")
        .expect_err("refused");
    assert_eq!(clashes.len(), 2);
    // The next day off is recorded; a booking in it is refused.
    let next = day + Duration::days(1);
    let off = cal
        .add_time_off(w.t2.0, utc.day_bounds(next), None, &w.t2.1, now)
        .await
        .expect("off")
        .expect("recorded");
    let Booked::Conflicts(c) = cal
        .book(
            Some(&access),
            &integration(next, time!(10:00), w.t2.0),
            &w.front.1,
            now,
        )
        .await
        .expect("book")
    else {
        panic!("booked in time off")
    };
    assert_eq!(c[0].with, ConflictWith::TimeOff("t2@example.org".into()));
    assert!(
        cal.remove_time_off(w.t2.0, off, &w.t2.1, now)
            .await
            .expect("rm")
    );
    assert!(
        !cal.remove_time_off(w.t2.0, off, &w.t2.1, now)
            .await
            .expect("rm")
    );
});

store_test!(
    a_series_keeps_its_local_time_across_the_clock_changes,
    async |db: &TestDb| {
        let s = &db.store;
        let w = world(db).await;
        set_zone(db, "America/New_York", &w.owner.1).await;
        let a = new_client(db, &w, "Ada Alpha", w.t1.0).await;
        let access = for_tests(a);
        let cal = s.calendar();
        let ny = PracticeZone::named("America/New_York").expect("zone");
        // A year of fortnightly sessions from the next Thursday crosses both changes.
        let mut first = now_utc().date() + Duration::days(1);
        while first.weekday() != time::Weekday::Thursday {
            first = first.next_day().expect("day");
        }
        let mut b = integration(first, time!(10:00), w.t1.0);
        b.repeat = Some(Repeat {
            every_weeks: 2,
            times: 26,
        });
        let Booked::Done(ids) = cal
            .book(Some(&access), &b, &w.t1.1, now_utc())
            .await
            .expect("book")
        else {
            panic!("series refused")
        };
        assert_eq!(ids.len(), 26);
        let rows = cal.for_client(&access).await.expect("rows");
        let offsets: std::collections::BTreeSet<i8> = rows
            .iter()
            .map(|r| ny.local(r.starts_at).offset().whole_hours())
            .collect();
        assert_eq!(
            offsets,
            [-5, -4].into_iter().collect(),
            "both changes crossed"
        );
        for r in &rows {
            let local = ny.local(r.starts_at);
            assert_eq!(
                (local.hour(), local.minute(), local.weekday()),
                (10, 0, time::Weekday::Thursday)
            );
            assert_eq!(r.ends_at - r.starts_at, Duration::minutes(50));
            assert_eq!(r.series_id, rows[0].series_id);
        }
        // Cancelling from the 20th on cancels the rest of the series only.
        let Changed::Done = cal
            .cancel(
                On::Client(&access),
                rows[19].id,
                "Finished early",
                true,
                &w.t1.1,
                now_utc(),
            )
            .await
            .expect("cancel")
        else {
            panic!("not cancelled")
        };
        let rows = cal.for_client(&access).await.expect("rows");
        let cancelled = rows
            .iter()
            .filter(|r| r.status == Status::Cancelled)
            .count();
        assert_eq!(cancelled, 7);
        // Moving one keeps its length and checks conflicts (not with itself).
        assert_eq!(
            cal.reschedule(
                On::Client(&access),
                rows[0].id,
                first,
                time!(10:30),
                &w.t1.1,
                now_utc()
            )
            .await
            .expect("move"),
            Changed::Done
        );
        let moved = cal
            .of_client(&access, rows[0].id)
            .await
            .expect("q")
            .expect("row");
        assert_eq!(ny.local(moved.starts_at).minute(), 30);
        // Not attended can only be marked once the time has come.
        assert!(matches!(
            cal.no_show(On::Client(&access), rows[1].id, &w.t1.1, now_utc())
                .await
                .expect("ns"),
            Changed::Refused(_)
        ));
        assert_eq!(
            cal.no_show(
                On::Client(&access),
                rows[1].id,
                &w.t1.1,
                rows[1].starts_at + Duration::minutes(20)
            )
            .await
            .expect("ns"),
            Changed::Done
        );
    }
);

store_test!(
    names_show_only_to_those_who_may_read_them,
    async |db: &TestDb| {
        let s = &db.store;
        let w = world(db).await;
        let a = new_client(db, &w, "Ada Alpha", w.t1.0).await;
        let cal = s.calendar();
        let day = next_weekday();
        let now = now_utc();
        cal.book(
            Some(&for_tests(a)),
            &integration(day, time!(10:00), w.t1.0),
            &w.front.1,
            now,
        )
        .await
        .expect("book");
        let mut hold = integration(day, time!(12:00), w.t2.0);
        hold.title = Some("Supervision".into());
        let Booked::Done(h) = cal.book(None, &hold, &w.t2.1, now).await.expect("hold") else {
            panic!("hold refused")
        };
        let span = (now, now + Duration::days(30));
        let read = |user: UserId, role: kapflow_domain::Role| async move {
            s.calendar()
                .range(Viewer { user, role }, Filter::Practice, span.0, span.1)
                .await
                .expect("range")
        };
        let name_of = |rows: &[kapflow_store::calendar::AppointmentRow]| {
            rows.iter()
                .find(|r| !r.is_hold())
                .and_then(|r| r.client_name.clone())
        };
        assert_eq!(
            name_of(&read(w.front.0, kapflow_domain::Role::FrontDesk).await),
            Some("Ada Alpha".into())
        );
        assert_eq!(
            name_of(&read(w.owner.0, kapflow_domain::Role::Owner).await),
            Some("Ada Alpha".into())
        );
        assert_eq!(
            name_of(&read(w.t1.0, kapflow_domain::Role::Therapist).await),
            Some("Ada Alpha".into())
        );
        // Not on the care team: the time shows as booked, without the name.
        let t2 = read(w.t2.0, kapflow_domain::Role::Therapist).await;
        assert_eq!(t2.len(), 2);
        assert_eq!(name_of(&t2), None);
        // Holds are changed by the person they hold time for (or owner and front desk).
        let not_theirs = On::Hold {
            user: w.t1.0,
            any_hold: false,
        };
        assert_eq!(
            cal.cancel(not_theirs, h[0], "x", false, &w.t1.1, now)
                .await
                .expect("c"),
            Changed::NotFound
        );
        let theirs = On::Hold {
            user: w.t2.0,
            any_hold: false,
        };
        assert_eq!(
            cal.cancel(theirs, h[0], "Moved", false, &w.t2.1, now)
                .await
                .expect("c"),
            Changed::Done
        );
    }
);

store_test!(
    reminders_are_queued_once_per_window_and_only_to_clients_who_agreed,
    async |db: &TestDb| {
        let s = &db.store;
        let w = world(db).await;
        let mut input = client_input("Ada Alpha");
        input.email = Some(kapflow_domain::Email::parse("ada@example.org").expect("email"));
        let a = open_client(db, &input, w.t1.0, &w.front.1).await;
        let b = new_client(db, &w, "Bea Beta", w.t2.0).await;
        let now = now_utc();
        let cal = s.calendar();
        let day = next_weekday();
        for (client, clinician) in [(a, w.t1.0), (b, w.t2.0)] {
            let Booked::Done(_) = cal
                .book(
                    Some(&for_tests(client)),
                    &integration(day, time!(10:00), clinician),
                    &w.front.1,
                    now,
                )
                .await
                .expect("book")
            else {
                panic!("refused")
            };
        }
        let start = PracticeZone::utc().instant(day, time!(10:00));
        // No agreement to email yet: nothing.
        assert_eq!(
            cal.queue_reminders(&[48, 24], start - Duration::hours(30))
                .await
                .expect("q"),
            0
        );
        assert!(
            s.follow_ups()
                .set_email_consent(&for_tests(a), true, &w.front.1, now)
                .await
                .expect("consent")
        );
        // Booked late (10 hours before): only the nearer reminder.
        assert_eq!(
            cal.queue_reminders(&[48, 24], start - Duration::hours(10))
                .await
                .expect("q"),
            1
        );
        assert_eq!(
            cal.queue_reminders(&[48, 24], start - Duration::hours(9))
                .await
                .expect("q"),
            0
        );
        // Seen from earlier: the 48-hour window, once.
        assert_eq!(
            cal.queue_reminders(&[24, 48], start - Duration::hours(30))
                .await
                .expect("q"),
            1
        );
        assert_eq!(
            cal.queue_reminders(&[48, 24], start - Duration::hours(30))
                .await
                .expect("q"),
            0
        );
        let facts = cal
            .reminder_facts(cal.for_client(&for_tests(a)).await.expect("rows")[0].id)
            .await
            .expect("facts")
            .expect("some");
        assert!(facts.booked && facts.starts_at == start);
    }
);
