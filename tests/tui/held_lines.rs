//! A long thread keeps every post's line count but holds the wrapped lines of the posts on
//! and near the screen only (the others' are wrapped again when they come back), and the
//! screen is drawn the same whichever posts hold their lines.

use crate::harness::Harness;
use threadmark::app::Action;

/// The reading positions of the posts with a row on screen.
fn on_screen(h: &Harness) -> Vec<usize> {
    let reader = &h.state.reader;
    let mut positions: Vec<usize> = reader.layout.rows
        [reader.scroll..(reader.scroll + reader.height).min(reader.layout.rows.len())]
        .iter()
        .map(|row| row.pos())
        .collect();
    positions.dedup();
    positions
}

#[test]
fn only_posts_near_the_screen_hold_their_lines_and_the_screen_is_drawn_the_same() {
    // A short pane, so the demo thread is many screens long.
    let mut h = Harness::demo(120, 10);
    h.open_advocacy();
    let top_screen = h.screen();
    let open = h.state.reader.open.as_ref().unwrap();
    let posts = open.order.len();
    assert!(
        h.state.reader.layout.rows.len() > 6 * h.state.reader.height,
        "the thread is many screens long"
    );
    let held = open.lines_held();
    assert!(
        held > 0 && held < posts,
        "{held} of {posts} posts hold their lines"
    );
    for pos in on_screen(&h) {
        assert!(
            !h.state.reader.open.as_ref().unwrap().lines(pos).is_empty()
                || h.state
                    .reader
                    .open
                    .as_ref()
                    .unwrap()
                    .post(pos)
                    .unwrap()
                    .deleted,
            "post {pos} on screen has its lines"
        );
    }

    // The last post's lines are wrapped on demand while it is far away, as it will show.
    let last = posts - 1;
    let far = h
        .state
        .reader
        .open
        .as_ref()
        .unwrap()
        .lines(last)
        .into_owned();
    assert!(!far.is_empty());

    h.act(Action::Bottom);
    let open = h.state.reader.open.as_ref().unwrap();
    assert!(
        on_screen(&h).contains(&last),
        "the end of the thread is shown"
    );
    assert_eq!(
        open.lines(last).as_ref(),
        far.as_slice(),
        "held or not, a post's lines are the same"
    );
    assert!(
        matches!(open.lines(0), std::borrow::Cow::Owned(_)),
        "the first post let go of its lines"
    );
    assert!(open.lines_held() < posts);

    h.act(Action::Top);
    assert_eq!(
        h.screen(),
        top_screen,
        "the top of the thread is drawn as it was"
    );
}
