//! Moving a practice: an embedded (SQLite) demo practice exported, imported into a new
//! PostgreSQL database, `kapflow check` passing on both, the same pages showing the same data
//! read from either, the PostgreSQL practice exported again byte for byte the same; a damaged
//! export and a database in use are refused before anything is written.

mod support;

use axum::body::Body;
use axum::http::{Request, header};
use kapflow_domain::time_util::now_utc;
use kapflow_domain::token::token_hash;
use std::path::Path;
use support::{check, keyed_store_on, printed, run_on};
use tower::ServiceExt;

/// A page as the person with session `token` sees it, with what differs by rendering alone
/// (each form's one-time key, the draft keys) blanked.
async fn page(app: &axum::Router, path: &str, token: &str) -> (u16, String) {
    let res = app
        .clone()
        .oneshot(
            Request::get(path)
                .header(header::COOKIE, format!("kapflow_session={token}"))
                .body(Body::empty())
                .expect("request"),
        )
        .await
        .expect("infallible");
    let status = res.status().as_u16();
    let bytes = http_body_util::BodyExt::collect(res.into_body())
        .await
        .expect("body")
        .to_bytes();
    let body = String::from_utf8_lossy(&bytes).into_owned();
    // The draft keys derive from the practice's form secret, which a demo practice makes at its
    // first page (after the export here), so each database made its own.
    let blanked = [
        "name=\"_key\" value=\"",
        "data-draft-key=\"",
        "data-draft-owner=\"",
    ]
    .iter()
    .fold(body, |body, marker| blank_after(&body, marker));
    (status, blanked)
}

/// `text` with the quoted value after each `marker` removed.
fn blank_after(text: &str, marker: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(marker) {
        let start = at + marker.len();
        out.push_str(&rest[..start]);
        rest = &rest[start..];
        rest = &rest[rest.find('"').unwrap_or(0)..];
    }
    out.push_str(rest);
    out
}

/// A CSV file with its times spelled as PostgreSQL's export spells them: a migration's own
/// rows on the embedded database hold `2026-12-03 00:00:00.0+00:00` where kapflow writes
/// `2026-12-03T00:00:00Z` (the same instant, read back alike by both).
fn same_times(csv: &str) -> String {
    let sqlite = time::macros::format_description!(
        "[year]-[month]-[day] [hour]:[minute]:[second].[subsecond][offset_hour sign:mandatory]:[offset_minute]"
    );
    csv.lines()
        .map(|line| {
            line.split(',')
                .map(|field| {
                    time::OffsetDateTime::parse(field, &sqlite)
                        .ok()
                        .and_then(|t| {
                            t.format(&time::format_description::well_known::Rfc3339)
                                .ok()
                        })
                        .unwrap_or_else(|| field.to_owned())
                })
                .collect::<Vec<_>>()
                .join(",")
        })
        .map(|l| l + "\n")
        .collect()
}

fn files_under(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_embedded_practice_moves_to_postgresql_whole() {
    let lite = tempfile::tempdir().expect("dir");
    let moved = tempfile::tempdir().expect("dir");
    let work = tempfile::tempdir().expect("dir");
    let (url, name) = kapflow_store::testkit::postgres_empty().await;
    let (spare_url, spare_name) = kapflow_store::testkit::postgres_empty().await;
    let (a, b) = (lite.path().to_owned(), moved.path().to_owned());
    let export = work.path().join("export");
    let again = work.path().join("again");

    let made = run_on(
        &a,
        None,
        &[
            "demo-data",
            "--clients",
            "6",
            "--seed",
            "3",
            "--password",
            "demo password for tests",
        ],
    );
    assert!(made.status.success(), "{}", printed(&made));
    // The owner's session, made before the move so it moves too: the same person reads both.
    let token = "ab".repeat(32);
    let owner = {
        let store = keyed_store_on(&a, None).await;
        let owner = store
            .users()
            .list()
            .await
            .expect("users")
            .into_iter()
            .find(|u| u.role == kapflow_domain::Role::Owner)
            .expect("an owner");
        store
            .accounts()
            .start_session_after_password(
                &kapflow_store::sessions::NewSession {
                    user: owner.id,
                    token_hash: &token_hash(&token),
                    csrf_token: "csrf-of-the-moved-session",
                    mfa_verified: true,
                    step_up: true,
                    ip: None,
                    user_agent: None,
                },
                &kapflow_domain::Actor::default(),
                now_utc(),
            )
            .await
            .expect("session");
        store.close().await;
        owner
    };

    let out = run_on(
        &a,
        None,
        &["export", "--to", export.to_str().expect("path")],
    );
    assert!(out.status.success(), "{}", printed(&out));
    let manifest: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(export.join("manifest.json")).expect("manifest"),
    )
    .expect("json");
    let clients = manifest["tables"]
        .as_array()
        .and_then(|t| t.iter().find(|t| t["table"] == "clients"))
        .and_then(|t| t["rows"].as_u64());
    assert_eq!(clients, Some(6));
    let patients = std::fs::read_to_string(export.join("fhir/Patient.ndjson")).expect("patients");
    assert_eq!(patients.lines().count(), 6);
    assert!(files_under(&export.join("fhir")).contains(&"Observation.ndjson".to_owned()));

    // The keys go with the practice (never inside an export); the checkpoint log stays (the
    // export carries a signed checkpoint of its own).
    std::fs::create_dir_all(&b).expect("dir");
    for f in ["audit-key", "secrets-key"] {
        std::fs::copy(a.join(f), b.join(f)).unwrap_or_else(|e| panic!("{f}: {e}"));
    }

    // A damaged export is refused before anything is written.
    let damaged = work.path().join("damaged");
    let copied = std::process::Command::new("cp")
        .args([
            "-r",
            export.to_str().expect("p"),
            damaged.to_str().expect("p"),
        ])
        .status()
        .expect("cp");
    assert!(copied.success());
    let csv = damaged.join("tables/clients.csv");
    let mut bytes = std::fs::read(&csv).expect("csv");
    let last = bytes.len() - 2;
    bytes[last] ^= 0x01;
    std::fs::write(&csv, bytes).expect("write");
    let refused = run_on(
        &b,
        Some(&spare_url),
        &["import", "--from", damaged.to_str().expect("p")],
    );
    assert!(!refused.status.success());
    assert!(
        printed(&refused).contains("does not match its SHA-256"),
        "{}",
        printed(&refused)
    );

    let imported = run_on(
        &b,
        Some(&url),
        &["import", "--from", export.to_str().expect("p")],
    );
    assert!(imported.status.success(), "{}", printed(&imported));
    assert!(
        printed(&imported).contains("every count matches the manifest"),
        "{}",
        printed(&imported)
    );
    let (ok, out) = check(&a, None);
    assert!(ok, "{out}");
    let (ok, out) = check(&b, Some(&url));
    assert!(ok, "{out}");
    // A database in use is never imported into.
    let twice = run_on(
        &b,
        Some(&url),
        &["import", "--from", export.to_str().expect("p")],
    );
    assert!(!twice.status.success());
    assert!(printed(&twice).contains("not empty"), "{}", printed(&twice));

    // Exported again from PostgreSQL: the same files, but the trail, which has grown by the
    // import's own record, the first export's rows at its start.
    let out = run_on(
        &b,
        Some(&url),
        &["export", "--to", again.to_str().expect("p")],
    );
    assert!(out.status.success(), "{}", printed(&out));
    let mut compared = 0;
    for f in files_under(&export.join("tables")) {
        let (first, second) = (
            std::fs::read(export.join("tables").join(&f)).expect("first"),
            std::fs::read(again.join("tables").join(&f)).expect("second"),
        );
        if f == "audit_log.csv" {
            assert!(
                second.starts_with(&first),
                "{f}: the first export's trail is the start of the second"
            );
        } else {
            assert_eq!(
                same_times(&String::from_utf8_lossy(&first)),
                String::from_utf8_lossy(&second),
                "{f} is not the same from PostgreSQL"
            );
        }
        compared += 1;
    }
    assert!(compared > 40, "{compared} tables");

    // The same pages, read from either database, show the same.
    let lite_store = keyed_store_on(&a, None).await;
    let pg_store = keyed_store_on(&b, Some(&url)).await;
    let app = |s: &kapflow_store::Store| {
        kapflow_web::app(kapflow_web::AppState::new(
            s.clone(),
            kapflow_web::WebConfig::default(),
        ))
    };
    let (on_lite, on_pg) = (app(&lite_store), app(&pg_store));
    let mut paths = vec![
        "/dashboard".to_owned(),
        "/clients".to_owned(),
        "/inquiries".to_owned(),
        "/reports/outcomes".to_owned(),
        "/reports/custody".to_owned(),
        "/staff".to_owned(),
        "/calendar".to_owned(),
        "/measures/instruments".to_owned(),
    ];
    let ids: Vec<String> = lite_store
        .access()
        .every_client_for_export()
        .await
        .expect("clients")
        .iter()
        .map(|c| c.client().to_string())
        .collect();
    for c in &ids {
        for tab in [
            "",
            "/measures",
            "/consents",
            "/course",
            "/dosing",
            "/notes",
            "/intake",
            "/appointments",
            "/custody",
        ] {
            paths.push(format!("/clients/{c}{tab}"));
        }
    }
    let mut shown = 0;
    for path in &paths {
        let (s1, p1) = page(&on_lite, path, &token).await;
        let (s2, p2) = page(&on_pg, path, &token).await;
        assert_eq!(s1, s2, "{path}");
        // A refusal's page carries its own request id; a page's body is the data.
        if s1 == 200 {
            assert_eq!(p1, p2, "{path} differs between the databases");
            shown += 1;
        }
    }
    assert!(shown >= 10, "{shown} pages compared");
    let _ = owner;
    lite_store.close().await;
    pg_store.close().await;

    let admin = kapflow_store::testkit::pg_admin_url();
    kapflow_store::testkit::drop_postgres_database(&admin, &name);
    kapflow_store::testkit::drop_postgres_database(&admin, &spare_name);
}
