//! `threadmark mark THREAD --read|--unread [--to POST]`: marks a thread read up to a post,
//! or unread from one, here and — queued like a reply — on the server.

use super::resolve_thread;
use crate::account::Account;
use crate::model::{ReadMark, ThreadSummary};
use crate::store::{Cache, ReadMarks, lock_state_files};
use crate::text::sanitize::clean_line;
use std::io::Write;

/// Which way `mark` moves the reading.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Way {
    Read,
    Unread,
}

pub fn mark(
    account: &Account,
    thread: &str,
    way: Way,
    to: Option<&str>,
    out: &mut impl Write,
) -> anyhow::Result<()> {
    let mut cache = Cache::open(account.dir.clone());
    let threads = cache.load_index()?;
    let summary = resolve_thread(&threads, thread)?.clone();
    let seq = match to {
        None if way == Way::Read => summary.last_seq,
        None => 1,
        Some(to) => post_seq(&mut cache, &summary, to)?,
    };
    let now = jiff::Timestamp::now();
    let mark = match way {
        Way::Read => ReadMark::ReadTo { seq, at: now },
        Way::Unread => ReadMark::UnreadFrom { seq, at: now },
    };
    let queued = account.queues_read_marks();
    {
        let _lock = lock_state_files(&account.dir)?;
        // Queued first: a crash before read.json is written still sends it.
        if queued {
            ReadMarks::open(&account.dir).enqueue(&summary.id, mark)?;
        }
        let mut read = cache.load_read_state()?;
        let thread = read.thread_mut(&summary.id);
        match way {
            Way::Read => thread.mark_all_read(seq),
            Way::Unread => thread.unread_after(seq.saturating_sub(1)),
        }
        cache.save_read_state(&read)?;
    }
    let title = clean_line(&summary.title);
    match way {
        Way::Read => write!(out, "\"{title}\" is read up to #{seq}")?,
        Way::Unread => write!(out, "\"{title}\" is unread from #{seq}")?,
    }
    super::places::said_queued(out, queued)
}

/// The `seq` of `to`: `#N`, or a post id the cache holds.
fn post_seq(cache: &mut Cache, thread: &ThreadSummary, to: &str) -> anyhow::Result<u32> {
    if let Some(n) = to.strip_prefix('#') {
        return match n.parse::<u32>() {
            Ok(seq) if (1..=thread.last_seq.max(1)).contains(&seq) => Ok(seq),
            _ => anyhow::bail!(
                "no post {to} in \"{}\" (it has {} posts); nothing was marked",
                clean_line(&thread.title),
                thread.last_seq
            ),
        };
    }
    let found = cache.load_thread(&thread.id)?.and_then(|file| {
        file.posts
            .iter()
            .find(|p| p.id.as_str() == to)
            .map(|p| p.seq)
    });
    found.ok_or_else(|| {
        anyhow::anyhow!(
            "no post {to} in \"{}\"; name it by id or by its number, e.g. #3; nothing was marked",
            clean_line(&thread.title)
        )
    })
}
