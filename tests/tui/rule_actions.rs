//! What the reader does with rules beyond showing them, driven through `update` over the
//! demo forum with the runner's own interpreter on real files: `x` writes a hide rule into
//! config.toml (the user's comments kept) that applies at once, and `u` takes it out again;
//! a `read` rule marks the posts a sync brings read through the read state (queued for the
//! server where read state syncs) and `u` makes them unread again; `V` cycles an area's
//! view, shown in the tree and kept in `ui.json`.

use crate::harness::Harness;
use threadmark::app::{Effect, Msg, StoreJob, UiState};
use threadmark::config::Config;
use threadmark::model::{Author, Body, Post, PostId, Reactions, ThreadId};
use threadmark::store::{Cache, ReadMarks};
use threadmark::sync::protocol::SyncEvent;

const THREAD: &str = "advocacy-1";
const MINE: &str = "# my settings — keep this comment\n[ui]\nmouse = false # and this one\n";

#[test]
fn x_writes_a_hide_rule_keeping_comments_and_u_takes_it_out() {
    let home = tempfile::tempdir().unwrap();
    let path = home.path().join("config.toml");
    std::fs::write(&path, MINE).unwrap();
    let config = Config::load(&path).unwrap();
    let mut h = Harness::demo_with(120, 60, &config, UiState::default());
    h.judging_at_start(&config);
    h.config_file(&path);
    h.open_advocacy();
    assert_eq!(h.current_seq(), 1);
    assert_eq!(h.current_author(), "Mary Ghikas");

    h.keys("x");
    let offer = h.notice();
    assert!(offer.contains("a this author (Mary Ghikas)"), "{offer}");
    assert!(offer.contains("t this thread"), "{offer}");
    assert!(offer.contains("l posts like this title"), "{offer}");
    h.keys("a");

    let written = std::fs::read_to_string(&path).unwrap();
    assert!(written.starts_with(MINE), "comments kept:\n{written}");
    assert!(
        written.contains("match = { author = \"Mary Ghikas\", account = \"demo\" }"),
        "{written}"
    );
    assert!(written.contains("action = \"hide\""), "{written}");
    assert_eq!(Config::load(&path).unwrap().rule_set().rules().len(), 1);
    assert!(
        h.notice().contains("rule 1 hides posts by Mary Ghikas"),
        "{}",
        h.notice()
    );
    // At once: the open thread shows the post as a stub, the tree's counts follow.
    let screen = h.screen();
    assert!(
        screen.contains("#1 hidden by rule 1 — v shows it"),
        "{screen}"
    );
    assert_eq!(h.state.tree.counts().score(&ThreadId::new(THREAD)), 0);
    assert!(
        h.effects.contains(&Effect::LoadIndex),
        "the tree is judged again"
    );

    h.keys("u");
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        MINE,
        "the file is as the user left it"
    );
    assert!(h.notice().contains("rule taken out"), "{}", h.notice());
    assert!(h.state.rules.is_empty());
    let screen = h.screen();
    assert!(!screen.contains("hidden by rule"), "{screen}");
    assert!(screen.contains("Mary Ghikas"), "{screen}");
}

#[test]
fn any_other_key_after_x_writes_nothing() {
    let home = tempfile::tempdir().unwrap();
    let path = home.path().join("config.toml");
    std::fs::write(&path, MINE).unwrap();
    let config = Config::load(&path).unwrap();
    let mut h = Harness::demo_with(120, 60, &config, UiState::default());
    h.config_file(&path);
    h.open_advocacy();
    h.keys("xq");
    assert_eq!(h.notice(), "no rule written");
    assert!(!h.state.quitting, "the q answered the offer");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), MINE);
}

/// A post by `author` added to the demo thread's cache as a sync would add it.
fn arrives(h: &Harness, seq: u32, author: &str) {
    let cache = Cache::open(h.dir.clone());
    let mut cache_mut = Cache::open(h.dir.clone());
    let id = ThreadId::new(THREAD);
    let mut file = cache_mut.load_thread(&id).unwrap().unwrap();
    let at = file.posts.last().unwrap().created_at + jiff::SignedDuration::from_secs(60);
    file.posts.push(Post {
        id: PostId::new(format!("{THREAD}-new-{seq}")),
        thread: id.clone(),
        seq,
        reply_to: None,
        author: Author {
            name: author.into(),
            ..file.posts[0].author.clone()
        },
        created_at: at,
        edited_at: None,
        body: Body::markdown(format!("post {seq}, by {author}")),
        deleted: false,
        removed: false,
        score: None,
        version: 1,
        client_key: None,
        reactions: Reactions::default(),
    });
    file.summary.last_seq = seq;
    file.summary.post_count = seq;
    file.summary.last_post_at = at;
    cache.save_thread(&file).unwrap();
    let mut index = cache_mut.load_index().unwrap();
    for t in &mut index {
        if t.id == id {
            *t = file.summary.clone();
        }
    }
    cache.save_index(&index).unwrap();
}

fn pulled(h: &mut Harness) {
    let mut report = threadmark::sync::ingest::IngestReport::default();
    report.changed.insert(ThreadId::new(THREAD));
    h.send(Msg::Sync(SyncEvent::Pulled(report)));
}

/// Writes the read state as the runner does after its save delay (the same path reading
/// takes): `read.json`, and the marks for the server where the account syncs read state.
fn save_read_state(h: &mut Harness) {
    let read = h.state.data.read.clone();
    h.run_effects(vec![Effect::Store(StoreJob::SaveReadState(read))]);
}

#[test]
fn a_read_rule_marks_what_a_sync_brings_read_through_the_read_state_and_u_undoes_it() {
    let config =
        Config::parse("[[rules]]\nmatch = { author = \"announcer\" }\naction = \"read\"\n")
            .unwrap();
    let mut h = Harness::demo_with(120, 200, &config, UiState::default());
    h.queueing_read_marks();
    h.judging_at_start(&config);
    // Everything there is read (the whole thread on screen).
    h.open_advocacy();
    let id = ThreadId::new(THREAD);
    assert_eq!(h.state.data.read.unread_count(&id, 8), 0);
    save_read_state(&mut h);
    let queued_before = ReadMarks::open(&h.dir).list().unwrap().len();
    // The thread is closed: what arrives is not read by being on screen.
    h.state.reader = threadmark::app::reader::Reader::default();
    h.state.focus = threadmark::app::Focus::Tree;

    arrives(&h, 9, "Announcer");
    h.effects.clear();
    pulled(&mut h);
    let read = h.state.data.read.thread(&id).unwrap();
    assert!(read.is_read(9), "the rule's post is read on arrival");
    assert_eq!(
        h.notice(),
        "1 post marked read by rule 1 — u undoes",
        "{:?}",
        h.effects
    );
    assert!(h.effects.contains(&Effect::SaveReadState));
    save_read_state(&mut h);
    let marks = ReadMarks::open(&h.dir).list().unwrap();
    assert!(
        marks.len() > queued_before
            && marks.iter().any(|m| m.thread == id
                && matches!(m.mark, threadmark::model::ReadMark::ReadTo { seq: 9, .. })),
        "queued for the server as reading it would be: {marks:?}"
    );
    // A post the rule does not cover stays unread.
    arrives(&h, 10, "Ann");
    pulled(&mut h);
    assert!(!h.state.data.read.thread(&id).unwrap().is_read(10));
    assert_eq!(h.unread(), 1, "#10 counts, #9 is read");

    h.keys("u");
    assert!(
        !h.state.data.read.thread(&id).unwrap().is_read(9),
        "u makes it unread again"
    );
    assert!(h.notice().contains("1 post unread again"), "{}", h.notice());
    // The counts leave out what a `read` rule covers, read or not (as `tree` counts).
    assert_eq!(h.unread(), 1);
    save_read_state(&mut h);
    let marks = ReadMarks::open(&h.dir).list().unwrap();
    assert!(
        marks.iter().any(|m| m.thread == id
            && matches!(
                m.mark,
                threadmark::model::ReadMark::UnreadFrom { seq: 9, .. }
            )),
        "the server hears of the undo too: {marks:?}"
    );
    // The next sync leaves the undone post alone; nothing was deleted.
    pulled(&mut h);
    assert!(!h.state.data.read.thread(&id).unwrap().is_read(9));
    let cached = Cache::open(h.dir.clone())
        .load_thread(&id)
        .unwrap()
        .unwrap();
    assert_eq!(cached.posts.len(), 10);
}

#[test]
fn v_cycles_the_area_view_shown_in_the_tree_and_kept_for_the_next_start() {
    let mut h = Harness::demo(120, 40);
    h.act(threadmark::app::Action::Bottom);
    assert_eq!(h.state.tree.selected().unwrap().key, "t:advocacy-1");
    h.keys("V");
    assert!(
        h.notice().contains("view of area advocacy: new"),
        "{}",
        h.notice()
    );
    let screen = h.screen();
    assert!(screen.contains("Advocacy · new"), "{screen}");
    // Never opened: the thread stays in `new`.
    assert_eq!(h.state.tree.selected().unwrap().key, "t:advocacy-1");
    h.keys("V");
    assert!(h.screen().contains("Advocacy · unread"));
    assert!(h.effects.contains(&Effect::SaveUiState));
    let ui = h.state.ui_snapshot();
    assert_eq!(ui.views.get("advocacy").map(String::as_str), Some("unread"));
    // Read it all: `unread` leaves it out once the tree is built again.
    h.act(threadmark::app::Action::MarkThreadRead);
    h.run_effects(vec![Effect::LoadIndex]);
    assert!(
        h.state.tree.nodes().iter().all(|n| n.key != "t:advocacy-1"),
        "{}",
        h.screen()
    );
    // A new start (here on a fresh demo, all unread) keeps the view.
    let again = Harness::demo_with(120, 40, &Config::default(), h.state.ui_snapshot());
    let screen = again.screen();
    assert!(screen.contains("Advocacy · unread"), "{screen}");
    assert!(screen.contains("● Strategic Framework and Ena"), "{screen}");
}

#[test]
fn a_post_known_by_its_header_only_arrives_when_its_body_comes() {
    let config =
        Config::parse("[[rules]]\nmatch = { author = \"connie williams\" }\naction = \"read\"\n")
            .unwrap();
    let mut h = Harness::demo_with(120, 40, &config, UiState::default());
    h.judging_at_start(&config);
    assert_eq!(h.notice(), "", "the start marks nothing");
    // The index knew #8 by its header only (a Discourse thread read headers first).
    let id = ThreadId::new(THREAD);
    let known = h
        .state
        .data
        .threads
        .iter_mut()
        .find(|t| t.id == id)
        .unwrap();
    known.missing = thin_vec::thin_vec![threadmark::model::SeqRange { from: 8, to: 8 }];
    pulled(&mut h);
    assert_eq!(h.notice(), "1 post marked read by rule 1 — u undoes");
    let read = h.state.data.read.thread(&id).unwrap();
    assert!(read.is_read(8), "Connie Williams's #8 came with the sync");
    assert!(!read.is_read(2), "her #2 was cached before: left as it was");
}
