//! The ledger over a year of a small practice, on both databases: fees that change in July, a
//! sliding scale and a fixed rate, no-show fees, partial payments, a write-off and refunds;
//! every balance and every ageing bucket equals the hand calculation to the cent, every entry
//! has its audit row, the ledger refuses what it must, and nothing in it can be changed.

mod common;

use common::{new_client, world};
use kapflow_domain::access::Action;
use kapflow_domain::billing::fees::{ClientRate, Rate, fee_for};
use kapflow_domain::billing::ledger::{EntryKind, PaymentMethod, ageing, balance};
use kapflow_domain::billing::money::Cents;
use kapflow_domain::time_util::now_utc;
use kapflow_domain::{ClientId, Role};
use kapflow_store::billing::{EntryRow, NewEntry, Refused};
use kapflow_store::store_test;
use kapflow_store::testkit::TestDb;
use time::{Date, Month};

/// An entry of `kind` for `amount` on `on`, with what it settles and its texts.
fn entry<'a>(
    kind: EntryKind,
    amount: Cents,
    on: Date,
    settles: Option<uuid::Uuid>,
    texts: (Option<&'a str>, Option<&'a str>),
) -> NewEntry<'a> {
    NewEntry {
        kind,
        amount,
        on,
        settles,
        service: None,
        reference: texts.0,
        note: texts.1,
        method: None,
    }
}

fn day(month: Month, d: u8) -> Date {
    Date::from_calendar_date(2026, month, d).expect("date")
}

async fn access(db: &TestDb, w: &common::World, c: ClientId) -> kapflow_store::ClientAccess {
    db.store
        .grant_for_tests(
            w.front.0,
            Role::FrontDesk,
            Action::ViewClientDemographics,
            c,
        )
        .await
        .expect("front desk reaches the client")
}

store_test!(
    a_year_of_a_small_practice_adds_up_to_the_cent,
    async |db: &TestDb| {
        let w = world(db).await;
        let billing = db.store.billing();
        let (by, actor) = (&w.owner.0, &w.owner.1);
        let now = now_utc();
        for (service, cents, from) in [
            ("assessment", 25_000, day(Month::January, 1)),
            ("dosing", 65_000, day(Month::January, 1)),
            ("integration", 17_500, day(Month::January, 1)),
            ("no_show", 10_000, day(Month::January, 1)),
            ("dosing", 70_000, day(Month::July, 1)),
        ] {
            let id = billing
                .set_fee(service, Cents(cents), from, *by, actor, now)
                .await
                .expect("fee");
            assert!(id.is_some());
        }
        // One fee per service and date.
        let again = billing
            .set_fee("dosing", Cents(1), day(Month::July, 1), *by, actor, now)
            .await
            .expect("fee");
        assert_eq!(again, None);
        let fees = billing.fees().await.expect("fees");

        let full = new_client(db, &w, "Ada Full", w.t1.0).await;
        let sliding = new_client(db, &w, "Ben Sliding", w.t1.0).await;
        let (full_a, sliding_a) = (access(db, &w, full).await, access(db, &w, sliding).await);
        billing
            .add_rate(
                &sliding_a,
                &ClientRate {
                    service: None,
                    rate: Rate::Percent(70),
                    reason: "Sliding scale: household income".into(),
                    from: day(Month::March, 1),
                },
                *by,
                actor,
                now,
            )
            .await
            .expect("rate");

        // A month a client: an assessment, then a dosing session and an integration session each
        // month from February, a no-show in May, paid on the day except as noted.
        let mut expected = [0i64; 2];
        for (n, a) in [&full_a, &sliding_a].into_iter().enumerate() {
            let own = billing.rates(a).await.expect("rates");
            let mut visits = vec![("assessment", day(Month::January, 12))];
            for m in 2..=12u8 {
                let month = Month::try_from(m).expect("month");
                visits.push(("dosing", day(month, 10)));
                visits.push(("integration", day(month, 17)));
            }
            visits.push(("no_show", day(Month::May, 24)));
            for (service, on) in visits {
                let fee = fee_for(&fees, &own, service, on).expect("a fee");
                let charge = billing
                    .record(
                        a,
                        &NewEntry {
                            kind: EntryKind::Charge,
                            amount: fee,
                            on,
                            settles: None,
                            service: Some(service),
                            reference: None,
                            note: None,
                            method: None,
                        },
                        *by,
                        actor,
                        now,
                    )
                    .await
                    .expect("charge")
                    .expect("recorded");
                expected[n] += fee.0;
                // December's sessions stay unpaid; the no-show fee is written off for the
                // sliding-scale client, paid in half by the other.
                let paid = match (service, on.month(), n) {
                    (_, Month::December, _) => None,
                    ("no_show", _, 1) => {
                        let w_off = billing
                            .record(
                                a,
                                &entry(
                                    EntryKind::WriteOff,
                                    fee,
                                    on,
                                    Some(charge),
                                    (None, Some("First missed session: waived")),
                                ),
                                *by,
                                actor,
                                now,
                            )
                            .await
                            .expect("write-off");
                        assert!(w_off.is_ok());
                        expected[n] -= fee.0;
                        None
                    }
                    ("no_show", _, _) => Some(Cents(fee.0 / 2)),
                    _ => Some(fee),
                };
                if let Some(amount) = paid {
                    let p = billing
                        .record(
                            a,
                            &NewEntry {
                                kind: EntryKind::Payment,
                                amount,
                                on,
                                settles: Some(charge),
                                service: None,
                                reference: Some("cheque 1042"),
                                note: None,
                                method: Some(PaymentMethod::Cheque),
                            },
                            *by,
                            actor,
                            now,
                        )
                        .await
                        .expect("payment");
                    assert!(p.is_ok());
                    expected[n] -= amount.0;
                }
            }
        }
        // A refund of $50 to the full-fee client in October (an overpayment returned).
        let refund = billing
            .record(
                &full_a,
                &entry(
                    EntryKind::Refund,
                    Cents(5_000),
                    day(Month::October, 3),
                    None,
                    (Some("bank transfer 2026-10-03"), None),
                ),
                *by,
                actor,
                now,
            )
            .await
            .expect("refund");
        assert!(refund.is_ok());
        expected[0] += 5_000;

        // By hand: full fee, December unpaid: dosing $700 + integration $175 = $875, half of the
        // $100 no-show = $50, the $50 refund: $975.00. Sliding scale (70% from March): December
        // 70% × ($700 + $175) = $612.50; the no-show written off.
        assert_eq!(
            expected,
            [97_500, 61_250],
            "the test's own sums agree with the hand sums"
        );
        for (n, a) in [&full_a, &sliding_a].into_iter().enumerate() {
            let rows: Vec<EntryRow> = billing.ledger(a).await.expect("ledger");
            let ledger = EntryRow::to_domain(&rows);
            assert_eq!(balance(&ledger), Some(Cents(expected[n])), "client {n}");
            let aged = ageing(&ledger, day(Month::December, 31));
            // December's sessions are within 30 days; the full-fee client's open no-show half
            // and the refund's reopened $50 are older.
            let december = if n == 0 { 87_500 } else { 61_250 };
            assert_eq!(aged.days_0_30, Cents(december), "client {n}");
            assert_eq!(
                aged.days_0_30.0 + aged.days_31_60.0 + aged.days_61_90.0 + aged.over_90.0,
                expected[n]
            );
        }
        // February's fee for the sliding-scale client is the full fee (the rate began in March).
        let own = billing.rates(&sliding_a).await.expect("rates");
        assert_eq!(
            fee_for(&fees, &own, "dosing", day(Month::February, 10)),
            Some(Cents(65_000))
        );
        assert_eq!(
            fee_for(&fees, &own, "dosing", day(Month::July, 10)),
            Some(Cents(49_000))
        );

        // Every entry has its audit row.
        let entries = billing.all_entries().await.expect("all");
        let audited = common::audit_rows(db, &kapflow_store::audit::AuditFilter::default(), 10_000)
            .await
            .into_iter()
            .filter(|r| r.entry.action.starts_with("ledger."))
            .count();
        assert_eq!(audited, entries.len());

        // Refusals: a card number in a payment's text, a payment for another client's charge.
        let card = billing
            .record(
                &full_a,
                &entry(
                    EntryKind::Payment,
                    Cents(100),
                    day(Month::December, 1),
                    None,
                    (Some("visa 4111 1111 1111 1111"), None),
                ),
                *by,
                actor,
                now,
            )
            .await
            .expect("refused, not failed");
        assert_eq!(card, Err(Refused::CardNumber("reference")));
        let theirs = entries
            .iter()
            .find(|(c, e)| *c == sliding && e.kind == EntryKind::Charge)
            .map(|(_, e)| e.id)
            .expect("a charge of the other client");
        let crossed = billing
            .record(
                &full_a,
                &entry(
                    EntryKind::Payment,
                    Cents(100),
                    day(Month::December, 1),
                    Some(theirs),
                    (None, None),
                ),
                *by,
                actor,
                now,
            )
            .await
            .expect("refused, not failed");
        assert_eq!(crossed, Err(Refused::NotACharge));
        assert_eq!(
            billing.all_entries().await.expect("all").len(),
            entries.len()
        );

        // Append-only, in the database itself.
        for sql in [
            "UPDATE ledger_entries SET amount_cents = 0",
            "DELETE FROM ledger_entries",
            "UPDATE fee_schedule SET amount_cents = 0",
            "DELETE FROM client_rates",
        ] {
            assert!(common::raw_sql_fails(db, sql).await, "{sql}");
        }
    }
);
