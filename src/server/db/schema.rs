//! The server store's `SQLite` schema, its version check, and the connection settings that make commits durable.

use super::DbError;
use rusqlite::Connection;
use std::time::Duration;

/// Bumped when the schema changes; a newer store is refused, never rewritten.
pub const SCHEMA_VERSION: i64 = 1;

const DDL: &str = "
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sections (
    id TEXT PRIMARY KEY, position INTEGER NOT NULL, title TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS areas (
    id TEXT PRIMARY KEY, section_id TEXT NOT NULL, position INTEGER NOT NULL,
    title TEXT NOT NULL, description TEXT);
CREATE TABLE IF NOT EXISTS users (
    id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE COLLATE NOCASE, badge TEXT,
    admin INTEGER NOT NULL DEFAULT 0, password_hash TEXT, created_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS tokens (
    hash TEXT PRIMARY KEY, user_id INTEGER NOT NULL, device TEXT, created_at INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS tokens_by_user ON tokens(user_id);
CREATE TABLE IF NOT EXISTS threads (
    id TEXT PRIMARY KEY, area_id TEXT NOT NULL, title TEXT NOT NULL,
    author_id INTEGER NOT NULL, created_at INTEGER NOT NULL, last_post_at INTEGER NOT NULL,
    last_seq INTEGER NOT NULL, pinned INTEGER NOT NULL DEFAULT 0,
    locked INTEGER NOT NULL DEFAULT 0, version INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS threads_by_activity ON threads(area_id, last_post_at, id);
CREATE TABLE IF NOT EXISTS posts (
    id TEXT PRIMARY KEY, thread_id TEXT NOT NULL, seq INTEGER NOT NULL, reply_to TEXT,
    author_id INTEGER NOT NULL, created_at INTEGER NOT NULL, edited_at INTEGER,
    body TEXT NOT NULL, deleted INTEGER NOT NULL DEFAULT 0, version INTEGER NOT NULL,
    client_key TEXT, UNIQUE (thread_id, seq));
CREATE UNIQUE INDEX IF NOT EXISTS posts_by_client_key
    ON posts(author_id, client_key) WHERE client_key IS NOT NULL;
CREATE TABLE IF NOT EXISTS changes (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL, entity TEXT NOT NULL,
    at INTEGER NOT NULL, UNIQUE (kind, entity));
CREATE INDEX IF NOT EXISTS changes_by_time ON changes(at);
CREATE TABLE IF NOT EXISTS idempotency (
    user_id INTEGER NOT NULL, key TEXT NOT NULL, request_hash TEXT NOT NULL,
    status INTEGER NOT NULL, response TEXT NOT NULL, created_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, key));
CREATE INDEX IF NOT EXISTS idempotency_by_time ON idempotency(created_at);
";

/// Opens a connection with the settings every connection uses: WAL (readers never block
/// the writer), `synchronous=FULL` (a commit is on disk before it returns, so an
/// acknowledged write survives power loss and `kill -9`), and a busy timeout so the
/// `serve user` commands can run beside a live server.
pub fn connect(path: &std::path::Path) -> Result<Connection, DbError> {
    let conn = Connection::open(path)?;
    conn.busy_timeout(Duration::from_secs(10))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    Ok(conn)
}

/// Creates the tables on a new store and checks the version of an existing one.
pub fn migrate(conn: &Connection) -> Result<(), DbError> {
    conn.execute_batch("BEGIN IMMEDIATE")?;
    let result = (|| {
        conn.execute_batch(DDL)?;
        let found: Option<String> = conn
            .query_row("SELECT value FROM meta WHERE key = 'schema'", [], |r| {
                r.get(0)
            })
            .ok();
        match found.and_then(|v| v.parse::<i64>().ok()) {
            Some(v) if v > SCHEMA_VERSION => Err(DbError::NewerSchema(v)),
            Some(_) => Ok(()),
            None => {
                conn.execute(
                    "INSERT OR REPLACE INTO meta (key, value) VALUES ('schema', ?1)",
                    [SCHEMA_VERSION.to_string()],
                )?;
                let id = uuid::Uuid::now_v7().simple().to_string();
                conn.execute(
                    "INSERT OR IGNORE INTO meta (key, value) VALUES ('store_id', ?1)",
                    [&id[id.len() - 8..]],
                )?;
                Ok(())
            }
        }
    })();
    match result {
        Ok(()) => conn.execute_batch("COMMIT")?,
        Err(_) => conn.execute_batch("ROLLBACK")?,
    }
    result
}
