//! The ledger in the database: the fee schedule, clients' own rates and ledger entries, each
//! written once with its audit row in the same transaction; balances are derived from the
//! entries by `kapflow_domain::billing::ledger`, never stored. Free text of an entry is refused
//! when it holds a card number (kapflow stores no card data).

mod charges;
mod codes;
mod diagnoses;
mod estimates;
mod identity;
mod report;

pub use charges::{
    AppointmentToCharge, ChargeLineRow, NewCharge, PresentPerson, SessionPresence, SessionToCharge,
    Source, ToCharge,
};
pub use codes::TypeCode;
pub use estimates::{EstimateRow, NewEstimate};
pub use identity::ClinicianBilling;
pub use report::ReportData;

use crate::{ClientAccess, StoreError, audit};
use kapflow_domain::billing::card_numbers::holds_card_number;
use kapflow_domain::billing::fees::{ClientRate, Fee, Rate};
use kapflow_domain::billing::ledger::{Entry, EntryKind, PaymentMethod};
use kapflow_domain::billing::money::Cents;
use kapflow_domain::{Actor, ClientId, UserId};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

crate::topic!(
    /// Fees, client rates and the ledger.
    Billing
);

/// An entry to record.
#[derive(Debug, Clone)]
pub struct NewEntry<'a> {
    pub kind: EntryKind,
    pub amount: Cents,
    pub on: Date,
    /// The charge (its id) a payment, adjustment or write-off is for.
    pub settles: Option<Uuid>,
    pub service: Option<&'a str>,
    pub reference: Option<&'a str>,
    pub note: Option<&'a str>,
    /// How a payment or refund was made.
    pub method: Option<PaymentMethod>,
}

/// Why an entry was not recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refused {
    /// A field holds what looks like a card number (the field's name).
    CardNumber(&'static str),
    /// `settles` is not a charge of this client, or a charge names one.
    NotACharge,
    Negative,
    /// The appointment or dosing session already has its charge.
    AlreadyCharged,
    /// A charge needs at least one line, each with a known code and at most four diagnoses
    /// of the client's; or the appointment or session is not this client's.
    BadCharge(&'static str),
}

/// One stored entry.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct EntryRow {
    pub id: Uuid,
    #[sqlx(try_from = "String")]
    pub kind: EntryKind,
    pub amount_cents: i64,
    pub on_date: Date,
    pub settles: Option<Uuid>,
    pub service: Option<String>,
    pub reference: Option<String>,
    pub note: Option<String>,
    #[sqlx(try_from = "crate::sql::OptText")]
    pub method: Option<PaymentMethod>,
    pub created_at: OffsetDateTime,
}

impl EntryRow {
    /// The ledger as the domain reads it (a settled charge named by its position).
    pub fn to_domain(rows: &[EntryRow]) -> Vec<Entry> {
        rows.iter()
            .map(|r| Entry {
                kind: r.kind,
                amount: Cents(r.amount_cents),
                on: r.on_date,
                settles: r.settles.and_then(|s| rows.iter().position(|x| x.id == s)),
            })
            .collect()
    }
}

/// A client rate as stored: (service, fixed cents, percent, reason, from).
type RateRow = (Option<String>, Option<i64>, Option<i64>, String, Date);

impl Billing<'_> {
    /// Sets the fee of `service` from `from` on (a new row; earlier charges keep theirs).
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn set_fee(
        &self,
        service: &str,
        amount: Cents,
        from: Date,
        by: UserId,
        actor: &Actor,
        now: OffsetDateTime,
    ) -> Result<Option<Uuid>, StoreError> {
        use crate::error::UniqueOr;
        let id = Uuid::now_v7();
        let mut tx = self.store.begin().await?;
        let made = tx
            .exec(
                "INSERT INTO fee_schedule (id, service, amount_cents, effective_from, created_by, \
                 created_at) VALUES ($1, $2, $3, $4, $5, $6)",
                args![id, service, amount.0, from, by, now],
            )
            .await
            .or_duplicate()?;
        if made.is_none() {
            return Ok(None);
        }
        audit::append(
            &mut tx,
            &actor
                .entry("fee.set", now)
                .record("fee", id)
                .because(format!("{service}: {amount} from {from}")),
        )
        .await?;
        tx.commit().await?;
        Ok(Some(id))
    }

    /// The whole schedule, oldest first.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn fees(&self) -> Result<Vec<Fee>, StoreError> {
        let rows: Vec<(String, i64, Date)> = self
            .store
            .db
            .fetch_all(
                "SELECT service, amount_cents, effective_from FROM fee_schedule \
                 ORDER BY effective_from, service",
                args![],
            )
            .await?;
        Ok(rows
            .into_iter()
            .map(|(service, amount, from)| Fee {
                service,
                amount: Cents(amount),
                from,
            })
            .collect())
    }

    /// Gives the client their own rate from `rate.from` on (the reason is checked by the caller
    /// with `fees::checked_reason`).
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn add_rate(
        &self,
        access: &ClientAccess,
        rate: &ClientRate,
        by: UserId,
        actor: &Actor,
        now: OffsetDateTime,
    ) -> Result<Uuid, StoreError> {
        let id = Uuid::now_v7();
        let (fixed, percent) = match rate.rate {
            Rate::Fixed(c) => (Some(c.0), None),
            Rate::Percent(p) => (None, Some(i64::from(p))),
        };
        let mut tx = self.store.begin().await?;
        tx.exec(
            "INSERT INTO client_rates (id, client_id, service, fixed_cents, percent, reason, \
             effective_from, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            args![
                id,
                access.client(),
                rate.service.as_deref(),
                fixed,
                percent,
                rate.reason.as_str(),
                rate.from,
                by,
                now
            ],
        )
        .await?;
        audit::append(
            &mut tx,
            &actor
                .entry("client_rate.added", now)
                .record("client_rate", id)
                .client(access.client()),
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// The client's rates, oldest first.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn rates(&self, access: &ClientAccess) -> Result<Vec<ClientRate>, StoreError> {
        let rows: Vec<RateRow> = self
            .store
            .db
            .fetch_all(
                "SELECT service, fixed_cents, percent, reason, effective_from FROM client_rates \
                 WHERE client_id = $1 ORDER BY effective_from, id",
                args![access.client()],
            )
            .await?;
        rows.into_iter()
            .map(|(service, fixed, percent, reason, from)| {
                let rate = match (fixed, percent.and_then(|p| u8::try_from(p).ok())) {
                    (Some(c), None) => Rate::Fixed(Cents(c)),
                    (None, Some(p)) => Rate::Percent(p),
                    _ => return Err(StoreError::Corrupt("a client rate with no rate".into())),
                };
                Ok(ClientRate {
                    service,
                    rate,
                    reason,
                    from,
                })
            })
            .collect()
    }

    /// Records one ledger entry with its audit row.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn record(
        &self,
        access: &ClientAccess,
        new: &NewEntry<'_>,
        by: UserId,
        actor: &Actor,
        now: OffsetDateTime,
    ) -> Result<Result<Uuid, Refused>, StoreError> {
        if new.amount.is_negative() {
            return Ok(Err(Refused::Negative));
        }
        for (field, text) in [("reference", new.reference), ("note", new.note)] {
            if text.is_some_and(holds_card_number) {
                return Ok(Err(Refused::CardNumber(field)));
            }
        }
        let mut tx = self.store.begin().await?;
        if let Some(charge) = new.settles {
            let is_charge: bool = tx
                .scalar(
                    "SELECT COUNT(*) > 0 FROM ledger_entries WHERE id = $1 AND client_id = $2 \
                     AND kind = 'charge'",
                    args![charge, access.client()],
                )
                .await?;
            if !is_charge || new.kind == EntryKind::Charge || new.kind == EntryKind::Refund {
                return Ok(Err(Refused::NotACharge));
            }
        }
        let id = Uuid::now_v7();
        tx.exec(
            "INSERT INTO ledger_entries (id, client_id, kind, amount_cents, on_date, settles, \
             service, reference, note, method, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
            args![
                id,
                access.client(),
                new.kind.as_str(),
                new.amount.0,
                new.on,
                new.settles,
                new.service,
                new.reference,
                new.note,
                new.method.map(|m| m.as_str()),
                by,
                now
            ],
        )
        .await?;
        audit::append(
            &mut tx,
            &actor
                .entry(&format!("ledger.{}", new.kind.as_str()), now)
                .record("ledger_entry", id)
                .client(access.client())
                .because(format!("{} {}", new.kind.label(), new.amount)),
        )
        .await?;
        tx.commit().await?;
        Ok(Ok(id))
    }

    /// The client's ledger in the order it was written.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn ledger(&self, access: &ClientAccess) -> Result<Vec<EntryRow>, StoreError> {
        self.store
            .db
            .fetch_all(
                "SELECT id, kind, amount_cents, on_date, settles, service, reference, note, \
                 method, created_at FROM ledger_entries WHERE client_id = $1 ORDER BY id",
                args![access.client()],
            )
            .await
    }

    /// Every client's ledger (for the practice's reports), in the order written.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn all_entries(&self) -> Result<Vec<(ClientId, EntryRow)>, StoreError> {
        #[derive(sqlx::FromRow)]
        struct Row {
            #[sqlx(try_from = "Uuid")]
            client_id: ClientId,
            #[sqlx(flatten)]
            entry: EntryRow,
        }
        let rows: Vec<Row> = self
            .store
            .db
            .fetch_all(
                "SELECT client_id, id, kind, amount_cents, on_date, settles, service, reference, \
                 note, method, created_at FROM ledger_entries ORDER BY id",
                args![],
            )
            .await?;
        Ok(rows.into_iter().map(|r| (r.client_id, r.entry)).collect())
    }
}
