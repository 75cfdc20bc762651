//! End to end with the real server (`threadmark serve --demo` on 127.0.0.1) and the real
//! reader in a pseudo-terminal: another user replies to the member and mentions them; the
//! reader's `i` lists both, newest first, enter goes to the mention in its thread, and the
//! mark reaches the server through the reader's own sync.

use crate::pty_session::PtySession;
use crate::serve::{Client, Served};
use crate::support::api::Api;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

const THREAD: &str = "advocacy-1";

#[test]
fn i_lists_the_inbox_and_enter_goes_to_the_post_and_marks_it_read_on_the_server() {
    let store = tempfile::tempdir().unwrap();
    let server = Served::demo(store.path(), &[]);
    let member = server.member_token.clone().unwrap();
    let me = Api::new(&server.url, &member);
    let other = Api::new(&server.url, server.admin_token.as_ref().unwrap());
    let laptop = Client::synced(&server, &member);

    let path = format!("/threads/{THREAD}/posts");
    let mine = me.post(&path, &json!({"body": "A view of mine."}));
    other.post(
        &path,
        &json!({"body": "I answer you.", "reply_to": mine["id"]}),
    );
    let mention = other.post(&path, &json!({"body": "What does @demo think?"}));
    let seq = mention["seq"].as_u64().unwrap();
    laptop.ok(&["sync"]);
    assert_eq!(
        me.get("/notifications")["unread"],
        2,
        "both unread on the server"
    );

    let mut reader = PtySession::start(laptop.home.path(), &[], &[], 120, 40);
    reader.wait_for_text("inbox 2");
    reader.send("i");
    // The list fills once the store worker has read it: the mention (newest) first.
    let screen = reader.wait_for("the inbox list", |s| {
        s.contains(" Inbox (2 unread) — ") && s.contains("mention admin")
    });
    let (mention_at, reply_at) = (
        screen.find("mention admin").unwrap(),
        screen.find("reply   admin").unwrap(),
    );
    assert!(mention_at < reply_at, "newest first:\n{screen}");
    assert!(screen.contains("What does @demo think?"), "{screen}");

    reader.send("\r");
    reader.wait_for("the reader at the mention", |s| {
        !s.contains(" Inbox (") && s.contains(&format!("admin · #{seq}"))
    });
    // Marked read here, queued, and sent by the reader's own sync engine (bounded wait, no
    // timing asserted).
    let deadline = Instant::now() + Duration::from_secs(60);
    while me.get("/notifications")["unread"] != 1 {
        assert!(Instant::now() < deadline, "the reader never sent the mark");
        std::thread::sleep(Duration::from_millis(50));
    }
    reader.send("i");
    reader.wait_for_text(" Inbox (1 unread) — ");
    reader.send("q");
    reader.send("q");
    reader.wait_exit();

    let listed: Value =
        serde_json::from_str(&laptop.ok(&["inbox", "--offline", "--json"])).unwrap();
    assert_eq!(listed["unread"], 1, "{listed}");
    assert_eq!(listed["items"][0]["kind"], "reply", "{listed}");
}
