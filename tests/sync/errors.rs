//! The server saying no: rate limits are waited out, refused credentials pause the queue,
//! refused replies fail with the server's reason, and a damaged outbox file stops nothing.

use crate::api::Api;
use crate::serve::{Client, Served, text};
use serde_json::Value;

/// `threadmark serve ARGS --data STORE` beside the running server; its stdout.
fn serve_command(store: &std::path::Path, args: &[&str]) -> String {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_threadmark"))
        .arg("serve")
        .args(args)
        .arg("--data")
        .arg(store)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    text(&out.stdout)
}

fn entries(client: &Client) -> Vec<Value> {
    let out = client.run(&["outbox", "--json"]);
    let value: Value = serde_json::from_slice(&out.stdout).unwrap();
    value["entries"].as_array().unwrap().clone()
}

#[test]
fn a_rate_limited_reply_waits_for_retry_after_instead_of_hammering() {
    let store = tempfile::tempdir().unwrap();
    // 1 write a minute after the server's burst of 30: the burst goes, then 429.
    let server = Served::demo(store.path(), &["--writes-per-minute", "1"]);
    let client = Client::default();
    client.sign_in(&server.url, server.member_token.as_ref().unwrap());
    assert!(client.run(&["sync"]).status.success());
    for i in 0..32 {
        let out = client.run_with_stdin(&["reply", "advocacy"], &format!("Limited {i}"));
        assert!(out.status.success());
    }
    let out = client.run(&["sync"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let summary = text(&out.stdout);
    assert!(summary.contains("waiting"), "{summary}");

    let waiting: Vec<Value> = entries(&client);
    assert!(!waiting.is_empty(), "some replies wait for the limit");
    let first = &waiting[0];
    assert_eq!(first["state"], "queued");
    assert_eq!(first["attempts"], 1);
    let next: jiff::Timestamp = first["next_attempt_at"].as_str().unwrap().parse().unwrap();
    let wait = next.duration_since(jiff::Timestamp::now());
    assert!(
        wait.as_secs() >= 1,
        "Retry-After is honoured, not ignored: {wait:?}"
    );

    // Syncing again at once does not knock again before the time the server gave.
    let out = client.run(&["sync"]);
    assert!(out.status.success());
    assert_eq!(entries(&client)[0]["attempts"], 1);
}

#[test]
fn refused_credentials_pause_the_queue_with_a_clear_message() {
    let store = tempfile::tempdir().unwrap();
    let server = Served::demo(store.path(), &[]);
    let client = Client::default();
    client.sign_in(&server.url, server.member_token.as_ref().unwrap());
    assert!(client.run(&["sync"]).status.success());
    // The token stops working: the operator revokes it.
    let out = serve_command(store.path(), &["token", "revoke", "demo"]);
    assert!(out.contains("revoked"), "{out}");
    let out = client.run_with_stdin(&["reply", "advocacy"], "Waits for a login");
    assert!(out.status.success());

    let out = client.run(&["sync"]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.contains("threadmark login"), "{err}");
    let queued = entries(&client);
    assert_eq!(queued.len(), 1, "nothing lost");
    assert_eq!(queued[0]["state"], "queued");

    // A token that does not work is not stored by a new login: the old one stays.
    let out = client.run_with_stdin(&["login", "--token-stdin"], "tm_not_a_real_token");
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("nothing was stored"),
        "{}",
        text(&out.stderr)
    );
    // Logging in again with a new token lets it go.
    let fresh = serve_command(store.path(), &["token", "new", "demo"]);
    let fresh = fresh
        .trim()
        .strip_prefix("demo token: ")
        .unwrap()
        .to_owned();
    let out = client.run_with_stdin(&["login", "--token-stdin"], &fresh);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("as demo"),
        "{}",
        text(&out.stdout)
    );
    let out = client.run(&["sync"]);
    assert!(
        text(&out.stdout).contains("1 sent"),
        "{}",
        text(&out.stdout)
    );
}

#[test]
fn a_refused_reply_fails_with_the_servers_reason_and_the_rest_still_go() {
    let store = tempfile::tempdir().unwrap();
    let server = Served::demo(store.path(), &[]);
    let client = Client::default();
    client.sign_in(&server.url, server.member_token.as_ref().unwrap());
    assert!(client.run(&["sync"]).status.success());
    let too_long = "x".repeat(300);
    assert!(
        client
            .run_with_stdin(&["reply", "advocacy"], &too_long)
            .status
            .success()
    );
    assert!(
        client
            .run_with_stdin(&["reply", "advocacy"], "Short and fine")
            .status
            .success()
    );

    // A damaged file in the outbox is reported by name, kept, and blocks nothing.
    let queued = client.data_dir().join("accounts/work/outbox/queued");
    let damaged = queued.join("00000000-damaged.json");
    std::fs::write(&damaged, b"{\"schema\":1,\"entry\":{\"key\":").unwrap();
    // The operator lowers the limit after the long reply was queued: the server refuses it.
    let server = server.restart(store.path(), &["--max-post-chars", "100"]);

    let out = client.run(&["sync"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let summary = text(&out.stdout);
    assert!(
        summary.contains("1 sent") && summary.contains("1 failed"),
        "{summary}"
    );

    let listing = client.run(&["outbox"]);
    assert!(text(&listing.stderr).contains("00000000-damaged.json"));
    let listed = text(&listing.stdout);
    assert!(listed.contains("failed"), "{listed}");
    assert!(
        listed.contains("body"),
        "the server's field message is kept: {listed}"
    );
    assert!(damaged.exists(), "never deleted");

    let api = Api::new(&server.url, server.member_token.as_ref().unwrap());
    assert!(
        api.bodies("advocacy-1")
            .contains(&"Short and fine".to_owned())
    );
}
