//! The audit trail against someone who can write to the database: rows edited and re-hashed
//! the plain SHA-256 way, rows deleted from the end, checkpoints, key rotation, and trails
//! written before the chain was keyed. Every test runs on SQLite and on PostgreSQL.

use kapflow_domain::AuditEntry;
use kapflow_domain::audit::{AuditKey, AuditKeyring, ChainHash, GENESIS_HASH};
use kapflow_domain::audit_checkpoint::{AnchorProblem, Checkpoint, CheckpointEvent};
use kapflow_domain::time_util::now_utc;
use kapflow_store::audit::KeyAdoption;
use kapflow_store::testkit::TestDb;
use kapflow_store::{DatabaseTarget, Store, StoreError, store_test};
use std::sync::Arc;

/// Writes `n` rows through the store.
async fn rows(db: &TestDb, action: &str, n: i64) {
    for i in 0..n {
        db.store
            .audit()
            .record(&AuditEntry::system(action, now_utc()).record("n", i))
            .await
            .expect("append");
    }
}

/// What an attacker without the key does: from `from_seq` on, rewrites each row's hashes the
/// plain SHA-256 way (changing row `from_seq`'s address first), optionally marking the rows
/// as written before the key existed. The append-only triggers must be gone.
async fn rehash_plain(db: &TestDb, from_seq: i64, unkeyed: bool) {
    let mut rows = db.store.audit().recent(10_000).await.expect("rows");
    rows.reverse();
    let mut prev: ChainHash = GENESIS_HASH;
    for mut row in rows {
        if row.seq < from_seq {
            prev = raw_hash(db, row.seq).await;
            continue;
        }
        if row.seq == from_seq {
            row.entry.ip = Some("10.9.9.9".into());
        }
        let hash = row.entry.chain_hash(row.seq, &prev);
        raw_rewrite(db, row.seq, row.entry.ip.as_deref(), &prev, &hash, unkeyed).await;
        prev = hash;
    }
}

/// A connection of its own, outside the store, as someone with database access has.
enum Raw {
    Sqlite(sqlx::SqliteConnection),
    Pg(sqlx::PgConnection),
}

async fn raw(db: &TestDb) -> Raw {
    use sqlx::Connection;
    match &db.target {
        DatabaseTarget::Sqlite { path, .. } => Raw::Sqlite(
            sqlx::SqliteConnection::connect(&format!("sqlite://{}", path.display()))
                .await
                .expect("open"),
        ),
        DatabaseTarget::Postgres { url } => {
            Raw::Pg(sqlx::PgConnection::connect(url).await.expect("open"))
        }
    }
}

/// The stored hash of row `seq`.
async fn raw_hash(db: &TestDb, seq: i64) -> ChainHash {
    const SQL: &str = "SELECT hash FROM audit_log WHERE seq = $1";
    let hash: Vec<u8> = match raw(db).await {
        Raw::Sqlite(mut c) => sqlx::query_scalar(SQL).bind(seq).fetch_one(&mut c).await,
        Raw::Pg(mut c) => sqlx::query_scalar(SQL).bind(seq).fetch_one(&mut c).await,
    }
    .expect("hash");
    hash.try_into().expect("32 bytes")
}

/// Overwrites row `seq`'s address and hashes (and with `unkeyed`, its key generation).
async fn raw_rewrite(
    db: &TestDb,
    seq: i64,
    ip: Option<&str>,
    prev: &ChainHash,
    hash: &ChainHash,
    unkeyed: bool,
) {
    let sql = if unkeyed {
        "UPDATE audit_log SET ip = $1, prev_hash = $2, hash = $3, key_gen = NULL WHERE seq = $4"
    } else {
        "UPDATE audit_log SET ip = $1, prev_hash = $2, hash = $3 WHERE seq = $4"
    };
    let (p, h) = (prev.to_vec(), hash.to_vec());
    match raw(db).await {
        Raw::Sqlite(mut c) => {
            let q = sqlx::query(sql).bind(ip).bind(p).bind(h).bind(seq);
            q.execute(&mut c).await.map(|_| ())
        }
        Raw::Pg(mut c) => {
            let q = sqlx::query(sql).bind(ip).bind(p).bind(h).bind(seq);
            q.execute(&mut c).await.map(|_| ())
        }
    }
    .expect("rewrite");
}

store_test!(
    audit_a_row_rehashed_with_plain_sha256_is_found,
    async |db: &TestDb| {
        rows(db, "test.event", 5).await;
        assert_eq!(db.store.audit().verify_chain().await.expect("walk"), Ok(5));
        kapflow_store::testkit::drop_audit_triggers(db).await;
        rehash_plain(db, 3, false).await;
        let broken = db
            .store
            .audit()
            .verify_chain()
            .await
            .expect("walk")
            .expect_err("the re-hashed row is found");
        assert_eq!(broken.seq, 3);
        assert!(!db.store.check().await.expect("check").is_ok());
    }
);

store_test!(
    audit_rows_rehashed_without_the_key_anywhere_are_found,
    async |db: &TestDb| {
        rows(db, "test.event", 5).await;
        let (start, line) = db
            .store
            .audit()
            .checkpoint(CheckpointEvent::Start, now_utc())
            .await
            .expect("checkpoint")
            .expect("keyed");
        assert_eq!(start.seq, 5);
        assert_eq!(
            Checkpoint::parse(&line, &db.store.audit().keys()),
            Ok(start.clone())
        );
        // Marked as written before the key existed: a plain row after keyed ones is refused.
        kapflow_store::testkit::drop_audit_triggers(db).await;
        rehash_plain(db, 3, true).await;
        let broken = db.store.audit().verify_chain().await.expect("walk");
        assert_eq!(broken.expect_err("found").seq, 3);
        // The whole trail re-hashed the plain way verifies as a chain, but not against the
        // checkpoint that signed its head.
        rehash_plain(db, 1, true).await;
        let report = db
            .store
            .check_against(std::slice::from_ref(&start))
            .await
            .expect("check");
        assert_eq!(report.audit, Ok(5));
        assert_eq!(
            report.audit_anchor,
            vec![AnchorProblem::Differs {
                seq: 5,
                at: start.at
            }]
        );
        assert!(!report.is_ok());
    }
);

store_test!(
    audit_rows_deleted_from_the_end_are_named_by_the_checkpoint,
    async |db: &TestDb| {
        rows(db, "test.event", 6).await;
        let (cp, _) = db
            .store
            .audit()
            .checkpoint(CheckpointEvent::Periodic, now_utc())
            .await
            .expect("checkpoint")
            .expect("keyed");
        let sound = db
            .store
            .check_against(std::slice::from_ref(&cp))
            .await
            .expect("check");
        assert!(sound.is_ok(), "{sound:?}");
        kapflow_store::testkit::drop_audit_triggers(db).await;
        kapflow_store::testkit::raw_execute(db, "DELETE FROM audit_log WHERE seq > 3")
            .await
            .expect("delete");
        // The chain alone is whole…
        assert_eq!(db.store.audit().verify_chain().await.expect("walk"), Ok(3));
        // …the checkpoint names what is gone.
        let report = db
            .store
            .check_against(std::slice::from_ref(&cp))
            .await
            .expect("check");
        assert!(!report.is_ok());
        assert_eq!(
            report.audit_anchor,
            vec![AnchorProblem::Missing {
                from: 4,
                to: 6,
                at: cp.at
            }]
        );
        assert!(
            report.audit_anchor[0]
                .to_string()
                .starts_with("rows 4..6 are missing")
        );
        // New rows after the cut do not hide it: row 6 is then not the row the checkpoint saw.
        rows(db, "test.after", 4).await;
        let report = db
            .store
            .check_against(std::slice::from_ref(&cp))
            .await
            .expect("check");
        assert_eq!(
            report.audit_anchor,
            vec![AnchorProblem::Differs { seq: 6, at: cp.at }]
        );
    }
);

store_test!(
    audit_after_a_key_rotation_old_rows_verify_and_new_rows_use_the_new_key,
    async |db: &TestDb| {
        let s = &db.store;
        rows(db, "test.before", 3).await;
        let old_keys = s.audit().keys();
        let (before, _) = s
            .audit()
            .checkpoint(CheckpointEvent::Rotate, now_utc())
            .await
            .expect("checkpoint")
            .expect("keyed");
        let rotated = old_keys
            .with(AuditKey::new(2, [42; 32]).expect("key"))
            .expect("ring");
        s.audit().use_keys(rotated, None);
        rows(db, "test.after", 2).await;
        let (after, _) = s
            .audit()
            .checkpoint(CheckpointEvent::Rotate, now_utc())
            .await
            .expect("checkpoint")
            .expect("keyed");
        assert_eq!((before.generation, after.generation), (1, 2));
        let report = s.check_against(&[before, after]).await.expect("check");
        assert!(report.is_ok(), "{report:?}");
        assert_eq!(report.audit, Ok(5));
        assert_eq!(raw_key_gens(db).await, vec![1, 1, 1, 2, 2]);
        assert_eq!(
            s.audit().adopt_key(now_utc()).await.expect("adopt"),
            KeyAdoption::Keyed { generation: 2 }
        );

        // A process still holding only the retired key cannot append after the rotation…
        let stale = Store::connect(&db.target).await.expect("open");
        stale.audit().use_keys((*old_keys).clone(), None);
        let refused = stale
            .audit()
            .record(&AuditEntry::system("test.stale", now_utc()))
            .await
            .expect_err("refused");
        assert!(matches!(refused, StoreError::AuditKey(_)), "{refused}");
        // …unless it can read the new key (the key file was rotated under it).
        let current = (*s.audit().keys()).clone();
        stale.audit().use_keys(
            (*old_keys).clone(),
            Some(Arc::new(move || Ok(current.clone()))),
        );
        stale
            .audit()
            .record(&AuditEntry::system("test.reloaded", now_utc()))
            .await
            .expect("appends with the reloaded key");
        stale.close().await;
        assert_eq!(raw_key_gens(db).await, vec![1, 1, 1, 2, 2, 2]);
        assert_eq!(s.audit().verify_chain().await.expect("walk"), Ok(6));
        // Without the old key the rows it hashed cannot be verified.
        let only_new = AuditKeyring::new([AuditKey::new(2, [42; 32]).expect("key")]).expect("ring");
        s.audit().use_keys(only_new, None);
        assert_eq!(
            s.audit()
                .verify_chain()
                .await
                .expect("walk")
                .expect_err("old rows need the old key")
                .seq,
            1
        );
    }
);

store_test!(
    audit_a_trail_from_before_the_key_is_keyed_at_start_and_still_verifies,
    async |db: &TestDb| {
        // A store without a key writes rows the way kapflow did before the chain was keyed.
        let old = Store::connect(&db.target).await.expect("open");
        for i in 0..3 {
            old.audit()
                .record(&AuditEntry::system("test.old", now_utc()).record("n", i))
                .await
                .expect("unkeyed row");
        }
        assert_eq!(old.audit().verify_chain().await.expect("walk"), Ok(3));
        let s = &db.store;
        assert_eq!(
            s.audit().adopt_key(now_utc()).await.expect("adopt"),
            KeyAdoption::Adopted { seq: 4 }
        );
        rows(db, "test.new", 2).await;
        let walk = s.audit().walk(&Default::default()).await.expect("walk");
        assert_eq!((walk.verified, walk.unkeyed, walk.head_seq), (Ok(6), 3, 6));
        let keyed = s.audit().recent(3).await.expect("rows");
        assert_eq!(keyed[2].entry.action, "audit.chain_keyed");
        assert_eq!(raw_key_gens(db).await, vec![0, 0, 0, 1, 1, 1]);
        // Adopting again changes nothing; an unkeyed writer is refused from now on.
        assert_eq!(
            s.audit().adopt_key(now_utc()).await.expect("adopt"),
            KeyAdoption::Keyed { generation: 1 }
        );
        let refused = old
            .audit()
            .record(&AuditEntry::system("test.unkeyed", now_utc()))
            .await
            .expect_err("refused");
        assert!(matches!(refused, StoreError::AuditKey(_)), "{refused}");
        old.close().await;
    }
);

store_test!(
    audit_an_instance_with_another_key_refuses_to_start,
    async |db: &TestDb| {
        rows(db, "test.event", 2).await;
        let other = Store::connect(&db.target).await.expect("open");
        other
            .audit()
            .use_keys(kapflow_store::testkit::test_keys(), None);
        let refused = other
            .audit()
            .adopt_key(now_utc())
            .await
            .expect_err("another key");
        assert!(refused.to_string().contains("same key"), "{refused}");
        other.close().await;
    }
);

/// Every row's key generation in order (0 for a row from before the key).
async fn raw_key_gens(db: &TestDb) -> Vec<i64> {
    const SQL: &str = "SELECT COALESCE(key_gen, 0) FROM audit_log ORDER BY seq";
    match raw(db).await {
        Raw::Sqlite(mut c) => sqlx::query_scalar(SQL).fetch_all(&mut c).await,
        Raw::Pg(mut c) => sqlx::query_scalar(SQL).fetch_all(&mut c).await,
    }
    .expect("key generations")
}

#[test]
fn key_files_are_private_rotate_and_keep_the_old_key() {
    use kapflow_store::audit_files::{KeySource, create, load, rotate};
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("audit-key");
    let source = KeySource::File(path.clone());
    assert_eq!(load(&source).expect("none yet"), None);
    let first = create(&path, [1; 32]).expect("made");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).expect("file").permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    // A second start racing the first gets the key that is there, not a new one.
    assert_eq!(create(&path, [2; 32]).expect("kept"), first);
    let (old, ring) = rotate(&path, [3; 32]).expect("rotated");
    assert_eq!(old, 1);
    assert_eq!(ring.generations(), vec![1, 2]);
    assert_eq!(ring.get(1), first.get(1));
    assert!(dir.path().join("audit-key.1").exists());
    assert_eq!(load(&source).expect("load"), Some(ring));
    let (_, ring) = rotate(&path, [4; 32]).expect("again");
    assert_eq!(ring.generations(), vec![1, 2, 3]);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        let err = load(&source).expect_err("readable by others");
        assert!(err.to_string().contains("chmod 600"), "{err}");
    }
    // Keys from the environment: hex, oldest first.
    let env = KeySource::Env(format!("{},{}", "11".repeat(32), "22".repeat(32)));
    let ring = load(&env).expect("env").expect("keys");
    assert_eq!(ring.generations(), vec![1, 2]);
    assert!(load(&KeySource::Env("zz".into())).is_err());
    assert!(!format!("{env:?}").contains("1111"));
}

#[test]
fn checkpoint_lines_are_appended_whole() {
    use kapflow_store::audit_files::{append_checkpoint, read_checkpoints};
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("audit-checkpoints.log");
    assert_eq!(read_checkpoints(&path).expect("read"), None);
    append_checkpoint(&path, "one").expect("append");
    append_checkpoint(&path, "two\n").expect("append");
    assert_eq!(
        read_checkpoints(&path).expect("read").as_deref(),
        Some("one\ntwo\n")
    );
}
