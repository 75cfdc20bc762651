//! Writing while the server is down: replies wait in the outbox and arrive once, in order.

use crate::api::Api;
use crate::serve::{Client, Served, text};

#[test]
fn replies_written_offline_arrive_once_and_in_order_when_the_server_is_back() {
    let store = tempfile::tempdir().unwrap();
    let server = Served::demo(store.path(), &[]);
    let (url, addr) = (server.url.clone(), server.addr.clone());
    let token = server.member_token.clone().unwrap();
    let client = Client::default();
    client.sign_in(&url, &token);
    let out = client.run(&["sync"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("8 new posts"),
        "{}",
        text(&out.stdout)
    );
    server.kill();

    // Offline: sync says so and fails; reading and writing go on from the cache.
    let out = client.run(&["sync"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("could not sync"),
        "{}",
        text(&out.stderr)
    );
    assert!(client.run(&["read", "advocacy"]).status.success());
    for (n, to) in [(1, "#2"), (2, "#3"), (3, "#1")] {
        let out = client.run_with_stdin(
            &["reply", "advocacy", "--to", to],
            &format!("Offline reply {n}"),
        );
        assert!(out.status.success(), "{}", text(&out.stderr));
    }
    let listed = text(&client.run(&["outbox"]).stdout);
    assert_eq!(listed.matches("queued").count(), 3, "{listed}");

    // The server comes back where it was (same port, same store).
    let server = Served::start(store.path(), &addr, false, &[]);
    let out = client.run(&["sync"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("3 sent"),
        "{}",
        text(&out.stdout)
    );

    let api = Api::new(&server.url, &token);
    let bodies = api.bodies("advocacy-1");
    let ours: Vec<&String> = bodies
        .iter()
        .filter(|b| b.starts_with("Offline reply"))
        .collect();
    assert_eq!(
        ours,
        ["Offline reply 1", "Offline reply 2", "Offline reply 3"]
    );
    let posts = api.posts("advocacy-1");
    let reply_to = |body: &str| {
        posts
            .iter()
            .find(|p| p["body"] == body)
            .and_then(|p| p["reply_to"].as_str().map(str::to_owned))
    };
    assert_eq!(reply_to("Offline reply 1").as_deref(), Some("advocacy-1-2"));
    assert_eq!(reply_to("Offline reply 2").as_deref(), Some("advocacy-1-3"));

    // The echoes became the real posts: the outbox is empty, the cache has them.
    assert!(text(&client.run(&["outbox"]).stdout).contains("empty"));
    let thread = text(&client.run(&["read", "advocacy", "--width", "100"]).stdout);
    assert!(thread.contains("Offline reply 3"), "{thread}");
}
