//! Backups of a PostgreSQL practice: `kapflow backup` encrypts the practice export; `kapflow
//! restore` puts it into a new, empty database, where `kapflow check` passes and every client
//! is back; a wrong key is refused with nothing written.

mod support;

use std::process::Output;
use support::{check, printed, run_on};

fn recipient_of(out: &Output) -> String {
    printed(out)
        .split_whitespace()
        .find(|w| w.starts_with("age1"))
        .expect("the recipient is printed")
        .to_owned()
}

async fn clients_in(url: &str) -> i64 {
    let pool = sqlx::PgPool::connect(url).await.expect("connect");
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM clients")
        .fetch_one(&pool)
        .await
        .expect("count");
    pool.close().await;
    n
}

async fn tables_in(url: &str) -> i64 {
    let pool = sqlx::PgPool::connect(url).await.expect("connect");
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema()",
    )
    .fetch_one(&pool)
    .await
    .expect("count");
    pool.close().await;
    n
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_postgresql_practice_is_backed_up_as_its_export_and_restored_into_a_new_database() {
    let (url, name) = kapflow_store::testkit::postgres_empty().await;
    let (fresh_url, fresh_name) = kapflow_store::testkit::postgres_empty().await;
    let (data, keys, backups, restored) = (
        tempfile::tempdir().expect("dir"),
        tempfile::tempdir().expect("dir"),
        tempfile::tempdir().expect("dir"),
        tempfile::tempdir().expect("dir"),
    );
    let (d, r) = (data.path(), restored.path());
    let made = run_on(
        d,
        Some(&url),
        &[
            "demo-data",
            "--clients",
            "4",
            "--seed",
            "5",
            "--password",
            "demo password for tests",
        ],
    );
    assert!(made.status.success(), "{}", printed(&made));
    let identity = keys.path().join("identity.txt");
    let key = run_on(
        d,
        None,
        &["backup-key", "--out", identity.to_str().expect("p")],
    );
    assert!(key.status.success(), "{}", printed(&key));
    let wrong = keys.path().join("wrong.txt");
    assert!(
        run_on(
            d,
            None,
            &["backup-key", "--out", wrong.to_str().expect("p")]
        )
        .status
        .success()
    );

    let dir = backups.path().to_str().expect("p");
    let out = run_on(
        d,
        Some(&url),
        &["backup", "--to", dir, "--recipient", &recipient_of(&key)],
    );
    assert!(out.status.success(), "{}", printed(&out));
    let files: Vec<_> = std::fs::read_dir(backups.path())
        .expect("dir")
        .map(|e| e.expect("entry").path())
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    let file = files[0].to_str().expect("p").to_owned();
    // Encrypted: no client's name in the clear.
    let bytes = std::fs::read(&files[0]).expect("read");
    assert!(!bytes.windows(7).any(|w| w == b"clients"));

    // The keys go back by hand (never in a backup).
    for f in ["audit-key", "secrets-key"] {
        std::fs::copy(d.join(f), r.join(f)).expect("copy key");
    }
    let refused = run_on(
        r,
        Some(&fresh_url),
        &[
            "restore",
            "--from",
            &file,
            "--identity",
            wrong.to_str().expect("p"),
        ],
    );
    assert!(!refused.status.success());
    assert!(
        printed(&refused).contains("nothing was written"),
        "{}",
        printed(&refused)
    );
    assert_eq!(tables_in(&fresh_url).await, 0, "not even migrated");

    let back = run_on(
        r,
        Some(&fresh_url),
        &[
            "restore",
            "--from",
            &file,
            "--identity",
            identity.to_str().expect("p"),
        ],
    );
    assert!(back.status.success(), "{}", printed(&back));
    assert_eq!(clients_in(&fresh_url).await, 4);
    let (ok, out) = check(r, Some(&fresh_url));
    assert!(ok, "{out}");

    let admin = kapflow_store::testkit::pg_admin_url();
    kapflow_store::testkit::drop_postgres_database(&admin, &name);
    kapflow_store::testkit::drop_postgres_database(&admin, &fresh_name);
}
