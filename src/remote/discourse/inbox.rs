//! Discourse notifications as inbox items. `GET /notifications.json` answers
//! `{notifications, total_rows_notifications, seen_notification_id,
//! load_more_notifications}` (discourse/discourse `app/controllers/notifications_controller.rb`
//! `index`, each item as `app/serializers/notification_serializer.rb` writes it); older
//! forums answered a bare array, and items of those may lack an `id`. Types are numbers
//! (`app/models/notification.rb` `Notification.types`).

use super::cursor::PullCursor;
use super::pull::Pull;
use super::transport::Transport;
use crate::model::{Author, InboxItem, InboxKind, PostId, ThreadId};
use crate::remote::RemoteError;
use reqwest::Method;
use serde_json::Value;

/// The notifications are read every this many sync rounds (and on the first): one
/// request. A round comes every 71 s at most with a user key, so a reply to the user
/// shows here within about 3.5 minutes, for some 400 requests a day of the 2,448 a user
/// key leaves background work. (The web page learns of them through its message bus,
/// which a terminal client does not keep open.)
pub const NOTIFICATION_ROUNDS: u32 = 3;

impl Pull<'_> {
    /// Whether this round reads the notifications (see [`NOTIFICATION_ROUNDS`]).
    pub(super) fn notifications_due(cursor: &mut PullCursor) -> bool {
        let rounds = cursor
            .notification_rounds
            .map_or(NOTIFICATION_ROUNDS, |r| r + 1);
        let due = rounds >= NOTIFICATION_ROUNDS;
        cursor.notification_rounds = Some(if due { 0 } else { rounds });
        due
    }

    /// The newest page of the user's notifications (60, as Discourse pages them), into the
    /// inbox.
    pub(super) async fn read_notifications(&mut self) -> Result<(), RemoteError> {
        self.round().notifications = false;
        let answer: Value = self
            .get("/notifications.json", &[], "the notifications")
            .await?;
        let found = items(&answer, &mut self.batch.skipped);
        self.batch.inbox.extend(found);
        Ok(())
    }
}

/// `PUT /notifications/mark-read` with `id`, one request per notification (Discourse
/// marks one by id, or all); ids of older forums' items, which had none, are passed over.
pub async fn mark_read(transport: &mut Transport, ids: &[String]) -> Result<(), RemoteError> {
    for id in ids.iter().filter_map(|id| id.parse::<u64>().ok()) {
        transport
            .write(
                Method::PUT,
                "/notifications/mark-read",
                &[("id", id.to_string())],
                None,
            )
            .await?;
    }
    Ok(())
}

/// What threadmark keeps of a notification type: the inbox kind, and for the others the
/// words the item is shown with.
fn kind_of(notification_type: u64) -> (InboxKind, &'static str) {
    match notification_type {
        1 | 15 => (InboxKind::Mention, "mentioned you"),
        2 => (InboxKind::Reply, "replied"),
        3 => (InboxKind::Quote, "quoted you"),
        6 | 7 | 16 => (InboxKind::Message, "sent a message"),
        4 => (InboxKind::Other, "edited"),
        5 | 19 => (InboxKind::Other, "liked"),
        9 => (InboxKind::Other, "posted"),
        10 => (InboxKind::Other, "moved a post"),
        11 => (InboxKind::Other, "linked"),
        12 => (InboxKind::Other, "badge granted"),
        13 => (InboxKind::Other, "invited you"),
        17 => (InboxKind::Other, "new topic"),
        18 => (InboxKind::Other, "topic reminder"),
        20 => (InboxKind::Other, "post approved"),
        24 => (InboxKind::Other, "bookmark reminder"),
        25 => (InboxKind::Other, "reacted"),
        _ => (InboxKind::Other, "notification"),
    }
}

/// The items of a `/notifications.json` answer, in either shape; an item that cannot be
/// read (no topic, no time) is left out and counted in `skipped`.
pub fn items(answer: &Value, skipped: &mut u32) -> Vec<InboxItem> {
    let list = match answer {
        Value::Array(list) => list.as_slice(),
        Value::Object(map) => map
            .get("notifications")
            .and_then(Value::as_array)
            .map_or(&[][..], Vec::as_slice),
        _ => &[],
    };
    let mut found = Vec::with_capacity(list.len());
    for raw in list {
        match item(raw) {
            Some(item) => found.push(item),
            None => *skipped = skipped.saturating_add(1),
        }
    }
    found
}

fn item(raw: &Value) -> Option<InboxItem> {
    let topic = raw.get("topic_id").and_then(Value::as_u64)?;
    let created_at = raw
        .get("created_at")
        .and_then(Value::as_str)
        .and_then(|t| t.parse::<jiff::Timestamp>().ok())?;
    let post_number = raw.get("post_number").and_then(Value::as_u64).unwrap_or(0);
    let notification_type = raw
        .get("notification_type")
        .and_then(Value::as_u64)
        .unwrap_or(0);
    let data = raw.get("data");
    let text = |key: &str| {
        data.and_then(|d| d.get(key))
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    // Bare-array answers of older forums carry no id: the topic, post and type name it.
    let id = raw.get("id").and_then(Value::as_u64).map_or_else(
        || format!("{topic}-{post_number}-{notification_type}"),
        |id| id.to_string(),
    );
    let (kind, words) = kind_of(notification_type);
    let author = Some(text("display_username"))
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| text("original_username"));
    let title = raw
        .get("fancy_title")
        .and_then(Value::as_str)
        .map_or_else(|| text("topic_title"), str::to_owned);
    let post = data
        .and_then(|d| d.get("original_post_id"))
        .and_then(Value::as_u64)
        .map_or_else(|| format!("{topic}#{post_number}"), |id| id.to_string());
    Some(InboxItem {
        id,
        kind,
        thread: ThreadId::new(topic.to_string()),
        thread_title: title,
        post: PostId::new(post),
        seq: u32::try_from(post_number).unwrap_or(0),
        author: Author::new(author),
        // Discourse sends no excerpt; for the kinds the inbox has no word of its own for,
        // it says what happened.
        excerpt: if kind == InboxKind::Other {
            words.to_owned()
        } else {
            String::new()
        },
        created_at,
        read: raw.get("read").and_then(Value::as_bool).unwrap_or(false),
        announced: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bare_array_of_older_forums_reads_without_ids() {
        let fixture: Value = serde_json::from_str(include_str!(
            "../../../tests/fixtures/discourse/notifications.json"
        ))
        .unwrap();
        let mut skipped = 0;
        let found = items(&fixture, &mut skipped);
        assert_eq!(skipped, 0);
        assert!(!found.is_empty());
        let first = &found[0];
        assert_eq!(first.id, "14404-2-9");
        assert_eq!(first.thread.as_str(), "14404");
        assert_eq!(first.thread_title, ".json feed for notifications");
        assert_eq!(first.author.name, "riking");
        assert_eq!(first.post.as_str(), "47600");
        assert_eq!(first.kind, InboxKind::Other);
        assert_eq!(first.excerpt, "posted");
    }

    #[test]
    fn the_current_shape_names_kinds_by_number_and_skips_what_it_cannot_place() {
        let answer = serde_json::json!({
            "notifications": [
                {"id": 7, "notification_type": 2, "read": false, "topic_id": 5, "post_number": 3,
                 "created_at": "2026-01-02T03:04:05.000Z", "fancy_title": "Hello",
                 "data": {"original_post_id": 99, "display_username": "ann"}},
                {"id": 8, "notification_type": 6, "read": true, "topic_id": 6, "post_number": 1,
                 "created_at": "2026-01-02T03:04:06.000Z", "data": {"topic_title": "PM", "original_username": "bob"}},
                {"id": 9, "notification_type": 12, "created_at": "2026-01-02T03:04:07.000Z", "data": {}}
            ],
            "total_rows_notifications": 3, "seen_notification_id": 8,
            "load_more_notifications": "/notifications?offset=60"
        });
        let mut skipped = 0;
        let found = items(&answer, &mut skipped);
        assert_eq!(skipped, 1, "a badge has no topic: left out");
        assert_eq!(
            found
                .iter()
                .map(|i| (i.id.as_str(), i.kind))
                .collect::<Vec<_>>(),
            [("7", InboxKind::Reply), ("8", InboxKind::Message)]
        );
        assert_eq!(found[0].author.name, "ann");
        assert_eq!(found[0].seq, 3);
        assert!(found[1].read);
        assert_eq!(found[1].thread_title, "PM");
    }
}
