//! The screen of an edit in conflict and the earlier versions of a post, driven through
//! `update` with the store jobs run against real folders: both texts shown side by side
//! (or as changes on a narrow terminal), a merge in the composer that becomes an edit of
//! the server's version in place of ours (kept under `outbox/discarded/`), and `E`
//! fetching in the background, saying so offline, and not offered where the server keeps
//! no versions.

use crate::harness::Harness;
use threadmark::app::{Effect, Msg, StoreJob};
use threadmark::model::{Capabilities, Me, OutboxEntry, OutboxState, Post, Target, ThreadId};
use threadmark::store::{Cache, Outbox};
use threadmark::sync::SyncEvent;
use threadmark::sync::protocol::{Connection, SyncCommand};

fn screen(h: &Harness) -> String {
    h.screen()
}

/// The Advocacy thread open at Connie Williams's reply (#2), signed in as her.
fn at_connie(width: u16, height: u16) -> Harness {
    let mut h = Harness::remote(width, height);
    h.state.me = Some(Me {
        name: "Connie Williams".into(),
        moderator: false,
    });
    h.open_advocacy();
    h.keys("J");
    assert_eq!(h.current_seq(), 2);
    h
}

fn current(h: &Harness) -> Post {
    let open = h.state.reader.open.as_ref().unwrap();
    open.post(h.state.reader.current).unwrap().clone()
}

/// Our edit of the current post, in conflict with the server's version 7 "theirs".
fn conflict_here(h: &mut Harness) -> OutboxEntry {
    let post = current(h);
    let outbox = Outbox::open(&h.dir);
    let mut entry = outbox
        .enqueue(&OutboxEntry::new(
            Target::Edit {
                thread: post.thread.clone(),
                post: post.id.clone(),
                base_version: post.version,
                original: post.body.text.clone(),
            },
            "Mine: the fixed text.".into(),
            jiff::Timestamp::now(),
        ))
        .unwrap();
    entry.state = OutboxState::Conflict {
        version: 7,
        theirs: "Theirs: rewritten on the web.".into(),
        deleted: false,
    };
    outbox.update(&entry).unwrap();
    h.run_effects(vec![Effect::Store(StoreJob::LoadOutbox)]);
    entry
}

#[test]
fn both_texts_side_by_side_and_as_changes_when_narrow() {
    let mut h = at_connie(120, 40);
    conflict_here(&mut h);
    let marked = screen(&h);
    assert!(
        marked.contains("e to choose"),
        "the mark says how: {marked}"
    );
    h.keys("e");
    let shown = screen(&h);
    assert!(shown.contains("Edit in conflict"), "{shown}");
    let row = shown
        .lines()
        .find(|l| l.contains("Theirs: rewritten on the web."))
        .unwrap();
    assert!(
        row.contains("Mine: the fixed text."),
        "one row, two columns: {shown}"
    );
    assert!(shown.contains("On the server (version 7)"), "{shown}");
    h.keys("<esc>");
    assert!(!screen(&h).contains("Edit in conflict"));

    let mut h = at_connie(60, 30);
    conflict_here(&mut h);
    h.keys("e");
    let shown = screen(&h);
    assert!(shown.contains("to yours (+)"), "{shown}");
    assert!(shown.contains("- Theirs: rewritten on the web."), "{shown}");
    assert!(shown.contains("+ Mine: the fixed text."), "{shown}");
}

#[test]
fn merge_writes_both_in_the_composer_and_sends_an_edit_of_the_servers_version() {
    let mut h = at_connie(120, 40);
    let ours = conflict_here(&mut h);
    h.keys("em");
    let body = h.state.composer.as_ref().unwrap().body_text();
    let mine = body.find("Mine: the fixed text.").unwrap();
    let theirs = body.find("Theirs: rewritten on the web.").unwrap();
    assert!(mine < theirs, "ours first, theirs below the marker: {body}");
    assert!(body.contains("the server's version (below)"), "{body}");
    h.keys("<ctrl-s>");

    let entries = Outbox::open(&h.dir).list().unwrap().0;
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert_ne!(entries[0].key, ours.key, "the merge takes its place");
    assert_eq!(entries[0].body, body);
    let Target::Edit {
        base_version,
        original,
        ..
    } = &entries[0].target
    else {
        panic!("an edit: {:?}", entries[0].target);
    };
    assert_eq!(
        (*base_version, original.as_str()),
        (7, "Theirs: rewritten on the web.")
    );
    let kept = h
        .dir
        .root()
        .join("outbox/discarded")
        .join(format!("{}.json", ours.key));
    let kept = std::fs::read_to_string(&kept).unwrap_or_else(|e| panic!("{}: {e}", kept.display()));
    assert!(kept.contains("Mine: the fixed text."), "{kept}");
}

#[test]
fn keep_mine_from_the_outbox_list_queues_ours_on_the_new_version() {
    let mut h = at_connie(120, 40);
    let ours = conflict_here(&mut h);
    h.keys("O");
    assert!(screen(&h).contains("conflict"));
    h.keys("<enter>");
    assert!(
        screen(&h).contains("Edit in conflict"),
        "enter in O opens it"
    );
    h.keys("k");
    let entries = Outbox::open(&h.dir).list().unwrap().0;
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert_ne!(entries[0].key, ours.key);
    assert_eq!(entries[0].state, OutboxState::Queued);
    assert_eq!(entries[0].body, "Mine: the fixed text.");
    assert_eq!(entries[0].target.base_version(), Some(7));
    assert!(!screen(&h).contains("Edit in conflict"));
}

/// Marks Connie Williams's reply (#2) as edited in the cache, before the thread opens.
fn edited_connie(h: &mut Harness) {
    let cache = Cache::open(h.dir.clone());
    let mut thread = {
        let mut c = Cache::open(h.dir.clone());
        c.load_thread(&ThreadId::new("advocacy-1"))
            .unwrap()
            .unwrap()
    };
    let post = thread.posts.iter_mut().find(|p| p.seq == 2).unwrap();
    post.edited_at = Some(jiff::Timestamp::now());
    post.version = 2;
    cache.save_thread(&thread).unwrap();
}

#[test]
fn e_fetches_in_the_background_and_says_when_offline() {
    let mut h = Harness::remote(120, 40);
    edited_connie(&mut h);
    h.open_advocacy();
    h.keys("J");
    let post = current(&h);
    assert!(screen(&h).contains("edited"), "the header says edited");
    h.keys("E");
    assert!(
        h.effects.contains(&Effect::Sync(SyncCommand::Revisions {
            post: post.id.clone(),
            version: 2
        })),
        "asked of the sync engine, not waited for"
    );
    assert!(screen(&h).contains("Fetching the earlier versions"));
    h.send(Msg::Sync(SyncEvent::Revisions {
        post: post.id.clone(),
        result: Err("offline: the earlier versions are on the server".into()),
    }));
    assert!(screen(&h).contains("offline: the earlier versions are on the server"));
    h.keys("<esc>");
    assert!(!screen(&h).contains("Earlier versions of #2"));

    // No sync engine could start: said at once, nothing asked of nobody.
    h.state.status.connection = Connection::Offline {
        reason: "the account's token is missing".into(),
        retry_at: None,
    };
    let asked = h.effects.len();
    h.keys("E");
    assert!(screen(&h).contains("no connection to it"), "{}", screen(&h));
    assert!(
        !h.effects[asked..]
            .iter()
            .any(|e| matches!(e, Effect::Sync(SyncCommand::Revisions { .. }))),
        "not asked again"
    );
    h.keys("<esc>");

    // Not edited: nothing to fetch.
    h.keys("K");
    h.keys("E");
    assert!(h.notice().contains("was not edited"), "{}", h.notice());
}

#[test]
fn e_on_lemmy_says_it_is_not_available() {
    let mut h = Harness::remote(120, 40);
    edited_connie(&mut h);
    h.state.capabilities = Capabilities::none("a Lemmy instance");
    h.open_advocacy();
    h.keys("J");
    h.keys("E");
    assert!(
        h.notice()
            .contains("cannot show the earlier versions of posts on a Lemmy instance"),
        "{}",
        h.notice()
    );
    assert!(!screen(&h).contains("Earlier versions of"));
}
