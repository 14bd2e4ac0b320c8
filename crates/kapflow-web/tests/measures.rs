//! Measurement-based care through the web: a questionnaire by emailed link (no sign-in; only the
//! questionnaire and the practice's name), refusals that keep the answers, a suicide-risk answer
//! that shows crisis resources at once and opens an alert the therapist must acknowledge with a
//! note, the kiosk hand-over, the trend chart, and the outcome report checked by hand.

mod support;

use axum::http::StatusCode;
use kapflow_domain::measures::schedule::{AlertLevel, Reason};
use kapflow_domain::time_util::now_utc;
use kapflow_domain::{Actor, ClientId, MeasureRequestId, Role};
use kapflow_store::access::for_tests;
use kapflow_store::measures::Submission;
use support::clinic::{adult, clinic, give_email};
use support::{TestApp, mailed};
use time::Duration;
use uuid::Uuid;

fn link_path(mail: &str) -> String {
    let i = mail.find("/m/").expect("a questionnaire link");
    let rest = &mail[i..];
    let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
    rest[..end].to_owned()
}

/// Test setup's view of a client's clinical record.
fn seen(c: ClientId) -> kapflow_store::ClinicalAccess {
    for_tests(c).clinical().expect("clinical")
}

async fn open_request(t: &TestApp, c: ClientId, code: &str) -> MeasureRequestId {
    t.db.store
        .measures()
        .requests(&seen(c))
        .await
        .expect("requests")
        .into_iter()
        .find(|r| r.instrument == code && r.completed_at.is_none() && r.cancelled_at.is_none())
        .expect("open request")
        .id
}

fn phq9_form(items: [u8; 9]) -> String {
    items
        .iter()
        .enumerate()
        .map(|(n, v)| format!("q{}={v}", n + 1))
        .collect::<Vec<_>>()
        .join("&")
}

#[tokio::test]
async fn a_client_answers_by_link_and_a_risk_answer_reaches_the_therapist() {
    let t = TestApp::new().await;
    let c = clinic(&t).await;
    let a = c.a;
    // A's record has an email address to send to.
    give_email(&t, a, "Ada Alpha", "ada@example.org").await;
    let req = open_request(&t, a, "phq9").await;
    let r = t
        .post(
            &format!("/clients/{a}/measures/{req}/send"),
            "channel=email",
            Some(&c.t1),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let mails = mailed(&t).await;
    let mail = mails
        .iter()
        .find(|m| m.contains("/m/"))
        .expect("the client's email");
    assert!(mail.contains("ada@example.org"));
    assert!(!mail.contains("Ada Alpha") && !mail.contains("PHQ"));
    let link = link_path(mail);

    // No sign-in; only the practice's name and the questionnaire.
    let page = t.get(&link, None).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Over the last 2 weeks"));
    assert!(!page.body.contains("Ada Alpha") && !page.body.contains("/clients"));
    // A missing answer is refused; what was chosen stays chosen.
    let partial = "q1=2&q2=1";
    let r = t.post(&link, partial, None).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("7 questions still need an answer"));
    assert!(r.body.contains("name=\"q1\" value=\"2\" checked"));
    // Out of range is refused too.
    let r = t
        .post(&link, &phq9_form([0, 0, 0, 0, 0, 0, 0, 0, 4]), None)
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        t.db.store
            .measures()
            .responses(&seen(a))
            .await
            .expect("r")
            .is_empty()
    );
    // Item 9 = 1: crisis resources at once.
    let r = t
        .post(&link, &phq9_form([1, 1, 0, 0, 0, 0, 0, 0, 1]), None)
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.body.contains("988")
            && r.body.contains("911")
            && r.body.contains("care team has been told")
    );
    // A second submit (refresh) records nothing new and shows the same help.
    let again = t.post(&link, &phq9_form([0; 9]), None).await;
    assert!(again.body.contains("988"));
    let responses = t.db.store.measures().responses(&seen(a)).await.expect("r");
    assert_eq!(responses.len(), 1);
    assert_eq!(responses[0].total, 3);

    // The therapist is told without PHI and sees the banner.
    let mails = mailed(&t).await;
    let notice = mails
        .iter()
        .find(|m| m.contains("Safety alert"))
        .expect("alert email");
    assert!(notice.contains("t1@example.org"));
    assert!(notice.contains("Level: Safety flag."), "the level is said");
    assert!(!notice.contains("Ada") && !notice.contains("item 9"));
    let dash = t.get("/dashboard", Some(&c.t1)).await;
    assert!(dash.body.contains("Safety alerts need you") && dash.body.contains("Ada Alpha"));
    assert!(
        !t.get("/dashboard", Some(&c.t2))
            .await
            .body
            .contains("Safety alerts need you")
    );

    // Every page of the client's record says so at the top, with the way to the alert;
    // front desk, who sees the client but not clinical content, is not shown the risk.
    for tab in CLIENT_TABS {
        let page = t.get(&format!("/clients/{a}{tab}"), Some(&c.t1)).await;
        assert_eq!(page.status, StatusCode::OK, "{tab}");
        assert!(
            page.body.contains("Open suicide-risk alert: Safety flag")
                && page
                    .body
                    .contains(&format!("href=\"/clients/{a}/measures\"")),
            "the risk banner on {tab}"
        );
    }
    let desk = t.get(&format!("/clients/{a}"), Some(&c.front)).await;
    assert_eq!(desk.status, StatusCode::OK);
    assert!(!desk.body.contains("suicide-risk"));
    // The caseload marks the client too (the care team's list, not front desk's).
    let mine = t.get("/clients", Some(&c.t1)).await;
    assert!(
        mine.body.contains(&format!(
            "<a class=\"risk-badge\" href=\"/clients/{a}/measures\">Open alert: Safety flag</a>"
        )),
        "the caseload's risk badge"
    );
    let desk = t.get("/clients", Some(&c.front)).await;
    assert!(desk.body.contains("Ada Alpha") && !desk.body.contains("risk-badge"));

    // The alert shows its rule and source, and closes only with a note.
    let page = t.get(&format!("/clients/{a}/measures"), Some(&c.t1)).await;
    assert!(
        page.body.contains("PHQ-9 item 9 &gt; 0") || page.body.contains("PHQ-9 item 9 &#62; 0")
    );
    assert!(page.body.contains("Kroenke"));
    // The chart shows the point, with its data table beside it.
    assert!(page.body.contains("<svg") && page.body.contains("<circle"));
    assert!(page.body.contains("<td>3</td>"));
    let alert =
        t.db.store
            .alerts()
            .of_client(&seen(a))
            .await
            .expect("alerts")[0]
            .id;
    let ack = format!("/clients/{a}/alerts/acknowledge");
    let refused = t
        .post(&ack, &format!("alert={alert}&note="), Some(&c.t1))
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains(&format!("id=\"ack-{a}-note-error\"")));
    assert!(refused.body.contains("<title>Error: Measures"));
    assert_eq!(
        t.post(&ack, &format!("alert={alert}&note=x"), Some(&c.t2))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        t.post(&ack, &format!("alert={alert}&note=x"), Some(&c.front))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let done = t
        .post(
            &ack,
            &format!("alert={alert}&note=Called%3B%20safe%3B%20plan%20made"),
            Some(&c.t1),
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    assert_eq!(
        done.location(),
        format!("/clients/{a}/measures?done=acknowledged")
    );
    assert!(
        t.db.store
            .alerts()
            .open(c.t1.id, false, now_utc())
            .await
            .expect("open")
            .is_empty()
    );
    assert!(
        t.get(&format!("/clients/{a}/measures"), Some(&c.t1))
            .await
            .body
            .contains("Acknowledged")
    );
    for tab in CLIENT_TABS {
        let page = t.get(&format!("/clients/{a}{tab}"), Some(&c.t1)).await;
        assert!(!page.body.contains("Open suicide-risk alert"), "{tab}");
    }
    assert!(
        !t.get("/clients", Some(&c.t1))
            .await
            .body
            .contains("risk-badge")
    );
}

/// Every tab of a client's record, after `/clients/{id}`.
const CLIENT_TABS: [&str; 9] = [
    "",
    "/course",
    "/intake",
    "/consents",
    "/preparation",
    "/prescriber",
    "/dosing",
    "/measures",
    "/messages",
];

#[tokio::test]
async fn the_kiosk_hands_over_the_device_without_the_staff_session() {
    let t = TestApp::new().await;
    let c = clinic(&t).await;
    let a = c.a;
    let req = open_request(&t, a, "gad7").await;
    let r = t
        .post(
            &format!("/clients/{a}/measures/{req}/send"),
            "channel=kiosk",
            Some(&c.t1),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(r.location().starts_with("/m/"));
    let cleared = r
        .headers
        .get_all(axum::http::header::SET_COOKIE)
        .iter()
        .any(|v| v.to_str().unwrap_or("").contains("Max-Age=0"));
    assert!(cleared, "the staff cookie is cleared");
    // The staff session is over: the tablet cannot reach the record.
    let back = t.get(&format!("/clients/{a}"), Some(&c.t1)).await;
    assert!(back.location().starts_with("/login"));
    let link = r.location().to_owned();
    let form = (1..=7)
        .map(|n| format!("q{n}=0"))
        .collect::<Vec<_>>()
        .join("&");
    let done = t.post(&link, &form, None).await;
    assert_eq!(done.status, StatusCode::OK);
    assert!(done.body.contains("hand the tablet back") && done.body.contains("href=\"/login\""));
}

#[tokio::test]
async fn a_link_to_text_is_shown_once_and_the_schedule_can_change() {
    let t = TestApp::new().await;
    let c = clinic(&t).await;
    let a = c.a;
    let req = open_request(&t, a, "cssrs").await;
    let r = t
        .post(
            &format!("/clients/{a}/measures/{req}/send"),
            "channel=link",
            Some(&c.t1),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("http://127.0.0.1:8080/m/"));
    let today = now_utc().date();
    let moved = (today + Duration::days(30)).to_string();
    let r = t
        .post(
            &format!("/clients/{a}/measures/{req}"),
            &format!("due_on={moved}"),
            Some(&c.t1),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let r = t
        .post(
            &format!("/clients/{a}/measures/{req}"),
            "due_on=soon",
            Some(&c.t1),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let added = (today + Duration::days(60)).to_string();
    let r = t
        .post(
            &format!("/clients/{a}/measures"),
            &format!("instrument=pcl5&due_on={added}"),
            Some(&c.t1),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let reqs = t.db.store.measures().requests(&seen(a)).await.expect("r");
    assert!(
        reqs.iter()
            .any(|r| r.instrument == "pcl5" && r.reason == Reason::Manual)
    );
    assert!(
        reqs.iter()
            .any(|r| r.id == req && r.due_on.to_string() == moved)
    );
    let r = t
        .post(
            &format!("/clients/{a}/measures/{req}"),
            "cancel=yes",
            Some(&c.t1),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn due_dates_outside_a_sensible_window_are_refused_and_change_nothing() {
    let t = TestApp::new().await;
    let c = clinic(&t).await;
    let a = c.a;
    let req = open_request(&t, a, "cssrs").await;
    let before = t.db.store.measures().requests(&seen(a)).await.expect("r");
    let today = now_utc().date();
    let too_late = (today + Duration::days(3 * 366)).to_string();
    let too_early = (today - Duration::days(400)).to_string();
    for due in ["9999-12-31", "1900-01-01", &too_late, &too_early] {
        let r = t
            .post(
                &format!("/clients/{a}/measures/{req}"),
                &format!("due_on={due}"),
                Some(&c.t1),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "move to {due}");
        assert!(
            r.body.contains("Enter the new date between"),
            "the message names the field and the range"
        );
        let r = t
            .post(
                &format!("/clients/{a}/measures"),
                &format!("instrument=pcl5&due_on={due}"),
                Some(&c.t1),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "add on {due}");
        assert!(r.body.contains("Enter the date it is due between"));
    }
    let after = t.db.store.measures().requests(&seen(a)).await.expect("r");
    assert_eq!(
        before.iter().map(|r| (r.id, r.due_on)).collect::<Vec<_>>(),
        after.iter().map(|r| (r.id, r.due_on)).collect::<Vec<_>>()
    );
}

/// Submits a PHQ-9 with the given total spread over the items (item 9 stays 0) at `at`.
async fn phq9_at(t: &TestApp, client: ClientId, total: u8, at: time::OffsetDateTime, by: &Actor) {
    let mut left = total;
    let items = [0u8; 9].map(|_| {
        let v = left.min(3);
        left -= v;
        v
    });
    // Item 9 stays 0: these scores raise no alert.
    assert!(left == 0 && items[8] == 0);
    let r =
        support::answers::answer(t, client, "phq9", &support::answers::phq9(items), at, by).await;
    assert!(matches!(r, Submission::Recorded { .. }));
}

#[tokio::test]
async fn the_outcome_report_matches_a_hand_calculation() {
    let t = TestApp::new().await;
    let c = clinic(&t).await;
    let by = Actor::user(c.t1.id, Role::Therapist, None, None);
    let now = now_utc();
    // Three depression courses: 20 → 8, 15 → 5, 10 → 9 (the baseline requests made at
    // opening are cancelled so only these scores count).
    let mut clients = Vec::new();
    for name in ["One", "Two", "Three"] {
        let id = match t
            .db
            .store
            .clients()
            .create(
                &Uuid::now_v7().to_string(),
                &adult(name),
                None,
                &[c.t1.id],
                &by,
                now,
            )
            .await
            .expect("client")
        {
            kapflow_store::clients::Created::Client(id) => id,
            other => panic!("{other:?}"),
        };
        for r in t.db.store.measures().requests(&seen(id)).await.expect("r") {
            t.db.store
                .measures()
                .change_request(&seen(id), r.id, None, &by, now)
                .await
                .expect("cancel");
        }
        clients.push(id);
    }
    for (id, (b, p)) in clients.iter().zip([(20u8, 8u8), (15, 5), (10, 9)]) {
        phq9_at(&t, *id, b, now, &by).await;
        phq9_at(&t, *id, p, now + Duration::days(60), &by).await;
    }
    // By hand: changes −12, −10, −1 → mean −7.67; deviations −4.33, −2.33, 6.67 → squares sum
    // 68.67, variance 34.33, SD 5.859, SE 3.383; t(0.975, 2) = 4.303 → 95% CI −22.2 to 6.9.
    // Mean baseline 15.0. Response (≥ 50% lower): 20→8 and 15→5 → 2/3 = 66.7%. Remission
    // (< 5): none → 0.0%.
    let page = t.get("/reports/outcomes", Some(&c.owner)).await;
    assert_eq!(page.status, StatusCode::OK);
    let body = &page.body;
    assert!(body.contains("<th scope=\"row\">All courses</th><td>3</td><td>15.0</td><td>-7.7</td><td>-22.2 to 6.9</td><td>66.7% (2/3)</td><td>0.0% (0/3)</td>"), "{body}");
    assert!(body.contains("<th scope=\"row\">Depression</th><td>3</td>"));
    // A therapist sees their caseload only; t2 has none of these.
    let theirs = t.get("/reports/outcomes", Some(&c.t2)).await;
    assert!(!theirs.body.contains("All courses"));
    assert_eq!(
        t.get("/reports/outcomes", Some(&c.front)).await.status,
        StatusCode::FORBIDDEN
    );

    // The research export: no names or contact details, pseudonyms, shifted dates, age bands.
    let csv = t
        .get("/reports/outcomes/research.csv", Some(&c.owner))
        .await;
    assert_eq!(
        (csv.status, csv.location()),
        (
            StatusCode::SEE_OTHER,
            "/step-up?next=%2Freports%2Foutcomes%2Fresearch.csv"
        ),
        "the export asks for the owner's code first"
    );
    let csv = t
        .get(
            "/reports/outcomes/research.csv",
            Some(&t.confirmed(&c.owner).await),
        )
        .await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(
        csv.body
            .starts_with("subject,age_band,concerns,instrument,baseline_date")
    );
    assert_eq!(csv.body.lines().count(), 4);
    for leak in ["One", "Two", "Three", "example.org", "555-"] {
        assert!(!csv.body.contains(leak), "{leak} in the export");
    }
    // No row keeps its real dates. (Another row's shifted date may land on a real date by
    // chance, so each row is compared with its own.)
    let header: Vec<&str> = csv.body.lines().next().unwrap_or("").split(',').collect();
    let column = |name: &str| header.iter().position(|h| *h == name).expect(name);
    let (baseline, post) = (column("baseline_date"), column("post_date"));
    for line in csv.body.lines().skip(1) {
        let cells: Vec<&str> = line.split(',').collect();
        assert_ne!(cells[baseline], now.date().to_string(), "{line}");
        assert_ne!(
            cells[post],
            (now + Duration::days(60)).date().to_string(),
            "{line}"
        );
    }
    assert!(
        csv.body
            .lines()
            .skip(1)
            .all(|l| l.starts_with('S') && l.contains(",35-44,"))
    );
    let other = t
        .get(
            "/reports/outcomes/research.csv",
            Some(&t.confirmed(&c.owner).await),
        )
        .await;
    let first_ids: Vec<_> = csv
        .body
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap_or("").to_owned())
        .collect();
    assert!(
        first_ids.iter().all(|id| !other.body.contains(id.as_str())),
        "ids differ per export"
    );
    assert_eq!(
        t.get("/reports/outcomes/research.csv", Some(&c.t1))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let f = kapflow_store::audit::AuditFilter {
        action: Some("report.research_exported".into()),
        ..Default::default()
    };
    assert_eq!(
        t.db.store.audit().query(&f, 10).await.expect("audit").len(),
        2
    );
}

#[tokio::test]
async fn the_practice_adds_its_own_questionnaire_without_code() {
    let t = TestApp::new().await;
    let owner = t.signed_in("owner@example.org", Role::Owner).await;
    let bad = "code=sleep_check&title=Sleep&version=1&items=I%20slept%20well&options=0%20%3D%20No%0A1%20%3D%20Yes&bands=0-0%20Poor";
    let r = t.post("/measures/instruments", bad, Some(&owner)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("I slept well") && r.body.contains("0-0 Poor"));
    let good = bad.replace("0-0%20Poor", "0-0%20Poor%0A1-1%20Good");
    let r = t.post("/measures/instruments", &good, Some(&owner)).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let i =
        t.db.store
            .measures()
            .instrument("sleep_check")
            .await
            .expect("i")
            .expect("stored");
    assert_eq!(i.items.len(), 1);
    let r = t.post("/measures/instruments", &good, Some(&owner)).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    let r = t
        .post(
            "/measures/instruments",
            &good.replace("sleep_check", "phq9"),
            Some(&owner),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn the_cssrs_skip_logic_holds_through_the_form_and_grades_the_alert() {
    let t = TestApp::new().await;
    let c = clinic(&t).await;
    let a = c.a;
    let req = open_request(&t, a, "cssrs").await;
    let r = t
        .post(
            &format!("/clients/{a}/measures/{req}/send"),
            "channel=link",
            Some(&c.t1),
        )
        .await;
    let link = {
        let i = r.body.find("/m/").expect("link shown");
        let rest = &r.body[i..];
        rest[..rest.find('<').unwrap_or(rest.len())].to_owned()
    };
    // The client reads the self-report wording, never the interviewer's; only the questions
    // asked of everyone are on screen at first.
    let page = t.get(&link, None).await;
    assert!(!page.body.contains("Ask questions 1 and 2"));
    assert!(page.body.contains("Please answer yes or no."));
    let visible = |body: &str| -> Vec<String> {
        body.match_indices("<fieldset class=\"field question")
            .filter_map(|(i, _)| {
                let tag = &body[i..i + body[i..].find('>').expect("tag end")];
                (!tag.contains(" hidden")).then(|| {
                    let at = tag.find("data-code=\"").expect("code") + 11;
                    tag[at..at + tag[at..].find('"').expect("end")].to_owned()
                })
            })
            .collect()
    };
    assert_eq!(visible(&page.body), ["q1", "q2", "q6"]);
    assert!(page.body.contains("name=\"_shown\" value=\"q1,q2,q6\""));
    // Without the page's script: Q2 yes brings Q3–Q5 as a second step — not an error, and
    // nothing is recorded yet.
    let r = t
        .post(&link, "_shown=q1%2Cq2%2Cq6&q1=1&q2=1&q6=0", None)
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("Your answers bring a few more questions"));
    assert!(!r.body.contains("error-summary"));
    assert_eq!(visible(&r.body), ["q1", "q2", "q3", "q4", "q5", "q6"]);
    assert!(r.body.contains("name=\"q2\" value=\"1\" checked"));
    assert!(
        t.db.store
            .measures()
            .responses(&seen(a))
            .await
            .expect("r")
            .is_empty()
    );
    // Questions that were on screen and left unanswered are refused, by number.
    let r = t
        .post(
            &link,
            "_shown=q1%2Cq2%2Cq3%2Cq4%2Cq5%2Cq6&q1=1&q2=1&q6=0",
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("3 questions still need an answer"));
    // Q2 yes makes Q3–Q5 required; the page says which are missing and keeps the rest.
    let r = t.post(&link, "q1=1&q2=1&q6=0", None).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body.contains("3 questions still need an answer"),
        "{}",
        r.body
    );
    // Q2 no: answers to Q3–Q5 are set aside rather than refused; Q6 yes asks "recent".
    let r = t.post(&link, "q1=1&q2=0&q3=1&q6=1", None).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("1 question still needs an answer"));
    let r = t.post(&link, "q1=1&q2=0&q3=1&q6=1&q6_recent=1", None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("988"));
    let alerts =
        t.db.store
            .alerts()
            .of_client(&seen(a))
            .await
            .expect("alerts");
    assert_eq!(alerts.len(), 1);
    assert_eq!(
        alerts[0].level,
        AlertLevel::High,
        "behaviour in the past 3 months is high risk"
    );
    let scored = t.db.store.measures().responses(&seen(a)).await.expect("r")[0]
        .scored()
        .expect("scored");
    assert!(
        !scored.answers.contains_key("q3"),
        "the skipped answer was not stored"
    );
}
