//! One statement, one call: `tx.exec(SQL, args![a, b])`, `store.fetch_optional::<Row>(…)`.
//!
//! A statement's arguments are a list of backend-neutral [`Arg`]s, turned into SQLite or
//! PostgreSQL arguments when it runs, so each SQL text is written once, each call site is one
//! line, and the two drivers' generic code is instantiated here instead of at every call site.
//! Typed ids and the domain's named enums convert into arguments directly; rows decode into
//! them with `#[sqlx(try_from = "Uuid")]`, `#[sqlx(try_from = "String")]` and, for nullable
//! columns, [`OptUuid`] and [`OptText`].

use crate::backend::{Db, Tx, TxConn};
use crate::error::StoreError;
use crate::sqlite_readers::{SqliteDb, outside_transactions, reads_only};
use kapflow_domain::measures::schedule::{AlertLevel, Channel, Reason, Via};
use kapflow_domain::{
    AlertId, AuditId, AuditOutcome, ClientId, CourseId, DocumentId, DoseRequestId, DosingSessionId,
    EvaluationId, GrantId, InquiryId, IntegrationId, MeasureRequestId, MessageId, OrgId, OutboxId,
    PhotoId, PrescriptionId, ResponseId, Role, SessionAlertId, SessionId, ShipmentId, SignatureId,
    UserId, VitalsId,
};
use kapflow_domain::{
    client::Sensitivity, consent::ConsentKind, inquiry::ContactMethod, inquiry::InquiryStatus,
    pathway::Stage, prescribing::Decision, prescribing::DoseAnswer, prescribing::DoseForm,
};
use sqlx::postgres::{PgArguments, PgRow};
use sqlx::sqlite::{SqliteArguments, SqliteRow};
use sqlx::{
    Arguments, Decode, Encode, FromRow, PgConnection, Postgres, Sqlite, SqliteConnection, Type,
};
use sqlx::{PgPool, SqlSafeStr, SqlStr};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

/// One bound value. `None` binds SQL `NULL` of the variant's type (PostgreSQL needs the type).
#[derive(Clone, Debug)]
pub(crate) enum Arg<'a> {
    Uuid(Option<Uuid>),
    Text(Option<&'a str>),
    OwnedText(Option<String>),
    Int(Option<i64>),
    Bool(Option<bool>),
    Time(Option<OffsetDateTime>),
    Date(Option<Date>),
    Bytes(Option<&'a [u8]>),
}

/// `args![a, b, c]`: the arguments of one statement, in `$1, $2, …` order.
macro_rules! args {
    ($($a:expr),* $(,)?) => {
        &[$($crate::sql::Arg::from($a)),*]
    };
}

macro_rules! arg_from {
    ($($t:ty => $variant:ident($conv:expr)),* $(,)?) => {$(
        impl<'a> From<$t> for Arg<'a> {
            fn from(v: $t) -> Self {
                Arg::$variant(Some(($conv)(v)))
            }
        }
        impl<'a> From<Option<$t>> for Arg<'a> {
            fn from(v: Option<$t>) -> Self {
                Arg::$variant(v.map($conv))
            }
        }
    )*};
}

arg_from!(
    Uuid => Uuid(|v| v),
    i64 => Int(|v| v),
    i32 => Int(i64::from),
    u32 => Int(i64::from),
    bool => Bool(|v| v),
    OffsetDateTime => Time(|v| v),
    Date => Date(|v| v),
    String => OwnedText(|v| v),
    &'a str => Text(|v| v),
    &'a String => Text(|v: &'a String| v.as_str()),
    &'a [u8] => Bytes(|v| v),
    &'a Vec<u8> => Bytes(|v: &'a Vec<u8>| v.as_slice()),
);

/// Typed ids bind as their UUID.
macro_rules! arg_from_id {
    ($($t:ty),* $(,)?) => {
        arg_from!($($t => Uuid(|v: $t| v.as_uuid())),*);
    };
}

arg_from_id!(
    AuditId,
    UserId,
    SessionId,
    ClientId,
    CourseId,
    InquiryId,
    OrgId,
    DocumentId,
    SignatureId,
    EvaluationId,
    PrescriptionId,
    ShipmentId,
    DoseRequestId,
    MeasureRequestId,
    ResponseId,
    AlertId,
    GrantId,
    PhotoId,
    MessageId,
    OutboxId,
    DosingSessionId,
    VitalsId,
    SessionAlertId,
    IntegrationId,
    kapflow_domain::RoomId,
    kapflow_domain::AppointmentId,
    kapflow_domain::SeriesId,
    kapflow_domain::TimeOffId,
    kapflow_domain::NoteId,
    kapflow_domain::AddendumId,
    kapflow_domain::PsychNoteId,
    kapflow_domain::JournalEntryId,
    kapflow_domain::AttachmentId,
    kapflow_domain::ApiTokenId,
);

/// Named enums bind as their stored name.
macro_rules! arg_from_name {
    ($($t:ty),* $(,)?) => {
        arg_from!($($t => Text(|v: $t| v.as_str())),*);
    };
}

arg_from_name!(
    Role,
    kapflow_domain::calendar::Status,
    kapflow_domain::calendar::NoteTemplate,
    kapflow_domain::dosing::session::Status,
    kapflow_domain::dosing::session::EndedAs,
    kapflow_domain::dosing::entries::MeasuredBy,
    kapflow_domain::dosing::entries::Phase,
    kapflow_domain::dosing::entries::ObservationKind,
    kapflow_domain::dosing::presence::Change,
    AuditOutcome,
    Stage,
    Sensitivity,
    ConsentKind,
    ContactMethod,
    InquiryStatus,
    Decision,
    DoseForm,
    DoseAnswer,
    Reason,
    Channel,
    Via,
    AlertLevel,
    crate::site::RevisionStatus,
    kapflow_domain::portal::Thread,
    kapflow_domain::api_token::ApiScope,
);

fn encode_err(e: sqlx::error::BoxDynError) -> StoreError {
    StoreError::from(sqlx::Error::Encode(e))
}

/// The driver's arguments for `args`, for either backend (each encodes the same Rust types).
fn bind<A: Arguments>(args: &[Arg<'_>]) -> Result<A, StoreError>
where
    Option<Uuid>: for<'q> Encode<'q, A::Database> + Type<A::Database>,
    for<'q> Option<&'q str>: Encode<'q, A::Database> + Type<A::Database>,
    Option<i64>: for<'q> Encode<'q, A::Database> + Type<A::Database>,
    Option<bool>: for<'q> Encode<'q, A::Database> + Type<A::Database>,
    Option<OffsetDateTime>: for<'q> Encode<'q, A::Database> + Type<A::Database>,
    Option<Date>: for<'q> Encode<'q, A::Database> + Type<A::Database>,
    for<'q> Option<&'q [u8]>: Encode<'q, A::Database> + Type<A::Database>,
{
    let mut out = A::default();
    out.reserve(args.len(), 0);
    for a in args {
        match a {
            Arg::Uuid(v) => out.add(*v),
            Arg::Text(v) => out.add(*v),
            Arg::OwnedText(v) => out.add(v.as_deref()),
            Arg::Int(v) => out.add(*v),
            Arg::Bool(v) => out.add(*v),
            Arg::Time(v) => out.add(*v),
            Arg::Date(v) => out.add(*v),
            Arg::Bytes(v) => out.add(*v),
        }
        .map_err(encode_err)?;
    }
    Ok(out)
}

fn sqlite_args(args: &[Arg<'_>]) -> Result<SqliteArguments, StoreError> {
    bind(args)
}

fn pg_args(args: &[Arg<'_>]) -> Result<PgArguments, StoreError> {
    bind(args)
}

/// A row type both drivers can decode.
pub(crate) trait Row:
    for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin
{
}
impl<T> Row for T where T: for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin
{}

/// A single column type both drivers can decode.
pub(crate) trait Scalar:
    Type<Sqlite>
    + for<'r> Decode<'r, Sqlite>
    + Type<Postgres>
    + for<'r> Decode<'r, Postgres>
    + Send
    + Unpin
{
}
impl<T> Scalar for T where
    T: Type<Sqlite>
        + for<'r> Decode<'r, Sqlite>
        + Type<Postgres>
        + for<'r> Decode<'r, Postgres>
        + Send
        + Unpin
{
}

/// Where a statement runs: a pool (reads that stand alone) or an open transaction.
pub(crate) enum On<'e> {
    /// SQLite outside a transaction: reads go to a reader connection, the rest to the pool.
    SqliteDb(&'e SqliteDb),
    PgPool(&'e PgPool),
    Sqlite(&'e mut SqliteConnection),
    Pg(&'e mut PgConnection),
}

/// Runs `$query` (a function of the backend's arguments) on `$on` with `$method`.
macro_rules! on {
    ($on:expr, $args:expr, $text:expr, |$a:ident| $query:expr, $method:ident) => {
        match $on {
            On::SqliteDb(db) if reads_only($text) => {
                let $a = sqlite_args($args)?;
                let mut reader = db.readers.get().await?;
                match $query.$method(reader.conn()?).await {
                    Ok(v) => v,
                    Err(e) => {
                        reader.discard();
                        return Err(e.into());
                    }
                }
            }
            On::SqliteDb(db) if outside_transactions($text) => {
                let $a = sqlite_args($args)?;
                $query.$method(&**db).await?
            }
            On::SqliteDb(db) => {
                let $a = sqlite_args($args)?;
                let mut write = db.writer.begin().await?;
                let v = $query.$method(write.conn()?).await?;
                write.commit().await?;
                v
            }
            On::PgPool(p) => {
                let $a = pg_args($args)?;
                $query.$method(p).await?
            }
            On::Sqlite(c) => {
                let $a = sqlite_args($args)?;
                $query.$method(c).await?
            }
            On::Pg(c) => {
                let $a = pg_args($args)?;
                $query.$method(c).await?
            }
        }
    };
}

async fn exec(on: On<'_>, sql: SqlStr, args: &[Arg<'_>]) -> Result<u64, StoreError> {
    Ok(match on {
        On::SqliteDb(db) if outside_transactions(sql.as_str()) => {
            sqlx::query_with(sql, sqlite_args(args)?)
                .execute(&**db)
                .await?
                .rows_affected()
        }
        On::SqliteDb(db) if reads_only(sql.as_str()) => {
            let mut reader = db.readers.get().await?;
            let done = sqlx::query_with(sql, sqlite_args(args)?)
                .execute(reader.conn()?)
                .await;
            if done.is_err() {
                reader.discard();
            }
            done?.rows_affected()
        }
        On::SqliteDb(db) => {
            let mut write = db.writer.begin().await?;
            let n = sqlx::query_with(sql, sqlite_args(args)?)
                .execute(write.conn()?)
                .await?
                .rows_affected();
            write.commit().await?;
            n
        }
        On::PgPool(p) => sqlx::query_with(sql, pg_args(args)?)
            .execute(p)
            .await?
            .rows_affected(),
        On::Sqlite(c) => sqlx::query_with(sql, sqlite_args(args)?)
            .execute(c)
            .await?
            .rows_affected(),
        On::Pg(c) => sqlx::query_with(sql, pg_args(args)?)
            .execute(c)
            .await?
            .rows_affected(),
    })
}

/// The four readers, which differ only in the kind of query and how many rows they want.
macro_rules! readers {
    ($($name:ident: $bound:ident -> $out:ty = $query:path, $method:ident;)+) => {$(
        async fn $name<T: $bound>(
            on: On<'_>,
            sql: SqlStr,
            args: &[Arg<'_>],
        ) -> Result<$out, StoreError> {
            Ok(on!(on, args, sql.as_str(), |a| $query(sql, a), $method))
        }
    )+};
}

readers! {
    fetch_all: Row -> Vec<T> = sqlx::query_as_with, fetch_all;
    fetch_optional: Row -> Option<T> = sqlx::query_as_with, fetch_optional;
    scalar_all: Scalar -> Vec<T> = sqlx::query_scalar_with, fetch_all;
    scalar_optional: Scalar -> Option<T> = sqlx::query_scalar_with, fetch_optional;
}

impl Tx {
    fn on(&mut self) -> Result<On<'_>, StoreError> {
        Ok(match &mut self.conn {
            TxConn::SqliteWrite(m) => On::Sqlite(m.conn()?),
            TxConn::Sqlite(t) => On::Sqlite(t),
            TxConn::Pg(t) => On::Pg(t),
        })
    }
}

impl Db {
    fn on(&self) -> Result<On<'_>, StoreError> {
        Ok(match self {
            Db::Sqlite(db) => On::SqliteDb(db),
            Db::Pg(p) => On::PgPool(p),
        })
    }
}

/// The statement calls, the same for a transaction (`&mut self`) and the pool (`&self`).
macro_rules! statement_calls {
    ($target:ty, [$($recv:tt)+], $s:ident) => {
        impl $target {
            /// Runs a statement; returns the number of rows it changed.
            pub(crate) async fn exec(
                $($recv)+,
                sql: impl SqlSafeStr,
                args: &[Arg<'_>],
            ) -> Result<u64, StoreError> {
                exec($s.on()?, sql.into_sql_str(), args).await
            }

            /// Every row of a query.
            pub(crate) async fn fetch_all<T: Row>(
                $($recv)+,
                sql: impl SqlSafeStr,
                args: &[Arg<'_>],
            ) -> Result<Vec<T>, StoreError> {
                fetch_all($s.on()?, sql.into_sql_str(), args).await
            }

            /// The one row of a query, or `None`.
            pub(crate) async fn fetch_optional<T: Row>(
                $($recv)+,
                sql: impl SqlSafeStr,
                args: &[Arg<'_>],
            ) -> Result<Option<T>, StoreError> {
                fetch_optional($s.on()?, sql.into_sql_str(), args).await
            }

            /// The one row a query must return.
            pub(crate) async fn fetch_one<T: Row>(
                $($recv)+,
                sql: impl SqlSafeStr,
                args: &[Arg<'_>],
            ) -> Result<T, StoreError> {
                fetch_optional($s.on()?, sql.into_sql_str(), args)
                    .await?
                    .ok_or_else(no_row)
            }

            /// The first column of every row.
            pub(crate) async fn scalars<T: Scalar>(
                $($recv)+,
                sql: impl SqlSafeStr,
                args: &[Arg<'_>],
            ) -> Result<Vec<T>, StoreError> {
                scalar_all($s.on()?, sql.into_sql_str(), args).await
            }

            /// The first column of the one row, or `None`.
            pub(crate) async fn scalar_optional<T: Scalar>(
                $($recv)+,
                sql: impl SqlSafeStr,
                args: &[Arg<'_>],
            ) -> Result<Option<T>, StoreError> {
                scalar_optional($s.on()?, sql.into_sql_str(), args).await
            }

            /// The first column of the one row a query must return.
            pub(crate) async fn scalar<T: Scalar>(
                $($recv)+,
                sql: impl SqlSafeStr,
                args: &[Arg<'_>],
            ) -> Result<T, StoreError> {
                scalar_optional($s.on()?, sql.into_sql_str(), args)
                    .await?
                    .ok_or_else(no_row)
            }
        }
    };
}

statement_calls!(Tx, [&mut self], self);
statement_calls!(Db, [&self], self);

fn no_row() -> StoreError {
    StoreError::from(sqlx::Error::RowNotFound)
}

/// A nullable UUID column, for `#[sqlx(try_from = "OptUuid")] field: Option<SomeId>`.
pub(crate) struct OptUuid(Option<Uuid>);

/// A nullable text column, for `#[sqlx(try_from = "OptText")] field: Option<SomeEnum>`.
pub(crate) struct OptText(Option<String>);

macro_rules! nullable_column {
    ($wrapper:ident, $inner:ty) => {
        impl<DB: sqlx::Database> Type<DB> for $wrapper
        where
            $inner: Type<DB>,
        {
            fn type_info() -> DB::TypeInfo {
                <$inner as Type<DB>>::type_info()
            }
            fn compatible(ty: &DB::TypeInfo) -> bool {
                <$inner as Type<DB>>::compatible(ty)
            }
        }

        impl<'r, DB: sqlx::Database> Decode<'r, DB> for $wrapper
        where
            Option<$inner>: Decode<'r, DB>,
        {
            fn decode(
                value: <DB as sqlx::Database>::ValueRef<'r>,
            ) -> Result<Self, sqlx::error::BoxDynError> {
                Ok($wrapper(<Option<$inner> as Decode<'r, DB>>::decode(value)?))
            }
        }
    };
}

nullable_column!(OptUuid, Uuid);
nullable_column!(OptText, String);

impl<T: From<Uuid>> From<OptUuid> for Option<T> {
    fn from(v: OptUuid) -> Self {
        v.0.map(T::from)
    }
}

impl<T: TryFrom<String>> TryFrom<OptText> for Option<T> {
    type Error = T::Error;
    fn try_from(v: OptText) -> Result<Self, Self::Error> {
        v.0.map(T::try_from).transpose()
    }
}
