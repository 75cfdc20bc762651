//! The forum's shape: sections → areas → thread summaries, plus its announcement banner;
//! and the forum as a client holds it (tree, summaries, what was read).

use super::ids::{AreaId, SectionId, ThreadId};
use super::post::Author;
use super::read_state::ReadState;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use thin_vec::ThinVec;

/// The whole tree of one account's forum, as shown in the tree pane.
///
/// Thread summaries are kept apart (see [`ThreadSummary`]) so the tree can be
/// loaded at start without reading any post.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Forum {
    /// The forum's own name, shown as the root of the tree ("Strategic Framework").
    pub title: String,
    pub sections: Vec<Section>,
    /// The site-wide announcement, if any (the demo carries the seed's gray-out warning).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub announcement: Option<Banner>,
    /// True when post times only order posts and are not real dates (the demo forum's
    /// source has no dates): views then show a post's position instead of a date.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub undated: bool,
    /// How long a post may be, where the server says (API v1's `/status`): checked before
    /// a post is queued, so it is not refused after it left.
    #[serde(default, skip_serializing_if = "PostLimits::is_unknown")]
    pub limits: PostLimits,
}

/// The longest post and thread title a server takes, in characters (as the server
/// counts them: Unicode scalar values); 0 where it does not say.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostLimits {
    #[serde(default, skip_serializing_if = "is_zero")]
    pub max_post_chars: u32,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub max_title_chars: u32,
}

impl PostLimits {
    pub fn is_unknown(&self) -> bool {
        self.max_post_chars == 0 && self.max_title_chars == 0
    }

    /// Characters of `body` over the limit, when it is over.
    pub fn body_excess(&self, body: &str) -> Option<usize> {
        excess(body, self.max_post_chars)
    }

    /// Characters of `title` over the limit, when it is over.
    pub fn title_excess(&self, title: &str) -> Option<usize> {
        excess(title, self.max_title_chars)
    }

    /// Why a post (with `title` when it starts a thread) would be refused for its length,
    /// in words a user can act on; `None` when it fits.
    pub fn refusal(&self, title: Option<&str>, body: &str) -> Option<String> {
        if let Some(over) = title.and_then(|t| self.title_excess(t)) {
            return Some(format!(
                "the title is {} too long: the forum takes at most {}",
                characters(over),
                self.max_title_chars
            ));
        }
        self.body_excess(body).map(|over| {
            format!(
                "the text is {} too long: the forum takes at most {} (it has {})",
                characters(over),
                self.max_post_chars,
                body.chars().count()
            )
        })
    }
}

fn characters(n: usize) -> String {
    if n == 1 {
        "1 character".to_owned()
    } else {
        format!("{n} characters")
    }
}

fn excess(text: &str, max: u32) -> Option<usize> {
    let max = usize::try_from(max).ok().filter(|&m| m > 0)?;
    let count = text.chars().count();
    (count > max).then(|| count - max)
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Section {
    pub id: SectionId,
    pub title: String,
    pub areas: Vec<Area>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Area {
    pub id: AreaId,
    pub title: String,
    /// Short description, if the server has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// What this account may do here (Discourse: the category's `permission`).
    #[serde(default, skip_serializing_if = "Access::is_full")]
    pub access: Access,
    /// Tags a new thread here must carry (Discourse: `minimum_required_tags`).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub required_tags: u32,
}

/// What an account may write in an area.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Access {
    /// Start threads and reply.
    #[default]
    Full,
    /// Reply to threads, start none.
    ReplyOnly,
    /// Read only.
    ReadOnly,
}

impl Access {
    pub fn is_full(&self) -> bool {
        *self == Access::Full
    }

    /// Why a new thread cannot be started here, when it cannot (said before anything
    /// is typed).
    pub fn new_thread_refusal(self) -> Option<&'static str> {
        match self {
            Access::Full => None,
            Access::ReplyOnly => {
                Some("only moderators may start threads here; replies are welcome")
            }
            Access::ReadOnly => Some("this area is read-only for this account"),
        }
    }
}

#[allow(clippy::trivially_copy_pass_by_ref)] // serde's skip_serializing_if passes a reference
fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// Posts `from..=to` by `seq`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeqRange {
    pub from: u32,
    pub to: u32,
}

impl SeqRange {
    pub fn count(self) -> u32 {
        self.to.saturating_sub(self.from).saturating_add(1)
    }

    pub fn contains(self, seq: u32) -> bool {
        (self.from..=self.to).contains(&seq)
    }
}

/// Everything the tree pane and `threadmark tree` need to know about a thread,
/// without its posts.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ThreadSummary {
    pub id: ThreadId,
    pub area: AreaId,
    /// Shared with the tree's row of the thread (a forum of 50,000 threads would hold
    /// every title twice).
    #[serde(with = "shared_text")]
    pub title: Arc<str>,
    pub author: Author,
    pub created_at: Timestamp,
    /// Time of the newest post; threads are listed newest first.
    pub last_post_at: Timestamp,
    /// Number of posts, tombstones included (the highest `seq`).
    pub post_count: u32,
    /// Highest post sequence number in the thread (dense, starts at 1).
    pub last_seq: u32,
    #[serde(default)]
    pub pinned: bool,
    #[serde(default)]
    pub locked: bool,
    /// Posts the server has that the cache does not (long threads are downloaded in part,
    /// others headers first): downloaded on demand. Empty: every post is cached.
    #[serde(default, skip_serializing_if = "ThinVec::is_empty")]
    pub missing: ThinVec<SeqRange>,
    /// What moderators did to the thread, oldest first (shown between its posts).
    #[serde(default, skip_serializing_if = "ThinVec::is_empty")]
    pub small_actions: ThinVec<super::SmallAction>,
}

impl ThreadSummary {
    /// Why a reply cannot be written here, when it cannot (said before anything is
    /// typed).
    pub fn reply_refusal(&self) -> Option<&'static str> {
        self.locked
            .then_some("the thread is locked: the forum takes no new replies to it")
    }

    /// Nothing but the summary is cached: the posts come when the thread is opened.
    pub fn headers_only(&self) -> bool {
        self.last_seq > 0 && self.missing_posts() >= self.last_seq
    }

    /// How many posts the cache lacks.
    pub fn missing_posts(&self) -> u32 {
        self.missing
            .iter()
            .map(|r| r.count())
            .fold(0, u32::saturating_add)
    }
}

/// How loud an announcement is.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    #[default]
    Info,
    Warning,
    Critical,
}

/// A forum-wide announcement (the server's banner, or the demo's gray-out warning).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Banner {
    /// Stable id: dismissing a banner is remembered per id.
    pub id: String,
    #[serde(default)]
    pub severity: Severity,
    /// Markdown text.
    pub text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub starts_at: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ends_at: Option<Timestamp>,
    /// Named links offered with the banner; a link may have a label only.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub links: Vec<BannerLink>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BannerLink {
    pub label: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

impl Forum {
    /// The area a user names by its id or by a part of its title found in no other area's
    /// title; else why not, naming the choices (`title (id)`, comma-separated).
    pub fn find_area(&self, typed: &str) -> Result<&Area, String> {
        let typed = typed.trim();
        let areas: Vec<&Area> = self.sections.iter().flat_map(|s| s.areas.iter()).collect();
        let named = |list: &[&Area]| {
            list.iter()
                .map(|a| format!("{} ({})", a.title, a.id.as_str()))
                .collect::<Vec<_>>()
                .join(", ")
        };
        if let Some(area) = areas.iter().copied().find(|a| a.id.as_str() == typed) {
            return Ok(area);
        }
        let lower = typed.to_lowercase();
        let by_title: Vec<&Area> = areas
            .iter()
            .copied()
            .filter(|a| !lower.is_empty() && a.title.to_lowercase().contains(&lower))
            .collect();
        match by_title.as_slice() {
            [area] => Ok(area),
            [] => Err(format!("no area “{typed}”. Areas: {}", named(&areas))),
            several => Err(format!("“{typed}” names several areas: {}", named(several))),
        }
    }

    /// Finds an area and the section holding it.
    pub fn area(&self, id: &AreaId) -> Option<(&Section, &Area)> {
        self.sections
            .iter()
            .find_map(|s| s.areas.iter().find(|a| &a.id == id).map(|a| (s, a)))
    }
}

/// The cached forum as loaded: the tree, thread summaries, and what was read.
#[derive(Debug, Default)]
pub struct ForumData {
    pub forum: Forum,
    pub threads: Vec<ThreadSummary>,
    pub read: ReadState,
}

#[cfg(test)]
mod tests {
    use super::PostLimits;

    #[test]
    fn a_post_over_the_servers_limit_is_refused_with_its_excess() {
        let limits = PostLimits {
            max_post_chars: 5,
            max_title_chars: 3,
        };
        assert_eq!(limits.refusal(None, "héllo"), None, "characters, not bytes");
        assert_eq!(
            limits.refusal(None, "hello!!").as_deref(),
            Some("the text is 2 characters too long: the forum takes at most 5 (it has 7)")
        );
        assert_eq!(
            limits.refusal(Some("abcd"), "hi").as_deref(),
            Some("the title is 1 character too long: the forum takes at most 3")
        );
        assert_eq!(PostLimits::default().refusal(Some("long"), "long"), None);
    }
}

/// A shared string as JSON writes and reads a plain one.
mod shared_text {
    use serde::{Deserialize, Deserializer, Serializer};
    use std::sync::Arc;

    pub fn serialize<S: Serializer>(text: &Arc<str>, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(text)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Arc<str>, D::Error> {
        String::deserialize(deserializer).map(Arc::from)
    }
}
