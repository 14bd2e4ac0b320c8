//! Black-box tests of the real binary: first run, restarts, crashes, PostgreSQL, `check`.

mod support;

use std::time::Duration;
use support::{OWNER_FORM, Server, check, kapflow_command, path_of};

#[test]
fn first_run_creates_the_database_and_a_setup_link_that_works_once() {
    let dir = tempfile::tempdir().expect("dir");
    let data = dir.path().join("kapflow-data");
    let server = Server::start(&data, None);
    assert!(
        data.join("kapflow.db").exists(),
        "SQLite file under the data dir"
    );
    assert_eq!(server.get("/healthz").status, 200);
    assert_eq!(server.get("/readyz").status, 200);
    let link = path_of(
        server
            .setup_link
            .as_deref()
            .expect("a setup link on first run"),
    );
    assert_eq!(server.get(&link).status, 200);
    let done = server.post_form(&link, OWNER_FORM);
    assert_eq!(done.status, 200, "{}", done.body);
    assert_eq!(server.get(&link).status, 410);
    assert_eq!(server.post_form(&link, OWNER_FORM).status, 410);

    // A second start reuses the same data: no new link, the practice is still there.
    assert!(server.terminate().success(), "clean exit on SIGTERM");
    let again = Server::start(&data, None);
    assert!(again.setup_link.is_none());
    assert!(again.get("/").body.contains("Alvarado Therapy"));
    assert_eq!(again.get(&link).status, 410);
    drop(again);
    let (ok, out) = check(&data, None);
    assert!(ok, "{out}");
    assert!(out.contains("audit trail: ok"), "{out}");
}

#[test]
fn an_unfinished_setup_gets_a_fresh_link_at_each_start() {
    let dir = tempfile::tempdir().expect("dir");
    let first = Server::start(dir.path(), None);
    let a = first.setup_link.clone().expect("link");
    drop(first);
    let second = Server::start(dir.path(), None);
    let b = second.setup_link.clone().expect("link");
    assert_ne!(a, b);
    assert_eq!(second.get(&path_of(&b)).status, 200);
}

#[test]
fn killed_during_first_start_the_database_still_starts_and_checks() {
    // Kill -9 at several moments of the first start (before, during and after migrations).
    for delay_ms in [0u64, 5, 15, 30, 60, 120, 250] {
        let dir = tempfile::tempdir().expect("dir");
        let mut child = kapflow_command(dir.path(), None)
            .args(["serve", "--listen", "127.0.0.1:0"])
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("start");
        std::thread::sleep(Duration::from_millis(delay_ms));
        child.kill().expect("kill -9");
        child.wait().expect("reap");
        let server = Server::start(dir.path(), None);
        assert_eq!(
            server.get("/readyz").status,
            200,
            "after a kill at {delay_ms} ms"
        );
        drop(server);
        let (ok, out) = check(dir.path(), None);
        assert!(ok, "check after a kill at {delay_ms} ms: {out}");
    }
}

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

/// A runtime and a connection to the embedded database, as someone with file access has.
fn raw_db(data: &std::path::Path) -> (tokio::runtime::Runtime, sqlx::SqliteConnection) {
    let db = data.join("kapflow.db");
    let rt = runtime();
    let c = rt.block_on(async {
        use sqlx::Connection;
        sqlx::SqliteConnection::connect(&format!("sqlite://{}", db.display()))
            .await
            .expect("open")
    });
    (rt, c)
}

/// Runs raw statements on the embedded database, as someone with file access could.
fn raw_sql(data: &std::path::Path, statements: &[&str]) {
    let (rt, mut c) = raw_db(data);
    rt.block_on(async {
        for sql in statements {
            sqlx::query(sqlx::AssertSqlSafe(*sql))
                .execute(&mut c)
                .await
                .unwrap_or_else(|e| panic!("{sql}: {e}"));
        }
    });
}

/// One integer from the embedded database.
fn raw_i64(data: &std::path::Path, query: &str) -> i64 {
    let (rt, mut c) = raw_db(data);
    rt.block_on(async {
        sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(query.to_owned()))
            .fetch_one(&mut c)
            .await
            .unwrap_or_else(|e| panic!("{query}: {e}"))
    })
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

#[test]
fn bad_database_urls_are_refused_without_creating_anything() {
    let dir = tempfile::tempdir().expect("dir");
    for (url, expect) in [
        ("mysql://localhost/kapflow", "does not support"),
        ("sqlite:///nonexistent/kapflow.db", "does not exist"),
        ("sqlite::memory:", "in-memory"),
    ] {
        let out = kapflow_command(dir.path(), Some(url))
            .args(["serve", "--listen", "127.0.0.1:0"])
            .output()
            .expect("run");
        assert!(!out.status.success(), "{url} must be refused");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(expect), "{url}: {err}");
    }
    assert!(!dir.path().join("kapflow.db").exists());
}

#[test]
fn check_refuses_a_missing_database_instead_of_creating_one() {
    let dir = tempfile::tempdir().expect("dir");
    let (ok, out) = check(dir.path(), None);
    assert!(!ok);
    assert!(out.contains("no database"), "{out}");
    assert!(!dir.path().join("kapflow.db").exists());
}

#[test]
fn version_is_printed() {
    let out = std::process::Command::new(support::KAPFLOW)
        .arg("--version")
        .output()
        .expect("run");
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("kapflow "));
}

#[tokio::test]
async fn two_instances_on_one_postgres_serve_as_one_postgres() {
    let (url, name) = kapflow_store::testkit::postgres_empty().await;
    let dir = tempfile::tempdir().expect("dir");
    let (a, b) = tokio::task::spawn_blocking({
        let url = url.clone();
        let data = dir.path().to_owned();
        move || {
            // Start both at once: migrations must be safe to race.
            let a = std::thread::spawn({
                let (url, data) = (url.clone(), data.clone());
                move || Server::start(&data, Some(&url))
            });
            let b = Server::start(&data, Some(&url));
            (a.join().expect("a"), b)
        }
    })
    .await
    .expect("start");
    let (a, b) = tokio::task::spawn_blocking(move || {
        for s in [&a, &b] {
            assert_eq!(s.get("/healthz").status, 200);
            assert_eq!(s.get("/readyz").status, 200);
        }
        // A link printed by one instance is spent through the other; both see the result.
        let link = path_of(a.setup_link.as_deref().expect("link from a"));
        assert_eq!(b.post_form(&link, OWNER_FORM).status, 200);
        assert_eq!(a.get(&link).status, 410);
        assert!(a.get("/").body.contains("Alvarado Therapy"));
        let other = path_of(b.setup_link.as_deref().expect("link from b"));
        assert_eq!(a.post_form(&other, OWNER_FORM).status, 410);
        (a, b)
    })
    .await
    .expect("checks");
    drop((a, b));
    let (ok, out) = check(dir.path(), Some(&url));
    assert!(ok, "{out}");
    assert!(
        !dir.path().join("kapflow.db").exists(),
        "no SQLite file when on PostgreSQL"
    );
    kapflow_store::testkit::drop_postgres_database(&kapflow_store::testkit::pg_admin_url(), &name);
}

#[test]
fn the_user_cli_invites_lists_and_disables() {
    let dir = tempfile::tempdir().expect("dir");
    let run = |args: &[&str]| {
        let out = kapflow_command(dir.path(), None)
            .args(args)
            .output()
            .expect("run");
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned()
                + &String::from_utf8_lossy(&out.stderr),
        )
    };
    let (ok, out) = run(&[
        "user",
        "add",
        "--email",
        "Sam@Example.org",
        "--role",
        "therapist",
        "--public-url",
        "https://kap.example.org",
    ]);
    assert!(ok, "{out}");
    assert!(out.contains("https://kap.example.org/invite/"), "{out}");
    let (ok, out) = run(&["user", "add", "--email", "x@example.org", "--role", "owner"]);
    assert!(!ok && out.contains("--role"), "{out}");

    // Accept the printed invitation through the server, then list and disable.
    let link = out_link(
        &run(&[
            "user",
            "add",
            "--email",
            "kim@example.org",
            "--role",
            "front_desk",
        ])
        .1,
    );
    let server = Server::start(dir.path(), None);
    let accept = server.post_form(
        &path_of(&link),
        "display_name=Kim&password=quiet+harbour+violet&password_confirm=quiet+harbour+violet",
    );
    assert_eq!(accept.status, 200, "{}", accept.body);
    drop(server);
    let (ok, out) = run(&["user", "list"]);
    assert!(
        ok && out.contains("kim@example.org")
            && out.contains("front_desk")
            && out.contains("active"),
        "{out}"
    );
    let (ok, out) = run(&["user", "disable", "--email", "kim@example.org"]);
    assert!(ok, "{out}");
    let (_, out) = run(&["user", "list"]);
    assert!(out.contains("disabled"), "{out}");
    let (ok, _) = run(&["user", "disable", "--email", "nobody@example.org"]);
    assert!(!ok);
}

fn out_link(out: &str) -> String {
    out.split_whitespace()
        .find(|w| w.contains("/invite/"))
        .expect("a link")
        .to_owned()
}

/// An acknowledged write is never lost and never doubled: inquiries are sent from four threads,
/// the server is killed with SIGKILL in the middle, and after a restart every inquiry that got
/// its 303 is there exactly once.
#[test]
fn acknowledged_inquiries_survive_kill_9_under_load() {
    use std::sync::{Arc, Mutex};
    let dir = tempfile::tempdir().expect("dir");
    let env = [("KAPFLOW_INQUIRIES_PER_HOUR", "100000")];
    let mut server = Server::start_env(dir.path(), &env);
    let base = server.url.clone();
    // Form tokens first (each inquiry needs its own).
    let tokens = server.form_tokens(240);
    let acknowledged = Arc::new(Mutex::new(Vec::<String>::new()));
    let workers: Vec<_> = tokens
        .chunks(60)
        .enumerate()
        .map(|(w, chunk)| {
            let chunk = chunk.to_vec();
            let (base, acknowledged) = (base.clone(), acknowledged.clone());
            std::thread::spawn(move || {
                for (i, token) in chunk.iter().enumerate() {
                    let name = format!("Load{w}x{i}");
                    let form = format!("name={name}&email=l{w}x{i}%40example.org&preferred_contact=email&concerns=other&consent=yes&form_token={token}");
                    match support::try_http(&base, "POST", "/connect", Some(&form)) {
                        Ok(r) if r.status == 303 => acknowledged.lock().expect("lock").push(name),
                        Ok(_) => {}
                        Err(_) => return,
                    }
                }
            })
        })
        .collect();
    std::thread::sleep(Duration::from_millis(250));
    server.child.kill().expect("kill -9");
    server.child.wait().expect("reap");
    for w in workers {
        w.join().expect("worker");
    }
    let acknowledged = acknowledged.lock().expect("lock").clone();
    assert!(
        !acknowledged.is_empty(),
        "some inquiries were acknowledged before the kill"
    );

    let again = Server::start_env(dir.path(), &env);
    drop(again);
    let (ok, out) = check(dir.path(), None);
    assert!(ok, "{out}");
    let db = dir.path().join("kapflow.db");
    let rt = runtime();
    let stored: Vec<(String, i64)> = rt.block_on(async {
        use sqlx::Connection;
        let mut c = sqlx::SqliteConnection::connect(&format!("sqlite://{}", db.display()))
            .await
            .expect("open");
        sqlx::query_as("SELECT name, COUNT(*) FROM inquiries GROUP BY name")
            .fetch_all(&mut c)
            .await
            .expect("query")
    });
    assert!(
        stored.iter().all(|(_, n)| *n == 1),
        "no inquiry stored twice"
    );
    for name in &acknowledged {
        assert!(
            stored.iter().any(|(s, _)| s == name),
            "acknowledged {name} was lost"
        );
    }
    eprintln!(
        "{} acknowledged before the kill, {} stored",
        acknowledged.len(),
        stored.len()
    );
}

/// A suicide-risk alert is queued with the submission that raised it: the server is killed
/// before it could send anything, and after a restart the therapist's notice goes out once.
#[test]
fn a_pending_alert_survives_a_kill_and_is_delivered_once() {
    use kapflow_domain::client::ClientInput;
    use kapflow_domain::time_util::now_utc;
    use kapflow_domain::{Actor, Email, Role};
    let dir = tempfile::tempdir().expect("dir");
    // The first instance's mail worker never gets a second round.
    let server = Server::start_env(dir.path(), &[("KAPFLOW_OUTBOX_POLL_SECONDS", "3600")]);
    let rt = runtime();
    let token = "binary-test-questionnaire-token-0123456789";
    rt.block_on(async {
        let store = embedded_store(dir.path()).await;
        // Rows written beside the server are keyed with its key, from the data directory.
        let keys = kapflow_store::audit_files::load(&kapflow_store::audit_files::KeySource::File(
            dir.path().join("audit-key"),
        ))
        .expect("audit key")
        .expect("made at start");
        store.audit().use_keys(keys, None);
        let email = Email::parse("ther@example.org").expect("email");
        let ther = store
            .accounts()
            .create_user(
                &kapflow_store::users::NewUser {
                    email: &email,
                    display_name: "Ther",
                    role: Role::Therapist,
                    password_hash: None,
                },
                &Actor::default(),
                now_utc(),
            )
            .await
            .expect("therapist");
        let client = ClientInput {
            legal_name: "Kill Test".into(),
            date_of_birth: "1980-01-01".into(),
            ..ClientInput::default()
        }
        .validate(kapflow_domain::pathway::today(now_utc()))
        .expect("client");
        let kapflow_store::clients::Created::Client(c) = store
            .clients()
            .create(
                "k-0123456789abcdef",
                &client,
                None,
                &[ther],
                &Actor::default(),
                now_utc(),
            )
            .await
            .expect("create")
        else {
            panic!("not created")
        };
        let clinical = store
            .grant_for_tests(
                ther,
                Role::Therapist,
                kapflow_domain::access::Action::ViewClinicalRecord,
                c,
            )
            .await
            .and_then(|a| a.clinical())
            .expect("the therapist's client");
        let req = store
            .measures()
            .requests(&clinical)
            .await
            .expect("requests")
            .into_iter()
            .find(|r| r.instrument == "phq9")
            .expect("baseline PHQ-9")
            .id;
        store
            .measures()
            .issue_link(
                &clinical,
                req,
                &kapflow_domain::token::token_hash(token),
                kapflow_domain::measures::schedule::Channel::Link,
                time::Duration::days(7),
                &format!("/m/{token}"),
                &Actor::default(),
                now_utc(),
            )
            .await
            .expect("link");
    });
    let answers = "q1=1&q2=1&q3=0&q4=0&q5=0&q6=0&q7=0&q8=0&q9=2";
    let r = server.post_form(&format!("/m/{token}"), answers);
    assert_eq!(r.status, 200);
    assert!(r.body.contains("988"), "crisis resources shown at once");
    let mut server = server;
    server.child.kill().expect("kill -9");
    server.child.wait().expect("reap");
    let alert_mails = || -> usize {
        std::fs::read_dir(dir.path().join("mail"))
            .map(|d| {
                d.filter_map(Result::ok)
                    .filter(|e| {
                        std::fs::read_to_string(e.path())
                            .map(|t| t.contains("Safety alert"))
                            .unwrap_or(false)
                    })
                    .count()
            })
            .unwrap_or(0)
    };
    assert_eq!(alert_mails(), 0, "nothing was sent before the kill");
    let again = Server::start(dir.path(), None);
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    while alert_mails() == 0 && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(alert_mails(), 1, "delivered after the restart");
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(alert_mails(), 1, "and only once");
    let mail = std::fs::read_dir(dir.path().join("mail"))
        .expect("dir")
        .filter_map(Result::ok)
        .map(|e| std::fs::read_to_string(e.path()).unwrap_or_default())
        .find(|t| t.contains("Safety alert"))
        .expect("mail");
    assert!(mail.contains("ther@example.org") && !mail.contains("Kill Test"));
    drop(again);
}

#[test]
fn metrics_on_their_own_listen_address_are_not_served_on_the_main_one() {
    // A free port for the metrics listener (released just before the server takes it).
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let metrics_addr = format!("127.0.0.1:{port}");
    let dir = tempfile::tempdir().expect("dir");
    let server = Server::start_env(dir.path(), &[("KAPFLOW_METRICS_LISTEN", &metrics_addr)]);
    assert_eq!(
        server.get("/metrics").status,
        404,
        "not on the main address"
    );
    assert_eq!(server.get("/healthz").status, 200);
    let metrics_url = format!("http://{metrics_addr}");
    let m = support::http(&metrics_url, "GET", "/metrics", None);
    assert_eq!(m.status, 200);
    assert!(m.body.contains("kapflow_mail_waiting"), "{}", m.body);
    assert_eq!(support::http(&metrics_url, "GET", "/", None).status, 404);
    assert!(
        server.terminate().success(),
        "both listeners stop on SIGTERM"
    );

    // Without the setting, the main address serves them as before.
    let dir = tempfile::tempdir().expect("dir");
    let server = Server::start(dir.path(), None);
    assert_eq!(server.get("/metrics").status, 200);
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

/// A runtime for the few checks that read the database directly.
fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("rt")
}

/// The data directory's embedded database, opened as a store without kapflow's key (as a
/// person with file access, or kapflow before the key existed, would).
async fn embedded_store(data: &std::path::Path) -> kapflow_store::Store {
    let target = kapflow_store::DatabaseTarget::default_sqlite(data);
    kapflow_store::Store::connect(&target).await.expect("open")
}

/// Starts the server and stops it with SIGTERM once it answers (answering means the SIGTERM
/// handler is in place, so the stop is a clean shutdown that writes its checkpoint).
fn start_and_stop_cleanly(data: &std::path::Path) {
    let server = Server::start(data, None);
    assert_eq!(server.get("/healthz").status, 200);
    assert!(server.terminate().success());
}
