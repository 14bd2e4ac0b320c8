//! The "connect with me" inquiry and the inquiry inbox through HTTP, in process.

mod support;

use axum::http::{StatusCode, header};
use kapflow_domain::Role;
use support::on_both_backends;
use support::{TestApp, mailed};

fn token_of(page: &str) -> String {
    page.split("name=\"form_token\" value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("form token")
        .to_owned()
}

const GOOD: &str = "name=Jo+Lee&email=jo%40example.org&phone=&preferred_contact=email&preferred_time=mornings&concerns=depression&concerns=anxiety&message=I+would+like+to+know+more.&heard_from=a+friend&consent=yes";

async fn inquiries(t: &TestApp) -> usize {
    let owner =
        t.db.store
            .users()
            .staff()
            .await
            .expect("q")
            .into_iter()
            .find(|l| l.user.role == Role::Owner);
    let (id, role) = owner
        .map(|o| (o.user.id, o.user.role))
        .unwrap_or((kapflow_domain::UserId::new(), Role::Owner));
    let scope = kapflow_store::inquiries::InboxScope { user: id, role };
    t.db.store
        .inquiries()
        .list(
            scope,
            None,
            None,
            &kapflow_domain::Actor::default(),
            kapflow_domain::time_util::now_utc(),
        )
        .await
        .expect("list")
        .len()
}

on_both_backends!(
    inquiry_flow,
    an_inquiry_with_a_mistake_keeps_what_was_typed_and_a_double_submit_makes_one,
    an_inquiry_with_a_mistake_keeps_what_was_typed_and_a_double_submit_makes_one_postgres
);

async fn inquiry_flow(t: TestApp) {
    let form = t.get("/connect", None).await;
    assert_eq!(form.status, StatusCode::OK);
    assert_eq!(form.headers[header::CACHE_CONTROL], "no-store");
    let token = token_of(&form.body);
    let mistake = GOOD
        .replace("email=jo%40example.org", "email=jo.example.org")
        .replace("&consent=yes", "");
    let r = t
        .post(
            "/connect",
            &format!("{mistake}&form_token={token}&website="),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("id=\"email-error\""));
    assert!(r.body.contains("id=\"consent-error\""));
    assert!(
        r.body.contains("value=\"Jo Lee\"")
            && r.body.contains("value=\"jo.example.org\"")
            && r.body.contains("I would like to know more.")
    );
    assert!(
        r.body.contains("value=\"depression\" checked")
            && r.body.contains("value=\"anxiety\" checked")
    );
    assert_eq!(token_of(&r.body), token, "the same form keeps its key");

    let body = format!("{GOOD}&form_token={token}&website=");
    let (a, b) = tokio::join!(
        t.post("/connect", &body, None),
        t.post("/connect", &body, None)
    );
    for r in [&a, &b] {
        assert_eq!(
            (r.status, r.location()),
            (StatusCode::SEE_OTHER, "/connect/thanks")
        );
    }
    assert_eq!(inquiries(&t).await, 1, "a double submit makes one inquiry");
    let thanks = t.get("/connect/thanks", None).await.body;
    assert!(thanks.contains("What happens next") && thanks.contains("tel:988"));

    // Staff are told there is an inquiry, and nothing of its content.
    t.signed_in("owner@example.org", Role::Owner).await;
    t.signed_in("desk@example.org", Role::FrontDesk).await;
    let mails = mailed(&t).await;
    assert_eq!(mails.len(), 2);
    for m in &mails {
        assert!(m.contains("Subject: New inquiry") && m.contains("/inquiries/"));
        assert!(!m.contains("Jo Lee") && !m.contains("jo@example.org") && !m.contains("know more"));
    }
}

#[tokio::test]
async fn bots_and_forged_or_stale_forms_are_refused() {
    let t = TestApp::new().await;
    let token = token_of(&t.get("/connect", None).await.body);
    let bot = t
        .post(
            "/connect",
            &format!("{GOOD}&form_token={token}&website=http%3A%2F%2Fspam"),
            None,
        )
        .await;
    assert_eq!(bot.location(), "/connect/thanks");
    assert_eq!(inquiries(&t).await, 0, "the honeypot keeps nothing");
    let forged = t
        .post("/connect", &format!("{GOOD}&form_token=1.abc.def"), None)
        .await;
    assert_eq!(forged.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        forged.body.contains("value=\"Jo Lee\""),
        "kept what was typed"
    );
    assert_eq!(inquiries(&t).await, 0);
}

#[tokio::test]
async fn one_address_may_send_only_a_few_inquiries_an_hour() {
    let t = TestApp::new().await;
    for i in 0..5 {
        let token = token_of(&t.get("/connect", None).await.body);
        let r = t
            .post(
                "/connect",
                &format!(
                    "{}&form_token={token}",
                    GOOD.replace("Jo+Lee", &format!("Person+{i}"))
                ),
                None,
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "inquiry {i}");
    }
    let token = token_of(&t.get("/connect", None).await.body);
    let r = t
        .post("/connect", &format!("{GOOD}&form_token={token}"), None)
        .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(inquiries(&t).await, 5);
}

/// A form POST to /connect arriving over TCP from `peer`, with an optional forwarding header.
async fn connect_from(
    t: &TestApp,
    peer: &str,
    forwarded_for: Option<&str>,
    n: usize,
) -> StatusCode {
    use axum::body::Body;
    use axum::extract::ConnectInfo;
    use axum::http::Request;
    let token = token_of(&t.get("/connect", None).await.body);
    let body = format!(
        "{}&form_token={token}",
        GOOD.replace("Jo+Lee", &format!("Person+{n}"))
    );
    let mut b = Request::post("/connect")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header("sec-fetch-site", "same-origin");
    if let Some(xff) = forwarded_for {
        b = b.header("x-forwarded-for", xff);
    }
    let mut req = b.body(Body::from(body)).expect("req");
    let peer: std::net::SocketAddr = peer.parse().expect("peer");
    req.extensions_mut().insert(ConnectInfo(peer));
    t.send(req).await.status
}

#[tokio::test]
async fn behind_a_trusted_proxy_each_visitor_has_their_own_inquiry_limit() {
    let config = kapflow_web::WebConfig {
        trusted_proxies: kapflow_web::client_ip::TrustedProxies::parse("10.0.0.1").expect("parse"),
        ..Default::default()
    };
    let t = TestApp::with_config(config).await;
    let proxy = "10.0.0.1:40000";
    for n in 0..5 {
        let s = connect_from(&t, proxy, Some("198.51.100.1"), n).await;
        assert_eq!(s, StatusCode::SEE_OTHER, "first visitor, inquiry {n}");
    }
    let s = connect_from(&t, proxy, Some("198.51.100.1"), 5).await;
    assert_eq!(
        s,
        StatusCode::TOO_MANY_REQUESTS,
        "first visitor is over the limit"
    );
    // A second visitor behind the same proxy is not punished for the first one.
    let s = connect_from(&t, proxy, Some("198.51.100.2"), 6).await;
    assert_eq!(
        s,
        StatusCode::SEE_OTHER,
        "second visitor has a limit of their own"
    );
    // The first visitor cannot slip past by writing a forged address in front.
    let s = connect_from(&t, proxy, Some("203.0.113.50, 198.51.100.1"), 7).await;
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS, "a forged hop is ignored");
    // A peer that is not the proxy is taken at its word only as itself.
    for n in 0..5 {
        let s = connect_from(
            &t,
            "192.0.2.9:5000",
            Some(&format!("198.51.100.{}", 50 + n)),
            10 + n,
        )
        .await;
        assert_eq!(s, StatusCode::SEE_OTHER, "direct visitor, inquiry {n}");
    }
    let s = connect_from(&t, "192.0.2.9:5000", Some("198.51.100.99"), 20).await;
    assert_eq!(
        s,
        StatusCode::TOO_MANY_REQUESTS,
        "an untrusted peer's header changes nothing"
    );
    assert_eq!(inquiries(&t).await, 11);
}

on_both_backends!(
    inbox,
    the_inbox_works_for_front_desk_and_hides_unassigned_inquiries_from_therapists,
    the_inbox_works_for_front_desk_and_hides_unassigned_inquiries_from_therapists_postgres
);

async fn inbox(t: TestApp) {
    let token = token_of(&t.get("/connect", None).await.body);
    t.post("/connect", &format!("{GOOD}&form_token={token}"), None)
        .await;
    let desk = t.signed_in("desk@example.org", Role::FrontDesk).await;
    let ther_a = t.signed_in("a@example.org", Role::Therapist).await;
    let ther_b = t.signed_in("b@example.org", Role::Therapist).await;
    let list = t.get("/inquiries", Some(&desk)).await;
    assert_eq!(list.status, StatusCode::OK);
    let id = list
        .body
        .split("href=\"/inquiries/")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("a row")
        .to_owned();
    let uri = format!("/inquiries/{id}");

    // Therapists see nothing unassigned: 404, nothing changed, the denial audited.
    assert_eq!(
        t.get(&uri, Some(&ther_a)).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        t.post(&format!("{uri}/status"), "status=declined", Some(&ther_a))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert!(!t.get("/inquiries", Some(&ther_a)).await.body.contains(&id));

    let view = t.get(&uri, Some(&desk)).await;
    assert!(view.body.contains("Jo Lee") && view.body.contains("I would like to know more."));
    assert_eq!(
        t.post(&format!("{uri}/status"), "status=contacted", Some(&desk))
            .await
            .location(),
        format!("{uri}?done=status")
    );
    assert_eq!(
        t.post(
            &format!("{uri}/assign"),
            &format!("user={}", ther_a.id),
            Some(&desk)
        )
        .await
        .location(),
        format!("{uri}?done=assigned")
    );
    let empty_note = t.post(&format!("{uri}/notes"), "note=", Some(&desk)).await;
    assert_eq!(empty_note.status, StatusCode::UNPROCESSABLE_ENTITY);
    t.post(
        &format!("{uri}/notes"),
        "note=Called%2C+left+a+message",
        Some(&desk),
    )
    .await;

    let a_view = t.get(&uri, Some(&ther_a)).await;
    assert_eq!(a_view.status, StatusCode::OK, "assigned now");
    assert!(a_view.body.contains("Called, left a message") && a_view.body.contains("Contacted"));
    assert_eq!(
        t.get(&uri, Some(&ther_b)).await.status,
        StatusCode::NOT_FOUND
    );

    let rows = t.audit_of_action("inquiry.view", 50).await;
    assert!(rows.iter().any(|r| r.entry.actor_user_id == Some(desk.id)
        && r.entry.outcome == kapflow_domain::AuditOutcome::Success));
    assert!(rows.iter().any(|r| r.entry.actor_user_id == Some(ther_b.id)
        && r.entry.outcome == kapflow_domain::AuditOutcome::Denied));
    assert!(
        t.post("/inquiries/search", "status=contacted&q=jo", Some(&desk))
            .await
            .body
            .contains("Jo Lee")
    );
}
