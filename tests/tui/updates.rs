//! `update` without a terminal: navigation, collapse, filter, search, read marking.

use crate::harness::Harness;
use crossterm::event::{KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
use threadmark::app::UiState;
use threadmark::app::reader::Row;
use threadmark::app::state::Overlay;
use threadmark::app::{Action, Effect, Focus, LoadedThread, Msg};
use threadmark::config::Config;
use threadmark::model::ThreadId;
use threadmark::sync::{Connection, SyncEvent, SyncStatus};

fn tree_labels(h: &Harness) -> Vec<String> {
    let tree = &h.state.tree;
    tree.visible()
        .iter()
        .map(|&i| tree.nodes()[i].label.to_string())
        .collect()
}

#[test]
fn keys_move_through_the_tree_and_open_the_thread() {
    let mut h = Harness::demo(120, 40);
    // A fresh start selects the first unread thread; `gg` goes to the root.
    assert_eq!(h.state.tree.selected().unwrap().key, "t:advocacy-1");
    h.keys("gg");
    assert_eq!(
        &*h.state.tree.selected().unwrap().label,
        "Strategic Framework"
    );
    h.keys("jjjj");
    assert_eq!(
        &*h.state.tree.selected().unwrap().label,
        "Enabling Strategies"
    );
    h.keys("k");
    assert_eq!(
        &*h.state.tree.selected().unwrap().label,
        "Professional and Leadership Development"
    );
    h.keys("G");
    assert_eq!(h.state.tree.selected().unwrap().key, "t:advocacy-1");
    h.keys("gg");
    assert_eq!(h.state.tree.selected().unwrap().key, "forum");
    h.keys("G<enter>");
    assert_eq!(h.state.focus, Focus::Reader);
    assert_eq!(h.state.reader.thread_id().unwrap().as_str(), "advocacy-1");
    assert_eq!(h.current_author(), "Mary Ghikas");
    assert!(h.effects.contains(&Effect::SaveUiState));
}

#[test]
fn an_empty_area_says_so_on_enter() {
    let mut h = Harness::demo(120, 40);
    h.keys("ggjj");
    assert_eq!(
        &*h.state.tree.selected().unwrap().label,
        "Information Policy"
    );
    let rows = tree_labels(&h);
    h.keys("<enter>");
    assert!(h.notice().contains("no threads here yet"), "{}", h.notice());
    assert!(h.notice().contains("c starts one"), "{}", h.notice());
    h.keys("l");
    assert!(h.notice().contains("no threads here yet"), "{}", h.notice());
    assert_eq!(tree_labels(&h), rows, "nothing else moved");
    assert_eq!(h.state.focus, Focus::Tree);
}

#[test]
fn post_to_post_moves_follow_the_reply_tree() {
    let mut h = Harness::demo(120, 40);
    h.open_advocacy();
    h.keys("J");
    assert_eq!(h.current_author(), "Connie Williams");
    h.keys("J");
    assert_eq!(
        (h.current_author().as_str(), h.current_seq()),
        ("Robert Banks", 3)
    );
    // Robert Banks answers Connie Williams: his parent is her post.
    h.keys("p");
    assert_eq!(
        (h.current_author().as_str(), h.current_seq()),
        ("Connie Williams", 2)
    );
    // The next reply at her level skips the nested answer.
    h.keys(")");
    assert_eq!(h.current_author(), "David King");
    h.keys("(");
    assert_eq!(h.current_seq(), 2);
    h.keys("K");
    assert_eq!(h.current_seq(), 1);
    h.keys("K");
    assert!(h.notice().contains("first post"), "{}", h.notice());
    // The current post's header is at the top of the pane.
    let top = h.state.reader.layout.rows[h.state.reader.scroll];
    assert_eq!(top, Row::Header { pos: 0 });
}

#[test]
fn a_subthread_folds_and_unfolds() {
    let mut h = Harness::demo(120, 40);
    h.open_advocacy();
    h.keys("J");
    let rows_open = h.state.reader.layout.rows.len();
    h.keys("z");
    let rows = &h.state.reader.layout.rows;
    assert!(rows.len() < rows_open);
    assert!(
        rows.iter()
            .any(|r| matches!(r, Row::Folded { hidden: 1, .. }))
    );
    // Moving on skips the folded answer.
    h.keys("J");
    assert_eq!(h.current_author(), "David King");
    // Going to a folded post unfolds what hides it.
    h.keys("K");
    h.keys("z");
    assert_eq!(h.state.reader.layout.rows.len(), rows_open);
    // A post without replies has nothing to fold.
    h.keys("J");
    h.keys("z");
    assert!(h.notice().contains("no replies"), "{}", h.notice());
}

#[test]
fn tree_nodes_collapse_and_expand() {
    let mut h = Harness::demo(120, 40);
    h.keys("ggj");
    assert_eq!(
        &*h.state.tree.selected().unwrap().label,
        "Strategic Initiatives"
    );
    h.keys("h");
    assert_eq!(tree_labels(&h).len(), 5);
    h.keys("l");
    assert_eq!(tree_labels(&h).len(), 7);
    h.keys(" ");
    assert_eq!(tree_labels(&h).len(), 5);
    assert!(
        h.state
            .ui_snapshot()
            .collapsed
            .contains("s:strategic-initiatives")
    );
    // The root collapses everything; the selection follows.
    h.keys("G");
    h.keys("hhhhh");
    assert_eq!(h.state.tree.selected().unwrap().key, "forum");
    h.keys("h");
    assert_eq!(tree_labels(&h), ["Strategic Framework"]);
}

#[test]
fn the_filter_narrows_the_tree_as_you_type() {
    let mut h = Harness::demo(120, 40);
    h.keys("/disc");
    assert_eq!(tree_labels(&h).len(), 4, "{:?}", tree_labels(&h));
    assert_eq!(h.state.tree.selected().unwrap().key, "t:advocacy-1");
    h.keys("<esc>");
    assert_eq!(tree_labels(&h).len(), 7);
    h.keys("/zzz");
    assert_eq!(tree_labels(&h), ["Strategic Framework"]);
    h.keys("<backspace><backspace><backspace>ADV<enter>");
    assert_eq!(h.state.tree.filter(), "ADV");
    assert!(h.notice().contains("1 thread match"), "{}", h.notice());
    h.keys("<esc>");
    assert_eq!(h.state.tree.filter(), "");
    assert_eq!(tree_labels(&h).len(), 7);
}

#[test]
fn search_highlights_matches_and_steps_through_them() {
    let mut h = Harness::demo(120, 40);
    h.open_advocacy();
    h.keys("/relentless<enter>");
    let search = h.state.reader.search.clone().unwrap();
    assert_eq!(search.matches.len(), 3, "{search:?}");
    assert!(h.notice().starts_with("3 matches"), "{}", h.notice());
    let first = search.current.unwrap();
    // The match is on screen and belongs to Connie Williams's long post.
    let row = search.matches[first].row;
    assert!(row >= h.state.reader.scroll && row < h.state.reader.scroll + h.state.reader.height);
    assert_eq!(h.current_seq(), 8);
    let text = h
        .state
        .reader
        .row_text(h.state.reader.layout.rows[row])
        .unwrap();
    let m = search.matches[first];
    assert_eq!(text[m.start..m.end].to_lowercase(), "relentless");
    h.keys("n");
    assert_eq!(
        h.state.reader.search.as_ref().unwrap().current,
        Some((first + 1) % 3)
    );
    assert_eq!(h.notice(), format!("match {} of 3", (first + 1) % 3 + 1));
    h.keys("NN");
    assert_eq!(
        h.state.reader.search.as_ref().unwrap().current,
        Some((first + 2) % 3)
    );
    h.keys("/nothing here<enter>");
    assert!(h.notice().contains("no match"), "{}", h.notice());
    h.keys("<esc>");
    assert!(h.state.reader.search.is_none());
    h.keys("<esc>");
    assert_eq!(h.state.focus, Focus::Tree);
}

#[test]
fn a_thread_read_in_part_opens_at_its_first_unread_post() {
    let mut h = Harness::demo(120, 40);
    let id = ThreadId::new("advocacy-1");
    let read = h.state.data.read.thread_mut(&id);
    for seq in [1, 2, 3] {
        read.mark_read(seq);
    }
    h.keys("}");
    assert!(h.state.reader.current > 0, "not at the opening post");
    let seq = h.current_seq();
    assert!(seq > 3, "at an unread post, not #{seq}");
    let read = h.state.data.read.thread(&id).unwrap();
    let open = h.state.reader.open.as_ref().unwrap();
    let before: Vec<u32> = (0..h.state.reader.current)
        .filter_map(|pos| open.post(pos).map(|p| p.seq))
        .collect();
    assert!(
        before.iter().all(|&s| read.is_read(s)),
        "every post above it was read: {before:?}"
    );
}

#[test]
fn the_search_prompt_opens_empty_and_remembers() {
    let mut h = Harness::demo(120, 40);
    h.open_advocacy();
    h.keys("/relentless<enter>");
    h.keys("/advocacy<enter>");
    let query = |h: &Harness| h.state.reader.search.as_ref().unwrap().query.clone();
    assert_eq!(
        query(&h),
        "advocacy",
        "a new search, not appended to the last"
    );
    // ↑ recalls the previous search, and it can be edited in the middle.
    h.keys("/<up><up><home><right><right><delete>L<enter>");
    assert_eq!(query(&h), "reLentless");
    // An empty enter runs the last one again.
    h.keys("/<enter>");
    assert_eq!(query(&h), "reLentless");
    h.keys("/zzz advocay<left>c<end><ctrl-w><enter>");
    assert!(
        h.notice().contains("no match for \"zzz \""),
        "{}",
        h.notice()
    );
}

#[test]
fn posts_shown_whole_become_read_and_that_can_be_undone() {
    let mut h = Harness::demo(120, 40);
    assert_eq!(h.unread(), 8);
    h.open_advocacy();
    let id = ThreadId::new("advocacy-1");
    let read = |h: &Harness| h.state.data.read.thread(&id).cloned().unwrap_or_default();
    // The opening post and the two replies below it fit on a 120×40 screen.
    assert!(read(&h).is_read(1) && read(&h).is_read(2));
    assert!(!read(&h).is_read(8));
    let unread_after_open = h.unread();
    assert!(unread_after_open < 8 && unread_after_open > 0);
    assert!(h.effects.contains(&Effect::SaveReadState));

    h.keys("u");
    assert_eq!(h.unread(), 8, "undo makes them unread again");
    assert!(h.notice().contains("unread again"), "{}", h.notice());
    // ...and they stay unread while still on screen.
    h.keys("j");
    assert!(!read(&h).is_read(1));

    // A jump to the bottom shows only the end of the long last post: it stays unread...
    h.keys("G");
    assert!(!read(&h).is_read(8), "only its end was shown");
    // ...until the user reads it through, a line at a time.
    h.keys("KJ");
    for _ in 0..60 {
        h.keys("j");
    }
    assert!(read(&h).is_read(8), "read through to the end");
    h.keys("M");
    assert_eq!(h.unread(), 8);
    h.keys("u");
    assert!(read(&h).is_read(8));
    // Undoing "mark unread" makes posts read again, and says so.
    assert!(h.notice().contains("read again"), "{}", h.notice());
    assert!(!h.notice().contains("unread again"), "{}", h.notice());
    h.keys("m");
    assert_eq!(h.unread(), 0);
    assert!(
        h.notice().contains("marked the thread read"),
        "{}",
        h.notice()
    );
}

#[test]
fn new_posts_are_those_added_since_the_last_visit() {
    let mut h = Harness::demo(120, 40);
    h.open_advocacy();
    assert_eq!(h.state.reader.open.as_ref().unwrap().new_above, 0);
    let id = ThreadId::new("advocacy-1");
    assert_eq!(h.state.data.read.thread(&id).unwrap().seen_through, 8);
    // Reopening the thread (as after a restart) shows nothing new.
    let file = threadmark::store::Cache::open(h.dir.clone())
        .load_thread(&id)
        .unwrap()
        .unwrap();
    h.state.reader = threadmark::app::reader::Reader::default();
    h.state.reader.requested = Some(id.clone());
    h.send(Msg::ThreadLoaded(Box::new(LoadedThread::parse(file))));
    assert_eq!(h.state.reader.open.as_ref().unwrap().new_above, 8);
}

#[test]
fn a_stale_load_is_dropped() {
    let mut h = Harness::demo(120, 40);
    let file = threadmark::store::Cache::open(h.dir.clone())
        .load_thread(&ThreadId::new("advocacy-1"))
        .unwrap()
        .unwrap();
    // Nobody asked for this thread (or the user moved on): it is not shown.
    h.send(Msg::ThreadLoaded(Box::new(LoadedThread::parse(file))));
    assert!(h.state.reader.open.is_none());
}

#[test]
fn resizing_keeps_the_place_in_the_thread() {
    let mut h = Harness::demo(120, 40);
    h.open_advocacy();
    h.keys("JJJJ");
    let post = h.current_seq();
    h.send(Msg::Resize(60, 20));
    assert!(h.state.geometry().narrow);
    assert_eq!(h.current_seq(), post);
    let top = h.state.reader.layout.rows[h.state.reader.scroll];
    assert_eq!(
        top,
        Row::Header {
            pos: h.state.reader.current
        }
    );
    h.send(Msg::Resize(200, 50));
    assert_eq!(h.current_seq(), post);
    // In a narrow terminal tab switches which pane is shown.
    h.send(Msg::Resize(60, 20));
    h.keys("<tab>");
    assert_eq!(h.state.focus, Focus::Tree);
    assert_eq!(h.state.geometry().reader_body.width, 0);
}

#[test]
fn next_unread_post_and_thread() {
    let mut h = Harness::demo(120, 40);
    h.open_advocacy();
    let id = ThreadId::new("advocacy-1");
    let open = h.state.reader.open.as_ref().unwrap();
    let read = h.state.data.read.thread(&id).unwrap().clone();
    let expected = (1..open.order.len())
        .map(|pos| open.post(pos).unwrap().seq)
        .find(|&seq| !read.is_read(seq))
        .unwrap();
    h.keys("]");
    assert_eq!(h.current_seq(), expected);
    h.keys("m}");
    assert!(
        h.notice().contains("no thread has unread posts"),
        "{}",
        h.notice()
    );
    h.keys("M}");
    assert_eq!(h.state.reader.thread_id().unwrap().as_str(), "advocacy-1");
    h.keys("G]");
    assert!(
        h.notice().contains("no unread post below"),
        "{}",
        h.notice()
    );
}

#[test]
fn multi_key_sequences_fall_back_when_broken() {
    let mut h = Harness::demo(120, 40);
    h.keys("G");
    h.keys("g");
    assert_eq!(h.state.keys.pending.len(), 1);
    // "g k" is no binding: the pending g is dropped and k runs on its own.
    h.keys("k");
    assert!(h.state.keys.pending.is_empty());
    assert_eq!(&*h.state.tree.selected().unwrap().label, "Advocacy");
}

#[test]
fn every_bad_key_setting_is_counted_and_named_for_an_installed_binary() {
    let config = Config::parse(
        "[keys]\n\"ctrl-n\" = \"jump_around\"\n\"x\" = \"fly\"\n\"hyper-q\" = \"quit\"\n",
    )
    .unwrap();
    let h = Harness::demo_with(120, 40, &config, UiState::default());
    let said = h.notice();
    assert!(said.starts_with("config.toml: [keys]"), "{said}");
    assert!(said.contains("(and 2 more, in the log)"), "{said}");
    assert!(
        said.contains("`threadmark config keys`"),
        "names where the action names are: {said}"
    );
    assert!(
        !said.contains("assets/"),
        "no path an installed binary lacks: {said}"
    );
}

#[test]
fn key_overrides_from_config_apply() {
    let config =
        Config::parse("[keys]\n\"ctrl-n\" = \"next_unread_thread\"\n\"q\" = \"none\"\n").unwrap();
    let mut h = Harness::demo_with(120, 40, &config, UiState::default());
    h.send(Msg::Key(crossterm::event::KeyEvent::new(
        crossterm::event::KeyCode::Char('n'),
        KeyModifiers::CONTROL,
    )));
    assert_eq!(h.state.reader.thread_id().unwrap().as_str(), "advocacy-1");
    h.keys("q");
    assert!(!h.state.quitting);
    assert!(h.notice().contains("does nothing"), "{}", h.notice());
    h.act(Action::Quit);
    assert!(h.state.quitting);
    assert!(h.effects.contains(&Effect::Quit));
}

#[test]
fn remembered_state_reopens_where_the_user_left() {
    let ui = UiState {
        collapsed: ["s:strategic-initiatives".to_owned()].into(),
        selected: Some("t:advocacy-1".into()),
        open_thread: Some("advocacy-1".into()),
        dismissed_banners: ["gray-out".to_owned()].into(),
        ..UiState::default()
    };
    let h = Harness::demo_with(120, 40, &Config::default(), ui.clone());
    assert_eq!(h.state.tree.selected().unwrap().key, "t:advocacy-1");
    assert_eq!(tree_labels(&h).len(), 5);
    assert!(h.state.reader.open.is_some());
    assert!(h.state.banner.shown().is_none());
    assert_eq!(h.state.ui_snapshot(), ui);
}

#[test]
fn the_banner_expands_and_is_dismissed_for_good() {
    let mut h = Harness::demo(120, 40);
    assert_eq!(h.state.geometry().banner.height, 1);
    h.keys("B");
    assert!(h.state.geometry().banner.height > 3);
    h.keys("X");
    assert_eq!(h.state.geometry().banner.height, 0);
    assert!(h.state.ui_snapshot().dismissed_banners.contains("gray-out"));
    assert!(h.effects.contains(&Effect::SaveUiState));
}

#[test]
fn help_lists_the_bindings_and_closes() {
    let mut h = Harness::demo(120, 40);
    h.keys("?");
    assert!(matches!(
        h.state.overlay,
        threadmark::app::state::Overlay::Help { .. }
    ));
    h.keys("j");
    assert!(matches!(
        h.state.overlay,
        threadmark::app::state::Overlay::Help { scroll: 1 }
    ));
    h.keys("<esc>");
    assert_eq!(h.state.overlay, threadmark::app::state::Overlay::None);
}

fn mouse(kind: MouseEventKind, column: u16, row: u16) -> Msg {
    Msg::Mouse(MouseEvent {
        kind,
        column,
        row,
        modifiers: KeyModifiers::NONE,
    })
}

#[test]
fn the_mouse_scrolls_the_pane_under_it_and_clicks_select() {
    let mut h = Harness::demo(120, 40);
    h.open_advocacy();
    h.send(mouse(MouseEventKind::ScrollDown, 80, 20));
    assert_eq!(h.state.reader.scroll, 3);
    // Click the tree's second row (banner is row 0, the tree starts at row 1).
    h.send(mouse(MouseEventKind::Down(MouseButton::Left), 5, 2));
    assert_eq!(h.state.focus, Focus::Tree);
    assert_eq!(
        &*h.state.tree.selected().unwrap().label,
        "Strategic Initiatives"
    );
    h.send(mouse(MouseEventKind::ScrollDown, 5, 5));
    assert_eq!(
        &*h.state.tree.selected().unwrap().label,
        "Enabling Strategies"
    );

    let config = Config::parse("[ui]\nmouse = false\n").unwrap();
    let mut off = Harness::demo_with(120, 40, &config, UiState::default());
    off.send(mouse(MouseEventKind::Down(MouseButton::Left), 5, 2));
    assert_eq!(
        off.state.tree.selected().unwrap().key,
        "t:advocacy-1",
        "where it started"
    );
}

#[test]
fn sync_news_reaches_the_status_line() {
    let mut h = Harness::demo(120, 40);
    h.state.status.demo = false;
    let at = jiff::Timestamp::from_second(1_700_000_000).unwrap();
    h.send(Msg::Sync(SyncEvent::Status(SyncStatus {
        connection: Connection::ReadOnly,
        last_success_at: Some(at),
        outbox_pending: 0,
        banner: None,
        outbox_note: None,
    })));
    assert_eq!(h.state.status.connection, Connection::ReadOnly);
    assert_eq!(h.state.status.last_sync, Some(at));
    // A progress report changes the progress only.
    h.send(Msg::Sync(SyncEvent::Status(SyncStatus {
        connection: Connection::Syncing(Some((3, 10))),
        last_success_at: None,
        outbox_pending: 0,
        banner: None,
        outbox_note: None,
    })));
    assert_eq!(h.state.status.last_sync, Some(at));
    h.send(Msg::SyncUnavailable("server said no".into()));
    assert_eq!(h.notice(), "server said no");
    assert!(matches!(
        h.state.status.connection,
        Connection::Offline { .. }
    ));
}

#[test]
fn the_readme_config_example_is_valid_and_does_what_it_says() {
    let readme = include_str!("../../README.md");
    let section = &readme[readme.find("## Using the reader").unwrap()..];
    let start = section.find("```toml\n").unwrap() + "```toml\n".len();
    let example = &section[start..start + section[start..].find("```").unwrap()];
    let config = Config::parse(example).unwrap();
    let (theme, warnings) = threadmark::ui::Theme::load(&config.theme, false);
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(
        theme.get(threadmark::ui::Element::ReaderNew).bg,
        Some(ratatui::style::Color::LightGreen)
    );
    let mut h = Harness::demo_with(120, 40, &config, UiState::default());
    assert!(h.notice().is_empty(), "{}", h.notice());
    assert!(!h.state.settings.mouse);
    assert_eq!(h.state.geometry().tree.width, 44);
    h.open_advocacy();
    let scroll = h.state.reader.scroll;
    h.keys("w");
    assert!(h.state.reader.scroll > scroll, "w pages down in the reader");
}

#[test]
fn links_open_in_the_browser_only_when_they_are_http() {
    let mut h = Harness::remote(120, 40);
    // Someone's reply carries links: a good one, and one that must never be opened.
    let mut cache = threadmark::store::Cache::open(h.dir.clone());
    let mut file = cache
        .load_thread(&ThreadId::new("advocacy-1"))
        .unwrap()
        .unwrap();
    file.posts[0].body.text = "See [the guide](https://example.org/guide) and \
         [this](javascript:alert(1)) before replying."
        .into();
    cache.save_thread(&file).unwrap();
    h.open_advocacy();
    assert_eq!(h.current_seq(), 1);

    h.keys("o");
    h.keys("<enter>");
    assert_eq!(
        h.effects.last(),
        Some(&Effect::OpenUrl("https://example.org/guide".into()))
    );
    let opened = h.effects.len();

    h.keys("o");
    h.keys("2");
    assert_eq!(
        h.effects.len(),
        opened,
        "a javascript: link is never handed to a browser"
    );
    assert!(
        h.notice().contains("not an http(s) address"),
        "{}",
        h.notice()
    );
}

#[test]
fn a_bare_url_in_a_post_is_a_link_o_opens() {
    let mut h = Harness::remote(120, 40);
    let mut cache = threadmark::store::Cache::open(h.dir.clone());
    let mut file = cache
        .load_thread(&ThreadId::new("advocacy-1"))
        .unwrap()
        .unwrap();
    file.posts[0].body.text = "The minutes are at https://ala.example/minutes.pdf.".into();
    cache.save_thread(&file).unwrap();
    h.open_advocacy();
    assert_eq!(h.current_seq(), 1);

    h.keys("o");
    assert!(
        matches!(h.state.overlay, Overlay::Links { .. }),
        "{}",
        h.notice()
    );
    h.keys("<enter>");
    assert_eq!(
        h.effects.last(),
        Some(&Effect::OpenUrl("https://ala.example/minutes.pdf".into())),
        "the sentence's full stop is not part of the address"
    );
}

#[test]
fn your_own_replies_are_neither_unread_nor_new() {
    let mut h = Harness::remote(120, 40);
    let mut cache = threadmark::store::Cache::open(h.dir.clone());
    let mut file = cache
        .load_thread(&ThreadId::new("advocacy-1"))
        .unwrap()
        .unwrap();
    let mut mine = file.posts[1].clone();
    mine.id = threadmark::model::PostId::new("mine");
    mine.seq = 9;
    mine.author = threadmark::model::Author::new("demo");
    mine.client_key = Some("01a2-key".into());
    file.posts.push(mine);
    file.summary.last_seq = 9;
    file.summary.post_count = 9;
    cache.save_thread(&file).unwrap();
    h.open_advocacy();

    let open = h.state.reader.open.as_ref().unwrap();
    let mine = open.file.posts.iter().find(|p| p.seq == 9).unwrap();
    assert!(!open.is_new(mine), "your own reply is not news to you");
    let theirs = open.file.posts.iter().find(|p| p.seq == 8).unwrap();
    assert!(open.is_new(theirs));
    let read = h
        .state
        .data
        .read
        .thread(&ThreadId::new("advocacy-1"))
        .unwrap();
    assert!(read.is_read(9), "your own reply counts as read");
}

#[test]
fn a_read_state_the_disk_refused_is_shown_and_saved_again() {
    let mut h = Harness::demo(120, 40);
    h.effects.clear();
    h.send(Msg::Stored(threadmark::app::Stored::ReadStateNotSaved(
        "could not save what you read: disk full".into(),
    )));
    assert_eq!(h.notice(), "could not save what you read: disk full");
    assert!(h.state.status.notice.as_ref().unwrap().error);
    assert!(h.effects.contains(&Effect::SaveReadState));
}

#[test]
fn a_reload_after_a_sync_parses_only_the_posts_that_changed() {
    let mut h = Harness::remote(120, 40);
    h.open_advocacy();
    let before: Vec<(threadmark::model::PostId, u64)> = h
        .state
        .reader
        .open
        .as_ref()
        .unwrap()
        .real_posts()
        .iter()
        .map(|p| (p.id.clone(), p.version))
        .collect();
    // The sync edits the opening post: a new version and a new text.
    let mut cache = threadmark::store::Cache::open(h.dir.clone());
    let mut file = cache
        .load_thread(&ThreadId::new("advocacy-1"))
        .unwrap()
        .unwrap();
    file.posts[0].version += 1;
    file.posts[0].body.text = "Edited: advocacy comes first.".into();
    cache.save_thread(&file).unwrap();
    h.effects.clear();
    let mut report = threadmark::sync::ingest::IngestReport::default();
    report.changed.insert(ThreadId::new("advocacy-1"));
    h.send(Msg::Sync(SyncEvent::Pulled(report)));

    assert!(
        h.effects.contains(&Effect::ReloadThread {
            thread: ThreadId::new("advocacy-1"),
            parsed: before.clone(),
        }),
        "the reload names the documents the reader holds: {:?}",
        h.effects
    );
    let loaded = threadmark::app::LoadedThread::parse_except(file, &before);
    let parsed: Vec<bool> = loaded.docs.iter().map(Option::is_some).collect();
    assert!(parsed[0], "the edited post is parsed again");
    assert!(
        parsed[1..].iter().all(|p| !p),
        "the others are not: {parsed:?}"
    );
    let open = h.state.reader.open.as_ref().unwrap();
    assert_eq!(open.docs.len(), open.file.posts.len());
    assert!(
        open.docs[0]
            .plain_text()
            .contains("Edited: advocacy comes first."),
        "the reader shows the new text"
    );
    assert_eq!(
        open.docs[1].plain_text(),
        threadmark::render::Document::from_body(&open.file.posts[1].body).plain_text(),
        "and keeps the others"
    );
}

#[test]
fn syncing_now_gives_way_once_the_engine_has_news() {
    let mut h = Harness::remote(120, 40);
    let status = |connection| {
        Msg::Sync(SyncEvent::Status(SyncStatus {
            connection,
            last_success_at: None,
            outbox_pending: 0,
            banner: None,
            outbox_note: None,
        }))
    };
    h.send(status(Connection::Online));
    h.keys("s");
    assert_eq!(h.notice(), "syncing now");
    // The engine starting the sync is what the notice announced: it stays.
    h.send(status(Connection::Syncing(None)));
    assert_eq!(h.notice(), "syncing now");
    h.send(status(Connection::Online));
    assert!(
        h.state.status.notice.is_none(),
        "\"syncing now\" beside \"online\": {}",
        h.notice()
    );

    // An outbox change is news too.
    h.keys("s");
    assert_eq!(h.notice(), "syncing now");
    h.send(Msg::Sync(SyncEvent::Outbox(
        threadmark::sync::flush::FlushReport::default(),
    )));
    assert!(h.state.status.notice.is_none(), "{}", h.notice());

    // A notice that is no promise stays through the engine's news.
    h.send(Msg::SyncUnavailable("server said no".into()));
    h.send(status(Connection::Online));
    assert_eq!(h.notice(), "server said no");
}

#[test]
fn the_status_line_counts_unread_inbox_items_as_syncs_bring_them() {
    use threadmark::model::{Author, InboxItem, InboxKind, PostId};
    let mut h = Harness::remote(120, 40);
    let status_line = |h: &Harness| h.screen_lines().pop().unwrap_or_default();
    assert!(!status_line(&h).contains("inbox"), "{}", status_line(&h));
    let item = |id: &str, read: bool| InboxItem {
        id: id.into(),
        kind: InboxKind::Reply,
        thread: ThreadId::new("advocacy-1"),
        thread_title: "Advocacy".into(),
        post: PostId::new(id),
        seq: 2,
        author: Author::new("ann"),
        excerpt: "hello".into(),
        created_at: jiff::Timestamp::UNIX_EPOCH,
        read,
        announced: false,
    };
    threadmark::store::merge_inbox(
        &h.dir,
        vec![item("n1", false), item("n2", false), item("n3", true)],
        true,
    )
    .unwrap();
    let report = threadmark::sync::ingest::IngestReport {
        inbox_changed: true,
        inbox_news: vec![item("n1", false)],
        ..Default::default()
    };
    h.send(Msg::Sync(SyncEvent::Pulled(report)));
    assert!(
        h.effects
            .iter()
            .any(|e| matches!(e, Effect::Announce(items) if items.len() == 1)),
        "the hook is asked to announce the news: {:?}",
        h.effects
    );
    assert_eq!(h.state.status.inbox_unread, 2);
    assert!(
        status_line(&h).contains(" · inbox 2"),
        "{}",
        status_line(&h)
    );
}
