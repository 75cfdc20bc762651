//! Start → first full frame with three accounts in one reader: the real binary in a
//! pseudo-terminal, offline, on three copies of a generated cache (10k posts each by
//! default; `THREADMARK_BENCH_ACCOUNT_POSTS=100000` for the three of 100k). The
//! frame counts as full when the focused account's unread count is on the status line and
//! every account's row is in the tree.

use crate::binary::Session;
use crate::fixtures::{self, ACCOUNT, Fixture};
use crate::samples::{Samples, ms, report};
use std::fs;
use std::path::Path;
use std::time::{Duration, Instant};

/// The accounts' names, in the config's (and the tree's) order.
const NAMES: [&str; 3] = ["first", "second", "third"];

/// Copies the folder `from` to `to`, recursively.
fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// Three accounts, each a copy of the `posts`-post fixture's cache, in a data directory
/// of their own (written once, kept beside the fixtures).
fn three_accounts(posts: usize) -> Fixture {
    let single = fixtures::client_cache(posts);
    let dir = fixtures::root().join(format!("three-accounts-posts{posts}"));
    let data = dir.join("data");
    let config = dir.join("config.toml");
    let ready = dir.join("ready");
    if !ready.exists() {
        let _ = fs::remove_dir_all(&dir);
        let source = single.data.join("accounts").join(ACCOUNT);
        for name in NAMES {
            copy_dir(&source, &data.join("accounts").join(name));
        }
        let toml = NAMES.iter().fold(String::new(), |mut toml, name| {
            use std::fmt::Write as _;
            let _ = write!(
                toml,
                "[[accounts]]\nname = \"{name}\"\nurl = \"http://127.0.0.1:9\"\n"
            );
            toml
        });
        fs::write(&config, toml).unwrap();
        fs::write(&ready, b"").unwrap();
    }
    Fixture {
        forum: single.forum,
        data,
        config,
    }
}

/// The UI state the reader wrote on the way out, removed: every start is alike. The read
/// state stays, as a user's does: the reader writes it on the way out and the tree index
/// follows it, so a start finds the index current (removing `read.json` would leave the
/// index out of step at every start, a case a user meets once, after an upgrade).
fn pristine(fixture: &Fixture) {
    let data = threadmark::store::DataDir::new(&fixture.data);
    for name in NAMES {
        let _ = fs::remove_file(data.account(name).ui_state());
    }
}

pub fn start_to_first_frame() {
    let posts = std::env::var("THREADMARK_BENCH_ACCOUNT_POSTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let fixture = three_accounts(posts);
    let unread = format!("{posts} unread");
    let mut samples = Samples::default();
    // One start first, not counted: it brings the tree index in step with the read state
    // (and the page cache warm), as any earlier run of the reader has.
    for round in 0..12 {
        pristine(&fixture);
        let started = Instant::now();
        let session = Session::start_with(&fixture.data, &fixture.config);
        session.wait_until("three accounts and the unread count", |screen| {
            let text = screen.contents();
            text.matches("Synthetic Forum").count() >= NAMES.len()
                && text.lines().last().is_some_and(|l| l.contains(&unread))
        });
        if round > 0 {
            samples.push(started.elapsed());
        }
        session.quit(&fixture);
    }
    pristine(&fixture);
    let median = samples.percentile(50);
    println!(
        "real binary in a pty, three accounts of {posts} posts, start → first full frame: median {} over {} starts",
        ms(median),
        samples.len()
    );
    report(
        &format!("real binary, three accounts of {posts} posts, start → first frame (median)"),
        &ms(median),
        "< 100 ms",
        median < Duration::from_millis(100),
    );
}
