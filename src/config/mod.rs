//! `config.toml`: accounts, the default account, UI settings and key overrides.

mod edit;
mod folders;
mod rule_edit;
mod rules;
mod url_check;

pub use edit::{add_account, remove_account};
pub use folders::{FolderConfig, SavedFolder, add_folder};
pub use rule_edit::{add_rule, remove_rule};
pub use rules::{ActionName, MatchConfig, RuleConfig};
pub use url_check::{check_server_url, is_loopback};

use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// Environment variable overriding the config file (same as `--config`).
pub const CONFIG_ENV: &str = "THREADMARK_CONFIG";

/// The documented defaults, shipped as `assets/config.toml`.
pub const DEFAULT_CONFIG: &str = include_str!("../../assets/config.toml");

/// Which API an account speaks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccountKind {
    /// threadmark's own API v1 (`threadmark serve`).
    #[default]
    Native,
    Discourse,
    /// A Lemmy instance (API v3, Lemmy 0.19; API v4, Lemmy 1.0).
    Lemmy,
}

impl AccountKind {
    /// The name used in `config.toml` and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            AccountKind::Native => "native",
            AccountKind::Discourse => "discourse",
            AccountKind::Lemmy => "lemmy",
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountConfig {
    pub name: String,
    #[serde(default)]
    pub kind: AccountKind,
    pub url: String,
    /// Discourse: requests a minute the forum allows this key (its
    /// `max_user_api_reqs_per_minute` / `max_admin_api_reqs_per_minute`); the defaults are
    /// Discourse's own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requests_per_minute: Option<u32>,
    /// Lemmy: how many of the instance's most active communities the Local and All
    /// sections list (default [`DEFAULT_TOP_COMMUNITIES`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub top_communities: Option<u32>,
    /// Whether what the user reads is told to the server where it keeps read marks
    /// (API v1: synced with the account's other devices; Lemmy: marked read on the
    /// instance); on by default for an account that is logged in. `false`: nothing
    /// about what you read is sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read_sync: Option<bool>,
    /// Discourse: requests a day the forum allows this key (`max_user_api_reqs_per_day`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requests_per_day: Option<u32>,
    /// Which threads are downloaded in full in the background (the others are listed,
    /// and downloaded when opened). Default: `watched` when logged in, else `recent`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefetch: Option<Prefetch>,
    /// `prefetch = "recent"`: threads active in this many days (default 14).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefetch_days: Option<u32>,
    /// Long threads: how many of the newest posts are downloaded in the background
    /// (default 100); older ones come when you scroll up to them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefetch_posts: Option<u32>,
    /// Pages (batches) one sync may take before the server is called broken and the sync
    /// stops with an error (default 100000).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_pages_per_sync: Option<u32>,
    /// Threads one area may list before the server is called broken (default 1000000).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_threads_per_area: Option<u32>,
}

/// Default `top_communities`.
pub const DEFAULT_TOP_COMMUNITIES: u32 = 20;

/// Which threads a budgeted backend downloads in full without being asked.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Prefetch {
    /// Threads in categories you watch or track, threads you watch or track, your own
    /// threads and those you posted in.
    Watched,
    /// Threads active in the last `prefetch_days`.
    Recent,
    /// Every thread.
    All,
    /// None: threads are downloaded when opened.
    None,
}

impl Prefetch {
    pub fn as_str(self) -> &'static str {
        match self {
            Prefetch::Watched => "watched",
            Prefetch::Recent => "recent",
            Prefetch::All => "all",
            Prefetch::None => "none",
        }
    }
}

/// Default `prefetch_days`.
pub const DEFAULT_PREFETCH_DAYS: u32 = 14;
/// Default `prefetch_posts`.
pub const DEFAULT_PREFETCH_POSTS: u32 = 100;

/// Whether link text is written as clickable OSC 8 hyperlinks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Hyperlinks {
    /// When the environment names a terminal known to support them (`FORCE_HYPERLINK=1`
    /// or `0` decides for it); never asked of the terminal itself, so nothing waits.
    #[default]
    Auto,
    On,
    Off,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct UiConfig {
    pub mouse: bool,
    pub tree_width: u16,
    /// The widest the reader's text runs, in columns (0: the whole pane); on a wide
    /// terminal the tree takes the columns the text does not need.
    pub text_width: u16,
    pub hyperlinks: Hyperlinks,
}

impl Default for UiConfig {
    fn default() -> Self {
        Self {
            mouse: true,
            tree_width: 38,
            text_width: 100,
            hyperlinks: Hyperlinks::Auto,
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub default_account: Option<String>,
    pub accounts: Vec<AccountConfig>,
    /// Open the demo forum beside the configured accounts in the reader.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub show_demo: bool,
    pub ui: UiConfig,
    /// Key overrides: key sequence → action name.
    pub keys: toml::Table,
    /// Theme overrides: element → style (see `assets/theme.toml`).
    pub theme: toml::Table,
    /// Rules: what to hide, dim, mark read, highlight or score, as the cache is read.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub rules: Vec<toml::Spanned<RuleConfig>>,
    /// Run for new inbox items: a program and its arguments (never a shell), with
    /// `{account}`, `{kind}`, `{author}`, `{thread}`, `{excerpt}` and `{count}` filled in.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notify_command: Vec<String>,
    /// Ring the terminal's bell for new inbox items.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub bell: bool,
    /// Saved searches shown as folders in the reader's tree.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub folders: Vec<toml::Spanned<FolderConfig>>,
    /// `folders` with their queries parsed, by [`Config::parse`].
    #[serde(skip)]
    compiled_folders: Vec<SavedFolder>,
    /// `rules` compiled (regexes built once), by [`Config::parse`].
    #[serde(skip)]
    compiled_rules: std::sync::Arc<crate::model::RuleSet>,
}

/// A config problem, with the file it came from.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}: {message}", path.display())]
    Invalid { path: PathBuf, message: String },
    #[error("no config directory found; pass --config or set THREADMARK_CONFIG")]
    NoHomeDirectory,
}

impl Config {
    /// The platform's config file path (e.g. `~/.config/threadmark/config.toml`).
    pub fn default_path() -> Result<PathBuf, ConfigError> {
        directories::ProjectDirs::from("", "", "threadmark")
            .map(|dirs| dirs.config_dir().join("config.toml"))
            .ok_or(ConfigError::NoHomeDirectory)
    }

    /// Loads `path`; a missing file means all defaults. A file that does not parse is an
    /// error naming the line: it is the user's own file, never replaced.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        match std::fs::read_to_string(path) {
            Ok(text) => Self::parse(&text).map_err(|message| ConfigError::Invalid {
                path: path.to_owned(),
                message,
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Self::default()),
            Err(e) => Err(ConfigError::Io {
                path: path.to_owned(),
                source: e,
            }),
        }
    }

    /// Parses a config file's text; an error is one line: where, then what.
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut config: Self = toml::from_str(text).map_err(|e| toml_error_line(text, &e))?;
        config.compiled_rules = std::sync::Arc::new(rules::compile_rules(&config.rules, text)?);
        let mut accounts: Vec<&str> = config.accounts.iter().map(|a| a.name.as_str()).collect();
        accounts.push(crate::store::DEMO_ACCOUNT);
        config.compiled_folders = folders::compile_folders(&config.folders, text, &accounts)?;
        if config
            .notify_command
            .first()
            .is_some_and(|program| program.trim().is_empty())
        {
            return Err(
                "notify_command: the first item is the program to run, and it is empty (e.g. notify_command = [\"notify-send\", \"{account}: {author}\", \"{excerpt}\"])".into(),
            );
        }
        Ok(config)
    }

    /// The saved-search folders, their queries parsed, in config order.
    pub fn folders(&self) -> &[SavedFolder] {
        &self.compiled_folders
    }

    /// The rules, compiled.
    pub fn rule_set(&self) -> &crate::model::RuleSet {
        &self.compiled_rules
    }

    /// The rules, compiled, to hand on (the reader keeps them in its state).
    pub fn rule_set_shared(&self) -> std::sync::Arc<crate::model::RuleSet> {
        std::sync::Arc::clone(&self.compiled_rules)
    }

    /// The account to use: `requested`, else `default_account`, else the first account,
    /// else the demo. `None` means the demo forum.
    pub fn account(&self, requested: Option<&str>) -> Result<Option<&AccountConfig>, String> {
        let wanted = requested.or(self.default_account.as_deref());
        match wanted {
            Some(crate::store::DEMO_ACCOUNT) => Ok(None),
            Some(name) => self
                .accounts
                .iter()
                .find(|a| a.name == name)
                .map(Some)
                .ok_or_else(|| {
                    let known: Vec<&str> = self.accounts.iter().map(|a| a.name.as_str()).collect();
                    if known.is_empty() {
                        format!(
                            "no account named {name:?}; none is configured (add one with `threadmark account add`)"
                        )
                    } else {
                        format!(
                            "no account named {name:?}; configured: {}, demo",
                            known.join(", ")
                        )
                    }
                }),
            None => Ok(self.accounts.first()),
        }
    }
}

/// A TOML error as one line, `line L, column C: what` (toml's own message spans several
/// lines with a drawing of the spot).
pub fn toml_error_line(text: &str, error: &toml::de::Error) -> String {
    let message = error
        .message()
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    let Some(span) = error.span() else {
        return message;
    };
    let before = text.get(..span.start).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    format!("line {line}, column {column}: {message}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_defaults_parse_and_equal_the_built_in_ones() {
        let parsed = Config::parse(DEFAULT_CONFIG).unwrap();
        assert_eq!(parsed, Config::default());
    }

    #[test]
    fn a_typo_is_reported_with_its_line() {
        let err = Config::parse("[ui]\nmouse = yes\n").unwrap_err();
        assert!(err.starts_with("line 2, column 9: "), "{err}");
        let err = Config::parse("[ui]\nmosue = true\n").unwrap_err();
        assert!(err.starts_with("line 2, column 1: "), "{err}");
        assert!(err.contains("mosue"), "{err}");
    }

    #[test]
    fn every_toml_error_is_one_line() {
        for broken in [
            "[ui]\nmouse = yes\n",
            "[ui\n",
            "default_account = \"a\"\ndefault_account = \"b\"\n",
            "[[accounts]]\nname = \"w\"\n",
            "accounts = 3",
            "\u{feff}[ui]\ntree_width = -1\n",
        ] {
            let err = Config::parse(broken).unwrap_err();
            assert!(!err.contains('\n'), "{broken:?} gave {err:?}");
            assert!(err.starts_with("line "), "{broken:?} gave {err:?}");
        }
    }

    #[test]
    fn prefetch_settings_parse_and_bad_ones_are_named() {
        let config = Config::parse(
            "[[accounts]]\nname = \"m\"\nkind = \"discourse\"\nurl = \"https://m.example\"\n\
             prefetch = \"recent\"\nprefetch_days = 3\nprefetch_posts = 50\nrequests_per_day = 9000\n",
        )
        .unwrap();
        let account = &config.accounts[0];
        assert_eq!(account.prefetch, Some(Prefetch::Recent));
        assert_eq!(
            (
                account.prefetch_days,
                account.prefetch_posts,
                account.requests_per_day
            ),
            (Some(3), Some(50), Some(9000))
        );
        let err = Config::parse(
            "[[accounts]]\nname = \"m\"\nurl = \"https://m.example\"\nprefetch = \"some\"\n",
        )
        .unwrap_err();
        assert!(err.contains("watched") && err.contains("line 4"), "{err}");
    }

    #[test]
    fn hyperlinks_take_three_values() {
        for (text, mode) in [
            ("auto", Hyperlinks::Auto),
            ("on", Hyperlinks::On),
            ("off", Hyperlinks::Off),
        ] {
            let config = Config::parse(&format!("[ui]\nhyperlinks = \"{text}\"\n")).unwrap();
            assert_eq!(config.ui.hyperlinks, mode);
        }
        let err = Config::parse("[ui]\nhyperlinks = \"yes\"\n").unwrap_err();
        assert!(err.starts_with("line 2") && err.contains("auto"), "{err}");
    }

    #[test]
    fn without_accounts_the_demo_is_used() {
        let config = Config::default();
        assert_eq!(config.account(None).unwrap(), None);
        assert_eq!(config.account(Some("demo")).unwrap(), None);
        assert!(config.account(Some("work")).is_err());
    }
}
