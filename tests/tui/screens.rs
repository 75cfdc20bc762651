//! Whole screens rendered into ratatui's test backend: insta snapshots for the layout, and
//! direct cell checks for the styles snapshots cannot see.

use crate::harness::Harness;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::style::{Color, Modifier};
use threadmark::ui::{self, Theme};

fn theme() -> Theme {
    let (theme, warnings) = Theme::load(&toml::Table::new(), false);
    assert!(warnings.is_empty(), "{warnings:?}");
    theme
}

fn render(h: &Harness) -> Terminal<TestBackend> {
    let (w, rows) = h.state.size;
    let mut terminal = Terminal::new(TestBackend::new(w, rows)).unwrap();
    let theme = theme();
    terminal.draw(|f| ui::draw(f, &h.state, &theme)).unwrap();
    terminal
}

/// The first cell where `text` starts on screen.
fn find(buffer: &Buffer, text: &str) -> (u16, u16) {
    let area = buffer.area;
    for y in 0..area.height {
        let mut line = String::new();
        let mut columns = Vec::new();
        let mut x = 0;
        while x < area.width {
            let symbol = buffer[(x, y)].symbol();
            for _ in symbol.chars() {
                columns.push(x);
            }
            line.push_str(symbol);
            // A wide character covers the next cell too.
            x += u16::try_from(unicode_width::UnicodeWidthStr::width(symbol).max(1)).unwrap();
        }
        if let Some(byte) = line.find(text) {
            let chars = line[..byte].chars().count();
            return (columns[chars], y);
        }
    }
    panic!("{text:?} is not on screen");
}

#[test]
fn demo_wide_with_the_advocacy_thread_open() {
    let mut h = Harness::demo(120, 40);
    h.open_advocacy();
    insta::assert_snapshot!("advocacy_120x40", render(&h).backend());
}

#[test]
fn demo_narrow_shows_one_pane() {
    let mut h = Harness::demo(60, 20);
    insta::assert_snapshot!("tree_60x20", render(&h).backend());
    h.open_advocacy();
    h.keys("JJ");
    insta::assert_snapshot!("advocacy_60x20", render(&h).backend());
}

#[test]
fn help_overlay() {
    let mut h = Harness::demo(120, 40);
    h.keys("?");
    insta::assert_snapshot!("help_120x40", render(&h).backend());
    // Its end: the reader's keys, the moderators' among them.
    h.keys("G");
    insta::assert_snapshot!("help_120x40_end", render(&h).backend());
}

#[test]
fn help_g_ends_on_its_last_rows_and_says_when_there_is_more() {
    for (w, rows) in [(120, 40), (100, 30), (70, 24)] {
        let mut h = Harness::demo(w, rows);
        h.keys("?");
        let screen = format!("{:?}", render(&h).backend());
        assert!(screen.contains("more below"), "{w}x{rows}: {screen}");
        h.keys("G");
        let screen = format!("{:?}", render(&h).backend());
        // The box is full to its bottom: its last row has text, and the help's last key
        // (in the one column, or the right one) shows.
        assert!(screen.contains("Quit"), "{w}x{rows}: {screen}");
        let lines: Vec<&str> = screen.lines().collect();
        let bottom = lines.iter().position(|l| l.contains('└')).unwrap();
        let row = lines[bottom - 1];
        let inside = &row[row.find('│').unwrap() + '│'.len_utf8()..row.rfind('│').unwrap()];
        assert!(
            !inside.trim().is_empty(),
            "{w}x{rows}: no empty rows at the bottom: {screen}"
        );
        assert!(!screen.contains("more below"), "{w}x{rows}: {screen}");
        // Further down goes nowhere.
        let scroll = h.state.overlay;
        h.keys("j");
        assert_eq!(h.state.overlay, scroll, "{w}x{rows}");
    }
}

#[test]
fn banner_expanded() {
    let mut h = Harness::demo(100, 30);
    h.keys("B");
    insta::assert_snapshot!("banner_expanded_100x30", render(&h).backend());
}

#[test]
fn unread_threads_new_posts_and_the_selection_are_styled() {
    let mut h = Harness::demo(120, 40);
    h.keys("gg");
    let terminal = render(&h);
    let buffer = terminal.backend().buffer();
    // The unread thread is bold in the tree.
    let (x, y) = find(buffer, "Strategic Framework and");
    assert!(buffer[(x, y)].modifier.contains(Modifier::BOLD));
    // The selected row (the forum, after `gg`) is highlighted across the pane.
    let (x, y) = find(buffer, "Strategic Framework ");
    assert_eq!(buffer[(x, y)].bg, Color::Cyan);
    assert_eq!(buffer[(x + 30, y)].bg, Color::Cyan);
    // A read area is not.
    let (x, y) = find(buffer, "Information Policy");
    assert!(!buffer[(x, y)].modifier.contains(Modifier::BOLD));
    assert_ne!(buffer[(x, y)].bg, Color::Cyan);

    h.open_advocacy();
    let terminal = render(&h);
    let buffer = terminal.backend().buffer();
    // First visit: every post is new, marked with a yellow NEW tag.
    let (x, y) = find(buffer, " NEW ");
    assert_eq!(buffer[(x + 1, y)].bg, Color::Yellow);
    assert!(buffer[(x + 1, y)].modifier.contains(Modifier::BOLD));
    // The focus moved to the reader: the tree selection is dimmed, not cyan.
    let (x, y) = find(buffer, "● Strategic Framework and");
    assert_ne!(buffer[(x, y)].bg, Color::Cyan);
    assert_eq!(buffer[(x + 4, y)].bg, Color::DarkGray);
    // A post not yet shown whole is still unread: its header has the unread dot.
    let (x, y) = find(buffer, "● Robert Banks");
    assert_eq!(buffer[(x, y)].fg, Color::Yellow);
}

#[test]
fn search_matches_are_highlighted() {
    let mut h = Harness::demo(120, 40);
    h.open_advocacy();
    h.keys("/relentless<enter>");
    let terminal = render(&h);
    let buffer = terminal.backend().buffer();
    let (x, y) = find(buffer, "relentless");
    assert!(
        [Color::LightGreen, Color::LightMagenta].contains(&buffer[(x, y)].bg),
        "{:?}",
        buffer[(x, y)]
    );
}

#[test]
fn wide_characters_line_up() {
    let mut h = Harness::demo(100, 30);
    // A sync brings titles in CJK and emoji: the tree must keep its columns.
    let mut forum = h.state.data.forum.clone();
    forum.sections[0].title = "戦略的イニシアチブ 🚀".into();
    let mut threads = h.state.data.threads.clone();
    threads[0].title = "日本語のスレッド：図書館の未来について話しましょう 📚📚📚".into();
    h.send(threadmark::app::Msg::IndexLoaded(Box::new(
        threadmark::app::IndexData {
            forum,
            threads,
            counts: None,
            read: None,
            tree: None,
        },
    )));
    let terminal = render(&h);
    let buffer = terminal.backend().buffer();
    let (x, y) = find(buffer, "日本語");
    assert!(x > 0 && y > 0);
    // The tree's border and the unread counts stay in their columns on every row.
    let border = find(buffer, "│").0;
    for y in 1..29 {
        assert_eq!(buffer[(border, y)].symbol(), "│", "row {y}");
    }
    let (_, thread_row) = find(buffer, "日本語");
    assert_eq!(buffer[(border - 1, thread_row)].symbol(), "8");
    insta::assert_snapshot!("wide_titles_100x30", terminal.backend());
}

/// A reply being written to Connie Williams's post.
fn composing() -> Harness {
    let mut h = Harness::remote(100, 30);
    h.open_advocacy();
    h.keys("Jr");
    h.keys("I agree: advocacy has to start long before a bill is drafted.<enter><enter>");
    h.keys("Our branch keeps a standing list of local partners, which helps.");
    h
}

#[test]
fn composer_in_the_reader_place() {
    let h = composing();
    insta::assert_snapshot!("composer_reply_100x30", render(&h).backend());
}

#[test]
fn composer_preview_and_a_new_thread_title() {
    let mut h = composing();
    h.keys("<ctrl-p>");
    insta::assert_snapshot!("composer_preview_100x30", render(&h).backend());
    h.keys("<esc>");
    let mut h = Harness::remote(100, 30);
    h.keys("Gkc");
    h.keys("Budget priorities for 2027<enter>What should come first?");
    insta::assert_snapshot!("composer_new_thread_100x30", render(&h).backend());
}

#[test]
fn a_new_thread_where_tags_are_required_has_a_tags_line() {
    let mut h = Harness::remote(100, 30);
    h.require_tags_everywhere(1);
    h.keys("Gkc");
    h.keys("Budget priorities<enter>budget");
    let terminal = render(&h);
    let (title_x, title_y) = find(terminal.backend().buffer(), "Title: Budget priorities");
    assert_eq!(
        find(terminal.backend().buffer(), "Tags:  budget"),
        (title_x, title_y + 1),
        "the tags line right under the title"
    );
}

#[test]
fn outbox_list_and_a_held_echo() {
    use threadmark::model::{OutboxEntry, OutboxState, PostId, Target, ThreadId};
    use threadmark::store::Outbox;
    let mut h = Harness::remote(100, 30);
    let outbox = Outbox::open(&h.dir);
    let reply = |body: &str| {
        OutboxEntry::new(
            Target::Reply {
                thread: ThreadId::new("advocacy-1"),
                reply_to: Some(PostId::new("advocacy-1-2")),
            },
            body.into(),
            jiff::Timestamp::UNIX_EPOCH,
        )
    };
    let mut held = reply("Held while the forum is read-only.");
    outbox.enqueue(&held).unwrap();
    held.state = OutboxState::Held;
    held.last_message =
        Some("the forum is read-only; the reply waits and goes out when posting reopens".into());
    outbox.update(&held).unwrap();
    let mut failed = reply("Too short");
    outbox.enqueue(&failed).unwrap();
    failed.state = OutboxState::Failed;
    failed.attempts = 1;
    failed.last_message = Some("body: at least 20 characters".into());
    outbox.update(&failed).unwrap();
    h.run_effects(vec![threadmark::app::Effect::Store(
        threadmark::app::StoreJob::LoadOutbox,
    )]);

    h.open_advocacy();
    // Mary Ghikas, Connie Williams, Robert Banks's answer to her, then our two replies.
    h.keys("JJJ");
    insta::assert_snapshot!("echo_held_100x30", render(&h).backend());
    let terminal = render(&h);
    let buffer = terminal.backend().buffer();
    let (x, y) = find(buffer, " held ");
    assert_eq!(
        buffer[(x + 1, y)].bg,
        Color::Yellow,
        "a held echo is marked"
    );
    h.keys("O");
    insta::assert_snapshot!("outbox_100x30", render(&h).backend());
    let terminal = render(&h);
    find(
        terminal.backend().buffer(),
        "last attempt: body: at least 20 characters",
    );
    h.keys("jd");
    insta::assert_snapshot!("outbox_confirm_discard_100x30", render(&h).backend());
}

#[test]
fn only_the_input_with_the_keyboard_shows_the_themed_cursor() {
    let mut h = Harness::remote(100, 30);
    h.keys("Gkc");
    h.keys("Budget priorities<enter>What first?");
    let terminal = render(&h);
    let buffer = terminal.backend().buffer();
    let (x, y) = find(buffer, "What first?");
    let after_body = &buffer[(x + 11, y)];
    assert!(
        after_body.modifier.contains(Modifier::REVERSED),
        "the body has the keyboard: its cursor shows"
    );
    let (x, y) = find(buffer, "Budget priorities");
    let after_title = &buffer[(x + 17, y)];
    assert!(
        !after_title.modifier.contains(Modifier::REVERSED),
        "the title does not have the keyboard: no cursor there"
    );
    h.keys("<tab>");
    let terminal = render(&h);
    let buffer = terminal.backend().buffer();
    assert!(buffer[(x + 17, y)].modifier.contains(Modifier::REVERSED));
}

#[test]
fn a_one_line_banner_offers_no_more_and_a_dismissal_can_be_taken_back() {
    let mut h = Harness::remote(120, 40);
    h.server_goes_read_only_with_a_banner();
    let top = |h: &Harness| {
        format!("{:?}", render(h).backend())
            .lines()
            .nth(3)
            .unwrap()
            .to_owned()
    };
    let line = top(&h);
    assert!(
        line.contains("Logins are disabled during the gray-out"),
        "{line}"
    );
    assert!(!line.contains("more"), "nothing more to show: {line}");
    assert!(line.contains("X dismiss"), "{line}");
    h.keys("B");
    assert!(!h.state.banner.expanded);
    assert!(h.notice().contains("shown whole"), "{}", h.notice());

    h.keys("X");
    assert_eq!(
        h.state.banner.shown().map(|b| b.id.as_str()),
        Some("gray-out")
    );
    assert!(h.notice().contains("B brings it back"), "{}", h.notice());
    h.keys("XB");
    assert_eq!(
        h.state.banner.shown().map(|b| b.id.as_str()),
        Some("gray-out"),
        "B brings back the one dismissed last"
    );
    assert!(!h.state.ui_snapshot().dismissed_banners.contains("gray-out"));
}

#[test]
fn an_expanded_banner_says_its_text_once() {
    let mut h = Harness::demo(100, 30);
    h.keys("B");
    let screen = format!("{:?}", render(&h).backend());
    let opening = "ALA Connect User logins are disabled";
    assert_eq!(screen.matches(opening).count(), 1, "{screen}");
    assert!(screen.contains("announcement"), "{screen}");
}

#[test]
fn the_composer_counts_against_the_servers_limit() {
    let mut h = composing();
    let typed = h
        .state
        .composer
        .as_ref()
        .unwrap()
        .body_text()
        .chars()
        .count();
    h.state.data.forum.limits.max_post_chars = 500;
    let terminal = render(&h);
    let buffer = terminal.backend().buffer();
    let (x, y) = find(buffer, &format!("{typed}/500"));
    assert_eq!(y, 28, "on the composer's last row");
    assert_eq!(buffer[(x, y)].fg, Color::Gray);

    h.state.data.forum.limits.max_post_chars = 100;
    let terminal = render(&h);
    let buffer = terminal.backend().buffer();
    let (x, y) = find(buffer, &format!("{typed}/100 · {} over", typed - 100));
    assert_eq!(buffer[(x, y)].fg, Color::LightRed, "over the limit shows");
}

#[test]
fn a_reply_shows_the_post_it_answers_above_the_text() {
    let h = composing();
    let terminal = render(&h);
    let buffer = terminal.backend().buffer();
    // Connie Williams's post (#2), whole: it is short.
    let (x, quoted) = find(buffer, "│ make sure that advocacy is active");
    let (_, signature) = find(buffer, "│ Connie Williams");
    let (_, typed) = find(buffer, "I agree: advocacy");
    assert!(quoted < signature && signature < typed);
    assert_eq!(buffer[(x + 1, quoted)].fg, Color::Gray, "drawn as a quote");

    // Mary Ghikas's opening post is long: its start, and how much more there is.
    let mut h = Harness::remote(100, 30);
    h.open_advocacy();
    assert_eq!(h.current_seq(), 1);
    h.keys("r");
    let terminal = render(&h);
    let buffer = terminal.backend().buffer();
    let (_, more) = find(buffer, "more lines");
    let (_, rule) = find(buffer, "────────────────────");
    assert_eq!(rule, more + 1, "the text being written keeps the most room");
    assert!(rule <= 10, "a third of the room at most: {rule}");
}

#[test]
fn on_a_wide_terminal_the_text_keeps_its_width_and_the_tree_takes_the_rest() {
    let mut h = Harness::demo(200, 50);
    h.open_advocacy();
    let terminal = render(&h);
    let buffer = terminal.backend().buffer();
    // The whole title in the tree, no longer cut at 38 columns.
    let (x, _) = find(
        buffer,
        "Strategic Framework and Enabling Strategies: Discussion Thread 1: Advocacy",
    );
    assert!(x < 98);
    // The reader's lines stay within 100 columns of text.
    let g = h.state.geometry();
    assert_eq!(g.reader_body.width, 102);
    assert_eq!(g.reader_body.x, 98);
}

/// Every cell's symbol joined: OSC 8 hyperlinks ride in the symbols, so their targets
/// show here though the screen's text does not.
fn all_symbols(buffer: &Buffer) -> String {
    buffer
        .content()
        .iter()
        .map(ratatui::buffer::Cell::symbol)
        .collect()
}

#[test]
fn a_link_inside_a_veiled_spoiler_is_no_hyperlink_until_revealed() {
    use threadmark::model::{Body, ThreadId};
    use threadmark::store::Cache;

    let mut h = Harness::remote(120, 40);
    let mut cache = Cache::open(h.dir.clone());
    let id = ThreadId::new("advocacy-1");
    let mut thread = cache.load_thread(&id).unwrap().unwrap();
    thread.posts.last_mut().unwrap().body = Body::html(
        "<p>See <a href=\"https://open.example/notes\">the notes</a>.</p>\
         <div class=\"spoiler\"><p>Read <a href=\"https://secret.example/ending\">\
         the ending</a>.</p></div>",
    );
    cache.save_thread(&thread).unwrap();
    h.state.settings.hyperlinks = true;
    h.open_advocacy();
    h.keys("G");

    let veiled = all_symbols(render(&h).backend().buffer());
    assert!(
        veiled.contains("https://open.example/notes"),
        "the link outside the spoiler is a hyperlink"
    );
    assert!(veiled.contains('░'), "the spoiler is veiled");
    assert!(
        !veiled.contains("secret.example"),
        "a veiled spoiler's link leads nowhere"
    );

    h.keys("v");
    let shown = all_symbols(render(&h).backend().buffer());
    assert!(
        shown.contains("https://secret.example/ending"),
        "revealed, its link is a hyperlink"
    );
}
