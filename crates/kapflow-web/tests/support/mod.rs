//! In-process test app: the real router on a fresh database, with signed-in people to call it as.

#![allow(dead_code)]

pub mod answers;
pub mod clinic;
pub mod portal;
pub mod signin;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};
use http_body_util::BodyExt;
use kapflow_domain::time_util::now_utc;
use kapflow_domain::token::token_hash;
use kapflow_domain::{Actor, Email, Role, UserId};
use kapflow_store::audit::{AuditFilter, AuditListing};
use kapflow_store::sessions::NewSession;
use kapflow_store::testkit::{self, TestDb};
use kapflow_store::users::NewUser;
use kapflow_web::{AppState, WebConfig};
use tower::ServiceExt;

pub struct TestApp {
    pub db: TestDb,
    pub app: Router,
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
    /// The body as sent (a PDF, say).
    pub bytes: Vec<u8>,
}

impl Reply {
    /// The value of a header as text ("" when absent).
    pub fn header(&self, name: header::HeaderName) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    pub fn location(&self) -> &str {
        self.header(header::LOCATION)
    }
    /// The session token a `Set-Cookie` carries, if any.
    pub fn session_cookie(&self) -> Option<String> {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find_map(|c| c.strip_prefix("kapflow_session="))
            .map(|rest| rest.split(';').next().unwrap_or("").to_owned())
            .filter(|t| !t.is_empty())
    }
}

/// Someone signed in: their session token (cookie) and form token.
#[derive(Clone, Debug)]
pub struct Person {
    pub id: UserId,
    pub role: Role,
    pub email: String,
    pub token: String,
    pub csrf: String,
}

impl Person {
    /// This person as the actor of a change made straight in the store.
    pub fn actor(&self) -> kapflow_domain::Actor {
        kapflow_domain::Actor::user(self.id, self.role, None, None)
    }
}

pub const PASSWORD: &str = "correct horse battery";

impl TestApp {
    pub async fn new() -> TestApp {
        TestApp::on(testkit::sqlite().await).await
    }

    /// The same app on a fresh PostgreSQL database.
    pub async fn new_postgres() -> TestApp {
        TestApp::on(testkit::postgres().await).await
    }

    /// The app on SQLite with settings other than the defaults.
    pub async fn with_config(config: WebConfig) -> TestApp {
        TestApp::on_with(testkit::sqlite().await, config).await
    }

    /// The app on PostgreSQL with settings other than the defaults.
    pub async fn postgres_with_config(config: WebConfig) -> TestApp {
        TestApp::on_with(testkit::postgres().await, config).await
    }

    async fn on(db: TestDb) -> TestApp {
        TestApp::on_with(db, WebConfig::default()).await
    }

    async fn on_with(db: TestDb, config: WebConfig) -> TestApp {
        db.store
            .site()
            .seed(&kapflow_web::site::seed::sections(), now_utc())
            .await
            .expect("seed site");
        let app = kapflow_web::app(AppState::new(db.store.clone(), config));
        TestApp { db, app }
    }

    pub async fn send(&self, req: Request<Body>) -> Reply {
        send(&self.app, req).await
    }

    pub async fn get(&self, uri: &str, who: Option<&Person>) -> Reply {
        let mut b = Request::get(uri);
        if let Some(p) = who {
            b = b.header(header::COOKIE, format!("kapflow_session={}", p.token));
        }
        self.send(b.body(Body::empty()).expect("req")).await
    }

    /// A same-origin JSON POST, its form token in the `x-csrf-token` header (as scripts send).
    pub async fn post_json(&self, uri: &str, json: &serde_json::Value, who: &Person) -> Reply {
        let b = Request::post(uri)
            .header(header::CONTENT_TYPE, "application/json")
            .header("sec-fetch-site", "same-origin")
            .header(header::COOKIE, format!("kapflow_session={}", who.token))
            .header("x-csrf-token", &who.csrf);
        self.send(b.body(Body::from(json.to_string())).expect("req"))
            .await
    }

    /// A same-origin form POST; `who`'s form token is added unless the form has one.
    pub async fn post(&self, uri: &str, form: &str, who: Option<&Person>) -> Reply {
        let mut body = form.to_owned();
        let mut b = Request::post(uri)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header("sec-fetch-site", "same-origin");
        if let Some(p) = who {
            b = b.header(header::COOKIE, format!("kapflow_session={}", p.token));
            if !form.contains("_csrf=") {
                if !body.is_empty() {
                    body.push('&');
                }
                body.push_str(&format!("_csrf={}", p.csrf));
            }
        }
        self.send(b.body(Body::from(body)).expect("req")).await
    }

    /// A same-origin multipart POST (a form with a file): `fields` as typed, then the file
    /// `(field, file name, bytes)` if one was chosen; `who`'s form token is added.
    pub async fn post_multipart(
        &self,
        uri: &str,
        fields: &[(&str, &str)],
        file: Option<(&str, &str, &[u8])>,
        who: &Person,
    ) -> Reply {
        let (content_type, body) = multipart_body(&who.csrf, fields, file);
        let req = Request::post(uri)
            .header(header::CONTENT_TYPE, content_type)
            .header("sec-fetch-site", "same-origin")
            .header(header::COOKIE, format!("kapflow_session={}", who.token))
            .body(Body::from(body))
            .expect("req");
        self.send(req).await
    }

    /// An account with the test password (Argon2id hash).
    pub async fn account(&self, email: &str, role: Role) -> UserId {
        let p = kapflow_domain::NewPassword::parse(PASSWORD, PASSWORD).expect("pw");
        let hash = kapflow_web::auth::password::hash(p).await.expect("hash");
        self.create_user(email, role, Some(&hash)).await
    }

    /// An account with `password_hash` (or none), made directly in the store.
    async fn create_user(&self, email: &str, role: Role, password_hash: Option<&str>) -> UserId {
        let e = Email::parse(email).expect("email");
        self.db
            .store
            .accounts()
            .create_user(
                &NewUser {
                    email: &e,
                    display_name: email,
                    role,
                    password_hash,
                },
                &Actor::default(),
                now_utc(),
            )
            .await
            .expect("user")
    }

    /// A new session for `id`, with both factors passed when `mfa` is true.
    pub async fn session_for(&self, id: UserId, role: Role, email: &str, mfa: bool) -> Person {
        self.new_session(id, role, email, mfa, false).await
    }

    /// The same person in a new session just confirmed with their code (step-up), for the
    /// sensitive actions.
    pub async fn confirmed(&self, p: &Person) -> Person {
        self.confirmed_session_for(p.id, p.role, &p.email).await
    }

    /// A new session for `id`, both factors passed and just confirmed with a code (step-up).
    pub async fn confirmed_session_for(&self, id: UserId, role: Role, email: &str) -> Person {
        self.new_session(id, role, email, true, true).await
    }

    async fn new_session(
        &self,
        id: UserId,
        role: Role,
        email: &str,
        mfa: bool,
        step_up: bool,
    ) -> Person {
        let token = kapflow_web::setup_link::new_token();
        let csrf = kapflow_web::setup_link::new_token();
        let hash = token_hash(&token);
        self.db
            .store
            .accounts()
            .start_session_after_password(
                &NewSession {
                    user: id,
                    token_hash: &hash,
                    csrf_token: &csrf,
                    mfa_verified: mfa,
                    step_up,
                    ip: None,
                    user_agent: None,
                },
                &Actor::default(),
                now_utc(),
            )
            .await
            .expect("session");
        Person {
            id,
            role,
            email: email.to_owned(),
            token,
            csrf,
        }
    }

    /// An account without a password hash (fast), signed in with both factors.
    pub async fn signed_in(&self, email: &str, role: Role) -> Person {
        let id = self.create_user(email, role, None).await;
        self.session_for(id, role, email, true).await
    }

    pub async fn audit_actions(&self, actor: Option<UserId>) -> Vec<(String, String)> {
        let f = AuditFilter {
            actor,
            ..Default::default()
        };
        self.audit_rows(&f, 1000)
            .await
            .into_iter()
            .map(|r| (r.entry.action, r.entry.outcome.as_str().to_owned()))
            .collect()
    }

    /// Audit rows matching `filter`, newest first, at most `limit`.
    pub async fn audit_rows(&self, filter: &AuditFilter, limit: i64) -> Vec<AuditListing> {
        self.db
            .store
            .audit()
            .query(filter, limit)
            .await
            .expect("audit")
    }

    /// Audit rows of `action`, newest first, at most `limit`.
    pub async fn audit_of_action(&self, action: &str, limit: i64) -> Vec<AuditListing> {
        let f = AuditFilter {
            action: Some(action.into()),
            ..Default::default()
        };
        self.audit_rows(&f, limit).await
    }

    /// A GET, or an empty-form POST, as `method` says.
    pub async fn call(&self, method: &str, uri: &str, who: Option<&Person>) -> Reply {
        if method == "GET" {
            self.get(uri, who).await
        } else {
            self.post(uri, "", who).await
        }
    }
}

/// Runs `$flow(t: TestApp)` as two tests: `$sqlite` on SQLite and `$postgres` on PostgreSQL.
#[allow(unused_macros)]
macro_rules! on_both_backends {
    ($flow:ident, $sqlite:ident, $postgres:ident) => {
        #[tokio::test]
        async fn $sqlite() {
            $flow($crate::support::TestApp::new().await).await;
        }

        #[tokio::test]
        async fn $postgres() {
            $flow($crate::support::TestApp::new_postgres().await).await;
        }
    };
}
#[allow(unused_imports)]
pub(crate) use on_both_backends;

pub async fn send(app: &Router, req: Request<Body>) -> Reply {
    let res = app.clone().oneshot(req).await.expect("infallible");
    let status = res.status();
    let headers = res.headers().clone();
    let bytes = res.into_body().collect().await.expect("body").to_bytes();
    Reply {
        status,
        headers,
        body: String::from_utf8_lossy(&bytes).into_owned(),
        bytes: bytes.to_vec(),
    }
}

/// The text of a PDF reply, read by another PDF reader (lopdf), and its page count.
pub fn pdf_text(r: &Reply) -> (usize, String) {
    assert_eq!(
        r.headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok()),
        Some("application/pdf"),
        "{}",
        r.body
    );
    let doc = lopdf::Document::load_mem(&r.bytes).expect("a PDF another reader opens");
    let pages: Vec<u32> = doc.get_pages().keys().copied().collect();
    let text = doc.extract_text(&pages).expect("its text");
    (pages.len(), text)
}

/// Delivers the outbox as files and returns the first link containing `marker`.
pub async fn mailed_link(t: &TestApp, marker: &str) -> String {
    mailed(t)
        .await
        .into_iter()
        .find_map(|text| {
            let i = text.find(marker)?;
            let start = text[..i].rfind("http").unwrap_or(i);
            let rest = &text[start..];
            let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
            Some(
                rest[..end]
                    .trim_start_matches("http://127.0.0.1:8080")
                    .to_owned(),
            )
        })
        .expect("a mailed link")
}

/// Delivers the outbox as `.eml` files and returns their text, unfolded.
pub async fn mailed(t: &TestApp) -> Vec<String> {
    let dir = tempfile::tempdir().expect("dir");
    let ctx = kapflow_web::mail::MailContext {
        mailer: kapflow_web::mail::Mailer::Files(dir.path().to_owned()),
        from: "kapflow <kapflow@localhost>".parse().expect("from"),
        public_url: "http://127.0.0.1:8080".into(),
    };
    kapflow_web::mail::deliver_due(&t.db.store, &ctx, "test")
        .await
        .expect("deliver");
    std::fs::read_dir(dir.path())
        .expect("dir")
        .map(|f| {
            let text = std::fs::read_to_string(f.expect("f").path()).expect("read");
            text.replace("=\r\n", "")
                .replace("=\n", "")
                .replace("=3D", "=")
        })
        .collect()
}

/// A multipart form body as a browser sends it, and its content type.
pub fn multipart_body(
    csrf: &str,
    fields: &[(&str, &str)],
    file: Option<(&str, &str, &[u8])>,
) -> (String, Vec<u8>) {
    let boundary = "----kapflowtest";
    let mut body = Vec::new();
    for (name, value) in std::iter::once(&("_csrf", csrf)).chain(fields) {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    if let Some((name, file_name, bytes)) = file {
        // The browser's idea of the type is ignored: kapflow sniffs the bytes.
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; \
                 filename=\"{file_name}\"\r\nContent-Type: image/gif\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}
