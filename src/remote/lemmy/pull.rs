//! One pull call: a few requests of a sync round — the site and the caller, the tree,
//! post listings down to their high-water marks, then the comments of posts that changed
//! (the focused one first) — within the request budget, returning what was learned and
//! the cursor that covers it.
//!
//! Listings: a community seen for the first time is listed newest-created first
//! (`sort=New`) back to the horizon; after that, the communities whose comments are
//! prefetched are caught up together through one feed (`type_=Subscribed`, or `Local`
//! when reading anonymously) in Lemmy's "new comments" order, which a new post and a new
//! comment both move to the top, down to the feed's high-water mark: a quiet round costs
//! two or three requests. The other areas are listed the same way, each on its own, at
//! most every [`OTHER_AREAS_EVERY`]. Featured posts come first in every listing whatever
//! their age and are never compared with a mark.

use super::cursor::{
    CommentJob, CommunityInfo, ListOrder, ListingJob, PostMark, PostRecord, PullCursor, Queued,
    Round, Step as JobStep, Tops,
};
use super::posts::{self, thread_id};
use super::transport::{As, Transport, polite_limit};
use super::tree;
use super::version::{self, ApiVersion, Listing};
use super::wire::{CommunityView, MyUserInfo, Page, PostView, SiteResponse};
use crate::config::Prefetch;
use crate::model::{ReadState, ThreadId};
use crate::remote::{Cursor, PullBatch, RemoteError, fingerprint};
use jiff::{SignedDuration, Timestamp};
use std::time::Duration;

/// Requests one pull call makes at most, so the engine persists progress often.
pub const REQUESTS_PER_CALL: u32 = 8;
/// Posts a listing page asks for.
const POSTS_PER_PAGE: u32 = 20;
/// Pages of a community's first listing (the newest 40 posts within the horizon).
const FIRST_PAGES: u32 = 2;
/// Pages of a catch-up listing before the rest waits for the next round.
const CATCH_UP_PAGES: u32 = 5;
/// How often the most active communities are asked for again.
const TOPS_EVERY: SignedDuration = SignedDuration::from_hours(1);
/// How often the areas whose comments are not prefetched are listed again.
pub const OTHER_AREAS_EVERY: SignedDuration = SignedDuration::from_mins(15);

/// What the account asked for (`config.toml`).
#[derive(Clone, Copy, Debug)]
pub struct Settings {
    pub top_communities: u32,
    /// Whose comments are fetched without being asked.
    pub prefetch: Prefetch,
    /// Posts without activity for this long are not listed (nor their comments
    /// fetched) unless opened.
    pub horizon: SignedDuration,
    /// A fixed budget instead of a share of the instance's published limits.
    pub budget: Option<crate::model::Limit>,
    /// Posts read in full here are marked read on the instance (`read_sync`).
    pub read_sync: bool,
}

/// Where a listing reads: one community, or the feed of every prefetched community.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    Community(i64),
    Subscribed,
    Local,
}

impl Scope {
    fn of(job: &ListingJob) -> Self {
        match job.community {
            FEED_SUBSCRIBED => Scope::Subscribed,
            FEED_LOCAL => Scope::Local,
            id => Scope::Community(id),
        }
    }
}

/// Listing jobs and high-water marks of the feeds use these community ids.
const FEED_SUBSCRIBED: i64 = -1;
const FEED_LOCAL: i64 = -2;

pub struct Pull<'a> {
    pub(super) transport: &'a mut Transport,
    pub(super) settings: Settings,
    pub(super) cursor: PullCursor,
    pub(super) batch: PullBatch,
    pub(super) requests: u32,
    progressed: bool,
    pub(super) now: Timestamp,
    /// The local read state, when read marks are sent to the instance.
    pub(super) read_state: Option<&'a ReadState>,
}

enum Progress {
    More,
    Done,
}

impl<'a> Pull<'a> {
    pub fn new(transport: &'a mut Transport, settings: Settings, cursor: Option<&Cursor>) -> Self {
        let (cursor, restarted) = match cursor.map(PullCursor::read) {
            None => (PullCursor::fresh(), false),
            Some(Some(c)) => (c, false),
            Some(None) => (PullCursor::fresh(), true),
        };
        Self {
            transport,
            settings,
            cursor,
            batch: PullBatch {
                restarted,
                ..PullBatch::default()
            },
            requests: 0,
            progressed: restarted,
            now: Timestamp::now(),
            read_state: None,
        }
    }

    /// Sends the instance read marks for posts read in full in `read` ([`super::read_marks`]).
    pub fn with_read_state(mut self, read: Option<&'a ReadState>) -> Self {
        self.read_state = read.filter(|_| self.settings.read_sync);
        self
    }

    /// Works until the round is done, the per-call share is spent, the budget runs out
    /// or a request fails. Work done before a failure is returned (the failure shows
    /// again on the next call); a failure before any work is the error.
    pub async fn run(
        mut self,
        focus: Option<&ThreadId>,
    ) -> Result<(PullBatch, PullCursor), RemoteError> {
        let focus = focus.and_then(|t| t.as_str().parse::<i64>().ok());
        loop {
            if self.requests >= REQUESTS_PER_CALL {
                return Ok(self.finish(false, None));
            }
            let wait = self.transport.background_wait();
            if !wait.is_zero() {
                return Ok(self.finish(false, Some(wait)));
            }
            match self.step(focus).await {
                Ok(Progress::More) => self.progressed = true,
                Ok(Progress::Done) => return Ok(self.finish(true, None)),
                Err(e) if self.progressed => {
                    let pause = e.retry_after();
                    return Ok(self.finish(false, pause));
                }
                Err(e) => return Err(e),
            }
        }
    }

    fn finish(mut self, complete: bool, pause: Option<Duration>) -> (PullBatch, PullCursor) {
        if complete {
            self.cursor.round = None;
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

    async fn step(&mut self, focus: Option<i64>) -> Result<Progress, RemoteError> {
        let Some(round) = self.cursor.round.as_mut() else {
            self.start_round().await?;
            return Ok(Progress::More);
        };
        if let Some(post) = focus.filter(|f| round.focus_done != Some(*f)) {
            round.focus_done = Some(post);
            self.focus_on(post);
            return Ok(Progress::More);
        }
        if round.job.is_some() {
            self.job_step().await?;
            return Ok(Progress::More);
        }
        if let Some(queued) = round.queue.pop_front() {
            self.start_job(queued);
            return Ok(Progress::More);
        }
        if round.listings.front().is_some() {
            self.list_page().await?;
            return Ok(Progress::More);
        }
        // After the comments, so each item's place in its thread is known.
        // Boxed: a rare step need not weigh on every pull's future.
        if Box::pin(self.read_inbox()).await? {
            return Ok(Progress::More);
        }
        if let Some(post) = self.next_read_mark() {
            self.send_read_mark(post).await?;
            return Ok(Progress::More);
        }
        Ok(Progress::Done)
    }

    pub(super) async fn get<T: serde::de::DeserializeOwned>(
        &mut self,
        path: &str,
        query: &[(&str, String)],
        what: &str,
    ) -> Result<T, RemoteError> {
        self.get_as(path, query, As::Account, what).await
    }

    pub(super) async fn get_as<T: serde::de::DeserializeOwned>(
        &mut self,
        path: &str,
        query: &[(&str, String)],
        who: As,
        what: &str,
    ) -> Result<T, RemoteError> {
        self.requests += 1;
        self.transport.get(path, query, who, what).await
    }

    pub(super) fn version(&self) -> ApiVersion {
        self.transport.version().unwrap_or(ApiVersion::V3)
    }

    pub(super) fn round(&mut self) -> &mut Round {
        self.cursor.round.get_or_insert_with(Round::default)
    }

    /// The site (detecting the API on the way), the caller, the most active communities,
    /// the tree; then the listings of this round.
    async fn start_round(&mut self) -> Result<(), RemoteError> {
        let site = self.site().await?;
        let limits = site.site_view.local_site_rate_limit;
        self.transport.set_instance_limits(limits);
        self.transport
            .set_limit(self.settings.budget.unwrap_or_else(|| polite_limit(limits)));
        self.cursor.server_version = Some(site.version.clone()).filter(|v| !v.is_empty());
        let subscribed = self.caller(site.my_user).await?;
        if self.tops_due() {
            self.cursor.tops = self.tops().await?;
        }
        let title = Some(site.site_view.site.name.trim().to_owned())
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| self.transport.host().unwrap_or("Lemmy").to_owned());
        let (forum, areas) = tree::build(&tree::Input {
            title: &title,
            subscribed: subscribed.as_deref(),
            tops: &self.cursor.tops,
            prefetch: self.settings.prefetch,
        });
        let print = fingerprint::of_json(&forum);
        if self.cursor.tree.as_deref() != Some(print.as_str()) {
            self.cursor.tree = Some(print);
            self.batch.forum = Some(forum);
        }
        let listings = self.listings(&areas, subscribed.is_some());
        let retry: std::collections::VecDeque<Queued> = self
            .cursor
            .retry
            .drain(..)
            .map(|post| Queued {
                post,
                mark: None,
                summary: None,
            })
            .collect();
        self.cursor.round = Some(Round {
            total: retry.len() as u64,
            queue: retry,
            areas,
            listings,
            ..Round::default()
        });
        self.plan_inbox();
        Ok(())
    }

    /// `GET /site` (detecting the API on the way).
    async fn site(&mut self) -> Result<SiteResponse, RemoteError> {
        self.requests += 1;
        let (api, site) = super::detect(self.transport, self.cursor.api, As::Account).await?;
        self.cursor.api = Some(api);
        Ok(site)
    }

    /// The caller's communities (`None`: reading anonymously). A stored token the server
    /// no longer accepts is a login problem, never a silent fall back to anonymous.
    async fn caller(
        &mut self,
        from_site: Option<MyUserInfo>,
    ) -> Result<Option<Vec<CommunityInfo>>, RemoteError> {
        if !self.transport.logged_in() {
            return Ok(None);
        }
        let me = match (from_site, self.version().my_user_path()) {
            (Some(me), _) => Some(me),
            (None, Some(path)) => Some(self.get::<MyUserInfo>(path, &[], "the account").await?),
            (None, None) => None,
        };
        let Some(me) = me else {
            return Err(RemoteError::Status {
                status: 401,
                code: Some("unauthorized".to_owned()),
                message: "the instance no longer accepts this login (the token expired or was \
                          revoked); run `threadmark login`"
                    .to_owned(),
                retry_after: None,
            });
        };
        self.cursor.me = Some(me.local_user_view.person.id);
        let moderated: std::collections::HashSet<i64> =
            me.moderates.iter().map(|m| m.community.id).collect();
        let mut mine: Vec<CommunityInfo> = me
            .follows
            .iter()
            .filter_map(|f| tree::info(&f.community))
            .map(|mut c| {
                // Moderators may post where others may not.
                c.mods_only &= !moderated.contains(&c.id);
                c
            })
            .collect();
        mine.sort_by_key(|c| c.name.to_lowercase());
        mine.dedup_by_key(|c| c.id);
        Ok(Some(mine))
    }

    fn tops_due(&self) -> bool {
        self.cursor
            .tops
            .at
            .is_none_or(|at| self.now.duration_since(at) >= TOPS_EVERY || at > self.now)
    }

    async fn tops(&mut self) -> Result<Tops, RemoteError> {
        let limit = self.settings.top_communities.clamp(1, 50);
        let mut tops = Tops {
            at: Some(self.now),
            ..Tops::default()
        };
        for listing in [Listing::Local, Listing::All] {
            let query = self.version().community_query(listing, limit);
            let page: Page<CommunityView> = self
                .get("/community/list", &query, "the most active communities")
                .await?;
            let mut views: Vec<&CommunityView> =
                page.items.iter().filter(|v| !version::blocked(v)).collect();
            views.sort_by_key(|v| std::cmp::Reverse(version::activity(v)));
            let infos = views
                .into_iter()
                .filter(|v| listing == Listing::All || v.community.local)
                .filter_map(|v| tree::info(&v.community))
                .collect();
            match listing {
                Listing::Local => tops.local = infos,
                Listing::All => tops.all = infos,
            }
        }
        Ok(tops)
    }

    /// This round's listings: first listings of communities never listed, the feed of
    /// the prefetched ones, and the others when their time has come.
    fn listings(
        &mut self,
        areas: &std::collections::BTreeMap<i64, bool>,
        logged_in: bool,
    ) -> std::collections::VecDeque<ListingJob> {
        let mut jobs = std::collections::VecDeque::new();
        let job = |community: i64, order: ListOrder| ListingJob {
            community,
            order,
            at: None,
            pages: 0,
            newest: None,
        };
        for (&community, _) in areas
            .iter()
            .filter(|(c, _)| !self.cursor.high_water.contains_key(c))
        {
            jobs.push_back(job(community, ListOrder::New));
        }
        if areas.values().any(|&prefetch| prefetch) {
            let feed = if logged_in {
                FEED_SUBSCRIBED
            } else {
                FEED_LOCAL
            };
            if self.cursor.high_water.contains_key(&feed) {
                jobs.push_back(job(feed, ListOrder::NewComments));
            } else {
                // The first listings above cover what is there now; the feed follows
                // what comes after.
                self.cursor.high_water.insert(feed, self.now);
            }
        }
        let others_due = self
            .cursor
            .others_listed_at
            .is_none_or(|at| self.now.duration_since(at) >= OTHER_AREAS_EVERY || at > self.now);
        if others_due {
            self.cursor.others_listed_at = Some(self.now);
            for (&community, _) in areas
                .iter()
                .filter(|(c, p)| !**p && self.cursor.high_water.contains_key(c))
            {
                jobs.push_back(job(community, ListOrder::NewComments));
            }
        }
        jobs
    }

    /// One page of a listing. Posts are recorded (summary and opening post) as they are
    /// seen; those whose comments changed are queued when their community prefetches.
    async fn list_page(&mut self) -> Result<(), RemoteError> {
        let Some(job) = self.round().listings.front().cloned() else {
            return Ok(());
        };
        let scope = Scope::of(&job);
        let version = self.version();
        let mut query = match scope {
            Scope::Community(id) => version.posts_query(
                id,
                job.order.post_order(),
                POSTS_PER_PAGE,
                job.at.as_deref(),
            ),
            Scope::Subscribed | Scope::Local => version.feed_query(
                scope == Scope::Subscribed,
                POSTS_PER_PAGE,
                job.at.as_deref(),
            ),
        };
        query.retain(|(k, _)| !k.is_empty());
        let page: Page<PostView> = self.get("/post/list", &query, "a list of posts").await?;
        let horizon = self.now - self.settings.horizon;
        let mark = self.cursor.high_water.get(&job.community).copied();
        let mut newest = job.newest;
        let mut reached_end = false;
        for view in &page.items {
            let featured = view.post.featured_community || view.post.featured_local;
            let activity = version::post_activity(view);
            if !featured {
                newest = newest.max(Some(activity));
                let old = match job.order {
                    ListOrder::New => view.post.published < horizon,
                    ListOrder::NewComments => {
                        activity < horizon || mark.is_some_and(|m| activity <= m)
                    }
                };
                if old {
                    reached_end = true;
                    continue;
                }
            } else if job.order == ListOrder::NewComments && mark.is_some_and(|m| activity <= m) {
                continue;
            }
            self.see_post(view);
        }
        let pages = job.pages + 1;
        let max_pages = match job.order {
            ListOrder::New => FIRST_PAGES,
            ListOrder::NewComments => CATCH_UP_PAGES,
        };
        let finished =
            reached_end || page.items.is_empty() || page.next_page.is_none() || pages >= max_pages;
        let round = self.round();
        if finished {
            round.listings.pop_front();
            if let Some(newest) = newest {
                let key = job.community;
                let entry = self.cursor.high_water.entry(key).or_insert(newest);
                *entry = (*entry).max(newest);
            }
        } else if let Some(front) = round.listings.front_mut() {
            front.at = page.next_page;
            front.pages = pages;
            front.newest = newest;
        }
        Ok(())
    }

    /// Records a listed post: its summary and opening post go out now; its comments are
    /// queued when they changed and its community prefetches them.
    fn see_post(&mut self, view: &PostView) {
        let Some(&prefetch) = self.round().areas.get(&view.post.community_id) else {
            return; // a community without an area (a feed lists every subscription)
        };
        let id = view.post.id;
        let mark = PostMark {
            comments: version::post_comments(view),
            activity: version::post_activity(view),
        };
        let record = self.cursor.posts.entry(id).or_insert_with(|| PostRecord {
            community: view.post.community_id,
            ..PostRecord::default()
        });
        record.community = view.post.community_id;
        record.listed = Some(mark);
        record.server_read = version::read_in_full(view) == Some(true);
        if let Some(post) = posts::opening(view, record) {
            self.batch.posts.push(post);
        }
        let summary = posts::summary(view, record);
        let changed = record.mark != Some(mark);
        let nothing_to_fetch = mark.comments == 0 && record.comments.is_empty();
        if changed && nothing_to_fetch {
            record.mark = Some(mark);
        }
        self.batch.threads.retain(|t| t.id != summary.id);
        self.batch.threads.push(summary.clone());
        if version::read_in_full(view) == Some(true) {
            self.batch_read(id, changed && prefetch && !nothing_to_fetch);
        }
        if changed && prefetch && !nothing_to_fetch {
            let round = self.round();
            let queued = Queued {
                post: id,
                mark: Some(mark),
                summary: Some(summary),
            };
            if let Some(waiting) = round.queue.iter_mut().find(|q| q.post == id) {
                *waiting = queued;
            } else if round.job.as_ref().is_none_or(|j| j.post != id) {
                round.queue.push_back(queued);
                round.total += 1;
            }
        }
    }

    /// The server says the caller read the post and all its comments: the thread is
    /// marked read up to what the cache holds, once its comments are in.
    fn batch_read(&mut self, post: i64, after_comments: bool) {
        if after_comments {
            self.round().read_after.insert(post);
        } else if let Some(record) = self.cursor.posts.get(&post) {
            self.batch
                .read_through
                .push((thread_id(post), record.last_seq()));
        }
    }

    /// The focused thread's job goes first: the post itself, then its whole tree.
    fn focus_on(&mut self, post: i64) {
        let round = self.round();
        if let Some(job) = round.job.take() {
            if job.post == post {
                round.job = Some(job);
                return;
            }
            // The interrupted job starts over after the focused one.
            round.queue.push_front(Queued {
                post: job.post,
                mark: job.mark,
                summary: job.summary,
            });
        }
        let queued = round
            .queue
            .iter()
            .position(|q| q.post == post)
            .and_then(|i| round.queue.remove(i));
        let counted = queued.is_some();
        let (mark, summary) = queued.map_or((None, None), |q| (q.mark, q.summary));
        round.job = Some(CommentJob {
            post,
            mark,
            summary,
            steps: [
                JobStep::Post,
                JobStep::Tree {
                    parent: None,
                    at: None,
                },
            ]
            .into(),
            branched: std::collections::BTreeSet::new(),
            capped: false,
            focused: true,
        });
        if !counted {
            round.total += 1;
        }
    }

    fn start_job(&mut self, queued: Queued) {
        let first = match self.cursor.posts.get(&queued.post) {
            Some(record) if !record.comments.is_empty() => JobStep::Flat {
                order: super::cursor::FlatOrder::New,
                at: self.version().first_comment_page(),
                until_known: true,
            },
            _ => JobStep::Tree {
                parent: None,
                at: None,
            },
        };
        self.round().job = Some(CommentJob {
            post: queued.post,
            mark: queued.mark,
            summary: queued.summary,
            steps: [first].into(),
            branched: std::collections::BTreeSet::new(),
            capped: false,
            focused: false,
        });
    }
}
