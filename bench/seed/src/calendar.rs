//! The week-view benchmark's practice: ten clinicians (demo-data's owner and therapists, and
//! therapists added here until there are ten) and the appointments asked for (50,000 at the
//! usual scale), five a weekday per clinician (50 minutes at 09:00, 10:00, 11:00, 13:00 and
//! 14:00 New York time), three quarters of them in the past, so the week of today holds about
//! 250. Written in large transactions with the shapes the app writes; the calendar reads them
//! like any booking.

use anyhow::{Context, bail};
use sqlx::{Connection, SqliteConnection};
use time::{Date, Duration, OffsetDateTime, PrimitiveDateTime, Time, Weekday};
use uuid::Uuid;

const CLINICIANS: usize = 10;
const PER_DAY: usize = 5;
/// The slots' starts in UTC (New York's standard time + 5 hours).
const SLOTS_UTC: [u8; PER_DAY] = [14, 15, 16, 18, 19];

fn weekday(d: Date) -> bool {
    !matches!(d.weekday(), Weekday::Saturday | Weekday::Sunday)
}

/// Adds clinicians up to ten and `count` appointments among the practice's clients.
pub async fn fill(c: &mut SqliteConnection, count: usize) -> anyhow::Result<()> {
    let now = OffsetDateTime::now_utc();
    let mut clinicians: Vec<Uuid> = sqlx::query_scalar(
        "SELECT id FROM users WHERE role IN ('owner', 'therapist') AND disabled_at IS NULL \
         ORDER BY created_at, id",
    )
    .fetch_all(&mut *c)
    .await?;
    while clinicians.len() < CLINICIANS {
        let id = Uuid::now_v7();
        let n = clinicians.len() + 1;
        sqlx::query(
            "INSERT INTO users (id, email, display_name, role, created_at, updated_at) VALUES \
             (?1, ?2, ?3, 'therapist', ?4, ?4)",
        )
        .bind(id)
        .bind(format!("clinician{n}@bench.example"))
        .bind(format!("Clinician {n}, LMFT"))
        .bind(now)
        .execute(&mut *c)
        .await?;
        clinicians.push(id);
    }
    clinicians.truncate(CLINICIANS);
    let clients: Vec<Uuid> = sqlx::query_scalar("SELECT id FROM clients ORDER BY id")
        .fetch_all(&mut *c)
        .await?;
    if clients.is_empty() {
        bail!("no clients (run kapflow demo-data first)");
    }
    let per_weekday = CLINICIANS * PER_DAY;
    let weekdays = count.div_ceil(per_weekday);
    // Three quarters of the weekdays before today.
    let mut day = now.date();
    let mut back = weekdays * 3 / 4;
    while back > 0 {
        day = day.previous_day().context("date")?;
        if weekday(day) {
            back -= 1;
        }
    }
    let mut made = 0usize;
    let mut tx = c.begin().await?;
    while made < count {
        if weekday(day) {
            for (k, clinician) in clinicians.iter().enumerate() {
                for (s, hour) in SLOTS_UTC.iter().enumerate() {
                    if made == count {
                        break;
                    }
                    let starts =
                        PrimitiveDateTime::new(day, Time::from_hms(*hour, 0, 0)?).assume_utc();
                    let client = clients[(made + k * 7 + s) % clients.len()];
                    let kind = if made.is_multiple_of(3) {
                        "preparation"
                    } else {
                        "integration"
                    };
                    sqlx::query(
                        "INSERT INTO appointments (id, client_id, session_type, clinician_id, \
                         starts_at, ends_at, telehealth, status, booked_by, booked_at) VALUES \
                         (?1, ?2, ?3, ?4, ?5, ?6, 0, 'booked', ?4, ?7)",
                    )
                    .bind(Uuid::now_v7())
                    .bind(client)
                    .bind(kind)
                    .bind(clinician)
                    .bind(starts)
                    .bind(starts + Duration::minutes(50))
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                    made += 1;
                    if made.is_multiple_of(5000) {
                        tx.commit().await?;
                        tx = c.begin().await?;
                    }
                }
            }
        }
        day = day.next_day().context("date")?;
    }
    tx.commit().await?;
    sqlx::query("ANALYZE").execute(&mut *c).await?;
    Ok(())
}
