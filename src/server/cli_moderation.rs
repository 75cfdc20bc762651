//! `threadmark serve thread …`, `serve post …` and `serve log`: the operator locks, pins,
//! moves and splits threads and hides posts from the command line (logged as `(operator)`), and
//! reads the log.

use super::db::Store;
use super::db::WriteFailure;
use super::db::moderation::Actor;
use crate::api::{PostModeration, ThreadModeration, ThreadSplit, ThreadSplitDone};
use crate::text::sanitize::clean_line;
use std::io::Write as _;

/// Lock, pin or move a thread.
#[derive(Debug, clap::Subcommand)]
pub enum ThreadCommand {
    /// Lock a thread: it takes no more replies
    Lock { thread: String },
    /// Unlock a thread
    Unlock { thread: String },
    /// Pin a thread: readers list it first in its area
    Pin { thread: String },
    /// Unpin a thread
    Unpin { thread: String },
    /// Move a thread to another area
    Move {
        thread: String,
        #[arg(long, value_name = "AREA")]
        to: String,
    },
    /// Split a thread: the post FROM and every later post become a new thread in the
    /// same area (the old thread keeps a tombstone for each)
    Split {
        thread: String,
        /// The id of the first post to move (not the opening post)
        #[arg(long, value_name = "POST")]
        from: String,
        /// The new thread's title (default: "Split from: <the thread's title>")
        #[arg(long, value_name = "TEXT")]
        title: Option<String>,
    },
}

/// `serve thread split`: prints the new thread's id.
async fn split(
    store: &dyn Store,
    thread: String,
    from: String,
    title: Option<String>,
) -> anyhow::Result<()> {
    let split = ThreadSplit { from, title };
    match store
        .split_thread(Actor::Operator, thread, split, None, jiff::Timestamp::now())
        .await
    {
        Ok(creation) => {
            let done: ThreadSplitDone = serde_json::from_str(&creation.body)?;
            writeln!(
                std::io::stdout().lock(),
                "split {} post(s) from thread {} into thread {} ({}) in area {}",
                done.thread.last_seq,
                clean_line(&done.original.id),
                clean_line(&done.thread.id),
                clean_line(&done.thread.title),
                clean_line(&done.thread.area_id)
            )?;
            Ok(())
        }
        Err(WriteFailure::Rejected(problem)) => Err(anyhow::anyhow!(
            "{}; nothing was changed",
            problem
                .detail
                .clone()
                .or_else(|| problem.errors.first().map(|e| e.message.clone()))
                .unwrap_or_else(|| problem.title.clone())
        )),
        Err(WriteFailure::Store(e)) => Err(anyhow::anyhow!("{e}")),
    }
}

pub async fn thread_command(store: &dyn Store, command: ThreadCommand) -> anyhow::Result<()> {
    let (thread, change, done) = match command {
        ThreadCommand::Lock { thread } => (thread, flag(Some(true), None), "locked"),
        ThreadCommand::Unlock { thread } => (thread, flag(Some(false), None), "unlocked"),
        ThreadCommand::Pin { thread } => (thread, flag(None, Some(true)), "pinned"),
        ThreadCommand::Unpin { thread } => (thread, flag(None, Some(false)), "unpinned"),
        ThreadCommand::Split {
            thread,
            from,
            title,
        } => return split(store, thread, from, title).await,
        ThreadCommand::Move { thread, to } => (
            thread,
            ThreadModeration {
                area_id: Some(to),
                ..ThreadModeration::default()
            },
            "moved",
        ),
    };
    match store
        .moderate_thread(Actor::Operator, thread, change, jiff::Timestamp::now())
        .await
    {
        Ok(thread) => {
            writeln!(
                std::io::stdout().lock(),
                "{done} thread {} ({}) in area {}",
                clean_line(&thread.id),
                clean_line(&thread.title),
                clean_line(&thread.area_id)
            )?;
            Ok(())
        }
        Err(WriteFailure::Rejected(problem)) => Err(anyhow::anyhow!(
            "{}; nothing was changed",
            problem.detail.as_deref().unwrap_or(&problem.title)
        )),
        Err(WriteFailure::Store(e)) => Err(anyhow::anyhow!("{e}")),
    }
}

/// Hide a post (readers see a stub with the reason) or show it again.
#[derive(Debug, clap::Subcommand)]
pub enum PostCommand {
    /// Hide a post: readers see "Hidden by a moderator: REASON" in its place
    Hide {
        post: String,
        #[arg(long, value_name = "TEXT")]
        reason: String,
    },
    /// Show a hidden post again, as its author wrote it
    Unhide { post: String },
}

pub async fn post_command(store: &dyn Store, command: PostCommand) -> anyhow::Result<()> {
    let (post, change, done) = match command {
        PostCommand::Hide { post, reason } => (
            post,
            PostModeration {
                hidden: true,
                reason: Some(reason),
            },
            "hid",
        ),
        PostCommand::Unhide { post } => (post, PostModeration::default(), "showed"),
    };
    match store
        .moderate_post(Actor::Operator, post, change, jiff::Timestamp::now())
        .await
    {
        Ok(post) => {
            writeln!(
                std::io::stdout().lock(),
                "{done} post {} (#{} in thread {})",
                clean_line(&post.id),
                post.seq,
                clean_line(&post.thread_id)
            )?;
            Ok(())
        }
        Err(WriteFailure::Rejected(problem)) => Err(anyhow::anyhow!(
            "{}; nothing was changed",
            problem
                .detail
                .clone()
                .or_else(|| problem
                    .errors
                    .first()
                    .map(|e| format!("{}: {}", e.field, e.message)))
                .unwrap_or_else(|| problem.title.clone())
        )),
        Err(WriteFailure::Store(e)) => Err(anyhow::anyhow!("{e}")),
    }
}

fn flag(locked: Option<bool>, pinned: Option<bool>) -> ThreadModeration {
    ThreadModeration {
        locked,
        pinned,
        area_id: None,
    }
}

/// `threadmark serve log`: the newest moderation actions, newest first.
pub async fn log_command(store: &dyn Store, limit: u32) -> anyhow::Result<()> {
    let entries = store.mod_log(limit).await?;
    let mut out = std::io::stdout().lock();
    if entries.is_empty() {
        writeln!(out, "no moderation actions yet")?;
    }
    for entry in entries {
        let detail = entry
            .detail
            .map(|d| format!(" ({})", clean_line(&d)))
            .unwrap_or_default();
        writeln!(
            out,
            "{}  {} {} {}{detail}",
            entry.at.strftime("%Y-%m-%d %H:%M:%S UTC"),
            clean_line(&entry.actor),
            entry.action,
            clean_line(&entry.target)
        )?;
    }
    Ok(())
}
