//! The Messages area in the reader: private messages are threads of a "Messages" section
//! with their unread count, read like threads, and `c` there writes a message — sending
//! asks for the recipients in the status line (commas or spaces), and esc there keeps
//! every word typed (in the composer, then as a draft).

use crate::harness::Harness;
use threadmark::app::state::PromptKind;
use threadmark::model::{OutboxEntry, Target, ThreadId, messages_area, with_messages};
use threadmark::store::{Drafts, Outbox};

/// The remote forum with a Messages area holding one unread message, "Friday plans" (a
/// copy of a demo thread).
fn with_a_message() -> Harness {
    Harness::remote_with(120, 40, |data, demo| {
        with_messages(&mut data.forum);
        let mut thread = demo.load_thread(&data.threads[0].id).unwrap().unwrap();
        thread.summary.id = ThreadId::new("pm-friday");
        thread.summary.area = messages_area();
        thread.summary.title = "Friday plans".into();
        for post in &mut thread.posts {
            post.thread = thread.summary.id.clone();
        }
        data.threads.push(thread.summary.clone());
        vec![thread]
    })
}

/// Selects the message "Friday plans" (the Messages section is the tree's first).
fn to_message(h: &mut Harness) {
    h.keys("gg");
    for _ in 0..5 {
        if h.state
            .tree
            .selected()
            .is_some_and(|n| n.key == "t:pm-friday")
        {
            return;
        }
        h.keys("j");
    }
    panic!("no message row near the top:\n{}", h.screen());
}

fn outbox(h: &Harness) -> Vec<OutboxEntry> {
    Outbox::open(&h.dir).list().unwrap().0
}

#[test]
fn messages_are_an_area_with_unread_counts_read_like_threads() {
    let mut h = with_a_message();
    let screen = h.screen();
    assert!(screen.contains("Messages"), "{screen}");
    assert!(screen.contains("Private messages"), "{screen}");
    assert!(screen.contains("Friday plans"), "{screen}");
    to_message(&mut h);
    let before = h.unread();
    h.keys("<enter>");
    let open = h.state.reader.open.as_ref().expect("opens like any thread");
    assert_eq!(open.id().as_str(), "pm-friday");
    assert!(h.unread() < before, "reading it counts it read");
}

#[test]
fn c_in_messages_asks_for_recipients_and_esc_there_keeps_the_text() {
    let mut h = with_a_message();
    to_message(&mut h);
    h.keys("c");
    assert!(h.state.composer.is_some(), "c on a message starts one");
    h.keys("Lunch<tab>Lunch on me next week.<ctrl-s>");
    let prompt = h
        .state
        .prompt
        .as_ref()
        .expect("sending asks for recipients");
    assert_eq!(prompt.kind, PromptKind::Recipients);
    assert!(h.screen().contains("message to (names):"), "{}", h.screen());
    assert!(outbox(&h).is_empty(), "nothing queued without recipients");

    // Esc: nothing sent, nothing lost.
    h.keys("ann<esc>");
    assert!(h.state.prompt.is_none());
    let composer = h.state.composer.as_ref().expect("the text stays");
    assert_eq!(composer.body_text(), "Lunch on me next week.");
    assert!(h.notice().contains("not sent"), "{}", h.notice());
    assert!(outbox(&h).is_empty());

    // Closed, it is a draft; resumed and sent, it asks again.
    h.keys("<esc>");
    let drafts = Drafts::open(&h.dir).list().unwrap().0;
    assert_eq!(drafts.len(), 1);
    assert_eq!(drafts[0].body, "Lunch on me next week.");
    h.keys("c");
    assert_eq!(
        h.state.composer.as_ref().unwrap().body_text(),
        "Lunch on me next week.",
        "the draft is resumed"
    );
    h.keys("<ctrl-s>ann, @bob  cy<enter>");
    assert!(h.state.composer.is_none(), "sent");
    let entries = outbox(&h);
    assert_eq!(entries.len(), 1);
    assert_eq!(
        entries[0].target,
        Target::Message {
            to: vec!["ann".into(), "bob".into(), "cy".into()],
            title: "Lunch".into()
        }
    );
    assert_eq!(entries[0].body, "Lunch on me next week.");
}

#[test]
fn an_empty_recipient_list_sends_nothing() {
    let mut h = with_a_message();
    to_message(&mut h);
    h.keys("cHi<tab>Some words here.<ctrl-s> , <enter>");
    assert!(h.state.composer.is_some());
    assert!(outbox(&h).is_empty());
    assert!(h.notice().contains("no recipient"), "{}", h.notice());
}

/// The remote forum with three more cached threads, started by `annabel`, `anna_k` and `bob`.
fn with_authors() -> Harness {
    Harness::remote_with(120, 40, |data, demo| {
        with_messages(&mut data.forum);
        let mut threads = Vec::new();
        for name in ["annabel", "anna_k", "bob"] {
            let mut thread = demo.load_thread(&data.threads[0].id).unwrap().unwrap();
            thread.summary.id = ThreadId::new(format!("by-{name}"));
            thread.summary.author.name = name.into();
            for post in &mut thread.posts {
                post.thread = thread.summary.id.clone();
            }
            data.threads.push(thread.summary.clone());
            threads.push(thread);
        }
        threads
    })
}

fn body(h: &Harness) -> String {
    h.state.composer.as_ref().unwrap().body_text()
}

#[test]
fn tab_after_an_at_name_completes_it_from_the_cache_then_from_the_server() {
    use threadmark::app::{Effect, Msg};
    use threadmark::sync::{Connection, SyncCommand, SyncEvent, SyncStatus};
    let mut h = with_authors();
    h.send(Msg::Sync(SyncEvent::Status(SyncStatus {
        connection: Connection::Online,
        last_success_at: None,
        outbox_pending: 0,
        banner: None,
        outbox_note: None,
    })));
    h.keys("GcTitle<tab>");
    h.keys("Ask @bo<tab>");
    assert_eq!(
        body(&h),
        "Ask @bob ",
        "one name: written out ({})",
        h.notice()
    );
    h.keys("and @an<tab>");
    assert_eq!(
        body(&h),
        "Ask @bob and @anna",
        "two names: their common start"
    );
    assert!(h.notice().contains("@annabel"), "{}", h.notice());
    assert!(h.notice().contains("@anna_k"), "{}", h.notice());
    assert!(
        h.effects
            .contains(&Effect::Sync(SyncCommand::SearchUsers("an".into()))),
        "the server is asked too, off the reader's loop"
    );
    // The server knows one more; its answer completes what is still being typed.
    h.keys("_<tab>");
    assert_eq!(body(&h), "Ask @bob and @anna_k ");
    h.keys("@zo<tab>");
    assert_eq!(body(&h), "Ask @bob and @anna_k @zo", "nothing known yet");
    h.send(Msg::Sync(SyncEvent::Users {
        prefix: "zo".into(),
        result: Ok(vec!["zoe".into(), "Annabel".into()]),
    }));
    assert_eq!(body(&h), "Ask @bob and @anna_k @zoe ", "the server's name");
    // Elsewhere tab does what it did: in a reply's text it indents.
    let before = body(&h);
    h.keys("x<tab>");
    assert_eq!(
        body(&h),
        format!("{before}x"),
        "a new thread's tab moves to its title"
    );
}
