//! Fail points between the steps of every durable write — write, fsync, rename, directory
//! fsync — in the store and in the outbox's enqueue and moves. At each one an I/O error
//! (`return`) or a crash (`panic`, which skips every clean-up after it) must leave the old
//! state or the new one: never a broken file, a lost outbox entry, or an entry in two
//! places. "Restart" means opening the data directory afresh, as the next run would.
//!
//! Needs the fail points compiled in: `cargo test --features failpoints --test failpoints`.
#![allow(clippy::unwrap_used)]

mod support;

use fail::FailScenario;
use jiff::Timestamp;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use threadmark::model::{Draft, OutboxEntry, OutboxState, PostId, ReadState, Target, ThreadId};
use threadmark::store::{Cache, DataDir, Drafts, Outbox};

const WRITE_STEPS: [&str; 3] = [
    "store::write::before_fsync",
    "store::write::before_rename",
    "store::write::before_dir_fsync",
];

/// How a step goes wrong: an error returned, or the process dying there.
#[derive(Clone, Copy, Debug)]
enum Failure {
    Error,
    Crash,
}

const FAILURES: [Failure; 2] = [Failure::Error, Failure::Crash];

/// Runs `write` with fail point `point` set to fail as `failure`; true when the write
/// reported success (it must not, unless the point is never reached).
fn fail_at<T, E>(point: &str, failure: Failure, write: impl FnOnce() -> Result<T, E>) -> bool {
    let action = match failure {
        Failure::Error => "return",
        Failure::Crash => "panic",
    };
    fail::cfg(point, action).unwrap();
    let outcome = catch_unwind(AssertUnwindSafe(write));
    fail::remove(point);
    matches!(outcome, Ok(Ok(_)))
}

/// Visible files under `dir` (temp files are hidden dot files), relative names sorted.
fn visible_files(dir: &Path) -> Vec<String> {
    let mut out: Vec<String> = support::files::files_under(dir)
        .into_iter()
        .filter(|path| !path.file_name().unwrap().to_string_lossy().starts_with('.'))
        .map(|path| path.strip_prefix(dir).unwrap().display().to_string())
        .collect();
    out.sort();
    out
}

fn read_state(thread: &str, seq: u32) -> ReadState {
    let mut read = ReadState::default();
    read.thread_mut(&ThreadId::new(thread)).mark_all_read(seq);
    read
}

#[test]
fn a_user_data_write_fails_or_crashes_at_every_step_and_leaves_old_or_new() {
    let _scenario = FailScenario::setup();
    for point in WRITE_STEPS {
        for failure in FAILURES {
            let data = tempfile::tempdir().unwrap();
            let account = DataDir::new(data.path()).account("a");
            let old = read_state("t", 3);
            let new = read_state("t", 9);
            Cache::open(account.clone()).save_read_state(&old).unwrap();

            let saved = fail_at(point, failure, || {
                Cache::open(account.clone()).save_read_state(&new)
            });
            assert!(!saved, "{point} {failure:?}: the failure is reported");

            let mut restarted = Cache::open(account.clone());
            let loaded = restarted.load_read_state().unwrap();
            assert!(
                restarted.problems().is_empty(),
                "{point} {failure:?}: {:?}",
                restarted.problems()
            );
            if point == "store::write::before_dir_fsync" {
                assert_eq!(loaded, new, "{point}: renamed, so the new file is in place");
            } else {
                assert_eq!(loaded, old, "{point} {failure:?}: the old file is whole");
            }
            assert_eq!(
                visible_files(account.root()),
                ["read.json"],
                "{point} {failure:?}: nothing else appears"
            );
            // The next write works and wins.
            Cache::open(account.clone())
                .save_read_state(&read_state("t", 12))
                .unwrap();
            assert_eq!(
                Cache::open(account.clone()).load_read_state().unwrap(),
                read_state("t", 12)
            );
        }
    }
}

fn draft(body: &str) -> Draft {
    Draft {
        id: "draft-1".into(),
        target: Target::Reply {
            thread: ThreadId::new("t"),
            reply_to: None,
        },
        body: body.into(),
        created_at: Timestamp::UNIX_EPOCH,
        updated_at: Timestamp::now(),
        tags: Vec::new(),
    }
}

#[test]
fn a_draft_autosave_interrupted_at_any_step_keeps_the_last_saved_text() {
    let _scenario = FailScenario::setup();
    for point in WRITE_STEPS {
        for failure in FAILURES {
            let data = tempfile::tempdir().unwrap();
            let account = DataDir::new(data.path()).account("a");
            let drafts = Drafts::open(&account);
            drafts.save(&draft("saved text")).unwrap();
            fail_at(point, failure, || {
                drafts.save(&draft("saved text, and more"))
            });
            let (list, problems) = Drafts::open(&account).list().unwrap();
            assert!(problems.is_empty(), "{point} {failure:?}: {problems:?}");
            assert_eq!(list.len(), 1, "{point} {failure:?}");
            assert!(
                list[0].body.starts_with("saved text"),
                "{point} {failure:?}: {:?}",
                list[0].body
            );
        }
    }
}

fn entry(body: &str) -> OutboxEntry {
    OutboxEntry::new(
        Target::Reply {
            thread: ThreadId::new("t"),
            reply_to: None,
        },
        body.into(),
        Timestamp::now(),
    )
}

/// Where an entry is after a restart: live in the queue, archived, or discarded.
fn places(account: &threadmark::store::AccountDir, key: &str) -> Vec<&'static str> {
    let outbox = Outbox::open(account);
    let (live, unreadable) = outbox.list().unwrap();
    assert!(unreadable.is_empty(), "{unreadable:?}");
    let mut found = Vec::new();
    if live.iter().any(|e| e.key == key) {
        found.push("queued");
    }
    if outbox.done().unwrap().0.iter().any(|e| e.key == key) {
        found.push("done");
    }
    let discarded = account
        .outbox_dir()
        .join("discarded")
        .join(format!("{key}.json"));
    if discarded.exists() {
        found.push("discarded");
    }
    found
}

#[test]
fn an_enqueue_interrupted_at_any_step_is_all_or_nothing() {
    let _scenario = FailScenario::setup();
    let points = WRITE_STEPS.iter().copied().chain([
        "outbox::enqueue::before_rename",
        "outbox::enqueue::before_dir_fsync",
    ]);
    for point in points {
        for failure in FAILURES {
            let data = tempfile::tempdir().unwrap();
            let account = DataDir::new(data.path()).account("a");
            let earlier = entry("queued before");
            Outbox::open(&account).enqueue(&earlier).unwrap();
            let reply = entry("the reply");
            let queued = fail_at(point, failure, || Outbox::open(&account).enqueue(&reply));
            assert!(!queued, "{point} {failure:?}: the failure is reported");

            assert_eq!(places(&account, &earlier.key), ["queued"], "{point}");
            let found = places(&account, &reply.key);
            if point == "outbox::enqueue::before_dir_fsync" {
                // Renamed into the queue: there, once, and the key is taken.
                assert_eq!(found, ["queued"], "{point} {failure:?}");
                assert!(Outbox::open(&account).enqueue(&reply).is_err());
            } else {
                // Never reached the queue: not there, and sending it again works.
                assert!(found.is_empty(), "{point} {failure:?}: {found:?}");
                Outbox::open(&account).enqueue(&reply).unwrap();
                assert_eq!(places(&account, &reply.key), ["queued"]);
            }
            let (live, _) = Outbox::open(&account).list().unwrap();
            assert_eq!(
                live.iter().map(|e| e.body.as_str()).collect::<Vec<_>>(),
                ["queued before", "the reply"],
                "{point} {failure:?}: in order, each once"
            );
        }
    }
}

#[test]
fn archiving_or_discarding_interrupted_at_any_step_leaves_the_entry_in_one_place() {
    let _scenario = FailScenario::setup();
    let points = WRITE_STEPS.iter().copied().chain([
        "outbox::move::before_remove",
        "outbox::move::before_dir_fsync",
    ]);
    for point in points {
        for failure in FAILURES {
            for discard in [false, true] {
                let data = tempfile::tempdir().unwrap();
                let account = DataDir::new(data.path()).account("a");
                let mut reply = entry("the reply");
                Outbox::open(&account).enqueue(&reply).unwrap();
                let destination = if discard {
                    "discarded"
                } else {
                    reply.state = OutboxState::Done {
                        thread: ThreadId::new("t"),
                        post: PostId::new("p1"),
                    };
                    "done"
                };
                fail_at(point, failure, || {
                    let outbox = Outbox::open(&account);
                    if discard {
                        outbox.discard(&reply)
                    } else {
                        outbox.archive(&reply)
                    }
                });
                let found = places(&account, &reply.key);
                let reached_destination = !matches!(
                    point,
                    "store::write::before_fsync" | "store::write::before_rename"
                );
                let case = format!("{point} {failure:?} to {destination}");
                if reached_destination {
                    assert_eq!(found, [destination], "{case}: the move is finished");
                } else {
                    assert_eq!(found, ["queued"], "{case}: still queued, nothing lost");
                }
                assert_eq!(
                    visible_files(&account.outbox_dir())
                        .iter()
                        .filter(|f| f.contains(&reply.key))
                        .count(),
                    1,
                    "{case}: one copy on disk"
                );
            }
        }
    }
}
