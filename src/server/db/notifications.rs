//! Notifications the server makes when a post is written — a reply to your post, a post
//! mentioning `@you`, a post quoting yours, a post in a private message you take part
//! in — one per user and post, in that user's changes feed only.
//!
//! A notification's feed entry is named `<user id>/<notification id>`: the feed hands it
//! to its owner and skips it for everyone else. Marking it read puts it in the feed again.

use super::mentions;
use super::messages;
use super::sql::{SqlRow, Tx, params};
use super::write::record_changes;
use super::{DbError, from_micros};
use crate::api::{self, NotificationKind};

/// Characters of a post shown in its notification.
pub const EXCERPT_CHARS: usize = 140;

/// At most this many ids per `PUT /notifications/read`.
pub const MAX_IDS: usize = 1000;

fn entity(user: i64, id: &str) -> String {
    format!("{user}/{id}")
}

const COLUMNS: &str = "n.id, n.kind, n.created_at, n.read_at, p.id, p.thread_id, p.seq, \
     p.body, p.deleted, u.name, u.badge, t.title, t.area_id";

const FROM: &str = "FROM notifications n JOIN posts p ON p.id = n.post_id \
     JOIN threads t ON t.id = p.thread_id JOIN users u ON u.id = p.author_id";

fn from_row(row: &impl SqlRow) -> Result<api::Notification, DbError> {
    let deleted = row.bool(8)?;
    Ok(api::Notification {
        id: row.text(0)?,
        kind: NotificationKind::parse(&row.text(1)?),
        created_at: from_micros(row.int(2)?)?,
        read: row.opt_int(3)?.is_some(),
        post_id: row.text(4)?,
        thread_id: row.text(5)?,
        seq: row.u32(6)?,
        excerpt: if deleted {
            String::new()
        } else {
            mentions::excerpt(&row.text(7)?, EXCERPT_CHARS)
        },
        author: api::Author {
            name: row.text(9)?,
            badge: row.opt_text(10)?,
        },
        thread_title: row.text(11)?,
    })
}

/// The user ids of the names, found and not disabled.
async fn users_named(tx: &impl Tx, names: &[String]) -> Result<Vec<i64>, DbError> {
    let mut ids = Vec::new();
    for name in names {
        if let Some((user, _)) = super::users::user_by_name(tx, name).await?
            && !user.disabled
        {
            ids.push(user.id);
        }
    }
    Ok(ids)
}

/// Who hears of post `post_id` and why: in a private thread every other participant
/// (`message`); elsewhere the people it mentions, then those it quotes, then the author
/// it answers (or the thread's starter). Each user once, by that order; never its author.
async fn audience(tx: &impl Tx, post_id: &str) -> Result<Vec<(i64, NotificationKind)>, DbError> {
    let Some(row) = tx
        .query_opt(
            "SELECT p.thread_id, p.author_id, p.body, p.reply_to, p.seq, t.area_id, t.author_id \
             FROM posts p JOIN threads t ON t.id = p.thread_id WHERE p.id = $1",
            params![post_id],
        )
        .await?
    else {
        return Ok(Vec::new());
    };
    let (thread, author, body) = (row.text(0)?, row.int(1)?, row.text(2)?);
    let (reply_to, seq, area, starter) = (row.opt_text(3)?, row.u32(4)?, row.text(5)?, row.int(6)?);
    let mut out: Vec<(i64, NotificationKind)> = Vec::new();
    let mut add = |user: i64, kind: NotificationKind| {
        if user != author && !out.iter().any(|(u, _)| *u == user) {
            out.push((user, kind));
        }
    };
    if area == messages::NO_AREA {
        for user in messages::participant_ids(tx, &thread).await? {
            add(user, NotificationKind::Message);
        }
        return Ok(out);
    }
    for user in users_named(tx, &mentions::mentioned(&body)).await? {
        add(user, NotificationKind::Mention);
    }
    for (name, quoted_seq) in mentions::quoted(&body) {
        // The quoted post's author, found by its place in this thread; by name otherwise.
        let by_seq = tx
            .query_opt(
                "SELECT author_id FROM posts WHERE thread_id = $1 AND seq = $2",
                params![&thread, quoted_seq],
            )
            .await?
            .map(|r| r.int(0))
            .transpose()?;
        let users = match by_seq {
            Some(user) => vec![user],
            None => users_named(tx, &[name]).await?,
        };
        for user in users {
            add(user, NotificationKind::Quote);
        }
    }
    let answered = match reply_to {
        Some(parent) => tx
            .query_opt(
                "SELECT author_id FROM posts WHERE id = $1",
                params![&parent],
            )
            .await?
            .map(|r| r.int(0))
            .transpose()?,
        None if seq > 1 => Some(starter),
        None => None,
    };
    if let Some(user) = answered {
        add(user, NotificationKind::Reply);
    }
    Ok(out)
}

/// Makes the notifications of a post just written, in the same transaction.
pub async fn notify_post(tx: &impl Tx, post_id: &str, at: i64) -> Result<(), DbError> {
    for (user, kind) in audience(tx, post_id).await? {
        // Nobody hears of a post in an area they may not read.
        if super::access::post_hidden(tx, post_id, Some(user)).await? {
            continue;
        }
        let id = uuid::Uuid::now_v7().simple().to_string();
        let made = tx
            .execute(
                "INSERT INTO notifications (id, user_id, kind, post_id, created_at) \
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (user_id, post_id) DO NOTHING",
                params![&id, user, kind.as_str(), post_id, at],
            )
            .await?;
        if made > 0 {
            record_changes(tx, &[("notification", &entity(user, &id))], at).await?;
        }
    }
    Ok(())
}

/// How many of `user`'s notifications are unread.
pub async fn unread(tx: &impl Tx, user: i64) -> Result<u64, DbError> {
    tx.query_one(
        "SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND read_at IS NULL",
        params![user],
    )
    .await?
    .u64(0)
}

/// `GET /notifications`: `user`'s notifications older than `before` (an id; empty for
/// the newest), newest first, only unread ones when `unread_only`.
pub async fn page(
    tx: &impl Tx,
    user: i64,
    before: &str,
    limit: u32,
    unread_only: bool,
) -> Result<api::NotificationPage, DbError> {
    let sql = format!(
        "SELECT {COLUMNS} {FROM} WHERE n.user_id = $1 AND ($2 = '' OR n.id < $2) \
         AND (CAST($3 AS BIGINT) = 0 OR n.read_at IS NULL) ORDER BY n.id DESC LIMIT $4"
    );
    let rows = tx
        .query(
            &sql,
            params![user, before, i64::from(unread_only), i64::from(limit) + 1],
        )
        .await?;
    let more = rows.len() > limit as usize;
    // A notification from an area the user may no longer read is left out.
    let hidden = super::access::hidden_areas(tx, Some(user)).await?;
    let mut notifications = Vec::with_capacity(rows.len().min(limit as usize));
    for row in rows.iter().take(limit as usize) {
        if !hidden.contains(&row.text(12)?) {
            notifications.push(from_row(row)?);
        }
    }
    let next_cursor = if more {
        notifications.last().map(|n| n.id.clone())
    } else {
        None
    };
    Ok(api::NotificationPage {
        notifications,
        unread: unread(tx, user).await?,
        next_cursor,
    })
}

async fn one(tx: &impl Tx, user: i64, id: &str) -> Result<Option<api::Notification>, DbError> {
    let sql = format!("SELECT {COLUMNS} {FROM} WHERE n.user_id = $1 AND n.id = $2");
    tx.query_opt(&sql, params![user, id])
        .await?
        .map(|r| from_row(&r))
        .transpose()
}

/// The feed's `notification` entry named `entity`, for its owner only.
pub async fn feed_entry(
    tx: &impl Tx,
    entity: &str,
    viewer: Option<i64>,
) -> Result<Option<api::Notification>, DbError> {
    let (Some(viewer), Some((user, id))) = (viewer, entity.split_once('/')) else {
        return Ok(None);
    };
    if user.parse::<i64>().ok() != Some(viewer) {
        return Ok(None);
    }
    match one(tx, viewer, id).await? {
        Some(n) if !super::access::thread_hidden(tx, &n.thread_id, Some(viewer)).await? => {
            Ok(Some(n))
        }
        _ => Ok(None),
    }
}

/// `PUT /notifications/read`: marks the listed (or, with `all`, every) unread
/// notification of `user` read; ids that are not theirs are passed over.
pub async fn mark_read(
    tx: &impl Tx,
    user: i64,
    read: &api::NotificationsRead,
    at: i64,
) -> Result<api::NotificationsMarked, DbError> {
    let ids: Vec<String> = if read.all {
        tx.query(
            "SELECT id FROM notifications WHERE user_id = $1 AND read_at IS NULL",
            params![user],
        )
        .await?
        .iter()
        .map(|r| r.text(0))
        .collect::<Result<_, _>>()?
    } else {
        read.ids.clone()
    };
    let mut marked = 0;
    for id in &ids {
        let changed = tx
            .execute(
                "UPDATE notifications SET read_at = $3 \
                 WHERE user_id = $1 AND id = $2 AND read_at IS NULL",
                params![user, id, at],
            )
            .await?;
        if changed > 0 {
            marked += 1;
            record_changes(tx, &[("notification", &entity(user, id))], at).await?;
        }
    }
    Ok(api::NotificationsMarked {
        marked,
        unread: unread(tx, user).await?,
    })
}
