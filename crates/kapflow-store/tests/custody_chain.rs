//! The custody log's chain and reports on both databases: entries changed, re-hashed or cut
//! by someone with database access are named, concurrent writers chain one after another, and
//! a month of sessions reads back as a hand count says.

mod common;
mod custody_fixtures;

use common::*;
use custody_fixtures::*;
use kapflow_domain::dosing::custody::CustodyKind;
use kapflow_domain::dosing::custody::report::Totals;
use kapflow_domain::dosing::session::Status;
use kapflow_domain::time_util::now_utc;
use kapflow_store::testkit::TestDb;
use kapflow_store::{Backend, store_test};
use time::Duration;
use time::macros::{date, datetime};

store_test!(
    the_chain_names_a_changed_or_missing_entry,
    async |db: &TestDb| {
        let w = world(db).await;
        let c = new_client(db, &w, "Ada Client", w.t1.0).await;
        let course = current_course(db, c).await.id;
        let rx = prescription(db, course, w.p1.0, None, false, None).await;
        let s = session(db, c, 1, Some(rx), w.t1.0, Status::Open).await;
        let now = now_utc();
        let mut rows = Vec::new();
        for e in [
            brought(6),
            taken(CustodyKind::Dose, 100_000),
            counted(CustodyKind::Returned, 5),
        ] {
            rows.push(log(db, c, s, &e, &w.t1.1, now).await.expect("logged"));
        }
        assert_eq!(rows[0].entry.seq, 1);
        assert_eq!(db.store.custody().verify().await.expect("v"), Ok(3));
        assert!(db.store.check().await.expect("check").is_ok());
        // The triggers refuse changes; someone with the database drops them.
        assert!(raw_sql_fails(db, "UPDATE custody_entries SET amount_ug = 1").await);
        assert!(raw_sql_fails(db, "DELETE FROM custody_entries").await);
        let pg = db.store.backend() == Backend::Postgres;
        let drop = |t: &str| {
            if pg {
                format!("DROP TRIGGER {t} ON custody_entries")
            } else {
                format!("DROP TRIGGER {t}")
            }
        };
        sql(db, drop("custody_entries_no_update")).await;
        sql(db, drop("custody_entries_no_delete")).await;
        sql(
            db,
            "UPDATE custody_entries SET amount_ug = 50000 WHERE seq = 2".into(),
        )
        .await;
        let b = db
            .store
            .custody()
            .verify()
            .await
            .expect("v")
            .expect_err("broken");
        assert_eq!((b.seq, b.id), (2, Some(rows[1].entry.id)));
        let report = db.store.check().await.expect("check");
        assert!(!report.is_ok());
        assert_eq!(report.custody.as_ref().map_err(|b| b.seq), Err(2));
        // Re-hashing the changed entry (the chain alone is plain SHA-256) still disagrees with
        // the keyed audit row that recorded its hash.
        let mut changed = rows[1].entry.clone();
        changed.what.amount_ug = Some(50_000);
        let prev: [u8; 32] = rows[0].hash.clone().try_into().expect("32");
        let rehashed = changed.chain_hash(&prev);
        let mut next = rows[2].entry.clone();
        let next_hash = {
            next.seq = 3;
            next.chain_hash(&rehashed)
        };
        let hex = |h: &[u8]| h.iter().map(|b| format!("{b:02x}")).collect::<String>();
        let blob = |h: &[u8]| {
            if pg {
                format!("'\\x{}'::bytea", hex(h))
            } else {
                format!("X'{}'", hex(h))
            }
        };
        sql(
            db,
            format!(
                "UPDATE custody_entries SET hash = {} WHERE seq = 2",
                blob(&rehashed)
            ),
        )
        .await;
        sql(
            db,
            format!(
                "UPDATE custody_entries SET prev_hash = {}, hash = {} WHERE seq = 3",
                blob(&rehashed),
                blob(&next_hash)
            ),
        )
        .await;
        let b = db
            .store
            .custody()
            .verify()
            .await
            .expect("v")
            .expect_err("still broken");
        assert_eq!(b.seq, 2);
        assert!(b.problem.contains("audit trail"), "{}", b.problem);
        // Entries cut from the end are named by their audit rows.
        sql(db, "DELETE FROM custody_entries WHERE seq >= 2".into()).await;
        let b = db
            .store
            .custody()
            .verify()
            .await
            .expect("v")
            .expect_err("missing");
        assert_eq!((b.seq, b.id), (2, None));
        assert!(b.problem.contains("missing"), "{}", b.problem);
    }
);

store_test!(
    concurrent_writers_chain_one_after_another,
    async |db: &TestDb| {
        let w = world(db).await;
        let mut sessions = Vec::new();
        for i in 0..6 {
            let c = new_client(db, &w, &format!("Client {i}"), w.t1.0).await;
            sessions.push((c, session(db, c, 1, None, w.t1.0, Status::Open).await));
        }
        let mut writers = tokio::task::JoinSet::new();
        for &(c, s) in &sessions {
            for k in 0..3 {
                let (store, actor) = (db.store.clone(), w.t1.1.clone());
                writers.spawn(async move {
                    store
                        .custody()
                        .record(
                            &seen(c),
                            s,
                            &format!("k{k}"),
                            &brought(2),
                            &actor,
                            now_utc(),
                        )
                        .await
                        .expect("store")
                        .expect("logged")
                });
            }
        }
        let rows = writers.join_all().await;
        assert_eq!(rows.len(), 18);
        assert_eq!(db.store.custody().verify().await.expect("v"), Ok(18));
    }
);

store_test!(
    a_month_of_sessions_reports_what_a_hand_count_says,
    async |db: &TestDb| {
        let w = world(db).await;
        let mut clients = Vec::new();
        for name in ["Ann", "Ben", "Cy", "Di"] {
            let c = new_client(db, &w, &format!("{name} Client"), w.t1.0).await;
            let course = current_course(db, c).await.id;
            let rx = prescription(db, course, w.p1.0, Some(150_000), true, None).await;
            clients.push((c, rx));
        }
        let t = &w.t1.1;
        // 20 sessions over March 2025, five per client: 4–8 brought, 100–150 mg in one or
        // two parts, all but one handed back.
        let (mut brought_n, mut dose_ug, mut returned_n, mut entries) = (0i64, 0i64, 0i64, 0u64);
        let mut ann_entries = 0usize;
        for i in 0..20i64 {
            let (c, rx) = clients[(i % 4) as usize];
            let s = session(db, c, i / 4 + 1, Some(rx), w.t1.0, Status::Open).await;
            let at = datetime!(2025-03-01 09:00 UTC) + Duration::hours(i * 35);
            let count = 4 + i % 5;
            let parts: &[i64] = if i % 3 == 0 {
                &[75_000, 75_000]
            } else {
                &[100_000 + i * 1_000]
            };
            log(db, c, s, &brought(count), t, at)
                .await
                .expect("brought");
            for (k, part) in parts.iter().enumerate() {
                let at = at + Duration::minutes(10 + k as i64 * 20);
                log(db, c, s, &taken(CustodyKind::Dose, *part), t, at)
                    .await
                    .expect("dose");
            }
            log(
                db,
                c,
                s,
                &counted(CustodyKind::Returned, count - 1),
                t,
                at + Duration::hours(2),
            )
            .await
            .expect("returned");
            set_status(db, s, Status::Closed).await;
            brought_n += count;
            dose_ug += parts.iter().sum::<i64>();
            returned_n += count - 1;
            let n = 2 + parts.len();
            entries += n as u64;
            if i % 4 == 0 {
                ann_entries += n;
            }
        }
        // Just outside the month on either side: not in its report.
        let (ann, ann_rx) = clients[0];
        for (n, at) in [
            (21, datetime!(2025-02-28 23:59:59 UTC)),
            (22, datetime!(2025-04-01 00:00:00 UTC)),
        ] {
            let s = session(db, ann, n, Some(ann_rx), w.t1.0, Status::Open).await;
            log(db, ann, s, &brought(9), t, at).await.expect("outside");
            set_status(db, s, Status::Closed).await;
        }
        let custody = db.store.custody();
        let month = custody
            .for_practice(date!(2025 - 03 - 01), date!(2025 - 03 - 31))
            .await
            .expect("report");
        assert!(
            month.windows(2).all(|p| p[0].entry.seq < p[1].entry.seq),
            "in logged order"
        );
        let totals = Totals::of(
            month
                .iter()
                .map(|r| (r.entry.session_id, r.entry.client_id, &r.entry.what)),
        );
        assert_eq!(
            totals,
            Totals {
                entries,
                sessions: 20,
                clients: 4,
                brought_count: brought_n,
                returned_count: returned_n,
                dose_ug,
                booster_ug: 0,
                corrections: 0,
            }
        );
        assert_eq!(
            custody
                .for_practice(date!(2025 - 03 - 01), date!(2025 - 03 - 31))
                .await
                .expect("again"),
            month,
            "the same log reads the same"
        );
        let ann_month = custody
            .for_client(&seen(ann), date!(2025 - 03 - 01), date!(2025 - 03 - 31))
            .await
            .expect("client");
        assert_eq!(ann_month.len(), ann_entries);
        assert!(ann_month.iter().all(|r| r.entry.client_id == ann));
        let ann_all = custody
            .for_client(&seen(ann), date!(2025 - 02 - 28), date!(2025 - 04 - 01))
            .await
            .expect("client");
        assert_eq!(
            ann_all.len(),
            ann_entries + 2,
            "both edge days are included"
        );
        assert_eq!(custody.verify().await.expect("v"), Ok(entries + 2));
    }
);
