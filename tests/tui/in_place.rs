//! A sync's new and edited posts of the open thread are applied in place: only those are
//! parsed and wrapped, no file is read, and the reader keeps its place.

use crate::harness::Harness;
use threadmark::app::{Action, Effect, Msg};
use threadmark::model::{Author, Body, Post, PostId, ThreadId};
use threadmark::store::Cache;
use threadmark::sync::SyncEvent;
use threadmark::sync::ingest::{FocusedChange, IngestReport};

const THREAD: &str = "advocacy-1";

/// The post at the top of the reader's pane and the current post, by id.
fn place(h: &Harness) -> (PostId, PostId) {
    let reader = &h.state.reader;
    let open = reader.open.as_ref().unwrap();
    let top = reader.layout.rows[reader.scroll].pos();
    (
        open.post(top).unwrap().id.clone(),
        open.post(reader.current).unwrap().id.clone(),
    )
}

/// The sync engine's report of `posts` written to the open thread (the engine's focus),
/// the file written first as the engine does.
fn synced(h: &Harness, posts: Vec<Post>) -> IngestReport {
    let mut cache = Cache::open(h.dir.clone());
    let mut file = cache.load_thread(&ThreadId::new(THREAD)).unwrap().unwrap();
    for post in &posts {
        match file.posts.iter_mut().find(|p| p.id == post.id) {
            Some(held) => *held = post.clone(),
            None => file.posts.push(post.clone()),
        }
    }
    file.posts.sort_by_key(|p| p.seq);
    file.summary.last_seq = file.posts.iter().map(|p| p.seq).max().unwrap();
    file.summary.post_count = file.summary.last_seq;
    cache.save_thread(&file).unwrap();
    let mut report = IngestReport::default();
    report.changed.insert(ThreadId::new(THREAD));
    report.new_posts = posts.len();
    report.focused = Some(Box::new(FocusedChange {
        summary: file.summary,
        posts,
    }));
    report
}

fn reply(seq: u32, to: &PostId, text: &str) -> Post {
    Post {
        id: PostId::new(format!("{THREAD}-new-{seq}")),
        thread: ThreadId::new(THREAD),
        seq,
        reply_to: Some(to.clone()),
        author: Author::new("Quinn Newcomer"),
        created_at: jiff::Timestamp::now(),
        edited_at: None,
        body: Body::markdown(text),
        deleted: false,
        removed: false,
        score: None,
        version: 1,
        client_key: None,
        reactions: threadmark::model::Reactions::default(),
    }
}

#[test]
fn a_new_reply_is_parsed_and_laid_out_alone_and_the_reader_keeps_its_place() {
    let mut h = Harness::remote(120, 24);
    h.open_advocacy();
    for _ in 0..3 {
        h.act(Action::NextPost);
    }
    let before = place(&h);
    let (wraps, parses) = h.state.reader.open.as_ref().unwrap().work_done();
    let posts_before = h.state.reader.open.as_ref().unwrap().real_posts().len();
    // A reply to the second post in reading order: it sits above the reading place, so
    // every position after it moves by one.
    let first = h
        .state
        .reader
        .open
        .as_ref()
        .unwrap()
        .post(1)
        .unwrap()
        .id
        .clone();
    let last_seq = h.state.reader.open.as_ref().unwrap().file.summary.last_seq;
    let report = synced(
        &h,
        vec![reply(
            last_seq + 1,
            &first,
            "A wombat-shaped idea, fresh from the sync.",
        )],
    );
    h.effects.clear();
    h.send(Msg::Sync(SyncEvent::Pulled(report)));

    assert!(
        !h.effects
            .iter()
            .any(|e| matches!(e, Effect::ReloadThread { .. } | Effect::LoadThread(_))),
        "no file is read again: {:?}",
        h.effects
    );
    let open = h.state.reader.open.as_ref().unwrap();
    assert_eq!(open.real_posts().len(), posts_before + 1);
    assert_eq!(
        open.work_done(),
        (wraps + 1, parses + 1),
        "only the new post was parsed and wrapped"
    );
    let new_at = (0..open.order.len())
        .find(|&pos| open.post(pos).unwrap().seq == last_seq + 1)
        .unwrap();
    assert!(
        new_at < h.state.reader.current,
        "the new post moved the place down"
    );
    assert_eq!(place(&h), before, "the same posts at the top and current");
    // The new post is there to read.
    h.act(Action::Top);
    let mut seen = false;
    for _ in 0..open_len(&h) {
        seen |= h
            .screen()
            .contains("A wombat-shaped idea, fresh from the sync.");
        h.act(Action::NextPost);
    }
    assert!(seen, "the new post is shown");
}

fn open_len(h: &Harness) -> usize {
    h.state.reader.open.as_ref().unwrap().order.len()
}

#[test]
fn an_edited_post_is_parsed_again_alone_and_shows_its_new_text() {
    let mut h = Harness::remote(120, 40);
    h.open_advocacy();
    h.act(Action::NextPost);
    let before = place(&h);
    let open = h.state.reader.open.as_ref().unwrap();
    let (wraps, parses) = open.work_done();
    let mut edited = open.real_posts()[1].clone();
    edited.version += 1;
    edited.body = Body::markdown("Edited by the sync: **advocacy** first.");
    let report = synced(&h, vec![edited]);
    h.effects.clear();
    h.send(Msg::Sync(SyncEvent::Pulled(report)));

    let open = h.state.reader.open.as_ref().unwrap();
    assert_eq!(open.work_done(), (wraps + 1, parses + 1));
    assert_eq!(place(&h), before);
    assert!(
        h.screen().contains("Edited by the sync: advocacy first."),
        "{}",
        h.screen()
    );
    assert!(
        !h.effects
            .iter()
            .any(|e| matches!(e, Effect::ReloadThread { .. })),
        "{:?}",
        h.effects
    );
}

#[test]
fn changes_made_before_the_thread_had_the_engines_focus_read_the_thread_again() {
    let mut h = Harness::remote(120, 40);
    h.open_advocacy();
    let first = h.state.reader.open.as_ref().unwrap().real_posts()[0]
        .id
        .clone();
    let last_seq = h.state.reader.open.as_ref().unwrap().file.summary.last_seq;
    let mut report = synced(&h, vec![reply(last_seq + 1, &first, "Late news.")]);
    // The engine could not vouch for every change to the thread.
    report.focused = None;
    h.effects.clear();
    h.send(Msg::Sync(SyncEvent::Pulled(report)));
    assert!(
        h.effects
            .iter()
            .any(|e| matches!(e, Effect::ReloadThread { .. })),
        "{:?}",
        h.effects
    );
    let open = h.state.reader.open.as_ref().unwrap();
    assert!(
        open.real_posts()
            .iter()
            .any(|p| p.body.text == "Late news.")
    );
}
