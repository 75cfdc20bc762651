//! The rules run over every cached thread, for the counts of the tree: the one loader
//! `threadmark tree` and the reader share (the rules themselves are `app::judged`).

use crate::app::judged::{Judged, ThreadCounts};
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
    let mut counts = ThreadCounts::default();
    if !rules.any_for(account) {
        return Ok(counts);
    }
    for summary in threads.iter().filter(|t| !t.headers_only()) {
        if let Some(file) = cache.load_thread(&summary.id)? {
            let judged = Judged::thread(rules, account, forum, &file, now);
            counts.insert(&file, &judged);
        }
    }
    Ok(counts)
}
