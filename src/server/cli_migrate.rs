//! `threadmark serve migrate --from DIR --to URL`: moves a `SQLite` forum into PostgreSQL.

use super::db::copy::{self, CopyReport};
use super::store_lock::StoreLock;
use anyhow::Context as _;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;

/// Copy a `SQLite` forum (a server data directory) into an empty PostgreSQL database,
/// verifying every table's row count and checksum before committing.
#[derive(Debug, clap::Args)]
pub struct MigrateArgs {
    /// The data directory of the `SQLite` forum (its server must be stopped)
    #[arg(long, value_name = "DIR")]
    pub from: PathBuf,
    /// The empty PostgreSQL database to copy into (`postgres://USER@HOST/DB`)
    #[arg(long, value_name = "URL")]
    pub to: String,
    /// Print the report as JSON on stdout (progress stays on stderr)
    #[arg(long)]
    pub json: bool,
}

/// Runs the copy, with progress on stderr and the verified report on stdout.
pub fn migrate_command(args: &MigrateArgs) -> anyhow::Result<()> {
    if !args.from.is_dir() {
        anyhow::bail!(
            "{} is not a directory (pass the server's data directory to --from)",
            args.from.display()
        );
    }
    // No server may write to the source while it is copied.
    let _lock = StoreLock::take(&args.from)?;
    let runtime = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    let interactive = std::io::stderr().is_terminal();
    let mut shown = (String::new(), 0_u64);
    let progress = |table: &str, rows: u64| {
        let mut err = std::io::stderr();
        if interactive {
            let _ = write!(err, "\rcopying {table}: {rows} rows\x1b[K");
        } else if shown.0 != table || rows >= shown.1 + 100_000 {
            let _ = writeln!(err, "copying {table}: {rows} rows");
            shown = (table.to_owned(), rows);
        }
    };
    let report = runtime
        .block_on(copy::sqlite_to_postgres(&args.from, &args.to, progress))
        .context("the migration failed; the target database was left as it was")?;
    if interactive {
        eprintln!();
    }
    let mut out = std::io::stdout().lock();
    if args.json {
        serde_json::to_writer_pretty(&mut out, &report)?;
        writeln!(out)?;
    } else {
        print_report(&mut out, &report)?;
    }
    Ok(())
}

fn print_report(out: &mut impl Write, report: &CopyReport) -> std::io::Result<()> {
    writeln!(out, "copied {} into {}", report.source, report.target)?;
    for table in &report.tables {
        writeln!(
            out,
            "  {:<12} {:>9} rows  checksum {}  verified",
            table.table, table.rows, table.checksum
        )?;
    }
    writeln!(
        out,
        "  changes feed head {} (client cursors stay valid)",
        report.feed_head
    )?;
    writeln!(
        out,
        "start the servers with --database {} (keep the SQLite directory as a backup)",
        report.target
    )
}
