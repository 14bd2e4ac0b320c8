//! Good-faith estimates on both databases: booking a client's first appointment gives one (by
//! the date the law sets, once a year), it prints with the notice and dispute rights, a client
//! with a portal account is told by email and reads it in the portal, and the owners are
//! reminded once when the charges pass it by $400.

mod support;

use axum::http::StatusCode;
use kapflow_domain::access::Action;
use kapflow_domain::billing::estimate::business_days_after;
use kapflow_domain::billing::ledger::EntryKind;
use kapflow_domain::billing::money::Cents;
use kapflow_domain::time_util::now_utc;
use kapflow_store::billing::NewEntry;
use support::clinic::{clinic, grant, integration_booked};
use support::{TestApp, mailed, on_both_backends, pdf_text};
use time::macros::time;
use time::{Date, Duration, Weekday};

on_both_backends!(
    estimates,
    a_booking_gives_an_estimate_and_charges_past_it_remind_the_owner,
    a_booking_gives_an_estimate_and_charges_past_it_remind_the_owner_postgres
);

fn weekday_from(mut d: Date) -> Date {
    while matches!(d.weekday(), Weekday::Saturday | Weekday::Sunday) {
        d = d.next_day().expect("day");
    }
    d
}

async fn estimates(t: TestApp) {
    let c = clinic(&t).await;
    let now = now_utc();
    let today = now.date();
    let from = today - Duration::days(60);
    for (code, cents) in [("90791", 25_000), ("90834", 17_500), ("0820T", 15_000)] {
        t.db.store
            .billing()
            .set_fee(code, Cents(cents), from, c.owner.id, &c.owner.actor(), now)
            .await
            .expect("fee")
            .expect("new");
    }

    // A client with a portal account: booking three weeks ahead gives the estimate, due three
    // business days after booking, and tells the client by email.
    let (cleo, person) =
        support::portal::portal_client(&t, "Cleo Gamma", "cleo@example.org", Some(c.t1.id)).await;
    let _ = mailed(&t).await;
    let day = weekday_from(today + Duration::days(21));
    let book = |key: &str, day: Date| {
        format!(
            "_key={key}&session_type=integration&date={day}&time=10%3A00&clinician={}&repeat=none",
            c.t1.id
        )
    };
    let r = t
        .post(
            &format!("/clients/{cleo}/appointments"),
            &book("book-key-00000001", day),
            Some(&c.front),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let access = grant(&t, &c.front, Action::ViewClientDemographics, cleo).await;
    let given = t.db.store.billing().estimates(&access).await.expect("list");
    assert_eq!(given.len(), 1);
    // 250 + 2 x 175 + 6 sessions x 3 hours x 150 + 6 x 175 = 4,350.00
    assert_eq!(given[0].total, Cents(435_000));
    assert_eq!(given[0].starts_on, day);
    assert_eq!(given[0].due_by, Some(business_days_after(today, 3)));
    let mail = mailed(&t).await;
    assert!(
        mail.iter()
            .any(|m| m.contains("cleo@example.org") && m.contains("/portal/estimate.pdf")),
        "{mail:?}"
    );
    assert!(
        mail.iter().all(|m| !m.contains("Cleo")),
        "no name in the email"
    );
    let own = t.get("/portal/estimate.pdf", Some(&person)).await;
    let (_, text) = pdf_text(&own);
    for want in [
        "Good Faith Estimate for Cleo Gamma",
        "$4,350.00",
        "0820T",
        "not a contract",
        "120 calendar days",
        "www.cms.gov/nosurprises",
    ] {
        assert!(text.contains(want), "{want:?} in the estimate: {text}");
    }
    // A second booking in the year gives no second estimate.
    let r = t
        .post(
            &format!("/clients/{cleo}/appointments"),
            &book("book-key-00000002", weekday_from(day + Duration::days(7))),
            Some(&c.front),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(
        t.db.store
            .billing()
            .estimates(&access)
            .await
            .expect("list")
            .len(),
        1
    );
    assert_eq!(t.audit_of_action("estimate.given", 10).await.len(), 1);

    // Charges: $4,500 recorded by hand, then held sessions charged through the page. Past
    // $400 over the estimate, the owners hear of it once.
    t.db.store
        .billing()
        .record(
            &access,
            &NewEntry {
                kind: EntryKind::Charge,
                amount: Cents(450_000),
                on: today,
                settles: None,
                service: Some("90834"),
                reference: None,
                note: Some("Sessions before kapflow"),
                method: None,
            },
            c.front.id,
            &c.front.actor(),
            now_utc(),
        )
        .await
        .expect("charge")
        .expect("recorded");
    let mut held = weekday_from(today - Duration::days(10));
    let billing = format!("/clients/{cleo}/billing");
    for n in 0..3 {
        let id = integration_booked(&t, &access, &c.front, c.t1.id, (held, time!(14:00))).await;
        held = weekday_from(held + Duration::days(1));
        let r = t
            .post(
                &format!("{billing}/charges"),
                &format!("_key=charge-key-00000{n}&appointment={id}&place=11"),
                Some(&c.front),
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        // 4,500 + 175 = 4,675 (325 over): not yet; 4,850 (500 over): reminded; then no more.
        let expected = if n == 0 { 0 } else { 1 };
        assert_eq!(
            t.audit_of_action("estimate.exceeded", 10).await.len(),
            expected,
            "after charge {n}"
        );
    }
    let page = t.get(&billing, Some(&c.front)).await;
    assert!(
        page.body
            .contains("The charges are $675.00 over the estimate")
    );
    let mail = mailed(&t).await;
    let to_owner: Vec<_> = mail
        .iter()
        .filter(|m| m.contains("Charges over a good-faith estimate"))
        .collect();
    assert_eq!(to_owner.len(), 1, "{mail:?}");
    assert!(to_owner[0].contains("owner@example.org") && !to_owner[0].contains("Cleo"));
}
