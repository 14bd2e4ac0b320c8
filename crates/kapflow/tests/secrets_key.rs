//! The secrets key end to end: made at first start beside the database (owner-only), the
//! second-factor secrets stored before sealing sealed at that start, `kapflow secrets
//! rotate-key` re-sealing them, and a data directory without the key refused with a clear
//! message instead of starting with secrets nobody can open.

mod support;

use support::{check, raw_db, raw_sql, run_kapflow, start_and_stop_cleanly};

/// A TOTP secret as kapflow stored it before sealing (plain), and the same in hex for SQL.
const PLAIN: &[u8] = b"OLDSECRETOLDSECR";
const OLD_SECRET: &str = "4f4c445345435245544f4c4453454352";

fn stored_secret(data: &std::path::Path) -> Vec<u8> {
    let (rt, mut c) = raw_db(data);
    rt.block_on(async {
        sqlx::query_scalar::<_, Vec<u8>>(
            "SELECT totp_secret FROM users WHERE email = 'old@example.org'",
        )
        .fetch_one(&mut c)
        .await
        .expect("a stored secret")
    })
}

#[test]
fn secrets_are_sealed_at_start_rotated_and_need_their_key() {
    let dir = tempfile::tempdir().expect("dir");
    let data = dir.path();
    assert!(run_kapflow(data, &["migrate"]).0);
    // An account enrolled before sealing existed.
    raw_sql(
        data,
        &[&format!(
            "INSERT INTO users (id, email, display_name, role, totp_secret, created_at, updated_at) \
             VALUES (X'0190000000007000800000000000abcd', 'old@example.org', 'Old', 'therapist', \
             X'{OLD_SECRET}', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')"
        )],
    );
    let plain = PLAIN.to_vec();
    assert_eq!(stored_secret(data), plain);

    start_and_stop_cleanly(data);
    let key = data.join("secrets-key");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key)
            .expect("a secrets key made at first start")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "the key is readable by its owner only");
    }
    let first_key = std::fs::read_to_string(&key).expect("key");
    assert!(first_key.starts_with("kapflow-secrets-key 1 "));
    let sealed = stored_secret(data);
    assert_ne!(sealed, plain, "sealed at start");
    assert!(!sealed.windows(plain.len()).any(|w| w == plain.as_slice()));
    let (ok, out) = check(data, None);
    assert!(ok, "{out}");
    assert!(out.contains("second-factor secrets: ok (1 sealed"), "{out}");

    let (ok, out) = run_kapflow(data, &["secrets", "rotate-key"]);
    assert!(ok, "{out}");
    assert!(
        !out.contains(first_key.split(' ').nth(2).expect("hex").trim()),
        "{out}"
    );
    assert_eq!(
        std::fs::read_to_string(data.join("secrets-key.1")).expect("old key kept"),
        first_key
    );
    assert!(
        std::fs::read_to_string(&key)
            .expect("new")
            .starts_with("kapflow-secrets-key 2 ")
    );
    assert_ne!(stored_secret(data), sealed, "re-sealed with the new key");
    let (ok, out) = check(data, None);
    assert!(ok, "{out}");

    // The database without its key: kapflow will not start, and says what is missing.
    let aside = tempfile::tempdir().expect("aside");
    for name in ["secrets-key", "secrets-key.1"] {
        std::fs::rename(data.join(name), aside.path().join(name)).expect("move the key away");
    }
    let (ok, out) = check(data, None);
    assert!(!ok, "{out}");
    assert!(out.contains("1 do not open"), "{out}");
    let (ok, out) = run_kapflow(data, &["secrets", "rotate-key"]);
    assert!(!ok, "{out}");
    assert!(
        out.contains("restore the key files (secrets-key, secrets-key.N)"),
        "{out}"
    );
    assert!(
        !data.join("secrets-key").exists(),
        "no new key is made over sealed secrets"
    );
}
