//! `w`, `b` and `'` driven through `update`, screens rendered into a test backend, the
//! store jobs run against real folders: watch levels show in the tree (muted threads
//! dimmed, out of the counts and of `}`), bookmarks in the post's header and in their
//! list, which goes to the post; every change is in `places.json` and queued in `marks/`.

use crate::harness::Harness;
use ratatui::buffer::Buffer;
use ratatui::style::Modifier;
use threadmark::app::Effect;
use threadmark::app::state::Overlay;
use threadmark::model::{Post, PostId, ThreadId, WatchLevel, WatchTarget};
use threadmark::store::{Cache, Queued, ReadMarks, load_places};

const ADVOCACY: &str = "Strategic Framework and Enabling Strategies: Discussion Thread 1: Advocacy";

fn render(h: &Harness) -> Buffer {
    h.render()
}

/// The tree row showing `label` (the tree: left of its border).
fn tree_row(h: &Harness, label: &str) -> (String, u16) {
    let buffer = render(h);
    let rows = crate::harness::lines_of(&buffer);
    let y = rows
        .iter()
        .position(|r| r.split('│').next().unwrap().contains(label))
        .unwrap_or_else(|| panic!("no tree row with {label:?}:\n{}", rows.join("\n")));
    (
        rows[y].split('│').next().unwrap().to_owned(),
        u16::try_from(y).unwrap(),
    )
}

/// Whether the row's label, at the first cell of `label`, is drawn dimmed.
fn dimmed(h: &Harness, label: &str) -> bool {
    let buffer = render(h);
    let (row, y) = tree_row(h, label);
    let x = row.find(label).map(|b| row[..b].chars().count()).unwrap();
    buffer[(u16::try_from(x).unwrap(), y)]
        .modifier
        .contains(Modifier::DIM)
}

/// The demo with a second thread in the Advocacy area ("Second thread", 8 posts,
/// unread), an account that sends its read state.
fn two_threads() -> Harness {
    let mut h = Harness::remote(120, 40);
    h.queueing_read_marks();
    let mut cache = Cache::open(h.dir.clone());
    let mut thread = cache
        .load_thread(&ThreadId::new("advocacy-1"))
        .unwrap()
        .unwrap();
    let id = ThreadId::new("second-1");
    thread.summary.id = id.clone();
    thread.summary.title = "Second thread".into();
    thread.posts = thread
        .posts
        .into_iter()
        .map(|p| Post {
            id: PostId::new(format!("second-1-{}", p.seq)),
            thread: id.clone(),
            reply_to: p
                .reply_to
                .map(|r| PostId::new(r.as_str().replace("advocacy-1", "second-1"))),
            ..p
        })
        .collect();
    cache.save_thread(&thread).unwrap();
    let mut index = cache.load_index().unwrap();
    index.push(thread.summary.clone());
    cache.save_index(&index).unwrap();
    h.run_effects(vec![Effect::LoadIndex]);
    assert_eq!(h.unread(), 16, "two unread threads of 8 posts");
    h
}

fn select(h: &mut Harness, key: &str) {
    let index = h
        .state
        .tree
        .nodes()
        .iter()
        .position(|n| n.key == key)
        .unwrap();
    h.state.tree.select_node(index);
}

fn queued_places(h: &Harness) -> usize {
    ReadMarks::open(&h.dir)
        .list_all()
        .unwrap()
        .into_iter()
        .filter(|q| matches!(q, Queued::Place(_)))
        .count()
}

#[test]
fn w_cycles_the_watch_level_the_tree_shows_it_and_muted_threads_stop_counting() {
    let mut h = two_threads();
    select(&mut h, "t:advocacy-1");
    h.keys("w");
    assert_eq!(
        h.notice(),
        format!("watching: thread \"{ADVOCACY}\" (the next sync sends it)")
    );
    let (row, _) = tree_row(&h, "Strategic Framework and");
    assert!(row.contains("◆ Strategic"), "{row:?}");
    h.keys("w");
    assert!(h.notice().starts_with("tracking: thread"), "{}", h.notice());
    assert!(
        tree_row(&h, "Strategic Framework and")
            .0
            .contains("◇ Strategic")
    );
    h.keys("w");
    assert!(h.notice().starts_with("muted: thread"), "{}", h.notice());

    // Muted: dimmed, no unread dot, left out of the totals.
    let (row, _) = tree_row(&h, "Strategic Framework and");
    assert!(
        !row.contains('●') && !row.contains('◆') && !row.contains('◇'),
        "{row:?}"
    );
    assert!(dimmed(&h, "Strategic Framework and"));
    assert!(!dimmed(&h, "Second thread"));
    assert_eq!(h.unread(), 8, "only the second thread counts");
    let (area, _) = tree_row(&h, "Advocacy");
    assert!(area.trim_end().ends_with(" 8"), "{area:?}");

    // `}` skips the muted thread: from the top it opens the second one, and then there
    // is no other.
    h.state.tree.select_first();
    h.keys("}");
    assert_eq!(
        h.state
            .reader
            .open
            .as_ref()
            .map(|o| o.id().as_str().to_owned()),
        Some("second-1".to_owned())
    );
    h.keys("}");
    assert_eq!(
        h.state.reader.open.as_ref().unwrap().id().as_str(),
        "second-1"
    );
    assert_eq!(h.notice(), "no other thread has unread posts");

    // Kept here and queued for the server, one mark per press.
    let places = load_places(&h.dir).unwrap();
    assert_eq!(
        places.level(&WatchTarget::Thread(ThreadId::new("advocacy-1"))),
        WatchLevel::Muted
    );
    assert_eq!(queued_places(&h), 3);

    // An area's level reaches its threads that have none of their own.
    h.keys("<tab>");
    select(&mut h, "a:advocacy");
    h.keys("w");
    assert_eq!(
        h.notice(),
        "watching: area \"Advocacy\" (the next sync sends it)"
    );
    assert!(tree_row(&h, "Second thread").0.contains("◆ Second"));
    assert!(tree_row(&h, "Advocacy").0.contains("◆ Advocacy"));
    assert!(dimmed(&h, "Strategic Framework and"), "its own level wins");
    // Back to normal: the thread counts again.
    select(&mut h, "t:advocacy-1");
    let before = h.unread();
    h.keys("w");
    assert_eq!(
        h.notice(),
        format!("normal: thread \"{ADVOCACY}\" (the next sync sends it)")
    );
    assert!(!dimmed(&h, "Strategic Framework and"));
    assert_eq!(h.unread(), before + 8);
}

#[test]
fn in_the_reader_w_acts_on_the_open_thread_and_without_read_sync_it_stays_here() {
    let mut h = Harness::remote(120, 40);
    h.open_advocacy();
    h.keys("w");
    assert_eq!(
        h.notice(),
        format!("watching: thread \"{ADVOCACY}\" (kept on this machine only)")
    );
    assert_eq!(queued_places(&h), 0, "nothing is queued for the server");
    assert_eq!(
        load_places(&h.dir)
            .unwrap()
            .level(&WatchTarget::Thread(ThreadId::new("advocacy-1"))),
        WatchLevel::Watching
    );
}

/// The header row of post `#seq` on screen.
fn header(h: &Harness, seq: u32) -> String {
    let needle = format!("· #{seq}");
    crate::harness::lines_of(&render(h))
        .into_iter()
        .find(|l| l.contains(&needle))
        .unwrap_or_default()
}

#[test]
fn b_bookmarks_the_post_and_the_list_goes_back_to_it() {
    let mut h = Harness::remote(120, 40);
    h.queueing_read_marks();
    h.open_advocacy();
    h.keys("J");
    assert_eq!(h.current_seq(), 2);
    let author = h.current_author();
    // Esc at the note: no bookmark.
    h.keys("b");
    assert!(h.state.prompt.is_some(), "b asks for a note");
    h.keys("<esc>");
    assert_eq!(h.notice(), "#2 not bookmarked");
    assert!(load_places(&h.dir).unwrap().bookmarks().is_empty());
    // An empty note is no note.
    h.keys("b<enter>");
    assert_eq!(
        h.notice(),
        "bookmarked #2; ' lists your bookmarks (the next sync sends it)"
    );
    assert!(header(&h, 2).contains("⚑ bookmarked"), "{}", header(&h, 2));
    assert!(!header(&h, 1).contains("⚑"), "{}", header(&h, 1));
    h.keys("J");
    h.keys("bread this again<enter>");
    assert_eq!(h.current_seq(), 3);
    let notes: Vec<_> = load_places(&h.dir)
        .unwrap()
        .bookmarks()
        .into_iter()
        .map(|b| b.note)
        .collect();
    assert_eq!(
        notes,
        [Some("read this again".to_owned()), None],
        "newest first"
    );

    // The list: newest first, the thread's title, #N and the author; no post ids.
    h.keys("gg'");
    assert_eq!(h.state.overlay, Overlay::Bookmarks { selected: 0 });
    let screen = crate::harness::lines_of(&render(&h)).join("\n");
    assert!(screen.contains(" Bookmarks — "), "{screen}");
    let first = screen.find("· #3 by").unwrap();
    let second = screen
        .find(&format!("· #2 by {author}"))
        .unwrap_or_else(|| panic!("{screen}"));
    assert!(first < second, "newest first:\n{screen}");
    assert!(!screen.contains("advocacy-1-2"), "{screen}");
    assert!(
        screen.contains("Strategic Framework and Enabling"),
        "{screen}"
    );

    // Enter on the second goes to #2 in the reader.
    h.keys("j<enter>");
    assert_eq!(h.state.overlay, Overlay::None);
    assert_eq!(h.current_seq(), 2);
    assert_eq!(h.notice(), "#2");

    // A second b removes it, saying so.
    h.keys("b");
    assert_eq!(
        h.notice(),
        "removed the bookmark on #2 (the next sync sends it)"
    );
    assert!(!header(&h, 2).contains("⚑"), "{}", header(&h, 2));

    // d in the list removes #3; the list, empty, closes and says so.
    h.keys("'");
    let screen = crate::harness::lines_of(&render(&h)).join("\n");
    assert!(!screen.contains("· #2 by"), "{screen}");
    h.keys("d");
    assert_eq!(h.state.overlay, Overlay::None);
    assert_eq!(
        h.notice(),
        "no bookmarks: b on a post in the reader sets one"
    );
    assert!(load_places(&h.dir).unwrap().bookmarks().is_empty());
    assert_eq!(queued_places(&h), 4, "two bookmarks and two removals");
}

#[test]
fn the_bookmarks_list_opens_a_thread_that_is_not_open_at_the_post() {
    let mut h = Harness::remote(120, 40);
    h.open_advocacy();
    h.keys("JJJb<enter>");
    let seq = h.current_seq();
    assert_eq!(seq, 4);
    // Close the thread: back to the tree, another start.
    h.state.reader = threadmark::app::reader::model::Reader::default();
    h.state.focus = threadmark::app::Focus::Tree;
    h.state.tree.select_first();
    h.keys("'<enter>");
    assert_eq!(
        h.state.reader.open.as_ref().unwrap().id().as_str(),
        "advocacy-1"
    );
    assert_eq!(h.current_seq(), 4);
    assert_eq!(h.state.focus, threadmark::app::Focus::Reader);
}
