//! Local full-text search over cached thread titles and posts.

use super::{Cache, StoreError};
use crate::model::{Author, PostId, ThreadId, ThreadSummary};
use crate::render::{plain_text, sanitize};

/// One match: a post (or a thread title, with `post` = `None`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SearchHit {
    pub thread: ThreadId,
    pub thread_title: String,
    pub post: Option<PostId>,
    pub seq: Option<u32>,
    pub author: Author,
    /// A short excerpt around the first matched word, on one line.
    pub snippet: String,
}

/// Finds posts and thread titles containing every word of `query` (case-insensitive).
pub fn search(
    cache: &mut Cache,
    threads: &[ThreadSummary],
    query: &str,
    limit: usize,
) -> Result<Vec<SearchHit>, StoreError> {
    let words: Vec<String> = query.split_whitespace().map(str::to_lowercase).collect();
    if words.is_empty() {
        return Ok(Vec::new());
    }
    let mut hits = Vec::new();
    for summary in threads {
        let title = summary.title.to_lowercase();
        if words.iter().all(|w| title.contains(w.as_str())) {
            hits.push(SearchHit {
                thread: summary.id.clone(),
                thread_title: summary.title.clone(),
                post: None,
                seq: None,
                author: summary.author.clone(),
                snippet: sanitize::clean_line(&summary.title).into_owned(),
            });
        }
        let Some(file) = cache.load_thread(&summary.id)? else {
            continue;
        };
        for post in file.posts.iter().filter(|p| !p.deleted) {
            let text = plain_text(&post.body);
            let lower = text.to_lowercase();
            if words.iter().all(|w| lower.contains(w.as_str())) {
                hits.push(SearchHit {
                    thread: summary.id.clone(),
                    thread_title: summary.title.clone(),
                    post: Some(post.id.clone()),
                    seq: Some(post.seq),
                    author: post.author.clone(),
                    snippet: snippet(&text, &lower, &words[0]),
                });
            }
            if hits.len() >= limit {
                return Ok(hits);
            }
        }
    }
    hits.truncate(limit);
    Ok(hits)
}

/// About 100 characters of `text` around the first occurrence of `word`, on one line.
fn snippet(text: &str, lower: &str, word: &str) -> String {
    const BEFORE: usize = 40;
    const TOTAL: usize = 100;
    // Byte offsets differ between `text` and its lowercase form for some scripts, so
    // count characters instead.
    let at = lower
        .find(word)
        .map_or(0, |byte| lower[..byte].chars().count());
    let start = at.saturating_sub(BEFORE);
    let mut out: String = text.chars().skip(start).take(TOTAL).collect();
    out = out.split_whitespace().collect::<Vec<_>>().join(" ");
    if start > 0 {
        out.insert(0, '…');
    }
    if text.chars().count() > start + TOTAL {
        out.push('…');
    }
    out
}
