//! Correctness at scale (not speed): a generated 10k-post forum in the cache and on the
//! reference server. The tree counts match the data, a long thread comes back whole and
//! in order, search finds what a plain scan finds (for random queries, and after a sync
//! killed at random points), and a full sync from the server gives the same cache as
//! writing the forum directly, whether the posts are asked for thread by thread or many
//! threads per request.
#![allow(clippy::unwrap_used)]

#[path = "../support/mod.rs"]
mod support;
use support::generator;
use support::serve::{Client, Served};

mod search_index;

use generator::{Generated, LONG_THREAD_POSTS, PLANTED_PHRASE, Spec, generate};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;
use threadmark::app::tree::{NodeKind, TreeModel};
use threadmark::model::ReadState;
use threadmark::remote::{HttpClient, NativeBackend, Timeouts};
use threadmark::store::{AccountDir, Cache, DataDir};
use threadmark::sync::Engine;

fn generated() -> &'static Generated {
    static FORUM: OnceLock<Generated> = OnceLock::new();
    FORUM.get_or_init(|| generate(Spec::posts(10_000)))
}

/// The forum written straight into a fresh cache.
fn written() -> (tempfile::TempDir, AccountDir) {
    let temp = tempfile::tempdir().unwrap();
    let dir = DataDir::new(temp.path()).account("scale");
    generated().write_cache(&dir).unwrap();
    (temp, dir)
}

#[test]
fn the_generator_is_deterministic_and_sized_as_asked() {
    let spec = Spec::posts(10_000);
    assert_eq!((spec.seed, spec.posts, spec.threads), (7, 10_000, 500));
    let again = generate(spec);
    assert_eq!(generated().post_count(), 10_000);
    assert_eq!(generated().threads.len(), spec.threads);
    assert_eq!(again.threads, generated().threads, "same seed, same forum");
    assert_ne!(
        generate(Spec { seed: 8, ..spec }).threads,
        generated().threads,
        "another seed, another forum"
    );
    let bodies: Vec<&str> = generated()
        .threads
        .iter()
        .flat_map(|(_, posts)| posts.iter().map(|p| p.body.text.as_str()))
        .collect();
    assert!(bodies.iter().any(|b| b.len() >= 64 * 1024), "a 64 KiB body");
    for needle in ["討論", "🎉", "مرحبا", "\n- ", "\n> ", "> > "] {
        assert!(bodies.iter().any(|b| b.contains(needle)), "{needle:?}");
    }
}

#[test]
fn tree_counts_match_the_generated_data() {
    let (_temp, dir) = written();
    let mut cache = Cache::open(dir);
    let forum = cache.load_forum().unwrap().unwrap();
    let index = cache.load_index().unwrap();
    assert!(cache.take_problems().is_empty());
    assert_eq!(forum, generated().forum);

    let mut expected: BTreeMap<&str, (usize, u32)> = BTreeMap::new();
    for (summary, posts) in &generated().threads {
        let entry = expected.entry(summary.area.as_str()).or_default();
        entry.0 += 1;
        entry.1 += u32::try_from(posts.len()).unwrap();
    }
    let mut found: BTreeMap<&str, (usize, u32)> = BTreeMap::new();
    for summary in &index {
        let entry = found.entry(summary.area.as_str()).or_default();
        entry.0 += 1;
        entry.1 += summary.post_count;
    }
    assert_eq!(found, expected);

    // The tree pane rolls every unread post up to the root.
    let tree = TreeModel::build(&forum, &index, &ReadState::default(), BTreeSet::new(), None);
    assert_eq!(tree.total_unread(), 10_000);
    let shown_threads = tree
        .nodes()
        .iter()
        .filter(|n| n.kind == NodeKind::Thread)
        .count();
    assert_eq!(shown_threads, generated().threads.len());
}

#[test]
fn a_long_thread_comes_back_complete_and_in_order() {
    let (_temp, dir) = written();
    let long = generated().long_thread.clone().unwrap();
    let file = Cache::open(dir).load_thread(&long).unwrap().unwrap();
    assert_eq!(file.posts.len(), LONG_THREAD_POSTS);
    let seqs: Vec<u32> = file.posts.iter().map(|p| p.seq).collect();
    let expected: Vec<u32> = (1..=u32::try_from(LONG_THREAD_POSTS).unwrap()).collect();
    assert_eq!(seqs, expected);
    let (_, posts) = generated()
        .threads
        .iter()
        .find(|(t, _)| t.id == long)
        .unwrap();
    assert_eq!(&file.posts, posts);
    // Deep reply chains nest: the reading order goes far below the top level.
    let order = threadmark::model::reading_order(&file.posts);
    assert!(order.iter().map(|p| p.depth).max().unwrap() > 50);
}

#[test]
fn search_finds_the_planted_phrase_and_what_a_full_scan_finds() {
    let (_temp, dir) = written();
    let mut cache = Cache::open(dir);
    let hits = search(&mut cache, PLANTED_PHRASE, 10).unwrap();
    assert_eq!(hits.len(), 1, "{hits:?}");
    let (thread, post) = &generated().planted;
    assert_eq!(&hits[0].thread, thread);
    assert_eq!(hits[0].post.as_ref(), Some(post));
    assert!(
        hits[0].snippet.contains("Quokka Marmalade"),
        "{}",
        hits[0].snippet
    );

    for query in [
        "STRATEGY budget",
        "戦略",
        "🎉 naïve",
        "report",
        "t42 #",
        "ÉTÉ",
    ] {
        let found: Vec<_> = search(&mut cache, query, usize::MAX)
            .unwrap()
            .into_iter()
            .map(|h| (h.thread, h.post))
            .collect();
        assert_eq!(found, scan(query), "{query:?}");
    }
}

/// Every match the slow way, in the order search promises (newest first).
fn scan(
    query: &str,
) -> Vec<(
    threadmark::model::ThreadId,
    Option<threadmark::model::PostId>,
)> {
    search_index::brute_force(search_index::generated_texts(), query)
}

#[test]
fn a_full_sync_from_the_server_gives_the_same_cache_as_direct_generation() {
    let server_dir = tempfile::tempdir().unwrap();
    let report = generated().load_server(server_dir.path());
    assert_eq!(report.posts, 10_000);
    let (_direct_temp, direct) = written();
    let synced_temp = tempfile::tempdir().unwrap();
    let synced = DataDir::new(synced_temp.path()).account("scale");

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let server =
            threadmark::server::start(threadmark::server::ServerConfig::new(server_dir.path()))
                .await
                .unwrap();
        let http =
            HttpClient::new(&format!("http://{}", server.addr), Timeouts::default()).unwrap();
        let mut engine = Engine::new(NativeBackend::new(http, None), synced.clone()).unwrap();
        let pulled = tokio::time::timeout(
            std::time::Duration::from_secs(300),
            engine.pull(&mut |_| {}),
        )
        .await
        .expect("the sync finishes in time")
        .unwrap();
        assert_eq!(pulled.new_posts, 10_000);
        server.shutdown().await.unwrap();
    });

    assert_same_cache(&direct, &synced);
}

/// The way a user runs it: the real server binary, logging its requests, and a first
/// `threadmark sync`. A server listing `posts_of_threads` in `/status` is asked for the
/// posts of many threads per request (`GET /posts?thread=…`), and what arrives is the
/// same as asking thread by thread (the test above, whose engine never reads the status,
/// as with a server without the capability).
#[test]
fn a_first_sync_asks_for_the_posts_of_many_threads_per_request() {
    let server_dir = tempfile::tempdir().unwrap();
    generated().load_server(server_dir.path());
    let logs = tempfile::tempdir().unwrap();
    let log = logs.path().join("requests.log");
    let server = Served::logged(server_dir.path(), &log);
    let client = Client::default();
    client.ok(&["account", "add", "scale", "--url", &server.url]);
    let said = client.ok(&["sync"]);
    assert!(said.contains("10000 new posts"), "{said}");
    drop(server);

    let (_direct_temp, direct) = written();
    assert_same_cache(&direct, &DataDir::new(client.data_dir()).account("scale"));
    let log = std::fs::read_to_string(&log).unwrap();
    let asked = |what: &dyn Fn(&str) -> bool| log.lines().filter(|l| what(l)).count();
    let batches = asked(&|l| l.contains(" GET /api/v1/posts?thread="));
    let single = asked(&|l| l.contains(" GET /api/v1/threads/") && l.contains("/posts?"));
    let threads = generated().threads.len();
    // 500 threads, 16 named in a request; a few asked for again when the next would not
    // fit in a request's 1,000 posts.
    assert!(
        (threads / 16..threads / 8).contains(&batches),
        "{batches} requests of several threads for {threads} threads"
    );
    // Only the 2,001-post thread goes on by itself (a thread that would not fit whole
    // waits for the next request rather than being cut).
    assert_eq!(single, 2, "requests of one thread's posts");
}

/// Every file of the cache at `b` holds what the one at `a` holds, and search over both
/// finds the same.
fn assert_same_cache(a: &AccountDir, b: &AccountDir) {
    let mut a = Cache::open(a.clone());
    let mut b = Cache::open(b.clone());
    // A sync that read `/status` knows the server's post limits; the cache written
    // directly was never told them.
    let mut synced = b.load_forum().unwrap().unwrap();
    synced.limits = threadmark::model::PostLimits::default();
    assert_eq!(Some(synced), a.load_forum().unwrap());
    let index = a.load_index().unwrap();
    assert_eq!(b.load_index().unwrap(), index);
    for summary in &index {
        assert_eq!(
            b.load_thread(&summary.id).unwrap(),
            a.load_thread(&summary.id).unwrap(),
            "thread {}",
            summary.id
        );
    }
    assert!(a.take_problems().is_empty() && b.take_problems().is_empty());
    // Search over the synced cache finds the same as over the generated one.
    let hits = |cache: &mut Cache| {
        search(cache, PLANTED_PHRASE, 10)
            .unwrap()
            .into_iter()
            .map(|h| h.post)
            .collect::<Vec<_>>()
    };
    assert_eq!(hits(&mut b), hits(&mut a));
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
