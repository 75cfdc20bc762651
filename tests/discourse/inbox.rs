//! Discourse notifications in the inbox, through the real client binary and the stand-in
//! (`tests/support/discourse_inbox.rs`, after `notifications_controller.rb` and
//! `notification_serializer.rb`): read on the first round and every third after it (one
//! request), kinds by number, nobody else's; read here, marked read on the forum one by
//! one, and nothing else.

use crate::cli::{sign_in, text, threadmark};
use crate::support::discourse_forum::Forum;
use crate::{bounded, standin};
use axum::http::Method;
use serde_json::Value;
use std::path::Path;

async fn run(home: &Path, args: &[&str]) -> String {
    let out = threadmark(home, args, "").await;
    assert!(
        out.status.success(),
        "{args:?}: {}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    text(&out.stdout)
}

async fn inbox(home: &Path) -> Value {
    serde_json::from_str(&run(home, &["inbox", "--json", "--offline"]).await).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn notifications_come_into_the_inbox_and_reading_them_marks_them_read_on_the_forum() {
    bounded(async {
        let server = standin(Forum::rich()).await;
        let home = tempfile::tempdir().unwrap();
        let home = home.path();
        sign_in(home, &server.url).await;
        let (reply, mention) = {
            let mut w = server.world();
            let reply = w.notify("bob", 2, 400, 2, "ann");
            let mention = w.notify("bob", 1, 400, 3, "cy");
            w.notify("bob", 6, 400, 1, "ann");
            w.notify("bob", 5, 400, 1, "dee");
            w.notify("alice", 2, 400, 2, "ann");
            (reply, mention)
        };

        run(home, &["sync"]).await;
        let listed = inbox(home).await;
        let kinds: Vec<(&str, &str)> = listed["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| {
                (
                    i["kind"].as_str().unwrap(),
                    i["author"]["name"].as_str().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            kinds,
            [
                ("other", "dee"),
                ("message", "ann"),
                ("mention", "cy"),
                ("reply", "ann")
            ],
            "bob's four, newest first, none of alice's"
        );
        assert_eq!(listed["items"][0]["excerpt"], "liked");
        assert_eq!(listed["items"][3]["thread"], "400");
        assert_eq!(listed["items"][3]["seq"], 2);

        // One request on the first round, then every third round.
        let reads = || {
            server
                .requests_to(&Method::GET, "/notifications.json")
                .len()
        };
        assert_eq!(reads(), 1);
        run(home, &["sync"]).await;
        run(home, &["sync"]).await;
        assert_eq!(reads(), 1, "not every round");
        run(home, &["sync"]).await;
        assert_eq!(reads(), 2);

        // Read here: marked read on the forum by id, one request each, nothing else.
        run(home, &["inbox", "read", &reply.to_string()]).await;
        run(home, &["sync"]).await;
        let marks = server.requests_to(&Method::PUT, "/notifications/mark-read");
        assert_eq!(marks.len(), 1);
        assert_eq!(marks[0].query, format!("id={reply}"));
        {
            let w = server.world();
            let read: Vec<(u64, bool)> = w
                .notifications
                .iter()
                .filter(|n| n.user == "bob")
                .map(|n| (n.id, n.read))
                .collect();
            assert!(read.contains(&(reply, true)), "{read:?}");
            assert!(read.contains(&(mention, false)), "{read:?}");
        }
        run(home, &["inbox", "read", "--all"]).await;
        run(home, &["sync"]).await;
        let (bob_read, alice_untouched) = {
            let w = server.world();
            let all = |user: &str, read: bool| {
                w.notifications
                    .iter()
                    .filter(|n| n.user == user)
                    .all(|n| n.read == read)
            };
            (all("bob", true), all("alice", false))
        };
        assert!(bob_read, "all of bob's read on the forum");
        assert!(alice_untouched, "another's untouched");
        assert_eq!(inbox(home).await["unread"], 0);
    })
    .await;
}
