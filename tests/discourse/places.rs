//! Watch levels and bookmarks synced with Discourse, both ways, through the real client
//! binary and the stand-in (`tests/support/discourse_places.rs`, which follows
//! `topics_controller.rb#set_notifications`, `categories_controller.rb#set_notifications`,
//! `bookmarks_controller.rb`, `lib/bookmark_manager.rb` and `users_controller.rb#bookmarks`
//! of discourse/discourse): the calls and their counts, what the web set showing up here,
//! the duplicate-bookmark answer, 429 and 404 refusals, the budget, and a sync killed
//! while it sends.

use crate::cli::{account_with, sign_in, text, threadmark};
use crate::support::discourse_forum::Forum;
use crate::support::discourse_standin::{Canned, StandIn};
use crate::{bounded, standin, user_key};
use axum::http::Method;
use serde_json::Value;
use std::path::Path;

fn ok(out: &std::process::Output) -> String {
    assert!(
        out.status.success(),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    text(&out.stdout)
}

async fn run(home: &Path, args: &[&str]) -> String {
    ok(&threadmark(home, args, "").await)
}

/// The marks still queued for the server.
fn queued(home: &Path) -> usize {
    std::fs::read_dir(home.join("data/accounts/meta/marks/queued")).map_or(0, Iterator::count)
}

/// Each thread's watch level as `threadmark tree --json` gives it.
async fn watch_levels(home: &Path) -> std::collections::BTreeMap<String, String> {
    let tree: Value = serde_json::from_str(&run(home, &["tree", "--json"]).await).unwrap();
    let mut levels = std::collections::BTreeMap::new();
    for section in tree["sections"].as_array().unwrap() {
        for area in section["areas"].as_array().unwrap() {
            for thread in area["threads"].as_array().unwrap() {
                levels.insert(
                    thread["id"].as_str().unwrap().to_owned(),
                    thread["watch"].as_str().unwrap_or("normal").to_owned(),
                );
            }
        }
    }
    levels
}

/// `threadmark bookmarks --json`: (post, thread, note).
async fn bookmarks(home: &Path) -> Vec<(String, String, Option<String>)> {
    let list: Value = serde_json::from_str(&run(home, &["bookmarks", "--json"]).await).unwrap();
    list["bookmarks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            (
                b["post"].as_str().unwrap().to_owned(),
                b["thread"].as_str().unwrap().to_owned(),
                b["note"].as_str().map(str::to_owned),
            )
        })
        .collect()
}

/// The id of post `#number` of `topic` on the stand-in.
fn post_id(server: &StandIn, topic: u64, number: u64) -> u64 {
    server.world().forum.topics[&topic]
        .posts
        .iter()
        .find(|p| p.number == number)
        .unwrap()
        .id
}

fn form_value(r: &crate::support::discourse_standin::Recorded, name: &str) -> Option<String> {
    url::form_urlencoded::parse(r.body.as_bytes())
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// Writes to the places routes so far.
fn place_writes(server: &StandIn) -> Vec<String> {
    server
        .requests()
        .iter()
        .filter(|r| r.method != Method::GET)
        .filter(|r| r.path.contains("notifications") || r.path.starts_with("/bookmarks"))
        .map(|r| format!("{} {}", r.method, r.path))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_levels_and_bookmarks_go_out_as_discourses_own_calls() {
    bounded(async {
        let server = standin(Forum::rich()).await;
        let home = tempfile::tempdir().unwrap();
        let home = home.path();
        sign_in(home, &server.url).await;
        run(home, &["sync"]).await;
        server.clear_requests();

        let said = run(home, &["watch", "Research agenda", "--level", "muted"]).await;
        assert!(said.contains("queued"), "{said}");
        run(home, &["watch", "12", "--level", "watching"]).await;
        run(home, &["bookmark", "400#2", "--note", "answer this"]).await;
        assert_eq!(queued(home), 3);
        run(home, &["sync"]).await;
        assert_eq!(queued(home), 0, "all three taken");

        assert_eq!(
            place_writes(&server),
            [
                "POST /t/400/notifications",
                "POST /category/12/notifications",
                "POST /bookmarks.json"
            ],
            "one call each, in the order made"
        );
        let topic = &server.requests_to(&Method::POST, "/t/400/notifications")[0];
        assert_eq!(
            form_value(topic, "notification_level").as_deref(),
            Some("0")
        );
        let area = &server.requests_to(&Method::POST, "/category/12/notifications")[0];
        assert_eq!(form_value(area, "notification_level").as_deref(), Some("3"));
        let created = &server.requests_to(&Method::POST, "/bookmarks.json")[0];
        let body: Value = serde_json::from_str(&created.body).unwrap();
        let post = post_id(&server, 400, 2);
        assert_eq!(body["bookmarkable_id"], post);
        assert_eq!(body["bookmarkable_type"], "Post");
        assert_eq!(body["name"], "answer this");
        {
            let w = server.world();
            assert_eq!(w.topic_levels.get(&400), Some(&0), "muted on the web");
            assert_eq!(w.category_levels.get(&12), Some(&3), "watching on the web");
            assert_eq!(
                w.bookmarks_of("bob"),
                [(post, Some("answer this".to_owned()))]
            );
        }
        // What the forum now shows does not undo or repeat anything.
        run(home, &["sync"]).await;
        assert_eq!(place_writes(&server).len(), 3, "nothing sent twice");
        assert_eq!(watch_levels(home).await["400"], "muted");
        assert_eq!(
            bookmarks(home).await,
            [(
                post.to_string(),
                "400".to_owned(),
                Some("answer this".to_owned())
            )]
        );

        // A new note is a PUT to the bookmark the create answered with; a removal a DELETE.
        let id = server.world().bookmarks[0].id;
        run(home, &["bookmark", "400#2", "--note", "later"]).await;
        run(home, &["sync"]).await;
        let renamed = server.requests_to(&Method::PUT, &format!("/bookmarks/{id}.json"));
        assert_eq!(renamed.len(), 1);
        assert_eq!(
            server.world().bookmarks_of("bob"),
            [(post, Some("later".to_owned()))]
        );
        run(home, &["bookmark", "400#2", "--remove"]).await;
        run(home, &["sync"]).await;
        assert_eq!(
            server
                .requests_to(&Method::DELETE, &format!("/bookmarks/{id}.json"))
                .len(),
            1
        );
        assert!(
            server.world().bookmarks_of("bob").is_empty(),
            "removed there"
        );
        assert!(bookmarks(home).await.is_empty(), "and here");
        assert_eq!(
            server.requests_to(&Method::POST, "/bookmarks.json").len(),
            1,
            "made once"
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn levels_and_bookmarks_set_on_the_web_show_up_after_sync() {
    bounded(async {
        let server = standin(Forum::rich()).await;
        let home = tempfile::tempdir().unwrap();
        let home = home.path();
        sign_in(home, &server.url).await;
        run(home, &["sync"]).await;
        assert_eq!(watch_levels(home).await["410"], "normal");
        assert!(bookmarks(home).await.is_empty());

        let (post, other) = (post_id(&server, 420, 1), post_id(&server, 400, 1));
        {
            let mut w = server.world();
            w.topic_levels.insert(410, 3); // watching
            w.topic_levels.insert(400, 0); // muted
            w.bookmark_on_web("bob", post, Some("from the web"));
            w.bookmark_on_web("carol", other, None);
        }
        run(home, &["sync"]).await;
        let levels = watch_levels(home).await;
        assert_eq!(levels["410"], "watching", "{levels:?}");
        assert_eq!(levels["400"], "muted");
        // The bookmark list is read on the first sync and every 10th round after; this
        // account's first round already read it (empty), so the web's bookmark may wait
        // up to ten rounds — and no more.
        let mut rounds = 1;
        while bookmarks(home).await.is_empty() {
            assert!(rounds <= 10, "the bookmark list is read every 10th round");
            run(home, &["sync"]).await;
            rounds += 1;
        }
        assert_eq!(
            bookmarks(home).await,
            [(
                post.to_string(),
                "420".to_owned(),
                Some("from the web".to_owned())
            )],
            "bob's bookmark, not carol's"
        );
        let lists = server.requests_to(&Method::GET, "/u/bob/bookmarks.json");
        assert!(
            lists.len() <= 3,
            "at most one list read per 10 rounds (and the first): {}",
            lists.len()
        );

        // Set back to normal and removed on the web: the same here.
        {
            let mut w = server.world();
            w.topic_levels.insert(410, 1);
            w.bookmarks.retain(|b| b.username != "bob");
        }
        let before = server
            .requests_to(&Method::GET, "/u/bob/bookmarks.json")
            .len();
        let mut rounds = 0;
        while !bookmarks(home).await.is_empty() {
            assert!(rounds < 11, "noticed within ten rounds");
            run(home, &["sync"]).await;
            rounds += 1;
        }
        assert_eq!(watch_levels(home).await["410"], "normal");
        assert_eq!(
            server
                .requests_to(&Method::GET, "/u/bob/bookmarks.json")
                .len(),
            before + 1,
            "one list read found it gone"
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bookmark_the_web_already_has_gets_the_note_and_refusals_are_told_apart() {
    bounded(async {
        let server = standin(Forum::rich()).await;
        let home = tempfile::tempdir().unwrap();
        let home = home.path();
        sign_in(home, &server.url).await;
        run(home, &["sync"]).await;

        // Bookmarked on the web too: Discourse refuses a second one (400,
        // `already_bookmarked`); the one there gets this note, and stays one.
        let post = post_id(&server, 400, 3);
        let id = server.world().bookmark_on_web("bob", post, None);
        run(home, &["bookmark", "400#3", "--note", "mine"]).await;
        run(home, &["sync"]).await;
        let refused = server.requests_to(&Method::POST, "/bookmarks.json");
        assert_eq!(refused.len(), 1);
        assert_eq!(refused[0].status, 400);
        assert_eq!(
            server.requests_to(&Method::PUT, &format!("/bookmarks/{id}.json")).len(),
            1
        );
        assert_eq!(
            server.world().bookmarks_of("bob"),
            [(post, Some("mine".to_owned()))]
        );
        assert_eq!(queued(home), 0);

        // 429 with Discourse's own body and headers: the change waits in the queue and
        // goes once the wait is over.
        server.world().script.push_back(Canned {
            method: Method::POST,
            path: "/t/410/notifications".to_owned(),
            status: 429,
            headers: vec![
                ("retry-after".to_owned(), "1".to_owned()),
                (
                    "discourse-rate-limit-error-code".to_owned(),
                    "user_api_key_limiter_60_secs".to_owned(),
                ),
                ("content-type".to_owned(), "application/json; charset=utf-8".to_owned()),
            ],
            body: r#"{"errors":["You’ve performed this action too many times. Please wait 1 seconds before trying again."],"error_type":"rate_limit","extras":{"wait_seconds":1,"time_left":"1 second"}}"#.to_owned(),
        });
        run(home, &["watch", "How we enable", "--level", "tracking"]).await;
        let out = threadmark(home, &["sync"], "").await;
        assert_eq!(queued(home), 1, "kept: {}", text(&out.stderr));
        assert!(!server.world().topic_levels.contains_key(&410), "not taken yet");
        let mut tries = 0;
        while queued(home) > 0 {
            tries += 1;
            assert!(tries < 20, "sent once the wait is over");
            tokio::time::sleep(std::time::Duration::from_millis(300)).await;
            let _ = threadmark(home, &["sync"], "").await;
        }
        assert_eq!(server.world().topic_levels.get(&410), Some(&2));

        // A topic gone from the forum (404) can never take its level: logged and dropped,
        // the level kept here; the queue goes on with what follows.
        server.world().forum.topics.remove(&420);
        run(home, &["watch", "Newsletter plans", "--level", "watching"]).await;
        run(home, &["watch", "12", "--level", "tracking"]).await;
        run(home, &["sync"]).await;
        assert_eq!(queued(home), 0);
        let gone = server.requests_to(&Method::POST, "/t/420/notifications");
        assert_eq!(gone.len(), 1);
        assert_eq!(gone[0].status, 404);
        assert_eq!(server.world().category_levels.get(&12), Some(&2), "the next one went");

        // A level Discourse does not know (it stores what `to_i` makes of the parameter,
        // unchecked) changes nothing here.
        let before = watch_levels(home).await["400"].clone();
        assert_eq!(before, "tracking", "its area's (12, set above)");
        server.world().topic_levels.insert(400, 9);
        run(home, &["sync"]).await;
        assert_eq!(watch_levels(home).await["400"], before);
        server.world().topic_levels.insert(400, 3);
        run(home, &["sync"]).await;
        assert_eq!(watch_levels(home).await["400"], "watching", "a known one does");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_read_sync_off_nothing_is_sent_or_read() {
    bounded(async {
        let server = standin(Forum::rich()).await;
        let home = tempfile::tempdir().unwrap();
        let home = home.path();
        account_with(
            home,
            &server.url,
            "requests_per_minute = 100000\nread_sync = false",
            Some(&user_key()),
        )
        .await;
        run(home, &["sync"]).await;
        let said = run(home, &["watch", "Research agenda", "--level", "muted"]).await;
        assert!(!said.contains("queued"), "{said}");
        run(home, &["bookmark", "400#2"]).await;
        assert_eq!(queued(home), 0);
        run(home, &["sync"]).await;
        assert!(place_writes(&server).is_empty());
        assert!(
            server
                .requests_to(&Method::GET, "/u/bob/bookmarks.json")
                .is_empty()
        );
        assert_eq!(watch_levels(home).await["400"], "muted", "kept here");
        assert_eq!(bookmarks(home).await.len(), 1, "kept here");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_marks_wait_for_the_budget_instead_of_spending_beyond_it() {
    use threadmark::model::{Limit, Limits, PlaceMark, ThreadId, WatchLevel, WatchTarget};
    use threadmark::store::{DataDir, ReadMarks};
    bounded(async {
        let server = standin(Forum::rich()).await;
        let data = tempfile::tempdir().unwrap();
        let marks = ReadMarks::open(&DataDir::new(data.path()).account("meta"));
        for (i, level) in WatchLevel::ALL.iter().cycle().take(12).enumerate() {
            marks
                .enqueue_place(PlaceMark::Watch {
                    target: WatchTarget::Thread(ThreadId::new(["400", "410", "420"][i % 3])),
                    level: *level,
                    at: jiff::Timestamp::now(),
                })
                .unwrap();
        }
        // A forum whose admins allow 5 requests a minute.
        let mut backend = crate::backend(
            &server,
            Some(crate::admin_key("bob")),
            threadmark::remote::discourse::DiscourseSettings {
                limits: Some(Limits::new([Limit::per_minute(5)])),
                read_sync: true,
                ..threadmark::remote::discourse::DiscourseSettings::default()
            },
        );
        let drained = threadmark::sync::read_marks::drain(&mut backend, &marks)
            .await
            .unwrap();
        assert_eq!(drained.sent, 5, "{drained:?}");
        let why = drained.stopped.unwrap_or_default();
        assert!(why.contains("limit") || why.contains("budget"), "{why}");
        assert_eq!(
            marks.list_all().unwrap().len(),
            7,
            "the rest wait, none lost"
        );
        let requests = server.requests();
        assert_eq!(requests.len(), 5, "no more than the minute allows");
        assert!(requests.iter().all(|r| r.status == 200));
        assert_eq!(place_writes(&server).len(), 5);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sync_killed_while_sending_loses_no_change_and_makes_no_bookmark_twice() {
    use threadmark::model::{PlaceMark, PostId, ThreadId, WatchLevel, WatchTarget};
    use threadmark::store::{DataDir, ReadMarks};
    bounded(async {
        let server = standin(Forum::rich()).await;
        let home = tempfile::tempdir().unwrap();
        let home = home.path().to_owned();
        sign_in(&home, &server.url).await;
        run(&home, &["sync"]).await;
        let posts: Vec<u64> = (1..=4).map(|n| post_id(&server, 400, n)).collect();
        let marks = ReadMarks::open(&DataDir::new(home.join("data")).account("meta"));
        let t0 = jiff::Timestamp::now() - jiff::SignedDuration::from_hours(1);
        let mut expected = threadmark::model::Places::default();
        for i in 0..30_usize {
            let at = t0 + jiff::SignedDuration::from_secs(i64::try_from(i).unwrap());
            let post = PostId::new(posts[i % posts.len()].to_string());
            let mark = match i % 3 {
                0 => PlaceMark::Watch {
                    target: WatchTarget::Thread(ThreadId::new("400")),
                    level: WatchLevel::ALL[i % 4],
                    at,
                },
                1 => PlaceMark::Bookmark {
                    post,
                    thread: ThreadId::new("400"),
                    note: Some(format!("note {i}")),
                    at,
                },
                _ => PlaceMark::Unbookmark { post, at },
            };
            expected.apply(&mark);
            marks.enqueue_place(mark).unwrap();
        }
        for delay_ms in [5_u64, 40, 120, 300] {
            let home = home.clone();
            tokio::task::spawn_blocking(move || {
                let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_threadmark"))
                    .arg("--data-dir")
                    .arg(home.join("data"))
                    .arg("--config")
                    .arg(home.join("config.toml"))
                    .arg("sync")
                    .env_remove("THREADMARK_ACCOUNT")
                    .stdout(std::process::Stdio::null())
                    .stderr(std::process::Stdio::null())
                    .spawn()
                    .unwrap();
                std::thread::sleep(std::time::Duration::from_millis(delay_ms));
                let _ = child.kill(); // SIGKILL
                let _ = child.wait();
            })
            .await
            .unwrap();
        }
        let said = run(&home, &["sync"]).await;
        assert!(
            marks.list_all().unwrap().is_empty(),
            "every change sent: {said}"
        );
        let level = expected.level(&WatchTarget::Thread(ThreadId::new("400")));
        let number = match level {
            WatchLevel::Muted => 0,
            WatchLevel::Normal => 1,
            WatchLevel::Tracking => 2,
            WatchLevel::Watching => 3,
        };
        assert_eq!(server.world().topic_levels.get(&400), Some(&number));
        let mut want: Vec<(u64, Option<String>)> = expected
            .bookmarks()
            .into_iter()
            .map(|b| (b.post.as_str().parse().unwrap(), b.note))
            .collect();
        want.sort();
        assert!(!want.is_empty(), "the run leaves some bookmarks");
        assert_eq!(
            server.world().bookmarks_of("bob"),
            want,
            "one bookmark a post, with the latest note"
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_still_queued_here_wins_over_what_the_web_shows() {
    bounded(async {
        let server = standin(Forum::rich()).await;
        let home = tempfile::tempdir().unwrap();
        let home = home.path();
        sign_in(home, &server.url).await;
        run(home, &["sync"]).await;
        // Watched on the web, muted here before the sync that would bring the web's; the
        // forum asks to slow down when it is sent: the sync's pull sees "watching", the
        // change stays queued, and the tree keeps what the user chose.
        run(home, &["watch", "How we enable", "--level", "muted"]).await;
        server.world().topic_levels.insert(410, 3);
        server.world().script.push_back(Canned {
            method: Method::POST,
            path: "/t/410/notifications".to_owned(),
            status: 429,
            headers: vec![("retry-after".to_owned(), "1".to_owned())],
            body: "Slow down, too many requests from this IP address".to_owned(),
        });
        let _ = threadmark(home, &["sync"], "").await;
        assert_eq!(queued(home), 1);
        assert_eq!(server.world().topic_levels.get(&410), Some(&3));
        assert_eq!(
            watch_levels(home).await["410"],
            "muted",
            "the queued change wins"
        );
        let mut tries = 0;
        while queued(home) > 0 {
            tries += 1;
            assert!(tries < 20, "sent once the wait is over");
            tokio::time::sleep(std::time::Duration::from_millis(300)).await;
            let _ = threadmark(home, &["sync"], "").await;
        }
        assert_eq!(server.world().topic_levels.get(&410), Some(&0));
        run(home, &["sync"]).await;
        assert_eq!(watch_levels(home).await["410"], "muted", "and it stays so");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_403_drops_the_change_only_while_the_key_still_works() {
    bounded(async {
        let server = standin(Forum::rich()).await;
        let home = tempfile::tempdir().unwrap();
        let home = home.path();
        sign_in(home, &server.url).await;
        run(home, &["sync"]).await;

        // The post was deleted on the forum after this cache had it: `BookmarkManager`
        // raises `InvalidAccess` (403); the key works, so it can never succeed.
        run(home, &["bookmark", "400#4", "--note", "too late"]).await;
        let post = post_id(&server, 400, 4);
        for p in &mut server.world().forum.topics.get_mut(&400).unwrap().posts {
            if p.id == post {
                p.removed = true;
            }
        }
        run(home, &["sync"]).await;
        let refused = server.requests_to(&Method::POST, "/bookmarks.json");
        assert_eq!(refused.len(), 1);
        assert_eq!(refused[0].status, 403);
        assert!(
            !server
                .requests_to(&Method::GET, "/session/current.json")
                .is_empty(),
            "the key was checked"
        );
        assert_eq!(queued(home), 0, "dropped from the queue");
        assert_eq!(bookmarks(home).await.len(), 1, "and kept here as set");

        // A key the forum no longer knows: every request is 403, so nothing is dropped.
        run(home, &["watch", "How we enable", "--level", "watching"]).await;
        server.world().admin_api_keys.clear();
        let _ = threadmark(home, &["sync"], "").await;
        assert_eq!(queued(home), 1, "kept for the next login");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_key_asks_who_it_is_once_not_every_sync() {
    bounded(async {
        let server = standin(Forum::rich()).await;
        let home = tempfile::tempdir().unwrap();
        let home = home.path();
        // A User API key does not name its user; the bookmark list needs the name.
        account_with(
            home,
            &server.url,
            "requests_per_minute = 100000",
            Some(&user_key()),
        )
        .await;
        for _ in 0..3 {
            run(home, &["sync"]).await;
        }
        assert_eq!(
            server
                .requests_to(&Method::GET, "/session/current.json")
                .len(),
            1
        );
        assert_eq!(
            server
                .requests_to(&Method::GET, "/u/bob/bookmarks.json")
                .len(),
            1,
            "the first round reads the list"
        );
    })
    .await;
}
