//! `S`: a search over the whole account from the reader. The query (the query language of
//! `threadmark search`) is typed in the status line, run off the loop by the runner, and
//! its hits listed with snippets; enter opens the thread at the post found.

use crate::app::Action;
use crate::app::lists::bookmarks_actions::jump;
use crate::app::msg::Effect;
use crate::app::state::{Overlay, Prompt, PromptKind, State};
use crate::app::tree::actions::open_thread;
use crate::model::{PostId, Query, ReadState, ThreadId};

/// Hits the reader lists at most.
pub const RESULTS_SHOWN: usize = 200;

/// One hit as the list shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResultRow {
    pub thread: ThreadId,
    pub thread_title: String,
    /// The post found; `None`: the thread's title holds the words.
    pub post: Option<PostId>,
    pub seq: Option<u32>,
    pub author: String,
    /// A piece of the text around the first word, on one line.
    pub snippet: String,
}

/// The last search and its hits.
#[derive(Debug, Default)]
pub struct SearchResults {
    /// The query as typed.
    pub query: String,
    pub rows: Vec<ResultRow>,
    /// A search runs for this query (its answer replaces the list).
    pub running: Option<String>,
}

/// A query for the runner to run over the account's cache, off the loop.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum QueryJob {
    /// `S`: the best hits, at most [`RESULTS_SHOWN`]; `read` is the reader's read state
    /// (newer than `read.json`) when the query asks about it.
    Search {
        query: Box<Query>,
        read: Option<ReadState>,
    },
    /// The saved-search folders (name, query): every thread with hits, for their counts
    /// and lists; `read` as for `Search`.
    Folders {
        folders: Vec<(String, Query)>,
        read: Option<ReadState>,
    },
}

/// What a query run found.
#[derive(Debug)]
pub enum Queried {
    /// The hits of `S`, or why the search could not run.
    Search {
        query: String,
        hits: Result<Vec<ResultRow>, String>,
    },
    /// What each folder's query found, or why the queries could not run.
    Folders(Result<Vec<crate::app::tree::folders::FolderFound>, String>),
}

/// `S`: asks for the query.
pub fn start(state: &mut State) {
    if state.composer.is_some() {
        return;
    }
    state.prompt = Some(Prompt::new(PromptKind::AccountSearch, String::new()));
}

/// The query is typed: a bad one is said with where it goes wrong; a good one runs.
pub fn run_query(state: &mut State, text: &str, fx: &mut Vec<Effect>) {
    if text.trim().is_empty() {
        return;
    }
    let query = match Query::parse(text) {
        Ok(query) => query,
        Err(e) => return state.error(format!("search: {e}")),
    };
    let read = query.needs_read_state().then(|| state.data.read.clone());
    state.search_results.running = Some(query.source().to_owned());
    state.notice(format!("searching {} for {text}…", state.status.account));
    fx.push(Effect::Query(QueryJob::Search {
        query: Box::new(query),
        read,
    }));
}

/// The hits came: listed, or said when there are none.
pub fn found(state: &mut State, query: String, hits: Result<Vec<ResultRow>, String>) {
    if state.search_results.running.as_deref() != Some(query.as_str()) {
        // A later search was asked for: this answer is stale.
        return;
    }
    state.search_results.running = None;
    match hits {
        Err(why) => state.error(format!("search: {why}")),
        Ok(rows) if rows.is_empty() => {
            state.notice(format!(
                "nothing in {} matches {query}",
                state.status.account
            ));
        }
        Ok(rows) => {
            let n = rows.len();
            state.search_results.query = query;
            state.search_results.rows = rows;
            state.overlay = Overlay::SearchResults { selected: 0 };
            state.notice(if n >= RESULTS_SHOWN {
                format!("the best {n} hits; a narrower query finds the rest")
            } else {
                format!("{n} hit{}", if n == 1 { "" } else { "s" })
            });
        }
    }
}

/// Runs an action of the results list.
pub fn run(state: &mut State, action: Action, fx: &mut Vec<Effect>) {
    let Overlay::SearchResults { selected } = state.overlay else {
        return;
    };
    let len = state.search_results.rows.len();
    match action {
        Action::Down | Action::Up | Action::Top | Action::Bottom => {
            if let Some(to) = super::moved(action, selected, len) {
                state.overlay = Overlay::SearchResults { selected: to };
            }
        }
        Action::Open => {
            let Some(row) = state.search_results.rows.get(selected).cloned() else {
                return;
            };
            state.overlay = Overlay::None;
            match row.post {
                Some(post) => jump(state, row.thread, post, fx),
                None => open_thread(state, row.thread, fx),
            }
        }
        Action::SearchAccount => start(state),
        Action::Close | Action::Quit => state.overlay = Overlay::None,
        Action::Help => state.overlay = Overlay::Help { scroll: 0 },
        _ => state.notice("that key does nothing in the search results; esc closes them"),
    }
}
