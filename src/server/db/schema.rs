//! The server store's schema as numbered migrations, one list per engine, applied at
//! start under a lock (safe with several processes starting at once).
//!
//! A step's number means the same schema on both engines: step N exists in both lists.
//! To change the schema, append a step to [`SQLITE`] and to [`POSTGRES`] and bump
//! [`SCHEMA_VERSION`]; never edit a step that has shipped.

use super::sql::{Dialect, Tx, params};
use super::{DbError, read};

/// The newest schema this build knows; a newer store is refused, never rewritten.
pub const SCHEMA_VERSION: i64 = 10;

/// One migration step.
#[derive(Debug)]
pub struct Step {
    pub version: i64,
    pub sql: &'static str,
}

/// The PostgreSQL advisory lock held while migrating ("threadmk" in ASCII).
const MIGRATION_LOCK: i64 = 0x7468_7265_6164_6d6b;

pub const SQLITE: &[Step] = &[
    Step {
        version: 1,
        sql: "
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
",
    },
    // The feed position moves to a counter written in the same transaction as the change
    // (it used to be the AUTOINCREMENT of `changes`), the same on both engines.
    Step {
        version: 2,
        sql: "
CREATE TABLE IF NOT EXISTS feed (head INTEGER NOT NULL);
INSERT INTO feed (head)
    SELECT MAX(COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'changes'), 0),
               COALESCE((SELECT MAX(seq) FROM changes), 0))
    WHERE NOT EXISTS (SELECT 1 FROM feed);
",
    },
    // Moderators, and the log of what moderators and admins did.
    Step {
        version: 3,
        sql: "
ALTER TABLE users ADD COLUMN moderator INTEGER NOT NULL DEFAULT 0;
CREATE TABLE IF NOT EXISTS mod_log (
    seq INTEGER PRIMARY KEY, at INTEGER NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL,
    target TEXT NOT NULL, detail TEXT);
",
    },
    // A post a moderator hid keeps its words aside; readers get a stub with the reason.
    Step {
        version: 4,
        sql: "
ALTER TABLE posts ADD COLUMN hidden_body TEXT;
ALTER TABLE posts ADD COLUMN hidden_reason TEXT;
",
    },
    // Members: the reader role, disabled and silenced users, invitations (and password
    // resets, an invitation bound to a user), and who may post in an area.
    Step {
        version: 5,
        sql: "
ALTER TABLE users ADD COLUMN reader INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN disabled INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN silenced_until INTEGER;
ALTER TABLE areas ADD COLUMN post_role TEXT;
CREATE TABLE IF NOT EXISTS invites (
    hash TEXT PRIMARY KEY, role TEXT NOT NULL, user_id INTEGER, expires_at INTEGER,
    uses_left INTEGER NOT NULL, created_by TEXT NOT NULL, created_at INTEGER NOT NULL);
",
    },
    // Every edit keeps the words it replaced; likes, counted on the post.
    Step {
        version: 6,
        sql: "
CREATE TABLE IF NOT EXISTS revisions (
    post_id TEXT NOT NULL, version INTEGER NOT NULL, body TEXT NOT NULL,
    written_at INTEGER NOT NULL, replaced_at INTEGER NOT NULL, editor_id INTEGER NOT NULL,
    PRIMARY KEY (post_id, version));
CREATE TABLE IF NOT EXISTS reactions (
    post_id TEXT NOT NULL, user_id INTEGER NOT NULL, kind TEXT NOT NULL,
    created_at INTEGER NOT NULL, PRIMARY KEY (post_id, user_id, kind));
CREATE INDEX IF NOT EXISTS reactions_by_user ON reactions(user_id, post_id);
ALTER TABLE posts ADD COLUMN likes INTEGER NOT NULL DEFAULT 0;
",
    },
    // How far each user read each thread (per-user state, in that user's feed only).
    Step {
        version: 7,
        sql: "
CREATE TABLE IF NOT EXISTS read_markers (
    user_id INTEGER NOT NULL, thread_id TEXT NOT NULL, read_to_seq INTEGER NOT NULL,
    read_at INTEGER, unread_at INTEGER, PRIMARY KEY (user_id, thread_id));
",
    },
    // Each user's watch levels (per thread and per area) and bookmarks, with the time of
    // their latest change (the latest wins); a removed bookmark stays, marked removed.
    Step {
        version: 8,
        sql: "
CREATE TABLE IF NOT EXISTS watches (
    user_id INTEGER NOT NULL, target TEXT NOT NULL, target_id TEXT NOT NULL,
    level TEXT NOT NULL, set_at INTEGER NOT NULL, PRIMARY KEY (user_id, target, target_id));
CREATE TABLE IF NOT EXISTS bookmarks (
    user_id INTEGER NOT NULL, post_id TEXT NOT NULL, thread_id TEXT NOT NULL, note TEXT,
    set_at INTEGER NOT NULL, removed INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (user_id, post_id));
",
    },
    // Notifications (one per user and post), and the participants of private messages
    // (threads with an empty area id).
    Step {
        version: 9,
        sql: "
CREATE TABLE IF NOT EXISTS notifications (
    id TEXT PRIMARY KEY, user_id INTEGER NOT NULL, kind TEXT NOT NULL, post_id TEXT NOT NULL,
    created_at INTEGER NOT NULL, read_at INTEGER, UNIQUE (user_id, post_id));
CREATE INDEX IF NOT EXISTS notifications_by_user ON notifications(user_id, id);
CREATE TABLE IF NOT EXISTS participants (
    thread_id TEXT NOT NULL, user_id INTEGER NOT NULL, PRIMARY KEY (thread_id, user_id));
CREATE INDEX IF NOT EXISTS participants_by_user ON participants(user_id, thread_id);
",
    },
    // Who may read an area (NULL: everyone), and the thread each moderation log entry
    // touched, so a thread shows its small actions ("locked by ann").
    Step {
        version: 10,
        sql: "
ALTER TABLE areas ADD COLUMN read_role TEXT;
ALTER TABLE mod_log ADD COLUMN thread_id TEXT;
UPDATE mod_log SET thread_id = target
    WHERE action IN ('lock', 'unlock', 'pin', 'unpin', 'move')
    AND target IN (SELECT id FROM threads);
UPDATE mod_log SET thread_id = (SELECT p.thread_id FROM posts p WHERE p.id = mod_log.target)
    WHERE action IN ('hide', 'unhide');
CREATE INDEX IF NOT EXISTS mod_log_by_thread ON mod_log(thread_id, seq);
",
    },
];

/// Identifiers compare byte by byte (`COLLATE "C"`), as in `SQLite`, so pages and
/// cursors order the same on both engines whatever the database's locale.
pub const POSTGRES: &[Step] = &[
    Step {
        version: 1,
        sql: r#"
CREATE TABLE IF NOT EXISTS sections (
    id TEXT COLLATE "C" PRIMARY KEY, position BIGINT NOT NULL, title TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS areas (
    id TEXT COLLATE "C" PRIMARY KEY, section_id TEXT COLLATE "C" NOT NULL,
    position BIGINT NOT NULL, title TEXT NOT NULL, description TEXT);
CREATE TABLE IF NOT EXISTS users (
    id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, name TEXT NOT NULL, badge TEXT,
    admin BOOLEAN NOT NULL DEFAULT FALSE, password_hash TEXT, created_at BIGINT NOT NULL);
CREATE UNIQUE INDEX IF NOT EXISTS users_by_name ON users (lower(name));
CREATE TABLE IF NOT EXISTS tokens (
    hash TEXT PRIMARY KEY, user_id BIGINT NOT NULL, device TEXT, created_at BIGINT NOT NULL);
CREATE INDEX IF NOT EXISTS tokens_by_user ON tokens(user_id);
CREATE TABLE IF NOT EXISTS threads (
    id TEXT COLLATE "C" PRIMARY KEY, area_id TEXT COLLATE "C" NOT NULL, title TEXT NOT NULL,
    author_id BIGINT NOT NULL, created_at BIGINT NOT NULL, last_post_at BIGINT NOT NULL,
    last_seq BIGINT NOT NULL, pinned BOOLEAN NOT NULL DEFAULT FALSE,
    locked BOOLEAN NOT NULL DEFAULT FALSE, version BIGINT NOT NULL);
CREATE INDEX IF NOT EXISTS threads_by_activity ON threads(area_id, last_post_at, id);
CREATE TABLE IF NOT EXISTS posts (
    id TEXT COLLATE "C" PRIMARY KEY, thread_id TEXT COLLATE "C" NOT NULL, seq BIGINT NOT NULL,
    reply_to TEXT COLLATE "C", author_id BIGINT NOT NULL, created_at BIGINT NOT NULL,
    edited_at BIGINT, body TEXT NOT NULL, deleted BOOLEAN NOT NULL DEFAULT FALSE,
    version BIGINT NOT NULL, client_key TEXT, UNIQUE (thread_id, seq));
CREATE UNIQUE INDEX IF NOT EXISTS posts_by_client_key
    ON posts(author_id, client_key) WHERE client_key IS NOT NULL;
CREATE TABLE IF NOT EXISTS changes (
    seq BIGINT PRIMARY KEY, kind TEXT NOT NULL, entity TEXT COLLATE "C" NOT NULL,
    at BIGINT NOT NULL, UNIQUE (kind, entity));
CREATE INDEX IF NOT EXISTS changes_by_time ON changes(at);
CREATE TABLE IF NOT EXISTS idempotency (
    user_id BIGINT NOT NULL, key TEXT NOT NULL, request_hash TEXT NOT NULL,
    status BIGINT NOT NULL, response TEXT NOT NULL, created_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, key));
CREATE INDEX IF NOT EXISTS idempotency_by_time ON idempotency(created_at);
"#,
    },
    Step {
        version: 2,
        sql: "
CREATE TABLE IF NOT EXISTS feed (head BIGINT NOT NULL);
INSERT INTO feed (head)
    SELECT COALESCE((SELECT MAX(seq) FROM changes), 0)
    WHERE NOT EXISTS (SELECT 1 FROM feed);
",
    },
    Step {
        version: 3,
        sql: r#"
ALTER TABLE users ADD COLUMN IF NOT EXISTS moderator BOOLEAN NOT NULL DEFAULT FALSE;
CREATE TABLE IF NOT EXISTS mod_log (
    seq BIGINT PRIMARY KEY, at BIGINT NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL,
    target TEXT COLLATE "C" NOT NULL, detail TEXT);
"#,
    },
    Step {
        version: 4,
        sql: "
ALTER TABLE posts ADD COLUMN IF NOT EXISTS hidden_body TEXT;
ALTER TABLE posts ADD COLUMN IF NOT EXISTS hidden_reason TEXT;
",
    },
    Step {
        version: 5,
        sql: "
ALTER TABLE users ADD COLUMN IF NOT EXISTS reader BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE users ADD COLUMN IF NOT EXISTS disabled BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE users ADD COLUMN IF NOT EXISTS silenced_until BIGINT;
ALTER TABLE areas ADD COLUMN IF NOT EXISTS post_role TEXT;
CREATE TABLE IF NOT EXISTS invites (
    hash TEXT PRIMARY KEY, role TEXT NOT NULL, user_id BIGINT, expires_at BIGINT,
    uses_left BIGINT NOT NULL, created_by TEXT NOT NULL, created_at BIGINT NOT NULL);
",
    },
    Step {
        version: 6,
        sql: r#"
CREATE TABLE IF NOT EXISTS revisions (
    post_id TEXT COLLATE "C" NOT NULL, version BIGINT NOT NULL, body TEXT NOT NULL,
    written_at BIGINT NOT NULL, replaced_at BIGINT NOT NULL, editor_id BIGINT NOT NULL,
    PRIMARY KEY (post_id, version));
CREATE TABLE IF NOT EXISTS reactions (
    post_id TEXT COLLATE "C" NOT NULL, user_id BIGINT NOT NULL, kind TEXT NOT NULL,
    created_at BIGINT NOT NULL, PRIMARY KEY (post_id, user_id, kind));
CREATE INDEX IF NOT EXISTS reactions_by_user ON reactions(user_id, post_id);
ALTER TABLE posts ADD COLUMN IF NOT EXISTS likes BIGINT NOT NULL DEFAULT 0;
"#,
    },
    Step {
        version: 7,
        sql: r#"
CREATE TABLE IF NOT EXISTS read_markers (
    user_id BIGINT NOT NULL, thread_id TEXT COLLATE "C" NOT NULL, read_to_seq BIGINT NOT NULL,
    read_at BIGINT, unread_at BIGINT, PRIMARY KEY (user_id, thread_id));
"#,
    },
    Step {
        version: 8,
        sql: r#"
CREATE TABLE IF NOT EXISTS watches (
    user_id BIGINT NOT NULL, target TEXT NOT NULL, target_id TEXT COLLATE "C" NOT NULL,
    level TEXT NOT NULL, set_at BIGINT NOT NULL, PRIMARY KEY (user_id, target, target_id));
CREATE TABLE IF NOT EXISTS bookmarks (
    user_id BIGINT NOT NULL, post_id TEXT COLLATE "C" NOT NULL,
    thread_id TEXT COLLATE "C" NOT NULL, note TEXT, set_at BIGINT NOT NULL,
    removed BOOLEAN NOT NULL DEFAULT FALSE, PRIMARY KEY (user_id, post_id));
"#,
    },
    Step {
        version: 9,
        sql: r#"
CREATE TABLE IF NOT EXISTS notifications (
    id TEXT COLLATE "C" PRIMARY KEY, user_id BIGINT NOT NULL, kind TEXT NOT NULL,
    post_id TEXT COLLATE "C" NOT NULL, created_at BIGINT NOT NULL, read_at BIGINT,
    UNIQUE (user_id, post_id));
CREATE INDEX IF NOT EXISTS notifications_by_user ON notifications(user_id, id);
CREATE TABLE IF NOT EXISTS participants (
    thread_id TEXT COLLATE "C" NOT NULL, user_id BIGINT NOT NULL,
    PRIMARY KEY (thread_id, user_id));
CREATE INDEX IF NOT EXISTS participants_by_user ON participants(user_id, thread_id);
"#,
    },
    Step {
        version: 10,
        sql: r#"
ALTER TABLE areas ADD COLUMN IF NOT EXISTS read_role TEXT;
ALTER TABLE mod_log ADD COLUMN IF NOT EXISTS thread_id TEXT COLLATE "C";
UPDATE mod_log SET thread_id = target
    WHERE action IN ('lock', 'unlock', 'pin', 'unpin', 'move')
    AND target IN (SELECT id FROM threads);
UPDATE mod_log SET thread_id = (SELECT p.thread_id FROM posts p WHERE p.id = mod_log.target)
    WHERE action IN ('hide', 'unhide');
CREATE INDEX IF NOT EXISTS mod_log_by_thread ON mod_log(thread_id, seq);
"#,
    },
];

/// Brings the store to [`SCHEMA_VERSION`]: creates a new one, upgrades an older one
/// step by step, refuses a newer one untouched. All in one transaction, under the
/// engine's write lock (`SQLite`) or an advisory lock (PostgreSQL), so two processes
/// starting at once migrate once.
pub async fn migrate(tx: &impl Tx) -> Result<(), DbError> {
    let (begin, steps) = match tx.dialect() {
        Dialect::Sqlite => ("BEGIN IMMEDIATE".to_owned(), SQLITE),
        Dialect::Postgres => (
            format!("BEGIN; SELECT pg_advisory_xact_lock({MIGRATION_LOCK})"),
            POSTGRES,
        ),
    };
    tx.batch(&begin).await?;
    let result = apply(tx, steps).await;
    match &result {
        Ok(()) => tx.batch("COMMIT").await?,
        Err(_) => tx.batch("ROLLBACK").await?,
    }
    result
}

/// The schema version a store is at (0 for an empty database).
pub async fn version(tx: &impl Tx) -> Result<i64, DbError> {
    Ok(read::meta(tx, "schema")
        .await?
        .and_then(|v| v.parse::<i64>().ok())
        .unwrap_or(0))
}

async fn apply(tx: &impl Tx, steps: &[Step]) -> Result<(), DbError> {
    tx.batch("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        .await?;
    let current = version(tx).await?;
    if current > SCHEMA_VERSION {
        return Err(DbError::NewerSchema(current));
    }
    for step in steps.iter().filter(|s| s.version > current) {
        tx.batch(step.sql).await?;
        super::write::set_meta(tx, "schema", &step.version.to_string()).await?;
    }
    let id = uuid::Uuid::now_v7().simple().to_string();
    tx.execute(
        "INSERT INTO meta (key, value) VALUES ('store_id', $1) ON CONFLICT (key) DO NOTHING",
        params![&id[id.len() - 8..]],
    )
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_engines_have_every_step_in_order() {
        for steps in [SQLITE, POSTGRES] {
            let versions: Vec<i64> = steps.iter().map(|s| s.version).collect();
            assert_eq!(versions, (1..=SCHEMA_VERSION).collect::<Vec<_>>());
        }
    }
}
