//! Black-box tests of the real binary: first run, restarts, crashes, PostgreSQL, `check`.

mod support;

use std::time::Duration;
use support::{OWNER_FORM, Server, check, embedded_store, kapflow_command, path_of, runtime};

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
    // Without a public address, the link uses the address kapflow listens on.
    let (ok, out) = run(&[
        "user",
        "add",
        "--email",
        "lee@example.org",
        "--role",
        "prescriber",
        "--listen",
        "192.0.2.7:3000",
    ]);
    assert!(ok && out.contains("http://192.0.2.7:3000/invite/"), "{out}");
    let (ok, out) = run(&["user", "add", "--email", "x@example.org", "--role", "owner"]);
    assert!(!ok && out.contains("--role"), "{out}");
    // A prescriber's partner organisation is set with the invitation (added when new); only a
    // prescriber has one.
    let (ok, out) = run(&[
        "user",
        "add",
        "--email",
        "ray@example.org",
        "--role",
        "therapist",
        "--org",
        "Journey Clinical",
    ]);
    assert!(!ok && out.contains("--org"), "{out}");
    let (ok, out) = run(&[
        "user",
        "add",
        "--email",
        "dr.ng@example.org",
        "--role",
        "prescriber",
        "--org",
        "Journey Clinical",
    ]);
    assert!(
        ok && out.contains("Added the partner organisation"),
        "{out}"
    );
    let prescriber_link = out_link(&out);

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
    let accept = server.post_form(
        &path_of(&prescriber_link),
        "display_name=Dr+Ng&password=quiet+harbour+violet&password_confirm=quiet+harbour+violet",
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
    assert!(out.contains("Dr Ng (Journey Clinical)"), "{out}");
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
        .validate(kapflow_domain::zone::PracticeZone::utc().today(now_utc()))
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
