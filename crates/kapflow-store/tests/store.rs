//! The store suite: every test runs once on SQLite and once on PostgreSQL (`store_test!`).

mod common;

use common::raw_sql_fails;
use kapflow_domain::time_util::now_utc;
use kapflow_domain::token::token_hash;
use kapflow_domain::{AuditEntry, AuditOutcome, Email, OutboxId, UserId};
use kapflow_store::idempotency::{self, Claim};
use kapflow_store::outbox::OutboxItem;
use kapflow_store::rate_limit::{AttemptDecision, RateDecision};
use kapflow_store::setup::{OwnerSetup, SetupLinkStatus};
use kapflow_store::testkit::TestDb;
use kapflow_store::{Store, Tx, outbox, store_test};
use time::{Duration, OffsetDateTime};

fn owner<'a>(email: &'a Email) -> OwnerSetup<'a> {
    OwnerSetup {
        practice_name: "Alvarado Therapy",
        time_zone: Some("America/Chicago"),
        display_name: "Catherine Alvarado",
        email,
        password_hash: "$argon2id$not-a-real-hash",
        ip: Some("127.0.0.1".into()),
    }
}

/// The state at `now` of the setup link whose token hash is `h`.
async fn link_status(db: &TestDb, h: &[u8], now: OffsetDateTime) -> SetupLinkStatus {
    db.store.setup().link_status(h, now).await.expect("status")
}

/// Completes setup through the link with token hash `h`, making `email` the owner.
async fn complete_setup(
    db: &TestDb,
    h: &[u8],
    email: &str,
    now: OffsetDateTime,
) -> Result<UserId, SetupLinkStatus> {
    let email = Email::parse(email).expect("email");
    db.store
        .setup()
        .complete(h, &owner(&email), now)
        .await
        .expect("store")
}

/// Claims `key` in `scope` for the request hashing to `request`.
async fn claim(tx: &mut Tx, scope: &str, key: &str, request: &[u8], now: OffsetDateTime) -> Claim {
    idempotency::claim(tx, scope, key, request, now)
        .await
        .expect("claim")
}

/// Queues one email (an account-locked notice) in its own transaction.
async fn enqueue_one(db: &TestDb, now: OffsetDateTime) -> OutboxId {
    let mut tx = db.store.begin().await.expect("tx");
    let email = outbox::Email::AccountLocked {
        user_id: UserId::new(),
    };
    let id = outbox::enqueue(&mut tx, &email, now)
        .await
        .expect("enqueue");
    tx.commit().await.expect("commit");
    id
}

/// Leases up to ten due messages to `worker` at `at`, for 30 seconds.
async fn lease(db: &TestDb, worker: &str, at: OffsetDateTime) -> Vec<OutboxItem> {
    db.store
        .outbox()
        .lease(worker, at, Duration::seconds(30), 10)
        .await
        .expect("lease")
}

store_test!(migrations_are_current_after_migrate, async |db: &TestDb| {
    let status = db.store.migration_status().await.expect("status");
    assert!(status.is_current(), "{status:?}");
    db.store.ping().await.expect("ping");
    // Migrating again is a no-op.
    db.store.migrate().await.expect("second migrate");
});

/// Both migration trees make the same tables with the same columns and the same nullability
/// (a column added to one tree only, or NOT NULL on one side only, fails here).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn migration_trees_have_the_same_tables_and_columns_postgres() {
    let sqlite = kapflow_store::testkit::sqlite().await;
    let pg = kapflow_store::testkit::postgres().await;
    let a = sqlite.store.columns().await.expect("sqlite columns");
    let b = pg.store.columns().await.expect("postgres columns");
    assert!(a.len() > 100, "{} columns", a.len());
    let only_sqlite: Vec<_> = a.iter().filter(|c| !b.contains(c)).collect();
    let only_pg: Vec<_> = b.iter().filter(|c| !a.contains(c)).collect();
    assert!(
        only_sqlite.is_empty() && only_pg.is_empty(),
        "only on SQLite: {only_sqlite:?}\nonly on PostgreSQL: {only_pg:?}"
    );
}

store_test!(setup_link_works_once_and_only_once, async |db: &TestDb| {
    let s = &db.store;
    let now = now_utc();
    let hash = token_hash("link-one");
    assert!(s.setup().needs_setup().await.expect("needs"));
    s.setup()
        .issue_link(&hash, now, now + Duration::hours(24))
        .await
        .expect("issue");
    assert_eq!(link_status(db, &hash, now).await, SetupLinkStatus::Valid);
    let id = complete_setup(db, &hash, "catherine@example.org", now)
        .await
        .expect("first use succeeds");
    assert!(s.users().owner_exists().await.expect("owner"));
    assert!(!s.setup().needs_setup().await.expect("needs"));
    assert_eq!(
        s.settings()
            .get("practice.name")
            .await
            .expect("name")
            .as_deref(),
        Some("Alvarado Therapy")
    );
    assert_eq!(
        s.settings()
            .get("practice.time_zone")
            .await
            .expect("zone")
            .as_deref(),
        Some("America/Chicago"),
        "the zone chosen at setup"
    );
    let users = s.users().list().await.expect("users");
    assert_eq!(users.len(), 1);
    assert_eq!(users[0].id, id);

    // The same link again, and a second link issued before setup finished: both refused.
    assert_eq!(
        complete_setup(db, &hash, "catherine@example.org", now).await,
        Err(SetupLinkStatus::AlreadyUsed)
    );
    let audit = s.audit().recent(10).await.expect("audit");
    assert_eq!(audit[0].entry.outcome, AuditOutcome::Denied);
    assert_eq!(audit[1].entry.action, "setup.owner_created");
    assert_eq!(audit[1].entry.actor_user_id, Some(id));
});

store_test!(
    second_link_is_dead_once_setup_is_done,
    async |db: &TestDb| {
        let s = &db.store;
        let now = now_utc();
        let (a, b) = (token_hash("a"), token_hash("b"));
        for h in [&a, &b] {
            s.setup()
                .issue_link(h, now, now + Duration::hours(1))
                .await
                .expect("issue");
        }
        complete_setup(db, &a, "o@example.org", now)
            .await
            .expect("ok");
        assert_eq!(link_status(db, &b, now).await, SetupLinkStatus::AlreadyUsed);
        assert_eq!(
            complete_setup(db, &b, "p@example.org", now).await,
            Err(SetupLinkStatus::AlreadyUsed)
        );
        assert_eq!(s.users().list().await.expect("users").len(), 1);
    }
);

store_test!(
    expired_and_unknown_links_are_refused,
    async |db: &TestDb| {
        let s = &db.store;
        let now = now_utc();
        let h = token_hash("old");
        s.setup()
            .issue_link(&h, now - Duration::hours(2), now - Duration::hours(1))
            .await
            .expect("issue");
        assert_eq!(link_status(db, &h, now).await, SetupLinkStatus::Expired);
        assert_eq!(
            link_status(db, &token_hash("nope"), now).await,
            SetupLinkStatus::Unknown
        );
        assert_eq!(
            complete_setup(db, &h, "o@example.org", now).await,
            Err(SetupLinkStatus::Expired)
        );
        assert!(!s.users().owner_exists().await.expect("owner"));
    }
);

store_test!(
    audit_chain_verifies_and_names_a_tampered_row,
    async |db: &TestDb| {
        let s = &db.store;
        for i in 0..5 {
            let e = AuditEntry::system("test.event", now_utc()).record("thing", i);
            s.audit().record(&e).await.expect("append");
        }
        assert_eq!(s.audit().verify_chain().await.expect("walk"), Ok(5));
        let third = s.audit().recent(5).await.expect("rows")[2].clone();
        assert_eq!(third.seq, 3);

        // The triggers refuse changes and deletions...
        for sql in [
            "UPDATE audit_log SET reason = 'x' WHERE seq = 3",
            "DELETE FROM audit_log WHERE seq = 3",
        ] {
            assert!(raw_sql_fails(db, sql).await, "{sql}");
        }
        assert_eq!(s.audit().verify_chain().await.expect("walk"), Ok(5));

        // ...and with the triggers removed, a changed row is found and named.
        kapflow_store::testkit::drop_audit_triggers(db).await;
        kapflow_store::testkit::raw_execute(
            db,
            "UPDATE audit_log SET reason = 'edited' WHERE seq = 3",
        )
        .await
        .expect("tamper");
        let broken = s
            .audit()
            .verify_chain()
            .await
            .expect("walk")
            .expect_err("tampering found");
        assert_eq!(broken.seq, 3);
        assert_eq!(broken.id, third.entry.id);
        let report = s.check().await.expect("check");
        assert!(!report.is_ok());
    }
);

store_test!(
    audit_chain_survives_concurrent_writers,
    async |db: &TestDb| {
        let mut tasks = Vec::new();
        for i in 0..8 {
            let s = db.store.clone();
            tasks.push(tokio::spawn(async move {
                for j in 0..5 {
                    let e =
                        AuditEntry::system("test.concurrent", now_utc()).record("n", i * 100 + j);
                    s.audit().record(&e).await.expect("append");
                }
            }));
        }
        for t in tasks {
            t.await.expect("task");
        }
        assert_eq!(db.store.audit().verify_chain().await.expect("walk"), Ok(40));
    }
);

store_test!(
    idempotency_keys_replay_and_refuse_reuse,
    async |db: &TestDb| {
        let s = &db.store;
        let now = now_utc();
        let mut tx = s.begin().await.expect("tx");
        assert_eq!(
            claim(&mut tx, "inquiry", "k1", b"req-a", now).await,
            Claim::Fresh
        );
        idempotency::complete(&mut tx, "inquiry", "k1", 303, "/thanks")
            .await
            .expect("complete");
        tx.commit().await.expect("commit");

        let mut tx = s.begin().await.expect("tx");
        assert_eq!(
            claim(&mut tx, "inquiry", "k1", b"req-a", now).await,
            Claim::Replay {
                status: 303,
                body: "/thanks".into()
            }
        );
        assert_eq!(
            claim(&mut tx, "inquiry", "k1", b"req-b", now).await,
            Claim::KeyReused
        );
        // Keys are per scope.
        assert_eq!(
            claim(&mut tx, "other", "k1", b"req-b", now).await,
            Claim::Fresh
        );
        tx.rollback().await.expect("rollback");

        // A rolled-back claim leaves no trace: the key is fresh again.
        let mut tx = s.begin().await.expect("tx");
        assert_eq!(
            claim(&mut tx, "other", "k1", b"req-b", now).await,
            Claim::Fresh
        );
        tx.rollback().await.expect("rollback");
    }
);

store_test!(
    outbox_delivers_at_least_once_with_leases,
    async |db: &TestDb| {
        let s = &db.store;
        let now = now_utc();
        let id = enqueue_one(db, now).await;
        assert_eq!(s.outbox().pending().await.expect("pending"), 1);

        let leased = lease(db, "w1", now).await;
        assert_eq!(leased.len(), 1);
        assert_eq!(leased[0].id, id);
        // Leased: another worker sees nothing until the lease runs out...
        assert!(lease(db, "w2", now).await.is_empty());
        // ...then takes it over (w1 died), and w1's late acknowledgement is ignored.
        let later = now + Duration::seconds(31);
        let again = lease(db, "w2", later).await;
        assert_eq!(again.len(), 1);
        assert_eq!(again[0].attempts, 2);
        assert!(!s.outbox().delivered(id, "w1", later).await.expect("ack"));
        assert!(s.outbox().delivered(id, "w2", later).await.expect("ack"));
        assert_eq!(s.outbox().pending().await.expect("pending"), 0);
        assert!(lease(db, "w3", later + Duration::hours(1)).await.is_empty());
    }
);

store_test!(outbox_failure_schedules_a_retry, async |db: &TestDb| {
    let s = &db.store;
    let now = now_utc();
    let id = enqueue_one(db, now).await;
    lease(db, "w", now).await;
    s.outbox()
        .failed(id, "w", "smtp refused", now + Duration::minutes(5))
        .await
        .expect("fail");
    assert!(lease(db, "w", now + Duration::minutes(1)).await.is_empty());
    assert_eq!(lease(db, "w", now + Duration::minutes(6)).await.len(), 1);
});

store_test!(
    outbox_gives_up_on_an_unreadable_message_but_keeps_it,
    async |db: &TestDb| {
        let s = &db.store;
        let now = now_utc();
        let id = enqueue_one(db, now).await;
        kapflow_store::testkit::raw_execute(db, "UPDATE outbox SET payload = 'not json'")
            .await
            .expect("damage");
        let leased = lease(db, "w", now).await;
        assert!(leased[0].email().is_err());
        s.outbox()
            .undeliverable(id, "w", "unreadable message", now)
            .await
            .expect("give up");
        // Never leased again, not counted as waiting, still there for the owner.
        assert!(lease(db, "w", now + Duration::days(1)).await.is_empty());
        assert_eq!(s.outbox().pending().await.expect("p"), 0);
        assert_eq!(
            s.outbox().health().await.expect("h"),
            outbox::MailHealth {
                waiting: 0,
                failing: 0,
                given_up: 1
            }
        );
        let t = s.outbox().troubles(10).await.expect("t");
        assert_eq!(
            (t[0].id, t[0].kind, t[0].failed_at.is_some()),
            (id, None, true)
        );
        assert_eq!(t[0].last_error.as_deref(), Some("unreadable message"));
    }
);

store_test!(
    rate_limits_count_per_bucket_and_window,
    async |db: &TestDb| {
        let s = &db.store;
        let now = now_utc();
        let hit = |bucket, at| async move {
            s.rate_limits()
                .hit(bucket, at, Duration::minutes(15), 3)
                .await
                .expect("hit")
        };
        for i in 0..3 {
            assert_eq!(
                hit("login-ip:1", now).await,
                RateDecision::Allowed { remaining: 2 - i }
            );
        }
        match hit("login-ip:1", now + Duration::minutes(1)).await {
            RateDecision::Limited { retry_after } => assert_eq!(retry_after, Duration::minutes(14)),
            other => panic!("expected a limit, got {other:?}"),
        }
        // Another bucket is untouched; a new window starts afresh.
        assert!(matches!(
            hit("login-ip:2", now).await,
            RateDecision::Allowed { .. }
        ));
        assert_eq!(
            hit("login-ip:1", now + Duration::minutes(16)).await,
            RateDecision::Allowed { remaining: 2 }
        );
    }
);

store_test!(only_failed_attempts_use_up_a_limit, async |db: &TestDb| {
    let s = &db.store;
    let now = now_utc();
    let w = Duration::minutes(15);
    let attempt = |at| async move {
        s.rate_limits()
            .attempt("login-account:a", at, w, 3)
            .await
            .expect("attempt")
    };
    // Successes hand their count back: any number of them in a row.
    for i in 0..10 {
        match attempt(now).await {
            AttemptDecision::Allowed(a) => s.rate_limits().succeeded(a).await.expect("ok"),
            other => panic!("success {i} refused: {other:?}"),
        }
    }
    // Failures keep theirs: three, then the limit.
    for i in 0..3 {
        assert!(
            matches!(attempt(now).await, AttemptDecision::Allowed(_)),
            "failure {i}"
        );
    }
    assert!(matches!(
        attempt(now).await,
        AttemptDecision::Limited { .. }
    ));
    // A success given back after its window rolled over leaves the new window's count.
    let AttemptDecision::Allowed(old) = attempt(now + Duration::minutes(16)).await else {
        panic!("a new window starts afresh");
    };
    let later = now + Duration::minutes(32);
    for _ in 0..3 {
        assert!(matches!(attempt(later).await, AttemptDecision::Allowed(_)));
    }
    s.rate_limits().succeeded(old).await.expect("late");
    assert!(matches!(
        attempt(later).await,
        AttemptDecision::Limited { .. }
    ));
    // Attempts at the same moment are each counted before any is checked: with a limit of
    // 3, exactly 3 of 12 simultaneous attempts go ahead, whatever instance they reach.
    let tasks: Vec<_> = (0..12)
        .map(|_| {
            let store = s.clone();
            tokio::spawn(async move {
                store
                    .rate_limits()
                    .attempt("login-ip:burst", now, w, 3)
                    .await
                    .expect("attempt")
            })
        })
        .collect();
    let mut allowed = 0;
    for t in tasks {
        if matches!(t.await.expect("task"), AttemptDecision::Allowed(_)) {
            allowed += 1;
        }
    }
    assert_eq!(allowed, 3);
});

store_test!(check_passes_on_a_sound_database, async |db: &TestDb| {
    db.store
        .audit()
        .record(&AuditEntry::system("test.event", now_utc()))
        .await
        .expect("audit");
    let report = db.store.check().await.expect("check");
    assert!(report.is_ok(), "{report:?}");
    assert_eq!(report.audit, Ok(1));
});

store_test!(settings_are_upserted, async |db: &TestDb| {
    let s = &db.store;
    let now = now_utc();
    assert_eq!(s.settings().get("x.y").await.expect("get"), None);
    let mut tx = s.begin().await.expect("tx");
    kapflow_store::settings::put(&mut tx, "x.y", "one", now)
        .await
        .expect("put");
    kapflow_store::settings::put(&mut tx, "x.y", "two", now)
        .await
        .expect("put");
    assert!(
        !kapflow_store::settings::put_once(&mut tx, "x.y", "three", now)
            .await
            .expect("once")
    );
    tx.commit().await.expect("commit");
    assert_eq!(
        s.settings().get("x.y").await.expect("get").as_deref(),
        Some("two")
    );
});

store_test!(
    a_settings_change_shows_at_once_here_and_within_a_second_on_another_instance,
    async |db: &TestDb| {
        let here = &db.store;
        let there = Store::connect(&db.target).await.expect("second instance");
        let put = |value: &'static str| async move {
            let mut tx = here.begin().await.expect("tx");
            kapflow_store::settings::put(&mut tx, "practice.name", value, now_utc())
                .await
                .expect("put");
            tx.commit().await.expect("commit");
        };
        put("Before").await;
        assert_eq!(
            there
                .settings()
                .snapshot()
                .await
                .expect("snapshot")
                .get("practice.name"),
            Some("Before")
        );
        put("After").await;
        // The instance that wrote forgets its snapshot on commit.
        assert_eq!(
            here.settings()
                .snapshot()
                .await
                .expect("snapshot")
                .get("practice.name"),
            Some("After")
        );
        // The other one may answer from its snapshot for at most a second, then reads again.
        let start = std::time::Instant::now();
        loop {
            let seen = there.settings().snapshot().await.expect("snapshot");
            if seen.get("practice.name") == Some("After") {
                break;
            }
            assert_eq!(seen.get("practice.name"), Some("Before"));
            assert!(
                start.elapsed()
                    < kapflow_store::settings_snapshot::MAX_AGE
                        + std::time::Duration::from_millis(500),
                "the other instance still shows the old setting"
            );
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        // A failed transaction changes nothing anywhere.
        let mut tx = here.begin().await.expect("tx");
        kapflow_store::settings::put(&mut tx, "practice.name", "Rolled back", now_utc())
            .await
            .expect("put");
        tx.rollback().await.expect("rollback");
        assert_eq!(
            here.settings()
                .snapshot()
                .await
                .expect("snapshot")
                .get("practice.name"),
            Some("After")
        );
        there.close().await;
    }
);
