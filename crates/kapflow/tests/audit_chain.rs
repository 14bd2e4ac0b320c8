//! The audit trail against someone with the database file: rows edited and re-hashed, rows cut
//! from the end, checkpoint lines forged, key rotation, a trail from before the key, the daily
//! digest — each found by `kapflow check`, on the real binary.

mod support;

use std::time::Duration;
use support::{
    OWNER_FORM, Server, check, embedded_store, kapflow_command, path_of, raw_i64, raw_sql, runtime,
    start_and_stop_cleanly,
};

#[test]
fn check_names_a_tampered_audit_row() {
    let dir = tempfile::tempdir().expect("dir");
    let server = Server::start(dir.path(), None);
    let link = path_of(server.setup_link.as_deref().expect("link"));
    assert_eq!(server.post_form(&link, OWNER_FORM).status, 200);
    drop(server);
    let (ok, out) = check(dir.path(), None);
    assert!(ok, "{out}");

    // Someone with file access removes the triggers and rewrites history.
    let db = dir.path().join("kapflow.db");
    let rt = runtime();
    let tampered_id: String = rt.block_on(async {
        use sqlx::Connection;
        let mut c = sqlx::SqliteConnection::connect(&format!("sqlite://{}", db.display()))
            .await
            .expect("open");
        sqlx::query("DROP TRIGGER audit_log_no_update")
            .execute(&mut c)
            .await
            .expect("drop");
        sqlx::query("UPDATE audit_log SET ip = '10.9.9.9' WHERE seq = 2")
            .execute(&mut c)
            .await
            .expect("tamper");
        let id: uuid::Uuid = sqlx::query_scalar("SELECT id FROM audit_log WHERE seq = 2")
            .fetch_one(&mut c)
            .await
            .expect("id");
        id.to_string()
    });
    let (ok, out) = check(dir.path(), None);
    assert!(!ok, "check must fail: {out}");
    assert!(out.contains("BROKEN at row 2"), "{out}");
    assert!(out.contains(&tampered_id), "{out}");
}

/// A practice with an owner: a few audit rows, and the server stopped again.
fn practice_with_an_owner(data: &std::path::Path, env: &[(&str, &str)]) -> Server {
    let server = Server::start_env(data, env);
    let link = path_of(server.setup_link.as_deref().expect("link"));
    assert_eq!(server.post_form(&link, OWNER_FORM).status, 200);
    server
}

/// The newest rows are deleted (nothing after them breaks, so the chain alone cannot tell):
/// the checkpoint the running server wrote names the missing rows.
#[test]
fn check_names_audit_rows_deleted_from_the_end() {
    let dir = tempfile::tempdir().expect("dir");
    let server = practice_with_an_owner(dir.path(), &[("KAPFLOW_AUDIT_CHECKPOINT_SECONDS", "1")]);
    let head = raw_i64(dir.path(), "SELECT MAX(seq) FROM audit_log");
    assert!(head >= 3, "{head} rows");
    // The periodic checkpoint catches the head; then the server dies without a clean stop.
    std::thread::sleep(Duration::from_millis(2_500));
    drop(server);
    let (ok, out) = check(dir.path(), None);
    assert!(ok, "{out}");

    raw_sql(
        dir.path(),
        &[
            "DROP TRIGGER audit_log_no_delete",
            &format!("DELETE FROM audit_log WHERE seq >= {}", head - 1),
        ],
    );
    let (ok, out) = check(dir.path(), None);
    assert!(!ok, "check must fail: {out}");
    assert!(
        out.contains(&format!("rows {}..{} are missing", head - 1, head)),
        "{out}"
    );
}

/// An edited row with the plain SHA-256 chain recomputed after it (what passed `check` before
/// the chain was keyed) is found: the attacker does not have the key.
#[test]
fn check_finds_a_row_rehashed_with_plain_sha256() {
    use kapflow_domain::audit::ChainHash;
    let dir = tempfile::tempdir().expect("dir");
    drop(practice_with_an_owner(dir.path(), &[]));
    let (ok, out) = check(dir.path(), None);
    assert!(ok, "{out}");

    let rt = runtime();
    rt.block_on(async {
        use sqlx::Connection;
        let store = embedded_store(dir.path()).await;
        let mut rows = store.audit().recent(1_000).await.expect("rows");
        store.close().await;
        rows.reverse();
        let mut c = sqlx::SqliteConnection::connect(&format!(
            "sqlite://{}",
            dir.path().join("kapflow.db").display()
        ))
        .await
        .expect("open");
        sqlx::query("DROP TRIGGER audit_log_no_update")
            .execute(&mut c)
            .await
            .expect("drop");
        // Row 2 gets another address; every hash from row 2 on is recomputed the old way.
        let mut prev: ChainHash =
            sqlx::query_scalar::<_, Vec<u8>>("SELECT hash FROM audit_log WHERE seq = 1")
                .fetch_one(&mut c)
                .await
                .expect("hash")
                .try_into()
                .expect("32 bytes");
        for mut row in rows.into_iter().filter(|r| r.seq >= 2) {
            if row.seq == 2 {
                row.entry.ip = Some("10.9.9.9".into());
            }
            let hash = row.entry.chain_hash(row.seq, &prev);
            sqlx::query("UPDATE audit_log SET ip = $1, prev_hash = $2, hash = $3 WHERE seq = $4")
                .bind(row.entry.ip.clone())
                .bind(prev.to_vec())
                .bind(hash.to_vec())
                .bind(row.seq)
                .execute(&mut c)
                .await
                .expect("rewrite");
            prev = hash;
        }
    });
    let (ok, out) = check(dir.path(), None);
    assert!(!ok, "check must fail: {out}");
    assert!(out.contains("BROKEN at row 2"), "{out}");
}

/// A checkpoint line edited by hand (here: a later sequence number) fails its signature.
#[test]
fn check_reports_a_tampered_checkpoint_line() {
    let dir = tempfile::tempdir().expect("dir");
    let server = practice_with_an_owner(dir.path(), &[]);
    assert!(server.terminate().success());
    let (ok, out) = check(dir.path(), None);
    assert!(ok, "{out}");
    let path = dir.path().join("audit-checkpoints.log");
    let text = std::fs::read_to_string(&path).expect("a checkpoint file beside the database");
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines.len() >= 2, "a start and a stop checkpoint: {text}");
    let last = lines.len();
    let edited = lines[last - 1].replacen(" seq=", " seq=9", 1);
    let mut changed: Vec<String> = lines[..last - 1].iter().map(|l| l.to_string()).collect();
    changed.push(edited);
    std::fs::write(&path, changed.join("\n") + "\n").expect("edit");
    let (ok, out) = check(dir.path(), None);
    assert!(!ok, "check must fail: {out}");
    assert!(
        out.contains(&format!("checkpoint line {last} has a bad signature")),
        "{out}"
    );
}

/// `kapflow audit rotate-key` keeps the old key as audit-key.1 so old rows still verify, and the
/// rows written after it use the new key.
#[test]
fn check_passes_after_audit_rotate_key() {
    let dir = tempfile::tempdir().expect("dir");
    let server = practice_with_an_owner(dir.path(), &[]);
    assert!(server.terminate().success());
    let key = dir.path().join("audit-key");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key)
            .expect("a key file")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "the key is readable by its owner only");
    }
    let first_key = std::fs::read_to_string(&key).expect("key");
    let before = raw_i64(dir.path(), "SELECT MAX(seq) FROM audit_log");
    assert_eq!(
        raw_i64(
            dir.path(),
            "SELECT COUNT(*) FROM audit_log WHERE key_gen = 1"
        ),
        before
    );

    let out = kapflow_command(dir.path(), None)
        .args(["audit", "rotate-key"])
        .output()
        .expect("run");
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{text}");
    assert!(
        !text.contains(first_key.trim()),
        "no key is printed: {text}"
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("audit-key.1")).expect("old key kept"),
        first_key
    );
    assert_ne!(std::fs::read_to_string(&key).expect("new key"), first_key);

    // A row written afterwards (by the CLI, then the server) uses the new key.
    let out = kapflow_command(dir.path(), None)
        .args([
            "user",
            "add",
            "--email",
            "sam@example.org",
            "--role",
            "therapist",
        ])
        .output()
        .expect("run");
    assert!(out.status.success());
    start_and_stop_cleanly(dir.path());
    assert_eq!(
        raw_i64(
            dir.path(),
            &format!("SELECT COUNT(*) FROM audit_log WHERE seq > {before} AND key_gen <> 2")
        ),
        0
    );
    assert!(raw_i64(dir.path(), "SELECT MAX(seq) FROM audit_log") >= before + 2);
    let (ok, out) = check(dir.path(), None);
    assert!(ok, "{out}");
    assert!(out.contains("audit trail: ok"), "{out}");
    assert!(!out.contains(first_key.trim()), "{out}");
}

/// A trail written before kapflow keyed it (plain SHA-256 rows) is keyed at the next start:
/// the old rows still verify, the first keyed row says where the key took over.
#[test]
fn an_unkeyed_trail_is_keyed_at_start_and_still_verifies() {
    use kapflow_domain::AuditEntry;
    use kapflow_domain::time_util::now_utc;
    let dir = tempfile::tempdir().expect("dir");
    let out = kapflow_command(dir.path(), None)
        .arg("migrate")
        .output()
        .expect("migrate");
    assert!(out.status.success());
    let rt = runtime();
    rt.block_on(async {
        // A store without a key writes rows the way kapflow did before the key existed.
        let store = embedded_store(dir.path()).await;
        for i in 0..3 {
            store
                .audit()
                .record(&AuditEntry::system("test.old", now_utc()).record("n", i))
                .await
                .expect("row");
        }
        store.close().await;
    });
    assert!(!dir.path().join("audit-key").exists());
    start_and_stop_cleanly(dir.path());
    assert_eq!(
        raw_i64(
            dir.path(),
            "SELECT COUNT(*) FROM audit_log WHERE key_gen IS NULL"
        ),
        3
    );
    assert_eq!(
        raw_i64(
            dir.path(),
            "SELECT seq FROM audit_log WHERE action = 'audit.chain_keyed' AND key_gen = 1"
        ),
        4
    );
    let (ok, out) = check(dir.path(), None);
    assert!(ok, "{out}");
    assert!(out.contains("rows 1..3 verified without a key"), "{out}");
}

/// With KAPFLOW_AUDIT_DIGEST the owner is mailed a signed checkpoint, a copy kept off the
/// machine: `check --checkpoint` compares the trail with it, and refuses an edited one.
#[test]
fn the_daily_digest_mails_the_owner_a_checkpoint_check_accepts() {
    let dir = tempfile::tempdir().expect("dir");
    let server = practice_with_an_owner(dir.path(), &[]);
    assert!(server.terminate().success());
    let server = Server::start_env(
        dir.path(),
        &[
            ("KAPFLOW_AUDIT_DIGEST", "true"),
            ("KAPFLOW_AUDIT_CHECKPOINT_SECONDS", "1"),
        ],
    );
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    let line = loop {
        let found = std::fs::read_dir(dir.path().join("mail"))
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|e| std::fs::read_to_string(e.path()).ok())
            .map(|m| quoted_printable(&m))
            .find(|m| m.contains("kapflow-checkpoint v1"));
        if let Some(mail) = found {
            assert!(mail.contains("catherine@example.org"), "{mail}");
            break mail
                .lines()
                .find(|l| l.starts_with("kapflow-checkpoint v1"))
                .expect("the line")
                .trim()
                .to_owned();
        }
        assert!(std::time::Instant::now() < deadline, "no digest mailed");
        std::thread::sleep(Duration::from_millis(200));
    };
    assert!(line.contains("event=digest"), "{line}");
    assert!(server.terminate().success());
    let run = |extra: &str| {
        let out = kapflow_command(dir.path(), None)
            .args(["check", "--checkpoint", extra])
            .output()
            .expect("run");
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    };
    let (ok, out) = run(&line);
    assert!(ok, "{out}");
    let (ok, out) = run(&line.replacen("seq=", "seq=1", 1));
    assert!(!ok, "{out}");
    assert!(out.contains("has a bad signature"), "{out}");
}

/// The text of a quoted-printable mail body (the mail's long lines are sent so).
fn quoted_printable(text: &str) -> String {
    let joined = text.replace("=\r\n", "").replace("=\n", "");
    let mut out = Vec::new();
    let bytes = joined.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'=', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}
