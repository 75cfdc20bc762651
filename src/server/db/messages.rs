//! Private messages: threads with participants and no area (their `area_id` is empty).
//! Only their participants see them, through every endpoint and the changes feed; the
//! gate is [`super::access`], which asks [`hidden`] about a private thread.

use super::read::{self, ThreadKey, Viewer};
use super::sql::{SqlRow, Tx, params};
use super::users::UserInfo;
use super::write::{
    Creation, Keyed, Opening, WriteResult, insert_opening, reject, replayed_opening,
};
use super::{DbError, micros};
use crate::api::{self, FieldErrorCode, Problem, ProblemCode};
use jiff::Timestamp;

/// The area id of every private thread.
pub const NO_AREA: &str = "";

/// At most this many recipients per message.
pub const MAX_RECIPIENTS: usize = 20;

/// Whether `thread` is a private message.
pub fn is_private(thread: &api::Thread) -> bool {
    thread.area_id == NO_AREA
}

async fn is_participant(tx: &impl Tx, thread: &str, viewer: Viewer) -> Result<bool, DbError> {
    let Some(user) = viewer else {
        return Ok(false);
    };
    Ok(tx
        .query_opt(
            "SELECT 1 FROM participants WHERE thread_id = $1 AND user_id = $2",
            params![thread, user],
        )
        .await?
        .is_some())
}

/// True when `thread` is a private message `viewer` is not part of (false for a forum
/// thread and for no thread at all: those answer as they always did).
pub async fn hidden(tx: &impl Tx, thread: &str, viewer: Viewer) -> Result<bool, DbError> {
    let area = tx
        .query_opt("SELECT area_id FROM threads WHERE id = $1", params![thread])
        .await?
        .map(|r| r.text(0))
        .transpose()?;
    match area {
        Some(area) if area == NO_AREA => Ok(!is_participant(tx, thread, viewer).await?),
        _ => Ok(false),
    }
}

/// The names of a private thread's participants, sorted.
pub async fn participants(tx: &impl Tx, thread: &str) -> Result<Vec<String>, DbError> {
    tx.query(
        "SELECT u.name FROM participants p JOIN users u ON u.id = p.user_id \
         WHERE p.thread_id = $1 ORDER BY lower(u.name), u.name",
        params![thread],
    )
    .await?
    .iter()
    .map(|r| r.text(0))
    .collect()
}

/// The ids of a private thread's participants.
pub async fn participant_ids(tx: &impl Tx, thread: &str) -> Result<Vec<i64>, DbError> {
    tx.query(
        "SELECT user_id FROM participants WHERE thread_id = $1 ORDER BY user_id",
        params![thread],
    )
    .await?
    .iter()
    .map(|r| r.int(0))
    .collect()
}

/// `GET /messages`: `user`'s private threads, most recently active first, after `key`.
pub async fn list(
    tx: &impl Tx,
    user: i64,
    after: Option<&ThreadKey>,
    limit: u32,
) -> Result<(Vec<api::Thread>, Option<ThreadKey>), DbError> {
    let (at, id) = after.map_or((i64::MAX, ""), |k| (k.last_post_at, k.id.as_str()));
    let sql = format!(
        "SELECT {}, t.last_post_at FROM threads t JOIN users u ON u.id = t.author_id \
         JOIN participants m ON m.thread_id = t.id AND m.user_id = $1 \
         WHERE t.area_id = $5 AND (t.last_post_at < $2 OR (t.last_post_at = $2 AND ($3 = '' OR t.id < $3))) \
         ORDER BY t.last_post_at DESC, t.id DESC LIMIT $4",
        read::THREAD_COLUMNS
    );
    let rows = tx
        .query(&sql, params![user, at, id, i64::from(limit) + 1, NO_AREA])
        .await?;
    let more = rows.len() > limit as usize;
    let mut threads = Vec::with_capacity(rows.len().min(limit as usize));
    let mut next = None;
    for row in rows.iter().take(limit as usize) {
        let mut thread = read::thread_from_row(row)?;
        thread.participants = participants(tx, &thread.id).await?;
        if more {
            next = Some(ThreadKey {
                last_post_at: row.int(11)?,
                id: thread.id.clone(),
            });
        }
        threads.push(thread);
    }
    Ok((threads, next))
}

/// The recipients named in `to`, found (not disabled), without the sender, each once.
async fn recipients(tx: &impl Tx, sender: &UserInfo, to: &[String]) -> WriteResult<Vec<UserInfo>> {
    let mut found: Vec<UserInfo> = Vec::new();
    let mut problem = Problem::new(ProblemCode::ValidationFailed);
    for name in to {
        let name = name.trim();
        match super::users::user_by_name(tx, name).await? {
            Some((user, _)) if !user.disabled => {
                if user.id != sender.id && !found.iter().any(|u| u.id == user.id) {
                    found.push(user);
                }
            }
            _ => {
                problem = problem.field(
                    "to",
                    FieldErrorCode::Invalid,
                    format!("no user {name:?} to write to"),
                );
            }
        }
    }
    if !problem.errors.is_empty() {
        return reject(problem);
    }
    if found.is_empty() {
        return reject(Problem::new(ProblemCode::ValidationFailed).field(
            "to",
            FieldErrorCode::Empty,
            "a message needs a recipient other than yourself",
        ));
    }
    if found.len() > MAX_RECIPIENTS {
        return reject(Problem::new(ProblemCode::ValidationFailed).field(
            "to",
            FieldErrorCode::TooLong,
            format!("{} recipients; at most {MAX_RECIPIENTS}", found.len()),
        ));
    }
    Ok(found)
}

/// `POST /messages`: a private thread between `user` and the recipients, its opening
/// post, and a `message` notification for each recipient.
pub async fn create(
    tx: &impl Tx,
    user: &UserInfo,
    new: &api::NewMessage,
    keyed: &Keyed,
    now: Timestamp,
) -> WriteResult<Creation> {
    let opening = Opening {
        area_id: NO_AREA,
        title: &new.title,
        body: &new.body,
    };
    if let Some(answer) = replayed_opening(tx, user, keyed, &opening).await? {
        return Ok(answer);
    }
    if let Some(refusal) = super::members::may_post(tx, user, NO_AREA, now).await? {
        return reject(refusal);
    }
    let to = recipients(tx, user, &new.to).await?;
    let participants: Vec<i64> = std::iter::once(user.id)
        .chain(to.iter().map(|u| u.id))
        .collect();
    insert_opening(tx, user, keyed, &opening, &participants, micros(now)).await
}
