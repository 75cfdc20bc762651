//! The forum's mode (open / read-only / maintenance) and the `Forum-Mode` header carrying it.

use super::status::Banner;
use serde::{Deserialize, Serialize};
use std::fmt::Write as _;

pub use crate::model::ForumMode;

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ModeHeaderError {
    #[error("unknown forum mode {0:?} (expected open, read-only or maintenance)")]
    UnknownMode(String),
    #[error("malformed Forum-Mode parameter: {0:?}")]
    Malformed(String),
}

/// `PUT /admin/mode`: switch the mode, with the banner shown meanwhile.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ModeChange {
    pub mode: ForumMode,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub banner: Option<Banner>,
    /// The `Retry-After` given to refused writes; the server's default when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after_s: Option<u32>,
}

/// The `Forum-Mode` header: `open`, or `read-only;banner="Upgrading until Monday"`.
///
/// The banner is one line: quotes and backslashes are escaped with a backslash, and
/// anything outside printable ASCII (and `%` itself) is percent-encoded as UTF-8, so any
/// text survives an HTTP header. The full banner is in `GET /status`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ForumModeHeader {
    pub mode: ForumMode,
    pub banner: Option<String>,
}

/// Longest banner text put in the header, in characters.
const HEADER_BANNER_CHARS: usize = 200;

impl ForumModeHeader {
    /// The header value.
    pub fn encode(&self) -> String {
        let mut out = self.mode.as_str().to_owned();
        if let Some(banner) = self.banner.as_deref().filter(|b| !b.trim().is_empty()) {
            out.push_str(";banner=\"");
            let one_line = banner.split_whitespace().collect::<Vec<_>>().join(" ");
            for c in one_line.chars().take(HEADER_BANNER_CHARS) {
                match c {
                    '"' | '\\' => {
                        out.push('\\');
                        out.push(c);
                    }
                    '%' => out.push_str("%25"),
                    ' '..='~' => out.push(c),
                    _ => {
                        let mut buf = [0_u8; 4];
                        for byte in c.encode_utf8(&mut buf).bytes() {
                            let _ = write!(out, "%{byte:02X}");
                        }
                    }
                }
            }
            out.push('"');
        }
        out
    }

    /// Reads a header value; unknown parameters are ignored.
    pub fn parse(value: &str) -> Result<Self, ModeHeaderError> {
        let (mode, mut rest) = value.split_once(';').unwrap_or((value, ""));
        let mode: ForumMode = mode
            .parse()
            .map_err(|_| ModeHeaderError::UnknownMode(mode.trim().to_owned()))?;
        let mut banner = None;
        loop {
            rest = rest.trim_start_matches([' ', '\t', ';']);
            if rest.is_empty() {
                break;
            }
            let (name, after) = rest
                .split_once('=')
                .ok_or_else(|| ModeHeaderError::Malformed(rest.to_owned()))?;
            let (raw, remaining) = if let Some(quoted) = after.trim_start().strip_prefix('"') {
                take_quoted(quoted).ok_or_else(|| ModeHeaderError::Malformed(after.to_owned()))?
            } else {
                let end = after.find(';').unwrap_or(after.len());
                (after[..end].trim().to_owned(), &after[end..])
            };
            if name.trim().eq_ignore_ascii_case("banner") {
                banner = Some(percent_decode(&raw));
            }
            rest = remaining;
        }
        Ok(Self { mode, banner })
    }
}

/// Splits `text"rest` at the closing quote, undoing backslash escapes.
fn take_quoted(s: &str) -> Option<(String, &str)> {
    let mut out = String::new();
    let mut chars = s.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '\\' => out.push(chars.next()?.1),
            '"' => return Some((out, &s[i + 1..])),
            _ => out.push(c),
        }
    }
    None
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(byte) = s
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(byte);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_round_trips_any_banner_text() {
        let header = ForumModeHeader {
            mode: ForumMode::ReadOnly,
            banner: Some("Logins are \"grayed out\" until 25 April — 100% back\nsoon \\o/".into()),
        };
        let encoded = header.encode();
        assert!(encoded.is_ascii(), "{encoded}");
        assert!(encoded.starts_with("read-only;banner=\""));
        let parsed = ForumModeHeader::parse(&encoded).unwrap();
        assert_eq!(parsed.mode, ForumMode::ReadOnly);
        assert_eq!(
            parsed.banner.as_deref(),
            Some("Logins are \"grayed out\" until 25 April — 100% back soon \\o/")
        );
    }

    #[test]
    fn plain_modes_and_unknown_parameters_parse() {
        assert_eq!(
            ForumModeHeader::parse("open").unwrap(),
            ForumModeHeader::default()
        );
        let parsed = ForumModeHeader::parse("maintenance; until=later; banner=soon").unwrap();
        assert_eq!(parsed.mode, ForumMode::Maintenance);
        assert_eq!(parsed.banner.as_deref(), Some("soon"));
        assert!(ForumModeHeader::parse("sleeping").is_err());
        assert!(ForumModeHeader::parse("read-only;banner=\"unterminated").is_err());
    }
}
