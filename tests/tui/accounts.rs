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

/// Two accounts with a folder for both ("Zebras", no `account:`) and one for work alone.
fn two_accounts_with_folders() -> State {
    let config = Config::parse(
        "[[folders]]\nname = \"Zebras\"\nquery = \"zebra\"\n\
         [[folders]]\nname = \"Work only\"\nquery = \"zebra account:work\"\n\
         [[accounts]]\nname = \"work\"\nurl = \"http://127.0.0.1:9\"\n\
         [[accounts]]\nname = \"meta\"\nurl = \"http://127.0.0.1:9\"\n",
    )
    .unwrap();
    accounts::gather(
        vec![
            account("work", "Work Forum", &config),
            account("meta", "Meta Forum", &config),
        ],
        0,
    )
    .unwrap()
    .0
}

/// Per folder: its threads, each with the seqs its query found.
type Found<'a> = [(&'a str, &'a [(&'a str, &'a [u32])])];

/// The folders' query answer.
fn found(folders: &Found<'_>) -> Msg {
    use threadmark::app::lists::Queried;
    use threadmark::app::tree::folders::{FolderFound, FolderThread};
    Msg::Queried(Queried::Folders(Ok(folders
        .iter()
        .map(|(name, threads)| FolderFound {
            name: (*name).to_owned(),
            threads: threads
                .iter()
                .map(|(id, posts)| FolderThread {
                    id: threadmark::model::ThreadId::new(*id),
                    title: format!("Thread {id}"),
                    posts: posts.to_vec(),
                    left_out: Vec::new(),
                })
                .collect(),
        })
        .collect())))
}

fn folder_nodes(state: &State) -> Vec<String> {
    state
        .tree
        .nodes()
        .iter()
        .filter(|n| n.kind == threadmark::app::tree::NodeKind::Folder)
        .map(|n| n.label.to_string())
        .collect()
}

#[test]
fn a_folder_for_every_account_shows_once_under_all_accounts_summing_them() {
    let mut state = two_accounts_with_folders();
    let now = jiff::Timestamp::now();
    // Each account's tree holds only the folders naming it.
    assert_eq!(folder_nodes(&state), ["⌕ Work only"]);
    update(
        &mut state,
        found(&[
            ("Zebras", &[("advocacy-1", &[1, 2])]),
            ("Work only", &[("advocacy-1", &[1, 2])]),
        ]),
        now,
    );
    update(
        &mut state,
        Msg::Account(1, Box::new(found(&[("Zebras", &[("advocacy-1", &[3])])]))),
        now,
    );
    assert_eq!(folder_nodes(&state), ["⌕ Work only"]);
    let text = screen(&state);
    let lines: Vec<&str> = text.lines().collect();
    let all = lines
        .iter()
        .position(|l| l.contains("▾ All accounts"))
        .unwrap();
    let zebras: Vec<usize> = (0..lines.len())
        .filter(|&i| lines[i].contains("⌕ Zebras"))
        .collect();
    assert_eq!(zebras.len(), 1, "{text}");
    let work = lines
        .iter()
        .position(|l| l.contains("▾ Work Forum"))
        .unwrap();
    assert!(all < zebras[0] && zebras[0] < work, "{text}");
    // 2 unread in work, 1 in meta.
    let row = lines[zebras[0]].split('│').next().unwrap().trim_end();
    assert!(row.ends_with(" 3"), "{row}");

    // Up from work's first row: All accounts' last row, the folder; enter lists both
    // accounts' threads, each naming its account.
    update(&mut state, Msg::Action(Action::Top), now);
    update(&mut state, Msg::Action(Action::Up), now);
    assert!(state.accounts.all.selected);
    // `r` there marks nothing in work's tree (whose selection is not on screen).
    let effects = update(&mut state, Msg::Action(Action::MarkThreadRead), now);
    assert!(effects.is_empty(), "{effects:?}");
    assert!(
        screen(&state).contains("that key works in an account's tree"),
        "{}",
        screen(&state)
    );
    update(&mut state, Msg::Action(Action::Open), now);
    let text = screen(&state);
    let work_thread = text.find("work · Thread advocacy-1").unwrap();
    let meta_thread = text.find("meta · Thread advocacy-1").unwrap();
    assert!(work_thread < meta_thread, "{text}");

    // enter on meta's: meta takes the focus and loads its thread.
    update(&mut state, Msg::Action(Action::Down), now);
    update(&mut state, Msg::Action(Action::Down), now);
    let effects = update(&mut state, Msg::Action(Action::Open), now);
    assert_eq!(state.accounts.focused(), 1);
    assert!(!state.accounts.all.selected);
    assert!(
        effects.contains(&Effect::Account(
            1,
            Box::new(Effect::LoadThread(threadmark::model::ThreadId::new(
                "advocacy-1"
            )))
        )),
        "{effects:?}"
    );
    // meta's tree has no folder; work's own is not on screen with work folded.
    assert!(folder_nodes(&state).is_empty());
    let text = screen(&state);
    assert!(!text.contains("⌕ Work only"), "{text}");
    assert_eq!(text.matches("⌕ Zebras").count(), 1, "{text}");

    // Down past All accounts' last row comes back to the first account's first row.
    accounts::focus(&mut state, 0);
    update(&mut state, Msg::Action(Action::Top), now);
    update(&mut state, Msg::Action(Action::Up), now);
    assert!(state.accounts.all.selected);
    update(&mut state, Msg::Action(Action::Down), now);
    assert!(!state.accounts.all.selected);
    assert_eq!(state.accounts.focused(), 0);
    assert_eq!(state.tree.selected_row(), Some(0));
}

#[test]
fn with_one_account_a_folder_for_every_account_stays_under_the_forum() {
    let config = Config::parse("[[folders]]\nname = \"Zebras\"\nquery = \"zebra\"\n").unwrap();
    let (mut state, _) = accounts::gather(vec![account("work", "Work Forum", &config)], 0).unwrap();
    update(
        &mut state,
        found(&[("Zebras", &[("advocacy-1", &[1, 2])])]),
        jiff::Timestamp::now(),
    );
    assert_eq!(folder_nodes(&state), ["⌕ Zebras"]);
    assert!(state.accounts.all.tree().is_none());
    let text = screen(&state);
    assert!(!text.contains("All accounts"), "{text}");
}

#[test]
fn a_click_selects_a_row_of_all_accounts_and_a_second_opens_it() {
    use crossterm::event::{KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
    let mut state = two_accounts_with_folders();
    let now = jiff::Timestamp::now();
    update(
        &mut state,
        found(&[("Zebras", &[("advocacy-1", &[1])])]),
        now,
    );
    let text = screen(&state);
    let y = text.lines().position(|l| l.contains("⌕ Zebras")).unwrap();
    let click = || {
        Msg::Mouse(MouseEvent {
            kind: MouseEventKind::Down(MouseButton::Left),
            column: 5,
            row: u16::try_from(y).unwrap(),
            modifiers: KeyModifiers::NONE,
        })
    };
    update(&mut state, click(), now);
    assert!(state.accounts.all.selected);
    assert!(!screen(&state).contains("work · Thread advocacy-1"));
    update(&mut state, click(), now);
    assert!(
        screen(&state).contains("work · Thread advocacy-1"),
        "{}",
        screen(&state)
    );
}
