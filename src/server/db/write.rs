//! The write operations, each run by an engine's writer inside its own savepoint.

use super::read::{self, Viewer};
use super::sql::{SqlRow, Tx, params};
use super::users::UserInfo;
use super::{DbError, WriteFailure, micros};
use crate::api::{self, Problem, ProblemCode};
use jiff::Timestamp;
use std::sync::Arc;

/// Why a write was refused, told to the client as it is.
pub type Rejection = Box<Problem>;
pub type WriteResult<T> = Result<T, WriteFailure<Rejection>>;

impl<E> From<DbError> for WriteFailure<E> {
    fn from(e: DbError) -> Self {
        WriteFailure::Store(Arc::new(e))
    }
}

pub(super) fn reject<T>(problem: Problem) -> WriteResult<T> {
    Err(WriteFailure::Rejected(Box::new(problem)))
}

/// A created resource, or the stored answer to an earlier request with the same key.
#[derive(Clone, Debug)]
pub struct Creation {
    pub status: u16,
    /// The JSON body, exactly as first sent.
    pub body: String,
    pub replayed: bool,
}

/// The idempotency key of a creating request and a digest of what it asked.
#[derive(Clone, Debug)]
pub struct Keyed {
    pub key: String,
    pub request_hash: String,
}

pub async fn set_meta(tx: &impl Tx, key: &str, value: &str) -> Result<(), DbError> {
    tx.execute(
        "INSERT INTO meta (key, value) VALUES ($1, $2) \
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        params![key, value],
    )
    .await?;
    Ok(())
}

/// Records that entities changed, in this order: each takes the next feed positions
/// (allocated inside this transaction, so the feed has no gaps and follows commit
/// order) and replaces its earlier entry in the log.
pub async fn record_changes(
    tx: &impl Tx,
    changed: &[(&str, &str)],
    at: i64,
) -> Result<(), DbError> {
    let count = i64::try_from(changed.len()).unwrap_or(i64::MAX);
    let head = tx
        .query_one(
            "UPDATE feed SET head = head + $1 RETURNING head",
            params![count],
        )
        .await?
        .int(0)?;
    for (seq, (kind, entity)) in (head - count + 1..).zip(changed) {
        tx.execute(
            "INSERT INTO changes (seq, kind, entity, at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (kind, entity) DO UPDATE SET seq = excluded.seq, at = excluded.at",
            params![seq, *kind, *entity, at],
        )
        .await?;
    }
    Ok(())
}

/// Records that a post and its thread changed, in that order.
pub async fn record_post_change(
    tx: &impl Tx,
    post: &str,
    thread: &str,
    at: i64,
) -> Result<(), DbError> {
    record_changes(tx, &[("post", post), ("thread", thread)], at).await
}

/// The stored answer for (user, key), if any: same request → replay, other → 422.
pub(super) async fn stored_answer(
    tx: &impl Tx,
    user: &UserInfo,
    keyed: &Keyed,
) -> WriteResult<Option<Creation>> {
    let found = tx
        .query_opt(
            "SELECT request_hash, status, response FROM idempotency WHERE user_id = $1 AND key = $2",
            params![user.id, &keyed.key],
        )
        .await?;
    let Some(row) = found else {
        return Ok(None);
    };
    if row.text(0)? != keyed.request_hash {
        return reject(key_reused());
    }
    Ok(Some(Creation {
        status: u16::try_from(row.int(1)?).unwrap_or(201),
        body: row.text(2)?,
        replayed: true,
    }))
}

pub(super) fn key_reused() -> Problem {
    Problem::new(ProblemCode::IdempotencyKeyReused)
        .detail("this Idempotency-Key was first used with a different request; make a new key for a new request")
}

pub(super) async fn remember(
    tx: &impl Tx,
    user: &UserInfo,
    keyed: &Keyed,
    status: u16,
    body: &str,
    now: i64,
) -> Result<(), DbError> {
    tx.execute(
        "INSERT INTO idempotency (user_id, key, request_hash, status, response, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
        params![
            user.id,
            &keyed.key,
            &keyed.request_hash,
            i64::from(status),
            body,
            now
        ],
    )
    .await?;
    Ok(())
}

/// The post `user` already made with this key (the key outlived its idempotency record).
pub(super) async fn post_by_key(
    tx: &impl Tx,
    user: &UserInfo,
    key: &str,
) -> Result<Option<api::Post>, DbError> {
    let found = tx
        .query_opt(
            "SELECT id FROM posts WHERE author_id = $1 AND client_key = $2",
            params![user.id, key],
        )
        .await?;
    match found {
        Some(row) => read::post(tx, &row.text(0)?, Some(user.id)).await,
        None => Ok(None),
    }
}

pub(super) fn to_json<T: serde::Serialize>(value: &T) -> Result<String, DbError> {
    serde_json::to_string(value).map_err(|e| DbError::Other(format!("encoding a response: {e}")))
}

/// Where a new post goes and what it says.
pub(super) struct PostRow<'a> {
    pub thread_id: &'a str,
    pub seq: u32,
    pub reply_to: Option<&'a str>,
    pub body: &'a str,
    pub at: i64,
}

pub(super) async fn insert_post(
    tx: &impl Tx,
    user: &UserInfo,
    keyed: &Keyed,
    row: &PostRow<'_>,
) -> Result<String, DbError> {
    let id = uuid::Uuid::now_v7().simple().to_string();
    tx.execute(
        "INSERT INTO posts (id, thread_id, seq, reply_to, author_id, created_at, body, deleted, version, client_key) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, FALSE, 1, $8)",
        params![&id, row.thread_id, row.seq, row.reply_to, user.id, row.at, row.body, &keyed.key],
    )
    .await?;
    Ok(id)
}

/// `POST /threads/{id}/posts`.
pub async fn create_post(
    tx: &impl Tx,
    user: &UserInfo,
    thread_id: &str,
    new: &api::NewPost,
    keyed: &Keyed,
    now: Timestamp,
) -> WriteResult<Creation> {
    if let Some(answer) = stored_answer(tx, user, keyed).await? {
        return Ok(answer);
    }
    if let Some(existing) = post_by_key(tx, user, &keyed.key).await? {
        if existing.thread_id == thread_id
            && existing.body == new.body
            && existing.reply_to == new.reply_to
        {
            return Ok(Creation {
                status: 201,
                body: to_json(&existing)?,
                replayed: true,
            });
        }
        return reject(key_reused());
    }
    let thread = match read::thread(tx, thread_id).await? {
        Some(thread) if !super::access::thread_hidden(tx, thread_id, Some(user.id)).await? => {
            thread
        }
        _ => {
            return reject(
                Problem::new(ProblemCode::ThreadNotFound)
                    .detail(format!("no thread {thread_id:?}")),
            );
        }
    };
    if let Some(refusal) = super::members::may_post(tx, user, &thread.area_id, now).await? {
        return reject(refusal);
    }
    if thread.locked {
        return reject(
            Problem::new(ProblemCode::ThreadLocked)
                .detail("this thread is locked: it takes no more replies"),
        );
    }
    if let Some(parent) = &new.reply_to {
        let in_thread = read::post(tx, parent, None)
            .await?
            .is_some_and(|p| p.thread_id == thread_id);
        if !in_thread {
            return reject(Problem::new(ProblemCode::ValidationFailed).field(
                "reply_to",
                api::FieldErrorCode::Invalid,
                format!("no post {parent:?} in this thread"),
            ));
        }
    }
    let at = micros(now);
    let seq = thread.last_seq + 1;
    let row = PostRow {
        thread_id,
        seq,
        reply_to: new.reply_to.as_deref(),
        body: &new.body,
        at,
    };
    let id = insert_post(tx, user, keyed, &row).await?;
    tx.execute(
        "UPDATE threads SET last_seq = $2, version = version + 1, \
         last_post_at = CASE WHEN last_post_at > $3 THEN last_post_at ELSE $3 END WHERE id = $1",
        params![thread_id, seq, at],
    )
    .await?;
    record_post_change(tx, &id, thread_id, at).await?;
    super::notifications::notify_post(tx, &id, at).await?;
    let post = read::post(tx, &id, Some(user.id))
        .await?
        .ok_or_else(|| DbError::Other("a new post vanished".into()))?;
    let body = to_json(&post)?;
    remember(tx, user, keyed, 201, &body, at).await?;
    Ok(Creation {
        status: 201,
        body,
        replayed: false,
    })
}

/// `POST /areas/{id}/threads`: the thread and its opening post.
pub async fn create_thread(
    tx: &impl Tx,
    user: &UserInfo,
    area_id: &str,
    new: &api::NewThread,
    keyed: &Keyed,
    now: Timestamp,
) -> WriteResult<Creation> {
    let opening = Opening {
        area_id,
        title: &new.title,
        body: &new.body,
    };
    if let Some(answer) = replayed_opening(tx, user, keyed, &opening).await? {
        return Ok(answer);
    }
    if !read::area_exists(tx, area_id).await?
        || super::access::area_hidden(tx, area_id, Some(user.id)).await?
    {
        return reject(
            Problem::new(ProblemCode::AreaNotFound).detail(format!("no area {area_id:?}")),
        );
    }
    if let Some(refusal) = super::members::may_post(tx, user, area_id, now).await? {
        return reject(refusal);
    }
    insert_opening(tx, user, keyed, &opening, &[], micros(now)).await
}

/// A new thread as its opening post makes it: in an area, or (a private message) in none.
#[derive(Debug)]
pub struct Opening<'a> {
    pub area_id: &'a str,
    pub title: &'a str,
    pub body: &'a str,
}

/// The answer to a repeated request that opened a thread: the stored answer, else the
/// thread the key already made (when it is the same thread), else `key_reused`; `None`
/// when the key is new.
pub async fn replayed_opening(
    tx: &impl Tx,
    user: &UserInfo,
    keyed: &Keyed,
    opening: &Opening<'_>,
) -> WriteResult<Option<Creation>> {
    if let Some(answer) = stored_answer(tx, user, keyed).await? {
        return Ok(Some(answer));
    }
    let Some(post) = post_by_key(tx, user, &keyed.key).await? else {
        return Ok(None);
    };
    match read::thread(tx, &post.thread_id).await? {
        Some(thread)
            if post.seq == 1
                && thread.area_id == opening.area_id
                && thread.title == opening.title
                && post.body == opening.body =>
        {
            Ok(Some(Creation {
                status: 201,
                body: to_json(&api::ThreadCreated { thread, post })?,
                replayed: true,
            }))
        }
        _ => reject(key_reused()),
    }
}

/// Writes a thread with its opening post (its change and notifications, and the
/// `participants` of a private message, the author among them), keeps the answer under
/// the key, and answers 201 with both.
pub async fn insert_opening(
    tx: &impl Tx,
    user: &UserInfo,
    keyed: &Keyed,
    opening: &Opening<'_>,
    participants: &[i64],
    at: i64,
) -> WriteResult<Creation> {
    let thread_id = uuid::Uuid::now_v7().simple().to_string();
    tx.execute(
        "INSERT INTO threads (id, area_id, title, author_id, created_at, last_post_at, last_seq, version) \
         VALUES ($1, $2, $3, $4, $5, $5, 1, 1)",
        params![&thread_id, opening.area_id, opening.title, user.id, at],
    )
    .await?;
    for member in participants {
        tx.execute(
            "INSERT INTO participants (thread_id, user_id) VALUES ($1, $2)",
            params![&thread_id, *member],
        )
        .await?;
    }
    let row = PostRow {
        thread_id: &thread_id,
        seq: 1,
        reply_to: None,
        body: opening.body,
        at,
    };
    let post_id = insert_post(tx, user, keyed, &row).await?;
    record_post_change(tx, &post_id, &thread_id, at).await?;
    super::notifications::notify_post(tx, &post_id, at).await?;
    let created = api::ThreadCreated {
        thread: read::thread(tx, &thread_id)
            .await?
            .ok_or_else(|| DbError::Other("a new thread vanished".into()))?,
        post: read::post(tx, &post_id, Some(user.id))
            .await?
            .ok_or_else(|| DbError::Other("a new post vanished".into()))?,
    };
    let body = to_json(&created)?;
    remember(tx, user, keyed, 201, &body, at).await?;
    Ok(Creation {
        status: 201,
        body,
        replayed: false,
    })
}

/// `PATCH /posts/{id}`: a new body or a tombstone, only from the version the client saw.
pub async fn edit_post(
    tx: &impl Tx,
    user: &UserInfo,
    post_id: &str,
    expected_version: u64,
    edit: &api::PostEdit,
    now: Timestamp,
) -> WriteResult<api::Post> {
    let viewer: Viewer = Some(user.id);
    let owner = if super::access::post_hidden(tx, post_id, viewer).await? {
        None
    } else {
        read::post_owner(tx, post_id).await?
    };
    let Some((author, version, deleted)) = owner else {
        return reject(
            Problem::new(ProblemCode::PostNotFound).detail(format!("no post {post_id:?}")),
        );
    };
    if !super::moderation::may_moderate(tx, user).await? {
        if author != user.id {
            return reject(
                Problem::new(ProblemCode::Forbidden)
                    .detail("only its author or a moderator can change a post"),
            );
        }
        // An author who may no longer post (a reader now, or silenced) may not rewrite
        // what they posted either.
        let area = tx
            .query_one(
                "SELECT t.area_id FROM posts p JOIN threads t ON t.id = p.thread_id WHERE p.id = $1",
                params![post_id],
            )
            .await?
            .text(0)?;
        if let Some(refusal) = super::members::may_post(tx, user, &area, now).await? {
            return reject(refusal);
        }
    }
    if deleted {
        return reject(
            Problem::new(ProblemCode::PostDeleted).detail("a deleted post cannot be changed"),
        );
    }
    if super::moderation::is_hidden(tx, post_id).await? {
        return reject(
            Problem::new(ProblemCode::Forbidden)
                .detail("a moderator hid this post; it cannot be changed until it is shown again"),
        );
    }
    if u64::try_from(version).ok() != Some(expected_version) {
        let mut problem = Problem::new(ProblemCode::VersionConflict).detail(format!(
            "the post is at version {version}, the edit was based on version {expected_version}"
        ));
        problem.current = read::post(tx, post_id, viewer).await?.map(Box::new);
        return reject(problem);
    }
    let at = micros(now);
    // The words being replaced become a revision: an edit or a deletion never loses them.
    tx.execute(
        "INSERT INTO revisions (post_id, version, body, written_at, replaced_at, editor_id) \
         SELECT id, version, body, COALESCE(edited_at, created_at), $2, $3 FROM posts WHERE id = $1",
        params![post_id, at, user.id],
    )
    .await?;
    if edit.deleted == Some(true) {
        tx.execute(
            "UPDATE posts SET deleted = TRUE, body = '', edited_at = $2, version = version + 1 WHERE id = $1",
            params![post_id, at],
        )
        .await?;
    } else if let Some(body) = &edit.body {
        tx.execute(
            "UPDATE posts SET body = $2, edited_at = $3, version = version + 1 WHERE id = $1",
            params![post_id, body, at],
        )
        .await?;
    }
    let post = read::post(tx, post_id, viewer)
        .await?
        .ok_or_else(|| DbError::Other("an edited post vanished".into()))?;
    tx.execute(
        "UPDATE threads SET version = version + 1 WHERE id = $1",
        params![&post.thread_id],
    )
    .await?;
    record_post_change(tx, post_id, &post.thread_id, at).await?;
    Ok(post)
}

/// Forgets changes older than `changes_before` (cursors from before them get 410) and
/// idempotency records older than `keys_before`. Returns true when the log was pruned.
pub async fn prune(tx: &impl Tx, changes_before: i64, keys_before: i64) -> Result<bool, DbError> {
    tx.execute(
        "DELETE FROM idempotency WHERE created_at < $1",
        params![keys_before],
    )
    .await?;
    let newest_old = tx
        .query_one(
            "SELECT MAX(seq) FROM changes WHERE at < $1",
            params![changes_before],
        )
        .await?
        .opt_int(0)?;
    let Some(newest_old) = newest_old else {
        return Ok(false);
    };
    tx.execute("DELETE FROM changes WHERE seq <= $1", params![newest_old])
        .await?;
    let horizon = read::changes_horizon(tx).await?.max(newest_old);
    set_meta(tx, "changes_horizon", &horizon.to_string()).await?;
    Ok(true)
}
