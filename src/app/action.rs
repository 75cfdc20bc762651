//! Everything a key can do, as data: keymaps name these actions in `snake_case`.

use serde::{Deserialize, Serialize};

/// A user action. Keymaps (`assets/keymap.toml`, `[keys]` in config.toml) name actions by
/// their `snake_case` form, e.g. `next_unread_thread`.
///
/// Movement actions act on the focused pane: `down` moves the tree selection or scrolls the
/// reader by a line, depending on where the focus is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Quit,
    Help,
    /// Switch focus between the tree and the reader.
    FocusNext,
    /// Back to the tree (in the reader).
    FocusTree,
    /// Stop the program and return to the shell (`fg` resumes it).
    Suspend,
    Up,
    Down,
    PageUp,
    PageDown,
    HalfPageUp,
    HalfPageDown,
    Top,
    Bottom,
    /// Expand the selected tree node (or step into it).
    Expand,
    /// Collapse the selected tree node (or step to its parent).
    Collapse,
    ToggleExpand,
    /// Open the selected thread in the reader.
    Open,
    NextPost,
    PrevPost,
    ParentPost,
    NextSibling,
    PrevSibling,
    NextUnreadPost,
    NextUnreadThread,
    /// Fold or unfold the replies under the current post.
    ToggleSubthread,
    /// Narrow the tree to threads whose title matches (tree) or search the open thread (reader).
    Search,
    SearchNext,
    SearchPrev,
    /// Clear the tree filter or the thread search.
    ClearSearch,
    Links,
    MarkThreadRead,
    MarkThreadUnread,
    /// Undo the last change to what is read.
    UndoRead,
    ToggleBanner,
    DismissBanner,
}
