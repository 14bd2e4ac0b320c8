//! Charges from appointments on both databases: a held appointment waits to be charged, its
//! charge is one entry with its lines (code, units, fee, place, rendering clinician, diagnosis
//! pointers) and its audit row, made at most once; pointers must be the client's own
//! diagnoses, at most four; a client's diagnoses are added and removed on record; a payment
//! keeps how it was made; the lines cannot be changed.

mod common;

use common::{new_client, world};
use kapflow_domain::access::Action;
use kapflow_domain::billing::charges::{Line, PlaceOfService};
use kapflow_domain::billing::icd10;
use kapflow_domain::billing::ledger::{EntryKind, PaymentMethod};
use kapflow_domain::billing::money::Cents;
use kapflow_domain::calendar::booking::Booking;
use kapflow_domain::time_util::now_utc;
use kapflow_domain::{Role, UserId};
use kapflow_store::billing::{NewCharge, NewEntry, Refused, Source, ToCharge};
use kapflow_store::calendar::Booked;
use kapflow_store::store_test;
use kapflow_store::testkit::TestDb;
use time::macros::time;
use time::{Duration, Weekday};

fn line(code: &str, diagnoses: &[&str], rendering: UserId) -> Line {
    Line {
        code: code.into(),
        modifier: None,
        units: 1,
        unit_fee: Cents(17_500),
        place: PlaceOfService::Office,
        diagnoses: diagnoses.iter().map(|d| d.to_string()).collect(),
        rendering: Some(rendering),
    }
}

store_test!(
    an_appointment_is_charged_once_with_its_lines,
    async |db: &TestDb| {
        let w = world(db).await;
        let billing = db.store.billing();
        let c = new_client(db, &w, "Ada Charged", w.t1.0).await;
        let access = db
            .store
            .grant_for_tests(
                w.front.0,
                Role::FrontDesk,
                Action::ViewClientDemographics,
                c,
            )
            .await
            .expect("front desk reaches the client");
        let (by, actor) = (&w.t1.0, &w.t1.1);

        // Diagnoses: added once, removed on record, added again.
        for code in ["F33.1", "F43.10"] {
            let d = icd10::find(code).expect("on the list");
            let added = billing
                .add_diagnosis(&access, d, *by, actor, now_utc())
                .await
                .expect("add");
            assert!(added.is_some());
        }
        let again = billing
            .add_diagnosis(
                &access,
                icd10::find("F33.1").expect("code"),
                *by,
                actor,
                now_utc(),
            )
            .await
            .expect("add");
        assert_eq!(again, None);
        assert!(
            billing
                .remove_diagnosis(&access, "F43.10", *by, actor, now_utc())
                .await
                .expect("remove")
        );
        assert!(
            !billing
                .remove_diagnosis(&access, "F43.10", *by, actor, now_utc())
                .await
                .expect("remove")
        );
        assert_eq!(billing.diagnoses(&access).await.expect("list"), ["F33.1"]);
        billing
            .add_diagnosis(
                &access,
                icd10::find("F43.10").expect("code"),
                *by,
                actor,
                now_utc(),
            )
            .await
            .expect("add")
            .expect("added again");

        // An integration session last Wednesday, booked a month ago.
        let mut day = now_utc().date() - Duration::days(7);
        while day.weekday() != Weekday::Wednesday {
            day = day.previous_day().expect("day");
        }
        let booking = Booking {
            session_type: "integration".into(),
            date: day,
            time: time!(10:00),
            minutes: 50,
            clinician: w.t1.0,
            second_clinician: None,
            room: None,
            telehealth: false,
            video_link: None,
            repeat: None,
            title: None,
        };
        let Booked::Done(ids) = db
            .store
            .calendar()
            .book(
                Some(&access),
                &booking,
                actor,
                now_utc() - Duration::days(30),
            )
            .await
            .expect("book")
        else {
            panic!("refused")
        };
        let waiting = billing.to_charge(&access).await.expect("to charge");
        let Some(ToCharge::Appointment(a)) = waiting.first() else {
            panic!("the appointment waits to be charged: {waiting:?}")
        };
        assert_eq!((a.id, a.billing_code.as_deref()), (ids[0], Some("90834")));

        let lines = [line("90834", &["F33.1", "F43.10"], w.t1.0)];
        let charge = NewCharge {
            source: Source::Appointment(ids[0]),
            on: day,
            lines: &lines,
        };
        let id = billing
            .charge(&access, &charge, *by, actor, now_utc())
            .await
            .expect("charge")
            .expect("charged");
        let twice = billing
            .charge(&access, &charge, *by, actor, now_utc())
            .await
            .expect("charge");
        assert_eq!(twice, Err(Refused::AlreadyCharged));
        assert!(
            billing
                .to_charge(&access)
                .await
                .expect("to charge")
                .is_empty()
        );

        // Pointers: the client's own diagnoses only, four at most.
        let other = db
            .store
            .calendar()
            .book(
                Some(&access),
                &Booking {
                    date: day + Duration::days(1),
                    ..booking.clone()
                },
                actor,
                now_utc() - Duration::days(30),
            )
            .await
            .expect("book");
        let Booked::Done(other) = other else {
            panic!("refused")
        };
        for pointers in [
            vec!["F41.1"],
            vec!["F33.1", "F43.10", "F33.1", "F43.10", "F33.1"],
        ] {
            let bad = [line("90834", &pointers, w.t1.0)];
            let refused = billing
                .charge(
                    &access,
                    &NewCharge {
                        source: Source::Appointment(other[0]),
                        on: day,
                        lines: &bad,
                    },
                    *by,
                    actor,
                    now_utc(),
                )
                .await
                .expect("refused, not failed");
            assert!(
                matches!(refused, Err(Refused::BadCharge(_))),
                "{pointers:?}"
            );
        }

        let stored = billing.charge_lines(&access).await.expect("lines");
        assert_eq!(stored.len(), 1);
        let l = &stored[0];
        assert_eq!(
            (
                l.entry_id,
                l.code.as_str(),
                l.units,
                l.unit_fee_cents,
                l.place
            ),
            (id, "90834", 1, 17_500, PlaceOfService::Office)
        );
        assert_eq!(l.diagnosis_codes(), ["F33.1", "F43.10"]);
        assert_eq!(l.rendering_id, Some(w.t1.0));
        let ledger = billing.ledger(&access).await.expect("ledger");
        assert_eq!(
            (ledger[0].kind, ledger[0].amount_cents),
            (EntryKind::Charge, 17_500)
        );

        // A payment keeps how it was made.
        billing
            .record(
                &access,
                &NewEntry {
                    kind: EntryKind::Payment,
                    amount: Cents(17_500),
                    on: day,
                    settles: Some(id),
                    service: None,
                    reference: Some("Square receipt 8841"),
                    note: None,
                    method: Some(PaymentMethod::Card),
                },
                *by,
                actor,
                now_utc(),
            )
            .await
            .expect("payment")
            .expect("recorded");
        let ledger = billing.ledger(&access).await.expect("ledger");
        assert_eq!(ledger[1].method, Some(PaymentMethod::Card));

        let audit = common::audit_rows(db, &common::action_filter("ledger.charge"), 10).await;
        assert_eq!(audit.len(), 1);
        for sql in [
            "UPDATE charge_lines SET units = 9",
            "DELETE FROM charge_lines",
        ] {
            assert!(common::raw_sql_fails(db, sql).await, "{sql}");
        }
    }
);
