//! A [`Query`] run over an account's cache, for `threadmark search`, `S` in the reader and
//! the saved-search folders alike: what its operators need (the tree, the read state and
//! the rules for `unread`, the bookmarks, who the user is) is loaded once, then the store
//! searches.

use crate::app::Msg;
use crate::app::judged::Judged;
use crate::app::lists::search_results::{Queried, QueryJob, RESULTS_SHOWN, ResultRow};
use crate::app::tree::folders::{FolderFound, FolderThread};
use crate::model::{Forum, PostId, Query, ReadState, RuleSet, Thread};
use crate::store::{AccountDir, Cache, MatchedThread, QueryContext, SearchHit, StoreError};
use jiff::Timestamp;
use std::collections::HashSet;

/// What a query's operators are checked against, loaded from the account's folder.
#[derive(Debug, Default)]
pub struct Facts {
    account: String,
    forum: Option<Forum>,
    read: Option<ReadState>,
    bookmarks: HashSet<PostId>,
    me: Option<String>,
}

impl Facts {
    /// Loads what `queries` need from `cache` and `dir`: nothing they do not ask for.
    pub fn load(
        cache: &mut Cache,
        dir: &AccountDir,
        account: &str,
        queries: &[&Query],
    ) -> Result<Self, StoreError> {
        Self::loading(cache, dir, account, queries, false)
    }

    /// Like [`Self::load`], with the read state and the tree always: for counting what
    /// is unread among the hits (a folder's count).
    pub fn load_for_counts(
        cache: &mut Cache,
        dir: &AccountDir,
        account: &str,
        queries: &[&Query],
    ) -> Result<Self, StoreError> {
        Self::loading(cache, dir, account, queries, true)
    }

    fn loading(
        cache: &mut Cache,
        dir: &AccountDir,
        account: &str,
        queries: &[&Query],
        counting: bool,
    ) -> Result<Self, StoreError> {
        let any = |test: fn(&Query) -> bool| queries.iter().any(|q| test(q));
        let unread = counting || any(Query::needs_read_state);
        let mut facts = Facts {
            account: account.to_owned(),
            ..Facts::default()
        };
        if unread || any(|q| !q.areas.is_empty()) {
            facts.forum = cache.load_forum()?;
        }
        if unread {
            facts.read = Some(cache.load_read_state()?);
        }
        if any(|q| q.bookmarked.is_some()) {
            facts.bookmarks = crate::store::load_places(dir)?
                .bookmarks()
                .into_iter()
                .map(|b| b.post)
                .collect();
        }
        if any(|q| q.mine.is_some()) {
            facts.me = crate::store::load_me(dir).map(|me| me.name);
        }
        Ok(facts)
    }

    /// The same facts with the reader's own read state (newer than `read.json`).
    #[must_use]
    pub fn with_read_state(mut self, read: ReadState) -> Self {
        self.read = Some(read);
        self
    }

    /// Runs `body` with the context the store checks the operators against; `unread`
    /// leaves out what `rules` leave out of the tree's counts.
    pub fn with_context<T>(
        &self,
        rules: &RuleSet,
        now: Timestamp,
        count_unread: bool,
        body: impl FnOnce(&QueryContext<'_>) -> T,
    ) -> T {
        let empty = Forum::default();
        let forum = self.forum.as_ref().unwrap_or(&empty);
        let left_out = |thread: &Thread| {
            Judged::thread(rules, &self.account, forum, thread, now).left_out(thread)
        };
        let judge = rules.any_for(&self.account);
        let cx = QueryContext {
            forum: self.forum.as_ref(),
            read: self.read.as_ref(),
            left_out: judge.then_some(&left_out as &crate::store::LeftOut<'_>),
            bookmarks: self.bookmarks.clone(),
            me: self.me.clone(),
            now,
            count_unread,
        };
        body(&cx)
    }
}

/// The hits of `query` in the account's cache, at most `limit`, best first.
pub fn search(
    cache: &mut Cache,
    dir: &AccountDir,
    account: &str,
    rules: &RuleSet,
    query: &Query,
    limit: usize,
) -> Result<Vec<SearchHit>, StoreError> {
    let facts = Facts::load(cache, dir, account, &[query])?;
    facts.with_context(rules, Timestamp::now(), false, |cx| {
        crate::store::search(cache, query, cx, limit)
    })
}

/// Every thread holding hits of `query`, with its unread hits: a folder's list and count.
pub fn folder(
    cache: &mut Cache,
    facts: &Facts,
    rules: &RuleSet,
    query: &Query,
) -> Result<Vec<MatchedThread>, StoreError> {
    facts.with_context(rules, Timestamp::now(), true, |cx| {
        crate::store::matching_threads(cache, query, cx)
    })
}

/// Carries out a query job for the reader (on a blocking task beside the UI loop): the
/// answer is a `Queried` message.
pub fn run_job(
    dir: &AccountDir,
    judging: Option<&(String, std::sync::Arc<RuleSet>)>,
    job: QueryJob,
) -> Msg {
    let none = RuleSet::default();
    let (account, rules) = judging.map_or(("", &none), |(a, r)| (a.as_str(), r.as_ref()));
    let mut cache = Cache::open(dir.clone());
    match job {
        QueryJob::Search { query, read } => {
            let facts = Facts::load(&mut cache, dir, account, &[&query]).map(|facts| match read {
                Some(read) => facts.with_read_state(read),
                None => facts,
            });
            let hits = facts
                .and_then(|facts| {
                    facts.with_context(rules, Timestamp::now(), false, |cx| {
                        crate::store::search(&mut cache, &query, cx, RESULTS_SHOWN)
                    })
                })
                .map(|hits| hits.into_iter().map(row).collect())
                .map_err(|e| e.to_string());
            Msg::Queried(Queried::Search {
                query: query.source().to_owned(),
                hits,
            })
        }
        QueryJob::Folders { folders, read } => {
            let queries: Vec<&Query> = folders.iter().map(|(_, q)| q).collect();
            let found = Facts::load_for_counts(&mut cache, dir, account, &queries)
                .map(|facts| match read {
                    Some(read) => facts.with_read_state(read),
                    None => facts,
                })
                .and_then(|facts| {
                    folders
                        .iter()
                        .map(|(name, query)| {
                            let threads = folder(&mut cache, &facts, rules, query)?;
                            Ok(FolderFound {
                                name: name.clone(),
                                threads: threads.into_iter().map(folder_thread).collect(),
                            })
                        })
                        .collect::<Result<Vec<_>, StoreError>>()
                })
                .map_err(|e| e.to_string());
            Msg::Queried(Queried::Folders(found))
        }
    }
}

fn folder_thread(found: MatchedThread) -> FolderThread {
    FolderThread {
        id: found.id,
        title: found.title,
        posts: found.posts,
        left_out: found.left_out,
    }
}

fn row(hit: SearchHit) -> ResultRow {
    ResultRow {
        thread: hit.thread,
        thread_title: hit.thread_title,
        post: hit.post,
        seq: hit.seq,
        author: hit.author.name.into(),
        snippet: hit.snippet,
    }
}
