//! The wall clock jumps: a 429 answered while the clock ran a year ahead, then the clock
//! set right. The retry waits what the server said on the monotonic clock, not a year; a
//! retry time a year ahead read back from disk is brought within the 5-minute bound (on
//! disk too); and replies go out in the order they were written, not in the order of
//! their time-based keys. The real server in process, behind a fault-injecting proxy.

use crate::faulty::{Fault, FaultServer, Rule};
use crate::props::short_timeouts;
use jiff::{SignedDuration, Timestamp};
use serde_json::Value;
use std::time::Duration;
use threadmark::model::{OutboxEntry, OutboxState, Target, ThreadId};
use threadmark::remote::{HttpClient, NativeBackend};
use threadmark::store::{DataDir, Outbox, Secret};
use threadmark::sync::flush::{FlushReport, Urgency, flush};
use threadmark::sync::{MAX_RETRY_WAIT, Pacing};

const POSTS: &str = "/api/v1/threads/advocacy-1/posts";

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

fn reply(body: &str) -> OutboxEntry {
    OutboxEntry::new(
        Target::Reply {
            thread: ThreadId::new("advocacy-1"),
            reply_to: None,
        },
        body.to_owned(),
        Timestamp::now(),
    )
}

/// A year from now: where a clock that ran ahead put things.
fn a_year_ahead() -> Timestamp {
    Timestamp::now() + SignedDuration::from_hours(24 * 365)
}

struct Rig {
    rt: tokio::runtime::Runtime,
    server: threadmark::server::RunningServer,
    proxy: FaultServer,
    _store: tempfile::TempDir,
    _data: tempfile::TempDir,
    outbox: Outbox,
    backend: NativeBackend,
}

impl Rig {
    fn new() -> Self {
        let rt = runtime();
        let store = tempfile::tempdir().unwrap();
        let mut config = threadmark::server::ServerConfig::new(store.path());
        config.demo = true;
        config.limits.writes_per_minute = 0;
        let server = rt.block_on(threadmark::server::start(config)).unwrap();
        let proxy = FaultServer::start(Some(&format!("http://{}", server.addr)));
        let data = tempfile::tempdir().unwrap();
        let account = DataDir::new(data.path()).account("work");
        let http = HttpClient::new(&proxy.url, short_timeouts()).unwrap();
        let token = server.token("member").unwrap().to_owned();
        Self {
            rt,
            server,
            proxy,
            _store: store,
            _data: data,
            outbox: Outbox::open(&account),
            backend: NativeBackend::new(http, Some(Secret::new(token))),
        }
    }

    fn flush(&mut self, pacing: &mut Pacing, now: Timestamp) -> FlushReport {
        self.rt
            .block_on(flush(
                &mut self.backend,
                &self.outbox,
                pacing,
                now,
                Urgency::Scheduled,
            ))
            .unwrap()
    }

    /// The bodies of the thread's posts, in `seq` order.
    fn bodies_on_server(&self) -> Vec<String> {
        let url = format!("{}/threads/advocacy-1/posts?limit=1000", self.server.url());
        let page: Value = self
            .rt
            .block_on(async { reqwest::get(url).await.unwrap().json().await.unwrap() });
        page["posts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["body"].as_str().unwrap().to_owned())
            .collect()
    }
}

#[test]
fn a_429_taken_while_the_clock_ran_ahead_waits_what_the_server_said() {
    let mut rig = Rig::new();
    let entry = reply("Written while the clock ran ahead");
    rig.outbox.enqueue(&entry).unwrap();
    rig.proxy.rule(
        Rule::method(
            "POST",
            POSTS,
            Fault::with_headers(
                429,
                &[
                    ("content-type", "application/problem+json"),
                    ("retry-after", "2"),
                ],
                r#"{"type":"urn:threadmark:problem:rate_limited","title":"Too many requests","status":429,"code":"rate_limited"}"#,
            ),
        )
        .times(1),
    );
    let mut pacing = Pacing::default();
    let refused = rig.flush(&mut pacing, a_year_ahead());
    assert_eq!(refused.waiting, 1);
    assert!(refused.retry_in.unwrap() <= Duration::from_secs(2));
    let on_disk = rig.outbox.list().unwrap().0[0].clone();
    assert!(on_disk.next_attempt_at.unwrap() > a_year_ahead() - SignedDuration::from_hours(1));

    // The clock is set right. Two seconds later (by the monotonic clock) it goes.
    std::thread::sleep(Duration::from_millis(2100));
    let sent = rig.flush(&mut pacing, Timestamp::now());
    assert_eq!(sent.sent, 1, "{sent:?}");
    assert!(rig.bodies_on_server().contains(&entry.body));
}

#[test]
fn a_retry_time_far_ahead_read_from_disk_is_bounded_on_disk_too() {
    let mut rig = Rig::new();
    let entry = reply("Waiting on a clock that will not come");
    rig.outbox.enqueue(&entry).unwrap();
    let mut stuck = rig.outbox.list().unwrap().0[0].clone();
    stuck.next_attempt_at = Some(a_year_ahead());
    stuck.server_wait = true;
    stuck.attempts = 1;
    rig.outbox.update(&stuck).unwrap();

    // A fresh process (nothing in memory) with the clock right.
    let now = Timestamp::now();
    let report = rig.flush(&mut Pacing::default(), now);
    assert_eq!(report.waiting, 1);
    assert!(report.retry_in.unwrap() <= MAX_RETRY_WAIT);
    let bound = now + SignedDuration::try_from(MAX_RETRY_WAIT).unwrap();
    let on_disk = rig.outbox.list().unwrap().0[0].next_attempt_at.unwrap();
    assert!(on_disk <= bound, "{on_disk} is past {bound}");

    // Once the bound has passed, it goes (a later start: the clock is injected).
    let later = bound + SignedDuration::from_secs(1);
    let report = rig.flush(&mut Pacing::default(), later);
    assert_eq!(report.sent, 1, "{report:?}");
    assert!(rig.bodies_on_server().contains(&entry.body));
}

/// An entry whose idempotency key carries the time `at` (`UUIDv7`), as made by a clock
/// showing `at`.
fn reply_made_at(body: &str, at: Timestamp) -> OutboxEntry {
    let mut entry = reply(body);
    let seconds = u64::try_from(at.as_second()).unwrap();
    let ts = uuid::Timestamp::from_unix(uuid::NoContext, seconds, 0);
    entry.key = uuid::Uuid::new_v7(ts).to_string();
    entry
}

#[test]
fn replies_go_out_in_the_order_written_whatever_the_clock_said() {
    let mut rig = Rig::new();
    // Written first while the clock ran a year ahead, then after it was set right: the
    // second one's key sorts first.
    let first = reply_made_at("First, written while the clock ran ahead", a_year_ahead());
    let second = reply_made_at(
        "Second, written after the clock was set right",
        Timestamp::now(),
    );
    assert!(second.key < first.key);
    rig.outbox.enqueue(&first).unwrap();
    rig.outbox.enqueue(&second).unwrap();
    let listed: Vec<String> = rig
        .outbox
        .list()
        .unwrap()
        .0
        .into_iter()
        .map(|e| e.body)
        .collect();
    assert_eq!(listed, [first.body.clone(), second.body.clone()]);

    let report = rig.flush(&mut Pacing::default(), Timestamp::now());
    assert_eq!(report.sent, 2, "{report:?}");
    let bodies = rig.bodies_on_server();
    let at = |body: &str| bodies.iter().position(|b| b == body).unwrap();
    assert!(at(&first.body) < at(&second.body), "{bodies:?}");
    // Each was updated (sent): each kept its place.
    let entries = rig.outbox.list().unwrap().0;
    assert!(
        entries
            .iter()
            .all(|e| matches!(e.state, OutboxState::Sent { .. }))
    );
    let listed: Vec<String> = entries.into_iter().map(|e| e.body).collect();
    assert_eq!(listed, [first.body, second.body]);
}
