//! The medication custody log's rules on both databases (docs/domain.md §6): a dose or
//! booster only as the prescription allows, counts handed back, witnesses, corrections, the
//! session's state, and one entry per monitor key.

mod common;
mod custody_fixtures;

use common::*;
use custody_fixtures::*;
use kapflow_domain::UserId;
use kapflow_domain::dosing::custody::CustodyKind;
use kapflow_domain::dosing::custody::chain::parse_audit_reason;
use kapflow_domain::dosing::custody::dose::DoseRefused;
use kapflow_domain::dosing::session::Status;
use kapflow_domain::time_util::now_utc;
use kapflow_store::custody::CustodyRefused;
use kapflow_store::store_test;
use kapflow_store::testkit::TestDb;
use time::Duration;

store_test!(
    doses_are_logged_only_as_the_prescription_allows,
    async |db: &TestDb| {
        let w = world(db).await;
        let c = new_client(db, &w, "Ada Client", w.t1.0).await;
        let course = current_course(db, c).await.id;
        let rx = prescription(db, course, w.p1.0, None, true, Some(20_000)).await;
        let s = session(db, c, 1, Some(rx), w.t1.0, Status::Preparing).await;
        let t = &w.t1.1;
        let now = now_utc();
        let b = log(db, c, s, &brought(6), t, now).await.expect("brought");
        assert_eq!((b.entry.seq, b.session_number), (1, 1));
        assert_eq!(b.client_name, "Ada Client");
        assert_eq!(
            log(db, c, s, &taken(CustodyKind::Dose, 50_000), t, now).await,
            Err(CustodyRefused::NotNow {
                kind: CustodyKind::Dose,
                status: Status::Preparing
            })
        );
        set_status(db, s, Status::Open).await;
        assert!(!dosed_at_is_first_dose(db, s).await, "no dose yet");
        let first = now + Duration::minutes(1);
        log(db, c, s, &taken(CustodyKind::Dose, 60_000), t, first)
            .await
            .expect("the first part");
        let refused = log(db, c, s, &taken(CustodyKind::Dose, 50_000), t, now)
            .await
            .expect_err("over the prescribed 100 mg");
        assert_eq!(
            refused,
            CustodyRefused::DoseRefused(DoseRefused::OverDose {
                prescribed_ug: 100_000,
                taken_ug: 60_000,
                asked_ug: 50_000
            })
        );
        assert!(
            refused.message().contains("at most 40 mg more"),
            "{}",
            refused.message()
        );
        log(
            db,
            c,
            s,
            &taken(CustodyKind::Dose, 40_000),
            t,
            first + Duration::minutes(5),
        )
        .await
        .expect("the second part");
        assert!(matches!(
            log(db, c, s, &taken(CustodyKind::Booster, 25_000), t, now).await,
            Err(CustodyRefused::DoseRefused(DoseRefused::OverBooster { .. }))
        ));
        log(db, c, s, &taken(CustodyKind::Booster, 20_000), t, now)
            .await
            .expect("the booster");
        assert_eq!(
            log(db, c, s, &taken(CustodyKind::Booster, 1_000), t, now).await,
            Err(CustodyRefused::DoseRefused(
                DoseRefused::BoosterAlreadyTaken
            ))
        );
        // The first dose set the session's zero and the later part left it.
        assert!(dosed_at_is_first_dose(db, s).await);
        assert_eq!(
            log(db, c, s, &counted(CustodyKind::Returned, 7), t, now).await,
            Err(CustodyRefused::ReturnedMoreThanBrought {
                brought: 6,
                returned: 7
            })
        );
        log(db, c, s, &counted(CustodyKind::Returned, 3), t, now)
            .await
            .expect("some back");
        assert!(
            log(db, c, s, &counted(CustodyKind::Returned, 4), t, now)
                .await
                .is_err(),
            "3 + 4 is more than the 6 brought"
        );
        set_status(db, s, Status::Closed).await;
        assert!(matches!(
            log(db, c, s, &taken(CustodyKind::Dose, 1), t, now).await,
            Err(CustodyRefused::NotNow { .. })
        ));
        log(
            db,
            c,
            s,
            &noted(CustodyKind::Attested, "My own medication; 3 back.", None),
            t,
            now,
        )
        .await
        .expect("attested after the close");

        // Corrections name an entry of this client's log.
        let other = new_client(db, &w, "Bea Other", w.t1.0).await;
        let other_course = current_course(db, other).await.id;
        let other_rx = prescription(db, other_course, w.p1.0, None, false, None).await;
        let os = session(db, other, 1, Some(other_rx), w.t1.0, Status::Open).await;
        let theirs = log(db, other, os, &brought(2), t, now)
            .await
            .expect("theirs");
        for wrong in [theirs.entry.seq, 999] {
            assert_eq!(
                log(
                    db,
                    c,
                    s,
                    &noted(CustodyKind::Correction, "x", Some(wrong)),
                    t,
                    now
                )
                .await,
                Err(CustodyRefused::CorrectsUnknown)
            );
        }
        let fix = log(
            db,
            c,
            s,
            &noted(
                CustodyKind::Correction,
                "The count brought was 6, not 5.",
                Some(1),
            ),
            t,
            now,
        )
        .await
        .expect("correction");
        assert_eq!(fix.entry.what.corrects_seq, Some(1));
        // No split without the prescription's leave, and nothing on a cancelled session.
        assert_eq!(
            log(db, other, os, &taken(CustodyKind::Dose, 50_000), t, now)
                .await
                .map(|_| ()),
            Ok(())
        );
        assert_eq!(
            log(db, other, os, &taken(CustodyKind::Dose, 10_000), t, now).await,
            Err(CustodyRefused::DoseRefused(DoseRefused::NotSplit))
        );
        assert_eq!(
            log(db, other, os, &taken(CustodyKind::Booster, 10_000), t, now).await,
            Err(CustodyRefused::DoseRefused(
                DoseRefused::NoBoosterPrescribed
            ))
        );
        set_status(db, os, Status::Cancelled).await;
        let refused = log(db, other, os, &counted(CustodyKind::Returned, 1), t, now)
            .await
            .expect_err("cancelled");
        assert!(refused.message().contains("cancelled"));
        // Another client's session is not found through this client's access.
        assert_eq!(
            log(db, c, os, &brought(1), t, now).await,
            Err(CustodyRefused::NotFound)
        );

        // Each entry's audit row names its number and hash; refusals are audited too.
        let rows = db
            .store
            .custody()
            .for_session(&seen(c), s)
            .await
            .expect("rows");
        assert_eq!(
            rows.iter().map(|r| r.entry.seq).collect::<Vec<_>>(),
            vec![1, 2, 3, 4, 5, 6, 8],
            "in order; 7 and 9 are the other client's"
        );
        let recorded = audit_rows(db, &action_filter("custody.recorded"), 100).await;
        assert_eq!(recorded.len(), 9);
        for r in &rows {
            let a = recorded
                .iter()
                .find(|a| a.entry.record_id.as_deref() == Some(r.entry.seq.to_string().as_str()))
                .expect("its audit row");
            assert_eq!(a.entry.client_id, Some(c.to_string()));
            let (seq, hash) =
                parse_audit_reason(a.entry.reason.as_deref().unwrap_or_default()).expect("reason");
            assert_eq!((seq, hash), (r.entry.seq, r.hash.clone()));
        }
        let refusals = audit_rows(db, &action_filter("custody.refused"), 100).await;
        assert!(refusals.len() >= 10, "{}", refusals.len());
        assert_eq!(db.store.custody().verify().await.expect("verify"), Ok(9));
    }
);

store_test!(the_same_key_records_once, async |db: &TestDb| {
    let w = world(db).await;
    let c = new_client(db, &w, "Ada Client", w.t1.0).await;
    let s = session(db, c, 1, None, w.t1.0, Status::Preparing).await;
    let custody = db.store.custody();
    let first = custody
        .record(&seen(c), s, "key-1", &brought(6), &w.t1.1, now_utc())
        .await
        .expect("store")
        .expect("logged");
    let again = custody
        .record(&seen(c), s, "key-1", &brought(5), &w.t2.1, now_utc())
        .await
        .expect("store")
        .expect("answered");
    assert_eq!(again, first, "the first entry answers");
    set_status(db, s, Status::Cancelled).await;
    let late = custody
        .record(&seen(c), s, "key-1", &brought(5), &w.t1.1, now_utc())
        .await
        .expect("store");
    assert_eq!(
        late,
        Ok(first),
        "a retry after the session ended still finds its entry"
    );
    assert_eq!(
        custody.for_session(&seen(c), s).await.expect("rows").len(),
        1
    );
    assert_eq!(
        audit_rows(db, &action_filter("custody.recorded"), 10)
            .await
            .len(),
        1
    );
});

store_test!(
    a_dose_needs_a_witness_where_the_practice_requires_one,
    async |db: &TestDb| {
        let w = world(db).await;
        let c = new_client(db, &w, "Ada Client", w.t1.0).await;
        let course = current_course(db, c).await.id;
        let rx = prescription(db, course, w.p1.0, Some(80_000), false, None).await;
        let s = session(db, c, 1, Some(rx), w.t1.0, Status::Open).await;
        let (t, now) = (&w.t1.1, now_utc());
        let mut tx = db.store.begin().await.expect("tx");
        kapflow_store::settings::put(
            &mut tx,
            kapflow_store::settings::keys::CUSTODY_WITNESS_REQUIRED,
            "true",
            now,
        )
        .await
        .expect("setting");
        tx.commit().await.expect("commit");
        let mut dose = taken(CustodyKind::Dose, 80_000);
        assert_eq!(
            log(db, c, s, &dose, t, now).await,
            Err(CustodyRefused::WitnessRequired)
        );
        log(db, c, s, &brought(1), t, now)
            .await
            .expect("only what is taken needs one");
        dose.witness = Some(w.t1.0);
        assert_eq!(
            log(db, c, s, &dose, t, now).await,
            Err(CustodyRefused::WitnessNotStaff),
            "not the person recording"
        );
        dose.witness = Some(UserId::new());
        assert_eq!(
            log(db, c, s, &dose, t, now).await,
            Err(CustodyRefused::WitnessNotStaff)
        );
        dose.witness = Some(w.front.0);
        let row = log(db, c, s, &dose, t, now).await.expect("witnessed");
        assert_eq!(row.witness_name.as_deref(), Some("front@example.org"));
        assert_eq!(
            row.entry.what.amount_ug,
            Some(80_000),
            "the prescription's own dose"
        );
    }
);
