//! The tree index: a derived `SQLite` database beside the thread files (`tree.sqlite`)
//! holding a row per thread (what the tree shows of it and its unread count), each
//! thread's read state, and per area the number of threads and their unread posts, so
//! that `threadmark tree` and the reader's first frame read neither `index.json` nor
//! `read.json`.
//!
//! Why a file of its own rather than tables in `search.sqlite`: the two are built from
//! different sources at very different costs (the search index from every thread file —
//! minutes at a million posts —, this one from `index.json` and `read.json` — a second),
//! so damage to one, or a new schema of one, never costs the other's rebuild; and the
//! reader writes this one on every read-state save while the sync engine holds long
//! write transactions on the search index, so they never wait for each other.
//!
//! It is never trusted over the files it is derived from. `index.json` and `read.json`
//! each carry a `generation`, a number drawn afresh at every write ([`new_generation`]);
//! the index records, in the same transaction as the rows it wrote from them, the
//! generations of the files those rows came from. A reader compares them with the
//! files' (read from their first bytes: no parse) and uses the index only when both
//! match: a crash between writing a file and its rows, a file written by another
//! threadmark version or by hand (which drops or keeps no generation), leave them
//! different, and the index is built again from the files. The same store functions
//! that write the files ([`super::Cache::save_index`], [`super::Cache::save_read_state`])
//! bring the index in step right after, so in the normal run it is never rebuilt.
//!
//! Areas' roll-ups are kept by triggers on the thread rows, inside every write's
//! transaction. `PRAGMA user_version` is set only when a build completes.

use crate::model::{AreaId, Author, ReadState, SeqRange, ThreadId, ThreadRead, ThreadSummary};
use jiff::Timestamp;
use rusqlite::{Connection, OptionalExtension, Transaction, params};
use std::collections::{HashMap, HashSet};
use std::hash::{DefaultHasher, Hash, Hasher};
use std::io::Read;
use std::path::Path;
use std::time::Duration;

/// The schema of the index this version reads and writes (its `user_version`).
pub const TREE_SCHEMA: i32 = 2;

const TABLES: &str = "
    DROP TRIGGER IF EXISTS thread_added;
    DROP TRIGGER IF EXISTS thread_removed;
    DROP TRIGGER IF EXISTS thread_changed;
    DROP TABLE IF EXISTS threads;
    DROP TABLE IF EXISTS reads;
    DROP TABLE IF EXISTS areas;
    DROP TABLE IF EXISTS meta;
    CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
    CREATE TABLE threads (
        id TEXT PRIMARY KEY, ord INTEGER NOT NULL, area TEXT NOT NULL, title TEXT NOT NULL,
        author TEXT NOT NULL, badge TEXT, created_s INTEGER NOT NULL,
        created_ns INTEGER NOT NULL, last_s INTEGER NOT NULL, last_ns INTEGER NOT NULL,
        post_count INTEGER NOT NULL, last_seq INTEGER NOT NULL, pinned INTEGER NOT NULL,
        locked INTEGER NOT NULL, missing TEXT, unread INTEGER NOT NULL,
        stamp INTEGER NOT NULL
    ) WITHOUT ROWID;
    CREATE INDEX threads_by_time ON threads (last_s DESC, last_ns DESC, ord);
    CREATE INDEX threads_in_area_by_time ON threads (area, last_s DESC, last_ns DESC, ord);
    CREATE INDEX threads_in_area_by_position ON threads (area, ord);
    CREATE TABLE reads (id TEXT PRIMARY KEY, state TEXT NOT NULL) WITHOUT ROWID;
    CREATE TABLE areas (
        area TEXT PRIMARY KEY, threads INTEGER NOT NULL, unread INTEGER NOT NULL
    ) WITHOUT ROWID;
";

/// Keep `areas` in step with `threads`; created once a build has filled both.
const TRIGGERS: &str = "
    CREATE TRIGGER thread_added AFTER INSERT ON threads BEGIN
        INSERT INTO areas (area, threads, unread) VALUES (new.area, 1, new.unread)
        ON CONFLICT (area) DO UPDATE SET threads = threads + 1, unread = unread + new.unread;
    END;
    CREATE TRIGGER thread_removed AFTER DELETE ON threads BEGIN
        UPDATE areas SET threads = threads - 1, unread = unread - old.unread
        WHERE area = old.area;
    END;
    CREATE TRIGGER thread_changed AFTER UPDATE OF area, unread ON threads BEGIN
        UPDATE areas SET threads = threads - 1, unread = unread - old.unread
        WHERE area = old.area;
        INSERT INTO areas (area, threads, unread) VALUES (new.area, 1, new.unread)
        ON CONFLICT (area) DO UPDATE SET threads = threads + 1, unread = unread + new.unread;
    END;
";

/// `meta` keys: the stamps of the files the rows were written from.
const INDEX_GENERATION: &str = "index_generation";
const INDEX_BYTES: &str = "index_bytes";
const READ_GENERATION: &str = "read_generation";
const READ_BYTES: &str = "read_bytes";
/// 1 when the rows keep the order they were saved in (`ord` is the position), 0 when
/// they were saved newest first (`ord` orders threads of the same last post time).
const BY_POSITION: &str = "by_position";

/// A file's generation as the index records it: `MISSING` for no file, `UNKNOWN` for a
/// file that carries none (written by an older threadmark, or unreadable): that one
/// never matches, so the index is built again from it.
pub const MISSING: i64 = 0;
pub const UNKNOWN: i64 = -1;

/// A fresh generation for a file about to be written: never 0.
pub fn new_generation() -> u64 {
    fastrand::u64(1..=i64::MAX.unsigned_abs())
}

/// What identifies one written version of a file: the generation it carries and its
/// size (which a hand edit that keeps the generation still changes, as a rule).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stamp {
    pub generation: i64,
    pub bytes: i64,
}

impl Stamp {
    /// The stamp of `path` as it is now: its generation from its first bytes
    /// (`{"schema":N,"generation":G`, as the store writes it), no parse.
    pub fn of(path: &Path) -> Self {
        let unknown = Self {
            generation: UNKNOWN,
            bytes: 0,
        };
        let file = match std::fs::File::open(path) {
            Ok(file) => file,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Self {
                    generation: MISSING,
                    bytes: 0,
                };
            }
            Err(_) => return unknown,
        };
        let Ok(bytes) = file.metadata().map(|m| size(m.len())) else {
            return unknown;
        };
        let mut head = Vec::with_capacity(64);
        if file.take(64).read_to_end(&mut head).is_err() {
            return unknown;
        }
        Self {
            generation: generation_in(&head),
            bytes,
        }
    }

    /// The stamp of a file whose contents (read or written) carry `generation` (see
    /// [`recorded`]): its size is taken now. Were the file replaced meanwhile, its
    /// generation would differ, and the stamp with it.
    pub fn carried(generation: i64, path: &Path) -> Self {
        Self {
            generation,
            bytes: std::fs::metadata(path).map_or(0, |m| size(m.len())),
        }
    }

    /// Whether an index written from a file of this stamp can ever be current.
    fn known(self) -> bool {
        self.generation != UNKNOWN
    }
}

fn size(len: u64) -> i64 {
    i64::try_from(len).unwrap_or(i64::MAX)
}

/// The generation declared at the head of a file's bytes (see [`generation_of`]).
fn generation_in(head: &[u8]) -> i64 {
    const KEY: &[u8] = b"\"generation\":";
    let Some(at) = head.windows(KEY.len()).position(|w| w == KEY) else {
        return UNKNOWN;
    };
    let digits: String = head[at + KEY.len()..]
        .iter()
        .take_while(|b| b.is_ascii_digit())
        .map(|&b| char::from(b))
        .collect();
    digits
        .parse::<i64>()
        .ok()
        .filter(|&g| g > 0)
        .unwrap_or(UNKNOWN)
}

/// Generation as stored in a file: what the index records for it.
pub fn recorded(generation: Option<u64>) -> i64 {
    generation
        .and_then(|g| i64::try_from(g).ok())
        .filter(|&g| g > 0)
        .unwrap_or(UNKNOWN)
}

/// An open tree index.
#[derive(Debug)]
pub struct TreeIndex {
    conn: Connection,
}

/// What opening the index file found.
#[derive(Debug)]
pub enum Opened {
    Ready(TreeIndex),
    /// New, of an older schema, or a build never finished.
    Unbuilt(TreeIndex),
    /// Written by a newer threadmark: not to be read or changed.
    Newer(i32),
}

/// One area's threads and unread posts (muted threads included: the caller leaves out
/// those its watch levels mute).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AreaRollup {
    pub area: AreaId,
    pub threads: u32,
    pub unread: u32,
}

/// Thread summaries in the order of `index.json`, each with its unread posts as the
/// read state counts them.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TreeRows {
    pub threads: Vec<ThreadSummary>,
    pub unread: Vec<u32>,
}

impl TreeRows {
    /// The first `per_area` threads of each area (keeping their order), and every area's
    /// threads and unread posts counted before they were cut.
    pub fn first_of_each_area(self, per_area: usize) -> (Self, Vec<AreaRollup>) {
        let mut rollups: Vec<AreaRollup> = Vec::new();
        let mut at: HashMap<AreaId, usize> = HashMap::new();
        let mut kept = Self::default();
        for (thread, unread) in self.threads.into_iter().zip(self.unread) {
            let slot = *at.entry(thread.area.clone()).or_insert_with(|| {
                rollups.push(AreaRollup {
                    area: thread.area.clone(),
                    threads: 0,
                    unread: 0,
                });
                rollups.len() - 1
            });
            let rollup = &mut rollups[slot];
            rollup.threads = rollup.threads.saturating_add(1);
            rollup.unread = rollup.unread.saturating_add(unread);
            if usize::try_from(rollup.threads).unwrap_or(usize::MAX) <= per_area {
                kept.threads.push(thread);
                kept.unread.push(unread);
            }
        }
        (kept, rollups)
    }

    /// Each thread's unread count, by id.
    pub fn unread_by_id(&self) -> HashMap<&ThreadId, u32> {
        self.threads
            .iter()
            .map(|t| &t.id)
            .zip(self.unread.iter().copied())
            .collect()
    }
}

impl TreeIndex {
    /// Opens (or creates) the index at `path`; leftover journal files of a database that
    /// is gone are removed first.
    pub fn open(path: &Path) -> rusqlite::Result<Opened> {
        if !path.exists() {
            for suffix in ["-wal", "-shm"] {
                let mut side = path.as_os_str().to_owned();
                side.push(suffix);
                let _ = std::fs::remove_file(side);
            }
        }
        let conn = Connection::open(path)?;
        conn.busy_timeout(Duration::from_secs(10))?;
        // Derived data: a lost last transaction leaves generations that do not match,
        // and the index is built again.
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        let version: i32 = conn.pragma_query_value(None, "user_version", |row| row.get(0))?;
        Ok(match version {
            older if older < TREE_SCHEMA => Opened::Unbuilt(Self { conn }),
            TREE_SCHEMA => {
                conn.query_row("SELECT count(*) FROM meta", [], |_| Ok(()))?;
                Opened::Ready(Self { conn })
            }
            newer => Opened::Newer(newer),
        })
    }

    /// The stamps of `index.json` and `read.json` the rows were written from.
    pub fn stamps(&self) -> rusqlite::Result<(Stamp, Stamp)> {
        let stamp = |generation, bytes| -> rusqlite::Result<Stamp> {
            Ok(Stamp {
                generation: meta(&self.conn, generation)?.unwrap_or(UNKNOWN),
                bytes: meta(&self.conn, bytes)?.unwrap_or(0),
            })
        };
        Ok((
            stamp(INDEX_GENERATION, INDEX_BYTES)?,
            stamp(READ_GENERATION, READ_BYTES)?,
        ))
    }

    /// Whether the rows were written from the files as they are now. Without an
    /// `index.json` they never are: the thread index is then made from the thread files.
    pub fn current(&self, index: Stamp, read: Stamp) -> rusqlite::Result<bool> {
        Ok(index.known()
            && index.generation != MISSING
            && read.known()
            && self.stamps()? == (index, read))
    }

    /// Builds the index from nothing in one transaction from `threads` (`index.json` of
    /// generation `from.0`) and `read` (`read.json` of generation `from.1`). `progress` is
    /// told (threads done, threads in all).
    pub fn build(
        &mut self,
        threads: &[ThreadSummary],
        read: &ReadState,
        (index_stamp, read_stamp): (Stamp, Stamp),
        progress: &mut dyn FnMut(usize, usize),
    ) -> rusqlite::Result<()> {
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        tx.pragma_update(None, "user_version", 0)?;
        tx.execute_batch(TABLES)?;
        {
            let mut put = tx.prepare_cached("INSERT INTO reads (id, state) VALUES (?1, ?2)")?;
            for (id, state) in &read.threads {
                put.execute(params![id.as_str(), read_json(state)])?;
            }
        }
        let by_position = !newest_first(threads);
        let total = threads.len();
        for (done, (thread, ord)) in threads.iter().zip(orders(threads, by_position)).enumerate() {
            let unread = read.unread_count(&thread.id, thread.last_seq);
            put_thread(&tx, thread, ord, unread)?;
            if (done + 1) % 1024 == 0 || done + 1 == total {
                progress(done + 1, total);
            }
        }
        tx.execute_batch(
            "INSERT INTO areas (area, threads, unread)
             SELECT area, count(*), sum(unread) FROM threads GROUP BY area",
        )?;
        tx.execute_batch(TRIGGERS)?;
        set_stamp(&tx, (INDEX_GENERATION, INDEX_BYTES), index_stamp)?;
        set_stamp(&tx, (READ_GENERATION, READ_BYTES), read_stamp)?;
        set_meta(&tx, BY_POSITION, i64::from(by_position))?;
        tx.pragma_update(None, "user_version", TREE_SCHEMA)?;
        tx.commit()
    }

    /// `index.json` was written with `threads` as generation `generation`: the rows of
    /// the threads that changed are written again, those gone are removed.
    pub fn threads_saved(
        &mut self,
        threads: &[ThreadSummary],
        stamp: Stamp,
    ) -> rusqlite::Result<()> {
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let mut known: HashMap<String, i64> = HashMap::new();
        {
            let mut stmt = tx.prepare_cached("SELECT id, stamp FROM threads")?;
            let rows = stmt.query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?;
            for row in rows {
                let (id, stamp) = row?;
                known.insert(id, stamp);
            }
        }
        let by_position = !newest_first(threads);
        for (thread, ord) in threads.iter().zip(orders(threads, by_position)) {
            let stamp = row_stamp(thread, ord);
            if known.remove(thread.id.as_str()) == Some(stamp) {
                continue;
            }
            let state: Option<String> = tx
                .prepare_cached("SELECT state FROM reads WHERE id = ?1")?
                .query_row([thread.id.as_str()], |row| row.get(0))
                .optional()?;
            let unread = state
                .and_then(|s| serde_json::from_str::<ThreadRead>(&s).ok())
                .map_or(thread.last_seq, |r| r.unread_count(thread.last_seq));
            put_thread(&tx, thread, ord, unread)?;
        }
        {
            let mut gone = tx.prepare_cached("DELETE FROM threads WHERE id = ?1")?;
            for id in known.keys() {
                gone.execute([id])?;
            }
        }
        set_stamp(&tx, (INDEX_GENERATION, INDEX_BYTES), stamp)?;
        set_meta(&tx, BY_POSITION, i64::from(by_position))?;
        tx.commit()
    }

    /// `read.json` was written with `read` as generation `generation`: the threads whose
    /// read state changed get it and their unread counts again.
    pub fn read_saved(&mut self, read: &ReadState, stamp: Stamp) -> rusqlite::Result<()> {
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let mut known: HashMap<String, String> = HashMap::new();
        {
            let mut stmt = tx.prepare_cached("SELECT id, state FROM reads")?;
            let rows = stmt.query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?;
            for row in rows {
                let (id, state) = row?;
                known.insert(id, state);
            }
        }
        let mut seen: HashSet<&str> = HashSet::new();
        for (id, state) in &read.threads {
            seen.insert(id.as_str());
            let json = read_json(state);
            if known.get(id.as_str()) == Some(&json) {
                continue;
            }
            tx.prepare_cached("INSERT OR REPLACE INTO reads (id, state) VALUES (?1, ?2)")?
                .execute(params![id.as_str(), json])?;
            recount(&tx, id.as_str(), Some(state))?;
        }
        for id in known.keys().filter(|id| !seen.contains(id.as_str())) {
            tx.prepare_cached("DELETE FROM reads WHERE id = ?1")?
                .execute([id])?;
            recount(&tx, id, None)?;
        }
        set_stamp(&tx, (READ_GENERATION, READ_BYTES), stamp)?;
        tx.commit()
    }

    /// Every thread in the order of `index.json`, with its unread count.
    pub fn rows(&self) -> rusqlite::Result<TreeRows> {
        self.select("", "", [])
    }

    /// The threads of one area, in the order of `index.json`, with their unread counts.
    pub fn area_rows(&self, area: &AreaId) -> rusqlite::Result<TreeRows> {
        self.select("WHERE area = ?1", "", [area.as_str()])
    }

    /// The first `limit` threads of one area in the order of `index.json`: read through
    /// the area's ordered index, so the cost is the rows asked for, not the area's size.
    pub fn area_rows_first(&self, area: &AreaId, limit: usize) -> rusqlite::Result<TreeRows> {
        self.select(
            "WHERE area = ?1",
            " LIMIT ?2",
            params![area.as_str(), i64::try_from(limit).unwrap_or(i64::MAX)],
        )
    }

    fn select<P: rusqlite::Params>(
        &self,
        filter: &str,
        limit: &str,
        params: P,
    ) -> rusqlite::Result<TreeRows> {
        let order = if meta(&self.conn, BY_POSITION)? == Some(1) {
            "ord"
        } else {
            "last_s DESC, last_ns DESC, ord"
        };
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT id, area, title, author, badge, created_s, created_ns, last_s, last_ns,
                    post_count, last_seq, pinned, locked, missing, unread
             FROM threads {filter} ORDER BY {order}{limit}"
        ))?;
        let rows = stmt.query_map(params, |row| {
            let missing: Option<String> = row.get(13)?;
            let summary = ThreadSummary {
                id: ThreadId::new(row.get::<_, String>(0)?),
                area: AreaId::new(row.get::<_, String>(1)?),
                title: row.get(2)?,
                author: Author {
                    name: row.get::<_, String>(3)?.into(),
                    badge: row.get(4)?,
                },
                created_at: time(row.get(5)?, row.get(6)?),
                last_post_at: time(row.get(7)?, row.get(8)?),
                post_count: row.get(9)?,
                last_seq: row.get(10)?,
                pinned: row.get(11)?,
                locked: row.get(12)?,
                missing: missing
                    .and_then(|m| serde_json::from_str::<thin_vec::ThinVec<SeqRange>>(&m).ok())
                    .unwrap_or_default(),
                // The tree shows no small actions; the reader takes them from the thread file.
                small_actions: thin_vec::ThinVec::new(),
            };
            Ok((summary, clamp(row.get(14)?)))
        })?;
        // Sized once: growing by doubling to 50,000 summaries would copy them over and over
        // and, at the last step, hold both copies (a third of a big reader's peak memory).
        let expected = if filter.is_empty() {
            let count: i64 = self
                .conn
                .query_row("SELECT count(*) FROM threads", [], |row| row.get(0))?;
            usize::try_from(count).unwrap_or(0)
        } else {
            0
        };
        let mut out = TreeRows {
            threads: Vec::with_capacity(expected),
            unread: Vec::with_capacity(expected),
        };
        for row in rows {
            let (summary, unread) = row?;
            out.threads.push(summary);
            out.unread.push(unread);
        }
        Ok(out)
    }

    /// Every area's threads and unread posts.
    pub fn rollups(&self) -> rusqlite::Result<Vec<AreaRollup>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT area, threads, unread FROM areas WHERE threads > 0")?;
        let rows = stmt.query_map([], |row| {
            Ok(AreaRollup {
                area: AreaId::new(row.get::<_, String>(0)?),
                threads: clamp(row.get(1)?),
                unread: clamp(row.get(2)?),
            })
        })?;
        rows.collect()
    }

    /// Some threads' unread counts and areas (those with a watch level of their own, to
    /// take out of or add back to their area's roll-up).
    pub fn unread_of(&self, ids: &[&ThreadId]) -> rusqlite::Result<Vec<(ThreadId, AreaId, u32)>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT area, unread FROM threads WHERE id = ?1")?;
        let mut out = Vec::new();
        for id in ids {
            if let Some((area, unread)) = stmt
                .query_row([id.as_str()], |row| {
                    Ok((row.get::<_, String>(0)?, row.get::<_, i64>(1)?))
                })
                .optional()?
            {
                out.push(((*id).clone(), AreaId::new(area), clamp(unread)));
            }
        }
        Ok(out)
    }
}

/// Writes (inserts or updates) one thread's row; an update fires the roll-up trigger.
fn put_thread(
    tx: &Transaction<'_>,
    thread: &ThreadSummary,
    ord: i64,
    unread: u32,
) -> rusqlite::Result<()> {
    let created = parts(thread.created_at);
    let last = parts(thread.last_post_at);
    let missing = if thread.missing.is_empty() {
        None
    } else {
        serde_json::to_string(&thread.missing).ok()
    };
    tx.prepare_cached(
        "INSERT INTO threads (id, ord, area, title, author, badge, created_s, created_ns,
             last_s, last_ns, post_count, last_seq, pinned, locked, missing, unread, stamp)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)
         ON CONFLICT (id) DO UPDATE SET ord = ?2, area = ?3, title = ?4, author = ?5,
             badge = ?6, created_s = ?7, created_ns = ?8, last_s = ?9, last_ns = ?10,
             post_count = ?11, last_seq = ?12, pinned = ?13, locked = ?14, missing = ?15,
             unread = ?16, stamp = ?17",
    )?
    .execute(params![
        thread.id.as_str(),
        ord,
        thread.area.as_str(),
        thread.title,
        thread.author.name.as_str(),
        thread.author.badge,
        created.0,
        created.1,
        last.0,
        last.1,
        thread.post_count,
        thread.last_seq,
        thread.pinned,
        thread.locked,
        missing,
        unread,
        row_stamp(thread, ord),
    ])?;
    Ok(())
}

/// A thread's unread count again from its read state (`None`: nothing read).
fn recount(tx: &Transaction<'_>, id: &str, state: Option<&ThreadRead>) -> rusqlite::Result<()> {
    let last_seq: Option<u32> = tx
        .prepare_cached("SELECT last_seq FROM threads WHERE id = ?1")?
        .query_row([id], |row| row.get(0))
        .optional()?;
    if let Some(last_seq) = last_seq {
        let unread = state.map_or(last_seq, |s| s.unread_count(last_seq));
        tx.prepare_cached("UPDATE threads SET unread = ?2 WHERE id = ?1 AND unread != ?2")?
            .execute(params![id, unread])?;
    }
    Ok(())
}

fn read_json(state: &ThreadRead) -> String {
    serde_json::to_string(state).unwrap_or_default()
}

/// Whether `threads` are newest first (as the sync engine saves them): then the rows
/// are ordered by time, and a thread moving up changes no other row.
fn newest_first(threads: &[ThreadSummary]) -> bool {
    threads
        .windows(2)
        .all(|w| w[0].last_post_at >= w[1].last_post_at)
}

/// Each thread's `ord`: its position, or (newest first) its place among the threads of
/// the same last post time.
fn orders(threads: &[ThreadSummary], by_position: bool) -> impl Iterator<Item = i64> + '_ {
    let mut previous: Option<(Timestamp, i64)> = None;
    threads.iter().zip(0_i64..).map(move |(t, position)| {
        if by_position {
            return position;
        }
        let ord = match previous {
            Some((at, n)) if at == t.last_post_at => n + 1,
            _ => 0,
        };
        previous = Some((t.last_post_at, ord));
        ord
    })
}

/// A fingerprint of everything a row holds but its unread count.
fn row_stamp(thread: &ThreadSummary, ord: i64) -> i64 {
    let mut hasher = DefaultHasher::new();
    thread.id.as_str().hash(&mut hasher);
    thread.area.as_str().hash(&mut hasher);
    thread.title.hash(&mut hasher);
    thread.author.name.hash(&mut hasher);
    thread.author.badge.hash(&mut hasher);
    parts(thread.created_at).hash(&mut hasher);
    parts(thread.last_post_at).hash(&mut hasher);
    thread.post_count.hash(&mut hasher);
    thread.last_seq.hash(&mut hasher);
    thread.pinned.hash(&mut hasher);
    thread.locked.hash(&mut hasher);
    for range in &thread.missing {
        (range.from, range.to).hash(&mut hasher);
    }
    ord.hash(&mut hasher);
    i64::from_ne_bytes(hasher.finish().to_ne_bytes())
}

/// A time as seconds and nanoseconds: exact for every time `jiff` holds.
fn parts(at: Timestamp) -> (i64, i32) {
    (at.as_second(), at.subsec_nanosecond())
}

fn time(seconds: i64, nanos: i32) -> Timestamp {
    Timestamp::new(seconds, nanos).unwrap_or(Timestamp::UNIX_EPOCH)
}

fn clamp(n: i64) -> u32 {
    u32::try_from(n.max(0)).unwrap_or(u32::MAX)
}

fn meta(conn: &Connection, key: &str) -> rusqlite::Result<Option<i64>> {
    conn.prepare_cached("SELECT value FROM meta WHERE key = ?1")?
        .query_row([key], |row| row.get(0))
        .optional()
}

fn set_stamp(
    tx: &Transaction<'_>,
    (generation, bytes): (&str, &str),
    stamp: Stamp,
) -> rusqlite::Result<()> {
    set_meta(tx, generation, stamp.generation)?;
    set_meta(tx, bytes, stamp.bytes)
}

fn set_meta(tx: &Transaction<'_>, key: &str, value: i64) -> rusqlite::Result<()> {
    tx.prepare_cached("INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)")?
        .execute(params![key, value])?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary(id: &str, area: &str, at: i64, last_seq: u32) -> ThreadSummary {
        ThreadSummary {
            id: ThreadId::new(id),
            area: AreaId::new(area),
            title: format!("Thread {id}").into(),
            author: Author::new("ann"),
            created_at: Timestamp::from_second(at).unwrap(),
            last_post_at: Timestamp::from_second(at).unwrap(),
            post_count: last_seq,
            last_seq,
            pinned: false,
            locked: false,
            missing: thin_vec::ThinVec::new(),
            small_actions: thin_vec::ThinVec::new(),
        }
    }

    fn built(threads: &[ThreadSummary], read: &ReadState) -> TreeIndex {
        let Opened::Unbuilt(mut index) = TreeIndex::open(Path::new(":memory:")).unwrap() else {
            panic!("a new index needs a build")
        };
        index
            .build(threads, read, (stamp(7), stamp(8)), &mut |_, _| {})
            .unwrap();
        index
    }

    fn stamp(generation: i64) -> Stamp {
        Stamp {
            generation,
            bytes: 100,
        }
    }

    fn rollup(index: &TreeIndex, area: &str) -> (u32, u32) {
        index
            .rollups()
            .unwrap()
            .into_iter()
            .find(|r| r.area.as_str() == area)
            .map_or((0, 0), |r| (r.threads, r.unread))
    }

    #[test]
    fn rows_and_rollups_follow_saves_of_the_index_and_the_read_state() {
        let threads = vec![
            summary("c", "x", 30, 5),
            summary("b", "x", 20, 3),
            summary("a", "y", 20, 2),
        ];
        let mut read = ReadState::default();
        read.thread_mut(&ThreadId::new("b")).mark_all_read(2);
        let mut index = built(&threads, &read);
        assert!(index.current(stamp(7), stamp(8)).unwrap());
        assert!(!index.current(stamp(7), stamp(9)).unwrap());
        let edited = Stamp {
            generation: 7,
            bytes: 101,
        };
        assert!(!index.current(edited, stamp(8)).unwrap());
        let rows = index.rows().unwrap();
        assert_eq!(rows.threads, threads);
        assert_eq!(rows.unread, [5, 1, 2]);
        assert_eq!(rollup(&index, "x"), (2, 6));
        assert_eq!(rollup(&index, "y"), (1, 2));

        // A new post in "a" moves it first; "c" is gone; "d" is new, in area y.
        let mut a = summary("a", "y", 40, 4);
        a.title = "Renamed".into();
        let saved = vec![a, summary("d", "y", 35, 1), summary("b", "x", 20, 3)];
        index.threads_saved(&saved, stamp(11)).unwrap();
        assert_eq!(index.stamps().unwrap(), (stamp(11), stamp(8)));
        let rows = index.rows().unwrap();
        assert_eq!(rows.threads, saved);
        assert_eq!(rows.unread, [4, 1, 1]);
        assert_eq!(rollup(&index, "x"), (1, 1));
        assert_eq!(rollup(&index, "y"), (2, 5));

        // Reading "a" to 3; "b" forgotten (all unread again).
        let mut read = ReadState::default();
        read.thread_mut(&ThreadId::new("a")).mark_all_read(3);
        index.read_saved(&read, stamp(12)).unwrap();
        assert_eq!(index.rows().unwrap().unread, [1, 1, 3]);
        assert_eq!(rollup(&index, "x"), (1, 3));
        assert_eq!(rollup(&index, "y"), (2, 2));
        assert_eq!(index.area_rows(&AreaId::new("y")).unwrap().threads.len(), 2);
        // Threads saved in an order of their own keep it.
        let mixed = vec![summary("b", "x", 20, 3), summary("a", "y", 40, 4)];
        index.threads_saved(&mixed, stamp(13)).unwrap();
        assert_eq!(index.rows().unwrap().threads, mixed);
    }

    #[test]
    fn generations_are_read_from_the_head_of_a_file() {
        assert_eq!(
            generation_in(br#"{"schema":1,"generation":42,"threads":[]}"#),
            42
        );
        assert_eq!(generation_in(br#"{"schema":1,"threads":[]}"#), UNKNOWN);
        assert_eq!(generation_in(br#"{"schema":1,"generation":0,"#), UNKNOWN);
        let dir = tempfile::tempdir().unwrap();
        let missing = Stamp::of(&dir.path().join("none.json"));
        assert_eq!(missing.generation, MISSING);
        let file = dir.path().join("read.json");
        std::fs::write(&file, br#"{"schema":1,"generation":9,"read":{}}"#).unwrap();
        assert_eq!(
            Stamp::of(&file),
            Stamp {
                generation: 9,
                bytes: 37
            }
        );
    }
}
