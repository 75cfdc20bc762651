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
    /// Download the open thread's posts that are not downloaded yet (a thread known by
    /// its headers only; the earlier posts of a long one).
    FetchPosts,
    /// Show or veil again the spoilers of the current post.
    RevealSpoilers,
    /// Narrow the tree to threads whose title matches (tree) or search the open thread (reader).
    Search,
    SearchNext,
    SearchPrev,
    /// Clear the tree filter or the thread search.
    ClearSearch,
    Links,
    /// Pipe the current post to a command (its words split as a shell would, run directly).
    PipePost,
    /// Save the current post to a file.
    SavePost,
    /// Open the thread (at the current post, in the reader) on the forum's web site.
    OpenOnWeb,
    MarkThreadRead,
    MarkThreadUnread,
    /// Undo the last change to what is read.
    UndoRead,
    ToggleBanner,
    DismissBanner,
    /// Reply to the current post in the reader.
    Reply,
    /// Reply to the current post, quoting it.
    ReplyQuoting,
    /// Start a thread in the selected area.
    NewThread,
    /// Edit your current post in the reader (or your reply still in the outbox).
    EditPost,
    /// Delete your current post in the reader (asks first).
    DeletePost,
    /// Like the current post in the reader, or take the like back.
    Like,
    /// Show the earlier versions of the current post (one edited after it was made).
    Revisions,
    /// Edit in conflict: send yours again on the server's new version.
    KeepMine,
    /// Edit in conflict: take the server's text (asks first; yours is kept on disk).
    TakeTheirs,
    /// Edit in conflict: write the text anew in the composer, from both.
    Merge,
    /// Moderator: lock the open or selected thread, or unlock it.
    ToggleLock,
    /// Moderator: pin the open or selected thread, or unpin it.
    TogglePin,
    /// Moderator: hide the current post in the reader, with a reason typed in the
    /// status line.
    HidePost,
    /// Moderator: move the open or selected thread to another area, named in the status
    /// line.
    MoveThread,
    /// Moderator: split the current post and every later one off into a new thread,
    /// titled in the status line.
    SplitThread,
    /// Moderator: silence the current post's author for a span typed in the status line.
    SilenceMember,
    /// Cycle the watch level of the open or selected thread, or of the selected area:
    /// normal → watching → tracking → muted → normal.
    CycleWatch,
    /// The next view of the selected area (of every area on the root or a section):
    /// activity → new → unread → score → created → top.
    CycleView,
    /// Offer a rule for the current post in the reader: hide its author, its thread, or
    /// posts like its title (written into config.toml; `u` takes it out).
    QuickRule,
    /// Bookmark the current post in the reader, or remove its bookmark.
    Bookmark,
    /// Search the whole account (the query language of `threadmark search`); the hits
    /// are listed, enter opens one.
    SearchAccount,
    /// Show the account's bookmarks.
    Bookmarks,
    /// Show the account's inbox: replies, mentions, quotes, messages.
    Inbox,
    /// Inbox list: mark the item read without going to it.
    MarkRead,
    /// Inbox list: mark every item read.
    MarkAllRead,
    /// Pull and push now, without waiting for the next retry.
    SyncNow,
    /// The demo only: switch the demo forum's own server open → read-only → unreachable.
    SwitchDemoServer,
    /// Show the outbox: replies on their way, with their states.
    Outbox,
    /// Show the unsent drafts.
    Drafts,
    /// Composer: put the text in the outbox (sent now, or as soon as the server takes it).
    Send,
    /// Composer: close it; the draft is kept.
    CloseComposer,
    /// Composer: switch between the text and its rendered preview.
    TogglePreview,
    /// Composer: edit the text in `$VISUAL` / `$EDITOR`.
    ExternalEditor,
    /// Composer: move between the title and the text (new threads).
    NextField,
    /// Outbox list: send the entry now (a failed one goes again under a new key).
    Retry,
    /// Outbox list: edit a failed entry's text and send it anew.
    Edit,
    /// Outbox or drafts list: throw the entry away (asks first); bookmarks list: remove
    /// the bookmark.
    Discard,
    /// Close the list.
    Close,
}
