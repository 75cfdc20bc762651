//! `server.toml` in the server's data directory: the `threadmark serve` options kept in a file, flags overriding it, and where each effective setting came from.

use crate::api::{ForumMode, Role};
use anyhow::Context as _;
use serde::Deserialize;
use std::fmt::Write as _;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use toml::Spanned;

/// The settings file's name in the server's data directory.
pub const SETTINGS_FILE: &str = "server.toml";

/// Who may make an account without an invitation.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Registration {
    /// Invitations only (`POST /register` answers 403 `registration_closed`).
    #[default]
    Closed,
    /// Anyone may register, and gets this role (member or reader, never more).
    Open(Role),
}

impl Registration {
    /// The values `--registration` and `registration =` take.
    pub const VALUES: [&'static str; 3] = ["closed", "member", "reader"];

    /// Reads `closed`, `member` or `reader`.
    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "closed" => Some(Self::Closed),
            "member" => Some(Self::Open(Role::Member)),
            "reader" => Some(Self::Open(Role::Reader)),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Closed => "closed",
            Self::Open(role) => role.as_str(),
        }
    }
}

/// The `threadmark serve` options that may also live in `server.toml`, as given on the
/// command line (`None`/`false`: not given, so the file or the default decides).
#[derive(Clone, Debug, Default, clap::Args)]
pub struct Flags {
    /// Address to listen on (port 0 picks a free port) [default: 127.0.0.1:7878]
    #[arg(long, value_name = "IP:PORT")]
    pub addr: Option<SocketAddr>,
    /// Start in this mode [default: the mode the server was left in]
    #[arg(long, value_parser = ["open", "read-only", "maintenance"], value_name = "MODE")]
    pub mode: Option<String>,
    /// A banner to show with the mode (e.g. why the forum is read-only)
    #[arg(long, value_name = "TEXT")]
    pub banner: Option<String>,
    /// Writes (posts, edits, logins) allowed per token per minute; 0 turns the limit off
    /// [default: 60]
    #[arg(long, value_name = "N")]
    pub writes_per_minute: Option<u32>,
    /// Reads allowed per token (or address) per minute; 0 turns the limit off [default: 0]
    #[arg(long, value_name = "N")]
    pub reads_per_minute: Option<u32>,
    /// Longest post, in characters (clients check it before they queue a post)
    /// [default: 50000]
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub max_post_chars: Option<u32>,
    /// How long the changes log remembers a change, in hours; older cursors get 410
    /// [default: 720]
    #[arg(long, value_name = "HOURS")]
    pub changes_retention_hours: Option<u64>,
    /// Most connections open at once; more wait until one closes [default: three quarters
    /// of the open-file limit, at most 10000]
    #[arg(long, value_name = "N")]
    pub max_connections: Option<usize>,
    /// Seconds a connection may take to send a request's headers, and may stay idle
    /// between requests (long polls are not idle) [default: 20]
    #[arg(long, value_name = "SECS", value_parser = clap::value_parser!(u64).range(1..))]
    pub header_timeout: Option<u64>,
    /// Who may make an account with `POST /register`: nobody (`closed`, invitations
    /// only), or anyone, as a `member` or a `reader` [default: closed]
    #[arg(long, value_parser = Registration::VALUES, value_name = "WHO")]
    pub registration: Option<String>,
    /// Do not log one line per request on stderr
    #[arg(long)]
    pub quiet: bool,
}

/// `server.toml` as written; every key is optional and named like its flag.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct File {
    addr: Option<Spanned<String>>,
    mode: Option<Spanned<String>>,
    banner: Option<Spanned<String>>,
    writes_per_minute: Option<Spanned<u32>>,
    reads_per_minute: Option<Spanned<u32>>,
    max_post_chars: Option<Spanned<u32>>,
    changes_retention_hours: Option<Spanned<u64>>,
    max_connections: Option<Spanned<usize>>,
    header_timeout: Option<Spanned<u64>>,
    quiet: Option<Spanned<bool>>,
    registration: Option<Spanned<String>>,
}

/// Where an effective setting came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    Default,
    /// The settings file, at this line.
    File(usize),
    Flag,
}

/// One setting as the server will use it.
#[derive(Clone, Debug)]
pub struct Entry {
    /// The key in `server.toml`; the flag is `--KEY`.
    pub key: &'static str,
    /// The value as TOML (absent for an unset optional setting).
    pub value: Option<String>,
    pub source: Source,
}

/// Every setting the server will use, and where each came from.
#[derive(Clone, Debug)]
pub struct Settings {
    /// The settings file that was read, if there was one.
    pub file: Option<PathBuf>,
    /// Where the settings file was looked for (absent with a temporary demo directory).
    pub looked_for: Option<PathBuf>,
    pub addr: SocketAddr,
    pub mode: Option<ForumMode>,
    pub banner: Option<String>,
    pub writes_per_minute: u32,
    pub reads_per_minute: u32,
    pub max_post_chars: u32,
    pub changes_retention_hours: u64,
    pub max_connections: Option<usize>,
    pub header_timeout: u64,
    pub quiet: bool,
    pub registration: Registration,
    pub entries: Vec<Entry>,
}

/// The defaults, also shown in `--help`.
pub const DEFAULT_ADDR: &str = "127.0.0.1:7878";
pub const DEFAULT_WRITES_PER_MINUTE: u32 = 60;
pub const DEFAULT_MAX_POST_CHARS: u32 = 50_000;
pub const DEFAULT_CHANGES_RETENTION_HOURS: u64 = 30 * 24;
pub const DEFAULT_HEADER_TIMEOUT: u64 = 20;

/// A problem at one line of the file.
fn at_line(
    path: &Path,
    text: &str,
    span: Option<std::ops::Range<usize>>,
    message: &str,
) -> anyhow::Error {
    let message = message.trim().replace('\n', "; ");
    match span {
        Some(span) => anyhow::anyhow!(
            "{} line {}: {message}",
            path.display(),
            line_of(text, span.start)
        ),
        None => anyhow::anyhow!("{}: {message}", path.display()),
    }
}

fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()
        .iter()
        .take(offset)
        .filter(|b| **b == b'\n')
        .count()
        + 1
}

/// Chooses between a flag, the file (with its line) and the default.
fn pick<T: Clone>(flag: Option<T>, file: Option<(T, usize)>, default: T) -> (T, Source) {
    match (flag, file) {
        (Some(v), _) => (v, Source::Flag),
        (None, Some((v, line))) => (v, Source::File(line)),
        (None, None) => (default, Source::Default),
    }
}

/// Reads `server.toml` in `dir` (a missing file is no error) and lays `flags` over it.
pub fn load(dir: Option<&Path>, flags: &Flags) -> anyhow::Result<Settings> {
    let path = dir.map(|d| d.join(SETTINGS_FILE));
    let text = match &path {
        Some(path) => match std::fs::read_to_string(path) {
            Ok(text) => Some(text),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => {
                return Err(e).with_context(|| format!("cannot read {}", path.display()));
            }
        },
        None => None,
    };
    let mut settings = match (&path, text) {
        (Some(path), Some(text)) => resolve(Some((path, &text)), flags),
        _ => resolve(None, flags),
    }?;
    settings.looked_for = path;
    Ok(settings)
}

/// Lays `flags` over the file's `(path, text)`, or over the defaults alone.
#[expect(
    clippy::too_many_lines,
    reason = "one block per setting, in the order of the README's table"
)]
pub fn resolve(file: Option<(&Path, &str)>, flags: &Flags) -> anyhow::Result<Settings> {
    let (parsed, path, text) = match file {
        Some((path, text)) => {
            let parsed: File =
                toml::from_str(text).map_err(|e| at_line(path, text, e.span(), e.message()))?;
            (parsed, Some(path), text)
        }
        None => (File::default(), None, ""),
    };
    let line = |span: std::ops::Range<usize>| line_of(text, span.start);
    // A value the file holds, checked by `check` (its error names the line).
    let checked = |key: &str,
                   value: Option<&Spanned<String>>,
                   check: &dyn Fn(&str) -> Result<(), String>|
     -> anyhow::Result<Option<(String, usize)>> {
        let Some(value) = value else { return Ok(None) };
        check(value.get_ref()).map_err(|message| {
            at_line(
                path.unwrap_or(Path::new(SETTINGS_FILE)),
                text,
                Some(value.span()),
                &format!("{key}: {message}"),
            )
        })?;
        Ok(Some((value.get_ref().clone(), line(value.span()))))
    };
    let number = |value: Option<&Spanned<u32>>| value.map(|v| (*v.get_ref(), line(v.span())));
    let mut entries = Vec::new();

    let addr_file = checked("addr", parsed.addr.as_ref(), &|v| {
        v.parse::<SocketAddr>()
            .map(|_| ())
            .map_err(|_| format!("{v:?} is not an IP:PORT address"))
    })?;
    let (addr, source) = pick(
        flags.addr.map(|a| a.to_string()),
        addr_file,
        DEFAULT_ADDR.to_owned(),
    );
    let addr: SocketAddr = addr
        .parse()
        .with_context(|| format!("{addr:?} is not an IP:PORT address"))?;
    entries.push(entry("addr", Some(quoted(&addr.to_string())), source));

    let mode_file = checked("mode", parsed.mode.as_ref(), &|v| {
        v.parse::<ForumMode>()
            .map(|_| ())
            .map_err(|_| format!("{v:?} is not a mode (open, read-only or maintenance)"))
    })?;
    let (mode, source) = pick(
        flags.mode.clone().map(Some),
        mode_file.map(|(v, l)| (Some(v), l)),
        None,
    );
    let mode = mode
        .as_deref()
        .map(str::parse::<ForumMode>)
        .transpose()
        .map_err(anyhow::Error::msg)?;
    entries.push(entry("mode", mode.map(|m| quoted(&mode_name(m))), source));

    let banner_file = checked("banner", parsed.banner.as_ref(), &|_| Ok(()))?;
    let (banner, source) = pick(
        flags.banner.clone().map(Some),
        banner_file.map(|(v, l)| (Some(v), l)),
        None,
    );
    entries.push(entry("banner", banner.as_deref().map(quoted), source));

    let (writes_per_minute, source) = pick(
        flags.writes_per_minute,
        number(parsed.writes_per_minute.as_ref()),
        DEFAULT_WRITES_PER_MINUTE,
    );
    entries.push(entry(
        "writes-per-minute",
        Some(writes_per_minute.to_string()),
        source,
    ));

    let (reads_per_minute, source) = pick(
        flags.reads_per_minute,
        number(parsed.reads_per_minute.as_ref()),
        0,
    );
    entries.push(entry(
        "reads-per-minute",
        Some(reads_per_minute.to_string()),
        source,
    ));

    if let Some(v) = parsed.max_post_chars.as_ref().filter(|v| *v.get_ref() == 0) {
        return Err(at_line(
            path.unwrap_or(Path::new(SETTINGS_FILE)),
            text,
            Some(v.span()),
            "max-post-chars: must be at least 1",
        ));
    }
    let (max_post_chars, source) = pick(
        flags.max_post_chars,
        number(parsed.max_post_chars.as_ref()),
        DEFAULT_MAX_POST_CHARS,
    );
    entries.push(entry(
        "max-post-chars",
        Some(max_post_chars.to_string()),
        source,
    ));

    let (changes_retention_hours, source) = pick(
        flags.changes_retention_hours,
        parsed
            .changes_retention_hours
            .as_ref()
            .map(|v| (*v.get_ref(), line(v.span()))),
        DEFAULT_CHANGES_RETENTION_HOURS,
    );
    entries.push(entry(
        "changes-retention-hours",
        Some(changes_retention_hours.to_string()),
        source,
    ));

    let (max_connections, source) = pick(
        flags.max_connections.map(Some),
        parsed
            .max_connections
            .as_ref()
            .map(|v| (Some(*v.get_ref()), line(v.span()))),
        None,
    );
    entries.push(entry(
        "max-connections",
        max_connections.map(|n| n.to_string()),
        source,
    ));

    if let Some(v) = parsed.header_timeout.as_ref().filter(|v| *v.get_ref() == 0) {
        return Err(at_line(
            path.unwrap_or(Path::new(SETTINGS_FILE)),
            text,
            Some(v.span()),
            "header-timeout: must be at least 1",
        ));
    }
    let (header_timeout, source) = pick(
        flags.header_timeout,
        parsed
            .header_timeout
            .as_ref()
            .map(|v| (*v.get_ref(), line(v.span()))),
        DEFAULT_HEADER_TIMEOUT,
    );
    entries.push(entry(
        "header-timeout",
        Some(header_timeout.to_string()),
        source,
    ));

    let (quiet, source) = pick(
        flags.quiet.then_some(true),
        parsed
            .quiet
            .as_ref()
            .map(|v| (*v.get_ref(), line(v.span()))),
        false,
    );
    entries.push(entry("quiet", Some(quiet.to_string()), source));

    let registration_file = checked("registration", parsed.registration.as_ref(), &|v| {
        Registration::parse(v).map(|_| ()).ok_or_else(|| {
            format!(
                "{v:?} is not a registration setting ({})",
                Registration::VALUES.join(", ")
            )
        })
    })?;
    let (registration, source) = pick(
        flags.registration.clone(),
        registration_file,
        "closed".to_owned(),
    );
    let registration = Registration::parse(&registration).with_context(|| {
        format!(
            "--registration {registration}: choose one of {}",
            Registration::VALUES.join(", ")
        )
    })?;
    entries.push(entry(
        "registration",
        Some(quoted(registration.as_str())),
        source,
    ));

    Ok(Settings {
        file: path.map(Path::to_owned),
        looked_for: path.map(Path::to_owned),
        addr,
        mode,
        banner,
        writes_per_minute,
        reads_per_minute,
        max_post_chars,
        changes_retention_hours,
        max_connections,
        header_timeout,
        quiet,
        registration,
        entries,
    })
}

fn entry(key: &'static str, value: Option<String>, source: Source) -> Entry {
    Entry { key, value, source }
}

fn quoted(text: &str) -> String {
    toml::Value::String(text.to_owned()).to_string()
}

fn mode_name(mode: ForumMode) -> String {
    serde_json::to_value(mode)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

impl Settings {
    /// The effective settings as `server.toml` lines, each saying where it came from.
    pub fn describe(&self) -> String {
        let mut out = String::new();
        let file = self.file.as_ref().map(|p| p.display().to_string());
        let _ = match (&file, &self.looked_for) {
            (Some(file), _) => writeln!(out, "# settings file: {file}"),
            (None, Some(path)) => writeln!(
                out,
                "# settings file: none ({} does not exist)",
                path.display()
            ),
            (None, None) => writeln!(out, "# settings file: none"),
        };
        for entry in &self.entries {
            let from = match entry.source {
                Source::Default => "default".to_owned(),
                Source::File(line) => {
                    format!("{} line {line}", file.as_deref().unwrap_or(SETTINGS_FILE))
                }
                Source::Flag => format!("flag --{}", entry.key),
            };
            match &entry.value {
                Some(value) => {
                    let _ = writeln!(out, "{} = {value}  # {from}", entry.key);
                }
                None => {
                    let _ = writeln!(out, "# {} is not set  # {from}", entry.key);
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(text: &str) -> anyhow::Result<Settings> {
        resolve(
            Some((Path::new("data/server.toml"), text)),
            &Flags::default(),
        )
    }

    #[test]
    fn a_file_value_is_used_and_a_flag_overrides_it() {
        let text = "# limits\nwrites-per-minute = 5\nregistration = \"member\"\n";
        let settings = file(text).unwrap();
        assert_eq!(settings.writes_per_minute, 5);
        assert_eq!(settings.registration, Registration::Open(Role::Member));
        assert!(
            settings
                .describe()
                .contains("writes-per-minute = 5  # data/server.toml line 2")
        );
        let flags = Flags {
            writes_per_minute: Some(7),
            ..Flags::default()
        };
        let settings = resolve(Some((Path::new("server.toml"), text)), &flags).unwrap();
        assert_eq!(settings.writes_per_minute, 7);
        assert!(
            settings
                .describe()
                .contains("writes-per-minute = 7  # flag --writes-per-minute")
        );
        assert_eq!(settings.max_post_chars, DEFAULT_MAX_POST_CHARS);
    }

    #[test]
    fn an_unknown_key_names_its_line() {
        let error = file("quiet = true\n\nwrites_per_minute = 5\n")
            .unwrap_err()
            .to_string();
        assert!(error.starts_with("data/server.toml line 3: "), "{error}");
        assert!(error.contains("writes_per_minute"), "{error}");
        assert!(!error.contains('\n'), "{error}");
    }

    #[test]
    fn a_bad_value_names_its_line() {
        let error = file("\nwrites-per-minute = \"many\"\n")
            .unwrap_err()
            .to_string();
        assert!(error.starts_with("data/server.toml line 2: "), "{error}");
        let error = file("mode = \"open\"\nregistration = \"admin\"\n")
            .unwrap_err()
            .to_string();
        assert!(
            error.starts_with("data/server.toml line 2: registration"),
            "{error}"
        );
        let error = file("max-post-chars = 0").unwrap_err().to_string();
        assert!(error.starts_with("data/server.toml line 1: "), "{error}");
        let error = file("writes-per-minute = 5\nnot toml")
            .unwrap_err()
            .to_string();
        assert!(error.starts_with("data/server.toml line 2: "), "{error}");
    }
}
