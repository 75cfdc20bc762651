//! Discourse's JSON answers as the client reads them: tolerant of unknown keys, `null`s,
//! padded key names and odd `raw` values; anything wrongly typed is a protocol error.

use crate::remote::RemoteError;
use crate::text::sanitize::clean_line;
use jiff::Timestamp;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// Decodes an answer body. Keys are trimmed first (hand-edited payloads carry keys such
/// as `"visible    "`); a body that is not JSON of the expected shape is a
/// [`RemoteError::Protocol`] naming `what` was being read.
pub fn decode<T: DeserializeOwned>(body: &[u8], what: &str) -> Result<T, RemoteError> {
    let mut value: Value =
        serde_json::from_slice(body).map_err(|e| protocol(what, "not JSON", &e))?;
    trim_keys(&mut value);
    serde_json::from_value(value).map_err(|e| protocol(what, "unexpected shape", &e))
}

/// The decoder's words quote the server's text: cleaned before they can reach a terminal.
fn protocol(what: &str, problem: &str, e: &serde_json::Error) -> RemoteError {
    let detail: String = clean_line(&e.to_string()).chars().take(200).collect();
    RemoteError::Protocol(format!("{what}: {problem} ({detail})"))
}

/// Trims spaces around object keys, everywhere; a trimmed key never replaces one that is
/// already spelled correctly.
fn trim_keys(value: &mut Value) {
    match value {
        Value::Object(map) => {
            let padded: Vec<String> = map
                .keys()
                .filter(|k| k.trim() != k.as_str())
                .cloned()
                .collect();
            for key in padded {
                let trimmed = key.trim().to_owned();
                if let Some(v) = map.remove(&key)
                    && !map.contains_key(&trimmed)
                {
                    map.insert(trimmed, v);
                }
            }
            map.values_mut().for_each(trim_keys);
        }
        Value::Array(items) => items.iter_mut().for_each(trim_keys),
        _ => {}
    }
}

/// `/site.json`: every category the caller may see, flat, children naming their parent —
/// or, on sites that lazy-load categories (`lazy_load_categories: true`), only those in
/// the user's sidebar and their ancestors (`app/models/site.rb`, `Site#categories`).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Site {
    pub categories: Vec<Category>,
    pub lazy_load_categories: Option<bool>,
}

/// `/categories.json?page=N`: 20 top-level categories a page with a few of their
/// subcategories, and every subcategory's id (`app/models/category_list.rb`,
/// `CATEGORIES_PER_PAGE`, `SUBCATEGORIES_PER_CATEGORY`).
#[derive(Debug, Deserialize)]
pub struct CategoryListPage {
    pub category_list: CategoryList,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CategoryList {
    pub categories: Vec<Category>,
}

/// `/categories/find.json?ids[]=…`: the categories asked for.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct FoundCategories {
    pub categories: Vec<Category>,
}

#[derive(Clone, Debug, PartialEq, Deserialize, serde::Serialize)]
pub struct Category {
    pub id: u64,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub slug: Option<String>,
    #[serde(default)]
    pub parent_category_id: Option<u64>,
    /// Topics directly in this category (not in its subcategories).
    #[serde(default)]
    pub topic_count: Option<u64>,
    #[serde(default)]
    pub position: Option<i64>,
    #[serde(default)]
    pub description_text: Option<String>,
    #[serde(default)]
    pub description_excerpt: Option<String>,
    /// For a logged-in user: 1 create topics and reply, 2 reply only, 3 read only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub permission: Option<u8>,
    /// The user's watch level: 0 muted … 2 tracking, 3 watching, 4 watching first post.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notification_level: Option<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minimum_required_tags: Option<u32>,
    /// `/t/about-the-x-category/ID`: the category's definition topic.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topic_url: Option<String>,
    /// Ids of its subcategories (lazy-loading sites list them rather than send them).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subcategory_ids: Option<Vec<u64>>,
    /// Subcategories sent inside their parent (`/categories.json`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subcategory_list: Option<Vec<Category>>,
}

impl Category {
    /// The id of the category's "About" topic, read from the end of `topic_url`.
    pub fn definition_topic(&self) -> Option<u64> {
        self.topic_url
            .as_deref()?
            .trim_end_matches('/')
            .rsplit('/')
            .next()?
            .parse()
            .ok()
    }
}

/// `/site/basic-info.json`: the forum's name, and whether reading needs a login
/// (`app/controllers/site_controller.rb#basic_info`, served even then).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct BasicInfo {
    pub title: Option<String>,
    pub login_required: Option<bool>,
}

/// `/c/{slug}/{id}/l/latest.json`: one page of topics, newest bump first, pinned on top.
#[derive(Debug, Deserialize)]
pub struct TopicListPage {
    #[serde(default)]
    pub users: Vec<User>,
    pub topic_list: TopicList,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct TopicList {
    /// Present while more pages follow.
    pub more_topics_url: Option<String>,
    pub topics: Vec<TopicListItem>,
}

#[derive(Clone, Debug, Deserialize)]
pub struct TopicListItem {
    pub id: u64,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub posts_count: Option<u64>,
    #[serde(default)]
    pub highest_post_number: Option<u64>,
    #[serde(default)]
    pub created_at: Option<Timestamp>,
    #[serde(default)]
    pub last_posted_at: Option<Timestamp>,
    #[serde(default)]
    pub bumped_at: Option<Timestamp>,
    #[serde(default)]
    pub pinned: Option<bool>,
    #[serde(default)]
    pub closed: Option<bool>,
    #[serde(default)]
    pub archived: Option<bool>,
    #[serde(default)]
    pub category_id: Option<u64>,
    #[serde(default)]
    pub posters: Vec<Poster>,
    /// For a logged-in user: their watch level on the topic.
    #[serde(default)]
    pub notification_level: Option<u8>,
    /// For a logged-in user: they posted in it.
    #[serde(default)]
    pub posted: Option<bool>,
    /// For a logged-in user: the post number they read up to (`TopicUser`), none when
    /// they never opened the topic (`app/serializers/listable_topic_serializer.rb`).
    #[serde(default)]
    pub last_read_post_number: Option<u64>,
    /// For a logged-in user: posts after `last_read_post_number` in a topic they track
    /// or watch (`unread_posts`; `unread` on older forums).
    #[serde(default, alias = "unread")]
    pub unread_posts: Option<u64>,
    #[serde(default)]
    pub new_posts: Option<u64>,
    /// For a logged-in user: they never opened it.
    #[serde(default)]
    pub unseen: Option<bool>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct Poster {
    pub user_id: Option<i64>,
    pub description: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct User {
    pub id: Option<i64>,
    pub username: Option<String>,
    pub name: Option<String>,
}

/// `/t/{id}.json`: the topic, its first posts and the full list of post ids.
#[derive(Debug, Deserialize)]
pub struct Topic {
    pub id: u64,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub category_id: Option<u64>,
    #[serde(default)]
    pub created_at: Option<Timestamp>,
    #[serde(default)]
    pub last_posted_at: Option<Timestamp>,
    #[serde(default)]
    pub bumped_at: Option<Timestamp>,
    #[serde(default)]
    pub pinned: Option<bool>,
    #[serde(default)]
    pub closed: Option<bool>,
    #[serde(default)]
    pub archived: Option<bool>,
    #[serde(default)]
    pub highest_post_number: Option<u64>,
    #[serde(default)]
    pub posts_count: Option<u64>,
    pub post_stream: PostStream,
    #[serde(default)]
    pub details: Option<TopicDetails>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct PostStream {
    pub posts: Vec<WirePost>,
    /// Every visible post id in reading order (only in `/t/{id}.json`, and not for
    /// topics of 10,000 posts or more: `app/serializers/post_stream_serializer_mixin.rb`
    /// sends `isMegaTopic` instead, `TopicView::MEGA_TOPIC_POSTS_COUNT`).
    pub stream: Option<Vec<u64>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct TopicDetails {
    pub created_by: Option<User>,
    /// May the caller reply here (`TopicViewDetailsSerializer`)?
    pub can_create_post: Option<bool>,
    pub notification_level: Option<u8>,
}

/// `/t/{id}/post_ids.json?post_number=N`: ids of every post after number N, in order
/// (`topics_controller.rb#post_ids`, for mega topics).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct PostIds {
    pub post_ids: Vec<u64>,
}

/// `/t/{id}/posts.json?post_ids[]=…`: the posts asked for.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct TopicPosts {
    pub post_stream: PostStream,
}

/// Post types (`post_type`).
pub const POST_TYPE_SMALL_ACTION: u8 = 3;
pub const POST_TYPE_WHISPER: u8 = 4;

#[derive(Clone, Debug, Deserialize)]
pub struct WirePost {
    pub id: u64,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub username: Option<String>,
    #[serde(default)]
    pub created_at: Option<Timestamp>,
    #[serde(default)]
    pub updated_at: Option<Timestamp>,
    #[serde(default)]
    pub cooked: Option<String>,
    /// A string with `include_raw`; other shapes exist in the wild and are ignored.
    #[serde(default)]
    pub raw: Option<Value>,
    #[serde(default)]
    pub post_number: Option<u64>,
    #[serde(default)]
    pub post_type: Option<u8>,
    #[serde(default)]
    pub reply_to_post_number: Option<u64>,
    #[serde(default)]
    pub topic_id: Option<u64>,
    #[serde(default)]
    pub version: Option<u64>,
    #[serde(default)]
    pub deleted_at: Option<Timestamp>,
    #[serde(default)]
    pub user_deleted: Option<bool>,
    #[serde(default)]
    pub hidden: Option<bool>,
    #[serde(default)]
    pub admin: Option<bool>,
    #[serde(default)]
    pub moderator: Option<bool>,
    #[serde(default)]
    pub staff: Option<bool>,
    #[serde(default)]
    pub action_code: Option<String>,
    #[serde(default)]
    pub topic_title: Option<String>,
    /// The poll plugin's polls: options with their votes.
    #[serde(default)]
    pub polls: Option<Vec<Poll>>,
    /// Counts of each post action (likes are `id` 2) and whether the caller took it
    /// (`app/serializers/post_serializer.rb`, `actions_summary`).
    #[serde(default)]
    pub actions_summary: Option<Vec<ActionSummary>>,
}

/// `post_action_type_id` of a like (`PostActionType.types[:like]`).
pub const LIKE: u64 = 2;

/// One entry of a post's `actions_summary`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct ActionSummary {
    pub id: Option<u64>,
    pub count: Option<u64>,
    /// The caller took this action.
    pub acted: Option<bool>,
}

/// `PUT /posts/{id}.json`: the post as revised (`posts_controller.rb#update`).
#[derive(Debug, Deserialize)]
pub struct UpdatedPost {
    pub post: WirePost,
}

/// One poll of a post (`plugins/poll`, `PollSerializer`).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct Poll {
    pub name: Option<String>,
    pub status: Option<String>,
    pub voters: Option<u64>,
    pub options: Vec<PollOption>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct PollOption {
    pub html: Option<String>,
    pub votes: Option<u64>,
}

impl WirePost {
    /// `raw` when it is the markdown string the API documents.
    pub fn raw_text(&self) -> Option<&str> {
        self.raw.as_ref().and_then(Value::as_str)
    }
}

/// An error document: `{"errors": [...], "error_type": ..., "extras": {...}}`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ErrorDoc {
    pub errors: Option<Value>,
    pub error: Option<Value>,
    pub error_type: Option<String>,
    pub extras: Option<ErrorExtras>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ErrorExtras {
    pub wait_seconds: Option<f64>,
}

impl ErrorDoc {
    /// The server's own words, joined.
    pub fn message(&self) -> Option<String> {
        let mut parts = Vec::new();
        for field in [&self.errors, &self.error].into_iter().flatten() {
            match field {
                Value::String(s) => parts.push(s.clone()),
                Value::Array(items) => parts.extend(items.iter().map(|v| match v {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                })),
                Value::Null => {}
                other => parts.push(other.to_string()),
            }
        }
        let text = parts.join("; ");
        (!text.trim().is_empty()).then_some(text)
    }
}

/// `POST /posts.json` answers with the new post, or with `{"action": "enqueued"}` when
/// the post waits for a moderator.
#[derive(Debug)]
pub enum Created {
    Post(Box<WirePost>),
    Enqueued,
}

pub fn decode_created(body: &[u8]) -> Result<Created, RemoteError> {
    let value: Value = decode(body, "the new post")?;
    if value.get("action").and_then(Value::as_str) == Some("enqueued") {
        return Ok(Created::Enqueued);
    }
    // Older servers wrap the post: {"success": true, "post": {...}}.
    let post = match value.get("post") {
        Some(inner @ Value::Object(_)) => inner.clone(),
        _ => value,
    };
    serde_json::from_value(post)
        .map(|p| Created::Post(Box::new(p)))
        .map_err(|e| protocol("the new post", "unexpected shape", &e))
}

/// `/user_actions.json?username=…&filter=4,5`: the user's recent topics and replies.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct UserActions {
    pub user_actions: Vec<UserAction>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct UserAction {
    pub created_at: Option<Timestamp>,
    pub topic_id: Option<u64>,
    pub post_id: Option<u64>,
    pub post_number: Option<u64>,
    pub username: Option<String>,
}

/// `/posts/{username}/pending.json`: the user's posts waiting for a moderator.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct PendingPosts {
    pub pending_posts: Vec<PendingPost>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct PendingPost {
    pub raw: Option<String>,
}

/// `/session/current.json`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CurrentSession {
    pub current_user: Option<User>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn padded_keys_are_trimmed_without_overwriting_good_ones() {
        let list: TopicListPage = decode(
            br#"{"topic_list":{"topics":[{"id":1,"pinned    ":true},{"id":2,"pinned":false,"pinned ":true}]}}"#,
            "list",
        )
        .unwrap();
        assert_eq!(list.topic_list.topics[0].pinned, Some(true));
        assert_eq!(list.topic_list.topics[1].pinned, Some(false));
    }

    #[test]
    fn answers_without_their_optional_keys_decode_to_defaults() {
        let site: Site = decode(b"{}", "site").unwrap();
        assert!(site.categories.is_empty() && site.lazy_load_categories.is_none());
        let stream: TopicPosts = decode(b"{}", "posts").unwrap();
        assert!(stream.post_stream.posts.is_empty() && stream.post_stream.stream.is_none());
        let poll: Poll = decode(br#"{"name":"poll"}"#, "poll").unwrap();
        assert!(poll.options.is_empty() && poll.voters.is_none());
        // A required key stays required.
        assert!(decode::<TopicListItem>(b"{}", "topic").is_err());
    }

    #[test]
    fn wrong_types_and_garbage_are_protocol_errors() {
        let wrong = decode::<Topic>(br#"{"id":"fifty-seven","post_stream":{}}"#, "topic");
        assert!(matches!(wrong, Err(RemoteError::Protocol(m)) if m.contains("topic")));
        let garbage = decode::<Topic>(b"<html>oops</html>", "topic");
        assert!(matches!(garbage, Err(RemoteError::Protocol(_))));
    }

    #[test]
    fn times_with_any_offset_become_utc() {
        let post: WirePost = decode(
            br#"{"id":1,"created_at":"2013-02-04T15:26:26.278-05:00"}"#,
            "post",
        )
        .unwrap();
        assert_eq!(
            post.created_at.unwrap().to_string(),
            "2013-02-04T20:26:26.278Z"
        );
    }

    #[test]
    fn error_documents_join_their_messages() {
        let doc: ErrorDoc = decode(
            br#"{"errors":["Title is too short","Body is too short"],"error_type":"invalid_parameters","extras":{"wait_seconds":12}}"#,
            "error",
        )
        .unwrap();
        assert_eq!(
            doc.message().unwrap(),
            "Title is too short; Body is too short"
        );
        assert_eq!(doc.extras.unwrap().wait_seconds, Some(12.0));
    }

    #[test]
    fn enqueued_and_wrapped_posts_are_recognised() {
        assert!(matches!(
            decode_created(br#"{"action":"enqueued","pending_post":{"id":3}}"#).unwrap(),
            Created::Enqueued
        ));
        assert!(matches!(
            decode_created(br#"{"success":true,"post":{"id":9,"post_number":2}}"#).unwrap(),
            Created::Post(p) if p.id == 9
        ));
    }
}
