//! One course of treatment through every gate, and versioned consents, on both backends.

mod common;

use common::*;
use kapflow_domain::Role;
use kapflow_domain::access::Relationship;
use kapflow_domain::client::{CaseloadSort, Sensitivity};
use kapflow_domain::consent::{ConsentKind, NewDocument, Signature};
use kapflow_domain::intake::IntakeForm;
use kapflow_domain::pathway::{Stage, Transition, Unmet};
use kapflow_domain::preparation::{CHECKLIST, PreparationForm};
use kapflow_domain::prescribing::plan::DosingPlan;
use kapflow_domain::prescribing::{
    Decision, DoseAnswer, DoseChangeAnswer, DoseForm, Evaluation, Prescription, Shipment,
};
use kapflow_domain::time_util::now_utc;
use kapflow_store::access::for_tests;
use kapflow_store::assessment::Saved;
use kapflow_store::clients::CaseloadScope;
use kapflow_store::consents::Signed;
use kapflow_store::prescribing::Refused;
use kapflow_store::store_test;
use kapflow_store::testkit::TestDb;
use time::Duration;

/// How many clients a prescriber's list shows.
async fn listed_for(db: &TestDb, prescriber: kapflow_domain::UserId) -> i64 {
    db.store
        .clients()
        .caseload(
            CaseloadScope {
                user: prescriber,
                role: Role::Prescriber,
            },
            None,
            CaseloadSort::Name,
            1,
        )
        .await
        .expect("caseload")
        .total
}

store_test!(
    a_course_reaches_ready_for_dosing_only_through_every_gate,
    async |db: &TestDb| {
        let w = world(db).await;
        let s = &db.store;
        let c = new_client(db, &w, "Ada Client", w.t1.0).await;
        let now = now_utc();
        let t = &w.t1.1;
        let transition = |to: Transition| async move {
            s.courses()
                .transition(&for_tests(c), &to, t, now)
                .await
                .expect("t")
                .expect("course")
        };
        let advance = |to| transition(Transition::Advance(to));
        let save_intake = |form: IntakeForm, complete: bool| async move {
            s.assessment()
                .save_intake(&for_tests(c), &form, Sensitivity::General, complete, t, now)
                .await
                .expect("intake")
        };
        let review_screening = || async move {
            s.assessment()
                .review_screening(&for_tests(c), t, now)
                .await
                .expect("review")
        };
        // Assessment → preparation needs a completed intake and a reviewed screening.
        let refused = advance(Stage::Preparation).await.expect_err("refused");
        assert_eq!(
            refused.reasons,
            vec![Unmet::IntakeIncomplete, Unmet::ScreeningNotReviewed]
        );
        assert_eq!(
            save_intake(IntakeForm::default(), false).await,
            Saved::Saved
        );
        assert_eq!(review_screening().await, Saved::WrongStage);
        assert_eq!(save_intake(completed_intake(), true).await, Saved::Saved);
        assert_eq!(
            save_intake(IntakeForm::default(), false).await,
            Saved::Locked
        );
        let course = current_course(db, c).await;
        let intake = s
            .assessment()
            .intake(&seen(c), course.id)
            .await
            .expect("i")
            .expect("intake");
        assert_eq!(intake.form.expect("readable").bp_systolic, "150");
        assert!(intake.completed.is_some());
        assert_eq!(review_screening().await, Saved::Saved);
        assert_eq!(advance(Stage::Preparation).await, Ok(Stage::Preparation));
        // No skipping, and the refusal says so.
        assert_eq!(
            advance(Stage::ReadyForDosing)
                .await
                .expect_err("refused")
                .reasons,
            vec![Unmet::NotTheNextStage]
        );

        // Referral needs consents and the readiness sign-off; nothing is kept when refused.
        let refused = s
            .prescribing()
            .refer(&for_tests(c), w.org1, t, now)
            .await
            .expect("refer")
            .expect_err("refused");
        let Refused::Because(reasons) = refused else {
            panic!("not found")
        };
        assert_eq!(
            reasons,
            vec![
                Unmet::KapConsentMissing.message(),
                Unmet::ReleaseOfInformationMissing.message(),
                Unmet::PreparationNotSignedOff.message(),
            ]
        );
        assert!(
            s.prescribing()
                .referral(&seen(c), course.id)
                .await
                .expect("r")
                .is_none()
        );
        assert_eq!(listed_for(db, w.p1.0).await, 0);
        let prep = PreparationForm {
            intentions: "Less fear".into(),
            discussed: CHECKLIST.iter().map(|(k, _)| k.to_string()).collect(),
            notes: String::new(),
        };
        for (sign_off, saved) in [(true, Saved::Saved), (false, Saved::Locked)] {
            assert_eq!(
                s.assessment()
                    .save_preparation(&for_tests(c), &prep, sign_off, t, now)
                    .await
                    .expect("prep"),
                saved
            );
        }
        sign(db, &w, c, ConsentKind::Kap).await;
        let roi = sign(db, &w, c, ConsentKind::ReleaseOfInformation).await;
        assert_eq!(
            s.prescribing()
                .refer(&for_tests(c), w.org1, t, now)
                .await
                .expect("refer"),
            Ok(())
        );
        assert_eq!(stage(db, c).await, Stage::MedicalEvaluation);

        // Only the referred organisation's prescriber sees and acts.
        let p1 = &w.p1.1;
        let p2 = &w.p2.1;
        assert_eq!(
            relationship(db, w.p1.0, Role::Prescriber, c, now).await,
            Relationship::ReferredPrescriber
        );
        assert_eq!(
            relationship(db, w.p2.0, Role::Prescriber, c, now).await,
            Relationship::None
        );
        assert_eq!(listed_for(db, w.p1.0).await, 1);
        assert_eq!(listed_for(db, w.p2.0).await, 0);
        let today = kapflow_domain::zone::PracticeZone::utc().today(now);
        let eligible = Evaluation {
            decision: Decision::Eligible,
            reasons: "No contraindication; BP to recheck on the day.".into(),
            valid_until: Some(today + Duration::days(180)),
        };
        // The other organisation's prescriber is refused; so is a therapist (no organisation),
        // who can never prescribe or evaluate.
        for (by, outcome) in [
            (p2, Err(Refused::NotFound)),
            (t, Err(Refused::NotFound)),
            (p1, Ok(())),
        ] {
            assert_eq!(
                s.prescribing()
                    .record_evaluation(&for_tests(c), &eligible, by, now)
                    .await
                    .expect("eval"),
                outcome
            );
        }
        assert_eq!(stage(db, c).await, Stage::Medication);
        let rx = Prescription {
            drug: "Ketamine HCl".into(),
            form: DoseForm::Troche,
            strength_mg: 100,
            quantity: 6,
            directions: "One in session".into(),
            pharmacy: "Compounding Pharmacy".into(),
            plan: DosingPlan {
                sessions_planned: 6,
                min_days_between: 7,
                dose_ug: 200_000,
                split_allowed: true,
                booster_ug: Some(50_000),
            },
        };
        assert_eq!(
            s.prescribing()
                .prescribe(&for_tests(c), &rx, t, now)
                .await
                .expect("rx"),
            Err(Refused::NotFound)
        );
        s.prescribing()
            .prescribe(&for_tests(c), &rx, p1, now)
            .await
            .expect("rx")
            .expect("prescribed");
        let ship = Shipment {
            carrier: "UPS".into(),
            tracking_number: "1Z999".into(),
            shipped_on: today,
        };
        s.prescribing()
            .record_shipment(&for_tests(c), &ship, p1, now)
            .await
            .expect("ship")
            .expect("shipped");
        let shipment = s
            .prescribing()
            .shipments(&seen(c), course.id)
            .await
            .expect("s")[0]
            .id;
        for (by, outcome) in [(p2, Err(Refused::NotFound)), (p1, Ok(()))] {
            assert_eq!(
                s.prescribing()
                    .record_receipt(&for_tests(c), shipment, by, now)
                    .await
                    .expect("r"),
                outcome
            );
        }
        assert_eq!(stage(db, c).await, Stage::ReadyForDosing);
        let history = s.courses().history(&seen(c), course.id).await.expect("h");
        let stages: Vec<_> = history.iter().map(|h| h.to_stage.as_str()).collect();
        assert_eq!(
            stages,
            vec![
                "assessment",
                "preparation",
                "medical_evaluation",
                "medication",
                "ready_for_dosing"
            ]
        );

        // A dose change is a request by the therapist and a new prescription by the prescriber.
        let req = s
            .prescribing()
            .request_dose_change(
                &for_tests(c),
                "Client felt little at 100 mg; consider 150 mg.",
                t,
                now,
            )
            .await
            .expect("req")
            .expect("made");
        let answer = DoseChangeAnswer {
            answer: DoseAnswer::Approved,
            note: "Go to 150".into(),
            new_strength_mg: Some(150),
        };
        // Not the therapist's to answer; the prescriber answers once.
        for (by, outcome) in [
            (t, Err(Refused::NotFound)),
            (p1, Ok(())),
            (p1, Err(Refused::NotFound)),
        ] {
            assert_eq!(
                s.prescribing()
                    .answer_dose_change(&for_tests(c), req, &answer, by, now)
                    .await
                    .expect("a"),
                outcome
            );
        }
        let rxs = s
            .prescribing()
            .prescriptions(&seen(c), course.id)
            .await
            .expect("rx");
        assert_eq!(rxs.len(), 2);
        assert_eq!(
            (rxs[0].strength_mg, rxs[0].superseded_at.is_none()),
            (150, true)
        );
        assert!(rxs[1].superseded_at.is_some());
        // The approved strength is the new dose per session; the rest of the plan carries over.
        assert_eq!(
            rxs[0].plan().expect("plan"),
            DosingPlan {
                sessions_planned: 6,
                min_days_between: 7,
                dose_ug: 150_000,
                split_allowed: true,
                booster_ug: Some(50_000),
            }
        );
        assert_eq!(rxs[1].plan().expect("plan").dose_ug, 200_000);

        // Revoking the release of information ends the prescriber's view (once).
        for (reason, revoked) in [("Client withdrew the release", true), ("again", false)] {
            assert_eq!(
                s.consents()
                    .revoke(&for_tests(c), roi, reason, t, now)
                    .await
                    .expect("revoke"),
                revoked
            );
        }
        assert_eq!(
            relationship(db, w.p1.0, Role::Prescriber, c, now).await,
            Relationship::None
        );
        // …and takes the client off the prescriber's list, not only out of reach.
        assert_eq!(listed_for(db, w.p1.0).await, 0);

        // Discontinuing needs a reason; a new course starts at assessment.
        let discontinue = |reason: &str| Transition::Discontinue {
            reason: reason.into(),
        };
        let start_new = || async move {
            s.courses()
                .start_new(&for_tests(c), t, now)
                .await
                .expect("new")
        };
        assert_eq!(
            transition(discontinue(" "))
                .await
                .expect_err("refused")
                .reasons,
            vec![Unmet::ReasonRequired]
        );
        assert!(!start_new().await);
        assert_eq!(
            transition(discontinue("Moved away")).await,
            Ok(Stage::Discontinued)
        );
        assert!(start_new().await);
        assert_eq!(stage(db, c).await, Stage::Assessment);
        assert_eq!(
            s.courses().all(&for_tests(c)).await.expect("courses").len(),
            2
        );
        let _ = &w.owner;
    }
);

store_test!(
    consents_are_versioned_and_a_new_version_must_be_signed_again,
    async |db: &TestDb| {
        let w = world(db).await;
        let s = &db.store;
        let now = now_utc();
        let c = new_client(db, &w, "Ada Client", w.t1.0).await;
        sign(db, &w, c, ConsentKind::Kap).await;
        current_course(db, c).await;
        let facts = || async move {
            s.courses()
                .facts(&seen(c), now)
                .await
                .expect("f")
                .expect("course")
                .1
        };
        let signed = facts().await;
        assert!(signed.kap_consent && !signed.release_of_information);
        let v2 = s
            .consents()
            .add_document(
                &NewDocument {
                    kind: ConsentKind::Kap,
                    title: "KAP consent".into(),
                    body: "Revised text.".into(),
                },
                &w.owner.1,
                now,
            )
            .await
            .expect("v2");
        assert_eq!(v2, Some(2));
        assert!(
            !facts().await.kap_consent,
            "an older version is not current"
        );
        let old = w
            .docs
            .iter()
            .find(|(k, _)| *k == ConsentKind::Kap)
            .expect("kap")
            .1;
        let sig = Signature {
            typed_name: "Ada Client".into(),
            signed_on: kapflow_domain::zone::PracticeZone::utc().today(now),
        };
        assert_eq!(
            s.consents()
                .sign(&for_tests(c), old, &sig, &w.t1.1, now)
                .await
                .expect("sign"),
            Some(Signed::Outdated)
        );
        let sigs = s.consents().signatures(&seen(c)).await.expect("sigs");
        assert_eq!(sigs.len(), 1);
        assert!(!sigs[0].is_current());
        assert_eq!(
            sigs[0].sha256,
            kapflow_domain::consent::text_sha256("I consent: KAP informed consent.")
        );
        // Stored documents, signatures and transitions cannot be edited in place.
        for sql in [
            "UPDATE consent_documents SET body = 'changed'",
            "UPDATE consent_signatures SET typed_name = 'Someone else'",
            "DELETE FROM consent_signatures",
            "DELETE FROM course_transitions",
            "UPDATE course_transitions SET reason = 'x'",
        ] {
            assert!(raw_sql_fails(db, sql).await, "{sql}");
        }
    }
);

store_test!(
    documents_published_at_the_same_moment_never_fail_and_never_share_a_number,
    async |db: &TestDb| {
        let w = world(db).await;
        let s = &db.store;
        let publish = |n: usize| {
            let owner = w.owner.1.clone();
            async move {
                s.consents()
                    .add_document(
                        &NewDocument {
                            kind: ConsentKind::Kap,
                            title: "KAP consent".into(),
                            body: format!("Revision {n}."),
                        },
                        &owner,
                        now_utc(),
                    )
                    .await
            }
        };
        // On PostgreSQL these race for the same next number; on SQLite they queue.
        let (a, b, c, d) = tokio::join!(publish(0), publish(1), publish(2), publish(3));
        let mut published: Vec<i64> = [a, b, c, d]
            .into_iter()
            .filter_map(|r| r.expect("a clash is an answer, not an error"))
            .collect();
        published.sort_unstable();
        let mut stored: Vec<i64> = s
            .consents()
            .documents()
            .await
            .expect("docs")
            .into_iter()
            .filter(|d| d.kind == ConsentKind::Kap && d.version > 1)
            .map(|d| d.version)
            .collect();
        stored.sort_unstable();
        assert_eq!(published, stored, "every number reported was stored, once");
        assert!(!published.is_empty());
    }
);

store_test!(
    check_names_every_stored_form_it_cannot_read,
    async |db: &TestDb| {
        let w = world(db).await;
        let s = &db.store;
        let c = new_client(db, &w, "Ada Client", w.t1.0).await;
        s.assessment()
            .save_intake(
                &for_tests(c),
                &IntakeForm::default(),
                Sensitivity::General,
                false,
                &w.t1.1,
                now_utc(),
            )
            .await
            .expect("draft");
        let sound = s.check().await.expect("check");
        assert!(sound.is_ok() && sound.unreadable.is_empty(), "{sound:?}");
        kapflow_store::testkit::raw_execute(db, "UPDATE intakes SET form_json = '[1, 2]'")
            .await
            .expect("damage");
        let report = s.check().await.expect("check");
        assert!(!report.is_ok());
        let course = current_course(db, c).await;
        assert_eq!(
            report.unreadable,
            vec![kapflow_store::check::UnreadableRecord {
                what: "intake of course",
                id: course.id.as_uuid()
            }]
        );
    }
);

store_test!(
    a_course_goes_through_dosing_and_integration_to_completed_with_its_history,
    async |db: &TestDb| {
        use kapflow_domain::dosing::gates::{PreDoseMeasures, StartFacts, start};
        use kapflow_domain::dosing::vitals::{Thresholds, Vitals};
        use kapflow_domain::pathway::Eligibility;
        let w = world(db).await;
        let s = &db.store;
        let c = new_client(db, &w, "Dee Dosing", w.t1.0).await;
        let now = now_utc() + Duration::minutes(1);
        // The pages that bring a course to "ready for dosing" are tested above; here it starts
        // there.
        kapflow_store::testkit::raw_execute(db, "UPDATE courses SET stage = 'ready_for_dosing'")
            .await
            .expect("ready");
        let today = kapflow_domain::zone::PracticeZone::utc().today(now);
        let facts = |plan| StartFacts {
            plan,
            ..StartFacts {
                today,
                kap_consent: true,
                eligibility: Some(Eligibility::Eligible {
                    valid_until: today + Duration::days(90),
                }),
                plan: None,
                medication_logged_today: true,
                pre_dose_vitals: Some(Vitals {
                    systolic: 120,
                    diastolic: 80,
                    heart_rate: 70,
                    spo2: 98,
                    respiratory_rate: None,
                }),
                vitals_override: None,
                open_high_risk_alert: false,
                pre_dose_measures: PreDoseMeasures::Done,
                ride_home_confirmed: true,
            }
        };
        assert!(
            start(&facts(None), &Thresholds::default()).is_err(),
            "no prescription, no session"
        );
        let proof = start(
            &facts(Some(kapflow_domain::dosing::gates::Plan {
                sessions_allowed: 6,
                sessions_held: 0,
                min_days_between: 7,
                last_session_on: None,
            })),
            &Thresholds::default(),
        )
        .expect("every gate holds");
        let requests_before = s.measures().requests(&seen(c)).await.expect("r").len();
        let go = async |t: Transition, at| {
            s.courses()
                .transition(&for_tests(c), &t, &w.t1.1, at)
                .await
                .expect("store")
                .expect("course")
        };
        for (i, (t, to)) in [
            (Transition::SessionOpened(proof.clone()), Stage::Dosing),
            (Transition::SessionClosed, Stage::Integration),
            (Transition::SessionOpened(proof.clone()), Stage::Dosing),
            (Transition::SessionClosed, Stage::Integration),
            (Transition::Complete, Stage::Completed),
        ]
        .into_iter()
        .enumerate()
        {
            assert_eq!(go(t, now + Duration::minutes(i as i64)).await, Ok(to));
            assert_eq!(stage(db, c).await, to);
        }
        assert_eq!(
            go(Transition::SessionOpened(proof), now + Duration::hours(1))
                .await
                .expect_err("ended")
                .reasons,
            vec![Unmet::CourseEnded]
        );
        let course = current_course(db, c).await;
        assert!(course.closed_at.is_some(), "a completed course is closed");
        let history = s.courses().history(&seen(c), course.id).await.expect("h");
        let stages: Vec<_> = history.iter().map(|h| h.to_stage.as_str()).collect();
        assert_eq!(
            &stages[stages.len() - 5..],
            [
                "dosing",
                "integration",
                "dosing",
                "integration",
                "completed"
            ]
        );
        assert!(
            s.measures().requests(&seen(c)).await.expect("r").len() > requests_before,
            "completing a course schedules the follow-up questionnaires"
        );
        assert!(
            s.courses()
                .start_new(&for_tests(c), &w.t1.1, now + Duration::hours(2))
                .await
                .expect("new"),
            "a new course can start after a completed one"
        );
        assert_eq!(stage(db, c).await, Stage::Assessment);
    }
);
