//! `update` without a terminal, for writing: the composer, drafts, the outbox list, local
//! echoes and the sync engine's news. Store jobs run against real folders in a temp dir.

use crate::harness::Harness;
use threadmark::app::state::Overlay;
use threadmark::app::{Action, Effect, Msg};
use threadmark::model::{
    AreaId, Draft, OutboxEntry, OutboxState, PostId, PostLimits, Target, ThreadId,
};
use threadmark::store::{Cache, Drafts, Outbox};
use threadmark::sync::{Connection, SyncCommand, SyncEvent, SyncStatus};

/// The Advocacy thread open, the current post Connie Williams's reply (#2).
fn at_connie() -> Harness {
    let mut h = Harness::remote(120, 40);
    h.open_advocacy();
    h.keys("J");
    assert_eq!(h.current_seq(), 2);
    h
}

fn outbox(h: &Harness) -> Vec<OutboxEntry> {
    Outbox::open(&h.dir).list().unwrap().0
}

fn drafts(h: &Harness) -> Vec<Draft> {
    Drafts::open(&h.dir).list().unwrap().0
}

fn post_id(h: &Harness, seq: u32) -> PostId {
    let open = h.state.reader.open.as_ref().unwrap();
    open.real_posts()
        .iter()
        .find(|p| p.seq == seq)
        .unwrap()
        .id
        .clone()
}

fn status(connection: Connection) -> Msg {
    Msg::Sync(SyncEvent::Status(SyncStatus {
        connection,
        last_success_at: None,
        outbox_pending: 0,
        banner: None,
        outbox_note: None,
    }))
}

#[test]
fn a_reply_goes_to_the_outbox_and_shows_at_once_under_its_post() {
    let mut h = at_connie();
    let connie = post_id(&h, 2);
    h.keys("r");
    let composer = h.state.composer.as_ref().expect("r opens the composer");
    assert!(
        composer.heading.contains("Connie Williams (#2)"),
        "{}",
        composer.heading
    );
    h.keys("Thanks, Connie.<enter>Agreed.");
    assert!(
        h.effects.contains(&Effect::DraftChanged),
        "typing autosaves"
    );
    h.keys("<ctrl-s>");
    assert!(h.state.composer.is_none(), "sending closes the composer");

    let entries = outbox(&h);
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].body, "Thanks, Connie.\nAgreed.");
    assert_eq!(
        entries[0].target,
        Target::Reply {
            thread: ThreadId::new("advocacy-1"),
            reply_to: Some(connie)
        }
    );
    assert_eq!(entries[0].state, OutboxState::Queued);
    assert!(
        drafts(&h).is_empty(),
        "the draft goes once the entry is durable"
    );
    assert!(
        h.effects.contains(&Effect::Sync(SyncCommand::FlushNow)),
        "the engine is told to push"
    );

    // The echo: nested under Connie's post, marked queued, never counted as read or new.
    let open = h.state.reader.open.as_ref().unwrap();
    let pos = (0..open.order.len())
        .find(|&p| open.is_echo(p))
        .expect("an echo in the thread");
    let parent = open.order[pos].parent.map(|i| &open.file.posts[i]);
    assert_eq!(parent.unwrap().seq, 2);
    assert_eq!(open.order[pos].depth, 1);
    assert_eq!(open.echo(pos).unwrap().state, OutboxState::Queued);
    assert_eq!(open.echo(pos).unwrap().key, entries[0].key);
    // The echo sits after Robert Banks's answer (#3), Connie's earlier reply.
    let robert = (0..open.order.len())
        .find(|&p| open.post(p).unwrap().seq == 3)
        .unwrap();
    assert!(pos > robert);
}

#[test]
fn the_echo_follows_the_outbox_and_gives_way_to_the_real_post() {
    let mut h = at_connie();
    h.keys("rOn my way<ctrl-s>");
    let mut entry = outbox(&h).remove(0);

    // The server is read-only: the engine holds the entry; the echo says so.
    entry.state = OutboxState::Held;
    Outbox::open(&h.dir).update(&entry).unwrap();
    h.send(status(Connection::ReadOnly));
    let echo_state = |h: &Harness| {
        let open = h.state.reader.open.as_ref().unwrap();
        open.echoes.first().map(|e| e.state.clone())
    };
    assert_eq!(echo_state(&h), Some(OutboxState::Held));

    // Accepted, then the synced thread holds the post with our key: the echo goes.
    let mut cache = Cache::open(h.dir.clone());
    let mut file = cache
        .load_thread(&ThreadId::new("advocacy-1"))
        .unwrap()
        .unwrap();
    let mut real = h.state.reader.open.as_ref().unwrap().echo_posts()[0].clone();
    real.id = PostId::new("p-real");
    real.seq = file.summary.last_seq + 1;
    real.author.name = "Member".into();
    file.posts.push(real);
    file.summary.last_seq += 1;
    file.summary.post_count += 1;
    cache.save_thread(&file).unwrap();
    entry.state = OutboxState::Sent {
        thread: ThreadId::new("advocacy-1"),
        post: PostId::new("p-real"),
    };
    Outbox::open(&h.dir).update(&entry).unwrap();
    h.send(Msg::Sync(SyncEvent::Outbox(
        threadmark::sync::flush::FlushReport::default(),
    )));
    let mut report = threadmark::sync::ingest::IngestReport::default();
    report.changed.insert(ThreadId::new("advocacy-1"));
    h.send(Msg::Sync(SyncEvent::Pulled(report)));
    assert!(
        h.effects
            .iter()
            .any(|e| matches!(e, Effect::ReloadIndex(_)))
    );
    let open = h.state.reader.open.as_ref().unwrap();
    assert!(open.echoes.is_empty(), "the real post replaced the echo");
    assert!(open.real_posts().iter().any(|p| p.id.as_str() == "p-real"));
}

#[test]
fn quoting_a_reply_starts_with_its_attributed_text() {
    let mut h = at_connie();
    h.keys("J");
    assert_eq!(h.current_author(), "Robert Banks");
    h.keys("R");
    let text = h.state.composer.as_ref().unwrap().body_text();
    assert!(
        text.starts_with("Robert Banks wrote (#3):\n> Those are definitely"),
        "{text}"
    );
    assert!(
        text.ends_with("\n\n"),
        "the cursor waits below the quote: {text:?}"
    );
    assert!(
        h.effects.contains(&Effect::DraftChanged),
        "a quote is worth saving"
    );
}

#[test]
fn closing_keeps_the_draft_and_the_same_reply_key_resumes_it() {
    let mut h = at_connie();
    h.keys("rHalf a thought");
    let draft_id = h.state.composer.as_ref().unwrap().draft_id.clone();
    h.keys("<esc>");
    assert!(h.state.composer.is_none());
    let saved = drafts(&h);
    assert_eq!(saved.len(), 1);
    assert_eq!(
        (saved[0].id.as_str(), saved[0].body.as_str()),
        (draft_id.as_str(), "Half a thought")
    );
    assert!(h.notice().contains("draft kept"), "{}", h.notice());

    h.keys("r");
    let composer = h.state.composer.as_ref().unwrap();
    assert_eq!(
        composer.draft_id, draft_id,
        "the same post resumes the same draft"
    );
    assert_eq!(composer.body_text(), "Half a thought");

    // An empty composer leaves no draft behind.
    h.keys("<esc>");
    h.keys("J");
    h.keys("r<esc>");
    assert_eq!(drafts(&h).len(), 1);
}

#[test]
fn a_new_thread_needs_an_area_and_a_title() {
    let mut h = Harness::remote(120, 40);
    h.keys("ggc");
    assert!(h.state.composer.is_none(), "the forum root is no area");
    assert!(h.notice().contains("select an area"), "{}", h.notice());
    // The Advocacy area is the row above its thread, the last one.
    h.keys("Gk");
    assert_eq!(h.state.tree.selected().unwrap().key, "a:advocacy");
    h.keys("c");
    let composer = h.state.composer.as_ref().unwrap();
    assert!(
        composer.heading.contains("Advocacy"),
        "{}",
        composer.heading
    );
    h.keys("<tab>Some text<ctrl-s>");
    assert!(h.state.composer.is_some(), "no title: not sent");
    assert!(h.notice().contains("title"), "{}", h.notice());
    h.keys("Budget 2026<ctrl-s>");
    assert!(h.state.composer.is_none());
    let entries = outbox(&h);
    assert_eq!(
        entries[0].target,
        Target::NewThread {
            area: AreaId::new("advocacy"),
            title: "Budget 2026".into()
        }
    );
    assert_eq!(entries[0].body, "Some text");
}

#[test]
fn drafts_left_behind_are_offered_at_start_and_can_be_deleted() {
    let mut h = at_connie();
    h.keys("rFirst<esc>");
    h.keys("JrSecond<esc>");
    assert_eq!(drafts(&h).len(), 2);

    // As at the next start.
    h.run_effects(vec![Effect::Store(threadmark::app::StoreJob::LoadDrafts {
        offer: true,
    })]);
    assert!(matches!(
        h.state.overlay,
        Overlay::Drafts {
            offered: true,
            selected: 0,
            ..
        }
    ));
    // Newest first: the second draft.
    h.keys("d");
    assert!(matches!(
        h.state.overlay,
        Overlay::Drafts { confirm: true, .. }
    ));
    h.keys("n");
    assert_eq!(drafts(&h).len(), 2, "anything but y keeps it");
    h.keys("dy");
    let left = drafts(&h);
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].body, "First");
    h.keys("<enter>");
    assert_eq!(h.state.overlay, Overlay::None);
    assert_eq!(h.state.composer.as_ref().unwrap().body_text(), "First");

    h.keys("<esc>D");
    assert!(matches!(
        h.state.overlay,
        Overlay::Drafts { offered: false, .. }
    ));
    h.keys("q");
    assert_eq!(h.state.overlay, Overlay::None);
}

fn failed_entry(h: &Harness, body: &str) -> OutboxEntry {
    let mut entry = OutboxEntry::new(
        Target::Reply {
            thread: ThreadId::new("advocacy-1"),
            reply_to: None,
        },
        body.into(),
        jiff::Timestamp::now(),
    );
    let outbox = Outbox::open(&h.dir);
    outbox.enqueue(&entry).unwrap();
    entry.state = OutboxState::Failed;
    entry.attempts = 1;
    entry.last_message = Some("the text is too short (at least 20 characters)".into());
    outbox.update(&entry).unwrap();
    entry
}

#[test]
fn the_outbox_list_retries_a_failed_reply_under_a_new_key() {
    let mut h = Harness::remote(120, 40);
    let refused = failed_entry(&h, "Too short");
    h.keys("O");
    assert!(matches!(
        h.state.overlay,
        Overlay::Outbox {
            selected: 0,
            confirm: false
        }
    ));
    assert_eq!(h.state.outbox.entries.len(), 1);
    h.keys("r");
    let entries = outbox(&h);
    assert_eq!(entries.len(), 1);
    assert_ne!(entries[0].key, refused.key, "a new key");
    assert_eq!(entries[0].body, "Too short");
    assert_eq!(entries[0].state, OutboxState::Queued);
    assert!(h.effects.contains(&Effect::Sync(SyncCommand::FlushNow)));
    assert_eq!(
        h.state.outbox.entries, entries,
        "the list shows the new entry"
    );
}

#[test]
fn editing_a_failed_reply_sends_a_new_one_in_its_place() {
    let mut h = Harness::remote(120, 40);
    let refused = failed_entry(&h, "Too short");
    h.keys("Oe");
    assert_eq!(h.state.overlay, Overlay::None);
    let composer = h.state.composer.as_ref().unwrap();
    assert_eq!(composer.body_text(), "Too short");
    assert_eq!(composer.replaces.as_deref(), Some(refused.key.as_str()));
    h.keys(", now with enough words to pass<ctrl-s>");
    let entries = outbox(&h);
    assert_eq!(entries.len(), 1, "the failed one is discarded");
    assert_ne!(entries[0].key, refused.key);
    assert_eq!(entries[0].body, "Too short, now with enough words to pass");
    assert!(
        h.dir
            .outbox_dir()
            .join("discarded")
            .join(format!("{}.json", refused.key))
            .exists()
    );
}

#[test]
fn discarding_asks_first_and_only_failed_replies_are_edited() {
    let mut h = Harness::remote(120, 40);
    let _refused = failed_entry(&h, "Refused");
    let mut held = OutboxEntry::new(
        Target::Reply {
            thread: ThreadId::new("advocacy-1"),
            reply_to: None,
        },
        "Waiting".into(),
        jiff::Timestamp::now(),
    );
    Outbox::open(&h.dir).enqueue(&held).unwrap();
    held.state = OutboxState::Held;
    Outbox::open(&h.dir).update(&held).unwrap();

    h.keys("Oj");
    assert!(matches!(
        h.state.overlay,
        Overlay::Outbox { selected: 1, .. }
    ));
    h.keys("e");
    assert!(h.state.composer.is_none());
    assert!(h.notice().contains("only a failed reply"), "{}", h.notice());
    h.keys("d");
    assert!(matches!(
        h.state.overlay,
        Overlay::Outbox { confirm: true, .. }
    ));
    h.keys("x");
    assert_eq!(outbox(&h).len(), 2, "kept");
    h.keys("dy");
    let left = outbox(&h);
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].body, "Refused");
    assert!(matches!(
        h.state.overlay,
        Overlay::Outbox { selected: 0, .. }
    ));
}

#[test]
fn the_demo_can_be_written_in() {
    let mut h = Harness::demo(120, 40);
    h.open_advocacy();
    h.keys("r");
    assert!(h.state.composer.is_some(), "{}", h.notice());
    h.keys("In the demo<ctrl-s>");
    assert_eq!(outbox(&h).len(), 1, "queued for the demo's own server");
    h.keys("O");
    assert!(matches!(h.state.overlay, Overlay::Outbox { .. }));
}

#[test]
fn the_server_banner_shows_first_and_is_dismissed_by_its_id() {
    let mut h = Harness::remote(120, 40);
    h.server_goes_read_only_with_a_banner();
    assert_eq!(h.state.banner.shown().unwrap().id, "maintenance-7");
    h.act(Action::DismissBanner);
    assert!(
        h.state
            .ui_snapshot()
            .dismissed_banners
            .contains("maintenance-7")
    );
    assert_eq!(
        h.state.banner.shown().map(|b| b.id.as_str()),
        Some("gray-out"),
        "the forum's own announcement is next"
    );
}

#[test]
fn sync_now_and_the_open_thread_reach_the_engine() {
    let mut h = Harness::remote(120, 40);
    h.keys("s");
    assert!(h.effects.contains(&Effect::Sync(SyncCommand::SyncNow)));
    h.open_advocacy();
    assert!(
        h.effects
            .contains(&Effect::Sync(SyncCommand::Focus(Some(ThreadId::new(
                "advocacy-1"
            )))))
    );
}

#[test]
fn pasted_text_lands_in_the_composer_and_the_preview_renders_it() {
    let mut h = at_connie();
    h.keys("r");
    h.send(Msg::Paste("Line one\r\nLine two".into()));
    assert_eq!(
        h.state.composer.as_ref().unwrap().body_text(),
        "Line one\nLine two"
    );
    h.keys("<ctrl-p>");
    let composer = h.state.composer.as_ref().unwrap();
    assert!(composer.preview.is_some());
    h.keys("x");
    assert_eq!(
        h.state.composer.as_ref().unwrap().body_text(),
        "Line one\nLine two",
        "the preview is read-only"
    );
    h.keys("<ctrl-p><ctrl-e>");
    assert!(
        h.effects
            .contains(&Effect::EditExternally("Line one\nLine two".into()))
    );
    h.send(Msg::Edited(Ok("From the editor\n".into())));
    assert_eq!(
        h.state.composer.as_ref().unwrap().body_text(),
        "From the editor"
    );
}

#[test]
fn a_locked_thread_and_a_moderators_only_area_say_why_before_anything_is_typed() {
    let mut h = at_connie();
    for thread in &mut h.state.data.threads {
        thread.locked = true;
    }
    h.keys("r");
    assert!(h.state.composer.is_none(), "no composer on a locked thread");
    assert!(h.notice().contains("locked"), "{}", h.notice());
    assert!(outbox(&h).is_empty() && drafts(&h).is_empty());

    for area in h
        .state
        .data
        .forum
        .sections
        .iter_mut()
        .flat_map(|s| s.areas.iter_mut())
    {
        area.access = threadmark::model::Access::ReplyOnly;
    }
    h.keys("c");
    assert!(
        h.state.composer.is_none(),
        "no composer where only moderators post"
    );
    assert!(h.notice().contains("only moderators"), "{}", h.notice());
}

#[test]
fn the_same_messages_at_the_same_times_give_the_same_drafts_and_keys() {
    let at = jiff::Timestamp::from_second(1_700_000_000).unwrap();
    let run = || {
        let mut h = Harness::remote(120, 40);
        h.clock = at;
        h.open_advocacy();
        h.keys("Jr");
        let draft = h.state.composer.as_ref().unwrap().draft_id.clone();
        h.keys("Thanks, Connie.<ctrl-s>");
        let sent = h.effects.iter().find_map(|e| match e {
            Effect::Store(threadmark::app::StoreJob::Send(outgoing)) => Some(outgoing.clone()),
            _ => None,
        });
        (
            h,
            draft,
            sent.expect("sending asks the store to queue the reply"),
        )
    };
    let (first, first_draft, first_sent) = run();
    let (second, second_draft, second_sent) = run();
    assert_eq!(
        first_draft, second_draft,
        "the draft's id comes from the input"
    );
    assert_eq!(first_sent, second_sent, "key, time, target and text alike");
    assert_ne!(
        first_sent.key, first_draft,
        "every new thing gets an id of its own"
    );
    assert!(
        first_sent.at > at && first_sent.at < at + jiff::SignedDuration::from_secs(1),
        "the time is the message's, not the clock's: {}",
        first_sent.at
    );
    assert_eq!(outbox(&first)[0].created_at, first_sent.at);
    let keys = |h: &Harness| outbox(h).into_iter().map(|e| e.key).collect::<Vec<_>>();
    assert_eq!(
        keys(&first),
        vec![first_sent.key.clone()],
        "queued under that key"
    );
    assert_eq!(keys(&first), keys(&second));
}

#[test]
fn a_reply_over_the_servers_limit_is_not_queued_and_stays_typed() {
    let mut h = at_connie();
    h.state.data.forum.limits = PostLimits {
        max_post_chars: 20,
        max_title_chars: 10,
    };
    h.keys("r");
    h.keys("This reply runs past twenty characters.");
    h.keys("<ctrl-s>");
    assert!(outbox(&h).is_empty(), "nothing was queued");
    let composer = h.state.composer.as_ref().expect("the composer stays open");
    assert_eq!(
        composer.body_text(),
        "This reply runs past twenty characters."
    );
    let said = h.notice();
    assert!(said.contains("19 characters too long"), "{said}");
    assert!(said.contains("at most 20"), "{said}");

    // Shortened, it goes.
    for _ in 0..20 {
        h.keys("<backspace>");
    }
    h.keys("<ctrl-s>");
    assert!(h.state.composer.is_none());
    assert_eq!(outbox(&h)[0].body, "This reply runs pas");

    // A new thread's title is held to its own limit, with the keyboard put back on it.
    h.keys("c");
    h.keys("A title far too long<tab>Short text");
    h.keys("<ctrl-s>");
    assert_eq!(outbox(&h).len(), 1, "nothing more was queued");
    let said = h.notice();
    assert!(
        said.contains("the title is 10 characters too long"),
        "{said}"
    );
    let composer = h.state.composer.as_ref().unwrap();
    assert_eq!(
        composer.field(),
        threadmark::app::compose::composer::Field::Title
    );
}

#[test]
fn an_area_that_requires_tags_asks_for_them_and_the_draft_keeps_them() {
    use threadmark::app::compose::composer::Field;
    let mut h = Harness::remote(120, 40);
    h.require_tags_everywhere(2);
    h.keys("Gkc");
    assert!(
        h.state.composer.as_ref().unwrap().tags.is_some(),
        "a tags line under the title"
    );
    h.keys("Budget 2026<enter>budget<enter>Some text<ctrl-s>");
    assert!(outbox(&h).is_empty(), "one tag of two: nothing was queued");
    assert!(h.notice().contains("at least 2 tags"), "{}", h.notice());
    let composer = h.state.composer.as_ref().expect("the composer stays open");
    assert_eq!(composer.field(), Field::Tags, "the keyboard is on the tags");
    assert_eq!(composer.body_text(), "Some text");

    // Closed, the draft keeps the tag; resumed, one more is added and it goes.
    h.keys("<esc>");
    assert_eq!(drafts(&h)[0].tags, ["budget"]);
    h.keys("c");
    assert_eq!(h.state.composer.as_ref().unwrap().field(), Field::Body);
    h.keys("<tab><tab>, library budget<ctrl-s>");
    assert!(h.state.composer.is_none(), "{}", h.notice());
    let entries = outbox(&h);
    assert_eq!(entries[0].tags, ["budget", "library"]);
    assert_eq!(entries[0].body, "Some text");
    assert_eq!(
        entries[0].target,
        Target::NewThread {
            area: AreaId::new("advocacy"),
            title: "Budget 2026".into()
        }
    );
}

#[test]
fn a_reply_on_an_account_never_logged_in_goes_out_once_you_log_in() {
    let mut h = at_connie();
    h.send(status(Connection::Online));
    h.keys("rSigned in<ctrl-s>");
    assert!(h.notice().contains("it goes out now"), "{}", h.notice());

    // The same, on an account that has no credential yet (the runner starts it so).
    let mut h = at_connie();
    h.state.status.signed_in = false;
    h.send(status(Connection::Online));
    h.keys("rNever logged in<ctrl-s>");
    let said = h.notice();
    assert!(
        said.contains("it goes out once you log in: `threadmark login --account work`"),
        "{said}"
    );
    assert!(!said.contains("goes out now"), "{said}");
    assert_eq!(outbox(&h).len(), 1, "queued all the same");
}
