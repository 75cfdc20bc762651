//! Backups of a `SQLite` store (`threadmark serve backup` / `restore`): a consistent copy
//! taken with `SQLite`'s online backup API while the server runs, checked, and put back
//! only when it is one.

use super::sqlite::DB_FILE;
use super::{DbError, SCHEMA_VERSION};
use rusqlite::backup::{Backup, StepResult};
use rusqlite::{Connection, OpenFlags};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// What a backup holds, read back from the copy itself.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct BackupReport {
    /// The store's schema version.
    pub schema: i64,
    pub threads: i64,
    pub posts: i64,
    pub users: i64,
    /// The copy's size in bytes.
    pub bytes: u64,
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> DbError + '_ {
    move |source| DbError::Io {
        path: path.to_owned(),
        source,
    }
}

/// Copies the store in `dir` to `out`, consistently even while a server writes to it:
/// the whole database is copied in one step, inside one read snapshot. The copy is a
/// single self-contained file (no write-ahead log beside it), checked before it takes
/// the name `out`.
pub fn backup(dir: &Path, out: &Path) -> Result<BackupReport, DbError> {
    let source_path = dir.join(DB_FILE);
    if !source_path.is_file() {
        return Err(DbError::Other(format!(
            "there is no threadmark server store in {} (no {DB_FILE})",
            dir.display()
        )));
    }
    let source = Connection::open_with_flags(&source_path, OpenFlags::SQLITE_OPEN_READ_WRITE)?;
    source.busy_timeout(Duration::from_secs(10))?;
    let temp = partial_name(out)?;
    let copied = (|| {
        let _ = std::fs::remove_file(&temp);
        let mut copy = Connection::open(&temp)?;
        {
            let backup = Backup::new(&source, &mut copy)?;
            // -1: every page in one step, so the copy is one snapshot of the source
            // (a step in pieces would start over after each commit of a busy server).
            let mut done = false;
            for _ in 0..3000 {
                if backup.step(-1)? == StepResult::Done {
                    done = true;
                    break;
                }
                // Busy or locked by a writer's commit: a moment later it is free.
                std::thread::sleep(Duration::from_millis(20));
            }
            if !done {
                return Err(DbError::Other(
                    "the store stayed busy for a minute; nothing was written".into(),
                ));
            }
        }
        // The copy keeps the source's WAL mode; a backup is one file, so turn it off.
        copy.pragma_update(None, "journal_mode", "DELETE")?;
        let report = check(&copy)?;
        drop(copy);
        let file = std::fs::File::open(&temp).map_err(io(&temp))?;
        file.sync_all().map_err(io(&temp))?;
        let bytes = file.metadata().map_err(io(&temp))?.len();
        std::fs::rename(&temp, out).map_err(io(out))?;
        Ok(BackupReport { bytes, ..report })
    })();
    if copied.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    copied
}

fn partial_name(out: &Path) -> Result<PathBuf, DbError> {
    let name = out
        .file_name()
        .ok_or_else(|| DbError::Other(format!("{} names no file", out.display())))?;
    let mut partial = name.to_owned();
    partial.push(format!(".partial-{}", std::process::id()));
    Ok(out.with_file_name(partial))
}

/// What a store file holds, after checking it is a whole threadmark store this build
/// can serve.
fn check(conn: &Connection) -> Result<BackupReport, DbError> {
    let verdict: String = conn.query_row("PRAGMA quick_check", [], |r| r.get(0))?;
    if verdict != "ok" {
        return Err(DbError::Corrupt(format!(
            "the integrity check says: {verdict}"
        )));
    }
    let schema: Option<String> = conn
        .query_row("SELECT value FROM meta WHERE key = 'schema'", [], |r| {
            r.get(0)
        })
        .ok();
    let schema = schema
        .and_then(|s| s.parse::<i64>().ok())
        .ok_or_else(|| DbError::Other("it holds no threadmark server store".into()))?;
    if schema > SCHEMA_VERSION {
        return Err(DbError::NewerSchema(schema));
    }
    let count = |table: &str| -> Result<i64, DbError> {
        Ok(conn.query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0))?)
    };
    Ok(BackupReport {
        schema,
        threads: count("threads")?,
        posts: count("posts")?,
        users: count("users")?,
        bytes: 0,
    })
}

/// Checks that `file` is a threadmark backup (a whole store this build can serve).
pub fn check_backup(file: &Path) -> Result<BackupReport, String> {
    let not_one = |why: String| format!("{} is not a threadmark backup: {why}", file.display());
    if !file.is_file() {
        return Err(not_one("no such file".into()));
    }
    let conn = Connection::open_with_flags(
        file,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| not_one(e.to_string()))?;
    let report = check(&conn).map_err(|e| match e {
        DbError::Sqlite(e) => not_one(format!("not an SQLite database ({e})")),
        other => not_one(other.to_string()),
    })?;
    let bytes = std::fs::metadata(file).map_or(0, |m| m.len());
    Ok(BackupReport { bytes, ..report })
}

/// Puts the backup `file` in place as the store in `dir` (whose server must be
/// stopped). A store already there is kept beside it, renamed; returns its new path.
pub fn restore(file: &Path, dir: &Path) -> Result<Option<PathBuf>, DbError> {
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    let target = dir.join(DB_FILE);
    let temp = partial_name(&target)?;
    std::fs::copy(file, &temp).map_err(io(&temp))?;
    let placed = (|| {
        std::fs::File::open(&temp)
            .and_then(|f| f.sync_all())
            .map_err(io(&temp))?;
        let kept = if target.is_file() {
            // Fold the write-ahead log into the old file first, so it stands alone.
            let old = Connection::open(&target)?;
            old.pragma_update(None, "journal_mode", "DELETE")?;
            drop(old);
            let stamp = jiff::Timestamp::now()
                .strftime("%Y%m%dT%H%M%SZ")
                .to_string();
            let aside = dir.join(format!("{DB_FILE}.before-restore-{stamp}"));
            std::fs::rename(&target, &aside).map_err(io(&aside))?;
            Some(aside)
        } else {
            None
        };
        for extra in ["-wal", "-shm"] {
            let _ = std::fs::remove_file(dir.join(format!("{DB_FILE}{extra}")));
        }
        std::fs::rename(&temp, &target).map_err(io(&target))?;
        if let Ok(d) = std::fs::File::open(dir) {
            let _ = d.sync_all();
        }
        Ok(kept)
    })();
    if placed.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    placed
}
