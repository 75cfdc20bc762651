//! The search index: a derived `SQLite` database beside the thread files (`search.sqlite`)
//! whose FTS5 trigram table says which posts may contain a word, and whose thread rows
//! give a search the threads' titles and order without parsing `index.json`.
//!
//! It is never trusted over the thread files: it only narrows the posts a search reads
//! back from them, and every hit is checked against its thread file. It holds no post
//! text (the FTS table is contentless), only the trigrams of the lowercased plain text of
//! each run of [`PART`] posts of a thread (posts 1–32, 33–64, …: a document per run, not
//! per post, which keeps the index a fraction of the text, as the trigrams of one
//! conversation repeat from post to post), a stamp of each run's bodies so an update
//! re-indexes only the runs that changed, and one row per thread (title, author, last
//! post time) taken from its file's summary. Runs are numbered densely as they come, so
//! the index's lists of documents stay short.
//!
//! Keeping it in step without a shared transaction with the files: a write first records
//! the threads it is about to change as *pending* (in a transaction of its own, or in the
//! one that writes their new rows), then writes their rows and the thread files — the
//! sync's writer does both at once, on two threads — then clears the pending marks. A
//! crash in between leaves the marks; a search reads pending threads whole from their
//! files, and the next writer re-indexes them from their files. `PRAGMA user_version` is set only when a build
//! completes, so a build cut short is begun again.

use super::search_terms::{self, Possible, Terms};
use crate::model::{AreaId, Author, Post, Thread, ThreadId, ThreadSummary};
use crate::render::{plain_text, words_as_written};
use rusqlite::{Connection, ErrorCode, OptionalExtension, Transaction, params};
use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::hash::{BuildHasher, Hash, Hasher};
use std::path::Path;
use std::time::Duration;

/// The schema of the index this version reads and writes (its `user_version`).
pub const INDEX_SCHEMA: i32 = 6;

/// Characters per indexed term.
const TRIGRAM: usize = 3;
/// Posts per indexed document: a thread's posts by `seq`, 1–32, 33–64, …
pub const PART: u32 = 32;
/// Added to every post's text as indexed, so its last characters begin a trigram too.
const PAD: &str = "  ";
/// A word shorter than a trigram is looked up as the trigrams it begins; when it begins
/// more than this many (a single common letter), it does not narrow the search.
const MAX_ALTERNATIVES: i64 = 2_000;
/// A query whose words are in at least this share (1/n) of the indexed runs is common:
/// a search walks the newest threads whole rather than gathering every candidate.
const DENSE_SHARE: i64 = 8;
/// ... and in at least this many runs (a small forum is always searched by candidates).
#[cfg(not(test))]
const DENSE_MIN: i64 = 64;
/// Few enough for a unit test's forum to have a common word.
#[cfg(test)]
const DENSE_MIN: i64 = 4;

const TABLES: &str = "
    DROP TABLE IF EXISTS vocab;
    DROP TABLE IF EXISTS words;
    DROP TABLE IF EXISTS posts;
    DROP TABLE IF EXISTS parts;
    DROP TABLE IF EXISTS threads;
    DROP TABLE IF EXISTS pending;
    CREATE TABLE threads (
        num INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, title TEXT NOT NULL,
        lower TEXT NOT NULL, author TEXT NOT NULL, badge TEXT, last_post_at INTEGER NOT NULL,
        area TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX threads_recent ON threads (last_post_at DESC, id);
    CREATE TABLE parts (
        doc INTEGER PRIMARY KEY, num INTEGER NOT NULL, part INTEGER NOT NULL,
        stamp INTEGER NOT NULL, authors TEXT NOT NULL DEFAULT '', UNIQUE (num, part)
    );
    CREATE TABLE pending (id TEXT PRIMARY KEY);
    CREATE VIRTUAL TABLE words USING fts5(
        text, tokenize = 'trigram case_sensitive 1',
        content = '', contentless_delete = 1, detail = 'none'
    );
    CREATE VIRTUAL TABLE vocab USING fts5vocab(words, row);
    -- Segments merge eight at a time rather than four: a third less merging while a
    -- sync writes (merging was a tenth of the client's time in a large sync), a few
    -- more segments for a search to read.
    INSERT INTO words (words, rank) VALUES ('automerge', 8);
";

/// An open index.
#[derive(Debug)]
pub struct SearchIndex {
    conn: Connection,
}

/// What opening the index file found.
#[derive(Debug)]
pub enum Opened {
    /// Built and current.
    Ready(SearchIndex),
    /// New, of an older schema, or a build never finished: to be built before use.
    Unbuilt(SearchIndex),
    /// Written by a newer threadmark: not to be read or changed.
    Newer(i32),
}

/// A thread as its index row has it: what a search shows of it and orders it by.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ThreadRow {
    pub id: ThreadId,
    pub title: String,
    pub author: Author,
    /// The last post's time, in nanoseconds since 1970 (newest threads first).
    pub last_post_at: i64,
    /// The area the thread is in, so `area:` leaves threads out before their files are
    /// read (the file's area is checked again).
    pub area: AreaId,
}

impl ThreadRow {
    pub fn of(summary: &ThreadSummary) -> Self {
        Self {
            id: summary.id.clone(),
            title: summary.title.to_string(),
            author: summary.author.clone(),
            last_post_at: nanos(summary.last_post_at),
            area: summary.area.clone(),
        }
    }

    /// The order a search walks threads in: newest last post first, ties by id.
    pub fn newest_first(&self, other: &Self) -> std::cmp::Ordering {
        other
            .last_post_at
            .cmp(&self.last_post_at)
            .then_with(|| self.id.cmp(&other.id))
    }
}

/// Which posts of a thread a query may match.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Posts {
    /// Every live post (the query has no word long enough to narrow it).
    All,
    /// These `seq`s (ascending; some may not exist): the runs of [`PART`] posts whose
    /// text has every trigram of the query's words.
    Some(Vec<u32>),
    /// None: only the title may match.
    TitleOnly,
}

/// What a query may match, for the caller to check against the thread files.
#[derive(Debug, Default)]
pub struct Candidates {
    /// Threads whose title holds every word or that have candidate posts, by row.
    pub threads: Vec<(ThreadRow, Posts)>,
    /// Threads whose index rows may be out of step with their file: read them whole (they
    /// are not in `threads`).
    pub whole: BTreeSet<ThreadId>,
}

/// Where a search that may stop early begins (see [`SearchIndex::start`]).
#[derive(Debug)]
pub enum Start {
    /// The words are common (or nothing narrows the search): walk the newest threads
    /// whole, reading those a write left pending (these) from their files.
    Common(Vec<ThreadId>),
    /// The candidates, gathered.
    Gathered(Candidates),
}

/// Whether an error means the file is damaged (or not a database at all): such an index
/// is set aside and built again.
pub fn is_damage(error: &rusqlite::Error) -> bool {
    matches!(
        error.sqlite_error_code(),
        Some(ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase)
    )
}

impl SearchIndex {
    /// Opens (or creates) the index at `path`. Leftover journal files of a database that
    /// is gone are removed first: they belong to the old one.
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
        // Derived data: losing the last transactions to a power cut only leaves pending
        // marks or an older index, which searches and the next writer handle.
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        let version: i32 = conn.pragma_query_value(None, "user_version", |row| row.get(0))?;
        Ok(match version {
            older if older < INDEX_SCHEMA => Opened::Unbuilt(Self { conn }),
            INDEX_SCHEMA => {
                // A cheap look at every table, so a damaged file shows itself now.
                conn.query_row("SELECT count(*) FROM pending", [], |_| Ok(()))?;
                conn.query_row("SELECT term FROM terms LIMIT 1", [], |_| Ok(()))
                    .optional()?;
                conn.query_row("SELECT rowid FROM words LIMIT 1", [], |_| Ok(()))
                    .optional()?;
                Opened::Ready(Self { conn })
            }
            newer => Opened::Newer(newer),
        })
    }

    /// Starts a build from nothing, in one transaction: the index is usable only once
    /// [`Build::finish`] commits it.
    pub fn build(&mut self) -> rusqlite::Result<Build<'_>> {
        let tx = Transaction::new_unchecked(&self.conn, rusqlite::TransactionBehavior::Immediate)?;
        tx.pragma_update(None, "user_version", 0)?;
        tx.execute_batch(TABLES)?;
        tx.execute_batch(search_terms::TABLE)?;
        Ok(Build {
            tx,
            conn: &self.conn,
            terms: Terms::default(),
            added: 0,
        })
    }

    /// Marks `ids` pending, in a transaction of its own: from then on a search reads
    /// those threads whole from their files, and a writer that finds the marks left (a
    /// crash) re-indexes them from their files. [`Self::stage`] may then run while the
    /// files are written.
    pub fn mark_pending<'a>(
        &mut self,
        ids: impl IntoIterator<Item = &'a ThreadId>,
    ) -> rusqlite::Result<()> {
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        {
            let mut mark = tx.prepare_cached("INSERT OR IGNORE INTO pending (id) VALUES (?1)")?;
            for id in ids {
                mark.execute([id.as_str()])?;
            }
        }
        tx.commit()
    }

    /// Marks `ids` pending and indexes `threads` (their new contents) and removes the rows
    /// of `removed`, in one transaction. Call [`Self::settle`] once the files are written.
    pub fn stage(&mut self, threads: &[&Thread], removed: &[&ThreadId]) -> rusqlite::Result<()> {
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        {
            let mut mark = tx.prepare_cached("INSERT OR IGNORE INTO pending (id) VALUES (?1)")?;
            for id in threads
                .iter()
                .map(|t| &t.summary.id)
                .chain(removed.iter().copied())
            {
                mark.execute([id.as_str()])?;
            }
        }
        let mut made = made_ahead(&tx, threads)?;
        let mut terms = Terms::default();
        for (thread, made) in threads.iter().zip(&mut made) {
            index_thread(&tx, &thread.summary.id, Some(thread), made, &mut terms)?;
        }
        for id in removed {
            index_thread(&tx, id, None, &mut HashMap::new(), &mut terms)?;
        }
        terms.write(&tx)?;
        tx.commit()
    }

    /// Clears the pending marks of `ids`: their files are written.
    pub fn settle<'a>(
        &mut self,
        ids: impl IntoIterator<Item = &'a ThreadId>,
    ) -> rusqlite::Result<()> {
        let tx = self.conn.transaction()?;
        {
            let mut clear = tx.prepare_cached("DELETE FROM pending WHERE id = ?1")?;
            for id in ids {
                clear.execute([id.as_str()])?;
            }
        }
        tx.commit()
    }

    /// Threads left pending by a write that did not finish.
    pub fn pending(&self) -> rusqlite::Result<Vec<ThreadId>> {
        let mut stmt = self.conn.prepare_cached("SELECT id FROM pending")?;
        let ids = stmt.query_map([], |row| row.get::<_, String>(0))?;
        ids.map(|id| id.map(ThreadId::new)).collect()
    }

    /// Re-indexes one pending thread from its file as it is now (`None`: no file) and
    /// clears its mark.
    pub fn repair(&mut self, id: &ThreadId, file: Option<&Thread>) -> rusqlite::Result<()> {
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let mut terms = Terms::default();
        index_thread(&tx, id, file, &mut HashMap::new(), &mut terms)?;
        terms.write(&tx)?;
        tx.execute("DELETE FROM pending WHERE id = ?1", [id.as_str()])?;
        tx.commit()
    }

    /// The threads and posts that may hold every word of `words` (lowercased) and be
    /// written by one of `authors` (lowercased names; empty: anyone): the posts holding all
    /// the words' trigrams in runs where one of the authors wrote (every post, when neither
    /// narrows the search) and the threads whose title holds every word.
    ///
    /// With `after`, only the threads that come after that row in the order a search walks
    /// them ([`ThreadRow::newest_first`]).
    pub fn candidates(
        &self,
        words: &[String],
        authors: &[String],
        after: Option<&ThreadRow>,
    ) -> rusqlite::Result<Candidates> {
        // One read transaction: one lock for all the statements below, not one each.
        let _read = self.conn.unchecked_transaction()?;
        let query = match_expression(&self.conn, words)?;
        self.gather(words, authors, after, query, None)
    }

    /// Where a search that may stop early (one wanting so many hits) begins: when nothing
    /// narrows it, or its words are in a large share of the indexed runs (a common word,
    /// found within the first threads walked), [`Start::Common`]: walk the newest threads
    /// whole. Otherwise its candidates, as [`Self::candidates`] finds them. Looks only as
    /// far into the index as it takes to tell, and not twice.
    pub fn start(&self, words: &[String], authors: &[String]) -> rusqlite::Result<Start> {
        let _read = self.conn.unchecked_transaction()?;
        let query = match_expression(&self.conn, words)?;
        if !authors.is_empty() {
            return Ok(Start::Gathered(
                self.gather(words, authors, None, query, None)?,
            ));
        }
        let Some(query) = query else {
            return Ok(Start::Common(self.pending()?));
        };
        let runs: i64 = self
            .conn
            .prepare_cached("SELECT coalesce(max(doc), 0) FROM parts")?
            .query_row([], |row| row.get(0))?;
        let enough = (runs / DENSE_SHARE).max(DENSE_MIN);
        let docs: Vec<i64> = self
            .conn
            .prepare_cached("SELECT rowid FROM words WHERE words MATCH ?1 LIMIT ?2")?
            .query_map(params![query, enough], |row| row.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        if i64::try_from(docs.len()).unwrap_or(i64::MAX) >= enough {
            return Ok(Start::Common(self.pending()?));
        }
        Ok(Start::Gathered(self.gather(
            words,
            authors,
            None,
            Some(query),
            Some(docs),
        )?))
    }

    /// [`Self::candidates`] for the index's `query` of `words` ([`match_expression`]),
    /// given the documents it matches when they are known (`docs`, with no `authors`).
    fn gather(
        &self,
        words: &[String],
        authors: &[String],
        after: Option<&ThreadRow>,
        query: Option<String>,
        docs: Option<Vec<i64>>,
    ) -> rusqlite::Result<Candidates> {
        let comes_after = |row: &ThreadRow| after.is_none_or(|a| a.newest_first(row).is_lt());
        let whole: BTreeSet<ThreadId> = self.pending()?.into_iter().collect();
        let mut found: BTreeMap<i64, (ThreadRow, Posts)> = BTreeMap::new();
        // A run's authors are kept as "\nname\n…": one of the names, whole, in it.
        let by_author = if authors.is_empty() {
            "1".to_owned()
        } else {
            vec!["instr(parts.authors, ?) > 0"; authors.len()].join(" OR ")
        };
        let author_params: Vec<String> = authors.iter().map(|a| format!("\n{a}\n")).collect();
        if query.is_none() && authors.is_empty() {
            let mut all = self.conn.prepare_cached(&format!("{ROW} FROM threads"))?;
            let threads = all
                .query_map([], read_row)?
                .map(|row| row.map(|(_, row)| (row, Posts::All)))
                .filter(|row| {
                    row.as_ref()
                        .map_or(true, |(r, _)| !whole.contains(&r.id) && comes_after(r))
                })
                .collect::<rusqlite::Result<_>>()?;
            return Ok(Candidates { threads, whole });
        }
        let mut by_num: BTreeMap<i64, Vec<u32>> = BTreeMap::new();
        let pair = |row: &rusqlite::Row<'_>| Ok((row.get::<_, i64>(0)?, row.get::<_, i64>(1)?));
        let parts: Vec<(i64, i64)> = if let Some(docs) = docs {
            let mut of_doc = self
                .conn
                .prepare_cached("SELECT num, part FROM parts WHERE doc = ?1")?;
            let mut parts = Vec::with_capacity(docs.len());
            for doc in docs {
                parts.extend(of_doc.query_row([doc], pair).optional()?);
            }
            parts
        } else {
            let (sql, params): (String, Vec<String>) = match query {
                Some(query) => (
                    format!(
                        "SELECT parts.num, parts.part FROM words JOIN parts ON parts.doc = words.rowid
                         WHERE words MATCH ? AND ({by_author})"
                    ),
                    std::iter::once(query).chain(author_params).collect(),
                ),
                None => (
                    format!("SELECT parts.num, parts.part FROM parts WHERE {by_author}"),
                    author_params,
                ),
            };
            let mut stmt = self.conn.prepare_cached(&sql)?;
            stmt.query_map(rusqlite::params_from_iter(params), pair)?
                .collect::<rusqlite::Result<_>>()?
        };
        for (num, part) in parts {
            let first = u32::try_from(part)
                .unwrap_or(u32::MAX)
                .saturating_mul(PART)
                .saturating_add(1);
            by_num
                .entry(num)
                .or_default()
                .extend((0..PART).map(|k| first.saturating_add(k)));
        }
        let mut row = self
            .conn
            .prepare_cached(&format!("{ROW} FROM threads WHERE num = ?1"))?;
        for (num, mut seqs) in by_num {
            if let Some((num, thread)) = row.query_row([num], read_row).optional()?
                && comes_after(&thread)
            {
                seqs.sort_unstable();
                seqs.dedup();
                found.insert(num, (thread, Posts::Some(seqs)));
            }
        }
        // Titles: a plain scan of the lowercased titles, one short string per thread (none
        // without words: no title holds every word of an empty list as a hit).
        if words.is_empty() {
            let threads = found
                .into_values()
                .filter(|(row, _)| !whole.contains(&row.id))
                .collect();
            return Ok(Candidates { threads, whole });
        }
        let test = vec!["instr(lower, ?) > 0"; words.len()].join(" AND ");
        let mut titled = self
            .conn
            .prepare(&format!("{ROW} FROM threads WHERE {test}"))?;
        let rows = titled.query_map(rusqlite::params_from_iter(words), read_row)?;
        for row in rows {
            let (num, thread) = row?;
            if comes_after(&thread) {
                found.entry(num).or_insert((thread, Posts::TitleOnly));
            }
        }
        let threads = found
            .into_values()
            .filter(|(row, _)| !whole.contains(&row.id))
            .collect();
        Ok(Candidates { threads, whole })
    }

    /// Where each of `words` (lowercased) may stand in the indexed posts and titles (see
    /// [`search_terms`]); `None` while a write has left threads pending, whose words the
    /// index may not have.
    pub fn possible(&self, words: &[String]) -> rusqlite::Result<Option<Vec<Possible>>> {
        let _read = self.conn.unchecked_transaction()?;
        if !self.pending()?.is_empty() {
            return Ok(None);
        }
        search_terms::possible(&self.conn, words).map(Some)
    }

    /// Up to `limit` thread rows in the order a search walks them, from the first or from
    /// the one after `after`.
    pub fn newest(
        &self,
        after: Option<&ThreadRow>,
        limit: usize,
    ) -> rusqlite::Result<Vec<ThreadRow>> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let mut stmt = match after {
            None => self.conn.prepare_cached(&format!(
                "{ROW} FROM threads ORDER BY last_post_at DESC, id LIMIT ?1"
            ))?,
            // The range on `last_post_at` lets the walk start where it left off.
            Some(_) => self.conn.prepare_cached(&format!(
                "{ROW} FROM threads WHERE last_post_at <= ?2 AND (last_post_at < ?2 OR id > ?3)
                 ORDER BY last_post_at DESC, id LIMIT ?1"
            ))?,
        };
        let rows = match after {
            None => stmt.query_map(params![limit], read_row)?,
            Some(a) => stmt.query_map(params![limit, a.last_post_at, a.id.as_str()], read_row)?,
        };
        rows.map(|row| row.map(|(_, row)| row)).collect()
    }
}

/// The columns [`read_row`] reads.
const ROW: &str = "SELECT num, id, title, author, badge, last_post_at, area";

fn read_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<(i64, ThreadRow)> {
    Ok((
        row.get(0)?,
        ThreadRow {
            id: ThreadId::new(row.get::<_, String>(1)?),
            title: row.get(2)?,
            author: Author {
                name: row.get::<_, String>(3)?.into(),
                badge: row.get(4)?,
            },
            last_post_at: row.get(5)?,
            area: AreaId::new(row.get::<_, String>(6)?),
        },
    ))
}

/// A time as the index orders threads by it: nanoseconds, which fit until the year 2262.
pub fn nanos(at: jiff::Timestamp) -> i64 {
    i64::try_from(at.as_nanosecond()).unwrap_or(if at.as_second() < 0 {
        i64::MIN
    } else {
        i64::MAX
    })
}

/// Gives the file's free pages back (`VACUUM`) when it has any, then empties the
/// write-ahead log the compacted file passed through.
fn compact(conn: &Connection) -> rusqlite::Result<()> {
    let free: i64 = conn.pragma_query_value(None, "freelist_count", |row| row.get(0))?;
    if free > 0 {
        conn.execute_batch("VACUUM; PRAGMA wal_checkpoint(TRUNCATE);")?;
    }
    Ok(())
}

/// A build in progress (see [`SearchIndex::build`]).
pub struct Build<'a> {
    tx: Transaction<'a>,
    /// The index's connection, to compact the file once the build is committed.
    conn: &'a Connection,
    /// The words of the threads added since they were last written.
    terms: Terms,
    /// Threads added so far.
    added: usize,
}

/// Threads a build adds between writes of their words: each distinct word is written
/// once per this many threads, and the words held meanwhile stay few.
const BUILD_TERMS_EVERY: usize = 512;

impl Build<'_> {
    pub fn add(&mut self, thread: &Thread) -> rusqlite::Result<()> {
        index_thread(
            &self.tx,
            &thread.summary.id,
            Some(thread),
            &mut HashMap::new(),
            &mut self.terms,
        )?;
        self.added += 1;
        if self.added.is_multiple_of(BUILD_TERMS_EVERY) {
            self.terms.write(&self.tx)?;
        }
        Ok(())
    }

    /// Commits the build; from now on the index is used.
    pub fn finish(mut self) -> rusqlite::Result<()> {
        self.terms.write(&self.tx)?;
        self.tx.pragma_update(None, "user_version", INDEX_SCHEMA)?;
        self.tx.commit()?;
        // A build leaves free pages in the file: the old index's, and the full-text
        // table's own as it merges its segments (582 pages, 2.3 MiB, at a million posts).
        // A build is rare and already long, so the file is compacted after it. The build
        // is committed and usable either way: a compaction that cannot run now (another
        // connection reading) is only logged, and the next build compacts.
        if let Err(e) = compact(self.conn) {
            tracing::warn!("the search index was built but not compacted: {e}");
        }
        Ok(())
    }
}

/// A run's stamp and, when it is to be indexed again, its text, made before the rows are
/// written (see [`made_ahead`]).
struct Made {
    stamp: i64,
    text: Option<String>,
}

/// A thread's live posts by run (posts 1–32 are run 0, …).
fn runs(file: Option<&Thread>) -> BTreeMap<i64, Vec<&Post>> {
    let mut runs: BTreeMap<i64, Vec<&Post>> = BTreeMap::new();
    for post in file
        .iter()
        .flat_map(|f| f.posts.iter())
        .filter(|p| !p.deleted)
    {
        runs.entry(i64::from(post.seq.saturating_sub(1) / PART))
            .or_default()
            .push(post);
    }
    runs
}

/// Posts below which a batch's texts are made on the writer's thread alone.
const PARALLEL_FROM: usize = 256;

/// Each run's stamp and the text of every run whose stamp changed, for each of
/// `threads`, by run. Turning Markdown into plain text is most of the cost of indexing,
/// and each run's text depends on its posts alone, so the texts of a large batch are made
/// on as many threads as there are cores.
fn made_ahead(
    tx: &Transaction<'_>,
    threads: &[&Thread],
) -> rusqlite::Result<Vec<HashMap<i64, Made>>> {
    let mut old = tx.prepare_cached(
        "SELECT parts.part, parts.stamp FROM parts JOIN threads ON parts.num = threads.num
         WHERE threads.id = ?1",
    )?;
    let mut jobs: Vec<(usize, i64, i64, Vec<&Post>)> = Vec::new();
    let mut made: Vec<HashMap<i64, Made>> = Vec::with_capacity(threads.len());
    for (n, thread) in threads.iter().enumerate() {
        let known: HashMap<i64, i64> = old
            .query_map([thread.summary.id.as_str()], |row| {
                Ok((row.get(0)?, row.get(1)?))
            })?
            .collect::<rusqlite::Result<_>>()?;
        let mut stamps = HashMap::new();
        for (part, posts) in runs(Some(thread)) {
            let stamp = stamp(&posts);
            stamps.insert(part, Made { stamp, text: None });
            if known.get(&part) != Some(&stamp) {
                jobs.push((n, part, stamp, posts));
            }
        }
        made.push(stamps);
    }
    let posts: usize = jobs.iter().map(|job| job.3.len()).sum();
    let lanes = if posts < PARALLEL_FROM {
        1
    } else {
        std::thread::available_parallelism().map_or(1, std::num::NonZero::get)
    };
    let mut texts: Vec<String> = Vec::with_capacity(jobs.len());
    if lanes <= 1 {
        texts.extend(jobs.iter().map(|job| run_text(&job.3)));
    } else {
        let share = jobs.len().div_ceil(lanes);
        std::thread::scope(|scope| {
            let lanes: Vec<_> = jobs
                .chunks(share)
                .map(|chunk| {
                    scope.spawn(move || {
                        chunk
                            .iter()
                            .map(|job| run_text(&job.3))
                            .collect::<Vec<String>>()
                    })
                })
                .collect();
            for lane in lanes {
                match lane.join() {
                    Ok(made) => texts.extend(made),
                    Err(panic) => std::panic::resume_unwind(panic),
                }
            }
        });
    }
    for ((n, part, stamp, _), text) in jobs.into_iter().zip(texts) {
        made[n].insert(
            part,
            Made {
                stamp,
                text: Some(text),
            },
        );
    }
    Ok(made)
}

/// Brings one thread's rows in line with `file` (its contents; `None`: gone): runs of
/// posts whose bodies changed are indexed again, runs left with no live post lose their
/// rows. `made`: runs' stamps and texts made ahead (see [`made_ahead`]); the others are
/// made here.
fn index_thread(
    tx: &Transaction<'_>,
    id: &ThreadId,
    file: Option<&Thread>,
    made: &mut HashMap<i64, Made>,
    terms: &mut Terms,
) -> rusqlite::Result<()> {
    let num: Option<i64> = tx
        .prepare_cached("SELECT num FROM threads WHERE id = ?1")?
        .query_row([id.as_str()], |row| row.get(0))
        .optional()?;
    let num = match (num, file) {
        (Some(num), _) => num,
        (None, None) => return Ok(()),
        (None, Some(_)) => {
            tx.prepare_cached(
                "INSERT INTO threads (id, title, lower, author, last_post_at)
                 VALUES (?1, '', '', '', 0)",
            )?
            .execute([id.as_str()])?;
            tx.last_insert_rowid()
        }
    };
    if let Some(file) = file {
        let summary = &file.summary;
        let lower = summary.title.to_lowercase();
        terms.gather(&lower);
        tx.prepare_cached(
            "UPDATE threads SET title = ?2, lower = ?3, author = ?4, badge = ?5,
             last_post_at = ?6, area = ?7 WHERE num = ?1",
        )?
        .execute(params![
            num,
            summary.title,
            lower,
            summary.author.name.as_str(),
            summary.author.badge,
            nanos(summary.last_post_at),
            summary.area.as_str()
        ])?;
    }
    // Each run's documents and stamp as indexed now: (doc, stamp) by run.
    let mut old: HashMap<i64, (i64, i64)> = HashMap::new();
    {
        let mut rows = tx.prepare_cached("SELECT part, doc, stamp FROM parts WHERE num = ?1")?;
        let found = rows.query_map([num], |row| {
            Ok((
                row.get::<_, i64>(0)?,
                row.get::<_, i64>(1)?,
                row.get::<_, i64>(2)?,
            ))
        })?;
        for row in found {
            let (part, doc, stamp) = row?;
            old.insert(part, (doc, stamp));
        }
    }
    let mut unword = tx.prepare_cached("DELETE FROM words WHERE rowid = ?1")?;
    let mut word = tx.prepare_cached("INSERT INTO words (rowid, text) VALUES (?1, ?2)")?;
    for (part, posts) in runs(file) {
        let ahead = made.remove(&part);
        let stamp = ahead.as_ref().map_or_else(|| stamp(&posts), |m| m.stamp);
        let doc = match old.remove(&part) {
            Some((_, known)) if known == stamp => continue,
            Some((doc, _)) => {
                unword.execute([doc])?;
                tx.prepare_cached("UPDATE parts SET stamp = ?2, authors = ?3 WHERE doc = ?1")?
                    .execute(params![doc, stamp, run_authors(&posts)])?;
                doc
            }
            None => {
                tx.prepare_cached(
                    "INSERT INTO parts (num, part, stamp, authors) VALUES (?1, ?2, ?3, ?4)",
                )?
                .execute(params![num, part, stamp, run_authors(&posts)])?;
                tx.last_insert_rowid()
            }
        };
        let text = ahead
            .and_then(|m| m.text)
            .unwrap_or_else(|| run_text(&posts));
        terms.gather(&text);
        word.execute(params![doc, text])?;
    }
    for (doc, _) in old.into_values() {
        unword.execute([doc])?;
        tx.prepare_cached("DELETE FROM parts WHERE doc = ?1")?
            .execute([doc])?;
    }
    if file.is_none() {
        tx.prepare_cached("DELETE FROM threads WHERE num = ?1")?
            .execute([num])?;
    }
    Ok(())
}

/// What the index is given of a run of posts: each distinct whitespace-separated word of
/// their lowercased plain text once, a space after each and [`PAD`] at the end. A query's
/// words hold no whitespace, so every trigram of one that a post holds lies within one
/// word of the post, and a word shorter than a trigram still begins one (the word, then
/// what follows it); a conversation's words repeat, so this is a fraction of the text to
/// tokenize.
fn run_text(posts: &[&Post]) -> String {
    // Most posts are prose whose words are as written; the rest are rendered.
    let texts: Vec<Cow<'_, str>> = posts
        .iter()
        .map(|p| words_as_written(&p.body).map_or_else(|| plain_text(&p.body).into(), Cow::from))
        .collect();
    // Words are told apart before lowercasing, so each distinct word is lowercased once,
    // not every time it is written. A word written in two cases ("The", "the") is kept
    // twice: harmless, as the index only finds candidates and the files decide. Whitespace
    // is neither cased nor case-ignorable, so a word lowercases alone as it would in its
    // text (Greek final sigma included).
    let mut seen: HashSet<&str, foldhash::fast::RandomState> = HashSet::with_capacity_and_hasher(
        texts.iter().map(|t| t.len()).sum::<usize>() / 8,
        foldhash::fast::RandomState::default(),
    );
    let mut text = String::new();
    for word in texts.iter().flat_map(|t| t.split_whitespace()) {
        if seen.insert(word) {
            if word.is_ascii() {
                let start = text.len();
                text.push_str(word);
                text[start..].make_ascii_lowercase();
            } else {
                text.push_str(&word.to_lowercase());
            }
            text.push(' ');
        }
    }
    text.push_str(PAD);
    text
}

/// The lowercased names of a run's authors, each once, each between newlines
/// ("\nann\nravi shah\n"): an `author:` query's candidates are the runs holding one.
fn run_authors(posts: &[&Post]) -> String {
    let names: BTreeSet<String> = posts
        .iter()
        .map(|p| p.author.name.as_str().to_lowercase())
        .collect();
    let mut text = String::from("\n");
    for name in names {
        text.push_str(&name);
        text.push('\n');
    }
    text
}

/// The seed of [`stamp`]'s hash. A stamp that changes (with this seed, or with the hash
/// in a new version of the crate) only has its run indexed again.
const STAMP_SEED: u64 = 0x7468_7264_6d61_726b;

/// A fingerprint of what a run's index entry is made from: its live posts, their bodies
/// and authors.
fn stamp(posts: &[&Post]) -> i64 {
    // A fixed seed: stamps are stored, and compared in later runs. (foldhash rather than
    // SipHash: hashing every body was a twentieth of the index's time in a large sync.)
    let mut hasher = foldhash::fast::FixedState::with_seed(STAMP_SEED).build_hasher();
    for post in posts {
        post.seq.hash(&mut hasher);
        post.body.hash(&mut hasher);
        post.author.name.hash(&mut hasher);
    }
    i64::from_ne_bytes(hasher.finish().to_ne_bytes())
}

/// An FTS5 query for posts holding every trigram of every word of three characters or
/// more, and for each shorter word one of the indexed trigrams that begin with it (found
/// in `vocab`; the text is indexed with [`PAD`] after it, so a word at its very end
/// begins a trigram too). `None` when no word narrows the search. Trigrams are matched
/// one by one (the table keeps no positions), so a post may hold them all without the
/// word: the caller checks every candidate against its file anyway.
fn match_expression(conn: &Connection, words: &[String]) -> rusqlite::Result<Option<String>> {
    let quote = |t: &str| format!("\"{}\"", t.replace('"', "\"\""));
    let mut all: BTreeSet<String> = BTreeSet::new();
    let mut any_of: Vec<String> = Vec::new();
    for word in words {
        let chars: Vec<char> = word.chars().collect();
        if chars.len() >= TRIGRAM {
            for window in chars.windows(TRIGRAM) {
                all.insert(quote(&window.iter().collect::<String>()));
            }
            continue;
        }
        let mut last = word.clone();
        last.extend(std::iter::repeat_n(char::MAX, TRIGRAM - chars.len()));
        let mut stmt =
            conn.prepare_cached("SELECT term FROM vocab WHERE term >= ?1 AND term <= ?2 LIMIT ?3")?;
        let terms: Vec<String> = stmt
            .query_map(params![word, last, MAX_ALTERNATIVES + 1], |row| row.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        match terms.len() {
            // No post has it: a term no text holds makes the query match nothing.
            0 => any_of.push(quote("\u{1}\u{1}\u{1}")),
            n if i64::try_from(n).unwrap_or(i64::MAX) > MAX_ALTERNATIVES => {}
            _ => any_of.push(format!(
                "({})",
                terms
                    .iter()
                    .map(|t| quote(t))
                    .collect::<Vec<_>>()
                    .join(" OR ")
            )),
        }
    }
    if all.is_empty() && any_of.is_empty() {
        return Ok(None);
    }
    Ok(Some(
        all.into_iter()
            .chain(any_of)
            .collect::<Vec<_>>()
            .join(" AND "),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{AreaId, Body, PostId};
    use jiff::Timestamp;

    #[test]
    fn a_runs_text_holds_every_word_lowercased_as_the_whole_text_would_be() {
        let texts = [
            "Hello WORLD 42 Hello",
            "Straße ÄÖÜ İstanbul ΣΑΣ ΟΔΟΣ.",
            "",
            "MiXeD ümlaut the The",
        ];
        let run = thread("t", &texts);
        let posts: Vec<&Post> = run.posts.iter().collect();
        let text = run_text(&posts);
        let words: Vec<&str> = text.split_whitespace().collect();
        for body in texts {
            // As a search reads a post: its whole text lowercased (a final sigma
            // becomes ς only at the end of a word).
            for word in body.to_lowercase().split_whitespace() {
                assert!(words.contains(&word), "{word:?} is not in {text:?}");
            }
        }
        assert_eq!(
            words.iter().filter(|w| **w == "hello").count(),
            1,
            "a word written twice the same way is indexed once: {text:?}"
        );
        assert!(text.ends_with(PAD));
    }

    fn thread(id: &str, texts: &[&str]) -> Thread {
        let posts = texts
            .iter()
            .zip(1..)
            .map(|(text, seq)| Post {
                id: PostId::new(format!("{id}-{seq}")),
                thread: ThreadId::new(id),
                seq,
                reply_to: None,
                author: Author::new("ann"),
                created_at: Timestamp::UNIX_EPOCH,
                edited_at: None,
                body: Body::markdown(*text),
                deleted: text.is_empty(),
                removed: false,
                score: None,
                version: 1,
                client_key: None,
                reactions: crate::model::Reactions::default(),
            })
            .collect();
        Thread::new(
            ThreadSummary {
                id: ThreadId::new(id),
                area: AreaId::new("a"),
                title: "T".into(),
                author: Author::new("ann"),
                created_at: Timestamp::UNIX_EPOCH,
                last_post_at: Timestamp::UNIX_EPOCH,
                post_count: 1,
                last_seq: 1,
                pinned: false,
                locked: false,
                missing: thin_vec::ThinVec::new(),
                small_actions: thin_vec::ThinVec::new(),
            },
            posts,
        )
    }

    /// The threads with candidate posts, each with the runs of [`PART`] posts named (by
    /// their first `seq`).
    fn found(index: &SearchIndex, words: &[&str]) -> BTreeMap<String, Vec<u32>> {
        let words: Vec<String> = words.iter().map(|w| (*w).to_owned()).collect();
        let found = index.candidates(&words, &[], None).unwrap();
        found
            .threads
            .into_iter()
            .filter_map(|(row, posts)| match posts {
                Posts::Some(seqs) => {
                    let firsts: Vec<u32> = seqs
                        .iter()
                        .copied()
                        .filter(|s| (s - 1) % PART == 0)
                        .collect();
                    assert_eq!(seqs.len(), firsts.len() * PART as usize, "{seqs:?}");
                    Some((row.id.as_str().to_owned(), firsts))
                }
                Posts::All => panic!("{words:?} narrows the search"),
                Posts::TitleOnly => None,
            })
            .collect()
    }

    /// An index's runs (thread, run, stamp, authors) and terms (term, documents).
    type Contents = (Vec<(String, i64, i64, String)>, Vec<(String, i64)>);

    /// What an index holds, to compare two: its runs and every term with its documents.
    fn contents(index: &SearchIndex) -> Contents {
        let parts = index
            .conn
            .prepare(
                "SELECT threads.id, parts.part, parts.stamp, parts.authors FROM parts
                 JOIN threads ON parts.num = threads.num ORDER BY threads.id, parts.part",
            )
            .unwrap()
            .query_map([], |row| {
                Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?))
            })
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        let terms = index
            .conn
            .prepare("SELECT term, doc FROM vocab ORDER BY term")
            .unwrap()
            .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        (parts, terms)
    }

    #[test]
    fn a_large_batch_made_on_several_threads_indexes_as_one_thread_at_a_time_does() {
        let temp = tempfile::tempdir().unwrap();
        let texts: Vec<String> = (0..70)
            .map(|n| format!("Post **{n}** about quokka {} and 戦略 {}", n * 7, n % 5))
            .collect();
        let texts: Vec<&str> = texts.iter().map(String::as_str).collect();
        // 12 threads of 70 posts: 840 posts, three runs each, over the parallel threshold.
        let threads: Vec<Thread> = (0..12).map(|t| thread(&format!("t{t}"), &texts)).collect();
        let mut edited = threads[3].clone();
        edited.posts[40].body = Body::markdown("an _edited_ wombat");
        let open = |name: &str| {
            let Opened::Unbuilt(mut index) = SearchIndex::open(&temp.path().join(name)).unwrap()
            else {
                panic!("new")
            };
            index.build().unwrap().finish().unwrap();
            index
        };
        let mut one_by_one = open("a.sqlite");
        for t in &threads {
            one_by_one.stage(&[t], &[]).unwrap();
        }
        one_by_one.stage(&[&edited], &[]).unwrap();
        let mut together = open("b.sqlite");
        let all: Vec<&Thread> = threads.iter().collect();
        together.stage(&all, &[]).unwrap();
        // Again, one thread edited: only its changed run is made again.
        let mut again: Vec<&Thread> = threads.iter().collect();
        again[3] = &edited;
        together.stage(&again, &[]).unwrap();
        together
            .settle(again.iter().map(|t| &t.summary.id))
            .unwrap();
        assert_eq!(contents(&together), contents(&one_by_one));
        assert_eq!(found(&together, &["wombat"]).len(), 1);
        assert_eq!(found(&together, &["quokka"]).len(), 12);
        assert!(!contents(&together).1.is_empty());
    }

    #[test]
    fn a_rebuild_over_an_older_index_leaves_no_free_pages_in_the_file() {
        let temp = tempfile::tempdir().unwrap();
        let path = temp.path().join("search.sqlite");
        let build_with = |threads: usize| {
            let (Opened::Unbuilt(mut index) | Opened::Ready(mut index)) =
                SearchIndex::open(&path).unwrap()
            else {
                panic!("an index of this schema or older")
            };
            let mut build = index.build().unwrap();
            for n in 0..threads {
                let text = format!("post {n} of a long archive, unusual words {n}x{n}");
                build
                    .add(&thread(&format!("t{n}"), &[text.as_str()]))
                    .unwrap();
            }
            build.finish().unwrap();
            index
        };
        let old = build_with(400);
        // An older schema: the next open finds it unbuilt and builds it again.
        old.conn.pragma_update(None, "user_version", 1).unwrap();
        drop(old);
        let pages = |index: &SearchIndex, pragma: &str| -> i64 {
            index
                .conn
                .pragma_query_value(None, pragma, |row| row.get(0))
                .unwrap()
        };
        let rebuilt = build_with(4);
        assert_eq!(pages(&rebuilt, "freelist_count"), 0);
        let fresh_path = temp.path().join("fresh.sqlite");
        let Opened::Unbuilt(mut fresh) = SearchIndex::open(&fresh_path).unwrap() else {
            panic!("a new index needs a build")
        };
        let mut build = fresh.build().unwrap();
        for n in 0..4 {
            let text = format!("post {n} of a long archive, unusual words {n}x{n}");
            build
                .add(&thread(&format!("t{n}"), &[text.as_str()]))
                .unwrap();
        }
        build.finish().unwrap();
        // As small as an index built in a new file.
        assert_eq!(pages(&rebuilt, "page_count"), pages(&fresh, "page_count"));
        assert_eq!(
            found(&rebuilt, &["unusual"]).len(),
            4,
            "the rebuilt index finds its threads"
        );
    }

    #[test]
    fn posts_are_found_by_trigram_and_follow_edits_and_removals() {
        let temp = tempfile::tempdir().unwrap();
        let path = temp.path().join("search.sqlite");
        let Opened::Unbuilt(mut index) = SearchIndex::open(&path).unwrap() else {
            panic!("a new index needs a build")
        };
        let mut build = index.build().unwrap();
        build
            .add(&thread("t1", &["**Quokka** at noon", "", "戦略的な討論"]))
            .unwrap();
        build
            .add(&thread("t2", &["no marsupials", "QUOKKAS"]))
            .unwrap();
        build.finish().unwrap();
        drop(index);
        let Opened::Ready(mut index) = SearchIndex::open(&path).unwrap() else {
            panic!("built")
        };
        let expect = |pairs: &[(&str, &[u32])]| -> BTreeMap<String, Vec<u32>> {
            pairs
                .iter()
                .map(|(t, s)| ((*t).to_owned(), s.to_vec()))
                .collect()
        };
        assert_eq!(
            found(&index, &["quokka"]),
            expect(&[("t1", &[1]), ("t2", &[1])])
        );
        assert_eq!(found(&index, &["的な討"]), expect(&[("t1", &[1])]));
        assert_eq!(
            found(&index, &["戦略"]),
            expect(&[("t1", &[1])]),
            "short words too"
        );
        assert_eq!(
            found(&index, &["論"]),
            expect(&[("t1", &[1])]),
            "even at the end"
        );
        assert_eq!(
            found(&index, &["ka", "qu"]),
            expect(&[("t1", &[1]), ("t2", &[1])])
        );
        assert!(
            found(&index, &["noonquokka"]).is_empty(),
            "no trigram spans two posts"
        );
        assert!(found(&index, &["zz"]).is_empty());
        assert_eq!(found(&index, &["a\"b"]), expect(&[]), "quotes are quoted");

        index
            .stage(
                &[&thread("t1", &["**Quokka** at noon", "", "quokka again"])],
                &[&ThreadId::new("t2")],
            )
            .unwrap();
        // Until the files are written, both are to be read from their files.
        let staged = index.candidates(&["quokka".to_owned()], &[], None).unwrap();
        assert!(staged.threads.is_empty(), "{staged:?}");
        assert_eq!(
            staged.whole,
            [ThreadId::new("t1"), ThreadId::new("t2")].into()
        );
        index
            .settle([&ThreadId::new("t1"), &ThreadId::new("t2")])
            .unwrap();
        assert!(index.pending().unwrap().is_empty());
        assert_eq!(found(&index, &["quokka"]), expect(&[("t1", &[1])]));
        assert!(found(&index, &["的な討"]).is_empty());
        // A long thread: only the run holding the word is named, and an edit there
        // re-indexes that run alone.
        let mut texts = vec!["filler"; 70];
        texts[40] = "numbat";
        let numbats = thread("t4", &texts);
        index.stage(&[&numbats], &[]).unwrap();
        index.settle([&numbats.summary.id]).unwrap();
        assert_eq!(found(&index, &["numbat"]), expect(&[("t4", &[33])]));
        texts[40] = "filler";
        texts[68] = "numbat";
        index.stage(&[&thread("t4", &texts)], &[]).unwrap();
        index.settle([&numbats.summary.id]).unwrap();
        assert_eq!(found(&index, &["numbat"]), expect(&[("t4", &[65])]));
        // The title alone matches: the thread comes with its row, no post to read.
        let mut lone = thread("t3", &["nothing here"]);
        lone.summary.title = "Wombat Weekly".into();
        index.stage(&[&lone], &[]).unwrap();
        index.settle([&lone.summary.id]).unwrap();
        let titled = index.candidates(&["wombat".to_owned()], &[], None).unwrap();
        assert_eq!(
            titled.threads,
            [(ThreadRow::of(&lone.summary), Posts::TitleOnly)]
        );
    }

    /// The runs (by first `seq`) `authors` wrote in, with `words` or without.
    fn by_authors(index: &SearchIndex, words: &[&str], authors: &[&str]) -> Vec<(String, u32)> {
        let words: Vec<String> = words.iter().map(|w| (*w).to_owned()).collect();
        let authors: Vec<String> = authors.iter().map(|a| (*a).to_owned()).collect();
        let mut runs = Vec::new();
        for (row, posts) in index.candidates(&words, &authors, None).unwrap().threads {
            let Posts::Some(seqs) = posts else {
                panic!("{authors:?} narrows the search: {posts:?}")
            };
            for first in seqs.iter().filter(|s| (*s - 1) % PART == 0) {
                runs.push((row.id.as_str().to_owned(), *first));
            }
        }
        runs
    }

    #[test]
    fn an_authors_runs_and_a_threads_area_come_from_the_index() {
        let temp = tempfile::tempdir().unwrap();
        let Opened::Unbuilt(mut index) =
            SearchIndex::open(&temp.path().join("search.sqlite")).unwrap()
        else {
            panic!("a new index needs a build")
        };
        index.build().unwrap().finish().unwrap();
        // 70 posts by ann; Ravi Shah wrote #40 (run 33–64) and "quokka" is in #2 and #40.
        let mut texts = vec!["filler"; 70];
        texts[1] = "quokka";
        texts[39] = "quokka";
        let mut long = thread("t1", &texts);
        long.posts[39].author = Author::new("Ravi Shah");
        long.summary.area = AreaId::new("governance");
        index
            .stage(&[&long, &thread("t2", &["quokka"])], &[])
            .unwrap();
        index
            .settle([&ThreadId::new("t1"), &ThreadId::new("t2")])
            .unwrap();

        assert_eq!(
            by_authors(&index, &[], &["ravi shah"]),
            [("t1".to_owned(), 33)],
            "no word: the runs the author wrote in"
        );
        assert_eq!(
            by_authors(&index, &["quokka"], &["ravi shah"]),
            [("t1".to_owned(), 33)],
            "a word and an author: both"
        );
        assert_eq!(
            by_authors(&index, &["quokka"], &["ravi", "ann"]).len(),
            3,
            "a whole name only, any of them: ann's runs 1 of t1 and t2, and 33"
        );
        assert!(by_authors(&index, &[], &["nobody"]).is_empty());
        let rows = index
            .candidates(&["quokka".to_owned()], &[], None)
            .unwrap()
            .threads;
        let areas: Vec<&str> = rows.iter().map(|(r, _)| r.area.as_str()).collect();
        assert_eq!(areas, ["governance", "a"], "each row says its area");

        // Ravi's post edited to be ann's: the run is indexed again and no longer his.
        long.posts[39].author = Author::new("ann");
        index.stage(&[&long], &[]).unwrap();
        index.settle([&ThreadId::new("t1")]).unwrap();
        assert!(by_authors(&index, &[], &["ravi shah"]).is_empty());
    }
}
