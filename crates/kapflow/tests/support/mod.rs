//! The end-to-end harness: the real `kapflow` binary on a free port, a tiny HTTP client, and
//! headless Debian Chromium driven through chromedriver.

#![allow(dead_code)]

pub mod browser;
pub mod keys;
pub mod ui;
pub mod wcag;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

pub const KAPFLOW: &str = env!("CARGO_BIN_EXE_kapflow");

/// A fresh practice for a browser test: a new data directory (kept while the `TempDir` lives)
/// and the server on it, started off the async runtime.
pub async fn practice_server() -> (tempfile::TempDir, std::path::PathBuf, Server) {
    let dir = tempfile::tempdir().expect("dir");
    let data = dir.path().to_owned();
    let server = {
        let data = data.clone();
        tokio::task::spawn_blocking(move || Server::start(&data, None))
            .await
            .expect("server")
    };
    (dir, data, server)
}

/// A running `kapflow serve`, killed when dropped.
pub struct Server {
    pub child: Child,
    pub url: String,
    pub setup_link: Option<String>,
}

/// A command for the binary with a clean environment: no inherited kapflow settings.
pub fn kapflow_command(data_dir: &Path, database_url: Option<&str>) -> Command {
    let mut cmd = Command::new(KAPFLOW);
    for (k, _) in std::env::vars() {
        if k.starts_with("KAPFLOW_") || k == "DATABASE_URL" {
            cmd.env_remove(k);
        }
    }
    cmd.env("KAPFLOW_DATA_DIR", data_dir);
    cmd.env("KAPFLOW_LOG", "warn");
    if let Some(url) = database_url {
        cmd.env("DATABASE_URL", url);
    }
    cmd
}

impl Server {
    pub fn start(data_dir: &Path, database_url: Option<&str>) -> Server {
        Server::start_logged(data_dir, database_url, None)
    }

    /// Starts with extra environment settings.
    pub fn start_env(data_dir: &Path, env: &[(&str, &str)]) -> Server {
        Server::spawn(
            kapflow_command(data_dir, None).envs(env.iter().copied()),
            None,
        )
    }

    /// Starts with debug logging written to `log` (tests read it back to prove no secret is
    /// ever logged).
    pub fn start_logged(data_dir: &Path, database_url: Option<&str>, log: Option<&Path>) -> Server {
        Server::spawn(&mut kapflow_command(data_dir, database_url), log)
    }

    /// Starts a command made with [`kapflow_command`] and more settings.
    pub fn spawn_command(cmd: &mut Command) -> Server {
        Server::spawn(cmd, None)
    }

    /// Starts a command made with [`kapflow_command`] on `listen` (a restart on the address a
    /// browser already has open).
    pub fn spawn_at(cmd: &mut Command, listen: &str) -> Server {
        Server::spawn_listening(cmd, None, listen)
    }

    fn spawn(cmd: &mut Command, log: Option<&Path>) -> Server {
        Server::spawn_listening(cmd, log, "127.0.0.1:0")
    }

    fn spawn_listening(cmd: &mut Command, log: Option<&Path>, listen: &str) -> Server {
        cmd.args(["serve", "--listen", listen])
            .stdout(Stdio::piped());
        match log {
            Some(path) => {
                cmd.env("KAPFLOW_LOG", "debug");
                cmd.stderr(std::fs::File::create(path).expect("log file"));
            }
            None => {
                cmd.stderr(Stdio::inherit());
            }
        }
        let mut child = cmd.spawn().expect("start kapflow");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                // Keep draining after the test stops listening, so the server never blocks.
                let _ = tx.send(line);
            }
        });
        let deadline = Instant::now() + Duration::from_secs(60);
        let mut setup_link = None;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let Ok(line) = rx.recv_timeout(left) else {
                let _ = child.kill();
                let _ = child.wait();
                panic!("kapflow did not print its URL in time (or exited)");
            };
            let trimmed = line.trim();
            if trimmed.contains("/setup/") {
                setup_link = Some(trimmed.to_owned());
            }
            if let Some((_, url)) = trimmed.split_once(" is listening on ") {
                return Server {
                    child,
                    url: url.to_owned(),
                    setup_link,
                };
            }
        }
    }

    pub fn get(&self, path: &str) -> HttpReply {
        http(&self.url, "GET", path, None)
    }

    /// `n` fresh tokens of the public inquiry form (each inquiry needs its own).
    pub fn form_tokens(&self, n: usize) -> Vec<String> {
        (0..n)
            .map(|_| {
                let page = self.get("/connect").body;
                page.split("name=\"form_token\" value=\"")
                    .nth(1)
                    .and_then(|s| s.split('"').next())
                    .expect("token")
                    .to_owned()
            })
            .collect()
    }

    pub fn post_form(&self, path: &str, form: &str) -> HttpReply {
        http(&self.url, "POST", path, Some(form))
    }

    /// Asks the server to stop with SIGTERM and waits for it.
    pub fn terminate(mut self) -> ExitStatus {
        let pid = self.child.id().to_string();
        let status = Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .expect("kill");
        assert!(status.success());
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(s) = self.child.try_wait().expect("wait") {
                return s;
            }
            assert!(Instant::now() < deadline, "kapflow did not stop on SIGTERM");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub struct HttpReply {
    pub status: u16,
    pub head: String,
    pub body: String,
}

/// A minimal HTTP/1.1 client for black-box checks (one request per connection).
pub fn http(base: &str, method: &str, path: &str, form: Option<&str>) -> HttpReply {
    try_http(base, method, path, form).expect("HTTP exchange")
}

/// Like [`http`], but a refused or broken connection is an error, not a panic.
pub fn try_http(
    base: &str,
    method: &str,
    path: &str,
    form: Option<&str>,
) -> std::io::Result<HttpReply> {
    let authority = base.trim_start_matches("http://");
    let mut stream = TcpStream::connect(authority)?;
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    let body = form.unwrap_or("");
    let mut req = format!("{method} {path} HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\n");
    if form.is_some() {
        req.push_str("Content-Type: application/x-www-form-urlencoded\r\n");
    }
    req.push_str(&format!("Content-Length: {}\r\n\r\n{body}", body.len()));
    stream.write_all(req.as_bytes())?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw)?;
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| std::io::Error::other("no status line"))?;
    Ok(HttpReply {
        status,
        head: head.to_owned(),
        body: body.to_owned(),
    })
}

/// The path part of a full link printed by the server.
pub fn path_of(link: &str) -> String {
    let rest = link.trim_start_matches("http://");
    rest.find('/')
        .map(|i| rest[i..].to_owned())
        .unwrap_or_else(|| "/".into())
}

/// Runs `kapflow check` on a data directory; returns (success, stdout).
pub fn check(data_dir: &Path, database_url: Option<&str>) -> (bool, String) {
    outcome(
        kapflow_command(data_dir, database_url)
            .arg("check")
            .output()
            .expect("run check"),
    )
}

/// Runs `kapflow ARGS` on the embedded database of `data_dir`: whether it succeeded, and what
/// it printed (stdout, then stderr).
pub fn run_kapflow(data_dir: &Path, args: &[&str]) -> (bool, String) {
    outcome(
        kapflow_command(data_dir, None)
            .args(args)
            .output()
            .expect("run kapflow"),
    )
}

/// Runs `kapflow ARGS` on `data_dir` and the database at `url` (or the embedded one).
pub fn run_on(data_dir: &Path, url: Option<&str>, args: &[&str]) -> std::process::Output {
    kapflow_command(data_dir, url)
        .args(args)
        .output()
        .expect("run kapflow")
}

/// What a run printed: stdout, then stderr.
pub fn printed(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr)
}

fn outcome(out: std::process::Output) -> (bool, String) {
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr),
    )
}

pub const OWNER_FORM: &str = "practice_name=Alvarado+Therapy&time_zone=America%2FLos_Angeles&display_name=Catherine+Alvarado&email=catherine%40example.org&password=correct+horse+battery&password_confirm=correct+horse+battery";

/// A runtime for the few checks that read the database directly.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("rt")
}

/// The data directory's embedded database, opened as a store without kapflow's key (as a
/// person with file access, or kapflow before the key existed, would).
pub async fn embedded_store(data: &std::path::Path) -> kapflow_store::Store {
    let target = kapflow_store::DatabaseTarget::default_sqlite(data);
    kapflow_store::Store::connect(&target).await.expect("open")
}

/// The data directory's embedded database with the running server's audit key, so rows a
/// test writes beside the server join the audit chain as the server's would.
pub async fn keyed_store(data: &std::path::Path) -> kapflow_store::Store {
    keyed_store_on(data, None).await
}

/// The practice at `url` (or the data directory's embedded database) with the data
/// directory's audit key.
pub async fn keyed_store_on(data: &std::path::Path, url: Option<&str>) -> kapflow_store::Store {
    let target = kapflow_store::DatabaseTarget::resolve(url, data).expect("target");
    let store = kapflow_store::Store::connect(&target).await.expect("open");
    let keys = kapflow_store::audit_files::load(&kapflow_store::audit_files::KeySource::File(
        data.join("audit-key"),
    ))
    .expect("audit key")
    .expect("made at start");
    store.audit().use_keys(keys, None);
    store
}

/// The id of the account with this email.
pub async fn user_id(store: &kapflow_store::Store, email: &str) -> kapflow_domain::UserId {
    store
        .users()
        .by_email(&kapflow_domain::Email::parse(email).expect("email"))
        .await
        .expect("user")
        .expect("exists")
        .id
}

/// A runtime and a connection to the embedded database, as someone with file access has.
pub fn raw_db(data: &std::path::Path) -> (tokio::runtime::Runtime, sqlx::SqliteConnection) {
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
pub fn raw_sql(data: &std::path::Path, statements: &[&str]) {
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
pub fn raw_i64(data: &std::path::Path, query: &str) -> i64 {
    let (rt, mut c) = raw_db(data);
    rt.block_on(async {
        sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(query.to_owned()))
            .fetch_one(&mut c)
            .await
            .unwrap_or_else(|e| panic!("{query}: {e}"))
    })
}

/// Starts the server and stops it with SIGTERM once it answers (answering means the SIGTERM
/// handler is in place, so the stop is a clean shutdown that writes its checkpoint).
pub fn start_and_stop_cleanly(data: &std::path::Path) {
    let server = Server::start(data, None);
    assert_eq!(server.get("/healthz").status, 200);
    assert!(server.terminate().success());
}
