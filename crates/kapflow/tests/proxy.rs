//! Several instances, one PostgreSQL, a real proxy: two `kapflow serve` processes behind Debian's
//! nginx, round-robin, with the trusted-proxy setting.
//!
//! Checked through the proxy, each answer named by the instance that gave it (nginx adds
//! `X-Upstream`): a signed-in session survives switching instance on every request; sign-in and
//! inquiry limits hold across instances; each queued email is delivered once; a site edit made
//! on one instance shows on the other within a second; an instance killed with SIGKILL under
//! write load loses no acknowledged write.
//!
//! Needs `/usr/sbin/nginx` (`scripts/test` installs it). Without it the test is skipped with a
//! message, except under `CI=true`, where that is a failure.

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use support::{OWNER_FORM, Server, kapflow_command, path_of};

const NGINX: &str = "/usr/sbin/nginx";
const OWNER_EMAIL: &str = "catherine%40example.org";
const OWNER_PASSWORD: &str = "correct+horse+battery";
/// Inquiries one caller may send per hour (low, so the limit is reached in a few requests).
const INQUIRIES_PER_HOUR: usize = 3;

#[test]
fn two_instances_behind_nginx_act_as_one_postgres() {
    if !Path::new(NGINX).exists() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "CI=true but {NGINX} is missing"
        );
        eprintln!("SKIPPED: the proxy test needs {NGINX} (run ./scripts/test to install nginx)");
        return;
    }
    let started = Instant::now();
    let rt = support::runtime();
    let (db_url, db_name) = rt.block_on(kapflow_store::testkit::postgres_empty());
    // Declared first, so it is dropped last: after the instances have stopped.
    let _db = DropDatabase(db_name);

    let proxy_port = free_port();
    let proxy = format!("http://127.0.0.1:{proxy_port}");
    // Every instance has the same keys, as the README asks of an operator.
    let keys = Keys::new();
    let dirs = [
        tempfile::tempdir().expect("dir"),
        tempfile::tempdir().expect("dir"),
    ];
    let a = start_instance(dirs[0].path(), &db_url, &keys, &proxy);
    let mut b = start_instance(dirs[1].path(), &db_url, &keys, &proxy);
    let nginx_dir = tempfile::tempdir().expect("dir");
    let nginx = Nginx::start(nginx_dir.path(), proxy_port, [&a.base, &b.base]);
    let names = Names::new(&a, &b);
    eprintln!("instances up behind nginx in {:?}", started.elapsed());

    let owner = sessions_survive_switching_instance(&proxy, &names, &a);
    site_edit_shows_on_the_other_instance(&proxy, &names, &a, &b, &owner);
    let accepted = limits_hold_across_instances(&proxy, &names);
    each_email_is_delivered_once(&proxy, &names, &dirs, accepted, &db_url, &rt);
    eprintln!("checks before the kill done in {:?}", started.elapsed());
    no_acknowledged_write_is_lost_to_a_kill(&proxy, &names, &mut b, &db_url, &rt);

    // The audit trail both instances wrote into is one valid chain.
    assert!(a.server.terminate().success(), "clean exit on SIGTERM");
    drop(nginx);
    let out = kapflow_command(dirs[0].path(), Some(&db_url))
        .envs(keys.env())
        .arg("check")
        .output()
        .expect("run check");
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{text}");
    assert!(text.contains("audit trail: ok"), "{text}");
    eprintln!("whole test: {:?}", started.elapsed());
}

/// The owner sets up the practice, signs in and enrols the second factor, each step answered by
/// the other instance; the session then holds on every request, and signing out on one instance
/// signs out on both. Returns the owner signed in again (password and code).
fn sessions_survive_switching_instance(proxy: &str, names: &Names, a: &Instance) -> Staff {
    let me = "192.0.2.10";
    let mut seen = Vec::new();
    let setup = path_of(a.server.setup_link.as_deref().expect("a setup link"));
    let r = call(proxy, "POST", &setup, me, None, Some(OWNER_FORM));
    assert_eq!(r.status, 200, "{}", r.body);
    seen.push(names.of(&r));

    let r = call(proxy, "POST", "/login", me, None, Some(&login_form()));
    assert_eq!(r.status, 303, "{}", r.body);
    assert!(r.location().starts_with("/mfa/enrol"), "{}", r.location());
    seen.push(names.of(&r));
    let cookie = r.session().expect("a session cookie");
    let r = call(proxy, "GET", "/mfa/enrol", me, Some(&cookie), None);
    assert_eq!(r.status, 200, "the enrolment page on the other instance");
    seen.push(names.of(&r));
    let secret_text = between(&r.body, "id=\"totp-secret\" class=\"secret\">", "</code>")
        .expect("the secret shown");
    let secret = kapflow_web::auth::totp::decode_secret_text(secret_text).expect("base32");
    let form = format!("_csrf={}&code={}", csrf_of(&r.body), totp_code(&secret, 0));
    let r = call(proxy, "POST", "/mfa/enrol", me, Some(&cookie), Some(&form));
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(
        r.body.contains("recovery-codes"),
        "the recovery codes shown"
    );
    seen.push(names.of(&r));
    let cookie = r.session().expect("the raised session's cookie");

    for _ in 0..20 {
        let r = call(proxy, "GET", "/dashboard", me, Some(&cookie), None);
        assert_eq!(
            r.status,
            200,
            "signed in on instance {} too: {}",
            names.of(&r),
            r.location()
        );
        seen.push(names.of(&r));
    }
    assert_alternates(&seen);
    eprintln!("sessions: {} requests alternating {seen:?}", seen.len());

    // Signing out through one instance ends the session on both.
    let page = call(proxy, "GET", "/dashboard", me, Some(&cookie), None);
    let form = format!("_csrf={}", csrf_of(&page.body));
    let r = call(proxy, "POST", "/logout", me, Some(&cookie), Some(&form));
    assert_eq!(r.status, 303);
    let mut refused = BTreeSet::new();
    for _ in 0..2 {
        let r = call(proxy, "GET", "/dashboard", me, Some(&cookie), None);
        assert_eq!(r.status, 303, "signed out on {}", names.of(&r));
        assert!(r.location().starts_with("/login"), "{}", r.location());
        refused.insert(names.of(&r));
    }
    assert_eq!(refused.len(), 2, "both instances refuse the ended session");

    // Signing in again: password on one instance, code on the other.
    let r = call(proxy, "POST", "/login", me, None, Some(&login_form()));
    assert_eq!(r.status, 303, "{}", r.body);
    assert!(r.location().starts_with("/login/mfa"), "{}", r.location());
    let first = names.of(&r);
    let cookie = r.session().expect("a session cookie");
    let r = call(proxy, "GET", "/login/mfa", me, Some(&cookie), None);
    assert_eq!(r.status, 200);
    assert_ne!(names.of(&r), first);
    // The next step's code: the enrolment's code may not be used twice.
    let form = format!(
        "_csrf={}&code={}&next=%2Fdashboard",
        csrf_of(&r.body),
        totp_code(&secret, 1)
    );
    let r = call(proxy, "POST", "/login/mfa", me, Some(&cookie), Some(&form));
    assert_eq!(r.status, 303, "{}", r.body);
    let cookie = r.session().expect("the raised session's cookie");
    let r = call(proxy, "GET", "/dashboard", me, Some(&cookie), None);
    assert_eq!(r.status, 200);
    Staff {
        ip: me.to_owned(),
        csrf: csrf_of(&r.body),
        cookie,
    }
}

/// The owner publishes a section through the proxy; the instance that did not take the edit
/// shows it on the public page (asked directly, after having cached the old page) within a
/// second and a half: `SiteCache` re-reads `site.version` at most once a second.
fn site_edit_shows_on_the_other_instance(
    proxy: &str,
    names: &Names,
    a: &Instance,
    b: &Instance,
    owner: &Staff,
) {
    let marker = format!(
        "Open on Saturdays, notice {}",
        uuid::Uuid::new_v4().simple()
    );
    for s in [a, b] {
        let home = s.get("/");
        assert_eq!(home.status, 200);
        assert!(!home.body.contains(&marker));
    }
    let form = format!(
        "_csrf={}&title=Welcome&body={}&action=publish",
        owner.csrf,
        marker.replace(' ', "+")
    );
    let r = call(
        proxy,
        "POST",
        "/site/home.intro",
        &owner.ip,
        Some(&owner.cookie),
        Some(&form),
    );
    assert_eq!(r.status, 303, "{}", r.body);
    let published = Instant::now();
    let (editor, other) = if names.of(&r) == "a" { (a, b) } else { (b, a) };
    assert!(
        editor.get("/").body.contains(&marker),
        "the editing instance shows the edit at once"
    );
    loop {
        if other.get("/").body.contains(&marker) {
            break;
        }
        assert!(
            published.elapsed() < Duration::from_secs(5),
            "the other instance never showed the edit"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let lag = published.elapsed();
    eprintln!(
        "site edit on {} shown by the other after {lag:?}",
        names.of(&r)
    );
    assert!(
        lag < Duration::from_millis(1500),
        "the other instance showed the edit after {lag:?}"
    );
}

/// One caller's inquiries and failed sign-ins are counted together whichever instance takes
/// them; another caller, told apart by `X-Forwarded-For`, is not held back. Returns how many
/// inquiries were accepted.
fn limits_hold_across_instances(proxy: &str, names: &Names) -> usize {
    let caller = "198.51.100.23";
    let tokens = form_tokens(proxy, INQUIRIES_PER_HOUR + 3);
    let mut accepted = BTreeSet::new();
    for (i, token) in tokens[..INQUIRIES_PER_HOUR].iter().enumerate() {
        let r = call(
            proxy,
            "POST",
            "/connect",
            caller,
            None,
            Some(&inquiry(&format!("Limit{i}"), token)),
        );
        assert_eq!(r.status, 303, "inquiry {i} accepted");
        accepted.insert(names.of(&r));
    }
    assert_eq!(accepted.len(), 2, "both instances took some");
    let mut limited = BTreeSet::new();
    for (i, token) in tokens[INQUIRIES_PER_HOUR..INQUIRIES_PER_HOUR + 2]
        .iter()
        .enumerate()
    {
        let r = call(
            proxy,
            "POST",
            "/connect",
            caller,
            None,
            Some(&inquiry(&format!("Over{i}"), token)),
        );
        assert_eq!(r.status, 429, "over the limit on {}", names.of(&r));
        assert!(r.header("retry-after").is_some());
        limited.insert(names.of(&r));
    }
    assert_eq!(limited.len(), 2, "both instances refuse the caller");
    let token = &tokens[INQUIRIES_PER_HOUR + 2];
    let r = call(
        proxy,
        "POST",
        "/connect",
        "198.51.100.24",
        None,
        Some(&inquiry("Neighbour", token)),
    );
    assert_eq!(r.status, 303, "another caller is not held back");

    // Sign-in failures for one address: ten are answered, the rest refused on both instances.
    let caller = "203.0.113.77";
    let form = "email=nobody%40example.org&password=not+the+password&next=%2Fdashboard";
    for i in 0..kapflow_web::routes::login::ACCOUNT_ATTEMPTS {
        let r = call(proxy, "POST", "/login", caller, None, Some(form));
        assert_eq!(r.status, 401, "failure {i} answered");
    }
    let mut limited = BTreeSet::new();
    for _ in 0..2 {
        let r = call(proxy, "POST", "/login", caller, None, Some(form));
        assert_eq!(r.status, 429, "refused on {}", names.of(&r));
        limited.insert(names.of(&r));
    }
    assert_eq!(limited.len(), 2, "both instances refuse further attempts");
    INQUIRIES_PER_HOUR + 1
}

/// Every inquiry queues one notice to the owner in the outbox; with both instances' workers
/// leasing from it, each notice is written once, by one of them.
fn each_email_is_delivered_once(
    proxy: &str,
    names: &Names,
    dirs: &[tempfile::TempDir; 2],
    earlier: usize,
    db_url: &str,
    rt: &tokio::runtime::Runtime,
) {
    const MORE: usize = 30;
    let tokens = form_tokens(proxy, MORE);
    for (i, token) in tokens.iter().enumerate() {
        let r = call(
            proxy,
            "POST",
            "/connect",
            &format!("198.51.100.{}", 100 + i),
            None,
            Some(&inquiry(&format!("Mail{i}"), token)),
        );
        assert_eq!(r.status, 303, "inquiry {i} via {}", names.of(&r));
    }
    let expected = earlier + MORE;
    let deadline = Instant::now() + Duration::from_secs(30);
    while notices(dirs[0].path()).len() + notices(dirs[1].path()).len() < expected {
        assert!(Instant::now() < deadline, "the notices were not all sent");
        std::thread::sleep(Duration::from_millis(100));
    }
    // A few more rounds of both workers: nothing is sent again.
    std::thread::sleep(Duration::from_secs(3));
    let per_instance = [notices(dirs[0].path()), notices(dirs[1].path())];
    let mut links: BTreeMap<&str, usize> = BTreeMap::new();
    for l in per_instance.iter().flatten() {
        *links.entry(l).or_default() += 1;
    }
    let doubled: Vec<_> = links.iter().filter(|(_, n)| **n > 1).collect();
    assert!(doubled.is_empty(), "sent more than once: {doubled:?}");
    assert_eq!(links.len(), expected, "one notice per inquiry");
    let waiting: i64 = rt.block_on(async {
        use sqlx::Connection;
        let mut c = sqlx::PgConnection::connect(db_url).await.expect("connect");
        sqlx::query_scalar("SELECT COUNT(*) FROM outbox WHERE delivered_at IS NULL")
            .fetch_one(&mut c)
            .await
            .expect("query")
    });
    assert_eq!(waiting, 0, "nothing left in the outbox");
    eprintln!(
        "outbox: {expected} notices, once each ({} written by a, {} by b)",
        per_instance[0].len(),
        per_instance[1].len()
    );
}

/// Inquiries from four threads through the proxy, one instance killed with SIGKILL in the
/// middle. Every inquiry answered 303 is stored; the proxy sends new requests to the survivor.
/// A POST that got no answer (nginx's 502 when the instance died holding it: nginx does not
/// retry a request it already sent unless told to, and must not be) may or may not have been
/// stored; the sender's retry with the same form token records it exactly once.
fn no_acknowledged_write_is_lost_to_a_kill(
    proxy: &str,
    names: &Names,
    b: &mut Instance,
    db_url: &str,
    rt: &tokio::runtime::Runtime,
) {
    struct Sent {
        name: String,
        caller: String,
        form: String,
        status: Option<u16>,
        upstream: String,
        at: Instant,
    }
    const THREADS: usize = 4;
    const EACH: usize = 50;
    let tokens = form_tokens(proxy, THREADS * EACH);
    let sent = Arc::new(Mutex::new(Vec::<Sent>::new()));
    let workers: Vec<_> = tokens
        .chunks(EACH)
        .enumerate()
        .map(|(w, chunk)| {
            let (chunk, sent, proxy) = (chunk.to_vec(), sent.clone(), proxy.to_owned());
            let names = names.clone();
            std::thread::spawn(move || {
                for (i, token) in chunk.iter().enumerate() {
                    let name = format!("Load{w}x{i}");
                    let caller = format!("10.9.{w}.{i}");
                    let form = inquiry(&name, token);
                    let at = Instant::now();
                    let r = send(&proxy, "POST", "/connect", &caller, None, Some(&form));
                    let (status, upstream) = match &r {
                        Ok(r) => (Some(r.status), names.of(r)),
                        Err(_) => (None, "none".to_owned()),
                    };
                    sent.lock().expect("lock").push(Sent {
                        name,
                        caller,
                        form,
                        status,
                        upstream,
                        at,
                    });
                }
            })
        })
        .collect();
    // Kill once a good share has been acknowledged, so writes are in flight on both.
    let deadline = Instant::now() + Duration::from_secs(60);
    while sent
        .lock()
        .expect("lock")
        .iter()
        .filter(|s| s.status == Some(303))
        .count()
        < 40
    {
        assert!(Instant::now() < deadline, "no load got through");
        std::thread::sleep(Duration::from_millis(5));
    }
    b.server.child.kill().expect("kill -9");
    let killed = Instant::now();
    b.server.child.wait().expect("reap");
    for w in workers {
        w.join().expect("worker");
    }
    let sent = std::mem::take(&mut *sent.lock().expect("lock"));
    let acknowledged: Vec<&Sent> = sent.iter().filter(|s| s.status == Some(303)).collect();
    let unanswered: Vec<&Sent> = sent.iter().filter(|s| s.status != Some(303)).collect();
    let after_kill = acknowledged.iter().filter(|s| s.at > killed).count();
    let mut by_outcome: BTreeMap<String, usize> = BTreeMap::new();
    for s in &sent {
        let status = s.status.map_or("no answer".to_owned(), |c| c.to_string());
        *by_outcome
            .entry(format!("{status} from {}", s.upstream))
            .or_default() += 1;
    }
    assert!(
        after_kill > 0,
        "the proxy kept serving through the survivor"
    );

    let stored = || -> BTreeMap<String, i64> {
        rt.block_on(async {
            use sqlx::Connection;
            let mut c = sqlx::PgConnection::connect(db_url).await.expect("connect");
            sqlx::query_as::<_, (String, i64)>(
                "SELECT name, COUNT(*) FROM inquiries WHERE name LIKE 'Load%' GROUP BY name",
            )
            .fetch_all(&mut c)
            .await
            .expect("query")
            .into_iter()
            .collect()
        })
    };
    let before_retry = stored();
    for s in &acknowledged {
        assert_eq!(
            before_retry.get(&s.name),
            Some(&1),
            "acknowledged {} lost",
            s.name
        );
    }
    let unanswered_but_stored = unanswered
        .iter()
        .filter(|s| before_retry.contains_key(&s.name))
        .count();
    // The sender of an unanswered form sends it again, as a browser's retry would.
    for s in &unanswered {
        let r = call(proxy, "POST", "/connect", &s.caller, None, Some(&s.form));
        assert_eq!(r.status, 303, "the retry of {} is accepted", s.name);
    }
    let after_retry = stored();
    assert_eq!(
        after_retry.len(),
        sent.len(),
        "every inquiry stored after the retries"
    );
    assert!(
        after_retry.values().all(|n| *n == 1),
        "no inquiry stored twice"
    );
    eprintln!(
        "kill: {} sent, {} acknowledged ({after_kill} after the kill), {} unanswered \
         ({unanswered_but_stored} of those stored anyway, the rest stored by the retry); {by_outcome:?}",
        sent.len(),
        acknowledged.len(),
        unanswered.len()
    );
}

/// Someone signed in: their session cookie's value, form token, and address.
struct Staff {
    ip: String,
    cookie: String,
    csrf: String,
}

/// Tells the instances apart by the upstream address nginx reports.
#[derive(Clone)]
struct Names {
    a: String,
    b: String,
}

impl Names {
    fn new(a: &Instance, b: &Instance) -> Names {
        let addr = |s: &Instance| s.base.trim_start_matches("http://").to_owned();
        Names {
            a: addr(a),
            b: addr(b),
        }
    }

    /// "a" or "b"; when nginx tried more than one (it lists each), they are joined with "→".
    fn of(&self, r: &Reply) -> String {
        let tried: Vec<&str> = r
            .header("x-upstream")
            .unwrap_or("")
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|u| {
                if u == self.a {
                    "a"
                } else if u == self.b {
                    "b"
                } else {
                    "?"
                }
            })
            .collect();
        if tried.is_empty() {
            "nginx".to_owned()
        } else {
            tried.join("→")
        }
    }
}

fn assert_alternates(seen: &[String]) {
    for pair in seen.windows(2) {
        assert_ne!(pair[0], pair[1], "round-robin alternates: {seen:?}");
    }
    assert!(seen.iter().all(|s| s == "a" || s == "b"), "{seen:?}");
}

/// A running instance and the address it really listens on (it prints the public URL, the
/// proxy's).
struct Instance {
    server: Server,
    base: String,
}

impl Instance {
    /// A GET straight to this instance, not through the proxy.
    fn get(&self, path: &str) -> Reply {
        call(&self.base, "GET", path, "192.0.2.200", None, None)
    }
}

/// The audit and secrets keys every instance is given (hex, in the environment).
struct Keys {
    audit: String,
    secrets: String,
}

impl Keys {
    fn new() -> Keys {
        let key = || {
            format!(
                "{}{}",
                uuid::Uuid::new_v4().simple(),
                uuid::Uuid::new_v4().simple()
            )
        };
        Keys {
            audit: key(),
            secrets: key(),
        }
    }

    fn env(&self) -> [(&'static str, &str); 2] {
        [
            ("KAPFLOW_AUDIT_KEY", self.audit.as_str()),
            ("KAPFLOW_SECRETS_KEY", self.secrets.as_str()),
        ]
    }
}

fn start_instance(data: &Path, db_url: &str, keys: &Keys, proxy: &str) -> Instance {
    let per_hour = INQUIRIES_PER_HOUR.to_string();
    let listen = format!("127.0.0.1:{}", free_port());
    let server = Server::spawn_at(
        kapflow_command(data, Some(db_url)).envs(keys.env()).envs([
            // The proxy is on this machine: its X-Forwarded-For names the caller.
            ("KAPFLOW_TRUSTED_PROXIES", "127.0.0.1"),
            ("KAPFLOW_PUBLIC_URL", proxy),
            ("KAPFLOW_INQUIRIES_PER_HOUR", per_hour.as_str()),
            ("KAPFLOW_OUTBOX_POLL_SECONDS", "1"),
        ]),
        &listen,
    );
    Instance {
        server,
        base: format!("http://{listen}"),
    }
}

/// nginx on its own configuration, logs and temporary files in `dir`, in the foreground;
/// stopped (SIGTERM, then SIGKILL) when dropped.
struct Nginx {
    child: Child,
    dir: PathBuf,
}

impl Nginx {
    fn start(dir: &Path, port: u16, upstreams: [&str; 2]) -> Nginx {
        let servers: String = upstreams
            .iter()
            .map(|u| {
                // One failure takes an instance out for 10 s: requests that could not even
                // connect go to the other (a request not yet sent is safe to send elsewhere).
                format!(
                    "        server {} max_fails=1 fail_timeout=10s;\n",
                    u.trim_start_matches("http://")
                )
            })
            .collect();
        // As root, the workers would otherwise switch to `nobody`, who cannot write the
        // temporary files in this 0700 directory.
        let user = if is_root() { "user root root;\n" } else { "" };
        let d = dir.display();
        let conf = format!(
            "{user}worker_processes 1;
pid {d}/nginx.pid;
error_log {d}/error.log warn;
events {{ worker_connections 512; }}
http {{
    log_format upstream '$remote_addr \"$request\" $status via $upstream_addr in $request_time';
    access_log {d}/access.log upstream;
    client_body_temp_path {d}/client_body;
    proxy_temp_path {d}/proxy;
    fastcgi_temp_path {d}/fastcgi;
    uwsgi_temp_path {d}/uwsgi;
    scgi_temp_path {d}/scgi;
    upstream kapflow {{
{servers}    }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://kapflow;
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            # Which instance answered (both, in order, when the first could not be reached).
            add_header X-Upstream $upstream_addr always;
        }}
    }}
}}
"
        );
        let conf_path = dir.join("nginx.conf");
        std::fs::write(&conf_path, conf).expect("write nginx.conf");
        let mut child = Command::new(NGINX)
            .arg("-p")
            .arg(format!("{d}/"))
            .arg("-e")
            .arg(dir.join("error.log"))
            .arg("-c")
            .arg(&conf_path)
            .args(["-g", "daemon off;"])
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start nginx");
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Some(status) = child.try_wait().expect("wait") {
                let log = std::fs::read_to_string(dir.join("error.log")).unwrap_or_default();
                panic!("nginx exited ({status}): {log}");
            }
            assert!(Instant::now() < deadline, "nginx did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
        Nginx {
            child,
            dir: dir.to_owned(),
        }
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        if std::thread::panicking() {
            for log in ["error.log", "access.log"] {
                let text = std::fs::read_to_string(self.dir.join(log)).unwrap_or_default();
                eprintln!("nginx {log}:\n{text}");
            }
        }
        // SIGTERM lets the master stop its workers; SIGKILL would leave them running.
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let log = std::fs::read_to_string(self.dir.join("error.log")).unwrap_or_default();
        eprintln!("nginx did not stop on SIGTERM; killing it. error.log:\n{log}");
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Drops the test's PostgreSQL database, even when the test fails.
struct DropDatabase(String);

impl Drop for DropDatabase {
    fn drop(&mut self) {
        kapflow_store::testkit::drop_postgres_database(
            &kapflow_store::testkit::pg_admin_url(),
            &self.0,
        );
    }
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

fn login_form() -> String {
    format!("email={OWNER_EMAIL}&password={OWNER_PASSWORD}&next=%2Fdashboard")
}

fn inquiry(name: &str, token: &str) -> String {
    format!(
        "name={name}&email={}%40example.org&preferred_contact=email&concerns=other&consent=yes&form_token={token}",
        name.to_lowercase()
    )
}

/// `n` fresh tokens of the public inquiry form, asked for through the proxy (either instance's
/// token is good on the other: they share its key).
fn form_tokens(proxy: &str, n: usize) -> Vec<String> {
    (0..n)
        .map(|_| {
            let page = call(proxy, "GET", "/connect", "192.0.2.99", None, None);
            between(&page.body, "name=\"form_token\" value=\"", "\"")
                .expect("a form token")
                .to_owned()
        })
        .collect()
}

fn totp_code(secret: &[u8], steps_ahead: u64) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs();
    kapflow_web::auth::totp::code_at(secret, now + steps_ahead * 30)
}

fn csrf_of(page: &str) -> String {
    between(page, "name=\"_csrf\" value=\"", "\"")
        .expect("a form token on the page")
        .to_owned()
}

fn between<'a>(text: &'a str, start: &str, end: &str) -> Option<&'a str> {
    let rest = &text[text.find(start)? + start.len()..];
    Some(&rest[..rest.find(end)?])
}

/// The inquiry links of the "New inquiry" emails written under `data`/mail.
fn notices(data: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(data.join("mail")) else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|e| std::fs::read_to_string(e.path()).ok())
        .filter(|t| t.contains("Subject: New inquiry"))
        .filter_map(|t| {
            let t = t
                .replace("=\r\n", "")
                .replace("=\n", "")
                .replace("=3D", "=");
            let rest = &t[t.find("/inquiries/")?..];
            Some(rest[..rest.find(char::is_whitespace).unwrap_or(rest.len())].to_owned())
        })
        .collect()
}

struct Reply {
    status: u16,
    head: String,
    body: String,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers(name).next()
    }

    fn headers<'a>(&'a self, name: &str) -> impl Iterator<Item = &'a str> {
        let name = name.to_owned();
        self.head.lines().skip(1).filter_map(move |l| {
            let (k, v) = l.split_once(':')?;
            k.trim().eq_ignore_ascii_case(&name).then(|| v.trim())
        })
    }

    fn location(&self) -> &str {
        self.header("location").unwrap_or("")
    }

    /// The session token a `Set-Cookie` sets (none when it clears the cookie).
    fn session(&self) -> Option<String> {
        self.headers("set-cookie")
            .find_map(|c| c.strip_prefix("kapflow_session="))
            .map(|rest| rest.split(';').next().unwrap_or("").to_owned())
            .filter(|t| !t.is_empty())
    }
}

/// One request as `caller` (sent as `X-Forwarded-For`: the test connects from 127.0.0.1, a
/// trusted proxy, so the address it names stands for a caller further out), with the session
/// cookie if given.
fn call(
    base: &str,
    method: &str,
    path: &str,
    caller: &str,
    cookie: Option<&str>,
    form: Option<&str>,
) -> Reply {
    send(base, method, path, caller, cookie, form).expect("HTTP exchange")
}

/// A minimal HTTP/1.1 exchange, one per connection; a refused or broken connection is an error.
fn send(
    base: &str,
    method: &str,
    path: &str,
    caller: &str,
    cookie: Option<&str>,
    form: Option<&str>,
) -> std::io::Result<Reply> {
    let authority = base.trim_start_matches("http://");
    let mut stream = TcpStream::connect(authority)?;
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    let body = form.unwrap_or("");
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\nX-Forwarded-For: {caller}\r\n"
    );
    if let Some(c) = cookie {
        req.push_str(&format!("Cookie: kapflow_session={c}\r\n"));
    }
    if form.is_some() {
        // As a browser sends a form: the cross-site check compares Origin with Host, so this
        // also proves the proxy passes Host through unchanged.
        req.push_str(&format!(
            "Content-Type: application/x-www-form-urlencoded\r\nOrigin: http://{authority}\r\n"
        ));
    }
    req.push_str(&format!("Content-Length: {}\r\n\r\n{body}", body.len()));
    stream.write_all(req.as_bytes())?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw)?;
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| std::io::Error::other("no end of headers"))?;
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut body = raw[split + 4..].to_vec();
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| std::io::Error::other("no status line"))?;
    let reply = Reply {
        status,
        head,
        body: String::new(),
    };
    if reply
        .header("transfer-encoding")
        .is_some_and(|v| v.eq_ignore_ascii_case("chunked"))
    {
        body = dechunk(&body)?;
    }
    Ok(Reply {
        body: String::from_utf8_lossy(&body).into_owned(),
        ..reply
    })
}

fn dechunk(mut raw: &[u8]) -> std::io::Result<Vec<u8>> {
    let bad = || std::io::Error::other("bad chunked body");
    let mut out = Vec::new();
    loop {
        let eol = raw.windows(2).position(|w| w == b"\r\n").ok_or_else(bad)?;
        let size_text = String::from_utf8_lossy(&raw[..eol]);
        let size = usize::from_str_radix(size_text.split(';').next().unwrap_or("").trim(), 16)
            .map_err(|_| bad())?;
        raw = &raw[eol + 2..];
        if size == 0 {
            return Ok(out);
        }
        out.extend_from_slice(raw.get(..size).ok_or_else(bad)?);
        raw = raw.get(size + 2..).ok_or_else(bad)?;
    }
}
