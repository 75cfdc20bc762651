//! `[[rules]]` in the reader, driven through `update` over the demo forum and rendered
//! into a test backend: a hidden post is a one-line stub that `v` shows, it is out of the
//! tree's and the status line's unread counts and skipped by `]`, it stays in the cache;
//! `dim` greys a post, `highlight` stars it and scores show as `threadmark read` and
//! `tree` show them.

use crate::harness::Harness;
use ratatui::buffer::Buffer;
use ratatui::style::Modifier;
use threadmark::app::Action;
use threadmark::app::UiState;
use threadmark::config::Config;
use threadmark::model::ThreadId;
use threadmark::store::Cache;

const HIDE_CONNIE: &str =
    "[[rules]]\nmatch = { author = \"CONNIE WILLIAMS\" }\naction = \"hide\"\n";
/// A line of Connie Williams's post #2.
const CONNIE_TEXT: &str = "make sure that advocacy is active";

fn render(h: &Harness) -> Buffer {
    h.render()
}

fn screen(h: &Harness) -> String {
    crate::harness::lines_of(&render(h)).join("\n")
}

/// The demo with `rules`, started as the runner starts it (the rules run with the index).
fn demo_with_rules(rules: &str, width: u16, height: u16) -> Harness {
    let config = Config::parse(rules).unwrap();
    let mut h = Harness::demo_with(width, height, &config, UiState::default());
    h.judging_at_start(&config);
    h
}

/// The reading position of the post numbered `seq` in the open thread.
fn position_of(h: &Harness, seq: u32) -> usize {
    let open = h.state.reader.open.as_ref().unwrap();
    (0..open.order.len())
        .find(|&pos| open.post(pos).unwrap().seq == seq)
        .unwrap()
}

/// The tree's count for the demo thread and for the whole forum.
fn counts(h: &Harness) -> (u32, u32) {
    let node = h
        .state
        .tree
        .nodes()
        .iter()
        .find(|n| n.key == "t:advocacy-1")
        .unwrap();
    (node.unread, h.unread())
}

#[test]
fn a_hidden_post_is_a_stub_that_v_shows_and_stays_in_the_cache() {
    let plain = Harness::demo(120, 200);
    let (thread_before, forum_before) = counts(&plain);
    assert_eq!(thread_before, 8, "the demo thread starts all unread");

    let mut h = demo_with_rules(HIDE_CONNIE, 120, 200);
    // Before the thread is opened: the counts the runner's start judged.
    assert_eq!(counts(&h), (thread_before - 2, forum_before - 2));
    let status = crate::harness::lines_of(&render(&h))
        .last()
        .unwrap()
        .clone();
    assert!(
        status.contains(&format!("{} unread", forum_before - 2)),
        "{status}"
    );

    h.open_advocacy();
    let shown = screen(&h);
    assert!(
        shown.contains("#2 hidden by rule 1 — v shows it"),
        "{shown}"
    );
    assert!(
        shown.contains("#8 hidden by rule 1 — v shows it"),
        "{shown}"
    );
    assert!(!shown.contains(CONNIE_TEXT), "{shown}");
    assert!(shown.contains("8 posts"), "{shown}");
    assert!(shown.contains("2 hidden by rules"), "{shown}");
    // What answers the hidden post still shows.
    assert!(shown.contains("Robert Banks"), "{shown}");

    // The stub on screen is not the post read; shown, it is.
    let advocacy = ThreadId::new("advocacy-1");
    let read = |h: &Harness, seq: u32| {
        h.state
            .data
            .read
            .thread(&advocacy)
            .is_some_and(|t| t.is_read(seq))
    };
    assert!(read(&h, 1) && !read(&h, 2));
    h.state.reader.go_to(position_of(&h, 2));
    h.act(Action::RevealSpoilers);
    let shown = screen(&h);
    assert!(shown.contains(CONNIE_TEXT), "{shown}");
    assert!(read(&h, 2));
    assert!(!shown.contains("#2 hidden by rule 1"), "{shown}");
    assert!(shown.contains("#8 hidden by rule 1"), "{shown}");
    // Once more: the stub again.
    h.act(Action::RevealSpoilers);
    let shown = screen(&h);
    assert!(shown.contains("#2 hidden by rule 1"), "{shown}");
    assert!(!shown.contains(CONNIE_TEXT), "{shown}");

    // The counts follow the read state: the thread marked unread again counts all but
    // the hidden posts; marked read, none.
    h.act(Action::MarkThreadUnread);
    assert_eq!(counts(&h), (thread_before - 2, forum_before - 2));
    let shown = screen(&h);
    assert!(
        shown.contains("8 posts, 6 unread, 2 hidden by rules"),
        "{shown}"
    );
    h.act(Action::MarkThreadRead);
    assert_eq!(counts(&h), (0, forum_before - thread_before));

    // Hidden, never deleted: the cache still has both posts.
    let file = Cache::open(h.dir.clone())
        .load_thread(&ThreadId::new("advocacy-1"))
        .unwrap()
        .unwrap();
    let connie = file
        .posts
        .iter()
        .filter(|p| p.author.name == "Connie Williams")
        .count();
    assert_eq!(connie, 2);
}

#[test]
fn next_unread_skips_hidden_posts() {
    // Without rules `]` from the opening post goes to Connie's #2 (a short pane, so
    // little is marked read by being shown).
    let mut plain = Harness::demo(120, 10);
    plain.open_advocacy();
    assert_eq!(plain.current_seq(), 1);
    plain.act(Action::NextUnreadPost);
    assert_eq!(plain.current_author(), "Connie Williams");

    let mut h = demo_with_rules(HIDE_CONNIE, 120, 10);
    h.open_advocacy();
    assert_eq!(h.current_seq(), 1);
    let mut visited = Vec::new();
    for _ in 0..8 {
        h.act(Action::NextUnreadPost);
        visited.push((h.current_seq(), h.current_author()));
    }
    assert!(visited.len() > 1 && visited[0].0 != 1, "{visited:?}");
    assert!(
        visited
            .iter()
            .all(|(_, author)| author != "Connie Williams"),
        "{visited:?}"
    );
}

#[test]
fn dim_greys_a_post_and_highlight_and_score_show_in_its_header() {
    let rules = "[[rules]]\nmatch = { author = \"Robert Banks\" }\naction = \"dim\"\n\
                 [[rules]]\nmatch = { body = \"(?i)aspirations\" }\naction = \"score\"\nscore = 5\n\
                 [[rules]]\nmatch = { author = \"mary ghikas\" }\naction = \"highlight\"\n";
    let mut h = demo_with_rules(rules, 140, 80);
    // The thread's score in the tree, as `threadmark tree` says it (one post +5).
    let tree_row = crate::harness::lines_of(&render(&h))
        .into_iter()
        .find(|r| r.split('│').next().unwrap().contains("score"))
        .unwrap_or_else(|| panic!("no score in the tree"));
    assert!(tree_row.contains("score 5 8"), "{tree_row}");
    h.open_advocacy();
    let buffer = render(&h);
    let rows = crate::harness::lines_of(&buffer);
    let header = |author: &str| {
        rows.iter()
            .position(|r| r.contains(author) && r.contains('#'))
            .unwrap_or_else(|| panic!("no header of {author}:\n{}", rows.join("\n")))
    };
    let mary = header("Mary Ghikas · #1");
    assert!(rows[mary].contains("★"), "{}", rows[mary]);
    let robert = header("Robert Banks · #3");
    assert!(rows[robert].contains("score +5"), "{}", rows[robert]);
    assert!(!rows[robert].contains("★"), "{}", rows[robert]);
    let dim_at = |y: usize, label: &str| {
        let x = rows[y]
            .find(label)
            .map(|b| rows[y][..b].chars().count())
            .unwrap();
        buffer[(u16::try_from(x).unwrap(), u16::try_from(y).unwrap())]
            .modifier
            .contains(Modifier::DIM)
    };
    assert!(dim_at(robert, "Robert Banks"));
    // Its body too, and nobody else's.
    assert!(dim_at(
        robert + 1,
        rows[robert + 1]
            .trim_start_matches([' ', '│'])
            .get(..3)
            .unwrap()
    ));
    assert!(!dim_at(mary, "Mary Ghikas"));
}
