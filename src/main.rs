//! The `threadmark` binary: parses arguments, runs a command, reports errors at the edge.

use clap::Parser;
use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use threadmark::account::{Account, Setup};
use threadmark::cli::{
    Cli, ClientCommand, Command, Global, format_hits, format_thread, format_tree, login, outbox,
    reply, resolve_thread, run_account_command, sync, sync_status,
};
use threadmark::model::ForumData;
use threadmark::store::Cache;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let outcome = match cli.command {
        // The server needs no client config or account.
        Some(Command::Serve(args)) => threadmark::server::cli::run(args),
        Some(Command::Client(command)) => run(&cli.global, Some(command)),
        None => run(&cli.global, None),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // One line, no backtrace: the message says what happened and what to do. It
            // may quote a server or a file, so it is cleaned like any text from them.
            let message = format!("{e:#}");
            let message = threadmark::text::sanitize::clean(&message);
            let _ = writeln!(std::io::stderr(), "threadmark: {message}");
            ExitCode::FAILURE
        }
    }
}

/// A client command, or the reader when there is none.
fn run(global: &Global, command: Option<ClientCommand>) -> anyhow::Result<()> {
    let setup = Setup::load(global.config.as_deref(), global.data_dir.as_deref())?;
    let account = || setup.account(global.account.as_deref());
    let mut out = std::io::stdout().lock();
    match command {
        None => {
            drop(out);
            let account = account()?;
            let data = load(&account)?;
            threadmark::runner::run(threadmark::runner::Launch {
                config: &setup.config,
                data_dir: &setup.data,
                account: &account,
                data,
            })?;
            Ok(())
        }
        Some(ClientCommand::Account { action }) => run_account_command(&setup, action, &mut out),
        Some(ClientCommand::Login(args)) => login(&setup, &account()?, &args, &mut out),
        Some(ClientCommand::Sync { status: true, json }) => {
            sync_status(&setup, &account()?, json, &mut out)
        }
        Some(ClientCommand::Sync { .. }) => sync(&setup, &account()?, &mut out),
        Some(ClientCommand::Reply { thread, to, file }) => reply(
            &account()?,
            &thread,
            to.as_deref(),
            file.as_deref(),
            &mut out,
        ),
        Some(ClientCommand::Outbox { action, json }) => outbox(&account()?, action, json, &mut out),
        Some(ClientCommand::Tree { width }) => {
            let data = load(&account()?)?;
            let text = format_tree(&data.forum, &data.threads, &data.read, output_width(width));
            Ok(write!(out, "{text}")?)
        }
        Some(ClientCommand::Read { thread, width }) => {
            let account = account()?;
            let data = load(&account)?;
            let summary = resolve_thread(&data.threads, &thread)?;
            let mut cache = Cache::open(account.dir.clone());
            let file = cache.load_thread(&summary.id)?;
            report_problems(&mut cache);
            let Some(file) = file else {
                anyhow::bail!(
                    "thread {} is not in the local cache; run `threadmark sync` while online",
                    summary.id
                );
            };
            let text = format_thread(&data.forum, &file, &data.read, output_width(width));
            Ok(write!(out, "{text}")?)
        }
        Some(ClientCommand::Search {
            words,
            limit,
            width,
        }) => {
            let account = account()?;
            let data = load(&account)?;
            let mut cache = Cache::open(account.dir.clone());
            let query = words.join(" ");
            let hits = threadmark::store::search(&mut cache, &data.threads, &query, limit)?;
            report_problems(&mut cache);
            if hits.is_empty() {
                anyhow::bail!("nothing matches {query:?}");
            }
            Ok(write!(out, "{}", format_hits(&hits, output_width(width)))?)
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

fn report_problems(cache: &mut Cache) {
    for problem in cache.take_problems() {
        let _ = writeln!(std::io::stderr(), "threadmark: warning: {problem}");
    }
}
