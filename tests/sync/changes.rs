//! What others do reaches the cache: new posts, edits and deletions; and an expired
//! changes cursor starts a fresh snapshot without touching the outbox.

use crate::api::Api;
use crate::serve::{Client, text};
use std::time::Duration;

#[test]
fn posts_edits_and_deletions_by_others_appear_after_sync() {
    let store = tempfile::tempdir().unwrap();
    let server = crate::serve::Served::demo(store.path(), &[]);
    let admin = Api::new(&server.url, server.admin_token.as_ref().unwrap());
    let client = Client::default();
    client.sign_in(&server.url, server.member_token.as_ref().unwrap());
    assert!(client.run(&["sync"]).status.success());

    let fresh = admin.reply("advocacy-1", "A new voice in the thread");
    let edited = admin.reply("advocacy-1", "First draft of a thought");
    let gone = admin.reply("advocacy-1", "Posted by mistake");
    let edited = admin
        .posts("advocacy-1")
        .into_iter()
        .find(|p| p["id"] == edited["id"])
        .unwrap();
    admin.edit(&edited, Some("Second thoughts, edited"), false);
    let gone = admin
        .posts("advocacy-1")
        .into_iter()
        .find(|p| p["id"] == gone["id"])
        .unwrap();
    admin.edit(&gone, None, true);
    assert!(fresh["id"].is_string());

    let out = client.run(&["sync"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let thread = text(&client.run(&["read", "advocacy", "--width", "100"]).stdout);
    assert!(thread.contains("A new voice in the thread"), "{thread}");
    assert!(thread.contains("Second thoughts, edited"), "{thread}");
    assert!(!thread.contains("First draft of a thought"), "{thread}");
    assert!(!thread.contains("Posted by mistake"), "{thread}");
    assert!(
        thread.contains("[deleted]"),
        "the tombstone keeps its place: {thread}"
    );
}

#[test]
fn an_expired_cursor_takes_a_fresh_snapshot_and_keeps_the_outbox() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let store = tempfile::tempdir().unwrap();
    let mut config = threadmark::server::ServerConfig::new(store.path().to_owned());
    config.demo = true;
    config.changes_retention = Duration::from_millis(300);
    let server = runtime.block_on(threadmark::server::start(config)).unwrap();
    let url = format!("http://{}", server.addr);
    let member = server.token("member").unwrap().to_owned();
    let admin = Api::new(&url, server.token("admin").unwrap());

    let client = Client::default();
    client.sign_in(&url, &member);
    assert!(client.run(&["sync"]).status.success());
    let out = client.run_with_stdin(&["reply", "advocacy"], "Written before the cursor expired");
    assert!(out.status.success());
    admin.reply("advocacy-1", "Said while the client was away");
    // Let the server forget the changes after the client's cursor.
    std::thread::sleep(Duration::from_millis(1500));
    admin.reply("advocacy-1", "Said later still");

    let out = client.run(&["sync"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("1 sent"),
        "{}",
        text(&out.stdout)
    );
    let thread = text(&client.run(&["read", "advocacy", "--width", "100"]).stdout);
    for expected in [
        "Said while the client was away",
        "Said later still",
        "Written before the cursor expired",
    ] {
        assert!(thread.contains(expected), "{expected} missing:\n{thread}");
    }
    runtime.block_on(server.shutdown()).unwrap();
}
