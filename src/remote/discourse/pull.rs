//! One pull call: a few requests of a sync round, each spent where it matters most within
//! the request budget — the thread the user opened and the posts they scrolled to first
//! (they may spend the reserve), then the categories when they may have changed, the
//! latest topics down to the newest activity already seen (headers of every topic, the
//! first time), then the posts the prefetch policy wants.

use super::cursor::{ListingMark, ListingScan, PullCursor, Round};
use super::posts::Mapping;
use super::prefetch::PrefetchSettings;
use super::transport::{As, Transport};
use super::tree;
use super::wire::{self, BasicInfo, CategoryListPage, FoundCategories, Site};
use crate::model::{Priority, ReadState, ThreadId};
use crate::remote::{Cursor, PullBatch, RemoteError};
use jiff::{SignedDuration, Timestamp};
use std::collections::{BTreeMap, VecDeque};
use std::time::Duration;

/// Requests one pull call makes at most, so the engine persists progress often.
pub const REQUESTS_PER_CALL: u32 = 8;

/// The categories are read again after this long even when nothing suggests a change.
const CATEGORIES_MAX_AGE: SignedDuration = SignedDuration::from_hours(24);

/// Lazy-loading sites: `/categories.json` pages read at most (20 categories a page).
const MAX_CATEGORY_PAGES: u32 = 50;

/// The topic the reader has open has its cached posts compared for edits by others when
/// it is opened and again after this long while it stays open. Editing an older post
/// does not bump a topic (`lib/post_revisor.rb#bump_topic` bumps only for the last post),
/// so no listing tells of it, and a polling client must look.
pub const FOCUS_RECHECK: SignedDuration = SignedDuration::from_mins(5);

/// Cached posts of the open topic compared per check beyond its first page, newest
/// first: `/t/{id}/posts.json?post_ids[]=` 50 at a time, so a check costs the topic read
/// plus at most 10 requests (1 + 10 every [`FOCUS_RECHECK`] = at most 132 an hour while
/// the reader stays open on a long topic; a topic of 70 posts costs 1 + 1), at user
/// priority, within the budget (a spent budget makes them wait like any request).
pub const FOCUS_CHECK_POSTS: usize = 10 * super::posts::POSTS_PER_REQUEST;

pub struct Pull<'a> {
    pub(super) transport: &'a mut Transport,
    pub(super) mapping: Mapping,
    pub(super) settings: PrefetchSettings,
    pub(super) cursor: PullCursor,
    pub(super) batch: PullBatch,
    /// Topics whose earlier posts the user asked for.
    pub(super) earlier: &'a mut VecDeque<u64>,
    /// Posts we changed (topic, post), to read again.
    pub(super) touched: &'a mut VecDeque<(u64, u64)>,
    /// The local read state, when reading is synced (`read_sync`, a login).
    pub(super) read: Option<&'a ReadState>,
    /// The reader is open: timings say the user is present.
    pub(super) present: bool,
    /// Who the user is, when watch levels and bookmarks are synced.
    pub(super) places: Option<String>,
    /// The user is logged in: their notifications are read into the inbox.
    pub(super) inbox: bool,
    /// The user's name, when their private messages are listed (a login).
    pub(super) messages: Option<String>,
    /// Category id → area, from the tree as it stands.
    pub(super) areas: BTreeMap<u64, u64>,
    requests: u32,
    progressed: bool,
}

/// What to do next, and for whom.
#[derive(Clone, Copy, Debug)]
enum Plan {
    Focus(u64),
    Earlier(u64),
    Touched(u64),
    Timings(u64, bool),
    UserJob,
    Site,
    Title,
    Listing,
    Bookmarks,
    Notifications,
    Messages,
    Job,
    Read(u64, Option<ListingMark>),
}

impl Plan {
    fn priority(self) -> Priority {
        match self {
            Plan::Focus(_)
            | Plan::Earlier(_)
            | Plan::Touched(_)
            | Plan::UserJob
            | Plan::Timings(_, true) => Priority::User,
            _ => Priority::Background,
        }
    }
}

impl<'a> Pull<'a> {
    pub fn new(
        transport: &'a mut Transport,
        mapping: Mapping,
        settings: PrefetchSettings,
        cursor: Option<&Cursor>,
        earlier: &'a mut VecDeque<u64>,
        touched: &'a mut VecDeque<(u64, u64)>,
    ) -> Self {
        let (cursor, restarted) = match cursor.map(PullCursor::read) {
            None => (PullCursor::fresh(), false),
            Some(Some(c)) => (c, false),
            Some(None) => (PullCursor::fresh(), true),
        };
        let mut pull = Self {
            transport,
            mapping,
            settings,
            cursor,
            batch: PullBatch {
                restarted,
                ..PullBatch::default()
            },
            earlier,
            touched,
            read: None,
            places: None,
            inbox: false,
            messages: None,
            present: false,
            areas: BTreeMap::new(),
            requests: 0,
            progressed: restarted,
        };
        pull.rebuild_areas();
        pull
    }

    /// Works until the round is done, the per-call share is spent, the budget makes the
    /// next request wait or a request fails. Work done before a failure is returned (the
    /// failure shows again on the next call); a failure before any work is the error.
    pub async fn run(
        mut self,
        focus: Option<&ThreadId>,
    ) -> Result<(PullBatch, PullCursor), RemoteError> {
        let focus = focus.and_then(|t| t.as_str().parse::<u64>().ok());
        self.ensure_round();
        loop {
            if self.requests >= REQUESTS_PER_CALL {
                return Ok(self.finish(false, None));
            }
            let Some(plan) = self.plan(focus) else {
                return Ok(self.finish(true, None));
            };
            self.transport.set_priority(plan.priority());
            let wait = self.transport.wait();
            if !wait.is_zero() {
                return Ok(self.finish(false, Some(wait)));
            }
            match self.step(plan).await {
                Ok(()) => self.progressed = true,
                Err(e) if self.progressed => {
                    let pause = e.retry_after();
                    return Ok(self.finish(false, pause));
                }
                Err(e) => return Err(e),
            }
        }
    }

    fn plan(&mut self, focus: Option<u64>) -> Option<Plan> {
        if let Some(topic) =
            focus.filter(|&f| self.cursor.focus_read != Some(f) || self.focus_check_due(f))
        {
            return Some(Plan::Focus(topic));
        }
        if let Some(&topic) = self.earlier.front() {
            return Some(Plan::Earlier(topic));
        }
        if let Some(&(topic, _)) = self.touched.front() {
            return Some(Plan::Touched(topic));
        }
        let round = self.round();
        if round.jobs.front().is_some_and(|j| j.user) {
            return Some(Plan::UserJob);
        }
        if round.site || round.category_page.is_some() || !round.unknown_categories.is_empty() {
            return Some(Plan::Site);
        }
        let untitled = self.cursor.title.is_none();
        let round = self.round();
        if untitled {
            return Some(Plan::Title);
        }
        if round.listing.is_some() {
            return Some(Plan::Listing);
        }
        if round.bookmarks.is_some() {
            return Some(Plan::Bookmarks);
        }
        if round.notifications {
            return Some(Plan::Notifications);
        }
        if !round.messages.is_empty() {
            return Some(Plan::Messages);
        }
        if let Some(topic) = self.next_timing() {
            return Some(Plan::Timings(topic, focus == Some(topic)));
        }
        let round = self.round();
        if round.jobs.front().is_some() {
            return Some(Plan::Job);
        }
        round.queue.front().map(|q| Plan::Read(q.topic, q.mark))
    }

    async fn step(&mut self, plan: Plan) -> Result<(), RemoteError> {
        match plan {
            Plan::Focus(topic) => {
                // Opening it, and every few minutes while it is open: every cached post
                // (the newest FOCUS_CHECK_POSTS) is compared, for edits by others.
                let check = self.focus_check_due(topic);
                let recheck = if check {
                    FOCUS_CHECK_POSTS
                } else {
                    super::topic::RECHECK
                };
                self.read_topic(topic, None, true, recheck).await?;
                self.cursor.focus_read = Some(topic);
                if check {
                    let now = Timestamp::now();
                    self.cursor
                        .focus_checked
                        .retain(|_, at| *at + FOCUS_RECHECK > now);
                    self.cursor.focus_checked.insert(topic, now);
                }
            }
            Plan::Earlier(topic) => {
                // A topic known by its listing only (or whose read failed) is read now;
                // one read in part gets a job for its earlier posts.
                if self
                    .cursor
                    .topics
                    .get(&topic)
                    .is_none_or(|r| !r.has_bodies())
                {
                    self.read_topic(topic, None, true, super::topic::RECHECK)
                        .await?;
                } else {
                    self.plan_earlier(topic);
                }
                self.earlier.pop_front();
            }
            Plan::Touched(topic) => self.read_touched(topic).await?,
            Plan::Timings(topic, _) => self.send_timings(topic).await?,
            Plan::UserJob | Plan::Job => self.fetch_posts().await?,
            Plan::Site => self.read_site().await?,
            Plan::Title => self.read_title().await?,
            Plan::Listing => self.list_page().await?,
            // Boxed: a rare step need not weigh on every pull's future.
            Plan::Bookmarks => Box::pin(self.read_bookmarks()).await?,
            Plan::Notifications => Box::pin(self.read_notifications()).await?,
            Plan::Messages => Box::pin(self.read_messages()).await?,
            Plan::Read(topic, mark) => {
                self.read_topic(topic, mark, false, super::topic::RECHECK)
                    .await?;
            }
        }
        Ok(())
    }

    /// The open topic's cached posts have not been compared for a few minutes.
    fn focus_check_due(&self, topic: u64) -> bool {
        self.cursor
            .focus_checked
            .get(&topic)
            .is_none_or(|&at| at + FOCUS_RECHECK <= Timestamp::now())
    }

    /// Reading is sent from `read` (`None`: not synced); `present` while the reader is
    /// open.
    #[must_use]
    pub fn with_reading(mut self, read: Option<&'a ReadState>, present: bool) -> Self {
        self.read = read;
        self.present = present;
        self
    }

    /// The user's notifications are read into the inbox (a login).
    #[must_use]
    pub fn with_inbox(mut self, on: bool) -> Self {
        self.inbox = on;
        self
    }

    /// The private messages of `username` are listed (`None`: reading anonymously).
    #[must_use]
    pub fn with_messages(mut self, username: Option<String>) -> Self {
        self.messages = username;
        self
    }

    /// Watch levels and bookmarks are synced for `username` (`None`: not synced).
    #[must_use]
    pub fn with_places(mut self, username: Option<String>) -> Self {
        self.places = username;
        self
    }

    pub(super) fn count_request(&mut self) {
        self.requests += 1;
    }

    pub(super) async fn get<T: serde::de::DeserializeOwned>(
        &mut self,
        path: &str,
        query: &[(&str, String)],
        what: &str,
    ) -> Result<T, RemoteError> {
        self.requests += 1;
        self.transport.get(path, query, As::Account, what).await
    }

    fn finish(mut self, complete: bool, pause: Option<Duration>) -> (PullBatch, PullCursor) {
        if complete {
            self.cursor.round = None;
        }
        // The tree as it stands, when it differs from the one delivered (compared by
        // fingerprint: cheap next to a request), once the forum's name is known.
        if self.cursor.title.is_some() {
            self.deliver_tree();
        }
        self.batch.progress = self
            .cursor
            .round
            .as_ref()
            .filter(|r| r.total > 0)
            .map(|r| (r.done, r.total));
        self.batch.complete = complete;
        self.batch.pause = pause;
        self.batch.cursor = self.cursor.to_value();
        (self.batch, self.cursor)
    }

    /// Starts a round when none is under way: the categories when they may have changed,
    /// then the listing, then what the last round could not read.
    fn ensure_round(&mut self) {
        if self.cursor.round.is_some() {
            return;
        }
        let policy = self.settings.policy.as_str().to_owned();
        if self.cursor.policy.as_deref() != Some(policy.as_str()) {
            // A new policy may want topics already listed: list everything again.
            self.cursor.policy = Some(policy);
            self.cursor.high_water = None;
        }
        let stale = self.cursor.categories.is_empty()
            || self
                .cursor
                .categories_read_at
                .is_none_or(|at| at + CATEGORIES_MAX_AGE < Timestamp::now());
        let retry: VecDeque<super::cursor::Queued> = self
            .cursor
            .retry
            .drain(..)
            .map(|topic| super::cursor::Queued { topic, mark: None })
            .collect();
        let bookmarks = (self.places.is_some() && Self::bookmarks_due(&mut self.cursor))
            .then(super::places::BookmarkScan::default);
        let notifications = self.inbox && Self::notifications_due(&mut self.cursor);
        // A list read page by page goes on in the next round, due or not.
        let messages = if self.messages.is_none() {
            Vec::new()
        } else if Self::messages_due(&mut self.cursor) {
            super::messages::LISTS.map(str::to_owned).to_vec()
        } else {
            self.cursor.message_pages.keys().cloned().collect()
        };
        self.cursor.round = Some(Round {
            site: stale,
            bookmarks,
            notifications,
            messages,
            listing: Some(ListingScan::default()),
            total: retry.len() as u64,
            queue: retry,
            ..Round::default()
        });
    }

    pub(super) fn round(&mut self) -> &mut Round {
        self.cursor.round.get_or_insert_with(Round::default)
    }

    /// `/site.json` (and the forum's name, once); on sites that lazy-load categories the
    /// `/categories.json` pages after it; categories a listing named that we do not know
    /// by `/categories/find.json`.
    async fn read_site(&mut self) -> Result<(), RemoteError> {
        let unknown = std::mem::take(&mut self.round().unknown_categories);
        if !unknown.is_empty() {
            let query: Vec<(&str, String)> =
                unknown.iter().map(|id| ("ids[]", id.to_string())).collect();
            let found: FoundCategories = self
                .get("/categories/find.json", &query, "the categories")
                .await?;
            tree::merge(&mut self.cursor.categories, tree::flatten(found.categories));
            self.rebuild_areas();
            self.import_category_levels();
            return Ok(());
        }
        if let Some(page) = self.round().category_page {
            let list: CategoryListPage = self
                .get(
                    "/categories.json",
                    &[("page", page.to_string())],
                    "the categories",
                )
                .await?;
            let more = !list.category_list.categories.is_empty() && page < MAX_CATEGORY_PAGES;
            let categories = tree::flatten(list.category_list.categories);
            let known: Vec<u64> = self.cursor.categories.iter().map(|c| c.id).collect();
            let missing_children: Vec<u64> = categories
                .iter()
                .flat_map(|c| c.subcategory_ids.clone().unwrap_or_default())
                .filter(|id| !known.contains(id) && !categories.iter().any(|c| c.id == *id))
                .collect();
            tree::merge(&mut self.cursor.categories, categories);
            let round = self.round();
            round.category_page = more.then_some(page + 1);
            round.unknown_categories.extend(missing_children);
            self.rebuild_areas();
            self.import_category_levels();
            return Ok(());
        }
        let site: Site = self.get("/site.json", &[], "the category list").await?;
        self.cursor.categories = site.categories;
        self.cursor.categories_read_at = Some(Timestamp::now());
        let round = self.round();
        round.site = false;
        if site.lazy_load_categories == Some(true) {
            round.category_page = Some(1);
        }
        self.rebuild_areas();
        self.import_category_levels();
        Ok(())
    }

    /// The forum's name, once (`/site/basic-info.json`).
    async fn read_title(&mut self) -> Result<(), RemoteError> {
        let info: Result<BasicInfo, _> = self
            .get("/site/basic-info.json", &[], "the site's name")
            .await;
        match info {
            Ok(info) => {
                self.cursor.title = Some(
                    info.title
                        .filter(|t| !t.trim().is_empty())
                        .unwrap_or_else(|| self.host_name()),
                );
            }
            Err(e @ (RemoteError::Timeout | RemoteError::Status { status: 429, .. })) => {
                return Err(e);
            }
            Err(RemoteError::Status {
                code: Some(code), ..
            }) if code == "login_required" => {
                self.cursor.title = Some(self.host_name());
            }
            // The category list just came: a forum without basic-info (an old one) is
            // named by its host.
            Err(_) => self.cursor.title = Some(self.host_name()),
        }
        Ok(())
    }

    fn host_name(&self) -> String {
        self.transport.host().unwrap_or("Discourse").to_owned()
    }

    pub(super) fn rebuild_areas(&mut self) {
        let tree = tree::build(&self.cursor.categories, &self.cursor.populated, "");
        self.areas = tree.areas;
    }

    fn deliver_tree(&mut self) {
        let title = self
            .cursor
            .title
            .clone()
            .unwrap_or_else(|| self.host_name());
        let mut tree = tree::build(&self.cursor.categories, &self.cursor.populated, &title);
        if self.messages.is_some() {
            crate::model::with_messages(&mut tree.forum);
        }
        self.areas = tree.areas;
        let fingerprint = super::cursor::fingerprint(&tree.forum);
        if self.cursor.tree.as_deref() != Some(fingerprint.as_str()) {
            self.cursor.tree = Some(fingerprint);
            self.batch.forum = Some(tree.forum);
        }
    }

    /// One page of `/latest.json`, all categories in bump order. `order=activity` is
    /// always asked: without it a category's own `sort_order` (created, likes, views…)
    /// replaces bump order (`lib/topic_query.rb`, `default_results`), and stopping at
    /// the high-water mark would then miss activity. Pinned topics come first whatever
    /// their age, so only unpinned ones are compared with the mark; every topic is
    /// compared with its record, so a changed pinned topic is still noticed.
    async fn list_page(&mut self) -> Result<(), RemoteError> {
        let Some(scan) = self.round().listing.clone() else {
            return Ok(());
        };
        let page: wire::TopicListPage = self
            .get(
                "/latest.json",
                &[
                    ("order", "activity".to_owned()),
                    ("ascending", "false".to_owned()),
                    ("page", scan.page.to_string()),
                ],
                "the latest topics",
            )
            .await?;
        let high_water = self.cursor.high_water;
        let mut newest = scan.newest;
        let mut reached_known = false;
        for item in &page.topic_list.topics {
            if item.pinned != Some(true) {
                if let (Some(bumped), Some(mark)) = (item.bumped_at, high_water)
                    && bumped <= mark
                {
                    // Older than the mark: no need for another page, but this one is
                    // already here and its entries are still compared below.
                    reached_known = true;
                }
                newest = newest.max(item.bumped_at);
            }
            self.listed(item, &page.users);
        }
        let finished = reached_known
            || page.topic_list.more_topics_url.is_none()
            || page.topic_list.topics.is_empty();
        let round = self.round();
        if finished {
            round.listing = None;
            if let Some(newest) = newest {
                let mark = self.cursor.high_water.get_or_insert(newest);
                *mark = (*mark).max(newest);
            }
        } else if let Some(listing) = round.listing.as_mut() {
            listing.page += 1;
            listing.newest = newest;
        }
        Ok(())
    }
}
