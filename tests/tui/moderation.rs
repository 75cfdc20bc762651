//! `L`, `P`, `H`, `A`, `Y` and `Z` in the reader, for a moderator of a threadmark server, driven through
//! `update` with the store jobs run against real folders: each is an outbox entry of kind
//! `moderation`, queued durably before the status line says so; a member is told the role
//! needed and a server kind that cannot moderate says so, with nothing queued; `H`, `A`,
//! `Y` and `Z` ask in the status line and esc queues nothing.

use crate::harness::Harness;
use threadmark::model::{Capabilities, Me, ModAction, OutboxEntry, PostId, Target, ThreadId};
use threadmark::store::Outbox;

fn open_as(moderator: bool) -> Harness {
    let mut h = Harness::remote(120, 40);
    h.state.me = Some(Me {
        name: "Ann".into(),
        moderator,
    });
    h.open_advocacy();
    h
}

fn outbox(h: &Harness) -> Vec<OutboxEntry> {
    Outbox::open(&h.dir).list().unwrap().0
}

fn moderation(thread: &str, post: Option<&str>, action: ModAction) -> Target {
    Target::Moderation {
        thread: ThreadId::new(thread),
        post: post.map(PostId::new),
        action,
        user: None,
    }
}

#[test]
fn a_moderator_locks_pins_and_unlocks_the_open_thread_through_the_outbox() {
    let mut h = open_as(true);
    h.keys("L");
    let entries = outbox(&h);
    assert_eq!(entries.len(), 1, "on disk");
    assert_eq!(
        entries[0].target,
        moderation("advocacy-1", None, ModAction::Lock)
    );
    assert_eq!(entries[0].target.kind(), "moderation");
    assert!(
        h.notice().contains("Lock of “") && h.notice().contains("queued"),
        "said once on disk: {}",
        h.notice()
    );
    h.keys("P");
    // A second L takes the queued lock into account: it unlocks.
    h.keys("L");
    let targets: Vec<Target> = outbox(&h).into_iter().map(|e| e.target).collect();
    assert_eq!(
        targets,
        [
            moderation("advocacy-1", None, ModAction::Lock),
            moderation("advocacy-1", None, ModAction::Pin),
            moderation("advocacy-1", None, ModAction::Unlock),
        ]
    );
    // The keys are in the reader's help.
    h.keys("?");
    let help = h.screen();
    assert!(help.contains("Lock or unlock (moderators)"), "{help}");
    assert!(help.contains("Pin or unpin (moderators)"), "{help}");
}

#[test]
fn h_asks_the_reason_in_the_status_line_and_esc_queues_nothing() {
    let mut h = open_as(true);
    h.keys("J");
    assert_eq!(h.current_seq(), 2);
    let id = {
        let open = h.state.reader.open.as_ref().unwrap();
        open.post(h.state.reader.current).unwrap().id.clone()
    };
    h.keys("H");
    assert!(
        h.screen().contains("hide the post, reason (esc: keep it):"),
        "{}",
        h.screen()
    );
    h.keys("spam<esc>");
    assert!(h.state.prompt.is_none());
    assert!(h.notice().contains("#2 not hidden"), "{}", h.notice());
    assert!(outbox(&h).is_empty(), "esc queues nothing");

    // An empty reason queues nothing either: readers see it in the post's place.
    h.keys("H<enter>");
    assert!(h.notice().contains("needs one"), "{}", h.notice());
    assert!(outbox(&h).is_empty());

    h.keys("Hpersonal details<enter>");
    let entries = outbox(&h);
    assert_eq!(entries.len(), 1);
    assert_eq!(
        entries[0].target,
        moderation("advocacy-1", Some(id.as_str()), ModAction::Hide)
    );
    assert_eq!(entries[0].body, "personal details");
    assert!(
        h.notice().contains("Hiding of Connie Williams (#2)") && h.notice().contains("queued"),
        "{}",
        h.notice()
    );
}

/// The store worker does its jobs in order: an outbox list asked for by the engine's news
/// just before `H`'s reason is typed is read before the hiding is written, and comes back
/// without it, over the reader's own copy. The answer that the hiding is queued must still
/// find it, or "hiding #2…" stays on the status line for good, whatever the server says
/// (a flake of `cli::moderated`, stuck there while the entry had long failed).
#[test]
fn an_outbox_list_read_before_the_hiding_was_written_does_not_leave_it_hiding() {
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    use threadmark::app::{Effect, Msg};
    use threadmark::sync::SyncEvent;
    use threadmark::sync::flush::FlushReport;

    let mut h = open_as(true);
    h.keys("J");
    // News from the engine asks for the outbox; the worker reads it (still empty)…
    let asked = h.send_held(Msg::Sync(SyncEvent::Outbox(FlushReport::default())));
    let older: Vec<Msg> = asked.into_iter().flat_map(|e| h.answers(e)).collect();
    // …while the reason is typed; the hiding's job waits behind that read.
    h.keys("Hoff topic");
    let queue = h.send_held(Msg::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE)));
    assert!(h.notice().contains("hiding #2"), "{}", h.notice());
    assert!(
        queue.iter().any(|e| matches!(e, Effect::Store(_))),
        "{queue:?}"
    );
    for msg in older {
        h.send(msg);
    }
    for effect in queue {
        for msg in h.answers(effect) {
            h.send(msg);
        }
    }
    assert_eq!(outbox(&h).len(), 1, "on disk");
    assert!(
        h.notice().contains("Hiding of Connie Williams (#2)") && h.notice().contains("queued"),
        "the answer found its entry: {}",
        h.notice()
    );
    // The engine's next news (here: the server refused it) gives the line back.
    let refused = FlushReport {
        failed: 1,
        ..FlushReport::default()
    };
    h.send(Msg::Sync(SyncEvent::Outbox(refused)));
    assert_eq!(h.notice(), "", "nothing left saying it is on its way");
}

#[test]
fn a_member_is_told_the_role_needed_and_nothing_is_queued() {
    let mut h = open_as(false);
    h.keys("L");
    assert!(
        h.notice()
            .contains("locking a thread needs the moderator or admin role"),
        "{}",
        h.notice()
    );
    h.keys("P");
    assert!(
        h.notice().contains("pinning a thread needs"),
        "{}",
        h.notice()
    );
    h.keys("H");
    assert!(h.state.prompt.is_none(), "no reason is asked for");
    assert!(h.notice().contains("hiding a post needs"), "{}", h.notice());
    assert!(outbox(&h).is_empty());
}

#[test]
fn a_server_kind_that_cannot_moderate_says_so_before_anything_is_queued() {
    let mut h = open_as(true);
    h.state.capabilities = Capabilities {
        moderate: false,
        ..Capabilities::all("a Discourse forum")
    };
    h.keys("L");
    assert!(
        h.notice()
            .contains("threadmark cannot moderate on a Discourse forum yet"),
        "{}",
        h.notice()
    );
    h.keys("H");
    assert!(h.state.prompt.is_none());
    assert!(outbox(&h).is_empty());
}

#[test]
fn l_in_the_tree_acts_on_the_selected_thread() {
    let mut h = Harness::remote(120, 40);
    h.state.me = Some(Me {
        name: "Ann".into(),
        moderator: true,
    });
    h.keys("G");
    assert_eq!(h.state.tree.selected().unwrap().key, "t:advocacy-1");
    h.keys("P");
    assert_eq!(
        outbox(&h)[0].target,
        moderation("advocacy-1", None, ModAction::Pin)
    );
}

/// The demo's areas other than the advocacy thread's: (id, title).
fn other_areas(h: &Harness) -> Vec<(String, String)> {
    let here = h
        .state
        .data
        .threads
        .iter()
        .find(|t| t.id == ThreadId::new("advocacy-1"))
        .unwrap()
        .area
        .clone();
    h.state
        .data
        .forum
        .sections
        .iter()
        .flat_map(|s| s.areas.iter())
        .filter(|a| a.id != here)
        .map(|a| (a.id.as_str().to_owned(), a.title.clone()))
        .collect()
}

#[test]
fn a_asks_the_area_in_the_status_line_refuses_an_unknown_one_and_queues_the_move() {
    let mut h = open_as(true);
    let others = other_areas(&h);
    let (to, title) = others.first().cloned().expect("the demo has several areas");

    h.keys("A");
    assert!(
        h.screen().contains("move the thread to area"),
        "{}",
        h.screen()
    );
    h.keys("somewhere<esc>");
    assert!(h.state.prompt.is_none());
    assert!(h.notice().contains("stays where it is"), "{}", h.notice());
    assert!(outbox(&h).is_empty(), "esc queues nothing");

    // An unknown area is refused before queuing, naming the choices.
    h.keys("Azzz-no-such-area<enter>");
    assert!(
        h.notice().contains("no area “zzz-no-such-area”"),
        "{}",
        h.notice()
    );
    assert!(
        h.notice().contains(&to),
        "the choices are named: {}",
        h.notice()
    );
    assert!(outbox(&h).is_empty());

    h.keys(&format!("A{to}<enter>"));
    let entries = outbox(&h);
    assert_eq!(entries.len(), 1, "on disk");
    assert_eq!(
        entries[0].target,
        moderation("advocacy-1", None, ModAction::Move)
    );
    assert_eq!(entries[0].body, to, "the target area's id");
    assert!(
        h.notice().contains("Move of “") && h.notice().contains("queued"),
        "{}",
        h.notice()
    );
    assert!(!title.is_empty());

    h.keys("?");
    assert!(
        h.screen().contains("Move to an area (moderators)"),
        "{}",
        h.screen()
    );
}

#[test]
fn a_finds_the_area_by_part_of_its_title_and_a_member_is_told_the_role_needed() {
    let mut h = open_as(true);
    let others = other_areas(&h);
    let all: Vec<String> = h
        .state
        .data
        .forum
        .sections
        .iter()
        .flat_map(|s| s.areas.iter())
        .map(|a| a.title.to_lowercase())
        .collect();
    // A part of a title no other area's title holds.
    let (to, part) = others
        .iter()
        .find_map(|(id, title)| {
            let lower = title.to_lowercase();
            (0..lower.len())
                .filter(|&i| {
                    lower.is_char_boundary(i) && lower.is_char_boundary(i + 4.min(lower.len() - i))
                })
                .map(|i| &lower[i..i + 4.min(lower.len() - i)])
                .find(|p| {
                    p.len() == 4
                        && !p.contains('<')
                        && all.iter().filter(|t| t.contains(p)).count() == 1
                })
                .map(|p| (id.clone(), p.to_owned()))
        })
        .expect("an area with a title part of its own");
    h.keys(&format!("A{part}<enter>"));
    let entries = outbox(&h);
    assert_eq!(entries.len(), 1, "{}", h.notice());
    assert_eq!(entries[0].body, to);

    let mut member = open_as(false);
    member.keys("A");
    assert!(member.state.prompt.is_none(), "no area is asked for");
    assert!(
        member
            .notice()
            .contains("moving a thread needs the moderator or admin role"),
        "{}",
        member.notice()
    );
    assert!(outbox(&member).is_empty());
}

#[test]
fn y_asks_the_new_threads_title_esc_queues_nothing_and_the_opening_post_is_refused() {
    let mut h = open_as(true);
    assert_eq!(h.current_seq(), 1);
    h.keys("Y");
    assert!(
        h.state.prompt.is_none(),
        "nothing asked on the opening post"
    );
    assert!(
        h.notice().contains("opening post cannot be split"),
        "{}",
        h.notice()
    );

    h.keys("JJ");
    assert_eq!(h.current_seq(), 3);
    let id = {
        let open = h.state.reader.open.as_ref().unwrap();
        open.post(h.state.reader.current).unwrap().id.clone()
    };
    h.keys("Y");
    assert!(
        h.screen().contains("split from here, new thread's title"),
        "{}",
        h.screen()
    );
    h.keys("Side talk<esc>");
    assert!(h.state.prompt.is_none());
    assert!(h.notice().contains("#3 not split off"), "{}", h.notice());
    assert!(outbox(&h).is_empty(), "esc queues nothing");

    h.keys("YSide talk<enter>");
    let entries = outbox(&h);
    assert_eq!(entries.len(), 1, "on disk");
    assert_eq!(
        entries[0].target,
        moderation("advocacy-1", Some(id.as_str()), ModAction::Split)
    );
    assert_eq!(entries[0].body, "Side talk");
    assert!(
        h.notice().contains("Split of") && h.notice().contains("queued"),
        "{}",
        h.notice()
    );

    let mut member = open_as(false);
    member.keys("JY");
    assert!(member.state.prompt.is_none());
    assert!(
        member
            .notice()
            .contains("splitting a thread needs the moderator or admin role"),
        "{}",
        member.notice()
    );
    assert!(outbox(&member).is_empty());
}

#[test]
fn z_asks_how_long_refuses_a_bad_span_and_ones_own_post_and_queues_the_silence() {
    let mut h = open_as(true);
    h.keys("J");
    let (author, id) = {
        let open = h.state.reader.open.as_ref().unwrap();
        let post = open.post(h.state.reader.current).unwrap();
        (post.author.name.clone(), post.id.clone())
    };
    h.keys("Z");
    assert!(
        h.screen().contains("silence the author for"),
        "{}",
        h.screen()
    );
    h.keys("3d<esc>");
    assert!(h.state.prompt.is_none());
    assert!(
        h.notice()
            .contains(&format!("{author} not silenced; nothing was queued")),
        "{}",
        h.notice()
    );
    assert!(outbox(&h).is_empty(), "esc queues nothing");

    h.keys("Zthree days<enter>");
    assert!(
        h.notice().contains("is not a duration") && h.notice().contains("nothing queued"),
        "{}",
        h.notice()
    );
    assert!(outbox(&h).is_empty(), "a bad span queues nothing");

    let now = h.state.now;
    h.keys("Z12h<enter>");
    let entries = outbox(&h);
    assert_eq!(entries.len(), 1, "on disk");
    assert_eq!(
        entries[0].target,
        Target::Moderation {
            thread: ThreadId::new("advocacy-1"),
            post: Some(id),
            action: ModAction::Silence,
            user: Some(author.to_string()),
        }
    );
    // The end is fixed when the moderator acts: a resend asks for the same one.
    let until: jiff::Timestamp = entries[0].body.parse().unwrap();
    let ahead = until.duration_since(now);
    assert!(
        ahead >= jiff::SignedDuration::from_hours(12)
            && ahead < jiff::SignedDuration::from_hours(12) + jiff::SignedDuration::from_secs(1),
        "{until} is 12 hours after {now}"
    );
    assert!(
        h.notice().contains(&format!("Silence of {author}")) && h.notice().contains("queued"),
        "{}",
        h.notice()
    );

    // One's own post: refused, nothing asked.
    h.state.me = Some(Me {
        name: author.to_string(),
        moderator: true,
    });
    h.keys("Z");
    assert!(h.state.prompt.is_none());
    assert!(h.notice().contains("your own post"), "{}", h.notice());
    assert_eq!(outbox(&h).len(), 1);

    let mut member = open_as(false);
    member.keys("JZ");
    assert!(member.state.prompt.is_none());
    assert!(
        member
            .notice()
            .contains("silencing a member needs the moderator or admin role"),
        "{}",
        member.notice()
    );
    assert!(outbox(&member).is_empty());
}
