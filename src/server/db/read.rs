//! Queries behind the read endpoints: tree, threads, posts, changes, meta values.

use super::engine::feed_head;
use super::sql::{SqlRow, Tx, params};
use super::store::{ChangesRead, Since};
use super::{DbError, from_micros};
use crate::api;

/// Who is asking: decides whether `client_key` is shown (only to the post's author).
pub type Viewer = Option<i64>;

pub const POST_COLUMNS: &str = "p.id, p.thread_id, p.seq, p.reply_to, u.name, u.badge, \
     p.created_at, p.edited_at, p.body, p.deleted, p.version, p.client_key, p.author_id, p.likes";

pub const THREAD_COLUMNS: &str = "t.id, t.area_id, t.title, u.name, u.badge, t.created_at, \
     t.last_post_at, t.last_seq, t.pinned, t.locked, t.version";

pub fn post_from_row(row: &impl SqlRow, viewer: Viewer) -> Result<api::Post, DbError> {
    let author_id = row.int(12)?;
    Ok(api::Post {
        id: row.text(0)?,
        thread_id: row.text(1)?,
        seq: row.u32(2)?,
        reply_to: row.opt_text(3)?,
        author: api::Author {
            name: row.text(4)?,
            badge: row.opt_text(5)?,
        },
        created_at: from_micros(row.int(6)?)?,
        edited_at: row.opt_int(7)?.map(from_micros).transpose()?,
        body: row.text(8)?,
        deleted: row.bool(9)?,
        version: row.u64(10)?,
        client_key: if viewer == Some(author_id) {
            row.opt_text(11)?
        } else {
            None
        },
        reactions: match row.u64(13)? {
            0 => std::collections::BTreeMap::new(),
            n => std::collections::BTreeMap::from([(api::LIKE.to_owned(), n)]),
        },
        me: Vec::new(),
    })
}

/// Marks the posts `viewer` liked (`me`), reading their likes among `posts`.
async fn mark_mine(tx: &impl Tx, posts: &mut [api::Post], viewer: Viewer) -> Result<(), DbError> {
    let Some(user) = viewer else {
        return Ok(());
    };
    let liked: Vec<&api::Post> = posts.iter().filter(|p| p.likes() > 0).collect();
    let mine: std::collections::HashSet<String> = match liked.as_slice() {
        [] => return Ok(()),
        [one] => tx
            .query(
                "SELECT post_id FROM reactions WHERE user_id = $1 AND post_id = $2 AND kind = $3",
                params![user, &one.id, api::LIKE],
            )
            .await?
            .iter()
            .map(|r| r.text(0))
            .collect::<Result<_, _>>()?,
        [first, .., last] => tx
            .query(
                "SELECT r.post_id FROM reactions r JOIN posts p ON p.id = r.post_id \
                 WHERE r.user_id = $1 AND r.kind = $2 AND p.thread_id = $3 AND p.seq >= $4 AND p.seq <= $5",
                params![user, api::LIKE, &first.thread_id, first.seq, last.seq],
            )
            .await?
            .iter()
            .map(|r| r.text(0))
            .collect::<Result<_, _>>()?,
    };
    for post in posts.iter_mut().filter(|p| mine.contains(&p.id)) {
        post.me = vec![api::LIKE.to_owned()];
    }
    Ok(())
}

pub fn thread_from_row(row: &impl SqlRow) -> Result<api::Thread, DbError> {
    let last_seq = row.u32(7)?;
    Ok(api::Thread {
        id: row.text(0)?,
        area_id: row.text(1)?,
        title: row.text(2)?,
        author: api::Author {
            name: row.text(3)?,
            badge: row.opt_text(4)?,
        },
        created_at: from_micros(row.int(5)?)?,
        last_post_at: from_micros(row.int(6)?)?,
        post_count: last_seq,
        last_seq,
        pinned: row.bool(8)?,
        locked: row.bool(9)?,
        version: row.u64(10)?,
        read_to_seq: None,
        watch: None,
        participants: Vec::new(),
        small_actions: Vec::new(),
    })
}

/// Reads a `meta` value.
pub async fn meta(tx: &impl Tx, key: &str) -> Result<Option<String>, DbError> {
    tx.query_opt("SELECT value FROM meta WHERE key = $1", params![key])
        .await?
        .map(|r| r.text(0))
        .transpose()
}

pub async fn post(tx: &impl Tx, id: &str, viewer: Viewer) -> Result<Option<api::Post>, DbError> {
    let sql = format!(
        "SELECT {POST_COLUMNS} FROM posts p JOIN users u ON u.id = p.author_id WHERE p.id = $1"
    );
    let Some(row) = tx.query_opt(&sql, params![id]).await? else {
        return Ok(None);
    };
    let mut posts = [post_from_row(&row, viewer)?];
    mark_mine(tx, &mut posts, viewer).await?;
    let [post] = posts;
    Ok(Some(post))
}

/// The post's author id, version and whether it is deleted, for edits.
pub async fn post_owner(tx: &impl Tx, id: &str) -> Result<Option<(i64, i64, bool)>, DbError> {
    tx.query_opt(
        "SELECT author_id, version, deleted FROM posts WHERE id = $1",
        params![id],
    )
    .await?
    .map(|r| Ok((r.int(0)?, r.int(1)?, r.bool(2)?)))
    .transpose()
}

pub async fn thread(tx: &impl Tx, id: &str) -> Result<Option<api::Thread>, DbError> {
    let sql = format!(
        "SELECT {THREAD_COLUMNS} FROM threads t JOIN users u ON u.id = t.author_id WHERE t.id = $1"
    );
    let Some(row) = tx.query_opt(&sql, params![id]).await? else {
        return Ok(None);
    };
    let mut thread = thread_from_row(&row)?;
    if super::messages::is_private(&thread) {
        thread.participants = super::messages::participants(tx, id).await?;
    }
    thread.small_actions = super::moderation::small_actions(tx, id).await?;
    Ok(Some(thread))
}

/// A thread as `viewer` may see it: `None` when there is none, or when it is a private
/// message they are not part of.
pub async fn thread_for(
    tx: &impl Tx,
    id: &str,
    viewer: Viewer,
) -> Result<Option<api::Thread>, DbError> {
    if super::access::thread_hidden(tx, id, viewer).await? {
        return Ok(None);
    }
    thread(tx, id).await
}

/// A post as `viewer` may see it (see [`thread_for`]).
pub async fn post_for(
    tx: &impl Tx,
    id: &str,
    viewer: Viewer,
) -> Result<Option<api::Post>, DbError> {
    if super::access::post_hidden(tx, id, viewer).await? {
        return Ok(None);
    }
    post(tx, id, viewer).await
}

/// Posts of a thread with `seq > after`, at most `limit`, and whether more follow.
pub async fn posts_after(
    tx: &impl Tx,
    thread_id: &str,
    after: u32,
    limit: u32,
    viewer: Viewer,
) -> Result<(Vec<api::Post>, bool), DbError> {
    let sql = format!(
        "SELECT {POST_COLUMNS} FROM posts p JOIN users u ON u.id = p.author_id \
         WHERE p.thread_id = $1 AND p.seq > $2 ORDER BY p.seq LIMIT $3"
    );
    let rows = tx
        .query(&sql, params![thread_id, after, i64::from(limit) + 1])
        .await?;
    let more = rows.len() > limit as usize;
    let mut posts: Vec<api::Post> = rows
        .iter()
        .take(limit as usize)
        .map(|r| post_from_row(r, viewer))
        .collect::<Result<_, _>>()?;
    mark_mine(tx, &mut posts, viewer).await?;
    Ok((posts, more))
}

/// Where a page of an area's threads starts: after this thread in activity order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ThreadKey {
    pub last_post_at: i64,
    pub id: String,
}

/// An area's threads, most recently active first, after `key`.
pub async fn threads_in_area(
    tx: &impl Tx,
    area_id: &str,
    after: Option<&ThreadKey>,
    limit: u32,
) -> Result<(Vec<api::Thread>, Option<ThreadKey>), DbError> {
    let (at, id) = after.map_or((i64::MAX, ""), |k| (k.last_post_at, k.id.as_str()));
    let sql = format!(
        "SELECT {THREAD_COLUMNS}, t.last_post_at FROM threads t JOIN users u ON u.id = t.author_id \
         WHERE t.area_id = $1 AND (t.last_post_at < $2 OR (t.last_post_at = $2 AND ($3 = '' OR t.id < $3))) \
         ORDER BY t.last_post_at DESC, t.id DESC LIMIT $4"
    );
    let rows = tx
        .query(&sql, params![area_id, at, id, i64::from(limit) + 1])
        .await?;
    let more = rows.len() > limit as usize;
    let mut threads = Vec::with_capacity(rows.len().min(limit as usize));
    let mut next = None;
    for row in rows.iter().take(limit as usize) {
        let thread = thread_from_row(row)?;
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

pub async fn area_exists(tx: &impl Tx, id: &str) -> Result<bool, DbError> {
    Ok(tx
        .query_opt("SELECT id FROM areas WHERE id = $1", params![id])
        .await?
        .is_some())
}

/// The tree as `viewer` may see it: without the areas they may not read.
pub async fn tree_for(tx: &impl Tx, viewer: Viewer) -> Result<api::Tree, DbError> {
    let hidden = super::access::hidden_areas(tx, viewer).await?;
    let mut tree = tree(tx).await?;
    if !hidden.is_empty() {
        for section in &mut tree.sections {
            section.areas.retain(|a| !hidden.contains(&a.id));
        }
    }
    Ok(tree)
}

/// The whole tree with per-area counts (every area, whoever may read it).
pub async fn tree(tx: &impl Tx) -> Result<api::Tree, DbError> {
    let mut counts = std::collections::HashMap::new();
    let rows = tx
        .query(
            "SELECT area_id, COUNT(*), CAST(SUM(last_seq) AS BIGINT), MAX(last_post_at) \
             FROM threads GROUP BY area_id",
            &[],
        )
        .await?;
    for r in &rows {
        counts.insert(r.text(0)?, (r.int(1)?, r.int(2)?, r.int(3)?));
    }
    let mut sections = tx
        .query("SELECT id, title FROM sections ORDER BY position, id", &[])
        .await?
        .iter()
        .map(|r| {
            Ok(api::Section {
                id: r.text(0)?,
                title: r.text(1)?,
                areas: Vec::new(),
            })
        })
        .collect::<Result<Vec<_>, DbError>>()?;
    let areas = tx
        .query(
            "SELECT id, section_id, title, description, post_role, read_role FROM areas \
             ORDER BY position, id",
            &[],
        )
        .await?;
    for r in &areas {
        let id = r.text(0)?;
        let section = r.text(1)?;
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
            title: r.text(2)?,
            description: r.opt_text(3)?,
            post_role: r.opt_text(4)?.as_deref().and_then(api::Role::parse),
            read_role: r.opt_text(5)?.as_deref().and_then(api::Role::parse),
        });
    }
    let announcement = match meta(tx, "announcement").await? {
        Some(json) => Some(
            serde_json::from_str(&json)
                .map_err(|e| DbError::Corrupt(format!("announcement: {e}")))?,
        ),
        None => None,
    };
    Ok(api::Tree {
        title: meta(tx, "title").await?.unwrap_or_default(),
        sections,
        announcement,
        undated: meta(tx, "undated").await?.as_deref() == Some("true"),
    })
}

/// Changes after `since` in commit order, at most `limit`, each with its entity's
/// current state; whether more follow; the position of the last one read.
pub async fn changes_after(
    tx: &impl Tx,
    since: i64,
    limit: u32,
    viewer: Viewer,
) -> Result<(Vec<api::Change>, bool, Option<i64>), DbError> {
    let rows = tx
        .query(
            "SELECT seq, kind, entity FROM changes WHERE seq > $1 ORDER BY seq LIMIT $2",
            params![since, i64::from(limit) + 1],
        )
        .await?;
    let more = rows.len() > limit as usize;
    let mut last = None;
    let mut out = Vec::with_capacity(rows.len().min(limit as usize));
    // Whether the viewer may see each thread met on this page.
    let mut private = std::collections::HashMap::<String, bool>::new();
    for row in rows.iter().take(limit as usize) {
        last = Some(row.int(0)?);
        let entity = row.text(2)?;
        let change = match row.text(1)?.as_str() {
            "post" => match post(tx, &entity, viewer).await? {
                Some(post) if may_see(tx, &mut private, &post.thread_id, viewer).await? => {
                    Some(api::Change::Post { post })
                }
                _ => None,
            },
            "thread" => match thread(tx, &entity).await? {
                Some(thread) if may_see(tx, &mut private, &thread.id, viewer).await? => {
                    Some(api::Change::Thread { thread })
                }
                _ => None,
            },
            "notification" => super::notifications::feed_entry(tx, &entity, viewer)
                .await?
                .map(|notification| api::Change::Notification { notification }),
            "tree" => Some(api::Change::Tree {
                tree: tree_for(tx, viewer).await?,
            }),
            "read" => super::reading::feed_entry(tx, &entity, viewer)
                .await?
                .map(|read| api::Change::Read { read }),
            "watch" => super::places::watch_entry(tx, &entity, viewer)
                .await?
                .map(|watch| api::Change::Watch { watch }),
            "bookmark" => super::places::bookmark_entry(tx, &entity, viewer)
                .await?
                .map(|bookmark| api::Change::Bookmark { bookmark }),
            _ => None,
        };
        out.extend(change);
    }
    Ok((out, more, last))
}

/// Whether `viewer` may see `thread` (remembered in `seen` for the rest of a page).
async fn may_see(
    tx: &impl Tx,
    seen: &mut std::collections::HashMap<String, bool>,
    thread: &str,
    viewer: Viewer,
) -> Result<bool, DbError> {
    if let Some(known) = seen.get(thread) {
        return Ok(*known);
    }
    let visible = !super::access::thread_hidden(tx, thread, viewer).await?;
    seen.insert(thread.to_owned(), visible);
    Ok(visible)
}

/// How many times the forum's mode was changed (0 before the first).
pub async fn mode_version(tx: &impl Tx) -> Result<u64, DbError> {
    Ok(meta(tx, "mode_version")
        .await?
        .and_then(|v| v.parse().ok())
        .unwrap_or(0))
}

/// The highest change position pruned from the log (0 when none was).
pub async fn changes_horizon(tx: &impl Tx) -> Result<i64, DbError> {
    Ok(meta(tx, "changes_horizon")
        .await?
        .and_then(|v| v.parse().ok())
        .unwrap_or(0))
}

/// A page of the feed from `since`, checked against the log's horizon and head, read in
/// the caller's snapshot so head and page agree.
pub async fn changes_from(
    tx: &impl Tx,
    since: Since,
    limit: u32,
    viewer: Viewer,
) -> Result<ChangesRead, DbError> {
    let head = feed_head(tx).await?;
    let from = match since {
        Since::Now => head,
        Since::Seq(seq) => seq,
    };
    if from < changes_horizon(tx).await? {
        return Ok(ChangesRead::Expired(
            "changes after this cursor were forgotten (older than the retention); take a fresh snapshot",
        ));
    }
    if from > head {
        return Ok(ChangesRead::Expired(
            "this cursor is ahead of the server's log; take a fresh snapshot",
        ));
    }
    let (changes, has_more, last) = changes_after(tx, from, limit, viewer).await?;
    Ok(ChangesRead::Page {
        changes,
        has_more,
        next: last.unwrap_or(from),
    })
}
