//! The write operations, each run on the writer thread inside its own savepoint.

use super::read::{self, Viewer};
use super::users::UserInfo;
use super::{DbError, WriteFailure, changes_head, micros, set_meta};
use crate::api::{self, Problem, ProblemCode};
use jiff::Timestamp;
use rusqlite::{Connection, OptionalExtension, params};
use std::sync::Arc;

/// Why a write was refused, told to the client as it is.
pub type Rejection = Box<Problem>;
pub type WriteResult<T> = Result<T, WriteFailure<Rejection>>;

impl<E> From<DbError> for WriteFailure<E> {
    fn from(e: DbError) -> Self {
        WriteFailure::Store(Arc::new(e))
    }
}

impl<E> From<rusqlite::Error> for WriteFailure<E> {
    fn from(e: rusqlite::Error) -> Self {
        WriteFailure::Store(Arc::new(e.into()))
    }
}

fn reject<T>(problem: Problem) -> WriteResult<T> {
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

pub(super) fn record_change(
    conn: &Connection,
    kind: &str,
    entity: &str,
    at: i64,
) -> Result<(), DbError> {
    conn.prepare_cached("DELETE FROM changes WHERE kind = ?1 AND entity = ?2")?
        .execute(params![kind, entity])?;
    conn.prepare_cached("INSERT INTO changes (kind, entity, at) VALUES (?1, ?2, ?3)")?
        .execute(params![kind, entity, at])?;
    Ok(())
}

/// Records that a post and its thread changed, in that order.
pub fn record_post_change(
    conn: &Connection,
    post: &str,
    thread: &str,
    at: i64,
) -> Result<(), DbError> {
    record_change(conn, "post", post, at)?;
    record_change(conn, "thread", thread, at)
}

/// The stored answer for (user, key), if any: same request → replay, other → 422.
fn stored_answer(
    conn: &Connection,
    user: &UserInfo,
    keyed: &Keyed,
) -> WriteResult<Option<Creation>> {
    let found: Option<(String, u16, String)> = conn
        .prepare_cached("SELECT request_hash, status, response FROM idempotency WHERE user_id = ?1 AND key = ?2")?
        .query_row(params![user.id, keyed.key], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .optional()?;
    match found {
        None => Ok(None),
        Some((hash, status, body)) if hash == keyed.request_hash => Ok(Some(Creation {
            status,
            body,
            replayed: true,
        })),
        Some(_) => reject(key_reused()),
    }
}

fn key_reused() -> Problem {
    Problem::new(ProblemCode::IdempotencyKeyReused)
        .detail("this Idempotency-Key was first used with a different request; make a new key for a new request")
}

fn remember(
    conn: &Connection,
    user: &UserInfo,
    keyed: &Keyed,
    status: u16,
    body: &str,
    now: i64,
) -> Result<(), DbError> {
    conn.prepare_cached(
        "INSERT INTO idempotency (user_id, key, request_hash, status, response, created_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![
        user.id,
        keyed.key,
        keyed.request_hash,
        status,
        body,
        now
    ])?;
    Ok(())
}

/// The post `user` already made with this key (the key outlived its idempotency record).
fn post_by_key(
    conn: &Connection,
    user: &UserInfo,
    key: &str,
) -> Result<Option<api::Post>, DbError> {
    let id: Option<String> = conn
        .prepare_cached("SELECT id FROM posts WHERE author_id = ?1 AND client_key = ?2")?
        .query_row(params![user.id, key], |r| r.get(0))
        .optional()?;
    id.map_or(Ok(None), |id| read::post(conn, &id, Some(user.id)))
}

fn to_json<T: serde::Serialize>(value: &T) -> Result<String, DbError> {
    serde_json::to_string(value).map_err(|e| DbError::Other(format!("encoding a response: {e}")))
}

/// Where a new post goes and what it says.
struct PostRow<'a> {
    thread_id: &'a str,
    seq: u32,
    reply_to: Option<&'a str>,
    body: &'a str,
    at: i64,
}

fn insert_post(
    conn: &Connection,
    user: &UserInfo,
    keyed: &Keyed,
    row: &PostRow<'_>,
) -> Result<String, DbError> {
    let id = uuid::Uuid::now_v7().simple().to_string();
    conn.prepare_cached(
        "INSERT INTO posts (id, thread_id, seq, reply_to, author_id, created_at, body, deleted, version, client_key) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 0, 1, ?8)",
    )?
    .execute(params![id, row.thread_id, row.seq, row.reply_to, user.id, row.at, row.body, keyed.key])?;
    Ok(id)
}

/// `POST /threads/{id}/posts`.
pub fn create_post(
    conn: &Connection,
    user: &UserInfo,
    thread_id: &str,
    new: &api::NewPost,
    keyed: &Keyed,
    now: Timestamp,
) -> WriteResult<Creation> {
    if let Some(answer) = stored_answer(conn, user, keyed)? {
        return Ok(answer);
    }
    if let Some(existing) = post_by_key(conn, user, &keyed.key)? {
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
    let Some(thread) = read::thread(conn, thread_id)? else {
        return reject(
            Problem::new(ProblemCode::ThreadNotFound).detail(format!("no thread {thread_id:?}")),
        );
    };
    if thread.locked {
        return reject(
            Problem::new(ProblemCode::ThreadLocked)
                .detail("this thread is locked: it takes no more replies"),
        );
    }
    if let Some(parent) = &new.reply_to {
        let in_thread = read::post(conn, parent, None)?.is_some_and(|p| p.thread_id == thread_id);
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
    let id = insert_post(conn, user, keyed, &row)?;
    conn.prepare_cached(
        "UPDATE threads SET last_seq = ?2, last_post_at = MAX(last_post_at, ?3), version = version + 1 WHERE id = ?1",
    )?
    .execute(params![thread_id, seq, at])?;
    record_post_change(conn, &id, thread_id, at)?;
    let post = read::post(conn, &id, Some(user.id))?
        .ok_or_else(|| DbError::Other("a new post vanished".into()))?;
    let body = to_json(&post)?;
    remember(conn, user, keyed, 201, &body, at)?;
    Ok(Creation {
        status: 201,
        body,
        replayed: false,
    })
}

/// `POST /areas/{id}/threads`: the thread and its opening post.
pub fn create_thread(
    conn: &Connection,
    user: &UserInfo,
    area_id: &str,
    new: &api::NewThread,
    keyed: &Keyed,
    now: Timestamp,
) -> WriteResult<Creation> {
    if let Some(answer) = stored_answer(conn, user, keyed)? {
        return Ok(answer);
    }
    if let Some(post) = post_by_key(conn, user, &keyed.key)? {
        let thread = read::thread(conn, &post.thread_id)?;
        return match thread {
            Some(thread)
                if post.seq == 1
                    && thread.area_id == area_id
                    && thread.title == new.title
                    && post.body == new.body =>
            {
                Ok(Creation {
                    status: 201,
                    body: to_json(&api::ThreadCreated { thread, post })?,
                    replayed: true,
                })
            }
            _ => reject(key_reused()),
        };
    }
    if !read::area_exists(conn, area_id)? {
        return reject(
            Problem::new(ProblemCode::AreaNotFound).detail(format!("no area {area_id:?}")),
        );
    }
    let at = micros(now);
    let thread_id = uuid::Uuid::now_v7().simple().to_string();
    conn.prepare_cached(
        "INSERT INTO threads (id, area_id, title, author_id, created_at, last_post_at, last_seq, version) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?5, 1, 1)",
    )?
    .execute(params![thread_id, area_id, new.title, user.id, at])?;
    let row = PostRow {
        thread_id: &thread_id,
        seq: 1,
        reply_to: None,
        body: &new.body,
        at,
    };
    let post_id = insert_post(conn, user, keyed, &row)?;
    record_post_change(conn, &post_id, &thread_id, at)?;
    let created = api::ThreadCreated {
        thread: read::thread(conn, &thread_id)?
            .ok_or_else(|| DbError::Other("a new thread vanished".into()))?,
        post: read::post(conn, &post_id, Some(user.id))?
            .ok_or_else(|| DbError::Other("a new post vanished".into()))?,
    };
    let body = to_json(&created)?;
    remember(conn, user, keyed, 201, &body, at)?;
    Ok(Creation {
        status: 201,
        body,
        replayed: false,
    })
}

/// `PATCH /posts/{id}`: a new body or a tombstone, only from the version the client saw.
pub fn edit_post(
    conn: &Connection,
    user: &UserInfo,
    post_id: &str,
    expected_version: u64,
    edit: &api::PostEdit,
    now: Timestamp,
) -> WriteResult<api::Post> {
    let viewer: Viewer = Some(user.id);
    let Some((author, version, deleted)) = read::post_owner(conn, post_id)? else {
        return reject(
            Problem::new(ProblemCode::PostNotFound).detail(format!("no post {post_id:?}")),
        );
    };
    if author != user.id && !user.admin {
        return reject(
            Problem::new(ProblemCode::Forbidden)
                .detail("only its author or an admin can change a post"),
        );
    }
    if deleted {
        return reject(
            Problem::new(ProblemCode::PostDeleted).detail("a deleted post cannot be changed"),
        );
    }
    if u64::try_from(version).ok() != Some(expected_version) {
        let mut problem = Problem::new(ProblemCode::VersionConflict).detail(format!(
            "the post is at version {version}, the edit was based on version {expected_version}"
        ));
        problem.current = read::post(conn, post_id, viewer)?.map(Box::new);
        return reject(problem);
    }
    let at = micros(now);
    if edit.deleted == Some(true) {
        conn.prepare_cached(
            "UPDATE posts SET deleted = 1, body = '', edited_at = ?2, version = version + 1 WHERE id = ?1",
        )?
        .execute(params![post_id, at])?;
    } else if let Some(body) = &edit.body {
        conn.prepare_cached(
            "UPDATE posts SET body = ?2, edited_at = ?3, version = version + 1 WHERE id = ?1",
        )?
        .execute(params![post_id, body, at])?;
    }
    let post = read::post(conn, post_id, viewer)?
        .ok_or_else(|| DbError::Other("an edited post vanished".into()))?;
    conn.prepare_cached("UPDATE threads SET version = version + 1 WHERE id = ?1")?
        .execute([&post.thread_id])?;
    record_post_change(conn, post_id, &post.thread_id, at)?;
    Ok(post)
}

/// Forgets changes older than `changes_before` (cursors from before them get 410) and
/// idempotency records older than `keys_before`. Returns true when the log was pruned.
pub fn prune(conn: &Connection, changes_before: i64, keys_before: i64) -> Result<bool, DbError> {
    conn.prepare_cached("DELETE FROM idempotency WHERE created_at < ?1")?
        .execute([keys_before])?;
    let newest_old: Option<i64> = conn
        .prepare_cached("SELECT MAX(seq) FROM changes WHERE at < ?1")?
        .query_row([changes_before], |r| r.get(0))?;
    let Some(newest_old) = newest_old else {
        return Ok(false);
    };
    conn.prepare_cached("DELETE FROM changes WHERE seq <= ?1")?
        .execute([newest_old])?;
    let horizon = read::changes_horizon(conn)?.max(newest_old);
    set_meta(conn, "changes_horizon", &horizon.to_string())?;
    Ok(true)
}

/// The newest change sequence number, after this job's changes.
pub fn head(conn: &Connection) -> Result<i64, DbError> {
    changes_head(conn)
}
