//! `threadmark search`: the word itself before words that merely contain it, and snippets
//! cut between words.

use crate::json::json_of;
use crate::threadmark;
use threadmark::model::ThreadId;
use threadmark::store::{Cache, DataDir};

/// The demo forum in `home`, its last post (#8) rewritten to hold `text`, through the
/// store (which keeps the search index in step), as a sync would leave it.
fn demo_with_last_post(home: &std::path::Path, text: &str) {
    let out = threadmark(home, &["tree"], &[]);
    assert!(out.status.success(), "{out:?}");
    let mut cache = Cache::open(DataDir::new(home.join("data")).account("demo"));
    let mut thread = cache
        .load_thread(&ThreadId::new("advocacy-1"))
        .unwrap()
        .unwrap();
    let last = thread.posts.iter_mut().find(|p| p.seq == 8).unwrap();
    text.clone_into(&mut last.body.text);
    cache.save_thread(&thread).unwrap();
}

/// "train" is in #5 ("trained"), #6 ("constraints") and, as a word, in #8: #8 comes first,
/// the word's start next, the inside of a word last — thread order alone put #8 last.
#[test]
fn the_word_itself_ranks_above_words_that_contain_it() {
    let home = tempfile::tempdir().unwrap();
    demo_with_last_post(
        home.path(),
        "We train every new school librarian ourselves.",
    );
    let found = json_of(home.path(), &["search", "train", "--json"]);
    let seqs: Vec<u64> = found["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["seq"].as_u64().unwrap())
        .collect();
    assert_eq!(seqs, [8, 5, 6], "{found:#}");
    // The text output lists them in the same order.
    let out = threadmark(home.path(), &["search", "train"], &[]);
    let text = String::from_utf8(out.stdout).unwrap();
    let at = |needle: &str| {
        text.find(needle)
            .unwrap_or_else(|| panic!("{needle} in {text}"))
    };
    assert!(at("#8") < at("#5") && at("#5") < at("#6"), "{text}");
}

/// Every snippet begins and ends with whole words of the post: no "…ies are" or "low-".
#[test]
fn snippets_are_cut_between_words() {
    let home = tempfile::tempdir().unwrap();
    let home = home.path();
    let read = json_of(home, &["read", "advocacy", "--json"]);
    let found = json_of(home, &["search", "train", "--json"]);
    let hits = found["hits"].as_array().unwrap();
    assert!(hits.len() >= 2, "{found:#}");
    for hit in hits {
        let post = read["posts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["seq"] == hit["seq"])
            .unwrap();
        let words: Vec<&str> = post["text"].as_str().unwrap().split_whitespace().collect();
        let snippet = hit["snippet"].as_str().unwrap();
        assert!(
            snippet.starts_with('…') && snippet.ends_with('…'),
            "{snippet}"
        );
        let inner: Vec<&str> = snippet.trim_matches('…').split_whitespace().collect();
        for edge in [inner[0], inner[inner.len() - 1]] {
            assert!(
                words.contains(&edge),
                "{edge:?} is not a whole word of post #{}: {snippet}",
                hit["seq"]
            );
        }
    }
}

/// Search takes the threads' titles and order from its index beside the thread files: it
/// never parses the thread list (`index.json`, 12 MB at a million posts), so it finds the
/// same with that list damaged, and leaves it for the reader to set aside and rebuild.
#[test]
fn search_finds_titles_and_posts_without_reading_the_thread_list() {
    let home = tempfile::tempdir().unwrap();
    let home = home.path();
    let before = json_of(home, &["search", "advocacy", "--json"]);
    let hits = before["hits"].as_array().unwrap();
    assert!(hits[0]["seq"].is_null(), "the title first: {before:#}");
    assert!(hits.len() > 2, "{before:#}");

    let list = DataDir::new(home.join("data")).account("demo").index();
    std::fs::write(&list, b"{ not json").unwrap();
    let out = threadmark(home, &["search", "advocacy", "--json"], &[]);
    assert!(out.status.success(), "{out:?}");
    let after: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(after["hits"], before["hits"]);
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        std::fs::read(&list).unwrap(),
        b"{ not json",
        "not read, not moved"
    );
}
