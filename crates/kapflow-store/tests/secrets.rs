//! Second-factor secrets are sealed in the database: the column never holds the secret, a store
//! without the key (or with another) cannot open it, a value copied into another account or
//! planted without the key is refused, and a rotation re-seals everything with the new key.

mod common;

use common::*;
use kapflow_domain::sealed::{SecretsKey, SecretsKeyring};
use kapflow_domain::time_util::now_utc;
use kapflow_domain::token::token_hash;
use kapflow_domain::{Actor, Role, UserId};
use kapflow_store::audit::AuditFilter;
use kapflow_store::secrets::SealReport;
use kapflow_store::testkit::{TestDb, raw_bytes, raw_execute_bytes, test_secrets_keys};
use kapflow_store::{Store, StoreError, store_test};
use std::sync::Arc;

const SECRET: &[u8] = b"an enrolled secret!!";

async fn enrolled(db: &TestDb, email: &str) -> UserId {
    let u = account(db, email, Role::Therapist, Some("h")).await;
    let s = db.store.accounts();
    let pending = s.pending_totp_secret(u, SECRET).await.expect("pending");
    assert_eq!(pending, SECRET, "the pending secret reads back opened");
    s.enrol_totp(
        u,
        &pending,
        100,
        &[token_hash("r")],
        &Actor::default(),
        now_utc(),
    )
    .await
    .expect("enrol");
    u
}

async fn stored(db: &TestDb, u: UserId) -> Vec<u8> {
    raw_bytes(
        db,
        "SELECT totp_secret FROM users WHERE id = $1",
        u.as_uuid(),
    )
    .await
    .expect("read")
    .expect("a stored secret")
}

/// Another process on the same database, holding `keys`.
async fn other_store(db: &TestDb, keys: Option<SecretsKeyring>) -> Store {
    let store = Store::connect(&db.target).await.expect("connect");
    store
        .audit()
        .use_keys(db.store.audit().keys().as_ref().clone(), None);
    if let Some(keys) = keys {
        store.secrets().use_keys(keys, None);
    }
    store
}

/// The account's enrolled secret as `store` opens it.
async fn opened(store: &Store, u: UserId) -> Option<Vec<u8>> {
    store
        .accounts()
        .totp_record(u)
        .await
        .expect("read")
        .totp_secret
}

fn refused(result: Result<impl std::fmt::Debug, StoreError>) -> String {
    match result.expect_err("refused") {
        StoreError::SecretsKey(why) => why,
        other => panic!("not a secrets-key refusal: {other}"),
    }
}

store_test!(
    a_copied_database_without_the_key_cannot_give_the_secret,
    async |db: &TestDb| {
        let u = enrolled(db, "t@example.org").await;
        let raw = stored(db, u).await;
        assert!(
            !raw.windows(SECRET.len()).any(|w| w == SECRET),
            "the column does not hold the secret"
        );
        assert_eq!(opened(&db.store, u).await.as_deref(), Some(SECRET));

        let without = other_store(db, None).await;
        refused(without.accounts().totp_record(u).await);
        let why = refused(without.accounts().pending_totp_secret(u, b"x").await);
        assert!(why.contains("no secrets key"), "{why}");

        let another = other_store(db, Some(test_secrets_keys())).await;
        let why = refused(another.accounts().totp_record(u).await);
        assert!(why.contains("does not open"), "{why}");
        without.close().await;
        another.close().await;
    }
);

store_test!(
    a_value_moved_or_planted_without_the_key_is_refused,
    async |db: &TestDb| {
        let a = enrolled(db, "a@example.org").await;
        let b = enrolled(db, "b@example.org").await;
        // Someone with write access to the database copies a's sealed secret into b's row…
        raw_execute_bytes(
            db,
            "UPDATE users SET totp_secret = $1 WHERE id = $2",
            &stored(db, a).await,
            b.as_uuid(),
        )
        .await
        .expect("copy");
        refused(db.store.accounts().totp_record(b).await);
        // …or writes a secret of their own in plain.
        raw_execute_bytes(
            db,
            "UPDATE users SET totp_secret = $1 WHERE id = $2",
            b"a planted secret!!!!",
            b.as_uuid(),
        )
        .await
        .expect("plant");
        let why = refused(db.store.accounts().totp_record(b).await);
        assert!(why.contains("not sealed"), "{why}");
        // A start seals nothing once sealing is in use: the planted value stays refused.
        let report = db
            .store
            .secrets()
            .bring_to_current_key(now_utc())
            .await
            .expect("start");
        assert_eq!(report.unsealed, 1, "{report:?}");
        assert_eq!(report.refused, 0, "{report:?}");
        assert_eq!(report.sealed_now, 0, "{report:?}");
        refused(db.store.accounts().totp_record(b).await);
        assert_eq!(
            db.store.secrets().survey().await.expect("survey").unsealed,
            1
        );
    }
);

store_test!(
    the_first_start_after_upgrading_seals_what_was_stored_in_plain,
    async |db: &TestDb| {
        let u = account(db, "old@example.org", Role::Therapist, Some("h")).await;
        let v = account(db, "pending@example.org", Role::Therapist, Some("h")).await;
        for (sql, who) in [
            ("UPDATE users SET totp_secret = $1 WHERE id = $2", u),
            ("UPDATE users SET totp_pending_secret = $1 WHERE id = $2", v),
        ] {
            raw_execute_bytes(db, sql, SECRET, who.as_uuid())
                .await
                .expect("an account from before sealing");
        }
        assert_eq!(
            db.store.secrets().newest_generation().await.expect("q"),
            None
        );
        let report = db
            .store
            .secrets()
            .bring_to_current_key(now_utc())
            .await
            .expect("seal");
        assert_eq!(
            report,
            SealReport {
                current: 2,
                sealed_now: 2,
                ..SealReport::default()
            }
        );
        assert_ne!(stored(db, u).await, SECRET);
        assert_eq!(opened(&db.store, u).await.as_deref(), Some(SECRET));
        assert_eq!(
            db.store
                .accounts()
                .pending_totp_secret(v, b"new")
                .await
                .expect("pending"),
            SECRET,
            "the pending secret sealed in place is still the one shown"
        );
        assert_eq!(
            db.store.secrets().newest_generation().await.expect("q"),
            Some(1)
        );
        let audited = db
            .store
            .audit()
            .query(
                &AuditFilter {
                    action: Some("secrets.sealed".into()),
                    ..AuditFilter::default()
                },
                10,
            )
            .await
            .expect("audit");
        assert_eq!(audited.len(), 1, "the sealing is audited");
        // A second start has nothing to do.
        let again = db
            .store
            .secrets()
            .bring_to_current_key(now_utc())
            .await
            .expect("again");
        assert_eq!(again.sealed_now + again.older, 0);
    }
);

store_test!(
    a_rotation_reseals_with_the_new_key_and_others_reload_it,
    async |db: &TestDb| {
        let u = enrolled(db, "t@example.org").await;
        let first = db.store.secrets().keys().as_ref().clone();
        let second = first
            .with(SecretsKey::new(2, [42; 32]).expect("key"))
            .expect("ring");
        // Another instance still holds only the first key, and reads the key files again on need.
        let reloaded = second.clone();
        let stale = other_store(db, Some(first.clone())).await;
        stale
            .secrets()
            .use_keys(first.clone(), Some(Arc::new(move || Ok(reloaded.clone()))));

        db.store.secrets().use_keys(second.clone(), None);
        let report = db
            .store
            .secrets()
            .bring_to_current_key(now_utc())
            .await
            .expect("reseal");
        assert_eq!(report.older, 1, "{report:?}");
        assert_eq!(
            db.store.secrets().newest_generation().await.expect("q"),
            Some(2)
        );

        let only_new =
            SecretsKeyring::new([SecretsKey::new(2, [42; 32]).expect("key")]).expect("ring");
        let fresh = other_store(db, Some(only_new)).await;
        assert_eq!(
            opened(&fresh, u).await.as_deref(),
            Some(SECRET),
            "after the re-seal the old key is no longer needed to sign in"
        );
        assert_eq!(
            opened(&stale, u).await.as_deref(),
            Some(SECRET),
            "an instance with the old key picks up the new one"
        );
        assert_eq!(stale.secrets().keys().generations(), vec![1, 2]);
        stale.close().await;
        fresh.close().await;
    }
);
