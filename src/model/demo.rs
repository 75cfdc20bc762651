//! The bundled demo forum (`assets/demo/forum.toml`), parsed into model types.

use super::forum::{Access, Area, Banner, Forum, Section, ThreadSummary};
use super::ids::{AreaId, PostId, ThreadId};
use super::post::{Author, Body, Post};
use jiff::{SignedDuration, Timestamp};
use serde::Deserialize;

const DEMO_TOML: &str = include_str!("../../assets/demo/forum.toml");

/// The demo forum, ready to be written to a local cache or loaded into a server.
#[derive(Clone, Debug)]
pub struct DemoForum {
    pub forum: Forum,
    pub threads: Vec<DemoThread>,
}

#[derive(Clone, Debug)]
pub struct DemoThread {
    pub summary: ThreadSummary,
    pub posts: Vec<Post>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[allow(dead_code)]
    schema: u32,
    title: String,
    #[serde(default)]
    undated: bool,
    announcement: Option<Banner>,
    sections: Vec<Section>,
    threads: Vec<FileThread>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileThread {
    id: ThreadId,
    area: AreaId,
    title: String,
    posts: Vec<FilePost>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FilePost {
    author: String,
    badge: Option<String>,
    /// 1-based position of the post answered.
    reply_to: Option<u32>,
    body: String,
}

/// The demo's posts are undated; they get one timestamp per minute from this instant so
/// that order survives every round trip. Views do not show these as dates.
const DEMO_EPOCH_SECONDS: i64 = 1_000_000_000;

/// Parses the bundled demo forum. The asset is compiled in and checked by tests, so a
/// failure here is a build defect; it is still reported as an error, not a panic.
pub fn demo_forum() -> Result<DemoForum, String> {
    let file: File =
        toml::from_str(DEMO_TOML).map_err(|e| format!("bundled demo forum is invalid: {e}"))?;
    let epoch = Timestamp::from_second(DEMO_EPOCH_SECONDS).map_err(|e| e.to_string())?;
    let mut minute = 0_i64;
    let mut threads = Vec::with_capacity(file.threads.len());
    for thread in file.threads {
        let mut posts = Vec::with_capacity(thread.posts.len());
        for (n, p) in thread.posts.into_iter().enumerate() {
            let seq = u32::try_from(n + 1).map_err(|e| e.to_string())?;
            minute += 1;
            posts.push(Post {
                id: PostId::new(format!("{}-{seq}", thread.id)),
                thread: thread.id.clone(),
                seq,
                reply_to: p
                    .reply_to
                    .map(|r| PostId::new(format!("{}-{r}", thread.id))),
                author: Author {
                    name: p.author.into(),
                    badge: p.badge,
                },
                created_at: epoch + SignedDuration::from_mins(minute),
                edited_at: None,
                body: Body::markdown(p.body.trim_end()),
                deleted: false,
                removed: false,
                score: None,
                version: 1,
                client_key: None,
                reactions: crate::model::Reactions::default(),
            });
        }
        let first = posts.first().ok_or("a demo thread has no posts")?;
        let last = posts.last().ok_or("a demo thread has no posts")?;
        let summary = ThreadSummary {
            id: thread.id,
            area: thread.area,
            title: thread.title.into(),
            author: first.author.clone(),
            created_at: first.created_at,
            last_post_at: last.created_at,
            post_count: last.seq,
            last_seq: last.seq,
            pinned: false,
            locked: false,
            missing: thin_vec::ThinVec::new(),
            small_actions: thin_vec::ThinVec::new(),
        };
        threads.push(DemoThread { summary, posts });
    }
    Ok(DemoForum {
        forum: Forum {
            title: file.title,
            sections: file.sections,
            announcement: file.announcement,
            undated: file.undated,
            limits: super::forum::PostLimits::default(),
        },
        threads,
    })
}

impl Area {
    /// An area with no description.
    pub fn new(id: impl Into<compact_str::CompactString>, title: impl Into<String>) -> Self {
        Self {
            id: AreaId::new(id.into()),
            title: title.into(),
            description: None,
            access: Access::Full,
            required_tags: 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_parses_with_its_tree_and_eight_posts() {
        let demo = demo_forum().unwrap();
        let titles: Vec<&str> = demo
            .forum
            .sections
            .iter()
            .map(|s| s.title.as_str())
            .collect();
        assert_eq!(titles, ["Strategic Initiatives", "Enabling Strategies"]);
        assert_eq!(demo.threads.len(), 1);
        assert_eq!(demo.threads[0].posts.len(), 8);
    }
}
