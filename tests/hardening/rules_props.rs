//! Property test: `[[rules]]` never remove a post from the cache and never change what
//! sync sends. Precisely, for any rules over a generated forum of which a sync brings a
//! part (whole threads, or the end of threads already cached), with the reader's own
//! `update` and the runner's interpreter on real files:
//!
//! - every post written to the cache is still there, byte for byte, whatever the rules;
//! - the outbox is the same as without rules (empty: rules write nothing to send);
//! - the read marks queued for the server are exactly those of the same run without
//!   rules in which the user, after the sync, marked read by hand the posts that came
//!   with it that a `read` rule covers — nothing else, and the start (which brings
//!   nothing) marks nothing.

use crate::common::count;
use crate::support::generator::{Spec, generate};
use proptest::prelude::*;
use std::collections::BTreeSet;
use threadmark::app::judged::Judged;
use threadmark::app::{Effect, Msg, Startup, State, StoreJob, UiState, update};
use threadmark::config::Config;
use threadmark::model::{ForumData, Post, ReadMark, Thread, ThreadId, ThreadSummary};
use threadmark::runner::interpreter::{Interpreter, Work};
use threadmark::store::{AccountDir, Cache, DataDir, Outbox, ReadMarks};
use threadmark::sync::protocol::SyncEvent;

const ACCOUNT: &str = "gen";

/// The reader's state and the runner's interpreter, driven as the harness drives them.
struct Reader {
    state: State,
    core: Interpreter,
    clock: jiff::Timestamp,
}

impl Reader {
    fn send(&mut self, msg: Msg) {
        self.clock += jiff::SignedDuration::from_millis(1);
        let effects = update(&mut self.state, msg, self.clock);
        self.run(effects);
    }

    fn run(&mut self, effects: Vec<Effect>) {
        for effect in effects {
            if let Work::Disk(job) = Work::from(effect) {
                for msg in self.core.run(job) {
                    self.send(msg);
                }
            }
        }
    }

    fn save_read_state(&mut self) {
        let read = self.state.data.read.clone();
        self.run(vec![Effect::Store(StoreJob::SaveReadState(read))]);
    }
}

/// A thread with its first `kept` posts (none: not in the cache yet).
fn cut(summary: &ThreadSummary, posts: &[Post], kept: usize) -> Option<Thread> {
    let posts: Vec<Post> = posts.iter().take(kept).cloned().collect();
    let last = posts.last()?;
    let mut summary = summary.clone();
    summary.last_seq = last.seq;
    summary.post_count = last.seq;
    summary.last_post_at = last.created_at;
    Some(Thread::new(summary, posts))
}

fn write(dir: &AccountDir, threads: &[Thread], forum: &threadmark::model::Forum) {
    let cache = Cache::open(dir.clone());
    for t in threads {
        cache.save_thread(t).unwrap();
    }
    let index: Vec<ThreadSummary> = threads.iter().map(|t| t.summary.clone()).collect();
    cache.save_index(&index).unwrap();
    cache.save_forum(forum).unwrap();
}

/// What one run leaves: the marks queued (thread, kind, seq), the outbox, the cached
/// threads' bytes, and the read state.
#[derive(Debug, PartialEq, Eq)]
struct Sent {
    marks: BTreeSet<(String, bool, u32)>,
    outbox: usize,
}

/// A run: the cache holds `before`, the reader starts (with `rules`), a sync brings
/// `after`; then `by_hand` posts are marked read as a user would, and the read state is
/// saved. Returns what is queued to send, and the cache's thread files as they are.
fn run(
    rules: &str,
    before: &[Thread],
    after: &[Thread],
    by_hand: &BTreeSet<(ThreadId, u32)>,
    forum: &threadmark::model::Forum,
) -> (Sent, Vec<Vec<u8>>, threadmark::model::ReadState) {
    let temp = tempfile::tempdir().unwrap();
    let dir = DataDir::new(temp.path()).account(ACCOUNT);
    write(&dir, before, forum);
    let config = Config::parse(rules).unwrap();
    let mut cache = Cache::open(dir.clone());
    let data = ForumData {
        forum: cache.load_forum().unwrap().unwrap(),
        threads: cache.load_index().unwrap(),
        read: cache.load_read_state().unwrap(),
    };
    let (state, effects) = State::new(Startup {
        account: ACCOUNT.into(),
        is_demo: false,
        signed_in: true,
        data,
        ui: UiState::default(),
        config: &config,
        size: (120, 40),
        now: jiff::Timestamp::now(),
        id_seed: 5,
    });
    let core = Interpreter::open(&dir)
        .started_from(state.data.read.clone(), state.ui_snapshot())
        .queueing_read_marks(true)
        .judging(ACCOUNT, config.rule_set_shared());
    let clock = state.now;
    let mut reader = Reader { state, core, clock };
    reader.run(effects);
    // The start's own judging load brings nothing.
    reader.run(vec![Effect::LoadIndex]);
    assert_eq!(
        reader.state.data.read,
        threadmark::model::ReadState::default(),
        "the start marks nothing"
    );
    write(&dir, after, forum);
    let written: Vec<Vec<u8>> = after
        .iter()
        .map(|t| std::fs::read(dir.thread(t.summary.id.as_str())).unwrap())
        .collect();
    let report = threadmark::sync::ingest::IngestReport {
        changed: after.iter().map(|t| t.summary.id.clone()).collect(),
        ..Default::default()
    };
    reader.send(Msg::Sync(SyncEvent::Pulled(report)));
    for (thread, seq) in by_hand {
        reader.state.data.read.thread_mut(thread).mark_read(*seq);
    }
    reader.save_read_state();
    let marks = ReadMarks::open(&dir)
        .list()
        .unwrap()
        .into_iter()
        .map(|m| match m.mark {
            ReadMark::ReadTo { seq, .. } => (m.thread.as_str().to_owned(), true, seq),
            ReadMark::UnreadFrom { seq, .. } => (m.thread.as_str().to_owned(), false, seq),
        })
        .collect();
    let outbox = Outbox::open(&dir).list().unwrap().0.len();
    let files: Vec<Vec<u8>> = after
        .iter()
        .map(|t| std::fs::read(dir.thread(t.summary.id.as_str())).unwrap())
        .collect();
    assert_eq!(
        files, written,
        "the cache's thread files are as the sync wrote them"
    );
    (Sent { marks, outbox }, files, reader.state.data.read)
}

/// One rule as written in config.toml: `kind` picks the key (an author of the forum, a
/// title or a body regex), `pick` its value, `action` what it does.
fn rule_text(authors: &[String], kind: usize, pick: prop::sample::Index, action: usize) -> String {
    const TITLES: [&str; 4] = ["(?i)a", "(?i)^[a-m]", "x{3}", "."];
    const BODIES: [&str; 3] = ["(?i)the", "(?i)and", "zzz"];
    const ACTIONS: [&str; 6] = [
        "action = \"hide\"",
        "action = \"dim\"",
        "action = \"read\"",
        "action = \"highlight\"",
        "action = \"score\"\nscore = 5",
        "action = \"score\"\nscore = -5",
    ];
    let key = match kind {
        0 => format!("author = {:?}", pick.get(authors)),
        1 => format!("title = {:?}", pick.get(&TITLES)),
        _ => format!("body = {:?}", pick.get(&BODIES)),
    };
    format!(
        "[[rules]]\nmatch = {{ {key} }}\n{}\n",
        ACTIONS[action % ACTIONS.len()]
    )
}

proptest! {
    #![proptest_config(crate::props::config(count(12, 200)))]

    #[test]
    fn rules_never_remove_a_post_nor_change_what_sync_sends(
        seed in 0u64..1_000,
        kept in prop::collection::vec(0usize..6, 8),
        rules in prop::collection::vec((0usize..3, any::<prop::sample::Index>(), 0usize..6), 0..5),
    ) {
        let forum = generate(Spec { seed, posts: 60, threads: 8 });
        let mut authors: Vec<String> = forum
            .threads
            .iter()
            .flat_map(|(_, posts)| posts.iter().map(|p| p.author.name.to_string()))
            .collect();
        authors.sort();
        authors.dedup();
        let rules: String = rules
            .into_iter()
            .map(|(kind, pick, action)| rule_text(&authors, kind, pick, action))
            .collect();
        let before: Vec<Thread> = forum
            .threads
            .iter()
            .zip(&kept)
            .filter_map(|((s, posts), &k)| cut(s, posts, k))
            .collect();
        let after: Vec<Thread> = forum
            .threads
            .iter()
            .filter_map(|(s, posts)| cut(s, posts, posts.len()))
            .collect();
        // The posts the sync brings that a `read` rule covers.
        let config = Config::parse(&rules).unwrap();
        let mut expected: BTreeSet<(ThreadId, u32)> = BTreeSet::new();
        for thread in &after {
            let had = before
                .iter()
                .find(|t| t.summary.id == thread.summary.id)
                .map_or(0, |t| t.summary.last_seq);
            let judged = Judged::thread(
                config.rule_set(),
                ACCOUNT,
                &forum.forum,
                thread,
                jiff::Timestamp::now(),
            );
            for (post, verdict) in thread.posts.iter().zip(&judged.verdicts) {
                if verdict.read_by.is_some() && post.seq > had {
                    expected.insert((thread.summary.id.clone(), post.seq));
                }
            }
        }
        let (with_rules, files, read_with) =
            run(&rules, &before, &after, &BTreeSet::new(), &forum.forum);
        let (by_hand, plain_files, read_by_hand) =
            run("", &before, &after, &expected, &forum.forum);
        prop_assert_eq!(files, plain_files, "the cache is the same with rules and without");
        prop_assert_eq!(with_rules.outbox, 0);
        prop_assert_eq!(&with_rules, &by_hand, "rules:\n{}", rules);
        prop_assert_eq!(read_with, read_by_hand, "rules:\n{}", rules);
    }
}
