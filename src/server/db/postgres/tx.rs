//! A PostgreSQL connection as a [`Tx`]: parameters, rows, and which errors mean "the
//! database is unreachable" (503 and reconnect) rather than a failed query.

use crate::server::db::DbError;
use crate::server::db::sql::{Dialect, Param, SqlRow, Tx};
use bytes::BytesMut;
use std::error::Error as StdError;
use tokio_postgres::Row;
use tokio_postgres::types::{IsNull, ToSql, Type};

/// One pooled connection; the engine opens and ends the transaction around the queries.
pub struct PgTx {
    pub client: deadpool_postgres::Object,
}

impl std::fmt::Debug for PgTx {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PgTx")
    }
}

impl PgTx {
    /// Closes the connection instead of returning it to the pool (after a failure that
    /// may have left it mid-transaction or broken).
    pub fn discard(self) {
        drop(deadpool_postgres::Object::take(self.client));
    }
}

fn as_params<'a>(params: &'a [Param<'a>]) -> Vec<&'a (dyn ToSql + Sync)> {
    params.iter().map(|p| p as &(dyn ToSql + Sync)).collect()
}

impl Tx for PgTx {
    type Row = Row;

    fn dialect(&self) -> Dialect {
        Dialect::Postgres
    }

    async fn query(&self, sql: &str, params: &[Param<'_>]) -> Result<Vec<Row>, DbError> {
        let statement = self
            .client
            .prepare_cached(sql)
            .await
            .map_err(|e| classify(&e))?;
        self.client
            .query(&statement, &as_params(params))
            .await
            .map_err(|e| classify(&e))
    }

    async fn execute(&self, sql: &str, params: &[Param<'_>]) -> Result<u64, DbError> {
        let statement = self
            .client
            .prepare_cached(sql)
            .await
            .map_err(|e| classify(&e))?;
        self.client
            .execute(&statement, &as_params(params))
            .await
            .map_err(|e| classify(&e))
    }

    async fn batch(&self, sql: &str) -> Result<(), DbError> {
        self.client
            .batch_execute(sql)
            .await
            .map_err(|e| classify(&e))
    }

    async fn notify(&self, channel: &str, payload: &str) -> Result<(), DbError> {
        self.execute(
            "SELECT pg_notify($1, $2)",
            &[Param::Text(channel), Param::Text(payload)],
        )
        .await
        .map(|_| ())
    }
}

/// SQLSTATE classes and codes that say the server is gone or not accepting work yet:
/// connection exceptions (08), shutdown and crash (57P01–57P03), too many connections
/// (53300), and a standby that cannot take writes (25006) during a failover.
fn unreachable_code(code: &str) -> bool {
    code.starts_with("08") || matches!(code, "57P01" | "57P02" | "57P03" | "53300" | "25006")
}

/// The driver's own errors that are about the connection (the rest are mistakes in a
/// query).
const CONNECTION_KINDS: &[&str] = &[
    "error communicating with the server",
    "error connecting to server",
    "error performing TLS handshake",
    "timeout waiting for server",
    "connection closed",
    "unexpected message from server",
];

/// Sorts a driver error: unreachable database → [`DbError::Unavailable`], else a query
/// failure.
pub fn classify(e: &tokio_postgres::Error) -> DbError {
    if let Some(db) = e.as_db_error() {
        let code = db.code().code();
        let text = format!("{} ({code})", db.message());
        return if unreachable_code(code) {
            DbError::Unavailable(text)
        } else {
            DbError::Postgres(text)
        };
    }
    let kind = e.to_string();
    let mut text = kind.clone();
    let mut source = e.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    if e.is_closed() || CONNECTION_KINDS.iter().any(|k| kind.starts_with(k)) {
        DbError::Unavailable(text)
    } else {
        DbError::Postgres(text)
    }
}

impl ToSql for Param<'_> {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut BytesMut,
    ) -> Result<IsNull, Box<dyn StdError + Sync + Send>> {
        match *self {
            Param::Int(v) => v.to_sql(ty, out),
            Param::OptInt(v) => v.to_sql(ty, out),
            Param::Text(s) => s.to_sql(ty, out),
            Param::OptText(s) => s.to_sql(ty, out),
            Param::Bool(b) => b.to_sql(ty, out),
        }
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    // Checked per variant, so a mismatch is a clear error rather than bad bytes.
    fn to_sql_checked(
        &self,
        ty: &Type,
        out: &mut BytesMut,
    ) -> Result<IsNull, Box<dyn StdError + Sync + Send>> {
        match *self {
            Param::Int(v) => v.to_sql_checked(ty, out),
            Param::OptInt(v) => v.to_sql_checked(ty, out),
            Param::Text(s) => s.to_sql_checked(ty, out),
            Param::OptText(s) => s.to_sql_checked(ty, out),
            Param::Bool(b) => b.to_sql_checked(ty, out),
        }
    }
}

fn column<'a, T: tokio_postgres::types::FromSql<'a>>(row: &'a Row, i: usize) -> Result<T, DbError> {
    row.try_get(i)
        .map_err(|e| DbError::Corrupt(format!("column {i}: {e}")))
}

impl SqlRow for Row {
    fn int(&self, i: usize) -> Result<i64, DbError> {
        column(self, i)
    }

    fn opt_int(&self, i: usize) -> Result<Option<i64>, DbError> {
        column(self, i)
    }

    fn text(&self, i: usize) -> Result<String, DbError> {
        column(self, i)
    }

    fn opt_text(&self, i: usize) -> Result<Option<String>, DbError> {
        column(self, i)
    }

    fn bool(&self, i: usize) -> Result<bool, DbError> {
        column(self, i)
    }
}
