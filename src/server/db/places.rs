//! Per-user watch levels (per thread and per area) and bookmarks (a post, an optional
//! note), each kept with the time of its latest change (the latest change wins, so marks
//! queued offline on two devices settle the same everywhere), shown in their owner's
//! changes feed only.
//!
//! Feed entries are named after their owner: `watch` entities `<user>/<thread|area>/<id>`,
//! `bookmark` entities `<user>/<post id>`; the feed hands them to their owner and skips
//! them for everyone else. A removed bookmark stays as a row marked removed, so an older
//! "bookmark" that arrives after the removal loses, and the feed can say it is gone.

use super::read;
use super::sql::{SqlRow, Tx, params};
use super::users::UserInfo;
use super::write::{
    Creation, Keyed, WriteResult, record_changes, reject, remember, stored_answer, to_json,
};
use super::{DbError, from_micros, micros};
use crate::api::{self, Problem, ProblemCode};
use crate::model::{WatchLevel, WatchTarget};
use jiff::Timestamp;
use std::collections::BTreeMap;

fn watch_entity(user: i64, target: &WatchTarget) -> String {
    format!("{user}/{}/{}", target.kind(), target.id())
}

fn level_of(text: &str) -> Result<WatchLevel, DbError> {
    WatchLevel::parse(text).ok_or_else(|| DbError::Corrupt(format!("watch level {text:?}")))
}

/// `user`'s watch on `target`, when they set one.
async fn watch(
    tx: &impl Tx,
    user: i64,
    target: &WatchTarget,
) -> Result<Option<api::Watch>, DbError> {
    let row = tx
        .query_opt(
            "SELECT level, set_at FROM watches \
             WHERE user_id = $1 AND target = $2 AND target_id = $3",
            params![user, target.kind(), target.id()],
        )
        .await?;
    row.map(|r| {
        Ok(api::Watch {
            on: target.kind().to_owned(),
            id: target.id().to_owned(),
            level: level_of(&r.text(0)?)?,
            at: from_micros(r.int(1)?)?,
        })
    })
    .transpose()
}

/// `PUT /threads/{id}/watch` and `PUT /areas/{id}/watch`: sets the level unless a later
/// change stands (the stored answer again for a key seen before). A change's time is
/// never later than `now`.
pub async fn put_watch(
    tx: &impl Tx,
    user: &UserInfo,
    target: &WatchTarget,
    level: WatchLevel,
    at: Timestamp,
    keyed: &Keyed,
    now: Timestamp,
) -> WriteResult<Creation> {
    if let Some(answer) = stored_answer(tx, user, keyed).await? {
        return Ok(answer);
    }
    let exists = match target {
        WatchTarget::Thread(id) => read::thread_for(tx, id.as_str(), Some(user.id))
            .await?
            .is_some(),
        WatchTarget::Area(id) => {
            read::area_exists(tx, id.as_str()).await?
                && !super::access::area_hidden(tx, id.as_str(), Some(user.id)).await?
        }
    };
    if !exists {
        let code = match target {
            WatchTarget::Thread(_) => ProblemCode::ThreadNotFound,
            WatchTarget::Area(_) => ProblemCode::AreaNotFound,
        };
        return reject(Problem::new(code).detail(format!("no {target}")));
    }
    let at = at.min(now);
    let current = watch(tx, user.id, target).await?;
    let stands = match current {
        Some(current) if current.at >= at => current,
        _ => {
            tx.execute(
                "INSERT INTO watches (user_id, target, target_id, level, set_at) \
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (user_id, target, target_id) \
                 DO UPDATE SET level = excluded.level, set_at = excluded.set_at",
                params![
                    user.id,
                    target.kind(),
                    target.id(),
                    level.as_str(),
                    micros(at)
                ],
            )
            .await?;
            record_changes(
                tx,
                &[("watch", &watch_entity(user.id, target))],
                micros(now),
            )
            .await?;
            api::Watch {
                on: target.kind().to_owned(),
                id: target.id().to_owned(),
                level,
                at,
            }
        }
    };
    let body = to_json(&stands)?;
    remember(tx, user, keyed, 200, &body, micros(now)).await?;
    Ok(Creation {
        status: 200,
        body,
        replayed: false,
    })
}

/// The watch levels a user set: (thread id → level, area id → level).
pub type Levels = (BTreeMap<String, WatchLevel>, BTreeMap<String, WatchLevel>);

/// The watch levels `user` set on threads and on areas.
pub async fn levels_of(tx: &impl Tx, user: i64) -> Result<Levels, DbError> {
    let rows = tx
        .query(
            "SELECT target, target_id, level FROM watches WHERE user_id = $1",
            params![user],
        )
        .await?;
    let (mut threads, mut areas) = (BTreeMap::new(), BTreeMap::new());
    for r in &rows {
        let level = level_of(&r.text(2)?)?;
        match r.text(0)?.as_str() {
            "thread" => threads.insert(r.text(1)?, level),
            _ => areas.insert(r.text(1)?, level),
        };
    }
    Ok((threads, areas))
}

/// Sets each thread's `watch` from the levels its reader set (what applies: the thread's
/// own level, else its area's, else normal).
pub fn mark_watch(levels: &Levels, threads: &mut [api::Thread]) {
    let (own, areas) = levels;
    for thread in threads {
        thread.watch = Some(
            own.get(&thread.id)
                .or_else(|| areas.get(&thread.area_id))
                .copied()
                .unwrap_or_default(),
        );
    }
}

fn bookmark_of(row: &impl SqlRow, post: String) -> Result<api::Bookmark, DbError> {
    Ok(api::Bookmark {
        post_id: post,
        thread_id: row.text(0)?,
        note: row.opt_text(1)?,
        at: from_micros(row.int(2)?)?,
        removed: row.bool(3)?,
    })
}

async fn bookmark(tx: &impl Tx, user: i64, post: &str) -> Result<Option<api::Bookmark>, DbError> {
    let row = tx
        .query_opt(
            "SELECT thread_id, note, set_at, removed FROM bookmarks \
             WHERE user_id = $1 AND post_id = $2",
            params![user, post],
        )
        .await?;
    row.map(|r| bookmark_of(&r, post.to_owned())).transpose()
}

/// `GET /bookmarks`: `user`'s bookmarks in place, newest first.
pub async fn bookmarks(tx: &impl Tx, user: i64) -> Result<api::Bookmarks, DbError> {
    let rows = tx
        .query(
            "SELECT thread_id, note, set_at, removed, post_id FROM bookmarks \
             WHERE user_id = $1 AND removed = $2 ORDER BY set_at DESC, post_id",
            params![user, false],
        )
        .await?;
    let mut bookmarks = Vec::with_capacity(rows.len());
    for row in &rows {
        // A bookmark in an area the user may no longer read is left out.
        if !super::access::thread_hidden(tx, &row.text(0)?, Some(user)).await? {
            bookmarks.push(bookmark_of(row, row.text(4)?)?);
        }
    }
    Ok(api::Bookmarks { bookmarks })
}

/// What a bookmark write asks.
#[derive(Clone, Debug)]
pub enum BookmarkChange {
    Set { note: Option<String> },
    Remove,
}

/// `POST /bookmarks` and `DELETE /bookmarks/{post_id}`: sets or removes `user`'s bookmark
/// on `post` unless a later change stands (the stored answer again for a key seen
/// before). Removing a bookmark that never was is no error.
pub async fn change_bookmark(
    tx: &impl Tx,
    user: &UserInfo,
    post: &str,
    change: BookmarkChange,
    at: Timestamp,
    keyed: &Keyed,
    now: Timestamp,
) -> WriteResult<Creation> {
    if let Some(answer) = stored_answer(tx, user, keyed).await? {
        return Ok(answer);
    }
    let Some(found) = read::post_for(tx, post, Some(user.id)).await? else {
        return reject(Problem::new(ProblemCode::PostNotFound).detail(format!("no post {post:?}")));
    };
    let at = at.min(now);
    let (note, removed) = match change {
        BookmarkChange::Set { note } => (note, false),
        BookmarkChange::Remove => (None, true),
    };
    let stands = match bookmark(tx, user.id, post).await? {
        Some(current) if current.at >= at => current,
        _ => {
            {
                tx.execute(
                    "INSERT INTO bookmarks (user_id, post_id, thread_id, note, set_at, removed) \
                     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (user_id, post_id) DO UPDATE \
                     SET note = excluded.note, set_at = excluded.set_at, \
                     removed = excluded.removed",
                    params![
                        user.id,
                        post,
                        &found.thread_id,
                        note.as_deref(),
                        micros(at),
                        removed
                    ],
                )
                .await?;
                let entity = format!("{}/{post}", user.id);
                record_changes(tx, &[("bookmark", &entity)], micros(now)).await?;
            }
            api::Bookmark {
                post_id: post.to_owned(),
                thread_id: found.thread_id,
                note,
                at,
                removed,
            }
        }
    };
    let body = to_json(&stands)?;
    remember(tx, user, keyed, 200, &body, micros(now)).await?;
    Ok(Creation {
        status: 200,
        body,
        replayed: false,
    })
}

/// The owner of a per-user feed entity (`<user>/…`), when it is `viewer`: the rest.
fn owned(entity: &str, viewer: Option<i64>) -> Option<&str> {
    let (user, rest) = entity.split_once('/')?;
    (user.parse::<i64>().ok()? == viewer?).then_some(rest)
}

/// The feed's `watch` entry named `entity`, for its owner only.
pub async fn watch_entry(
    tx: &impl Tx,
    entity: &str,
    viewer: Option<i64>,
) -> Result<Option<api::Watch>, DbError> {
    let (Some(rest), Some(user)) = (owned(entity, viewer), viewer) else {
        return Ok(None);
    };
    let target = match rest.split_once('/') {
        Some(("thread", id)) => WatchTarget::Thread(id.into()),
        Some(("area", id)) => WatchTarget::Area(id.into()),
        _ => return Ok(None),
    };
    watch(tx, user, &target).await
}

/// The feed's `bookmark` entry named `entity`, for its owner only.
pub async fn bookmark_entry(
    tx: &impl Tx,
    entity: &str,
    viewer: Option<i64>,
) -> Result<Option<api::Bookmark>, DbError> {
    let (Some(post), Some(user)) = (owned(entity, viewer), viewer) else {
        return Ok(None);
    };
    if super::access::post_hidden(tx, post, Some(user)).await? {
        return Ok(None);
    }
    bookmark(tx, user, post).await
}
