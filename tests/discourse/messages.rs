//! Discourse private messages through the real client binary and the stand-in
//! (`tests/support/discourse_messages.rs`, after `list_controller.rb`,
//! `lib/topic_query/private_message_lists.rb`, `posts_controller.rb`,
//! `lib/topic_creator.rb`): the user's messages are threads of the Messages area (nobody
//! else's), answered like threads; `threadmark message` sends a new one with
//! `archetype=private_message` and `target_recipients`; an unknown recipient and one who
//! takes no messages are refused with Discourse's words and kept; the per-day limit
//! holds the message, not the forum.

use crate::cli::{sign_in, text, threadmark};
use crate::support::discourse_forum::Forum;
use crate::{bounded, standin};
use axum::http::Method;
use serde_json::Value;
use std::path::Path;
use std::time::Duration;

async fn run(home: &Path, args: &[&str], stdin: &str) -> String {
    let out = threadmark(home, args, stdin).await;
    assert!(
        out.status.success(),
        "{args:?}: {}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    text(&out.stdout)
}

async fn json(home: &Path, args: &[&str]) -> Value {
    serde_json::from_str(&run(home, args, "").await).unwrap()
}

/// The Messages area of `tree --json`: its thread titles.
async fn messages_area(home: &Path) -> Vec<String> {
    let tree = json(home, &["tree", "--json"]).await;
    let area = tree["sections"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["title"] == "Messages")
        .map_or_else(
            || panic!("no Messages section: {tree}"),
            |s| s["areas"][0].clone(),
        );
    assert_eq!(area["id"], "@messages");
    area["threads"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["title"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn messages_are_threads_of_the_messages_area_read_and_answered_like_any() {
    bounded(async {
        let server = standin(Forum::rich()).await;
        let home = tempfile::tempdir().unwrap();
        let home = home.path();
        sign_in(home, &server.url).await;
        let (friday, _) = {
            let mut w = server.world();
            let friday = w.add_message(
                "alice",
                &["bob"],
                "Friday plans",
                "Shall we meet on Friday?",
            );
            let secret = w.add_message("alice", &["carol"], "Not for bob", "Between us.");
            (friday, secret)
        };

        run(home, &["sync"], "").await;
        assert_eq!(messages_area(home).await, ["Friday plans"], "bob's only");
        let latest = server.requests_to(&Method::GET, "/latest.json");
        assert!(!latest.is_empty());
        let read = run(home, &["read", &friday.to_string()], "").await;
        assert!(read.contains("Shall we meet on Friday?"), "{read}");

        // Answered like any thread.
        run(
            home,
            &["reply", &friday.to_string()],
            "Friday suits me well.",
        )
        .await;
        run(home, &["sync"], "").await;
        {
            let w = server.world();
            let topic = &w.forum.topics[&friday];
            assert_eq!(topic.posts.len(), 2);
            assert_eq!(topic.posts[1].raw, "Friday suits me well.");
        }

        // A new message, to two.
        run(
            home,
            &[
                "message",
                "--to",
                "alice",
                "--to",
                "carol",
                "--title",
                "Team lunch",
            ],
            "Lunch on me next week.",
        )
        .await;
        run(home, &["sync"], "").await;
        let sent = server.requests_to(&Method::POST, "/posts.json");
        let body: Value = serde_json::from_str(&sent.last().unwrap().body).unwrap();
        assert_eq!(body["archetype"], "private_message");
        assert_eq!(body["target_recipients"], "alice,carol");
        assert_eq!(body["title"], "Team lunch");
        let lunch = {
            let w = server.world();
            let (id, _) = w
                .forum
                .topics
                .iter()
                .find(|(_, t)| t.title == "Team lunch")
                .expect("the message was created");
            let allowed = &w.messages.allowed[id];
            assert_eq!(allowed.len(), 3, "bob, alice and carol");
            *id
        };
        let outbox = json(home, &["outbox", "--json"]).await;
        assert!(
            outbox["entries"]
                .as_array()
                .unwrap()
                .iter()
                .all(|e| e["state"] == "sent"),
            "sent: {outbox}"
        );
        assert_eq!(
            server
                .world()
                .forum
                .topics
                .values()
                .filter(|t| t.title == "Team lunch")
                .count(),
            1
        );
        // It shows in the Messages area at once, and stays there after the lists are read.
        for _ in 0..3 {
            run(home, &["sync"], "").await;
        }
        let titles = messages_area(home).await;
        assert!(titles.contains(&"Team lunch".to_owned()), "{titles:?}");
        assert!(titles.contains(&"Friday plans".to_owned()));
        let _ = lunch;
        // The lists: the first round and every third after it.
        let lists = server
            .requests_to(&Method::GET, "/topics/private-messages/bob.json")
            .len();
        assert!((2..=3).contains(&lists), "{lists} reads in six syncs");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_recipients_are_named_and_the_message_is_kept() {
    bounded(async {
        let server = standin(Forum::rich()).await;
        server.world().messages.refusing.push("carol".to_owned());
        let home = tempfile::tempdir().unwrap();
        let home = home.path();
        sign_in(home, &server.url).await;
        for (to, title) in [("nobody", "To no one"), ("carol", "To carol")] {
            run(
                home,
                &["message", "--to", to, "--title", title],
                "A message that will be refused.",
            )
            .await;
        }
        let _ = threadmark(home, &["sync"], "").await;
        let outbox = json(home, &["outbox", "--json"]).await;
        let entries = outbox["entries"].as_array().unwrap();
        assert_eq!(entries.len(), 2, "both kept: {outbox}");
        let reasons: Vec<&str> = entries
            .iter()
            .map(|e| e["last_message"].as_str().unwrap_or_default())
            .collect();
        assert!(
            reasons.iter().any(|r| r.contains("could not be found")),
            "{reasons:?}"
        );
        assert!(
            reasons
                .iter()
                .any(|r| r.contains("carol is not accepting messages")),
            "{reasons:?}"
        );
        assert!(
            server.world().messages.allowed.is_empty(),
            "nothing created"
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_daily_limit_holds_the_message_not_the_forum() {
    bounded(async {
        let server = standin(Forum::rich()).await;
        server.world().messages.per_day = Some((1, Duration::from_secs(3)));
        let home = tempfile::tempdir().unwrap();
        let home = home.path();
        sign_in(home, &server.url).await;
        for title in ["First note", "Second note"] {
            run(
                home,
                &["message", "--to", "alice", "--title", title],
                "A short note for alice.",
            )
            .await;
        }
        let _ = threadmark(home, &["sync"], "").await;
        let created = |title: &str| {
            server
                .world()
                .forum
                .topics
                .values()
                .any(|t| t.title == title)
        };
        assert!(created("First note"));
        assert!(!created("Second note"), "limited");
        let outbox = json(home, &["outbox", "--json"]).await;
        let waiting: Vec<&Value> = outbox["entries"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["state"] == "queued")
            .collect();
        assert_eq!(waiting.len(), 1, "{outbox}");
        assert!(
            waiting[0]["last_message"]
                .as_str()
                .unwrap()
                .contains("too many times"),
            "{outbox}"
        );
        // Reading goes on while the message waits.
        assert!(!server.requests_to(&Method::GET, "/latest.json").is_empty());
        tokio::time::sleep(Duration::from_secs(4)).await;
        let _ = threadmark(home, &["sync"], "").await;
        assert!(created("Second note"), "sent after the wait");
        assert_eq!(
            server
                .world()
                .forum
                .topics
                .values()
                .filter(|t| t.title == "Second note")
                .count(),
            1
        );
    })
    .await;
}

#[tokio::test]
async fn with_a_user_api_key_the_messages_are_listed_and_user_names_complete() {
    use crate::{backend, roomy, sync};
    use threadmark::model::is_messages_area;
    use threadmark::remote::Backend;
    bounded(async {
        let server = standin(Forum::rich()).await;
        server.world().add_message(
            "alice",
            &["bob"],
            "Friday plans",
            "Shall we meet on Friday?",
        );
        let mut b = backend(&server, Some(crate::user_key()), roomy());
        let synced = sync(&mut b, None, None).await;
        let friday = synced
            .batches
            .iter()
            .flat_map(|b| &b.threads)
            .rev()
            .find(|t| &*t.title == "Friday plans")
            .expect("bob's message, though the key does not name him");
        assert!(is_messages_area(&friday.area));
        let forum = synced
            .batches
            .iter()
            .rev()
            .find_map(|b| b.forum.as_ref())
            .unwrap();
        assert_eq!(forum.sections[0].title, "Messages");
        assert_eq!(
            server
                .requests_to(&Method::GET, "/session/current.json")
                .len(),
            1,
            "asked once"
        );

        // `users_controller.rb#search_users`.
        let names = b.search_users("Al").await.unwrap();
        assert_eq!(names, ["alice"]);
        let asked = server.requests_to(&Method::GET, "/u/search/users.json");
        assert_eq!(asked.len(), 1);
        assert!(asked[0].query.contains("term=Al"), "{}", asked[0].query);
        assert!(b.search_users("zz").await.unwrap().is_empty());
    })
    .await;
}

/// The pages of `/topics/private-messages/bob.json` asked for, in order (`None`: the
/// first, without `page`).
fn message_pages(server: &crate::support::discourse_standin::StandIn) -> Vec<Option<String>> {
    server
        .requests_to(&Method::GET, "/topics/private-messages/bob.json")
        .iter()
        .map(|r| r.query_values("page").first().cloned())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_first_sync_follows_the_message_lists_to_their_end_a_few_pages_a_round() {
    bounded(async {
        let server = standin(Forum::rich()).await;
        let home = tempfile::tempdir().unwrap();
        let home = home.path();
        sign_in(home, &server.url).await;
        {
            let mut w = server.world();
            for n in 0..70 {
                w.add_message("alice", &["bob"], &format!("Message {n:02}"), "Hello bob.");
            }
        }

        // The first round: two pages of 30 (the round's share), newest first.
        run(home, &["sync"], "").await;
        assert_eq!(message_pages(&server), [None, Some("1".to_owned())]);
        let titles = messages_area(home).await;
        assert_eq!(titles.len(), 60, "{titles:?}");
        assert!(titles.contains(&"Message 69".to_owned()));
        assert!(!titles.contains(&"Message 00".to_owned()));

        // The next round goes on where it stopped, though the lists are not due: the
        // last page (10, no more_topics_url) ends the walk.
        run(home, &["sync"], "").await;
        assert_eq!(
            message_pages(&server),
            [None, Some("1".to_owned()), Some("2".to_owned())]
        );
        let titles = messages_area(home).await;
        assert_eq!(titles.len(), 70, "{titles:?}");
        assert!(titles.contains(&"Message 00".to_owned()));

        // From then on the first page alone, every third round.
        for _ in 0..3 {
            run(home, &["sync"], "").await;
        }
        let pages = message_pages(&server);
        assert_eq!(pages.len(), 4, "{pages:?}");
        assert_eq!(pages[3], None);
    })
    .await;
}
