//! The real binary against a failing machine: the data directory's disk fills up and empties
//! again, and the database restarts under load. Writes that cannot be made answer 503 with a
//! page that says nothing was lost, readiness says so, and everything heals without a restart.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};
use support::Server;

/// A small filesystem of its own (tmpfs), unmounted when dropped.
struct SmallDisk {
    dir: tempfile::TempDir,
}

impl SmallDisk {
    /// Mounts `megabytes` of tmpfs, or `None` where this machine may not mount (not root).
    fn mount(megabytes: u32) -> Option<SmallDisk> {
        let dir = tempfile::tempdir().expect("dir");
        let ok = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={megabytes}m"), "tmpfs"])
            .arg(dir.path())
            .status()
            .map(|s| s.success())
            .unwrap_or(false);
        if !ok {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "CI=true but a small filesystem could not be mounted for the disk-full test"
            );
            eprintln!("SKIPPED: the disk-full test mounts a tmpfs, which needs root");
            return None;
        }
        Some(SmallDisk { dir })
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Fills every free byte with a ballast file; returns its path.
    fn fill(&self) -> PathBuf {
        use std::io::Write;
        let path = self.path().join("ballast");
        let mut f = std::fs::File::create(&path).expect("ballast");
        let chunk = vec![0u8; 64 * 1024];
        while f.write_all(&chunk).is_ok() {}
        let small = vec![0u8; 512];
        while f.write_all(&small).is_ok() {}
        let _ = f.sync_all();
        path
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount")
            .arg("-l")
            .arg(self.dir.path())
            .status();
    }
}

fn form_tokens(server: &Server, n: usize) -> Vec<String> {
    server.form_tokens(n)
}

fn inquire(server: &Server, token: &str, i: usize) -> support::HttpReply {
    let form = format!(
        "name=Full{i}&email=f{i}%40example.org&preferred_contact=email&concerns=other&consent=yes&form_token={token}"
    );
    server.post_form("/connect", &form)
}

#[test]
fn a_full_disk_refuses_writes_with_503_and_heals_when_space_returns() {
    let Some(disk) = SmallDisk::mount(24) else {
        return;
    };
    let data = disk.path().join("data");
    std::fs::create_dir(&data).expect("data dir");
    let server = Server::start_env(&data, &[("KAPFLOW_INQUIRIES_PER_HOUR", "100000")]);
    let tokens = form_tokens(&server, 160);
    let mut acknowledged = vec![0usize];
    assert_eq!(
        inquire(&server, &tokens[0], 0).status,
        303,
        "a write before"
    );
    assert_eq!(server.get("/readyz").status, 200);

    let ballast = disk.fill();
    let mut statuses = Vec::new();
    for (i, token) in tokens.iter().enumerate().take(120).skip(1) {
        let r = inquire(&server, token, i);
        if r.status == 503 {
            assert!(
                r.body.contains("could not be saved") && r.body.contains("Nothing was lost"),
                "the 503 page says what happened: {}",
                r.body
            );
        }
        if r.status == 303 {
            acknowledged.push(i);
        }
        statuses.push(r.status);
    }
    assert!(
        statuses.iter().all(|s| *s == 303 || *s == 503),
        "every write either lands or is refused with 503, never a 500: {statuses:?}"
    );
    assert_eq!(
        statuses.last(),
        Some(&503),
        "with the disk full, writes are refused: {statuses:?}"
    );
    assert_eq!(
        server.get("/readyz").status,
        503,
        "not ready while the database cannot write"
    );

    // Space returns: writes resume by themselves, within seconds, with no restart.
    std::fs::remove_file(&ballast).expect("free the space");
    let freed = Instant::now();
    let deadline = Instant::now() + Duration::from_secs(15);
    let mut next = 120;
    loop {
        let r = inquire(&server, &tokens[next], next);
        if r.status == 303 {
            acknowledged.push(next);
            break;
        }
        assert!(
            Instant::now() < deadline,
            "writes never resumed after space returned (last answer {}): {}",
            r.status,
            r.body
        );
        assert!(next + 1 < tokens.len(), "out of form tokens");
        next += 1;
        std::thread::sleep(Duration::from_millis(250));
    }
    let resumed_ms = freed.elapsed().as_millis();
    for (i, token) in tokens.iter().enumerate().skip(next + 1).take(10) {
        assert_eq!(inquire(&server, token, i).status, 303, "and go on landing");
        acknowledged.push(i);
    }
    assert_eq!(server.get("/readyz").status, 200, "ready again");
    drop(server);
    let (ok, out) = support::check(&data, None);
    assert!(ok, "the database checks clean after the cycle: {out}");
    let stored = stored_names(&format!("sqlite://{}", data.join("kapflow.db").display()));
    for i in &acknowledged {
        assert!(
            stored.contains(&format!("Full{i}")),
            "acknowledged Full{i} was lost"
        );
    }
    eprintln!(
        "disk full: {} acknowledged, {} refused with 503 while full, writes resumed {resumed_ms} ms after space returned, {} present",
        acknowledged.len(),
        statuses.iter().filter(|s| **s == 503).count(),
        stored.len()
    );
}

/// The names of every stored inquiry, read straight from the database.
fn stored_names(url: &str) -> Vec<String> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("rt");
    rt.block_on(async {
        use sqlx::Connection;
        if url.starts_with("sqlite:") {
            let mut c = sqlx::SqliteConnection::connect(url).await.expect("open");
            sqlx::query_scalar("SELECT name FROM inquiries")
                .fetch_all(&mut c)
                .await
                .expect("query")
        } else {
            let mut c = sqlx::PgConnection::connect(url).await.expect("connect");
            sqlx::query_scalar("SELECT name FROM inquiries")
                .fetch_all(&mut c)
                .await
                .expect("query")
        }
    })
}

/// A PostgreSQL server of the test's own (initdb in a temporary directory, run as the
/// `postgres` user), so restarting it disturbs no other test. Stopped when dropped.
struct OwnPostgres {
    dir: tempfile::TempDir,
    bin: PathBuf,
    port: u16,
}

impl OwnPostgres {
    fn start() -> Option<OwnPostgres> {
        let bin = std::fs::read_dir("/usr/lib/postgresql")
            .ok()
            .and_then(|d| d.filter_map(|e| e.ok()).map(|e| e.path().join("bin")).max())
            .filter(|b| b.join("initdb").exists());
        let Some(bin) = bin else {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "CI=true but PostgreSQL's server binaries are missing"
            );
            eprintln!("SKIPPED: the restart test needs PostgreSQL's server binaries");
            return None;
        };
        let dir = tempfile::tempdir().expect("dir");
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("port");
        let pg = OwnPostgres { dir, bin, port };
        let chown = Command::new("chown")
            .args(["-R", "postgres:postgres"])
            .arg(pg.dir.path())
            .status();
        if !chown.map(|s| s.success()).unwrap_or(false)
            || !pg.run("initdb", &["-A", "trust", "-U", "postgres"])
        {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "CI=true but a private PostgreSQL could not be set up (needs root)"
            );
            eprintln!("SKIPPED: the restart test needs root to run a private PostgreSQL");
            return None;
        }
        assert!(pg.ctl("start"), "private PostgreSQL starts");
        Some(pg)
    }

    fn data(&self) -> PathBuf {
        self.dir.path().join("pg")
    }

    fn run(&self, tool: &str, args: &[&str]) -> bool {
        Command::new("runuser")
            .args(["-u", "postgres", "--"])
            .arg(self.bin.join(tool))
            .arg("-D")
            .arg(self.data())
            .args(args)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            .map(|s| s.success())
            .unwrap_or(false)
    }

    /// `pg_ctl start|stop|restart`, waiting for it to finish.
    fn ctl(&self, action: &str) -> bool {
        let opts = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=on",
            self.port,
            self.dir.path().display()
        );
        Command::new("runuser")
            .args(["-u", "postgres", "--"])
            .arg(self.bin.join("pg_ctl"))
            .arg("-D")
            .arg(self.data())
            .args(["-o", &opts, "-m", "fast", "-w", action])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            .map(|s| s.success())
            .unwrap_or(false)
    }

    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }
}

impl Drop for OwnPostgres {
    fn drop(&mut self) {
        let _ = self.ctl("stop");
    }
}

#[test]
fn a_postgres_restart_under_load_fails_requests_cleanly_and_heals_without_a_restart() {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::{Arc, Mutex};
    let Some(pg) = OwnPostgres::start() else {
        return;
    };
    let dir = tempfile::tempdir().expect("dir");
    let mut cmd = support::kapflow_command(dir.path(), Some(&pg.url()));
    cmd.env("KAPFLOW_INQUIRIES_PER_HOUR", "100000");
    let server = Server::spawn_command(&mut cmd);
    let tokens = form_tokens(&server, 400);
    let base = server.url.clone();

    // Two writers post inquiries without pause while the database restarts under them.
    let answers = Arc::new(Mutex::new(Vec::<(String, u16)>::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let writers: Vec<_> = tokens
        .chunks(tokens.len() / 2)
        .enumerate()
        .map(|(w, chunk)| {
            let (chunk, base) = (chunk.to_vec(), base.clone());
            let (answers, stop) = (answers.clone(), stop.clone());
            std::thread::spawn(move || {
                for (i, token) in chunk.iter().enumerate() {
                    if stop.load(Ordering::Relaxed) {
                        return;
                    }
                    let name = format!("Restart{w}x{i}");
                    let form = format!("name={name}&email=r{w}x{i}%40example.org&preferred_contact=email&concerns=other&consent=yes&form_token={token}");
                    let status = support::try_http(&base, "POST", "/connect", Some(&form))
                        .map(|r| r.status)
                        .unwrap_or(0);
                    answers.lock().expect("lock").push((name, status));
                    std::thread::sleep(Duration::from_millis(5));
                }
            })
        })
        .collect();
    std::thread::sleep(Duration::from_millis(400));
    assert!(pg.ctl("restart"), "PostgreSQL restarts");
    // Writes land again by themselves, without restarting kapflow.
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let landed_after = answers
            .lock()
            .expect("lock")
            .iter()
            .rev()
            .take(3)
            .filter(|(_, s)| *s == 303)
            .count();
        if landed_after == 3 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "writes never resumed after the restart"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    stop.store(true, Ordering::Relaxed);
    for w in writers {
        w.join().expect("writer");
    }
    assert_eq!(server.get("/readyz").status, 200, "ready after the restart");
    let answers = answers.lock().expect("lock").clone();
    let refused = answers.iter().filter(|(_, s)| *s == 503).count();
    assert!(
        answers.iter().all(|(_, s)| *s == 303 || *s == 503),
        "each request landed or was refused with 503, never a 500 or a dropped connection: {:?}",
        answers.iter().map(|(_, s)| s).collect::<Vec<_>>()
    );
    // Every acknowledged inquiry is there.
    let stored = stored_names(&pg.url());
    let acknowledged: Vec<&String> = answers
        .iter()
        .filter(|(_, s)| *s == 303)
        .map(|(n, _)| n)
        .collect();
    for name in &acknowledged {
        assert!(stored.contains(name), "acknowledged {name} was lost");
    }
    eprintln!(
        "postgres restart: {} acknowledged, {} refused with 503 during the restart, {} present",
        acknowledged.len(),
        refused,
        stored.len()
    );
}
