//! Test support: a fresh database per test on each backend, and `store_test!` to run one test
//! body on both. PostgreSQL tests use `KAPFLOW_TEST_PG_URL` (default
//! `postgres://postgres@127.0.0.1:5432/test`) to create a database of their own, dropped after.

use crate::{DatabaseTarget, Store};
use std::path::PathBuf;

pub const DEFAULT_PG_ADMIN_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

/// A migrated store that cleans up after itself.
pub struct TestDb {
    pub store: Store,
    pub target: DatabaseTarget,
    _dir: Option<tempfile::TempDir>,
    pg: Option<(String, String)>,
}

pub fn pg_admin_url() -> String {
    std::env::var("KAPFLOW_TEST_PG_URL").unwrap_or_else(|_| DEFAULT_PG_ADMIN_URL.to_owned())
}

/// A new SQLite database in a temporary directory.
pub async fn sqlite() -> TestDb {
    let dir = tempfile::tempdir().expect("temp dir");
    let target = DatabaseTarget::default_sqlite(dir.path());
    let store = Store::connect(&target).await.expect("open sqlite");
    store.migrate().await.expect("migrate sqlite");
    store.audit().use_keys(test_keys(), None);
    store.secrets().use_keys(test_secrets_keys(), None);
    TestDb {
        store,
        target,
        _dir: Some(dir),
        pg: None,
    }
}

/// A fresh random audit key (generation 1), as the binary makes at first start: test stores
/// write keyed rows like the real one.
pub fn test_keys() -> kapflow_domain::audit::AuditKeyring {
    let key = kapflow_domain::audit::AuditKey::new(1, random_secret()).expect("generation 1");
    kapflow_domain::audit::AuditKeyring::new([key]).expect("one key")
}

/// A fresh random secrets key (generation 1), as the binary makes at first start.
pub fn test_secrets_keys() -> kapflow_domain::sealed::SecretsKeyring {
    let key = kapflow_domain::sealed::SecretsKey::new(1, random_secret()).expect("generation 1");
    kapflow_domain::sealed::SecretsKeyring::new([key]).expect("one key")
}

/// 32 random bytes (two v4 UUIDs: random enough for a test key).
fn random_secret() -> [u8; 32] {
    let mut secret = [0u8; 32];
    secret[..16].copy_from_slice(uuid::Uuid::new_v4().as_bytes());
    secret[16..].copy_from_slice(uuid::Uuid::new_v4().as_bytes());
    secret
}

/// A new, empty PostgreSQL database (not migrated), and its URL.
pub async fn postgres_empty() -> (String, String) {
    use sqlx::Connection;
    let admin = pg_admin_url();
    let name = format!("kapflow_t_{}", uuid::Uuid::new_v4().simple());
    let mut conn = sqlx::PgConnection::connect(&admin)
        .await
        .unwrap_or_else(|e| {
            panic!(
                "PostgreSQL is needed for this test and did not answer at KAPFLOW_TEST_PG_URL: {e}"
            )
        });
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut conn)
        .await
        .expect("create test database");
    let _ = conn.close().await;
    let url = database_url(&admin, &name);
    (url, name)
}

/// A new PostgreSQL database, migrated.
pub async fn postgres() -> TestDb {
    let (url, name) = postgres_empty().await;
    let target = DatabaseTarget::Postgres { url };
    let store = Store::connect(&target).await.expect("open postgres");
    store.migrate().await.expect("migrate postgres");
    store.audit().use_keys(test_keys(), None);
    store.secrets().use_keys(test_secrets_keys(), None);
    TestDb {
        store,
        target,
        _dir: None,
        pg: Some((pg_admin_url(), name)),
    }
}

/// The admin URL with its database name replaced.
pub fn database_url(admin: &str, name: &str) -> String {
    let mut u = url::Url::parse(admin).expect("KAPFLOW_TEST_PG_URL is a URL");
    u.set_path(&format!("/{name}"));
    u.to_string()
}

/// Drops a test database, ending its connections (PostgreSQL 13+).
pub fn drop_postgres_database(admin: &str, name: &str) {
    let admin = admin.to_owned();
    let name = name.to_owned();
    // Drop runs outside any async context we can await in; use a short-lived runtime on its
    // own thread so this works from inside a test's runtime too.
    let _ = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        rt.block_on(async move {
            use sqlx::Connection;
            if let Ok(mut conn) = sqlx::PgConnection::connect(&admin).await {
                let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                )))
                .execute(&mut conn)
                .await;
            }
        });
    })
    .join();
}

impl TestDb {
    pub fn sqlite_path(&self) -> Option<PathBuf> {
        match &self.target {
            DatabaseTarget::Sqlite { path, .. } => Some(path.clone()),
            DatabaseTarget::Postgres { .. } => None,
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some((admin, name)) = self.pg.take() {
            drop_postgres_database(&admin, &name);
        }
    }
}

/// Defines a test module `$name` with two tests, `sqlite` and `postgres`, each running `$body`
/// (an `async fn(&TestDb)`-like closure) against a fresh database of that backend.
#[macro_export]
macro_rules! store_test {
    ($name:ident, $body:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let db = $crate::testkit::sqlite().await;
                ($body)(&db).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let db = $crate::testkit::postgres().await;
                ($body)(&db).await;
            }
        }
    };
}

/// Runs raw SQL as an operator (or attacker) with database access would, bypassing the store.
pub async fn raw_execute(db: &TestDb, sql: &'static str) -> Result<u64, crate::StoreError> {
    db.store.db.exec(sql, args![]).await
}

/// Runs raw SQL with a byte value and an id (`$1`, `$2`), bypassing the store.
pub async fn raw_execute_bytes(
    db: &TestDb,
    sql: &'static str,
    value: &[u8],
    id: uuid::Uuid,
) -> Result<u64, crate::StoreError> {
    db.store.db.exec(sql, args![value, id]).await
}

/// Reads one nullable byte column of the row with id `$1`, bypassing the store.
pub async fn raw_bytes(
    db: &TestDb,
    sql: &'static str,
    id: uuid::Uuid,
) -> Result<Option<Vec<u8>>, crate::StoreError> {
    db.store.db.scalar(sql, args![id]).await
}

/// Removes the audit log's append-only triggers, as an attacker with database access could.
pub async fn drop_audit_triggers(db: &TestDb) {
    for sql in [
        "DROP TRIGGER audit_log_no_update ON audit_log",
        "DROP TRIGGER audit_log_no_delete ON audit_log",
    ] {
        if db.store.backend() == crate::Backend::Postgres {
            raw_execute(db, sql).await.expect("drop trigger");
        }
    }
    if db.store.backend() == crate::Backend::Sqlite {
        raw_execute(db, "DROP TRIGGER audit_log_no_update")
            .await
            .expect("drop");
        raw_execute(db, "DROP TRIGGER audit_log_no_delete")
            .await
            .expect("drop");
    }
}
