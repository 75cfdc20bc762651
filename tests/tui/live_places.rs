//! End to end with the real server (`threadmark serve --demo` on 127.0.0.1) and the real
//! reader in a pseudo-terminal: `w` on a thread and `b` on a post in one data directory
//! (with a note) reach a second data directory of the same member through the server;
//! there `'` lists the bookmark and enter goes to the post.

use crate::pty_session::PtySession;
use crate::serve::{Client, Served, tree_thread};
use serde_json::Value;
use std::time::{Duration, Instant};

const THREAD: &str = "advocacy-1";

/// The id of post `#seq` of the thread, as the client's cache has it.
fn post_id(client: &Client, seq: u64) -> String {
    let read: Value = serde_json::from_str(&client.ok(&["read", THREAD, "--json"])).unwrap();
    read["posts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["seq"] == seq)
        .unwrap_or_else(|| panic!("no #{seq} in {read}"))["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[test]
fn w_and_b_in_the_reader_reach_the_other_machine_where_the_bookmarks_list_goes_to_the_post() {
    let store = tempfile::tempdir().unwrap();
    let server = Served::demo(store.path(), &[]);
    let member = server.member_token.clone().unwrap();
    let (laptop, desktop) = (
        Client::synced(&server, &member),
        Client::synced(&server, &member),
    );

    // The laptop: `w` on the thread selected in the tree, `b` on Connie Williams's #2.
    let mut reader = PtySession::start(laptop.home.path(), &[], &[], 120, 40);
    reader.wait_for_text(" q quit");
    reader.send("G");
    reader.wait_for_text("Advocacy");
    reader.send("w");
    reader.wait_for_text("◆ Strategic");
    reader.wait_for_text("watching: thread");
    reader.send("\r");
    reader.wait_for_text("Connie Williams · #2");
    reader.send("J");
    reader.send("b");
    reader.wait_for_text("bookmark note");
    reader.send("answer this\r");
    reader.wait_for_text("bookmarked #2");
    reader.wait_for_text("⚑ bookmarked");
    // The reader's own sync engine drains the queue (bounded wait, no timing asserted).
    let deadline = Instant::now() + Duration::from_secs(60);
    while laptop.queued_marks() > 0 {
        assert!(Instant::now() < deadline, "the reader never sent its marks");
        std::thread::sleep(Duration::from_millis(50));
    }
    reader.send("q");
    reader.wait_exit();

    // The desktop, after its sync: the level and the bookmark, on the right post.
    desktop.ok(&["sync"]);
    let tree: Value = serde_json::from_str(&desktop.ok(&["tree", "--json"])).unwrap();
    assert_eq!(tree_thread(&tree, THREAD)["watch"], "watching", "{tree}");
    let list: Value = serde_json::from_str(&desktop.ok(&["bookmarks", "--json"])).unwrap();
    let marks = list["bookmarks"].as_array().unwrap();
    assert_eq!(marks.len(), 1, "{list}");
    assert_eq!(marks[0]["thread"], THREAD);
    assert_eq!(marks[0]["post"], post_id(&desktop, 2), "{list}");
    assert_eq!(marks[0]["note"], "answer this", "{list}");

    // Its reader: the tree marks the thread; `'` lists the bookmark by #N and author,
    // enter goes to that post.
    let mut reader = PtySession::start(desktop.home.path(), &[], &[], 120, 40);
    reader.wait_for_text("◆ Strategic");
    reader.send("'");
    // The list fills once the store worker has read it.
    let screen = reader.wait_for("the bookmarks list", |s| {
        s.contains(" Bookmarks — ") && s.contains("#2 by Connie Williams")
    });
    assert!(screen.contains("answer this"), "the note: {screen}");
    assert!(
        !screen.contains(&post_id(&desktop, 2)),
        "no post ids:\n{screen}"
    );
    reader.send("\r");
    let screen = reader.wait_for("the reader at #2", |s| {
        !s.contains(" Bookmarks — ")
            && s.lines()
                .any(|l| l.contains("Connie Williams · #2") && l.contains("⚑ bookmarked"))
    });
    // The post is at the top of the reader: the opening post above it is scrolled away.
    assert!(!screen.contains("· #1"), "{screen}");
    reader.send("q");
    reader.wait_exit();
}
