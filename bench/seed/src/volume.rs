//! The client-page benchmark's one bulk step: questionnaire history until the practice holds
//! the item answers asked for (a million at the usual scale). demo-data answers every
//! questionnaire through its link, audited, which is the right way for a practice but more
//! than a minute per hundred thousand answers; the rest of the million is written here in
//! large transactions, with the shapes the app writes (each response's `Scored` JSON comes
//! from the real scorer).
//!
//! Added responses are PHQ-9s from before each client's first course (weekly, going back from
//! the day the record was opened), spread evenly over the clients, with no course, request or
//! audit row: earlier measurement history, which the client page lists and charts and the
//! outcome report (courses only) leaves out. `kapflow check` reads them like any response.

use anyhow::Context;
use kapflow_domain::measures::{self, MeasureSettings, score};
use sqlx::{Connection, PgConnection, SqliteConnection};
use std::collections::BTreeMap;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

/// Answers one PHQ-9 response holds.
const PHQ9_ITEMS: u64 = 9;

/// One scored PHQ-9 per total 0..=24 (item 9 kept at 0: no alerts from bulk rows).
fn scored_totals() -> anyhow::Result<Vec<(i64, String, String)>> {
    let phq9 = measures::builtin("phq9").context("phq9")?;
    (0..=24u32)
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
            Ok((
                i64::from(s.total),
                s.band.clone(),
                serde_json::to_string(&s)?,
            ))
        })
        .collect()
}

/// One response to add: client, total, band, scored JSON, submitted at.
type Planned<'a> = (Uuid, i64, &'a str, &'a str, OffsetDateTime);

/// The responses to add for `needed` more item answers, client by client in chunks of 500
/// (one transaction each), weekly back from each client's opening day.
fn plan<'a>(
    clients: &[(Uuid, OffsetDateTime)],
    scored: &'a [(i64, String, String)],
    needed: u64,
) -> anyhow::Result<Vec<Vec<Planned<'a>>>> {
    let responses = needed.div_ceil(PHQ9_ITEMS);
    let count = u64::try_from(clients.len().max(1))?;
    let per_client = responses.div_ceil(count);
    let mut made = 0u64;
    let mut chunks = Vec::new();
    for (chunk_no, chunk) in clients.chunks(500).enumerate() {
        let mut rows = Vec::new();
        for (i, (client, opened)) in chunk.iter().enumerate() {
            let n = chunk_no * 500 + i;
            for k in 0..per_client {
                if made >= responses {
                    break;
                }
                // Totals spread over the whole range, differing from client to client.
                let (total, band, json) = &scored[(n * 7 + (k as usize) * 5) % scored.len()];
                let at = *opened - Duration::days(7 * i64::try_from(k + 1)?);
                rows.push((*client, *total, band.as_str(), json.as_str(), at));
                made += 1;
            }
        }
        chunks.push(rows);
    }
    Ok(chunks)
}

/// Inserts every planned chunk in a transaction of its own; the number of responses added.
/// A macro because the statement is the same on both drivers but their types are not.
macro_rules! insert_chunks {
    ($c:expr, $chunks:expr) => {{
        let mut made = 0usize;
        for rows in &$chunks {
            let mut tx = $c.begin().await?;
            for (client, total, band, json, at) in rows {
                sqlx::query(INSERT)
                    .bind(Uuid::now_v7())
                    .bind(client)
                    .bind(total)
                    .bind(band)
                    .bind(json)
                    .bind(at)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
            made += rows.len();
        }
        made
    }};
}

const INSERT: &str = "INSERT INTO measure_responses (id, client_id, course_id, instrument, version, \
                      total, band, scored, via, submitted_at) VALUES ($1, $2, NULL, 'phq9', '1', \
                      $3, $4, $5, 'link', $6)";

fn report(have: i64, target: i64, made: usize, clients: usize) {
    if made == 0 {
        eprintln!("{have} item answers already (target {target}): nothing added");
    } else {
        eprintln!(
            "{have} item answers from demo-data; added {made} PHQ-9 responses ({} answers) over {clients} clients",
            made as u64 * PHQ9_ITEMS
        );
    }
}

/// Adds PHQ-9 responses until the SQLite database holds at least `target` item answers.
pub async fn top_up(c: &mut SqliteConnection, target: i64) -> anyhow::Result<()> {
    let have: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM measure_responses m, json_each(m.scored, '$.answers')",
    )
    .fetch_one(&mut *c)
    .await?;
    let clients: Vec<(Uuid, OffsetDateTime)> =
        sqlx::query_as("SELECT id, created_at FROM clients ORDER BY created_at, id")
            .fetch_all(&mut *c)
            .await?;
    let scored = scored_totals()?;
    let chunks = plan(&clients, &scored, u64::try_from(target - have).unwrap_or(0))?;
    sqlx::query("PRAGMA synchronous = OFF")
        .execute(&mut *c)
        .await?;
    let made = insert_chunks!(c, chunks);
    sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
        .execute(&mut *c)
        .await?;
    report(have, target, made, clients.len());
    Ok(())
}

/// Adds PHQ-9 responses until the PostgreSQL database holds at least `target` item answers.
pub async fn top_up_pg(c: &mut PgConnection, target: i64) -> anyhow::Result<()> {
    let have: i64 = sqlx::query_scalar(
        "SELECT COALESCE(SUM((SELECT COUNT(*) FROM json_object_keys((m.scored::json) -> \
         'answers'))), 0)::BIGINT FROM measure_responses m",
    )
    .fetch_one(&mut *c)
    .await?;
    let clients: Vec<(Uuid, OffsetDateTime)> =
        sqlx::query_as("SELECT id, created_at FROM clients ORDER BY created_at, id")
            .fetch_all(&mut *c)
            .await?;
    let scored = scored_totals()?;
    let chunks = plan(&clients, &scored, u64::try_from(target - have).unwrap_or(0))?;
    let made = insert_chunks!(c, chunks);
    sqlx::query("ANALYZE").execute(&mut *c).await?;
    report(have, target, made, clients.len());
    Ok(())
}
