//! Local full-text search over cached thread titles and posts.

use super::search_text::{Loaded, SearchText};
use super::{Cache, StoreError, file};
use crate::model::Thread;
use crate::model::{Author, PostId, ThreadId, ThreadSummary};
use crate::render::plain_text;
use crate::text::sanitize;
use memchr::memmem::Finder;

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

/// Finds posts and thread titles containing every word of `query` (case-insensitive),
/// in the order of `threads`, each thread's title before its posts (in `seq` order).
///
/// Posts are matched against each thread's search text (see [`SearchText`]), which is
/// rebuilt from the thread file when it is missing or damaged; only the posts shown
/// are read from their thread files again, for their snippets.
pub fn search(
    cache: &mut Cache,
    threads: &[ThreadSummary],
    query: &str,
    limit: usize,
) -> Result<Vec<SearchHit>, StoreError> {
    let words: Vec<String> = query.split_whitespace().map(str::to_lowercase).collect();
    if words.is_empty() || limit == 0 {
        return Ok(Vec::new());
    }
    let finders: Vec<Finder> = words.iter().map(|w| Finder::new(w.as_bytes())).collect();
    let matches = |text: &[u8]| finders.iter().all(|f| f.find(text).is_some());
    let mut found: Vec<(usize, Option<String>)> = Vec::new();
    'threads: for (at, summary) in threads.iter().enumerate() {
        if matches(summary.title.to_lowercase().as_bytes()) {
            found.push((at, None));
        }
        let Some(text) = search_text(cache, summary)? else {
            continue;
        };
        for post in text.posts() {
            if found.len() >= limit {
                break 'threads;
            }
            if matches(post.text) {
                found.push((at, Some(post.id.to_owned())));
            }
        }
    }
    found.truncate(limit);
    snippets(cache, threads, &found, &words)
}

/// A thread's search text, rebuilt from its thread file when it is missing, damaged
/// (quarantined first) or from a newer threadmark (then kept in memory only).
fn search_text(
    cache: &mut Cache,
    summary: &ThreadSummary,
) -> Result<Option<SearchText>, StoreError> {
    let path = cache.dir().thread_text(summary.id.as_str());
    let save = match SearchText::load(&path)? {
        Loaded::Ok(text) => return Ok(Some(text)),
        Loaded::Missing => true,
        Loaded::Newer => false,
        Loaded::Corrupt(reason) => {
            let problem = file::quarantine(&path, &reason)?;
            cache.note(problem);
            true
        }
    };
    let Some(file) = cache.load_thread(&summary.id)? else {
        return Ok(None);
    };
    let text = SearchText::build(&file);
    if save {
        // Only a shortcut for next time: a cache that cannot be written is still searched.
        let _ = text.save(&path);
    }
    Ok(Some(text))
}

/// Turns matches into hits: titles as they are, posts with a snippet of their text. Each
/// post is read from its thread file and checked again, so a search text that is out of
/// step with its thread (or damaged) never yields a wrong hit.
fn snippets(
    cache: &mut Cache,
    threads: &[ThreadSummary],
    found: &[(usize, Option<String>)],
    words: &[String],
) -> Result<Vec<SearchHit>, StoreError> {
    let mut hits = Vec::with_capacity(found.len());
    let mut loaded: Option<(usize, Thread)> = None;
    for (at, post_id) in found {
        let summary = &threads[*at];
        let Some(post_id) = post_id else {
            hits.push(SearchHit {
                thread: summary.id.clone(),
                thread_title: summary.title.clone(),
                post: None,
                seq: None,
                author: summary.author.clone(),
                snippet: sanitize::clean_line(&summary.title).into_owned(),
            });
            continue;
        };
        if loaded.as_ref().is_none_or(|(t, _)| t != at) {
            loaded = cache.load_thread(&summary.id)?.map(|file| (*at, file));
        }
        let Some(post) = loaded.as_ref().and_then(|(_, file)| {
            file.posts
                .iter()
                .find(|p| p.id.as_str() == post_id && !p.deleted)
        }) else {
            continue;
        };
        let text = plain_text(&post.body);
        let lower = text.to_lowercase();
        if !words.iter().all(|w| lower.contains(w.as_str())) {
            continue;
        }
        hits.push(SearchHit {
            thread: summary.id.clone(),
            thread_title: summary.title.clone(),
            post: Some(post.id.clone()),
            seq: Some(post.seq),
            author: post.author.clone(),
            snippet: snippet(&text, &lower, &words[0]),
        });
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{DataDir, Problem, ensure_demo};
    use std::fs;

    fn demo() -> (tempfile::TempDir, Cache, Vec<ThreadSummary>) {
        let temp = tempfile::tempdir().unwrap();
        let data = DataDir::new(temp.path());
        ensure_demo(&data).unwrap();
        let mut cache = Cache::open(data.account("demo"));
        let threads = cache.load_index().unwrap();
        (temp, cache, threads)
    }

    fn found(cache: &mut Cache, threads: &[ThreadSummary], query: &str) -> Vec<Option<u32>> {
        search(cache, threads, query, 50)
            .unwrap()
            .iter()
            .map(|h| h.seq)
            .collect()
    }

    #[test]
    fn titles_and_posts_match_every_word_in_thread_order() {
        let (_temp, mut cache, threads) = demo();
        assert_eq!(
            found(&mut cache, &threads, "ADVOCACY discussion"),
            [None, Some(8)]
        );
        let hits = search(&mut cache, &threads, "advocacy", 50).unwrap();
        assert!(hits.len() > 2, "{hits:?}");
        assert_eq!(hits[0].seq, None, "the title comes first");
        let seqs: Vec<u32> = hits.iter().filter_map(|h| h.seq).collect();
        assert!(seqs.windows(2).all(|w| w[0] < w[1]), "{seqs:?}");
        assert!(hits[1].snippet.to_lowercase().contains("advocacy"));
        assert_eq!(
            search(&mut cache, &threads, "advocacy", 2).unwrap().len(),
            2
        );
        assert!(found(&mut cache, &threads, "advocacy zzzqqq").is_empty());
    }

    #[test]
    fn missing_or_damaged_search_text_is_rebuilt_from_the_thread_file() {
        let (_temp, mut cache, threads) = demo();
        let expected = found(&mut cache, &threads, "advocacy");
        let path = cache.dir().thread_text(threads[0].id.as_str());
        fs::remove_file(&path).unwrap();
        assert_eq!(found(&mut cache, &threads, "advocacy"), expected);
        assert!(path.exists(), "written again");

        fs::write(&path, b"TMST\x01\x00\x00\x00\x05").unwrap();
        assert_eq!(found(&mut cache, &threads, "advocacy"), expected);
        let problems = cache.take_problems();
        assert!(
            matches!(&problems[..], [Problem::Quarantined { path: p, .. }] if *p == path),
            "{problems:?}"
        );
        assert!(
            path.exists(),
            "rebuilt after the damaged one was moved aside"
        );
    }
}
