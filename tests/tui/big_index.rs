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
    assert!(first.loading, "the status line says the list is loading");
    assert_eq!(
        first.notice, None,
        "a fact of the status line, not a notice"
    );
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
    let selected = h.state.tree.selected().map(|n| n.key.to_string());
    assert_eq!(selected, Some(format!("t:{thread}")));
    assert_eq!(h.state.reader.thread_id(), Some(&thread));
    assert!(
        h.state.status.notice.is_none(),
        "the loading notice is gone"
    );
    assert_eq!(h.state.ui_snapshot(), remembered);
}

/// Without a current tree index the areas cannot be counted before the threads come: the
/// first frame's status line says the list is loading and gives no unread total (a zero
/// would be wrong); once the threads have come it gives the true one.
#[test]
fn a_start_without_a_tree_index_shows_no_unread_total_until_the_threads_come() {
    let temp = tempfile::tempdir().unwrap();
    let data = DataDir::new(temp.path());
    threadmark::store::ensure_demo(&data).unwrap();
    let dir = data.account("demo");
    let _ = std::fs::remove_file(dir.tree_index());

    let (h, first) = Harness::index_later(temp, dir, &UiState::default());

    assert_eq!(first.total_unread, None);
    assert!(
        first.status_line.contains(LOADING) && !first.status_line.contains(" unread"),
        "{}",
        first.status_line
    );
    let unread = h.state.tree.total_unread();
    assert!(unread > 0, "the demo has unread posts");
    let status = h.screen_lines().pop().unwrap();
    assert!(
        status.contains(&format!(" {unread} unread")) && !status.contains(LOADING),
        "{status}"
    );
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
    let mut read = threadmark::model::ReadState::default();
    for other in summaries.iter().filter(|t| t.id != summary.id) {
        read.thread_mut(&other.id).mark_all_read(other.last_seq);
    }
    cache.save_read_state(&read).unwrap();
    std::fs::write(
        home.path().join("config.toml"),
        "[[accounts]]\nname = \"big\"\nurl = \"http://127.0.0.1:9\"\n",
    )
    .unwrap();

    let mut s = PtySession::start(home.path(), &[], &[], 160, 40);
    let count = format!("{} posts", summary.post_count);
    let screen = s.wait_for("the remembered thread in the reader", |screen| {
        screen.contains(&*summary.title) && screen.contains(&count)
    });
    assert!(screen.contains(" unread "), "the counts are back: {screen}");
    // The read state came with the threads (the store worker read it): every thread but
    // the open one was read, so no more than its posts are unread.
    let status = screen
        .lines()
        .rev()
        .find(|l| l.contains(" outbox "))
        .unwrap();
    let unread: u32 = status
        .split(" unread")
        .next()
        .and_then(|before| before.rsplit(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{status}"));
    assert!(unread <= summary.post_count, "{status}");
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
    let total = expected.values().sum::<u32>();
    assert_eq!(first.total_unread, Some(total));
    assert!(
        first.status_line.contains(&format!(" {total} unread"))
            && first.status_line.contains(LOADING),
        "the first frame's status line gives the unread total while the list loads: {}",
        first.status_line
    );

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
        .filter(|n| n.area.as_ref().is_some_and(|a| a.as_str() == area) && n.thread_id().is_some())
        .collect();
    let in_area: Vec<&ThreadSummary> = summaries
        .iter()
        .filter(|t| t.area.as_str() == area)
        .collect();
    assert_eq!(listed.len(), in_area.len());
    assert_eq!(tree.visible().len(), rows_before + in_area.len());
    for node in &listed {
        let id = &node.thread().unwrap();
        let summary = in_area.iter().find(|t| &t.id == id).unwrap();
        assert_eq!(node.unread, read.unread_count(id, summary.last_seq), "{id}");
    }
    let area_node = tree.selected().unwrap();
    assert_eq!(
        area_node.unread, expected[&area],
        "the same count as at first"
    );
    assert_eq!(Some(tree.total_unread()), first.total_unread);
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

/// The big cache of `cache_read_in_part` after its start, the threads come, an unread
/// thread open in the reader (its file in the cache). Gives the reader, the threads, the
/// read state at start, the muted thread and the open one.
fn reading_a_big_cache() -> (
    Harness,
    Vec<ThreadSummary>,
    threadmark::model::ReadState,
    ThreadSummary,
    ThreadSummary,
) {
    use threadmark::app::Action;
    let temp = tempfile::tempdir().unwrap();
    let dir = DataDir::new(temp.path()).account("big");
    let (forum, summaries, read, muted) = cache_read_in_part(&dir);
    let (summary, posts) = forum
        .threads
        .iter()
        .find(|(t, _)| t.id != muted.id && read.unread_count(&t.id, t.last_seq) > 0)
        .unwrap();
    Cache::open(dir.clone())
        .save_thread(&Thread::new(summary.clone(), posts.clone()))
        .unwrap();
    let (mut h, _) = Harness::index_later(temp, dir, &UiState::default());
    let key = format!("t:{}", summary.id);
    let index = h
        .state
        .tree
        .nodes()
        .iter()
        .position(|n| n.key == key)
        .unwrap();
    h.state.tree.select_node(index);
    h.act(Action::Open);
    assert_eq!(h.state.reader.thread_id(), Some(&summary.id));
    (h, summaries, read, muted, summary.clone())
}

/// A sync brought `n` new threads into the area of `like` (written to the cache as the
/// engine does): the report it sends.
fn sync_adds_threads(
    h: &Harness,
    summaries: &[ThreadSummary],
    like: &ThreadSummary,
    n: usize,
) -> threadmark::sync::ingest::IngestReport {
    let cache = Cache::open(h.dir.clone());
    let mut all = summaries.to_vec();
    let mut report = threadmark::sync::ingest::IngestReport::default();
    for i in 0..n {
        let mut new = like.clone();
        new.id = threadmark::model::ThreadId::new(format!("new-{i}"));
        new.title = format!("Brand new thread {i}").into();
        report.changed.insert(new.id.clone());
        all.push(new);
    }
    cache.save_index(&all).unwrap();
    report
}

fn node<'a>(
    tree: &'a threadmark::app::tree::TreeModel,
    key: &str,
) -> &'a threadmark::app::tree::model::TreeNode {
    tree.nodes().iter().find(|n| n.key == key).unwrap()
}

/// The list reloaded after a sync that adds threads comes with its tree built by the store
/// worker, from what the reader showed: the reader shows that tree, with the selection,
/// the open thread, the read counts and the muted thread kept, and the new threads listed.
#[test]
fn a_list_reloaded_after_a_sync_comes_with_its_tree_built_by_the_worker() {
    use threadmark::app::Msg;
    use threadmark::sync::protocol::SyncEvent;
    let (mut h, summaries, _, muted, open) = reading_a_big_cache();
    let selected = h.state.tree.selected().unwrap().key.clone();
    let unread_before = h.state.tree.total_unread();
    let area = format!("a:{}", open.area);
    let area_before = node(&h.state.tree, &area).unread;
    let muted_key = format!("t:{}", muted.id);
    let muted_before = node(&h.state.tree, &muted_key).clone();
    assert_eq!(muted_before.watch, threadmark::model::WatchLevel::Muted);
    let report = sync_adds_threads(&h, &summaries, &open, 3);

    let effects = h.send_held(Msg::Sync(SyncEvent::Pulled(report)));
    let reload = effects
        .into_iter()
        .find(|e| matches!(e, Effect::ReloadIndex(_)))
        .expect("the list is reloaded");
    let Effect::ReloadIndex(basis) = &reload else {
        unreachable!()
    };
    assert_eq!(basis.selected.as_deref(), Some(selected.as_str()));
    assert_eq!(basis.read, h.state.data.read);
    let answers = h.answers(reload);
    let Some(Msg::IndexLoaded(data)) = answers.last() else {
        panic!("{answers:?}")
    };
    let built = data.tree.as_ref().expect("the worker built the tree");
    let built_nodes = built.tree.nodes().to_vec();
    assert!(built_nodes.iter().any(|n| n.key == "t:new-2"));
    for msg in answers {
        h.send(msg);
    }

    assert_eq!(
        h.state.tree.nodes(),
        built_nodes.as_slice(),
        "the worker's tree"
    );
    assert_eq!(h.state.tree.selected().unwrap().key, selected);
    assert_eq!(h.state.reader.thread_id(), Some(&open.id), "still open");
    assert_eq!(h.state.data.threads.len(), summaries.len() + 3);
    let new = node(&h.state.tree, "t:new-0");
    assert_eq!(new.unread, open.post_count, "a new thread is unread");
    assert_eq!(
        h.state.tree.total_unread(),
        unread_before + 3 * open.post_count
    );
    assert_eq!(
        node(&h.state.tree, &area).unread,
        area_before + 3 * open.post_count
    );
    let muted_after = node(&h.state.tree, &muted_key);
    assert_eq!(muted_after.watch, threadmark::model::WatchLevel::Muted);
    assert_eq!(muted_after.unread, muted_before.unread);
}

/// The user selects and marks a thread read while the worker builds the reloaded list: its
/// tree is not taken (it was built on what the reader showed before), the list shows the
/// new threads with the selection and the read counts as they are now.
#[test]
fn a_tree_built_before_the_user_moved_or_read_is_not_taken() {
    use threadmark::app::{Action, Msg};
    use threadmark::sync::protocol::SyncEvent;
    let (mut h, summaries, _, _, open) = reading_a_big_cache();
    let report = sync_adds_threads(&h, &summaries, &open, 2);
    let effects = h.send_held(Msg::Sync(SyncEvent::Pulled(report)));
    let reload = effects
        .into_iter()
        .find(|e| matches!(e, Effect::ReloadIndex(_)))
        .expect("the list is reloaded");
    let answers = h.answers(reload);
    let Some(Msg::IndexLoaded(data)) = answers.last() else {
        panic!("{answers:?}")
    };
    let built = data.tree.as_ref().expect("the worker built the tree");
    let other = summaries
        .iter()
        .find(|t| t.id != open.id && node(&built.tree, &format!("t:{}", t.id)).unread > 0)
        .unwrap();
    let marked = format!("t:{}", other.id);
    assert!(node(&built.tree, &marked).unread > 0);

    // Meanwhile: another thread selected in the tree and marked read.
    h.act(Action::FocusTree);
    let index = h
        .state
        .tree
        .nodes()
        .iter()
        .position(|n| n.key == marked)
        .unwrap();
    h.state.tree.select_node(index);
    h.act(Action::MarkThreadRead);
    assert_eq!(node(&h.state.tree, &marked).unread, 0);
    let selected = marked.clone();
    let unread_now = h.state.tree.total_unread();
    for msg in answers {
        h.send(msg);
    }

    assert_eq!(h.state.tree.selected().unwrap().key, selected);
    assert_eq!(
        node(&h.state.tree, &marked).unread,
        0,
        "marked read stays read"
    );
    assert_eq!(
        h.state.tree.total_unread(),
        unread_now + 2 * open.post_count,
        "the new threads added to the counts as they are now"
    );
    assert!(h.state.tree.nodes().iter().any(|n| n.key == "t:new-1"));
    assert_eq!(h.state.reader.thread_id(), Some(&open.id), "still open");
}
