//! Edits by others on Discourse reach the cache: editing an older post does not bump its
//! topic (`lib/post_revisor.rb#bump_topic` bumps only for the last post), so a quiet
//! topic is not read by a plain sync; the reader's open topic is, and all its cached
//! posts are compared — edits with a new version and edits within
//! `SiteSetting.editing_grace_period` (same version, new `cooked` and `updated_at`) alike.
//! The real binary in a pseudo-terminal against the stand-in.

use crate::cli::{account_with, text, threadmark};
use crate::support::discourse_changes::WebEdit;
use crate::support::discourse_forum::{Forum, base_time};
use crate::support::discourse_standin::StandIn;
use crate::support::pty_session::PtySession;
use crate::{bounded, standin, user_key};
use axum::http::Method;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};
use threadmark::model::ThreadId;
use threadmark::store::{Cache, DataDir};

const TOPIC: u64 = 600;
const TITLE: &str = "A quiet long topic";

/// The rich forum and a quiet topic of 130 posts: its first page (20 posts) and the
/// newest 50 leave posts 21–80 to the reader's full comparison.
fn forum() -> Forum {
    let mut f = Forum::rich();
    f.add_topic(
        TOPIC,
        12,
        TITLE,
        base_time() - jiff::SignedDuration::from_hours(200),
        129,
    );
    f
}

/// The cached body of the quiet topic's post `id`.
fn cached_text(home: &Path, id: u64) -> Option<String> {
    let dir = DataDir::new(home.join("data")).account("meta");
    let thread = Cache::open(dir)
        .load_thread(&ThreadId::new(TOPIC.to_string()))
        .ok()??;
    thread
        .posts
        .iter()
        .find(|p| p.id.as_str() == id.to_string())
        .map(|p| p.body.text.clone())
}

/// `threadmark read 600 --json`: each post by id.
async fn read_json(home: &Path) -> Vec<Value> {
    let out = threadmark(home, &["read", &TOPIC.to_string(), "--json"], "").await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    json["posts"].as_array().unwrap().clone()
}

fn post(posts: &[Value], id: u64) -> Value {
    posts
        .iter()
        .find(|p| p["id"].as_str().and_then(|s| s.parse::<u64>().ok()) == Some(id))
        .unwrap_or_else(|| panic!("post {id} is not in the thread"))
        .clone()
}

/// Opens the quiet topic in the reader (the real binary in a pseudo-terminal), asks for a
/// sync (`s`) and waits, bounded, until the cache holds the three edited texts.
async fn open_in_reader(server: &Arc<StandIn>, home: &Path, ids: &[u64]) {
    let standin = Arc::clone(server);
    let session_home = home.to_owned();
    let edited = ids.to_vec();
    tokio::task::spawn_blocking(move || {
        let mut s = PtySession::start(&session_home, &[], &[], 160, 40);
        s.wait_for_text("Welcome to the forum");
        s.send(&format!("/\u{15}{}\r", TITLE.to_lowercase()));
        s.wait_for_text(TITLE);
        s.send("\r");
        s.wait_for_text(&format!("Post 1 of {TITLE}."));
        s.send("s");
        let deadline = Instant::now() + Duration::from_secs(60);
        let wanted = [
            "Post 40, corrected by carol.",
            "Post 60, reworded in the grace period.",
            "Post 3, a typo fixed at once.",
        ];
        loop {
            let now: Vec<Option<String>> = edited
                .iter()
                .map(|&id| cached_text(&session_home, id))
                .collect();
            if now
                .iter()
                .zip(wanted)
                .all(|(t, w)| t.as_deref().is_some_and(|t| t.contains(w)))
            {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "the edits never reached the cache: {now:?}; requests: {:?}",
                standin
                    .requests()
                    .iter()
                    .map(|r| format!("{} {}?{}", r.method, r.path, r.query))
                    .collect::<Vec<_>>()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        drop(s);
    })
    .await
    .unwrap();
}

/// Carol edits on the web: #40 (alice's) as a moderator, with a new version, #60 and #3
/// (hers) within the grace period (same version). Nothing bumps the topic.
/// The posts' ids.
fn edit_three(server: &StandIn) -> Vec<u64> {
    let ids: Vec<u64> = {
        let w = server.world();
        [40, 60, 3]
            .iter()
            .map(|&n| w.forum.topics[&TOPIC].posts[n - 1].id)
            .collect()
    };
    let (bumped, latest) = {
        let mut w = server.world();
        let bumped = w.forum.topics[&TOPIC].bumped_at;
        w.edit_on_web(
            ids[0],
            "carol",
            "Post 40, corrected by carol.",
            WebEdit::NewVersion,
        );
        w.edit_on_web(
            ids[1],
            "carol",
            "Post 60, reworded in the grace period.",
            WebEdit::Grace,
        );
        w.edit_on_web(
            ids[2],
            "carol",
            "Post 3, a typo fixed at once.",
            WebEdit::Grace,
        );
        let latest = w.forum.topics[&TOPIC].bumped_at;
        (bumped, latest)
    };
    assert_eq!(
        bumped, latest,
        "an older post's edit does not bump the topic"
    );
    for (id, version) in [(ids[0], 2), (ids[1], 1), (ids[2], 1)] {
        let w = server.world();
        let p = w.forum.topics[&TOPIC]
            .posts
            .iter()
            .find(|p| p.id == id)
            .unwrap();
        assert_eq!(p.version, version, "post {id}");
    }
    ids
}

/// A post's plain text, trimmed.
fn text_of(posts: &[Value], id: u64) -> String {
    post(posts, id)["text"].as_str().unwrap().trim().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn older_posts_edited_on_the_web_reach_the_open_topic_with_or_without_a_new_version() {
    bounded(async {
        let server = Arc::new(standin(forum()).await);
        let home = tempfile::tempdir().unwrap();
        let home: PathBuf = home.path().to_owned();
        account_with(
            &home,
            &server.url,
            "prefetch = \"all\"\nprefetch_posts = 200\nrequests_per_minute = 100000",
            Some(&user_key()),
        )
        .await;
        let out = threadmark(&home, &["sync"], "").await;
        assert!(out.status.success(), "{}", text(&out.stderr));
        let before = read_json(&home).await;
        assert_eq!(before.len(), 130, "the whole quiet topic is cached");

        let ids = edit_three(&server);

        // A plain sync does not see them: the listing says the topic is quiet, so it is
        // not read (the limit the README states).
        server.clear_requests();
        let out = threadmark(&home, &["sync"], "").await;
        assert!(out.status.success(), "{}", text(&out.stderr));
        let topic_path = format!("/t/{TOPIC}.json");
        let posts_path = format!("/t/{TOPIC}/posts.json");
        assert!(
            server.requests_to(&Method::GET, &topic_path).is_empty()
                && server.requests_to(&Method::GET, &posts_path).is_empty(),
            "a quiet topic is not read by a plain sync"
        );
        assert!(
            !server.requests_to(&Method::GET, "/latest.json").is_empty(),
            "the sync did list the topics"
        );
        let quiet = read_json(&home).await;
        assert_eq!(text_of(&quiet, ids[0]), "Post 40 of A quiet long topic.");

        // The reader opens the topic: it is read and every cached post compared.
        server.clear_requests();
        open_in_reader(&server, &home, &ids).await;

        // Within the documented cost: a topic read, then the cached posts beyond its
        // first page (110) 50 at a time — 3 requests — for each check made.
        let reads = server.requests_to(&Method::GET, &topic_path).len();
        let fetches = server.requests_to(&Method::GET, &posts_path);
        assert!((1..=2).contains(&reads), "{reads} reads of the open topic");
        assert!(
            fetches.len() <= 3 * reads,
            "{} post requests for {reads} checks",
            fetches.len()
        );
        for r in &fetches {
            assert!(r.query_values("post_ids[]").len() <= 50, "{}", r.query);
        }
        let asked: std::collections::HashSet<String> = fetches
            .iter()
            .flat_map(|r| r.query_values("post_ids[]"))
            .collect();
        assert!(
            asked.contains(&ids[0].to_string()) && asked.contains(&ids[1].to_string()),
            "the older posts were asked for"
        );

        let after = read_json(&home).await;
        let new_version = post(&after, ids[0]);
        assert_eq!(text_of(&after, ids[0]), "Post 40, corrected by carol.");
        assert!(new_version["edited_at"].is_string(), "{new_version}");
        for id in [ids[1], ids[2]] {
            let grace = post(&after, id);
            assert!(
                grace["edited_at"].is_string(),
                "an edit keeping the version shows edited: {grace}"
            );
        }
        assert_eq!(
            text_of(&after, ids[1]),
            "Post 60, reworded in the grace period."
        );
        assert_eq!(text_of(&after, ids[2]), "Post 3, a typo fixed at once.");
        let untouched = post(&after, server.world().forum.topics[&TOPIC].posts[49].id);
        assert!(untouched["edited_at"].is_null(), "{untouched}");
        assert_eq!(after.len(), 130);
    })
    .await;
}

/// The open topic is compared again only after 5 minutes (the time kept in the cursor),
/// and each comparison costs what the README says: the topic read and one request per
/// 50 cached posts beyond its first page.
#[tokio::test]
async fn the_open_topic_is_compared_every_five_minutes_at_the_documented_cost() {
    bounded(async {
        let server = standin(forum()).await;
        let settings = threadmark::remote::discourse::DiscourseSettings {
            prefetch: Some(threadmark::remote::discourse::PrefetchSettings {
                posts: 200,
                ..crate::prefetch(threadmark::config::Prefetch::All)
            }),
            ..crate::roomy()
        };
        let mut discourse = crate::backend(&server, Some(user_key()), settings);
        let first = crate::sync(&mut discourse, None, None).await;
        assert_eq!(first.posts("600").len(), 130, "the whole topic is cached");
        let topic_path = format!("/t/{TOPIC}.json");
        let posts_path = format!("/t/{TOPIC}/posts.json");
        let cost = |server: &StandIn| {
            (
                server.requests_to(&Method::GET, &topic_path).len(),
                server.requests_to(&Method::GET, &posts_path).len(),
            )
        };

        // Opened: read and compared, 1 + 3 requests (110 posts beyond the first page).
        server.clear_requests();
        let opened = crate::sync(&mut discourse, first.cursor.as_ref(), Some("600")).await;
        assert_eq!(cost(&server), (1, 3));
        assert!(
            opened.posts("600").is_empty(),
            "nothing changed, nothing delivered"
        );

        // Edited on the web within the 5 minutes: not looked at yet.
        let id = server.world().forum.topics[&TOPIC].posts[39].id;
        server.world().edit_on_web(
            id,
            "carol",
            "Post 40, reworded in the grace period.",
            WebEdit::Grace,
        );
        server.clear_requests();
        let soon = crate::sync(&mut discourse, opened.cursor.as_ref(), Some("600")).await;
        assert_eq!(cost(&server), (0, 0), "compared at most every 5 minutes");
        assert!(soon.posts("600").is_empty());

        // 5 minutes later (the time kept in the cursor, moved back): compared again.
        let mut cursor = soon.cursor.clone().unwrap();
        let six_minutes_ago = jiff::Timestamp::now() - jiff::SignedDuration::from_mins(6);
        assert!(
            cursor["focus_checked"]["600"].is_string(),
            "the check's time is kept: {}",
            cursor["focus_checked"]
        );
        cursor["focus_checked"]["600"] = Value::String(six_minutes_ago.to_string());
        server.clear_requests();
        let later = crate::sync(&mut discourse, Some(&cursor), Some("600")).await;
        assert_eq!(cost(&server), (1, 3));
        let posts = later.posts("600");
        let ids: Vec<String> = posts.iter().map(|p| p.id.to_string()).collect();
        assert_eq!(ids, [id.to_string()], "only the edited post is delivered");
        assert!(
            posts[0]
                .body
                .text
                .contains("Post 40, reworded in the grace period.")
        );
        assert_eq!(posts[0].version, 1);
        assert!(
            posts[0].edited_at.is_some(),
            "a grace-period edit shows edited"
        );
    })
    .await;
}
