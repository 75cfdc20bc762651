//! The rules applied to one cached thread: a verdict per post, and what the thread then
//! counts (unread posts the rules leave in, its score). Nothing here changes the cache.

use crate::model::{Forum, PostFacts, ReadState, RuleSet, Thread, Verdict};
use jiff::Timestamp;

/// A thread's posts as the rules see them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Judged {
    /// One verdict per post of the thread file, in its order.
    pub verdicts: Vec<Verdict>,
}

impl Judged {
    /// Judges every post of `thread` in `account` (whose forum tree is `forum`).
    pub fn thread(
        rules: &RuleSet,
        account: &str,
        forum: &Forum,
        thread: &Thread,
        now: Timestamp,
    ) -> Self {
        let summary = &thread.summary;
        let area_title = forum
            .area(&summary.area)
            .map_or("", |(_, area)| area.title.as_str());
        let needs_body = rules.needs_body();
        let verdicts = thread
            .posts
            .iter()
            .map(|post| {
                let body = if needs_body && !post.deleted {
                    crate::render::plain_text(&post.body)
                } else {
                    String::new()
                };
                rules.judge(
                    &PostFacts {
                        account,
                        area_id: summary.area.as_str(),
                        area_title,
                        thread_id: summary.id.as_str(),
                        thread_title: &summary.title,
                        author: &post.author.name,
                        body: &body,
                        created_at: post.created_at,
                    },
                    now,
                )
            })
            .collect();
        Self { verdicts }
    }

    /// The thread's score: its posts' scores added up.
    pub fn score(&self) -> i64 {
        self.verdicts
            .iter()
            .fold(0, |sum, v| sum.saturating_add(v.score))
    }

    /// The unread posts of `thread` the rules leave in: hidden posts and those a `read`
    /// rule marks read are not counted. Posts the cache lacks count as the read state says.
    pub fn unread(&self, thread: &Thread, read: &ReadState) -> u32 {
        let summary = &thread.summary;
        let all = read.unread_count(&summary.id, summary.last_seq);
        let state = read.thread(&summary.id);
        let left_out = thread
            .posts
            .iter()
            .zip(&self.verdicts)
            .filter(|(post, v)| {
                (v.hidden() || v.read) && !state.is_some_and(|s| s.is_read(post.seq))
            })
            .count();
        all.saturating_sub(u32::try_from(left_out).unwrap_or(u32::MAX))
    }
}

/// What the rules make of each thread of a list: the unread posts they leave in and the
/// score, for the threads the rules were run on (the others count as the read state says).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ThreadCounts {
    by_thread: std::collections::HashMap<crate::model::ThreadId, (u32, i64)>,
}

impl ThreadCounts {
    /// Records a judged thread.
    pub fn insert(&mut self, thread: &Thread, judged: &Judged, read: &ReadState) {
        self.by_thread.insert(
            thread.summary.id.clone(),
            (judged.unread(thread, read), judged.score()),
        );
    }

    /// The thread's unread posts the rules leave in.
    pub fn unread(&self, thread: &crate::model::ThreadSummary, read: &ReadState) -> u32 {
        self.by_thread
            .get(&thread.id)
            .map_or_else(|| read.unread_count(&thread.id, thread.last_seq), |c| c.0)
    }

    /// The thread's score (0 without score rules).
    pub fn score(&self, id: &crate::model::ThreadId) -> i64 {
        self.by_thread.get(id).map_or(0, |c| c.1)
    }
}
