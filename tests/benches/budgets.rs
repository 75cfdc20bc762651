//! The performance budgets (README "Performance"), measured on generated forums of 1k, 10k
//! and 100k posts: start to first frame, key press to frame, opening a long thread, local
//! search, a saved-search folder's count, a 1 MiB post, an outbox enqueue, sync ingest from a loopback server, the
//! reader's peak memory, and the server's write rate and long-poll wake-up on `SQLite` and
//! on one PostgreSQL with one and three processes; and the requests a Discourse first sync
//! and a quiet catch-up round cost on a User API key's budget; 50 `[[rules]]` at start
//! against none. `scale` runs the real
//! binary on 1k posts and on a large forum — 100k posts, or `THREADMARK_BENCH_POSTS`
//! (`1000000` for a million in 50,000 threads): start, `tree`, `search`, peak memory and
//! the data directory's size against the post text.
//!
//! `accounts` starts the real binary on three accounts at once.
//!
//! `live` measures only a new post arriving in the open long thread → frame, in process,
//! on 100k posts or `THREADMARK_BENCH_POSTS` (`cargo bench --bench budgets -- live`;
//! `THREADMARK_BENCH_POSTS=1000000` for a million).
//!
//! `cargo bench --bench budgets` runs them all; a filter (`cargo bench --bench budgets --
//! search`) runs the matching ones. Criterion prints means; the percentiles and the
//! ratios the budgets name are printed as `budget:` lines.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../support/mod.rs"]
mod support;
use support::{generator, postgres, serve};

mod accounts;
mod binary;
mod discourse;
mod fixtures;
mod folders;
mod ingest;
mod keys;
mod live;
mod reading;
mod rules;
mod samples;
mod servers;
mod startup;
mod writing;

use criterion::Criterion;

fn main() {
    let mut c = Criterion::default().configure_from_args();
    let filter = samples::Filter::from_args();
    if filter.wants("start") {
        startup::bench(&mut c);
        binary::start_to_first_frame();
    }
    if filter.wants("accounts") {
        accounts::start_to_first_frame();
    }
    if filter.wants("rules") {
        rules::bench();
    }
    if filter.wants("keys") || filter.wants("open") {
        reading::bench(&mut c, &filter);
    }
    if filter.wants("search") || filter.wants("render") || filter.wants("outbox") {
        writing::bench(&mut c, &filter);
    }
    if filter.wants("folders") {
        folders::bench(&mut c);
    }
    if filter.wants("ingest") {
        ingest::bench(&mut c);
    }
    if filter.wants("memory") {
        binary::peak_memory();
    }
    if filter.wants("scale") {
        binary::scale(&filter);
    }
    if filter.wants("live") {
        let posts = std::env::var("THREADMARK_BENCH_POSTS")
            .ok()
            .and_then(|v| v.replace('_', "").parse().ok())
            .unwrap_or(100_000);
        live::new_post_to_frame(&fixtures::client_cache(posts));
    }
    if filter.wants("servers") {
        servers::bench();
    }
    if filter.wants("discourse") {
        discourse::bench(&mut c);
    }
    c.final_summary();
}
