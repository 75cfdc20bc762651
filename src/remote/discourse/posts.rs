//! Discourse posts and topics → our posts and thread summaries: `seq` from the topic
//! record, `reply_to_post_number` → the parent's id, tombstones for posts that went away,
//! badges from the staff flags, whispers marked, edits noticed by `version`.

use super::cursor::{PostRecord, TopicRecord};
use super::tree::area_id;
use super::wire::{self, TopicListItem, User, WirePost};
use crate::model::{Author, Body, BodyFormat, Post, PostId, ThreadId, ThreadSummary};
use jiff::Timestamp;
use std::collections::{HashMap, HashSet, VecDeque};

/// Posts fetched per `/t/{id}/posts.json` request (Discourse's page size).
pub const POSTS_PER_REQUEST: usize = 20;

pub fn thread_id(topic: u64) -> ThreadId {
    ThreadId::new(topic.to_string())
}

pub fn post_id(post: u64) -> PostId {
    PostId::new(post.to_string())
}

/// Brings a topic's record in line with its `post_stream.stream`: new ids are appended
/// (their `seq` is fixed from now on), ids gone from the stream become tombstones.
/// Returns the tombstones to deliver and the ids whose bodies must be fetched.
pub fn apply_stream(
    record: &mut TopicRecord,
    thread: &ThreadId,
    stream: &[u64],
    when: Timestamp,
) -> (Vec<Post>, Vec<u64>) {
    let live: HashSet<u64> = stream.iter().copied().collect();
    let mut tombstones = Vec::new();
    for (index, post) in record.posts.iter_mut().enumerate() {
        if !live.contains(&post.id()) && !post.gone() {
            post.set_left_stream();
            tombstones.push(tombstone(thread, post.id(), seq(index), when));
        }
    }
    let known: HashSet<u64> = record.posts.iter().map(|p| p.id()).collect();
    let mut added = HashSet::new();
    for &id in stream {
        if !known.contains(&id) && added.insert(id) {
            record.posts.push(PostRecord::new(id));
        }
    }
    let by_id: HashMap<u64, PostRecord> = record.posts.iter().map(|p| (p.id(), *p)).collect();
    let missing = stream
        .iter()
        .copied()
        .filter(|id| {
            by_id
                .get(id)
                .is_some_and(|p| !p.fetched() || p.left_stream())
        })
        .collect();
    (tombstones, missing)
}

/// Options for turning wire posts into ours.
#[derive(Clone, Copy, Debug)]
pub struct Mapping {
    /// Use `raw` markdown when the server sent it as a string.
    pub prefer_raw: bool,
}

/// Records fetched posts and returns those that are new or changed (by `version`, or
/// deleted/restored since). Posts not in the record (not in the stream: a whisper the
/// stream left out) are appended so they still get a stable `seq`.
pub fn apply_posts(
    record: &mut TopicRecord,
    thread: &ThreadId,
    posts: &[WirePost],
    mapping: Mapping,
) -> Vec<Post> {
    let mut changed = Vec::new();
    let mut index: HashMap<u64, usize> = record
        .posts
        .iter()
        .enumerate()
        .map(|(i, p)| (p.id(), i))
        .collect();
    // Numbers first, so replies within this batch find their parents.
    let mut updates = Vec::new();
    for post in posts {
        let i = *index.entry(post.id).or_insert_with(|| {
            record.posts.push(PostRecord::new(post.id));
            record.posts.len() - 1
        });
        let before = record.posts[i];
        let version = post.version.unwrap_or(1);
        let gone = is_gone(post);
        record.posts[i].set_fetched(post.post_number.unwrap_or(0), version, gone);
        let is_new_or_changed =
            !before.fetched() || before.version() != version || before.gone() != gone;
        updates.push((i, post, is_new_or_changed));
    }
    let numbers: HashMap<u64, u64> = record
        .posts
        .iter()
        .filter(|p| p.fetched())
        .map(|p| (p.number(), p.id()))
        .collect();
    for (i, post, is_new_or_changed) in updates {
        if is_new_or_changed {
            let reply_to = post
                .reply_to_post_number
                .and_then(|n| numbers.get(&n))
                .filter(|&&parent| parent != post.id)
                .map(|&parent| post_id(parent));
            changed.push(to_post(post, thread, seq(i), reply_to, mapping));
        }
    }
    changed
}

fn seq(index: usize) -> u32 {
    u32::try_from(index + 1).unwrap_or(u32::MAX)
}

/// Deleted by staff or author, or hidden by flags: kept as a tombstone.
fn is_gone(post: &WirePost) -> bool {
    post.deleted_at.is_some() || post.user_deleted == Some(true) || post.hidden == Some(true)
}

fn tombstone(thread: &ThreadId, id: u64, seq: u32, when: Timestamp) -> Post {
    Post {
        id: post_id(id),
        thread: thread.clone(),
        seq,
        reply_to: None,
        author: Author::default(),
        created_at: when,
        edited_at: None,
        body: Body {
            format: BodyFormat::Html,
            text: String::new(),
            base_url: None,
        },
        deleted: true,
        removed: false,
        score: None,
        version: 0,
        client_key: None,
    }
}

/// One post. Whispers (staff-only posts) are kept and marked in the author's badge;
/// small actions ("closed the topic") keep their place with the action as text.
pub fn to_post(
    post: &WirePost,
    thread: &ThreadId,
    seq: u32,
    reply_to: Option<PostId>,
    mapping: Mapping,
) -> Post {
    let gone = is_gone(post);
    let created_at = post.created_at.unwrap_or(Timestamp::UNIX_EPOCH);
    let version = post.version.unwrap_or(1);
    let body = if gone {
        Body {
            format: BodyFormat::Html,
            text: String::new(),
            base_url: None,
        }
    } else if let Some(raw) = post.raw_text().filter(|_| mapping.prefer_raw) {
        Body::markdown(raw)
    } else {
        Body {
            format: BodyFormat::Html,
            text: cooked_or_action(post),
            base_url: None,
        }
    };
    Post {
        id: post_id(post.id),
        thread: thread.clone(),
        seq,
        reply_to,
        author: author(post),
        created_at,
        edited_at: (version > 1).then_some(post.updated_at).flatten(),
        body,
        deleted: gone,
        removed: false,
        score: None,
        version,
        client_key: None,
    }
}

fn cooked_or_action(post: &WirePost) -> String {
    let cooked = post.cooked.clone().unwrap_or_default();
    if !cooked.trim().is_empty() || post.post_type != Some(wire::POST_TYPE_SMALL_ACTION) {
        return cooked;
    }
    let action = post.action_code.as_deref().unwrap_or("changed the topic");
    format!(
        "<p><em>{}</em></p>",
        escape_html(&action.replace(['.', '_'], " "))
    )
}

fn escape_html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn author(post: &WirePost) -> Author {
    let name = display_name(post.name.as_deref(), post.username.as_deref());
    let role = if post.admin == Some(true) {
        Some("admin")
    } else if post.moderator == Some(true) {
        Some("moderator")
    } else if post.staff == Some(true) {
        Some("staff")
    } else {
        None
    };
    let whisper = post.post_type == Some(wire::POST_TYPE_WHISPER);
    let badge = match (role, whisper) {
        (Some(role), true) => Some(format!("{role} · whisper")),
        (None, true) => Some("whisper".to_owned()),
        (Some(role), false) => Some(role.to_owned()),
        (None, false) => None,
    };
    Author { name, badge }
}

fn display_name(name: Option<&str>, username: Option<&str>) -> String {
    name.filter(|n| !n.trim().is_empty())
        .or(username.filter(|u| !u.trim().is_empty()))
        .unwrap_or("unknown")
        .to_owned()
}

pub fn user_author(user: Option<&User>) -> Author {
    Author::new(display_name(
        user.and_then(|u| u.name.as_deref()),
        user.and_then(|u| u.username.as_deref()),
    ))
}

/// A summary from a topic read in full: counts come from our record.
pub fn summary_from_topic(
    topic: &wire::Topic,
    record: &TopicRecord,
    area: u64,
    opening: Option<&WirePost>,
) -> ThreadSummary {
    let created_at = topic
        .created_at
        .or_else(|| opening.and_then(|p| p.created_at))
        .unwrap_or(Timestamp::UNIX_EPOCH);
    let author = match (
        topic.details.as_ref().and_then(|d| d.created_by.as_ref()),
        opening,
    ) {
        (Some(user), _) => user_author(Some(user)),
        (None, Some(post)) => {
            Author::new(display_name(post.name.as_deref(), post.username.as_deref()))
        }
        (None, None) => Author::new("unknown"),
    };
    ThreadSummary {
        id: thread_id(topic.id),
        area: area_id(area),
        title: topic
            .title
            .clone()
            .unwrap_or_else(|| format!("topic {}", topic.id)),
        author,
        created_at,
        last_post_at: topic
            .last_posted_at
            .or(topic.bumped_at)
            .unwrap_or(created_at),
        post_count: record.last_seq(),
        last_seq: record.last_seq(),
        pinned: topic.pinned.unwrap_or(false),
        locked: topic.closed.unwrap_or(false) || topic.archived.unwrap_or(false),
        missing: Vec::new(),
    }
}

/// A summary from a listing, before the topic is read: counts are Discourse's until
/// our record knows better.
pub fn summary_from_listing(
    item: &TopicListItem,
    users: &[User],
    record: Option<&TopicRecord>,
    area: u64,
) -> ThreadSummary {
    let created_at = item.created_at.unwrap_or(Timestamp::UNIX_EPOCH);
    let opener = item
        .posters
        .iter()
        .find(|p| {
            p.description
                .as_deref()
                .is_some_and(|d| d.contains("Original Poster"))
        })
        .or_else(|| item.posters.first())
        .and_then(|p| p.user_id)
        .and_then(|id| users.iter().find(|u| u.id == Some(id)));
    let known = record.map_or(0, TopicRecord::last_seq);
    let count = known.max(u32::try_from(item.posts_count.unwrap_or(0)).unwrap_or(u32::MAX));
    ThreadSummary {
        id: thread_id(item.id),
        area: area_id(area),
        title: item
            .title
            .clone()
            .unwrap_or_else(|| format!("topic {}", item.id)),
        author: user_author(opener),
        created_at,
        last_post_at: item.last_posted_at.or(item.bumped_at).unwrap_or(created_at),
        post_count: count,
        last_seq: count,
        pinned: item.pinned.unwrap_or(false),
        locked: item.closed.unwrap_or(false) || item.archived.unwrap_or(false),
        missing: Vec::new(),
    }
}

/// Splits ids into request-sized batches.
pub fn next_batch(missing: &mut VecDeque<u64>) -> Vec<u64> {
    let n = missing.len().min(POSTS_PER_REQUEST);
    missing.drain(..n).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wire_post(id: u64, number: u64, reply_to: Option<u64>, version: u64) -> WirePost {
        wire::decode(
            serde_json::json!({
                "id": id, "post_number": number, "reply_to_post_number": reply_to,
                "version": version, "username": "u", "name": null,
                "created_at": "2020-01-01T00:00:00Z", "cooked": format!("<p>{id}</p>")
            })
            .to_string()
            .as_bytes(),
            "post",
        )
        .unwrap()
    }

    #[test]
    fn deletions_keep_seq_and_new_posts_append() {
        let thread = thread_id(1);
        let mut record = TopicRecord::default();
        let (gone, missing) =
            apply_stream(&mut record, &thread, &[10, 11, 12], Timestamp::UNIX_EPOCH);
        assert!(gone.is_empty());
        assert_eq!(missing, vec![10, 11, 12]);
        let posts = [
            wire_post(10, 1, None, 1),
            wire_post(11, 2, Some(1), 1),
            wire_post(12, 4, Some(2), 1),
        ];
        let changed = apply_posts(&mut record, &thread, &posts, Mapping { prefer_raw: false });
        assert_eq!(changed.len(), 3);
        assert_eq!(
            changed[2].reply_to,
            Some(post_id(11)),
            "post number 2 is id 11"
        );

        // 11 is deleted upstream, 13 arrives: 12 keeps seq 3, 13 gets seq 4.
        let (gone, missing) =
            apply_stream(&mut record, &thread, &[10, 12, 13], Timestamp::UNIX_EPOCH);
        assert_eq!(gone.len(), 1);
        assert!(gone[0].deleted && gone[0].seq == 2);
        assert_eq!(missing, vec![13]);
        let changed = apply_posts(
            &mut record,
            &thread,
            &[wire_post(12, 4, Some(2), 1), wire_post(13, 5, None, 1)],
            Mapping { prefer_raw: false },
        );
        assert_eq!(
            changed.len(),
            1,
            "an unchanged version is not delivered again"
        );
        assert_eq!((changed[0].id.as_str(), changed[0].seq), ("13", 4));
    }

    #[test]
    fn listing_summaries_read_the_padded_fixture() {
        let page: wire::TopicListPage = wire::decode(
            include_bytes!("../../../tests/fixtures/discourse/category_latest_topics.json"),
            "list",
        )
        .unwrap();
        let summaries: Vec<ThreadSummary> = page
            .topic_list
            .topics
            .iter()
            .map(|t| summary_from_listing(t, &page.users, None, 2))
            .collect();
        assert!(summaries[0].pinned && !summaries[1].pinned);
        assert_eq!(
            summaries[1].author.name, "fuzzy",
            "user 3, the original poster"
        );
        assert_eq!(
            summaries[1].created_at.to_string(),
            "2014-04-16T17:52:58.777Z"
        );
        assert_eq!(
            (summaries[1].post_count, summaries[1].area.as_str()),
            (2, "2")
        );
    }

    #[test]
    fn edits_are_noticed_by_version() {
        let thread = thread_id(1);
        let mut record = TopicRecord::default();
        apply_stream(&mut record, &thread, &[10], Timestamp::UNIX_EPOCH);
        apply_posts(
            &mut record,
            &thread,
            &[wire_post(10, 1, None, 1)],
            Mapping { prefer_raw: false },
        );
        let changed = apply_posts(
            &mut record,
            &thread,
            &[wire_post(10, 1, None, 2)],
            Mapping { prefer_raw: false },
        );
        assert_eq!(changed.len(), 1);
        assert_eq!(changed[0].version, 2);
    }
}
