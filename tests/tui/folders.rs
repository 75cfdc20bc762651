//! Saved-search folders in the reader's tree: under the forum with the unread posts their
//! query finds (counted by the runner's interpreter off `update`), opened like an area
//! (its threads listed, enter opens one), the count following what is read.

use crate::harness::Harness;
use threadmark::app::Effect;
use threadmark::app::UiState;
use threadmark::app::tree::NodeKind;
use threadmark::config::Config;

fn with_folders() -> Harness {
    let config = Config::parse(
        "[[folders]]\nname = \"Trains\"\nquery = \"train\"\n\
         [[folders]]\nname = \"Elsewhere\"\nquery = \"advocacy account:work\"\n\
         [[accounts]]\nname = \"work\"\nurl = \"http://127.0.0.1:9\"\n",
    )
    .unwrap();
    Harness::demo_with(120, 40, &config, UiState::default())
}

#[test]
fn a_folder_shows_its_unread_hits_and_opens_like_an_area() {
    let mut h = with_folders();
    assert!(
        h.effects.iter().any(|e| matches!(e, Effect::Query(_))),
        "counted off update: {:?}",
        h.effects
    );
    let folders: Vec<_> = h
        .state
        .tree
        .nodes()
        .iter()
        .filter(|n| n.kind == NodeKind::Folder)
        .collect();
    // The folder of another account is not shown under this one.
    assert_eq!(folders.len(), 1, "{folders:?}");
    // "train" is in #5 ("trained") and #6 ("constraints"): two unread posts.
    assert_eq!(folders[0].unread, 2);
    let screen = h.screen();
    let row = screen
        .lines()
        .find(|l| l.contains("⌕ Trains"))
        .unwrap_or_else(|| panic!("no folder row:\n{screen}"));
    assert!(row.contains(" 2"), "{row}");
    // The forum's own total does not count the folder's posts twice.
    assert_eq!(h.state.tree.total_unread(), 8);

    // The folder lists its thread; enter opens it.
    let folder = h
        .state
        .tree
        .nodes()
        .iter()
        .position(|n| n.kind == NodeKind::Folder)
        .unwrap();
    h.state.tree.select_node(folder);
    h.keys("j");
    let selected = h.state.tree.selected().unwrap();
    assert_eq!(
        selected
            .thread()
            .as_ref()
            .map(ToString::to_string)
            .as_deref(),
        Some("advocacy-1")
    );
    assert_eq!(selected.unread, 2, "the thread's hits, not its posts");
    h.keys("<enter>");
    assert_eq!(
        h.state
            .reader
            .thread_id()
            .map(ToString::to_string)
            .as_deref(),
        Some("advocacy-1")
    );

    // Reading the thread (here: marking it read) takes the folder's count down at once.
    h.keys("m");
    let folder_node = &h.state.tree.nodes()[folder];
    assert_eq!(folder_node.unread, 0, "{folder_node:?}");
}
