//! `threadmark inbox [--all] [--json] [--offline]` and `threadmark inbox read ID…|--all`:
//! what concerns the user — replies to them, mentions, quotes, private messages — across
//! their accounts.

use super::args::{ClientCommand, InboxCommand};
use crate::account::{Account, Setup};
use crate::config::Config;
use crate::model::InboxItem;
use crate::store::{load_inbox, read_inbox_items};
use crate::text::sanitize::clean_line;
use serde::Serialize;
use std::io::Write;

/// The accounts the command covers: the one named with `--account`, else every
/// configured one (the demo has no inbox; named, it is covered like any other).
fn accounts(setup: &Setup, named: Option<&str>) -> anyhow::Result<Vec<Account>> {
    if named.is_some() {
        return Ok(vec![setup.account(named)?]);
    }
    let configured: Vec<String> = setup
        .config
        .accounts
        .iter()
        .map(|a| a.name.clone())
        .collect();
    configured
        .iter()
        .map(|name| Ok(setup.account(Some(name))?))
        .collect()
}

#[derive(Serialize)]
struct ItemJson<'a> {
    account: &'a str,
    #[serde(flatten)]
    item: &'a InboxItem,
    /// Written over the item's own, in the shape every `--json` author has.
    author: super::json::AuthorJson,
}

/// `threadmark inbox …` as parsed.
pub fn run(
    setup: &Setup,
    named: Option<&str>,
    command: ClientCommand,
    out: &mut impl Write,
) -> anyhow::Result<()> {
    let ClientCommand::Inbox {
        action,
        all,
        json,
        offline,
    } = command
    else {
        anyhow::bail!("not an inbox command");
    };
    inbox(setup, named, action, Show { all, json, offline }, out)
}

/// `threadmark inbox`, or `threadmark inbox read`.
fn inbox(
    setup: &Setup,
    named: Option<&str>,
    action: Option<InboxCommand>,
    show: Show,
    out: &mut impl Write,
) -> anyhow::Result<()> {
    let accounts = accounts(setup, named)?;
    if let Some(InboxCommand::Read { ids, all }) = action {
        return mark_read(&accounts, (!all).then_some(ids.as_slice()), out);
    }
    if !show.offline {
        for account in accounts.iter().filter(|a| !a.is_demo()) {
            refresh(&setup.config, account);
        }
    }
    let mut listed: Vec<(String, InboxItem)> = Vec::new();
    let mut unread = 0usize;
    for account in &accounts {
        let inbox = load_inbox(&account.dir)?;
        unread += inbox.unread().count();
        listed.extend(
            inbox
                .items
                .into_iter()
                .filter(|i| show.all || !i.read)
                .map(|i| (account.name.clone(), i)),
        );
    }
    listed.sort_by_key(|(_, item)| std::cmp::Reverse(item.created_at));
    if show.json {
        let items: Vec<ItemJson> = listed
            .iter()
            .map(|(account, item)| ItemJson {
                account,
                item,
                author: super::json::AuthorJson::from(&item.author),
            })
            .collect();
        let value = serde_json::json!({
            "version": super::json::VERSION,
            "unread": unread,
            "items": items,
        });
        writeln!(out, "{}", super::json::terminal_safe(&value)?)?;
        return Ok(());
    }
    if accounts.is_empty() {
        writeln!(
            out,
            "no account to have an inbox (the demo has none): `threadmark account add` adds one"
        )?;
        return Ok(());
    }
    if listed.is_empty() {
        writeln!(
            out,
            "nothing new in the inbox{}",
            if show.all {
                ""
            } else {
                " (--all lists read items too)"
            }
        )?;
        return Ok(());
    }
    for (account, item) in &listed {
        write_item(out, account, item, accounts.len() > 1)?;
    }
    writeln!(
        out,
        "{unread} unread; `threadmark inbox read ID` (or --all) marks them read"
    )?;
    Ok(())
}

/// How `threadmark inbox` lists.
#[derive(Clone, Copy, Debug, Default)]
pub struct Show {
    pub all: bool,
    pub json: bool,
    pub offline: bool,
}

/// One sync of `account` so the list is fresh; offline (or refused), what the last sync
/// brought is listed, and stderr says so.
fn refresh(config: &Config, account: &Account) {
    if let Err(e) = super::sync(config, account, false, &mut std::io::sink()) {
        eprintln!(
            "{}: not synced now ({}); the inbox is as of the last sync",
            account.name,
            clean_line(&format!("{e:#}"))
        );
    }
}

fn write_item(
    out: &mut impl Write,
    account: &str,
    item: &InboxItem,
    name_account: bool,
) -> anyhow::Result<()> {
    let when = item.created_at.strftime("%Y-%m-%d %H:%M");
    let mark = if item.read { ' ' } else { '*' };
    write!(out, "{mark} {}  ", clean_line(&item.id))?;
    if name_account {
        write!(out, "{}  ", clean_line(account))?;
    }
    write!(
        out,
        "{:<7}  {}  \"{}\" #{}  {when}",
        item.kind,
        clean_line(&item.author.name),
        clean_line(&item.thread_title),
        item.seq
    )?;
    if !item.excerpt.is_empty() {
        write!(out, "  — {}", clean_line(&item.excerpt))?;
    }
    writeln!(out)?;
    Ok(())
}

/// Marks items read here at once, and queues the marks for the server (like read marks:
/// durable, sent by the next sync, never blocking) on accounts that sync read state.
fn mark_read(
    accounts: &[Account],
    ids: Option<&[String]>,
    out: &mut impl Write,
) -> anyhow::Result<()> {
    let mut marked_total = 0usize;
    let mut queued = false;
    let mut found: Vec<String> = Vec::new();
    for account in accounts {
        let done = read_inbox_items(&account.dir, ids, account.queues_inbox_marks())?;
        queued |= done.queued;
        marked_total += done.marked.len();
        found.extend(done.found);
    }
    if let Some(ids) = ids
        && let Some(missing) = ids.iter().find(|id| !found.contains(id))
    {
        anyhow::bail!(
            "no inbox item {}; `threadmark inbox --all` lists them (nothing else was left unmarked: {marked_total} marked read)",
            clean_line(missing)
        );
    }
    write!(out, "marked {marked_total} read")?;
    super::places::said_queued(out, queued)
}
