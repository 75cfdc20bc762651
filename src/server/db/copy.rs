//! `threadmark serve migrate`: copies a whole `SQLite` forum into an empty PostgreSQL
//! database — every table row for row (users with their passwords and tokens, the
//! changes log with its positions, idempotency answers, the forum's mode) — in one
//! PostgreSQL transaction, and commits only after the row counts and checksums of
//! every table read back from the target match the source.
//!
//! The store id and the feed positions are copied too, so clients keep syncing with
//! their cursors as if nothing had moved.

use super::postgres::{self, target};
use super::sql::{Param, SqlRow, Tx, params};
use super::sqlite::SqliteTx;
use super::{DbError, engine, schema};
use sha2::{Digest, Sha256};
use std::fmt::Write as _;
use std::path::Path;

/// How a column is read and bound.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Kind {
    Int,
    OptInt,
    Text,
    OptText,
    Bool,
}

/// A table the copy knows, its columns in order and its primary key (for paging).
#[derive(Debug)]
pub(super) struct Table {
    pub(super) name: &'static str,
    pub(super) columns: &'static [(&'static str, Kind)],
    key: &'static [&'static str],
}

use Kind::{Bool, Int, OptInt, OptText, Text};

/// Every table of the schema but `feed` (one counter, set at the end). `meta` replaces
/// what the target's own migration wrote (the same schema version; the source's store
/// id keeps the clients' cursors valid).
pub(super) const TABLES: &[Table] = &[
    Table {
        name: "sections",
        columns: &[("id", Text), ("position", Int), ("title", Text)],
        key: &["id"],
    },
    Table {
        name: "areas",
        columns: &[
            ("id", Text),
            ("section_id", Text),
            ("position", Int),
            ("title", Text),
            ("description", OptText),
            ("post_role", OptText),
            ("read_role", OptText),
        ],
        key: &["id"],
    },
    Table {
        name: "users",
        columns: &[
            ("id", Int),
            ("name", Text),
            ("badge", OptText),
            ("admin", Bool),
            ("password_hash", OptText),
            ("created_at", Int),
            ("moderator", Bool),
            ("reader", Bool),
            ("disabled", Bool),
            ("silenced_until", OptInt),
        ],
        key: &["id"],
    },
    Table {
        name: "tokens",
        columns: &[
            ("hash", Text),
            ("user_id", Int),
            ("device", OptText),
            ("created_at", Int),
        ],
        key: &["hash"],
    },
    Table {
        name: "threads",
        columns: &[
            ("id", Text),
            ("area_id", Text),
            ("title", Text),
            ("author_id", Int),
            ("created_at", Int),
            ("last_post_at", Int),
            ("last_seq", Int),
            ("pinned", Bool),
            ("locked", Bool),
            ("version", Int),
        ],
        key: &["id"],
    },
    Table {
        name: "posts",
        columns: &[
            ("id", Text),
            ("thread_id", Text),
            ("seq", Int),
            ("reply_to", OptText),
            ("author_id", Int),
            ("created_at", Int),
            ("edited_at", OptInt),
            ("body", Text),
            ("deleted", Bool),
            ("version", Int),
            ("client_key", OptText),
            ("hidden_body", OptText),
            ("hidden_reason", OptText),
            ("likes", Int),
        ],
        key: &["id"],
    },
    Table {
        name: "revisions",
        columns: &[
            ("post_id", Text),
            ("version", Int),
            ("body", Text),
            ("written_at", Int),
            ("replaced_at", Int),
            ("editor_id", Int),
        ],
        key: &["post_id", "version"],
    },
    Table {
        name: "reactions",
        columns: &[
            ("post_id", Text),
            ("user_id", Int),
            ("kind", Text),
            ("created_at", Int),
        ],
        key: &["post_id", "user_id", "kind"],
    },
    Table {
        name: "read_markers",
        columns: &[
            ("user_id", Int),
            ("thread_id", Text),
            ("read_to_seq", Int),
            ("read_at", OptInt),
            ("unread_at", OptInt),
        ],
        key: &["user_id", "thread_id"],
    },
    Table {
        name: "watches",
        columns: &[
            ("user_id", Int),
            ("target", Text),
            ("target_id", Text),
            ("level", Text),
            ("set_at", Int),
        ],
        key: &["user_id", "target", "target_id"],
    },
    Table {
        name: "bookmarks",
        columns: &[
            ("user_id", Int),
            ("post_id", Text),
            ("thread_id", Text),
            ("note", OptText),
            ("set_at", Int),
            ("removed", Bool),
        ],
        key: &["user_id", "post_id"],
    },
    Table {
        name: "notifications",
        columns: &[
            ("id", Text),
            ("user_id", Int),
            ("kind", Text),
            ("post_id", Text),
            ("created_at", Int),
            ("read_at", OptInt),
        ],
        key: &["id"],
    },
    Table {
        name: "participants",
        columns: &[("thread_id", Text), ("user_id", Int)],
        key: &["thread_id", "user_id"],
    },
    Table {
        name: "changes",
        columns: &[("seq", Int), ("kind", Text), ("entity", Text), ("at", Int)],
        key: &["seq"],
    },
    Table {
        name: "idempotency",
        columns: &[
            ("user_id", Int),
            ("key", Text),
            ("request_hash", Text),
            ("status", Int),
            ("response", Text),
            ("created_at", Int),
        ],
        key: &["user_id", "key"],
    },
    Table {
        name: "mod_log",
        columns: &[
            ("seq", Int),
            ("at", Int),
            ("actor", Text),
            ("action", Text),
            ("target", Text),
            ("detail", OptText),
            ("thread_id", OptText),
        ],
        key: &["seq"],
    },
    Table {
        name: "invites",
        columns: &[
            ("hash", Text),
            ("role", Text),
            ("user_id", OptInt),
            ("expires_at", OptInt),
            ("uses_left", Int),
            ("created_by", Text),
            ("created_at", Int),
        ],
        key: &["hash"],
    },
    Table {
        name: "meta",
        columns: &[("key", Text), ("value", Text)],
        key: &["key"],
    },
];

/// Tables the copy handles apart from [`TABLES`].
const SPECIAL: &[&str] = &["feed"];

/// Rows read or written per statement.
pub(super) const PAGE: usize = 500;

/// One column's value, owned.
#[derive(Clone, Debug, PartialEq)]
pub(super) enum Value {
    Int(Option<i64>),
    Text(Option<String>),
    Bool(bool),
}

impl Value {
    fn param(&self) -> Param<'_> {
        match self {
            Value::Int(v) => Param::OptInt(*v),
            Value::Text(v) => Param::OptText(v.as_deref()),
            Value::Bool(b) => Param::Bool(*b),
        }
    }

    /// An unambiguous text of the value, for the checksum.
    fn canonical(&self, out: &mut Vec<u8>) {
        match self {
            Value::Int(None) | Value::Text(None) => out.push(b'N'),
            Value::Int(Some(n)) => out.extend_from_slice(format!("i{n}").as_bytes()),
            Value::Text(Some(s)) => {
                out.extend_from_slice(format!("t{}:", s.len()).as_bytes());
                out.extend_from_slice(s.as_bytes());
            }
            Value::Bool(b) => out.push(if *b { b'T' } else { b'F' }),
        }
        out.push(0x1f);
    }
}

pub(super) type Row = Vec<Value>;

fn read_row(row: &impl SqlRow, table: &Table) -> Result<Row, DbError> {
    table
        .columns
        .iter()
        .enumerate()
        .map(|(i, (_, kind))| {
            Ok(match kind {
                Int => Value::Int(Some(row.int(i)?)),
                OptInt => Value::Int(row.opt_int(i)?),
                Text => Value::Text(Some(row.text(i)?)),
                OptText => Value::Text(row.opt_text(i)?),
                Bool => Value::Bool(row.bool(i)?),
            })
        })
        .collect()
}

/// The page of `table` after the row `after` (by primary key), in key order.
pub(super) async fn page(
    tx: &impl Tx,
    table: &Table,
    after: Option<&Row>,
) -> Result<Vec<Row>, DbError> {
    let columns: Vec<&str> = table.columns.iter().map(|(c, _)| *c).collect();
    let key = table.key.join(", ");
    let mut sql = format!("SELECT {} FROM {}", columns.join(", "), table.name);
    let mut bound = Vec::new();
    if let Some(row) = after {
        let marks: Vec<String> = (1..=table.key.len()).map(|i| format!("${i}")).collect();
        let _ = write!(sql, " WHERE ({key}) > ({})", marks.join(", "));
        for k in table.key {
            let i = columns.iter().position(|c| c == k).unwrap_or(0);
            bound.push(row[i].param());
        }
    }
    let _ = write!(sql, " ORDER BY {key} LIMIT {PAGE}");
    let rows = tx.query(&sql, &bound).await?;
    rows.iter().map(|r| read_row(r, table)).collect()
}

/// Calls `each` with every page of `table`, in key order.
pub(super) async fn for_each_page<X: Tx>(
    tx: &X,
    table: &Table,
    mut each: impl AsyncFnMut(&[Row]) -> Result<(), DbError>,
) -> Result<(), DbError> {
    let mut last: Option<Row> = None;
    loop {
        let rows = page(tx, table, last.as_ref()).await?;
        if rows.is_empty() {
            return Ok(());
        }
        each(&rows).await?;
        if rows.len() < PAGE {
            return Ok(());
        }
        last = rows.into_iter().last();
    }
}

/// A table's row count and a checksum of its rows that does not depend on their order
/// (the sum of each row's SHA-256, as 128-bit numbers), so both engines agree however
/// they sort text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
struct Tally {
    rows: u64,
    sum: u128,
}

impl Tally {
    fn add(&mut self, row: &Row) {
        let mut text = Vec::new();
        for value in row {
            value.canonical(&mut text);
        }
        let digest = Sha256::digest(&text);
        let mut first = [0_u8; 16];
        first.copy_from_slice(&digest[..16]);
        self.rows += 1;
        self.sum = self.sum.wrapping_add(u128::from_be_bytes(first));
    }
}

async fn tally(tx: &impl Tx, table: &Table) -> Result<Tally, DbError> {
    let mut tally = Tally::default();
    for_each_page(tx, table, async |rows: &[Row]| {
        for r in rows {
            tally.add(r);
        }
        Ok(())
    })
    .await?;
    Ok(tally)
}

/// Writes `rows` into `table` in one statement.
pub(super) async fn insert(tx: &impl Tx, table: &Table, rows: &[Row]) -> Result<(), DbError> {
    let columns: Vec<&str> = table.columns.iter().map(|(c, _)| *c).collect();
    let width = columns.len();
    let tuples: Vec<String> = (0..rows.len())
        .map(|r| {
            let marks: Vec<String> = (1..=width).map(|c| format!("${}", r * width + c)).collect();
            format!("({})", marks.join(", "))
        })
        .collect();
    let sql = format!(
        "INSERT INTO {} ({}) VALUES {}",
        table.name,
        columns.join(", "),
        tuples.join(", ")
    );
    let bound: Vec<Param<'_>> = rows.iter().flatten().map(Value::param).collect();
    tx.execute(&sql, &bound).await?;
    Ok(())
}

/// What a copy did, table by table.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct CopyReport {
    /// The `SQLite` file copied from.
    pub source: String,
    /// The database copied into (without its password).
    pub target: String,
    /// The changes feed's head, the same on both.
    pub feed_head: i64,
    pub tables: Vec<TableReport>,
}

/// One table's copy, verified: the same count and checksum on both sides.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct TableReport {
    pub table: &'static str,
    pub rows: u64,
    /// The order-independent checksum of the table's rows (hex).
    pub checksum: String,
}

/// Copies the `SQLite` forum in `dir` into the empty PostgreSQL database at `url`,
/// telling `progress` each table and how many rows are copied so far. The source is
/// only read (after bringing its schema up to date). Nothing is committed unless every
/// table verifies.
pub async fn sqlite_to_postgres(
    dir: &Path,
    url: &str,
    mut progress: impl FnMut(&str, u64),
) -> Result<CopyReport, DbError> {
    let source_path = super::sqlite::db_path(dir)?;
    if !source_path.is_file() {
        return Err(DbError::Other(format!(
            "there is no threadmark server store in {} (no {})",
            dir.display(),
            super::DB_FILE
        )));
    }
    let source = SqliteTx::open_dir(dir)?;
    check_known_tables(&source).await?;
    let target = target::parse(url)?;
    let pool = postgres::pool(&target, 1)?;
    let tx = postgres::connection(&pool, &target.shown).await?;
    schema::migrate(&tx).await?;
    // One snapshot of the source; the target's feed row locked, so no server writes
    // into it meanwhile.
    source.batch("BEGIN").await?;
    tx.batch("BEGIN; SELECT head FROM feed FOR UPDATE").await?;
    let result = copy_all(&source, &tx, &mut progress).await;
    let _ = source.batch("ROLLBACK").await;
    let (tables, feed_head) = match result {
        Ok(copied) => {
            tx.batch("COMMIT").await?;
            copied
        }
        Err(e) => {
            let _ = tx.batch("ROLLBACK").await;
            return Err(e);
        }
    };
    Ok(CopyReport {
        source: source_path.display().to_string(),
        target: target.shown,
        feed_head,
        tables,
    })
}

/// Refuses a source holding tables this build does not know (a newer threadmark's).
async fn check_known_tables(source: &SqliteTx) -> Result<(), DbError> {
    let rows = source
        .query(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
            &[],
        )
        .await?;
    for row in rows {
        let name = row.text(0)?;
        if !TABLES.iter().any(|t| t.name == name) && !SPECIAL.contains(&name.as_str()) {
            return Err(DbError::Other(format!(
                "the source store has a table this threadmark does not know ({name}); \
                 migrate with the threadmark that wrote it"
            )));
        }
    }
    Ok(())
}

async fn copy_all(
    source: &SqliteTx,
    target: &impl Tx,
    progress: &mut impl FnMut(&str, u64),
) -> Result<(Vec<TableReport>, i64), DbError> {
    refuse_a_forum(target).await?;
    let mut reports = Vec::new();
    for table in TABLES {
        let mut copied = 0_u64;
        let mut expected = Tally::default();
        for_each_page(source, table, async |rows: &[Row]| {
            insert(target, table, rows).await?;
            for r in rows {
                expected.add(r);
            }
            copied += rows.len() as u64;
            progress(table.name, copied);
            Ok(())
        })
        .await?;
        let found = tally(target, table).await?;
        if found != expected {
            return Err(DbError::Other(format!(
                "verification failed for table {}: {} rows copied, {} read back, checksums {:032x} / {:032x}; \
                 nothing was committed",
                table.name, expected.rows, found.rows, expected.sum, found.sum
            )));
        }
        reports.push(TableReport {
            table: table.name,
            rows: found.rows,
            checksum: format!("{:032x}", found.sum),
        });
    }
    let head = engine::feed_head(source).await?;
    target
        .execute("UPDATE feed SET head = $1", params![head])
        .await?;
    if engine::feed_head(target).await? != head {
        return Err(DbError::Other(
            "verification failed for the changes feed's head; nothing was committed".into(),
        ));
    }
    // New users continue after the copied ids.
    target
        .batch(
            "SELECT setval(pg_get_serial_sequence('users', 'id'), \
             GREATEST((SELECT MAX(id) FROM users), 1))",
        )
        .await?;
    Ok((reports, head))
}

/// A database already holding a forum is never merged into.
async fn refuse_a_forum(target: &impl Tx) -> Result<(), DbError> {
    let row = target
        .query_one(
            "SELECT (SELECT COUNT(*) FROM users) + (SELECT COUNT(*) FROM sections) \
             + (SELECT COUNT(*) FROM posts) + (SELECT COUNT(*) FROM changes) + (SELECT head FROM feed)",
            &[],
        )
        .await?;
    if row.int(0)? > 0 {
        return Err(DbError::Other(
            "the target database already holds a forum; migrate only into an empty database \
             (createdb a new one)"
                .into(),
        ));
    }
    // Only what the target's own migration wrote may be in `meta`; drop it so the
    // source's values (and only them) are there after the copy.
    target.batch("DELETE FROM meta").await
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The copy must know every column of every table, or it would lose data silently.
    #[test]
    fn every_table_and_column_of_the_schema_is_copied() {
        let dir = tempfile::tempdir().unwrap();
        let tx = SqliteTx::open_dir(dir.path()).unwrap();
        futures::executor::block_on(async {
            check_known_tables(&tx).await.unwrap();
            for table in TABLES {
                let rows = tx
                    .query(
                        &format!("SELECT name FROM pragma_table_info('{}')", table.name),
                        &[],
                    )
                    .await
                    .unwrap();
                let columns: Vec<String> = rows.iter().map(|r| r.text(0).unwrap()).collect();
                let known: Vec<&str> = table.columns.iter().map(|(c, _)| *c).collect();
                assert_eq!(columns, known, "columns of {}", table.name);
            }
        });
    }

    #[test]
    fn the_checksum_ignores_order_but_not_content() {
        let a = vec![Value::Int(Some(1)), Value::Text(Some("x".into()))];
        let b = vec![Value::Int(Some(2)), Value::Text(None)];
        let c = vec![Value::Int(Some(2)), Value::Text(Some(String::new()))];
        let (mut ab, mut ba, mut ac) = (Tally::default(), Tally::default(), Tally::default());
        ab.add(&a);
        ab.add(&b);
        ba.add(&b);
        ba.add(&a);
        ac.add(&a);
        ac.add(&c);
        assert_eq!(ab, ba);
        assert_ne!(ab, ac, "NULL and empty text differ");
    }
}
