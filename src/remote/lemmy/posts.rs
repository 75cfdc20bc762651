//! Lemmy posts and comments → our threads and posts. A post is a thread whose opening
//! post (`p<id>`, `seq` 1) carries its body, and its link first when it is a link post;
//! comments (`c<id>`) answer the comment their `path` names ("0.12.45" answers 12), with
//! `seq` fixed in the post's record. Deleted and removed comments stay as stubs, scores
//! and the creator's role ride along, and a change to any of them (an edit, a deletion, a
//! vote) bumps the delivered `version`.

use super::cursor::{CommentRecord, PostRecord};
use super::version;
use super::wire::{CommentView, Person, PostView};
use crate::model::{AreaId, Author, Body, Post, PostId, SeqRange, ThreadId, ThreadSummary};
use crate::remote::fingerprint;
use std::collections::{BTreeSet, HashMap, HashSet};

pub fn thread_id(post: i64) -> ThreadId {
    ThreadId::new(post.to_string())
}

pub fn area_id(community: i64) -> AreaId {
    AreaId::new(community.to_string())
}

/// The opening post of thread `post`.
pub fn opening_id(post: i64) -> PostId {
    PostId::new(format!("p{post}"))
}

pub fn comment_id(comment: i64) -> PostId {
    PostId::new(format!("c{comment}"))
}

/// The Lemmy id behind one of our post ids: `(is_comment, id)`.
pub fn lemmy_id(post: &PostId) -> Option<(bool, i64)> {
    let text = post.as_str();
    if let Some(n) = text.strip_prefix('c') {
        return n.parse().ok().map(|n| (true, n));
    }
    text.strip_prefix('p')
        .and_then(|n| n.parse().ok())
        .map(|n| (false, n))
}

/// The comment a comment answers, from its path; `None` for a top-level comment.
pub fn parent_of(path: &str) -> Option<i64> {
    let ids: Vec<&str> = path.split('.').collect();
    let parent = ids.len().checked_sub(2).and_then(|i| ids.get(i))?;
    parent.parse().ok().filter(|&id| id != 0)
}

/// How many levels below the post a comment sits (1 for a top-level comment).
pub fn depth_of(path: &str) -> usize {
    path.split('.').count().saturating_sub(1)
}

/// `name` for a local person or community, `name@instance` for a federated one.
pub fn qualified(name: &str, local: bool, actor_id: Option<&str>) -> String {
    let host = actor_id
        .and_then(|a| url::Url::parse(a).ok())
        .and_then(|u| u.host_str().map(str::to_owned));
    match host {
        Some(host) if !local => format!("{name}@{host}"),
        _ => name.to_owned(),
    }
}

fn author(person: &Person, admin: bool, moderator: bool) -> Author {
    let mut roles = Vec::new();
    if admin {
        roles.push("admin");
    }
    if moderator {
        roles.push("mod");
    }
    if person.bot_account {
        roles.push("bot");
    }
    Author {
        name: qualified(&person.name, person.local, person.actor_id.as_deref()).into(),
        badge: (!roles.is_empty()).then(|| roles.join(" · ")),
    }
}

/// The thread's summary. Counts are the record's (what is cached) once the comments
/// were read; before that, the server's count of comments is listed as missing
/// (downloaded when the thread is opened).
pub fn summary(view: &PostView, record: &PostRecord) -> ThreadSummary {
    let creator = author(
        &view.creator,
        view.creator_is_admin,
        view.creator_is_moderator,
    );
    let never_read = record.mark.is_none() && record.comments.is_empty();
    let unread_comments = u32::try_from(version::post_comments(view).max(0)).unwrap_or(u32::MAX);
    let (last, missing) = if never_read && unread_comments > 0 {
        let last = record.last_seq().saturating_add(unread_comments);
        (
            last,
            vec![SeqRange {
                from: record.last_seq() + 1,
                to: last,
            }],
        )
    } else {
        (record.last_seq(), Vec::new())
    };
    ThreadSummary {
        id: thread_id(view.post.id),
        area: area_id(view.post.community_id),
        title: view.post.name.as_str().into(),
        author: creator,
        created_at: view.post.published,
        last_post_at: version::post_activity(view),
        post_count: last,
        last_seq: last,
        pinned: view.post.featured_community || view.post.featured_local,
        locked: view.post.locked,
        missing: missing.into(),
        small_actions: thin_vec::ThinVec::new(),
    }
}

/// A summary made when the thread's comments are in: counts from the record.
pub fn settled(mut summary: ThreadSummary, record: &PostRecord) -> ThreadSummary {
    summary.last_seq = record.last_seq();
    summary.post_count = record.last_seq();
    summary.missing.clear();
    summary
}

/// The opening post when it is new or changed since the record's version.
pub fn opening(view: &PostView, record: &mut PostRecord) -> Option<Post> {
    let post = &view.post;
    let gone = post.deleted || post.removed;
    let score = version::post_score(view);
    let print = fingerprint::of_json(&(
        &post.name,
        &post.url,
        &post.body,
        post.updated,
        gone,
        post.locked,
        score,
    ));
    let version = record.op.update(fingerprint::of_bytes(print.as_bytes()))?;
    let text = if gone {
        String::new()
    } else {
        opening_text(post.url.as_deref(), post.body.as_deref())
    };
    Some(Post {
        id: opening_id(post.id),
        thread: thread_id(post.id),
        seq: 1,
        reply_to: None,
        author: author(
            &view.creator,
            view.creator_is_admin,
            view.creator_is_moderator,
        ),
        created_at: post.published,
        edited_at: post.updated,
        body: Body::markdown(text),
        deleted: gone,
        removed: post.removed,
        score: Some(score),
        version,
        client_key: None,
        reactions: crate::model::Reactions::default(),
    })
}

/// A link post shows its link first (as a link only when it is a web address).
fn opening_text(url: Option<&str>, body: Option<&str>) -> String {
    let body = body.unwrap_or_default();
    let Some(url) = url.filter(|u| !u.trim().is_empty()) else {
        return body.to_owned();
    };
    let link = match url::Url::parse(url.trim()) {
        Ok(u) if matches!(u.scheme(), "http" | "https") => format!("<{u}>"),
        _ => format!("`{}`", url.replace('`', "'")),
    };
    if body.trim().is_empty() {
        format!("Link: {link}")
    } else {
        format!("Link: {link}\n\n{body}")
    }
}

/// Records comments and returns those new or changed, in `seq` order. New comments are
/// given `seq`s oldest first, each after the comment it answers.
pub fn apply_comments(record: &mut PostRecord, views: &[CommentView]) -> Vec<Post> {
    let post = record_post(views);
    let mut fresh: Vec<&CommentView> = views
        .iter()
        .filter(|v| post.is_none_or(|p| v.comment.post_id == p))
        .filter(|v| !record.knows(v.comment.id))
        .collect();
    fresh.sort_by_key(|v| (v.comment.published, v.comment.id));
    let mut fresh_ids: HashSet<i64> = fresh.iter().map(|v| v.comment.id).collect();
    // Parents first: a comment waits until the comment it answers has its seq.
    let mut pending = fresh;
    while !pending.is_empty() {
        let before = pending.len();
        pending.retain(|v| {
            let parent = parent_of(&v.comment.path);
            if parent.is_some_and(|p| fresh_ids.contains(&p) && p != v.comment.id) {
                return true;
            }
            record
                .comments
                .push(CommentRecord(v.comment.id, parent.unwrap_or(0), 0, 0));
            fresh_ids.remove(&v.comment.id);
            false
        });
        if pending.len() == before {
            // A loop in hostile paths: place the rest as they are.
            for v in pending.drain(..) {
                let parent = parent_of(&v.comment.path).unwrap_or(0);
                record
                    .comments
                    .push(CommentRecord(v.comment.id, parent, 0, 0));
            }
        }
    }

    let index: HashMap<i64, usize> = record
        .comments
        .iter()
        .enumerate()
        .map(|(i, c)| (c.id(), i))
        .collect();
    let mut changed = Vec::new();
    let mut seen = HashSet::new();
    for view in views {
        let Some(&i) = index.get(&view.comment.id) else {
            continue;
        };
        if !seen.insert(view.comment.id) {
            continue;
        }
        let mut version = record.comments[i].version();
        let Some(v) = version.update(comment_fingerprint(view)) else {
            continue;
        };
        record.comments[i].set_version(version);
        let seq = u32::try_from(i + 2).unwrap_or(u32::MAX);
        let thread = view.comment.post_id;
        changed.push(comment_post(view, thread, seq, v));
    }
    changed.sort_by_key(|p| p.seq);
    changed
}

fn record_post(views: &[CommentView]) -> Option<i64> {
    views.first().map(|v| v.comment.post_id)
}

fn comment_fingerprint(view: &CommentView) -> u64 {
    let c = &view.comment;
    let print = fingerprint::of_json(&(
        &c.content,
        c.updated,
        c.deleted,
        c.removed,
        c.distinguished,
        version::comment_score(view),
        view.creator_is_moderator,
        view.creator_is_admin,
    ));
    fingerprint::of_bytes(print.as_bytes())
}

pub fn comment_post(view: &CommentView, post: i64, seq: u32, version: u64) -> Post {
    let c = &view.comment;
    let gone = c.deleted || c.removed;
    Post {
        id: comment_id(c.id),
        thread: thread_id(post),
        seq,
        reply_to: Some(parent_of(&c.path).map_or_else(|| opening_id(post), comment_id)),
        author: author(
            &view.creator,
            view.creator_is_admin,
            view.creator_is_moderator,
        ),
        created_at: c.published,
        edited_at: c.updated,
        body: Body::markdown(if gone {
            String::new()
        } else {
            c.content.clone()
        }),
        deleted: gone,
        removed: c.removed,
        score: Some(version::comment_score(view)),
        version,
        client_key: None,
        reactions: crate::model::Reactions::default(),
    }
}

/// Comments of `views` whose replies did not all come: Lemmy says how many comments a
/// branch holds (`child_count`), and a tree answer stops at `max_depth` (and at 300
/// comments). A comment is short when its count exceeds what its replies in the answer
/// account for (each reply and the replies below it), so a long chain cut at the depth
/// limit names only the comment at the cut. Comments asked for before in this job are
/// left out.
pub fn incomplete_branches(views: &[CommentView], asked: &BTreeSet<i64>) -> Vec<i64> {
    let mut below: HashMap<i64, i64> = HashMap::new();
    for view in views {
        if let Some(parent) = parent_of(&view.comment.path) {
            *below.entry(parent).or_default() += 1 + version::comment_children(view).max(0);
        }
    }
    let mut short: Vec<(usize, i64)> = views
        .iter()
        .filter(|v| !asked.contains(&v.comment.id))
        .filter(|v| version::comment_children(v) > below.get(&v.comment.id).copied().unwrap_or(0))
        .map(|v| (depth_of(&v.comment.path), v.comment.id))
        .collect();
    short.sort_unstable();
    short.dedup();
    short.into_iter().map(|(_, id)| id).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_name_the_parent_and_the_depth() {
        assert_eq!(parent_of("0.12.45"), Some(12));
        assert_eq!(parent_of("0.45"), None);
        assert_eq!(parent_of("45"), None);
        assert_eq!(depth_of("0.12.45"), 2);
        assert_eq!(lemmy_id(&comment_id(7)), Some((true, 7)));
        assert_eq!(lemmy_id(&opening_id(3)), Some((false, 3)));
        assert_eq!(lemmy_id(&PostId::new("x")), None);
    }

    #[test]
    fn federated_names_carry_their_instance() {
        assert_eq!(
            qualified("rust", false, Some("https://programming.dev/c/rust")),
            "rust@programming.dev"
        );
        assert_eq!(
            qualified("rust", true, Some("https://lemmy.ml/c/rust")),
            "rust"
        );
    }

    #[test]
    fn link_posts_open_with_their_link() {
        assert_eq!(
            opening_text(Some("https://example.org/a b"), Some("text")),
            "Link: <https://example.org/a%20b>\n\ntext"
        );
        assert_eq!(
            opening_text(Some("javascript:alert(1)"), None),
            "Link: `javascript:alert(1)`"
        );
        assert_eq!(opening_text(None, Some("just text")), "just text");
    }
}
