//! Broken servers on the Discourse side: the real client against the Discourse stand-in
//! behind the fault server — resets, proxy error pages, plain-text rate limits, a gzip
//! bomb, a cross-origin redirect while pulling, an HTML error page while sending. Each
//! ends with a clear status; the cache and the outbox come through; the reply is posted
//! once in the end.

use crate::common::{assert_tidy, cache_files, client_run, outbox, outbox_bodies};
use crate::faulty::{Fault, FaultServer, Rule};
use crate::serve::{Client, text};
use crate::support::discourse_forum::{Forum, base_time};
use crate::support::discourse_standin::{StandIn, World};
use axum::http::Method;

const KEY: &str = "discourse-fault-admin-key";
const TIMEOUTS: (&str, &str) = ("THREADMARK_TIMEOUTS", "connect=2,read=3,total=4");
const REPLY: &str = "A reply that waits out every broken answer";

fn sync(client: &Client) -> std::process::Output {
    client_run(client, &["sync"], &[TIMEOUTS])
}

/// The stand-in behind the fault server, and a client synced through it with one
/// reply waiting in its outbox.
fn rig(runtime: &tokio::runtime::Runtime) -> (StandIn, FaultServer, Client) {
    let mut world = World::new(Forum::rich());
    world.admin_api_keys.push(KEY.to_owned());
    let standin = runtime.block_on(StandIn::start(world));
    let proxy = FaultServer::start(Some(&standin.url));
    let client = Client::default();
    let out = client_run(
        &client,
        &[
            "account",
            "add",
            "work",
            "--url",
            &proxy.url,
            "--kind",
            "discourse",
        ],
        &[],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let config = std::fs::read_to_string(client.config()).unwrap().replace(
        "kind = \"discourse\"",
        "kind = \"discourse\"\nrequests_per_minute = 100000",
    );
    std::fs::write(client.config(), config).unwrap();
    let out = client.run_with_stdin(&["login", "--api-username", "bob", "--api-key-stdin"], KEY);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = sync(&client);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = client.run_with_stdin(&["reply", "long discussion"], REPLY);
    assert!(out.status.success(), "{}", text(&out.stderr));

    (standin, proxy, client)
}

#[test]
fn a_broken_discourse_while_pulling_costs_nothing() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let (_standin, proxy, client) = rig(&runtime);
    let elsewhere = FaultServer::start(None);
    let cases: Vec<(&str, Fault, &[&str])> = vec![
        (
            "reset mid-answer",
            Fault::ResetAfter { bytes: 25 },
            &["unreachable", "cut off"],
        ),
        (
            "a proxy's HTML error page",
            Fault::with_headers(
                502,
                &[("content-type", "text/html")],
                "<h1>Bad Gateway</h1>",
            ),
            &["502", "gateway"],
        ),
        (
            "a plain-text rate limit",
            Fault::with_headers(
                429,
                &[("content-type", "text/plain")],
                "Slow down, too many requests",
            ),
            &["429", "rate", "slow"],
        ),
        (
            "malformed JSON",
            Fault::json(200, r#"{"categories": [{"id": "#),
            &["bad answer"],
        ),
        (
            "a gzip bomb",
            Fault::GzipBomb { inflated: 64 << 20 },
            &["larger than"],
        ),
        (
            "a redirect to another origin",
            Fault::redirect(&format!("{}/site.json", elsewhere.url)),
            &["redirect"],
        ),
    ];
    for (name, fault, words) in cases {
        let cache_before = cache_files(&client.data_dir());
        let outbox_before = outbox_bodies(&client);
        // Every sync reads the latest topics (the categories only now and then).
        proxy.rule(Rule::any("/latest.json", fault));
        let out = sync(&client);
        proxy.clear_rules();
        assert_tidy(&out, name);
        let said = text(&out.stderr).to_lowercase();
        assert_eq!(out.status.code(), Some(1), "{name}: {said}");
        assert!(words.iter().any(|w| said.contains(w)), "{name}: {said}");
        assert!(
            cache_files(&client.data_dir()) == cache_before,
            "{name}: the cache changed"
        );
        assert_eq!(
            outbox_bodies(&client),
            outbox_before,
            "{name}: the outbox changed"
        );
    }
    assert!(
        elsewhere.requests().is_empty(),
        "the other origin received nothing"
    );
    for request in proxy.requests() {
        for header in ["api-key", "user-api-key"] {
            if let Some(value) = request.header(header) {
                assert_eq!(value, KEY, "only the account's own key, only to its forum");
            }
        }
    }
}

#[test]
fn an_error_page_while_sending_to_discourse_keeps_the_reply_and_sends_it_once() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let (standin, _proxy, client) = rig(&runtime);
    // Sending into an HTML error page: the reply waits, whole, and is sent once later.
    standin.clear_requests();
    standin.script(
        Method::POST,
        "/posts.json",
        500,
        &[("content-type", "text/html")],
        "<html>oops</html>",
    );
    let out = sync(&client);
    assert_tidy(&out, "an error page on send");
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        standin.requests_to(&Method::POST, "/posts.json").len(),
        1,
        "one attempt"
    );
    assert_eq!(outbox_bodies(&client).len(), 1, "the reply waits");
    for _ in 0..5 {
        if outbox(&client).is_empty() {
            break;
        }
        for entry in outbox(&client) {
            let key = entry["key"].as_str().unwrap();
            assert!(
                client_run(&client, &["outbox", "retry", key], &[])
                    .status
                    .success()
            );
        }
        let out = sync(&client);
        assert!(out.status.success(), "{}", text(&out.stderr));
    }
    assert!(outbox(&client).is_empty(), "the outbox drains");
    let world = standin.world();
    let topic = &world.forum.topics[&500];
    let copies = topic.posts.iter().filter(|p| p.raw == REPLY).count();
    assert_eq!(copies, 1, "posted exactly once");
    let newest = topic.posts.last().unwrap();
    assert_eq!(newest.raw, REPLY, "it lands after everything already there");
    assert!(newest.created_at > base_time());
}
