//! Several accounts in one state, driven headlessly: the tree's top level is the accounts,
//! a message for an account not in focus changes that account only and its effects come
//! out tagged with it, and moving past the last row of one account's tree focuses the next.

use threadmark::app::accounts::{self, AccountRow};
use threadmark::app::{Action, Effect, Msg, Startup, State, UiState, update};
use threadmark::config::Config;
use threadmark::model::ForumData;
use threadmark::store::{Cache, DataDir, ensure_demo};
use threadmark::sync::protocol::{Connection, SyncCommand, SyncEvent, SyncStatus};

/// The demo cache as account `name`, its forum titled `title`.
fn account(name: &str, title: &str, config: &Config) -> (State, Vec<Effect>) {
    let temp = tempfile::tempdir().unwrap();
    let data = DataDir::new(temp.path());
    ensure_demo(&data).unwrap();
    let mut cache = Cache::open(data.account("demo"));
    let mut forum = cache.load_forum().unwrap().unwrap();
    title.clone_into(&mut forum.title);
    State::new(Startup {
        account: name.to_owned(),
        is_demo: false,
        signed_in: true,
        data: ForumData {
            forum,
            threads: cache.load_index().unwrap(),
            read: cache.load_read_state().unwrap(),
        },
        ui: UiState::default(),
        config,
        size: (120, 40),
        now: jiff::Timestamp::now(),
        id_seed: 1,
    })
}

fn two_accounts() -> State {
    let config = Config::default();
    let (state, effects) = accounts::gather(
        vec![
            account("work", "Work Forum", &config),
            account("meta", "Meta Forum", &config),
        ],
        0,
    )
    .unwrap();
    // The start's own loads are asked for each account, tagged with it.
    for index in [0, 1] {
        assert!(
            effects
                .iter()
                .any(|e| matches!(e, Effect::Account(i, _) if *i == index)),
            "{effects:?}"
        );
    }
    state
}

fn screen(state: &State) -> String {
    let mut terminal = ratatui::Terminal::new(ratatui::backend::TestBackend::new(120, 40)).unwrap();
    let (theme, _) = threadmark::ui::Theme::load(&toml::Table::new(), false);
    terminal
        .draw(|f| threadmark::ui::draw(f, state, &theme))
        .unwrap();
    let buffer = terminal.backend().buffer().clone();
    (0..buffer.area.height)
        .map(|y| {
            (0..buffer.area.width)
                .map(|x| buffer[(x, y)].symbol().to_owned())
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn offline() -> Msg {
    Msg::Sync(SyncEvent::Status(SyncStatus {
        connection: Connection::Offline {
            reason: "connection refused".into(),
            retry_at: None,
        },
        last_success_at: None,
        outbox_pending: 0,
        banner: None,
        outbox_note: None,
    }))
}

#[test]
fn the_accounts_head_the_tree_with_their_titles_connections_and_counts() {
    let state = two_accounts();
    let rows = accounts::rows(&state);
    assert_eq!(
        rows.iter().map(|r| r.label.as_str()).collect::<Vec<_>>(),
        ["Work Forum", "Meta Forum"]
    );
    let text = screen(&state);
    let work = text
        .lines()
        .position(|l| l.contains("▾ Work Forum"))
        .unwrap();
    let meta = text
        .lines()
        .position(|l| l.contains("▸ Meta Forum"))
        .unwrap();
    assert!(work < meta, "{text}");
    assert!(text.lines().nth(meta).unwrap().contains("cached"), "{text}");
}

#[test]
fn news_for_an_account_out_of_focus_changes_that_account_alone() {
    let mut state = two_accounts();
    let now = jiff::Timestamp::now();
    update(&mut state, Msg::Account(1, Box::new(offline())), now);
    assert_eq!(state.status.connection, Connection::Idle, "the focused one");
    let rows = accounts::rows(&state);
    assert_eq!(rows[1].state, "offline");
    assert_eq!(rows[0].state, "cached");
    let text = screen(&state);
    let meta = text.lines().find(|l| l.contains("Meta Forum")).unwrap();
    assert!(meta.contains("offline"), "{text}");
    assert!(
        !text
            .lines()
            .any(|l| l.contains("Work Forum") && l.contains("offline"))
    );

    // What that account's handling asks for goes to that account's engine and store.
    let effects = update(
        &mut state,
        Msg::Account(1, Box::new(Msg::Action(Action::SyncNow))),
        now,
    );
    assert!(
        effects
            .iter()
            .any(|e| *e == Effect::Account(1, Box::new(Effect::Sync(SyncCommand::SyncNow)))),
        "{effects:?}"
    );
    // The focused account's own keys stay untagged (the runner sends them to it).
    let effects = update(&mut state, Msg::Action(Action::SyncNow), now);
    assert!(
        effects.contains(&Effect::Sync(SyncCommand::SyncNow)),
        "{effects:?}"
    );
}

#[test]
fn down_past_the_last_row_focuses_the_next_account_and_up_comes_back() {
    let mut state = two_accounts();
    let now = jiff::Timestamp::now();
    update(&mut state, Msg::Account(1, Box::new(offline())), now);
    update(&mut state, Msg::Action(Action::Bottom), now);
    update(&mut state, Msg::Action(Action::Down), now);
    assert_eq!(state.accounts.focused(), 1);
    assert_eq!(state.status.account, "meta");
    // Its own state came with it: it is the offline one.
    assert!(matches!(
        state.status.connection,
        Connection::Offline { .. }
    ));
    assert_eq!(state.tree.selected_row(), Some(0), "on its root");
    let text = screen(&state);
    assert!(text.contains("▸ Work Forum"), "{text}");
    assert!(text.contains("▾ Meta Forum"), "{text}");
    assert!(
        text.contains(" meta "),
        "the status line is meta's:\n{text}"
    );

    update(&mut state, Msg::Action(Action::Up), now);
    assert_eq!(state.accounts.focused(), 0);
    assert_eq!(state.status.account, "work");
    let last = state.tree.visible().len() - 1;
    assert_eq!(state.tree.selected_row(), Some(last), "on its last row");
    let rows: Vec<AccountRow> = accounts::rows(&state);
    assert_eq!(rows[1].state, "offline");
}

fn item(id: &str, author: &str, minute: i64) -> threadmark::model::InboxItem {
    threadmark::model::InboxItem {
        id: id.to_owned(),
        kind: threadmark::model::InboxKind::Reply,
        thread: threadmark::model::ThreadId::new("advocacy-1"),
        thread_title: "Advocacy".to_owned(),
        post: threadmark::model::PostId::new(format!("p-{id}")),
        seq: 2,
        author: threadmark::model::Author::new(author),
        excerpt: format!("{author} answers you."),
        created_at: jiff::Timestamp::from_second(1_700_000_000 + minute * 60).unwrap(),
        read: false,
        announced: true,
    }
}

#[test]
fn the_inbox_lists_every_account_and_enter_goes_to_the_items_own_account() {
    use threadmark::app::{StoreJob, Stored};
    let mut state = two_accounts();
    let now = jiff::Timestamp::now();
    let effects = update(&mut state, Msg::Action(Action::Inbox), now);
    // Each account's store reads its own list.
    assert!(effects.contains(&Effect::Store(StoreJob::LoadInboxItems)));
    assert!(effects.contains(&Effect::Account(
        1,
        Box::new(Effect::Store(StoreJob::LoadInboxItems))
    )));
    update(
        &mut state,
        Msg::Stored(Stored::InboxItems(vec![item("w1", "ann", 1)])),
        now,
    );
    update(
        &mut state,
        Msg::Account(
            1,
            Box::new(Msg::Stored(Stored::InboxItems(vec![item("m1", "bob", 5)]))),
        ),
        now,
    );
    update(
        &mut state,
        Msg::Account(1, Box::new(Msg::Stored(Stored::Inbox { unread: 1 }))),
        now,
    );
    let text = screen(&state);
    assert!(text.contains("Inbox (2 unread)"), "{text}");
    // Newest first, each naming its account; the status line counts both accounts'.
    let (bob, ann) = (
        text.find("meta · reply   bob").unwrap(),
        text.find("work · reply   ann").unwrap(),
    );
    assert!(bob < ann, "{text}");
    assert!(text.contains("inbox 2"), "{text}");

    // enter on meta's item: meta takes the focus, its thread loads there, the item is
    // marked read in meta's inbox (and queued for meta's server).
    let effects = update(&mut state, Msg::Action(Action::Open), now);
    assert_eq!(state.accounts.focused(), 1);
    assert_eq!(state.status.account, "meta");
    let for_meta = |e: &Effect| matches!(e, Effect::Account(1, _));
    assert!(effects.iter().all(for_meta), "{effects:?}");
    assert!(effects.contains(&Effect::Account(
        1,
        Box::new(Effect::LoadThread(threadmark::model::ThreadId::new(
            "advocacy-1"
        )))
    )));
    assert!(effects.contains(&Effect::Account(
        1,
        Box::new(Effect::Store(StoreJob::MarkInboxRead {
            ids: Some(vec!["m1".to_owned()]),
            say: false,
        }))
    )));
}
