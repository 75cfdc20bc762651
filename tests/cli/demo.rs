//! The demo can be written in: its own server runs in the reader's process, and the demo
//! key switches it open → read-only → unreachable, so the outbox's hold-and-drain can be
//! watched with no setup. The real binary in a pseudo-terminal, no account configured.

use crate::pty_session::PtySession;
use crate::{stdout_of, threadmark};
use serde_json::Value;

/// Bodies of the demo thread's posts, as `threadmark read --json` has them.
fn bodies(home: &std::path::Path) -> Vec<String> {
    let read: Value = serde_json::from_str(&stdout_of(&threadmark(
        home,
        &["read", "advocacy", "--json"],
        &[],
    )))
    .unwrap();
    read["posts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["body"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn a_reply_in_the_demo_is_held_while_read_only_waits_while_unreachable_and_goes_out_after() {
    let home = tempfile::tempdir().unwrap();
    let mut reader = PtySession::start(home.path(), &[], &[], 140, 40);
    reader.wait_for_text(" online ");
    reader.send("/\u{15}Advocacy\r\r");
    reader.wait_for_text("Connie Williams");

    reader.send("r");
    reader.wait_for_text("ctrl-s");
    reader.send("Written in the demo\u{13}");
    reader.wait_for_text("Advocacy · 9 posts");
    reader.wait_for_text("outbox 0 ");

    reader.send("!");
    reader.wait_for_text(" read-only ");
    reader.send("r");
    reader.wait_for_text("ctrl-s");
    reader.send("Held in the gray-out\u{13}");
    reader.wait_for_text("outbox 1 (1 held)");

    reader.send("!");
    reader.wait_for_text(" offline ");
    reader.send("!");
    reader.wait_for_text(" online ");
    reader.wait_for_text("Advocacy · 10 posts");
    reader.wait_for_text("outbox 0 ");
    reader.send("q");
    assert!(reader.wait_exit().success());

    let bodies = bodies(home.path());
    for sent in ["Written in the demo", "Held in the gray-out"] {
        assert_eq!(
            bodies.iter().filter(|b| b.as_str() == sent).count(),
            1,
            "{sent} posted once: {bodies:?}"
        );
    }
}

#[test]
fn the_command_line_writes_in_the_demo_too() {
    let home = tempfile::tempdir().unwrap();
    let out = crate::command(home.path(), &["reply", "advocacy", "--to", "#2"], &[])
        .stdin(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            use std::io::Write as _;
            child
                .stdin
                .take()
                .unwrap()
                .write_all(b"From the command line")?;
            child.wait_with_output()
        })
        .unwrap();
    stdout_of(&out);
    let synced = stdout_of(&threadmark(home.path(), &["sync"], &[]));
    assert!(synced.contains("1 sent"), "{synced}");
    assert!(bodies(home.path()).contains(&"From the command line".to_owned()));
    let tree = stdout_of(&threadmark(home.path(), &["tree"], &[]));
    assert!(
        tree.contains("9 posts, 8 unread"),
        "your own post is read: {tree}"
    );
}

#[test]
fn your_own_new_thread_is_not_unread_after_sync() {
    let home = tempfile::tempdir().unwrap();
    let mut reader = PtySession::start(home.path(), &[], &[], 140, 40);
    reader.wait_for_text(" online ");
    // The demo's server unreachable: the thread waits in the outbox for `threadmark sync`.
    reader.send("!");
    reader.wait_for_text(" read-only ");
    reader.send("!");
    reader.wait_for_text(" offline ");
    reader.send("/\u{15}Advocacy\r\r");
    reader.wait_for_text("Connie Williams");
    reader.send("c");
    reader.wait_for_text("ctrl-s");
    reader.send("Minutes of my own\tA thread I started\u{13}");
    reader.wait_for_text("outbox 1");
    reader.send("q");
    assert!(reader.wait_exit().success());

    let synced = stdout_of(&threadmark(home.path(), &["sync"], &[]));
    assert!(synced.contains("1 sent"), "{synced}");
    let tree = stdout_of(&threadmark(home.path(), &["tree"], &[]));
    // The title's line, then its id, author and counts on the next.
    let lines: Vec<&str> = tree.lines().collect();
    let title = lines
        .iter()
        .position(|l| l.contains("Minutes of my own"))
        .unwrap_or_else(|| panic!("the new thread is in the tree: {tree}"));
    let counts = lines[title + 1];
    assert!(counts.contains("demo · 1 post"), "{tree}");
    assert!(
        !counts.contains("unread"),
        "your own thread is read: {tree}"
    );
}
