//! A cache whose thread index is large (a forum of thousands of threads): the reader paints
//! the sections and areas first, loads the threads off its loop, and then gives back the
//! selection and the thread that were open last time.

use crate::harness::Harness;
use crate::pty_session::PtySession;
use crate::support::generator::{Spec, generate};
use threadmark::app::start_index::LOADING;
use threadmark::app::{Effect, UiState};
use threadmark::model::{Thread, ThreadSummary};
use threadmark::store::{Cache, DataDir, save_ui_state};

/// Before the index comes, the state shows the areas and says the list is loading; what it
/// would save then is what was remembered; when the index comes, the remembered thread is
/// selected and reopened.
#[test]
fn a_start_before_the_index_gives_back_the_selection_and_the_open_thread() {
    let demo = Harness::demo(120, 40);
    let thread = demo.state.data.threads.last().unwrap().id.clone();
    drop(demo);
    let remembered = UiState {
        selected: Some(format!("t:{thread}")),
        open_thread: Some(thread.as_str().to_owned()),
        ..UiState::default()
    };

    let (h, first) = Harness::demo_index_later(&remembered);

    assert_eq!(first.thread_rows, 0, "the first frame has no thread rows");
    assert!(first.areas > 0, "the first frame shows the areas");
    assert_eq!(first.notice.as_deref(), Some(LOADING));
    assert_eq!(
        first.ui, remembered,
        "quitting then keeps what was remembered"
    );
    assert!(h.effects.contains(&Effect::LoadIndex), "{:?}", h.effects);
    assert!(
        h.effects.contains(&Effect::LoadThread(thread.clone())),
        "{:?}",
        h.effects
    );
    let selected = h.state.tree.selected().map(|n| n.key.clone());
    assert_eq!(selected, Some(format!("t:{thread}")));
    assert_eq!(h.state.reader.thread_id(), Some(&thread));
    assert!(
        h.state.status.notice.is_none(),
        "the loading notice is gone"
    );
    assert_eq!(h.state.ui_snapshot(), remembered);
}

/// The real binary on a cache whose `index.json` is over a mebibyte: the first frame
/// says the thread list is loading, then the thread open last time is shown again.
#[test]
fn the_reader_on_a_big_index_paints_first_then_reopens_the_last_thread() {
    let home = tempfile::tempdir().unwrap();
    let forum = generate(Spec {
        seed: 7,
        posts: 7_000,
        threads: 5_000,
    });
    let dir = DataDir::new(home.path().join("data")).account("big");
    let cache = Cache::open(dir.clone());
    // The thread to reopen: far down the list, with more than one post, a plain title.
    let (summary, posts) = forum
        .threads
        .iter()
        .rev()
        .find(|(t, posts)| posts.len() > 1 && t.title.is_ascii() && t.title.len() < 40)
        .unwrap();
    cache
        .save_thread(&Thread::new(summary.clone(), posts.clone()))
        .unwrap();
    let summaries: Vec<ThreadSummary> = forum.threads.iter().map(|(s, _)| s.clone()).collect();
    cache.save_index(&summaries).unwrap();
    cache.save_forum(&forum.forum).unwrap();
    assert!(cache.index_bytes() > 1 << 20, "{}", cache.index_bytes());
    let remembered = UiState {
        selected: Some(format!("t:{}", summary.id)),
        open_thread: Some(summary.id.as_str().to_owned()),
        ..UiState::default()
    };
    save_ui_state(&dir, &remembered).unwrap();
    std::fs::write(
        home.path().join("config.toml"),
        "[[accounts]]\nname = \"big\"\nurl = \"http://127.0.0.1:9\"\n",
    )
    .unwrap();

    let mut s = PtySession::start(home.path(), &[], &[], 160, 40);
    let count = format!("{} posts", summary.post_count);
    let screen = s.wait_for("the remembered thread in the reader", |screen| {
        screen.contains(&summary.title) && screen.contains(&count)
    });
    assert!(screen.contains(" unread "), "the counts are back: {screen}");
    let raw = String::from_utf8_lossy(&s.raw()).into_owned();
    assert!(
        raw.contains(LOADING),
        "the first frame came before the thread list"
    );
    s.send("q");
    s.wait_exit();
}
