//! What the reader does with the rules and views beyond showing them: `V` cycles an
//! area's view, `x` writes a quick rule (and `u` takes it out), a `read` rule marks the
//! posts a sync brings read (and `u` makes them unread again).

pub mod quick;
pub mod rule_read;
pub mod views_actions;

use crate::app::judged::ThreadCounts;
use crate::app::tree::model::TreeModel;
use crate::app::tree::views::{self, AreaViews, View};
use crate::config::RuleConfig;
use crate::model::{Forum, ReadState, ThreadSummary};
use std::collections::BTreeSet;

/// The reader's part in rules and views.
#[derive(Clone, Debug, Default)]
pub struct RulesUi {
    /// Each area's view (`V`), kept in `ui.json`.
    pub views: AreaViews,
    /// `x` asked which rule to write: the choices for the current post.
    pub offer: Option<quick::Offer>,
    /// The last rule `x` wrote this session, which `u` takes out again.
    pub quick_undo: Option<RuleConfig>,
    /// The undo step (by depth in the read marks' undo list) that holds the posts a
    /// `read` rule marked last, and those posts.
    pub rule_read_step: Option<(usize, Vec<(crate::model::ThreadId, u32)>)>,
    /// Posts `u` made unread again after a `read` rule marked them: left alone by the
    /// rules for the rest of the session.
    pub rule_read_undone: BTreeSet<(crate::model::ThreadId, u32)>,
}

impl RulesUi {
    /// From what `ui.json` remembered.
    pub fn remembered(ui: &crate::app::UiState) -> Self {
        Self {
            views: AreaViews::from_names(&ui.views),
            ..Self::default()
        }
    }
}

/// The tree of `threads` as each area's view shows them, the views named in the labels.
pub fn build_tree(
    forum: &Forum,
    threads: &[ThreadSummary],
    read: &ReadState,
    counts: &ThreadCounts,
    views: &AreaViews,
    collapsed: BTreeSet<String>,
    selected: Option<&str>,
) -> TreeModel {
    if views.is_plain() {
        return TreeModel::build(forum, threads, read, collapsed, selected);
    }
    let shown = views::arranged(threads, views, read, counts);
    let mut tree = TreeModel::build(forum, &shown, read, collapsed, selected);
    let default = views.default_view();
    if default != View::Activity {
        tree.note("forum", &format!("view: {}", default.name()));
    }
    for area in forum.sections.iter().flat_map(|s| &s.areas) {
        if let Some(own) = views.own(area.id.as_str())
            && own != default
        {
            tree.note(&format!("a:{}", area.id), own.name());
        }
    }
    tree
}
