//! `threadmark serve backup` and `threadmark serve restore`: a consistent copy of a
//! `SQLite` store taken while it is served, and putting one back.

use super::db::backup::{self, BackupReport};
use super::store_lock::StoreLock;
use std::io::Write as _;
use std::path::{Path, PathBuf};

/// Copy the store to one file while the forum is served (`SQLite`'s online backup API:
/// one consistent snapshot, even under writes)
#[derive(Debug, clap::Args)]
pub struct BackupArgs {
    /// The file to write (replaced whole only once it is complete and checked)
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// Print what the backup holds as JSON
    #[arg(long)]
    pub json: bool,
}

/// Put a backup (from `threadmark serve backup`) in place as the store; the server must
/// be stopped. A store already there is kept beside it, renamed.
#[derive(Debug, clap::Args)]
pub struct RestoreArgs {
    /// The backup file
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// Print what was restored as JSON
    #[arg(long)]
    pub json: bool,
}

/// What to use instead on PostgreSQL.
const POSTGRES: &str = "backups of a PostgreSQL store are PostgreSQL's: use pg_dump and \
     pg_restore (or `threadmark serve export`, which works on either store)";

/// Runs `serve backup`.
pub fn backup_command(dir: &Path, postgres: bool, args: &BackupArgs) -> anyhow::Result<()> {
    if postgres {
        anyhow::bail!("{POSTGRES}");
    }
    let report = backup::backup(dir, &args.out).map_err(|e| {
        anyhow::anyhow!(
            "the backup failed ({e}); {} was left as it was",
            args.out.display()
        )
    })?;
    print(
        &format!("backed up {} to {}", dir.display(), args.out.display()),
        &report,
        args.json,
    )
}

/// Runs `serve restore`.
pub fn restore_command(dir: &Path, postgres: bool, args: &RestoreArgs) -> anyhow::Result<()> {
    if postgres {
        anyhow::bail!("{POSTGRES}");
    }
    let report = backup::check_backup(&args.file)
        .map_err(|e| anyhow::anyhow!("{e}; nothing was restored"))?;
    std::fs::create_dir_all(dir)?;
    // No server may hold the store while it is replaced.
    let _lock = StoreLock::take(dir)?;
    let kept = backup::restore(&args.file, dir)
        .map_err(|e| anyhow::anyhow!("the restore failed ({e}); the store was left as it was"))?;
    print(
        &format!("restored {} into {}", args.file.display(), dir.display()),
        &report,
        args.json,
    )?;
    if let Some(kept) = kept {
        eprintln!("the store that was there is kept as {}", kept.display());
    }
    Ok(())
}

fn print(headline: &str, report: &BackupReport, json: bool) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    if json {
        serde_json::to_writer_pretty(&mut out, report)?;
        writeln!(out)?;
    } else {
        writeln!(
            out,
            "{headline}: {} threads, {} posts, {} users (schema {}, {} bytes)",
            report.threads, report.posts, report.users, report.schema, report.bytes
        )?;
    }
    Ok(())
}
