//! Likes on posts and the revisions edits leave behind: the writes and reads of both.

use super::read;
use super::sql::{SqlRow, Tx, params};
use super::users::UserInfo;
use super::write::WriteResult;
use super::{DbError, WriteFailure, micros};
use crate::api::{self, Problem, ProblemCode};
use jiff::Timestamp;

fn reject<T>(problem: Problem) -> WriteResult<T> {
    Err(WriteFailure::Rejected(Box::new(problem)))
}

/// `PUT` (`on`) or `DELETE` `/posts/{id}/reactions/like`: idempotent by nature. A change
/// moves the post's count and puts the post in the feed again, at the same `version`.
pub async fn set_like(
    tx: &impl Tx,
    user: &UserInfo,
    post_id: &str,
    on: bool,
    now: Timestamp,
) -> WriteResult<api::Post> {
    let owner = if super::access::post_hidden(tx, post_id, Some(user.id)).await? {
        None
    } else {
        read::post_owner(tx, post_id).await?
    };
    let Some((_, _, deleted)) = owner else {
        return reject(
            Problem::new(ProblemCode::PostNotFound).detail(format!("no post {post_id:?}")),
        );
    };
    if deleted {
        return reject(
            Problem::new(ProblemCode::PostDeleted).detail("a deleted post takes no reactions"),
        );
    }
    let at = micros(now);
    let changed = if on {
        tx.execute(
            "INSERT INTO reactions (post_id, user_id, kind, created_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (post_id, user_id, kind) DO NOTHING",
            params![post_id, user.id, api::LIKE, at],
        )
        .await?
    } else {
        tx.execute(
            "DELETE FROM reactions WHERE post_id = $1 AND user_id = $2 AND kind = $3",
            params![post_id, user.id, api::LIKE],
        )
        .await?
    };
    if changed > 0 {
        let step: i64 = if on { 1 } else { -1 };
        tx.execute(
            "UPDATE posts SET likes = likes + $2 WHERE id = $1",
            params![post_id, step],
        )
        .await?;
        super::write::record_changes(tx, &[("post", post_id)], at).await?;
    }
    read::post(tx, post_id, Some(user.id))
        .await?
        .ok_or_else(|| DbError::Other("a liked post vanished".into()).into())
}

/// `GET /posts/{id}/revisions`: the texts the post had before, oldest first. The words
/// of a deleted or hidden post are only shown to its author and to moderators.
pub async fn revisions(
    tx: &impl Tx,
    post_id: &str,
    viewer: Option<&UserInfo>,
) -> Result<Option<api::Revisions>, DbError> {
    if super::access::post_hidden(tx, post_id, viewer.map(|u| u.id)).await? {
        return Ok(None);
    }
    let Some((author, version, deleted)) = read::post_owner(tx, post_id).await? else {
        return Ok(None);
    };
    let hidden = super::moderation::is_hidden(tx, post_id).await?;
    let may_see = match viewer {
        _ if !deleted && !hidden => true,
        Some(user) => user.id == author || super::moderation::may_moderate(tx, user).await?,
        None => false,
    };
    let mut revisions = Vec::new();
    if may_see {
        let rows = tx
            .query(
                "SELECT r.version, r.body, r.written_at, r.replaced_at, u.name \
                 FROM revisions r JOIN users u ON u.id = r.editor_id \
                 WHERE r.post_id = $1 ORDER BY r.version",
                params![post_id],
            )
            .await?;
        for row in &rows {
            revisions.push(api::Revision {
                version: row.u64(0)?,
                body: row.text(1)?,
                written_at: super::from_micros(row.int(2)?)?,
                replaced_at: super::from_micros(row.int(3)?)?,
                replaced_by: row.text(4)?,
            });
        }
    }
    Ok(Some(api::Revisions {
        post_id: post_id.to_owned(),
        version: u64::try_from(version).unwrap_or(0),
        revisions,
    }))
}
