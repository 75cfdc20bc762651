//! `threadmark reply` and `threadmark outbox`: queue replies offline, see and steer the queue.

use super::args::OutboxCommand;
use super::resolve_thread;
use crate::account::Account;
use crate::model::{OutboxEntry, PostId, Target, Thread, ThreadId};
use crate::render::target_words;
use crate::store::{Cache, Outbox, Retried};
use crate::text::sanitize::clean_line;
use std::collections::HashMap;
use std::io::{IsTerminal, Read, Write};
use std::path::Path;

/// Queues a reply to `thread` (answering `to`), read from `file` or standard input.
pub fn reply(
    account: &Account,
    thread: &str,
    to: Option<&str>,
    file: Option<&Path>,
    out: &mut impl Write,
) -> anyhow::Result<()> {
    let mut cache = Cache::open(account.dir.clone());
    let threads = cache.load_index()?;
    let summary = resolve_thread(&threads, thread)?;
    if let Some(why) = summary.reply_refusal() {
        anyhow::bail!(
            "\"{}\": {why}; nothing was queued",
            clean_line(&summary.title)
        );
    }
    let reply_to = match to {
        None => None,
        Some(to) => Some(resolve_post(&mut cache, summary, to)?),
    };
    let body = read_body(file)?;
    if body.trim().is_empty() {
        anyhow::bail!("the reply is empty; nothing was queued");
    }
    // The server would refuse it after it left: say so now.
    if let Some(forum) = cache.load_forum()?
        && let Some(why) = forum.limits.refusal(None, &body)
    {
        anyhow::bail!("{why}; nothing was queued");
    }
    let entry = OutboxEntry::new(
        Target::Reply {
            thread: summary.id.clone(),
            reply_to,
        },
        body,
        jiff::Timestamp::now(),
    );
    Outbox::open(&account.dir).enqueue(&entry)?;
    writeln!(
        out,
        "Queued reply {} to \"{}\". It goes out with `threadmark sync` or while the reader is open.",
        entry.key,
        clean_line(&summary.title)
    )?;
    Ok(())
}

/// Queues a private message to `to` (user names), read from `file` or standard input.
pub fn message(
    account: &Account,
    to: &[String],
    title: &str,
    file: Option<&Path>,
    out: &mut impl Write,
) -> anyhow::Result<()> {
    if let Some(why) = account.capabilities().refusal(&Target::Message {
        to: Vec::new(),
        title: String::new(),
    }) {
        anyhow::bail!("{why}; nothing was queued");
    }
    let mut to: Vec<String> = to
        .iter()
        .map(|n| n.trim().trim_start_matches('@').to_owned())
        .collect();
    to.retain(|n| !n.is_empty());
    to.dedup();
    if to.is_empty() {
        anyhow::bail!("name who the message is for: --to USER; nothing was queued");
    }
    if title.trim().is_empty() {
        anyhow::bail!("the message needs a title (--title); nothing was queued");
    }
    let body = read_body(file)?;
    if body.trim().is_empty() {
        anyhow::bail!("the message is empty; nothing was queued");
    }
    let mut cache = Cache::open(account.dir.clone());
    if let Some(forum) = cache.load_forum()?
        && let Some(why) = forum.limits.refusal(Some(title), &body)
    {
        anyhow::bail!("{why}; nothing was queued");
    }
    let entry = OutboxEntry::new(
        Target::Message {
            to: to.clone(),
            title: title.trim().to_owned(),
        },
        body,
        jiff::Timestamp::now(),
    );
    Outbox::open(&account.dir).enqueue(&entry)?;
    writeln!(
        out,
        "Queued message {} \"{}\" to {}. It goes out with `threadmark sync` or while the reader is open.",
        entry.key,
        clean_line(title.trim()),
        clean_line(&to.join(", "))
    )?;
    Ok(())
}

/// A post named by id or by `#N` (its number in the thread).
fn resolve_post(
    cache: &mut Cache,
    thread: &crate::model::ThreadSummary,
    to: &str,
) -> anyhow::Result<PostId> {
    let Some(file) = cache.load_thread(&thread.id)? else {
        anyhow::bail!(
            "thread {} is not in the local cache; run `threadmark sync` first",
            thread.id
        );
    };
    let found = match to.strip_prefix('#').map(str::parse::<u32>) {
        Some(Ok(seq)) => file.posts.iter().find(|p| p.seq == seq),
        _ => file.posts.iter().find(|p| p.id.as_str() == to),
    };
    match found {
        Some(post) if post.deleted => anyhow::bail!("post {to} was deleted; answer another one"),
        Some(post) => Ok(post.id.clone()),
        None => anyhow::bail!(
            "no post {to} in \"{}\"; name it by id or by its number, e.g. #3",
            clean_line(&thread.title)
        ),
    }
}

fn read_body(file: Option<&Path>) -> anyhow::Result<String> {
    if let Some(path) = file {
        return std::fs::read_to_string(path)
            .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()));
    }
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        eprintln!("Type the reply (Markdown); end with Ctrl-D on an empty line:");
    }
    let mut body = String::new();
    stdin.lock().read_to_string(&mut body)?;
    Ok(body)
}

/// Lists the outbox, or runs `retry` / `discard`.
pub fn outbox(
    account: &Account,
    action: Option<OutboxCommand>,
    json: bool,
    out: &mut impl Write,
) -> anyhow::Result<()> {
    let outbox = Outbox::open(&account.dir);
    match action {
        None => list(account, &outbox, json, out),
        Some(OutboxCommand::Retry { key }) => retry(&outbox, &key, out),
        Some(OutboxCommand::Discard { key, yes }) => discard(&outbox, &key, yes, out),
        Some(OutboxCommand::Keep { key }) => {
            super::post_changes::keep_mine(&outbox, &find(&outbox, &key)?, out)
        }
    }
}

fn list(
    account: &Account,
    outbox: &Outbox,
    json: bool,
    out: &mut impl Write,
) -> anyhow::Result<()> {
    let (entries, unreadable) = outbox.list()?;
    for problem in &unreadable {
        eprintln!("threadmark: warning: {problem}");
    }
    if json {
        let value = serde_json::json!({
            "version": super::json::VERSION,
            "entries": entries,
            "unreadable": unreadable.iter().map(|u| u.path.display().to_string()).collect::<Vec<_>>(),
        });
        write!(out, "{}", super::json::terminal_safe(&value)?)?;
        return Ok(());
    }
    if entries.is_empty() {
        writeln!(out, "The outbox is empty.")?;
        return Ok(());
    }
    // Names from the cache, as the reader shows them: "Reply to Robert Banks (#3) in …".
    let mut cache = Cache::open(account.dir.clone());
    let threads = cache.load_index().unwrap_or_default();
    let forum = cache.load_forum().ok().flatten().unwrap_or_default();
    let mut files: HashMap<ThreadId, Option<Thread>> = HashMap::new();
    for entry in &entries {
        if let Some(thread) = entry.target.place() {
            files
                .entry(thread.clone())
                .or_insert_with(|| cache.load_thread(thread).ok().flatten());
        }
    }
    for entry in &entries {
        let posts = entry
            .target
            .place()
            .and_then(|thread| files.get(thread).and_then(Option::as_ref));
        let target = target_words(&entry.target, &threads, &forum, |id| {
            posts.and_then(|t| t.posts.iter().find(|p| &p.id == id))
        });
        let attempts = match entry.attempts {
            0 => String::new(),
            1 => " (1 attempt)".to_owned(),
            n => format!(" ({n} attempts)"),
        };
        writeln!(
            out,
            "{}  {:<17} {target}{attempts}",
            entry.key,
            entry.state.label()
        )?;
        let first_line = entry
            .body
            .lines()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("");
        writeln!(out, "    {}", ellipsize(&clean_line(first_line), 70))?;
        if let Some(message) = &entry.last_message {
            writeln!(out, "    last attempt: {}", clean_line(message))?;
        }
    }
    Ok(())
}

fn ellipsize(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut cut: String = text.chars().take(max - 1).collect();
    cut.push('…');
    cut
}

fn find(outbox: &Outbox, key: &str) -> anyhow::Result<OutboxEntry> {
    let (entries, _) = outbox.list()?;
    let mut matches: Vec<OutboxEntry> = entries
        .into_iter()
        .filter(|e| e.key.starts_with(key))
        .collect();
    if matches.len() > 1 {
        anyhow::bail!(
            "{} outbox entries start with {key}; give more of the key",
            matches.len()
        );
    }
    matches.pop().ok_or_else(|| {
        anyhow::anyhow!("no outbox entry with key {key}; `threadmark outbox` lists them")
    })
}

fn retry(outbox: &Outbox, key: &str, out: &mut impl Write) -> anyhow::Result<()> {
    let entry = find(outbox, key)?;
    match outbox.retry(&entry, jiff::Timestamp::now())? {
        Some(Retried::Requeued(again)) => writeln!(
            out,
            "Queued again as {} (the failed entry is kept under discarded/).",
            again.key
        )?,
        Some(Retried::Rescheduled) => {
            writeln!(out, "{} will be sent at the next sync.", entry.key)?;
        }
        None => anyhow::bail!("{} is {}: nothing to retry", entry.key, entry.state.label()),
    }
    Ok(())
}

fn discard(outbox: &Outbox, key: &str, yes: bool, out: &mut impl Write) -> anyhow::Result<()> {
    let entry = find(outbox, key)?;
    if !yes {
        if !std::io::stdin().is_terminal() {
            anyhow::bail!("discarding needs confirmation; pass --yes when not at a terminal");
        }
        eprint!(
            "Discard {} ({}), \"{}\"? [y/N] ",
            entry.key,
            entry.state.label(),
            ellipsize(&clean_line(entry.body.trim()), 40)
        );
        let mut answer = String::new();
        std::io::stdin().read_line(&mut answer)?;
        if !matches!(answer.trim(), "y" | "Y" | "yes") {
            writeln!(out, "Kept.")?;
            return Ok(());
        }
    }
    outbox.discard(&entry)?;
    writeln!(
        out,
        "Discarded {} (kept on disk under outbox/discarded/).",
        entry.key
    )?;
    Ok(())
}
