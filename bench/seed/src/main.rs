//! Readies a practice made by `kapflow demo-data` for bench/run: signs a clinician in (a
//! session with its second factor done, as after a real sign-in) and prints what wrk loads.
//!
//! Usage:
//!
//! - `bench-seed <kapflow.db> client-page <answers>`: tops the practice's questionnaire item
//!   answers up to `answers` (see `volume.rs`: the one bulk step), then prints
//!   `<session token> <client id>`: the client in treatment with the most responses, and a
//!   session of the therapist on their care team.
//! - `bench-seed <kapflow.db> monitor`: prints `<session token> <client id> <dosing session
//!   id>`: a session running now (demo-data leaves a few open) and a session of the clinician
//!   who opened it.
//! - `bench-seed <kapflow.db> calendar <appointments>`: adds clinicians up to ten and the
//!   appointments (see `calendar.rs`), then prints `<session token> <date>`: a session of the
//!   front desk, who reads every name, and today's date for the week view (SQLite only).
//!
//! With `DATABASE_URL` set (a PostgreSQL practice), the database is that one and the path
//! only names the data directory, where the practice's audit key is.
//!
//! The practice itself (staff, clients, courses, questionnaires, dosing sessions with vitals
//! and custody entries) comes from demo-data, through the store's own calls.

mod calendar;
mod volume;

use anyhow::{Context, bail};
use kapflow_domain::time_util::now_utc;
use kapflow_domain::{Actor, Role, UserId};
use kapflow_store::sessions::NewSession;
use kapflow_store::{DatabaseTarget, Store};
use sqlx::Connection;
use uuid::Uuid;

/// The practice's database, outside the store (bulk rows, picking what to load).
enum Conn {
    Sqlite(sqlx::SqliteConnection),
    Pg(sqlx::PgConnection),
}

/// Runs one query, the same text on either driver.
macro_rules! on_conn {
    ($c:expr, |$x:ident| $query:expr) => {
        match &mut $c {
            Conn::Sqlite($x) => $query,
            Conn::Pg($x) => $query,
        }
    };
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let (db, mode, rest) = match args.as_slice() {
        [_, db, mode, rest @ ..] => (db, mode.as_str(), rest),
        _ => bail!(
            "usage: bench-seed <kapflow.db> client-page <answers> | monitor | calendar <appointments>"
        ),
    };
    let path = std::path::PathBuf::from(db);
    let dir = path.parent().context("database directory")?;
    let pg = std::env::var("DATABASE_URL")
        .ok()
        .filter(|u| u.starts_with("postgres"));
    let target = match &pg {
        Some(url) => DatabaseTarget::Postgres { url: url.clone() },
        None => DatabaseTarget::default_sqlite(dir),
    };
    let store = Store::connect(&target).await?;
    // demo-data made the audit key in the data directory: rows written beside it use it.
    let key_file = kapflow_store::audit_files::KeySource::File(dir.join("audit-key"));
    if let Some(keys) = kapflow_store::audit_files::load(&key_file)? {
        store.audit().use_keys(keys, None);
    }
    let mut c = match &pg {
        Some(url) => Conn::Pg(sqlx::PgConnection::connect(url).await?),
        None => Conn::Sqlite(
            sqlx::SqliteConnection::connect(&format!("sqlite://{}", path.display())).await?,
        ),
    };
    match (mode, rest) {
        ("client-page", [answers]) => {
            let answers: i64 = answers.parse().context("answers")?;
            match &mut c {
                Conn::Sqlite(c) => volume::top_up(c, answers).await?,
                Conn::Pg(c) => volume::top_up_pg(c, answers).await?,
            }
            // The client in treatment with the most responses, and their therapist.
            let (client, user): (Uuid, Uuid) = on_conn!(c, |x| sqlx::query_as(
                "SELECT c.id, t.user_id FROM clients c JOIN courses co ON co.client_id = c.id \
                 JOIN care_team t ON t.client_id = c.id JOIN users u ON u.id = t.user_id \
                 WHERE co.stage = 'integration' AND u.role = 'therapist' ORDER BY \
                 (SELECT COUNT(*) FROM measure_responses m WHERE m.client_id = c.id) DESC, \
                 c.legal_name LIMIT 1",
            )
            .fetch_one(x)
            .await)
            .context("a client in integration (run kapflow demo-data first)")?;
            let token = sign_in(&store, UserId::from_uuid(user), Role::Therapist).await?;
            println!("{token} {client}");
        }
        ("monitor", []) => {
            let (client, session, user, role): (Uuid, Uuid, Uuid, String) =
                on_conn!(c, |x| sqlx::query_as(
                    "SELECT s.client_id, s.id, s.opened_by, u.role FROM dosing_sessions s \
                     JOIN users u ON u.id = s.opened_by WHERE s.status = 'open' ORDER BY \
                     s.opened_at LIMIT 1",
                )
                .fetch_one(x)
                .await)
                .context("a dosing session running now (run kapflow demo-data first)")?;
            let role = Role::parse(&role).context("role")?;
            let token = sign_in(&store, UserId::from_uuid(user), role).await?;
            println!("{token} {client} {session}");
        }
        ("calendar", [appointments]) => {
            let count: usize = appointments.parse().context("appointments")?;
            let Conn::Sqlite(x) = &mut c else {
                bail!("the calendar bench's practice is on SQLite");
            };
            calendar::fill(x, count).await?;
            let user: Uuid = sqlx::query_scalar(
                "SELECT id FROM users WHERE role = 'front_desk' AND disabled_at IS NULL LIMIT 1",
            )
            .fetch_one(&mut *x)
            .await
            .context("a front desk member (run kapflow demo-data first)")?;
            let token = sign_in(&store, UserId::from_uuid(user), Role::FrontDesk).await?;
            println!("{token} {}", now_utc().date());
        }
        _ => bail!(
            "usage: bench-seed <kapflow.db> client-page <answers> | monitor | calendar <appointments>"
        ),
    }
    Ok(())
}

/// A session for `user` past both factors, through the store (audited as a sign-in).
async fn sign_in(store: &Store, user: UserId, role: Role) -> anyhow::Result<String> {
    let token = format!("{}{}", Uuid::new_v4().simple(), Uuid::new_v4().simple());
    store
        .accounts()
        .start_session_after_password(
            &NewSession {
                user,
                token_hash: &kapflow_domain::token::token_hash(&token),
                csrf_token: "bench",
                mfa_verified: true,
                step_up: false,
                ip: None,
                user_agent: None,
            },
            &Actor::user(user, role, None, None),
            now_utc(),
        )
        .await?;
    Ok(token)
}
