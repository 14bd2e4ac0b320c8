//! The client record and the pathway through the web: opening a client from an inquiry (once),
//! forms that keep what was typed, gates that list every unmet condition, the prescriber's acts
//! that nobody else can perform, and break-glass.

mod support;

use axum::http::StatusCode;
use kapflow_domain::access::Action;
use kapflow_domain::pathway::Stage;
use kapflow_domain::time_util::now_utc;
use kapflow_domain::{Actor, Role};
use support::TestApp;
use support::clinic::{clinic, clinical, grant, publish_consents, stage};
use support::on_both_backends;

fn form(pairs: &[(&str, &str)]) -> String {
    let mut s = form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        s.append_pair(k, v);
    }
    s.finish()
}

fn client_of(location: &str) -> kapflow_domain::ClientId {
    let id = location
        .trim_start_matches("/clients/")
        .split(['?', '/'])
        .next()
        .unwrap_or("");
    kapflow_domain::ClientId::parse(id).expect("client id in the redirect")
}

async fn inquiry(t: &TestApp) -> kapflow_domain::InquiryId {
    let i = kapflow_domain::inquiry::InquiryInput {
        name: "Ada <b>Client</b>".into(),
        email: "ada@example.org".into(),
        preferred_contact: "email".into(),
        concerns: vec!["ptsd".into()],
        consent: true,
        ..Default::default()
    }
    .validate()
    .expect("valid");
    let limit = kapflow_store::rate_limit::RateLimit {
        bucket: "t",
        window: time::Duration::HOUR,
        limit: 10,
    };
    match t
        .db
        .store
        .inquiries()
        .submit(
            "key-1",
            b"h",
            &i,
            &limit,
            &Actor::anonymous(None),
            now_utc(),
        )
        .await
        .expect("submit")
    {
        kapflow_store::inquiries::Submitted::Created(id) => id,
        other => panic!("{other:?}"),
    }
}

async fn from_inquiry_to_referral(t: TestApp) {
    let front = t.signed_in("front@example.org", Role::FrontDesk).await;
    let ther = t.signed_in("ther@example.org", Role::Therapist).await;
    let owner = t.signed_in("owner@example.org", Role::Owner).await;
    let inq = inquiry(&t).await;

    // The inquiry offers "became a client"; the form comes prefilled and escaped.
    let page = t.get(&format!("/inquiries/{inq}"), Some(&front)).await;
    assert!(page.body.contains(&format!("/clients/new?inquiry={inq}")));
    let new = t
        .get(&format!("/clients/new?inquiry={inq}"), Some(&front))
        .await;
    assert_eq!(new.status, StatusCode::OK);
    assert!(
        new.body
            .contains("value=\"Ada &#60;b&#62;Client&#60;/b&#62;\"")
            || new.body.contains("value=\"Ada &lt;b&gt;Client&lt;/b&gt;\"")
    );
    assert!(!new.body.contains("<b>Client</b>"));
    let key = support::signin::between(&new.body, "name=\"_key\" value=\"", "\"").to_owned();

    // A mistake keeps everything typed and names the field.
    let bad = form(&[
        ("_key", &key),
        ("inquiry", &inq.to_string()),
        ("legal_name", "Ada Client"),
        ("preferred_name", "Addie"),
        ("date_of_birth", "14/03/1985"),
        ("support_name", "Sam Support"),
        ("concerns", "ptsd"),
        ("concerns", "anxiety"),
        ("therapist", &ther.id.to_string()),
    ]);
    let r = t.post("/clients", &bad, Some(&front)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("id=\"date_of_birth-error\""));
    assert!(r.body.contains("value=\"Addie\"") && r.body.contains("value=\"14/03/1985\""));
    assert!(r.body.contains("value=\"anxiety\" checked"));
    let good = bad.replace("14%2F03%2F1985", "1985-03-14");
    let r = t.post("/clients", &good, Some(&front)).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let client = client_of(r.location());
    // The same form again (double click): the same client, nothing new.
    let again = t.post("/clients", &good, Some(&front)).await;
    assert_eq!(client_of(again.location()), client);
    let all =
        t.db.store
            .clients()
            .caseload(
                kapflow_store::clients::CaseloadScope {
                    user: owner.id,
                    role: Role::Owner,
                },
                None,
                kapflow_domain::client::CaseloadSort::Name,
                1,
            )
            .await
            .expect("list");
    assert_eq!(all.total, 1);
    let inbox = t.get(&format!("/inquiries/{inq}"), Some(&front)).await;
    assert!(inbox.body.contains("Became client") || inbox.body.contains("Became a client"));
    assert!(inbox.body.contains(&format!("/clients/{client}")));

    // Front desk sees demographics, never clinical tabs or flags.
    let overview = t.get(&format!("/clients/{client}"), Some(&front)).await;
    assert_eq!(overview.status, StatusCode::OK);
    assert!(
        overview
            .body
            .contains("Course stage: <strong>Assessment</strong>")
    );
    assert!(!overview.body.contains("/intake\""));
    assert_eq!(
        t.get(&format!("/clients/{client}/intake"), Some(&front))
            .await
            .status,
        StatusCode::FORBIDDEN
    );

    // The therapist's caseload lists the client; advancing too early lists every reason.
    let list = t.post("/clients/search", "q=ada", Some(&ther)).await;
    assert!(list.body.contains(&format!("/clients/{client}")));
    let r = t
        .post(
            &format!("/clients/{client}/course/advance"),
            "to=preparation",
            Some(&ther),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("The intake is not completed."));
    assert!(
        r.body
            .contains("The contraindication screening has not been reviewed.")
    );

    // A completion with blanks is refused and keeps the typed answers.
    let partial = form(&[
        ("intent", "complete"),
        ("medical_history", "Asthma"),
        ("bp_systolic", "150"),
        ("sensitivity", "general"),
    ]);
    let r = t
        .post(&format!("/clients/{client}/intake"), &partial, Some(&ther))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("Asthma") && r.body.contains("id=\"allergies-error\""));
    let full = form(&[
        ("intent", "complete"),
        ("medical_history", "Asthma"),
        ("psychiatric_history", "PTSD"),
        ("current_medications", "None"),
        ("allergies", "None known"),
        ("substance_use", "None"),
        ("prior_ketamine", "None"),
        ("bp_systolic", "150"),
        ("bp_diastolic", "92"),
        ("goals", "Sleep"),
        ("takes_benzodiazepines", "yes"),
        ("sensitivity", "general"),
    ]);
    let r = t
        .post(&format!("/clients/{client}/intake"), &full, Some(&ther))
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let intake = t
        .get(&format!("/clients/{client}/intake"), Some(&ther))
        .await;
    // Each flag shows its rule and its source; the header shows it too.
    assert!(intake.body.contains("Blood pressure today 150/92 mmHg"));
    assert!(intake.body.contains("140/90"));
    assert!(intake.body.contains("Open screening flags"));
    t.post(
        &format!("/clients/{client}/screening/review"),
        "",
        Some(&ther),
    )
    .await;
    let r = t
        .post(
            &format!("/clients/{client}/course/advance"),
            "to=preparation",
            Some(&ther),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);

    // Referral without consents or sign-off: every unmet condition, nothing kept.
    let org =
        t.db.store
            .partner_orgs()
            .add(
                "Skylight Psychedelics",
                &Actor::user(owner.id, Role::Owner, None, None),
                now_utc(),
            )
            .await
            .expect("org")
            .expect("new");
    publish_consents(&t, &owner).await;
    let r = t
        .post(
            &format!("/clients/{client}/referral"),
            &format!("org={org}"),
            Some(&ther),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    for m in [
        "There is no signed, current KAP informed consent.",
        "There is no signed, current release of information to the prescriber organisation.",
        "The therapist has not signed off readiness after preparation.",
    ] {
        assert!(r.body.contains(m), "{m}");
    }
    assert_eq!(stage(&t, &ther, client).await, Some(Stage::Preparation));

    // A blank signature is refused field by field.
    let docs =
        t.db.store
            .consents()
            .latest_documents()
            .await
            .expect("docs");
    // Signing on the client's behalf asks the therapist for their code first.
    let sign_unticked = async |who| {
        t.post(
            &format!("/clients/{client}/consents"),
            &format!("document_id={}", docs[0].id),
            Some(who),
        )
        .await
    };
    let r = sign_unticked(&ther).await;
    assert_eq!(
        (r.status, r.location()),
        (
            StatusCode::SEE_OTHER,
            format!("/step-up?next=%2Fclients%2F{client}%2Fconsents").as_str()
        )
    );
    let ther = t.confirmed(&ther).await;
    let r = sign_unticked(&ther).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("The client must tick the box to agree."));
    assert!(
        t.db.store
            .consents()
            .signatures(&clinical(&t, &ther, client).await)
            .await
            .expect("s")
            .is_empty()
    );
    let today = kapflow_domain::zone::PracticeZone::utc()
        .today(now_utc())
        .to_string();
    // The date is filled in; a signature in another name is refused beside the field, with
    // what was typed kept.
    let page = t
        .get(&format!("/clients/{client}/consents"), Some(&ther))
        .await;
    assert!(page.body.contains(&format!(
        "name=\"signed_on\" type=\"date\" value=\"{today}\""
    )));
    let r = t
        .post(
            &format!("/clients/{client}/consents"),
            &form(&[
                ("document_id", &docs[0].id.to_string()),
                ("typed_name", "Mickey Mouse"),
                ("signed_on", &today),
                ("agree", "yes"),
            ]),
            Some(&ther),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body
            .contains("legal name as on their record: Ada Client.")
    );
    assert!(r.body.contains("value=\"Mickey Mouse\""));
    for d in &docs {
        let r = t
            .post(
                &format!("/clients/{client}/consents"),
                &form(&[
                    ("document_id", &d.id.to_string()),
                    ("typed_name", "ada  CLIENT"),
                    ("signed_on", &today),
                    ("agree", "yes"),
                ]),
                Some(&ther),
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
    }
    let mut prep = vec![("intent", "sign_off"), ("intentions", "Rest")];
    for (k, _) in kapflow_domain::preparation::CHECKLIST {
        prep.push(("discussed", k));
    }
    let r = t
        .post(
            &format!("/clients/{client}/preparation"),
            &form(&prep),
            Some(&ther),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let r = t
        .post(
            &format!("/clients/{client}/referral"),
            &format!("org={org}"),
            Some(&ther),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(
        stage(&t, &ther, client).await,
        Some(Stage::MedicalEvaluation)
    );
}

on_both_backends!(
    from_inquiry_to_referral,
    front_desk_opens_a_client_from_an_inquiry_and_the_therapist_meets_every_gate,
    front_desk_opens_a_client_from_an_inquiry_and_the_therapist_meets_every_gate_postgres
);

#[tokio::test]
async fn only_the_prescriber_sets_a_dose() {
    let t = TestApp::new().await;
    let c = clinic(&t).await;
    let a = c.a;
    // No dose field anywhere in the therapist's view; only a request in words.
    let page = t
        .get(&format!("/clients/{a}/prescriber"), Some(&c.t1))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        !page.body.contains("name=\"strength_mg\"")
            && !page.body.contains("name=\"new_strength_mg\"")
    );
    assert!(page.body.contains("Ask the prescriber for a dose change"));
    let rx = "drug=Ketamine&form=troche&strength_mg=300&quantity=6&directions=x&pharmacy=y";
    // The server refuses the therapist's attempt, whatever the form says.
    for (path, body) in [
        ("prescription", rx.to_owned()),
        (
            &*format!("dose-requests/{}/answer", c.a_dose_request),
            "answer=approved&note=x&new_strength_mg=300".to_owned(),
        ),
    ] {
        let r = t
            .post(&format!("/clients/{a}/{path}"), &body, Some(&c.t1))
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{path}");
    }
    let course =
        t.db.store
            .courses()
            .current(&grant(&t, &c.t1, Action::ViewClinicalRecord, a).await)
            .await
            .expect("c")
            .expect("course");
    let rxs =
        t.db.store
            .prescribing()
            .prescriptions(&clinical(&t, &c.t1, a).await, course.id)
            .await
            .expect("rx");
    assert_eq!(rxs.len(), 1);
    assert_eq!(rxs[0].strength_mg, 100);
    // The other organisation's prescriber cannot even see the client.
    assert_eq!(
        t.post(&format!("/clients/{a}/prescription"), rx, Some(&c.p2))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        t.get(&format!("/clients/{a}/prescriber"), Some(&c.p2))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    // The referred prescriber answers; the new strength replaces the active prescription.
    let r = t
        .post(
            &format!("/clients/{a}/dose-requests/{}/answer", c.a_dose_request),
            "answer=approved&note=Go%20up&new_strength_mg=150",
            Some(&c.p1),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let rxs =
        t.db.store
            .prescribing()
            .prescriptions(&clinical(&t, &c.t1, a).await, course.id)
            .await
            .expect("rx");
    assert_eq!((rxs.len(), rxs[0].strength_mg), (2, 150));
    // The therapist's request form has no dose field; the received shipment moves the course on.
    let r = t
        .post(
            &format!("/clients/{a}/shipments/{}/received", c.a_shipment),
            "",
            Some(&c.p1),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn the_caseload_search_is_escaped_and_scoped() {
    let t = TestApp::new().await;
    let c = clinic(&t).await;
    let r = t
        .post(
            "/clients/search",
            "q=%3Cscript%3E&sort=name%3B%20drop",
            Some(&c.t1),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(!r.body.contains("<script>"));
    assert!(r.body.contains("&#60;script&#62;") || r.body.contains("&lt;script&gt;"));
    let mine = t.get("/clients", Some(&c.t1)).await;
    assert!(mine.body.contains("Ada Alpha") && !mine.body.contains("Ben Beta"));
    let referred = t.get("/clients", Some(&c.p1)).await;
    assert!(referred.body.contains("Ada Alpha") && !referred.body.contains("Ben Beta"));
    let other_org = t.get("/clients", Some(&c.p2)).await;
    assert!(!other_org.body.contains("Ada Alpha") && !other_org.body.contains("Ben Beta"));
    let desk = t.get("/clients?sort=newest", Some(&c.front)).await;
    // A name typed into the search never travels in a URL: GET ignores `q`.
    let in_url = t.get("/clients?q=Ada", Some(&c.front)).await;
    assert!(
        in_url.body.contains("Ben Beta"),
        "the GET list is unfiltered"
    );
    assert!(!in_url.body.contains("value=\"Ada\""));
    assert!(desk.body.contains("Ada Alpha") && desk.body.contains("Ben Beta"));
}

#[tokio::test]
async fn screening_thresholds_are_practice_settings() {
    let t = TestApp::new().await;
    let c = clinic(&t).await;
    let intake = format!("/clients/{}/intake", c.a);
    assert!(
        t.get(&intake, Some(&c.t1))
            .await
            .body
            .contains("Blood pressure today 150/85 mmHg")
    );
    let r = t
        .post(
            "/settings/clinical",
            "break_glass_hours=2&break_glass_reason=20&bp_systolic=300&bp_diastolic=100&minimum_age=18&alert_hours=24&alert_high_hours=1&pcl5_cutoff=33",
            Some(&c.owner),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("id=\"bp_systolic-error\"") && r.body.contains("value=\"300\""));
    let r = t
        .post(
            "/settings/clinical",
            "break_glass_hours=2&break_glass_reason=20&bp_systolic=160&bp_diastolic=100&minimum_age=18&alert_hours=24&alert_high_hours=1&pcl5_cutoff=33",
            Some(&c.owner),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(
        !t.get(&intake, Some(&c.t1))
            .await
            .body
            .contains("Blood pressure today 150/85")
    );
    assert!(
        t.get("/break-glass", Some(&t.confirmed(&c.t1).await))
            .await
            .body
            .contains("for 2 hours")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_reads_are_each_audited_before_they_are_answered() {
    let t = std::sync::Arc::new(TestApp::new().await);
    let c = clinic(&t).await;
    let uri = format!("/clients/{}/intake", c.a);
    let before = t.audit_actions(Some(c.t1.id)).await.len();
    let mut tasks = Vec::new();
    for _ in 0..40 {
        let (t, uri, p) = (t.clone(), uri.clone(), c.t1.clone());
        tasks.push(tokio::spawn(
            async move { t.get(&uri, Some(&p)).await.status },
        ));
    }
    for task in tasks {
        assert_eq!(task.await.expect("join"), StatusCode::OK);
    }
    let views = t
        .audit_actions(Some(c.t1.id))
        .await
        .into_iter()
        .filter(|(a, _)| a == "client.viewed")
        .count();
    assert!(views >= 40, "{views} views audited");
    assert!(t.audit_actions(Some(c.t1.id)).await.len() >= before + 40);
    assert!(
        t.db.store
            .audit()
            .verify_chain()
            .await
            .expect("verify")
            .is_ok()
    );
}

#[tokio::test]
async fn an_unreadable_intake_is_never_shown_as_blank_or_clear_and_check_reports_it() {
    let t = TestApp::new().await;
    let c = clinic(&t).await;
    // Client B gets a draft intake; then both stored intakes are damaged (as an incompatible
    // version or a bad restore would leave them).
    let b_t2 = grant(&t, &c.t2, Action::EditClinicalRecord, c.b).await;
    let actor = Actor::user(c.t2.id, Role::Therapist, None, None);
    t.db.store
        .assessment()
        .save_intake(
            &b_t2,
            &kapflow_domain::intake::IntakeForm {
                medical_history: "Asthma".into(),
                ..Default::default()
            },
            kapflow_domain::client::Sensitivity::General,
            false,
            &actor,
            now_utc(),
        )
        .await
        .expect("draft");
    kapflow_store::testkit::raw_execute(
        &t.db,
        "UPDATE intakes SET form_json = '{\"medical_history\": 5}'",
    )
    .await
    .expect("damage");

    let a_intake = t
        .get(&format!("/clients/{}/intake", c.a), Some(&c.t1))
        .await;
    assert_eq!(a_intake.status, StatusCode::OK);
    for said in [
        "This intake could not be read",
        "The screening cannot be shown, because the intake could not be read.",
        "Screening unavailable: the intake could not be read.",
    ] {
        assert!(a_intake.body.contains(said), "intake page says {said:?}");
    }
    for never in ["No flags from the answers so far.", "No screening flags."] {
        assert!(
            !a_intake.body.contains(never),
            "intake page never says {never:?}"
        );
    }
    let rx = t
        .get(&format!("/clients/{}/prescriber", c.a), Some(&c.p1))
        .await;
    assert!(
        rx.body.contains("The screening cannot be shown"),
        "{}",
        rx.body
    );
    assert!(!rx.body.contains("No screening flags."));

    // Nothing is saved over it, and its screening cannot be marked reviewed.
    let r = t
        .post(
            &format!("/clients/{}/intake", c.b),
            "intent=draft&medical_history=Overwritten&sensitivity=general",
            Some(&c.t2),
        )
        .await;
    assert!(r.body.contains("nothing was saved over it"), "{}", r.body);
    let r = t
        .post(
            &format!("/clients/{}/screening/review", c.b),
            "",
            Some(&c.t2),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.body.contains("its screening cannot be reviewed"));

    // `kapflow check` names both, by course, and fails.
    let report = t.db.store.check().await.expect("check");
    assert!(!report.is_ok());
    let named: Vec<String> = report.unreadable.iter().map(|u| u.to_string()).collect();
    assert_eq!(named.len(), 2, "{named:?}");
    assert!(
        named
            .iter()
            .all(|n| n.starts_with("intake of course ") && n.ends_with(" cannot be read"))
    );
    assert!(
        !named
            .iter()
            .any(|n| n.contains("Asthma") || n.contains("Overwritten"))
    );
}
