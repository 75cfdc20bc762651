//! The [`Store`] trait: everything the server asks of its database, one method per
//! question or write, implemented once for every [`Engine`].

use super::engine::Engine;
use super::members::{self, NewInvite};
use super::messages;
use super::moderation::{self, Actor};
use super::notifications;
use super::places;
use super::reactions;
use super::read::{self, ThreadKey, Viewer};
use super::reading;
use super::split;
use super::sql::Tx as _;
use super::structure::{self, Edited, StructureEdit};
use super::users::{self, UserError, UserInfo};
use super::write::{self, Creation, Keyed, WriteResult};
use super::{DbError, ImportReport, WriteFailure, export, import};
use crate::api;
use crate::model::{Forum, Post, ThreadSummary};
use async_trait::async_trait;
use jiff::Timestamp;
use tokio::sync::watch;

/// Where a changes read starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Since {
    /// The current head: only what comes next.
    Now,
    /// After this feed position.
    Seq(i64),
}

/// A page of the changes feed, or why the cursor cannot be served.
#[derive(Clone, Debug, PartialEq)]
pub enum ChangesRead {
    Page {
        changes: Vec<api::Change>,
        has_more: bool,
        /// The position to continue from.
        next: i64,
    },
    /// The cursor is older than the log's horizon or ahead of its head.
    Expired(&'static str),
}

/// A page of an area's threads and where the next one starts.
pub type ThreadList = (Vec<api::Thread>, Option<ThreadKey>);

/// A demo account made by [`Store::prepare_demo`]: its role, user and fresh token.
#[derive(Clone, PartialEq, Eq)]
pub struct DemoAccount {
    pub role: &'static str,
    pub user: String,
    pub token: String,
}

impl std::fmt::Debug for DemoAccount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DemoAccount")
            .field("role", &self.role)
            .field("user", &self.user)
            .finish_non_exhaustive()
    }
}

/// The server's store, whichever engine holds it. Handlers hold an `Arc<dyn Store>`.
#[async_trait]
pub trait Store: Send + Sync + std::fmt::Debug {
    /// A short id of this store, part of every changes cursor.
    fn store_id(&self) -> &str;
    /// `sqlite` or `postgresql`.
    fn engine(&self) -> &'static str;
    /// Where the data lives, fit to print (never a password).
    fn location(&self) -> &str;
    /// The newest changes position known here; moves after every commit, on any process.
    fn head(&self) -> watch::Receiver<i64>;
    /// Bumped when another process changed the forum's mode.
    fn mode_signal(&self) -> watch::Receiver<u64>;

    async fn meta(&self, key: &str) -> Result<Option<String>, DbError>;
    /// The whole tree (for the operator and admins).
    async fn tree(&self) -> Result<api::Tree, DbError>;
    /// The tree as `viewer` may see it: without the areas they may not read.
    async fn tree_for(&self, viewer: Viewer) -> Result<api::Tree, DbError>;
    /// A thread as `viewer` may see it (a private message only to its participants).
    async fn thread(&self, id: &str, viewer: Viewer) -> Result<Option<api::Thread>, DbError>;
    async fn post(&self, id: &str, viewer: Viewer) -> Result<Option<api::Post>, DbError>;
    /// A thread and its posts after `after` (one snapshot); `None` when no such thread.
    async fn posts_page(
        &self,
        thread: &str,
        after: u32,
        limit: u32,
        viewer: Viewer,
    ) -> Result<Option<api::PostPage>, DbError>;
    /// The first page of each of `threads`, in one snapshot, as long as each fits whole
    /// within `limit` posts in all; the first is cut at `limit` when it does not (see
    /// [`api::PostPages`]).
    async fn posts_of_threads(
        &self,
        threads: Vec<String>,
        limit: u32,
        viewer: Viewer,
    ) -> Result<api::PostPages, DbError>;
    /// `None` when no such area, or when `viewer` may not read it.
    async fn threads_page(
        &self,
        area: &str,
        after: Option<ThreadKey>,
        limit: u32,
        viewer: Viewer,
    ) -> Result<Option<ThreadList>, DbError>;
    async fn changes_page(
        &self,
        since: Since,
        limit: u32,
        viewer: Viewer,
    ) -> Result<ChangesRead, DbError>;
    async fn user_by_name(&self, name: &str)
    -> Result<Option<(UserInfo, Option<String>)>, DbError>;
    async fn user_by_token(&self, token: &str) -> Result<Option<UserInfo>, DbError>;
    async fn list_users(&self) -> Result<Vec<(UserInfo, bool)>, DbError>;

    async fn create_post(
        &self,
        user: UserInfo,
        thread: String,
        new: api::NewPost,
        keyed: Keyed,
        now: Timestamp,
    ) -> WriteResult<Creation>;
    async fn create_thread(
        &self,
        user: UserInfo,
        area: String,
        new: api::NewThread,
        keyed: Keyed,
        now: Timestamp,
    ) -> WriteResult<Creation>;
    async fn edit_post(
        &self,
        user: UserInfo,
        post: String,
        expected_version: u64,
        edit: api::PostEdit,
        now: Timestamp,
    ) -> WriteResult<api::Post>;
    /// How far `user` read `thread`; `None` when there is no such thread.
    async fn read_marker(
        &self,
        user: i64,
        thread: String,
    ) -> Result<Option<api::ReadMarker>, DbError>;
    /// How far `user` read each thread they marked (thread id → `read_to_seq`).
    async fn read_markers_of(
        &self,
        user: i64,
    ) -> Result<std::collections::BTreeMap<String, u32>, DbError>;
    /// Folds one of `user`'s read marks into their marker on `thread` (see
    /// [`super::reading::put`]).
    async fn put_read_marker(
        &self,
        user: UserInfo,
        thread: String,
        mark: crate::model::ReadMark,
        keyed: Keyed,
        now: Timestamp,
    ) -> WriteResult<Creation>;
    /// Sets `user`'s watch level on a thread or area (see [`super::places::put_watch`]).
    async fn put_watch(
        &self,
        user: UserInfo,
        target: crate::model::WatchTarget,
        put: api::WatchPut,
        keyed: Keyed,
        now: Timestamp,
    ) -> WriteResult<Creation>;
    /// The watch levels `user` set: (thread id → level, area id → level).
    async fn watch_levels_of(&self, user: i64) -> Result<places::Levels, DbError>;
    /// `user`'s bookmarks in place, newest first.
    async fn bookmarks(&self, user: i64) -> Result<api::Bookmarks, DbError>;
    /// Sets or removes `user`'s bookmark on `post` (see
    /// [`super::places::change_bookmark`]).
    async fn change_bookmark(
        &self,
        user: UserInfo,
        post: String,
        change: places::BookmarkChange,
        at: Option<Timestamp>,
        keyed: Keyed,
        now: Timestamp,
    ) -> WriteResult<Creation>;
    /// `user`'s notifications, newest first, older than `before` (an id; empty: newest).
    async fn notifications(
        &self,
        user: i64,
        before: String,
        limit: u32,
        unread_only: bool,
    ) -> Result<api::NotificationPage, DbError>;
    /// Marks notifications of `user` read (see [`super::notifications::mark_read`]).
    async fn mark_notifications_read(
        &self,
        user: i64,
        read: api::NotificationsRead,
        now: Timestamp,
    ) -> Result<api::NotificationsMarked, DbError>;
    /// Starts a private message (see [`super::messages::create`]).
    async fn create_message(
        &self,
        user: UserInfo,
        new: api::NewMessage,
        keyed: Keyed,
        now: Timestamp,
    ) -> WriteResult<Creation>;
    /// `user`'s private threads, most recently active first.
    async fn messages_page(
        &self,
        user: i64,
        after: Option<ThreadKey>,
        limit: u32,
    ) -> Result<ThreadList, DbError>;
    /// Names of users (not disabled) starting with `prefix`, without case, sorted.
    async fn user_names(&self, prefix: String, limit: u32) -> Result<Vec<String>, DbError>;
    /// Likes (`on`) or unlikes a post; idempotent.
    async fn set_like(
        &self,
        user: UserInfo,
        post: String,
        on: bool,
        now: Timestamp,
    ) -> WriteResult<api::Post>;
    /// A post's earlier texts, `None` when there is no such post.
    async fn revisions(
        &self,
        post: String,
        viewer: Option<UserInfo>,
    ) -> Result<Option<api::Revisions>, DbError>;
    /// Changes the forum's structure (title, announcement, sections, areas) and records
    /// it in the changes feed; answers the tree as it is after the edit.
    async fn edit_structure(&self, edit: StructureEdit, now: Timestamp) -> WriteResult<Edited>;
    /// Locks, pins or moves a thread (logged, and in the changes feed).
    async fn moderate_thread(
        &self,
        actor: Actor,
        thread: String,
        change: api::ThreadModeration,
        now: Timestamp,
    ) -> WriteResult<api::Thread>;
    /// Splits a thread from a post on into a new thread (see [`split::split_thread`]);
    /// `keyed` for a user's request, `None` for the operator.
    async fn split_thread(
        &self,
        actor: Actor,
        thread: String,
        split: api::ThreadSplit,
        keyed: Option<Keyed>,
        now: Timestamp,
    ) -> WriteResult<Creation>;
    /// Hides a post behind a stub with the reason, or shows it again (logged).
    async fn moderate_post(
        &self,
        actor: Actor,
        post: String,
        change: api::PostModeration,
        now: Timestamp,
    ) -> WriteResult<api::Post>;
    /// Silences a user until a time, or lets them post again (logged).
    async fn silence_user(
        &self,
        actor: Actor,
        name: String,
        until: Option<Timestamp>,
        now: Timestamp,
    ) -> WriteResult<UserInfo>;
    /// The newest moderation log entries, newest first.
    async fn mod_log(&self, limit: u32) -> Result<Vec<api::LogEntry>, DbError>;
    /// Makes a user a moderator or not; false when there is no such user.
    async fn set_moderator(&self, name: String, moderator: bool) -> Result<bool, DbError>;
    /// The moderators' names.
    async fn moderators(&self) -> Result<Vec<String>, DbError>;
    /// Whether the user is an admin or a moderator.
    async fn may_moderate(&self, user: UserInfo) -> Result<bool, DbError>;
    async fn insert_token(&self, user_id: i64, device: Option<String>) -> Result<String, DbError>;
    /// Stores a `meta` value.
    async fn set_meta(&self, key: String, value: String) -> Result<(), DbError>;
    /// Stores the forum's mode (JSON), tells the other processes, and returns the
    /// mode's version (one more than the last).
    async fn set_mode(&self, json: String) -> Result<u64, DbError>;
    /// The stored mode (JSON) and its version.
    async fn mode(&self) -> Result<Option<(String, u64)>, DbError>;
    /// Forgets old changes and idempotency answers; true when the log was pruned.
    async fn prune(&self, changes_before: i64, keys_before: i64) -> Result<bool, DbError>;
    /// `password_hash` comes from [`users::hash_password`].
    async fn add_user(
        &self,
        name: String,
        password_hash: Option<String>,
        admin: bool,
        badge: Option<String>,
    ) -> Result<UserInfo, UserError>;
    async fn issue_token(
        &self,
        name: String,
        device: Option<String>,
    ) -> Result<(UserInfo, String), UserError>;
    async fn revoke_tokens(&self, name: String) -> Result<u64, UserError>;
    /// Gives a user a role (refused when it would leave no admin).
    async fn set_role(&self, name: String, role: api::Role) -> Result<UserInfo, UserError>;
    /// Disables a user (tokens revoked) or lets them in again.
    async fn set_disabled(&self, name: String, disabled: bool) -> Result<UserInfo, UserError>;
    /// Removes a user (see [`members::remove_user`]).
    async fn remove_user(&self, name: String) -> Result<members::Removed, UserError>;
    /// Stores an invitation (or a password reset) and returns its token.
    async fn create_invite(&self, invite: NewInvite, now: Timestamp) -> Result<String, UserError>;
    /// The invitations still open.
    async fn invites(&self, now: Timestamp) -> Result<Vec<members::Invite>, DbError>;
    /// Revokes the invitations whose listed id starts with `id`; how many.
    async fn revoke_invite(&self, id: String) -> Result<u64, DbError>;
    /// Redeems an invitation for a user and a token (`password_hash` from
    /// [`users::hash_password`]).
    async fn redeem_invite(
        &self,
        invite: String,
        name: String,
        password_hash: String,
        device: Option<String>,
        now: Timestamp,
    ) -> WriteResult<(UserInfo, String)>;
    /// Makes a user by open registration (`role` at most member) and grants a token
    /// (`password_hash` from [`users::hash_password`]).
    async fn register(
        &self,
        name: String,
        role: api::Role,
        password_hash: String,
        device: Option<String>,
        now: Timestamp,
    ) -> WriteResult<(UserInfo, String)>;
    /// Imports a forum in one transaction (see [`super::import_forum`]).
    async fn import(
        &self,
        forum: Forum,
        threads: Vec<(ThreadSummary, Vec<Post>)>,
    ) -> Result<ImportReport, DbError>;
    /// Loads the demo forum into an empty store and issues tokens for the demo admin
    /// and the demo member (made without passwords), in one transaction.
    async fn prepare_demo(&self) -> Result<Vec<DemoAccount>, DbError>;
    /// The whole forum as export lines (see [`export`]), read in one snapshot.
    async fn export(&self) -> Result<(Vec<String>, export::Counts), DbError>;
    /// Loads a checked export into this store, which must hold no forum yet, in one
    /// transaction.
    async fn import_export(&self, parsed: export::Parsed) -> Result<export::Counts, DbError>;
}

/// A store failure from a write that cannot be refused.
fn plain<T>(result: Result<T, WriteFailure<DbError>>) -> Result<T, DbError> {
    result.map_err(|failure| match failure {
        WriteFailure::Rejected(e) => e,
        WriteFailure::Store(e) => DbError::Shared(e),
    })
}

/// A user command's failure.
fn user_failure<T>(result: Result<T, WriteFailure<UserError>>) -> Result<T, UserError> {
    result.map_err(|failure| match failure {
        WriteFailure::Rejected(e) => e,
        WriteFailure::Store(e) => UserError::from(e),
    })
}

#[async_trait]
impl<E: Engine> Store for E {
    fn store_id(&self) -> &str {
        &self.shared().store_id
    }

    fn engine(&self) -> &'static str {
        self.shared().engine
    }

    fn location(&self) -> &str {
        &self.shared().location
    }

    fn head(&self) -> watch::Receiver<i64> {
        self.shared().head.subscribe()
    }

    fn mode_signal(&self) -> watch::Receiver<u64> {
        self.shared().mode_signal.subscribe()
    }

    async fn meta(&self, key: &str) -> Result<Option<String>, DbError> {
        let key = key.to_owned();
        self.read(move |tx| Box::pin(async move { read::meta(tx, &key).await }))
            .await
    }

    async fn tree(&self) -> Result<api::Tree, DbError> {
        self.read(|tx| Box::pin(read::tree(tx))).await
    }

    async fn tree_for(&self, viewer: Viewer) -> Result<api::Tree, DbError> {
        self.read(move |tx| Box::pin(read::tree_for(tx, viewer)))
            .await
    }

    async fn thread(&self, id: &str, viewer: Viewer) -> Result<Option<api::Thread>, DbError> {
        let id = id.to_owned();
        self.read(move |tx| Box::pin(async move { read::thread_for(tx, &id, viewer).await }))
            .await
    }

    async fn post(&self, id: &str, viewer: Viewer) -> Result<Option<api::Post>, DbError> {
        let id = id.to_owned();
        self.read(move |tx| Box::pin(async move { read::post_for(tx, &id, viewer).await }))
            .await
    }

    async fn posts_page(
        &self,
        thread: &str,
        after: u32,
        limit: u32,
        viewer: Viewer,
    ) -> Result<Option<api::PostPage>, DbError> {
        let thread_id = thread.to_owned();
        self.read(move |tx| {
            Box::pin(async move {
                let Some(thread) = read::thread_for(tx, &thread_id, viewer).await? else {
                    return Ok(None);
                };
                let (posts, has_more) =
                    read::posts_after(tx, &thread_id, after, limit, viewer).await?;
                Ok(Some(api::PostPage {
                    thread,
                    posts,
                    has_more,
                }))
            })
        })
        .await
    }

    async fn posts_of_threads(
        &self,
        threads: Vec<String>,
        limit: u32,
        viewer: Viewer,
    ) -> Result<api::PostPages, DbError> {
        self.read(move |tx| {
            Box::pin(async move {
                let mut answer = api::PostPages::default();
                let mut room = limit;
                for id in threads {
                    if room == 0 {
                        break;
                    }
                    let Some(thread) = read::thread_for(tx, &id, viewer).await? else {
                        answer.missing.push(id);
                        continue;
                    };
                    // A thread that would not fit whole is left to the next request
                    // (which it begins), rather than cut here and paged on alone.
                    if thread.last_seq > room && !answer.pages.is_empty() {
                        break;
                    }
                    let (posts, has_more) = read::posts_after(tx, &id, 0, room, viewer).await?;
                    room = room.saturating_sub(u32::try_from(posts.len()).unwrap_or(u32::MAX));
                    answer.pages.push(api::PostPage {
                        thread,
                        posts,
                        has_more,
                    });
                }
                Ok(answer)
            })
        })
        .await
    }

    async fn threads_page(
        &self,
        area: &str,
        after: Option<ThreadKey>,
        limit: u32,
        viewer: Viewer,
    ) -> Result<Option<ThreadList>, DbError> {
        let area = area.to_owned();
        self.read(move |tx| {
            Box::pin(async move {
                if !read::area_exists(tx, &area).await?
                    || super::access::area_hidden(tx, &area, viewer).await?
                {
                    return Ok(None);
                }
                read::threads_in_area(tx, &area, after.as_ref(), limit)
                    .await
                    .map(Some)
            })
        })
        .await
    }

    async fn changes_page(
        &self,
        since: Since,
        limit: u32,
        viewer: Viewer,
    ) -> Result<ChangesRead, DbError> {
        self.read(move |tx| Box::pin(read::changes_from(tx, since, limit, viewer)))
            .await
    }

    async fn user_by_name(
        &self,
        name: &str,
    ) -> Result<Option<(UserInfo, Option<String>)>, DbError> {
        let name = name.to_owned();
        self.read(move |tx| Box::pin(async move { users::user_by_name(tx, &name).await }))
            .await
    }

    async fn user_by_token(&self, token: &str) -> Result<Option<UserInfo>, DbError> {
        let token = token.to_owned();
        self.read(move |tx| Box::pin(async move { users::user_by_token(tx, &token).await }))
            .await
    }

    async fn list_users(&self) -> Result<Vec<(UserInfo, bool)>, DbError> {
        self.read(|tx| Box::pin(users::list_users(tx))).await
    }

    async fn create_post(
        &self,
        user: UserInfo,
        thread: String,
        new: api::NewPost,
        keyed: Keyed,
        now: Timestamp,
    ) -> WriteResult<Creation> {
        self.write(move |tx| {
            Box::pin(async move { write::create_post(tx, &user, &thread, &new, &keyed, now).await })
        })
        .await
    }

    async fn create_thread(
        &self,
        user: UserInfo,
        area: String,
        new: api::NewThread,
        keyed: Keyed,
        now: Timestamp,
    ) -> WriteResult<Creation> {
        self.write(move |tx| {
            Box::pin(async move { write::create_thread(tx, &user, &area, &new, &keyed, now).await })
        })
        .await
    }

    async fn notifications(
        &self,
        user: i64,
        before: String,
        limit: u32,
        unread_only: bool,
    ) -> Result<api::NotificationPage, DbError> {
        self.read(move |tx| {
            Box::pin(
                async move { notifications::page(tx, user, &before, limit, unread_only).await },
            )
        })
        .await
    }

    async fn mark_notifications_read(
        &self,
        user: i64,
        read: api::NotificationsRead,
        now: Timestamp,
    ) -> Result<api::NotificationsMarked, DbError> {
        plain(
            self.write(move |tx| {
                Box::pin(async move {
                    Ok(notifications::mark_read(tx, user, &read, super::micros(now)).await?)
                })
            })
            .await,
        )
    }

    async fn create_message(
        &self,
        user: UserInfo,
        new: api::NewMessage,
        keyed: Keyed,
        now: Timestamp,
    ) -> WriteResult<Creation> {
        self.write(move |tx| {
            Box::pin(async move { messages::create(tx, &user, &new, &keyed, now).await })
        })
        .await
    }

    async fn messages_page(
        &self,
        user: i64,
        after: Option<ThreadKey>,
        limit: u32,
    ) -> Result<ThreadList, DbError> {
        self.read(move |tx| {
            Box::pin(async move { messages::list(tx, user, after.as_ref(), limit).await })
        })
        .await
    }

    async fn user_names(&self, prefix: String, limit: u32) -> Result<Vec<String>, DbError> {
        self.read(move |tx| Box::pin(async move { users::names_from(tx, &prefix, limit).await }))
            .await
    }

    async fn read_marker(
        &self,
        user: i64,
        thread: String,
    ) -> Result<Option<api::ReadMarker>, DbError> {
        self.read(move |tx| Box::pin(async move { reading::get(tx, user, &thread).await }))
            .await
    }

    async fn read_markers_of(
        &self,
        user: i64,
    ) -> Result<std::collections::BTreeMap<String, u32>, DbError> {
        self.read(move |tx| Box::pin(async move { reading::all_of(tx, user).await }))
            .await
    }

    async fn put_read_marker(
        &self,
        user: UserInfo,
        thread: String,
        mark: crate::model::ReadMark,
        keyed: Keyed,
        now: Timestamp,
    ) -> WriteResult<Creation> {
        self.write(move |tx| {
            Box::pin(async move { reading::put(tx, &user, &thread, mark, &keyed, now).await })
        })
        .await
    }

    async fn put_watch(
        &self,
        user: UserInfo,
        target: crate::model::WatchTarget,
        put: api::WatchPut,
        keyed: Keyed,
        now: Timestamp,
    ) -> WriteResult<Creation> {
        self.write(move |tx| {
            Box::pin(async move {
                let at = put.at.unwrap_or(now);
                places::put_watch(tx, &user, &target, put.level, at, &keyed, now).await
            })
        })
        .await
    }

    async fn watch_levels_of(&self, user: i64) -> Result<places::Levels, DbError> {
        self.read(move |tx| Box::pin(async move { places::levels_of(tx, user).await }))
            .await
    }

    async fn bookmarks(&self, user: i64) -> Result<api::Bookmarks, DbError> {
        self.read(move |tx| Box::pin(async move { places::bookmarks(tx, user).await }))
            .await
    }

    async fn change_bookmark(
        &self,
        user: UserInfo,
        post: String,
        change: places::BookmarkChange,
        at: Option<Timestamp>,
        keyed: Keyed,
        now: Timestamp,
    ) -> WriteResult<Creation> {
        self.write(move |tx| {
            Box::pin(async move {
                let at = at.unwrap_or(now);
                places::change_bookmark(tx, &user, &post, change, at, &keyed, now).await
            })
        })
        .await
    }

    async fn edit_post(
        &self,
        user: UserInfo,
        post: String,
        expected_version: u64,
        edit: api::PostEdit,
        now: Timestamp,
    ) -> WriteResult<api::Post> {
        self.write(move |tx| {
            Box::pin(async move {
                write::edit_post(tx, &user, &post, expected_version, &edit, now).await
            })
        })
        .await
    }

    async fn set_like(
        &self,
        user: UserInfo,
        post: String,
        on: bool,
        now: Timestamp,
    ) -> WriteResult<api::Post> {
        self.write(move |tx| {
            Box::pin(async move { reactions::set_like(tx, &user, &post, on, now).await })
        })
        .await
    }

    async fn revisions(
        &self,
        post: String,
        viewer: Option<UserInfo>,
    ) -> Result<Option<api::Revisions>, DbError> {
        self.read(move |tx| {
            Box::pin(async move { reactions::revisions(tx, &post, viewer.as_ref()).await })
        })
        .await
    }

    async fn edit_structure(&self, edit: StructureEdit, now: Timestamp) -> WriteResult<Edited> {
        self.write(move |tx| Box::pin(async move { structure::edit(tx, &edit, now).await }))
            .await
    }

    async fn split_thread(
        &self,
        actor: Actor,
        thread: String,
        split: api::ThreadSplit,
        keyed: Option<Keyed>,
        now: Timestamp,
    ) -> WriteResult<Creation> {
        self.write(move |tx| {
            Box::pin(async move {
                split::split_thread(tx, &actor, &thread, &split, keyed.as_ref(), now).await
            })
        })
        .await
    }

    async fn moderate_thread(
        &self,
        actor: Actor,
        thread: String,
        change: api::ThreadModeration,
        now: Timestamp,
    ) -> WriteResult<api::Thread> {
        self.write(move |tx| {
            Box::pin(
                async move { moderation::moderate_thread(tx, &actor, &thread, &change, now).await },
            )
        })
        .await
    }

    async fn moderate_post(
        &self,
        actor: Actor,
        post: String,
        change: api::PostModeration,
        now: Timestamp,
    ) -> WriteResult<api::Post> {
        self.write(move |tx| {
            Box::pin(
                async move { moderation::moderate_post(tx, &actor, &post, &change, now).await },
            )
        })
        .await
    }

    async fn silence_user(
        &self,
        actor: Actor,
        name: String,
        until: Option<Timestamp>,
        now: Timestamp,
    ) -> WriteResult<UserInfo> {
        self.write(move |tx| {
            Box::pin(async move { moderation::silence_user(tx, &actor, &name, until, now).await })
        })
        .await
    }

    async fn mod_log(&self, limit: u32) -> Result<Vec<api::LogEntry>, DbError> {
        self.read(move |tx| Box::pin(moderation::log_entries(tx, limit)))
            .await
    }

    async fn set_moderator(&self, name: String, moderator: bool) -> Result<bool, DbError> {
        plain(
            self.write(move |tx| {
                Box::pin(async move { Ok(moderation::set_moderator(tx, &name, moderator).await?) })
            })
            .await,
        )
    }

    async fn moderators(&self) -> Result<Vec<String>, DbError> {
        self.read(|tx| Box::pin(moderation::moderators(tx))).await
    }

    async fn may_moderate(&self, user: UserInfo) -> Result<bool, DbError> {
        self.read(move |tx| Box::pin(async move { moderation::may_moderate(tx, &user).await }))
            .await
    }

    async fn insert_token(&self, user_id: i64, device: Option<String>) -> Result<String, DbError> {
        plain(
            self.write(move |tx| {
                Box::pin(
                    async move { Ok(users::insert_token(tx, user_id, device.as_deref()).await?) },
                )
            })
            .await,
        )
    }

    async fn set_meta(&self, key: String, value: String) -> Result<(), DbError> {
        plain(
            self.write(move |tx| {
                Box::pin(async move { Ok(write::set_meta(tx, &key, &value).await?) })
            })
            .await,
        )
    }

    async fn set_mode(&self, json: String) -> Result<u64, DbError> {
        plain(
            self.write(move |tx| {
                Box::pin(async move {
                    let version = read::mode_version(tx).await? + 1;
                    write::set_meta(tx, "mode", &json).await?;
                    write::set_meta(tx, "mode_version", &version.to_string()).await?;
                    tx.notify(super::engine::MODE_CHANNEL, &version.to_string())
                        .await?;
                    Ok(version)
                })
            })
            .await,
        )
    }

    async fn mode(&self) -> Result<Option<(String, u64)>, DbError> {
        self.read(|tx| {
            Box::pin(async move {
                let Some(json) = read::meta(tx, "mode").await? else {
                    return Ok(None);
                };
                Ok(Some((json, read::mode_version(tx).await?)))
            })
        })
        .await
    }

    async fn prune(&self, changes_before: i64, keys_before: i64) -> Result<bool, DbError> {
        plain(
            self.write(move |tx| {
                Box::pin(async move { Ok(write::prune(tx, changes_before, keys_before).await?) })
            })
            .await,
        )
    }

    async fn add_user(
        &self,
        name: String,
        password_hash: Option<String>,
        admin: bool,
        badge: Option<String>,
    ) -> Result<UserInfo, UserError> {
        user_failure(
            self.write(move |tx| {
                Box::pin(async move {
                    users::add_user(tx, &name, password_hash.as_deref(), admin, badge.as_deref())
                        .await
                        .map_err(WriteFailure::Rejected)
                })
            })
            .await,
        )
    }

    async fn issue_token(
        &self,
        name: String,
        device: Option<String>,
    ) -> Result<(UserInfo, String), UserError> {
        user_failure(
            self.write(move |tx| {
                Box::pin(async move {
                    users::issue_token(tx, &name, device.as_deref())
                        .await
                        .map_err(WriteFailure::Rejected)
                })
            })
            .await,
        )
    }

    async fn revoke_tokens(&self, name: String) -> Result<u64, UserError> {
        user_failure(
            self.write(move |tx| {
                Box::pin(async move {
                    users::revoke_tokens(tx, &name)
                        .await
                        .map_err(WriteFailure::Rejected)
                })
            })
            .await,
        )
    }

    async fn set_role(&self, name: String, role: api::Role) -> Result<UserInfo, UserError> {
        user_failure(
            self.write(move |tx| {
                Box::pin(async move {
                    members::set_role(tx, &name, role)
                        .await
                        .map_err(WriteFailure::Rejected)
                })
            })
            .await,
        )
    }

    async fn set_disabled(&self, name: String, disabled: bool) -> Result<UserInfo, UserError> {
        user_failure(
            self.write(move |tx| {
                Box::pin(async move {
                    members::set_disabled(tx, &name, disabled)
                        .await
                        .map_err(WriteFailure::Rejected)
                })
            })
            .await,
        )
    }

    async fn remove_user(&self, name: String) -> Result<members::Removed, UserError> {
        user_failure(
            self.write(move |tx| {
                Box::pin(async move {
                    members::remove_user(tx, &name)
                        .await
                        .map_err(WriteFailure::Rejected)
                })
            })
            .await,
        )
    }

    async fn create_invite(&self, invite: NewInvite, now: Timestamp) -> Result<String, UserError> {
        user_failure(
            self.write(move |tx| {
                Box::pin(async move {
                    members::create_invite(tx, &invite, now)
                        .await
                        .map_err(WriteFailure::Rejected)
                })
            })
            .await,
        )
    }

    async fn invites(&self, now: Timestamp) -> Result<Vec<members::Invite>, DbError> {
        self.read(move |tx| Box::pin(members::list_invites(tx, now)))
            .await
    }

    async fn revoke_invite(&self, id: String) -> Result<u64, DbError> {
        plain(
            self.write(move |tx| {
                Box::pin(async move { Ok(members::revoke_invite(tx, &id).await?) })
            })
            .await,
        )
    }

    async fn redeem_invite(
        &self,
        invite: String,
        name: String,
        password_hash: String,
        device: Option<String>,
        now: Timestamp,
    ) -> WriteResult<(UserInfo, String)> {
        self.write(move |tx| {
            Box::pin(async move {
                members::redeem(tx, &invite, &name, &password_hash, device.as_deref(), now).await
            })
        })
        .await
    }

    async fn register(
        &self,
        name: String,
        role: api::Role,
        password_hash: String,
        device: Option<String>,
        now: Timestamp,
    ) -> WriteResult<(UserInfo, String)> {
        self.write(move |tx| {
            Box::pin(async move {
                members::register(tx, &name, role, &password_hash, device.as_deref(), now).await
            })
        })
        .await
    }

    async fn import(
        &self,
        forum: Forum,
        threads: Vec<(ThreadSummary, Vec<Post>)>,
    ) -> Result<ImportReport, DbError> {
        plain(
            self.write(move |tx| {
                Box::pin(async move { Ok(import::import_into(tx, &forum, threads).await?) })
            })
            .await,
        )
    }

    async fn prepare_demo(&self) -> Result<Vec<DemoAccount>, DbError> {
        plain(
            self.write(|tx| Box::pin(async move { Ok(import::prepare_demo(tx).await?) }))
                .await,
        )
    }

    async fn export(&self) -> Result<(Vec<String>, export::Counts), DbError> {
        self.read(|tx| Box::pin(async move { export::export_lines(tx).await }))
            .await
    }

    async fn import_export(&self, parsed: export::Parsed) -> Result<export::Counts, DbError> {
        plain(
            self.write(move |tx| Box::pin(async move { Ok(export::load(tx, &parsed).await?) }))
                .await,
        )
    }
}
