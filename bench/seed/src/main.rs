//! Seeds a kapflow SQLite database for the staff-client-page benchmark: `clients` clients on one
//! therapist's caseload, each with a course and PHQ-9 responses, until `answers` item answers
//! exist (a PHQ-9 response holds 9). Rows are written directly in large transactions — the
//! store's one-at-a-time, audited path would take hours for a million answers — but with the
//! same shapes the app writes (the `Scored` JSON comes from the real scorer). Prints
//! `<session token> <client id>` for wrk.
//!
//! Usage: bench-seed <path/to/kapflow.db> <clients> <answers>
//!
//! `bench-seed <path/to/kapflow.db> dosing <past sessions>` seeds the dosing-monitor benchmark
//! instead (see `dosing.rs`) and prints `<session token> <client id> <dosing session id>`.

mod dosing;

use anyhow::{Context, bail};
use kapflow_domain::measures::{self, MeasureSettings, score};
use kapflow_domain::time_util::now_utc;
use kapflow_domain::{Actor, Email, Role};
use kapflow_store::sessions::NewSession;
use kapflow_store::users::NewUser;
use kapflow_store::{DatabaseTarget, Store};
use sqlx::Connection;
use std::collections::BTreeMap;
use time::Duration;
use uuid::Uuid;

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let [_, db, clients, answers] = args.as_slice() else {
        bail!("usage: bench-seed <kapflow.db> <clients> <answers>");
    };
    let dosing_past = match clients.as_str() {
        "dosing" => Some(answers.parse::<usize>().context("past sessions")?),
        _ => None,
    };
    let path = std::path::PathBuf::from(db);
    let dir = path.parent().context("database directory")?;
    let store = Store::connect(&DatabaseTarget::default_sqlite(dir)).await?;
    // The server made its audit key in the data directory: rows written beside it use it.
    let key_file = kapflow_store::audit_files::KeySource::File(dir.join("audit-key"));
    if let Some(keys) = kapflow_store::audit_files::load(&key_file)? {
        store.audit().use_keys(keys, None);
    }
    let now = now_utc();
    let email = Email::parse("bench-therapist@example.org").context("email")?;
    let ther = store
        .accounts()
        .create_user(
            &NewUser {
                email: &email,
                display_name: "Bench Therapist",
                role: Role::Therapist,
                password_hash: None,
            },
            &Actor::default(),
            now,
        )
        .await?;
    let token = format!("{}{}", Uuid::new_v4().simple(), Uuid::new_v4().simple());
    store
        .accounts()
        .start_session_after_password(
            &NewSession {
                user: ther,
                token_hash: &kapflow_domain::token::token_hash(&token),
                csrf_token: "bench",
                mfa_verified: true,
                step_up: false,
                ip: None,
                user_agent: None,
            },
            &Actor::default(),
            now,
        )
        .await?;

    if let Some(past) = dosing_past {
        let (client, session) = dosing::seed(&store, &path, ther, past).await?;
        println!("{token} {client} {session}");
        return Ok(());
    }
    let clients: usize = clients.parse().context("clients")?;
    let answers: usize = answers.parse().context("answers")?;

    // One scored value per total, from the real scorer.
    let phq9 = measures::builtin("phq9").context("phq9")?;
    let scored: Vec<(u32, String, String)> = (0..=26u32)
        .map(|total| {
            let mut left = total;
            let a: BTreeMap<String, u8> = phq9
                .items
                .iter()
                .map(|it| {
                    let v = if it.code == "q9" { 0 } else { left.min(3) };
                    left -= v;
                    (it.code.clone(), u8::try_from(v).unwrap_or(0))
                })
                .collect();
            let s = score(&phq9, &a, &MeasureSettings::default())
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            Ok((s.total, s.band.clone(), serde_json::to_string(&s)?))
        })
        .collect::<anyhow::Result<_>>()?;

    let mut c = sqlx::SqliteConnection::connect(&format!("sqlite://{}", path.display())).await?;
    sqlx::query("PRAGMA synchronous = OFF")
        .execute(&mut c)
        .await?;
    let responses = answers.div_ceil(9);
    let per_client = responses.div_ceil(clients.max(1));
    let mut first = None;
    let mut made = 0usize;
    for chunk in 0..clients.div_ceil(1000) {
        let mut tx = c.begin().await?;
        for n in chunk * 1000..((chunk + 1) * 1000).min(clients) {
            let id = Uuid::now_v7();
            first.get_or_insert(id);
            let name = format!("Client {n:06}");
            sqlx::query(
                "INSERT INTO clients (id, created_at, updated_at, legal_name, search_text, date_of_birth, concerns, sensitivity) \
                 VALUES ($1, $2, $2, $3, $4, $5, 'depression', 'general')",
            )
            .bind(id)
            .bind(now)
            .bind(&name)
            .bind(name.to_lowercase())
            .bind(time::macros::date!(1980 - 01 - 01))
            .execute(&mut *tx)
            .await?;
            sqlx::query("INSERT INTO care_team (client_id, user_id, added_at) VALUES ($1, $2, $3)")
                .bind(id)
                .bind(ther.as_uuid())
                .bind(now)
                .execute(&mut *tx)
                .await?;
            let course = Uuid::now_v7();
            sqlx::query("INSERT INTO courses (id, client_id, number, stage, opened_at) VALUES ($1, $2, 1, 'preparation', $3)")
                .bind(course)
                .bind(id)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            for k in 0..per_client {
                if made >= responses {
                    break;
                }
                let (total, band, json) = &scored[(n * 7 + k * 5) % scored.len()];
                sqlx::query(
                    "INSERT INTO measure_responses (id, client_id, course_id, instrument, version, total, band, scored, via, submitted_at) \
                     VALUES ($1, $2, $3, 'phq9', '1', $4, $5, $6, 'link', $7)",
                )
                .bind(Uuid::now_v7())
                .bind(id)
                .bind(course)
                .bind(i64::from(*total))
                .bind(band)
                .bind(json)
                .bind(now - Duration::days(14 * (per_client - k) as i64))
                .execute(&mut *tx)
                .await?;
                made += 1;
            }
        }
        tx.commit().await?;
    }
    sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
        .execute(&mut c)
        .await?;
    eprintln!(
        "seeded {clients} clients and {made} PHQ-9 responses ({} answers)",
        made * 9
    );
    println!("{token} {}", first.context("no client")?);
    Ok(())
}
