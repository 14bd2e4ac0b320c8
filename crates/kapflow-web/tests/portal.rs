//! The client portal through the web: invited from the record, an account with a second
//! factor, a due PHQ-9 answered, an appointment added to a calendar, a journal entry shared, a
//! message to the care team (whose email says nothing of it); and another client's ids in every
//! portal address answered 404 and audited.

mod support;

use axum::http::{StatusCode, header};
use kapflow_domain::Role;
use kapflow_domain::time_util::now_utc;
use support::clinic::{clinic, clinical};
use support::on_both_backends;
use support::portal::portal_client;
use support::signin::{enrol, password_step};
use support::{TestApp, mailed};

fn key() -> String {
    uuid::Uuid::now_v7().simple().to_string()
}

/// Books an integration appointment for `client` with `clinician` a week ahead, as front desk.
async fn book(
    t: &TestApp,
    front: &support::Person,
    client: kapflow_domain::ClientId,
    clinician: kapflow_domain::UserId,
) {
    let mut day = now_utc().date() + time::Duration::days(7);
    while matches!(
        day.weekday(),
        time::Weekday::Saturday | time::Weekday::Sunday
    ) {
        day += time::Duration::days(1);
    }
    let r = t
        .post(
            &format!("/clients/{client}/appointments"),
            &format!(
                "_key={}&session_type=integration&date={day}&time=10%3A00&clinician={clinician}&repeat=none",
                key()
            ),
            Some(front),
        )
        .await;
    assert_eq!(
        r.location(),
        format!("/clients/{client}/appointments?done=booked"),
        "{}",
        r.body
    );
}

/// Schedules `instrument` due today for the client of `seen`: the open request's id.
async fn due_request(
    t: &TestApp,
    seen: &kapflow_store::ClinicalAccess,
    instrument: &str,
    by: &support::Person,
) -> kapflow_domain::MeasureRequestId {
    let now = now_utc();
    assert!(
        t.db.store
            .measures()
            .add_request(seen, instrument, now.date(), &by.actor(), now)
            .await
            .expect("scheduled")
    );
    t.db.store
        .measures()
        .requests(seen)
        .await
        .expect("requests")
        .into_iter()
        .find(|r| r.instrument == instrument && r.completed_at.is_none())
        .expect("the open request")
        .id
}

on_both_backends!(
    portal_flow,
    a_client_invited_from_the_record_uses_the_portal_end_to_end,
    a_client_invited_from_the_record_uses_the_portal_end_to_end_postgres
);

async fn portal_flow(t: TestApp) {
    const INSTRUMENT: &str = "phq9";
    let c = clinic(&t).await;
    let a = c.a;
    support::clinic::give_email(&t, a, "Ada Alpha", "ada.client@example.org").await;
    // Front desk invites from the record; the email names no one and says nothing of care.
    let r = t
        .post(
            &format!("/clients/{a}/portal/invite"),
            &format!("_key={}", key()),
            Some(&c.front),
        )
        .await;
    assert_eq!(r.location(), format!("/clients/{a}?done=portal-invited"));
    let overview = t.get(r.location(), Some(&c.front)).await.body;
    assert!(
        overview.contains("Portal invitation sent") && overview.contains("the link works until")
    );
    let emails = mailed(&t).await;
    let invitation = emails
        .iter()
        .find(|m| m.contains("/invite/"))
        .expect("the invitation email");
    assert!(invitation.contains("Subject: Your account invitation"));
    for private in ["Ada", "Alpha", "ketamine", "KAP", "depression"] {
        assert!(
            !invitation.contains(private),
            "the invitation says {private}"
        );
    }
    let i = invitation.find("/invite/").expect("link");
    let link = invitation[i..]
        .split_whitespace()
        .next()
        .expect("link")
        .to_owned();
    let page = t.get(&link, None).await;
    assert!(
        page.body.contains("a client of the practice"),
        "{}",
        page.body
    );
    let password = support::PASSWORD.replace(' ', "+");
    let r = t
        .post(
            &link,
            &format!("display_name=Ada&password={password}&password_confirm={password}"),
            None,
        )
        .await;
    assert!(r.body.contains("Your account is ready"), "{}", r.body);
    // Sign in: the password, then an authenticator (required by default).
    let id =
        t.db.store
            .accounts()
            .login_record(&kapflow_domain::Email::parse("ada.client@example.org").expect("e"))
            .await
            .expect("r")
            .expect("the account")
            .id;
    let (r, p) = password_step(&t, "ada.client@example.org", id, Role::Client).await;
    assert!(r.location().starts_with("/mfa/enrol"), "{}", r.location());
    let (ada, _secret, _codes) = enrol(&t, &p).await;
    let r = t.get("/dashboard", Some(&ada)).await;
    assert_eq!(r.location(), "/portal");
    let home = t.get("/portal", Some(&ada)).await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.body.contains("Hello, Ada Alpha") && home.body.contains("tel:988"));
    // A PHQ-9 due today: opened from the portal, answered on the questionnaire page.
    let seen = clinical(&t, &c.t1, a).await;
    let list = t.get("/portal/questionnaires", Some(&ada)).await.body;
    assert!(list.contains("Answer now"), "{list}");
    let request = due_request(&t, &seen, INSTRUMENT, &c.t1).await;
    let r = t
        .post(&format!("/portal/questionnaires/{request}"), "", Some(&ada))
        .await;
    assert!(r.location().starts_with("/m/"), "{}", r.location());
    let form: String = (1..=9).map(|n| format!("q{n}=1&")).collect();
    let done = t.post(r.location(), form.trim_end_matches('&'), None).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    let responses = t.db.store.measures().responses(&seen).await.expect("r");
    assert_eq!(responses.len(), 1);
    assert_eq!(responses[0].total, 9);
    assert!(
        !t.get("/portal/questionnaires", Some(&ada))
            .await
            .body
            .contains(&request.to_string()),
        "an answered questionnaire is no longer due"
    );
    // An appointment: listed, and added to the client's calendar with nothing about the session.
    book(&t, &c.front, a, c.t1.id).await;
    let appts = t.get("/portal/appointments", Some(&ada)).await.body;
    assert!(
        appts.contains("Integration") && appts.contains("Add to my calendar"),
        "{appts}"
    );
    let appointment =
        t.db.store
            .portal()
            .appointments(&t.db.store.portal().access(id).await.expect("a").expect("a"))
            .await
            .expect("a")[0]
            .id;
    let ics = t
        .get(
            &format!("/portal/appointments/{appointment}/calendar.ics"),
            Some(&ada),
        )
        .await;
    assert_eq!(ics.status, StatusCode::OK);
    assert!(
        ics.header(header::CONTENT_TYPE)
            .starts_with("text/calendar")
    );
    assert!(
        ics.body.contains("BEGIN:VEVENT")
            && !ics.body.contains("Integration")
            && !ics.body.contains("Ada")
    );
    // A change request goes to the care team as a message; the booking stays.
    let r = t
        .post(
            &format!("/portal/appointments/{appointment}/change"),
            &format!("_key={}&reason=", key()),
            Some(&ada),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("Enter what would suit you better"));
    let r = t
        .post(
            &format!("/portal/appointments/{appointment}/change"),
            &format!("_key={}&reason=Could+we+make+it+Thursday%3F", key()),
            Some(&ada),
        )
        .await;
    assert_eq!(r.location(), "/portal/appointments?sent=1");
    // The journal: a private entry and a shared one; the therapist sees only the shared one.
    for (text, share) in [
        ("Only+for+me", ""),
        ("Felt+lighter+after+the+session", "&share=true"),
    ] {
        let r = t
            .post(
                "/portal/journal",
                &format!("_key={}&body={text}{share}", key()),
                Some(&ada),
            )
            .await;
        assert_eq!(r.location(), "/portal/journal");
    }
    let journal = t.get("/portal/journal", Some(&ada)).await.body;
    assert!(journal.contains("Only for me") && journal.contains("Felt lighter"));
    // A message to the care team.
    let r = t
        .post(
            "/portal/messages",
            &format!("_key={}&body=Can+we+talk+on+Thursday%3F", key()),
            Some(&ada),
        )
        .await;
    assert_eq!(r.location(), "/portal/messages");
    let team = t
        .get(&format!("/clients/{a}/messages"), Some(&c.t1))
        .await
        .body;
    assert!(
        team.contains("Can we talk on Thursday?"),
        "the therapist reads the message"
    );
    assert!(
        team.contains("Could we make it Thursday?"),
        "and the change request"
    );
    assert!(team.contains("Felt lighter after the session"));
    assert!(
        !team.contains("Only for me"),
        "a private journal entry stays private"
    );
    // The prescriber's view of the same client has neither the client's thread nor the journal.
    let notices = mailed(&t).await;
    assert!(
        notices
            .iter()
            .all(|m| !m.contains("Thursday") && !m.contains("Felt lighter")),
        "no email carries what the client wrote"
    );
    // The therapist answers in the portal; the client's email says only that there is one.
    let r = t
        .post(
            &format!("/clients/{a}/messages"),
            &format!("_key={}&thread=client&body=Yes%2C+Thursday+works.", key()),
            Some(&c.t1),
        )
        .await;
    assert_eq!(r.location(), format!("/clients/{a}/messages"));
    let mails = mailed(&t).await;
    let to_client = mails
        .iter()
        .find(|m| m.contains("/portal/messages"))
        .expect("the client's notice");
    assert!(to_client.contains("Subject: You have a new message"));
    assert!(to_client.contains("ada.client@example.org"));
    assert!(
        !to_client.contains("Thursday works"),
        "the notice carries no content"
    );
    let thread = t.get("/portal/messages", Some(&ada)).await.body;
    assert!(thread.contains("Yes, Thursday works."));
    assert!(!thread.contains("between the care team and the prescriber"));
    // The record as CSV: appointments and the PHQ-9 result.
    let csv = t.get("/portal/my-record.csv", Some(&ada)).await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(csv.body.contains("questionnaire") && csv.body.contains("appointment"));
    // Every portal read is audited against the client's record.
    let viewed = t.audit_of_action("portal.viewed", 100).await;
    assert!(
        viewed
            .iter()
            .any(|r| r.entry.client_id == Some(a.to_string()))
    );
    // Signing out ends it.
    let r = t.post("/logout", "", Some(&ada)).await;
    assert!(r.location().starts_with("/login"));
    assert!(
        t.get("/portal", Some(&ada))
            .await
            .location()
            .starts_with("/login")
    );
}

on_both_backends!(
    compartment,
    another_clients_ids_in_every_portal_address_give_404_and_are_audited,
    another_clients_ids_in_every_portal_address_give_404_and_are_audited_postgres
);

async fn compartment(t: TestApp) {
    const INSTRUMENT: &str = "gad7";
    let c = clinic(&t).await;
    let (ada, ada_p) = portal_client(&t, "Ada Alpha", "ada.p@example.org", Some(c.t1.id)).await;
    let (bea, bea_p) = portal_client(&t, "Bea Beta", "bea.p@example.org", Some(c.t1.id)).await;
    let _ = ada;
    // Bea's records: an appointment, a due questionnaire, a journal entry.
    book(&t, &c.front, bea, c.t1.id).await;
    let bea_access =
        t.db.store
            .portal()
            .access(bea_p.id)
            .await
            .expect("a")
            .expect("a");
    let appointment =
        t.db.store
            .portal()
            .appointments(&bea_access)
            .await
            .expect("a")[0]
            .id;
    let seen = clinical(&t, &c.t1, bea).await;
    let request = due_request(&t, &seen, INSTRUMENT, &c.t1).await;
    let entry =
        t.db.store
            .portal()
            .write_journal(&bea_access, "Bea's own", false, &bea_p.actor(), now_utc())
            .await
            .expect("entry");
    let probes = [
        (
            "GET",
            format!("/portal/appointments/{appointment}/calendar.ics"),
            String::new(),
        ),
        (
            "POST",
            format!("/portal/appointments/{appointment}/change"),
            "reason=Later".to_owned(),
        ),
        (
            "POST",
            format!("/portal/questionnaires/{request}"),
            String::new(),
        ),
        (
            "POST",
            format!("/portal/journal/{entry}/share"),
            "share=true".to_owned(),
        ),
    ];
    for (method, uri, form) in &probes {
        let before = t.audit_actions(Some(ada_p.id)).await.len();
        let r = if *method == "GET" {
            t.get(uri, Some(&ada_p)).await
        } else {
            t.post(uri, form, Some(&ada_p)).await
        };
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{method} {uri}");
        assert!(
            !r.body.contains("Bea"),
            "{method} {uri} shows nothing of Bea"
        );
        let after = t.audit_actions(Some(ada_p.id)).await;
        assert!(after.len() > before);
        assert!(
            after
                .iter()
                .any(|(a, o)| a == "access.denied" && o == "denied")
        );
    }
    // Nothing of Bea's changed, and Ada's own pages show nothing of hers.
    assert!(
        t.db.store
            .portal()
            .shared_journal(&seen)
            .await
            .expect("j")
            .is_empty()
    );
    for page in [
        "/portal",
        "/portal/appointments",
        "/portal/questionnaires",
        "/portal/journal",
        "/portal/messages",
    ] {
        let body = t.get(page, Some(&ada_p)).await.body;
        assert!(!body.contains("Bea"), "{page}");
    }
    // A client on a staff page of their own record: 404, audited.
    let r = t.get(&format!("/clients/{ada}"), Some(&ada_p)).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    // Staff on the portal: refused.
    assert_eq!(
        t.get("/portal", Some(&c.t1)).await.status,
        StatusCode::FORBIDDEN
    );
}

on_both_backends!(
    switched_off,
    the_care_team_switches_a_clients_portal_access_off_and_on,
    the_care_team_switches_a_clients_portal_access_off_and_on_postgres
);

async fn switched_off(t: TestApp) {
    let c = clinic(&t).await;
    let (ada, p) = portal_client(&t, "Ada Alpha", "ada.s@example.org", Some(c.t1.id)).await;
    assert_eq!(t.get("/portal", Some(&p)).await.status, StatusCode::OK);
    let switch = format!("/clients/{ada}/portal/access");
    let r = t.post(&switch, "on=false", Some(&c.front)).await;
    assert_eq!(r.location(), format!("/clients/{ada}?done=portal-off"));
    let overview = t.get(r.location(), Some(&c.front)).await.body;
    assert!(
        overview.contains("(switched off)") && overview.contains("Switch portal access back on")
    );
    // The client's session ends at its next request, and a new one is refused.
    assert!(
        t.get("/portal", Some(&p))
            .await
            .location()
            .starts_with("/login")
    );
    let again = t.session_for(p.id, Role::Client, &p.email, true).await;
    assert!(
        t.get("/portal", Some(&again))
            .await
            .location()
            .starts_with("/login")
    );
    let r = t.post(&switch, "on=true", Some(&c.t1)).await;
    assert_eq!(r.location(), format!("/clients/{ada}?done=portal-on"));
    let back = t.session_for(p.id, Role::Client, &p.email, true).await;
    assert_eq!(t.get("/portal", Some(&back)).await.status, StatusCode::OK);
    let audit = t.audit_of_action("portal.switched_off", 10).await;
    assert_eq!(audit.len(), 1);
}

on_both_backends!(
    second_factor_reset,
    the_care_team_resets_a_clients_lost_second_factor_after_confirming,
    the_care_team_resets_a_clients_lost_second_factor_after_confirming_postgres
);

async fn second_factor_reset(t: TestApp) {
    let c = clinic(&t).await;
    let (ada, p) = portal_client(&t, "Ada Alpha", "ada.r@example.org", Some(c.t1.id)).await;
    t.db.store
        .passkeys()
        .add(p.id, "Phone", "{}", &p.actor(), now_utc())
        .await
        .expect("passkey");
    let overview = t.get(&format!("/clients/{ada}"), Some(&c.front)).await.body;
    assert!(overview.contains("Reset their second sign-in step"));
    let reset = format!("/clients/{ada}/portal/reset-second-factor");
    // A fresh second step of the staff member's own first.
    let r = t.post(&reset, "", Some(&c.front)).await;
    assert!(
        r.location().starts_with("/step-up?next="),
        "{}",
        r.location()
    );
    let front = t.confirmed(&c.front).await;
    let r = t.post(&reset, "", Some(&front)).await;
    assert_eq!(r.location(), format!("/clients/{ada}?done=portal-reset"));
    assert!(
        t.get(r.location(), Some(&front))
            .await
            .body
            .contains("second step for signing in was reset")
    );
    // The client is signed out, and has no factor left: the next sign-in sets one up.
    assert!(
        t.get("/portal", Some(&p))
            .await
            .location()
            .starts_with("/login")
    );
    assert!(
        t.db.store
            .passkeys()
            .list(p.id)
            .await
            .expect("list")
            .is_empty()
    );
    let record = t.db.store.accounts().totp_record(p.id).await.expect("totp");
    assert!(record.totp_secret.is_none());
    let audit = t.audit_of_action("mfa.reset", 10).await;
    assert_eq!(audit.len(), 1);
    assert_eq!(
        audit[0].entry.client_id.as_deref(),
        Some(ada.to_string().as_str())
    );
    // A client without a portal account: nothing to reset.
    let front = t.confirmed(&c.front).await;
    let r = t
        .post(
            &format!("/clients/{}/portal/reset-second-factor", c.a),
            "",
            Some(&front),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}
