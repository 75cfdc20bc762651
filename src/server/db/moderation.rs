//! Moderation: lock, pin and move threads, by a moderator or an admin over the API or by
//! the operator on the command line; every action is logged (who, what, when) and the
//! thread enters the changes feed, so syncing clients see it.

use super::read;
use super::sql::{SqlRow, Tx, params};
use super::users::UserInfo;
use super::write::{WriteResult, record_changes};
use super::{DbError, WriteFailure, from_micros, micros};
use crate::api::{self, Problem, ProblemCode};
use jiff::Timestamp;

/// Who acts: a user (checked to be a moderator or an admin), or the operator at the
/// command line (who holds the store and needs no role).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Actor {
    User(UserInfo),
    Operator,
}

/// The name the log gives the command line.
pub const OPERATOR: &str = "(operator)";

impl Actor {
    fn name(&self) -> &str {
        match self {
            Actor::User(user) => &user.name,
            Actor::Operator => OPERATOR,
        }
    }
}

fn reject<T>(problem: Problem) -> WriteResult<T> {
    Err(WriteFailure::Rejected(Box::new(problem)))
}

/// Whether the user may moderate: an admin, or a moderator.
pub async fn may_moderate(tx: &impl Tx, user: &UserInfo) -> Result<bool, DbError> {
    if user.admin {
        return Ok(true);
    }
    Ok(tx
        .query_opt(
            "SELECT moderator FROM users WHERE id = $1",
            params![user.id],
        )
        .await?
        .map(|r| r.bool(0))
        .transpose()?
        .unwrap_or(false))
}

pub(super) fn forbidden() -> Problem {
    Problem::new(ProblemCode::Forbidden)
        .detail("only a moderator or an admin can do this (role needed: moderator)")
}

/// Locks, pins or moves a thread; answers the thread as it is now.
pub async fn moderate_thread(
    tx: &impl Tx,
    actor: &Actor,
    thread_id: &str,
    change: &api::ThreadModeration,
    now: Timestamp,
) -> WriteResult<api::Thread> {
    if let Actor::User(user) = actor
        && !may_moderate(tx, user).await?
    {
        return reject(forbidden());
    }
    // A moderator who is not part of a private message does not learn it exists.
    let visible = match actor {
        Actor::User(user) => !super::access::thread_hidden(tx, thread_id, Some(user.id)).await?,
        Actor::Operator => true,
    };
    let Some(thread) = read::thread(tx, thread_id).await?.filter(|_| visible) else {
        return reject(
            Problem::new(ProblemCode::ThreadNotFound).detail(format!("no thread {thread_id:?}")),
        );
    };
    if super::messages::is_private(&thread) && change.area_id.is_some() {
        return reject(Problem::new(ProblemCode::ValidationFailed).field(
            "area_id",
            api::FieldErrorCode::Invalid,
            "a private message stays private: it cannot move into an area",
        ));
    }
    let area_hidden = match (actor, &change.area_id) {
        (Actor::User(user), Some(area)) => {
            super::access::area_hidden(tx, area, Some(user.id)).await?
        }
        _ => false,
    };
    if let Some(area) = &change.area_id
        && (area_hidden || !read::area_exists(tx, area).await?)
    {
        return reject(Problem::new(ProblemCode::AreaNotFound).detail(format!("no area {area:?}")));
    }
    let mut actions: Vec<(&str, Option<String>)> = Vec::new();
    if let Some(locked) = change.locked.filter(|l| *l != thread.locked) {
        actions.push((if locked { "lock" } else { "unlock" }, None));
    }
    if let Some(pinned) = change.pinned.filter(|p| *p != thread.pinned) {
        actions.push((if pinned { "pin" } else { "unpin" }, None));
    }
    if let Some(area) = change.area_id.as_ref().filter(|a| **a != thread.area_id) {
        actions.push(("move", Some(format!("from {} to {area}", thread.area_id))));
    }
    if actions.is_empty() {
        return Ok(thread);
    }
    let at = micros(now);
    tx.execute(
        "UPDATE threads SET locked = $2, pinned = $3, area_id = $4, version = version + 1 WHERE id = $1",
        params![
            thread_id,
            change.locked.unwrap_or(thread.locked),
            change.pinned.unwrap_or(thread.pinned),
            change.area_id.as_deref().unwrap_or(&thread.area_id),
        ],
    )
    .await?;
    for (action, detail) in &actions {
        let entry = Logged {
            actor: actor.name(),
            action,
            target: thread_id,
            detail: detail.as_deref(),
            thread: Some(thread_id),
        };
        log(tx, at, entry).await?;
    }
    record_changes(tx, &[("thread", thread_id)], at).await?;
    Ok(read::thread(tx, thread_id)
        .await?
        .ok_or_else(|| DbError::Other("a moderated thread vanished".into()))?)
}

/// Longest reason for hiding a post.
pub const MAX_REASON_CHARS: usize = 500;

/// What readers see instead of a hidden post.
pub fn hidden_stub(reason: &str) -> String {
    format!("*Hidden by a moderator: {reason}*")
}

/// Hides a post (its words kept aside, a stub with the reason shown instead) or shows it
/// again; answers the post as readers now see it.
pub async fn moderate_post(
    tx: &impl Tx,
    actor: &Actor,
    post_id: &str,
    change: &api::PostModeration,
    now: Timestamp,
) -> WriteResult<api::Post> {
    if let Actor::User(user) = actor
        && !may_moderate(tx, user).await?
    {
        return reject(forbidden());
    }
    if let Actor::User(user) = actor
        && super::access::post_hidden(tx, post_id, Some(user.id)).await?
    {
        return reject(
            Problem::new(ProblemCode::PostNotFound).detail(format!("no post {post_id:?}")),
        );
    }
    let Some(row) = tx
        .query_opt(
            "SELECT thread_id, deleted, hidden_body IS NOT NULL, hidden_reason FROM posts \
             WHERE id = $1",
            params![post_id],
        )
        .await?
    else {
        return reject(
            Problem::new(ProblemCode::PostNotFound).detail(format!("no post {post_id:?}")),
        );
    };
    let (thread, deleted, hidden) = (row.text(0)?, row.bool(1)?, row.bool(2)?);
    let hidden_reason = row.opt_text(3)?;
    if deleted {
        return reject(
            Problem::new(ProblemCode::PostDeleted).detail("a deleted post has nothing to hide"),
        );
    }
    let at = micros(now);
    if change.hidden {
        let reason = change.reason.as_deref().map(str::trim).unwrap_or_default();
        let reason = crate::text::sanitize::clean_line(reason).into_owned();
        if reason.is_empty() || reason.chars().count() > MAX_REASON_CHARS {
            return reject(Problem::new(ProblemCode::ValidationFailed).field(
                "reason",
                api::FieldErrorCode::Invalid,
                format!("say why, in 1 to {MAX_REASON_CHARS} characters: readers see it"),
            ));
        }
        // The same hiding asked again (a resend after a lost answer): a state, not a
        // step, so nothing changes and nothing is logged twice.
        if hidden && hidden_reason.as_deref() == Some(reason.as_str()) {
            return Ok(read::post(tx, post_id, None)
                .await?
                .ok_or_else(|| DbError::Other("a moderated post vanished".into()))?);
        }
        let keep = if hidden { "hidden_body" } else { "body" };
        tx.execute(
            &format!(
                "UPDATE posts SET hidden_body = {keep}, hidden_reason = $2, body = $3, \
                 version = version + 1 WHERE id = $1"
            ),
            params![post_id, reason.as_str(), hidden_stub(&reason).as_str()],
        )
        .await?;
        let entry = Logged {
            actor: actor.name(),
            action: "hide",
            target: post_id,
            detail: Some(&reason),
            thread: Some(&thread),
        };
        log(tx, at, entry).await?;
    } else if hidden {
        tx.execute(
            "UPDATE posts SET body = hidden_body, hidden_body = NULL, hidden_reason = NULL, \
             version = version + 1 WHERE id = $1",
            params![post_id],
        )
        .await?;
        let entry = Logged {
            actor: actor.name(),
            action: "unhide",
            target: post_id,
            detail: None,
            thread: Some(&thread),
        };
        log(tx, at, entry).await?;
    }
    if change.hidden || hidden {
        super::write::record_post_change(tx, post_id, &thread, at).await?;
    }
    Ok(read::post(tx, post_id, None)
        .await?
        .ok_or_else(|| DbError::Other("a moderated post vanished".into()))?)
}

/// Silences a user until `until` (they read, they may not post) or, with `None`, lets
/// them post again; answers the user as they are now. Asked for the end they already
/// have, nothing changes and nothing is logged. Admins are never silenced, and only
/// an admin silences a moderator.
pub async fn silence_user(
    tx: &impl Tx,
    actor: &Actor,
    name: &str,
    until: Option<Timestamp>,
    now: Timestamp,
) -> WriteResult<UserInfo> {
    if let Actor::User(user) = actor
        && !may_moderate(tx, user).await?
    {
        return reject(forbidden());
    }
    let Some((target, _)) = super::users::user_by_name(tx, name).await? else {
        return reject(Problem::new(ProblemCode::NotFound).detail(format!("no user {name:?}")));
    };
    let outranked = match actor {
        Actor::User(user) if !user.admin => target.role >= api::Role::Moderator,
        _ => false,
    };
    if outranked || target.role == api::Role::Admin {
        return reject(Problem::new(ProblemCode::Forbidden).detail(format!(
            "{} is a {}: only an admin silences a moderator, and nobody silences an admin",
            target.name, target.role
        )));
    }
    if until.is_some_and(|u| u <= now) {
        return reject(Problem::new(ProblemCode::ValidationFailed).field(
            "silenced_until",
            api::FieldErrorCode::Invalid,
            "a silence ends in the future; send null to end it now",
        ));
    }
    let stored = until.map(micros);
    if target.silenced_until == stored {
        // A state, not a step: the same end again (a client's resend after a lost answer)
        // changes and logs nothing.
        return Ok(target);
    }
    tx.execute(
        "UPDATE users SET silenced_until = $2 WHERE id = $1",
        params![target.id, stored],
    )
    .await?;
    let at = micros(now);
    let detail = until.map(|u| format!("until {}", u.strftime("%Y-%m-%d %H:%M UTC")));
    let entry = Logged {
        actor: actor.name(),
        action: if until.is_some() {
            "silence"
        } else {
            "unsilence"
        },
        target: &target.name,
        detail: detail.as_deref(),
        thread: None,
    };
    log(tx, at, entry).await?;
    Ok(UserInfo {
        silenced_until: stored,
        ..target
    })
}

/// Whether a moderator hid this post (its author may not edit it then).
pub async fn is_hidden(tx: &impl Tx, post_id: &str) -> Result<bool, DbError> {
    Ok(tx
        .query_opt(
            "SELECT id FROM posts WHERE id = $1 AND hidden_body IS NOT NULL",
            params![post_id],
        )
        .await?
        .is_some())
}

/// One log entry: what `actor` did to `target`, in `thread` when it touched one (the
/// thread then shows it as a small action).
#[derive(Clone, Copy, Debug)]
pub struct Logged<'a> {
    pub actor: &'a str,
    pub action: &'a str,
    pub target: &'a str,
    pub detail: Option<&'a str>,
    pub thread: Option<&'a str>,
}

/// Writes one log entry at `at`.
pub async fn log(tx: &impl Tx, at: i64, entry: Logged<'_>) -> Result<(), DbError> {
    tx.execute(
        "INSERT INTO mod_log (seq, at, actor, action, target, detail, thread_id) \
         VALUES ((SELECT COALESCE(MAX(seq), 0) + 1 FROM mod_log), $1, $2, $3, $4, $5, $6)",
        params![
            at,
            entry.actor,
            entry.action,
            entry.target,
            entry.detail,
            entry.thread
        ],
    )
    .await?;
    Ok(())
}

/// The small actions of a thread, oldest first.
pub async fn small_actions(tx: &impl Tx, thread: &str) -> Result<Vec<api::SmallAction>, DbError> {
    tx.query(
        "SELECT m.at, m.actor, m.action, m.detail, p.seq FROM mod_log m \
         LEFT JOIN posts p ON p.id = m.target AND m.action IN ('hide', 'unhide') \
         WHERE m.thread_id = $1 ORDER BY m.seq",
        params![thread],
    )
    .await?
    .iter()
    .map(|r| {
        Ok(api::SmallAction {
            at: from_micros(r.int(0)?)?,
            actor: r.text(1)?,
            action: r.text(2)?,
            detail: r.opt_text(3)?,
            post_seq: r.opt_int(4)?.and_then(|s| u32::try_from(s).ok()),
        })
    })
    .collect()
}

/// The newest `limit` log entries, newest first.
pub async fn log_entries(tx: &impl Tx, limit: u32) -> Result<Vec<api::LogEntry>, DbError> {
    tx.query(
        "SELECT at, actor, action, target, detail FROM mod_log ORDER BY seq DESC LIMIT $1",
        params![limit],
    )
    .await?
    .iter()
    .map(|r| {
        Ok(api::LogEntry {
            at: from_micros(r.int(0)?)?,
            actor: r.text(1)?,
            action: r.text(2)?,
            target: r.text(3)?,
            detail: r.opt_text(4)?,
        })
    })
    .collect()
}

/// Makes a user a moderator or not; false when there is no such user.
pub async fn set_moderator(tx: &impl Tx, name: &str, moderator: bool) -> Result<bool, DbError> {
    let sql = match tx.dialect() {
        super::sql::Dialect::Sqlite => "UPDATE users SET moderator = $2 WHERE name = $1",
        super::sql::Dialect::Postgres => {
            "UPDATE users SET moderator = $2 WHERE lower(name) = lower($1)"
        }
    };
    Ok(tx.execute(sql, params![name, moderator]).await? > 0)
}

/// The names of the moderators.
pub async fn moderators(tx: &impl Tx) -> Result<Vec<String>, DbError> {
    tx.query(
        "SELECT name FROM users WHERE moderator ORDER BY lower(name), name",
        &[],
    )
    .await?
    .iter()
    .map(|r| r.text(0))
    .collect()
}
