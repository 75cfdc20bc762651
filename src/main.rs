//! The `threadmark` binary: parses arguments, runs a command, reports errors at the edge.

use clap::Parser;
use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use threadmark::account::Setup;
use threadmark::cli::{Cli, Command, format_hits, format_thread, format_tree, resolve_thread};
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
    let account = setup.account(cli.global.account.as_deref())?;
    let mut cache = Cache::open(account.dir.clone());
    let forum = cache.load_forum()?.unwrap_or_default();
    let threads = cache.load_index()?;
    let read = cache.load_read_state()?;
    report_problems(&mut cache);

    let mut stdout = std::io::stdout().lock();
    match cli.command {
        None => {
            writeln!(
                stdout,
                "The full-screen reader is not built yet. Read the {} forum with:\n  \
                 threadmark tree          the sections, areas and threads\n  \
                 threadmark read <thread> one thread (by id or a part of its title)\n  \
                 threadmark search <words>",
                account.name
            )?;
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
        Some(Command::Serve(args)) => threadmark::server::cli::run(args)?,
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
