//! Broken servers: the real client (`threadmark sync`) against a fault-injecting server
//! that forwards to the real reference server unless told to break a request. In every
//! case the client ends with a clear one-line status, does not crash, leaves the cache as
//! it was and the outbox whole; at the end every reply reaches the server exactly once.

use crate::common::{
    assert_tidy, cache_files, client_run, outbox, outbox_bodies, run_bounded, set_url,
};
use crate::faulty::{Fault, FaultServer, Rule, refused_url};
use crate::probe::peak_memory;
use crate::serve::{Client, Served, text};
use crate::support::api::Api;
use std::process::Output;
use std::time::Duration;

/// Short timeouts, so the slow cases trip in seconds (documented in the README).
const TIMEOUTS: (&str, &str) = ("THREADMARK_TIMEOUTS", "connect=2,read=3,total=4");

/// A body larger than the client's cap (16 MiB) once inflated or read.
const HUGE: usize = 256 << 20;

/// The client must stay far below this while refusing a huge answer (KiB).
const MEMORY_CEILING_KIB: u64 = 160 * 1024;

struct Rig {
    server: Served,
    _store: tempfile::TempDir,
    proxy: FaultServer,
    client: Client,
    token: String,
    /// Replies of each round carry its number, so rounds never mix.
    round: std::cell::Cell<usize>,
}

impl Rig {
    /// The reference server behind the fault server, a client synced through it, and
    /// two replies waiting in its outbox.
    fn new() -> Self {
        let store = tempfile::tempdir().unwrap();
        let server = Served::demo(store.path(), &["--writes-per-minute", "0"]);
        let token = server.member_token.clone().unwrap();
        let proxy = FaultServer::start(Some(&server.url));
        let client = Client::default();
        client.sign_in(&proxy.url, &token);
        let out = self::sync(&client);
        assert!(out.status.success(), "{}", text(&out.stderr));
        let rig = Self {
            server,
            _store: store,
            proxy,
            client,
            token,
            round: std::cell::Cell::new(0),
        };
        rig.queue_round();
        rig
    }

    fn bodies(&self) -> [String; 2] {
        let round = self.round.get();
        [
            format!("Fault-safe reply {round}, first"),
            format!("Fault-safe reply {round}, second"),
        ]
    }

    fn queue_round(&self) {
        for body in self.bodies() {
            let out = self.client.run_with_stdin(&["reply", "advocacy"], &body);
            assert!(out.status.success(), "{}", text(&out.stderr));
        }
    }

    /// Drains this round's replies (checked) and queues the next round's.
    fn next_round(&self) {
        self.drain_and_check();
        self.round.set(self.round.get() + 1);
        self.queue_round();
    }

    /// Runs one case: the rules in force for one `threadmark sync`. Checks the exit
    /// code, that stderr says one of `words`, and that the cache and outbox survived.
    fn case(&self, name: &str, rules: Vec<Rule>, exit: i32, words: &[&str]) -> Output {
        let cache_before = cache_files(&self.client.data_dir());
        let outbox_before = outbox_bodies(&self.client);
        let seen_before = self.proxy.requests().len();
        let targets: Vec<(Option<String>, String)> = rules
            .iter()
            .map(|r| (r.method.clone(), r.target.clone()))
            .collect();
        for rule in rules {
            self.proxy.rule(rule);
        }
        let out = sync(&self.client);
        self.proxy.clear_rules();
        let seen = self.proxy.requests();
        for (method, target) in targets {
            assert!(
                seen[seen_before..]
                    .iter()
                    .any(|r| r.target.contains(&target)
                        && method.as_ref().is_none_or(|m| *m == r.method)),
                "{name}: the fault was never reached ({method:?} {target})"
            );
        }
        self.check(name, &out, exit, words, &cache_before, &outbox_before);
        out
    }

    /// A case about sending: waits from earlier cases are cleared first, so the reply
    /// really goes out into the fault.
    fn send_case(&self, name: &str, fault: Fault, words: &[&str]) -> Output {
        self.clear_waits();
        let post = "/api/v1/threads/advocacy-1/posts";
        self.case(
            name,
            vec![Rule::method("POST", post, fault).times(1)],
            0,
            words,
        )
    }

    fn clear_waits(&self) {
        for entry in outbox(&self.client) {
            let key = entry["key"].as_str().unwrap();
            let out = client_run(&self.client, &["outbox", "retry", key], &[]);
            assert!(out.status.success(), "{}", text(&out.stderr));
        }
    }

    fn check(
        &self,
        name: &str,
        out: &Output,
        exit: i32,
        words: &[&str],
        cache_before: &std::collections::BTreeMap<String, Vec<u8>>,
        outbox_before: &[(String, String)],
    ) {
        assert_tidy(out, name);
        let stderr = text(&out.stderr);
        let stdout = text(&out.stdout);
        assert_eq!(
            out.status.code(),
            Some(exit),
            "{name}: exit code; stdout:\n{stdout}\nstderr:\n{stderr}"
        );
        let said = if exit == 0 { &stdout } else { &stderr };
        assert!(
            words
                .iter()
                .any(|w| said.to_lowercase().contains(&w.to_lowercase())),
            "{name}: expected one of {words:?} in:\n{said}"
        );
        if exit != 0 {
            assert_eq!(stderr.lines().count(), 1, "{name}: one line:\n{stderr}");
            assert!(stderr.starts_with("threadmark: "), "{name}: {stderr}");
        }
        assert!(
            cache_files(&self.client.data_dir()) == *cache_before,
            "{name}: the cache changed"
        );
        assert_eq!(
            outbox_bodies(&self.client),
            outbox_before,
            "{name}: the outbox lost or gained something"
        );
        for entry in outbox(&self.client) {
            let state = entry["state"].as_str().unwrap();
            assert!(
                ["queued", "held", "unknown"].contains(&state),
                "{name}: a reply left the queue as {state}: {entry}"
            );
        }
    }

    /// Clears every wait and syncs until the outbox is empty; then each reply is on the
    /// server exactly once, in order.
    fn drain_and_check(&self) {
        for _ in 0..8 {
            if outbox(&self.client).is_empty() {
                break;
            }
            self.clear_waits();
            let out = sync(&self.client);
            assert!(out.status.success(), "{}", text(&out.stderr));
        }
        assert!(outbox(&self.client).is_empty(), "the outbox drains");
        let expected = self.bodies();
        let bodies = server_bodies(&self.server.url, &self.token);
        let ours: Vec<String> = bodies
            .into_iter()
            .filter(|b| expected.contains(b))
            .collect();
        assert_eq!(ours, expected, "each reply exactly once, in order");
    }
}

fn sync(client: &Client) -> Output {
    client_run(client, &["sync"], &[TIMEOUTS])
}

/// Live post bodies of the demo thread, straight from the server.
fn server_bodies(url: &str, token: &str) -> Vec<String> {
    Api::new(url, token).bodies("advocacy-1")
}

fn problem(status: u16, code: &str, extra: &str) -> String {
    format!(
        r#"{{"type":"urn:threadmark:problem:{code}","title":"{code}","status":{status},"code":"{code}"{extra}}}"#
    )
}

#[test]
fn a_broken_connection_while_pulling_costs_nothing() {
    let rig = Rig::new();
    let status = "/api/v1/status";
    let changes = "/api/v1/changes";

    // Nobody listening.
    set_url(&rig.client, &refused_url());
    rig.case("connection refused", vec![], 1, &["unreachable"]);
    set_url(&rig.client, &rig.proxy.url);

    rig.case(
        "reset mid-response",
        vec![Rule::any(status, Fault::ResetAfter { bytes: 40 })],
        1,
        &["unreachable", "cut off"],
    );
    rig.case(
        "reset before any answer",
        vec![Rule::any(changes, Fault::ResetAfter { bytes: 0 })],
        1,
        &["unreachable"],
    );
    rig.case(
        "truncated body",
        vec![Rule::any(changes, Fault::Truncate)],
        1,
        &["cut off", "unreachable"],
    );
    rig.case(
        "one byte a second",
        vec![Rule::any(
            status,
            Fault::Trickle {
                every: Duration::from_secs(1),
                length: 120,
            },
        )],
        1,
        &["in time"],
    );
    rig.drain_and_check();
}

#[test]
fn error_statuses_and_malformed_answers_while_pulling_cost_nothing() {
    let rig = Rig::new();
    let status = "/api/v1/status";
    let changes = "/api/v1/changes";
    rig.case(
        "500 with a problem document",
        vec![Rule::any(
            status,
            Fault::json(500, &problem(500, "internal", "")),
        )],
        1,
        &["500"],
    );
    rig.case(
        "502 from a proxy, as HTML",
        vec![Rule::any(
            changes,
            Fault::with_headers(
                502,
                &[("content-type", "text/html")],
                "<html><body>\u{1b}]0;gateway\u{7}Bad Gateway</body></html>",
            ),
        )],
        1,
        &["502"],
    );
    rig.case(
        "503 as plain text",
        vec![Rule::any(
            status,
            Fault::with_headers(503, &[("content-type", "text/plain")], "down \u{1b}[2J"),
        )],
        1,
        &["503"],
    );
    rig.case(
        "429 with Retry-After",
        vec![Rule::any(
            status,
            Fault::with_headers(
                429,
                &[
                    ("retry-after", "30"),
                    ("content-type", "application/problem+json"),
                ],
                &problem(429, "rate_limited", r#","retry_after_s":30"#),
            ),
        )],
        1,
        &["429"],
    );
    rig.case(
        "429 without Retry-After",
        vec![Rule::any(
            changes,
            Fault::with_headers(429, &[("content-type", "text/plain")], "slow down"),
        )],
        1,
        &["429"],
    );
    rig.drain_and_check();
}

#[test]
fn malformed_or_oversized_answers_while_pulling_cost_nothing() {
    let rig = Rig::new();
    let status = "/api/v1/status";
    let changes = "/api/v1/changes";
    rig.case(
        "malformed JSON",
        vec![Rule::any(
            status,
            Fault::json(200, r#"{"mode": "open", "capa"#),
        )],
        1,
        &["bad answer"],
    );
    rig.case(
        "an unknown mode carrying an escape sequence",
        vec![Rule::any(
            status,
            Fault::json(
                200,
                r#"{"mode": "\u001b]0;pwned\u0007\u009b2J", "capabilities": []}"#,
            ),
        )],
        1,
        &["bad answer"],
    );
    rig.case(
        "wrongly typed JSON",
        vec![Rule::any(
            changes,
            Fault::json(
                200,
                r#"{"changes": "none", "next_cursor": 7, "has_more": "yes"}"#,
            ),
        )],
        1,
        &["bad answer"],
    );
    rig.case(
        "a declared oversized body",
        vec![Rule::any(
            status,
            Fault::Oversized {
                bytes: HUGE,
                declared: true,
            },
        )],
        1,
        &["larger than"],
    );
    rig.drain_and_check();
}

#[test]
fn huge_answers_are_cut_at_the_cap_and_memory_stays_bounded() {
    let rig = Rig::new();
    for (name, fault) in [
        ("gzip bomb", Fault::GzipBomb { inflated: HUGE }),
        (
            "an endless body without a length",
            Fault::Oversized {
                bytes: HUGE,
                declared: false,
            },
        ),
    ] {
        let cache_before = cache_files(&rig.client.data_dir());
        let outbox_before = outbox_bodies(&rig.client);
        rig.proxy.rule(Rule::any("/api/v1/changes", fault));
        let mut command = rig.client.command(&["sync"]);
        command.env(TIMEOUTS.0, "connect=2,read=10,total=60");
        let (out, peak_kib) = peak_memory(&command);
        rig.proxy.clear_rules();
        rig.check(
            name,
            &out,
            1,
            &["larger than"],
            &cache_before,
            &outbox_before,
        );
        assert!(
            peak_kib < MEMORY_CEILING_KIB,
            "{name}: the client grew to {peak_kib} KiB reading a {HUGE}-byte answer"
        );
    }
    rig.drain_and_check();
}

#[test]
fn a_broken_server_while_sending_keeps_every_reply_and_never_duplicates() {
    let rig = Rig::new();
    // The server stores the reply, the answer is lost: the resend (same key) is a replay.
    rig.send_case(
        "reset after the server took the reply",
        Fault::ResetAfter { bytes: 0 },
        &["paused", "waiting"],
    );
    rig.next_round();
    rig.send_case(
        "500 on send",
        Fault::json(500, &problem(500, "internal", "")),
        &["paused", "waiting"],
    );
    rig.send_case(
        "503 read-only on send",
        Fault::with_headers(
            503,
            &[
                ("content-type", "application/problem+json"),
                ("retry-after", "60"),
            ],
            &problem(503, "read_only", r#","retry_after_s":60"#),
        ),
        &["read-only", "held", "paused"],
    );
    let out = rig.send_case(
        "429 with Retry-After on send",
        Fault::with_headers(
            429,
            &[
                ("retry-after", "120"),
                ("content-type", "application/problem+json"),
            ],
            &problem(429, "rate_limited", r#","retry_after_s":120"#),
        ),
        &["waiting"],
    );
    let first = &outbox(&rig.client)[0];
    let next: jiff::Timestamp = first["next_attempt_at"].as_str().unwrap().parse().unwrap();
    assert!(
        next.duration_since(jiff::Timestamp::now()).as_secs() > 100,
        "Retry-After is honoured: {first}\n{}",
        text(&out.stdout)
    );
    rig.next_round();
    rig.send_case(
        "429 without Retry-After on send",
        Fault::with_headers(429, &[("content-type", "text/plain")], "busy"),
        &["waiting", "paused"],
    );
    rig.send_case(
        "no answer in time on send",
        Fault::Trickle {
            every: Duration::from_secs(1),
            length: 120,
        },
        &["no answer in time", "waiting"],
    );
    rig.next_round();
    rig.send_case(
        "a redirected reply",
        Fault::with_headers(307, &[("location", "http://127.0.0.1:1/steal")], ""),
        &["paused", "waiting"],
    );
    rig.drain_and_check();
}

#[test]
fn redirects_to_another_origin_are_not_followed_and_carry_no_token() {
    let rig = Rig::new();
    let elsewhere = FaultServer::start(None);
    let localhost = elsewhere.url.replace("127.0.0.1", "localhost");
    for (name, target) in [
        ("another port", format!("{}/api/v1/status", elsewhere.url)),
        ("another host name", format!("{localhost}/api/v1/status")),
        (
            "https elsewhere",
            "https://127.0.0.1:1/api/v1/status".to_owned(),
        ),
    ] {
        rig.case(
            &format!("redirect to {name}"),
            vec![Rule::any("/api/v1/", Fault::redirect(&target))],
            1,
            &["redirect"],
        );
    }
    // Writes too: a redirected reply must not take the token (or the reply) anywhere.
    rig.send_case(
        "redirect of a reply",
        Fault::with_headers(
            307,
            &[("location", &format!("{}/steal", elsewhere.url))],
            "",
        ),
        &["paused", "waiting"],
    );
    let received = elsewhere.requests();
    assert!(
        received.is_empty(),
        "the other origin received: {:?}",
        received
            .iter()
            .map(|r| format!("{} {} [{}]", r.method, r.target, r.headers))
            .collect::<Vec<_>>()
    );
    for request in rig.proxy.requests() {
        if let Some(auth) = request.header("authorization") {
            assert_eq!(auth, format!("Bearer {}", rig.token));
        }
        let body = String::from_utf8_lossy(&request.body);
        assert!(!body.contains(&rig.token), "a body carried the token");
    }
    rig.drain_and_check();
}

#[test]
fn plain_http_to_another_machine_is_refused_before_any_connection() {
    let rig = Rig::new();
    let recorder = FaultServer::start(None);
    let port = recorder.addr.port();
    // 0.0.0.0 and a mapped IPv6 address are not loopback by name, yet reach this machine:
    // a client that sent anything would be seen by the recorder.
    for url in [
        format!("http://0.0.0.0:{port}"),
        format!("http://[::ffff:127.0.0.1]:{port}"),
    ] {
        let out = client_run(&rig.client, &["account", "add", "far", "--url", &url], &[]);
        assert_eq!(out.status.code(), Some(1), "account add {url}");
        assert!(text(&out.stderr).contains("https"), "{}", text(&out.stderr));
        set_url(&rig.client, &url);
        rig.case(
            &format!("plain http to {url}"),
            vec![],
            1,
            &["plain http", "https"],
        );
    }
    set_url(&rig.client, &rig.proxy.url);
    assert!(recorder.requests().is_empty(), "nothing was sent");
    rig.drain_and_check();
}

#[test]
fn an_unreadable_timeout_setting_is_reported_not_ignored() {
    let rig = Rig::new();
    let sent_before = rig.proxy.requests().len();
    let mut command = rig.client.command(&["sync"]);
    command.env(TIMEOUTS.0, "total=soon");
    let out = run_bounded(command, Duration::from_secs(60));
    assert_tidy(&out, "bad timeouts");
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("THREADMARK_TIMEOUTS"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(rig.proxy.requests().len(), sent_before, "nothing was sent");
}
