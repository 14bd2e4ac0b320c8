//! A dosing session on both backends: it opens only through every gate, the monitor's entries
//! record once per key, vitals raise their alerts, the client is never left alone, and it
//! closes only by discharge (or the documented early end), moving the course to integration.

mod common;

use common::*;
use kapflow_domain::dosing::custody::{CustodyKind, NewCustodyEntry};
use kapflow_domain::dosing::discharge::{Checklist, DischargeSettings, DischargeUnmet, Ending};
use kapflow_domain::dosing::entries::{MeasuredBy, Observation, ObservationKind, VitalsEntry};
use kapflow_domain::dosing::gates::StartUnmet;
use kapflow_domain::dosing::presence::{Change, PresenceRefused};
use kapflow_domain::dosing::session::Status;
use kapflow_domain::dosing::vitals::{Level, Thresholds, Vitals};
use kapflow_domain::pathway::Stage;
use kapflow_domain::prescribing::DoseForm;
use kapflow_domain::time_util::now_utc;
use kapflow_domain::{ClientId, DosingSessionId};
use kapflow_store::dosing::{Closing, EntryRefused, Prepared, Recorded, StartRefused};
use kapflow_store::store_test;
use kapflow_store::testkit::TestDb;
use time::{Duration, OffsetDateTime};

fn vitals(systolic: u16, diastolic: u16, is_final: bool) -> VitalsEntry {
    VitalsEntry {
        vitals: Vitals {
            systolic,
            diastolic,
            heart_rate: 74,
            spo2: 98,
            respiratory_rate: None,
        },
        measured_by: MeasuredBy::Therapist,
        minutes_ago: 0,
        is_final,
    }
}

async fn prepared(db: &TestDb, c: ClientId, w: &World, now: OffsetDateTime) -> DosingSessionId {
    match db
        .store
        .dosing()
        .prepare(&seen(c), &w.t1.1, now)
        .await
        .expect("prepare")
    {
        Prepared::Session(id) => id,
        other => panic!("not prepared: {other:?}"),
    }
}

async fn custody(
    db: &TestDb,
    c: ClientId,
    w: &World,
    id: DosingSessionId,
    e: NewCustodyEntry,
    key: &str,
    now: OffsetDateTime,
) {
    db.store
        .custody()
        .record(&seen(c), id, key, &e, &w.t1.1, now)
        .await
        .expect("custody")
        .expect("logged");
}

fn brought() -> NewCustodyEntry {
    NewCustodyEntry {
        drug: Some("Ketamine HCl".into()),
        dose_form: Some(DoseForm::Troche),
        strength_ug: Some(100_000),
        count: Some(4),
        pharmacy: Some("Compounding Pharmacy".into()),
        rx_number: Some("RX-1".into()),
        ..NewCustodyEntry::empty(CustodyKind::Brought)
    }
}

store_test!(
    a_session_opens_through_every_gate_and_closes_by_discharge,
    async |db: &TestDb| {
        let w = world(db).await;
        let c = new_client(db, &w, "Ada Client", w.t1.0).await;
        ready_for_dosing(db, &w, c, WEEKLY_PLAN).await;
        let s = db.store.dosing();
        let t = Thresholds::default();
        let now = now_utc();
        let id = prepared(db, c, &w, now).await;
        // A second tap finds the same session.
        assert_eq!(prepared(db, c, &w, now).await, id);

        let refused = s
            .start(&seen(c), id, &t, &w.t1.1, now)
            .await
            .expect("start");
        assert_eq!(
            refused,
            Err(StartRefused::Gates(vec![
                StartUnmet::MedicationNotLogged,
                StartUnmet::NoPreDoseVitals,
                StartUnmet::PreDoseMeasuresMissing,
                StartUnmet::NoRideHome,
            ]))
        );
        custody(db, c, &w, id, brought(), "brought-1", now).await;
        // Above the pre-dose hold: the gate names it until a reason is given.
        s.vitals(
            &seen(c),
            id,
            "pre-1",
            &vitals(150, 95, false),
            now,
            &t,
            &w.t1.1,
            now,
        )
        .await
        .expect("v")
        .expect("pre-dose");
        let ride = kapflow_domain::dosing::entries::RideHome {
            name: "Sam Lee".into(),
            phone: None,
        };
        assert!(
            s.ride_home(&seen(c), id, &ride, &w.t1.1, now)
                .await
                .expect("ride")
        );
        assert!(
            s.skip_measures(
                &seen(c),
                id,
                "Client declined today, answered on Monday.",
                &w.t1.1,
                now
            )
            .await
            .expect("skip")
        );
        assert_eq!(
            s.gates(&seen(c), id, &t, now).await.expect("gates"),
            Some(vec![StartUnmet::VitalsHold])
        );
        assert!(
            s.override_hold(
                &seen(c),
                id,
                "Anxious on arrival; rechecked 138/88 by hand.",
                &w.t1.1,
                now
            )
            .await
            .expect("override")
        );
        s.start(&seen(c), id, &t, &w.t1.1, now)
            .await
            .expect("start")
            .expect("opened");
        assert_eq!(stage(db, c).await, Stage::Dosing);
        // Once open, pre-dose steps are closed.
        assert!(
            !s.ride_home(&seen(c), id, &ride, &w.t1.1, now)
                .await
                .expect("ride")
        );
        let dose = NewCustodyEntry {
            amount_ug: Some(100_000),
            held_minutes: Some(12),
            spat_out: Some("saliva".into()),
            disposal: Some("tissue, sealed bin".into()),
            ..NewCustodyEntry::empty(CustodyKind::Dose)
        };
        custody(db, c, &w, id, dose, "dose-1", now).await;

        // A reading above the session's alert line raises an alert, once per key.
        let at = now + Duration::minutes(40);
        for _ in 0..2 {
            assert!(matches!(
                s.vitals(
                    &seen(c),
                    id,
                    "v-40",
                    &vitals(165, 95, false),
                    at,
                    &t,
                    &w.t1.1,
                    at
                )
                .await
                .expect("v"),
                Ok(Recorded::New | Recorded::Already)
            ));
        }
        let m = s.monitor(&seen(c), id).await.expect("m").expect("session");
        assert_eq!(m.session.status, Status::Open);
        assert!(m.session.dosed_at.is_some(), "the dose starts the timeline");
        assert_eq!(m.vitals.len(), 2, "the retried entry recorded once");
        assert_eq!(m.alerts.len(), 1);
        assert_eq!(m.alerts[0].level, Level::Alert);
        assert!(
            m.alerts[0].source.contains("psychedelic"),
            "{}",
            m.alerts[0].source
        );
        s.acknowledge(
            &seen(c),
            id,
            m.alerts[0].id,
            "Rested, rechecked in 10 min.",
            &w.t1.1,
            at,
        )
        .await
        .expect("ack")
        .expect("acknowledged");
        assert_eq!(
            s.acknowledge(&seen(c), id, m.alerts[0].id, "again", &w.t1.1, at)
                .await
                .expect("ack"),
            Err(EntryRefused::AlreadyAcknowledged)
        );
        s.observe(
            &seen(c),
            id,
            "o-1",
            &Observation {
                kind: ObservationKind::Dissociation,
                cadss: Some(9),
                note: "Calm, eyes closed".into(),
                action: String::new(),
            },
            &w.t1.1,
            at,
        )
        .await
        .expect("o")
        .expect("observed");

        // Never alone: leaving without someone taking over is refused; a hand-over is not.
        let leave = s
            .presence(
                &seen(c),
                id,
                "p-1",
                Change::Leave,
                w.t1.0,
                None,
                &w.t1.1,
                at,
            )
            .await
            .expect("p");
        assert_eq!(
            leave,
            Err(EntryRefused::Presence(PresenceRefused::WouldBeAlone))
        );
        assert_eq!(
            s.presence(
                &seen(c),
                id,
                "p-2",
                Change::Handover,
                w.t1.0,
                Some(w.p1.0),
                &w.t1.1,
                at
            )
            .await
            .expect("p"),
            Err(EntryRefused::NotAColleague),
            "only a clinician of the practice takes over"
        );
        s.presence(
            &seen(c),
            id,
            "p-3",
            Change::Handover,
            w.t1.0,
            Some(w.t2.0),
            &w.t1.1,
            at,
        )
        .await
        .expect("p")
        .expect("handed over");

        // Discharge: too soon and without final vitals, each named; then it closes.
        let all = Checklist {
            alert_and_oriented: true,
            tolerating_fluids: true,
            little_or_no_nausea: true,
            ride_home_present: true,
            aftercare_given: true,
        };
        let d = DischargeSettings::default();
        let early = s
            .close(&seen(c), id, &Ending::Discharged, &all, &d, &w.t2.1, at)
            .await
            .expect("close");
        assert_eq!(
            early,
            Err(Closing::Unmet(vec![
                DischargeUnmet::NoFinalVitals,
                DischargeUnmet::TooSoon
            ]))
        );
        let end = now + Duration::minutes(130);
        s.vitals(
            &seen(c),
            id,
            "final",
            &vitals(132, 84, true),
            end,
            &t,
            &w.t2.1,
            end,
        )
        .await
        .expect("v")
        .expect("final");
        s.close(&seen(c), id, &Ending::Discharged, &all, &d, &w.t2.1, end)
            .await
            .expect("close")
            .expect("discharged");
        assert_eq!(stage(db, c).await, Stage::Integration);
        let m = s.monitor(&seen(c), id).await.expect("m").expect("session");
        assert_eq!(m.session.status, Status::Closed);
        assert!(m.presence.last().is_some_and(|p| p.change == Change::End));
        // Nothing more is taken on a closed session.
        assert_eq!(
            s.vitals(
                &seen(c),
                id,
                "late",
                &vitals(120, 80, false),
                end,
                &t,
                &w.t2.1,
                end
            )
            .await
            .expect("v"),
            Err(EntryRefused::NotTakingEntries)
        );
        // The next session can be prepared, but not opened a day later (the plan asks 7).
        let next = prepared(db, c, &w, end).await;
        assert_ne!(next, id);
        let f = s
            .gates(&seen(c), next, &t, end + Duration::days(1))
            .await
            .expect("g");
        assert!(f.is_some_and(|u| u.contains(&StartUnmet::TooSoonAfterLastSession)));
        // The session's steps are in the audit trail.
        for action in [
            "dosing.prepared",
            "dosing.opened",
            "dosing.vitals",
            "dosing.closed",
            "dosing.vitals_override",
        ] {
            assert!(
                !audit_rows(db, &action_filter(action), 10).await.is_empty(),
                "{action}"
            );
        }
    }
);

store_test!(
    an_early_end_needs_its_reason_and_final_vitals_and_another_client_sees_nothing,
    async |db: &TestDb| {
        let w = world(db).await;
        let c = new_client(db, &w, "Ada Client", w.t1.0).await;
        let other = new_client(db, &w, "Bo Client", w.t2.0).await;
        ready_for_dosing(db, &w, c, WEEKLY_PLAN).await;
        let s = db.store.dosing();
        let t = Thresholds::default();
        let now = now_utc();
        let id = prepared(db, c, &w, now).await;
        custody(db, c, &w, id, brought(), "b", now).await;
        s.vitals(
            &seen(c),
            id,
            "pre",
            &vitals(120, 80, false),
            now,
            &t,
            &w.t1.1,
            now,
        )
        .await
        .expect("v")
        .expect("pre");
        let ride = kapflow_domain::dosing::entries::RideHome {
            name: "Sam".into(),
            phone: None,
        };
        s.ride_home(&seen(c), id, &ride, &w.t1.1, now)
            .await
            .expect("ride");
        s.skip_measures(
            &seen(c),
            id,
            "Answered by phone this morning.",
            &w.t1.1,
            now,
        )
        .await
        .expect("skip");
        s.start(&seen(c), id, &t, &w.t1.1, now)
            .await
            .expect("s")
            .expect("open");
        // Another client's proof cannot reach this session.
        assert!(s.monitor(&seen(other), id).await.expect("m").is_none());
        // A photo of the label: kept with the session, only for this client.
        let png = [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 1, 2, 3];
        let photo = s
            .add_label_photo(&seen(c), id, "image/png", &png, &w.t1.1, now)
            .await
            .expect("photo")
            .expect("kept");
        assert_eq!(s.label_photos(&seen(c), id).await.expect("list").len(), 1);
        assert_eq!(
            s.label_photo(&seen(c), id, photo).await.expect("get"),
            Some(("image/png".to_owned(), png.to_vec()))
        );
        assert_eq!(
            s.label_photo(&seen(other), id, photo).await.expect("get"),
            None
        );
        assert!(
            s.add_label_photo(&seen(other), id, "image/png", &png, &w.t2.1, now)
                .await
                .expect("photo")
                .is_none()
        );
        assert!(
            raw_sql_fails(
                db,
                "UPDATE custody_label_photos SET content_type = 'image/jpeg'"
            )
            .await,
            "label photos are append-only"
        );
        assert_eq!(
            s.vitals(
                &seen(other),
                id,
                "x",
                &vitals(120, 80, false),
                now,
                &t,
                &w.t2.1,
                now
            )
            .await
            .expect("v"),
            Err(EntryRefused::NotFound)
        );
        let d = DischargeSettings::default();
        let none = Checklist::default();
        let blank = Ending::EarlyEnd { reason: " ".into() };
        assert_eq!(
            s.close(&seen(c), id, &blank, &none, &d, &w.t1.1, now)
                .await
                .expect("c"),
            Err(Closing::Unmet(vec![
                DischargeUnmet::NoFinalVitals,
                DischargeUnmet::ReasonRequired
            ]))
        );
        // An urgent reading during the session raises an urgent alert.
        s.vitals(
            &seen(c),
            id,
            "urgent",
            &vitals(185, 100, true),
            now,
            &t,
            &w.t1.1,
            now,
        )
        .await
        .expect("v")
        .expect("urgent");
        let m = s.monitor(&seen(c), id).await.expect("m").expect("s");
        assert_eq!(m.alerts[0].level, Level::Urgent);
        let why = Ending::EarlyEnd {
            reason: "Transferred to emergency care by ambulance.".into(),
        };
        s.close(&seen(c), id, &why, &none, &d, &w.t1.1, now)
            .await
            .expect("c")
            .expect("ended early");
        assert_eq!(stage(db, c).await, Stage::Integration);
    }
);
