//! Queries behind the read endpoints: tree, threads, posts, changes, users.

use super::{DbError, from_micros, meta};
use crate::api;
use rusqlite::{Connection, OptionalExtension, Row, params};

/// Who is asking: decides whether `client_key` is shown (only to the post's author).
pub type Viewer = Option<i64>;

pub const POST_COLUMNS: &str = "p.id, p.thread_id, p.seq, p.reply_to, u.name, u.badge, \
     p.created_at, p.edited_at, p.body, p.deleted, p.version, p.client_key, p.author_id";

pub const THREAD_COLUMNS: &str = "t.id, t.area_id, t.title, u.name, u.badge, t.created_at, \
     t.last_post_at, t.last_seq, t.pinned, t.locked, t.version";

pub fn post_from_row(row: &Row<'_>, viewer: Viewer) -> rusqlite::Result<api::Post> {
    let author_id: i64 = row.get(12)?;
    let seq: i64 = row.get(2)?;
    Ok(api::Post {
        id: row.get(0)?,
        thread_id: row.get(1)?,
        seq: u32::try_from(seq).unwrap_or(u32::MAX),
        reply_to: row.get(3)?,
        author: api::Author {
            name: row.get(4)?,
            badge: row.get(5)?,
        },
        created_at: from_micros(row.get(6)?)?,
        edited_at: row.get::<_, Option<i64>>(7)?.map(from_micros).transpose()?,
        body: row.get(8)?,
        deleted: row.get(9)?,
        version: row.get::<_, i64>(10)?.try_into().unwrap_or(0),
        client_key: if viewer == Some(author_id) {
            row.get(11)?
        } else {
            None
        },
    })
}

pub fn thread_from_row(row: &Row<'_>) -> rusqlite::Result<api::Thread> {
    let last_seq = u32::try_from(row.get::<_, i64>(7)?).unwrap_or(u32::MAX);
    Ok(api::Thread {
        id: row.get(0)?,
        area_id: row.get(1)?,
        title: row.get(2)?,
        author: api::Author {
            name: row.get(3)?,
            badge: row.get(4)?,
        },
        created_at: from_micros(row.get(5)?)?,
        last_post_at: from_micros(row.get(6)?)?,
        post_count: last_seq,
        last_seq,
        pinned: row.get(8)?,
        locked: row.get(9)?,
        version: row.get::<_, i64>(10)?.try_into().unwrap_or(0),
    })
}

pub fn post(conn: &Connection, id: &str, viewer: Viewer) -> Result<Option<api::Post>, DbError> {
    let sql = format!(
        "SELECT {POST_COLUMNS} FROM posts p JOIN users u ON u.id = p.author_id WHERE p.id = ?1"
    );
    Ok(conn
        .prepare_cached(&sql)?
        .query_row([id], |r| post_from_row(r, viewer))
        .optional()?)
}

/// The post's author id and version, for edits.
pub fn post_owner(conn: &Connection, id: &str) -> Result<Option<(i64, i64, bool)>, DbError> {
    Ok(conn
        .prepare_cached("SELECT author_id, version, deleted FROM posts WHERE id = ?1")?
        .query_row([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .optional()?)
}

pub fn thread(conn: &Connection, id: &str) -> Result<Option<api::Thread>, DbError> {
    let sql = format!(
        "SELECT {THREAD_COLUMNS} FROM threads t JOIN users u ON u.id = t.author_id WHERE t.id = ?1"
    );
    Ok(conn
        .prepare_cached(&sql)?
        .query_row([id], thread_from_row)
        .optional()?)
}

/// Posts of a thread with `seq > after`, at most `limit`, and whether more follow.
pub fn posts_after(
    conn: &Connection,
    thread_id: &str,
    after: u32,
    limit: u32,
    viewer: Viewer,
) -> Result<(Vec<api::Post>, bool), DbError> {
    let sql = format!(
        "SELECT {POST_COLUMNS} FROM posts p JOIN users u ON u.id = p.author_id \
         WHERE p.thread_id = ?1 AND p.seq > ?2 ORDER BY p.seq LIMIT ?3"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let mut posts = stmt
        .query_map(params![thread_id, after, i64::from(limit) + 1], |r| {
            post_from_row(r, viewer)
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let more = posts.len() > limit as usize;
    posts.truncate(limit as usize);
    Ok((posts, more))
}

/// Where a page of an area's threads starts: after this thread in activity order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ThreadKey {
    pub last_post_at: i64,
    pub id: String,
}

/// An area's threads, most recently active first, after `key`.
pub fn threads_in_area(
    conn: &Connection,
    area_id: &str,
    after: Option<&ThreadKey>,
    limit: u32,
) -> Result<(Vec<api::Thread>, Option<ThreadKey>), DbError> {
    let (at, id) = after.map_or((i64::MAX, String::new()), |k| {
        (k.last_post_at, k.id.clone())
    });
    let sql = format!(
        "SELECT {THREAD_COLUMNS}, t.last_post_at FROM threads t JOIN users u ON u.id = t.author_id \
         WHERE t.area_id = ?1 AND (t.last_post_at < ?2 OR (t.last_post_at = ?2 AND (?3 = '' OR t.id < ?3))) \
         ORDER BY t.last_post_at DESC, t.id DESC LIMIT ?4"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let mut rows = stmt
        .query_map(params![area_id, at, id, i64::from(limit) + 1], |r| {
            Ok((thread_from_row(r)?, r.get::<_, i64>(11)?))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let more = rows.len() > limit as usize;
    rows.truncate(limit as usize);
    let next = if more {
        rows.last().map(|(t, at)| ThreadKey {
            last_post_at: *at,
            id: t.id.clone(),
        })
    } else {
        None
    };
    Ok((rows.into_iter().map(|(t, _)| t).collect(), next))
}

pub fn area_exists(conn: &Connection, id: &str) -> Result<bool, DbError> {
    Ok(conn
        .prepare_cached("SELECT 1 FROM areas WHERE id = ?1")?
        .query_row([id], |_| Ok(()))
        .optional()?
        .is_some())
}

/// The whole tree with per-area counts.
pub fn tree(conn: &Connection) -> Result<api::Tree, DbError> {
    let mut counts = std::collections::HashMap::new();
    {
        let mut stmt = conn.prepare_cached(
            "SELECT area_id, COUNT(*), SUM(last_seq), MAX(last_post_at) FROM threads GROUP BY area_id",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, i64>(2)?,
                r.get::<_, i64>(3)?,
            ))
        })?;
        for row in rows {
            let (area, threads, posts, last) = row?;
            counts.insert(area, (threads, posts, last));
        }
    }
    let mut sections: Vec<api::Section> = conn
        .prepare_cached("SELECT id, title FROM sections ORDER BY position, id")?
        .query_map([], |r| {
            Ok(api::Section {
                id: r.get(0)?,
                title: r.get(1)?,
                areas: Vec::new(),
            })
        })?
        .collect::<Result<_, _>>()?;
    let mut stmt = conn.prepare_cached(
        "SELECT id, section_id, title, description FROM areas ORDER BY position, id",
    )?;
    let areas = stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(1)?,
            r.get::<_, String>(0)?,
            r.get::<_, String>(2)?,
            r.get::<_, Option<String>>(3)?,
        ))
    })?;
    for area in areas {
        let (section, id, title, description) = area?;
        let (threads, posts, last) = counts.get(&id).copied().unwrap_or((0, 0, i64::MIN));
        let Some(s) = sections.iter_mut().find(|s| s.id == section) else {
            continue;
        };
        s.areas.push(api::Area {
            thread_count: threads.try_into().unwrap_or(0),
            post_count: posts.try_into().unwrap_or(0),
            last_post_at: if last == i64::MIN {
                None
            } else {
                Some(from_micros(last)?)
            },
            id,
            title,
            description,
        });
    }
    let announcement = match meta(conn, "announcement")? {
        Some(json) => Some(
            serde_json::from_str(&json)
                .map_err(|e| DbError::Corrupt(format!("announcement: {e}")))?,
        ),
        None => None,
    };
    Ok(api::Tree {
        title: meta(conn, "title")?.unwrap_or_default(),
        sections,
        announcement,
        undated: meta(conn, "undated")?.as_deref() == Some("true"),
    })
}

/// Changes after `since` in commit order, at most `limit`, each with its entity's
/// current state; whether more follow; the sequence number of the last one read.
pub fn changes_after(
    conn: &Connection,
    since: i64,
    limit: u32,
    viewer: Viewer,
) -> Result<(Vec<api::Change>, bool, Option<i64>), DbError> {
    let mut stmt = conn.prepare_cached(
        "SELECT seq, kind, entity FROM changes WHERE seq > ?1 ORDER BY seq LIMIT ?2",
    )?;
    let mut rows = stmt
        .query_map(params![since, i64::from(limit) + 1], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
            ))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let more = rows.len() > limit as usize;
    rows.truncate(limit as usize);
    let last = rows.last().map(|(seq, _, _)| *seq);
    let mut out = Vec::with_capacity(rows.len());
    for (_, kind, entity) in rows {
        let change = match kind.as_str() {
            "post" => post(conn, &entity, viewer)?.map(|post| api::Change::Post { post }),
            "thread" => thread(conn, &entity)?.map(|thread| api::Change::Thread { thread }),
            _ => None,
        };
        out.extend(change);
    }
    Ok((out, more, last))
}

/// The highest change sequence number pruned from the log (0 when none was).
pub fn changes_horizon(conn: &Connection) -> Result<i64, DbError> {
    Ok(meta(conn, "changes_horizon")?
        .and_then(|v| v.parse().ok())
        .unwrap_or(0))
}
