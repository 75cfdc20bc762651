//! Watch levels and bookmarks follow the account: two data directories signed in to one
//! account of the real reference server, `threadmark watch` / `bookmark` in one, sync
//! both, the other shows them; changes made offline on both settle on the latest; another
//! user sees none of it; `read_sync = false` sends nothing; a sync killed while sending
//! loses nothing and applies nothing twice.

use crate::serve::{Client, Served, text, tree_thread};
use serde_json::Value;

const THREAD: &str = "advocacy-1";

/// The thread's watch level in `tree --json`.
fn watch_of(client: &Client) -> String {
    let tree: Value = serde_json::from_str(&client.ok(&["tree", "--json"])).unwrap();
    crate::json::assert_shape("tree", &tree);
    let thread = tree_thread(&tree, THREAD);
    thread["watch"].as_str().unwrap().to_owned()
}

/// (post, note) of every bookmark in `bookmarks --json`.
fn bookmarks_of(client: &Client) -> Vec<(String, Option<String>)> {
    let list: Value = serde_json::from_str(&client.ok(&["bookmarks", "--json"])).unwrap();
    crate::json::assert_shape("bookmarks", &list);
    list["bookmarks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            (
                b["post"].as_str().unwrap().to_owned(),
                b["note"].as_str().map(str::to_owned),
            )
        })
        .collect()
}

#[test]
fn watch_levels_and_bookmarks_made_on_one_machine_show_on_the_other_and_on_no_one_elses() {
    let store = tempfile::tempdir().unwrap();
    let server = Served::demo(store.path(), &[]);
    let member = server.member_token.clone().unwrap();
    let (laptop, desktop) = (
        Client::synced(&server, &member),
        Client::synced(&server, &member),
    );
    assert_eq!(watch_of(&laptop), "normal");

    let said = laptop.ok(&["watch", THREAD, "--level", "watching"]);
    assert!(
        said.contains("is watching") && said.contains("queued"),
        "{said}"
    );
    let said = laptop.ok(&["bookmark", &format!("{THREAD}#2"), "--note", "answer this"]);
    assert!(said.contains("bookmarked"), "{said}");
    assert_eq!(laptop.queued_marks(), 2);
    assert_eq!(watch_of(&laptop), "watching", "shown here at once");
    laptop.ok(&["sync"]);
    assert_eq!(laptop.queued_marks(), 0, "sent and gone from the queue");
    desktop.ok(&["sync"]);
    assert_eq!(watch_of(&desktop), "watching");
    let marks = bookmarks_of(&desktop);
    assert_eq!(marks.len(), 1, "{marks:?}");
    assert_eq!(marks[0].1.as_deref(), Some("answer this"));
    let human = desktop.ok(&["bookmarks"]);
    assert!(human.contains("answer this"), "{human}");

    // Offline on both: the laptop mutes, then the desktop (later) tracks and removes the
    // bookmark; once both synced, the latest changes stand everywhere.
    let admin_token = server.admin_token.clone().unwrap();
    let addr = server.addr.clone();
    server.kill();
    laptop.ok(&["watch", THREAD, "--level", "muted"]);
    laptop.ok(&["bookmark", &format!("{THREAD}#2"), "--note", "older note"]);
    desktop.ok(&["watch", THREAD, "--level", "tracking"]);
    desktop.ok(&["bookmark", &format!("{THREAD}#2"), "--remove"]);
    assert!(!laptop.run(&["sync"]).status.success(), "offline");
    assert_eq!(laptop.queued_marks(), 2, "kept while offline");
    let server = Served::start(store.path(), &addr, false, &[]);
    laptop.ok(&["sync"]);
    desktop.ok(&["sync"]);
    laptop.ok(&["sync"]);
    for (name, client) in [("laptop", &laptop), ("desktop", &desktop)] {
        assert_eq!(watch_of(client), "tracking", "{name}");
        assert!(bookmarks_of(client).is_empty(), "{name}");
    }

    // Another user on the same server: none of it.
    laptop.ok(&["bookmark", &format!("{THREAD}#3")]);
    laptop.ok(&["sync"]);
    let admin = Client::synced(&server, &admin_token);
    assert_eq!(watch_of(&admin), "normal");
    assert!(bookmarks_of(&admin).is_empty());
    desktop.ok(&["sync"]);
    assert_eq!(
        bookmarks_of(&desktop).len(),
        1,
        "the owner's other machine has it"
    );
}

#[test]
fn a_muted_thread_counts_in_no_unread_total() {
    let store = tempfile::tempdir().unwrap();
    let server = Served::demo(store.path(), &[]);
    let laptop = Client::synced(&server, &server.member_token.clone().unwrap());
    let total = |c: &Client| -> u64 {
        let tree: Value = serde_json::from_str(&c.ok(&["tree", "--json"])).unwrap();
        tree["unread"].as_u64().unwrap()
    };
    let before = total(&laptop);
    laptop.ok(&["watch", THREAD, "--level", "muted"]);
    assert_eq!(watch_of(&laptop), "muted");
    assert!(total(&laptop) < before, "muted posts left out");
    laptop.ok(&["watch", "advocacy", "--level", "muted"]);
    laptop.ok(&["watch", THREAD, "--level", "normal"]);
    assert_eq!(
        watch_of(&laptop),
        "normal",
        "set on the thread after the area"
    );
    let refused = laptop.run(&["watch", THREAD, "--level", "loud"]);
    assert!(!refused.status.success());
    assert!(text(&refused.stderr).contains("watching, tracking, normal or muted"));
}

#[test]
fn with_read_sync_off_no_watch_level_or_bookmark_is_sent() {
    let store = tempfile::tempdir().unwrap();
    let server = Served::demo(store.path(), &[]);
    let member = server.member_token.clone().unwrap();
    let (private, other) = (
        Client::synced(&server, &member),
        Client::synced(&server, &member),
    );
    let config = std::fs::read_to_string(private.config()).unwrap();
    std::fs::write(private.config(), format!("{config}read_sync = false\n")).unwrap();

    let said = private.ok(&["watch", THREAD, "--level", "muted"]);
    assert!(!said.contains("queued"), "{said}");
    private.ok(&["bookmark", &format!("{THREAD}#2")]);
    assert_eq!(private.queued_marks(), 0);
    assert_eq!(watch_of(&private), "muted", "kept here");
    assert_eq!(bookmarks_of(&private).len(), 1, "kept here");
    private.ok(&["sync"]);
    other.ok(&["sync"]);
    assert_eq!(watch_of(&other), "normal");
    assert!(bookmarks_of(&other).is_empty());
}

#[test]
fn a_sync_killed_while_sending_places_loses_none_and_applies_none_twice() {
    use threadmark::model::{PlaceMark, PostId, ThreadId, WatchLevel, WatchTarget};
    use threadmark::store::{DataDir, ReadMarks};
    let store = tempfile::tempdir().unwrap();
    let server = Served::demo(store.path(), &["--writes-per-minute", "0"]);
    let member = server.member_token.clone().unwrap();
    let laptop = Client::synced(&server, &member);
    let api = crate::support::api::Api::new(&server.url, &member);
    let posts = api.get(&format!("/threads/{THREAD}/posts"));
    let ids: Vec<String> = posts["posts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap().to_owned())
        .collect();
    let marks = ReadMarks::open(&DataDir::new(laptop.data_dir()).account("work"));
    let t0 = jiff::Timestamp::from_second(1_700_000_000).unwrap();
    let mut expected = threadmark::model::Places::default();
    for i in 0..40_usize {
        let at = t0 + jiff::SignedDuration::from_secs(i64::try_from(i).unwrap());
        let post = PostId::new(ids[i % ids.len()].clone());
        let mark = match i % 3 {
            0 => PlaceMark::Watch {
                target: WatchTarget::Thread(ThreadId::new(THREAD)),
                level: WatchLevel::ALL[i % 4],
                at,
            },
            1 => PlaceMark::Bookmark {
                post,
                thread: ThreadId::new(THREAD),
                note: Some(format!("note {i}")),
                at,
            },
            _ => PlaceMark::Unbookmark { post, at },
        };
        expected.apply(&mark);
        marks.enqueue_place(mark).unwrap();
    }
    for delay_ms in [5_u64, 40, 120, 300] {
        let mut child = laptop.command(&["sync"]).spawn().unwrap();
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        let _ = child.kill();
        let _ = child.wait();
    }
    let said = laptop.ok(&["sync"]);
    let left = marks.list_all().unwrap();
    assert!(
        left.is_empty(),
        "every change sent: {said} {} left, first {:?}",
        left.len(),
        left.first()
    );
    let thread = api.get(&format!("/threads/{THREAD}"));
    let level = expected.level(&WatchTarget::Thread(ThreadId::new(THREAD)));
    assert_eq!(thread["watch"], level.as_str(), "{thread}");
    let on_server: Vec<(String, Option<String>)> = api.get("/bookmarks")["bookmarks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            (
                b["post_id"].as_str().unwrap().to_owned(),
                b["note"].as_str().map(str::to_owned),
            )
        })
        .collect();
    let mut want: Vec<(String, Option<String>)> = expected
        .bookmarks()
        .into_iter()
        .map(|b| (b.post.to_string(), b.note))
        .collect();
    let mut got = on_server.clone();
    want.sort();
    got.sort();
    assert!(!want.is_empty(), "the run leaves some bookmarks");
    assert_eq!(got, want);
}

#[test]
fn a_post_is_named_by_a_part_of_its_threads_title_and_an_area_name_points_at_the_thread_too() {
    let store = tempfile::tempdir().unwrap();
    let server = Served::demo(store.path(), &[]);
    let laptop = Client::synced(&server, &server.member_token.clone().unwrap());
    let config = std::fs::read_to_string(laptop.config()).unwrap();
    std::fs::write(laptop.config(), format!("{config}read_sync = false\n")).unwrap();

    // `advocacy` is a part of the thread's title, as `threadmark mark advocacy` takes it.
    let said = laptop.ok(&["bookmark", "advocacy#2", "--note", "by title"]);
    assert!(said.contains(&format!("bookmarked {THREAD}#2")), "{said}");
    let marks = bookmarks_of(&laptop);
    assert_eq!(marks.len(), 1);
    assert_eq!(marks[0].1.as_deref(), Some("by title"));
    let missing = laptop.run(&["bookmark", "advocacy#999"]);
    assert!(!missing.status.success());
    assert!(
        text(&missing.stderr).contains("no post #999"),
        "{}",
        text(&missing.stderr)
    );

    // `advocacy` is also the area's id: the area is meant, and the thread is pointed out.
    let said = laptop.ok(&["watch", "advocacy", "--level", "tracking"]);
    assert!(
        said.contains(&format!("threadmark watch {THREAD} --level tracking")),
        "{said}"
    );
    assert_eq!(
        watch_of(&laptop),
        "tracking",
        "the thread takes its area's level"
    );
    laptop.ok(&["watch", THREAD, "--level", "watching"]);
    assert_eq!(watch_of(&laptop), "watching");
}
