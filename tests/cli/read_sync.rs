//! Read state follows the account: two data directories signed in to one account of the
//! real reference server, marking in one (`threadmark mark`, the reader in a
//! pseudo-terminal) and syncing both; offline marks on both merged by the rule; another
//! user's client sees none of it; `read_sync = false` sends nothing.

use crate::pty_session::PtySession;
use crate::serve::{Client, Served, text, tree_thread};
use serde_json::Value;

const THREAD: &str = "advocacy-1";

/// The thread's unread count and post count in `tree --json`.
fn unread(client: &Client) -> (u64, u64) {
    let out = client.run(&["tree", "--json"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let tree: Value = serde_json::from_slice(&out.stdout).unwrap();
    let thread = tree_thread(&tree, THREAD);
    (
        thread["unread"].as_u64().unwrap(),
        thread["posts"].as_u64().unwrap(),
    )
}

#[test]
fn marks_made_on_one_machine_show_on_the_other_and_on_no_one_elses() {
    let store = tempfile::tempdir().unwrap();
    let server = Served::demo(store.path(), &[]);
    let member = server.member_token.clone().unwrap();
    let (laptop, desktop) = (
        Client::synced(&server, &member),
        Client::synced(&server, &member),
    );
    let (fresh, posts) = unread(&laptop);
    assert_eq!(fresh, posts, "nothing read yet");

    // Read on the laptop: queued, sent by its sync, shown read on the desktop.
    let said = laptop.ok(&["mark", "advocacy", "--read"]);
    assert!(said.contains("queued for the server"), "{said}");
    assert_eq!(laptop.queued_marks(), 1);
    assert_eq!(unread(&laptop).0, 0);
    laptop.ok(&["sync"]);
    assert_eq!(laptop.queued_marks(), 0, "sent and gone from the queue");
    desktop.ok(&["sync"]);
    assert_eq!(unread(&desktop).0, 0, "read on the other machine");

    // Unread from #3 on the desktop: the laptop shows it unread after its sync.
    desktop.ok(&["mark", "advocacy", "--unread", "--to", "#3"]);
    desktop.ok(&["sync"]);
    laptop.ok(&["sync"]);
    assert_eq!(unread(&laptop).0, posts - 2);

    // Offline on both: the laptop reads it all, then the desktop marks it unread from
    // #2 — the later, deliberate unread wins everywhere once both sync.
    let admin_token = server.admin_token.clone().unwrap();
    let addr = server.addr.clone();
    server.kill();
    laptop.ok(&["mark", "advocacy", "--read"]);
    desktop.ok(&["mark", "advocacy", "--unread", "--to", "#2"]);
    assert!(!laptop.run(&["sync"]).status.success(), "offline");
    assert_eq!(laptop.queued_marks(), 1, "kept while offline");
    let server = Served::start(store.path(), &addr, false, &[]);
    laptop.ok(&["sync"]);
    desktop.ok(&["sync"]);
    laptop.ok(&["sync"]);
    assert_eq!(unread(&laptop).0, posts - 1, "laptop");
    assert_eq!(unread(&desktop).0, posts - 1, "desktop");

    // Another user on the same server: none of it.
    let admin = Client::synced(&server, &admin_token);
    assert_eq!(unread(&admin).0, posts);
}

#[test]
fn what_the_reader_marks_read_reaches_the_other_machine() {
    let store = tempfile::tempdir().unwrap();
    let server = Served::demo(store.path(), &[]);
    let member = server.member_token.clone().unwrap();
    let (laptop, desktop) = (
        Client::synced(&server, &member),
        Client::synced(&server, &member),
    );

    let mut reader = PtySession::start(laptop.home.path(), &[], &[], 120, 40);
    reader.wait_for_text(" q quit");
    reader.send("/\u{15}Advocacy\r\r");
    reader.wait_for_text("Connie Williams");
    reader.send("m");
    reader.wait_for_text("marked the thread read");
    reader.send("q");
    reader.wait_exit();
    laptop.ok(&["sync"]);
    assert_eq!(laptop.queued_marks(), 0);

    desktop.ok(&["sync"]);
    assert_eq!(unread(&desktop).0, 0);
}

#[test]
fn with_read_sync_off_nothing_about_reading_is_sent() {
    let store = tempfile::tempdir().unwrap();
    let server = Served::demo(store.path(), &[]);
    let member = server.member_token.clone().unwrap();
    let (private, other) = (
        Client::synced(&server, &member),
        Client::synced(&server, &member),
    );
    let config = std::fs::read_to_string(private.config()).unwrap();
    std::fs::write(private.config(), format!("{config}read_sync = false\n")).unwrap();

    let said = private.ok(&["mark", "advocacy", "--read"]);
    assert!(!said.contains("queued"), "{said}");
    assert_eq!(private.queued_marks(), 0);
    private.ok(&["sync"]);
    other.ok(&["sync"]);
    let (left, posts) = unread(&other);
    assert_eq!(left, posts);
}

#[test]
fn a_sync_killed_while_sending_marks_loses_none_and_applies_none_twice() {
    use threadmark::model::{ReadMark, ReadMarker, ThreadId};
    use threadmark::store::{DataDir, ReadMarks};
    let store = tempfile::tempdir().unwrap();
    let server = Served::demo(store.path(), &["--writes-per-minute", "0"]);
    let member = server.member_token.clone().unwrap();
    let laptop = Client::synced(&server, &member);
    let (_, posts) = unread(&laptop);
    let posts = u32::try_from(posts).unwrap();
    let marks = ReadMarks::open(&DataDir::new(laptop.data_dir()).account("work"));
    let thread = ThreadId::new(THREAD);
    let t0 = jiff::Timestamp::from_second(1_700_000_000).unwrap();
    let mut expected = ReadMarker::default();
    for i in 0..40_u32 {
        let at = t0 + jiff::SignedDuration::from_secs(i64::from(i));
        let seq = 1 + (i * 7) % posts;
        let mark = if i % 3 == 2 {
            ReadMark::UnreadFrom { seq, at }
        } else {
            ReadMark::ReadTo { seq, at }
        };
        expected.apply(&mark);
        marks.enqueue(&thread, mark).unwrap();
    }
    // Killed at different points of the drain; every run sends what it can.
    for delay_ms in [5_u64, 40, 120, 300] {
        let mut child = laptop.command(&["sync"]).spawn().unwrap();
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        let _ = child.kill();
        let _ = child.wait();
    }
    laptop.ok(&["sync"]);
    assert_eq!(marks.list().unwrap(), vec![], "every mark sent");
    let api = crate::support::api::Api::new(&server.url, &member);
    let marker = api.get(&format!("/threads/{THREAD}/read"));
    assert_eq!(marker["read_to_seq"], expected.read_to_seq, "{marker}");
}
