//! Whether a forum accepts writes right now (the seed's "gray-out" is read-only).

use serde::{Deserialize, Serialize};

/// The server's posting mode.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ForumMode {
    /// Reading and writing work.
    #[default]
    Open,
    /// Reading works; writes wait (the gray-out).
    ReadOnly,
    /// Nothing but the status works.
    Maintenance,
}

impl ForumMode {
    pub fn accepts_writes(self) -> bool {
        self == Self::Open
    }

    /// The word used in headers, status lines and the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::ReadOnly => "read-only",
            Self::Maintenance => "maintenance",
        }
    }
}

impl std::fmt::Display for ForumMode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for ForumMode {
    type Err = String;

    /// Reads a mode, forgiving case and the `readonly` / `read_only` spellings.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "open" => Ok(Self::Open),
            "read-only" | "readonly" | "read_only" => Ok(Self::ReadOnly),
            "maintenance" => Ok(Self::Maintenance),
            other => Err(format!(
                "unknown forum mode {other:?} (open, read-only or maintenance)"
            )),
        }
    }
}
