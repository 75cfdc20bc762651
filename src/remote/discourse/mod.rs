//! The Discourse backend: reads categories, topics and posts from a Discourse forum and
//! posts replies, behind the same [`Backend`] interface as threadmark's own API, within
//! the request budget Discourse gives the key.
//!
//! Mapping: top-level category → section, subcategory → area (a parent holding topics of
//! its own gets an area too; deeper levels fold into area titles, "Child › Grandchild"),
//! topic → thread, post → post. Ids are Discourse's numeric ids as strings.
//!
//! Headers first: every topic the listings show becomes a thread summary at once; posts
//! are downloaded for the thread the user opens (first), and in the background as the
//! account's prefetch policy says (`watched`, `recent`, `all`, `none`) — for long topics
//! only the newest `prefetch_posts`, older ones when the user scrolls up to them. What a
//! summary lacks is in its `missing` list.
//!
//! Posts: `seq` is fixed the first time a post id is seen in `post_stream.stream` and
//! never changes; posts that leave the stream (deleted, moved) and posts marked deleted
//! or hidden stay as tombstones (`deleted: true`, empty body). Whispers, which Discourse
//! only sends to those allowed to see them, are kept with "whisper" in the author's badge.
//! Small actions ("closed the topic") keep their place, the action in words.
//!
//! Edits are noticed by `version` and by what the post shows (edits in the grace period
//! keep their version): a changed topic re-checks its newest posts.
//!
//! A topic the server fails on (an error of its own, a malformed answer) is skipped and
//! read first in the next round, so one bad topic never blocks the rest of the forum.
//!
//! Requests are spent against a [`Budget`] (Discourse's windows for the key, kept on disk
//! by the engine); background work leaves a reserve for what the user does. A
//! `Discourse-Rate-Limit-Error-Code` answer pauses every request to the site until the
//! server's wait is over, failing fast with `rate_limited` meanwhile.

mod actions;
mod answer;
pub mod auth;
mod changes;
mod cursor;
mod inbox;
mod limits;
mod messages;
mod places;
mod posts;
mod prefetch;
mod pull;
mod revisions;
mod submit;
mod timings;
mod topic;
mod transport;
mod tree;
pub mod upload_cdn;
mod wire;

pub use answer::{RATE_LIMIT_CODE_HEADER, READONLY_HEADER};
pub use cursor::SCHEMA as CURSOR_SCHEMA;
pub use limits::{default_limits, limits};
pub use prefetch::PrefetchSettings;
pub use transport::{DISCOURSE_USER_AGENT, READ_ONLY_BANNER_ID, READ_ONLY_TEXT};
pub use tree::TITLE_SEPARATOR;

use crate::model::{
    Budget, BudgetStatus, Limits, OutboxEntry, PlaceMark, Post, ReadState, RequestLog, ThreadId,
};
use crate::remote::{
    Backend, Cursor, HttpClient, PullBatch, RemoteError, ServerState, Submitted, Timeouts, clean,
};
use crate::store::Credential;
use cursor::PullCursor;
use jiff::Timestamp;
use posts::Mapping;
use std::collections::{BTreeMap, VecDeque};
use std::time::Duration;
use transport::Transport;

/// How the backend talks to one forum.
#[derive(Clone, Debug, Default)]
pub struct DiscourseSettings {
    /// The windows the forum counts requests in; `None`: Discourse's defaults for the
    /// key kind ([`default_limits`]).
    pub limits: Option<Limits>,
    pub timeouts: Timeouts,
    /// Ask for `raw` markdown and use it instead of `cooked` HTML where the server sends it.
    pub include_raw: bool,
    /// What is downloaded without being opened; `None`: the default for the account
    /// ([`PrefetchSettings::default_for`]).
    pub prefetch: Option<PrefetchSettings>,
    /// Send what the user reads (`/topics/timings`) and take in what they read on the
    /// web (the account's `read_sync`; nothing goes without a login).
    pub read_sync: bool,
}

/// A Discourse forum, read anonymously or with a User API key or an admin API key.
#[derive(Debug)]
pub struct DiscourseBackend {
    transport: Transport,
    mapping: Mapping,
    prefetch: PrefetchSettings,
    /// The last cursor a pull produced: post numbers and `seq`s for replies.
    known: Option<PullCursor>,
    /// Topics whose earlier posts the user asked for.
    earlier: VecDeque<u64>,
    /// Posts we changed (topic, post): read again at the next pull, so the cache shows
    /// the edit, the deletion or the likes.
    touched: VecDeque<(u64, u64)>,
    /// Who we post as, once known (admin keys name it; user keys ask the server).
    username: Option<String>,
    anonymous: bool,
    read_sync: bool,
    /// The local read state, handed over by the engine before a pull.
    read_state: Option<ReadState>,
    /// Post → the id of the user's bookmark on it, from the bookmarks made here (the
    /// last bookmark list read fills the gaps).
    bookmark_ids: BTreeMap<u64, u64>,
    /// `bookmark_ids` holds what the cursor had.
    ids_loaded: bool,
}

impl DiscourseBackend {
    /// A backend for the forum at `base_url` (https, or http on loopback). `credential`
    /// must be a Discourse kind; `None` reads anonymously (public forums only).
    pub fn new(
        base_url: &str,
        credential: Option<Credential>,
        settings: DiscourseSettings,
    ) -> Result<Self, RemoteError> {
        let http = HttpClient::new(base_url, settings.timeouts)?;
        let auth = transport::auth_headers(credential.as_ref())?;
        let anonymous = credential.is_none();
        let limits = settings
            .limits
            .unwrap_or_else(|| default_limits(credential.as_ref()));
        let username = match credential {
            Some(Credential::DiscourseApiKey { username, .. }) => Some(username),
            _ => None,
        };
        Ok(Self {
            transport: Transport::new(http, auth, Budget::new(limits, RequestLog::default())),
            mapping: Mapping {
                prefer_raw: settings.include_raw,
            },
            prefetch: settings
                .prefetch
                .unwrap_or_else(|| PrefetchSettings::default_for(!anonymous)),
            known: None,
            earlier: VecDeque::new(),
            touched: VecDeque::new(),
            username,
            anonymous,
            read_sync: settings.read_sync,
            read_state: None,
            bookmark_ids: BTreeMap::new(),
            ids_loaded: false,
        })
    }

    /// Cooked HTML links to `/t/…`, `/u/…` and `//cdn/…`: they are read against the site.
    fn anchor(&self, post: &mut Post) {
        post.body.base_url = Some(self.transport.base_url().to_string());
    }

    /// The limits in force.
    pub fn limits(&self) -> &Limits {
        self.transport.budget().limits()
    }

    /// The prefetch policy in force.
    pub fn prefetch(&self) -> PrefetchSettings {
        self.prefetch
    }

    /// The user the credential logs in as (`/session/current.json`): proof that a fresh
    /// key works. `None` when reading anonymously or the server does not know the key.
    pub async fn current_username(&mut self) -> Result<Option<String>, RemoteError> {
        if self.anonymous {
            return Ok(None);
        }
        self.transport.set_priority(crate::model::Priority::User);
        let name = submit::current_username(&mut self.transport).await?;
        if name.is_some() {
            self.username.clone_from(&name);
        }
        Ok(name)
    }

    fn writer(&mut self) -> submit::Writer<'_> {
        submit::Writer {
            transport: &mut self.transport,
            known: self.known.as_ref(),
            mapping: self.mapping,
        }
    }
}

impl Backend for DiscourseBackend {
    /// Edits (`PUT /posts/{id}` with `original_text`), deletions and likes
    /// (`post_action_type_id` 2) map to its requests, watch levels and bookmarks to
    /// `notification_level` and `/bookmarks` ([`places`]); earlier versions come from
    /// `/posts/{id}/revisions/{n}.json`. Moderating (lock, pin, hide) is not mapped: the
    /// reader refuses it before anything is queued.
    const CAPABILITIES: crate::model::Capabilities = crate::model::Capabilities {
        moderate: false,
        ..crate::model::Capabilities::all("a Discourse forum")
    };

    fn state(&self) -> &ServerState {
        self.transport.state()
    }

    /// `/site/basic-info.json` without credentials: its headers say whether the forum is
    /// read-only. Served even by forums that require login.
    async fn refresh_status(&mut self) -> Result<(), RemoteError> {
        self.transport.set_priority(crate::model::Priority::User);
        let info: wire::BasicInfo = self
            .transport
            .get(
                "/site/basic-info.json",
                &[],
                transport::As::Anonymous,
                "the site's status",
            )
            .await?;
        if self.anonymous && info.login_required == Some(true) {
            return Err(RemoteError::Status {
                status: 403,
                code: Some("login_required".to_owned()),
                message: "this forum requires login; run `threadmark login`".to_owned(),
                retry_after: None,
            });
        }
        Ok(())
    }

    async fn pull(
        &mut self,
        cursor: Option<&Cursor>,
        focus: Option<&ThreadId>,
    ) -> Result<PullBatch, RemoteError> {
        if self.username.is_none() && !self.anonymous {
            // Read from the cursor's JSON as it stands: cheap next to parsing all of it.
            self.username = cursor
                .and_then(|c| c.get("places")?.get("username")?.as_str())
                .map(str::to_owned);
        }
        let places = self.places_user().await;
        let messages = self.messages_user().await;
        let anonymous = self.anonymous;
        // Boxed: a pull's state (the cursor, the batch) is large, and the engine's
        // futures need not carry it.
        let pulling = pull::Pull::new(
            &mut self.transport,
            self.mapping,
            self.prefetch,
            cursor,
            &mut self.earlier,
            &mut self.touched,
        )
        .with_reading(
            self.read_state
                .as_ref()
                .filter(|_| self.read_sync && !anonymous),
            focus.is_some(),
        )
        .with_places(places)
        .with_inbox(!anonymous)
        .with_messages(messages)
        .run(focus);
        let result = Box::pin(pulling).await;
        let (mut batch, mut cursor) = result.map_err(|e| key_refused(e, anonymous))?;
        if self.syncs_places() {
            self.keep_bookmark_ids(&mut cursor);
            batch.cursor = cursor.to_value();
        }
        self.known = Some(cursor);
        for post in &mut batch.posts {
            self.anchor(post);
        }
        Ok(clean::batch(batch))
    }

    /// Up to date, a round costs a request or two: spread them so background polling
    /// spends at most half of what the daily window leaves background work (a user key:
    /// 2,448 of 2,880 a day, so a round every 71 s at most), and never more than one a
    /// minute.
    fn poll_interval(&self) -> Option<Duration> {
        let daily = self
            .limits()
            .windows
            .iter()
            .filter(|w| w.per >= Duration::from_secs(3_600))
            .map(|w| (w.background_share().max(1), w.per))
            .map(|(n, per)| per.mul_f64(2.0 / f64::from(n)))
            .max()
            .unwrap_or(Duration::ZERO);
        Some(daily.max(Duration::from_secs(60)))
    }

    fn budget(&self) -> Option<crate::model::BudgetStatus> {
        Some(self.budget_status(Timestamp::now()))
    }

    fn request_log(&self) -> Option<&RequestLog> {
        Some(self.transport.budget().log())
    }

    fn restore_request_log(&mut self, log: RequestLog) {
        self.transport.set_request_log(log);
    }

    /// Discourse keeps per topic how far the user read: what is read here is sent as
    /// timings during the pull.
    fn sends_read_marks(&self) -> bool {
        self.read_sync && !self.anonymous
    }

    fn set_read_state(&mut self, read: &ReadState) {
        if self.sends_read_marks() {
            self.read_state = Some(read.clone());
        }
    }

    async fn search_users(&mut self, prefix: &str) -> Result<Vec<String>, RemoteError> {
        messages::search_users(&mut self.transport, prefix).await
    }

    async fn revisions(
        &mut self,
        post: &crate::model::PostId,
        version: u64,
    ) -> Result<Vec<crate::model::Revision>, RemoteError> {
        let id = post
            .as_str()
            .parse::<u64>()
            .map_err(|_| RemoteError::Protocol(format!("{post} is not a Discourse post id")))?;
        self.transport.set_priority(crate::model::Priority::User);
        let mut found = revisions::fetch(&mut self.transport, id, version).await?;
        for revision in &mut found {
            revision.text = crate::text::sanitize::clean(&revision.text).into_owned();
        }
        Ok(found)
    }

    /// Watch levels and bookmarks map onto Discourse's own ([`places`]), under the same
    /// switch as reading.
    fn syncs_places(&self) -> bool {
        self.read_sync && !self.anonymous
    }

    /// Notifications read here are marked read on the forum too (`PUT
    /// /notifications/mark-read`), under the same switch as reading.
    fn syncs_inbox(&self) -> bool {
        self.read_sync && !self.anonymous
    }

    async fn send_inbox_read(&mut self, _key: &str, ids: &[String]) -> Result<(), RemoteError> {
        self.transport.set_priority(crate::model::Priority::User);
        inbox::mark_read(&mut self.transport, ids).await
    }

    /// One watch level or bookmark change. Discourse has no idempotency keys: a resent
    /// level is the same level, a resent bookmark finds the one it made. A 403 on a key
    /// that still works (checked with `/session/current.json`) is the forum refusing this
    /// one change for good — the topic or post is gone or hidden from the user
    /// (`BookmarkManager` raises `InvalidAccess` for those): answered as 404, so the
    /// queue logs and drops it; a key that no longer works keeps it queued.
    async fn send_place_mark(&mut self, _key: &str, mark: &PlaceMark) -> Result<(), RemoteError> {
        // Boxed: a large future the engine's own need not carry.
        Box::pin(self.send_place(mark)).await
    }

    fn want_earlier(&mut self, thread: &ThreadId) {
        if let Ok(topic) = thread.as_str().parse::<u64>()
            && !self.earlier.contains(&topic)
        {
            self.earlier.push_back(topic);
        }
    }

    async fn submit(&mut self, entry: &OutboxEntry) -> Result<Submitted, RemoteError> {
        if let Some((thread, post)) = entry.target.post() {
            self.transport.set_priority(crate::model::Priority::User);
            let submitted = self.writer().change(entry).await;
            self.touch(thread, post);
            let mut submitted = submitted?;
            if let Submitted::Posted { post, .. } | Submitted::Conflict { current: post } =
                &mut submitted
            {
                self.anchor(post);
            }
            return Ok(submitted);
        }
        let mut submitted = self.writer().submit(entry).await?;
        if let Submitted::Posted { post, thread } = &mut submitted {
            self.anchor(post);
            **post = clean::post((**post).clone());
            if let Some(thread) = thread {
                **thread = clean::summary((**thread).clone());
            }
        }
        Ok(submitted)
    }

    async fn find_submitted(&mut self, entry: &OutboxEntry) -> Result<Option<Post>, RemoteError> {
        if self.anonymous {
            return Ok(None);
        }
        // A change of a post landed when the post shows it; else it is sent again
        // (an edit still carries `original_text`, so it cannot overwrite anything).
        if let Some((thread, post)) = entry.target.post() {
            let Ok(id) = post.as_str().parse::<u64>() else {
                return Ok(None);
            };
            let topic = thread.as_str().parse::<u64>().ok();
            self.transport.set_priority(crate::model::Priority::User);
            let current = self.writer().current(id, topic).await?;
            return Ok(entry
                .target
                .done_in(&entry.body, &current)
                .then_some(current));
        }
        let username = match self.username.clone() {
            Some(name) => name,
            None => match self.current_username().await? {
                Some(name) => name,
                None => return Ok(None),
            },
        };
        self.writer().find_submitted(entry, &username).await
    }

    async fn awaiting_approval(&mut self, entry: &OutboxEntry) -> Result<bool, RemoteError> {
        if self.anonymous {
            return Ok(false);
        }
        let username = match self.username.clone() {
            Some(name) => name,
            None => match self.current_username().await? {
                Some(name) => name,
                None => return Ok(false),
            },
        };
        self.writer().is_pending(entry, &username).await
    }
}

impl DiscourseBackend {
    async fn send_place(&mut self, mark: &PlaceMark) -> Result<(), RemoteError> {
        if !self.syncs_places() {
            return Ok(());
        }
        self.transport.set_priority(crate::model::Priority::User);
        let Some(username) = self.places_user().await else {
            return Err(RemoteError::Status {
                status: 401,
                code: Some("unauthorized".to_owned()),
                message: "the forum does not say who this key belongs to; log in again".to_owned(),
                retry_after: None,
            });
        };
        self.transport.set_priority(crate::model::Priority::User);
        let sent = places::send(&mut self.transport, &username, &mut self.bookmark_ids, mark).await;
        match sent {
            Err(e @ RemoteError::Status { status: 403, .. }) => {
                match submit::current_username(&mut self.transport).await {
                    Ok(Some(_)) => Err(RemoteError::Status {
                        status: 404,
                        code: Some("not_found".to_owned()),
                        message: format!(
                            "the forum refuses it ({e}): the thread or post is gone or hidden"
                        ),
                        retry_after: None,
                    }),
                    _ => Err(key_refused(e, false)),
                }
            }
            other => other,
        }
    }

    /// Who the user is, when watch levels and bookmarks are synced (a user key asks the
    /// forum once); `None` otherwise, or when the forum does not say.
    /// Whose private messages are listed: the account's user (asked once, with a User
    /// API key, which does not name it); `None` reading anonymously.
    async fn messages_user(&mut self) -> Option<String> {
        if self.anonymous {
            return None;
        }
        // Boxed: asked once, it need not weigh on every pull's future.
        if self.username.is_none()
            && let Err(e) = Box::pin(self.current_username()).await
        {
            tracing::info!("private messages wait: {e}");
        }
        self.username.clone()
    }

    async fn places_user(&mut self) -> Option<String> {
        if !self.syncs_places() {
            return None;
        }
        // Boxed: asked once, it need not weigh on every pull's future.
        if self.username.is_none()
            && let Err(e) = Box::pin(self.current_username()).await
        {
            tracing::info!("watch levels and bookmarks wait: {e}");
        }
        self.username.clone()
    }

    /// The bookmark ids known and the user's name, kept in the cursor: the ids taken
    /// from it at the first pull of this process, then what this process knows
    /// (bookmarks made and removed here, the bookmark list as last read) written back.
    fn keep_bookmark_ids(&mut self, cursor: &mut PullCursor) {
        if !self.ids_loaded {
            for (post, id) in &cursor.places.ids {
                self.bookmark_ids.entry(*post).or_insert(*id);
            }
            self.ids_loaded = true;
        }
        for (post, seen) in &cursor.places.bookmarks {
            self.bookmark_ids.entry(*post).or_insert(seen.id);
        }
        cursor.places.ids.clone_from(&self.bookmark_ids);
        cursor.places.username.clone_from(&self.username);
    }

    /// Notes a post we changed, for the next pull to read again.
    fn touch(&mut self, thread: &ThreadId, post: &crate::model::PostId) {
        if let (Ok(topic), Ok(post)) = (thread.as_str().parse(), post.as_str().parse())
            && !self.touched.contains(&(topic, post))
        {
            self.touched.push_back((topic, post));
        }
    }

    fn budget_status(&self, now: Timestamp) -> BudgetStatus {
        self.transport.budget().status(now)
    }
}

/// A key Discourse no longer knows is refused with `403 invalid_access` on every request,
/// the site's own pages included (`lib/auth/default_current_user_provider.rb` raises
/// `Discourse::InvalidAccess` for an unknown or revoked User API key; keys unused for
/// `revoke_user_api_keys_unused_days`, 180 by default, are revoked): that is a login to
/// renew, not a refusal of one request.
pub(crate) fn key_refused(e: RemoteError, anonymous: bool) -> RemoteError {
    match e {
        RemoteError::Status {
            status: 403,
            code: Some(code),
            ..
        } if code == "forbidden" && !anonymous => RemoteError::Status {
            status: 403,
            code: Some("unauthorized".to_owned()),
            message: "the forum no longer accepts this key (revoked, expired, or unused for \
                      180 days); log in again"
                .to_owned(),
            retry_after: None,
        },
        other => other,
    }
}
