//! `threadmark edit`, `delete` and `like`: changes of existing posts, queued in the outbox
//! like replies (durable before we say so, a key made now, sent in order, offline too).

use crate::account::Account;
use crate::config::AccountKind;
use crate::model::{OutboxEntry, OutboxState, Post, Target, ThreadId};
use crate::store::{Cache, Outbox};
use crate::text::sanitize::clean_line;
use std::io::Write;
use std::path::Path;

/// What the user asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Change {
    Delete,
    Like,
    Unlike,
}

impl Change {
    /// `like`, or with `--undo` taking it back.
    pub fn like(undo: bool) -> Self {
        if undo { Self::Unlike } else { Self::Like }
    }
}

/// API v1 and Discourse accounts take these; Lemmy not yet: say so before anything is
/// queued.
fn check_backend(account: &Account, what: &str) -> anyhow::Result<()> {
    match account.remote.as_ref().map(|r| r.kind) {
        Some(AccountKind::Lemmy) => {
            anyhow::bail!("threadmark cannot {what} on a Lemmy instance yet; nothing was queued")
        }
        _ => Ok(()),
    }
}

/// A cached post named by its id (or `THREAD#N`), with its thread.
pub(super) fn find_post(account: &Account, name: &str) -> anyhow::Result<(ThreadId, Post)> {
    let mut cache = Cache::open(account.dir.clone());
    let threads = cache.load_index()?;
    let by_number = name
        .rsplit_once('#')
        .and_then(|(thread, n)| Some((thread, n.parse::<u32>().ok()?)));
    for summary in &threads {
        if let Some((thread, _)) = by_number
            && summary.id.as_str() != thread
        {
            continue;
        }
        let Some(file) = cache.load_thread(&summary.id)? else {
            continue;
        };
        let found = file.posts.into_iter().find(|p| match by_number {
            Some((_, seq)) => p.seq == seq,
            None => p.id.as_str() == name,
        });
        if let Some(post) = found {
            return Ok((summary.id.clone(), post));
        }
    }
    anyhow::bail!(
        "no post {name} in the local cache; name it by id or as THREAD#N, and run `threadmark sync` first if it is new"
    )
}

/// `threadmark edit POST --file F`: an edit of a cached post, or of a reply still queued.
pub fn edit(
    account: &Account,
    name: &str,
    file: &Path,
    out: &mut impl Write,
) -> anyhow::Result<()> {
    let body = std::fs::read_to_string(file)
        .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", file.display()))?;
    if body.trim().is_empty() {
        anyhow::bail!(
            "the new text is empty; to delete the post use `threadmark delete`; nothing was queued"
        );
    }
    let outbox = Outbox::open(&account.dir);
    let (entries, _) = outbox.list()?;
    // A reply still waiting to go: its text changes, one request later instead of two.
    if let Some(mut queued) = entries
        .iter()
        .find(|e| {
            e.key.starts_with(name) && name.len() >= 8 && waiting(e) && e.target.post().is_none()
        })
        .cloned()
    {
        queued.body = body;
        outbox.update(&queued)?;
        writeln!(
            out,
            "Changed the text of queued {} {} (still one request).",
            queued.target.kind(),
            queued.key
        )?;
        return Ok(());
    }
    check_backend(account, "edit posts")?;
    let (thread, post) = find_post(account, name)?;
    if post.deleted {
        anyhow::bail!("post {name} was deleted; nothing was queued");
    }
    // Two edits of the same post waiting offline: only the last text goes.
    if let Some(mut earlier) = entries
        .iter()
        .find(|e| waiting(e) && matches!(&e.target, Target::Edit { post: p, .. } if *p == post.id))
        .cloned()
    {
        earlier.body = body;
        outbox.update(&earlier)?;
        writeln!(
            out,
            "Replaced the text of the edit {} still queued for this post: only the last text is sent.",
            earlier.key
        )?;
        return Ok(());
    }
    let target = Target::Edit {
        thread,
        post: post.id.clone(),
        base_version: post.version,
        original: post.body.text.clone(),
    };
    queue(&outbox, target, body, &post, out)
}

/// `threadmark delete POST` and `threadmark like POST [--undo]`.
pub fn change(
    account: &Account,
    name: &str,
    change: Change,
    out: &mut impl Write,
) -> anyhow::Result<()> {
    check_backend(
        account,
        if change == Change::Delete {
            "delete posts"
        } else {
            "like posts"
        },
    )?;
    let (thread, post) = find_post(account, name)?;
    if post.deleted {
        anyhow::bail!("post {name} was deleted already; nothing was queued");
    }
    let target = match change {
        Change::Delete => Target::Delete {
            thread,
            post: post.id.clone(),
            base_version: post.version,
        },
        Change::Like => Target::Like {
            thread,
            post: post.id.clone(),
        },
        Change::Unlike => Target::Unlike {
            thread,
            post: post.id.clone(),
        },
    };
    queue(
        &Outbox::open(&account.dir),
        target,
        String::new(),
        &post,
        out,
    )
}

/// Still waiting to be sent, and never tried: safe to change in place.
fn waiting(entry: &OutboxEntry) -> bool {
    matches!(entry.state, OutboxState::Queued | OutboxState::Held) && entry.attempts == 0
}

fn queue(
    outbox: &Outbox,
    target: Target,
    body: String,
    post: &Post,
    out: &mut impl Write,
) -> anyhow::Result<()> {
    let entry = OutboxEntry::new(target, body, jiff::Timestamp::now());
    let entry = outbox.enqueue(&entry)?;
    writeln!(
        out,
        "Queued {} {} of post {} by {} (#{}). It goes out with `threadmark sync` or while the reader is open.",
        entry.target.kind(),
        entry.key,
        clean_line(post.id.as_str()),
        clean_line(&post.author.name),
        post.seq
    )?;
    Ok(())
}

/// `threadmark outbox keep KEY`: a conflicting edit or deletion is sent again on the
/// server's new version (under a new key); the conflicting entry is kept under
/// `outbox/discarded/`.
pub fn keep_mine(outbox: &Outbox, entry: &OutboxEntry, out: &mut impl Write) -> anyhow::Result<()> {
    let OutboxState::Conflict {
        version, theirs, ..
    } = &entry.state
    else {
        anyhow::bail!(
            "{} is {}, not in conflict: nothing to keep",
            entry.key,
            entry.state.label()
        );
    };
    let target = match &entry.target {
        Target::Edit { thread, post, .. } => Target::Edit {
            thread: thread.clone(),
            post: post.clone(),
            base_version: *version,
            original: theirs.clone(),
        },
        Target::Delete { thread, post, .. } => Target::Delete {
            thread: thread.clone(),
            post: post.clone(),
            base_version: *version,
        },
        other => other.clone(),
    };
    let mut again = entry.successor(entry.body.clone(), jiff::Timestamp::now());
    again.target = target;
    let again = outbox.replace(entry, &again)?;
    writeln!(
        out,
        "Yours goes again as {} on the server's version {version} (the conflicting entry is kept under outbox/discarded/).",
        again.key
    )?;
    Ok(())
}
