//! The search index at scale: search equals a brute-force scan for random queries, and
//! after the index is deleted, damaged, or left behind by a sync killed with SIGKILL.

use crate::support::generator::PLANTED_PHRASE;
use crate::support::serve::{Client, Served, text};
use crate::{generated, written};
use proptest::prelude::*;
use std::collections::BTreeSet;
use std::process::Stdio;
use std::sync::OnceLock;
use std::time::{Duration, Instant};
use threadmark::model::{Post, PostId, ThreadId, ThreadSummary};
use threadmark::render::plain_text;
use threadmark::store::{AccountDir, Cache, DataDir, Problem};

type Found = Vec<(ThreadId, Option<PostId>)>;

/// Threads with the lowercased plain text of each live post: what a brute-force scan
/// reads (made once per forum, as the scan is repeated for many queries), in the order
/// search promises: newest last post first, ties by thread id.
pub type Texts = Vec<(ThreadSummary, Vec<(PostId, String)>)>;

pub fn texts(threads: &[(ThreadSummary, Vec<Post>)]) -> Texts {
    let mut threads: Vec<&(ThreadSummary, Vec<Post>)> = threads.iter().collect();
    threads.sort_by(|(a, _), (b, _)| {
        b.last_post_at
            .cmp(&a.last_post_at)
            .then_with(|| a.id.cmp(&b.id))
    });
    threads
        .into_iter()
        .map(|(summary, posts)| {
            let live = posts
                .iter()
                .filter(|p| !p.deleted)
                .map(|p| (p.id.clone(), plain_text(&p.body).to_lowercase()))
                .collect();
            (summary.clone(), live)
        })
        .collect()
}

/// The generated forum's [`Texts`].
pub fn generated_texts() -> &'static Texts {
    static TEXTS: OnceLock<Texts> = OnceLock::new();
    TEXTS.get_or_init(|| texts(&generated().threads))
}

/// Every match the slow way, in the order search promises: hits whose words all stand
/// whole first, then those whose worst word begins a longer word, then those with a word
/// inside one (ties broken by the sum over the words); within that, the order of
/// `threads`, each title before its posts.
pub fn brute_force<'a>(
    threads: impl IntoIterator<Item = &'a (ThreadSummary, Vec<(PostId, String)>)>,
    query: &str,
) -> Found {
    let words: Vec<String> = query.split_whitespace().map(str::to_lowercase).collect();
    let rank = |lower: &str| -> Option<(u8, u32)> {
        let fits = words
            .iter()
            .map(|w| fit(lower, w))
            .collect::<Option<Vec<u8>>>()?;
        Some((
            fits.iter().copied().max().unwrap_or(0),
            fits.iter().map(|&f| u32::from(f)).sum(),
        ))
    };
    let mut out = Vec::new();
    for (summary, posts) in threads {
        if let Some(r) = rank(&summary.title.to_lowercase()) {
            out.push((r, (summary.id.clone(), None)));
        }
        for (id, text) in posts {
            if let Some(r) = rank(text) {
                out.push((r, (summary.id.clone(), Some(id.clone()))));
            }
        }
    }
    // Stable: within a rank, the order found.
    out.sort_by_key(|(r, _)| *r);
    out.into_iter().map(|(_, hit)| hit).collect()
}

/// How `word` sits in `lower` at best, over its occurrences left to right: 0 whole
/// (no letter or digit touching it), 1 at the start of a longer word, 2 inside one.
fn fit(lower: &str, word: &str) -> Option<u8> {
    let edge = |c: Option<char>| !c.is_some_and(char::is_alphanumeric);
    lower
        .match_indices(word)
        .map(|(at, _)| {
            let starts = edge(lower[..at].chars().last()) || edge(word.chars().next());
            let ends = edge(lower[at + word.len()..].chars().next()) || edge(word.chars().last());
            match (starts, ends) {
                (true, true) => 0,
                (true, false) => 1,
                _ => 2,
            }
        })
        .min()
}

fn searched(cache: &mut Cache, query: &str) -> Found {
    search(cache, query, usize::MAX)
        .unwrap()
        .into_iter()
        .map(|h| (h.thread, h.post))
        .collect()
}

/// The words of the generated forum (titles and posts, lowercased plain text), for
/// queries that find something.
fn vocabulary() -> &'static Vec<String> {
    static WORDS: OnceLock<Vec<String>> = OnceLock::new();
    WORDS.get_or_init(|| {
        let mut words = BTreeSet::new();
        for (summary, posts) in generated_texts() {
            words.extend(summary.title.split_whitespace().map(str::to_owned));
            for (_, text) in posts.iter().take(3) {
                words.extend(text.split_whitespace().map(str::to_owned));
            }
        }
        words.extend(["zqxjv".to_owned(), "marmalade".to_owned()]);
        words.into_iter().collect()
    })
}

/// A query made of parts of the forum's words: each part a piece of a word (of 1 to 6
/// characters, so some are too short for the index), in upper or lower case.
fn query() -> impl Strategy<Value = String> {
    prop::collection::vec(
        (
            any::<prop::sample::Index>(),
            0_usize..8,
            1_usize..7,
            any::<bool>(),
        ),
        1..4,
    )
    .prop_map(|parts| {
        let words = vocabulary();
        parts
            .into_iter()
            .map(|(word, start, len, upper)| {
                let chars: Vec<char> = word.get(words).chars().collect();
                let start = start.min(chars.len().saturating_sub(1));
                let piece: String = chars[start..].iter().take(len).collect();
                if upper { piece.to_uppercase() } else { piece }
            })
            .collect::<Vec<_>>()
            .join(" ")
    })
}

/// The generated forum written once, for the property tests' many queries.
fn shared_cache() -> &'static AccountDir {
    static CACHE: OnceLock<(tempfile::TempDir, AccountDir)> = OnceLock::new();
    &CACHE.get_or_init(written).1
}

fn cases() -> u32 {
    std::env::var("THREADMARK_FULL_SCALE").map_or(24, |_| 256)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), ..ProptestConfig::default() })]

    #[test]
    fn search_finds_what_a_brute_force_scan_finds(query in query()) {
        let mut cache = Cache::open(shared_cache().clone());
        prop_assert_eq!(
            searched(&mut cache, &query),
            brute_force(generated_texts(), &query),
            "{:?}", query
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), ..ProptestConfig::default() })]

    /// A search that stops at its first `limit` hits (as the reader's and the command's
    /// do) shows the first `limit` of the brute-force scan: stopping early, when the best
    /// hits there can be are found or a word is only ever inside longer ones, never
    /// changes what is shown.
    #[test]
    fn a_limited_search_shows_the_first_hits_of_a_brute_force_scan(
        query in query(),
        limit in 1_usize..40,
    ) {
        let mut cache = Cache::open(shared_cache().clone());
        let shown: Found = search(&mut cache, &query, limit)
            .unwrap()
            .into_iter()
            .map(|h| (h.thread, h.post))
            .collect();
        let mut expected = brute_force(generated_texts(), &query);
        expected.truncate(limit);
        prop_assert_eq!(shown, expected, "{:?} limit {}", query, limit);
    }
}

/// Queries checked after each kill: long and short words, rare and common.
const QUERIES: &[&str] = &[
    PLANTED_PHRASE,
    "strategy BUDGET",
    "戦略",
    "report",
    "🎉 naïve",
    "zqxjv",
];

/// Search over what is on disk now equals a brute-force scan of the thread files, and no
/// file had to be set aside.
fn agrees(dir: &AccountDir, when: &str) {
    let mut cache = Cache::open(dir.clone());
    let mut on_disk = Vec::new();
    for (summary, _) in &generated().threads {
        if let Some(file) = cache.load_thread(&summary.id).unwrap() {
            on_disk.push((file.summary, file.posts));
        }
    }
    let on_disk = texts(&on_disk);
    for query in QUERIES {
        assert_eq!(
            searched(&mut cache, query),
            brute_force(&on_disk, query),
            "{when}: {query:?}"
        );
    }
    let problems = cache.take_problems();
    assert!(problems.is_empty(), "{when}: {problems:?}");
}

/// Thread files written (not the temp files a kill leaves behind).
fn thread_files(dir: &AccountDir) -> usize {
    std::fs::read_dir(dir.threads_dir()).map_or(0, |entries| {
        entries
            .filter(|e| {
                let name = e.as_ref().unwrap().file_name();
                let name = name.to_string_lossy();
                !name.starts_with('.') && name.ends_with(".json")
            })
            .count()
    })
}

#[test]
fn a_sync_killed_at_random_points_leaves_index_and_files_in_agreement() {
    let store = tempfile::tempdir().unwrap();
    generated().load_server(store.path());
    let server = Served::demo(store.path(), &[]);
    let client = Client::default();
    client.sign_in(&server.url, server.member_token.as_ref().unwrap());
    let dir = DataDir::new(client.data_dir()).account("work");
    let mut dice = fastrand::Rng::with_seed(15);
    let threads = generated().threads.len();
    let mut killed = 0;
    for round in 0..3 {
        // Kill once this many more thread files are written: somewhere in a batch.
        let target = thread_files(&dir) + dice.usize(1..threads / 4);
        let mut sync = client
            .command(&["sync"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let give_up = Instant::now() + Duration::from_secs(600);
        while thread_files(&dir) < target && sync.try_wait().unwrap().is_none() {
            assert!(Instant::now() < give_up, "the sync makes no progress");
            std::thread::sleep(Duration::from_millis(dice.u64(1..20)));
        }
        if sync.try_wait().unwrap().is_none() {
            killed += 1;
        }
        let _ = sync.kill();
        let _ = sync.wait();
        agrees(&dir, &format!("after kill {round}"));
    }
    assert!(killed > 0, "at least one sync was killed midway");
    let out = client.run(&["sync"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(thread_files(&dir), threads);
    agrees(&dir, "after the sync that finished");
}

#[test]
fn a_deleted_or_damaged_index_is_built_again_and_finds_the_same() {
    let (_temp, dir) = written();
    let path = dir.search_index();
    let expected = brute_force(generated_texts(), "strategy budget");

    std::fs::remove_file(&path).unwrap();
    let mut cache = Cache::open(dir.clone());
    assert_eq!(searched(&mut cache, "strategy budget"), expected);
    assert!(cache.take_problems().is_empty());
    drop(cache);

    // Cut in half: SQLite finds the damage.
    let bytes = std::fs::read(&path).unwrap();
    std::fs::write(&path, &bytes[..bytes.len() / 2]).unwrap();
    let mut cache = Cache::open(dir.clone());
    assert_eq!(searched(&mut cache, "strategy budget"), expected);
    let problems = cache.take_problems();
    assert!(
        matches!(&problems[..], [Problem::Quarantined { path: p, .. }] if *p == path),
        "{problems:?}"
    );
    assert_eq!(searched(&mut cache, PLANTED_PHRASE).len(), 1);
}

#[test]
fn the_cli_says_it_builds_the_index_and_search_text_files_of_old_versions_go() {
    let (temp, dir) = written();
    std::fs::remove_file(dir.search_index()).unwrap();
    let old = dir.threads_dir().join("t1.text");
    std::fs::write(&old, b"TMST\x01\x00\x00\x00").unwrap();
    let config = temp.path().join("config.toml");
    let run = |args: &[&str]| {
        crate::support::run::run_bounded(
            crate::support::run::command_on(temp.path(), &config, args, &[]),
            Duration::from_secs(600),
        )
    };
    let out = run(&["account", "add", "scale", "--url", "http://127.0.0.1:9"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = run(&["--account", "scale", "search", "quokka", "marmalade"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let err = text(&out.stderr);
    assert!(
        err.contains("building the search index from 500 thread files"),
        "{err}"
    );
    assert!(err.contains("search index built"), "{err}");
    assert!(
        text(&out.stdout)
            .to_lowercase()
            .contains("quokka marmalade")
    );
    assert!(!old.exists(), "the old search text is gone");
}

/// `threadmark search`'s search with no operator context (words and phrases only).
fn search(
    cache: &mut Cache,
    query: &str,
    limit: usize,
) -> Result<Vec<threadmark::store::SearchHit>, threadmark::store::StoreError> {
    let query = threadmark::model::Query::parse(query).expect("a query");
    let cx = threadmark::store::QueryContext::bare(jiff::Timestamp::now());
    threadmark::store::search(cache, &query, &cx, limit)
}
