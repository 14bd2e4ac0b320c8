//! Good-faith estimates as given to a client: each written once with its audit row (and, when
//! the client gets email, the notice that it is ready, in the same transaction); the reminder
//! that charges passed it by $400 or more is recorded once.

use super::Billing;
use crate::outbox::{self, Email};
use crate::{ClientAccess, StoreError, audit};
use kapflow_domain::billing::estimate::Expected;
use kapflow_domain::billing::money::Cents;
use kapflow_domain::{Actor, UserId};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

/// An estimate to record.
#[derive(Debug, Clone)]
pub struct NewEstimate<'a> {
    pub services: &'a [Expected],
    pub starts_on: Date,
    pub due_by: Option<Date>,
}

/// An estimate as given.
#[derive(Debug, Clone)]
pub struct EstimateRow {
    pub id: Uuid,
    pub services: Vec<Expected>,
    pub total: Cents,
    pub starts_on: Date,
    pub due_by: Option<Date>,
    pub made_at: OffsetDateTime,
    pub reminded_at: Option<OffsetDateTime>,
}

type Stored = (
    Uuid,
    String,
    i64,
    Date,
    Option<Date>,
    OffsetDateTime,
    Option<OffsetDateTime>,
);

/// The services as stored: one a line, tab-separated (tabs and newlines never in a label).
fn encode(services: &[Expected]) -> String {
    services
        .iter()
        .map(|s| {
            format!(
                "{}\t{}\t{}\t{}\t{}",
                s.code,
                s.label.replace(['\t', '\n'], " "),
                s.times,
                s.units,
                s.unit_fee.0
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn decode(text: &str) -> Result<Vec<Expected>, StoreError> {
    text.lines()
        .filter(|l| !l.is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            let bad = || StoreError::Corrupt("an estimate's service".into());
            let [code, label, times, units, fee] = f.as_slice() else {
                return Err(bad());
            };
            Ok(Expected {
                code: (*code).to_owned(),
                label: (*label).to_owned(),
                times: times.parse().map_err(|_| bad())?,
                units: units.parse().map_err(|_| bad())?,
                unit_fee: Cents(fee.parse().map_err(|_| bad())?),
            })
        })
        .collect()
}

impl Billing<'_> {
    /// Records an estimate given to the client; `notice` is the email telling them it is ready.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn give_estimate(
        &self,
        access: &ClientAccess,
        new: &NewEstimate<'_>,
        notice: Option<&Email>,
        by: UserId,
        actor: &Actor,
        now: OffsetDateTime,
    ) -> Result<Uuid, StoreError> {
        let total = kapflow_domain::billing::estimate::total(new.services)
            .ok_or_else(|| StoreError::Corrupt("an estimate too large".into()))?;
        let id = Uuid::now_v7();
        let mut tx = self.store.begin().await?;
        tx.exec(
            "INSERT INTO good_faith_estimates (id, client_id, services, total_cents, starts_on, \
             due_by, made_by, made_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            args![
                id,
                access.client(),
                encode(new.services),
                total.0,
                new.starts_on,
                new.due_by,
                by,
                now
            ],
        )
        .await?;
        if let Some(email) = notice {
            outbox::enqueue(&mut tx, email, now).await?;
        }
        audit::append(
            &mut tx,
            &actor
                .entry("estimate.given", now)
                .record("good_faith_estimate", id)
                .client(access.client())
                .because(format!("Total {total}")),
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// The client's estimates, newest first.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn estimates(&self, access: &ClientAccess) -> Result<Vec<EstimateRow>, StoreError> {
        let rows: Vec<Stored> = self
            .store
            .db
            .fetch_all(
                "SELECT id, services, total_cents, starts_on, due_by, made_at, reminded_at \
                 FROM good_faith_estimates WHERE client_id = $1 ORDER BY made_at DESC, id DESC",
                args![access.client()],
            )
            .await?;
        rows.into_iter()
            .map(
                |(id, services, total, starts_on, due_by, made_at, reminded_at)| {
                    Ok(EstimateRow {
                        id,
                        services: decode(&services)?,
                        total: Cents(total),
                        starts_on,
                        due_by,
                        made_at,
                        reminded_at,
                    })
                },
            )
            .collect()
    }

    /// Records that the practice was reminded that charges passed estimate `id` by $400 or
    /// more, with the email to the owners; `false` when it already was.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn estimate_exceeded(
        &self,
        access: &ClientAccess,
        id: Uuid,
        over: Cents,
        actor: &Actor,
        now: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        let mut tx = self.store.begin().await?;
        let n = tx
            .exec(
                "UPDATE good_faith_estimates SET reminded_at = $1 WHERE id = $2 \
                 AND client_id = $3 AND reminded_at IS NULL",
                args![now, id, access.client()],
            )
            .await?;
        if n == 0 {
            return Ok(false);
        }
        outbox::enqueue(
            &mut tx,
            &Email::EstimateExceeded {
                client_id: access.client(),
            },
            now,
        )
        .await?;
        audit::append(
            &mut tx,
            &actor
                .entry("estimate.exceeded", now)
                .record("good_faith_estimate", id)
                .client(access.client())
                .because(format!("Charges {over} over the estimate")),
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }
}
