//! `S`: a search over the whole account from the reader, in the query language of
//! `threadmark search`, run by the runner's own interpreter off `update`; the hits listed
//! with snippets, enter opening the thread at the post found.

use crate::harness::Harness;
use threadmark::app::Effect;
use threadmark::app::state::Overlay;

#[test]
fn s_lists_the_hits_with_snippets_and_enter_opens_the_post() {
    let mut h = Harness::demo(120, 40);
    h.keys("S");
    assert!(h.screen().contains("search the account:"), "{}", h.screen());
    h.keys("train -\"trained\"<enter>");
    // The search ran off `update`, as a query effect the interpreter carried out.
    assert!(
        h.effects.iter().any(|e| matches!(e, Effect::Query(_))),
        "{:?}",
        h.effects
    );
    assert_eq!(h.state.overlay, Overlay::SearchResults { selected: 0 });
    let seqs: Vec<Option<u32>> = h.state.search_results.rows.iter().map(|r| r.seq).collect();
    // "train" is in #5 ("trained") and #6 ("constraints"): the phrase left #5 out.
    assert_eq!(seqs, [Some(6)]);
    let screen = h.screen();
    assert!(screen.contains("#6 by "), "{screen}");
    let snippet = &h.state.search_results.rows[0].snippet;
    assert!(snippet.to_lowercase().contains("train"), "{snippet}");
    let shown: String = snippet.chars().take(20).collect();
    assert!(screen.contains(&shown), "{shown:?} in\n{screen}");

    h.keys("<enter>");
    assert_eq!(h.state.overlay, Overlay::None);
    assert_eq!(h.current_seq(), 6, "the reader is at the post found");
    assert_eq!(h.state.focus, threadmark::app::Focus::Reader);
}

#[test]
fn operators_work_and_a_bad_query_says_where() {
    let mut h = Harness::demo(120, 40);
    h.keys("Sauthor:\"Connie Williams\" advocacy<enter>");
    let rows = &h.state.search_results.rows;
    assert!(!rows.is_empty());
    assert!(
        rows.iter()
            .all(|r| r.author == "Connie Williams" && r.seq.is_some()),
        "{rows:?}"
    );
    h.keys("<esc>");
    assert_eq!(h.state.overlay, Overlay::None);

    h.keys("Sbudget colour:red<enter>");
    assert_eq!(h.state.overlay, Overlay::None);
    let notice = h.notice();
    assert!(notice.contains("column 8: no operator colour:"), "{notice}");

    h.keys("Szzqqxx<enter>");
    assert!(
        h.notice().contains("nothing in demo matches zzqqxx"),
        "{}",
        h.notice()
    );
}
