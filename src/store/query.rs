//! A [`Query`] run over one account's cache: the threads and posts that may match come
//! from the search index (narrowed by the query's words), each is checked against its
//! thread file and the query's operators. `threadmark search`, `S` in the reader and the
//! saved-search folders all go through [`scan`].

use super::search_index::{Candidates, Posts, Start, ThreadRow};
use super::{Cache, StoreError};
use crate::model::{AreaId, Forum, Post, PostId, PostTraits, Query, ReadState, Thread, ThreadId};
use crate::render::plain_text;
use jiff::Timestamp;
use std::collections::{HashSet, VecDeque};
use std::ops::ControlFlow;

/// The posts of a thread a rule leaves out of the unread counts (hidden, or marked read
/// by a rule), by `seq`: the caller's rules (the store does not judge).
pub type LeftOut<'a> = dyn Fn(&Thread) -> Vec<u32> + 'a;

/// What a query's operators are checked against besides the posts themselves.
pub struct QueryContext<'a> {
    /// The account's tree: area titles for `area:` (`None`: ids only).
    pub forum: Option<&'a Forum>,
    /// The read state, for `unread` (`None`: every post counts as unread).
    pub read: Option<&'a ReadState>,
    /// What the rules leave out of the unread counts.
    pub left_out: Option<&'a LeftOut<'a>>,
    /// Bookmarked posts, for `is:bookmarked`.
    pub bookmarks: HashSet<PostId>,
    /// The user's name on this account, for `is:mine` (`None`: no post is).
    pub me: Option<String>,
    pub now: Timestamp,
    /// Whether each hit's unread state is wanted (a folder's count), not only for
    /// `unread`: the rules are then run over every thread read.
    pub count_unread: bool,
}

impl std::fmt::Debug for QueryContext<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("QueryContext")
            .field("me", &self.me)
            .field("now", &self.now)
            .finish_non_exhaustive()
    }
}

impl QueryContext<'_> {
    /// A context knowing nothing beyond the posts (no read state, no bookmarks).
    pub fn bare(now: Timestamp) -> Self {
        Self {
            forum: None,
            read: None,
            left_out: None,
            bookmarks: HashSet::new(),
            me: None,
            now,
            count_unread: false,
        }
    }
}

/// One thing a query found, as [`scan`] hands it over.
pub(super) enum Found<'a> {
    /// The thread's title holds every word.
    Title { row: &'a ThreadRow, text: &'a str },
    /// A post holds every word and passes every operator. `text` is its plain text
    /// (blanks made single spaces when the query has phrases), `lower` the same lowercased.
    Post {
        row: &'a ThreadRow,
        post: &'a Post,
        text: &'a str,
        lower: &'a str,
        unread: bool,
        /// A rule leaves it out of the unread counts.
        left_out: bool,
    },
}

/// Threads a walk of a common word's newest threads reads before it gathers the
/// candidates of the rest at once: the hits of a word in many threads are found among the
/// first, and a query whose hits turn out to be few there (a word found mostly inside
/// longer ones) costs at most this many thread files more than gathering would have.
#[cfg(not(test))]
const WALK_THREADS: usize = 1024;
/// Small enough for a unit test's few dozen threads to walk past.
#[cfg(test)]
const WALK_THREADS: usize = 12;
/// Thread rows asked of the index at a time while walking.
#[cfg(not(test))]
const WALK_PAGE: usize = 64;
#[cfg(test)]
const WALK_PAGE: usize = 5;

/// How [`scan`] is to find its threads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Reach {
    /// The caller may stop early (a search wanting so many hits): when the index finds
    /// the words common, the newest threads are read whole, page by page, rather than
    /// every candidate gathered before the first is read.
    Early,
    /// The caller goes through every hit (a folder's count): the candidates are gathered.
    Every,
}

/// Walks the query's candidates, newest thread first (ties by id), each thread's title
/// before its posts (in `seq` order), handing each match to `found` until it breaks.
///
/// The search index (see [`super::search_index`]) names the threads and posts that may
/// match; each post is read from its thread file and checked there, so an index out of
/// step with the files never yields a wrong hit. Threads the index is unsure of, and
/// every thread when no word is long enough for the index, are read whole; with no usable
/// index, every thread of `index.json` is. With [`Reach::Early`] and words the index finds
/// in many threads, the newest threads are read whole in order (the same hits in the same
/// order: the index only ever narrows what is read).
pub(super) fn scan(
    cache: &mut Cache,
    query: &Query,
    cx: &QueryContext<'_>,
    reach: Reach,
    mut found: impl FnMut(Found<'_>) -> ControlFlow<()>,
) -> Result<(), StoreError> {
    let words = query.index_words();
    let authors = &query.authors.any_of;
    let start = match reach {
        Reach::Early => cache.search_start(&words, authors)?,
        Reach::Every => None,
    };
    let mut threads = match start {
        Some(Start::Common(pending)) => {
            let mut whole = Vec::new();
            for id in &pending {
                if let Some(file) = cache.load_thread(id)? {
                    whole.push(ThreadRow::of(&file.summary));
                }
            }
            whole.sort_by(ThreadRow::newest_first);
            Threads::Walk(Box::new(Walk {
                words,
                authors: authors.clone(),
                page: VecDeque::new(),
                last: None,
                walked: 0,
                done: false,
                pending: pending.into_iter().collect(),
                whole: whole.into(),
            }))
        }
        Some(Start::Gathered(candidates)) => {
            Threads::Listed(arranged(cache, Some(candidates), None)?.into_iter())
        }
        None => Threads::Listed(listed(cache, &words, authors, None)?.into_iter()),
    };
    let titles = !query.posts_only();
    while let Some((row, posts)) = threads.next(cache)? {
        if !query.threads.admits(&[row.id.as_str()])
            || !(row.area.as_str().is_empty() || admits_area(query, cx, &row.area))
        {
            continue;
        }
        let title_text = normalized(&row.title, query);
        let title_lower = title_text.to_lowercase();
        let title_holds = titles
            && query.words.iter().all(|w| title_lower.contains(w.as_str()))
            && !query.excludes(&title_lower)
            && !query.words.is_empty();
        let seqs: Option<&[u32]> = match &posts {
            Posts::TitleOnly if !title_holds => continue,
            Posts::TitleOnly | Posts::All => None,
            Posts::Some(seqs) => Some(seqs),
        };
        let needs_file = !matches!(posts, Posts::TitleOnly) || !query.areas.is_empty();
        let file = if needs_file {
            cache.load_thread(&row.id)?
        } else {
            None
        };
        if let Some(file) = &file
            && !admits_area(query, cx, &file.summary.area)
        {
            continue;
        }
        if title_holds
            && found(Found::Title {
                row: &row,
                text: &title_text,
            })
            .is_break()
        {
            return Ok(());
        }
        if matches!(posts, Posts::TitleOnly) {
            continue;
        }
        let Some(file) = file else {
            continue;
        };
        if scan_posts(&row, &file, seqs, query, cx, &mut found).is_break() {
            return Ok(());
        }
    }
    Ok(())
}

/// The threads a scan goes through, newest first, each with the posts it may match.
enum Threads {
    /// Gathered and sorted.
    Listed(std::vec::IntoIter<(ThreadRow, Posts)>),
    /// Taken from the index's rows page by page, each read whole.
    Walk(Box<Walk>),
}

/// A walk of the index's thread rows, newest first, with the threads a write left
/// pending (read from their files) merged in where they belong.
struct Walk {
    words: Vec<String>,
    authors: Vec<String>,
    /// Rows taken from the index and not yet handed over.
    page: VecDeque<ThreadRow>,
    /// The last row taken from the index: the next page begins after it.
    last: Option<ThreadRow>,
    /// Rows taken so far.
    walked: usize,
    /// The index has no rows after `last`.
    done: bool,
    /// Threads whose index rows may be out of step with their files: their rows are
    /// skipped and those of their files (`whole`) handed over instead.
    pending: HashSet<ThreadId>,
    whole: VecDeque<ThreadRow>,
}

impl Threads {
    fn next(&mut self, cache: &mut Cache) -> Result<Option<(ThreadRow, Posts)>, StoreError> {
        loop {
            let walk = match self {
                Self::Listed(rest) => return Ok(rest.next()),
                Self::Walk(walk) => walk,
            };
            if walk.page.is_empty() && !walk.done {
                // Everything up to `last` is handed over: the rest comes after it.
                let rows = if walk.walked >= WALK_THREADS {
                    None
                } else {
                    cache.search_newest(walk.last.as_ref(), WALK_PAGE)?
                };
                let Some(rows) = rows else {
                    let rest = listed(cache, &walk.words, &walk.authors, walk.last.as_ref())?;
                    *self = Self::Listed(rest.into_iter());
                    continue;
                };
                walk.done = rows.len() < WALK_PAGE;
                walk.walked += rows.len();
                if let Some(last) = rows.last() {
                    walk.last = Some(last.clone());
                }
                let pending = &walk.pending;
                walk.page
                    .extend(rows.into_iter().filter(|row| !pending.contains(&row.id)));
                continue;
            }
            let next = match (walk.whole.front(), walk.page.front()) {
                (Some(file), Some(row)) if file.newest_first(row).is_gt() => walk.page.pop_front(),
                (Some(_), _) => walk.whole.pop_front(),
                (None, _) => walk.page.pop_front(),
            };
            return Ok(next.map(|row| (row, Posts::All)));
        }
    }
}

/// The candidates of `words` by `authors` (those after `after` in the order of
/// [`ThreadRow::newest_first`], if given), sorted in that order: from the search index,
/// with the threads a write left pending read whole from their files, or every thread of
/// `index.json` without a usable index.
fn listed(
    cache: &mut Cache,
    words: &[String],
    authors: &[String],
    after: Option<&ThreadRow>,
) -> Result<Vec<(ThreadRow, Posts)>, StoreError> {
    let candidates = cache.search_candidates(words, authors, after)?;
    arranged(cache, candidates, after)
}

/// `candidates` (those after `after`) with the threads a write left pending read from
/// their files, or without an index every thread of `index.json` after `after`, sorted.
fn arranged(
    cache: &mut Cache,
    candidates: Option<Candidates>,
    after: Option<&ThreadRow>,
) -> Result<Vec<(ThreadRow, Posts)>, StoreError> {
    let comes_after = |row: &ThreadRow| after.is_none_or(|a| a.newest_first(row).is_lt());
    let mut threads = match candidates {
        Some(candidates) => {
            let mut threads = candidates.threads;
            // A write left these pending: their rows may be out of step, their files say.
            for id in &candidates.whole {
                if let Some(file) = cache.load_thread(id)? {
                    let row = ThreadRow::of(&file.summary);
                    if comes_after(&row) {
                        threads.push((row, Posts::All));
                    }
                }
            }
            threads
        }
        None => cache
            .load_index()?
            .iter()
            .map(|summary| (ThreadRow::of(summary), Posts::All))
            .filter(|(row, _)| comes_after(row))
            .collect(),
    };
    threads.sort_by(|(a, _), (b, _)| a.newest_first(b));
    Ok(threads)
}

/// The live posts of one thread that pass the operators and hold every word.
fn scan_posts(
    row: &ThreadRow,
    file: &Thread,
    seqs: Option<&[u32]>,
    query: &Query,
    cx: &QueryContext<'_>,
    found: &mut impl FnMut(Found<'_>) -> ControlFlow<()>,
) -> ControlFlow<()> {
    let read_state = cx.read.and_then(|r| r.thread(&file.summary.id));
    let left_out: Vec<u32> = match cx.left_out {
        Some(left_out) if query.needs_read_state() || cx.count_unread => left_out(file),
        _ => Vec::new(),
    };
    for post in file.posts.iter().filter(|p| !p.deleted) {
        if seqs.is_some_and(|seqs| seqs.binary_search(&post.seq).is_err()) {
            continue;
        }
        let ruled_out = left_out.contains(&post.seq);
        let unread = !read_state.is_some_and(|s| s.is_read(post.seq)) && !ruled_out;
        let traits = PostTraits {
            author: &post.author.name,
            created_at: post.created_at,
            unread,
            bookmarked: cx.bookmarks.contains(&post.id),
            mine: cx
                .me
                .as_deref()
                .is_some_and(|me| me.eq_ignore_ascii_case(&post.author.name)),
        };
        if !query.admits_post(&traits, cx.now) {
            continue;
        }
        let text = normalized(&plain_text(&post.body), query);
        let lower = text.to_lowercase();
        if !query.words.iter().all(|w| lower.contains(w.as_str())) || query.excludes(&lower) {
            continue;
        }
        found(Found::Post {
            row,
            post,
            text: &text,
            lower: &lower,
            unread,
            left_out: ruled_out,
        })?;
    }
    ControlFlow::Continue(())
}

/// Whether `area` (the thread file's, or the index row's before the file is read)
/// passes the query's `area:`.
fn admits_area(query: &Query, cx: &QueryContext<'_>, area: &AreaId) -> bool {
    if query.areas.is_empty() {
        return true;
    }
    let title = cx
        .forum
        .and_then(|f| f.area(area))
        .map_or("", |(_, a)| a.title.as_str());
    query.areas.admits(&[area.as_str(), title])
}

/// `text` with its blanks made single spaces when the query has phrases (so "annual
/// report" finds "annual\nreport"); as it is otherwise.
fn normalized(text: &str, query: &Query) -> String {
    if query.has_phrases() {
        text.split_whitespace().collect::<Vec<_>>().join(" ")
    } else {
        text.to_owned()
    }
}

/// A thread holding hits of a query: what a saved-search folder lists.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MatchedThread {
    pub id: ThreadId,
    pub title: String,
    /// The newest post's time (nanoseconds since 1970), for the order.
    pub last_post_at: i64,
    /// Whether the title holds every word.
    pub title_hit: bool,
    /// The posts found, by `seq`.
    pub posts: Vec<u32>,
    /// How many of them are unread (as the tree counts them).
    pub unread: u32,
    /// Those of them a rule leaves out of the unread counts.
    pub left_out: Vec<u32>,
}

/// Every thread holding hits of `query`, newest first, with its posts found and how many
/// of them are unread (no limit, no snippets): a folder's list and count.
pub fn matching_threads(
    cache: &mut Cache,
    query: &Query,
    cx: &QueryContext<'_>,
) -> Result<Vec<MatchedThread>, StoreError> {
    let mut threads: Vec<MatchedThread> = Vec::new();
    scan(cache, query, cx, Reach::Every, |found| {
        let (row, seq, unread, left_out) = match found {
            Found::Title { row, .. } => (row, None, false, false),
            Found::Post {
                row,
                post,
                unread,
                left_out,
                ..
            } => (row, Some(post.seq), unread, left_out),
        };
        if threads.last().is_none_or(|t| t.id != row.id) {
            threads.push(MatchedThread {
                id: row.id.clone(),
                title: row.title.clone(),
                last_post_at: row.last_post_at,
                title_hit: false,
                posts: Vec::new(),
                unread: 0,
                left_out: Vec::new(),
            });
        }
        if let Some(thread) = threads.last_mut() {
            match seq {
                None => thread.title_hit = true,
                Some(seq) => {
                    thread.posts.push(seq);
                    thread.unread += u32::from(unread);
                    if left_out {
                        thread.left_out.push(seq);
                    }
                }
            }
        }
        ControlFlow::Continue(())
    })?;
    Ok(threads)
}
