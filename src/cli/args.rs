//! Command-line arguments; `--help` on every command comes from these doc comments.

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

/// threadmark — read and answer threaded discussions from the terminal, online or not.
///
/// With no command, opens the reader on the current account (the bundled demo forum
/// until you add one).
#[derive(Debug, Parser)]
#[command(
    name = "threadmark",
    version,
    about,
    long_about,
    propagate_version = true
)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Options every command takes.
#[derive(Debug, Args)]
pub struct Global {
    /// Where caches, drafts and the outbox live [default: the platform data directory]
    #[arg(long, global = true, env = "THREADMARK_DATA_DIR", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// The configuration file [default: the platform config directory's config.toml]
    #[arg(long, global = true, env = "THREADMARK_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// The account to use [default: `default_account` in the config, else the demo]
    #[arg(long, global = true, env = "THREADMARK_ACCOUNT", value_name = "NAME")]
    pub account: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print the forum tree: sections, areas and threads with unread counts
    Tree {
        /// Wrap to this many columns [default: the terminal's width, or 80 when piped]
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(20..))]
        width: Option<u16>,
    },
    /// Print a thread as wrapped text, replies nested under what they answer
    Read {
        /// The thread: its id, or a part of its title that matches only one thread
        thread: String,
        /// Wrap to this many columns [default: the terminal's width, or 80 when piped]
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(20..))]
        width: Option<u16>,
    },
    /// Search cached thread titles and posts; every word must match
    Search {
        /// Words to look for (case-insensitive)
        #[arg(required = true, value_name = "WORDS")]
        words: Vec<String>,
        /// Show at most this many matches
        #[arg(long, default_value_t = 50, value_name = "N")]
        limit: usize,
        /// Wrap to this many columns [default: the terminal's width, or 80 when piped]
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(20..))]
        width: Option<u16>,
    },
    /// Run the reference server for the JSON API, or manage its users and tokens
    Serve(crate::server::cli::ServeArgs),
}
