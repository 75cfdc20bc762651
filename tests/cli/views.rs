//! `threadmark tree --view VIEW` over a generated forum: each view's threads, area by area,
//! are those of a reference sort made here from the generated posts themselves (unread
//! from the read marks written, scores from the rule's regex, posts of the last week from
//! their times). And `threadmark rules test`: which rule matches which cached post, with
//! counts, changing nothing.

use crate::support::generator::{Generated, Spec, generate};
use crate::{stdout_of, threadmark};
use jiff::{SignedDuration, Timestamp};
use serde_json::Value;
use std::collections::HashMap;
use std::path::Path;
use threadmark::model::{ReadState, ThreadSummary};
use threadmark::store::{Cache, DataDir};

const ACCOUNT: &str = "gen";
const SCORE_TITLE: &str = "(?i)^[a-m]";
const SCORE_POINTS: i64 = 3;

/// A generated forum moved in time so that the week before now cuts it in two (between
/// two posts, well clear of either), its cache written, some threads read or opened.
fn forum(home: &Path) -> (Generated, ReadState, Timestamp) {
    let mut forum = generate(Spec {
        seed: 11,
        posts: 3_000,
        threads: 150,
    });
    let mut times: Vec<Timestamp> = forum
        .threads
        .iter()
        .flat_map(|(_, posts)| posts.iter().map(|p| p.created_at))
        .collect();
    times.sort();
    let middle = times[times.len() / 2];
    let now = Timestamp::now();
    // The week's edge falls 18 s after the middle post (posts are 37 s apart or more).
    let shift = now.duration_since(middle)
        - SignedDuration::from_hours(7 * 24)
        - SignedDuration::from_secs(18);
    for (n, (summary, posts)) in forum.threads.iter_mut().enumerate() {
        for post in posts.iter_mut() {
            post.created_at += shift;
        }
        summary.created_at += shift;
        summary.last_post_at += shift;
        // Some threads were started long before their talk: `created` differs from
        // `activity`.
        if n % 4 == 0 && posts.len() > 1 {
            posts[0].created_at -= SignedDuration::from_hours(30 * 24);
            summary.created_at = posts[0].created_at;
        }
    }
    let dir = DataDir::new(home.join("data")).account(ACCOUNT);
    forum.write_cache(&dir).unwrap();
    let mut read = ReadState::default();
    for (n, (summary, _)) in forum.threads.iter().enumerate() {
        if n % 3 == 0 {
            read.thread_mut(&summary.id).mark_all_read(summary.last_seq);
        } else if n % 5 == 0 {
            let thread = read.thread_mut(&summary.id);
            thread.mark_read(1);
            thread.seen_through = summary.last_seq;
        }
    }
    Cache::open(dir).save_read_state(&read).unwrap();
    std::fs::write(
        home.join("config.toml"),
        format!(
            "[[accounts]]\nname = \"{ACCOUNT}\"\nurl = \"http://127.0.0.1:9\"\n\n\
             [[rules]]\nmatch = {{ title = \"{SCORE_TITLE}\" }}\naction = \"score\"\nscore = {SCORE_POINTS}\n"
        ),
    )
    .unwrap();
    (forum, read, now)
}

/// The reference: what `view` shows of the threads of one area (in index order).
fn reference(
    view: &str,
    threads: &[&(ThreadSummary, Vec<threadmark::model::Post>)],
    read: &ReadState,
    since: Timestamp,
) -> Vec<String> {
    let title = regex::Regex::new(SCORE_TITLE).unwrap();
    let unread = |t: &ThreadSummary| {
        (1..=t.last_seq)
            .filter(|&s| !read.thread(&t.id).is_some_and(|r| r.is_read(s)))
            .count()
    };
    let opened = |t: &ThreadSummary| read.thread(&t.id).is_some();
    let score = |t: &ThreadSummary, posts: &[threadmark::model::Post]| {
        if title.is_match(&t.title) {
            SCORE_POINTS * i64::try_from(posts.len()).unwrap()
        } else {
            0
        }
    };
    let recent = |posts: &[threadmark::model::Post]| {
        posts
            .iter()
            .filter(|p| !p.deleted && p.created_at >= since)
            .count()
    };
    let mut shown: Vec<&(ThreadSummary, Vec<threadmark::model::Post>)> = threads
        .iter()
        .copied()
        .filter(|(t, _)| match view {
            "new" => !opened(t),
            "unread" => unread(t) > 0,
            _ => true,
        })
        .collect();
    // Pinned first; then the view's key, largest first; ties as the index lists them.
    match view {
        "score" => shown.sort_by_key(|(t, p)| (!t.pinned, std::cmp::Reverse(score(t, p)))),
        "created" => shown.sort_by_key(|(t, _)| (!t.pinned, std::cmp::Reverse(t.created_at))),
        "top" => shown.sort_by_key(|(t, p)| (!t.pinned, std::cmp::Reverse(recent(p)))),
        _ => shown.sort_by_key(|(t, _)| (!t.pinned, std::cmp::Reverse(t.last_post_at))),
    }
    shown
        .iter()
        .map(|(t, _)| t.id.as_str().to_owned())
        .collect()
}

/// Each area's thread ids as `tree --json` lists them.
fn listed(tree: &Value) -> HashMap<String, Vec<String>> {
    tree["sections"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["areas"].as_array().unwrap())
        .map(|a| {
            let ids = a["threads"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| t["id"].as_str().unwrap().to_owned())
                .collect();
            (a["id"].as_str().unwrap().to_owned(), ids)
        })
        .collect()
}

#[test]
fn each_view_lists_each_area_as_a_reference_sort_does() {
    let home = tempfile::tempdir().unwrap();
    let (forum, read, now) = forum(home.path());
    let since = now - SignedDuration::from_hours(7 * 24);
    let mut by_area: HashMap<&str, Vec<&(ThreadSummary, Vec<threadmark::model::Post>)>> =
        HashMap::new();
    for thread in &forum.threads {
        by_area
            .entry(thread.0.area.as_str())
            .or_default()
            .push(thread);
    }
    let mut differed = 0;
    let mut activity = HashMap::new();
    for view in ["activity", "new", "unread", "score", "created", "top"] {
        let out = threadmark(home.path(), &["tree", "--json", "--view", view], &[]);
        let got = listed(&serde_json::from_str(&stdout_of(&out)).unwrap());
        let mut seen = 0;
        for (area, threads) in &by_area {
            let want = reference(view, threads, &read, since);
            assert_eq!(got[*area], want, "view {view}, area {area}");
            seen += want.len();
        }
        assert!(seen > 0, "view {view} shows threads");
        if view == "activity" {
            activity = got;
        } else if got != activity {
            differed += 1;
        }
    }
    assert_eq!(differed, 5, "every view but activity changes the listing");
    // A view that is none is refused, naming those there are.
    let plain = threadmark(home.path(), &["tree", "--view", "sideways"], &[]);
    assert!(!plain.status.success());
    assert!(
        String::from_utf8_lossy(&plain.stderr).contains("activity"),
        "the error names the views"
    );
}

#[test]
fn rules_test_shows_which_rule_matches_which_post_and_changes_nothing() {
    let home = tempfile::tempdir().unwrap();
    std::fs::write(
        home.path().join("config.toml"),
        "# mine\n[[rules]]\nmatch = { author = \"connie williams\" }\naction = \"hide\"\n\n\
         [[rules]]\nmatch = { body = \"(?i)nothing like this at all\" }\naction = \"dim\"\n",
    )
    .unwrap();
    let before = stdout_of(&threadmark(
        home.path(),
        &["read", "advocacy", "--json"],
        &[],
    ));
    let text = stdout_of(&threadmark(home.path(), &["rules", "test"], &[]));
    assert!(text.contains("rule 1 (line 2, hide): 2 posts"), "{text}");
    assert!(
        text.contains("advocacy-1 #2 Connie Williams · Strategic Framework"),
        "{text}"
    );
    assert!(text.contains("advocacy-1 #8 Connie Williams"), "{text}");
    assert!(text.contains("rule 2 (line 6, dim): 0 posts"), "{text}");
    let json: Value = serde_json::from_str(&stdout_of(&threadmark(
        home.path(),
        &["rules", "test", "--json"],
        &[],
    )))
    .unwrap();
    crate::json::assert_shape("rules_test", &json);
    assert_eq!(json["posts"], 8);
    assert_eq!(json["rules"][0]["matches"], 2);
    assert_eq!(json["rules"][0]["posts"][1]["seq"], 8);
    assert_eq!(json["rules"][0]["posts"][1]["author"], "Connie Williams");
    assert_eq!(json["rules"][1]["matches"], 0);
    let after = stdout_of(&threadmark(
        home.path(),
        &["read", "advocacy", "--json"],
        &[],
    ));
    assert_eq!(before, after, "a dry run");

    std::fs::write(
        home.path().join("config.toml"),
        "[[rules]]\nmatch = { author = \"a\" }\naction = \"hide\"\n[[rules]]\nmatch = { title = \"(oops\" }\naction = \"hide\"\n",
    )
    .unwrap();
    let broken = threadmark(home.path(), &["rules", "test"], &[]);
    assert!(!broken.status.success());
    let err = String::from_utf8_lossy(&broken.stderr);
    assert!(
        err.contains("line 4: rule 2: title is not a regular expression"),
        "{err}"
    );
}
