//! `threadmark serve`: its arguments, the startup lines on stdout, and the dispatch of its subcommands.

use super::cli_backup::{BackupArgs, RestoreArgs, backup_command, restore_command};
use super::cli_export::{ExportArgs, ImportArgs, export_command, import_command, read_export};
use super::cli_forum::{ForumCommand, forum_command};
use super::cli_invites::{InviteCommand, invite_command};
use super::cli_migrate::{MigrateArgs, migrate_command};
use super::cli_moderation::{
    PostCommand, ThreadCommand, log_command, post_command, thread_command,
};
use super::cli_users::{TokenCommand, UserCommand, token_command, user_command};
use super::db::{self, Location};
use super::settings;
use super::{ConnectionLimits, ServerConfig, ServerLimits, start};
use anyhow::Context as _;
use clap::{Args, Subcommand};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Environment variable naming the server's data directory (same as `--data`).
pub const SERVER_DATA_ENV: &str = "THREADMARK_SERVER_DATA";

/// Environment variable naming the PostgreSQL database (same as `--database`).
pub const DATABASE_URL_ENV: &str = "THREADMARK_DATABASE_URL";

/// Run the reference server for threadmark's JSON API, or manage its users.
///
/// Prints `listening on http://IP:PORT` as its first line on stdout; with `--demo`, then
/// `member token: VALUE` and `admin token: VALUE`. The API is under `/api/v1`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    #[command(subcommand)]
    pub command: Option<ServeCommand>,
    /// The server's data directory [default: `server` in the platform data directory;
    /// with --demo, a temporary directory removed on exit]
    #[arg(long, global = true, env = SERVER_DATA_ENV, value_name = "DIR")]
    pub data: Option<PathBuf>,
    /// Keep the forum in this PostgreSQL database instead of `SQLite` in the data
    /// directory; any number of servers may share it. `?sslmode=require` (or
    /// `verify-full`) connects with TLS [e.g. `postgres://forum@db.example/forum`]
    #[arg(long, global = true, env = DATABASE_URL_ENV, hide_env_values = true, value_name = "URL")]
    pub database: Option<String>,
    /// Load the bundled demo forum (into an empty store) and print ready-to-use tokens
    #[arg(long)]
    pub demo: bool,
    /// The settings that may also live in `server.toml` (flags override the file).
    #[command(flatten)]
    pub settings: Box<settings::Flags>,
}

#[derive(Debug, Subcommand)]
pub enum ServeCommand {
    /// Print the settings the server would start with (from flags, `server.toml` in the
    /// data directory, or defaults) and where each comes from
    Config,
    /// Show and shape the forum: title, announcement, sections and areas (also while it
    /// is being served)
    Forum {
        #[command(subcommand)]
        command: Box<ForumCommand>,
    },
    /// Lock, pin or move a thread (logged as done by `(operator)`)
    Thread {
        #[command(subcommand)]
        command: ThreadCommand,
    },
    /// Hide a post behind a stub with the reason, or show it again (logged)
    Post {
        #[command(subcommand)]
        command: PostCommand,
    },
    /// Print the moderation log: who locked, pinned, moved or hid what, and when
    Log {
        /// Show at most this many entries, newest first
        #[arg(long, default_value_t = 50, value_name = "N")]
        limit: u32,
    },
    /// Create and list the server's users
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Invite members: a token a new member redeems with `threadmark login --invite`
    Invite {
        #[command(subcommand)]
        command: InviteCommand,
    },
    /// Issue or revoke bearer tokens without a password (for scripts and lost passwords)
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// Copy a `SQLite` forum into an empty PostgreSQL database (verified by row counts
    /// and checksums), to serve it from several processes
    Migrate(MigrateArgs),
    /// Write the whole forum to one JSON Lines file (users without passwords or tokens)
    Export(ExportArgs),
    /// Load a file written by `serve export` into an empty store
    Import(ImportArgs),
    /// Copy the `SQLite` store to one file while the forum is served (a consistent
    /// snapshot, even under writes); PostgreSQL stores use `pg_dump`
    Backup(BackupArgs),
    /// Put a backup in place as the store (the server stopped); refuses a file that is
    /// not a backup and keeps the store it replaces
    Restore(RestoreArgs),
}

/// The default server data directory: `server` under the platform data directory.
pub fn default_data_dir() -> anyhow::Result<PathBuf> {
    directories::ProjectDirs::from("", "", "threadmark")
        .map(|dirs| dirs.data_dir().join("server"))
        .context("no home directory found; pass --data DIR")
}

/// Runs `threadmark serve …`.
pub fn run(args: ServeArgs) -> anyhow::Result<()> {
    let location = || -> anyhow::Result<Location> {
        Ok(match &args.database {
            Some(url) => Location::Postgres(url.clone()),
            None => Location::Dir(resolve_dir(args.data.as_deref())?),
        })
    };
    match args.command {
        Some(ServeCommand::Forum { command }) => {
            let location = location()?;
            runtime()?.block_on(async {
                let store = db::open(&location).await?;
                forum_command(store.as_ref(), *command).await
            })
        }
        Some(ServeCommand::Thread { command }) => {
            let location = location()?;
            runtime()?.block_on(async {
                let store = db::open(&location).await?;
                thread_command(store.as_ref(), command).await
            })
        }
        Some(ServeCommand::Post { command }) => {
            let location = location()?;
            runtime()?.block_on(async {
                let store = db::open(&location).await?;
                post_command(store.as_ref(), command).await
            })
        }
        Some(ServeCommand::Log { limit }) => {
            let location = location()?;
            runtime()?.block_on(async {
                let store = db::open(&location).await?;
                log_command(store.as_ref(), limit).await
            })
        }
        Some(ServeCommand::User { command }) => {
            let location = location()?;
            runtime()?.block_on(async {
                let store = db::open(&location).await?;
                user_command(store.as_ref(), command).await
            })
        }
        Some(ServeCommand::Invite { command }) => {
            let location = location()?;
            runtime()?.block_on(async {
                let store = db::open(&location).await?;
                invite_command(store.as_ref(), command).await
            })
        }
        Some(ServeCommand::Token { command }) => {
            let location = location()?;
            runtime()?.block_on(async {
                let store = db::open(&location).await?;
                token_command(store.as_ref(), command).await
            })
        }
        Some(ServeCommand::Migrate(migrate)) => migrate_command(&migrate),
        Some(ServeCommand::Backup(backup)) => backup_command(
            &resolve_dir(args.data.as_deref())?,
            args.database.is_some(),
            &backup,
        ),
        Some(ServeCommand::Restore(restore)) => restore_command(
            &resolve_dir(args.data.as_deref())?,
            args.database.is_some(),
            &restore,
        ),
        Some(ServeCommand::Export(export)) => {
            let location = location()?;
            runtime()?.block_on(async {
                let store = db::open(&location).await?;
                export_command(store.as_ref(), &export).await
            })
        }
        Some(ServeCommand::Import(import)) if import.file.is_dir() => {
            let imported = super::discourse_import::read_folder(&import.file)
                .map_err(|e| anyhow::anyhow!("{e:#}; nothing was imported"))?;
            let location = location()?;
            runtime()?.block_on(async {
                let store = db::open(&location).await?;
                super::cli_export::import_discourse(store.as_ref(), &import, imported).await
            })
        }
        Some(ServeCommand::Import(import)) => {
            let parsed = read_export(&import)?;
            let location = location()?;
            runtime()?.block_on(async {
                let store = db::open(&location).await?;
                import_command(store.as_ref(), &import, parsed).await
            })
        }
        Some(ServeCommand::Config) => {
            let dir = resolve_dir(args.data.as_deref())?;
            let settings = settings::load(Some(&dir), &args.settings)?;
            print!("{}", settings.describe());
            Ok(())
        }
        None => serve(args),
    }
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Runtime::new().context("cannot start the async runtime")
}

fn resolve_dir(data: Option<&Path>) -> anyhow::Result<PathBuf> {
    data.map_or_else(default_data_dir, |d| Ok(d.to_owned()))
}

fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let (dir, temporary) = match (&args.data, args.demo) {
        (Some(dir), _) => (dir.clone(), false),
        (None, true) if args.database.is_none() => {
            let name = format!("threadmark-demo-{}", uuid::Uuid::now_v7().simple());
            (std::env::temp_dir().join(name), true)
        }
        (None, _) => (default_data_dir()?, false),
    };
    // A temporary demo directory holds no settings file.
    let settings = settings::load((!temporary).then_some(dir.as_path()), &args.settings)?;
    let mut config = ServerConfig::new(&dir);
    config.database = args.database;
    config.addr = settings.addr;
    config.demo = args.demo;
    config.mode = settings.mode;
    config.banner = settings.banner;
    config.limits = ServerLimits {
        writes_per_minute: settings.writes_per_minute,
        reads_per_minute: settings.reads_per_minute,
        max_post_chars: settings.max_post_chars,
        ..ServerLimits::default()
    };
    config.connections = ConnectionLimits {
        max_connections: settings.max_connections,
        header_timeout: Duration::from_secs(settings.header_timeout),
        ..ConnectionLimits::default()
    };
    config.changes_retention =
        Duration::from_secs(settings.changes_retention_hours.saturating_mul(3600));
    config.log_requests = !settings.quiet;
    config.registration = settings.registration;

    let runtime = runtime()?;
    let result = runtime.block_on(async move {
        let server = start(config).await?;
        let mut out = std::io::stdout().lock();
        writeln!(out, "listening on http://{}", server.addr)?;
        for token in &server.tokens {
            writeln!(out, "{} token: {}", token.role, token.token)?;
        }
        out.flush()?;
        drop(out);
        eprintln!(
            "threadmark serve: API at {}; data in {}{}; Ctrl-C stops",
            server.url(),
            server.location,
            if temporary {
                " (temporary, removed on exit)"
            } else {
                ""
            }
        );
        stop_signal().await;
        eprintln!("threadmark serve: stopping");
        server.shutdown().await?;
        anyhow::Ok(())
    });
    if temporary {
        let _ = std::fs::remove_dir_all(&dir);
    }
    result
}

/// Ctrl-C, or SIGTERM on Unix.
async fn stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}
