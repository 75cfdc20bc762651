//! The rules run over every cached thread, for the counts of the tree: the one loader
//! `threadmark tree` and the reader share (the rules themselves are `app::judged`).

use crate::app::judged::{Judged, ThreadCounts};
use crate::app::tree::views;
use crate::model::{Forum, RuleSet, ThreadSummary};
use crate::store::{Cache, StoreError};

/// What `rules` make of the counts of every cached thread of `account` (nothing to do,
/// and no thread read, when no rule applies to the account).
pub fn thread_counts(
    cache: &mut Cache,
    account: &str,
    rules: &RuleSet,
    forum: &Forum,
    threads: &[ThreadSummary],
    now: jiff::Timestamp,
) -> Result<ThreadCounts, StoreError> {
    counts_for(cache, account, rules, forum, threads, now, false)
}

/// As [`thread_counts`], and with `recent` the posts each thread had in the last week
/// too (the `top` view): a thread whose last post is older has none, and is not read.
pub fn counts_for(
    cache: &mut Cache,
    account: &str,
    rules: &RuleSet,
    forum: &Forum,
    threads: &[ThreadSummary],
    now: jiff::Timestamp,
    recent: bool,
) -> Result<ThreadCounts, StoreError> {
    let mut counts = ThreadCounts::default();
    let judge = rules.any_for(account);
    if !judge && !recent {
        return Ok(counts);
    }
    let since = now - views::TOP_WINDOW;
    for summary in threads.iter().filter(|t| !t.headers_only()) {
        let active = summary.last_post_at >= since;
        if recent && !active {
            counts.insert_recent(&summary.id, 0);
        }
        if !judge && !active {
            continue;
        }
        if let Some(file) = cache.load_thread(&summary.id)? {
            if judge {
                let judged = Judged::thread(rules, account, forum, &file, now);
                counts.insert(&file, &judged);
            }
            if recent {
                counts.insert_recent(&summary.id, views::posts_since(&file, since));
            }
        }
    }
    Ok(counts)
}

/// What the index loads judge with, shared by the store worker's interpreter and the
/// loads that run beside it: the account and its rules (which `x` changes while the
/// reader runs) and whether the `top` view wants the posts of the last week counted.
#[derive(Clone, Debug, Default)]
pub struct JudgingHandle(std::sync::Arc<std::sync::RwLock<Judging>>);

/// See [`JudgingHandle`].
#[derive(Clone, Debug, Default)]
pub struct Judging {
    /// The account and its rules, when the index loads judge at all.
    pub rules: Option<(String, std::sync::Arc<RuleSet>)>,
    /// Count each thread's posts of the last week (the `top` view is in use).
    pub count_recent: bool,
}

impl JudgingHandle {
    /// What the loads judge with now.
    pub fn get(&self) -> Judging {
        match self.0.read() {
            Ok(judging) => judging.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Changes what the loads judge with.
    pub fn change(&self, change: impl FnOnce(&mut Judging)) {
        match self.0.write() {
            Ok(mut judging) => change(&mut judging),
            Err(poisoned) => change(&mut poisoned.into_inner()),
        }
    }
}

impl Judging {
    /// The counts of an index load: `None` when there is nothing to judge or count (the
    /// counts held stay).
    pub fn counts(
        &self,
        cache: &mut Cache,
        forum: &Forum,
        threads: &[ThreadSummary],
        now: jiff::Timestamp,
    ) -> Result<Option<ThreadCounts>, StoreError> {
        let empty = (String::new(), std::sync::Arc::new(RuleSet::default()));
        let (account, rules) = match (&self.rules, self.count_recent) {
            (None, false) => return Ok(None),
            (Some(rules), _) => rules,
            (None, true) => &empty,
        };
        counts_for(
            cache,
            account,
            rules,
            forum,
            threads,
            now,
            self.count_recent,
        )
        .map(Some)
    }
}
