//! Headless Debian Chromium through chromedriver (WebDriver, via fantoccini).
//!
//! Without a browser the tests are skipped with a message, except under `CI=true`, where a
//! missing browser is a failure.

use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct Browser {
    pub client: fantoccini::Client,
    driver: Child,
    _profile: tempfile::TempDir,
}

const FLAGS: &[&str] = &[
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
    "--window-size=1280,900",
];

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

fn tool(env: &str, default: &str) -> String {
    std::env::var(env).unwrap_or_else(|_| default.to_owned())
}

impl Browser {
    /// Starts chromedriver and a fresh Chromium profile, or returns `None` (skip) when they are
    /// not installed and this is not CI.
    pub async fn start() -> Option<Browser> {
        let chromium = tool("KAPFLOW_CHROMIUM", "/usr/bin/chromium");
        let chromedriver = tool("KAPFLOW_CHROMEDRIVER", "/usr/bin/chromedriver");
        if !std::path::Path::new(&chromium).exists()
            || !std::path::Path::new(&chromedriver).exists()
        {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "CI=true but Chromium or chromedriver is missing ({chromium}, {chromedriver})"
            );
            eprintln!(
                "SKIPPED: browser test needs {chromium} and {chromedriver} (run ./scripts/test to install them)"
            );
            return None;
        }
        let port = free_port();
        let driver = Command::new(&chromedriver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "chromedriver did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        let profile = tempfile::tempdir().expect("profile dir");
        let mut args: Vec<String> = FLAGS.iter().map(|s| s.to_string()).collect();
        args.push(format!("--user-data-dir={}", profile.path().display()));
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".into(),
            serde_json::json!({ "binary": chromium, "args": args }),
        );
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        let client = fantoccini::ClientBuilder::new(connector)
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
            .expect("WebDriver session");
        Some(Browser {
            client,
            driver,
            _profile: profile,
        })
    }

    pub async fn close(mut self) {
        let _ = self.client.clone().close().await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// axe-core's source, from `KAPFLOW_AXE_JS` (scripts/test fetches it from the npm registry).
/// Without it the checks are skipped with a message, except under `CI=true`.
pub fn axe_source() -> Option<String> {
    let path = std::env::var("KAPFLOW_AXE_JS").ok().or_else(|| {
        let p = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../target/test-deps/axe-core/axe.min.js"
        );
        std::path::Path::new(p).exists().then(|| p.to_owned())
    });
    match path.and_then(|p| std::fs::read_to_string(p).ok()) {
        Some(js) => Some(js),
        None => {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "CI=true but axe-core is missing (KAPFLOW_AXE_JS)"
            );
            eprintln!("SKIPPED: accessibility checks need axe-core (run ./scripts/test)");
            None
        }
    }
}

/// Runs axe-core (WCAG 2.0/2.1/2.2 A and AA rules) on the current page; returns the violations.
pub async fn axe_violations(c: &fantoccini::Client, axe_js: &str) -> Vec<String> {
    c.execute(axe_js, vec![]).await.expect("inject axe-core");
    let script = "const done = arguments[arguments.length - 1];\
        axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22a', 'wcag22aa'] } })\
          .then(r => done({ passes: r.passes.length, violations: r.violations.map(v => v.id + ' (' + v.impact + '): ' + v.nodes.map(n => n.target.join(' ')).join(', ')) }))\
          .catch(e => done({ passes: 0, violations: ['axe failed: ' + e] }));";
    let v = c.execute_async(script, vec![]).await.expect("run axe-core");
    let passes = v["passes"].as_u64().expect("axe-core answered");
    assert!(
        passes > 10,
        "axe-core ran only {passes} passing rules: it did not really check the page"
    );
    v["violations"]
        .as_array()
        .expect("violations")
        .iter()
        .filter_map(|x| x.as_str().map(str::to_owned))
        .collect()
}
