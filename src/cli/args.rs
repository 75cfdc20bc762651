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
    /// More detail in the log file (-v debug, -vv trace); `THREADMARK_LOG` takes a filter
    /// such as `debug` or `threadmark=trace` [default: info]
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// Colour in command output: auto (on a terminal, unless `NO_COLOR` is set), always,
    /// never
    #[arg(
        long,
        global = true,
        value_enum,
        default_value_t = ColorChoice::Auto,
        value_name = "WHEN"
    )]
    pub color: ColorChoice,
    /// Print long output straight to the terminal instead of through `$PAGER` (default
    /// `less -FRX`; never used when the output is not a terminal)
    #[arg(long, global = true)]
    pub no_pager: bool,
}

/// When command output is coloured.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorChoice {
    /// On a terminal, unless `NO_COLOR` is set
    #[default]
    Auto,
    /// Always, also in pipes and with `NO_COLOR`
    Always,
    /// Never
    Never,
}

/// How many threads `threadmark tree` lists under each area.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PerArea {
    All,
    First(usize),
}

impl PerArea {
    /// What `tree` lists without `--threads`: a forum of thousands of threads an area
    /// prints as an overview, not as every thread it ever had.
    pub const DEFAULT: Self = Self::First(25);
}

fn parse_per_area(text: &str) -> Result<PerArea, String> {
    if text.eq_ignore_ascii_case("all") {
        return Ok(PerArea::All);
    }
    text.parse()
        .map(PerArea::First)
        .map_err(|_| format!("expected a number of threads or `all`, not {text:?}"))
}

/// The client options `threadmark serve` does not take (it has `--data` of its own).
pub const CLIENT_ONLY_OPTIONS: &[(&str, &str)] = &[
    ("data_dir", "data-dir"),
    ("config", "config"),
    ("account", "account"),
    ("verbose", "verbose"),
    ("color", "color"),
    ("no_pager", "no-pager"),
];

#[derive(Debug, Subcommand)]
pub enum Command {
    #[command(flatten)]
    Client(ClientCommand),
    /// Run the reference server for the JSON API, or manage its users and tokens
    Serve(crate::server::cli::ServeArgs),
}

/// The commands that work on an account of this machine's client.
#[derive(Debug, Subcommand)]
pub enum ClientCommand {
    /// Print the forum tree: sections, areas and threads with unread counts
    Tree {
        /// Wrap to this many columns [default: the terminal's width, or 80 when piped]
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(20..))]
        width: Option<u16>,
        /// List each area's threads in this view: activity (latest post first), new (never
        /// opened), unread (with unread posts), score (highest first), created (newest
        /// first), top (most posts in the last week)
        #[arg(long, value_name = "VIEW", value_parser = ["activity", "new", "unread", "score", "created", "top"])]
        view: Option<String>,
        /// List at most N threads under each area, or `all` (the others are counted in a
        /// line of their own; an area's unread count is always its whole) [default: 25;
        /// `--json` lists every thread]
        #[arg(long, value_name = "N|all", value_parser = parse_per_area, conflicts_with = "json")]
        threads: Option<PerArea>,
        /// Print JSON (the shape is in the README, "JSON output")
        #[arg(long)]
        json: bool,
    },
    /// Print a thread as wrapped text, replies nested under what they answer
    Read {
        /// The thread: its id, or a part of its title that matches only one thread
        thread: String,
        /// Wrap to this many columns [default: the terminal's width, or 80 when piped]
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(20..))]
        width: Option<u16>,
        /// Print JSON (the shape is in the README, "JSON output")
        #[arg(long)]
        json: bool,
    },
    /// Search cached thread titles and posts; every word must match
    ///
    /// The best matches come first: the words whole, then as the start of a longer word,
    /// then inside one ("train" finds "train", then "trained", then "constraints").
    ///
    /// The query takes "phrases", -word (leave out), author:NAME, area:AREA, thread:ID,
    /// before:DATE, after:DATE (2026-01-31, or a time ago: 7d), unread, is:bookmarked,
    /// is:mine and account:NAME (the README's "The query language").
    Search {
        /// Words, "phrases" and operators (case-insensitive)
        #[arg(required = true, value_name = "QUERY")]
        words: Vec<String>,
        /// Save the query as a folder of this name in config.toml (shown in the reader's
        /// tree with its unread count) instead of searching
        #[arg(long, value_name = "NAME")]
        save: Option<String>,
        /// Show at most this many matches
        #[arg(long, default_value_t = 50, value_name = "N")]
        limit: usize,
        /// Wrap to this many columns [default: the terminal's width, or 80 when piped]
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(20..))]
        width: Option<u16>,
        /// Print JSON (the shape is in the README, "JSON output")
        #[arg(long)]
        json: bool,
    },
    /// Test the [[rules]] of config.toml over the cached posts (a dry run)
    Rules {
        #[command(subcommand)]
        action: RulesCommand,
    },
    /// Add, list or remove forum accounts
    Account {
        #[command(subcommand)]
        action: AccountCommand,
    },
    /// Sign in to an account's server and store the credential (mode 0600)
    Login(LoginArgs),
    /// Pull new posts into the local cache and send the outbox, once
    Sync {
        /// Print the request budget left, the prefetch policy and how many threads are
        /// cached, and sync nothing
        #[arg(long)]
        status: bool,
        /// Print the summary (or, with --status, the status) as JSON (the shape is in the
        /// README, "JSON output")
        #[arg(long)]
        json: bool,
    },
    /// Queue a reply (works offline; `threadmark sync` or the reader sends it)
    Reply {
        /// The thread: its id, or a part of its title that matches only one thread
        thread: String,
        /// The post answered: its id or `#N` (its number in the thread) [default: the thread]
        #[arg(long, value_name = "POST")]
        to: Option<String>,
        /// Read the reply from this file [default: standard input]
        #[arg(long, value_name = "FILE")]
        file: Option<PathBuf>,
    },
    /// Queue a private message to other members (works offline, like a reply)
    Message {
        /// A recipient's user name (repeat for several)
        #[arg(long = "to", value_name = "USER", required = true)]
        to: Vec<String>,
        /// The message's title
        #[arg(long)]
        title: String,
        /// Read the text from this file [default: standard input]
        #[arg(long, value_name = "FILE")]
        file: Option<PathBuf>,
    },
    /// Queue an edit of a post (yours; or change a reply still queued, by its key)
    Edit {
        /// The post: its id, or THREAD#N (its number in the thread); or an outbox key
        post: String,
        /// Read the new text from this file
        #[arg(long, value_name = "FILE")]
        file: PathBuf,
    },
    /// Queue the deletion of one of your posts
    Delete {
        /// The post: its id, or THREAD#N (its number in the thread)
        post: String,
    },
    /// Queue a like of a post (or, with --undo, taking it back)
    Like {
        /// The post: its id, or THREAD#N (its number in the thread)
        post: String,
        /// Take the like back
        #[arg(long)]
        undo: bool,
    },
    /// Queue a moderator's action: lock, unlock, pin, unpin, move or split a thread, hide
    /// or unhide a post, or silence or unsilence a member
    ///
    /// For moderators and admins of a threadmark server (the role the server gave at
    /// login); sent through the outbox like a reply, and applied once however often it is
    /// sent.
    Moderate {
        /// What to do
        #[arg(value_enum)]
        action: ModerateVerb,
        /// The thread (its id, or a part of its title that matches only one thread); for
        /// hide and unhide, the post (its id, or THREAD#N); for silence and unsilence, the
        /// member's user name
        target: String,
        #[command(flatten)]
        options: ModerateOptions,
    },
    /// Mark a thread read up to a post, or unread from one
    ///
    /// Here, and on the server when the account syncs read state.
    #[command(group(clap::ArgGroup::new("way").required(true).args(["read", "unread"])))]
    Mark {
        /// The thread: its id, or a part of its title that matches only one thread
        thread: String,
        /// Read up to the post named by --to [default: the whole thread]
        #[arg(long)]
        read: bool,
        /// Unread from the post named by --to on [default: the whole thread]
        #[arg(long)]
        unread: bool,
        /// The post: its id or `#N` (its number in the thread)
        #[arg(long, value_name = "POST")]
        to: Option<String>,
    },
    /// Set the watch level of a thread or an area
    ///
    /// Here, and on the server when the account syncs read state.
    Watch {
        /// An area's id, or a thread: its id or a part of its title that matches only one
        name: String,
        /// watching, tracking, normal or muted (muted threads count in no unread total)
        #[arg(long, value_parser = parse_watch_level)]
        level: crate::model::WatchLevel,
    },
    /// Bookmark a post, with an optional note, or remove the bookmark
    Bookmark {
        /// The post: its id, or THREAD#N (its number in the thread)
        post: String,
        /// A note kept with the bookmark
        #[arg(long, conflicts_with = "remove")]
        note: Option<String>,
        /// Remove the bookmark
        #[arg(long)]
        remove: bool,
    },
    /// List the bookmarks on the account, newest first
    Bookmarks {
        /// Print them as JSON (the shape is in the README, "JSON output")
        #[arg(long)]
        json: bool,
    },
    /// Replies, mentions, quotes and messages to you, across accounts
    ///
    /// Each account is synced first (unless --offline); one that cannot be reached lists
    /// what its last sync brought.
    Inbox {
        #[command(subcommand)]
        action: Option<InboxCommand>,
        /// Read items too, not only unread ones
        #[arg(long)]
        all: bool,
        /// Print the items as JSON (the shape is in the README, "JSON output")
        #[arg(long)]
        json: bool,
        /// Show what the last sync brought, without syncing first
        #[arg(long)]
        offline: bool,
    },
    /// List the outbox, or retry, keep or discard an entry
    Outbox {
        #[command(subcommand)]
        action: Option<OutboxCommand>,
        /// Print the entries as JSON (the shape is in the README, "JSON output")
        #[arg(long)]
        json: bool,
    },
    /// Where the config file, data and logs are; the default keys, theme and settings
    Config {
        #[command(subcommand)]
        action: ConfigCommand,
    },
    /// Print a shell completion script (e.g. `threadmark completions bash > …`)
    Completions {
        /// The shell
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff), or write one page per command into a folder
    Man {
        /// Write threadmark.1, threadmark-read.1, … into this folder instead
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
}

/// Which path `threadmark config path` prints.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum PathKind {
    /// The config file (it may not exist yet: then every setting is at its default)
    Config,
    /// The data directory: caches, drafts, outboxes and credentials, per account
    Data,
    /// Where the log files are
    Logs,
}

/// `threadmark config …`
#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Print the config file's path (for `$EDITOR "$(threadmark config path)"`), or the
    /// data or log directory's
    Path {
        #[arg(value_enum, default_value_t = PathKind::Config)]
        which: PathKind,
    },
    /// Print the default key bindings (every action's name), to copy into `[keys]`
    Keys,
    /// Print the default theme (every element's name), to copy into `[theme]`
    Theme,
    /// Print the documented config file with every setting at its default
    Defaults,
}

/// `threadmark account …`
#[derive(Debug, Subcommand)]
pub enum AccountCommand {
    /// Add a forum account to the config file
    Add {
        /// A short name for the account (letters, digits, - and _)
        name: String,
        /// The forum's base URL (https, or http on this machine only)
        #[arg(long)]
        url: String,
        /// The API the server speaks
        #[arg(long, value_enum, default_value_t = KindArg::Native)]
        kind: KindArg,
    },
    /// List configured accounts (and the demo)
    List {
        /// Print JSON (the shape is in the README, "JSON output")
        #[arg(long)]
        json: bool,
    },
    /// Remove an account from the config file (its cached data stays on disk)
    Remove { name: String },
}

/// Account kinds on the command line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum KindArg {
    /// threadmark's own API v1 (`threadmark serve`)
    Native,
    /// A Discourse forum
    Discourse,
    /// A Lemmy instance (0.19 or 1.0)
    Lemmy,
}

/// `threadmark login`. Secrets are read from a prompt or standard input, never argv.
#[allow(clippy::struct_excessive_bools)] // one flag per command-line switch
#[derive(Debug, Args)]
pub struct LoginArgs {
    /// The user name [default: asked]
    #[arg(long, value_name = "NAME")]
    pub user: Option<String>,
    /// Read the password from standard input instead of a prompt (for scripts)
    #[arg(long, conflicts_with = "token_stdin")]
    pub password_stdin: bool,
    /// Read an existing API token from standard input instead of signing in
    #[arg(long)]
    pub token_stdin: bool,
    /// threadmark servers: join with an invitation (`threadmark serve invite create`) as
    /// --user, choosing a password; a password-reset token works the same way
    #[arg(long, value_name = "TOKEN", conflicts_with = "token_stdin")]
    pub invite: Option<String>,
    /// threadmark servers open to registration: join as --user, choosing a password
    #[arg(long, conflicts_with_all = ["token_stdin", "invite"])]
    pub register: bool,
    /// Discourse: sign in with an admin API key as this user (with --api-key-stdin)
    #[arg(long, value_name = "USER", requires = "api_key_stdin")]
    pub api_username: Option<String>,
    /// Discourse: read the admin API key from standard input
    #[arg(long, requires = "api_username")]
    pub api_key_stdin: bool,
}

/// `threadmark outbox …`
/// `threadmark inbox read`.
#[derive(Debug, Subcommand)]
pub enum InboxCommand {
    /// Mark inbox items read, here and on the server (queued like read marks)
    Read {
        /// The items' ids (`threadmark inbox` shows them)
        #[arg(required_unless_present = "all")]
        ids: Vec<String>,
        /// Every unread item
        #[arg(long, conflicts_with = "ids")]
        all: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum OutboxCommand {
    /// Send an entry again now; a failed one is queued again as a new reply
    Retry {
        /// The entry's key (or a unique beginning of it)
        key: String,
    },
    /// Keep yours after a conflict: the edit or deletion goes again on the server's new
    /// version (the conflicting entry is kept under outbox/discarded)
    Keep {
        /// The entry's key (or a unique beginning of it)
        key: String,
    },
    /// Take an entry out of the queue (kept on disk under outbox/discarded); after a
    /// conflict, this takes the server's text
    Discard {
        /// The entry's key (or a unique beginning of it)
        key: String,
        /// Do not ask for confirmation
        #[arg(long)]
        yes: bool,
    },
}

/// `--level`: one of the four watch levels.
fn parse_watch_level(text: &str) -> Result<crate::model::WatchLevel, String> {
    crate::model::WatchLevel::parse(text)
        .ok_or_else(|| format!("{text:?} is no watch level: watching, tracking, normal or muted"))
}

/// `threadmark rules …`.
#[derive(Debug, Subcommand)]
pub enum RulesCommand {
    /// Show which rules match which cached posts, with counts per rule; changes nothing
    Test {
        /// Print JSON (the shape is in the README, "JSON output")
        #[arg(long)]
        json: bool,
    },
}

/// `threadmark moderate ACTION`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ModerateVerb {
    Lock,
    Unlock,
    Pin,
    Unpin,
    Move,
    Split,
    Hide,
    Unhide,
    Silence,
    Unsilence,
}

/// The flags of `threadmark moderate`, each for one action.
#[derive(Clone, Debug, Default, clap::Args)]
pub struct ModerateOptions {
    /// Why the post is hidden: readers see it in its place (hide only; required)
    #[arg(long)]
    pub reason: Option<String>,
    /// The area to move the thread to: its id, or a part of its title that matches only
    /// one area (move only; required)
    #[arg(long)]
    pub to: Option<String>,
    /// The first post to split off: its id, or #N (its number in the thread); it and every
    /// later post become a new thread (split only; required; not the opening post)
    #[arg(long, value_name = "POST")]
    pub from: Option<String>,
    /// The new thread's title [default: the server's "Split from: …"] (split only)
    #[arg(long)]
    pub title: Option<String>,
    /// How long the member may not post: e.g. 12h, 3d, 2w (silence only; required)
    #[arg(long = "for", value_name = "SPAN")]
    pub for_span: Option<String>,
}
