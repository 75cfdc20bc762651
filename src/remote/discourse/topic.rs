//! Topics in a pull: a listing entry becomes a summary (and a read, when its posts are
//! cached or wanted); reading `/t/{id}.json` fixes every post's `seq` and plans which
//! posts to fetch — the newest `prefetch_posts`, and again the newest ones already
//! cached, since edits may keep their version — and jobs fetch them 50 at a time.
//! Topics of 10,000 posts or more come without their stream and are paged by post
//! number; posts the user scrolled up to come before anything else.

use super::cursor::{Interest, ListingMark, Queued, TopicJob};
use super::posts::{
    self, apply_posts, apply_stream, next_batch, summary_from_listing, summary_from_topic,
    thread_id, tombstone_unreturned,
};
use super::pull::Pull;
use super::wire::{self, PostIds, TopicListItem, TopicPosts, User};
use crate::remote::RemoteError;
use jiff::Timestamp;
use std::collections::{HashSet, VecDeque};

/// Posts already cached that a changed topic re-checks for edits, newest first (the
/// open topic: `pull::FOCUS_CHECK_POSTS`, every few minutes).
pub(super) const RECHECK: usize = posts::POSTS_PER_REQUEST;

impl Pull<'_> {
    /// A listing entry: its summary when it changed, and a read when the topic's posts
    /// are cached (so they stay true) or the prefetch policy wants them.
    pub(super) fn listed(&mut self, item: &TopicListItem, users: &[User]) {
        let Some(category) = item.category_id else {
            return; // not a topic of a category (a message)
        };
        let Some(area) = self.area_of(category, item.id) else {
            return;
        };
        let mark = ListingMark {
            bumped_at: item.bumped_at,
            highest_post_number: item.highest_post_number.unwrap_or(0),
            posts_count: item.posts_count.unwrap_or(0),
        };
        let interest = Interest {
            category,
            level: item.notification_level,
            posted: item.posted == Some(true),
        };
        let wanted = self.settings.wants(
            &interest,
            item.bumped_at,
            &self.cursor.categories,
            Timestamp::now(),
        );
        let record = self.cursor.topics.entry(item.id).or_default();
        record.interest = interest;
        if record.listed != Some(mark) {
            record.listed = Some(mark);
            let summary = summary_from_listing(item, users, Some(record), area);
            self.batch.threads.retain(|t| t.id != summary.id);
            self.batch.threads.push(summary);
        }
        let stale = record.mark.is_none_or(|read| newer(&mark, &read));
        self.import_reading(item);
        self.import_topic_level(item.id, item.notification_level);
        let record = self.cursor.topics.entry(item.id).or_default();
        if stale && (record.has_bodies() || wanted) {
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
    }

    /// The area a topic of `category` goes in. A parent without an area whose listing
    /// shows a topic other than its "About" topic gets one (its `topic_count` lags); a
    /// category the tree lacks is asked for.
    fn area_of(&mut self, category: u64, topic: u64) -> Option<u64> {
        if let Some(&area) = self.areas.get(&category) {
            return Some(area);
        }
        match self.cursor.categories.iter().find(|c| c.id == category) {
            Some(c) if c.definition_topic() == Some(topic) => None,
            Some(_) => {
                self.cursor.populated.insert(category);
                self.rebuild_areas();
                Some(category)
            }
            None => {
                let round = self.round();
                if !round.unknown_categories.contains(&category) {
                    round.unknown_categories.push(category);
                }
                Some(category)
            }
        }
    }

    /// Reads `/t/{id}.json`: the stream fixes every post's `seq`, the first posts come
    /// with it (each compared with the cached one), and the posts wanted are queued for
    /// fetching (first, for the user), with up to `recheck` cached ones, newest first,
    /// to compare for edits.
    pub(super) async fn read_topic(
        &mut self,
        topic_id: u64,
        listed: Option<ListingMark>,
        user: bool,
        recheck: usize,
    ) -> Result<(), RemoteError> {
        let query = self.raw_query();
        let answer: Result<wire::Topic, _> = self
            .get(&format!("/t/{topic_id}.json"), &query, "a topic")
            .await;
        let was_queued = self.round().queue.iter().any(|q| q.topic == topic_id);
        let topic = match answer.map_err(topic_failure) {
            Ok(topic) => topic,
            Err(Failure::Removed) => {
                self.forget_topic(topic_id);
                return Ok(());
            }
            Err(Failure::Skip) => {
                // Its record keeps the old entry; the next round tries again.
                let round = self.round();
                round.queue.retain(|q| q.topic != topic_id);
                if was_queued {
                    round.done += 1;
                }
                if !user {
                    self.cursor.retry.push(topic_id);
                }
                return Ok(());
            }
            Err(Failure::Stop(e)) => return Err(e),
        };
        let thread = thread_id(topic_id);
        let wanted = self.settings.posts();
        let area = topic
            .category_id
            .map(|c| self.areas.get(&c).copied().unwrap_or(c))
            .unwrap_or_default();
        let mapping = self.mapping;
        let record = self.cursor.topics.entry(topic_id).or_default();
        if let Some(c) = topic.category_id {
            record.interest.category = c;
        }
        let level = topic.details.as_ref().and_then(|d| d.notification_level);
        if let Some(level) = level {
            record.interest.level = Some(level);
        }
        let chunk = &topic.post_stream.posts;
        let planned = plan_fetch(record, &thread, &topic, (wanted, recheck), mapping);
        let (tombstones, changed, fetch, scan_from) = (
            planned.tombstones,
            planned.changed,
            planned.fetch,
            planned.scan_from,
        );
        // The topic's own counts, not the listing's: an anonymous listing may be a
        // minute old (served from Discourse's anonymous cache).
        let mark = ListingMark {
            bumped_at: topic.bumped_at.or(listed.and_then(|l| l.bumped_at)),
            highest_post_number: topic
                .highest_post_number
                .unwrap_or_else(|| record.highest_number()),
            posts_count: topic
                .posts_count
                .unwrap_or_else(|| u64::from(record.last_seq())),
        };
        record.mark = Some(mark);
        if record.listed.is_none() {
            record.listed = Some(mark);
        }
        let mut summary = summary_from_topic(&topic, record, area, chunk.first());
        if topic.category_id.is_none() {
            summary = super::messages::in_messages(summary);
        }
        self.batch.posts.extend(tombstones);
        self.batch.posts.extend(changed);
        self.batch.threads.retain(|t| t.id != summary.id);
        self.batch.threads.push(summary);
        self.batch.missing.retain(|(t, _)| *t != thread);
        self.import_topic_level(topic_id, level);

        let round = self.round();
        round.queue.retain(|q| q.topic != topic_id);
        round.jobs.retain(|j| j.topic != topic_id);
        if fetch.is_empty() && scan_from.is_none() {
            if was_queued {
                round.done += 1;
            }
        } else {
            let job = TopicJob {
                topic: topic_id,
                missing: fetch.into(),
                scan_from,
                user,
            };
            if user {
                round.jobs.push_front(job);
            } else {
                round.jobs.push_back(job);
            }
        }
        Ok(())
    }

    /// The user scrolled up to posts not downloaded: the newest `prefetch_posts` of them.
    pub(super) fn plan_earlier(&mut self, topic_id: u64) {
        let wanted = self.settings.posts();
        let Some(record) = self.cursor.topics.get(&topic_id) else {
            return; // never read: opening it reads it
        };
        let job = if record.numbered {
            let from = record
                .scanned_from
                .unwrap_or(u64::MAX)
                .min(record.highest_number() + 1);
            let floor = record
                .posts
                .iter()
                .filter(|p| p.fetched() && p.number() < from)
                .map(|p| p.number())
                .max()
                .unwrap_or(0);
            if from <= floor + 1 {
                return;
            }
            TopicJob {
                topic: topic_id,
                missing: VecDeque::new(),
                // Post ids after this number: the `wanted` posts just before `from`.
                scan_from: Some((from - 1).saturating_sub(wanted as u64).max(floor)),
                user: true,
            }
        } else {
            let missing: Vec<u64> = record
                .posts
                .iter()
                .filter(|p| !p.fetched() && !p.gone())
                .map(|p| p.id())
                .collect();
            if missing.is_empty() {
                return;
            }
            TopicJob {
                topic: topic_id,
                missing: missing[missing.len().saturating_sub(wanted)..]
                    .iter()
                    .copied()
                    .collect(),
                scan_from: None,
                user: true,
            }
        };
        let round = self.round();
        round.jobs.retain(|j| j.topic != topic_id || !j.user);
        round.jobs.push_front(job);
    }

    /// The front job's next step: the post ids of a mega topic after a post number, or
    /// the next 50 posts.
    pub(super) async fn fetch_posts(&mut self) -> Result<(), RemoteError> {
        let Some(mut job) = self.round().jobs.front().cloned() else {
            return Ok(());
        };
        let topic_id = job.topic;
        let thread = thread_id(topic_id);
        if let Some(from) = job.scan_from {
            let answer: Result<PostIds, _> = self
                .get(
                    &format!("/t/{topic_id}/post_ids.json"),
                    &[("post_number", from.to_string())],
                    "a topic's post ids",
                )
                .await;
            let ids = match self.job_answer(answer, &job)? {
                Some(ids) => ids.post_ids,
                None => return Ok(()),
            };
            let record = self.cursor.topics.entry(topic_id).or_default();
            let known: HashSet<u64> = record.posts.iter().map(|p| p.id()).collect();
            let new: Vec<u64> = ids.into_iter().filter(|id| !known.contains(id)).collect();
            if record.numbered {
                let scanned = from + 1;
                record.scanned_from = Some(record.scanned_from.map_or(scanned, |s| s.min(scanned)));
            } else {
                record
                    .posts
                    .extend(new.iter().map(|&id| super::cursor::PostRecord::new(id)));
            }
            job.missing.extend(new);
            job.scan_from = None;
            let missing = posts::missing(record);
            self.set_missing(&thread, missing);
            self.continue_job(job);
            return Ok(());
        }
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
                "a topic's posts",
            )
            .await;
        let Some(answer) = self.job_answer(answer, &job)? else {
            return Ok(());
        };
        let mapping = self.mapping;
        let record = self.cursor.topics.entry(topic_id).or_default();
        let asked: Vec<wire::WirePost> = answer
            .post_stream
            .posts
            .into_iter()
            .filter(|p| ids.contains(&p.id))
            .collect();
        let returned: HashSet<u64> = asked.iter().map(|p| p.id).collect();
        let changed = apply_posts(record, &thread, &asked, mapping);
        let gone = tombstone_unreturned(record, &thread, &ids, &returned, Timestamp::now());
        let missing = posts::missing(record);
        self.batch.posts.extend(gone);
        self.batch.posts.extend(changed);
        self.set_missing(&thread, missing);
        job.missing = remaining;
        self.continue_job(job);
        Ok(())
    }

    /// Posts of `topic` we changed: read again in one request (edits, deletions and
    /// likes show in the cache at the next pull, whether the topic moved or not).
    pub(super) async fn read_touched(&mut self, topic_id: u64) -> Result<(), RemoteError> {
        let ids: Vec<u64> = self
            .touched
            .iter()
            .filter(|(t, _)| *t == topic_id)
            .map(|&(_, p)| p)
            .take(posts::POSTS_PER_REQUEST)
            .collect();
        let known = self
            .cursor
            .topics
            .get(&topic_id)
            .is_some_and(|r| r.posts.iter().any(|p| ids.contains(&p.id())));
        if known {
            let mut query: Vec<(&str, String)> = ids
                .iter()
                .map(|id| ("post_ids[]", id.to_string()))
                .collect();
            query.extend(self.raw_query());
            let answer: Result<TopicPosts, _> = self
                .get(
                    &format!("/t/{topic_id}/posts.json"),
                    &query,
                    "a topic's posts",
                )
                .await;
            match answer.map_err(topic_failure) {
                Ok(answer) => {
                    let thread = thread_id(topic_id);
                    let mapping = self.mapping;
                    let record = self.cursor.topics.entry(topic_id).or_default();
                    let asked: Vec<wire::WirePost> = answer
                        .post_stream
                        .posts
                        .into_iter()
                        .filter(|p| ids.contains(&p.id))
                        .collect();
                    let returned: HashSet<u64> = asked.iter().map(|p| p.id).collect();
                    let changed = apply_posts(record, &thread, &asked, mapping);
                    let gone =
                        tombstone_unreturned(record, &thread, &ids, &returned, Timestamp::now());
                    self.batch.posts.extend(gone);
                    self.batch.posts.extend(changed);
                }
                Err(Failure::Removed) => self.forget_topic(topic_id),
                // The topic's next read brings them.
                Err(Failure::Skip) => {}
                Err(Failure::Stop(e)) => return Err(e),
            }
        }
        self.touched
            .retain(|(t, p)| *t != topic_id || !ids.contains(p));
        Ok(())
    }

    /// Puts the job back at the front, or ends it.
    fn continue_job(&mut self, job: TopicJob) {
        let round = self.round();
        round.jobs.pop_front();
        if job.missing.is_empty() && job.scan_from.is_none() {
            if !job.user {
                round.done += 1;
            }
        } else {
            round.jobs.push_front(job);
        }
    }

    /// A job's answer, or what its failure means for the round (`None`: handled).
    fn job_answer<T>(
        &mut self,
        answer: Result<T, RemoteError>,
        job: &TopicJob,
    ) -> Result<Option<T>, RemoteError> {
        match answer.map_err(topic_failure) {
            Ok(answer) => Ok(Some(answer)),
            Err(Failure::Removed) => {
                self.forget_topic(job.topic);
                Ok(None)
            }
            Err(Failure::Skip) => {
                // The next round reads the topic again and asks for the missing posts.
                let round = self.round();
                round.jobs.pop_front();
                round.done += 1;
                self.cursor.retry.push(job.topic);
                Ok(None)
            }
            Err(Failure::Stop(e)) => Err(e),
        }
    }

    /// Records the posts `thread` lacks: in its summary when this batch carries it,
    /// else as an update of the cached one.
    fn set_missing(
        &mut self,
        thread: &crate::model::ThreadId,
        missing: Vec<crate::model::SeqRange>,
    ) {
        if let Some(summary) = self.batch.threads.iter_mut().find(|t| t.id == *thread) {
            summary.missing = missing.into();
            return;
        }
        self.batch.missing.retain(|(t, _)| t != thread);
        self.batch.missing.push((thread.clone(), missing));
    }

    fn forget_topic(&mut self, topic_id: u64) {
        self.cursor.topics.remove(&topic_id);
        let round = self.round();
        round.jobs.retain(|j| j.topic != topic_id);
        round.queue.retain(|q| q.topic != topic_id);
        round.done += 1;
        let thread = thread_id(topic_id);
        self.batch.threads.retain(|t| t.id != thread);
        self.batch.missing.retain(|(t, _)| *t != thread);
        self.batch.removed_threads.push(thread);
    }

    fn raw_query(&self) -> Vec<(&'static str, String)> {
        if self.mapping.prefer_raw {
            vec![("include_raw", "true".to_owned())]
        } else {
            Vec::new()
        }
    }
}

/// What reading a topic brings and what is left to fetch.
struct Planned {
    tombstones: Vec<crate::model::Post>,
    changed: Vec<crate::model::Post>,
    /// Post ids to fetch, in `seq` order.
    fetch: Vec<u64>,
    /// A mega topic: ask for the ids after this post number first.
    scan_from: Option<u64>,
}

/// Applies a topic's answer to its record and plans the fetching: with a stream, the
/// newest `wanted` posts not yet here; without one (a mega topic), the post ids after
/// the newest known post (or the newest `wanted`, the first time); and on a re-read, the
/// newest `recheck` posts already here again, for edits (some keep their version).
fn plan_fetch(
    record: &mut super::cursor::TopicRecord,
    thread: &crate::model::ThreadId,
    topic: &wire::Topic,
    (wanted, recheck): (usize, usize),
    mapping: posts::Mapping,
) -> Planned {
    let reread = record.mark.is_some();
    let chunk = &topic.post_stream.posts;
    let in_chunk: HashSet<u64> = chunk.iter().map(|p| p.id).collect();
    let when = topic.created_at.unwrap_or(Timestamp::UNIX_EPOCH);
    let mut tombstones = Vec::new();
    let mut fetch: Vec<u64> = Vec::new();
    let mut scan_from = None;
    if let Some(stream) = topic.post_stream.stream.as_deref() {
        tombstones = apply_stream(record, thread, stream, when);
        let known: HashSet<u64> = record.posts.iter().map(|p| p.id()).collect();
        let newest = &stream[stream.len().saturating_sub(wanted)..];
        fetch = newest
            .iter()
            .copied()
            .filter(|id| !in_chunk.contains(id))
            .filter(|id| {
                !known.contains(id)
                    || record
                        .posts
                        .iter()
                        .find(|p| p.id() == *id)
                        .is_some_and(|p| !p.fetched() || p.left_stream())
            })
            .collect();
    } else {
        // A mega topic (`isMegaTopic`): paged by post number.
        if record.posts.is_empty() {
            record.numbered = true;
        }
        let highest = topic
            .highest_post_number
            .unwrap_or_else(|| record.highest_number());
        scan_from = Some(if record.numbered && record.scanned_from.is_none() {
            highest.saturating_sub(wanted as u64)
        } else {
            record.highest_number()
        });
    }
    let changed = apply_posts(record, thread, chunk, mapping);
    if reread {
        let mut recheck: Vec<u64> = record
            .posts
            .iter()
            .rev()
            .filter(|p| p.fetched() && !p.gone())
            .map(|p| p.id())
            .filter(|id| !in_chunk.contains(id) && !fetch.contains(id))
            .take(recheck)
            .collect();
        recheck.reverse();
        fetch.extend(recheck);
    }
    fetch.sort_by_key(|id| record.seq_of(*id).unwrap_or(u32::MAX));
    Planned {
        tombstones,
        changed,
        fetch,
        scan_from,
    }
}

/// Is a listing entry newer than what the last read saw? A later bump or a higher post
/// number is; with the same highest post, a different count means deletions. An entry
/// that is older (a cached anonymous listing) is not.
fn newer(listed: &ListingMark, read: &ListingMark) -> bool {
    listed.bumped_at > read.bumped_at
        || listed.highest_post_number > read.highest_post_number
        || (listed.highest_post_number == read.highest_post_number
            && listed.posts_count != read.posts_count)
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
            ref code,
            ..
        } if code.as_deref() != Some("login_required") => Failure::Skip,
        RemoteError::Protocol(_) => Failure::Skip,
        e => Failure::Stop(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_newer_listing_entries_call_for_a_read() {
        let at = |s: i64| Some(Timestamp::from_second(s).unwrap());
        let read = ListingMark {
            bumped_at: at(100),
            highest_post_number: 10,
            posts_count: 9,
        };
        let same = read;
        assert!(!newer(&same, &read));
        let cached = ListingMark {
            bumped_at: at(90),
            highest_post_number: 9,
            posts_count: 8,
        };
        assert!(
            !newer(&cached, &read),
            "an older cached listing is not news"
        );
        let deleted = ListingMark {
            posts_count: 8,
            ..read
        };
        assert!(newer(&deleted, &read), "a deletion changes the count");
        let bumped = ListingMark {
            bumped_at: at(120),
            ..read
        };
        assert!(newer(&bumped, &read));
    }
}
