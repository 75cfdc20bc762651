//! The API v1 backend (`threadmark serve` and compatible servers).
//!
//! First sync: the changes cursor is taken first (`since=now`), then the tree, every
//! area's threads and every thread's posts are fetched as a snapshot; after that the
//! changes feed brings what happened since that cursor. `410 cursor_expired` starts a
//! fresh snapshot. Writes carry the outbox entry's key as `Idempotency-Key`, so a retry
//! after any failure is safe.

use super::http::{Answer, HttpClient, RemoteError, retry_after};
use super::id_queue::IdQueue;
use super::lenient::{Lenient, sort_out};
use super::{Backend, Cursor, PullBatch, ServerState, Submitted, SyncLimits, clean};
use crate::api::{self, headers};
use crate::model::{self, OutboxEntry, Post, Target, ThreadId};
use crate::store::Secret;
use crate::text::sanitize::{clean, clean_line};
use futures::StreamExt;
use reqwest::Method;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet, VecDeque};
use std::fmt::Write as _;
use std::time::Duration;

/// Posts per page asked for (the server may cap it lower).
const PAGE_SIZE: u32 = 1000;
/// Threads whose posts are fetched in one snapshot batch. A batch has costs of its own
/// (transactions, the search index's merging, the writer's threads): asked for a thread
/// a request, 128 threads pulled a million posts in about 7% less time than 64 did and
/// 256 no faster; asked for many threads a request, 256 took about 3% less time than
/// 128, and 512 no less.
const THREADS_PER_BATCH: usize = 256;
/// Requests for one thread each (servers without [`POSTS_OF_THREADS`]) at once.
const CONCURRENT_FETCHES: usize = 8;
/// Threads named in a request for several (with [`POSTS_OF_THREADS`]), and how many
/// such requests at once. Two at a time keep both sides busy (eight were no faster);
/// small ones keep a server's work on each short, which on a machine that also serves
/// the forum leaves the reader a core sooner.
const THREADS_PER_REQUEST: usize = 16;
const CONCURRENT_BATCHES: usize = 2;
/// The capability (in `/status`) of answering `GET /posts?thread=…`: several threads'
/// posts in one request. Without it, each thread is asked for on its own.
const POSTS_OF_THREADS: &str = "posts_of_threads";

/// Where a native pull stands (stored as the opaque cursor).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
struct NativeCursor {
    /// The changes-feed cursor; `None` before the first sync.
    #[serde(default)]
    changes: Option<String>,
    /// A snapshot in progress.
    #[serde(default)]
    snapshot: Option<Snapshot>,
    /// The tree's `ETag`: a catch-up revalidates the tree with it (304 when unchanged).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    tree_etag: Option<String>,
    /// The post limits the cached tree carries: when `/status` says otherwise, the tree
    /// is fetched again whatever its `ETag`.
    #[serde(default, skip_serializing_if = "model::PostLimits::is_unknown")]
    post_limits: model::PostLimits,
}

/// `GET /changes` as read by the client: entity by entity (see [`Lenient`]).
#[derive(Deserialize)]
struct ChangesIn {
    changes: Vec<Lenient<api::Change>>,
    next_cursor: String,
    #[serde(default)]
    has_more: bool,
}

/// `GET /areas/{id}/threads` as read by the client.
#[derive(Deserialize)]
struct ThreadPageIn {
    threads: Vec<Lenient<api::Thread>>,
    #[serde(default)]
    next_cursor: Option<String>,
}

/// `GET /threads/{id}/posts` as read by the client; `PostPageIn<api::Thread, api::Post>`
/// is the page read whole.
#[derive(Deserialize)]
struct PostPageIn<T = Lenient<api::Thread>, P = Lenient<api::Post>> {
    thread: T,
    posts: Vec<P>,
    #[serde(default)]
    has_more: bool,
}

impl PostPageIn {
    /// Reads a page whole when every entity in it reads, which is nearly always and
    /// takes one pass over the text; entity by entity (see [`Lenient`]) when one does
    /// not, or when the answer is an error.
    fn decode(answer: &Answer) -> Result<Self, RemoteError> {
        if answer.status.is_success()
            && let Some(page) = read_whole::<PostPageIn<api::Thread, api::Post>>(&answer.body)
        {
            return Ok(page.into());
        }
        decode(answer)
    }

    /// The id of the thread this page is of, as sent.
    fn thread_id(&self) -> Option<&str> {
        match &self.thread {
            Lenient::Good(thread) => Some(&thread.id),
            Lenient::Bad { raw, .. } => raw.get("id").and_then(serde_json::Value::as_str),
        }
    }
}

impl From<PostPageIn<api::Thread, api::Post>> for PostPageIn {
    fn from(page: PostPageIn<api::Thread, api::Post>) -> Self {
        Self {
            thread: Lenient::Good(page.thread),
            posts: page.posts.into_iter().map(Lenient::Good).collect(),
            has_more: page.has_more,
        }
    }
}

/// A page of posts read whole, or `None` when any of it does not read. The text is
/// checked to be UTF-8 once, whole, with SIMD: checking it string by string as it is
/// read was a fifth of the time spent decoding.
fn read_whole<T: DeserializeOwned>(body: &[u8]) -> Option<T> {
    serde_json::from_str(simdutf8::basic::from_utf8(body).ok()?).ok()
}

/// `GET /posts?thread=…` as read by the client: whole when it reads, else page by page
/// and entity by entity, as [`PostPageIn::decode`].
#[derive(Deserialize)]
struct PostPagesIn<T = Lenient<api::Thread>, P = Lenient<api::Post>> {
    pages: Vec<PostPageIn<T, P>>,
    #[serde(default)]
    missing: Vec<String>,
}

impl PostPagesIn {
    fn decode(answer: &Answer) -> Result<Self, RemoteError> {
        if answer.status.is_success()
            && let Some(whole) = read_whole::<PostPagesIn<api::Thread, api::Post>>(&answer.body)
        {
            return Ok(Self {
                pages: whole.pages.into_iter().map(PostPageIn::from).collect(),
                missing: whole.missing,
            });
        }
        decode(answer)
    }
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
struct Snapshot {
    /// Areas whose thread lists are still to be read, the first one from `area_cursor`.
    areas: VecDeque<String>,
    #[serde(default)]
    area_cursor: Option<String>,
    /// Threads whose posts are still to be read.
    threads: IdQueue,
    #[serde(default)]
    threads_done: u64,
    #[serde(default)]
    threads_total: u64,
    /// Threads listed so far in the area being listed (bounded by
    /// [`SyncLimits::threads_per_area`]).
    #[serde(default)]
    area_threads: u64,
}

/// A client of one API v1 server.
#[derive(Debug)]
pub struct NativeBackend {
    http: HttpClient,
    token: Option<Secret>,
    state: ServerState,
    long_poll: Option<Duration>,
    limits: SyncLimits,
    /// What `/status` last said a post may hold; the tree carries it to the cache.
    post_limits: model::PostLimits,
    /// Read marks go to the server (`read_sync`, on unless the account turns it off).
    read_sync: bool,
    /// `/status` listed [`POSTS_OF_THREADS`]: a snapshot asks for threads' posts in
    /// batches rather than one thread per request.
    posts_of_threads: bool,
}

impl NativeBackend {
    /// A backend for the server at `base` (e.g. `http://127.0.0.1:7878`), with a bearer
    /// token when logged in.
    pub fn new(http: HttpClient, token: Option<Secret>) -> Self {
        Self {
            http,
            token,
            state: ServerState::default(),
            long_poll: None,
            limits: SyncLimits::default(),
            post_limits: model::PostLimits::default(),
            read_sync: true,
            posts_of_threads: false,
        }
    }

    /// `read_sync = false`: nothing about what the user reads is sent.
    #[must_use]
    pub fn with_read_sync(mut self, on: bool) -> Self {
        self.read_sync = on;
        self
    }

    /// Holds a hostile or broken server to `limits`.
    #[must_use]
    pub fn with_limits(mut self, limits: SyncLimits) -> Self {
        self.limits = limits;
        self
    }

    /// A protocol error naming this server.
    fn misbehaved(&self, what: &str) -> RemoteError {
        RemoteError::Protocol(format!("{} {what}", self.http.base()))
    }

    /// With a login, the tree starts with the Messages area, where private messages (threads
    /// in no area) are listed.
    fn add_messages(&self, forum: &mut model::Forum) {
        if self.token.is_some() {
            model::with_messages(forum);
        }
    }

    /// Trades a user name and password for a long-lived token (`POST /tokens`).
    pub async fn login(
        &mut self,
        name: &str,
        password: &str,
        device: Option<String>,
        invite: Option<String>,
    ) -> Result<(Secret, api::User), RemoteError> {
        let body = api::TokenRequest {
            name: name.to_owned(),
            password: password.to_owned(),
            device,
            invite,
        };
        self.grant("/tokens", &body).await
    }

    /// Joins a forum open to registration (`POST /register`) as `name` with a new
    /// password; the answer is a token like a login's.
    pub async fn register(
        &mut self,
        name: &str,
        password: &str,
        device: Option<String>,
    ) -> Result<(Secret, api::User), RemoteError> {
        let body = api::TokenRequest {
            name: name.to_owned(),
            password: password.to_owned(),
            device,
            invite: None,
        };
        self.grant("/register", &body).await
    }

    async fn grant(
        &mut self,
        to: &str,
        body: &api::TokenRequest,
    ) -> Result<(Secret, api::User), RemoteError> {
        let request = self.http.request(Method::POST, &path(to)).json(body);
        let grant: api::TokenGrant = self.call(request).await?;
        Ok((Secret::new(grant.token), grant.user))
    }

    /// The user the token belongs to (`GET /me`): checks a token before it is stored.
    pub async fn whoami(&mut self) -> Result<api::User, RemoteError> {
        let request = self.http.request(Method::GET, &path("/me"));
        self.call(request).await
    }

    fn authorized(&self, request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match &self.token {
            Some(token) => request.bearer_auth(token.expose()),
            None => request,
        }
    }

    /// Sends a request and decodes a 2xx JSON answer; anything else becomes a
    /// [`RemoteError`]. The `Forum-Mode` header of every answer updates the state.
    async fn call<T: DeserializeOwned>(
        &mut self,
        request: reqwest::RequestBuilder,
    ) -> Result<T, RemoteError> {
        let answer = self.http.send(self.authorized(request)).await?;
        observe(&mut self.state, &answer);
        decode(&answer)
    }

    async fn snapshot_start(&mut self) -> Result<PullBatch, RemoteError> {
        // The cursor first: whatever changes while the snapshot runs is replayed after it.
        let changes: api::ChangesPage = self
            .call(
                self.http
                    .request(Method::GET, &path("/changes"))
                    .query(&[("since", api::SINCE_NOW), ("limit", "1")]),
            )
            .await?;
        let (forum, tree_etag) = self
            .fetch_tree(None)
            .await?
            .ok_or_else(|| RemoteError::Protocol("the tree answered 304 unasked".into()))?;
        let areas: VecDeque<String> = forum
            .sections
            .iter()
            .flat_map(|s| s.areas.iter())
            .filter(|a| !model::is_messages_area(&a.id))
            .map(|a| a.id.0.to_string())
            .collect();
        let cursor = NativeCursor {
            changes: Some(changes.next_cursor),
            snapshot: Some(Snapshot {
                areas,
                ..Snapshot::default()
            }),
            tree_etag,
            post_limits: self.post_limits,
        };
        Ok(PullBatch {
            forum: Some(forum),
            cursor: to_cursor(&cursor),
            restarted: true,
            complete: false,
            ..PullBatch::default()
        })
    }

    /// The forum tree, or `None` when it still matches `etag` (304).
    async fn fetch_tree(
        &mut self,
        etag: Option<&str>,
    ) -> Result<Option<(model::Forum, Option<String>)>, RemoteError> {
        let mut request = self.http.request(Method::GET, &path("/tree"));
        if let Some(etag) = etag {
            request = request.header(headers::IF_NONE_MATCH, etag);
        }
        let answer = self.http.send(self.authorized(request)).await?;
        observe(&mut self.state, &answer);
        if answer.status == reqwest::StatusCode::NOT_MODIFIED {
            return Ok(None);
        }
        let tree: api::Tree = decode(&answer)?;
        let etag = answer
            .headers
            .get(headers::ETAG)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let mut forum = clean::forum(model::Forum::from(tree));
        forum.limits = self.post_limits;
        self.add_messages(&mut forum);
        Ok(Some((forum, etag)))
    }

    async fn snapshot_step(&mut self, mut cursor: NativeCursor) -> Result<PullBatch, RemoteError> {
        let Some(snapshot) = cursor.snapshot.as_mut() else {
            return self.changes_step(cursor).await;
        };
        let mut batch = PullBatch::default();
        if let Some(area) = snapshot.areas.front().cloned() {
            let mut query = vec![("limit", PAGE_SIZE.to_string())];
            if let Some(c) = &snapshot.area_cursor {
                query.push(("cursor", c.clone()));
            }
            let page: ThreadPageIn = self
                .call(
                    self.http
                        .request(
                            Method::GET,
                            &path(&format!("/areas/{}/threads", enc(&area))),
                        )
                        .query(&query),
                )
                .await?;
            let limit = self.limits.threads_per_area;
            let snapshot = cursor.snapshot.get_or_insert_with(Snapshot::default);
            if page.next_cursor.is_some() && page.next_cursor == snapshot.area_cursor {
                return Err(self.misbehaved(&format!(
                    "repeated the cursor of area {}'s thread list: it never ends",
                    clean_line(&area)
                )));
            }
            let threads = sort_out(page.threads, "thread", &mut batch.skipped);
            snapshot.area_threads += threads.len() as u64;
            if snapshot.area_threads > u64::from(limit) {
                return Err(self.misbehaved(&format!(
                    "listed more than {limit} threads in area {} (max_threads_per_area)",
                    clean_line(&area)
                )));
            }
            for thread in threads {
                if let Some(read_to_seq) = thread.read_to_seq.filter(|&seq| seq > 0) {
                    batch.read_markers.push((
                        model::ThreadId::new(thread.id.clone()),
                        model::ReadMarker {
                            read_to_seq,
                            ..model::ReadMarker::default()
                        },
                    ));
                }
                snapshot.threads.push_back(&thread.id);
                snapshot.threads_total += 1;
                batch
                    .threads
                    .push(clean::summary(model::ThreadSummary::from(thread)));
            }
            snapshot.area_cursor = page.next_cursor;
            // Each listed thread is fetched with its posts later in this snapshot (the
            // cursor holds the queue), its summary again with them.
            batch.posts_follow = true;
            if snapshot.area_cursor.is_none() {
                snapshot.areas.pop_front();
                snapshot.area_threads = 0;
            }
        } else if !snapshot.threads.is_empty() {
            let ids = snapshot.threads.take_front(THREADS_PER_BATCH);
            let take = ids.len();
            let pages = self.fetch_threads(&ids).await?;
            let snapshot = cursor.snapshot.get_or_insert_with(Snapshot::default);
            snapshot.threads_done += take as u64;
            for (thread, posts, skipped) in pages {
                batch.skipped = batch.skipped.saturating_add(skipped);
                // Posts of a thread whose summary could not be read have nowhere to go.
                if let Some(thread) = thread {
                    batch.threads.push(thread);
                    batch.posts.extend(posts);
                }
            }
        } else {
            cursor.snapshot = None;
            return self.changes_step(cursor).await;
        }
        if let Some(s) = &cursor.snapshot {
            batch.progress = Some((s.threads_done, s.threads_total.max(s.threads_done)));
        }
        batch.cursor = to_cursor(&cursor);
        batch.complete = false;
        Ok(batch)
    }

    /// Every post of each thread, several threads at a time: in a few requests of many
    /// threads each where the server can (a request costs both sides more than the
    /// posts it carries), else one request per thread. Each thread comes with the posts
    /// set aside; a thread whose own summary could not be read is set aside too (`None`,
    /// logged and counted), and one the server says is gone is left out.
    async fn fetch_threads(&mut self, ids: &[String]) -> Result<Vec<ThreadRead>, RemoteError> {
        let http = self.http.clone();
        let token = self.token.clone();
        let results: Vec<Result<Fetched, RemoteError>> = if self.posts_of_threads {
            // Owned arguments: a future borrowing from here would not be `Send` for every
            // lifetime, as the backend's futures must be.
            futures::stream::iter(ids.chunks(THREADS_PER_REQUEST).map(<[String]>::to_vec))
                .map(|some| fetch_batch(http.clone(), token.clone(), some))
                .buffered(CONCURRENT_BATCHES)
                .collect()
                .await
        } else {
            futures::stream::iter(ids.iter().cloned())
                .map(|id| fetch_one(http.clone(), token.clone(), id))
                .buffered(CONCURRENT_FETCHES)
                .collect()
                .await
        };
        let mut out = Vec::with_capacity(ids.len());
        for result in results {
            let fetched = result?;
            for answer in &fetched.answers {
                observe(&mut self.state, answer);
            }
            out.extend(fetched.threads);
        }
        Ok(out)
    }

    async fn changes_step(&mut self, cursor: NativeCursor) -> Result<PullBatch, RemoteError> {
        let Some(since) = cursor.changes.clone() else {
            return self.snapshot_start().await;
        };
        // Structure edits are in the changes feed (`tree`), but the tree's counts and
        // edits on older servers are not: a catch-up (not a long poll) revalidates the
        // tree too, which costs a 304 when nothing changed.
        let mut forum = None;
        let mut tree_etag = cursor.tree_etag.clone();
        let limits_changed = cursor.post_limits != self.post_limits;
        if self.long_poll.is_none()
            && let Some((tree, etag)) = self
                .fetch_tree(tree_etag.as_deref().filter(|_| !limits_changed))
                .await?
        {
            forum = Some(tree);
            tree_etag = etag;
        }
        // Until a tree carried the new limits to the cache, the cursor keeps the old ones.
        let post_limits = if forum.is_some() || !limits_changed {
            self.post_limits
        } else {
            cursor.post_limits
        };
        let mut query = vec![("since", since.clone()), ("limit", PAGE_SIZE.to_string())];
        if let Some(wait) = self.long_poll {
            query.push(("wait", wait.as_secs().min(30).to_string()));
        }
        let request = self
            .http
            .request(Method::GET, &path("/changes"))
            .query(&query);
        let page: ChangesIn = match self.call(request).await {
            Err(RemoteError::Status {
                code: Some(code), ..
            }) if code == "cursor_expired" => {
                return self.snapshot_start().await;
            }
            other => other?,
        };
        if page.has_more && page.next_cursor == since {
            return Err(self
                .misbehaved("said more changes were waiting but did not move the changes cursor"));
        }
        let mut batch = PullBatch {
            forum,
            ..PullBatch::default()
        };
        for change in sort_out(page.changes, "change", &mut batch.skipped) {
            match change {
                api::Change::Post { post } => batch.posts.push(clean::post(Post::from(post))),
                api::Change::Thread { thread } => batch
                    .threads
                    .push(clean::summary(model::ThreadSummary::from(thread))),
                // A structure edit (a new area, a renamed section, an announcement)
                // arrives whole; a long-polling client sees it as soon as it is made.
                api::Change::Tree { tree } => {
                    let mut forum = clean::forum(model::Forum::from(tree));
                    forum.limits = self.post_limits;
                    self.add_messages(&mut forum);
                    batch.forum = Some(forum);
                }
                api::Change::Read { read } => batch.read_markers.push((
                    model::ThreadId::new(read.thread_id),
                    model::ReadMarker {
                        read_to_seq: read.read_to_seq,
                        read_at: read.read_at,
                        unread_at: read.unread_at,
                    },
                )),
                api::Change::Watch { watch } => batch.places.extend(watch_mark(watch)),
                api::Change::Bookmark { bookmark } => batch.places.push(bookmark_mark(bookmark)),
                api::Change::Notification { notification } => {
                    batch
                        .inbox
                        .push(clean::inbox_item(inbox_item(notification)));
                }
                api::Change::Unknown => {}
            }
        }
        batch.complete = !page.has_more;
        batch.cursor = to_cursor(&NativeCursor {
            changes: Some(page.next_cursor),
            snapshot: None,
            tree_etag,
            post_limits,
        });
        Ok(batch)
    }
}

/// A new thread (or private message) as the server made it, with its first post.
fn thread_created(created: api::ThreadCreated) -> Submitted {
    Submitted::Posted {
        post: Box::new(clean::post(Post::from(created.post))),
        thread: Some(Box::new(clean::summary(model::ThreadSummary::from(
            created.thread,
        )))),
    }
}

/// A notification from the feed as the inbox keeps it.
fn inbox_item(n: api::Notification) -> model::InboxItem {
    model::InboxItem {
        id: n.id,
        kind: n.kind,
        thread: model::ThreadId::new(n.thread_id),
        thread_title: n.thread_title,
        post: model::PostId::new(n.post_id),
        seq: n.seq,
        author: n.author.into(),
        excerpt: n.excerpt,
        created_at: n.created_at,
        read: n.read,
        announced: false,
    }
}

/// A watch level from the feed as the change it stands for (`None`: on a kind of target
/// this version does not know).
fn watch_mark(watch: api::Watch) -> Option<model::PlaceMark> {
    let target = match watch.on.as_str() {
        "thread" => model::WatchTarget::Thread(model::ThreadId::new(watch.id)),
        "area" => model::WatchTarget::Area(model::AreaId::new(watch.id)),
        _ => return None,
    };
    Some(model::PlaceMark::Watch {
        target,
        level: watch.level,
        at: watch.at,
    })
}

/// A bookmark from the feed as the change it stands for.
fn bookmark_mark(bookmark: api::Bookmark) -> model::PlaceMark {
    if bookmark.removed {
        model::PlaceMark::Unbookmark {
            post: model::PostId::new(bookmark.post_id),
            at: bookmark.at,
        }
    } else {
        model::PlaceMark::Bookmark {
            post: model::PostId::new(bookmark.post_id),
            thread: model::ThreadId::new(bookmark.thread_id),
            note: bookmark.note,
            at: bookmark.at,
        }
    }
}

/// A thread's summary (unless set aside), its posts, and how many were set aside.
type ThreadRead = (Option<model::ThreadSummary>, Vec<Post>, u32);

/// Threads read in full, with the answers that brought them (for their headers).
#[derive(Default)]
struct Fetched {
    answers: Vec<Answer>,
    threads: Vec<ThreadRead>,
}

impl Fetched {
    /// Keeps an answer's headers; its body was decoded already.
    fn keep(&mut self, mut answer: Answer) {
        answer.body = Vec::new();
        self.answers.push(answer);
    }
}

/// A thread being read page by page.
#[derive(Default)]
struct ThreadSoFar {
    /// The summary, once the last page came (`None` too when it could not be read).
    thread: Option<model::ThreadSummary>,
    posts: Vec<Post>,
    /// Posts (and a summary) set aside as unreadable.
    skipped: u32,
}

impl ThreadSoFar {
    /// Adds a page of posts after `after`; the `seq` to ask for posts after when more
    /// follow.
    fn add(&mut self, page: PostPageIn, after: u32) -> Option<u32> {
        // The page's last seq, read from what was sent, so a post set aside does not
        // stop the paging.
        let last = page.posts.last().and_then(|p| match p {
            Lenient::Good(post) => Some(post.seq),
            Lenient::Bad { raw, .. } => raw
                .get("seq")
                .and_then(serde_json::Value::as_u64)
                .and_then(|s| u32::try_from(s).ok()),
        });
        self.posts.extend(
            sort_out(page.posts, "post", &mut self.skipped)
                .into_iter()
                .map(|p| clean::post(Post::from(p))),
        );
        match last {
            Some(seq) if page.has_more && seq > after && seq <= clean::MAX_CLAIMED_POSTS => {
                Some(seq)
            }
            _ => {
                self.thread = sort_out(vec![page.thread], "thread", &mut self.skipped)
                    .pop()
                    .map(|thread| clean::summary(model::ThreadSummary::from(thread)));
                None
            }
        }
    }

    fn finish(self) -> ThreadRead {
        (self.thread, self.posts, self.skipped)
    }
}

/// Every post of thread `id` (`GET /threads/{id}/posts`, page by page).
async fn fetch_one(
    http: HttpClient,
    token: Option<Secret>,
    id: String,
) -> Result<Fetched, RemoteError> {
    let mut fetched = Fetched::default();
    let thread = page_on(
        &http,
        token.as_ref(),
        &id,
        0,
        ThreadSoFar::default(),
        &mut fetched,
    )
    .await?;
    fetched.threads.push(thread);
    Ok(fetched)
}

/// The posts of thread `id` after `after`, added to `so_far`.
async fn page_on(
    http: &HttpClient,
    token: Option<&Secret>,
    id: &str,
    mut after: u32,
    mut so_far: ThreadSoFar,
    fetched: &mut Fetched,
) -> Result<ThreadRead, RemoteError> {
    loop {
        let mut request = http
            .request(Method::GET, &path(&format!("/threads/{}/posts", enc(id))))
            .query(&[
                ("after_seq", after.to_string()),
                ("limit", PAGE_SIZE.to_string()),
            ]);
        if let Some(token) = token {
            request = request.bearer_auth(token.expose());
        }
        let answer = http.send(request).await?;
        let page = PostPageIn::decode(&answer)?;
        fetched.keep(answer);
        match so_far.add(page, after) {
            Some(seq) => after = seq,
            None => return Ok(so_far.finish()),
        }
    }
}

/// Every post of the threads `ids` through `GET /posts?thread=…`, in their order: the
/// first page of as many as fit in one answer, the others asked for again; a thread
/// with more posts than came goes on through its own posts. Should an answer cover
/// none of the threads asked for, the rest are asked for one by one.
async fn fetch_batch(
    http: HttpClient,
    token: Option<Secret>,
    ids: Vec<String>,
) -> Result<Fetched, RemoteError> {
    let (http, token) = (&http, token.as_ref());
    let mut fetched = Fetched::default();
    let mut read: HashMap<&str, ThreadRead> = HashMap::with_capacity(ids.len());
    let mut gone: HashSet<&str> = HashSet::new();
    let mut left: Vec<&str> = ids.iter().map(String::as_str).collect();
    while !left.is_empty() {
        let mut query: Vec<(&str, &str)> = left.iter().map(|id| ("thread", *id)).collect();
        let limit = PAGE_SIZE.to_string();
        query.push(("limit", &limit));
        let mut request = http.request(Method::GET, &path("/posts")).query(&query);
        if let Some(token) = token {
            request = request.bearer_auth(token.expose());
        }
        let answer = http.send(request).await?;
        let answered = PostPagesIn::decode(&answer)?;
        fetched.keep(answer);
        for id in &answered.missing {
            if let Some(asked) = left.iter().find(|asked| **asked == id.as_str()) {
                gone.insert(*asked);
            }
        }
        let mut pages = Vec::with_capacity(answered.pages.len());
        for page in answered.pages {
            // A page of a thread not asked for, or whose id cannot be read, has no
            // place; its thread is asked for again (one by one, should nothing else
            // have come).
            let Some(asked) = page
                .thread_id()
                .and_then(|id| left.iter().copied().find(|asked| *asked == id))
            else {
                continue;
            };
            if read.contains_key(asked)
                || gone.contains(asked)
                || pages.iter().any(|(seen, _)| *seen == asked)
            {
                continue;
            }
            pages.push((asked, page));
        }
        let progressed = !pages.is_empty() || left.iter().any(|id| gone.contains(id));
        for (asked, page) in pages {
            let mut so_far = ThreadSoFar::default();
            let thread = match so_far.add(page, 0) {
                None => so_far.finish(),
                Some(seq) => page_on(http, token, asked, seq, so_far, &mut fetched).await?,
            };
            read.insert(asked, thread);
        }
        left.retain(|id| !read.contains_key(id) && !gone.contains(id));
        if !progressed {
            for id in left.drain(..) {
                let thread =
                    page_on(http, token, id, 0, ThreadSoFar::default(), &mut fetched).await?;
                read.insert(id, thread);
            }
        }
    }
    fetched.threads = ids
        .iter()
        .filter_map(|id| read.remove(id.as_str()))
        .collect();
    Ok(fetched)
}

impl Backend for NativeBackend {
    const CAPABILITIES: crate::model::Capabilities =
        crate::model::Capabilities::all("a threadmark server");

    fn state(&self) -> &ServerState {
        &self.state
    }

    async fn refresh_status(&mut self) -> Result<(), RemoteError> {
        let status: api::Status = self
            .call(self.http.request(Method::GET, &path("/status")))
            .await?;
        self.state.mode = status.mode;
        self.state.banner = status.banner.map(|b| clean::banner(model::Banner::from(b)));
        self.state.retry_after = status
            .retry_after_s
            .map(|s| Duration::from_secs(u64::from(s)));
        self.post_limits = model::PostLimits {
            max_post_chars: status.limits.max_post_chars,
            max_title_chars: status.limits.max_title_chars,
        };
        self.posts_of_threads = status.capabilities.iter().any(|c| c == POSTS_OF_THREADS);
        Ok(())
    }

    fn set_long_poll(&mut self, wait: Option<Duration>) {
        self.long_poll = wait;
    }

    async fn pull(
        &mut self,
        cursor: Option<&Cursor>,
        _focus: Option<&ThreadId>,
    ) -> Result<PullBatch, RemoteError> {
        let cursor: NativeCursor = cursor
            .and_then(|c| serde_json::from_value(c.clone()).ok())
            .unwrap_or_default();
        if cursor.changes.is_none() {
            return self.snapshot_start().await;
        }
        self.snapshot_step(cursor).await
    }

    async fn submit(&mut self, entry: &OutboxEntry) -> Result<Submitted, RemoteError> {
        match &entry.target {
            Target::Reply { thread, reply_to } => {
                let body = api::NewPost {
                    body: entry.body.clone(),
                    reply_to: reply_to.as_ref().map(|p| p.0.to_string()),
                };
                let request = self
                    .http
                    .request(
                        Method::POST,
                        &path(&format!("/threads/{}/posts", enc(thread.as_str()))),
                    )
                    .header(headers::IDEMPOTENCY_KEY, &entry.key)
                    .json(&body);
                let post: api::Post = self.call(request).await?;
                Ok(Submitted::Posted {
                    post: Box::new(clean::post(Post::from(post))),
                    thread: None,
                })
            }
            Target::NewThread { area, title } => {
                let body = api::NewThread {
                    title: title.clone(),
                    body: entry.body.clone(),
                };
                let request = self
                    .http
                    .request(
                        Method::POST,
                        &path(&format!("/areas/{}/threads", enc(area.as_str()))),
                    )
                    .header(headers::IDEMPOTENCY_KEY, &entry.key)
                    .json(&body);
                Ok(thread_created(self.call(request).await?))
            }
            Target::Message { to, title } => {
                let body = api::NewMessage {
                    to: to.clone(),
                    title: title.clone(),
                    body: entry.body.clone(),
                };
                let request = self
                    .http
                    .request(Method::POST, &path("/messages"))
                    .header(headers::IDEMPOTENCY_KEY, &entry.key)
                    .json(&body);
                Ok(thread_created(self.call(request).await?))
            }
            Target::Edit { .. }
            | Target::Delete { .. }
            | Target::Like { .. }
            | Target::Unlike { .. } => self.change_post(entry).await,
            Target::Moderation {
                user: Some(user),
                thread,
                action,
                ..
            } => self.silence(entry, thread, user, *action).await,
            Target::Moderation {
                thread,
                post,
                action,
                user: None,
            } => self.moderate(entry, thread, post.as_ref(), *action).await,
        }
    }

    fn syncs_read_marks(&self) -> bool {
        self.read_sync && self.token.is_some()
    }

    async fn send_read_mark(
        &mut self,
        key: &str,
        thread: &model::ThreadId,
        mark: &model::ReadMark,
    ) -> Result<(), RemoteError> {
        let body = match *mark {
            model::ReadMark::ReadTo { seq, at } => api::ReadMarkPut {
                read_to_seq: Some(seq),
                at: Some(at),
                ..api::ReadMarkPut::default()
            },
            model::ReadMark::UnreadFrom { seq, at } => api::ReadMarkPut {
                unread_from_seq: Some(seq),
                at: Some(at),
                ..api::ReadMarkPut::default()
            },
        };
        let request = self
            .http
            .request(
                Method::PUT,
                &path(&format!("/threads/{}/read", enc(thread.as_str()))),
            )
            .header(headers::IDEMPOTENCY_KEY, key)
            .json(&body);
        let _marker: api::ReadMarker = self.call(request).await?;
        Ok(())
    }

    fn syncs_places(&self) -> bool {
        self.syncs_read_marks()
    }

    async fn send_place_mark(
        &mut self,
        key: &str,
        mark: &model::PlaceMark,
    ) -> Result<(), RemoteError> {
        let request = match mark {
            model::PlaceMark::Watch { target, level, at } => self
                .http
                .request(
                    Method::PUT,
                    &path(&format!("/{}s/{}/watch", target.kind(), enc(target.id()))),
                )
                .json(&api::WatchPut {
                    level: *level,
                    at: Some(*at),
                }),
            model::PlaceMark::Bookmark { post, note, at, .. } => self
                .http
                .request(Method::POST, &path("/bookmarks"))
                .json(&api::BookmarkPost {
                    post_id: post.0.to_string(),
                    note: note.clone(),
                    at: Some(*at),
                }),
            model::PlaceMark::Unbookmark { post, at } => self
                .http
                .request(
                    Method::DELETE,
                    &path(&format!("/bookmarks/{}", enc(post.as_str()))),
                )
                .query(&[("at", at.to_string())]),
        };
        let request = request.header(headers::IDEMPOTENCY_KEY, key);
        let _answer: serde_json::Value = self.call(request).await?;
        Ok(())
    }

    fn syncs_inbox(&self) -> bool {
        self.syncs_read_marks()
    }

    async fn send_inbox_read(&mut self, key: &str, ids: &[String]) -> Result<(), RemoteError> {
        let request = self
            .http
            .request(Method::PUT, &path("/notifications/read"))
            .header(headers::IDEMPOTENCY_KEY, key)
            .json(&api::NotificationsRead {
                ids: ids.to_vec(),
                all: false,
            });
        let _marked: api::NotificationsMarked = self.call(request).await?;
        Ok(())
    }

    /// `GET /posts/{id}/revisions`: the texts the post had before, oldest first.
    async fn revisions(
        &mut self,
        post: &model::PostId,
        _version: u64,
    ) -> Result<Vec<model::Revision>, RemoteError> {
        let request = self.http.request(
            Method::GET,
            &path(&format!("/posts/{}/revisions", enc(post.as_str()))),
        );
        let answer: api::Revisions = self.call(request).await?;
        Ok(answer
            .revisions
            .into_iter()
            .map(|r| model::Revision {
                version: r.version,
                text: r.body,
                replaced_at: Some(r.replaced_at),
                replaced_by: Some(r.replaced_by),
            })
            .collect())
    }

    /// `GET /users?prefix=`: the names only.
    async fn search_users(&mut self, prefix: &str) -> Result<Vec<String>, RemoteError> {
        let request = self
            .http
            .request(Method::GET, &path("/users"))
            .query(&[("prefix", prefix), ("limit", "10")]);
        let answer: api::UserNames = self.call(request).await?;
        Ok(answer.users)
    }

    async fn find_submitted(&mut self, _entry: &OutboxEntry) -> Result<Option<Post>, RemoteError> {
        // The server deduplicates by idempotency key (also stored on the post), so sending
        // again with the same key is the lookup.
        Ok(None)
    }
}

impl NativeBackend {
    /// A moderator's lock, unlock, pin, unpin or move (to the area in the entry's body) of
    /// a thread (`PATCH /mod/threads/{id}`, `area_id` for a move) or
    /// hiding of a post with the entry's body as the reason (`PATCH /mod/posts/{id}`; an
    /// unhiding sends `hidden: false`), or a
    /// split from a post on into a new thread titled by the body (`POST
    /// /mod/threads/{id}/split`, replayed by the server for the same key). The
    /// server applies a state, not a step: sent again after a lost answer (same key), it
    /// changes nothing and logs nothing twice. A refusal (403 with the role needed, 404,
    /// 409) comes back as the server's problem, which fails the entry with its words.
    async fn moderate(
        &mut self,
        entry: &OutboxEntry,
        thread: &ThreadId,
        post: Option<&model::PostId>,
        action: model::ModAction,
    ) -> Result<Submitted, RemoteError> {
        use model::ModAction;
        let request = match (action, post) {
            (ModAction::Hide, Some(post)) => self
                .http
                .request(
                    Method::PATCH,
                    &path(&format!("/mod/posts/{}", enc(post.as_str()))),
                )
                .json(&api::PostModeration {
                    hidden: true,
                    reason: Some(entry.body.trim().to_owned()).filter(|r| !r.is_empty()),
                }),
            (ModAction::Unhide, Some(post)) => self
                .http
                .request(
                    Method::PATCH,
                    &path(&format!("/mod/posts/{}", enc(post.as_str()))),
                )
                .json(&api::PostModeration {
                    hidden: false,
                    reason: None,
                }),
            (ModAction::Split, Some(post)) => self
                .http
                .request(
                    Method::POST,
                    &path(&format!("/mod/threads/{}/split", enc(thread.as_str()))),
                )
                .json(&api::ThreadSplit {
                    from: post.as_str().to_owned(),
                    title: Some(entry.body.trim().to_owned()).filter(|t| !t.is_empty()),
                }),
            (ModAction::Hide | ModAction::Unhide | ModAction::Split, None) => {
                return Err(RemoteError::Protocol(
                    "a hiding, an unhiding or a split names no post".into(),
                ));
            }
            (ModAction::Silence | ModAction::Unsilence, _) => {
                return Err(RemoteError::Protocol(
                    "a silence or its end names no member".into(),
                ));
            }
            (action, _) => {
                let change = api::ThreadModeration {
                    locked: match action {
                        ModAction::Lock => Some(true),
                        ModAction::Unlock => Some(false),
                        _ => None,
                    },
                    pinned: match action {
                        ModAction::Pin => Some(true),
                        ModAction::Unpin => Some(false),
                        _ => None,
                    },
                    area_id: (action == ModAction::Move).then(|| entry.body.trim().to_owned()),
                };
                self.http
                    .request(
                        Method::PATCH,
                        &path(&format!("/mod/threads/{}", enc(thread.as_str()))),
                    )
                    .json(&change)
            }
        };
        self.applied(request, entry, thread).await
    }

    /// A moderator's silence of `user` until the time in the entry's body (fixed when they
    /// acted), or its end (unsilence): `PATCH /mod/users/{name}` with `silenced_until`
    /// (`null` to end it). The server applies a state: sent again after a lost answer,
    /// the same state changes and logs nothing twice.
    async fn silence(
        &mut self,
        entry: &OutboxEntry,
        thread: &ThreadId,
        user: &str,
        action: model::ModAction,
    ) -> Result<Submitted, RemoteError> {
        let until = if action == model::ModAction::Unsilence {
            None
        } else {
            let until: jiff::Timestamp = entry.body.trim().parse().map_err(|e| {
                RemoteError::Protocol(format!("the silence's end {:?}: {e}", entry.body))
            })?;
            Some(until)
        };
        let request = self
            .http
            .request(Method::PATCH, &path(&format!("/mod/users/{}", enc(user))))
            .json(&api::UserModeration {
                silenced_until: until,
            });
        self.applied(request, entry, thread).await
    }

    /// Sends a moderation request with the entry's key; a conflict fails it at once.
    async fn applied(
        &mut self,
        request: reqwest::RequestBuilder,
        entry: &OutboxEntry,
        thread: &ThreadId,
    ) -> Result<Submitted, RemoteError> {
        let request = request.header(headers::IDEMPOTENCY_KEY, &entry.key);
        match self.call::<serde_json::Value>(request).await {
            Ok(_) => Ok(Submitted::Moderated {
                thread: thread.clone(),
            }),
            // A conflict (the post is gone, say) does not pass by waiting: the entry
            // fails with the server's words instead of being retried.
            Err(RemoteError::Status {
                status: 409,
                code,
                message,
                ..
            }) => Err(RemoteError::Status {
                status: 422,
                code,
                message,
                retry_after: None,
            }),
            Err(e) => Err(e),
        }
    }

    /// An edit, deletion, like or unlike of an existing post. An edit or deletion carries
    /// the version it was based on (`If-Match`); a 412 answers with the post as it is now.
    async fn change_post(&mut self, entry: &OutboxEntry) -> Result<Submitted, RemoteError> {
        let Some((_, post)) = entry.target.post() else {
            return Err(RemoteError::Protocol("not a change of a post".into()));
        };
        let url = path(&format!("/posts/{}", enc(post.as_str())));
        let like_url = format!("{url}/reactions/like");
        let request = match &entry.target {
            Target::Edit { base_version, .. } => self
                .http
                .request(Method::PATCH, &url)
                .header(headers::IF_MATCH, headers::post_etag(*base_version))
                .json(&api::PostEdit {
                    body: Some(entry.body.clone()),
                    deleted: None,
                }),
            Target::Delete { base_version, .. } => self
                .http
                .request(Method::PATCH, &url)
                .header(headers::IF_MATCH, headers::post_etag(*base_version))
                .json(&api::PostEdit {
                    body: None,
                    deleted: Some(true),
                }),
            Target::Unlike { .. } => self.http.request(Method::DELETE, &like_url),
            _ => self.http.request(Method::PUT, &like_url),
        };
        let is_reaction = matches!(entry.target, Target::Like { .. } | Target::Unlike { .. });
        match self.call::<api::Post>(request).await {
            Ok(done) => Ok(Submitted::Posted {
                post: Box::new(clean::post(Post::from(done))),
                thread: None,
            }),
            Err(RemoteError::Status {
                status,
                code,
                message,
                ..
            }) if is_reaction && status == 409 => Err(RemoteError::Status {
                // Not worth retrying: the post is gone.
                status: 410,
                code,
                message,
                retry_after: None,
            }),
            Err(RemoteError::Status { status, code, .. })
                if status == 412 || (status == 409 && code.as_deref() == Some("post_deleted")) =>
            {
                let current: api::Post = self.call(self.http.request(Method::GET, &url)).await?;
                Ok(Submitted::Conflict {
                    current: Box::new(clean::post(Post::from(current))),
                })
            }
            Err(e) => Err(e),
        }
    }
}

fn path(endpoint: &str) -> String {
    format!("{}{endpoint}", api::BASE_PATH)
}

/// Percent-encodes an id for a path segment.
fn enc(id: &str) -> String {
    url::form_urlencoded::byte_serialize(id.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}

fn to_cursor(cursor: &NativeCursor) -> Cursor {
    serde_json::to_value(cursor).unwrap_or(Cursor::Null)
}

/// Reads the `Forum-Mode` header of any answer.
fn observe(state: &mut ServerState, answer: &Answer) {
    let Some(value) = answer
        .headers
        .get(headers::FORUM_MODE)
        .and_then(|v| v.to_str().ok())
    else {
        return;
    };
    let Ok(header) = api::ForumModeHeader::parse(value) else {
        return;
    };
    let mode = header.mode;
    if mode != state.mode {
        state.mode = mode;
        state.banner = header.banner.map(|text| model::Banner {
            id: format!("mode-{}", mode.as_str()),
            severity: model::Severity::Warning,
            text: clean(&text).into_owned(),
            starts_at: None,
            ends_at: None,
            links: Vec::new(),
        });
    }
    if mode.accepts_writes() {
        state.banner = None;
        state.retry_after = None;
    } else if let Some(wait) = retry_after(&answer.headers) {
        state.retry_after = Some(wait);
    }
}

/// Decodes a 2xx JSON body, or turns an error answer into a [`RemoteError`].
fn decode<T: DeserializeOwned>(answer: &Answer) -> Result<T, RemoteError> {
    if answer.status.is_success() {
        return serde_json::from_slice(&answer.body).map_err(|e| {
            // The decoder quotes the server's text (an unknown mode, say): cleaned.
            RemoteError::Protocol(format!(
                "the answer does not match API v1: {}",
                clean_line(&e.to_string())
            ))
        });
    }
    let status = answer.status.as_u16();
    match serde_json::from_slice::<api::Problem>(&answer.body) {
        Ok(problem) => {
            let mut message = problem
                .detail
                .clone()
                .unwrap_or_else(|| problem.title.clone());
            for field in &problem.errors {
                let _ = write!(message, "; {}: {}", field.field, field.message);
            }
            Err(RemoteError::Status {
                status,
                code: Some(problem.code.as_str().to_owned()),
                message: clean_line(&message).into_owned(),
                retry_after: retry_after(&answer.headers).or(problem
                    .retry_after_s
                    .map(|s| Duration::from_secs(u64::from(s)))),
            })
        }
        // Not a problem document: a proxy's or load balancer's page. Never data.
        Err(_) if matches!(status, 502..=504) => Err(RemoteError::Unreachable(format!(
            "the server's gateway answered {status}"
        ))),
        Err(_) => Err(RemoteError::Status {
            status,
            code: None,
            message: answer
                .status
                .canonical_reason()
                .unwrap_or("error")
                .to_owned(),
            retry_after: retry_after(&answer.headers),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn answer(page: &serde_json::Value) -> Answer {
        Answer {
            status: reqwest::StatusCode::OK,
            headers: reqwest::header::HeaderMap::new(),
            body: page.to_string().into_bytes(),
        }
    }

    fn post(id: &str, seq: u32, created_at: &str) -> serde_json::Value {
        json!({"id": id, "thread_id": "t1", "seq": seq, "author": {"name": "A"},
            "created_at": created_at, "body": "hi", "version": 1})
    }

    fn thread() -> serde_json::Value {
        json!({"id": "t1", "area_id": "a", "title": "T", "author": {"name": "A"},
            "created_at": "2024-03-01T12:00:00Z", "last_post_at": "2024-03-01T12:00:00Z",
            "post_count": 2, "last_seq": 2, "version": 1})
    }

    #[test]
    fn a_page_of_posts_reads_whole_and_one_unreadable_post_is_set_aside_alone() {
        let good = answer(&json!({"thread": thread(), "has_more": false,
            "posts": [post("p1", 1, "2024-03-01T12:00:00Z"), post("p2", 2, "2024-03-01T12:05:00Z")]}));
        let page = PostPageIn::decode(&good).unwrap();
        assert!(matches!(page.thread, Lenient::Good(_)));
        assert_eq!(page.posts.len(), 2);
        assert!(page.posts.iter().all(|p| matches!(p, Lenient::Good(_))));

        // A date past what the client represents: the page no longer reads whole, and
        // read entity by entity it keeps the readable post and sets aside the other.
        let hostile = answer(&json!({"thread": thread(), "has_more": true,
            "posts": [post("p1", 1, "2024-03-01T12:00:00Z"), post("p2", 2, "9999-12-31T23:59:59Z")]}));
        let page = PostPageIn::decode(&hostile).unwrap();
        assert!(page.has_more);
        assert!(matches!(page.thread, Lenient::Good(_)));
        assert!(matches!(&page.posts[0], Lenient::Good(p) if p.id == "p1"));
        let Lenient::Bad { raw, reason } = &page.posts[1] else {
            panic!("the far-future post was read");
        };
        assert_eq!(raw["id"], "p2");
        assert!(
            !reason.is_empty() && !reason.contains(" at line "),
            "{reason}"
        );
    }

    #[test]
    fn several_threads_pages_read_whole_or_entity_by_entity_each_page_known_by_its_thread() {
        let page = |posts: serde_json::Value| json!({"thread": thread(), "has_more": false, "posts": posts});
        let good = answer(&json!({"missing": ["gone"],
            "pages": [page(json!([post("p1", 1, "2024-03-01T12:00:00Z")]))]}));
        let read = PostPagesIn::decode(&good).unwrap();
        assert_eq!(read.missing, ["gone"]);
        assert_eq!(read.pages.len(), 1);
        assert_eq!(read.pages[0].thread_id(), Some("t1"));

        // One unreadable post and one unreadable thread summary: each page still names
        // its thread, and only the unreadable entities are set aside.
        let mut bad_thread = thread();
        bad_thread["id"] = json!("t2");
        bad_thread["created_at"] = json!("9999-12-31T23:59:59Z");
        let hostile = answer(&json!({"missing": [], "pages": [
            page(json!([post("p1", 1, "2024-03-01T12:00:00Z"), post("p2", 2, "9999-12-31T23:59:59Z")])),
            {"thread": bad_thread, "has_more": false, "posts": [post("q1", 1, "2024-03-01T12:00:00Z")]},
        ]}));
        let read = PostPagesIn::decode(&hostile).unwrap();
        assert_eq!(read.pages[0].thread_id(), Some("t1"));
        assert_eq!(read.pages[1].thread_id(), Some("t2"));
        let mut pages = read.pages.into_iter();
        let mut first = ThreadSoFar::default();
        assert_eq!(
            first.add(pages.next().unwrap(), 0),
            None,
            "the thread is whole"
        );
        let (thread, posts, skipped) = first.finish();
        assert!(thread.is_some());
        assert_eq!(posts.len(), 1);
        assert_eq!(skipped, 1);
        let mut second = ThreadSoFar::default();
        assert_eq!(second.add(pages.next().unwrap(), 0), None);
        let (thread, _, skipped) = second.finish();
        assert!(thread.is_none(), "its summary did not read");
        assert_eq!(skipped, 1);
    }

    #[test]
    fn a_cut_page_pages_on_from_its_last_post_even_one_set_aside() {
        let cut = answer(&json!({"thread": thread(), "has_more": true,
            "posts": [post("p1", 1, "2024-03-01T12:00:00Z"), post("p2", 2, "9999-12-31T23:59:59Z")]}));
        let mut so_far = ThreadSoFar::default();
        assert_eq!(so_far.add(PostPageIn::decode(&cut).unwrap(), 0), Some(2));
        // A server that says more follow but repeats itself is not followed forever.
        let again = answer(&json!({"thread": thread(), "has_more": true,
            "posts": [post("p2", 2, "2024-03-01T12:05:00Z")]}));
        assert_eq!(so_far.add(PostPageIn::decode(&again).unwrap(), 2), None);
        let (thread, posts, skipped) = so_far.finish();
        assert!(thread.is_some());
        assert_eq!((posts.len(), skipped), (2, 1));
    }
}
