//! `threadmark edit`, `delete` and `like`: changes of existing posts, queued in the outbox
//! like replies (durable before we say so, a key made now, sent in order, offline too).

use crate::account::Account;
use crate::model::{Capabilities, OutboxEntry, Post, Target, ThreadId};
use crate::store::{Cache, Enqueued, Outbox};
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

/// The account's server kind must be able to send it: say so before anything is queued.
fn check_backend(
    account: &Account,
    can: fn(&Capabilities) -> bool,
    what: &str,
) -> anyhow::Result<()> {
    let capabilities = account.capabilities();
    if can(&capabilities) {
        Ok(())
    } else {
        anyhow::bail!("{}; nothing was queued", capabilities.cannot(what))
    }
}

/// A cached post named by its id, or as `THREAD#N` where THREAD is named the way every
/// command names a thread (its id or a part of its title that matches only one).
pub(super) fn find_post(account: &Account, name: &str) -> anyhow::Result<(ThreadId, Post)> {
    let mut cache = Cache::open(account.dir.clone());
    let threads = cache.load_index()?;
    if let Some((thread, n)) = name.rsplit_once('#')
        && let Ok(seq) = n.trim().parse::<u32>()
    {
        let summary = super::resolve_thread(&threads, thread)?;
        let post = cache
            .load_thread(&summary.id)?
            .and_then(|file| file.posts.into_iter().find(|p| p.seq == seq));
        return match post {
            Some(post) => Ok((summary.id.clone(), post)),
            None => anyhow::bail!(
                "no post #{seq} of \"{}\" ({}) in the local cache; run `threadmark sync` first if it is new",
                clean_line(&summary.title),
                summary.id
            ),
        };
    }
    for summary in &threads {
        let Some(file) = cache.load_thread(&summary.id)? else {
            continue;
        };
        if let Some(post) = file.posts.into_iter().find(|p| p.id.as_str() == name) {
            return Ok((summary.id.clone(), post));
        }
    }
    anyhow::bail!(
        "no post {name} in the local cache; name it by id or as THREAD#N (THREAD: its id or a part of its title), and run `threadmark sync` first if it is new"
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
    // A reply still waiting to go: its text changes, one request later instead of two.
    if name.len() >= 8
        && let Some(queued) = outbox.amend_waiting(name, &body)?
    {
        writeln!(
            out,
            "Changed the text of queued {} {} (still one request).",
            queued.target.kind(),
            queued.key
        )?;
        return Ok(());
    }
    check_backend(account, |c| c.edit, "edit posts")?;
    let (thread, post) = find_post(account, name)?;
    if post.deleted {
        anyhow::bail!("post {name} was deleted; nothing was queued");
    }
    let target = Target::Edit {
        thread,
        post: post.id.clone(),
        base_version: post.version,
        original: post.body.text.clone(),
    };
    let entry = OutboxEntry::new(target, body, jiff::Timestamp::now());
    match outbox.enqueue_edit(&entry)? {
        // Two edits of the same post waiting offline: only the last text goes.
        Enqueued::Merged(earlier) => {
            writeln!(
                out,
                "Replaced the text of the edit {} still queued for this post: only the last text is sent.",
                earlier.key
            )?;
            Ok(())
        }
        Enqueued::New(entry) => said_queued(&entry, &post, out),
    }
}

/// `threadmark delete POST` and `threadmark like POST [--undo]`.
pub fn change(
    account: &Account,
    name: &str,
    change: Change,
    out: &mut impl Write,
) -> anyhow::Result<()> {
    if change == Change::Delete {
        check_backend(account, |c| c.delete, "delete posts")?;
    } else {
        check_backend(account, |c| c.react, "like posts")?;
    }
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

fn queue(
    outbox: &Outbox,
    target: Target,
    body: String,
    post: &Post,
    out: &mut impl Write,
) -> anyhow::Result<()> {
    let entry = OutboxEntry::new(target, body, jiff::Timestamp::now());
    let entry = outbox.enqueue(&entry)?;
    said_queued(&entry, post, out)
}

fn said_queued(entry: &OutboxEntry, post: &Post, out: &mut impl Write) -> anyhow::Result<()> {
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
    let Some(again) = outbox.keep_mine(entry, jiff::Timestamp::now())? else {
        anyhow::bail!(
            "{} is {}, not in conflict: nothing to keep",
            entry.key,
            entry.state.label()
        );
    };
    let version = again.target.base_version().unwrap_or_default();
    writeln!(
        out,
        "Yours goes again as {} on the server's version {version} (the conflicting entry is kept under outbox/discarded/).",
        again.key
    )?;
    Ok(())
}

/// `threadmark moderate ACTION TARGET [--reason R]`: a moderator's action, queued like the
/// reader's `L`, `P` and `H` (the same outbox kind, `moderation`).
pub fn moderate(
    account: &Account,
    verb: super::args::ModerateVerb,
    name: &str,
    (reason, to, for_span): (Option<&str>, Option<&str>, Option<&str>),
    out: &mut impl Write,
) -> anyhow::Result<()> {
    use super::args::ModerateVerb;
    use crate::model::ModAction;
    check_backend(account, |c| c.moderate, "moderate")?;
    match account.me() {
        Some(me) if me.moderator => {}
        _ => anyhow::bail!(
            "moderating needs the moderator or admin role (as the server said at the last \
             `threadmark login`); nothing was queued"
        ),
    }
    let action = match verb {
        ModerateVerb::Lock => ModAction::Lock,
        ModerateVerb::Unlock => ModAction::Unlock,
        ModerateVerb::Pin => ModAction::Pin,
        ModerateVerb::Unpin => ModAction::Unpin,
        ModerateVerb::Hide => ModAction::Hide,
        ModerateVerb::Move => ModAction::Move,
        ModerateVerb::Silence => ModAction::Silence,
    };
    if for_span.is_some() != (action == ModAction::Silence) {
        anyhow::bail!(
            "silence needs --for SPAN (e.g. 3d), and --for goes with silence only; nothing was \
             queued"
        );
    }
    if to.is_some() != (action == ModAction::Move) {
        anyhow::bail!("move needs --to AREA, and --to goes with move only; nothing was queued");
    }
    let (target, body, said) = if let Some(span) = for_span {
        if reason.is_some() || to.is_some() {
            anyhow::bail!("silence takes --for only; nothing was queued");
        }
        silence_words(account, name, span)?
    } else if action == ModAction::Hide {
        let reason = reason.map(str::trim).unwrap_or_default();
        if reason.is_empty() {
            anyhow::bail!(
                "hiding needs --reason TEXT: readers see it in the post's place; nothing was queued"
            );
        }
        let (thread, post) = find_post(account, name)?;
        let said = format!(
            "the hiding of post {} by {} (#{})",
            clean_line(post.id.as_str()),
            clean_line(&post.author.name),
            post.seq
        );
        let target = Target::Moderation {
            thread,
            post: Some(post.id),
            action: ModAction::Hide,
            user: None,
        };
        (target, reason.to_owned(), said)
    } else {
        if reason.is_some() {
            anyhow::bail!("--reason goes with hide only; nothing was queued");
        }
        let mut cache = Cache::open(account.dir.clone());
        let threads = cache.load_index()?;
        let summary = super::resolve_thread(&threads, name)?;
        let (body, said) = if let Some(to) = to {
            move_words(&mut cache, summary, to)?
        } else {
            let said = format!(
                "the {} of \"{}\"",
                action.verb(),
                clean_line(&summary.title)
            );
            (String::new(), said)
        };
        let target = Target::Moderation {
            thread: summary.id.clone(),
            post: None,
            action,
            user: None,
        };
        (target, body, said)
    };
    let entry = OutboxEntry::new(target, body, jiff::Timestamp::now());
    let entry = Outbox::open(&account.dir).enqueue(&entry)?;
    writeln!(
        out,
        "Queued {said} ({}). It goes out with `threadmark sync` or while the reader is open.",
        entry.key
    )?;
    Ok(())
}

/// `moderate silence USER --for SPAN`: the target, the end of the silence (fixed now, so a
/// resend asks for the same end) and what the command says it queued; an unreadable span
/// or the account's own name is refused.
fn silence_words(
    account: &Account,
    user: &str,
    span: &str,
) -> anyhow::Result<(Target, String, String)> {
    let user = user.trim();
    if user.is_empty() {
        anyhow::bail!("silence needs the member's user name; nothing was queued");
    }
    if account.me().is_some_and(|me| me.name == user) {
        anyhow::bail!(
            "that is your own name: a moderator does not silence themselves; nothing was queued"
        );
    }
    let span = crate::text::span::parse_span(span)
        .map_err(|why| anyhow::anyhow!("{why}; nothing was queued"))?;
    let until = jiff::Timestamp::now().checked_add(span)?;
    let said = format!(
        "the silence of {} until {}",
        clean_line(user),
        until.strftime("%Y-%m-%d %H:%M UTC")
    );
    let target = Target::Moderation {
        thread: crate::model::ThreadId::new(String::new()),
        post: None,
        action: crate::model::ModAction::Silence,
        user: Some(user.to_owned()),
    };
    Ok((target, until.to_string(), said))
}

/// `moderate move … --to AREA`: the target area's id (the entry's body) and what the
/// command says it queued; an unknown area, or the thread's own, is refused.
fn move_words(
    cache: &mut Cache,
    summary: &crate::model::ThreadSummary,
    to: &str,
) -> anyhow::Result<(String, String)> {
    let forum = cache
        .load_forum()?
        .ok_or_else(|| anyhow::anyhow!("no forum here yet: run `threadmark sync`"))?;
    let area = forum
        .find_area(to)
        .map_err(|why| anyhow::anyhow!("{}; nothing was queued", clean_line(&why)))?;
    if summary.area == area.id {
        anyhow::bail!(
            "\"{}\" is in {} already; nothing was queued",
            clean_line(&summary.title),
            clean_line(&area.title)
        );
    }
    let said = format!(
        "the move of \"{}\" to {}",
        clean_line(&summary.title),
        clean_line(&area.title)
    );
    Ok((area.id.as_str().to_owned(), said))
}
