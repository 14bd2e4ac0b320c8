//! Backups end to end: taken while inquiries arrive, restored into a fresh directory with every
//! acknowledged inquiry in it; a damaged file, a wrong key and an occupied directory each
//! refused before anything is replaced; old backups pruned to `--keep`.

mod support;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use support::{Server, check, raw_db, run_kapflow};

/// A new identity file in `dir`; returns its path and recipient.
fn backup_key(dir: &Path, name: &str) -> (PathBuf, String) {
    let path = dir.join(name);
    let (ok, out) = run_kapflow(dir, &["backup-key", "--out", path.to_str().expect("utf-8")]);
    assert!(ok, "{out}");
    let recipient = out
        .split_whitespace()
        .find(|w| w.starts_with("age1"))
        .expect("the recipient is printed")
        .to_owned();
    (path, recipient)
}

fn backups_in(dir: &Path) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("backup dir")
        .map(|e| e.expect("entry").path())
        .collect();
    found.sort();
    found
}

/// A fresh data directory holding the practice's keys (never in a backup: the operator keeps
/// them apart and puts them back).
fn fresh_with_keys(from: &Path) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("dir");
    for key in ["audit-key", "secrets-key"] {
        std::fs::copy(from.join(key), dir.path().join(key)).expect("copy key");
    }
    dir
}

fn inquiry_names(data: &Path) -> Vec<(String, i64)> {
    let (rt, mut c) = raw_db(data);
    rt.block_on(async {
        sqlx::query_as("SELECT name, COUNT(*) FROM inquiries GROUP BY name")
            .fetch_all(&mut c)
            .await
            .expect("query")
    })
}

#[test]
fn a_backup_taken_under_load_restores_every_acknowledged_inquiry_and_bad_files_are_refused() {
    let dir = tempfile::tempdir().expect("dir");
    let data = dir.path();
    let keys_dir = tempfile::tempdir().expect("keys");
    let (identity, recipient) = backup_key(keys_dir.path(), "backup-identity.txt");
    let backups = tempfile::tempdir().expect("backups");

    let server = Server::start_env(data, &[("KAPFLOW_INQUIRIES_PER_HOUR", "100000")]);
    let tokens = server.form_tokens(160);
    let acknowledged = Arc::new(Mutex::new(Vec::<String>::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let workers: Vec<_> = tokens
        .chunks(40)
        .enumerate()
        .map(|(w, chunk)| {
            let chunk = chunk.to_vec();
            let (base, acknowledged, stop) =
                (server.url.clone(), acknowledged.clone(), stop.clone());
            std::thread::spawn(move || {
                for (i, token) in chunk.iter().enumerate() {
                    if stop.load(Ordering::Relaxed) {
                        return;
                    }
                    let name = format!("Backup{w}x{i}");
                    let form = format!("name={name}&email=b{w}x{i}%40example.org&preferred_contact=email&concerns=other&consent=yes&form_token={token}");
                    if let Ok(r) = support::try_http(&base, "POST", "/connect", Some(&form))
                        && r.status == 303
                    {
                        acknowledged.lock().expect("lock").push(name);
                    }
                }
            })
        })
        .collect();
    while acknowledged.lock().expect("lock").len() < 20 {
        std::thread::sleep(Duration::from_millis(10));
    }
    // Everything acknowledged before the backup starts must be in it.
    let before = acknowledged.lock().expect("lock").clone();
    let (ok, out) = run_kapflow(
        data,
        &[
            "backup",
            "--to",
            backups.path().to_str().expect("utf-8"),
            "--recipient",
            &recipient,
        ],
    );
    let during = acknowledged.lock().expect("lock").len();
    stop.store(true, Ordering::Relaxed);
    for w in workers {
        w.join().expect("worker");
    }
    assert!(ok, "{out}");
    assert!(out.contains("audit trail intact to row"), "{out}");
    let written = backups_in(backups.path());
    assert_eq!(written.len(), 1, "{written:?}");
    let backup = written[0].clone();
    assert!(
        backup
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with("kapflow-backup-") && n.ends_with(".age"))
    );
    let bytes = std::fs::read(&backup).expect("read");
    assert!(bytes.starts_with(b"age-encryption.org/v1"), "an age file");
    assert!(
        !bytes.windows(8).any(|w| w == b"Backup0x"),
        "no inquiry is readable in the file"
    );
    assert!(server.terminate().success());
    eprintln!(
        "{} acknowledged before the backup, {during} by its end",
        before.len()
    );

    // Restored into a fresh directory: every inquiry acknowledged before the backup, once.
    let fresh = fresh_with_keys(data);
    let identity_arg = identity.to_str().expect("utf-8");
    let backup_arg = backup.to_str().expect("utf-8");
    let (ok, out) = run_kapflow(
        fresh.path(),
        &["restore", "--from", backup_arg, "--identity", identity_arg],
    );
    assert!(ok, "{out}");
    assert!(out.contains("audit trail verified to row"), "{out}");
    let stored = inquiry_names(fresh.path());
    assert!(stored.iter().all(|(_, n)| *n == 1), "none twice");
    for name in &before {
        assert!(
            stored.iter().any(|(s, _)| s == name),
            "acknowledged {name} is missing from the restore"
        );
    }
    let (ok, out) = check(fresh.path(), None);
    assert!(ok, "the restored practice passes check: {out}");
    assert!(out.contains("second-factor secrets: ok"), "{out}");
    // The restore is on the record.
    let (rt, mut c) = raw_db(fresh.path());
    let restored: i64 = rt.block_on(async {
        sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'backup.restored'")
            .fetch_one(&mut c)
            .await
            .expect("q")
    });
    assert_eq!(restored, 1);
    drop(c);

    // A directory that has a database is not overwritten without --force.
    let (ok, out) = run_kapflow(
        fresh.path(),
        &["restore", "--from", backup_arg, "--identity", identity_arg],
    );
    assert!(!ok);
    assert!(out.contains("run again with --force"), "{out}");

    // One flipped byte, and a wrong key: each refused, and the database in place untouched.
    let in_place = std::fs::read(fresh.path().join("kapflow.db")).expect("db");
    let mut flipped = bytes.clone();
    let middle = flipped.len() / 2;
    flipped[middle] ^= 0x01;
    let damaged = backups.path().join("damaged.age");
    std::fs::write(&damaged, &flipped).expect("write");
    let (ok, out) = run_kapflow(
        fresh.path(),
        &[
            "restore",
            "--from",
            damaged.to_str().expect("utf-8"),
            "--identity",
            identity_arg,
            "--force",
        ],
    );
    assert!(!ok, "{out}");
    assert!(out.contains("damaged"), "{out}");
    assert!(out.contains("nothing was replaced"), "{out}");
    let (other_identity, _) = backup_key(keys_dir.path(), "another-identity.txt");
    let (ok, out) = run_kapflow(
        fresh.path(),
        &[
            "restore",
            "--from",
            backup_arg,
            "--identity",
            other_identity.to_str().expect("utf-8"),
            "--force",
        ],
    );
    assert!(!ok, "{out}");
    assert!(out.contains("encrypted to another key"), "{out}");
    assert_eq!(
        std::fs::read(fresh.path().join("kapflow.db")).expect("db"),
        in_place,
        "a refused restore leaves the database as it was"
    );
    let empty = fresh_with_keys(data);
    let (ok, _) = run_kapflow(
        empty.path(),
        &[
            "restore",
            "--from",
            damaged.to_str().expect("utf-8"),
            "--identity",
            identity_arg,
        ],
    );
    assert!(!ok);
    assert!(
        !empty.path().join("kapflow.db").exists(),
        "nothing put in place"
    );
    let leftovers: Vec<_> = std::fs::read_dir(empty.path())
        .expect("dir")
        .map(|e| e.expect("e").file_name())
        .filter(|n| n.to_string_lossy().starts_with(".restore"))
        .collect();
    assert!(
        leftovers.is_empty(),
        "no decrypted scratch left: {leftovers:?}"
    );

    // --force replaces, keeping the old database beside.
    let (ok, out) = run_kapflow(
        fresh.path(),
        &[
            "restore",
            "--from",
            backup_arg,
            "--identity",
            identity_arg,
            "--force",
        ],
    );
    assert!(ok, "{out}");
    assert!(
        std::fs::read_dir(fresh.path()).expect("dir").any(|e| e
            .expect("e")
            .file_name()
            .to_string_lossy()
            .starts_with("kapflow.db.before-restore-")),
        "the replaced database is kept"
    );
}

#[test]
fn backups_beyond_keep_are_removed_and_a_backup_needs_a_recipient() {
    let dir = tempfile::tempdir().expect("dir");
    let data = dir.path();
    let (_, recipient) = backup_key(data, "id.txt");
    let backups = tempfile::tempdir().expect("backups");
    let to = backups.path().to_str().expect("utf-8");
    let (ok, out) = run_kapflow(data, &["backup", "--to", to]);
    assert!(!ok);
    assert!(out.contains("no recipient"), "{out}");
    for _ in 0..3 {
        let (ok, out) = run_kapflow(
            data,
            &[
                "backup",
                "--to",
                to,
                "--recipient",
                &recipient,
                "--keep",
                "2",
            ],
        );
        assert!(ok, "{out}");
    }
    let kept = backups_in(backups.path());
    assert_eq!(kept.len(), 2, "{kept:?}");
    let (ok, out) = run_kapflow(data, &["backup", "--to", to, "--recipient", "age1nonsense"]);
    assert!(!ok);
    assert!(out.contains("not an age recipient"), "{out}");
}
