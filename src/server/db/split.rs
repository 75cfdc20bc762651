//! Splitting a thread (`threadmark serve thread split`, `POST /mod/threads/{id}/split`):
//! a post and every later post of the thread become a new thread in the same area.
//!
//! The moved posts get new ids in the new thread (numbered from 1, their replies to one
//! another kept, a reply to a post left behind becoming a reply to the thread), with their
//! likes, revisions, bookmarks and notifications; in the old thread each leaves a
//! tombstone, so its numbering stays dense and every syncing client drops the words there
//! through the changes feed as it does for a deletion. Both threads show the split as a
//! small action, and the log keeps it.

use super::moderation::{self, Actor, Logged};
use super::read;
use super::sql::{SqlRow, Tx, params};
use super::write::{Creation, Keyed, WriteResult, record_changes};
use super::{DbError, WriteFailure, micros};
use crate::api::{self, FieldErrorCode, Problem, ProblemCode};
use jiff::Timestamp;
use std::collections::HashMap;

fn reject<T>(problem: Problem) -> WriteResult<T> {
    Err(WriteFailure::Rejected(Box::new(problem)))
}

/// One post being moved, as stored.
struct Moving {
    id: String,
    seq: i64,
    reply_to: Option<String>,
    author_id: i64,
    created_at: i64,
    deleted: bool,
}

/// Splits `thread_id` from post `split.from` on; answers 201 with the new thread and the
/// old one (the stored answer again for a key seen before).
pub async fn split_thread(
    tx: &impl Tx,
    actor: &Actor,
    thread_id: &str,
    split: &api::ThreadSplit,
    keyed: Option<&Keyed>,
    now: Timestamp,
) -> WriteResult<Creation> {
    if let (Actor::User(user), Some(keyed)) = (actor, keyed)
        && let Some(answer) = super::write::stored_answer(tx, user, keyed).await?
    {
        return Ok(answer);
    }
    if let Actor::User(user) = actor
        && !moderation::may_moderate(tx, user).await?
    {
        return reject(moderation::forbidden());
    }
    let (old, from_seq, title) = checked(tx, actor, thread_id, split).await?;
    let at = micros(now);
    let moving = moving_posts(tx, thread_id, from_seq).await?;
    let Some(first) = moving.first() else {
        return Err(DbError::Other("a split found no posts to move".into()).into());
    };
    let new_id = uuid::Uuid::now_v7().simple().to_string();
    let count = i64::try_from(moving.len()).unwrap_or(i64::MAX);
    let last_post_at = moving
        .iter()
        .filter(|p| !p.deleted)
        .map(|p| p.created_at)
        .max()
        .unwrap_or(first.created_at);
    tx.execute(
        "INSERT INTO threads (id, area_id, title, author_id, created_at, last_post_at, last_seq, version) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, 1)",
        params![
            &new_id,
            &old.area_id,
            title.as_str(),
            first.author_id,
            first.created_at,
            last_post_at,
            count
        ],
    )
    .await?;
    let mut new_ids: HashMap<String, String> = HashMap::new();
    let mut changed: Vec<(String, String)> = Vec::new();
    for post in &moving {
        let fresh = uuid::Uuid::now_v7().simple().to_string();
        let reply_to = post
            .reply_to
            .as_ref()
            .and_then(|parent| new_ids.get(parent).cloned());
        move_post(tx, post, &fresh, &new_id, post.seq - from_seq + 1, reply_to).await?;
        changed.push(("post".into(), post.id.clone()));
        changed.push(("post".into(), fresh.clone()));
        new_ids.insert(post.id.clone(), fresh);
    }
    // What is left of the old thread decides its activity time.
    tx.execute(
        "UPDATE threads SET version = version + 1, last_post_at = COALESCE((SELECT MAX(created_at) \
         FROM posts WHERE thread_id = $1 AND NOT deleted), last_post_at) WHERE id = $1",
        params![thread_id],
    )
    .await?;
    let logged = Split {
        thread: thread_id,
        old_title: &old.title,
        new_thread: &new_id,
        title: &title,
        from_seq,
        count,
    };
    log_split(tx, actor, at, &logged).await?;
    let mut entities: Vec<(&str, &str)> = vec![("thread", thread_id), ("thread", &new_id)];
    entities.extend(changed.iter().map(|(k, e)| (k.as_str(), e.as_str())));
    record_changes(tx, &entities, at).await?;
    let done = api::ThreadSplitDone {
        thread: read::thread(tx, &new_id)
            .await?
            .ok_or_else(|| DbError::Other("a split thread vanished".into()))?,
        original: read::thread(tx, thread_id)
            .await?
            .ok_or_else(|| DbError::Other("a split thread vanished".into()))?,
    };
    let body = super::write::to_json(&done)?;
    if let (Actor::User(user), Some(keyed)) = (actor, keyed) {
        super::write::remember(tx, user, keyed, 201, &body, at).await?;
    }
    Ok(Creation {
        status: 201,
        body,
        replayed: false,
    })
}

/// What a split did, for its log entries and small actions.
struct Split<'a> {
    thread: &'a str,
    old_title: &'a str,
    new_thread: &'a str,
    title: &'a str,
    from_seq: i64,
    count: i64,
}

/// Logs the split in both threads (each shows it as a small action).
async fn log_split(tx: &impl Tx, actor: &Actor, at: i64, split: &Split<'_>) -> Result<(), DbError> {
    let (from, last) = (split.from_seq, split.from_seq + split.count - 1);
    let range = if split.count == 1 {
        format!("#{from}")
    } else {
        format!("#{from}–#{last}")
    };
    let to_detail = format!(
        "posts {range} to thread {} ({})",
        split.new_thread, split.title
    );
    let from_detail = format!(
        "from thread {} ({}), posts {range}",
        split.thread, split.old_title
    );
    for (target, detail) in [(split.thread, &to_detail), (split.new_thread, &from_detail)] {
        let entry = Logged {
            actor: actor_name(actor),
            action: "split",
            target,
            detail: Some(detail),
            thread: Some(target),
        };
        moderation::log(tx, at, entry).await?;
    }
    Ok(())
}

/// The thread, where the split starts and the new title, or why not.
async fn checked(
    tx: &impl Tx,
    actor: &Actor,
    thread_id: &str,
    split: &api::ThreadSplit,
) -> WriteResult<(api::Thread, i64, String)> {
    let visible = match actor {
        Actor::User(user) => !super::access::thread_hidden(tx, thread_id, Some(user.id)).await?,
        Actor::Operator => true,
    };
    let Some(old) = read::thread(tx, thread_id).await?.filter(|_| visible) else {
        return reject(
            Problem::new(ProblemCode::ThreadNotFound).detail(format!("no thread {thread_id:?}")),
        );
    };
    if super::messages::is_private(&old) {
        return reject(invalid("from", "a private message is not split"));
    }
    let Some(from_seq) = tx
        .query_opt(
            "SELECT seq FROM posts WHERE id = $1 AND thread_id = $2",
            params![&split.from, thread_id],
        )
        .await?
        .map(|r| r.int(0))
        .transpose()?
    else {
        return reject(
            Problem::new(ProblemCode::PostNotFound)
                .detail(format!("no post {:?} in thread {thread_id:?}", split.from)),
        );
    };
    if from_seq <= 1 {
        return reject(invalid(
            "from",
            "the opening post stays with its thread: split from a later post",
        ));
    }
    let title = match split.title.as_deref().map(str::trim) {
        Some(t) if crate::text::sanitize::is_blank(t) => {
            return reject(invalid("title", "a thread needs a title"));
        }
        Some(t) => t.to_owned(),
        None => format!("Split from: {}", old.title),
    };
    Ok((old, from_seq, title))
}

fn actor_name(actor: &Actor) -> &str {
    match actor {
        Actor::User(user) => &user.name,
        Actor::Operator => moderation::OPERATOR,
    }
}

fn invalid(field: &str, message: &str) -> Problem {
    Problem::new(ProblemCode::ValidationFailed).field(field, FieldErrorCode::Invalid, message)
}

async fn moving_posts(tx: &impl Tx, thread: &str, from: i64) -> Result<Vec<Moving>, DbError> {
    tx.query(
        "SELECT id, seq, reply_to, author_id, created_at, deleted FROM posts \
         WHERE thread_id = $1 AND seq >= $2 ORDER BY seq",
        params![thread, from],
    )
    .await?
    .iter()
    .map(|r| {
        Ok(Moving {
            id: r.text(0)?,
            seq: r.int(1)?,
            reply_to: r.opt_text(2)?,
            author_id: r.int(3)?,
            created_at: r.int(4)?,
            deleted: r.bool(5)?,
        })
    })
    .collect()
}

/// Copies `post` into thread `thread` as `fresh` (at `seq`), moves what hangs on it (its
/// client key, likes, revisions, bookmarks, notifications) and leaves a tombstone.
async fn move_post(
    tx: &impl Tx,
    post: &Moving,
    fresh: &str,
    thread: &str,
    seq: i64,
    reply_to: Option<String>,
) -> Result<(), DbError> {
    // The key is unique per author: it leaves the tombstone before the copy takes it.
    let key = tx
        .query_one(
            "SELECT client_key FROM posts WHERE id = $1",
            params![&post.id],
        )
        .await?
        .opt_text(0)?;
    tx.execute(
        "UPDATE posts SET client_key = NULL WHERE id = $1",
        params![&post.id],
    )
    .await?;
    tx.execute(
        "INSERT INTO posts (id, thread_id, seq, reply_to, author_id, created_at, edited_at, body, \
         deleted, version, client_key, hidden_body, hidden_reason, likes) \
         SELECT $2, $3, $4, $5, author_id, created_at, edited_at, body, deleted, 1, $6, \
         hidden_body, hidden_reason, likes FROM posts WHERE id = $1",
        params![
            &post.id,
            fresh,
            thread,
            seq,
            reply_to.as_deref(),
            key.as_deref()
        ],
    )
    .await?;
    for table in ["revisions", "reactions", "notifications"] {
        tx.execute(
            &format!("UPDATE {table} SET post_id = $2 WHERE post_id = $1"),
            params![&post.id, fresh],
        )
        .await?;
    }
    tx.execute(
        "UPDATE bookmarks SET post_id = $2, thread_id = $3 WHERE post_id = $1",
        params![&post.id, fresh, thread],
    )
    .await?;
    tx.execute(
        "UPDATE posts SET deleted = $2, body = '', hidden_body = NULL, hidden_reason = NULL, \
         likes = 0, version = version + 1 WHERE id = $1",
        params![&post.id, true],
    )
    .await?;
    Ok(())
}
