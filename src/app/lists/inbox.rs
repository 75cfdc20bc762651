//! The Inbox list's model: the account's inbox items (replies, mentions, quotes, messages)
//! as last read from `inbox.json`, newest first, read ones included.

use crate::model::InboxItem;

/// The inbox as last read.
#[derive(Debug, Default)]
pub struct InboxList {
    /// Newest first.
    pub rows: Vec<InboxItem>,
}
