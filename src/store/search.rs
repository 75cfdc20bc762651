//! Local full-text search over cached thread titles and posts.

use super::query::{Found, QueryContext, Reach, scan};
use super::search_terms::Possible;
use super::{Cache, StoreError};
use crate::model::{Author, PostId, Query, ThreadId};
use crate::text::sanitize;
use std::ops::ControlFlow;

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

/// Finds what `query` asks for: thread titles holding every word (unless an operator looks
/// at posts only) and posts holding every word and passing every operator, at most
/// `limit`. Hits where the words stand whole come first, then those where they begin a
/// word, then those where they sit inside one ("train" finds "train", then "trained",
/// then "constraints"); within a rank, newest thread first (by its last post; ties by
/// thread id), each thread's title before its posts (in `seq` order). The candidates come
/// from the search index and are checked against the thread files (see [`scan`]).
pub fn search(
    cache: &mut Cache,
    query: &Query,
    cx: &QueryContext<'_>,
    limit: usize,
) -> Result<Vec<SearchHit>, StoreError> {
    if limit == 0 {
        return Ok(Vec::new());
    }
    let words = &query.words;
    let first = words.first().map_or("", String::as_str);
    let best = best_possible(cache.search_possible(words)?.as_deref());
    let mut ranked = Ranked::new(limit, best);
    scan(cache, query, cx, Reach::Early, |found| {
        match found {
            Found::Title { row, text } => {
                if let Some(rank) = rank(&text.to_lowercase(), words) {
                    ranked.push(
                        rank,
                        SearchHit {
                            thread: row.id.clone(),
                            thread_title: row.title.clone(),
                            post: None,
                            seq: None,
                            author: row.author.clone(),
                            snippet: sanitize::clean_line(&row.title).into_owned(),
                        },
                    );
                }
            }
            Found::Post {
                row,
                post,
                text,
                lower,
                ..
            } => {
                if let Some(rank) = rank(lower, words) {
                    ranked.push(
                        rank,
                        SearchHit {
                            thread: row.id.clone(),
                            thread_title: row.title.clone(),
                            post: Some(post.id.clone()),
                            seq: Some(post.seq),
                            author: post.author.clone(),
                            snippet: snippet(text, lower, first),
                        },
                    );
                }
            }
        }
        if ranked.full_of_the_best() {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    })?;
    Ok(ranked.finish())
}

/// The best rank any hit can have, from where the index says each word may stand
/// (`None`: it cannot tell, and a hit may have every word whole). The words a query is
/// typed with are often parts of words ("ewor" of "framework"): when no post holds one
/// whole or at a word's start, every hit ranks alike, and the first hits found are the
/// ones to show.
fn best_possible(possible: Option<&[Possible]>) -> (Fit, usize) {
    let Some(possible) = possible else {
        return (Fit::Word, 0);
    };
    let fits = possible.iter().map(|p| {
        if p.whole {
            Fit::Word
        } else if p.start {
            Fit::WordStart
        } else {
            Fit::Inside
        }
    });
    fits.fold((Fit::Word, 0), |(worst, sum), fit| {
        (worst.max(fit), sum + fit as usize)
    })
}

/// Where a word of the query was found in a text: the lower, the better.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Fit {
    /// A whole word.
    Word,
    /// The start of a longer word ("train" in "trained").
    WordStart,
    /// Inside a word ("train" in "constraints").
    Inside,
}

/// How well `lower` (lowercased) holds every word: its worst word's fit, then the sum of
/// all (lower is better); `None` when a word is missing.
fn rank(lower: &str, words: &[String]) -> Option<(Fit, usize)> {
    let mut worst = Fit::Word;
    let mut sum = 0;
    for word in words {
        let (_, fit) = best_occurrence(lower, word)?;
        worst = worst.max(fit);
        sum += fit as usize;
    }
    Some((worst, sum))
}

/// The byte offset of `word`'s best-fitting occurrence in `lower`, and its fit (the first
/// of the best).
fn best_occurrence(lower: &str, word: &str) -> Option<(usize, Fit)> {
    let mut best: Option<(usize, Fit)> = None;
    for (at, _) in lower.match_indices(word) {
        let before = lower[..at].chars().next_back();
        let after = lower[at + word.len()..].chars().next();
        let starts = !before.is_some_and(char::is_alphanumeric)
            || !word.chars().next().is_some_and(char::is_alphanumeric);
        let ends = !after.is_some_and(char::is_alphanumeric)
            || !word.chars().next_back().is_some_and(char::is_alphanumeric);
        let fit = match (starts, ends) {
            (true, true) => Fit::Word,
            (true, false) => Fit::WordStart,
            _ => Fit::Inside,
        };
        if best.is_none_or(|(_, b)| fit < b) {
            best = Some((at, fit));
        }
        if fit == Fit::Word {
            break;
        }
    }
    best
}

/// Hits kept in rank order, the order of arrival within a rank, up to a limit.
struct Ranked {
    limit: usize,
    hits: Vec<((Fit, usize), SearchHit)>,
    /// The best rank a hit can have (see [`best_possible`]).
    best_rank: (Fit, usize),
    /// Hits of that rank found so far.
    best: usize,
}

impl Ranked {
    fn new(limit: usize, best_rank: (Fit, usize)) -> Self {
        Self {
            limit,
            hits: Vec::new(),
            best_rank,
            best: 0,
        }
    }

    fn push(&mut self, rank: (Fit, usize), hit: SearchHit) {
        if rank <= self.best_rank {
            self.best += 1;
        }
        self.hits.push((rank, hit));
    }

    /// As many hits of the best rank there can be as asked for: nothing found later
    /// could rank above them (hits arrive in the order they are shown within a rank).
    fn full_of_the_best(&self) -> bool {
        self.best >= self.limit
    }

    fn finish(mut self) -> Vec<SearchHit> {
        // Stable: within a rank, the order they were found in.
        self.hits.sort_by_key(|(rank, _)| *rank);
        self.hits
            .into_iter()
            .take(self.limit)
            .map(|(_, hit)| hit)
            .collect()
    }
}

/// About 100 characters of `text` around the best occurrence of `word` (a whole word
/// before a part of one), on one line, cut between words: it begins and ends with whole
/// words, an ellipsis marking what was left out.
fn snippet(text: &str, lower: &str, word: &str) -> String {
    const BEFORE: usize = 40;
    const TOTAL: usize = 100;
    // Byte offsets differ between `text` and its lowercase form for some scripts, so
    // count characters instead.
    let chars: Vec<char> = text.chars().collect();
    let at = best_occurrence(lower, word).map_or(0, |(byte, _)| lower[..byte].chars().count());
    let word_end = (at + word.chars().count()).min(chars.len());
    let blank = |i: usize| chars.get(i).is_none_or(|c| c.is_whitespace());
    // Start after a blank: move forward to the next word, never past the match (text
    // without blanks, as Chinese or Japanese is written, is cut where it falls).
    let mut start = at.saturating_sub(BEFORE);
    if start > 0 && !blank(start - 1) {
        start = (start..at).find(|&i| blank(i)).map_or(start, |i| i + 1);
    }
    // End before a blank: move back to the previous one, never into the match.
    let mut end = (start + TOTAL).max(word_end).min(chars.len());
    if end < chars.len()
        && !blank(end)
        && let Some(i) = (word_end..end).rev().find(|&i| blank(i))
    {
        end = i;
    }
    let piece: String = chars[start..end].iter().collect();
    let mut out = piece.split_whitespace().collect::<Vec<_>>().join(" ");
    if chars[..start].iter().any(|c| !c.is_whitespace()) {
        out.insert(0, '…');
    }
    if end < chars.len() && chars[end..].iter().any(|c| !c.is_whitespace()) {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ThreadSummary;
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

    fn search(cache: &mut Cache, query: &str, limit: usize) -> Result<Vec<SearchHit>, StoreError> {
        let query = Query::parse(query).unwrap();
        super::search(
            cache,
            &query,
            &QueryContext::bare(jiff::Timestamp::now()),
            limit,
        )
    }

    fn found(cache: &mut Cache, query: &str) -> Vec<Option<u32>> {
        search(cache, query, 50)
            .unwrap()
            .iter()
            .map(|h| h.seq)
            .collect()
    }

    #[test]
    fn titles_and_posts_match_every_word_in_thread_order() {
        let (_temp, mut cache, _) = demo();
        assert_eq!(found(&mut cache, "ADVOCACY discussion"), [None, Some(8)]);
        let hits = search(&mut cache, "advocacy", 50).unwrap();
        assert!(hits.len() > 2, "{hits:?}");
        assert_eq!(hits[0].seq, None, "the title comes first");
        let seqs: Vec<u32> = hits.iter().filter_map(|h| h.seq).collect();
        assert!(seqs.windows(2).all(|w| w[0] < w[1]), "{seqs:?}");
        assert!(hits[1].snippet.to_lowercase().contains("advocacy"));
        assert_eq!(search(&mut cache, "advocacy", 2).unwrap().len(), 2);
        assert!(found(&mut cache, "advocacy zzzqqq").is_empty());
    }

    fn thread(n: u32, last_post_at: i64, texts: &[&str]) -> crate::model::Thread {
        use crate::model::{AreaId, Body, Post, Reactions};
        let id = ThreadId::new(format!("t{n:02}"));
        let at = jiff::Timestamp::from_second(last_post_at).unwrap();
        let posts = texts
            .iter()
            .zip(1..)
            .map(|(text, seq)| Post {
                id: PostId::new(format!("{id}-{seq}")),
                thread: id.clone(),
                seq,
                reply_to: None,
                author: Author::new("ann"),
                created_at: at,
                edited_at: None,
                body: Body::markdown(*text),
                deleted: false,
                removed: false,
                score: None,
                version: 1,
                client_key: None,
                reactions: Reactions::default(),
            })
            .collect();
        crate::model::Thread::new(
            ThreadSummary {
                id: id.clone(),
                area: AreaId::new("a"),
                title: if n.is_multiple_of(7) {
                    "Quokka news"
                } else {
                    "News"
                }
                .into(),
                author: Author::new("ann"),
                created_at: at,
                last_post_at: at,
                post_count: u32::try_from(texts.len()).unwrap(),
                last_seq: u32::try_from(texts.len()).unwrap(),
                pinned: false,
                locked: false,
                missing: thin_vec::ThinVec::new(),
                small_actions: thin_vec::ThinVec::new(),
            },
            posts,
        )
    }

    /// Every match `scan` hands over for `query`, in order, as (thread, seq).
    fn scanned(cache: &mut Cache, query: &str, reach: Reach) -> Vec<(ThreadId, Option<u32>)> {
        let query = Query::parse(query).unwrap();
        let cx = QueryContext::bare(jiff::Timestamp::now());
        let mut found = Vec::new();
        scan(cache, &query, &cx, reach, |hit| {
            found.push(match hit {
                Found::Title { row, .. } => (row.id.clone(), None),
                Found::Post { row, post, .. } => (row.id.clone(), Some(post.seq)),
            });
            ControlFlow::Continue(())
        })
        .unwrap();
        found
    }

    #[test]
    fn a_common_word_walks_the_newest_threads_and_finds_what_gathering_finds() {
        let temp = tempfile::tempdir().unwrap();
        let mut cache = Cache::open(DataDir::new(temp.path()).account("x"));
        // 40 threads, several sharing a last post time (ties go by id, across pages),
        // the word whole, beginning a word, inside one, or missing.
        let threads: Vec<_> = (0..40)
            .map(|n| {
                let texts: &[&str] = match n % 4 {
                    0 => &["a quokka here", "nothing"],
                    1 => &["quokkas, then", "a quokka"],
                    2 => &["no marsupial", "xquokka"],
                    _ => &["nothing at all"],
                };
                thread(n, i64::from(n / 3) * 60, texts)
            })
            .collect();
        cache.save_threads(&threads).unwrap();
        // A write cut short left two threads pending: read from their files, in place.
        let dir = cache.dir().clone();
        cache
            .slot()
            .write(&dir, |index| index.stage(&[&threads[4], &threads[33]], &[]))
            .unwrap();
        let words = ["quokka".to_owned()];
        assert!(
            matches!(
                cache.search_start(&words, &[]).unwrap(),
                Some(crate::store::search_index::Start::Common(p)) if p.len() == 2
            ),
            "a common word, walked"
        );
        let walked = scanned(&mut cache, "quokka", Reach::Early);
        let gathered = scanned(&mut cache, "quokka", Reach::Every);
        assert_eq!(walked, gathered);
        assert_eq!(walked.len(), 10 + 10 * 2 + 10 + 6, "{walked:?}");
        assert_eq!(
            walked[0].0,
            ThreadId::new("t36"),
            "newest first, ties by id"
        );
        // The ranked hits: the same whichever way they were found.
        let hits = search(&mut cache, "quokka", 15).unwrap();
        assert_eq!(hits.len(), 15);
        assert!(
            hits.iter()
                .all(|h| h.snippet.to_lowercase().contains("quokka")),
            "{hits:?}"
        );
    }

    #[test]
    fn a_part_of_words_stops_at_the_first_hits_yet_a_whole_word_anywhere_leads() {
        let temp = tempfile::tempdir().unwrap();
        let mut cache = Cache::open(DataDir::new(temp.path()).account("x"));
        // 40 threads, t39 the newest, each holding "ewor" only inside "framework".
        let threads: Vec<_> = (0..40)
            .map(|n| thread(n, i64::from(n) * 60, &["our frameworks", "a framework"]))
            .collect();
        cache.save_threads(&threads).unwrap();
        let words = ["ewor".to_owned()];
        assert_eq!(
            best_possible(cache.search_possible(&words).unwrap().as_deref()),
            (Fit::Inside, 2)
        );
        // The older threads' files are damaged: a search that read one would say so.
        for n in 0..30 {
            fs::write(cache.dir().thread(&format!("t{n:02}")), b"{ damaged").unwrap();
        }
        let hits = search(&mut cache, "ewor", 6).unwrap();
        let threads_hit: Vec<&str> = hits.iter().map(|h| h.thread.as_str()).collect();
        assert_eq!(threads_hit, ["t39", "t39", "t38", "t38", "t37", "t37"]);
        assert!(
            cache.take_problems().is_empty(),
            "the first hits found were enough: no older thread was read"
        );

        // One old thread holds it whole: it leads, found however far back it is.
        cache
            .save_threads(&[thread(3, 3 * 60, &["ewor, as they say"])])
            .unwrap();
        assert_eq!(
            best_possible(cache.search_possible(&words).unwrap().as_deref()),
            (Fit::Word, 0)
        );
        let hits = search(&mut cache, "ewor", 6).unwrap();
        assert_eq!(hits[0].thread, ThreadId::new("t03"), "{hits:?}");
        assert_eq!(hits[0].seq, Some(1));
        assert_eq!(hits.len(), 6);

        // A write left a thread pending: its words may be missing, so nothing is assumed.
        let dir = cache.dir().clone();
        cache
            .slot()
            .write(&dir, |index| index.mark_pending([&ThreadId::new("t39")]))
            .unwrap();
        assert_eq!(cache.search_possible(&words).unwrap(), None);
        assert_eq!(best_possible(None), (Fit::Word, 0));
    }

    #[test]
    fn the_best_rank_possible_is_the_worst_words_and_the_sum() {
        let p = |whole, start| Possible { whole, start };
        assert_eq!(
            best_possible(Some(&[p(true, true), p(false, true)])),
            (Fit::WordStart, 1)
        );
        assert_eq!(
            best_possible(Some(&[p(false, true), p(false, false)])),
            (Fit::Inside, 3)
        );
        assert_eq!(best_possible(Some(&[])), (Fit::Word, 0));
    }

    #[test]
    fn snippets_begin_and_end_with_whole_words() {
        let text = format!(
            "{} the train left {}",
            "alpha ".repeat(20),
            "omega ".repeat(30)
        );
        let lower = text.to_lowercase();
        let cut = snippet(&text, &lower, "train");
        assert!(
            cut.starts_with("…alpha ") && cut.ends_with(" omega…"),
            "{cut}"
        );
        assert!(cut.contains("the train left"), "{cut}");
        // No blanks to cut at: cut where it falls, the match kept.
        let text = "字".repeat(80) + "検索" + &"字".repeat(200);
        let cut = snippet(&text, &text, "検索");
        assert!(
            cut.contains("検索") && cut.starts_with('…') && cut.ends_with('…'),
            "{cut}"
        );
    }

    #[test]
    fn whole_words_rank_above_word_starts_and_word_insides() {
        let words = ["train".to_owned()];
        assert_eq!(rank("we train", &words), Some((Fit::Word, 0)));
        assert_eq!(
            rank("trained, constraints", &words),
            Some((Fit::WordStart, 1))
        );
        assert_eq!(rank("constraints", &words), Some((Fit::Inside, 2)));
        assert_eq!(rank("constraints; train.", &words), Some((Fit::Word, 0)));
        assert_eq!(rank("rain", &words), None);
    }

    #[test]
    fn a_missing_or_damaged_index_is_built_again_from_the_thread_files() {
        let (_temp, mut cache, threads) = demo();
        let expected = found(&mut cache, "advocacy");
        let path = cache.dir().search_index();
        let dir = cache.dir().clone();
        assert!(path.exists());
        drop(cache);
        fs::remove_file(&path).unwrap();
        let mut cache = Cache::open(dir.clone());
        let told = Arc::new(Mutex::new(Vec::new()));
        let progress = Arc::clone(&told);
        cache.on_index_progress(move |done, total| progress.lock().unwrap().push((done, total)));
        assert_eq!(found(&mut cache, "advocacy"), expected);
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
        assert_eq!(found(&mut cache, "advocacy"), expected);
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
        let (temp, mut cache, _) = demo();
        let hits = search(&mut cache, "advocacy", 50).unwrap();
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
        let again = search(&mut cache, "advocacy", 50).unwrap();
        assert!(
            again.iter().all(|h| h.post.as_ref() != Some(&post)),
            "{again:?}"
        );
        assert_eq!(again.len(), hits.len() - 1);
    }
}
