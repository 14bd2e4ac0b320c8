//! In-process router tests: the real app with a fresh SQLite database, called with `oneshot`.

mod support;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use axum::routing::get;
use kapflow_domain::time_util::now_utc;
use kapflow_domain::token::token_hash;
use kapflow_store::testkit::{self, TestDb};
use kapflow_web::{AppState, WebConfig};
use support::{Reply, send};
use time::Duration;

struct TestApp {
    db: TestDb,
    app: Router,
}

impl TestApp {
    async fn new() -> TestApp {
        let db = testkit::sqlite().await;
        db.store
            .site()
            .seed(&kapflow_web::site::seed::sections(), now_utc())
            .await
            .expect("seed site");
        let app = kapflow_web::app(AppState::new(db.store.clone(), WebConfig::default()));
        TestApp { db, app }
    }

    async fn send(&self, req: Request<Body>) -> Reply {
        send(&self.app, req).await
    }

    async fn get(&self, uri: &str) -> Reply {
        self.send(Request::get(uri).body(Body::empty()).expect("request"))
            .await
    }

    async fn post_form(&self, uri: &str, form: &str) -> Reply {
        self.send(
            Request::post(uri)
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .header("sec-fetch-site", "same-origin")
                .body(Body::from(form.to_owned()))
                .expect("request"),
        )
        .await
    }

    async fn setup_link(&self) -> String {
        let token = kapflow_web::setup_link::new_token();
        let now = now_utc();
        self.db
            .store
            .setup()
            .issue_link(&token_hash(&token), now, now + Duration::hours(1))
            .await
            .expect("issue");
        format!("/setup/{token}")
    }
}

fn assert_security_headers(r: &Reply) {
    let csp = r.headers[header::CONTENT_SECURITY_POLICY]
        .to_str()
        .expect("csp");
    assert!(csp.contains("frame-ancestors 'none'"));
    assert!(csp.contains("script-src 'self'"));
    assert!(!csp.contains("unsafe-inline"));
    assert_eq!(r.headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    assert_eq!(r.headers[header::REFERRER_POLICY], "no-referrer");
    assert!(r.headers.contains_key("x-request-id"));
}

const GOOD_FORM: &str = "practice_name=Alvarado+Therapy&time_zone=America%2FLos_Angeles&display_name=Catherine+Alvarado&email=Catherine%40Example.org&password=correct+horse+battery&password_confirm=correct+horse+battery";

#[tokio::test]
async fn health_and_readiness_answer() {
    let t = TestApp::new().await;
    let r = t.get("/healthz").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_security_headers(&r);
    assert_eq!(t.get("/readyz").await.status, StatusCode::OK);
}

#[tokio::test]
async fn readiness_fails_when_the_database_is_gone() {
    let t = TestApp::new().await;
    t.db.store.close().await;
    assert_eq!(
        t.get("/readyz").await.status,
        StatusCode::SERVICE_UNAVAILABLE
    );
    assert_eq!(t.get("/healthz").await.status, StatusCode::OK);
}

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    let t = TestApp::new().await;
    for uri in [
        "/",
        "/no/such/page",
        "/static/kapflow.css",
        "/metrics",
        "/setup/zzz",
    ] {
        let r = t.get(uri).await;
        assert_security_headers(&r);
        if uri != "/static/kapflow.css" && uri != "/" {
            assert_eq!(r.headers[header::CACHE_CONTROL], "no-store", "{uri}");
        }
    }
}

#[tokio::test]
async fn home_page_before_setup_explains_the_setup_link() {
    let t = TestApp::new().await;
    let r = t.get("/").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("one-time link"));
    assert!(r.body.contains("988"), "crisis line on every page");
}

#[tokio::test]
async fn unknown_pages_get_a_page_with_the_request_id() {
    let t = TestApp::new().await;
    let r = t.get("/no/such/page").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let id = r.headers["x-request-id"].to_str().expect("id").to_owned();
    assert!(r.body.contains("Page not found"));
    assert!(r.body.contains(&id));
}

#[tokio::test]
async fn a_panic_becomes_an_error_page_with_the_request_id_and_no_detail() {
    let t = TestApp::new().await;
    let state = AppState::new(t.db.store.clone(), WebConfig::default());
    async fn boom() -> &'static str {
        panic!("secret detail 123")
    }
    let boom: Router<AppState> = Router::new().route("/boom", get(boom));
    let app = kapflow_web::middleware::wrap(boom, &state).with_state(state);
    let r = send(
        &app,
        Request::get("/boom").body(Body::empty()).expect("req"),
    )
    .await;
    assert_eq!(r.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(r.body.contains("Something went wrong"));
    assert!(
        r.body
            .contains(r.headers["x-request-id"].to_str().expect("id"))
    );
    assert!(!r.body.contains("secret detail"));
    assert_security_headers(&r);
}

#[tokio::test]
async fn static_assets_are_served_from_our_origin_with_long_caching() {
    let t = TestApp::new().await;
    let home = t.get("/login").await;
    let css_href = kapflow_web::routes::assets::href("kapflow.css");
    let htmx_src = kapflow_web::routes::assets::href("htmx-4.0.1.min.js");
    assert!(home.body.contains(css_href));
    assert!(home.body.contains(htmx_src));
    assert!(
        !home.body.contains("http://") && !home.body.contains("https://"),
        "no other origins"
    );
    let css = t.get(css_href).await;
    assert_eq!(css.status, StatusCode::OK);
    assert_eq!(css.headers[header::CONTENT_TYPE], "text/css; charset=utf-8");
    assert!(
        css.headers[header::CACHE_CONTROL]
            .to_str()
            .expect("cc")
            .contains("immutable")
    );
    let js = t.get(htmx_src).await;
    assert_eq!(js.status, StatusCode::OK);
    assert!(js.body.contains("htmx"));
    assert_eq!(
        t.get("/static/../Cargo.toml").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        t.get("/static/other.js").await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn responses_are_compressed_when_asked() {
    let t = TestApp::new().await;
    let r = t
        .send(
            Request::get(kapflow_web::routes::assets::href("htmx-4.0.1.min.js"))
                .header(header::ACCEPT_ENCODING, "gzip")
                .body(Body::empty())
                .expect("req"),
        )
        .await;
    assert_eq!(r.headers[header::CONTENT_ENCODING], "gzip");
}

#[tokio::test]
async fn setup_link_creates_the_owner_once_and_only_once() {
    let t = TestApp::new().await;
    let link = t.setup_link().await;
    let form = t.get(&link).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains("name=\"practice_name\""));

    let done = t.post_form(&link, GOOD_FORM).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    assert!(done.body.contains("catherine@example.org"));
    let users = t.db.store.users().list().await.expect("users");
    assert_eq!(users.len(), 1);
    assert_eq!(users[0].role, kapflow_domain::Role::Owner);

    assert_eq!(t.get(&link).await.status, StatusCode::GONE);
    let again = t.post_form(&link, GOOD_FORM).await;
    assert_eq!(again.status, StatusCode::GONE);
    assert_eq!(t.db.store.users().list().await.expect("users").len(), 1);
    let home = t.get("/").await;
    assert!(home.body.contains("Alvarado Therapy"));
}

#[tokio::test]
async fn setup_errors_stand_next_to_their_fields_and_keep_what_was_typed() {
    let t = TestApp::new().await;
    let link = t.setup_link().await;
    let r = t
        .post_form(
            &link,
            "practice_name=Alvarado+Therapy&time_zone=America%2FDenver&display_name=&email=not-an-email&password=short+pass&password_confirm=short+pass",
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("value=\"Alvarado Therapy\""));
    assert!(
        r.body
            .contains("<option value=\"America/Denver\" selected>"),
        "the chosen zone stays chosen"
    );
    assert!(r.body.contains("value=\"not-an-email\""));
    assert!(
        r.body
            .contains("id=\"display_name-error\">Enter your name.")
    );
    assert!(
        r.body
            .contains("id=\"password-error\">Use at least 12 characters.")
    );
    assert!(!r.body.contains("short pass"), "passwords are never echoed");
    // No zone chosen: asked for beside the field.
    let r = t
        .post_form(
            &link,
            "practice_name=Alvarado+Therapy&display_name=C&email=c%40example.org&password=correct+horse+battery&password_confirm=correct+horse+battery",
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body
            .contains("id=\"time_zone-error\">Choose the practice&#39;s time zone"),
        "{}",
        r.body
    );
    // The link is still good after a failed attempt.
    assert_eq!(t.get(&link).await.status, StatusCode::OK);
    assert!(t.db.store.users().list().await.expect("users").is_empty());
}

#[tokio::test]
async fn typed_text_is_escaped() {
    let t = TestApp::new().await;
    let link = t.setup_link().await;
    let r = t
        .post_form(&link, "practice_name=%3Cscript%3Ealert(1)%3C%2Fscript%3E&display_name=&email=&password=&password_confirm=")
        .await;
    assert!(r.body.contains("&#60;script&#62;") || r.body.contains("&lt;script&gt;"));
    assert!(!r.body.contains("<script>alert"));
}

#[tokio::test]
async fn malformed_and_unknown_links_are_refused() {
    let t = TestApp::new().await;
    assert_eq!(t.get("/setup/abc").await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        t.get(&format!("/setup/{}", "a".repeat(64))).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        t.post_form("/setup/abc", GOOD_FORM).await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn a_cross_site_post_is_refused_and_changes_nothing() {
    let t = TestApp::new().await;
    let link = t.setup_link().await;
    let r = t
        .send(
            Request::post(&link)
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .header("sec-fetch-site", "cross-site")
                .header(header::ORIGIN, "https://evil.example")
                .header(header::HOST, "127.0.0.1:8080")
                .body(Body::from(GOOD_FORM))
                .expect("req"),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.body.contains("Not allowed"));
    assert!(t.db.store.users().list().await.expect("users").is_empty());
}

#[tokio::test]
async fn oversized_bodies_are_refused() {
    let t = TestApp::new().await;
    let link = t.setup_link().await;
    let big = format!("practice_name={}", "x".repeat(200 * 1024));
    let r = t.post_form(&link, &big).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(r.body.contains("Too much data"));
}

#[tokio::test]
async fn metrics_are_labelled_by_route_template_never_by_raw_path() {
    let t = TestApp::new().await;
    let link = t.setup_link().await;
    t.get(&link).await;
    let m = t.get("/metrics").await;
    assert_eq!(m.status, StatusCode::OK);
    assert!(m.body.contains("route=\"/setup/{token}\""));
    assert!(!m.body.contains(link.trim_start_matches("/setup/")));
    assert!(
        m.body
            .contains("kapflow_http_request_duration_seconds_bucket")
    );
}

#[tokio::test]
async fn metrics_on_their_own_listener_are_not_served_on_the_main_one() {
    let db = testkit::sqlite().await;
    let get = |app: Router, uri: &'static str| async move {
        send(&app, Request::get(uri).body(Body::empty()).expect("req")).await
    };
    // By default the main app serves them.
    let both = kapflow_web::app(AppState::new(db.store.clone(), WebConfig::default()));
    assert_eq!(get(both, "/metrics").await.status, StatusCode::OK);
    // With a separate listener: 404 on the main app, 200 on the metrics app, which has
    // nothing else.
    let state = AppState::new(
        db.store.clone(),
        WebConfig {
            metrics_on_main: false,
            ..WebConfig::default()
        },
    );
    let main = kapflow_web::app(state.clone());
    let metrics = kapflow_web::metrics_app(state);
    assert_eq!(
        get(main.clone(), "/metrics").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(get(main, "/healthz").await.status, StatusCode::OK);
    let m = get(metrics.clone(), "/metrics").await;
    assert_eq!(m.status, StatusCode::OK);
    assert!(m.body.contains("kapflow_mail_waiting"), "{}", m.body);
    assert_eq!(
        get(metrics.clone(), "/").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(get(metrics, "/login").await.status, StatusCode::NOT_FOUND);
}
