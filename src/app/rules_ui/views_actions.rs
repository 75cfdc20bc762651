//! `V`: the next view of the selected area (of every area on the forum's root or a
//! section), the tree rebuilt in its order and the choice saved in `ui.json`.

use crate::app::msg::Effect;
use crate::app::state::State;
use crate::app::tree::model::NodeKind;
use crate::app::tree::views::View;

/// What each view shows, for the status line.
fn what(view: View) -> &'static str {
    match view {
        View::Activity => "latest post first",
        View::New => "only threads never opened",
        View::Unread => "only threads with unread posts",
        View::Score => "highest score from the rules first",
        View::Created => "newest thread first",
        View::Top => "most posts in the last week first",
    }
}

/// Cycles the view of the selected area (or the default one).
pub fn cycle(state: &mut State, fx: &mut Vec<Effect>) {
    let node = state.tree.selected();
    let area = node
        .filter(|n| matches!(n.kind, NodeKind::Area | NodeKind::Thread))
        .and_then(|n| n.area.as_ref())
        .map(|a| a.as_str().to_owned());
    let views = &mut state.rules_ui.views;
    let view = area
        .as_deref()
        .map_or_else(|| views.default_view(), |a| views.of(a))
        .next();
    views.set(area.as_deref(), view);
    if view == View::Top && !state.tree.counts().has_recent() {
        // The posts of the last week are counted as the index loads again.
        fx.push(Effect::CountRecentPosts);
    }
    rebuild(state);
    fx.push(Effect::SaveUiState);
    let place = area.map_or_else(|| "every area".to_owned(), |a| format!("area {a}"));
    state.notice(format!(
        "view of {place}: {} — {} (V: the next view)",
        view.name(),
        what(view)
    ));
}

/// The tree built again from what is loaded, in the views' orders, keeping the
/// selection, expansion, filter, counts and watch levels.
pub fn rebuild(state: &mut State) {
    let selected = state.tree.selected().map(|n| n.key.clone());
    let filter = state.tree.filter().to_owned();
    let mut tree = crate::app::start_index::assemble(
        (&state.data.forum, &state.data.threads, &state.data.read),
        &state.rules_ui.views,
        state.tree.collapsed_keys().clone(),
        selected.as_deref(),
        &state.places,
        state.tree.counts().clone(),
    );
    tree.set_filter(&filter);
    state.tree = tree;
    // The saved-search folders go back in with what their queries found.
    crate::app::tree::folders::show(state);
}
