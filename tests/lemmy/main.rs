//! The Lemmy backend against a stand-in Lemmy on 127.0.0.1 behaving like Lemmy 0.19
//! (API v3) and Lemmy 1.0 (API v4): version detection, the tree, posts and comment trees
//! from `path`, paging, deep branches, tombstones, read marks both ways, rate limits,
//! expired tokens, writes and the own-comment lookup; then the real binary (login, sync,
//! `tree`, `read`, an offline reply sent exactly once after a swallowed answer, read
//! marks, the hostile corpus).
#![allow(clippy::unwrap_used)]

#[path = "../support/mod.rs"]
mod support;
use support::lemmy;

mod backend_pull;
mod cli;
mod detect;
mod inbox;
mod instance;
mod limits;
mod read_marks;
mod writes;

use lemmy::standin::{StandIn, World};
use lemmy::world::{Api, Instance};
use std::future::Future;
use std::time::Duration;
use threadmark::config::Prefetch;
use threadmark::model::{Limit, OutboxEntry, Post, PostId, Target, ThreadId, ThreadSummary};
use threadmark::remote::lemmy::{LemmyBackend, LemmySettings};
use threadmark::remote::{Backend, Cursor, PullBatch, RemoteError, Timeouts};
use threadmark::store::Secret;

pub const BOTH: [Api; 2] = [Api::V3, Api::V4];

/// Every test body runs under this bound.
pub async fn bounded<F: Future>(f: F) -> F::Output {
    tokio::time::timeout(Duration::from_secs(120), f)
        .await
        .expect("the test did not finish in time")
}

/// A stand-in serving `instance` as `api`; returns it with a valid token for alice.
pub async fn standin(api: Api, instance: Instance) -> (StandIn, String) {
    let mut world = World::new(api, instance);
    let alice = world.instance.person_named("alice").map(|p| p.id);
    let token = alice.map(|a| world.issue_token(a)).unwrap_or_default();
    (StandIn::start(world).await, token)
}

pub fn settings() -> LemmySettings {
    LemmySettings {
        top_communities: 20,
        prefetch: Prefetch::Watched,
        horizon: jiff::SignedDuration::from_hours(24 * 14),
        budget: Some(Limit::per_minute(100_000)),
        read_sync: true,
    }
}

pub fn backend(server: &StandIn, token: Option<&str>, settings: LemmySettings) -> LemmyBackend {
    LemmyBackend::new(
        &server.url,
        token.map(Secret::new).as_ref(),
        settings,
        Timeouts::default(),
    )
    .unwrap()
}

/// Everything one full round delivered.
#[derive(Debug, Default)]
pub struct Synced {
    pub batches: Vec<PullBatch>,
    pub cursor: Option<Cursor>,
}

impl Synced {
    pub fn threads(&self) -> Vec<&ThreadSummary> {
        self.batches.iter().flat_map(|b| &b.threads).collect()
    }

    pub fn thread_titled(&self, title: &str) -> Option<&ThreadSummary> {
        self.threads()
            .into_iter()
            .rev()
            .find(|t| &*t.title == title)
    }

    /// The latest version of each post of `thread`, in `seq` order.
    pub fn posts(&self, thread: &ThreadId) -> Vec<Post> {
        let mut latest: std::collections::BTreeMap<String, Post> =
            std::collections::BTreeMap::new();
        for post in self.batches.iter().flat_map(|b| &b.posts) {
            if &post.thread == thread {
                latest.insert(post.id.to_string(), post.clone());
            }
        }
        let mut posts: Vec<Post> = latest.into_values().collect();
        posts.sort_by_key(|p| p.seq);
        posts
    }

    pub fn forum(&self) -> Option<&threadmark::model::Forum> {
        self.batches.iter().rev().find_map(|b| b.forum.as_ref())
    }

    pub fn read_through(&self) -> Vec<(ThreadId, u32)> {
        self.batches
            .iter()
            .flat_map(|b| b.read_through.clone())
            .collect()
    }
}

/// Pulls until the round completes, honouring pauses (each bounded).
pub async fn sync(
    backend: &mut LemmyBackend,
    cursor: Option<&Cursor>,
    focus: Option<&ThreadId>,
) -> Synced {
    let mut synced = Synced {
        cursor: cursor.cloned(),
        ..Synced::default()
    };
    for _ in 0..1000 {
        let batch = backend.pull(synced.cursor.as_ref(), focus).await.unwrap();
        synced.cursor = Some(batch.cursor.clone());
        let (complete, pause) = (batch.complete, batch.pause);
        synced.batches.push(batch);
        if complete {
            return synced;
        }
        if let Some(pause) = pause {
            assert!(pause <= Duration::from_secs(5), "pause {pause:?}");
            tokio::time::sleep(pause).await;
        }
    }
    panic!("the pull never completed");
}

pub fn reply(thread: &ThreadId, reply_to: Option<PostId>, body: &str) -> OutboxEntry {
    let mut entry = OutboxEntry::new(
        Target::Reply {
            thread: thread.clone(),
            reply_to,
        },
        body.to_owned(),
        jiff::Timestamp::now(),
    );
    entry.first_attempt_at = Some(jiff::Timestamp::now());
    entry
}

/// The error's shared code, for assertions.
pub fn code(e: &RemoteError) -> Option<&str> {
    match e {
        RemoteError::Status { code, .. } => code.as_deref(),
        _ => None,
    }
}
