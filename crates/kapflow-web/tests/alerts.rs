//! Suicide-risk alerts on the dashboard: the owner sees every open alert of the practice,
//! grouped by client, most serious first, and closes several of one client's alerts with one
//! note — also for a client outside the owner's care team (the link to the record goes through
//! emergency access); a refused note keeps what was typed and ticked.

mod support;

use axum::http::StatusCode;
use kapflow_domain::measures::cssrs::{NO, YES};
use kapflow_domain::time_util::now_utc;
use kapflow_store::access::for_tests;
use kapflow_store::measures::Submission;
use std::collections::BTreeMap;
use support::answers::{answer, phq9};
use support::clinic::clinic;
use support::{TestApp, mailed};
use time::Duration;

#[tokio::test]
async fn the_owner_closes_a_clients_alerts_from_the_dashboard_outside_the_care_team() {
    let t = TestApp::new().await;
    let c = clinic(&t).await;
    let (a, b) = (c.a, c.b);
    let actor = c.t1.actor();
    let now = now_utc();
    // Ada answers item 9 twice, a week apart; Ben says yes to C-SSRS Q4 (high risk), later.
    for at in [now - Duration::days(8), now - Duration::days(1)] {
        let r = answer(
            &t,
            a,
            "phq9",
            &phq9([1, 1, 1, 1, 1, 1, 1, 1, 2]),
            at,
            &actor,
        )
        .await;
        assert!(matches!(r, Submission::Recorded { alert: true, .. }));
    }
    let cssrs: BTreeMap<String, u8> = [
        ("q1", YES),
        ("q2", YES),
        ("q3", NO),
        ("q4", YES),
        ("q5", NO),
        ("q6", NO),
    ]
    .iter()
    .map(|(k, v)| ((*k).to_owned(), *v))
    .collect();
    let r = answer(
        &t,
        b,
        "cssrs",
        &cssrs,
        now - Duration::hours(2),
        &c.t2.actor(),
    )
    .await;
    assert!(matches!(r, Submission::Recorded { alert: true, .. }));
    let ada: Vec<_> =
        t.db.store
            .alerts()
            .of_client(&for_tests(a).clinical().expect("clinical"))
            .await
            .expect("alerts")
            .into_iter()
            .map(|x| x.id)
            .collect();
    assert_eq!(ada.len(), 2);
    // Nobody answered them in time: each escalates to the owner, whose email leads to the
    // dashboard (the record itself may be outside the owner's reach), naming no one.
    assert_eq!(
        t.db.store
            .alerts()
            .escalate_due(now)
            .await
            .expect("escalate"),
        3
    );
    let mails = mailed(&t).await;
    let escalated: Vec<_> = mails
        .iter()
        .filter(|m| m.contains("Escalated safety alert"))
        .collect();
    assert_eq!(escalated.len(), 3);
    for m in escalated {
        assert!(m.contains("/dashboard") && !m.contains("/clients/"), "{m}");
        assert!(!m.contains("Ada") && !m.contains("Ben"), "{m}");
    }

    // The owner, on neither care team, sees both clients: Ben's high risk first, Ada's two
    // alerts together, each titled with its level and questionnaire and what was answered,
    // linked through emergency access.
    let dash = t.get("/dashboard", Some(&c.owner)).await;
    assert_eq!(dash.status, StatusCode::OK);
    let body = &dash.body;
    assert!(body.contains("Safety alerts need you (2 clients)"));
    let (ben, ada_at) = (
        body.find("Ben Beta").expect("Ben"),
        body.find("Ada Alpha").expect("Ada"),
    );
    assert!(ben < ada_at, "the high-risk client first");
    assert!(body.contains("High risk — Columbia-Suicide Severity Rating Scale (C-SSRS)"));
    assert!(body.contains("Safety flag — Patient Health Questionnaire (PHQ-9)"));
    assert!(body.contains("item 9 (thoughts of being better off dead or of self-harm) answered &#34;More than half the days&#34; (2)"));
    assert!(body.contains("C-SSRS: yes to Q1, Q2, Q4"));
    assert!(body.contains(&format!("href=\"/break-glass?client={a}\"")));
    for id in &ada {
        assert!(body.contains(&format!("name=\"alert\" value=\"{id}\" checked")));
    }
    // The treating therapist's dashboard links straight to the record, and shows only Ada.
    let mine = t.get("/dashboard", Some(&c.t1)).await.body;
    assert!(mine.contains(&format!("href=\"/clients/{a}/measures\"")));
    assert!(!mine.contains("Ben Beta"));

    // Refused without a note: the dashboard comes back with the error beside the note and the
    // boxes as they were ticked; without a box ticked, the note typed is kept.
    let ack = format!("/clients/{a}/alerts/acknowledge");
    let r = t
        .post(
            &ack,
            &format!("from=dashboard&alert={}&note=", ada[0]),
            Some(&c.owner),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("<title>Error: Dashboard"));
    assert!(r.body.contains(&format!("id=\"ack-{a}-note-error\"")));
    assert!(r.body.contains(&format!("value=\"{}\" checked", ada[0])));
    assert!(r.body.contains(&format!("value=\"{}\">", ada[1])));
    let r = t
        .post(
            &ack,
            "from=dashboard&note=Phoned%20Ada%3B%20safe",
            Some(&c.owner),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains(&format!("id=\"ack-{a}-alert-error\"")));
    assert!(r.body.contains(">Phoned Ada; safe</textarea>"));

    // Both closed with one note, each audited, back on the dashboard.
    let r = t
        .post(
            &ack,
            &format!(
                "from=dashboard&alert={}&alert={}&note=Phoned%20Ada%3B%20safe%3B%20seen%20tomorrow",
                ada[0], ada[1]
            ),
            Some(&c.owner),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), "/dashboard?done=acknowledged");
    let dash = t.get("/dashboard?done=acknowledged", Some(&c.owner)).await;
    assert!(dash.body.contains("Acknowledged, with your note."));
    let form = |c: kapflow_domain::ClientId| format!("action=\"/clients/{c}/alerts/acknowledge\"");
    assert!(dash.body.contains(&form(b)) && !dash.body.contains(&form(a)));
    let f = kapflow_store::audit::AuditFilter {
        action: Some("alert.acknowledged".into()),
        ..Default::default()
    };
    let audited = t.db.store.audit().query(&f, 10).await.expect("audit");
    assert_eq!(audited.len(), 2);
    assert!(
        audited
            .iter()
            .all(|e| e.entry.actor_user_id == Some(c.owner.id))
    );
    // Sent again (a double click): nothing left to close, and it says so.
    let r = t
        .post(
            &ack,
            &format!("from=dashboard&alert={}&note=again", ada[0]),
            Some(&c.owner),
        )
        .await;
    assert_eq!(r.location(), "/dashboard?done=already-acknowledged");
    // The owner still cannot read Ada's record without emergency access.
    assert_eq!(
        t.get(&format!("/clients/{a}/measures"), Some(&c.owner))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn emergency_access_from_an_alert_asks_only_a_reason() {
    let t = TestApp::new().await;
    let c = clinic(&t).await;
    let a = c.a;
    let owner = t.confirmed(&c.owner).await;
    // No open alert: the form asks for the name and date of birth, whatever the link says.
    let page = t
        .get(&format!("/break-glass?client={a}"), Some(&owner))
        .await;
    assert!(page.body.contains("name=\"legal_name\"") && !page.body.contains("Ada Alpha"));
    let r = answer(
        &t,
        a,
        "phq9",
        &phq9([0, 0, 0, 0, 0, 0, 0, 0, 1]),
        now_utc(),
        &c.t1.actor(),
    )
    .await;
    assert!(matches!(r, Submission::Recorded { alert: true, .. }));
    let page = t
        .get(&format!("/break-glass?client={a}"), Some(&owner))
        .await;
    assert!(
        page.body
            .contains("For <strong>Ada Alpha</strong>, who has an open safety alert.")
    );
    assert!(!page.body.contains("name=\"legal_name\""));
    // The reason is still required and kept.
    let r = t
        .post(
            "/break-glass",
            &format!("client={a}&reason=short"),
            Some(&owner),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("id=\"reason-error\"") && r.body.contains("value=\"short\""));
    let r = t
        .post(
            "/break-glass",
            &format!("client={a}&reason=Escalated%20safety%20alert%3B%20therapist%20away"),
            Some(&owner),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(
        t.get(&format!("/clients/{a}/measures"), Some(&owner))
            .await
            .status,
        StatusCode::OK
    );
    // With the grant, the owner's dashboard links straight to the record.
    let dash = t.get("/dashboard", Some(&owner)).await.body;
    assert!(dash.contains(&format!("href=\"/clients/{a}/measures\"")));
}
