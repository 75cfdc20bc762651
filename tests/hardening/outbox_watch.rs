//! Replies queued beside an open reader: `threadmark reply` while the reader holds the
//! account's outbox lock goes out without a key pressed in the reader, and when the
//! reader holding the lock quits, a second open reader takes the lock over and sends what
//! comes next. The real server, the real binaries, readers in pseudo-terminals.

use crate::pty_session::PtySession;
use crate::serve::{Client, Served, text};
use serde_json::Value;
use std::time::{Duration, Instant};

/// Bounds every wait for a reply to reach the server (a hang fails the test).
const DELIVERY: Duration = Duration::from_secs(60);

fn bodies_on_server(server: &Served) -> Vec<String> {
    let url = format!("{}/api/v1/threads/advocacy-1/posts?limit=1000", server.url);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let page: Value = rt.block_on(async { reqwest::get(url).await.unwrap().json().await.unwrap() });
    page["posts"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p["body"].as_str().map(str::to_owned))
        .collect()
}

fn wait_until_posted(server: &Served, body: &str) {
    let deadline = Instant::now() + DELIVERY;
    while !bodies_on_server(server).iter().any(|b| b == body) {
        assert!(
            Instant::now() < deadline,
            "{body:?} was not sent while the reader was open"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn queue_from_the_command_line(client: &Client, body: &str) {
    let out = client.run_with_stdin(&["reply", "advocacy"], body);
    assert!(out.status.success(), "{}", text(&out.stderr));
}

fn reader(client: &Client) -> PtySession {
    let mut session = PtySession::start(client.home.path(), &[], &[], 120, 40);
    session.wait_for_text("online");
    session
}

#[test]
fn replies_queued_beside_an_open_reader_go_out_and_the_lock_passes_on() {
    let store = tempfile::tempdir().unwrap();
    let server = Served::demo(store.path(), &[]);
    let client = Client::default();
    client.sign_in(&server.url, server.member_token.as_ref().unwrap());
    let out = client.run(&["sync"]);
    assert!(out.status.success(), "{}", text(&out.stderr));

    // The first reader holds the outbox lock; the command line only queues.
    let mut first = reader(&client);
    let beside = "Queued from the command line while the reader was open";
    queue_from_the_command_line(&client, beside);
    wait_until_posted(&server, beside);

    // A second reader on the same account waits for the lock; the first one quits.
    let mut second = reader(&client);
    first.send("q");
    first.wait_exit();
    let after = "Queued after the first reader quit";
    queue_from_the_command_line(&client, after);
    wait_until_posted(&server, after);
    assert!(second.is_running());

    // Each went out once.
    let bodies = bodies_on_server(&server);
    for body in [beside, after] {
        assert_eq!(bodies.iter().filter(|b| *b == body).count(), 1, "{body}");
    }
    second.send("q");
    second.wait_exit();
}
