//! `threadmark search`: the word itself before words that merely contain it, snippets cut
//! between words, and the query language (each operator against a scan of the posts, a
//! bad query as a usage error, `--save` writing a folder).

use crate::json::json_of;
use crate::{stdout_of, threadmark};
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

/// A generated forum of 400 posts in 20 threads cached for account `home` (a second
/// account, `other`, holds the demo), its posts spread over 40 days, some threads read,
/// three posts bookmarked, and the user known as "Ravi Shah".
struct Cached {
    home: tempfile::TempDir,
    forum: crate::support::generator::Generated,
    read: threadmark::model::ReadState,
    bookmarked: Vec<threadmark::model::PostId>,
}

const ME: &str = "Ravi Shah";

fn cached_forum() -> Cached {
    use crate::support::generator::{Spec, generate};
    use threadmark::model::{Me, PlaceMark, ReadState};
    let home = tempfile::tempdir().unwrap();
    std::fs::write(
        home.path().join("config.toml"),
        "[[accounts]]\nname = \"home\"\nurl = \"http://127.0.0.1:9\"\n\
         [[accounts]]\nname = \"other\"\nurl = \"http://127.0.0.1:9\"\n",
    )
    .unwrap();
    let mut forum = generate(Spec {
        seed: 11,
        posts: 400,
        threads: 20,
    });
    let base: jiff::Timestamp = "2026-01-01T08:00:00Z".parse().unwrap();
    let mut n = 0_i64;
    for (summary, posts) in &mut forum.threads {
        for post in posts.iter_mut() {
            post.created_at = base + jiff::SignedDuration::from_hours(24 * (n % 40) + n % 7);
            n += 1;
        }
        summary.created_at = posts[0].created_at;
        summary.last_post_at = posts.iter().map(|p| p.created_at).max().unwrap();
    }
    let data = DataDir::new(home.path().join("data"));
    let dir = data.account("home");
    forum.write_cache(&dir).unwrap();
    let mut read = ReadState::default();
    for (i, (summary, _)) in forum.threads.iter().enumerate() {
        match i % 3 {
            0 => read.thread_mut(&summary.id).mark_all_read(summary.last_seq),
            1 => read.thread_mut(&summary.id).mark_all_read(2),
            _ => {}
        }
    }
    let cache = Cache::open(dir.clone());
    cache.save_read_state(&read).unwrap();
    let mut bookmarked = Vec::new();
    for (summary, posts) in forum.threads.iter().take(3) {
        let post = posts.iter().rev().find(|p| !p.deleted).unwrap();
        bookmarked.push(post.id.clone());
        threadmark::store::record_place(
            &dir,
            PlaceMark::Bookmark {
                post: post.id.clone(),
                thread: summary.id.clone(),
                note: None,
                at: base,
            },
            false,
        )
        .unwrap();
    }
    threadmark::store::save_me(
        &dir,
        &Me {
            name: ME.to_owned(),
            moderator: false,
        },
    )
    .unwrap();
    // The other account: the demo forum's cache under another name.
    threadmark::store::ensure_demo(&data).unwrap();
    std::fs::rename(data.account("demo").root(), data.account("other").root()).unwrap();
    Cached {
        home,
        forum,
        read,
        bookmarked,
    }
}

/// (thread, seq) of every post hit of `threadmark search QUERY --json`, sorted, and the
/// threads whose title was a hit.
fn searched(home: &std::path::Path, query: &str) -> (Vec<(String, u64)>, Vec<String>) {
    let found = json_of(
        home,
        &["search", "--limit", "100000", "--json", "--", query],
    );
    let mut posts = Vec::new();
    let mut titles = Vec::new();
    for hit in found["hits"].as_array().unwrap() {
        let thread = hit["thread"].as_str().unwrap().to_owned();
        match hit["seq"].as_u64() {
            Some(seq) => posts.push((thread, seq)),
            None => titles.push(thread),
        }
    }
    posts.sort();
    titles.sort();
    (posts, titles)
}

/// Every live post of the generated forum that `keep` keeps, as (thread, seq), sorted.
fn scanned(
    cached: &Cached,
    keep: impl Fn(&threadmark::model::ThreadSummary, &threadmark::model::Post, &str) -> bool,
) -> Vec<(String, u64)> {
    let mut found: Vec<(String, u64)> = cached
        .forum
        .threads
        .iter()
        .flat_map(|(summary, posts)| posts.iter().map(move |p| (summary, p)))
        .filter(|(_, p)| !p.deleted)
        .filter(|(summary, post)| {
            let text = threadmark::render::plain_text(&post.body).to_lowercase();
            let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
            keep(summary, post, &text)
        })
        .map(|(summary, post)| (summary.id.to_string(), u64::from(post.seq)))
        .collect();
    found.sort();
    found
}

/// What a post must be (its thread, itself, its text lowercased with single blanks).
type Keep<'a> =
    Box<dyn Fn(&threadmark::model::ThreadSummary, &threadmark::model::Post, &str) -> bool + 'a>;

/// Each operator of the query language finds exactly what a plain scan of the generated
/// posts finds (the search narrows by its index, then checks the thread files).
#[test]
fn each_operator_finds_what_a_scan_of_the_posts_finds() {
    let cached = cached_forum();
    let home = cached.home.path();
    let area = cached.forum.threads[0].0.area.clone();
    let area_title = cached
        .forum
        .forum
        .area(&area)
        .map(|(_, a)| a.title.clone())
        .unwrap();
    let day = |d: &str| d.parse::<jiff::civil::Date>().unwrap();
    let start = |d: &str| {
        jiff::tz::TimeZone::UTC
            .to_timestamp(day(d).to_datetime(jiff::civil::Time::midnight()))
            .unwrap()
    };
    let unread = |s: &threadmark::model::ThreadSummary, p: &threadmark::model::Post| {
        !cached.read.thread(&s.id).is_some_and(|t| t.is_read(p.seq))
    };
    let has = |text: &str, word: &str| text.contains(word);
    let cases: Vec<(String, Keep<'_>)> = vec![
        ("budget".into(), Box::new(|_, _, t| has(t, "budget"))),
        (
            "\"budget proposal\"".into(),
            Box::new(|_, _, t| has(t, "budget proposal")),
        ),
        (
            "budget -council".into(),
            Box::new(|_, _, t| has(t, "budget") && !has(t, "council")),
        ),
        (
            "budget -\"the council\"".into(),
            Box::new(|_, _, t| has(t, "budget") && !has(t, "the council")),
        ),
        (
            format!("author:\"{ME}\" budget"),
            Box::new(|_, p, t| p.author.name == ME && has(t, "budget")),
        ),
        (
            format!("budget -author:\"{ME}\""),
            Box::new(|_, p, t| p.author.name != ME && has(t, "budget")),
        ),
        (
            format!("area:{area} strategy"),
            Box::new(|s, _, t| s.area == area && has(t, "strategy")),
        ),
        (
            format!("area:\"{}\" strategy", area_title.to_uppercase()),
            Box::new(|s, _, t| s.area == area && has(t, "strategy")),
        ),
        (
            "thread:t3".into(),
            Box::new(|s, _, _| s.id.as_str() == "t3"),
        ),
        (
            "after:2026-01-20 before:2026-01-25 agenda".into(),
            Box::new(|_, p, t| {
                p.created_at >= start("2026-01-20")
                    && p.created_at < start("2026-01-25")
                    && has(t, "agenda")
            }),
        ),
        (
            "unread meeting".into(),
            Box::new(|s, p, t| unread(s, p) && has(t, "meeting")),
        ),
        (
            "-unread meeting".into(),
            Box::new(|s, p, t| !unread(s, p) && has(t, "meeting")),
        ),
        (
            "is:bookmarked".into(),
            Box::new(|_, p, _| cached.bookmarked.contains(&p.id)),
        ),
        (
            "is:mine unread".into(),
            Box::new(|s, p, _| p.author.name == ME && unread(s, p)),
        ),
        (
            "戦略 account:home".into(),
            Box::new(|_, _, t| has(t, "戦略")),
        ),
    ];
    for (query, keep) in &cases {
        let expected = scanned(&cached, keep);
        let (posts, _) = searched(home, query);
        assert!(
            !expected.is_empty() || query.contains("bookmarked"),
            "{query}: the case finds something"
        );
        assert_eq!(posts, expected, "{query}");
    }
}

/// Words alone find thread titles too; an operator about posts leaves titles out; and
/// `account:` searches the account it names (`--account` saying another is refused).
#[test]
fn titles_are_hits_for_words_alone_and_account_picks_the_account() {
    let cached = cached_forum();
    let home = cached.home.path();
    // Titles: a hit of their own for words alone, never with an operator about posts.
    let word = cached.forum.threads[0]
        .0
        .title
        .split(' ')
        .next()
        .unwrap()
        .to_lowercase();
    let mut titled: Vec<String> = cached
        .forum
        .threads
        .iter()
        .filter(|(s, _)| s.title.to_lowercase().contains(&word))
        .map(|(s, _)| s.id.to_string())
        .collect();
    titled.sort();
    let (_, by_word) = searched(home, &word);
    assert_eq!(by_word, titled, "{word}");
    let (_, by_author) = searched(home, &format!("{word} author:\"{ME}\""));
    assert!(by_author.is_empty(), "{by_author:?}");
    // account: searches the account it names.
    let other = json_of(home, &["search", "advocacy account:other", "--json"]);
    assert_eq!(other["account"], "other");
    assert_eq!(other["hits"][0]["thread"], "advocacy-1");
    let out = threadmark(
        home,
        &["--account", "home", "search", "advocacy account:other"],
        &[],
    );
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("leave one out"));
}

/// A query that does not parse is a usage error (exit 2) saying where and what.
#[test]
fn a_bad_query_is_a_usage_error_naming_the_column() {
    let home = tempfile::tempdir().unwrap();
    for (query, said) in [
        ("budget colour:red", "column 8: no operator colour:"),
        ("budget \"annual", "column 8: a quote that is not closed"),
        ("before:soon", "column 8: before: \"soon\" is not a date"),
        (
            "is:pinned",
            "column 4: is:pinned is not something a post can be",
        ),
    ] {
        let out = threadmark(home.path(), &["search", query], &[]);
        assert_eq!(out.status.code(), Some(2), "{query}: {out:?}");
        let err = String::from_utf8(out.stderr).unwrap();
        assert!(err.contains(said), "{query}: {err}");
        assert!(out.stdout.is_empty());
    }
}

/// `--save NAME` keeps the query as a `[[folders]]` entry, the rest of the file as it was;
/// a name in use is refused and the file is not touched.
#[test]
fn save_writes_a_folder_into_the_config_keeping_comments() {
    let home = tempfile::tempdir().unwrap();
    let config = home.path().join("config.toml");
    std::fs::write(
        &config,
        "# my settings\n[ui]\nmouse = false  # keep the terminal's\n",
    )
    .unwrap();
    let out = stdout_of(&threadmark(
        home.path(),
        &[
            "search",
            "budget",
            "author:Ann Lee",
            "unread",
            "--save",
            "Budget talk",
        ],
        &[],
    ));
    assert!(out.contains("folder \"Budget talk\" saved"), "{out}");
    let text = std::fs::read_to_string(&config).unwrap();
    assert!(
        text.starts_with("# my settings\n[ui]\nmouse = false  # keep the terminal's\n"),
        "{text}"
    );
    assert!(
        text.contains(
            "[[folders]]\nname = \"Budget talk\"\nquery = 'budget author:\"Ann Lee\" unread'\n"
        ),
        "{text}"
    );
    let again = threadmark(home.path(), &["search", "x", "--save", "Budget talk"], &[]);
    assert_eq!(again.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"));
    assert_eq!(std::fs::read_to_string(&config).unwrap(), text);
}

/// A folder's count in `tree` and `tree --json` is what `threadmark search "QUERY unread"`
/// finds, and its threads are those `threadmark search QUERY` finds hits in.
#[test]
fn folder_counts_in_tree_equal_what_search_finds() {
    use std::fmt::Write as _;
    let cached = cached_forum();
    let home = cached.home.path();
    let config = home.join("config.toml");
    let mut text = std::fs::read_to_string(&config).unwrap();
    // Thread 2 is unread (see `cached_forum`): its area has unread hits.
    let area = cached.forum.threads[2].0.area.clone();
    write!(
        text,
        "[[folders]]\nname = \"Meetings\"\nquery = \"meeting\"\n\
         [[folders]]\nname = \"Mine\"\nquery = \"is:mine -budget\"\n\
         [[folders]]\nname = \"Area agenda\"\nquery = \"the area:{area} account:home\"\n\
         [[folders]]\nname = \"Other account\"\nquery = \"advocacy account:other\"\n"
    )
    .unwrap();
    std::fs::write(&config, text).unwrap();
    let tree = json_of(home, &["--account", "home", "tree", "--json"]);
    crate::json::assert_shape("tree", &tree);
    let folders = tree["folders"].as_array().unwrap();
    let names: Vec<&str> = folders
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["Meetings", "Mine", "Area agenda"],
        "only this account's"
    );
    for folder in folders {
        let query = folder["query"].as_str().unwrap();
        let (unread, _) = searched(home, &format!("{query} unread"));
        assert!(!unread.is_empty(), "{query}: the case finds something");
        assert_eq!(
            folder["unread"].as_u64().unwrap(),
            unread.len() as u64,
            "{query}"
        );
        let (posts, titles) = searched(home, query);
        let mut threads: Vec<String> = posts.into_iter().map(|(t, _)| t).chain(titles).collect();
        threads.sort();
        threads.dedup();
        let mut listed: Vec<String> = folder["threads"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t.as_str().unwrap().to_owned())
            .collect();
        listed.sort();
        assert_eq!(listed, threads, "{query}");
    }
    let text = stdout_of(&threadmark(home, &["--account", "home", "tree"], &[]));
    let meetings = folders[0]["unread"].as_u64().unwrap();
    assert!(
        text.contains("⌕ Meetings · ") && text.contains(&format!(", {meetings} unread · meeting")),
        "{text}"
    );
}
