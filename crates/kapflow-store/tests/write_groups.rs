//! Writes that run side by side: on SQLite they share group commits (one fsync for the writes
//! that queued up together), on PostgreSQL the server's own. Either way every acknowledged
//! write is durable and chained, and a write that is abandoned or rolled back takes nothing
//! else with it. Every test runs on both backends (`store_test!`).

use kapflow_domain::AuditEntry;
use kapflow_domain::time_util::now_utc;
use kapflow_store::testkit::TestDb;
use kapflow_store::{Store, audit, store_test};
use std::collections::BTreeSet;
use std::time::Duration;

/// The record ids of every `action` row, read through a store opened afresh (its own
/// connections: what is there is on disk, not in the writer's open transaction).
async fn stored(db: &TestDb, action: &str) -> BTreeSet<String> {
    let fresh = Store::connect(&db.target).await.expect("reopen");
    let rows = fresh.audit().recent(100_000).await.expect("rows");
    fresh.close().await;
    rows.into_iter()
        .filter(|r| r.entry.action == action)
        .filter_map(|r| r.entry.record_id)
        .collect()
}

fn entry(action: &str, n: usize) -> AuditEntry {
    AuditEntry::system(action, now_utc()).record("n", n)
}

store_test!(
    concurrent_writes_are_each_acknowledged_durable_and_chained,
    async |db: &TestDb| {
        let tasks: Vec<_> = (0..300)
            .map(|i| {
                let store = db.store.clone();
                tokio::spawn(async move { store.audit().record(&entry("test.burst", i)).await })
            })
            .collect();
        for t in tasks {
            t.await.expect("task").expect("acknowledged");
        }
        let want: BTreeSet<String> = (0..300).map(|i| i.to_string()).collect();
        assert_eq!(stored(db, "test.burst").await, want);
        let verified = db.store.audit().verify_chain().await.expect("walk");
        assert!(verified.is_ok(), "the chain verifies: {verified:?}");
    }
);

store_test!(
    abandoned_and_rolled_back_writes_take_nothing_else_with_them,
    async |db: &TestDb| {
        // Thirds: committed, rolled back, dropped without a word — interleaved, so on SQLite
        // they share groups with each other.
        let tasks: Vec<_> = (0..150)
            .map(|i| {
                let store = db.store.clone();
                tokio::spawn(async move {
                    let mut tx = store.begin().await?;
                    audit::append(&mut tx, &entry("test.mixed", i)).await?;
                    tokio::task::yield_now().await;
                    match i % 3 {
                        0 => tx.commit().await,
                        1 => tx.rollback().await,
                        _ => {
                            drop(tx);
                            Ok(())
                        }
                    }
                })
            })
            .collect();
        for t in tasks {
            t.await.expect("task").expect("no write failed");
        }
        let kept: BTreeSet<String> = (0..150)
            .filter(|i| i % 3 == 0)
            .map(|i| i.to_string())
            .collect();
        assert_eq!(stored(db, "test.mixed").await, kept);
        let verified = db.store.audit().verify_chain().await.expect("walk");
        assert!(verified.is_ok(), "the chain verifies: {verified:?}");
    }
);

store_test!(
    a_write_cut_off_halfway_is_undone_and_the_next_ones_go_through,
    async |db: &TestDb| {
        // A request that goes away mid-write (its task aborted while it holds the
        // transaction) must neither leave its row nor stall the writes queued behind it.
        let store = db.store.clone();
        let stuck = tokio::spawn(async move {
            let mut tx = store.begin().await.expect("begin");
            audit::append(&mut tx, &entry("test.cut", 0))
                .await
                .expect("append");
            tokio::time::sleep(Duration::from_secs(3600)).await;
            tx.commit().await
        });
        tokio::time::sleep(Duration::from_millis(100)).await;
        let queued: Vec<_> = (1..20)
            .map(|i| {
                let store = db.store.clone();
                tokio::spawn(async move { store.audit().record(&entry("test.cut", i)).await })
            })
            .collect();
        tokio::time::sleep(Duration::from_millis(50)).await;
        stuck.abort();
        for t in queued {
            tokio::time::timeout(Duration::from_secs(10), t)
                .await
                .expect("queued writes finish once the cut-off one is gone")
                .expect("task")
                .expect("acknowledged");
        }
        let want: BTreeSet<String> = (1..20).map(|i| i.to_string()).collect();
        assert_eq!(stored(db, "test.cut").await, want);
    }
);

store_test!(
    a_failed_statement_fails_only_its_own_write,
    async |db: &TestDb| {
        // One write breaks a rule of the database (a duplicate audit id) while others run
        // beside it; it fails, the others are stored.
        let dup = entry("test.rule", 0);
        db.store.audit().record(&dup).await.expect("first");
        let tasks: Vec<_> = (1..40)
            .map(|i| {
                let store = db.store.clone();
                let e = if i % 10 == 0 {
                    let mut again = dup.clone();
                    again.record_id = Some(format!("dup{i}"));
                    again
                } else {
                    entry("test.rule", i)
                };
                tokio::spawn(async move { (i, store.audit().record(&e).await) })
            })
            .collect();
        for t in tasks {
            let (i, r) = t.await.expect("task");
            assert_eq!(r.is_err(), i % 10 == 0, "write {i}: {r:?}");
        }
        let want: BTreeSet<String> = (0..40)
            .filter(|i| i % 10 != 0 || *i == 0)
            .map(|i| i.to_string())
            .collect();
        assert_eq!(stored(db, "test.rule").await, want);
        let verified = db.store.audit().verify_chain().await.expect("walk");
        assert!(verified.is_ok(), "the chain verifies: {verified:?}");
    }
);
