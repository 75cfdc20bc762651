//! An earlier text of an edited post, as the server keeps it (API v1 revisions, Discourse
//! post revisions).

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// One earlier version of a post.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Revision {
    /// The version that had this text.
    pub version: u64,
    /// Its text (Markdown as written).
    pub text: String,
    /// When the next edit replaced it, when the server says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replaced_at: Option<Timestamp>,
    /// Who replaced it, when the server says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replaced_by: Option<String>,
}
