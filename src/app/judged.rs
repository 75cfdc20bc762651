//! The rules applied to one cached thread: a verdict per post, and what the thread then
//! counts (unread posts the rules leave in, its score). Nothing here changes the cache.

use crate::model::{Forum, PostFacts, ReadState, RuleSet, Thread, ThreadId, Verdict};
use jiff::Timestamp;
use std::collections::HashMap;

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

    /// The seqs of the posts the rules leave out of the unread counts: hidden ones and
    /// those a `read` rule marks read.
    pub fn left_out(&self, thread: &Thread) -> Vec<u32> {
        thread
            .posts
            .iter()
            .zip(&self.verdicts)
            .filter(|(_, v)| v.hidden() || v.read)
            .map(|(post, _)| post.seq)
            .collect()
    }

    /// The unread posts of `thread` the rules leave in: hidden posts and those a `read`
    /// rule marks read are not counted. Posts the cache lacks count as the read state says.
    pub fn unread(&self, thread: &Thread, read: &ReadState) -> u32 {
        let summary = &thread.summary;
        unread_leaving_out(read, &summary.id, summary.last_seq, &self.left_out(thread))
    }
}

/// The thread's unread posts as the read state counts them, less the unread ones among
/// `left_out`.
fn unread_leaving_out(read: &ReadState, id: &ThreadId, last_seq: u32, left_out: &[u32]) -> u32 {
    let all = read.unread_count(id, last_seq);
    let state = read.thread(id);
    let unread_left_out = left_out
        .iter()
        .filter(|&&seq| !state.is_some_and(|s| s.is_read(seq)))
        .count();
    all.saturating_sub(u32::try_from(unread_left_out).unwrap_or(u32::MAX))
}

/// What the rules make of each thread of a list: the posts they leave out of the unread
/// counts and the score, for the threads the rules were run on (the others count as the
/// read state says). The counts follow the read state as it changes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ThreadCounts {
    by_thread: HashMap<ThreadId, (Vec<u32>, i64)>,
    /// Posts written in the last week, for the threads counted (the `top` view).
    recent: HashMap<ThreadId, u32>,
    /// The posts a `read` rule covers, with the rule's number, by thread.
    rule_read: HashMap<ThreadId, Vec<(u32, usize)>>,
}

impl ThreadCounts {
    /// Records a judged thread (again, after a change).
    pub fn insert(&mut self, thread: &Thread, judged: &Judged) {
        self.by_thread.insert(
            thread.summary.id.clone(),
            (judged.left_out(thread), judged.score()),
        );
        let rule_read: Vec<(u32, usize)> = thread
            .posts
            .iter()
            .zip(&judged.verdicts)
            .filter_map(|(post, v)| v.read_by.map(|rule| (post.seq, rule)))
            .collect();
        if rule_read.is_empty() {
            self.rule_read.remove(&thread.summary.id);
        } else {
            self.rule_read.insert(thread.summary.id.clone(), rule_read);
        }
    }

    /// The posts a `read` rule covers (seq, rule number), by thread.
    pub fn rule_read(&self) -> impl Iterator<Item = (&ThreadId, &[(u32, usize)])> {
        self.rule_read
            .iter()
            .map(|(id, posts)| (id, posts.as_slice()))
    }

    /// The thread's unread posts the rules leave in.
    pub fn unread(&self, thread: &crate::model::ThreadSummary, read: &ReadState) -> u32 {
        self.unread_of(&thread.id, thread.last_seq, read)
    }

    /// The unread posts the rules leave in of thread `id`, whose last post is `last_seq`.
    pub fn unread_of(&self, id: &ThreadId, last_seq: u32, read: &ReadState) -> u32 {
        self.by_thread.get(id).map_or_else(
            || read.unread_count(id, last_seq),
            |(left_out, _)| unread_leaving_out(read, id, last_seq, left_out),
        )
    }

    /// Records how many of the thread's cached posts were written in the last week.
    pub fn insert_recent(&mut self, id: &ThreadId, posts: u32) {
        self.recent.insert(id.clone(), posts);
    }

    /// The thread's posts of the last week, when they were counted.
    pub fn recent(&self, id: &ThreadId) -> Option<u32> {
        self.recent.get(id).copied()
    }

    /// Whether posts of the last week were counted (for the `top` view).
    pub fn has_recent(&self) -> bool {
        !self.recent.is_empty()
    }

    /// The thread's score (0 without score rules).
    pub fn score(&self, id: &ThreadId) -> i64 {
        self.by_thread.get(id).map_or(0, |c| c.1)
    }
}
