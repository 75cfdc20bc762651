//! Who may see what: a private message only its participants, and an area with a read
//! role (`threadmark serve forum area restrict ID --read member`) only users of that role
//! or above. [`thread_hidden`], [`post_hidden`] and [`area_hidden`] are asked wherever a
//! thread, post or area is read or written, and [`hidden_areas`] filters the lists (the
//! tree, the changes feed, the inbox), so every endpoint answers a hidden thread as if it
//! did not exist and nothing of it leaks through the feed.

use super::read::Viewer;
use super::sql::{SqlRow, Tx, params};
use super::{DbError, messages};
use crate::api::Role;
use std::collections::HashSet;

/// The viewer's role; `None` for nobody signed in (weaker than a reader).
pub async fn viewer_role(tx: &impl Tx, viewer: Viewer) -> Result<Option<Role>, DbError> {
    let Some(id) = viewer else {
        return Ok(None);
    };
    let Some(row) = tx
        .query_opt(
            "SELECT admin, moderator, reader FROM users WHERE id = $1",
            params![id],
        )
        .await?
    else {
        return Ok(None);
    };
    Ok(Some(if row.bool(0)? {
        Role::Admin
    } else if row.bool(1)? {
        Role::Moderator
    } else if row.bool(2)? {
        Role::Reader
    } else {
        Role::Member
    }))
}

/// Whether a viewer of `role` may read an area that needs `needed`.
pub fn may_read(role: Option<Role>, needed: Option<Role>) -> bool {
    needed.is_none_or(|needed| role >= Some(needed))
}

/// The areas `viewer` may not read (none for most forums: one query, no rows).
pub async fn hidden_areas(tx: &impl Tx, viewer: Viewer) -> Result<HashSet<String>, DbError> {
    let restricted = tx
        .query(
            "SELECT id, read_role FROM areas WHERE read_role IS NOT NULL",
            &[],
        )
        .await?;
    if restricted.is_empty() {
        return Ok(HashSet::new());
    }
    let role = viewer_role(tx, viewer).await?;
    let mut hidden = HashSet::new();
    for row in &restricted {
        let needed = row.opt_text(1)?.as_deref().and_then(Role::parse);
        if !may_read(role, needed) {
            hidden.insert(row.text(0)?);
        }
    }
    Ok(hidden)
}

/// True when `viewer` may not read area `area` (false for no such area: that answers as
/// it always did).
pub async fn area_hidden(tx: &impl Tx, area: &str, viewer: Viewer) -> Result<bool, DbError> {
    let needed = tx
        .query_opt("SELECT read_role FROM areas WHERE id = $1", params![area])
        .await?
        .map(|r| r.opt_text(0))
        .transpose()?
        .flatten();
    let Some(needed) = needed.as_deref().and_then(Role::parse) else {
        return Ok(false);
    };
    Ok(!may_read(viewer_role(tx, viewer).await?, Some(needed)))
}

/// True when `thread` is a private message `viewer` is not part of, or in an area they
/// may not read (false for no thread at all).
pub async fn thread_hidden(tx: &impl Tx, thread: &str, viewer: Viewer) -> Result<bool, DbError> {
    let area = tx
        .query_opt("SELECT area_id FROM threads WHERE id = $1", params![thread])
        .await?
        .map(|r| r.text(0))
        .transpose()?;
    match area {
        None => Ok(false),
        Some(area) if area == messages::NO_AREA => messages::hidden(tx, thread, viewer).await,
        Some(area) => area_hidden(tx, &area, viewer).await,
    }
}

/// True when `post` is in a thread `viewer` may not see (see [`thread_hidden`]).
pub async fn post_hidden(tx: &impl Tx, post: &str, viewer: Viewer) -> Result<bool, DbError> {
    let thread = tx
        .query_opt("SELECT thread_id FROM posts WHERE id = $1", params![post])
        .await?
        .map(|r| r.text(0))
        .transpose()?;
    match thread {
        Some(thread) => thread_hidden(tx, &thread, viewer).await,
        None => Ok(false),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_role_reads_its_own_areas_and_those_below() {
        assert!(may_read(None, None), "an open area is open to everyone");
        assert!(
            !may_read(None, Some(Role::Reader)),
            "nobody signed in is below a reader"
        );
        assert!(!may_read(Some(Role::Reader), Some(Role::Member)));
        assert!(may_read(Some(Role::Member), Some(Role::Member)));
        assert!(!may_read(Some(Role::Moderator), Some(Role::Admin)));
        assert!(may_read(Some(Role::Admin), Some(Role::Moderator)));
    }
}
