//! Lemmy notifications as inbox items (Lemmy 0.19, API v3): replies to the account's
//! posts and comments (`GET /user/replies`, `GetRepliesResponse {replies:
//! [CommentReplyView]}`), mentions (`GET /user/mention`, `GetPersonMentionsResponse
//! {mentions: [PersonMentionView]}`) and private messages (`GET /private_message/list`,
//! `PrivateMessagesResponse {private_messages: [PrivateMessageView]}`), as LemmyNet/lemmy
//! 0.19 `crates/api_common/src/person.rs` and `private_message.rs` define them; marked
//! read with `POST /comment/mark_as_read` (`MarkCommentReplyAsRead {comment_reply_id,
//! read}`), `/user/mention/mark_as_read` (`MarkPersonMentionAsRead {person_mention_id,
//! read}`) and `/private_message/mark_as_read` (`MarkPrivateMessageAsRead
//! {private_message_id, read}`).
//!
//! Cost: the three lists, the newest 20 of each (read ones too, so an item read on the
//! web is read here), every [`INBOX_ROUNDS`] rounds with a login: a round starts at most
//! every minute while idle, so a reply shows within about two minutes for three requests
//! out of the 60 a minute threadmark allows itself. Lemmy 1.0 (API v4) merged these lists
//! into one notification list; it is not read yet.
//!
//! Item ids carry their list: `r<comment_reply id>`, `m<person_mention id>`,
//! `pm<private_message id>`. A private message is no thread on Lemmy: its item names the
//! sender and carries the start of its text, and its thread id (`pm<id>`) opens nothing.

use super::posts::{comment_id, qualified, thread_id};
use super::pull::Pull;
use super::transport::{As, Transport};
use super::version::ApiVersion;
use super::wire::{Comment, Person, Post};
use crate::model::{Author, InboxItem, InboxKind, PostId, ThreadId};
use crate::remote::RemoteError;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// The notifications are read every this many rounds (and on the first).
pub const INBOX_ROUNDS: u32 = 2;
/// Items asked for per list (the newest).
const PER_LIST: u32 = 20;

/// One of the three lists.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum List {
    Replies,
    Mentions,
    Messages,
}

impl List {
    const ALL: [List; 3] = [List::Replies, List::Mentions, List::Messages];

    fn path(self) -> &'static str {
        match self {
            List::Replies => "/user/replies",
            List::Mentions => "/user/mention",
            List::Messages => "/private_message/list",
        }
    }

    fn query(self) -> Vec<(&'static str, String)> {
        let mut query = vec![
            ("page", "1".to_owned()),
            ("limit", PER_LIST.to_string()),
            ("unread_only", "false".to_owned()),
        ];
        if self != List::Messages {
            query.push(("sort", "New".to_owned()));
        }
        query
    }

    fn what(self) -> &'static str {
        match self {
            List::Replies => "the replies to you",
            List::Mentions => "the mentions of you",
            List::Messages => "the private messages",
        }
    }
}

/// What one entry of a list gave.
enum Read {
    Item(Box<InboxItem>),
    /// Not for the inbox (the account's own message, a deleted one).
    Passed,
    /// Could not be read: counted as skipped.
    Unreadable,
}

/// `comment_reply` / `person_mention`: the notification itself.
#[derive(Debug, Deserialize)]
struct Notice {
    id: i64,
    #[serde(default)]
    read: bool,
    #[serde(alias = "published_at")]
    published: Timestamp,
}

/// `CommentReplyView` and `PersonMentionView` (the notice under its own name).
#[derive(Debug, Deserialize)]
struct CommentNotice {
    #[serde(alias = "comment_reply", alias = "person_mention")]
    notice: Notice,
    comment: Comment,
    creator: Person,
    post: Post,
}

#[derive(Debug, Deserialize)]
struct PrivateMessage {
    id: i64,
    creator_id: i64,
    #[serde(default)]
    content: String,
    #[serde(default)]
    deleted: bool,
    #[serde(default)]
    read: bool,
    #[serde(alias = "published_at")]
    published: Timestamp,
}

/// `PrivateMessageView`.
#[derive(Debug, Deserialize)]
struct MessageView {
    private_message: PrivateMessage,
    creator: Person,
}

impl Pull<'_> {
    /// Queues this round's notification lists when they are due: with a login, on API v3.
    pub(super) fn plan_inbox(&mut self) {
        if !self.transport.logged_in() || self.version() != ApiVersion::V3 {
            return;
        }
        let rounds = self.cursor.inbox_rounds.map_or(INBOX_ROUNDS, |r| r + 1);
        let due = rounds >= INBOX_ROUNDS;
        self.cursor.inbox_rounds = Some(if due { 0 } else { rounds });
        if due {
            self.round().inbox = List::ALL.to_vec();
        }
    }

    /// Reads the next list of this round into the inbox; `false` when none is left.
    pub(super) async fn read_inbox(&mut self) -> Result<bool, RemoteError> {
        let Some(&list) = self.round().inbox.first() else {
            return Ok(false);
        };
        let answer: Value = self.get(list.path(), &list.query(), list.what()).await?;
        self.round().inbox.retain(|l| *l != list);
        let key = match list {
            List::Replies => "replies",
            List::Mentions => "mentions",
            List::Messages => "private_messages",
        };
        let raw = answer
            .get(key)
            .and_then(Value::as_array)
            .map_or(&[][..], Vec::as_slice);
        for value in raw {
            let item = match list {
                List::Replies | List::Mentions => self.comment_item(list, value),
                List::Messages => self.message_item(value),
            };
            match item {
                Read::Item(item) => self.batch.inbox.push(*item),
                Read::Passed => {}
                Read::Unreadable => self.batch.skipped = self.batch.skipped.saturating_add(1),
            }
        }
        Ok(true)
    }

    /// A reply or mention.
    fn comment_item(&self, list: List, raw: &Value) -> Read {
        let Ok(view) = serde_json::from_value::<CommentNotice>(raw.clone()) else {
            return Read::Unreadable;
        };
        let (prefix, kind) = match list {
            List::Mentions => ("m", InboxKind::Mention),
            _ => ("r", InboxKind::Reply),
        };
        let seq = self
            .cursor
            .posts
            .get(&view.post.id)
            .and_then(|r| r.seq_of(view.comment.id))
            .unwrap_or(0);
        Read::Item(Box::new(InboxItem {
            id: format!("{prefix}{}", view.notice.id),
            kind,
            thread: thread_id(view.post.id),
            thread_title: view.post.name,
            post: comment_id(view.comment.id),
            seq,
            author: person(&view.creator),
            excerpt: view.comment.content,
            created_at: view.notice.published,
            read: view.notice.read,
            announced: false,
        }))
    }

    /// A private message to the account (one it sent, or deleted, is passed over).
    fn message_item(&self, raw: &Value) -> Read {
        let Ok(view) = serde_json::from_value::<MessageView>(raw.clone()) else {
            return Read::Unreadable;
        };
        let message = view.private_message;
        if Some(message.creator_id) == self.cursor.me || message.deleted {
            return Read::Passed;
        }
        let id = format!("pm{}", message.id);
        Read::Item(Box::new(InboxItem {
            thread: ThreadId::new(id.clone()),
            thread_title: "Private message".to_owned(),
            post: PostId::new(id.clone()),
            id,
            kind: InboxKind::Message,
            seq: 0,
            author: person(&view.creator),
            excerpt: message.content,
            created_at: message.published,
            read: message.read,
            announced: false,
        }))
    }
}

fn person(p: &Person) -> Author {
    Author::new(qualified(&p.name, p.local, p.actor_id.as_deref()))
}

/// What marks the item `id` read on the instance: the path and its body.
fn mark_request(id: &str) -> Option<(&'static str, Value)> {
    let number = |rest: &str| rest.parse::<i64>().ok();
    if let Some(n) = id.strip_prefix("pm").and_then(number) {
        return Some((
            "/private_message/mark_as_read",
            json!({"private_message_id": n, "read": true}),
        ));
    }
    if let Some(n) = id.strip_prefix('m').and_then(number) {
        return Some((
            "/user/mention/mark_as_read",
            json!({"person_mention_id": n, "read": true}),
        ));
    }
    id.strip_prefix('r').and_then(number).map(|n| {
        (
            "/comment/mark_as_read",
            json!({"comment_reply_id": n, "read": true}),
        )
    })
}

/// Marks the items read, one request each; ids this version did not make are passed over.
pub async fn mark_read(transport: &mut Transport, ids: &[String]) -> Result<(), RemoteError> {
    for (path, body) in ids.iter().filter_map(|id| mark_request(id)) {
        let _: Value = transport
            .post(path, &body, As::Account, "an inbox item marked read")
            .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_list_is_marked_read_its_own_way() {
        assert_eq!(
            mark_request("pm7"),
            Some((
                "/private_message/mark_as_read",
                json!({"private_message_id": 7, "read": true})
            ))
        );
        assert_eq!(
            mark_request("m12").map(|(p, _)| p),
            Some("/user/mention/mark_as_read")
        );
        assert_eq!(
            mark_request("r3"),
            Some((
                "/comment/mark_as_read",
                json!({"comment_reply_id": 3, "read": true})
            ))
        );
        assert_eq!(mark_request("n5"), None);
        assert_eq!(mark_request("rx"), None);
    }
}
