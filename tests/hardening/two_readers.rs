//! Two readers on one account: the one that quits last saves from a copy of the read
//! state and the view that is older than the other's, and must not write it over what
//! the other saved — read marks and dismissed announcements of both are kept. The real
//! binary in two pseudo-terminals, on the bundled demo forum.

use crate::pty_session::PtySession;
use serde_json::Value;
use std::path::Path;

fn account_file(home: &Path, name: &str) -> Value {
    let path = home.join("data/accounts/demo").join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap()
}

fn reader(home: &Path) -> PtySession {
    let mut session = PtySession::start(home, &[], &[], 120, 40);
    session.wait_for_text("gray-out");
    session
}

#[test]
fn the_reader_quitting_last_keeps_what_the_other_marked() {
    let home = tempfile::tempdir().unwrap();
    let mut first = reader(home.path());
    let mut second = reader(home.path());

    // The first reader opens the Advocacy thread, marks it read, dismisses the
    // gray-out announcement, and quits: it saves.
    first.send("G\r");
    first.wait_for_text("Connie Williams");
    first.send("m");
    first.wait_for_text("marked the thread read");
    first.send("X");
    first.wait_for("the announcement dismissed", |s| !s.contains("gray-out"));
    first.send("q");
    first.wait_exit();
    let read = account_file(home.path(), "read.json");
    let through = read["read"]["threads"]["advocacy-1"]["read_through"].clone();
    assert!(through.as_u64().unwrap_or(0) > 0, "{read}");

    // The second reader saw none of that; it reads nothing and quits last.
    assert!(second.screen().contains("gray-out"));
    second.send("q");
    second.wait_exit();

    let read = account_file(home.path(), "read.json");
    assert_eq!(
        read["read"]["threads"]["advocacy-1"]["read_through"], through,
        "the first reader's marks survive the second one's save: {read}"
    );
    let ui = account_file(home.path(), "ui.json");
    assert_eq!(
        ui["dismissed_banners"],
        serde_json::json!(["gray-out"]),
        "{ui}"
    );

    // And a third start shows it so.
    let mut third = PtySession::start(home.path(), &[], &[], 120, 40);
    let screen = third.wait_for_text("0 unread");
    assert!(!screen.contains("gray-out"), "{screen}");
    third.send("q");
    third.wait_exit();
}
