//! Questionnaires in the store, on both backends: the schedule made from the pathway, single-use
//! links, immutable responses, suicide-risk alerts raised with the submission and escalated
//! once, and the baseline/post pairs of the outcome report.

mod common;

use common::*;
use kapflow_domain::client::ClientInput;
use kapflow_domain::measures::schedule::{AlertTiming, Channel, Reason};
use kapflow_domain::measures::{self, MeasureSettings, score};
use kapflow_domain::pathway::Transition;
use kapflow_domain::time_util::now_utc;
use kapflow_domain::token::token_hash;
use kapflow_domain::{Actor, ClientId, Role, UserId};
use kapflow_store::measures::{LinkState, Submission};
use kapflow_store::store_test;
use kapflow_store::testkit::TestDb;
use std::collections::BTreeMap;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

const TIMING: AlertTiming = AlertTiming {
    escalate_after: Duration::hours(24),
    escalate_high_after: Duration::hours(1),
};

async fn client(db: &TestDb, therapist: UserId, concerns: &[&str]) -> ClientId {
    let c = ClientInput {
        legal_name: "Ada Client".into(),
        date_of_birth: "1985-03-14".into(),
        email: "ada@example.org".into(),
        concerns: concerns.iter().map(|c| c.to_string()).collect(),
        ..ClientInput::default()
    }
    .validate(utc_today(now_utc()))
    .expect("valid");
    open_client(db, &c, therapist, &Actor::default()).await
}

/// Submits `scored` through the link whose token is `token`, at `at`.
async fn submit(
    db: &TestDb,
    token: &str,
    scored: &measures::Scored,
    at: OffsetDateTime,
) -> Submission {
    db.store
        .measures()
        .submit(&token_hash(token), scored, TIMING, at)
        .await
        .expect("submit")
}

fn phq9(items: [u8; 9]) -> measures::Scored {
    let i = measures::builtin("phq9").expect("phq9");
    let answers: BTreeMap<String, u8> = i
        .items
        .iter()
        .zip(items)
        .map(|(it, v)| (it.code.clone(), v))
        .collect();
    score(&i, &answers, &MeasureSettings::default()).expect("scored")
}

async fn link_for(db: &TestDb, c: ClientId, code: &str, t: &Actor, now: OffsetDateTime) -> String {
    let req = db
        .store
        .measures()
        .requests(&seen(c))
        .await
        .expect("requests")
        .into_iter()
        .find(|r| r.instrument == code && r.completed_at.is_none() && r.cancelled_at.is_none())
        .expect("open request")
        .id;
    let token = format!("token-{}", Uuid::now_v7());
    assert!(
        db.store
            .measures()
            .issue_link(
                &seen(c),
                req,
                &token_hash(&token),
                Channel::Email,
                Duration::days(60),
                "http://x/m/t",
                t,
                now
            )
            .await
            .expect("link")
    );
    token
}

store_test!(
    a_new_course_schedules_its_baseline_and_an_ended_one_its_follow_ups,
    async |db: &TestDb| {
        let (t, ta) = person(db, "t@example.org", Role::Therapist).await;
        let c = client(db, t, &["ptsd"]).await;
        let reqs = db.store.measures().requests(&seen(c)).await.expect("r");
        let mut codes: Vec<_> = reqs.iter().map(|r| r.instrument.as_str()).collect();
        codes.sort_unstable();
        assert_eq!(codes, vec!["cssrs", "gad7", "pcl5", "phq9"]);
        assert!(
            reqs.iter()
                .all(|r| r.reason == Reason::Baseline && r.due_on == utc_today(now_utc()))
        );
        // Due on the therapist's list, not on another's.
        assert_eq!(
            db.store
                .measures()
                .due(t, false, utc_today(now_utc()))
                .await
                .expect("due")
                .len(),
            4
        );
        let (other, _) = person(db, "o@example.org", Role::Therapist).await;
        assert!(
            db.store
                .measures()
                .due(other, false, utc_today(now_utc()))
                .await
                .expect("due")
                .is_empty()
        );
        let now = now_utc();
        db.store
            .courses()
            .transition(
                &for_tests(c),
                &Transition::Discontinue {
                    reason: "Moved".into(),
                },
                &ta,
                now,
            )
            .await
            .expect("t")
            .expect("c")
            .expect("discontinued");
        let reqs = db.store.measures().requests(&seen(c)).await.expect("r");
        assert!(
            reqs.iter()
                .filter(|r| r.reason == Reason::Baseline)
                .all(|r| r.cancelled_at.is_some())
        );
        let follow: Vec<_> = reqs.iter().filter(|r| r.reason.is_follow_up()).collect();
        assert_eq!(
            follow.len(),
            9,
            "PHQ-9, GAD-7 and PCL-5 at 1, 3 and 6 months"
        );
        assert!(
            follow
                .iter()
                .any(|r| r.due_on == utc_today(now) + Duration::days(182))
        );
    }
);

store_test!(
    a_submission_is_once_only_and_raises_its_alert_in_the_same_step,
    async |db: &TestDb| {
        let (t, ta) = person(db, "t@example.org", Role::Therapist).await;
        let (owner, _) = person(db, "owner@example.org", Role::Owner).await;
        let c = client(db, t, &["depression"]).await;
        let now = now_utc();
        let token = link_for(db, c, "phq9", &ta, now).await;
        let h = token_hash(&token);
        assert!(matches!(
            db.store.measures().link(&h, now).await.expect("l"),
            LinkState::Open { .. }
        ));
        // Item 9 = 1 with a low total: the flag fires whatever the total.
        let s = phq9([0, 0, 0, 0, 0, 0, 0, 0, 1]);
        let Submission::Recorded { alert, .. } = submit(db, &token, &s, now).await else {
            panic!("not recorded")
        };
        assert!(alert);
        assert_eq!(
            submit(db, &token, &s, now).await,
            Submission::AlreadySubmitted { alert: true }
        );
        assert!(matches!(
            db.store.measures().link(&h, now).await.expect("l"),
            LinkState::Submitted { alert: true }
        ));
        assert_eq!(
            db.store
                .measures()
                .responses(&seen(c))
                .await
                .expect("r")
                .len(),
            1
        );
        let open: Vec<_> = db
            .store
            .alerts()
            .open(t, false, now)
            .await
            .expect("alerts")
            .into_iter()
            .map(|o| o.alert)
            .collect();
        assert_eq!(open.len(), 1);
        assert!(
            open[0].rule.contains("item 9") || open[0].rule.contains("Item 9"),
            "{}",
            open[0].rule
        );
        assert!(!open[0].source.is_empty());
        // The care team is told (outbox), with the alert id only.
        let notice = db
            .store
            .alerts()
            .recipients(open[0].id, false)
            .await
            .expect("r")
            .expect("alert");
        assert_eq!(notice.to, vec!["t@example.org".to_owned()]);
        assert_eq!(
            (notice.client, notice.level, notice.to_owner),
            (
                c,
                kapflow_domain::measures::schedule::AlertLevel::Flag,
                false
            )
        );
        let escalated = db
            .store
            .alerts()
            .recipients(open[0].id, true)
            .await
            .expect("r")
            .expect("alert");
        assert!(escalated.to_owner && escalated.to == vec!["owner@example.org".to_owned()]);
        // Not escalated before its time; escalated once after it, to the owner.
        for (hours, escalated) in [(23, 0), (25, 1), (26, 0)] {
            assert_eq!(
                db.store
                    .alerts()
                    .escalate_due(now + Duration::hours(hours))
                    .await
                    .expect("e"),
                escalated,
                "after {hours} hours"
            );
        }
        assert_eq!(
            db.store
                .alerts()
                .open(owner, true, now)
                .await
                .expect("owner")
                .len(),
            1
        );
        // Closed only with a note, and only once.
        for (note, closed) in [("Called the client; safe; plan made", 1), ("again", 0)] {
            assert_eq!(
                db.store
                    .alerts()
                    .acknowledge(&for_tests(c), &[open[0].id], note, &ta, now)
                    .await
                    .expect("ack"),
                closed
            );
        }
        assert!(
            db.store
                .alerts()
                .open(t, false, now)
                .await
                .expect("alerts")
                .is_empty()
        );
        // Responses are immutable.
        for sql in [
            "UPDATE measure_responses SET total = 0",
            "DELETE FROM risk_alerts",
        ] {
            assert!(raw_sql_fails(db, sql).await, "{sql}");
        }
        // An expired or unknown link takes nothing.
        let late = link_for(db, c, "gad7", &ta, now).await;
        let gad = measures::builtin("gad7").expect("gad7");
        let zero: BTreeMap<String, u8> = gad.items.iter().map(|i| (i.code.clone(), 0)).collect();
        let g = score(&gad, &zero, &MeasureSettings::default()).expect("g");
        assert_eq!(
            submit(db, &late, &g, now + Duration::days(61)).await,
            Submission::Expired
        );
        assert_eq!(submit(db, "nope", &g, now).await, Submission::Unknown);
        // A link for one questionnaire cannot carry another's answers.
        assert_eq!(submit(db, &late, &s, now).await, Submission::Expired);
    }
);

store_test!(
    outcome_pairs_take_the_first_and_last_score_of_each_course,
    async |db: &TestDb| {
        let (t, ta) = person(db, "t@example.org", Role::Therapist).await;
        let (other, _) = person(db, "o@example.org", Role::Therapist).await;
        let c = client(db, t, &["depression"]).await;
        let now = now_utc();
        for (i, items) in [[2u8; 9], [1; 9], [0; 9]].into_iter().enumerate() {
            if i > 0 {
                assert!(
                    db.store
                        .measures()
                        .add_request(&seen(c), "phq9", utc_today(now), &ta, now)
                        .await
                        .expect("add")
                );
            }
            let token = link_for(db, c, "phq9", &ta, now).await;
            let at = now + Duration::days(i as i64 * 14);
            let r = submit(db, &token, &phq9(items), at).await;
            assert!(matches!(r, Submission::Recorded { .. }), "{r:?}");
        }
        let resp = db.store.measures().responses(&seen(c)).await.expect("r");
        assert_eq!(resp.len(), 3, "{resp:?}");
        assert!(resp.iter().all(|r| r.course_id.is_some()), "{resp:?}");
        let pairs = db.store.outcomes().pairs(None).await.expect("pairs");
        assert_eq!(pairs.len(), 1);
        assert_eq!((pairs[0].baseline, pairs[0].post), (18, 0));
        assert_eq!(
            db.store
                .outcomes()
                .pairs(Some(t))
                .await
                .expect("mine")
                .len(),
            1
        );
        assert!(
            db.store
                .outcomes()
                .pairs(Some(other))
                .await
                .expect("theirs")
                .is_empty()
        );
    }
);

/// A C-SSRS with the given answers, scored.
fn cssrs(set: &[(&str, u8)]) -> measures::Scored {
    let i = measures::builtin("cssrs").expect("cssrs");
    let answers: BTreeMap<String, u8> = set.iter().map(|(k, v)| ((*k).to_owned(), *v)).collect();
    score(&i, &answers, &MeasureSettings::default()).expect("scored")
}

store_test!(
    the_header_and_the_caseload_show_open_risk_alerts_most_serious_first_to_clinicians_only,
    async |db: &TestDb| {
        use kapflow_domain::measures::cssrs::{NO, YES};
        use kapflow_domain::measures::schedule::AlertLevel;
        let (t, ta) = person(db, "t@example.org", Role::Therapist).await;
        let (front, _) = person(db, "front@example.org", Role::FrontDesk).await;
        let c = client(db, t, &["ptsd"]).await;
        let clinician = for_tests(c);
        let risk = |access: kapflow_store::ClientAccess| async move {
            db.store
                .clients()
                .header(&access)
                .await
                .expect("header")
                .expect("client")
                .risk
        };
        assert_eq!(risk(clinician).await, None, "no alert, no banner");
        let t0 = now_utc() - Duration::hours(2);
        let token = link_for(db, c, "phq9", &ta, t0).await;
        let flagged = submit(db, &token, &phq9([0, 0, 0, 0, 0, 0, 0, 0, 1]), t0).await;
        assert!(matches!(flagged, Submission::Recorded { alert: true, .. }));
        let t1 = t0 + Duration::hours(1);
        let token = link_for(db, c, "cssrs", &ta, t1).await;
        let high = cssrs(&[
            ("q1", YES),
            ("q2", YES),
            ("q3", NO),
            ("q4", YES),
            ("q5", NO),
            ("q6", NO),
        ]);
        let raised = submit(db, &token, &high, t1).await;
        assert!(matches!(raised, Submission::Recorded { alert: true, .. }));
        // The later high-risk alert leads, though the safety flag is older.
        let r = risk(clinician).await.expect("open alerts");
        assert_eq!((r.level, r.open), (AlertLevel::High, 2));
        assert_eq!(r.raised.unix_timestamp(), t1.unix_timestamp());
        // Front desk sees the client, never the client's risk.
        let desk = db
            .store
            .grant_for_tests(
                front,
                Role::FrontDesk,
                kapflow_domain::access::Action::ViewClientDemographics,
                c,
            )
            .await
            .expect("front desk may see the client");
        assert_eq!(risk(desk).await, None);
        // The caseload names it beside the client, under the same rule: the therapist on the
        // care team sees it; front desk and an owner outside the care team see the client only.
        let (owner, _) = person(db, "owner@example.org", Role::Owner).await;
        let listed = |user: UserId, role: Role| async move {
            db.store
                .clients()
                .caseload(
                    kapflow_store::clients::CaseloadScope { user, role },
                    None,
                    kapflow_domain::client::CaseloadSort::Name,
                    1,
                )
                .await
                .expect("caseload")
                .rows
                .into_iter()
                .find(|r| r.id == c)
                .map(|r| r.risk)
        };
        assert_eq!(
            listed(t, Role::Therapist).await,
            Some(Some(AlertLevel::High))
        );
        assert_eq!(listed(front, Role::FrontDesk).await, Some(None));
        assert_eq!(listed(owner, Role::Owner).await, Some(None));
        // The dashboards: the therapist's lists the care team's alerts, most serious first;
        // the owner's every open alert of the practice, saying the record needs break-glass;
        // another therapist's none.
        let dashboard = |user: UserId, everyone: bool| async move {
            db.store
                .alerts()
                .open(user, everyone, now_utc())
                .await
                .expect("open alerts")
                .into_iter()
                .map(|o| (o.alert.level, o.reachable))
                .collect::<Vec<_>>()
        };
        let levels = [AlertLevel::High, AlertLevel::Flag];
        assert_eq!(dashboard(t, false).await, levels.map(|l| (l, true)));
        assert_eq!(dashboard(owner, true).await, levels.map(|l| (l, false)));
        assert_eq!(dashboard(owner, false).await, vec![]);
        let (other, _) = person(db, "other@example.org", Role::Therapist).await;
        assert_eq!(dashboard(other, false).await, vec![]);
        // Acknowledging the high-risk alert leaves the flag; acknowledging that, nothing.
        let alerts = db.store.alerts().of_client(&seen(c)).await.expect("alerts");
        for level in levels {
            let a = alerts.iter().find(|a| a.level == level).expect("alert");
            assert_eq!(
                db.store
                    .alerts()
                    .acknowledge(
                        &clinician,
                        &[a.id],
                        "Called the client; safety plan reviewed",
                        &ta,
                        now_utc()
                    )
                    .await
                    .expect("ack"),
                1
            );
            let left = risk(clinician).await;
            match level {
                AlertLevel::High => {
                    let r = left.expect("the flag is still open");
                    assert_eq!((r.level, r.open), (AlertLevel::Flag, 1));
                    assert_eq!(r.raised.unix_timestamp(), t0.unix_timestamp());
                }
                _ => assert_eq!(left, None),
            }
        }
    }
);

store_test!(
    the_owner_closes_several_alerts_of_a_client_outside_the_care_team_with_one_note,
    async |db: &TestDb| {
        use kapflow_domain::access::Action;
        let (t, ta) = person(db, "t@example.org", Role::Therapist).await;
        let (owner, oa) = person(db, "owner@example.org", Role::Owner).await;
        let c = client(db, t, &["depression"]).await;
        let elsewhere = client(db, t, &["depression"]).await;
        let t0 = now_utc() - Duration::days(14);
        // The same answer twice a week apart, and once for another client.
        for (who, at) in [
            (c, t0),
            (c, t0 + Duration::days(7)),
            (elsewhere, t0 + Duration::days(7)),
        ] {
            assert!(
                db.store
                    .measures()
                    .add_request(&seen(who), "phq9", utc_today(at), &ta, at)
                    .await
                    .expect("scheduled")
            );
            let token = link_for(db, who, "phq9", &ta, at).await;
            let raised = submit(db, &token, &phq9([1, 1, 1, 1, 1, 1, 1, 1, 2]), at).await;
            assert!(matches!(raised, Submission::Recorded { alert: true, .. }));
        }
        let open = db
            .store
            .alerts()
            .open(owner, true, now_utc())
            .await
            .expect("open");
        assert_eq!(open.len(), 3, "the owner sees every open alert");
        assert!(open.iter().all(|o| !o.reachable));
        let mut ids: Vec<_> = open.iter().map(|o| o.alert.id).collect();
        // The owner is not on the care team: acknowledging needs no clinical access.
        let access = db
            .store
            .grant_for_tests(owner, Role::Owner, Action::AcknowledgeRiskAlert, c)
            .await
            .expect("the owner may close a risk alert of any client");
        assert!(access.clinical().is_none());
        ids.push(ids[0]);
        let note = "Reached the client by phone; safe; seen tomorrow";
        let closed = db
            .store
            .alerts()
            .acknowledge(&access, &ids, note, &oa, now_utc())
            .await
            .expect("ack");
        assert_eq!(closed, 2, "both of this client's, none of the other's");
        let again = db
            .store
            .alerts()
            .acknowledge(&access, &ids, note, &oa, now_utc())
            .await
            .expect("ack");
        assert_eq!(again, 0);
        let left = db
            .store
            .alerts()
            .open(owner, true, now_utc())
            .await
            .expect("open");
        assert_eq!(
            left.iter().map(|o| o.alert.client_id).collect::<Vec<_>>(),
            vec![elsewhere]
        );
        for a in db.store.alerts().of_client(&seen(c)).await.expect("all") {
            assert_eq!(a.ack_note.as_deref(), Some(note));
        }
        let audited = audit_rows(db, &action_filter("alert.acknowledged"), 10).await;
        assert_eq!(audited.len(), 2, "each closed alert is audited");
        assert!(
            audited
                .iter()
                .all(|r| r.entry.client_id == Some(c.to_string()))
        );
    }
);

/// The test practice's date (its zone is UTC unless a test chooses one).
fn utc_today(t: time::OffsetDateTime) -> time::Date {
    kapflow_domain::zone::PracticeZone::utc().today(t)
}
