//! Billing through the pages, on both databases: the owner sets fees and the superbill's
//! identifiers (a slip comes back as typed with its message), the clinician keeps the
//! diagnoses, the front desk charges a held appointment once and records a payment — never one
//! with a card number in it — and the superbill carries every field an insurer asks for. Nobody
//! outside the client's reach sees any of it.

mod support;

use axum::http::StatusCode;
use kapflow_domain::access::Action;
use kapflow_domain::time_util::now_utc;
use support::clinic::{clinic, grant, integration_booked};
use support::{TestApp, on_both_backends, pdf_text};
use time::macros::time;
use time::{Duration, Weekday};

on_both_backends!(
    billing,
    a_held_appointment_is_charged_paid_and_claimed,
    a_held_appointment_is_charged_paid_and_claimed_postgres
);

async fn billing(t: TestApp) {
    let c = clinic(&t).await;

    // --- The owner's settings. ------------------------------------------------------------
    let settings = t.get("/settings/billing", Some(&c.owner)).await;
    assert_eq!(settings.status, StatusCode::OK);
    let today = now_utc().date();
    let slip = t
        .post(
            "/settings/billing/fees",
            &format!("_key=fee-key-00000001&code=90834&amount=17x&from={today}"),
            Some(&c.owner),
        )
        .await;
    assert_eq!(slip.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(slip.body.contains("value=\"17x\"") && slip.body.contains("value=\"90834\""));
    assert!(slip.body.contains("Enter an amount such as 150"));
    let from = today - Duration::days(60);
    for (key, code, amount) in [
        ("fee-key-00000002", "90834", "175"),
        ("fee-key-00000003", "no_show", "50"),
    ] {
        let r = t
            .post(
                "/settings/billing/fees",
                &format!("_key={key}&code={code}&amount={amount}&from={from}"),
                Some(&c.owner),
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    }
    let twice = t
        .post(
            "/settings/billing/fees",
            &format!("_key=fee-key-00000004&code=90834&amount=180&from={from}"),
            Some(&c.owner),
        )
        .await;
    assert_eq!(twice.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(twice.body.contains("already has a fee from that date"));
    let bad_npi = t
        .post(
            "/settings/billing",
            "currency=USD&notice_hours=24&npi=1234567890&tax_id=12-3456789&payment_link=",
            Some(&c.owner),
        )
        .await;
    assert_eq!(bad_npi.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad_npi.body.contains("not a valid NPI") && bad_npi.body.contains("value=\"1234567890\"")
    );
    let good = t
        .post(
            "/settings/billing",
            "currency=USD&notice_hours=24&npi=1234567893&tax_id=123456789&payment_link=https%3A%2F%2Fpay.example.org%2Fclinic",
            Some(&c.owner),
        )
        .await;
    assert_eq!(good.status, StatusCode::SEE_OTHER, "{}", good.body);
    let npi = t
        .post(
            &format!("/settings/billing/clinicians/{}", c.t1.id),
            "npi=1245319599&licence=LMFT+54321%2C+California",
            Some(&c.owner),
        )
        .await;
    assert_eq!(npi.status, StatusCode::SEE_OTHER, "{}", npi.body);

    // --- The clinician keeps the diagnoses; the front desk cannot. -------------------------
    let billing = format!("/clients/{}/billing", c.a);
    let found = t.get(&format!("{billing}?dx=F33.1"), Some(&c.t1)).await;
    assert!(
        found
            .body
            .contains("Major depressive disorder, recurrent, moderate")
    );
    let added = t
        .post(&format!("{billing}/diagnoses"), "code=F33.1", Some(&c.t1))
        .await;
    assert_eq!(added.status, StatusCode::SEE_OTHER);
    let not_on_list = t
        .post(&format!("{billing}/diagnoses"), "code=J45.909", Some(&c.t1))
        .await;
    assert_eq!(not_on_list.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        t.post(
            &format!("{billing}/diagnoses"),
            "code=F41.1",
            Some(&c.front)
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );

    // --- An integration session held last week waits to be charged. -----------------------
    let access = grant(&t, &c.front, Action::ViewClientDemographics, c.a).await;
    let mut day = today - Duration::days(7);
    while day.weekday() != Weekday::Wednesday {
        day = day.previous_day().expect("day");
    }
    let held = integration_booked(&t, &access, &c.front, c.t1.id, (day, time!(10:00))).await;
    let page = t.get(&billing, Some(&c.front)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Charge 90834, $175.00"), "{}", page.body);

    // A sliding scale needs its reason; from its date, every fee is its share.
    let short = format!(
        "_key=rate-key-0000001&rate_service=&rate_kind=percent&rate_value=80&rate_reason=income&rate_from={from}"
    );
    let r = t
        .post(&format!("{billing}/rates"), &short, Some(&c.front))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("at least 10 characters") && r.body.contains("value=\"80\""));
    let r = t
        .post(
            &format!("{billing}/rates"),
            &short.replace("reason=income", "reason=Lost+their+job+in+May"),
            Some(&c.front),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = t.get(&billing, Some(&c.front)).await;
    assert!(page.body.contains("80% of the fee for every service"));
    assert!(page.body.contains("Charge 90834, $140.00"), "{}", page.body);
    assert!(
        !page.body.contains("Major depressive"),
        "no clinical words for the desk"
    );
    let charge = format!(
        "_key=charge-key-000001&appointment={}&place=11&dx=F33.1",
        held
    );
    let r = t
        .post(&format!("{billing}/charges"), &charge, Some(&c.front))
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let again = t
        .post(
            &format!("{billing}/charges"),
            &charge.replace("000001", "000002"),
            Some(&c.front),
        )
        .await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
    let page = t.get(&billing, Some(&c.front)).await;
    assert!(page.body.contains("90834 × 1, place 11, diagnoses F33.1"));
    assert!(page.body.contains("$140.00"));

    // --- A payment: a card number anywhere is refused, and everything typed comes back. ----
    let card = format!(
        "_key=pay-key-0000001&kind=payment&amount=140.00&on={today}&method=card&settles=&reference=Receipt+88&note=paid+with+4111+1111+1111+1111"
    );
    let refused = t
        .post(&format!("{billing}/payments"), &card, Some(&c.front))
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("looks like a card number"));
    assert!(
        refused.body.contains("value=\"140.00\"") && refused.body.contains("value=\"Receipt 88\"")
    );
    let paid = t
        .post(
            &format!("{billing}/payments"),
            &card.replace("paid+with+4111+1111+1111+1111", "at+the+desk"),
            Some(&c.front),
        )
        .await;
    assert_eq!(paid.status, StatusCode::SEE_OTHER, "{}", paid.body);
    let page = t.get(&billing, Some(&c.front)).await;
    assert!(
        page.body.contains("$0.00 <span class=\"muted\">owed"),
        "paid in full"
    );
    assert_eq!(t.audit_of_action("ledger.charge", 10).await.len(), 1);
    assert_eq!(t.audit_of_action("ledger.payment", 10).await.len(), 1);

    // --- The superbill carries what an insurer asks for. -----------------------------------
    let pdf = t
        .get(&format!("{billing}/superbill.pdf"), Some(&c.front))
        .await;
    assert_eq!(pdf.status, StatusCode::OK);
    let (_, text) = pdf_text(&pdf);
    for want in [
        "Superbill: Ada Alpha",
        "1234567893",
        "12-3456789",
        "Date of birth",
        "Address",
        "1245319599",
        "LMFT 54321, California",
        &day.to_string(),
        "CPT 90834",
        "Place of service 11",
        "Diagnosis pointer A",
        "A F33.1",
        "Units 1",
        "Fee $140.00",
        "Total paid",
    ] {
        assert!(text.contains(want), "{want:?} on the superbill: {text}");
    }

    // --- The owner's report and spreadsheet (the spreadsheet after a step-up). -------------
    let report = t.get("/reports/billing", Some(&c.owner)).await;
    assert_eq!(report.status, StatusCode::OK);
    assert!(
        report
            .body
            .contains("Every client&#x27;s balance is settled")
            || report.body.contains("Every client's balance is settled")
    );
    assert!(report.body.contains("$140.00"), "charged and received");
    let csv = "/reports/billing/ledger.csv";
    assert!(
        t.get(csv, Some(&c.owner))
            .await
            .location()
            .starts_with("/step-up?next=")
    );
    let owner = t.confirmed(&c.owner).await;
    let sheet = t.get(csv, Some(&owner)).await;
    assert_eq!(sheet.status, StatusCode::OK);
    assert!(
        sheet
            .body
            .contains("Ada Alpha,Charge,140.00,90834,1,11,F33.1"),
        "{}",
        sheet.body
    );
    assert!(
        sheet.body.contains("Ada Alpha,Payment,-140.00"),
        "{}",
        sheet.body
    );
    assert_eq!(
        t.audit_of_action("report.billing_exported", 10).await.len(),
        1
    );
    assert_eq!(
        t.get("/reports/billing", Some(&c.front)).await.status,
        StatusCode::FORBIDDEN
    );

    // --- A therapist sees their clients' money only when the owner allows it. -------------
    let mine = t.get(&billing, Some(&c.t1)).await;
    assert_eq!(mine.status, StatusCode::OK);
    assert!(!mine.body.contains("balance-heading") && mine.body.contains("dx-heading"));
    let superbill = format!("{billing}/superbill.pdf");
    assert_eq!(
        t.get(&superbill, Some(&c.t1)).await.status,
        StatusCode::NOT_FOUND
    );
    let allow = t
        .post(
            "/settings/billing",
            "currency=USD&notice_hours=24&npi=1234567893&tax_id=123456789&payment_link=&therapists_see_balances=on",
            Some(&c.owner),
        )
        .await;
    assert_eq!(allow.status, StatusCode::SEE_OTHER, "{}", allow.body);
    assert!(
        t.get(&billing, Some(&c.t1))
            .await
            .body
            .contains("balance-heading")
    );
    assert_eq!(t.get(&superbill, Some(&c.t1)).await.status, StatusCode::OK);

    // --- Outside the client's reach: nothing. ---------------------------------------------
    assert_eq!(
        t.get(&billing, Some(&c.t2)).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        t.get(&billing, Some(&c.p1)).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        t.get("/settings/billing", Some(&c.front)).await.status,
        StatusCode::FORBIDDEN
    );
}
