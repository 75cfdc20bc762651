//! The inbox: what concerns the user (replies to them, mentions, quotes, private
//! messages), one item per server notification, and the merge rule that keeps "read"
//! read whichever copy arrives last.

use super::{Author, PostId, ThreadId};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use std::fmt;

/// How many items an account's inbox keeps (the newest); older ones are in the forum.
pub const INBOX_KEPT: usize = 500;

/// Why the forum told the user about a post.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InboxKind {
    /// A reply to one of the user's posts (or to a thread they started).
    Reply,
    /// A post naming `@user`.
    Mention,
    /// A post quoting one of the user's posts.
    Quote,
    /// A post in a private message the user takes part in.
    Message,
    /// A kind this version does not know, kept and shown as such.
    #[serde(other)]
    Other,
}

impl InboxKind {
    /// Reads a stored or wire name; one this version does not know is `Other`.
    pub fn parse(name: &str) -> Self {
        match name {
            "reply" => InboxKind::Reply,
            "mention" => InboxKind::Mention,
            "quote" => InboxKind::Quote,
            "message" => InboxKind::Message,
            _ => InboxKind::Other,
        }
    }

    /// The name on the wire and on disk.
    pub fn as_str(self) -> &'static str {
        match self {
            InboxKind::Reply => "reply",
            InboxKind::Mention => "mention",
            InboxKind::Quote => "quote",
            InboxKind::Message => "message",
            InboxKind::Other => "other",
        }
    }
}

impl fmt::Display for InboxKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One notification, as the inbox keeps it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InboxItem {
    /// The server's id for the notification.
    pub id: String,
    pub kind: InboxKind,
    pub thread: ThreadId,
    #[serde(default)]
    pub thread_title: String,
    pub post: PostId,
    /// The post's number in its thread (0 when the server did not say).
    #[serde(default)]
    pub seq: u32,
    pub author: Author,
    /// The start of the post's text.
    #[serde(default)]
    pub excerpt: String,
    pub created_at: Timestamp,
    #[serde(default)]
    pub read: bool,
    /// The user was told of it (the notification hook ran, or it arrived in the first
    /// sync, before there was anything to tell).
    #[serde(default)]
    pub announced: bool,
}

/// The account's inbox, newest first.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Inbox {
    #[serde(default)]
    pub items: Vec<InboxItem>,
}

impl Inbox {
    /// Folds in `item` as the server sends it. "Read" never goes back to unread (a copy
    /// from before the user's mark reached the server must not undo it), and whether the
    /// user was told of it stays as it was. Returns whether anything changed.
    pub fn apply(&mut self, mut item: InboxItem) -> bool {
        if let Some(kept) = self.items.iter_mut().find(|i| i.id == item.id) {
            item.read |= kept.read;
            item.announced = kept.announced;
            if *kept == item {
                return false;
            }
            *kept = item;
        } else {
            self.items.push(item);
        }
        // Newest first; the id breaks ties so the order is the same on every machine.
        self.items.sort_by(|a, b| {
            b.created_at
                .cmp(&a.created_at)
                .then_with(|| b.id.cmp(&a.id))
        });
        self.items.truncate(INBOX_KEPT);
        true
    }

    /// Marks the named items read (all unread ones when `ids` is `None`); returns the ids
    /// that were unread and are read now.
    pub fn mark_read(&mut self, ids: Option<&[String]>) -> Vec<String> {
        let mut marked = Vec::new();
        for item in &mut self.items {
            let named = ids.is_none_or(|ids| ids.contains(&item.id));
            if named && !item.read {
                item.read = true;
                marked.push(item.id.clone());
            }
        }
        marked
    }

    /// Items not read yet, newest first.
    pub fn unread(&self) -> impl Iterator<Item = &InboxItem> {
        self.items.iter().filter(|i| !i.read)
    }

    /// Unread items the user has not been told of yet, marking them told.
    pub fn take_unannounced(&mut self) -> Vec<InboxItem> {
        let mut fresh = Vec::new();
        for item in &mut self.items {
            if !item.read && !item.announced {
                item.announced = true;
                fresh.push(item.clone());
            }
        }
        fresh
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(id: &str, minute: i64, read: bool) -> InboxItem {
        InboxItem {
            id: id.into(),
            kind: InboxKind::Reply,
            thread: ThreadId::new("t"),
            thread_title: "T".into(),
            post: PostId::new(id),
            seq: 2,
            author: Author::new("b"),
            excerpt: "hi".into(),
            created_at: Timestamp::from_second(minute * 60).unwrap_or(Timestamp::UNIX_EPOCH),
            read,
            announced: false,
        }
    }

    #[test]
    fn read_stays_read_whichever_copy_comes_last() {
        let mut inbox = Inbox::default();
        assert!(inbox.apply(item("n1", 1, false)));
        assert_eq!(inbox.mark_read(None), vec!["n1".to_owned()]);
        assert!(!inbox.apply(item("n1", 1, false)), "an older unread copy");
        assert!(inbox.items[0].read);
        assert!(!inbox.apply(item("n1", 1, true)), "the server agrees");
    }

    #[test]
    fn newest_first_and_each_told_once() {
        let mut inbox = Inbox::default();
        inbox.apply(item("n1", 1, false));
        inbox.apply(item("n2", 5, false));
        inbox.apply(item("n3", 3, true));
        let order: Vec<&str> = inbox.items.iter().map(|i| i.id.as_str()).collect();
        assert_eq!(order, ["n2", "n3", "n1"]);
        let told: Vec<String> = inbox.take_unannounced().into_iter().map(|i| i.id).collect();
        assert_eq!(told, ["n2", "n1"], "read ones are never announced");
        assert!(inbox.take_unannounced().is_empty());
        inbox.apply(item("n2", 5, false));
        assert!(
            inbox.take_unannounced().is_empty(),
            "a new copy is not news"
        );
    }

    #[test]
    fn marking_named_items_leaves_the_others() {
        let mut inbox = Inbox::default();
        inbox.apply(item("n1", 1, false));
        inbox.apply(item("n2", 2, false));
        assert_eq!(inbox.mark_read(Some(&["n1".to_owned()])), ["n1"]);
        assert_eq!(inbox.unread().count(), 1);
        assert!(inbox.mark_read(Some(&["n1".to_owned()])).is_empty());
    }
}
