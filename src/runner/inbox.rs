//! The reader's disk work on the inbox: its items listed (`i`), and items marked read
//! through the same store code as `threadmark inbox read` (queued for the server first,
//! then kept in `inbox.json`).

use super::interpreter::Tell;
use crate::app::Stored;
use crate::store::{AccountDir, load_inbox, read_inbox_items};

/// Reads `inbox.json` and tells the reader its items, newest first, and the unread count.
pub fn load(dir: &AccountDir, tell: Tell<'_>) {
    match load_inbox(dir) {
        Ok(mut inbox) => {
            inbox.items.sort_by(|a, b| {
                b.created_at
                    .cmp(&a.created_at)
                    .then_with(|| b.id.cmp(&a.id))
            });
            tell(Stored::Inbox {
                unread: inbox.unread().count(),
            });
            tell(Stored::InboxItems(inbox.items));
        }
        Err(e) => {
            tracing::warn!("reading inbox.json: {e}");
            tell(Stored::Failed(format!("could not read the inbox: {e}")));
        }
    }
}

/// Marks `ids` read (every unread item when `None`); with `say`, the status line says how
/// many and whether the server will hear of it. The inbox is read again either way.
pub fn mark_read(dir: &AccountDir, ids: Option<&[String]>, say: bool, queue: bool, tell: Tell<'_>) {
    match read_inbox_items(dir, ids, queue) {
        Ok(done) => {
            if done.queued {
                tell(Stored::InboxReadQueued);
            }
            if say {
                let how = if done.queued {
                    "the next sync sends it"
                } else {
                    "kept on this machine only"
                };
                let n = done.marked.len();
                let items = if n == 1 { "item" } else { "items" };
                tell(Stored::Done(format!(
                    "marked {n} inbox {items} read ({how})"
                )));
            }
        }
        Err(e) => {
            tracing::warn!("marking inbox items read: {e}");
            tell(Stored::Failed(format!(
                "could not mark that read ({e}); it stays unread"
            )));
        }
    }
    load(dir, tell);
}
