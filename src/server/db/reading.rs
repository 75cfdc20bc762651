//! Per-user reading state: each user's read marker per thread (`read_markers`), kept with
//! the merge rule of [`ReadMarker::apply`], and shown in that user's changes feed only.
//!
//! A marker's feed entry is named `<user id>/<thread id>`: the feed hands it to its owner
//! and skips it for everyone else.

use super::read;
use super::sql::{SqlRow, Tx, params};
use super::users::UserInfo;
use super::write::{
    Creation, Keyed, WriteResult, record_changes, reject, remember, stored_answer, to_json,
};
use super::{DbError, from_micros, micros};
use crate::api::{self, Problem, ProblemCode};
use crate::model::{ReadMark, ReadMarker};
use jiff::Timestamp;

/// The feed entity of `user`'s marker on `thread`.
fn entity(user: i64, thread: &str) -> String {
    format!("{user}/{thread}")
}

/// `user`'s marker on `thread` (the default, nothing read, when none was set).
pub async fn marker(tx: &impl Tx, user: i64, thread: &str) -> Result<ReadMarker, DbError> {
    let row = tx
        .query_opt(
            "SELECT read_to_seq, read_at, unread_at FROM read_markers \
             WHERE user_id = $1 AND thread_id = $2",
            params![user, thread],
        )
        .await?;
    let Some(row) = row else {
        return Ok(ReadMarker::default());
    };
    Ok(ReadMarker {
        read_to_seq: row.u32(0)?,
        read_at: row.opt_int(1)?.map(from_micros).transpose()?,
        unread_at: row.opt_int(2)?.map(from_micros).transpose()?,
    })
}

fn wire(thread: &str, m: ReadMarker) -> api::ReadMarker {
    api::ReadMarker {
        thread_id: thread.to_owned(),
        read_to_seq: m.read_to_seq,
        read_at: m.read_at,
        unread_at: m.unread_at,
    }
}

/// `GET /threads/{id}/read`: `None` when there is no such thread.
pub async fn get(
    tx: &impl Tx,
    user: i64,
    thread: &str,
) -> Result<Option<api::ReadMarker>, DbError> {
    if read::thread(tx, thread).await?.is_none()
        || super::access::thread_hidden(tx, thread, Some(user)).await?
    {
        return Ok(None);
    }
    Ok(Some(wire(thread, marker(tx, user, thread).await?)))
}

/// The feed's `read` entry named `entity`, for its owner only.
pub async fn feed_entry(
    tx: &impl Tx,
    entity: &str,
    viewer: Option<i64>,
) -> Result<Option<api::ReadMarker>, DbError> {
    let (Some(viewer), Some((user, thread))) = (viewer, entity.split_once('/')) else {
        return Ok(None);
    };
    if user.parse::<i64>().ok() != Some(viewer)
        || super::access::thread_hidden(tx, thread, Some(viewer)).await?
    {
        return Ok(None);
    }
    Ok(Some(wire(thread, marker(tx, viewer, thread).await?)))
}

/// `PUT /threads/{id}/read`: folds `mark` into the user's marker (the stored answer
/// again for a key seen before). A "read to" beyond the thread's last post stops there;
/// a mark's time is never later than `now`.
pub async fn put(
    tx: &impl Tx,
    user: &UserInfo,
    thread_id: &str,
    mark: ReadMark,
    keyed: &Keyed,
    now: Timestamp,
) -> WriteResult<Creation> {
    if let Some(answer) = stored_answer(tx, user, keyed).await? {
        return Ok(answer);
    }
    let visible = !super::access::thread_hidden(tx, thread_id, Some(user.id)).await?;
    let Some(thread) = read::thread(tx, thread_id).await?.filter(|_| visible) else {
        return reject(
            Problem::new(ProblemCode::ThreadNotFound).detail(format!("no thread {thread_id:?}")),
        );
    };
    let mark = match mark {
        ReadMark::ReadTo { seq, at } => ReadMark::ReadTo {
            seq: seq.min(thread.last_seq),
            at: at.min(now),
        },
        ReadMark::UnreadFrom { seq, at } => ReadMark::UnreadFrom {
            seq,
            at: at.min(now),
        },
    };
    let mut current = marker(tx, user.id, thread_id).await?;
    let at = micros(now);
    if current.apply(&mark) {
        tx.execute(
            "INSERT INTO read_markers (user_id, thread_id, read_to_seq, read_at, unread_at) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (user_id, thread_id) DO UPDATE SET \
             read_to_seq = excluded.read_to_seq, read_at = excluded.read_at, \
             unread_at = excluded.unread_at",
            params![
                user.id,
                thread_id,
                current.read_to_seq,
                current.read_at.map(micros),
                current.unread_at.map(micros)
            ],
        )
        .await?;
        record_changes(tx, &[("read", &entity(user.id, thread_id))], at).await?;
    }
    let body = to_json(&wire(thread_id, current))?;
    remember(tx, user, keyed, 200, &body, at).await?;
    Ok(Creation {
        status: 200,
        body,
        replayed: false,
    })
}

/// How far `user` read each thread they marked (thread id → `read_to_seq`).
pub async fn all_of(
    tx: &impl Tx,
    user: i64,
) -> Result<std::collections::BTreeMap<String, u32>, DbError> {
    let rows = tx
        .query(
            "SELECT thread_id, read_to_seq FROM read_markers WHERE user_id = $1",
            params![user],
        )
        .await?;
    rows.iter().map(|r| Ok((r.text(0)?, r.u32(1)?))).collect()
}
