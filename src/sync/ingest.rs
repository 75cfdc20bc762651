//! Applies pulled batches to the cache: posts merged into thread files by id and version,
//! summaries into the index, then the cursor — leaves before indexes, data before cursor.

use super::state::SyncState;
use crate::model::Thread;
use crate::model::{AreaId, Author, Post, SeqRange, ThreadId, ThreadSummary};
use crate::remote::PullBatch;
use crate::store::{Cache, StoreError};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::time::{Duration, Instant};

/// What one batch changed, for summaries and for the UI to reload.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct IngestReport {
    pub new_threads: usize,
    pub new_posts: usize,
    pub edited_posts: usize,
    /// Posts the server removed (deleted, hidden) that the cache held.
    pub removed_posts: usize,
    pub removed_threads: usize,
    pub tree_changed: bool,
    /// Threads whose file or summary changed.
    pub changed: BTreeSet<ThreadId>,
    /// Entities the server sent that could not be read, set aside (see the log).
    pub skipped: u32,
    /// New posts of the user's own (the server echoes `client_key` to its author only), by
    /// thread and `seq`: read by definition, never counted unread.
    pub own: BTreeMap<ThreadId, Vec<u32>>,
    /// Threads the server says were read, up to a `seq` (see [`PullBatch::read_through`]).
    pub read_through: Vec<(ThreadId, u32)>,
    /// The user's read markers as the server keeps them (see [`PullBatch::read_markers`]).
    pub read_markers: Vec<(ThreadId, crate::model::ReadMarker)>,
    /// The server's watch levels or bookmarks changed `places.json`.
    pub places_changed: bool,
    /// New unread inbox items the user has not been told of (each once, ever; none from
    /// an account's first sync), for the notification hook and the bell.
    pub inbox_news: Vec<crate::model::InboxItem>,
    /// The inbox changed (an item arrived or was read elsewhere).
    pub inbox_changed: bool,
    /// The thread the reader shows (the engine's focus) as this pull changed it: every
    /// change to that thread in this report, for the reader to apply in place.
    pub focused: Option<Box<FocusedChange>>,
}

/// The new and changed posts of one thread, as written to its file.
#[derive(Clone, Debug, PartialEq)]
pub struct FocusedChange {
    /// The thread's summary as written.
    pub summary: ThreadSummary,
    /// The posts that are new or changed, in `seq` order.
    pub posts: Vec<Post>,
}

impl FocusedChange {
    pub fn thread(&self) -> &ThreadId {
        &self.summary.id
    }

    /// `later`'s changes on top of these (same thread).
    fn merge(&mut self, later: FocusedChange) {
        self.summary = later.summary;
        for post in later.posts {
            match self.posts.iter_mut().find(|p| p.id == post.id) {
                Some(held) => *held = post,
                None => self.posts.push(post),
            }
        }
        self.posts.sort_by_key(|p| p.seq);
    }
}

impl IngestReport {
    pub fn absorb(&mut self, other: IngestReport) {
        self.new_threads += other.new_threads;
        self.new_posts += other.new_posts;
        self.edited_posts += other.edited_posts;
        self.removed_posts += other.removed_posts;
        self.removed_threads += other.removed_threads;
        self.tree_changed |= other.tree_changed;
        self.skipped = self.skipped.saturating_add(other.skipped);
        for (thread, seqs) in other.own {
            self.own.entry(thread).or_default().extend(seqs);
        }
        self.read_through.extend(other.read_through);
        self.read_markers.extend(other.read_markers);
        self.places_changed |= other.places_changed;
        self.inbox_news.extend(other.inbox_news);
        self.inbox_changed |= other.inbox_changed;
        // A focused change stands only while it holds every change to its thread.
        self.focused = match (self.focused.take(), other.focused) {
            (Some(mut mine), Some(later)) if mine.thread() == later.thread() => {
                mine.merge(*later);
                Some(mine)
            }
            (mine, later) => later
                .filter(|l| !self.changed.contains(l.thread()))
                .or(mine.filter(|m| !other.changed.contains(m.thread()))),
        };
        self.changed.extend(other.changed);
    }
}

/// The cache as the sync engine writes it: the index stays in memory between batches. It
/// is read with the first batch, not when the engine is made: the reader makes its engine
/// on its own loop right after the first frame, and at a million posts parsing the index
/// there froze the reader for tens of milliseconds.
#[derive(Debug)]
pub struct Ingest {
    cache: Cache,
    /// Whether `index` holds `index.json` yet.
    loaded: bool,
    index: Vec<ThreadSummary>,
    position: HashMap<ThreadId, usize>,
    /// The index changed since it was last written.
    index_unsaved: bool,
    /// When the index and the cursor were last written.
    saved_at: Option<Instant>,
    /// Threads new to the cache whose posts follow later in this pull
    /// ([`PullBatch::posts_follow`]): written once, with their posts, or as they are when
    /// the pull completes without them. Not in `index` meanwhile, so the index never
    /// lists a thread without a file; the cursor brings them again after a crash.
    deferred: HashMap<ThreadId, ThreadSummary>,
    /// The thread the reader shows: its changes go into [`IngestReport::focused`].
    focus: Option<ThreadId>,
}

/// During a long pull the index and the cursor are written at most this often (and when
/// the pull completes): rewriting a 5,000-thread index after every batch of 128 threads
/// would cost more than the threads themselves. A crash in between only means those
/// batches are pulled again; their thread files, already written, are taken back into
/// the index then.
const SAVE_EVERY: Duration = Duration::from_secs(2);

impl Ingest {
    pub fn open(cache: Cache) -> Result<Self, StoreError> {
        Ok(Self {
            cache,
            loaded: false,
            index: Vec::new(),
            position: HashMap::new(),
            index_unsaved: false,
            saved_at: None,
            deferred: HashMap::new(),
            focus: None,
        })
    }

    /// Reads the index, once.
    fn load(&mut self) -> Result<(), StoreError> {
        if !self.loaded {
            self.index = self.cache.load_index()?;
            self.position = positions(&self.index);
            self.loaded = true;
        }
        Ok(())
    }

    /// The thread the reader shows, whose changes each report carries in full.
    pub fn set_focus(&mut self, thread: Option<ThreadId>) {
        self.focus = thread;
    }

    pub fn cache_mut(&mut self) -> &mut Cache {
        &mut self.cache
    }

    /// The index as held (empty until the first batch).
    pub fn index(&self) -> &[ThreadSummary] {
        &self.index
    }

    /// Writes one batch: tree and thread files now; the index, then the cursor in `state`,
    /// when the batch completes the pull or the last write is [`SAVE_EVERY`] old.
    pub fn apply(
        &mut self,
        batch: PullBatch,
        state: &mut SyncState,
    ) -> Result<IngestReport, StoreError> {
        self.load()?;
        let mut report = IngestReport {
            skipped: batch.skipped,
            read_through: batch.read_through,
            read_markers: batch.read_markers,
            ..IngestReport::default()
        };
        if let Some(forum) = batch.forum {
            let current = self.cache.load_forum()?;
            if current.as_ref() != Some(&forum) {
                self.cache.save_forum(&forum)?;
                report.tree_changed = true;
            }
        }

        if batch.restarted {
            state.snapshot_seen = Some(BTreeSet::new());
            self.deferred.clear();
        }

        let mut posts_by_thread: BTreeMap<ThreadId, Vec<Post>> = BTreeMap::new();
        for post in batch.posts {
            posts_by_thread
                .entry(post.thread.clone())
                .or_default()
                .push(post);
        }
        let mut summaries: BTreeMap<ThreadId, ThreadSummary> = batch
            .threads
            .into_iter()
            .map(|t| (t.id.clone(), t))
            .collect();
        let mut missing: BTreeMap<ThreadId, Vec<SeqRange>> = batch.missing.into_iter().collect();
        let touched: BTreeSet<ThreadId> = summaries
            .keys()
            .chain(posts_by_thread.keys())
            .chain(missing.keys())
            .cloned()
            .collect();

        // The batch's thread files are written together: one search index transaction
        // for all of them.
        let mut writes = Vec::new();
        for id in touched {
            let incoming = Incoming {
                summary: summaries.remove(&id),
                posts: posts_by_thread.remove(&id).unwrap_or_default(),
                missing: missing.remove(&id),
            };
            let incoming = self.defer(&id, incoming, batch.posts_follow);
            if let Some(incoming) = incoming
                && let Some(thread) = self.apply_thread(&id, incoming, &mut report)?
            {
                writes.push(thread);
            }
            if let Some(seen) = state.snapshot_seen.as_mut() {
                seen.insert(id);
            }
        }
        if batch.complete {
            // Listed threads whose posts never came (their fetch was set aside): written
            // as listed.
            let mut left: Vec<ThreadId> = self.deferred.keys().cloned().collect();
            left.sort();
            for id in left {
                let incoming = Incoming {
                    summary: self.deferred.remove(&id),
                    posts: Vec::new(),
                    missing: None,
                };
                if let Some(thread) = self.apply_thread(&id, incoming, &mut report)? {
                    writes.push(thread);
                }
            }
        }
        self.cache.save_threads(&writes)?;

        for id in &batch.removed_threads {
            self.remove_thread(id, &mut report)?;
        }
        if batch.complete
            && let Some(seen) = state.snapshot_seen.take()
        {
            let gone: Vec<ThreadId> = self
                .index
                .iter()
                .filter(|t| !seen.contains(&t.id))
                .map(|t| t.id.clone())
                .collect();
            for id in &gone {
                self.remove_thread(id, &mut report)?;
            }
        }

        self.index_unsaved |= !report.changed.is_empty() || report.removed_threads > 0;
        state.cursor = Some(batch.cursor);
        if batch.complete || self.saved_at.is_none_or(|at| at.elapsed() >= SAVE_EVERY) {
            self.save(state)?;
        }
        Ok(report)
    }

    /// Writes the index (when it changed) and then the cursor: everything applied so far
    /// is on disk after this.
    pub fn save(&mut self, state: &SyncState) -> Result<(), StoreError> {
        if self.index_unsaved {
            self.index
                .sort_by_key(|t| std::cmp::Reverse(t.last_post_at));
            self.position = positions(&self.index);
            self.cache.save_index(&self.index)?;
            self.index_unsaved = false;
        }
        state.save(self.cache.dir())?;
        self.saved_at = Some(Instant::now());
        Ok(())
    }

    /// Holds back a thread new to the cache that this batch lists without posts when
    /// its posts follow (see [`Self::deferred`]); `None` when it is held.
    fn defer(&mut self, id: &ThreadId, incoming: Incoming, posts_follow: bool) -> Option<Incoming> {
        let held = self.deferred.contains_key(id);
        if !incoming.posts.is_empty() || self.position.contains_key(id) || !(posts_follow || held) {
            return Some(incoming);
        }
        let Incoming {
            summary, missing, ..
        } = incoming;
        let Some(mut summary) = summary.or_else(|| self.deferred.remove(id)) else {
            return None; // what is missing of a thread we do not have: nothing to say
        };
        if let Some(missing) = missing {
            summary.missing = missing.into();
        }
        self.deferred.insert(id.clone(), summary);
        None
    }

    fn apply_thread(
        &mut self,
        id: &ThreadId,
        incoming: Incoming,
        report: &mut IngestReport,
    ) -> Result<Option<Thread>, StoreError> {
        let Incoming {
            summary: incoming_summary,
            posts: incoming_posts,
            missing: incoming_missing,
        } = incoming;
        // A thread held back comes with its posts now: the listing is its summary unless
        // the batch brings a newer one.
        let incoming_summary = incoming_summary.or_else(|| self.deferred.remove(id));
        self.deferred.remove(id);
        let known = self.position.get(id).copied();
        if known.is_none() && incoming_summary.is_none() && incoming_posts.is_empty() {
            return Ok(None); // what is missing of a thread we do not have: nothing to say
        }
        let existing = if known.is_some() || !incoming_posts.is_empty() {
            self.cache.load_thread(id)?
        } else {
            None
        };
        let (mut summary, mut posts) = match existing {
            Some(file) => (Some(file.summary), file.posts),
            None => (known.map(|i| self.index[i].clone()), Vec::new()),
        };
        // A thread file the index does not list (written just before a crash) is listed now.
        let mut changed = known.is_none();
        if let Some(incoming) = incoming_summary
            && summary.as_ref() != Some(&incoming)
        {
            summary = Some(incoming);
            changed = true;
        }
        if let (Some(missing), Some(summary)) = (incoming_missing, summary.as_mut())
            && summary.missing != missing
        {
            summary.missing = missing.into();
            changed = true;
        }

        let mut by_id: HashMap<crate::model::PostId, usize> = posts
            .iter()
            .enumerate()
            .map(|(i, p)| (p.id.clone(), i))
            .collect();
        let focused = self.focus.as_ref() == Some(id);
        let mut touched_posts = Vec::new();
        for post in incoming_posts {
            match by_id.get(&post.id) {
                Some(&i) if posts[i] == post || stale(&posts[i], &post) => {}
                Some(&i) => {
                    if post.deleted && !posts[i].deleted {
                        report.removed_posts += 1;
                    } else {
                        report.edited_posts += 1;
                    }
                    if focused {
                        touched_posts.push(post.id.clone());
                    }
                    posts[i] = post;
                    changed = true;
                }
                None => {
                    if post.client_key.is_some() {
                        report.own.entry(id.clone()).or_default().push(post.seq);
                    }
                    if focused {
                        touched_posts.push(post.id.clone());
                    }
                    by_id.insert(post.id.clone(), posts.len());
                    posts.push(post);
                    report.new_posts += 1;
                    changed = true;
                }
            }
        }
        if !changed {
            return Ok(None);
        }
        posts.sort_by_key(|p| p.seq);
        let summary = reconcile(summary.unwrap_or_else(|| placeholder(id, &posts)), &posts);
        if focused {
            let touched: std::collections::HashSet<&crate::model::PostId> =
                touched_posts.iter().collect();
            report.focused = Some(Box::new(FocusedChange {
                summary: summary.clone(),
                posts: posts
                    .iter()
                    .filter(|p| touched.contains(&p.id))
                    .cloned()
                    .collect(),
            }));
        }
        if let Some(i) = known {
            self.index[i] = summary.clone();
        } else {
            self.position.insert(id.clone(), self.index.len());
            self.index.push(summary.clone());
            report.new_threads += 1;
        }
        report.changed.insert(id.clone());
        Ok(Some(Thread::new(summary, posts)))
    }

    fn remove_thread(
        &mut self,
        id: &ThreadId,
        report: &mut IngestReport,
    ) -> Result<(), StoreError> {
        let Some(i) = self.position.remove(id) else {
            return Ok(());
        };
        self.index.remove(i);
        self.position = positions(&self.index);
        self.cache.remove_thread(id)?;
        if report.focused.as_ref().is_some_and(|f| f.thread() == id) {
            report.focused = None;
        }
        report.removed_threads += 1;
        report.changed.insert(id.clone());
        Ok(())
    }
}

/// What one batch brings for one thread.
struct Incoming {
    summary: Option<ThreadSummary>,
    posts: Vec<Post>,
    missing: Option<Vec<SeqRange>>,
}

/// Is `incoming` older than the cached copy? A live copy with a lower `version` is (the
/// native changes feed may deliver an entity again). A tombstone never is: a server
/// removing a post does not always raise its version — Discourse's tombstones for posts
/// that left `post_stream.stream` carry none (0), and a hidden post is served with
/// `version: 1` to everyone but staff (`PostSerializer#version`) — and what the forum
/// removed must leave the cache. Edits that keep their version (Discourse's grace-period
/// edits) differ from the cached copy and so replace it.
fn stale(cached: &Post, incoming: &Post) -> bool {
    !incoming.deleted && cached.version > incoming.version
}

fn positions(index: &[ThreadSummary]) -> HashMap<ThreadId, usize> {
    index
        .iter()
        .enumerate()
        .map(|(i, t)| (t.id.clone(), i))
        .collect()
}

/// Counts the summary must agree with its posts on (a summary can lag behind the posts
/// pulled with it).
fn reconcile(mut summary: ThreadSummary, posts: &[Post]) -> ThreadSummary {
    if let Some(last) = posts.iter().map(|p| p.seq).max() {
        summary.last_seq = summary.last_seq.max(last);
        summary.post_count = summary.post_count.max(last);
    }
    if let Some(latest) = posts
        .iter()
        .filter(|p| !p.deleted)
        .map(|p| p.created_at)
        .max()
    {
        summary.last_post_at = summary.last_post_at.max(latest);
    }
    summary
}

/// A summary for posts whose thread was not described yet; replaced when it is.
fn placeholder(id: &ThreadId, posts: &[Post]) -> ThreadSummary {
    let first = posts.first();
    let created = first.map_or(jiff::Timestamp::UNIX_EPOCH, |p| p.created_at);
    ThreadSummary {
        id: id.clone(),
        area: AreaId::new(""),
        title: format!("thread {id}").into(),
        author: first.map_or_else(Author::default, |p| p.author.clone()),
        created_at: created,
        last_post_at: created,
        post_count: 0,
        last_seq: 0,
        pinned: false,
        locked: false,
        missing: thin_vec::ThinVec::new(),
        small_actions: thin_vec::ThinVec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Body, PostId};
    use crate::store::DataDir;
    use jiff::Timestamp;

    fn summary(id: &str, last_seq: u32) -> ThreadSummary {
        ThreadSummary {
            id: ThreadId::new(id),
            area: AreaId::new("a"),
            title: format!("Thread {id}").into(),
            author: Author::new("ann"),
            created_at: Timestamp::from_second(100).unwrap(),
            last_post_at: Timestamp::from_second(100).unwrap(),
            post_count: last_seq,
            last_seq,
            pinned: false,
            locked: false,
            missing: thin_vec::ThinVec::new(),
            small_actions: thin_vec::ThinVec::new(),
        }
    }

    fn post(thread: &str, seq: u32, version: u64, text: &str) -> Post {
        Post {
            id: PostId::new(format!("{thread}-{seq}")),
            thread: ThreadId::new(thread),
            seq,
            reply_to: None,
            author: Author::new("ann"),
            created_at: Timestamp::from_second(100 + i64::from(seq)).unwrap(),
            edited_at: None,
            body: Body::markdown(text),
            deleted: false,
            removed: false,
            score: None,
            version,
            client_key: None,
            reactions: crate::model::Reactions::default(),
        }
    }

    fn batch(threads: Vec<ThreadSummary>, posts: Vec<Post>, cursor: &str) -> PullBatch {
        PullBatch {
            threads,
            posts,
            cursor: serde_json::json!(cursor),
            complete: true,
            ..PullBatch::default()
        }
    }

    fn open(data: &std::path::Path) -> Ingest {
        Ingest::open(Cache::open(DataDir::new(data).account("a"))).unwrap()
    }

    #[test]
    fn posts_merge_by_id_and_version_and_the_cursor_follows_the_data() {
        let data = tempfile::tempdir().unwrap();
        let mut ingest = open(data.path());
        let mut state = SyncState::default();
        let report = ingest
            .apply(
                batch(
                    vec![summary("t", 2)],
                    vec![post("t", 2, 1, "two"), post("t", 1, 1, "one")],
                    "c1",
                ),
                &mut state,
            )
            .unwrap();
        assert_eq!((report.new_threads, report.new_posts), (1, 2));

        let report = ingest
            .apply(
                batch(
                    vec![],
                    vec![
                        post("t", 1, 2, "one, edited"),
                        post("t", 2, 0, "stale"),
                        post("t", 3, 1, "three"),
                    ],
                    "c2",
                ),
                &mut state,
            )
            .unwrap();
        assert_eq!((report.new_posts, report.edited_posts), (1, 1));

        let mut cache = Cache::open(DataDir::new(data.path()).account("a"));
        let file = cache.load_thread(&ThreadId::new("t")).unwrap().unwrap();
        let texts: Vec<&str> = file.posts.iter().map(|p| p.body.text.as_str()).collect();
        assert_eq!(texts, ["one, edited", "two", "three"]);
        assert_eq!(file.summary.last_seq, 3, "the summary follows its posts");
        assert_eq!(cache.load_index().unwrap()[0].last_seq, 3);
        let (saved, _) = SyncState::load(cache.dir()).unwrap();
        assert_eq!(saved.cursor, Some(serde_json::json!("c2")));
    }

    #[test]
    fn removals_apply_whatever_their_version_and_same_version_edits_replace() {
        let data = tempfile::tempdir().unwrap();
        let mut ingest = open(data.path());
        let mut state = SyncState::default();
        let posts = vec![
            post("t", 1, 1, "one"),
            post("t", 2, 3, "two, edited twice"),
            post("t", 3, 2, "three, edited once"),
        ];
        ingest
            .apply(batch(vec![summary("t", 3)], posts, "c1"), &mut state)
            .unwrap();

        // Discourse: #2 left the stream (a tombstone with version 0), #3 was hidden by
        // flags (version 1 for non-staff), #1 was edited within the grace period (same
        // version, new text).
        let mut gone = post("t", 2, 0, "");
        gone.deleted = true;
        let mut hidden = post("t", 3, 1, "");
        hidden.deleted = true;
        let report = ingest
            .apply(
                batch(
                    vec![],
                    vec![gone, hidden, post("t", 1, 1, "one, fixed a typo")],
                    "c2",
                ),
                &mut state,
            )
            .unwrap();
        assert_eq!((report.removed_posts, report.edited_posts), (2, 1));

        let mut cache = Cache::open(DataDir::new(data.path()).account("a"));
        let file = cache.load_thread(&ThreadId::new("t")).unwrap().unwrap();
        let shown: Vec<(bool, &str)> = file
            .posts
            .iter()
            .map(|p| (p.deleted, p.body.text.as_str()))
            .collect();
        assert_eq!(
            shown,
            [(false, "one, fixed a typo"), (true, ""), (true, "")],
            "nothing the forum removed is left in the cache"
        );

        // A stale live copy (lower version) still does not replace a newer one.
        let report = ingest
            .apply(
                batch(vec![], vec![post("t", 1, 0, "older")], "c3"),
                &mut state,
            )
            .unwrap();
        assert_eq!(report.edited_posts, 0);
    }

    #[test]
    fn a_thread_file_written_before_a_crash_is_listed_when_its_batch_comes_again() {
        let data = tempfile::tempdir().unwrap();
        let dir = DataDir::new(data.path()).account("a");
        let cache = Cache::open(dir.clone());
        // The crash came after the thread file and before the index that lists it.
        cache
            .save_thread(&Thread::new(summary("t", 1), vec![post("t", 1, 1, "one")]))
            .unwrap();
        cache.save_index(&[]).unwrap();
        let mut ingest = open(data.path());
        assert!(ingest.index().is_empty());
        let report = ingest
            .apply(
                batch(vec![summary("t", 1)], vec![post("t", 1, 1, "one")], "c1"),
                &mut SyncState::default(),
            )
            .unwrap();
        assert_eq!(report.new_threads, 1);
        let listed = Cache::open(dir).load_index().unwrap();
        let ids: Vec<&str> = listed.iter().map(|t| t.id.as_str()).collect();
        assert_eq!(ids, ["t"]);
    }

    #[test]
    fn a_listed_thread_is_written_once_with_its_posts_and_one_never_fetched_at_the_end() {
        let data = tempfile::tempdir().unwrap();
        let dir = DataDir::new(data.path()).account("a");
        let mut ingest = open(data.path());
        let mut state = SyncState::default();
        let mut listing = batch(vec![summary("t", 2), summary("u", 1)], vec![], "l1");
        listing.posts_follow = true;
        listing.complete = false;
        let report = ingest.apply(listing, &mut state).unwrap();
        assert!(report.changed.is_empty(), "{report:?}");
        assert!(!dir.thread("t").exists(), "no empty file before the posts");
        assert!(
            ingest.index().is_empty(),
            "the index lists only threads with a file"
        );

        // The posts come without the summary: the listing's is used.
        let mut posts = batch(
            vec![],
            vec![post("t", 1, 1, "one"), post("t", 2, 1, "two")],
            "p1",
        );
        posts.complete = false;
        let report = ingest.apply(posts, &mut state).unwrap();
        assert_eq!((report.new_threads, report.new_posts), (1, 2));
        let mut cache = Cache::open(dir.clone());
        let file = cache.load_thread(&ThreadId::new("t")).unwrap().unwrap();
        assert_eq!(&*file.summary.title, "Thread t");
        assert_eq!(file.posts.len(), 2);
        assert!(!dir.thread("u").exists());

        // `u`'s posts never came: the pull's end writes it as listed.
        let report = ingest
            .apply(batch(vec![], vec![], "c"), &mut state)
            .unwrap();
        assert_eq!(report.new_threads, 1);
        assert!(report.changed.contains(&ThreadId::new("u")));
        let file = cache.load_thread(&ThreadId::new("u")).unwrap().unwrap();
        assert!(file.posts.is_empty());
        let ids: BTreeSet<String> = Cache::open(dir)
            .load_index()
            .unwrap()
            .into_iter()
            .map(|t| t.id.as_str().to_owned())
            .collect();
        assert_eq!(ids, ["t".to_owned(), "u".to_owned()].into());
    }

    #[test]
    fn the_focused_threads_new_and_changed_posts_come_with_the_report() {
        let data = tempfile::tempdir().unwrap();
        let mut ingest = open(data.path());
        let mut state = SyncState::default();
        ingest
            .apply(
                batch(
                    vec![summary("t", 2), summary("o", 1)],
                    vec![
                        post("t", 1, 1, "one"),
                        post("t", 2, 1, "two"),
                        post("o", 1, 1, "x"),
                    ],
                    "c1",
                ),
                &mut state,
            )
            .unwrap();
        ingest.set_focus(Some(ThreadId::new("t")));
        let mut report = ingest
            .apply(
                batch(
                    vec![],
                    vec![post("t", 3, 1, "three"), post("o", 2, 1, "y")],
                    "c2",
                ),
                &mut state,
            )
            .unwrap();
        let later = ingest
            .apply(
                batch(
                    vec![],
                    vec![post("t", 1, 2, "one, edited"), post("t", 2, 1, "two")],
                    "c3",
                ),
                &mut state,
            )
            .unwrap();
        report.absorb(later);
        let focused = report.focused.expect("the focused thread's changes");
        assert_eq!(focused.thread().as_str(), "t");
        let texts: Vec<&str> = focused.posts.iter().map(|p| p.body.text.as_str()).collect();
        assert_eq!(
            texts,
            ["one, edited", "three"],
            "only what changed, in seq order"
        );
        assert_eq!(focused.summary.last_seq, 3);

        // A change made while another thread had the focus: the report cannot stand for
        // all of the thread's changes, so it carries none.
        ingest.set_focus(Some(ThreadId::new("o")));
        let mut report = ingest
            .apply(
                batch(vec![], vec![post("t", 4, 1, "four")], "c4"),
                &mut state,
            )
            .unwrap();
        ingest.set_focus(Some(ThreadId::new("t")));
        let later = ingest
            .apply(
                batch(vec![], vec![post("t", 5, 1, "five")], "c5"),
                &mut state,
            )
            .unwrap();
        report.absorb(later);
        assert_eq!(report.focused, None);
    }

    #[test]
    fn a_completed_fresh_snapshot_drops_threads_the_server_no_longer_has() {
        let data = tempfile::tempdir().unwrap();
        let mut ingest = open(data.path());
        let mut state = SyncState::default();
        ingest
            .apply(
                batch(
                    vec![summary("keep", 1), summary("gone", 1)],
                    vec![post("keep", 1, 1, "k"), post("gone", 1, 1, "g")],
                    "c1",
                ),
                &mut state,
            )
            .unwrap();
        let mut first = batch(vec![summary("keep", 1)], vec![], "s1");
        first.restarted = true;
        first.complete = false;
        ingest.apply(first, &mut state).unwrap();
        assert_eq!(ingest.index().len(), 2, "nothing removed mid-snapshot");
        let report = ingest
            .apply(batch(vec![], vec![], "s2"), &mut state)
            .unwrap();
        assert_eq!(report.removed_threads, 1);
        let ids: Vec<&str> = ingest.index().iter().map(|t| t.id.as_str()).collect();
        assert_eq!(ids, ["keep"]);
        assert!(
            !DataDir::new(data.path())
                .account("a")
                .thread("gone")
                .exists()
        );
    }

    /// Making the engine reads no index: a damaged one is found (and set aside, then
    /// rebuilt from the thread files) only when the first batch comes.
    #[test]
    fn the_index_is_read_with_the_first_batch_not_when_the_engine_is_made() {
        let data = tempfile::tempdir().unwrap();
        let dir = DataDir::new(data.path()).account("a");
        let cache = Cache::open(dir.clone());
        cache
            .save_thread(&Thread::new(summary("t", 1), vec![post("t", 1, 1, "one")]))
            .unwrap();
        std::fs::write(dir.index(), b"{ not json").unwrap();
        let set_aside = |dir: &crate::store::AccountDir| {
            std::fs::read_dir(dir.root())
                .unwrap()
                .filter(|e| {
                    e.as_ref()
                        .unwrap()
                        .file_name()
                        .to_string_lossy()
                        .starts_with("index.json.corrupt-")
                })
                .count()
        };
        let mut ingest = open(data.path());
        assert_eq!(set_aside(&dir), 0, "the index was not read");
        ingest
            .apply(batch(vec![], vec![], "c1"), &mut SyncState::default())
            .unwrap();
        assert_eq!(set_aside(&dir), 1, "the first batch read it");
        let ids: Vec<&str> = ingest.index().iter().map(|t| t.id.as_str()).collect();
        assert_eq!(ids, ["t"], "rebuilt from the thread files");
    }
}
