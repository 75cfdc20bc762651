//! The `threadmark` binary: parses arguments, runs a command, reports errors at the edge.

use clap::Parser;
use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use threadmark::account::Setup;
use threadmark::cli::{
    Cli, Command, format_hits, format_thread, format_tree, login, outbox, reply, resolve_thread,
    run_account_command, sync,
};
use threadmark::store::Cache;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let outcome = match cli.command {
        // The server needs no client config or account: it starts before they load.
        Some(Command::Serve(args)) => threadmark::server::cli::run(args),
        command => run(Cli { command, ..cli }),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // One line, no backtrace: the message says what happened and what to do.
            let _ = writeln!(std::io::stderr(), "threadmark: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<()> {
    let setup = Setup::load(cli.global.config.as_deref(), cli.global.data_dir.as_deref())?;
    let account_name = cli.global.account.as_deref();
    let mut stdout = std::io::stdout().lock();
    match cli.command {
        Some(Command::Account { action }) => run_account_command(&setup, action, &mut stdout),
        Some(Command::Login(args)) => {
            login(&setup, &setup.account(account_name)?, &args, &mut stdout)
        }
        Some(Command::Sync) => sync(&setup, &setup.account(account_name)?, &mut stdout),
        Some(Command::Reply { thread, to, file }) => reply(
            &setup.account(account_name)?,
            &thread,
            to.as_deref(),
            file.as_deref(),
            &mut stdout,
        ),
        Some(Command::Outbox { action, json }) => {
            outbox(&setup.account(account_name)?, action, json, &mut stdout)
        }
        command => {
            drop(stdout);
            read_locally(&setup, account_name, command)
        }
    }
}

/// The commands that read the local cache of one account.
fn read_locally(
    setup: &Setup,
    account: Option<&str>,
    command: Option<Command>,
) -> anyhow::Result<()> {
    let account = setup.account(account)?;
    let mut cache = Cache::open(account.dir.clone());
    let forum = account.load_forum(&mut cache)?;
    let threads = cache.load_index()?;
    let read = cache.load_read_state()?;
    report_problems(&mut cache);

    let mut stdout = std::io::stdout().lock();
    match command {
        None => {
            drop(stdout);
            threadmark::tui::run(threadmark::tui::Launch {
                config: &setup.config,
                data_dir: &setup.data,
                account: &account,
                data: threadmark::app::ForumData {
                    forum,
                    threads,
                    read,
                },
            })?;
        }
        Some(Command::Tree { width }) => {
            write!(
                stdout,
                "{}",
                format_tree(&forum, &threads, &read, output_width(width))
            )?;
        }
        Some(Command::Read { thread, width }) => {
            let summary = resolve_thread(&threads, &thread)?;
            let Some(file) = cache.load_thread(&summary.id)? else {
                report_problems(&mut cache);
                anyhow::bail!(
                    "thread {} is not in the local cache; run `threadmark sync` while online",
                    summary.id
                );
            };
            write!(
                stdout,
                "{}",
                format_thread(&forum, &file, &read, output_width(width))
            )?;
        }
        Some(Command::Search {
            words,
            limit,
            width,
        }) => {
            let hits = threadmark::store::search(&mut cache, &threads, &words.join(" "), limit)?;
            report_problems(&mut cache);
            if hits.is_empty() {
                anyhow::bail!("nothing matches {:?}", words.join(" "));
            }
            write!(stdout, "{}", format_hits(&hits, output_width(width)))?;
        }
        Some(
            Command::Account { .. }
            | Command::Login(_)
            | Command::Sync
            | Command::Reply { .. }
            | Command::Outbox { .. }
            | Command::Serve(_),
        ) => {}
    }
    Ok(())
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
