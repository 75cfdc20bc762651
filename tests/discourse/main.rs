//! The Discourse backend driven directly against a stand-in Discourse on 127.0.0.1:
//! tree, paging, long topics, the quirky fixtures, auth, writes, read-only mode, rate
//! limits and error pages.
#![allow(clippy::unwrap_used)]

#[path = "../support/mod.rs"]
mod support;

mod auth;
mod budget;
mod catch_up;
mod changes;
mod cli;
mod edits_by_others;
mod first_posts;
mod first_sync;
mod fixtures;
mod inbox;
mod limits;
mod messages;
mod pictures;
mod places;
mod pull;
mod reader;
mod reading;
mod refusals;
mod removals;
mod revisions;
mod states;
mod two_accounts;
mod writes;

use std::future::Future;
use std::time::Duration;
use support::discourse_forum::Forum;
use support::discourse_standin::{StandIn, World};
use threadmark::config::Prefetch;
use threadmark::model::{Limit, Limits};
use threadmark::model::{OutboxEntry, Post, PostId, Target, ThreadId, ThreadSummary};
use threadmark::remote::discourse::{DiscourseBackend, DiscourseSettings, PrefetchSettings};
use threadmark::remote::{Backend, Cursor, PullBatch, RemoteError};
use threadmark::store::{Credential, Secret};

/// Every test body runs under this bound.
pub async fn bounded<F: Future>(f: F) -> F::Output {
    tokio::time::timeout(Duration::from_secs(90), f)
        .await
        .expect("the test did not finish in time")
}

/// A budget that never gets in the way, and every topic downloaded in full (the tests
/// using it are about reading, not about what is prefetched).
pub fn roomy() -> DiscourseSettings {
    DiscourseSettings {
        limits: Some(Limits::new([Limit::per_minute(100_000)])),
        prefetch: Some(prefetch(Prefetch::All)),
        ..DiscourseSettings::default()
    }
}

/// A prefetch policy with the default numbers.
pub fn prefetch(policy: Prefetch) -> PrefetchSettings {
    PrefetchSettings {
        policy,
        ..PrefetchSettings::default_for(true)
    }
}

pub const USER_KEY: &str = "d1a2b3c4e5f60718293a4b5c6d7e8f90";
pub const CLIENT_ID: &str = "threadmark-test-device";
pub const ADMIN_KEY: &str = "adminkey0123456789";

pub fn user_key() -> Credential {
    Credential::DiscourseUserApiKey {
        key: Secret::new(USER_KEY),
        client_id: CLIENT_ID.to_owned(),
    }
}

pub fn admin_key(username: &str) -> Credential {
    Credential::DiscourseApiKey {
        key: Secret::new(ADMIN_KEY),
        username: username.to_owned(),
    }
}

/// A stand-in serving `forum`, knowing the test keys (the user key belongs to bob).
pub async fn standin(forum: Forum) -> StandIn {
    let mut world = World::new(forum);
    world
        .user_api_keys
        .insert(USER_KEY.to_owned(), "bob".to_owned());
    world.admin_api_keys.push(ADMIN_KEY.to_owned());
    StandIn::start(world).await
}

pub fn backend(
    server: &StandIn,
    credential: Option<Credential>,
    settings: DiscourseSettings,
) -> DiscourseBackend {
    DiscourseBackend::new(&server.url, credential, settings).unwrap()
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

    pub fn thread(&self, id: &str) -> Option<&ThreadSummary> {
        self.threads()
            .into_iter()
            .rev()
            .find(|t| t.id.as_str() == id)
    }

    /// The latest version of each post of `thread`, in `seq` order.
    pub fn posts(&self, thread: &str) -> Vec<Post> {
        let mut latest: std::collections::BTreeMap<String, Post> =
            std::collections::BTreeMap::new();
        for post in self.batches.iter().flat_map(|b| &b.posts) {
            if post.thread.as_str() == thread {
                latest.insert(post.id.to_string(), post.clone());
            }
        }
        let mut posts: Vec<Post> = latest.into_values().collect();
        posts.sort_by_key(|p| p.seq);
        posts
    }

    pub fn delivered_posts(&self) -> usize {
        self.batches.iter().map(|b| b.posts.len()).sum()
    }
}

/// Pulls until the round completes, honouring pauses (each bounded).
pub async fn sync(
    backend: &mut DiscourseBackend,
    cursor: Option<&Cursor>,
    focus: Option<&str>,
) -> Synced {
    let focus = focus.map(ThreadId::new);
    let mut synced = Synced {
        cursor: cursor.cloned(),
        ..Synced::default()
    };
    for _ in 0..500 {
        let batch = backend
            .pull(synced.cursor.as_ref(), focus.as_ref())
            .await
            .unwrap();
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

pub fn reply(thread: &str, reply_to: Option<&str>, body: &str) -> OutboxEntry {
    let mut entry = OutboxEntry::new(
        Target::Reply {
            thread: ThreadId::new(thread),
            reply_to: reply_to.map(PostId::new),
        },
        body.to_owned(),
        jiff::Timestamp::now(),
    );
    entry.first_attempt_at = Some(jiff::Timestamp::now());
    entry
}

/// The error's normalized code, for assertions.
pub fn code(e: &RemoteError) -> Option<&str> {
    match e {
        RemoteError::Status { code, .. } => code.as_deref(),
        _ => None,
    }
}
