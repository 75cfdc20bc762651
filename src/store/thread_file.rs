//! A thread's file: `{"schema":2,"thread":SUMMARY,"posts":[…]}`, its posts in `seq`
//! order. Each post is written without what the file says once for all (its thread) or
//! what goes without saying (a Markdown body's format): at a million posts that is a
//! tenth of the cache. Schema 1 files, which said both, read the same.

use crate::model::{Author, Body, BodyFormat, Post, PostId, Reactions, Thread, ThreadSummary};
use jiff::Timestamp;
use serde::{Deserialize, Serialize, Serializer};

/// The schema of thread files this version reads and writes.
pub const THREAD_SCHEMA: u32 = 2;

/// One thread's file as read: its summary (so the index can be rebuilt from leaves) and
/// its posts.
#[derive(Deserialize)]
pub(super) struct ThreadFile {
    thread: ThreadSummary,
    posts: Vec<Post>,
}

impl ThreadFile {
    pub(super) fn summary(self) -> ThreadSummary {
        self.thread
    }
}

impl From<ThreadFile> for Thread {
    fn from(file: ThreadFile) -> Self {
        let mut posts = file.posts;
        for post in &mut posts {
            post.thread.clone_from(&file.thread.id);
        }
        Thread::new(file.thread, posts)
    }
}

/// A thread's file as written, borrowing the thread.
#[derive(Serialize)]
pub(super) struct ThreadFileRef<'a> {
    schema: u32,
    thread: &'a ThreadSummary,
    posts: FilePosts<'a>,
}

impl<'a> ThreadFileRef<'a> {
    pub(super) fn of(thread: &'a Thread) -> Self {
        Self {
            schema: THREAD_SCHEMA,
            thread: &thread.summary,
            posts: FilePosts(&thread.posts),
        }
    }
}

struct FilePosts<'a>(&'a [Post]);

impl Serialize for FilePosts<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.iter().map(FilePost::of))
    }
}

/// A post as its thread's file has it (see the module's comment); read back as a
/// [`Post`], whose `thread` the file's summary gives.
#[derive(Serialize)]
struct FilePost<'a> {
    id: &'a PostId,
    seq: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    reply_to: Option<&'a PostId>,
    author: &'a Author,
    created_at: Timestamp,
    #[serde(skip_serializing_if = "Option::is_none")]
    edited_at: Option<Timestamp>,
    body: FileBody<'a>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    deleted: bool,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    removed: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    score: Option<i64>,
    version: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    client_key: Option<&'a str>,
    #[serde(skip_serializing_if = "Reactions::is_empty")]
    reactions: Reactions,
}

#[derive(Serialize)]
struct FileBody<'a> {
    #[serde(skip_serializing_if = "is_markdown")]
    format: BodyFormat,
    text: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    base_url: Option<&'a str>,
}

#[allow(clippy::trivially_copy_pass_by_ref)] // serde's skip_serializing_if passes a reference
fn is_markdown(format: &BodyFormat) -> bool {
    *format == BodyFormat::Markdown
}

impl<'a> FilePost<'a> {
    fn of(post: &'a Post) -> Self {
        // Every field named: a new one does not go unwritten unnoticed.
        let Post {
            id,
            thread: _,
            seq,
            reply_to,
            author,
            created_at,
            edited_at,
            body,
            deleted,
            removed,
            score,
            version,
            client_key,
            reactions,
        } = post;
        let Body {
            format,
            text,
            base_url,
        } = body;
        Self {
            id,
            seq: *seq,
            reply_to: reply_to.as_ref(),
            author,
            created_at: *created_at,
            edited_at: *edited_at,
            body: FileBody {
                format: *format,
                text,
                base_url: base_url.as_deref(),
            },
            deleted: *deleted,
            removed: *removed,
            score: *score,
            version: *version,
            client_key: client_key.as_deref(),
            reactions: *reactions,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{AreaId, ThreadId};

    #[test]
    fn every_field_of_a_post_comes_back_and_the_thread_is_said_once() {
        let id = ThreadId::new("t9");
        let mut html = Body::html("<p>hi</p>");
        html.base_url = Some("https://forum.example".into());
        let post = |seq: u32, body: Body| Post {
            id: PostId::new(format!("p{seq}")),
            thread: id.clone(),
            seq,
            reply_to: (seq > 1).then(|| PostId::new("p1")),
            author: Author {
                name: "Ann".into(),
                badge: Some("admin".into()),
            },
            created_at: Timestamp::from_second(100).unwrap(),
            edited_at: Some(Timestamp::from_second(200).unwrap()),
            body,
            deleted: seq == 3,
            removed: seq == 3,
            score: Some(-2),
            version: 4,
            client_key: Some("k".into()),
            reactions: Reactions {
                likes: 3,
                liked: true,
            },
        };
        let thread = Thread::new(
            ThreadSummary {
                id: id.clone(),
                area: AreaId::new("a"),
                title: "T".into(),
                author: Author::new("Ann"),
                created_at: Timestamp::UNIX_EPOCH,
                last_post_at: Timestamp::UNIX_EPOCH,
                post_count: 3,
                last_seq: 3,
                pinned: false,
                locked: false,
                missing: thin_vec::ThinVec::new(),
                small_actions: thin_vec::ThinVec::new(),
            },
            vec![
                post(1, Body::markdown("*one*")),
                post(2, html),
                post(3, Body::markdown("")),
            ],
        );
        let bytes = serde_json::to_string(&ThreadFileRef::of(&thread)).unwrap();
        assert!(bytes.starts_with("{\"schema\":2,"), "{bytes}");
        assert_eq!(bytes.matches("\"t9\"").count(), 1, "{bytes}");
        assert_eq!(bytes.matches("markdown").count(), 0, "{bytes}");
        assert!(bytes.contains("\"format\":\"html\""), "{bytes}");
        let back: Thread = serde_json::from_str::<ThreadFile>(&bytes).unwrap().into();
        assert_eq!(back, thread);
    }

    #[test]
    fn a_schema_1_file_reads_the_same() {
        let old = r#"{"schema":1,"thread":{"id":"t","area":"a","title":"T","author":{"name":"A"},"created_at":"1970-01-01T00:00:00Z","last_post_at":"1970-01-01T00:00:00Z","post_count":1,"last_seq":1,"pinned":false,"locked":false},"posts":[{"id":"p1","thread":"t","seq":1,"author":{"name":"A"},"created_at":"1970-01-01T00:00:00Z","body":{"format":"markdown","text":"hi"},"version":1}]}"#;
        let thread: Thread = serde_json::from_str::<ThreadFile>(old).unwrap().into();
        assert_eq!(thread.posts[0].thread.as_str(), "t");
        assert_eq!(thread.posts[0].body, Body::markdown("hi"));
    }
}
