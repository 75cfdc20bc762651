//! Local full-text search over cached thread titles and posts.

use super::{Cache, StoreError};
use crate::model::{Author, PostId, ThreadId, ThreadSummary};
use crate::render::plain_text;
use crate::text::sanitize;

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
/// The search index (see [`super::search_index`]) names the posts that may match; each
/// is read from its thread file and checked there, so an index out of step with the files
/// never yields a wrong hit. Threads the index is unsure of, and every thread when no
/// word is long enough for the index (or there is no usable index), are read whole.
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
    let matches = |lower: &str| words.iter().all(|w| lower.contains(w.as_str()));
    let candidates = cache.search_candidates(&words)?;
    let mut hits = Vec::new();
    for summary in threads {
        if hits.len() >= limit {
            break;
        }
        if matches(&summary.title.to_lowercase()) {
            hits.push(SearchHit {
                thread: summary.id.clone(),
                thread_title: summary.title.clone(),
                post: None,
                seq: None,
                author: summary.author.clone(),
                snippet: sanitize::clean_line(&summary.title).into_owned(),
            });
        }
        let seqs: Option<&[u32]> = match &candidates {
            Some(found) if !found.whole.contains(&summary.id) => match found.posts.get(&summary.id)
            {
                Some(seqs) => Some(seqs),
                None => continue,
            },
            _ => None,
        };
        let Some(file) = cache.load_thread(&summary.id)? else {
            continue;
        };
        for post in file.posts.iter().filter(|p| !p.deleted) {
            if hits.len() >= limit {
                break;
            }
            if seqs.is_some_and(|seqs| seqs.binary_search(&post.seq).is_err()) {
                continue;
            }
            let text = plain_text(&post.body);
            let lower = text.to_lowercase();
            if !matches(&lower) {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{DataDir, Problem, ensure_demo};
    use std::fs;
    use std::sync::{Arc, Mutex};

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
    fn a_missing_or_damaged_index_is_built_again_from_the_thread_files() {
        let (_temp, mut cache, threads) = demo();
        let expected = found(&mut cache, &threads, "advocacy");
        let path = cache.dir().search_index();
        let dir = cache.dir().clone();
        assert!(path.exists());
        drop(cache);
        fs::remove_file(&path).unwrap();
        let mut cache = Cache::open(dir.clone());
        let told = Arc::new(Mutex::new(Vec::new()));
        let progress = Arc::clone(&told);
        cache.on_index_progress(move |done, total| progress.lock().unwrap().push((done, total)));
        assert_eq!(found(&mut cache, &threads, "advocacy"), expected);
        assert!(path.exists(), "built again");
        let total = threads.len();
        assert_eq!(
            told.lock().unwrap().last(),
            Some(&(total, total)),
            "with progress"
        );
        drop(cache);

        fs::write(&path, b"SQLite format 3\0 but not really a database at all").unwrap();
        let mut cache = Cache::open(dir);
        assert_eq!(found(&mut cache, &threads, "advocacy"), expected);
        let problems = cache.take_problems();
        assert!(
            matches!(&problems[..], [Problem::Quarantined { path: p, .. }] if *p == path),
            "{problems:?}"
        );
        assert!(
            path.exists(),
            "built again after the damaged one was set aside"
        );
    }

    #[test]
    fn a_post_changed_behind_the_index_is_never_a_wrong_hit() {
        let (temp, mut cache, threads) = demo();
        let hits = search(&mut cache, &threads, "advocacy", 50).unwrap();
        let post = hits.iter().find_map(|h| h.post.clone()).unwrap();
        let thread = hits
            .iter()
            .find(|h| h.post.is_some())
            .unwrap()
            .thread
            .clone();
        // Rewritten by hand, as a crash or another program could leave it.
        let path = cache.dir().thread(thread.as_str());
        let mut file = cache.load_thread(&thread).unwrap().unwrap();
        for p in &mut file.posts {
            if p.id == post {
                p.body.text = "nothing to see".into();
            }
        }
        let other = Cache::open(DataDir::new(temp.path().join("x")).account("x"));
        other.save_thread(&file).unwrap();
        fs::copy(other.dir().thread(thread.as_str()), &path).unwrap();
        let again = search(&mut cache, &threads, "advocacy", 50).unwrap();
        assert!(
            again.iter().all(|h| h.post.as_ref() != Some(&post)),
            "{again:?}"
        );
        assert_eq!(again.len(), hits.len() - 1);
    }
}
