//! One pull call: a few requests of a sync round — the tree, category listings down to
//! their high-water marks, then changed topics (the focused one first) — within the
//! request budget, returning what was learned and the cursor that covers it.

use super::cursor::{ListingMark, ListingProgress, PullCursor, Queued, Round, TopicJob};
use super::posts::{self, Mapping, next_batch, thread_id};
use super::transport::{As, Transport};
use super::tree;
use super::wire::{self, BasicInfo, Site, TopicListPage, TopicPosts};
use crate::model::ThreadId;
use crate::remote::{Cursor, PullBatch, RemoteError};
use jiff::Timestamp;
use std::collections::HashSet;
use std::time::{Duration, Instant};

/// Requests one pull call makes at most, so the engine persists progress often.
pub const REQUESTS_PER_CALL: u32 = 8;

/// How many of the newest posts the focused topic re-checks for edits on each round
/// (older ones are re-checked only when they arrive in the topic's first page).
const FOCUS_RECHECK: usize = posts::POSTS_PER_REQUEST;

pub struct Pull<'a> {
    transport: &'a mut Transport,
    mapping: Mapping,
    cursor: PullCursor,
    batch: PullBatch,
    requests: u32,
    progressed: bool,
}

enum Step {
    More,
    Done,
}

impl<'a> Pull<'a> {
    pub fn new(transport: &'a mut Transport, mapping: Mapping, cursor: Option<&Cursor>) -> Self {
        let (cursor, restarted) = match cursor.map(PullCursor::read) {
            None => (PullCursor::fresh(), false),
            Some(Some(c)) => (c, false),
            Some(None) => (PullCursor::fresh(), true),
        };
        Self {
            transport,
            mapping,
            cursor,
            batch: PullBatch {
                restarted,
                ..PullBatch::default()
            },
            requests: 0,
            progressed: restarted,
        }
    }

    /// Works until the round is done, the per-call share is spent, the budget runs out
    /// or a request fails. Work done before a failure is returned (the failure shows
    /// again on the next call); a failure before any work is the error.
    pub async fn run(
        mut self,
        focus: Option<&ThreadId>,
    ) -> Result<(PullBatch, PullCursor), RemoteError> {
        let focus = focus.and_then(|t| t.as_str().parse::<u64>().ok());
        loop {
            if self.requests >= REQUESTS_PER_CALL {
                return Ok(self.finish(false, None));
            }
            let window = self.transport.window();
            let reserve = window.write_reserve();
            let now = Instant::now();
            if window.available(now, reserve) == 0 {
                let wait = window.wait(now, reserve);
                return Ok(self.finish(false, Some(wait)));
            }
            match self.step(focus).await {
                Ok(Step::More) => self.progressed = true,
                Ok(Step::Done) => return Ok(self.finish(true, None)),
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

    async fn step(&mut self, focus: Option<u64>) -> Result<Step, RemoteError> {
        let Some(round) = self.cursor.round.as_mut() else {
            self.start_round().await?;
            return Ok(Step::More);
        };
        if let Some(topic) = focus.filter(|f| round.focus_done != Some(*f)) {
            let queued = round.queue.iter().find(|q| q.topic == topic).copied();
            let counted = queued.is_some() || round.jobs.iter().any(|j| j.topic == topic);
            let mark = queued.and_then(|q| q.mark);
            self.read_topic(Queued { topic, mark }, true).await?;
            let round = self.round();
            round.focus_done = Some(topic);
            if !counted {
                round.total += 1;
            }
            return Ok(Step::More);
        }
        if round.jobs.front().is_some() {
            self.fetch_posts().await?;
            return Ok(Step::More);
        }
        if let Some(&queued) = round.queue.front() {
            self.read_topic(queued, false).await?;
            return Ok(Step::More);
        }
        if round.listings.front().is_some() {
            self.list_page().await?;
            return Ok(Step::More);
        }
        Ok(Step::Done)
    }

    async fn get<T: serde::de::DeserializeOwned>(
        &mut self,
        path: &str,
        query: &[(&str, String)],
        who: As,
        what: &str,
    ) -> Result<T, RemoteError> {
        self.requests += 1;
        self.transport.get(path, query, who, what).await
    }

    /// The tree from `/site.json` (and the forum's name, once).
    async fn start_round(&mut self) -> Result<(), RemoteError> {
        let site: Site = self
            .get("/site.json", &[], As::Account, "the category list")
            .await?;
        if self.cursor.title.is_none() {
            let info: Result<BasicInfo, _> = self
                .get("/site/basic-info.json", &[], As::Account, "the site's name")
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
                // The category list just came: a forum without basic-info (an old one)
                // is named by its host.
                Err(_) => self.cursor.title = Some(self.host_name()),
            }
        }
        let title = self
            .cursor
            .title
            .clone()
            .unwrap_or_else(|| self.host_name());
        let tree = tree::build(&site, &title);
        let fingerprint = super::cursor::fingerprint(&tree.forum);
        if self.cursor.tree.as_deref() != Some(fingerprint.as_str()) {
            self.cursor.tree = Some(fingerprint);
            self.batch.forum = Some(tree.forum);
        }
        let retry: std::collections::VecDeque<Queued> = self.cursor.retry.drain(..).collect();
        self.cursor.round = Some(Round {
            total: retry.len() as u64,
            queue: retry,
            areas: tree.areas,
            listings: tree
                .listings
                .into_iter()
                .map(|l| ListingProgress {
                    category: l.category,
                    slug: l.slug,
                    page: 0,
                    newest: None,
                })
                .collect(),
            ..Round::default()
        });
        Ok(())
    }

    fn host_name(&self) -> String {
        self.transport.host().unwrap_or("Discourse").to_owned()
    }

    /// One page of a category's latest topics. Pinned topics come first whatever their
    /// age, so only unpinned ones are compared with the high-water mark; every topic is
    /// compared with its record, so a changed pinned topic is still read.
    async fn list_page(&mut self) -> Result<(), RemoteError> {
        let Some(listing) = self.round().listings.front().cloned() else {
            return Ok(());
        };
        let path = format!("/c/{}/{}/l/latest.json", listing.slug, listing.category);
        let page: TopicListPage = self
            .get(
                &path,
                &[("page", listing.page.to_string())],
                As::Account,
                "a topic list",
            )
            .await?;
        let high_water = self.cursor.high_water.get(&listing.category).copied();
        let mut newest = listing.newest;
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
            let Some(&area) = item.category_id.and_then(|c| self.round().areas.get(&c)) else {
                continue; // a category without an area: its "About" topic only
            };
            let record = self.cursor.topics.get(&item.id);
            let mark = ListingMark {
                bumped_at: item.bumped_at,
                highest_post_number: item.highest_post_number.unwrap_or(0),
                posts_count: item.posts_count.unwrap_or(0),
            };
            if record.is_some_and(|r| r.mark == Some(mark)) {
                continue;
            }
            self.batch.threads.retain(|t| t.id != thread_id(item.id));
            self.batch
                .threads
                .push(posts::summary_from_listing(item, &page.users, record, area));
            let round = self.round();
            let queued = Queued {
                topic: item.id,
                mark: Some(mark),
            };
            if let Some(waiting) = round.queue.iter_mut().find(|q| q.topic == item.id) {
                *waiting = queued;
            } else {
                round.queue.push_back(queued);
                round.total += 1;
            }
        }
        let finished = reached_known
            || page.topic_list.more_topics_url.is_none()
            || page.topic_list.topics.is_empty();
        if finished {
            self.round().listings.pop_front();
            if let Some(newest) = newest {
                let mark = self
                    .cursor
                    .high_water
                    .entry(listing.category)
                    .or_insert(newest);
                *mark = (*mark).max(newest);
            }
        } else if let Some(front) = self.round().listings.front_mut() {
            front.page += 1;
            front.newest = newest;
        }
        Ok(())
    }

    /// Reads `/t/{id}.json`: the stream fixes every post's `seq`, the first posts come
    /// with it, and the rest are queued for fetching. The listing entry that queued the
    /// topic is recorded only now, so a topic that could not be read is tried again.
    async fn read_topic(&mut self, queued: Queued, focus: bool) -> Result<(), RemoteError> {
        let topic_id = queued.topic;
        let query = self.raw_query();
        let topic: Result<wire::Topic, _> = self
            .get(
                &format!("/t/{topic_id}.json"),
                &query,
                As::Account,
                "a topic",
            )
            .await;
        let topic = match topic.map_err(topic_failure) {
            Ok(topic) => topic,
            Err(Failure::Removed) => {
                self.forget_topic(topic_id);
                return Ok(());
            }
            Err(Failure::Skip) => {
                // Its record keeps the old listing entry; the next round tries again.
                let round = self.round();
                round.queue.retain(|q| q.topic != topic_id);
                round.done += 1;
                self.cursor.retry.push(queued);
                return Ok(());
            }
            Err(Failure::Stop(e)) => return Err(e),
        };
        let thread = thread_id(topic_id);
        let chunk = &topic.post_stream.posts;
        let stream: Vec<u64> = topic
            .post_stream
            .stream
            .clone()
            .unwrap_or_else(|| chunk.iter().map(|p| p.id).collect());
        let area = topic
            .category_id
            .map(|c| self.round().areas.get(&c).copied().unwrap_or(c))
            .unwrap_or_default();
        let mapping = self.mapping;
        let record = self.cursor.topics.entry(topic_id).or_default();
        let when = topic.created_at.unwrap_or(Timestamp::UNIX_EPOCH);
        let (tombstones, missing) = posts::apply_stream(record, &thread, &stream, when);
        let changed = posts::apply_posts(record, &thread, chunk, mapping);
        if queued.mark.is_some() {
            record.mark = queued.mark;
        }
        let summary = posts::summary_from_topic(&topic, record, area, chunk.first());

        let in_chunk: HashSet<u64> = chunk.iter().map(|p| p.id).collect();
        let mut missing: Vec<u64> = missing
            .into_iter()
            .filter(|id| !in_chunk.contains(id))
            .collect();
        if focus {
            let recent = stream.iter().rev().take(FOCUS_RECHECK).rev();
            let extra: Vec<u64> = recent
                .filter(|id| !in_chunk.contains(id) && !missing.contains(id))
                .copied()
                .collect();
            missing.extend(extra);
        }
        self.batch.posts.extend(tombstones);
        self.batch.posts.extend(changed);
        self.batch.threads.retain(|t| t.id != summary.id);
        self.batch.threads.push(summary);

        let round = self.round();
        round.queue.retain(|q| q.topic != topic_id);
        round.jobs.retain(|j| j.topic != topic_id);
        if missing.is_empty() {
            round.done += 1;
        } else {
            let job = TopicJob {
                topic: topic_id,
                missing: missing.into(),
            };
            if focus {
                round.jobs.push_front(job);
            } else {
                round.jobs.push_back(job);
            }
        }
        Ok(())
    }

    /// Fetches the next 20 posts of the front job.
    async fn fetch_posts(&mut self) -> Result<(), RemoteError> {
        let Some(job) = self.round().jobs.front_mut() else {
            return Ok(());
        };
        let topic_id = job.topic;
        let mut remaining = job.missing.clone();
        let ids = next_batch(&mut remaining);
        let mut query: Vec<(&str, String)> = ids
            .iter()
            .map(|id| ("post_ids[]", id.to_string()))
            .collect();
        query.extend(self.raw_query());
        let answer: Result<TopicPosts, _> = self
            .get(
                &format!("/t/{topic_id}/posts.json"),
                &query,
                As::Account,
                "a topic's posts",
            )
            .await;
        let answer = match answer.map_err(topic_failure) {
            Ok(answer) => answer,
            Err(Failure::Removed) => {
                self.forget_topic(topic_id);
                return Ok(());
            }
            Err(Failure::Skip) => {
                // The next round reads the topic again and asks for the missing bodies.
                let round = self.round();
                round.jobs.pop_front();
                round.done += 1;
                self.cursor.retry.push(Queued {
                    topic: topic_id,
                    mark: None,
                });
                return Ok(());
            }
            Err(Failure::Stop(e)) => return Err(e),
        };
        let thread = thread_id(topic_id);
        let mapping = self.mapping;
        let record = self.cursor.topics.entry(topic_id).or_default();
        let asked: Vec<wire::WirePost> = answer
            .post_stream
            .posts
            .into_iter()
            .filter(|p| ids.contains(&p.id))
            .collect();
        let changed = posts::apply_posts(record, &thread, &asked, mapping);
        self.batch.posts.extend(changed);
        let round = self.round();
        if remaining.is_empty() {
            round.jobs.pop_front();
            round.done += 1;
        } else if let Some(job) = round.jobs.front_mut() {
            job.missing = remaining;
        }
        Ok(())
    }

    fn forget_topic(&mut self, topic_id: u64) {
        self.cursor.topics.remove(&topic_id);
        let round = self.round();
        round.jobs.retain(|j| j.topic != topic_id);
        round.queue.retain(|q| q.topic != topic_id);
        round.done += 1;
        self.batch.removed_threads.push(thread_id(topic_id));
        self.batch.threads.retain(|t| t.id != thread_id(topic_id));
    }

    fn raw_query(&self) -> Vec<(&'static str, String)> {
        if self.mapping.prefer_raw {
            vec![("include_raw", "true".to_owned())]
        } else {
            Vec::new()
        }
    }

    fn round(&mut self) -> &mut Round {
        self.cursor.round.get_or_insert_with(Round::default)
    }
}

/// What a failed topic request means for the round.
enum Failure {
    /// The topic is gone from the server.
    Removed,
    /// This topic cannot be read now (not visible to us, a server error on it, a
    /// malformed answer): the round goes on without it, so one bad topic never blocks
    /// the rest; it is tried again next round.
    Skip,
    /// The whole site is unavailable (network, rate limit, maintenance, auth): stop.
    Stop(RemoteError),
}

fn topic_failure(e: RemoteError) -> Failure {
    match e {
        RemoteError::Status {
            status: 404 | 410, ..
        } => Failure::Removed,
        RemoteError::Status {
            status: 400 | 403 | 422 | 500,
            ..
        }
        | RemoteError::Protocol(_) => Failure::Skip,
        e => Failure::Stop(e),
    }
}
