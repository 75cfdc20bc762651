//! Bulk import of a whole forum (tree, threads, posts, their authors as users) in one transaction.

use super::sql::{SqlRow, Tx, params};
use super::sqlite::SqliteTx;
use super::store::DemoAccount;
use super::users::{self, ensure_author};
use super::write::{record_changes, set_meta};
use super::{DbError, micros};
use crate::model::{self, DemoThread, Forum, Post, ThreadSummary};
use std::collections::HashMap;
use std::path::Path;

/// A thread and its posts, as imported.
pub type ThreadPosts = (ThreadSummary, Vec<Post>);

/// What an import wrote.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ImportReport {
    pub sections: usize,
    pub areas: usize,
    pub threads: usize,
    pub posts: usize,
    pub users: usize,
}

/// Imports `forum` and `threads` into the `SQLite` store in `dir` (created if needed).
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
    // One big transaction is durable at its commit; per-page syncs would only slow it.
    let tx = SqliteTx::open_dir(dir)?;
    tx.write_once(import_into(&tx, forum, threads))
}

/// Loads the demo forum and issues the demo tokens (see [`prepare_demo`]) in the
/// `SQLite` store in `dir`, without a running server.
pub fn prepare_demo_dir(dir: &Path) -> Result<Vec<DemoAccount>, DbError> {
    let tx = SqliteTx::open_dir(dir)?;
    tx.write_once(prepare_demo(&tx))
}

/// The bundled demo forum (see [`model::demo_forum`]) as an import.
pub fn demo_import() -> Result<(Forum, Vec<ThreadPosts>), DbError> {
    let demo = model::demo_forum().map_err(DbError::Other)?;
    let threads = demo
        .threads
        .into_iter()
        .map(|DemoThread { summary, posts }| (summary, posts))
        .collect();
    Ok((demo.forum, threads))
}

/// Imports the bundled demo forum into the `SQLite` store in `dir`.
pub fn import_demo(dir: &Path) -> Result<ImportReport, DbError> {
    let (forum, threads) = demo_import()?;
    import_forum(dir, &forum, threads)
}

/// Writes a forum inside the caller's transaction (see [`import_forum`]).
pub async fn import_into<I>(
    tx: &impl Tx,
    forum: &Forum,
    threads: I,
) -> Result<ImportReport, DbError>
where
    I: IntoIterator<Item = (ThreadSummary, Vec<Post>)>,
{
    let mut report = ImportReport::default();
    let users_before = count_users(tx).await?;
    set_meta(tx, "title", &forum.title).await?;
    set_meta(tx, "undated", if forum.undated { "true" } else { "false" }).await?;
    if let Some(banner) = &forum.announcement {
        let wire = crate::api::Banner::from(banner);
        let json = serde_json::to_string(&wire).map_err(|e| DbError::Other(e.to_string()))?;
        set_meta(tx, "announcement", &json).await?;
    }
    for (position, section) in (0_i64..).zip(&forum.sections) {
        tx.execute(
            "INSERT INTO sections (id, position, title) VALUES ($1, $2, $3) \
             ON CONFLICT (id) DO UPDATE SET position = excluded.position, title = excluded.title",
            params![section.id.as_str(), position, &section.title],
        )
        .await?;
        report.sections += 1;
        for (position, area) in (0_i64..).zip(&section.areas) {
            tx.execute(
                "INSERT INTO areas (id, section_id, position, title, description) VALUES ($1, $2, $3, $4, $5) \
                 ON CONFLICT (id) DO UPDATE SET section_id = excluded.section_id, position = excluded.position, \
                 title = excluded.title, description = excluded.description",
                params![area.id.as_str(), section.id.as_str(), position, &area.title, area.description.as_deref()],
            )
            .await?;
            report.areas += 1;
        }
    }
    let now = micros(jiff::Timestamp::now());
    let mut authors = Authors::default();
    for (summary, posts) in threads {
        import_thread(tx, &mut authors, &summary, &posts, now).await?;
        report.posts += posts.len();
        report.threads += 1;
    }
    report.users = usize::try_from(count_users(tx).await? - users_before).unwrap_or(0);
    Ok(report)
}

/// Loads the demo forum when the store has no sections yet, and issues a token for the
/// demo admin and one for the demo member (created without passwords: they log in by
/// these tokens). The admin comes first: the first user of a store becomes its admin.
pub async fn prepare_demo(tx: &impl Tx) -> Result<Vec<DemoAccount>, DbError> {
    let empty = tx
        .query_one("SELECT NOT EXISTS (SELECT 1 FROM sections)", &[])
        .await?
        .bool(0)?;
    if empty {
        let (forum, threads) = demo_import()?;
        import_into(tx, &forum, threads).await?;
    }
    let mut accounts = Vec::new();
    for (role, name, admin) in [("admin", "admin", true), ("member", "demo", false)] {
        let user = match users::user_by_name(tx, name).await? {
            Some((user, _)) => user,
            None => users::add_user(tx, name, None, admin, None)
                .await
                .map_err(|e| match e {
                    users::UserError::Db(e) => e,
                    other => DbError::Other(other.to_string()),
                })?,
        };
        let token = users::insert_token(tx, user.id, Some("demo")).await?;
        accounts.push(DemoAccount {
            role,
            user: user.name,
            token,
        });
    }
    accounts.reverse();
    Ok(accounts)
}

async fn count_users(tx: &impl Tx) -> Result<i64, DbError> {
    tx.query_one("SELECT COUNT(*) FROM users", &[])
        .await?
        .int(0)
}

/// Authors already mapped to users during this import.
#[derive(Default)]
struct Authors(HashMap<String, i64>);

impl Authors {
    async fn id(&mut self, tx: &impl Tx, author: &model::Author) -> Result<i64, DbError> {
        if let Some(id) = self.0.get(author.name.as_str()) {
            return Ok(*id);
        }
        let id = ensure_author(tx, author).await?;
        self.0.insert(author.name.to_string(), id);
        Ok(id)
    }
}

async fn import_thread(
    tx: &impl Tx,
    authors: &mut Authors,
    summary: &ThreadSummary,
    posts: &[Post],
    now: i64,
) -> Result<(), DbError> {
    let thread_author = authors.id(tx, &summary.author).await?;
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
    tx.execute(
        "DELETE FROM posts WHERE thread_id = $1",
        params![summary.id.as_str()],
    )
    .await?;
    tx.execute(
        "INSERT INTO threads (id, area_id, title, author_id, created_at, last_post_at, last_seq, pinned, locked, version) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 1) \
         ON CONFLICT (id) DO UPDATE SET area_id = excluded.area_id, title = excluded.title, \
         author_id = excluded.author_id, created_at = excluded.created_at, last_post_at = excluded.last_post_at, \
         last_seq = excluded.last_seq, pinned = excluded.pinned, locked = excluded.locked, version = 1",
        params![
            summary.id.as_str(),
            summary.area.as_str(),
            &*summary.title,
            thread_author,
            micros(summary.created_at),
            micros(last_post_at),
            last_seq,
            summary.pinned,
            summary.locked,
        ],
    )
    .await?;
    for post in posts {
        let author = authors.id(tx, &post.author).await?;
        tx.execute(
            "INSERT INTO posts (id, thread_id, seq, reply_to, author_id, created_at, edited_at, body, deleted, version, client_key) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, NULL) \
             ON CONFLICT (id) DO UPDATE SET thread_id = excluded.thread_id, seq = excluded.seq, \
             reply_to = excluded.reply_to, author_id = excluded.author_id, created_at = excluded.created_at, \
             edited_at = excluded.edited_at, body = excluded.body, deleted = excluded.deleted, \
             version = excluded.version, client_key = NULL",
            params![
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
            ],
        )
        .await?;
    }
    let mut changed: Vec<(&str, &str)> = posts.iter().map(|p| ("post", p.id.as_str())).collect();
    changed.push(("thread", summary.id.as_str()));
    record_changes(tx, &changed, now).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::db::{read, users};
    use futures::executor::block_on;

    #[test]
    fn the_demo_imports_with_its_authors_as_users_and_every_post_in_the_log() {
        let dir = tempfile::tempdir().unwrap();
        let report = import_demo(dir.path()).unwrap();
        assert_eq!(
            (report.sections, report.areas, report.threads, report.posts),
            (2, 3, 1, 8)
        );
        let tx = SqliteTx::open_dir(dir.path()).unwrap();
        let listed = block_on(users::list_users(&tx)).unwrap();
        assert_eq!(listed.len(), report.users);
        let antrim = listed
            .iter()
            .find(|(u, _)| u.name == "Patricia Antrim")
            .unwrap();
        assert_eq!(antrim.0.badge.as_deref(), Some("non-member"));
        assert!(!antrim.1, "imported authors have no password");
        let (posts, more) = block_on(read::posts_after(&tx, "advocacy-1", 0, 100, None)).unwrap();
        assert!(!more);
        assert_eq!(
            posts.iter().map(|p| p.seq).collect::<Vec<_>>(),
            (1..=8).collect::<Vec<_>>()
        );
        assert_eq!(posts[2].reply_to.as_deref(), Some("advocacy-1-2"));
        let (changes, _, last) = block_on(read::changes_after(&tx, 0, 100, None)).unwrap();
        assert_eq!(changes.len(), 9, "eight posts and their thread");
        assert_eq!(last, Some(9), "positions 1 to 9, no gaps");

        // Importing again replaces rather than duplicates; the log keeps one entry
        // per entity, at new positions.
        import_demo(dir.path()).unwrap();
        let (posts, _) = block_on(read::posts_after(&tx, "advocacy-1", 0, 100, None)).unwrap();
        assert_eq!(posts.len(), 8);
        assert_eq!(
            block_on(users::list_users(&tx)).unwrap().len(),
            report.users
        );
        let (changes, _, last) = block_on(read::changes_after(&tx, 0, 100, None)).unwrap();
        assert_eq!((changes.len(), last), (9, Some(18)));
    }
}
