//! Discourse posts and topics → our posts and thread summaries: `seq` from the topic
//! record, `reply_to_post_number` → the parent's id, tombstones for posts that went away,
//! badges from the staff flags, whispers marked, small actions in words, edits noticed by
//! `version` and by what the post shows.

use super::cursor::{PostRecord, TopicRecord, fnv};
use super::tree::area_id;
use super::wire::{self, TopicListItem, User, WirePost};
use crate::model::{Author, Body, BodyFormat, Post, PostId, SeqRange, ThreadId, ThreadSummary};
use jiff::Timestamp;
use std::collections::{HashMap, HashSet, VecDeque};

/// Post ids asked for per `/t/{id}/posts.json?post_ids[]=` request. Discourse puts no cap
/// on the list (`topics_controller.rb#posts` hands `post_ids` to `TopicView`); 50 keeps
/// a request's URL and answer moderate.
pub const POSTS_PER_REQUEST: usize = 50;

pub fn thread_id(topic: u64) -> ThreadId {
    ThreadId::new(topic.to_string())
}

pub fn post_id(post: u64) -> PostId {
    PostId::new(post.to_string())
}

/// Brings a topic's record in line with its `post_stream.stream`: new ids are appended
/// (their `seq` is fixed from now on), ids gone from the stream (deleted, moved — Post's
/// default scope hides deleted posts from everyone but staff) become tombstones.
/// Returns the tombstones to deliver.
pub fn apply_stream(
    record: &mut TopicRecord,
    thread: &ThreadId,
    stream: &[u64],
    when: Timestamp,
) -> Vec<Post> {
    let live: HashSet<u64> = stream.iter().copied().collect();
    let numbered = record.numbered;
    let mut tombstones = Vec::new();
    for (index, post) in record.posts.iter_mut().enumerate() {
        if !live.contains(&post.id()) && !post.gone() {
            post.set_left_stream();
            let seq = if numbered {
                u32::try_from(post.number()).unwrap_or(u32::MAX)
            } else {
                seq(index)
            };
            tombstones.push(tombstone(thread, post.id(), seq, when));
        }
    }
    if !numbered {
        let known: HashSet<u64> = record.posts.iter().map(|p| p.id()).collect();
        let mut added = HashSet::new();
        for &id in stream {
            if !known.contains(&id) && added.insert(id) {
                record.posts.push(PostRecord::new(id));
            }
        }
    }
    tombstones
}

/// Posts asked for that did not come back are gone for this user (deleted, moved,
/// hidden from them): tombstones, so the cache drops them too.
pub fn tombstone_unreturned(
    record: &mut TopicRecord,
    thread: &ThreadId,
    asked: &[u64],
    returned: &HashSet<u64>,
    when: Timestamp,
) -> Vec<Post> {
    let numbered = record.numbered;
    let mut tombstones = Vec::new();
    for (index, post) in record.posts.iter_mut().enumerate() {
        if asked.contains(&post.id()) && !returned.contains(&post.id()) && !post.gone() {
            let seq = if numbered {
                u32::try_from(post.number()).unwrap_or(u32::MAX)
            } else {
                seq(index)
            };
            // Fetched: it needs no fetching again unless it comes back to the stream.
            let number = post.number().max(1);
            post.set_fetched(number, post.version(), true, (0, 0));
            post.set_left_stream();
            tombstones.push(tombstone(thread, post.id(), seq, when));
        }
    }
    tombstones
}

/// Options for turning wire posts into ours.
#[derive(Clone, Copy, Debug)]
pub struct Mapping {
    /// Use `raw` markdown when the server sent it as a string.
    pub prefer_raw: bool,
}

/// Records fetched posts and returns those that are new or changed: a new `version`,
/// deleted or restored, or — edits within the grace period and rebakes keep the version
/// (`lib/post_revisor.rb`, `should_create_new_version?`) — a different `cooked` or
/// `updated_at`. A post whose text changed under the same version (an edit by its author
/// within `SiteSetting.editing_grace_period`, which the forum shows unmarked) is shown
/// edited at its `updated_at` from then on: our user had read the earlier text. Posts
/// not in the record (a whisper the stream left out, a numbered topic's posts) are added
/// so they get a stable `seq`.
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
        let mut shown = to_post(post, thread, 0, None, mapping);
        let text = text_stamp(post);
        let in_place = !gone
            && (before.edited_in_place()
                || (before.fetched()
                    && !before.gone()
                    && before.version() == version
                    && before.text() != 0
                    && both_differ(before.text(), text)));
        if in_place {
            record.posts[i].set_edited_in_place();
            mark_edited_in_place(&mut shown, post);
        }
        let stamp = stamp(&shown);
        record.posts[i].set_fetched(post.post_number.unwrap_or(0), version, gone, (stamp, text));
        let is_new_or_changed = !before.fetched()
            || before.version() != version
            || before.gone() != gone
            || before.stamp() != stamp;
        updates.push((i, post, is_new_or_changed, in_place));
    }
    if record.numbered {
        record.posts.sort_by_key(|p| p.number());
    }
    let numbers: HashMap<u64, u64> = record
        .posts
        .iter()
        .filter(|p| p.fetched())
        .map(|p| (p.number(), p.id()))
        .collect();
    let seqs: HashMap<u64, u32> = record
        .posts
        .iter()
        .filter_map(|p| Some((p.id(), record.seq_of(p.id())?)))
        .collect();
    for (_, post, is_new_or_changed, in_place) in updates {
        if is_new_or_changed {
            let reply_to = post
                .reply_to_post_number
                .and_then(|n| numbers.get(&n))
                .filter(|&&parent| parent != post.id)
                .map(|&parent| post_id(parent));
            let seq = seqs.get(&post.id).copied().unwrap_or(1);
            let mut shown = to_post(post, thread, seq, reply_to, mapping);
            if in_place {
                mark_edited_in_place(&mut shown, post);
            }
            changed.push(shown);
        }
    }
    changed
}

/// A post edited without a new version shows as edited at its `updated_at` (the time
/// of the edit: `PostRevisor#revise_post` saves the post).
fn mark_edited_in_place(shown: &mut Post, post: &WirePost) {
    if shown.edited_at.is_none() {
        shown.edited_at = post.updated_at.or(post.created_at);
    }
}

/// The forum's `cooked` (high 16 bits) and `updated_at` (low 16 bits), hashed apart: an
/// edit changes both (`PostRevisor#revise_post` saves the post), while a rebake or the
/// post-processing of a new post (`CookedPostProcessor`) changes `cooked` only and a like
/// neither (both write with `update_columns`/`update_all`, which leave `updated_at`).
/// Never 0 (0 means not known). Independent of `include_raw`.
fn text_stamp(post: &WirePost) -> u32 {
    let fold = |h: u64| {
        let h = (h >> 32) ^ (h & 0xffff_ffff);
        u32::try_from((h >> 16) ^ (h & 0xffff)).unwrap_or(0)
    };
    let cooked = fold(fnv(super::actions::cooked_or_action(post).as_bytes()));
    let at = post.updated_at.map_or(0, Timestamp::as_millisecond);
    let updated = fold(fnv(&at.to_le_bytes()));
    ((cooked << 16) | updated).max(1)
}

/// Both halves of two [`text_stamp`]s differ: the text and the time of the last save.
fn both_differ(a: u32, b: u32) -> bool {
    (a >> 16) != (b >> 16) && (a & 0xffff) != (b & 0xffff)
}

/// What a post shows, hashed: a change means an edit, whatever the version says.
fn stamp(post: &Post) -> u32 {
    let mut bytes = post.body.text.clone().into_bytes();
    bytes.extend_from_slice(&post.version.to_le_bytes());
    bytes.push(u8::from(post.deleted));
    if let Some(at) = post.edited_at {
        bytes.extend_from_slice(&at.as_millisecond().to_le_bytes());
    }
    // Likes count too (a post nobody liked hashes as before they were read).
    if !post.reactions.is_empty() {
        bytes.extend_from_slice(&post.reactions.likes.to_le_bytes());
        bytes.push(u8::from(post.reactions.liked));
    }
    let h = fnv(&bytes);
    // Folded to 32 bits: the cursor keeps one per post.
    u32::try_from((h >> 32) ^ (h & 0xffff_ffff)).unwrap_or(0)
}

/// Posts of the record not downloaded, as `seq` ranges. A numbered topic knows every post
/// from `scanned_from` on and its first page; what lies between is missing.
pub fn missing(record: &TopicRecord) -> Vec<SeqRange> {
    if record.numbered {
        let Some(from) = record.scanned_from else {
            return Vec::new();
        };
        let below = record
            .posts
            .iter()
            .filter(|p| p.fetched() && p.number() < from)
            .map(|p| p.number())
            .max()
            .unwrap_or(0);
        let lo = u32::try_from(below + 1).unwrap_or(u32::MAX);
        let hi = u32::try_from(from.saturating_sub(1)).unwrap_or(u32::MAX);
        return if hi >= lo && hi > 0 {
            vec![SeqRange { from: lo, to: hi }]
        } else {
            Vec::new()
        };
    }
    let mut ranges: Vec<SeqRange> = Vec::new();
    for (i, post) in record.posts.iter().enumerate() {
        if post.fetched() || post.gone() {
            continue;
        }
        let s = seq(i);
        match ranges.last_mut() {
            Some(r) if r.to + 1 == s => r.to = s,
            _ => ranges.push(SeqRange { from: s, to: s }),
        }
    }
    ranges
}

fn seq(index: usize) -> u32 {
    u32::try_from(index + 1).unwrap_or(u32::MAX)
}

/// Deleted by staff or author, or hidden by flags (`cooked_hidden` for everyone but staff,
/// `app/serializers/basic_post_serializer.rb`): kept as a tombstone.
fn is_gone(post: &WirePost) -> bool {
    post.deleted_at.is_some() || post.user_deleted == Some(true) || post.hidden == Some(true)
}

pub fn tombstone(thread: &ThreadId, id: u64, seq: u32, when: Timestamp) -> Post {
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
        reactions: crate::model::Reactions::default(),
    }
}

/// One post. Whispers (staff-only posts) are kept and marked in the author's badge;
/// small actions ("closed the topic") keep their place with the action in words; polls
/// show their options with the votes so far.
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
            text: super::actions::cooked_or_action(post),
            base_url: None,
        }
    };
    // Edits in the grace period keep the version and show no mark on the forum either.
    let edited_at = post.updated_at.filter(|_| version > 1);
    Post {
        id: post_id(post.id),
        thread: thread.clone(),
        seq,
        reply_to,
        author: author(post),
        created_at,
        edited_at: if gone { None } else { edited_at },
        body,
        deleted: gone,
        removed: false,
        score: None,
        version,
        client_key: None,
        reactions: if gone {
            crate::model::Reactions::default()
        } else {
            reactions(post)
        },
    }
}

/// Likes from `actions_summary` (`post_action_type_id` 2): the count and whether the
/// caller gave one.
fn reactions(post: &WirePost) -> crate::model::Reactions {
    let like = post
        .actions_summary
        .iter()
        .flatten()
        .find(|a| a.id == Some(wire::LIKE));
    crate::model::Reactions {
        likes: like
            .and_then(|a| a.count)
            .map_or(0, |n| u32::try_from(n).unwrap_or(u32::MAX)),
        liked: like.and_then(|a| a.acted) == Some(true),
    }
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
    Author {
        name: name.into(),
        badge,
    }
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

/// A summary from a topic read: counts come from our record.
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
    let can_reply = topic
        .details
        .as_ref()
        .and_then(|d| d.can_create_post)
        .unwrap_or(true);
    ThreadSummary {
        id: thread_id(topic.id),
        area: area_id(area),
        title: topic.title.as_ref().map_or_else(
            || format!("topic {}", topic.id).into(),
            |t| t.as_str().into(),
        ),
        author,
        created_at,
        last_post_at: topic
            .last_posted_at
            .or(topic.bumped_at)
            .unwrap_or(created_at),
        post_count: record.last_seq(),
        last_seq: record.last_seq(),
        pinned: topic.pinned.unwrap_or(false),
        locked: topic.closed.unwrap_or(false) || topic.archived.unwrap_or(false) || !can_reply,
        missing: missing(record).into(),
        small_actions: thin_vec::ThinVec::new(),
    }
}

/// A summary from a listing: counts are Discourse's until our record knows better; a
/// topic whose posts were never read is missing all of them (headers only).
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
    let listed = u32::try_from(item.posts_count.unwrap_or(0)).unwrap_or(u32::MAX);
    let count = known.max(listed);
    let missing = match record {
        Some(r) if r.has_bodies() => {
            let mut m = missing(r);
            // Posts the listing knows of and the record does not yet: missing too.
            if count > known && !r.numbered {
                m.push(SeqRange {
                    from: known + 1,
                    to: count,
                });
            }
            m
        }
        _ if count > 0 => vec![SeqRange { from: 1, to: count }],
        _ => Vec::new(),
    };
    ThreadSummary {
        id: thread_id(item.id),
        area: area_id(area),
        title: item.title.as_ref().map_or_else(
            || format!("topic {}", item.id).into(),
            |t| t.as_str().into(),
        ),
        author: user_author(opener),
        created_at,
        last_post_at: item.last_posted_at.or(item.bumped_at).unwrap_or(created_at),
        post_count: count,
        last_seq: count,
        pinned: item.pinned.unwrap_or(false),
        locked: item.closed.unwrap_or(false) || item.archived.unwrap_or(false),
        missing: missing.into(),
        small_actions: thin_vec::ThinVec::new(),
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

    const MAP: Mapping = Mapping { prefer_raw: false };

    /// Post 10, version 1, as the forum shows it with `cooked`, `updated_at` and likes.
    fn shown(cooked: &str, updated_at: &str, likes: u64) -> WirePost {
        wire::decode(
            serde_json::json!({
                "id": 10, "post_number": 1, "version": 1, "username": "u", "name": null,
                "created_at": "2020-01-01T00:00:00Z", "updated_at": updated_at,
                "cooked": cooked,
                "actions_summary": [{"id": 2, "count": likes}]
            })
            .to_string()
            .as_bytes(),
            "post",
        )
        .unwrap()
    }

    #[test]
    fn an_edit_in_the_grace_period_shows_edited_and_a_like_does_not() {
        let thread = thread_id(1);
        let mut record = TopicRecord::default();
        apply_stream(&mut record, &thread, &[10], Timestamp::UNIX_EPOCH);
        let first = apply_posts(
            &mut record,
            &thread,
            &[shown("<p>Teh text</p>", "2020-01-01T00:00:00Z", 0)],
            MAP,
        );
        assert_eq!(first[0].edited_at, None, "a version-1 post is not edited");
        let liked = apply_posts(
            &mut record,
            &thread,
            &[shown("<p>Teh text</p>", "2020-01-01T00:00:00Z", 1)],
            MAP,
        );
        assert_eq!(liked.len(), 1, "a like is news");
        assert_eq!(liked[0].edited_at, None, "but not an edit");
        // Rebaked (or post-processed) later: new cooked, same updated_at.
        let rebaked = apply_posts(
            &mut record,
            &thread,
            &[shown("<p>Teh text.</p>", "2020-01-01T00:00:00Z", 1)],
            MAP,
        );
        assert_eq!(rebaked.len(), 1, "the new HTML is delivered");
        assert_eq!(rebaked[0].edited_at, None, "but a rebake is no edit");
        // The author fixes it within the grace period: same version, new cooked and
        // updated_at (`lib/post_revisor.rb`).
        let at = "2020-01-01T00:03:00Z";
        let fixed = apply_posts(
            &mut record,
            &thread,
            &[shown("<p>The text</p>", at, 1)],
            MAP,
        );
        assert_eq!(fixed.len(), 1);
        assert_eq!(fixed[0].version, 1);
        assert_eq!(fixed[0].body.text, "<p>The text</p>");
        assert_eq!(fixed[0].edited_at, Some(at.parse().unwrap()));
        assert!(record.posts[0].edited_in_place());
        let again = apply_posts(
            &mut record,
            &thread,
            &[shown("<p>The text</p>", at, 1)],
            MAP,
        );
        assert!(again.is_empty(), "read again unchanged, it is not news");
    }

    #[test]
    fn deletions_keep_seq_and_new_posts_append() {
        let thread = thread_id(1);
        let mut record = TopicRecord::default();
        let gone = apply_stream(&mut record, &thread, &[10, 11, 12], Timestamp::UNIX_EPOCH);
        assert!(gone.is_empty());
        assert_eq!(
            missing(&record),
            [SeqRange { from: 1, to: 3 }],
            "nothing downloaded yet"
        );
        let posts = [
            wire_post(10, 1, None, 1),
            wire_post(11, 2, Some(1), 1),
            wire_post(12, 4, Some(2), 1),
        ];
        let changed = apply_posts(&mut record, &thread, &posts, MAP);
        assert_eq!(changed.len(), 3);
        assert_eq!(
            changed[2].reply_to,
            Some(post_id(11)),
            "post number 2 is id 11"
        );
        assert!(missing(&record).is_empty());

        // 11 is deleted upstream, 13 arrives: 12 keeps seq 3, 13 gets seq 4.
        let gone = apply_stream(&mut record, &thread, &[10, 12, 13], Timestamp::UNIX_EPOCH);
        assert_eq!(gone.len(), 1);
        assert!(gone[0].deleted && gone[0].seq == 2);
        assert_eq!(missing(&record), [SeqRange { from: 4, to: 4 }]);
        let changed = apply_posts(
            &mut record,
            &thread,
            &[wire_post(12, 4, Some(2), 1), wire_post(13, 5, None, 1)],
            MAP,
        );
        assert_eq!(changed.len(), 1, "an unchanged post is not delivered again");
        assert_eq!((changed[0].id.as_str(), changed[0].seq), ("13", 4));
    }

    #[test]
    fn edits_are_noticed_by_version_and_by_text() {
        let thread = thread_id(1);
        let mut record = TopicRecord::default();
        apply_stream(&mut record, &thread, &[10], Timestamp::UNIX_EPOCH);
        apply_posts(&mut record, &thread, &[wire_post(10, 1, None, 1)], MAP);
        let changed = apply_posts(&mut record, &thread, &[wire_post(10, 1, None, 2)], MAP);
        assert_eq!(changed.len(), 1);
        assert_eq!(changed[0].version, 2);
        // Within the grace period: same version, new text.
        let mut quiet = wire_post(10, 1, None, 2);
        quiet.cooked = Some("<p>fixed a typo</p>".into());
        let changed = apply_posts(&mut record, &thread, &[quiet], MAP);
        assert_eq!(changed.len(), 1, "a same-version edit is delivered");
        assert_eq!(changed[0].body.text, "<p>fixed a typo</p>");
    }

    #[test]
    fn posts_asked_for_and_not_returned_are_tombstones() {
        let thread = thread_id(1);
        let mut record = TopicRecord::default();
        apply_stream(&mut record, &thread, &[10, 11], Timestamp::UNIX_EPOCH);
        apply_posts(&mut record, &thread, &[wire_post(10, 1, None, 1)], MAP);
        let returned = HashSet::from([10]);
        let gone = tombstone_unreturned(
            &mut record,
            &thread,
            &[10, 11],
            &returned,
            Timestamp::UNIX_EPOCH,
        );
        assert_eq!(gone.len(), 1);
        assert_eq!((gone[0].id.as_str(), gone[0].seq), ("11", 2));
        assert!(missing(&record).is_empty(), "a tombstone is not missing");
    }

    #[test]
    fn a_numbered_topic_misses_what_lies_between_its_first_page_and_its_scan() {
        let thread = thread_id(1);
        let mut record = TopicRecord {
            numbered: true,
            scanned_from: Some(9_951),
            ..TopicRecord::default()
        };
        apply_posts(
            &mut record,
            &thread,
            &[wire_post(1, 1, None, 1), wire_post(99, 20, None, 1)],
            MAP,
        );
        let changed = apply_posts(
            &mut record,
            &thread,
            &[wire_post(500, 10_000, Some(20), 1)],
            MAP,
        );
        assert_eq!(changed[0].seq, 10_000, "seq is the post number");
        assert_eq!(changed[0].reply_to, Some(post_id(99)));
        assert_eq!(
            missing(&record),
            [SeqRange {
                from: 21,
                to: 9_950
            }]
        );
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
        assert!(summaries[1].headers_only(), "no post is cached yet");
    }
}
