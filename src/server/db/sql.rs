//! What the queries see of a database: a transaction that runs SQL with `$1`-style
//! parameters and hands back rows, the same for `SQLite` and PostgreSQL.
//!
//! The queries in `read`, `write`, `users` and `import` are written once against [`Tx`];
//! each engine implements it (`sqlite::SqliteTx`, `postgres::PgTx`). Where the SQL must
//! differ, a query asks [`Tx::dialect`] and picks its text.

use super::DbError;
use std::future::Future;

/// Which SQL a transaction speaks, for the few statements that differ.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

/// A value bound to a `$N` parameter. Integers are 64-bit everywhere (`BIGINT` on
/// PostgreSQL), booleans are `BOOLEAN` there and 0/1 in `SQLite`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Param<'a> {
    Int(i64),
    OptInt(Option<i64>),
    Text(&'a str),
    OptText(Option<&'a str>),
    Bool(bool),
}

impl From<i64> for Param<'_> {
    fn from(v: i64) -> Self {
        Param::Int(v)
    }
}

impl From<u32> for Param<'_> {
    fn from(v: u32) -> Self {
        Param::Int(i64::from(v))
    }
}

impl From<Option<i64>> for Param<'_> {
    fn from(v: Option<i64>) -> Self {
        Param::OptInt(v)
    }
}

impl<'a> From<&'a str> for Param<'a> {
    fn from(v: &'a str) -> Self {
        Param::Text(v)
    }
}

impl<'a> From<&'a String> for Param<'a> {
    fn from(v: &'a String) -> Self {
        Param::Text(v)
    }
}

impl<'a> From<Option<&'a str>> for Param<'a> {
    fn from(v: Option<&'a str>) -> Self {
        Param::OptText(v)
    }
}

impl From<bool> for Param<'_> {
    fn from(v: bool) -> Self {
        Param::Bool(v)
    }
}

/// `params![a, b, c]`: a parameter list for [`Tx`] calls.
macro_rules! params {
    ($($value:expr),* $(,)?) => {
        &[$($crate::server::db::sql::Param::from($value)),*]
    };
}
pub(crate) use params;

/// One row of an answer, read by column index.
pub trait SqlRow {
    fn int(&self, i: usize) -> Result<i64, DbError>;
    fn opt_int(&self, i: usize) -> Result<Option<i64>, DbError>;
    fn text(&self, i: usize) -> Result<String, DbError>;
    fn opt_text(&self, i: usize) -> Result<Option<String>, DbError>;
    fn bool(&self, i: usize) -> Result<bool, DbError>;

    /// A non-negative count or sequence number as `u32`, saturating.
    fn u32(&self, i: usize) -> Result<u32, DbError> {
        Ok(u32::try_from(self.int(i)?.max(0)).unwrap_or(u32::MAX))
    }

    /// A version number as `u64` (never negative in the store).
    fn u64(&self, i: usize) -> Result<u64, DbError> {
        Ok(u64::try_from(self.int(i)?).unwrap_or(0))
    }
}

/// A transaction on one connection. Queries take `&self`; the engine opens and closes
/// the transaction around them. SQL uses `$1`, `$2`… parameters (never a literal `$`).
pub trait Tx: Sync {
    type Row: SqlRow + Send + Sync;

    fn dialect(&self) -> Dialect;

    /// Runs one statement and returns every row it yields.
    fn query(
        &self,
        sql: &str,
        params: &[Param<'_>],
    ) -> impl Future<Output = Result<Vec<Self::Row>, DbError>> + Send;

    /// Runs one statement and returns how many rows it changed.
    fn execute(
        &self,
        sql: &str,
        params: &[Param<'_>],
    ) -> impl Future<Output = Result<u64, DbError>> + Send;

    /// Runs statements without parameters (DDL, `SAVEPOINT`, `COMMIT`…), `;`-separated.
    fn batch(&self, sql: &str) -> impl Future<Output = Result<(), DbError>> + Send;

    /// Tells the other server processes on this database something (PostgreSQL
    /// `NOTIFY`, delivered when this transaction commits); nothing on `SQLite`, where one
    /// process is the only one.
    fn notify(
        &self,
        channel: &str,
        payload: &str,
    ) -> impl Future<Output = Result<(), DbError>> + Send;

    /// The first row, if any.
    fn query_opt(
        &self,
        sql: &str,
        params: &[Param<'_>],
    ) -> impl Future<Output = Result<Option<Self::Row>, DbError>> + Send {
        let rows = self.query(sql, params);
        async move { Ok(rows.await?.into_iter().next()) }
    }

    /// Exactly the first row; an answer without one is a store error.
    fn query_one(
        &self,
        sql: &str,
        params: &[Param<'_>],
    ) -> impl Future<Output = Result<Self::Row, DbError>> + Send {
        let row = self.query_opt(sql, params);
        let what = first_words(sql);
        async move {
            row.await?
                .ok_or_else(|| DbError::Other(format!("no row from `{what}…`")))
        }
    }
}

/// The start of a statement, to name it in an error.
fn first_words(sql: &str) -> String {
    sql.split_whitespace().take(6).collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn params_convert_from_the_plain_types() {
        let id = String::from("t1");
        let list: &[Param<'_>] = params![&id, 3_i64, 7_u32, None::<&str>, Some("x"), true];
        assert_eq!(
            list,
            &[
                Param::Text("t1"),
                Param::Int(3),
                Param::Int(7),
                Param::OptText(None),
                Param::OptText(Some("x")),
                Param::Bool(true)
            ]
        );
        assert_eq!(
            first_words("SELECT a, b FROM t WHERE x = $1 AND y = $2"),
            "SELECT a, b FROM t WHERE"
        );
    }
}
