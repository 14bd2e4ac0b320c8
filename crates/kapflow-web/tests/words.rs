//! Pages and emails speak a clinician's words: rendered for every role on a practice with a
//! client in the middle of a course (an open alert, answered questionnaires, a dosing session),
//! no page or email says "§", "issue" or "domain reference", and no tab title carries markup.

mod support;

use axum::http::{Method, StatusCode};
use kapflow_domain::Role;
use kapflow_domain::measures::cssrs::{NO, YES};
use kapflow_domain::time_util::now_utc;
use kapflow_store::outbox::Email;
use support::answers::{answer, phq9};
use support::clinic::{clinic, in_dosing};
use support::{Person, TestApp, mailed};
use time::Duration;

/// What a person must never read: `what` names the slip for the failure message.
fn slips(text: &str) -> Vec<&'static str> {
    let lower = text.to_lowercase();
    let mut found = Vec::new();
    if text.contains('§') {
        found.push("§");
    }
    if lower.contains("domain reference") {
        found.push("domain reference");
    }
    // "issue" as a word (not "issued", "tissue").
    let bytes = lower.as_bytes();
    for (i, _) in lower.match_indices("issue") {
        let before = i.checked_sub(1).map(|j| bytes[j]);
        let after = bytes.get(i + 5).copied();
        let word = |b: Option<u8>| b.is_some_and(|b| b.is_ascii_alphabetic());
        if !word(before)
            && (!word(after) || after == Some(b's') && !word(bytes.get(i + 6).copied()))
        {
            found.push("issue");
        }
    }
    found
}

/// The text of the page's `<title>`, if it has one, and whether it carries markup (a tag, or
/// a tag escaped into text the tab would show).
fn title_markup(body: &str) -> Option<String> {
    let start = body.find("<title>")? + "<title>".len();
    let end = body[start..].find("</title>")? + start;
    let title = &body[start..end];
    (title.contains('<') || title.contains("&lt;") || title.contains("&#60;"))
        .then(|| title.to_owned())
}

fn check(what: &str, text: &str) {
    let found = slips(text);
    assert!(found.is_empty(), "{what} says {found:?}");
    if let Some(t) = title_markup(text) {
        panic!("{what}: markup in the title: {t:?}");
    }
}

#[test]
fn the_checks_catch_what_they_are_for() {
    assert_eq!(
        slips("See §3 of the domain reference"),
        vec!["§", "domain reference"]
    );
    assert_eq!(
        slips("Issue: the form. Two issues."),
        vec!["issue", "issue"]
    );
    assert!(slips("Issued by the partner; tissue").is_empty());
    assert!(title_markup("<title>Practice &lt;b&gt;details</title>").is_some());
    assert!(title_markup("<title>Practice details · Alvarado</title>").is_none());
}

#[tokio::test]
async fn no_page_or_email_speaks_in_developers_words() {
    let t = TestApp::new().await;
    let c = clinic(&t).await;
    let s = &t.db.store;
    let now = now_utc();
    let a = c.a;
    // Ada has answered questionnaires, one with an open alert.
    let t1 = c.t1.actor();
    answer(
        &t,
        a,
        "phq9",
        &phq9([2, 1, 1, 1, 0, 0, 1, 0, 1]),
        now - Duration::days(3),
        &t1,
    )
    .await;
    let cssrs = [("q1", YES), ("q2", NO), ("q6", NO)]
        .iter()
        .map(|(k, v)| ((*k).to_owned(), *v))
        .collect();
    answer(&t, a, "cssrs", &cssrs, now - Duration::days(2), &t1).await;
    let pcl5 = (1..=20).map(|n| (format!("q{n}"), 2)).collect();
    answer(&t, a, "pcl5", &pcl5, now - Duration::days(1), &t1).await;
    let response = s
        .measures()
        .responses(
            &kapflow_store::access::for_tests(a)
                .clinical()
                .expect("clinical"),
        )
        .await
        .expect("responses")[0]
        .id;
    // Cy is in a dosing session.
    let (cy, session) = in_dosing(&t, &c, "Cy Gamma", "words-test-cy-01").await;
    let session = session
        .rsplit('/')
        .next()
        .expect("the session id")
        .to_owned();

    // Ada has a portal account: her portal pages are read too.
    support::clinic::give_email(&t, a, "Ada Alpha", "ada.portal@example.org").await;
    let portal_id = support::portal::accept_invitation(&t, a, "Ada").await;
    let portal = t
        .session_for(portal_id, Role::Client, "ada.portal@example.org", true)
        .await;
    let owner = t.confirmed(&c.owner).await;
    let therapist = t.confirmed(&c.t1).await;
    let people: Vec<Option<&Person>> = vec![
        None,
        Some(&owner),
        Some(&therapist),
        Some(&c.front),
        Some(&c.p1),
        Some(&c.client_user),
        Some(&portal),
    ];
    let mut pages = 0;
    for spec in kapflow_web::registry().specs() {
        if spec.method != Method::GET || spec.path.starts_with("/static/") {
            continue;
        }
        let client = if spec.path.contains("{session}") {
            cy
        } else {
            a
        };
        let uri = spec
            .path
            .replace("{client}", &client.to_string())
            .replace("{session}", &session)
            .replace("{response}", &response.to_string())
            .replace("{signature}", &c.a_signature.to_string())
            .replace("{shipment}", &c.a_shipment.to_string())
            .replace("{key}", "home.intro")
            .replace("{token}", &"ab".repeat(32))
            .replace("{id}", "0190c0de-0000-7000-8000-000000000009")
            .replace("{photo}", "0190c0de-0000-7000-8000-000000000007");
        for who in &people {
            let r = t.get(&uri, *who).await;
            let html = r
                .headers
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.starts_with("text/html"));
            if html {
                let role = who.map_or(Role::Client.as_str(), |p| p.role.as_str());
                check(&format!("GET {uri} as {role} ({})", r.status), &r.body);
                pages += 1;
            }
        }
    }
    assert!(pages > 100, "only {pages} pages rendered");
    // A refused form and the error pages too.
    check("404", &t.get("/no-such-page", Some(&therapist)).await.body);
    // Every page, the error pages too, carries the practice's name and icon.
    let practice = s
        .settings()
        .get(kapflow_store::settings::keys::PRACTICE_NAME)
        .await
        .expect("setting")
        .unwrap_or_else(|| "kapflow".to_owned());
    for who in [None, Some(&therapist)] {
        let nf = t.get("/no-such-page", who).await;
        assert_eq!(nf.status, StatusCode::NOT_FOUND);
        assert!(
            nf.body.contains(&format!(" · {practice}</title>")),
            "{}",
            nf.body
        );
        assert!(nf.body.contains("rel=\"icon\""));
    }
    let refused = t
        .post(
            &format!("/clients/{a}/alerts/acknowledge"),
            "note=",
            Some(&therapist),
        )
        .await;
    check("a refused acknowledgement", &refused.body);

    // Every kind of email the practice sends.
    let r = t
        .post(
            "/break-glass",
            &format!("client={a}&reason=Escalated%20safety%20alert%3B%20therapist%20away"),
            Some(&owner),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "emergency access");
    s.alerts()
        .escalate_due(now + Duration::days(3))
        .await
        .expect("escalate");
    let link = "http://127.0.0.1:8080/x".to_owned();
    let to = "someone@example.org".to_owned();
    let mut tx = s.begin().await.expect("tx");
    for email in [
        Email::Invitation {
            to: to.clone(),
            link: link.clone(),
        },
        Email::PasswordReset {
            to: to.clone(),
            link: link.clone(),
        },
        Email::NewInquiry {
            inquiry_id: kapflow_domain::InquiryId::new(),
        },
        Email::Referral { org_id: c.org1 },
        Email::MeasureLink {
            to: to.clone(),
            link: link.clone(),
        },
        Email::AccountLocked { user_id: c.t1.id },
        Email::CareTeamJoined {
            client_id: a,
            user_id: c.owner.id,
        },
        Email::AuditDigest {
            line: "seq 1 hash abc".into(),
        },
        Email::DoseChangeRequested {
            request_id: c.a_dose_request,
        },
        Email::DoseChangeAnswered {
            request_id: c.a_dose_request,
        },
        Email::InquiryAssigned {
            inquiry_id: kapflow_domain::InquiryId::new(),
            user_id: c.t1.id,
        },
    ] {
        kapflow_store::outbox::enqueue(&mut tx, &email, now)
            .await
            .expect("queued");
    }
    tx.commit().await.expect("commit");
    let mails = mailed(&t).await;
    assert!(mails.len() >= 14, "{} emails", mails.len());
    for m in &mails {
        check("an email", m);
        // Staff read the practice's name as the sender; a client's lock screen shows an
        // address alone.
        let from = m
            .lines()
            .find(|l| l.starts_with("From: "))
            .expect("a sender");
        let to_client = [
            "Subject: A short questionnaire for you",
            "Subject: Your account invitation",
            "Subject: You have a new message",
        ];
        if to_client.iter().any(|s| m.contains(s)) {
            assert_eq!(from, "From: kapflow@localhost", "{m}");
        } else {
            assert!(
                from.contains(&practice) && from.contains("<kapflow@localhost>"),
                "{from}"
            );
        }
    }
}
