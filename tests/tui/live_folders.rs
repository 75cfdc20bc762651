//! End to end with the real server (`threadmark serve --demo` on 127.0.0.1) and the real
//! reader in a pseudo-terminal: a saved-search folder in the tree counts the unread posts
//! its query finds, and a post arriving through the reader's own sync raises the count in
//! the open reader.

use crate::pty_session::PtySession;
use crate::serve::{Client, Served};
use crate::support::api::Api;
use serde_json::json;

const THREAD: &str = "advocacy-1";

/// The tree pane's part of the row showing the folder (left of the pane border).
fn folder_row(screen: &str) -> Option<String> {
    screen
        .lines()
        .find(|l| l.contains("⌕ Zebras"))
        .map(|l| l.split('│').next().unwrap_or(l).trim().to_owned())
}

#[test]
fn a_post_arriving_through_sync_raises_a_folders_count_in_the_open_reader() {
    let store = tempfile::tempdir().unwrap();
    let server = Served::demo(store.path(), &[]);
    let member = server.member_token.clone().unwrap();
    let other = Api::new(&server.url, server.admin_token.as_ref().unwrap());
    let laptop = Client::synced(&server, &member);
    let config = laptop.home.path().join("config.toml");
    let mut text = std::fs::read_to_string(&config).unwrap();
    text.push_str("\n[[folders]]\nname = \"Zebras\"\nquery = \"zebra -giraffe\"\n");
    std::fs::write(&config, text).unwrap();

    let path = format!("/threads/{THREAD}/posts");
    other.post(&path, &json!({"body": "A zebra crossed the road."}));
    other.post(
        &path,
        &json!({"body": "A zebra and a giraffe: not counted."}),
    );
    laptop.ok(&["sync"]);

    let mut reader = PtySession::start(laptop.home.path(), &[], &[], 120, 40);
    let screen = reader.wait_for("the folder with one unread hit", |s| {
        folder_row(s).is_some_and(|row| row.ends_with(" 1"))
    });
    assert!(screen.contains("⌕ Zebras"), "{screen}");

    // Another user posts; the reader's own sync brings it, and the count follows.
    other.post(&path, &json!({"body": "Another zebra, seen from the bus."}));
    let screen = reader.wait_for("the folder's count to follow the new post", |s| {
        folder_row(s).is_some_and(|row| row.ends_with(" 2"))
    });
    let row = folder_row(&screen).unwrap();
    assert!(row.contains("⌕ Zebras"), "{row}");
    reader.send("q");
    reader.wait_exit();
}
