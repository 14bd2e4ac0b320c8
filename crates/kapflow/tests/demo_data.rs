//! `kapflow demo-data`: the same seed makes the same practice (on either database), `kapflow
//! check` passes on it, and a practice with a client it did not make is refused unless forced.

mod support;

use std::path::Path;
use std::process::Output;
use support::{check, kapflow_command, runtime};

const PASSWORD: &str = "demo password for tests";

fn demo_data(data: &Path, url: Option<&str>, clients: u32, extra: &[&str]) -> Output {
    kapflow_command(data, url)
        .args(["demo-data", "--seed", "7", "--password", PASSWORD])
        .args(["--clients", &clients.to_string()])
        .args(extra)
        .output()
        .expect("run demo-data")
}

fn text(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr)
}

/// Either database, read with one text column per query.
enum Db {
    Sqlite(sqlx::SqlitePool),
    Pg(sqlx::PgPool),
}

impl Db {
    async fn lines(&self, q: &'static str) -> Vec<String> {
        match self {
            Db::Sqlite(p) => sqlx::query_scalar(q).fetch_all(p).await,
            Db::Pg(p) => sqlx::query_scalar(q).fetch_all(p).await,
        }
        .unwrap_or_else(|e| panic!("{q}: {e}"))
    }
}

/// What a practice holds, without ids or dates (UUIDs are random; dates move with the day it
/// ran): each client's stage, every answer's total and every vitals reading in the order they
/// were given, and how many of each record there are. Rows come in time order and are then
/// sorted by name, so both databases' collations give the same text.
async fn digest(db: &Db) -> Vec<String> {
    const PER_CLIENT: [&str; 4] = [
        "SELECT c.legal_name || '|' || co.stage FROM clients c JOIN courses co ON co.client_id = \
         c.id ORDER BY co.opened_at",
        "SELECT c.legal_name || '|' || m.instrument || ' ' || CAST(m.total AS TEXT) || ' ' || \
         m.via FROM measure_responses m JOIN clients c ON c.id = m.client_id ORDER BY \
         m.submitted_at",
        "SELECT c.legal_name || '|' || CAST(s.number AS TEXT) || ' ' || v.phase || ' ' || \
         CAST(v.systolic AS TEXT) || '/' || CAST(v.diastolic AS TEXT) FROM session_vitals v \
         JOIN dosing_sessions s ON s.id = v.session_id JOIN clients c ON c.id = s.client_id \
         ORDER BY v.measured_at",
        "SELECT c.legal_name || '|' || a.level || ' ' || CASE WHEN a.acknowledged_at IS NULL \
         THEN 'open' ELSE 'acknowledged' END FROM risk_alerts a JOIN clients c ON c.id = \
         a.client_id ORDER BY a.created_at",
    ];
    const COUNTS: &str = "SELECT CAST((SELECT COUNT(*) FROM inquiries) AS TEXT) || ' inquiries, ' || \
         CAST((SELECT COUNT(*) FROM dosing_sessions) AS TEXT) || ' sessions, ' || \
         CAST((SELECT COUNT(*) FROM custody_entries) AS TEXT) || ' custody, ' || \
         CAST((SELECT COUNT(*) FROM integration_sessions) AS TEXT) || ' integration, ' || \
         CAST((SELECT COUNT(*) FROM consent_signatures) AS TEXT) || ' signatures, ' || \
         CAST((SELECT COUNT(*) FROM prescriptions) AS TEXT) || ' prescriptions, ' || \
         CAST((SELECT COUNT(*) FROM audit_log) AS TEXT) || ' audit rows'";
    let mut out = Vec::new();
    for q in PER_CLIENT {
        let mut lines = db.lines(q).await;
        // Stable: each client's rows keep their time order.
        lines.sort_by(|a, b| a.split('|').next().cmp(&b.split('|').next()));
        out.extend(lines);
    }
    out.extend(db.lines(COUNTS).await);
    out
}

async fn sqlite(data: &Path) -> Db {
    let url = format!("sqlite://{}?mode=ro", data.join("kapflow.db").display());
    Db::Sqlite(sqlx::SqlitePool::connect(&url).await.expect("open"))
}

/// A client the practice entered itself, through the store with the practice's audit key.
async fn real_client(data: &Path) {
    use kapflow_domain::client::ClientInput;
    let store = support::embedded_store(data).await;
    let key = kapflow_store::audit_files::KeySource::File(data.join("audit-key"));
    let keys = kapflow_store::audit_files::load(&key)
        .expect("key")
        .expect("a key");
    store.audit().use_keys(keys, None);
    let now = kapflow_domain::time_util::now_utc();
    let client = ClientInput {
        legal_name: "Real Person".into(),
        date_of_birth: "1980-05-05".into(),
        concerns: vec!["anxiety".into()],
        ..ClientInput::default()
    }
    .validate(kapflow_domain::zone::PracticeZone::utc().today(now))
    .expect("valid");
    let made = store
        .clients()
        .create(
            "real",
            &client,
            None,
            &[],
            &kapflow_domain::Actor::default(),
            now,
        )
        .await
        .expect("create");
    assert!(matches!(made, kapflow_store::clients::Created::Client(_)));
    store.close().await;
}

#[test]
fn the_same_seed_makes_the_same_practice_which_checks_and_is_kept_apart_from_real_clients() {
    let (a, b) = (
        tempfile::tempdir().expect("dir"),
        tempfile::tempdir().expect("dir"),
    );
    for dir in [&a, &b] {
        let out = demo_data(dir.path(), None, 30, &[]);
        assert!(out.status.success(), "{}", text(&out));
        assert!(text(&out).contains("clients: 30 ("), "{}", text(&out));
        assert!(text(&out).contains(PASSWORD), "{}", text(&out));
    }
    let rt = runtime();
    let (da, db) = rt.block_on(async {
        (
            digest(&sqlite(a.path()).await).await,
            digest(&sqlite(b.path()).await).await,
        )
    });
    assert_eq!(da, db, "same seed, same practice");
    for stage in [
        "assessment",
        "preparation",
        "medical_evaluation",
        "medication",
        "ready_for_dosing",
        "dosing",
        "integration",
        "completed",
        "discontinued",
    ] {
        let at = format!("|{stage}");
        assert!(
            da.iter().any(|l| l.ends_with(&at)),
            "no course at {stage}: {da:#?}"
        );
    }
    assert!(
        da.iter().any(|l| l.contains("|phq9 ")),
        "questionnaires answered"
    );
    assert!(
        da.iter().any(|l| l.contains(" during ")),
        "vitals in sessions"
    );
    assert!(
        da.iter().any(|l| l.ends_with(" acknowledged")),
        "alerts acknowledged"
    );

    let (ok, out) = check(a.path(), None);
    assert!(ok, "{out}");
    assert!(out.contains("audit trail: ok"), "{out}");
    assert!(out.contains("custody log: ok"), "{out}");

    // Once the practice holds a client demo-data did not make, it is refused...
    rt.block_on(real_client(a.path()));
    let refused = demo_data(a.path(), None, 2, &[]);
    assert!(!refused.status.success(), "{}", text(&refused));
    assert!(text(&refused).contains("refusing"), "{}", text(&refused));
    let clients = rt.block_on(async {
        sqlite(a.path())
            .await
            .lines("SELECT CAST(COUNT(*) AS TEXT) FROM clients")
            .await
    });
    assert_eq!(clients, ["31"], "nothing added");
    // ...unless forced; a further load adds to the practice and it still checks.
    let forced = demo_data(a.path(), None, 2, &["--force"]);
    assert!(forced.status.success(), "{}", text(&forced));
    assert!(
        text(&forced).contains("password unchanged"),
        "{}",
        text(&forced)
    );
    let (ok, out) = check(a.path(), None);
    assert!(ok, "{out}");
}

#[tokio::test]
async fn the_same_seed_makes_the_same_practice_on_postgres() {
    let (url, name) = kapflow_store::testkit::postgres_empty().await;
    let (pg_dir, lite_dir) = (
        tempfile::tempdir().expect("dir"),
        tempfile::tempdir().expect("dir"),
    );
    let runs = {
        let (url, pg, lite) = (
            url.clone(),
            pg_dir.path().to_owned(),
            lite_dir.path().to_owned(),
        );
        tokio::task::spawn_blocking(move || {
            let on_pg = demo_data(&pg, Some(&url), 12, &[]);
            let on_sqlite = demo_data(&lite, None, 12, &[]);
            let checked = check(&pg, Some(&url));
            (on_pg, on_sqlite, checked)
        })
        .await
        .expect("runs")
    };
    let (on_pg, on_sqlite, (ok, out)) = runs;
    assert!(on_pg.status.success(), "{}", text(&on_pg));
    assert!(on_sqlite.status.success(), "{}", text(&on_sqlite));
    assert!(ok, "{out}");
    let pg = Db::Pg(sqlx::PgPool::connect(&url).await.expect("connect"));
    let on_pg_digest = digest(&pg).await;
    if let Db::Pg(p) = pg {
        p.close().await;
    }
    assert_eq!(on_pg_digest, digest(&sqlite(lite_dir.path()).await).await);
    kapflow_store::testkit::drop_postgres_database(&kapflow_store::testkit::pg_admin_url(), &name);
}
