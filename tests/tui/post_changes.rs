//! `e`, `d` and `+` in the reader, driven through `update` with the store jobs run against
//! real folders: each change is an outbox entry of its own kind, a post not yours or a
//! server kind that cannot do it is explained before anything is queued, and the post's
//! header shows what is on its way.

use crate::harness::Harness;
use threadmark::model::{Capabilities, Me, OutboxEntry, OutboxState, Target};
use threadmark::store::Outbox;

/// The Advocacy thread open at Connie Williams's reply (#2), the account signed in as
/// `me`.
fn at_connie_as(me: &str) -> Harness {
    let mut h = Harness::remote(120, 40);
    h.state.me = Some(Me {
        name: me.into(),
        moderator: false,
    });
    h.open_advocacy();
    h.keys("J");
    assert_eq!(h.current_seq(), 2);
    h
}

fn outbox(h: &Harness) -> Vec<OutboxEntry> {
    Outbox::open(&h.dir).list().unwrap().0
}

fn screen(h: &Harness) -> String {
    h.screen()
}

/// The header row of post #2 on screen.
fn connie_header(h: &Harness) -> String {
    screen(h)
        .lines()
        .find(|l| l.contains("Connie Williams · #2"))
        .unwrap_or_default()
        .to_owned()
}

#[test]
fn e_edits_your_post_and_a_second_edit_replaces_the_queued_text() {
    let mut h = at_connie_as("Connie Williams");
    let before = {
        let open = h.state.reader.open.as_ref().unwrap();
        open.post(h.state.reader.current).unwrap().clone()
    };
    h.keys("e");
    let composer = h.state.composer.as_ref().expect("e opens the composer");
    assert_eq!(
        composer.body_text(),
        before.body.text,
        "it starts from the post's text"
    );
    assert!(
        composer.heading.contains("Edit of Connie Williams (#2)"),
        "{}",
        composer.heading
    );
    h.keys(" (edited)<ctrl-s>");
    let entries = outbox(&h);
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].body, format!("{} (edited)", before.body.text));
    assert_eq!(
        entries[0].target,
        Target::Edit {
            thread: before.thread.clone(),
            post: before.id.clone(),
            base_version: before.version,
            original: before.body.text.clone(),
        }
    );
    assert!(
        connie_header(&h).contains("edit on its way"),
        "{}",
        connie_header(&h)
    );

    // Still waiting: the second edit starts from the queued text and takes its place.
    h.keys("e");
    let composer = h
        .state
        .composer
        .as_ref()
        .expect("e opens the composer again");
    assert_eq!(
        composer.body_text(),
        format!("{} (edited)", before.body.text)
    );
    h.keys(" twice<ctrl-s>");
    let entries = outbox(&h);
    assert_eq!(entries.len(), 1, "one request, the last text: {entries:?}");
    assert_eq!(
        entries[0].body,
        format!("{} (edited) twice", before.body.text)
    );
    assert!(
        h.notice().contains("only the last text is sent"),
        "{}",
        h.notice()
    );
}

#[test]
fn e_and_d_on_a_post_not_yours_say_why_and_queue_nothing() {
    let mut h = at_connie_as("Someone Else");
    h.keys("e");
    assert!(h.state.composer.is_none());
    assert!(
        h.notice()
            .contains("Connie Williams wrote that post: you can edit only your own"),
        "{}",
        h.notice()
    );
    h.keys("d");
    assert!(
        h.notice().contains("you can delete only your own"),
        "{}",
        h.notice()
    );
    h.keys("y");
    assert!(outbox(&h).is_empty());
    // A moderator may change any post: the server decides.
    h.state.me = Some(Me {
        name: "Someone Else".into(),
        moderator: true,
    });
    h.keys("e");
    assert!(
        h.state.composer.is_some(),
        "a moderator edits others' posts"
    );
}

#[test]
fn d_asks_first_then_the_post_shows_deleting() {
    let mut h = at_connie_as("Connie Williams");
    h.keys("d");
    assert!(h.notice().contains("delete post #2?"), "{}", h.notice());
    h.keys("n");
    assert_eq!(h.notice(), "kept");
    assert!(outbox(&h).is_empty(), "no is no");
    h.keys("d");
    h.keys("y");
    let entries = outbox(&h);
    assert_eq!(entries.len(), 1);
    assert!(
        matches!(entries[0].target, Target::Delete { .. }),
        "{entries:?}"
    );
    assert_eq!(entries[0].state, OutboxState::Queued);
    assert!(
        connie_header(&h).contains("deleting…"),
        "{}",
        connie_header(&h)
    );
    h.keys("d");
    assert!(
        h.notice().contains("being deleted already"),
        "{}",
        h.notice()
    );
    assert_eq!(outbox(&h).len(), 1);
}

#[test]
fn plus_likes_at_once_with_a_pending_mark_and_again_takes_it_back() {
    let mut h = at_connie_as("Someone Else");
    assert!(!connie_header(&h).contains("like"), "{}", connie_header(&h));
    h.keys("+");
    assert!(
        connie_header(&h).contains("1 like, yours (sending…)"),
        "{}",
        connie_header(&h)
    );
    h.keys("+");
    let kinds: Vec<&str> = outbox(&h).iter().map(|e| e.target.kind()).collect();
    assert_eq!(kinds, ["like", "unlike"]);
    assert!(
        connie_header(&h).contains("0 likes (sending…)"),
        "{}",
        connie_header(&h)
    );
}

#[test]
fn a_server_kind_without_edits_or_likes_says_so_before_anything_is_typed() {
    let mut h = at_connie_as("Connie Williams");
    h.state.capabilities = Capabilities::none("a Lemmy instance");
    h.keys("e");
    assert!(h.state.composer.is_none());
    assert!(
        h.notice()
            .contains("threadmark cannot edit posts on a Lemmy instance yet"),
        "{}",
        h.notice()
    );
    h.keys("+");
    assert!(h.notice().contains("cannot like posts"), "{}", h.notice());
    h.keys("d");
    assert!(h.notice().contains("cannot delete posts"), "{}", h.notice());
    assert!(outbox(&h).is_empty());
}

#[test]
fn e_on_your_reply_still_queued_changes_that_entry() {
    let mut h = at_connie_as("Someone Else");
    h.keys("rFirst tought<ctrl-s>");
    let first = outbox(&h);
    assert_eq!(first.len(), 1);
    // The echo sits under Connie's reply, after the replies the server has.
    let is_echo = |h: &Harness| {
        h.state
            .reader
            .open
            .as_ref()
            .unwrap()
            .is_echo(h.state.reader.current)
    };
    for _ in 0..20 {
        if is_echo(&h) {
            break;
        }
        h.keys("J");
    }
    assert!(is_echo(&h), "J reaches the queued reply");
    h.keys("e");
    let composer = h.state.composer.as_mut().expect("e opens the queued text");
    assert_eq!(composer.body_text(), "First tought");
    h.keys("<backspace><backspace><backspace><backspace><backspace>hought<ctrl-s>");
    let entries = outbox(&h);
    assert_eq!(entries.len(), 1, "still one entry: {entries:?}");
    assert_eq!(entries[0].key, first[0].key, "under the same key");
    assert_eq!(entries[0].body, "First thought");
    assert!(h.notice().contains("still one request"), "{}", h.notice());
}
