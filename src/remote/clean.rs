//! Sanitizes what a server sent at the door, once, before it enters the app (DESIGN §6):
//! every backend passes its posts, threads, tree and banners through here.

use crate::model::{Author, Banner, Forum, InboxItem, Post, ThreadSummary};
use crate::remote::PullBatch;
use crate::text::sanitize::{clean, clean_line};
use std::borrow::Cow;

/// A post: one-line fields cleaned as lines, the body as text. (The renderer cleans
/// again after decoding entities, which only it can see.)
pub(crate) fn post(mut post: Post) -> Post {
    post.author = author(post.author);
    // Nearly every body is clean already: it is replaced only when cleaning changed it,
    // rather than copied whole.
    if let Cow::Owned(cleaned) = clean(&post.body.text) {
        post.body.text = cleaned;
    }
    post
}

pub(crate) fn author(author: Author) -> Author {
    Author {
        name: clean_line(&author.name).as_ref().into(),
        badge: author.badge.map(|b| clean_line(&b).into_owned()),
    }
}

/// More posts than any thread a server may claim: a larger post number or count is
/// not believed (it would show billions of unread posts and ask for them), but cut to this.
pub const MAX_CLAIMED_POSTS: u32 = 10_000_000;

/// A thread summary: its text cleaned, its post number and count held to
/// [`MAX_CLAIMED_POSTS`].
pub(crate) fn summary(mut thread: ThreadSummary) -> ThreadSummary {
    thread.title = clean_line(&thread.title).as_ref().into();
    thread.author = author(thread.author);
    if thread.last_seq > MAX_CLAIMED_POSTS || thread.post_count > MAX_CLAIMED_POSTS {
        tracing::warn!(
            thread = thread.id.as_str(),
            last_seq = thread.last_seq,
            post_count = thread.post_count,
            "the server claims more than {MAX_CLAIMED_POSTS} posts in a thread; not believed"
        );
        thread.last_seq = thread.last_seq.min(MAX_CLAIMED_POSTS);
        thread.post_count = thread.post_count.min(MAX_CLAIMED_POSTS);
    }
    thread
}

pub(crate) fn banner(mut banner: Banner) -> Banner {
    banner.text = clean(&banner.text).into_owned();
    for link in &mut banner.links {
        link.label = clean_line(&link.label).into_owned();
    }
    banner
}

pub(crate) fn forum(mut forum: Forum) -> Forum {
    forum.title = clean_line(&forum.title).into_owned();
    for section in &mut forum.sections {
        section.title = clean_line(&section.title).into_owned();
        for area in &mut section.areas {
            area.title = clean_line(&area.title).into_owned();
            area.description = area.description.take().map(|d| clean(&d).into_owned());
        }
    }
    forum.announcement = forum.announcement.map(banner);
    forum
}

/// The longest excerpt an inbox item keeps, in characters: a line's worth, whatever the
/// server sent.
pub const INBOX_EXCERPT_CHARS: usize = 200;

/// An inbox item: every text a line, the excerpt cut to [`INBOX_EXCERPT_CHARS`].
pub(crate) fn inbox_item(mut item: InboxItem) -> InboxItem {
    item.id = clean_line(&item.id).into_owned();
    item.thread_title = clean_line(&item.thread_title).into_owned();
    item.author = author(item.author);
    let excerpt: String = item.excerpt.chars().take(INBOX_EXCERPT_CHARS).collect();
    item.excerpt = clean_line(&excerpt).into_owned();
    item
}

/// Everything in a pull batch.
pub(crate) fn batch(mut batch: PullBatch) -> PullBatch {
    batch.forum = batch.forum.map(forum);
    batch.threads = batch.threads.into_iter().map(summary).collect();
    batch.posts = batch.posts.into_iter().map(post).collect();
    batch.inbox = batch.inbox.into_iter().map(inbox_item).collect();
    batch
}
