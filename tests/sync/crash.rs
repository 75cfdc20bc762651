//! Crash safety: the client killed at random points while flushing, the server killed
//! mid-request — in the end every reply is on the server exactly once, in order.

use crate::api::Api;
use crate::serve::{Client, Served, text};
use std::time::Duration;

/// Deterministic pseudo-random delays, so a failure can be replayed.
fn delays(seed: u64, n: usize, max_ms: u64) -> Vec<Duration> {
    let mut x = seed;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            Duration::from_millis(x % max_ms)
        })
        .collect()
}

fn queue(client: &Client, prefix: &str, n: usize) {
    for i in 0..n {
        let out = client.run_with_stdin(&["reply", "advocacy"], &format!("{prefix} {i:02}"));
        assert!(out.status.success(), "{}", text(&out.stderr));
    }
}

/// Every outbox file parses; returns how many entries are still live.
fn outbox_parses(client: &Client) -> usize {
    client.outbox().len()
}

fn drain(client: &Client) {
    for _ in 0..10 {
        if outbox_parses(client) == 0 {
            return;
        }
        let _ = client.run(&["sync"]);
    }
    assert_eq!(outbox_parses(client), 0, "the outbox drains");
}

fn ours(api: &Api, prefix: &str) -> Vec<String> {
    api.bodies("advocacy-1")
        .into_iter()
        .filter(|b| b.starts_with(prefix))
        .collect()
}

fn expected(prefix: &str, n: usize) -> Vec<String> {
    (0..n).map(|i| format!("{prefix} {i:02}")).collect()
}

#[test]
fn killing_the_client_mid_flush_never_loses_or_duplicates_a_reply() {
    const REPLIES: usize = 20;
    const KILLS: usize = 50;
    let store = tempfile::tempdir().unwrap();
    let server = Served::demo(store.path(), &["--writes-per-minute", "0"]);
    let client = Client::default();
    client.sign_in(&server.url, server.member_token.as_ref().unwrap());
    assert!(client.run(&["sync"]).status.success());
    queue(&client, "Crash-safe reply", REPLIES);

    for delay in delays(0x5eed, KILLS, 120) {
        let mut child = client.command(&["sync"]).spawn().unwrap();
        std::thread::sleep(delay);
        let _ = child.kill();
        let _ = child.wait();
        outbox_parses(&client);
    }
    drain(&client);
    let api = Api::new(&server.url, server.member_token.as_ref().unwrap());
    assert_eq!(
        ours(&api, "Crash-safe reply"),
        expected("Crash-safe reply", REPLIES)
    );
}

#[test]
fn a_server_killed_mid_request_gets_the_same_key_again_and_makes_one_post() {
    const REPLIES: usize = 10;
    let store = tempfile::tempdir().unwrap();
    let mut server = Served::demo(store.path(), &["--writes-per-minute", "0"]);
    let addr = server.addr.clone();
    let token = server.member_token.clone().unwrap();
    let client = Client::default();
    client.sign_in(&server.url, &token);
    assert!(client.run(&["sync"]).status.success());
    queue(&client, "Server-crash reply", REPLIES);

    for delay in delays(0xfeed, 12, 150) {
        let mut child = client.command(&["sync"]).spawn().unwrap();
        std::thread::sleep(delay);
        server.kill();
        let _ = child.wait();
        server = Served::start(store.path(), &addr, false, &["--writes-per-minute", "0"]);
        outbox_parses(&client);
    }
    drain(&client);
    let api = Api::new(&server.url, &token);
    assert_eq!(
        ours(&api, "Server-crash reply"),
        expected("Server-crash reply", REPLIES)
    );
}
