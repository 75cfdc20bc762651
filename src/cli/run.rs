//! Runs a parsed command line: the client commands, or the reader when there is none.

use super::args::{ClientCommand, Global};
use super::json;
use super::output::Output;
use super::paint::Paint;
use super::post_changes;
use super::thread_text::{ThreadView, format_thread};
use super::{
    completions, format_tree, login, man_page, man_pages, outbox, reply, resolve_thread,
    run_account_command, run_config_command, sync,
};
use crate::account::{Account, Setup};
use crate::app::judged::{Judged, ThreadCounts};
use crate::model::{ForumData, RuleSet};
use crate::store::{Cache, Outbox};
use std::io::{IsTerminal, Write};

/// The commands that queue a write in the outbox.
fn write(account: &Account, command: ClientCommand, out: &mut impl Write) -> anyhow::Result<()> {
    match command {
        ClientCommand::Reply { thread, to, file } => {
            reply(account, &thread, to.as_deref(), file.as_deref(), out)
        }
        ClientCommand::Message { to, title, file } => {
            super::outbox::message(account, &to, &title, file.as_deref(), out)
        }
        ClientCommand::Edit { post, file } => post_changes::edit(account, &post, &file, out),
        ClientCommand::Delete { post } => {
            post_changes::change(account, &post, post_changes::Change::Delete, out)
        }
        ClientCommand::Like { post, undo } => {
            post_changes::change(account, &post, post_changes::Change::like(undo), out)
        }
        ClientCommand::Moderate {
            action,
            target,
            options,
        } => post_changes::moderate(account, action, &target, &options, out),
        _ => anyhow::bail!("not a write"),
    }
}

/// A client command, or the reader when there is none.
pub fn run(global: &Global, command: Option<ClientCommand>) -> anyhow::Result<()> {
    // These need no config, data or log: they work on a machine with no home directory.
    match &command {
        Some(ClientCommand::Completions { shell }) => {
            return finish(Output::stdout(), |out| completions(*shell, out));
        }
        Some(ClientCommand::Man { dir: None }) => {
            return finish(Output::stdout(), man_page);
        }
        Some(ClientCommand::Man { dir: Some(dir) }) => {
            let mut out = Output::stdout();
            for page in man_pages(dir)? {
                writeln!(out, "{}", page.display())?;
            }
            return Ok(out.finish()?);
        }
        _ => {}
    }
    let setup = Setup::load(global.config.as_deref(), global.data_dir.as_deref())?;
    let log_problem = super::logging::init(&setup.data.log_dir(), global.verbose).err();
    tracing::debug!(command = ?command.as_ref().map(command_name), "start");
    let account = || setup.account(global.account.as_deref());
    let Some(command) = command else {
        return open_reader(&setup, global.account.as_deref(), log_problem);
    };
    let paint = Paint::new(global.color, std::io::stdout().is_terminal());
    let page = !global.no_pager;
    let look = |width| Look::new(width, paint, page);
    let rules = setup.config.rule_set();
    match command {
        ClientCommand::Account { action } => finish(Output::stdout(), |out| {
            run_account_command(&setup, action, out)
        }),
        ClientCommand::Config { action } => finish(Output::stdout(), |out| {
            run_config_command(&setup, &action, out)
        }),
        ClientCommand::Login(args) => finish(Output::stdout(), |out| {
            login(&setup, &account()?, &args, out)
        }),
        ClientCommand::Sync { status: true, json } => finish(Output::stdout(), |out| {
            super::sync_status(&setup, &account()?, json, out)
        }),
        ClientCommand::Sync { json, .. } => finish(Output::stdout(), |out| {
            sync(&setup.config, &account()?, json, out)
        }),
        command @ (ClientCommand::Reply { .. }
        | ClientCommand::Message { .. }
        | ClientCommand::Edit { .. }
        | ClientCommand::Delete { .. }
        | ClientCommand::Like { .. }
        | ClientCommand::Moderate { .. }) => {
            finish(Output::stdout(), |out| write(&account()?, command, out))
        }
        ClientCommand::Mark {
            thread, read, to, ..
        } => finish(Output::stdout(), |out| {
            let way = if read {
                super::MarkWay::Read
            } else {
                super::MarkWay::Unread
            };
            super::mark(&account()?, &thread, way, to.as_deref(), out)
        }),
        command @ (ClientCommand::Watch { .. }
        | ClientCommand::Bookmark { .. }
        | ClientCommand::Bookmarks { .. }) => {
            finish(Output::stdout(), |out| places(&account()?, command, out))
        }
        command @ ClientCommand::Inbox { .. } => finish(Output::stdout(), |out| {
            super::inbox::run(&setup, global.account.as_deref(), command, out)
        }),
        ClientCommand::Outbox { action, json } => finish(Output::stdout(), |out| {
            outbox(&account()?, action, json, out)
        }),
        ClientCommand::Tree {
            width,
            json,
            view,
            threads,
        } => tree(
            &setup.config,
            &account()?,
            rules,
            (json, view.as_deref()),
            threads,
            &look(width),
        ),
        ClientCommand::Rules { action } => rules_command(&account()?, rules, &action, page),
        ClientCommand::Read {
            thread,
            width,
            json,
        } => read(&account()?, rules, &thread, json, &look(width)),
        command @ ClientCommand::Search { .. } => {
            super::search::run(&setup, global.account.as_deref(), command, paint, page)
        }
        ClientCommand::Completions { .. } | ClientCommand::Man { .. } => Ok(()),
    }
}

/// `threadmark` without a command: the full-screen reader on the accounts' caches —
/// the one named, else every configured account (and the demo with `show_demo`), else
/// the default one.
fn open_reader(
    setup: &Setup,
    requested: Option<&str>,
    log_problem: Option<String>,
) -> anyhow::Result<()> {
    let (accounts, focused) = reader_accounts(setup, requested)?;
    let several = accounts.len() > 1;
    let mut opened = Vec::with_capacity(accounts.len());
    let mut focused_at = 0;
    for (index, account) in accounts.into_iter().enumerate() {
        let name = account.name.clone();
        let open = match crate::runner::accounts::open(account) {
            Ok((open, problems)) => {
                for problem in problems {
                    warn(&problem.to_string());
                }
                open
            }
            // One account's unreadable cache does not keep the others closed.
            Err(e) if several => {
                warn(&format!("account {name}: not opened: {e:#}"));
                continue;
            }
            Err(e) => return Err(e.into()),
        };
        if index == focused {
            focused_at = opened.len();
        }
        opened.push(open);
    }
    if opened.is_empty() {
        anyhow::bail!("no account could be opened (see the warnings above)");
    }
    crate::runner::run(crate::runner::Launch {
        config: &setup.config,
        config_path: &setup.config_path,
        data_dir: &setup.data,
        accounts: opened,
        focused: focused_at,
        log_problem,
    })?;
    Ok(())
}

/// The accounts the reader opens, in the tree's order, and which has the focus: the one
/// named; else, with two or more configured (the demo counts with `show_demo = true`),
/// all of them, the focus on the account last in focus, else `default_account`; else the
/// default one, as ever.
fn reader_accounts(
    setup: &Setup,
    requested: Option<&str>,
) -> anyhow::Result<(Vec<Account>, usize)> {
    let config = &setup.config;
    let demo = crate::store::DEMO_ACCOUNT;
    let mut names: Vec<&str> = config.accounts.iter().map(|a| a.name.as_str()).collect();
    if config.show_demo && !names.contains(&demo) {
        names.push(demo);
    }
    if requested.is_some() || names.len() < 2 {
        return Ok((vec![setup.account(requested)?], 0));
    }
    // The account last in focus (`reader.json`), else `default_account`, else the first.
    let remembered = crate::store::load_reader_state(&setup.data).focused_account;
    let focused = remembered
        .as_deref()
        .into_iter()
        .chain(config.default_account.as_deref())
        .find_map(|name| names.iter().position(|n| *n == name))
        .unwrap_or(0);
    let accounts = names
        .iter()
        .map(|name| setup.account(Some(name)))
        .collect::<Result<Vec<_>, _>>()?;
    Ok((accounts, focused))
}

/// How text output looks: its width, its colours, and whether it may be paged.
pub(super) struct Look {
    pub width: usize,
    pub paint: Paint,
    pub page: bool,
}

impl Look {
    pub(super) fn new(width: Option<u16>, paint: Paint, page: bool) -> Self {
        Self {
            width: output_width(width),
            paint,
            page,
        }
    }
}

/// `threadmark tree`: the threads and their unread counts come from the tree index
/// (`tree.sqlite`), neither `index.json` nor `read.json` is parsed, unless rules apply to
/// the account or a view is asked for (then every thread is judged from its file, with the
/// read state, and arranged in the view's order).
fn tree(
    config: &crate::config::Config,
    account: &Account,
    rules: &RuleSet,
    (json, view): (bool, Option<&str>),
    per_area: Option<super::args::PerArea>,
    look: &Look,
) -> anyhow::Result<()> {
    use super::args::PerArea;
    use crate::app::tree::views::{AreaViews, View, arranged};
    use crate::store::TreeRows;
    let view = view.and_then(View::parse);
    // Scripts get every thread; a reader at most `per_area` of each area.
    let per_area = if json {
        PerArea::All
    } else {
        per_area.unwrap_or(PerArea::DEFAULT)
    };
    let (forum, rows, totals, counts) = if rules.any_for(&account.name) || view.is_some() {
        let mut data = load(account)?;
        let counts = thread_counts(account, rules, &data, view == Some(View::Top))?;
        if let Some(view) = view {
            data.threads = arranged(
                &data.threads,
                &AreaViews::everywhere(view),
                &data.read,
                &counts,
            );
        }
        let unread = data
            .threads
            .iter()
            .map(|t| counts.unread(t, &data.read))
            .collect();
        let rows = TreeRows {
            threads: data.threads,
            unread,
        };
        let (rows, totals) = match per_area {
            PerArea::All => (rows, Vec::new()),
            PerArea::First(n) => rows.first_of_each_area(n),
        };
        (data.forum, rows, totals, counts)
    } else {
        let mut cache = Cache::open(account.dir.clone());
        cache.on_tree_progress(tree_progress());
        let forum = account.load_forum(&mut cache)?;
        let (rows, totals) = match per_area {
            PerArea::All => (cache.load_tree_rows()?, Vec::new()),
            PerArea::First(n) => cache.load_tree_listing(n)?,
        };
        report_problems(&mut cache);
        (forum, rows, totals, ThreadCounts::default())
    };
    let by_id = rows.unread_by_id();
    let unread_of = |t: &crate::model::ThreadSummary| by_id.get(&t.id).copied().unwrap_or(0);
    let folders = super::search::folders(config, account)?;
    if json {
        let places = crate::store::load_places(&account.dir)?;
        let mut value = json::tree(&account.name, &forum, &rows.threads, &unread_of, &places);
        value.folders = folders;
        return print(Output::stdout(), &json::terminal_safe(&value)?);
    }
    let mut text = format_tree(
        &forum,
        (&rows.threads, &unread_of, &totals),
        &counts,
        look.width,
        look.paint,
    );
    super::search::push_folders(&mut text, &folders, look.paint);
    print(Output::paged(look.page), &text)
}

/// Builds of the tree index from fewer threads than this go unsaid (they take a few
/// milliseconds; scripts reading `threadmark tree` expect a quiet stderr).
const TREE_BUILD_TOLD_FROM: usize = 2_000;

/// Tells on stderr how a large build of the tree index goes (when it is missing, damaged
/// or out of step with the files): a line when it starts and when it ends, and a count
/// updated in place on a terminal.
fn tree_progress() -> impl FnMut(usize, usize) + Send + 'static {
    let live = std::io::stderr().is_terminal();
    let mut started = false;
    move |done, total| {
        if total < TREE_BUILD_TOLD_FROM {
            return;
        }
        let mut err = std::io::stderr();
        if !started {
            started = true;
            let _ = writeln!(
                err,
                "threadmark: building the tree index from {total} threads…"
            );
        }
        if live {
            let _ = write!(err, "\r{done}/{total} threads");
        }
        if done == total {
            let end = if live { "\n" } else { "" };
            let _ = writeln!(err, "{end}threadmark: tree index built");
        }
    }
}

/// What the rules make of every cached thread's counts (nothing to do without rules).
fn thread_counts(
    account: &Account,
    rules: &RuleSet,
    data: &ForumData,
    recent: bool,
) -> anyhow::Result<ThreadCounts> {
    let mut cache = Cache::open(account.dir.clone());
    let counts = crate::runner::judging::counts_for(
        &mut cache,
        &account.name,
        rules,
        &data.forum,
        &data.threads,
        jiff::Timestamp::now(),
        recent,
    )?;
    report_problems(&mut cache);
    Ok(counts)
}

fn read(
    account: &Account,
    rules: &RuleSet,
    thread: &str,
    json: bool,
    look: &Look,
) -> anyhow::Result<()> {
    let data = load(account)?;
    let summary = resolve_thread(&data.threads, thread)?;
    let mut cache = Cache::open(account.dir.clone());
    let file = cache.load_thread(&summary.id)?;
    report_problems(&mut cache);
    let Some(file) = file else {
        anyhow::bail!(
            "thread {} is not in the local cache; run `threadmark sync` while online",
            summary.id
        );
    };
    let outbox = pending(account);
    let judged = Judged::thread(
        rules,
        &account.name,
        &data.forum,
        &file,
        jiff::Timestamp::now(),
    );
    let view = ThreadView {
        forum: &data.forum,
        file: &file,
        read: &data.read,
        outbox: &outbox,
        judged: &judged,
    };
    if json {
        let value = json::thread(&account.name, &view);
        return print(Output::stdout(), &json::terminal_safe(&value)?);
    }
    let text = format_thread(&view, look.width, look.paint);
    print(Output::paged(look.page), &text)
}

/// Tells on stderr how the search index's build goes (it happens when the index is
/// missing or damaged, and once after an upgrade): a line when it starts and when it
/// ends, and a count updated in place on a terminal.
pub(super) fn index_progress() -> impl FnMut(usize, usize) + Send + 'static {
    let live = std::io::stderr().is_terminal();
    move |done, total| {
        let mut err = std::io::stderr();
        if done == 1 {
            let _ = writeln!(
                err,
                "threadmark: building the search index from {total} thread files…"
            );
        }
        if live && (done % 256 == 0 || done == total) {
            let _ = write!(err, "\r{done}/{total} threads");
        }
        if done == total {
            let end = if live { "\n" } else { "" };
            let _ = writeln!(err, "{end}threadmark: search index built");
        }
    }
}

/// The command's name for the log.
fn command_name(command: &ClientCommand) -> &'static str {
    match command {
        ClientCommand::Tree { .. } => "tree",
        ClientCommand::Rules { .. } => "rules",
        ClientCommand::Read { .. } => "read",
        ClientCommand::Search { .. } => "search",
        ClientCommand::Account { .. } => "account",
        ClientCommand::Login(_) => "login",
        ClientCommand::Sync { .. } => "sync",
        ClientCommand::Reply { .. } => "reply",
        ClientCommand::Mark { .. } => "mark",
        ClientCommand::Watch { .. } => "watch",
        ClientCommand::Bookmark { .. } => "bookmark",
        ClientCommand::Bookmarks { .. } => "bookmarks",
        ClientCommand::Inbox { .. } => "inbox",
        ClientCommand::Outbox { .. } => "outbox",
        ClientCommand::Message { .. } => "message",
        ClientCommand::Edit { .. } => "edit",
        ClientCommand::Delete { .. } => "delete",
        ClientCommand::Like { .. } => "like",
        ClientCommand::Moderate { .. } => "moderate",
        ClientCommand::Config { .. } => "config",
        ClientCommand::Completions { .. } => "completions",
        ClientCommand::Man { .. } => "man",
    }
}

/// `threadmark rules test`: which rules match which cached posts.
fn rules_command(
    account: &Account,
    rules: &RuleSet,
    action: &super::args::RulesCommand,
    page: bool,
) -> anyhow::Result<()> {
    let super::args::RulesCommand::Test { json } = *action;
    let data = load(account)?;
    let mut cache = Cache::open(account.dir.clone());
    let report = super::rules_cmd::test(
        &mut cache,
        &account.name,
        rules,
        &data,
        jiff::Timestamp::now(),
    )?;
    report_problems(&mut cache);
    if json {
        return print(Output::stdout(), &json::terminal_safe(&report)?);
    }
    print(Output::paged(page), &super::rules_cmd::format(&report))
}

/// Runs `body` on `out`, then closes it (waiting for the pager).
fn finish(
    mut out: Output,
    body: impl FnOnce(&mut Output) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    body(&mut out)?;
    Ok(out.finish()?)
}

pub(super) fn print(out: Output, text: &str) -> anyhow::Result<()> {
    finish(out, |out| Ok(out.write_all(text.as_bytes())?))
}

/// The account's outbox entries; a problem reading it is a warning (the thread still shows).
fn pending(account: &Account) -> Vec<crate::model::OutboxEntry> {
    match Outbox::open(&account.dir).list() {
        Ok((entries, unreadable)) => {
            for problem in unreadable {
                warn(&problem.to_string());
            }
            entries
        }
        Err(e) => {
            warn(&format!("the outbox could not be read: {e}"));
            Vec::new()
        }
    }
}

/// The account's cached tree, thread index and read state; problems reported on stderr.
fn load(account: &Account) -> anyhow::Result<ForumData> {
    let mut cache = Cache::open(account.dir.clone());
    let data = ForumData {
        forum: account.load_forum(&mut cache)?,
        threads: cache.load_index()?,
        read: cache.load_read_state()?,
    };
    report_problems(&mut cache);
    Ok(data)
}

/// `--width`, else the terminal's width, else 80 (piped output).
fn output_width(explicit: Option<u16>) -> usize {
    if let Some(width) = explicit {
        return usize::from(width);
    }
    if std::io::stdout().is_terminal()
        && let Ok((cols, _)) = crossterm::terminal::size()
    {
        return usize::from(cols.max(20));
    }
    80
}

pub(super) fn report_problems(cache: &mut Cache) {
    for problem in cache.take_problems() {
        warn(&problem.to_string());
    }
}

/// A warning on stderr (cleaned: it may quote a file) and in the log.
pub fn warn(problem: &str) {
    tracing::warn!("{problem}");
    let line = crate::text::sanitize::clean(problem);
    let _ = writeln!(std::io::stderr(), "threadmark: warning: {line}");
}

/// `watch`, `bookmark` and `bookmarks`.
fn places(
    account: &Account,
    command: ClientCommand,
    out: &mut impl std::io::Write,
) -> anyhow::Result<()> {
    match command {
        ClientCommand::Watch { name, level } => super::places::watch(account, &name, level, out),
        ClientCommand::Bookmark { post, note, remove } => {
            super::places::bookmark(account, &post, note.as_deref(), remove, out)
        }
        ClientCommand::Bookmarks { json } => super::places::bookmarks(account, json, out),
        _ => Ok(()),
    }
}
