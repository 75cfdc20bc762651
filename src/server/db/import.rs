//! Bulk import of a whole forum (tree, threads, posts, their authors as users) in one transaction.

use super::users::ensure_author;
use super::write::record_change;
use super::{DbError, micros, open_sync, set_meta};
use crate::model::{self, DemoThread, Forum, Post, ThreadSummary};
use rusqlite::{Connection, params};
use std::collections::HashMap;
use std::path::Path;

/// What an import wrote.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ImportReport {
    pub sections: usize,
    pub areas: usize,
    pub threads: usize,
    pub posts: usize,
    pub users: usize,
}

/// Imports `forum` and `threads` into the server store in `dir` (created if needed).
///
/// Sections, areas, threads and posts with ids already in the store are replaced;
/// authors become users by name (no password: they cannot log in until an admin sets
/// one), keeping their badge. Everything lands in one transaction with one fsync, and
/// every thread and post enters the changes log, so a client can sync it all from
/// `/changes`. Threads are streamed: a generator can pass an iterator over a forum far
/// larger than memory would like.
pub fn import_forum<I>(dir: &Path, forum: &Forum, threads: I) -> Result<ImportReport, DbError>
where
    I: IntoIterator<Item = (ThreadSummary, Vec<Post>)>,
{
    let mut conn = open_sync(dir)?;
    // One big transaction is durable at its commit; per-page syncs would only slow it.
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let report = import_into(&tx, forum, threads)?;
    tx.commit()?;
    Ok(report)
}

/// Imports the bundled demo forum (see [`model::demo_forum`]).
pub fn import_demo(dir: &Path) -> Result<ImportReport, DbError> {
    let demo = model::demo_forum().map_err(DbError::Other)?;
    import_forum(
        dir,
        &demo.forum,
        demo.threads
            .into_iter()
            .map(|DemoThread { summary, posts }| (summary, posts)),
    )
}

fn import_into<I>(conn: &Connection, forum: &Forum, threads: I) -> Result<ImportReport, DbError>
where
    I: IntoIterator<Item = (ThreadSummary, Vec<Post>)>,
{
    let mut report = ImportReport::default();
    let users_before: i64 = conn.query_row("SELECT COUNT(*) FROM users", [], |r| r.get(0))?;
    set_meta(conn, "title", &forum.title)?;
    set_meta(
        conn,
        "undated",
        if forum.undated { "true" } else { "false" },
    )?;
    if let Some(banner) = &forum.announcement {
        let wire = crate::api::Banner::from(banner);
        let json = serde_json::to_string(&wire).map_err(|e| DbError::Other(e.to_string()))?;
        set_meta(conn, "announcement", &json)?;
    }
    for (position, section) in (0_i64..).zip(&forum.sections) {
        conn.prepare_cached(
            "INSERT OR REPLACE INTO sections (id, position, title) VALUES (?1, ?2, ?3)",
        )?
        .execute(params![section.id.as_str(), position, section.title])?;
        report.sections += 1;
        for (position, area) in (0_i64..).zip(&section.areas) {
            conn.prepare_cached(
                "INSERT OR REPLACE INTO areas (id, section_id, position, title, description) VALUES (?1, ?2, ?3, ?4, ?5)",
            )?
            .execute(params![area.id.as_str(), section.id.as_str(), position, area.title, area.description])?;
            report.areas += 1;
        }
    }
    let now = micros(jiff::Timestamp::now());
    let mut authors: HashMap<String, i64> = HashMap::new();
    for (summary, posts) in threads {
        let mut author_id = |a: &model::Author| -> Result<i64, DbError> {
            if let Some(id) = authors.get(&a.name) {
                return Ok(*id);
            }
            let id = ensure_author(conn, a)?;
            authors.insert(a.name.clone(), id);
            Ok(id)
        };
        let thread_author = author_id(&summary.author)?;
        let last_seq = posts
            .iter()
            .map(|p| p.seq)
            .max()
            .unwrap_or(0)
            .max(summary.last_seq);
        let last_post_at = posts
            .iter()
            .map(|p| p.created_at)
            .max()
            .unwrap_or(summary.last_post_at);
        conn.prepare_cached("DELETE FROM posts WHERE thread_id = ?1")?
            .execute([summary.id.as_str()])?;
        conn.prepare_cached(
            "INSERT OR REPLACE INTO threads (id, area_id, title, author_id, created_at, last_post_at, last_seq, pinned, locked, version) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 1)",
        )?
        .execute(params![
            summary.id.as_str(),
            summary.area.as_str(),
            summary.title,
            thread_author,
            micros(summary.created_at),
            micros(last_post_at),
            last_seq,
            summary.pinned,
            summary.locked,
        ])?;
        for post in &posts {
            let author = author_id(&post.author)?;
            conn.prepare_cached(
                "INSERT OR REPLACE INTO posts (id, thread_id, seq, reply_to, author_id, created_at, edited_at, body, deleted, version, client_key) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, NULL)",
            )?
            .execute(params![
                post.id.as_str(),
                summary.id.as_str(),
                post.seq,
                post.reply_to.as_ref().map(model::PostId::as_str),
                author,
                micros(post.created_at),
                post.edited_at.map(micros),
                if post.deleted { "" } else { post.body.text.as_str() },
                post.deleted,
                i64::try_from(post.version.max(1)).unwrap_or(i64::MAX),
            ])?;
            record_change(conn, "post", post.id.as_str(), now)?;
            report.posts += 1;
        }
        record_change(conn, "thread", summary.id.as_str(), now)?;
        report.threads += 1;
    }
    let users_after: i64 = conn.query_row("SELECT COUNT(*) FROM users", [], |r| r.get(0))?;
    report.users = usize::try_from(users_after - users_before).unwrap_or(0);
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::db::{read, users};

    #[test]
    fn the_demo_imports_with_its_authors_as_users_and_every_post_in_the_log() {
        let dir = tempfile::tempdir().unwrap();
        let report = import_demo(dir.path()).unwrap();
        assert_eq!(
            (report.sections, report.areas, report.threads, report.posts),
            (2, 3, 1, 8)
        );
        let conn = open_sync(dir.path()).unwrap();
        let listed = users::list_users(&conn).unwrap();
        assert_eq!(listed.len(), report.users);
        let antrim = listed
            .iter()
            .find(|(u, _)| u.name == "Patricia Antrim")
            .unwrap();
        assert_eq!(antrim.0.badge.as_deref(), Some("non-member"));
        assert!(!antrim.1, "imported authors have no password");
        let (posts, more) = read::posts_after(&conn, "advocacy-1", 0, 100, None).unwrap();
        assert!(!more);
        assert_eq!(
            posts.iter().map(|p| p.seq).collect::<Vec<_>>(),
            (1..=8).collect::<Vec<_>>()
        );
        assert_eq!(posts[2].reply_to.as_deref(), Some("advocacy-1-2"));
        let (changes, _, _) = read::changes_after(&conn, 0, 100, None).unwrap();
        assert_eq!(changes.len(), 9, "eight posts and their thread");

        // Importing again replaces rather than duplicates.
        import_demo(dir.path()).unwrap();
        let (posts, _) = read::posts_after(&conn, "advocacy-1", 0, 100, None).unwrap();
        assert_eq!(posts.len(), 8);
        assert_eq!(users::list_users(&conn).unwrap().len(), report.users);
    }
}
