//! `i`, the reader's Inbox, driven through `update`, screens rendered into a test backend,
//! the store jobs run against real folders: items newest first with unread ones marked;
//! enter goes to the post in its thread and marks the item read in `inbox.json` and
//! queued in `marks/`; `r` and `R` mark without going; the status line's count follows.

use crate::harness::Harness;
use jiff::Timestamp;
use threadmark::app::state::Overlay;
use threadmark::app::{Effect, StoreJob};
use threadmark::model::{Author, InboxItem, InboxKind, ThreadId};
use threadmark::store::{Cache, Queued, ReadMarks, load_inbox, merge_inbox};
use threadmark::sync::protocol::SyncCommand;

fn screen(h: &Harness) -> String {
    h.screen()
}

/// The status line once the last notice has gone (it shows in the counts' place).
fn status_line(h: &mut Harness) -> String {
    h.state.status.notice = None;
    screen(h).lines().last().unwrap().to_owned()
}

/// An inbox item on post `#seq` of the Advocacy thread, `minute` minutes into 2026.
fn item(h: &Harness, id: &str, seq: u32, minute: i64, kind: InboxKind, author: &str) -> InboxItem {
    let thread = Cache::open(h.dir.clone())
        .load_thread(&ThreadId::new("advocacy-1"))
        .unwrap()
        .unwrap();
    let post = thread.posts.iter().find(|p| p.seq == seq).unwrap();
    InboxItem {
        id: id.into(),
        kind,
        thread: thread.summary.id.clone(),
        thread_title: thread.summary.title.to_string(),
        post: post.id.clone(),
        seq,
        author: Author::new(author),
        excerpt: format!("excerpt of {id}"),
        created_at: Timestamp::from_second(1_767_225_600 + minute * 60).unwrap(),
        read: false,
        announced: false,
    }
}

/// An account that sends its read state, with three inbox items: `old` (a mention on #2),
/// `new` (a reply on #5, the newest) and `seen` (a quote on #3, already read).
fn with_inbox() -> Harness {
    let mut h = Harness::remote(120, 40);
    h.queueing_read_marks();
    let mut seen = item(&h, "seen", 3, 5, InboxKind::Quote, "carol");
    seen.read = true;
    let items = vec![
        item(&h, "old", 2, 1, InboxKind::Mention, "alice"),
        item(&h, "new", 5, 9, InboxKind::Reply, "bob"),
        seen,
    ];
    merge_inbox(&h.dir, items, false).unwrap();
    h.run_effects(vec![Effect::Store(StoreJob::LoadInbox)]);
    h
}

fn queued_inbox_reads(h: &Harness) -> Vec<Vec<String>> {
    ReadMarks::open(&h.dir)
        .list_all()
        .unwrap()
        .into_iter()
        .filter_map(|q| match q {
            Queued::InboxRead(r) => Some(r.inbox_read),
            _ => None,
        })
        .collect()
}

fn is_read(h: &Harness, id: &str) -> bool {
    load_inbox(&h.dir)
        .unwrap()
        .items
        .into_iter()
        .find(|i| i.id == id)
        .unwrap()
        .read
}

#[test]
fn i_lists_the_inbox_newest_first_and_enter_goes_to_the_post_marking_it_read() {
    let mut h = with_inbox();
    assert!(
        status_line(&mut h).contains("inbox 2"),
        "{}",
        status_line(&mut h)
    );

    h.keys("i");
    assert_eq!(h.state.overlay, Overlay::Inbox { selected: 0 });
    let shown = screen(&h);
    assert!(shown.contains(" Inbox (2 unread) — "), "{shown}");
    let rows: Vec<&str> = shown
        .lines()
        .filter(|l| l.contains("excerpt of") || l.contains(" · #"))
        .collect();
    let at = |what: &str| {
        shown
            .find(what)
            .unwrap_or_else(|| panic!("no {what:?} in:\n{shown}"))
    };
    // Newest first: the reply (9), the quote (5), the mention (1).
    assert!(at("reply   bob") < at("quote   carol"), "{shown}");
    assert!(at("quote   carol") < at("mention alice"), "{shown}");
    assert!(at("excerpt of new") < at("excerpt of seen"), "{shown}");
    // Unread items are marked, the read one not; each says its #N and thread.
    let line_of = |what: &str| *rows.iter().find(|l| l.contains(what)).unwrap();
    assert!(line_of("reply   bob").contains("●"), "{shown}");
    assert!(line_of("mention alice").contains("●"), "{shown}");
    assert!(!line_of("quote   carol").contains("●"), "{shown}");
    assert!(line_of("reply   bob").contains("· #5 ·"), "{shown}");
    assert!(
        line_of("reply   bob").contains("Strategic Framework"),
        "{shown}"
    );

    // Enter on the newest: the reader shows #5 of its thread, the item is read on disk and
    // queued for the server, and the status line counts one.
    h.keys("<enter>");
    assert_eq!(h.state.overlay, Overlay::None);
    assert_eq!(
        h.state.reader.thread_id(),
        Some(&ThreadId::new("advocacy-1"))
    );
    assert_eq!(h.current_seq(), 5);
    assert!(is_read(&h, "new"));
    assert!(!is_read(&h, "old"));
    assert_eq!(queued_inbox_reads(&h), vec![vec!["new".to_owned()]]);
    let marked = h
        .effects
        .iter()
        .position(|e| matches!(e, Effect::Store(StoreJob::MarkInboxRead { .. })))
        .unwrap();
    assert!(
        h.effects[marked..]
            .iter()
            .any(|e| matches!(e, Effect::Sync(SyncCommand::FlushNow))),
        "once queued, the mark is sent now: {:?}",
        h.effects
    );
    assert_eq!(h.state.status.inbox_unread, 1);
    assert!(
        status_line(&mut h).contains("inbox 1"),
        "{}",
        status_line(&mut h)
    );

    // Back in the list the item is no longer marked unread.
    h.keys("i");
    let shown = screen(&h);
    assert!(shown.contains(" Inbox (1 unread) — "), "{shown}");
    let bob = shown.lines().find(|l| l.contains("reply   bob")).unwrap();
    assert!(!bob.contains("●"), "{shown}");
}

#[test]
fn r_marks_one_read_without_going_and_capital_r_marks_all() {
    let mut h = with_inbox();
    h.keys("i");
    // The mention is third (oldest): r marks it and the list stays open.
    h.keys("jjr");
    assert_eq!(h.state.overlay, Overlay::Inbox { selected: 2 });
    assert!(is_read(&h, "old"));
    assert!(!is_read(&h, "new"));
    assert_eq!(
        h.state.reader.thread_id(),
        None,
        "r does not open the thread"
    );
    assert_eq!(
        h.notice(),
        "marked 1 inbox item read (the next sync sends it)"
    );
    assert_eq!(h.state.status.inbox_unread, 1);

    h.keys("R");
    assert_eq!(
        h.notice(),
        "marked 1 inbox item read (the next sync sends it)",
        "the one still unread"
    );
    assert!(is_read(&h, "new"));
    assert_eq!(h.state.status.inbox_unread, 0);
    assert!(
        !status_line(&mut h).contains("· inbox"),
        "{}",
        status_line(&mut h)
    );
    assert_eq!(
        queued_inbox_reads(&h).concat(),
        ["old".to_owned(), "new".to_owned()]
    );
    assert!(screen(&h).contains(" Inbox (0 unread) — "));

    h.keys("<esc>");
    assert_eq!(h.state.overlay, Overlay::None);
}

#[test]
fn an_empty_inbox_says_so_instead_of_opening() {
    let mut h = Harness::remote(120, 40);
    h.keys("i");
    assert_eq!(h.state.overlay, Overlay::None);
    assert!(
        h.notice().starts_with("the inbox is empty"),
        "{}",
        h.notice()
    );
}

#[test]
fn a_sync_bringing_an_item_shows_it_in_the_open_list() {
    let mut h = with_inbox();
    h.keys("i");
    let newer = item(&h, "newer", 4, 20, InboxKind::Message, "dave");
    merge_inbox(&h.dir, vec![newer.clone()], true).unwrap();
    let report = threadmark::sync::ingest::IngestReport {
        inbox_changed: true,
        inbox_news: vec![newer],
        ..Default::default()
    };
    h.send(threadmark::app::Msg::Sync(
        threadmark::sync::protocol::SyncEvent::Pulled(report),
    ));
    assert_eq!(h.state.overlay, Overlay::Inbox { selected: 0 });
    let shown = screen(&h);
    assert!(shown.contains(" Inbox (3 unread) — "), "{shown}");
    let at = |what: &str| {
        shown
            .find(what)
            .unwrap_or_else(|| panic!("{what:?}:\n{shown}"))
    };
    assert!(at("message dave") < at("reply   bob"), "{shown}");
    assert_eq!(h.state.status.inbox_unread, 3);
}
