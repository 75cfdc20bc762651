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

/// A big cache's first frame shows each area's unread posts from the tree index (muted
/// threads left out) before any thread is loaded; when the threads come, an area expanded
/// shows its threads with their own counts, which add up to what the area showed.
#[test]
fn the_first_frame_counts_each_area_and_an_expanded_area_lists_its_threads() {
    use std::collections::BTreeMap;
    use threadmark::app::Action;

    let temp = tempfile::tempdir().unwrap();
    let dir = DataDir::new(temp.path()).account("big");
    let (forum, summaries, read, muted) = cache_read_in_part(&dir);
    let mut expected: BTreeMap<String, u32> = BTreeMap::new();
    for summary in &summaries {
        let unread = if summary.id == muted.id {
            0
        } else {
            read.unread_count(&summary.id, summary.last_seq)
        };
        *expected.entry(summary.area.to_string()).or_default() += unread;
    }
    let area = muted.area.to_string();
    assert!(expected[&area] > 0, "{expected:?}");
    let collapsed = forum
        .forum
        .sections
        .iter()
        .flat_map(|s| &s.areas)
        .map(|a| format!("a:{}", a.id))
        .collect();
    let ui = UiState {
        collapsed,
        selected: Some(format!("a:{area}")),
        ..UiState::default()
    };

    let (mut h, first) = Harness::index_later(temp, dir, &ui);

    assert_eq!(
        first.thread_rows, 0,
        "no thread is loaded for the first frame"
    );
    let shown: BTreeMap<String, u32> = first
        .area_unread
        .iter()
        .filter(|(id, _)| expected.contains_key(*id))
        .map(|(id, n)| (id.clone(), *n))
        .collect();
    assert_eq!(shown, expected, "each area's unread posts, muted left out");
    assert_eq!(first.total_unread, expected.values().sum::<u32>());

    // The threads and the read state have come; the area is still collapsed.
    assert!(h.effects.contains(&Effect::LoadIndex));
    assert_eq!(h.state.tree.selected().unwrap().key, format!("a:{area}"));
    let rows_before = h.state.tree.visible().len();
    h.act(Action::Expand);
    let tree = &h.state.tree;
    let listed: Vec<_> = tree
        .visible()
        .iter()
        .map(|&i| &tree.nodes()[i])
        .filter(|n| n.area.as_ref().is_some_and(|a| a.as_str() == area) && n.thread.is_some())
        .collect();
    let in_area: Vec<&ThreadSummary> = summaries
        .iter()
        .filter(|t| t.area.as_str() == area)
        .collect();
    assert_eq!(listed.len(), in_area.len());
    assert_eq!(tree.visible().len(), rows_before + in_area.len());
    for node in &listed {
        let id = node.thread.as_ref().unwrap();
        let summary = in_area.iter().find(|t| &t.id == id).unwrap();
        assert_eq!(node.unread, read.unread_count(id, summary.last_seq), "{id}");
    }
    let area_node = tree.selected().unwrap();
    assert_eq!(
        area_node.unread, expected[&area],
        "the same count as at first"
    );
    assert_eq!(tree.total_unread(), first.total_unread);
    assert_eq!(
        h.state.data.read, read,
        "the read state came with the threads"
    );
}

/// A generated cache of 60 threads in `dir`: some read in part, some whole, one muted,
/// its tree index built (as a run before would have). Gives the forum, the threads, the
/// read state and the muted thread.
fn cache_read_in_part(
    dir: &threadmark::store::AccountDir,
) -> (
    crate::support::generator::Generated,
    Vec<ThreadSummary>,
    threadmark::model::ReadState,
    ThreadSummary,
) {
    use threadmark::model::{PlaceMark, ReadState, WatchLevel, WatchTarget};
    let forum = generate(Spec {
        seed: 21,
        posts: 1_200,
        threads: 60,
    });
    let mut cache = Cache::open(dir.clone());
    cache.save_forum(&forum.forum).unwrap();
    let summaries: Vec<ThreadSummary> = forum.threads.iter().map(|(s, _)| s.clone()).collect();
    cache.save_index(&summaries).unwrap();
    // Some threads read in part, some whole; one muted.
    let mut read = ReadState::default();
    for (n, summary) in summaries.iter().enumerate() {
        match n % 3 {
            0 => read.thread_mut(&summary.id).mark_all_read(summary.last_seq),
            1 => read
                .thread_mut(&summary.id)
                .mark_all_read(summary.last_seq / 2),
            _ => {}
        }
    }
    cache.save_read_state(&read).unwrap();
    let muted = summaries.iter().find(|t| t.last_seq > 2).unwrap();
    threadmark::store::merge_places(
        dir,
        &[PlaceMark::Watch {
            target: WatchTarget::Thread(muted.id.clone()),
            level: WatchLevel::Muted,
            at: jiff::Timestamp::now(),
        }],
    )
    .unwrap();
    // A run before this one built the tree index (as `threadmark tree` or a reader does).
    let rows = cache.load_tree_rows().unwrap();
    assert_eq!(rows.threads, summaries);

    let muted = muted.clone();
    (forum, summaries, read, muted)
}
