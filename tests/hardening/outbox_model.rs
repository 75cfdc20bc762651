//! The outbox state machine against a reference model: compose, send into scripted server
//! errors, crash mid-attempt, restart — with the real `Outbox`, the real `sync::flush`, the
//! real API v1 backend and the real server (in process) behind the fault server. After
//! every step each reply is in the outbox exactly once, in the state the model predicts,
//! and the server holds exactly the replies the model says, once each; healed, every reply
//! not refused for good is on the server once, in the order written.

use crate::common::count;
use crate::faulty::{Fault, FaultServer, Rule};
use crate::props::{config, short_timeouts};
use proptest::prelude::*;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;
use threadmark::model::{OutboxEntry, OutboxState, Target, ThreadId};
use threadmark::remote::{HttpClient, NativeBackend};
use threadmark::store::{DataDir, Outbox, Secret};
use threadmark::sync::Pacing;
use threadmark::sync::flush::{Urgency, flush};

/// What the server does with the next reply sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Answer {
    Takes,
    TakesButTheAnswerIsLost,
    Fails500,
    ReadOnly503,
    RateLimited429,
    Rejects422,
    RefusesCredentials401,
}

#[derive(Clone, Debug)]
enum Op {
    Compose,
    Flush(Answer),
    /// The client dies mid-attempt, before (`false`) or after the server took the reply.
    Crash {
        after_server_took_it: bool,
    },
    Restart,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => Just(Op::Compose),
        5 => prop::sample::select(vec![
            Answer::Takes, Answer::Takes, Answer::TakesButTheAnswerIsLost, Answer::Fails500,
            Answer::ReadOnly503, Answer::RateLimited429, Answer::Rejects422,
            Answer::RefusesCredentials401,
        ]).prop_map(Op::Flush),
        1 => any::<bool>().prop_map(|after_server_took_it| Op::Crash { after_server_took_it }),
        1 => Just(Op::Restart),
    ]
}

/// Where the model says an entry is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Expect {
    Pending,
    Sent,
    Failed,
}

/// The reference model: every composed entry in order, what it should be, and which
/// replies the server should hold.
#[derive(Default, Debug)]
struct Model {
    entries: Vec<(String, Expect)>,
    on_server: BTreeSet<String>,
}

impl Model {
    /// One flush where the first reply sent meets `answer` and later ones are taken.
    fn flush(&mut self, answer: Answer) {
        let mut first = true;
        for (key, expect) in &mut self.entries {
            if *expect != Expect::Pending {
                continue;
            }
            let now = if first { answer } else { Answer::Takes };
            first = false;
            match now {
                Answer::Takes => {
                    self.on_server.insert(key.clone());
                    *expect = Expect::Sent;
                }
                Answer::Rejects422 => *expect = Expect::Failed,
                Answer::TakesButTheAnswerIsLost => {
                    self.on_server.insert(key.clone());
                    return;
                }
                Answer::Fails500
                | Answer::ReadOnly503
                | Answer::RateLimited429
                | Answer::RefusesCredentials401 => return,
            }
        }
    }

    fn crash(&mut self, after_server_took_it: bool) {
        if let Some((key, _)) = self.entries.iter().find(|(_, e)| *e == Expect::Pending)
            && after_server_took_it
        {
            self.on_server.insert(key.clone());
        }
    }
}

fn fault_for(answer: Answer) -> Option<Fault> {
    let problem = |status: u16, code: &str| {
        Fault::with_headers(
            status,
            &[
                ("content-type", "application/problem+json"),
                ("retry-after", "1"),
            ],
            &format!(
                r#"{{"type":"urn:x","title":"{code}","status":{status},"code":"{code}","retry_after_s":1}}"#
            ),
        )
    };
    match answer {
        Answer::Takes => None,
        Answer::TakesButTheAnswerIsLost => Some(Fault::ResetAfter { bytes: 0 }),
        Answer::Fails500 => Some(problem(500, "internal")),
        Answer::ReadOnly503 => Some(problem(503, "read_only")),
        Answer::RateLimited429 => Some(problem(429, "rate_limited")),
        Answer::Rejects422 => Some(problem(422, "validation_failed")),
        Answer::RefusesCredentials401 => Some(problem(401, "unauthorized")),
    }
}

/// The client side: the real outbox, backend and pacing, rebuilt on restart.
struct Device {
    account: threadmark::store::AccountDir,
    outbox: Outbox,
    backend: NativeBackend,
    pacing: Pacing,
    url: String,
    token: String,
}

impl Device {
    fn new(account: threadmark::store::AccountDir, url: &str, token: &str) -> Self {
        let http = HttpClient::new(url, short_timeouts()).unwrap();
        Self {
            outbox: Outbox::open(&account),
            backend: NativeBackend::new(http, Some(Secret::new(token))),
            pacing: Pacing::default(),
            account,
            url: url.to_owned(),
            token: token.to_owned(),
        }
    }

    fn restart(&mut self) {
        *self = Self::new(self.account.clone(), &self.url, &self.token);
    }
}

/// The time each flush runs at: an hour after the one before, so every backoff and
/// `Retry-After` has passed — the model decides what is sent, not the wall clock.
struct Clock {
    start: jiff::Timestamp,
    hours: i64,
}

impl Clock {
    fn new() -> Self {
        Self {
            start: jiff::Timestamp::now(),
            hours: 0,
        }
    }

    fn next(&mut self) -> jiff::Timestamp {
        self.hours += 1;
        self.start + jiff::SignedDuration::from_hours(self.hours)
    }
}

/// Our replies on the server: key → how many posts carry it, and keys in `seq` order.
async fn server_replies(url: &str, token: &str) -> (BTreeMap<String, usize>, Vec<String>) {
    let page: Value = reqwest::Client::new()
        .get(format!("{url}/api/v1/threads/advocacy-1/posts?limit=1000"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut counts = BTreeMap::new();
    let mut order = Vec::new();
    for post in page["posts"].as_array().unwrap() {
        if let Some(key) = post["client_key"].as_str() {
            *counts.entry(key.to_owned()).or_insert(0) += 1;
            order.push(key.to_owned());
        }
    }
    (counts, order)
}

fn check(
    model: &Model,
    device: &Device,
    on_server: &BTreeMap<String, usize>,
) -> Result<(), TestCaseError> {
    let (live, unreadable) = device.outbox.list().unwrap();
    prop_assert!(unreadable.is_empty(), "{unreadable:?}");
    let done = device.outbox.done().unwrap().0;
    for (key, expect) in &model.entries {
        let found: Vec<&OutboxEntry> = live.iter().chain(&done).filter(|e| &e.key == key).collect();
        prop_assert_eq!(found.len(), 1, "{} is in the outbox exactly once", key);
        let state = &found[0].state;
        let actual = match state {
            s if s.is_pending() => Expect::Pending,
            OutboxState::Sent { .. } | OutboxState::Done { .. } => Expect::Sent,
            OutboxState::Failed => Expect::Failed,
            other => return Err(TestCaseError::fail(format!("{key}: unexpected {other:?}"))),
        };
        prop_assert_eq!(actual, *expect, "{}: {:?}", key, state);
    }
    for (key, n) in on_server {
        prop_assert_eq!(*n, 1, "{} is on the server {} times", key, n);
    }
    let held: BTreeSet<String> = on_server.keys().cloned().collect();
    prop_assert_eq!(&held, &model.on_server, "what the server holds");
    Ok(())
}

proptest! {
    #![proptest_config(config(count(16, 128)))]

    #[test]
    fn the_outbox_matches_its_model_through_errors_crashes_and_restarts(
        ops in prop::collection::vec(op(), 1..14),
    ) {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let store = tempfile::tempdir().unwrap();
        let mut server_config = threadmark::server::ServerConfig::new(store.path());
        server_config.demo = true;
        server_config.limits.writes_per_minute = 0;
        let server = rt.block_on(threadmark::server::start(server_config)).unwrap();
        let token = server.token("member").unwrap().to_owned();
        let upstream = format!("http://{}", server.addr);
        let proxy = FaultServer::start(Some(&upstream));
        let data = tempfile::tempdir().unwrap();
        let mut device = Device::new(DataDir::new(data.path()).account("work"), &proxy.url, &token);
        let mut model = Model::default();
        let mut clock = Clock::new();
        let posts = "/api/v1/threads/advocacy-1/posts";

        for (i, op) in ops.iter().enumerate() {
            match op {
                Op::Compose => {
                    let entry = OutboxEntry::new(
                        Target::Reply { thread: ThreadId::new("advocacy-1"), reply_to: None },
                        format!("Modelled reply {i}"),
                        jiff::Timestamp::now(),
                    );
                    device.outbox.enqueue(&entry).unwrap();
                    model.entries.push((entry.key, Expect::Pending));
                }
                Op::Flush(answer) => {
                    if let Some(fault) = fault_for(*answer) {
                        proxy.rule(Rule::method("POST", posts, fault).times(1));
                    }
                    rt.block_on(flush(&mut device.backend, &device.outbox, &mut device.pacing, clock.next(), Urgency::Scheduled)).unwrap();
                    proxy.clear_rules();
                    model.flush(*answer);
                    // A refusal of credentials waits for a new login: the next run.
                    if *answer == Answer::RefusesCredentials401 || *answer == Answer::ReadOnly503 {
                        device.restart();
                    }
                }
                Op::Crash { after_server_took_it } => {
                    let fault = if *after_server_took_it {
                        Fault::ForwardThenStall { silence: Duration::from_secs(3) }
                    } else {
                        Fault::Trickle { every: Duration::from_millis(500), length: 6 }
                    };
                    proxy.rule(Rule::method("POST", posts, fault).times(1));
                    let attempt = flush(&mut device.backend, &device.outbox, &mut device.pacing, clock.next(), Urgency::Scheduled);
                    // The process dies while the request is out: the future is dropped.
                    let cut = rt.block_on(async {
                        tokio::time::timeout(Duration::from_millis(800), attempt).await
                    });
                    proxy.clear_rules();
                    if cut.is_ok() {
                        // Nothing was pending: nothing was sent, nothing to crash.
                    } else {
                        model.crash(*after_server_took_it);
                    }
                    device.restart();
                }
                Op::Restart => device.restart(),
            }
            let (on_server, _) = rt.block_on(server_replies(&upstream, &token));
            check(&model, &device, &on_server)?;
        }

        // Healed: everything not refused for good goes out, once each, in order.
        device.restart();
        for _ in 0..4 {
            rt.block_on(flush(&mut device.backend, &device.outbox, &mut device.pacing, clock.next(), Urgency::Scheduled)).unwrap();
        }
        model.flush(Answer::Takes);
        let (on_server, order) = rt.block_on(server_replies(&upstream, &token));
        check(&model, &device, &on_server)?;
        let expected: Vec<String> = model
            .entries
            .iter()
            .filter(|(k, _)| model.on_server.contains(k))
            .map(|(k, _)| k.clone())
            .collect();
        prop_assert_eq!(order, expected, "sent once each, in the order written");
        drop(proxy);
        rt.block_on(server.shutdown()).unwrap();
    }
}
