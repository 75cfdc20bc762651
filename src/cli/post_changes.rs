//! `threadmark edit`, `delete` and `like`: changes of existing posts, queued in the outbox
//! like replies (durable before we say so, a key made now, sent in order, offline too).

use super::args::{ModerateOptions, ModerateVerb};
use crate::account::Account;
use crate::model::{Capabilities, ModAction, OutboxEntry, Post, PostId, Target, ThreadId};
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

/// `threadmark moderate ACTION TARGET [FLAGS]`: a moderator's action, queued like the
/// reader's `L`, `P`, `A`, `Y`, `H` and `Z` (the same outbox kind, `moderation`, and the
/// same refusals before anything is queued).
pub fn moderate(
    account: &Account,
    verb: ModerateVerb,
    name: &str,
    options: &ModerateOptions,
    out: &mut impl Write,
) -> anyhow::Result<()> {
    check_backend(account, |c| c.moderate, "moderate")?;
    match account.me() {
        Some(me) if me.moderator => {}
        _ => anyhow::bail!(
            "moderating needs the moderator or admin role (as the server said at the last \
             `threadmark login`); nothing was queued"
        ),
    }
    check_flags(verb, options)?;
    let (target, body, said) = match verb {
        ModerateVerb::Silence => silence_words(
            account,
            name,
            options.for_span.as_deref().unwrap_or_default(),
        )?,
        ModerateVerb::Unsilence => unsilence_words(account, name)?,
        ModerateVerb::Hide => hide_words(account, name, options.reason.as_deref())?,
        ModerateVerb::Unhide => unhide_words(account, name)?,
        ModerateVerb::Split => split_words(
            account,
            name,
            options.from.as_deref().unwrap_or_default(),
            options.title.as_deref(),
        )?,
        ModerateVerb::Lock
        | ModerateVerb::Unlock
        | ModerateVerb::Pin
        | ModerateVerb::Unpin
        | ModerateVerb::Move => thread_words(account, verb, name, options.to.as_deref())?,
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

/// Each flag goes with one action, and the action that needs it has it: refused before
/// anything is queued, naming what was missing or out of place.
fn check_flags(verb: ModerateVerb, options: &ModerateOptions) -> anyhow::Result<()> {
    let needed = match verb {
        ModerateVerb::Hide if options.reason.is_none() => {
            Some("hiding needs --reason TEXT: readers see it in the post's place")
        }
        ModerateVerb::Move if options.to.is_none() => Some("move needs --to AREA"),
        ModerateVerb::Silence if options.for_span.is_none() => {
            Some("silence needs --for SPAN (e.g. 3d)")
        }
        ModerateVerb::Split if options.from.is_none() => {
            Some("split needs --from POST: the first post to split off (its id, or #N)")
        }
        _ => None,
    };
    if let Some(needed) = needed {
        anyhow::bail!("{needed}; nothing was queued");
    }
    let flags = [
        ("--reason", options.reason.is_some(), ModerateVerb::Hide),
        ("--to", options.to.is_some(), ModerateVerb::Move),
        ("--for", options.for_span.is_some(), ModerateVerb::Silence),
        ("--from", options.from.is_some(), ModerateVerb::Split),
        ("--title", options.title.is_some(), ModerateVerb::Split),
    ];
    for (flag, given, owner) in flags {
        if given && verb != owner {
            anyhow::bail!(
                "{flag} goes with {} only; nothing was queued",
                verb_name(owner)
            );
        }
    }
    Ok(())
}

/// The action as typed on the command line: `hide`, `unsilence`, ….
fn verb_name(verb: ModerateVerb) -> String {
    use clap::ValueEnum;
    verb.to_possible_value()
        .map_or_else(|| format!("{verb:?}"), |v| v.get_name().to_owned())
}

/// `moderate lock|unlock|pin|unpin|move THREAD [--to AREA]`.
fn thread_words(
    account: &Account,
    verb: ModerateVerb,
    name: &str,
    to: Option<&str>,
) -> anyhow::Result<(Target, String, String)> {
    let action = match verb {
        ModerateVerb::Lock => ModAction::Lock,
        ModerateVerb::Unlock => ModAction::Unlock,
        ModerateVerb::Pin => ModAction::Pin,
        ModerateVerb::Unpin => ModAction::Unpin,
        _ => ModAction::Move,
    };
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
    Ok((target, body, said))
}

/// `moderate hide POST --reason TEXT`: an empty reason is refused (readers see it).
fn hide_words(
    account: &Account,
    name: &str,
    reason: Option<&str>,
) -> anyhow::Result<(Target, String, String)> {
    let reason = reason.map(str::trim).unwrap_or_default();
    if reason.is_empty() {
        anyhow::bail!(
            "hiding needs --reason TEXT: readers see it in the post's place; nothing was queued"
        );
    }
    let (thread, post) = find_post(account, name)?;
    let said = format!("the hiding of {}", post_words(&post));
    let target = Target::Moderation {
        thread,
        post: Some(post.id),
        action: ModAction::Hide,
        user: None,
    };
    Ok((target, reason.to_owned(), said))
}

/// `moderate unhide POST`: the post's words back in place of the stub. The cache does not
/// know which posts are hidden; a post that is not is left as it is by the server.
fn unhide_words(account: &Account, name: &str) -> anyhow::Result<(Target, String, String)> {
    let (thread, post) = find_post(account, name)?;
    let said = format!("the unhiding of {}", post_words(&post));
    let target = Target::Moderation {
        thread,
        post: Some(post.id),
        action: ModAction::Unhide,
        user: None,
    };
    Ok((target, String::new(), said))
}

/// "post advocacy-1-3 by Ann (#3)".
fn post_words(post: &Post) -> String {
    format!(
        "post {} by {} (#{})",
        clean_line(post.id.as_str()),
        clean_line(&post.author.name),
        post.seq
    )
}

/// `moderate split THREAD --from POST [--title T]`, like the reader's `Y`: the post must
/// be a later one than the opening post and, when the cache holds the thread's posts, one
/// of them. The title goes as the entry's body (empty: the server's `Split from: …`).
fn split_words(
    account: &Account,
    name: &str,
    from: &str,
    title: Option<&str>,
) -> anyhow::Result<(Target, String, String)> {
    let mut cache = Cache::open(account.dir.clone());
    let threads = cache.load_index()?;
    let summary = super::resolve_thread(&threads, name)?;
    let thread_title = clean_line(&summary.title).into_owned();
    let from = from.trim();
    let posts = cache.load_thread(&summary.id)?.map(|file| file.posts);
    let (post, seq) = match (posts, from.strip_prefix('#')) {
        (Some(posts), by_number) => {
            let found = match by_number {
                Some(n) => n
                    .trim()
                    .parse::<u32>()
                    .ok()
                    .and_then(|seq| posts.iter().find(|p| p.seq == seq)),
                None => posts.iter().find(|p| p.id.as_str() == from),
            };
            let Some(post) = found else {
                anyhow::bail!(
                    "no post {} in \"{thread_title}\" (it has {} posts here); name it by \
                     id or as #N, and run `threadmark sync` first if it is new; nothing was \
                     queued",
                    clean_line(from),
                    posts.len()
                );
            };
            (post.id.clone(), Some(post.seq))
        }
        (None, Some(_)) => anyhow::bail!(
            "the posts of \"{thread_title}\" are not in the local cache: run `threadmark \
             sync` first, or name the post by its id; nothing was queued"
        ),
        (None, None) if from.is_empty() => {
            anyhow::bail!("split needs --from POST (its id, or #N); nothing was queued")
        }
        // The server knows the thread's posts: it refuses one that is not there.
        (None, None) => (PostId::new(from.to_owned()), None),
    };
    if seq.is_some_and(|seq| seq <= 1) {
        anyhow::bail!(
            "the opening post cannot be split off: --from names a later post, from which \
             on the posts become a new thread; nothing was queued"
        );
    }
    let title = title.map(str::trim).unwrap_or_default().to_owned();
    let from_words = seq.map_or_else(
        || format!("post {}", clean_line(post.as_str())),
        |seq| format!("#{seq}"),
    );
    let into = if title.is_empty() {
        "a new thread (the server's title: Split from: …)".to_owned()
    } else {
        format!("\"{}\"", clean_line(&title))
    };
    let said = format!("the split of \"{thread_title}\" from {from_words} on into {into}");
    let target = Target::Moderation {
        thread: summary.id.clone(),
        post: Some(post),
        action: ModAction::Split,
        user: None,
    };
    Ok((target, title, said))
}

/// `moderate unsilence USER`: the member may post again (the silence ends now).
fn unsilence_words(account: &Account, user: &str) -> anyhow::Result<(Target, String, String)> {
    let user = user.trim();
    if user.is_empty() {
        anyhow::bail!("unsilence needs the member's user name; nothing was queued");
    }
    if account.me().is_some_and(|me| me.name == user) {
        anyhow::bail!(
            "that is your own name: a moderator is not silenced by themselves, nor lets \
             themselves post again; nothing was queued"
        );
    }
    let said = format!("the end of the silence of {}", clean_line(user));
    let target = Target::Moderation {
        thread: crate::model::ThreadId::new(String::new()),
        post: None,
        action: ModAction::Unsilence,
        user: Some(user.to_owned()),
    };
    Ok((target, String::new(), said))
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
