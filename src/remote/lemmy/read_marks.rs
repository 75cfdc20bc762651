//! Sending threadmark's read marks to Lemmy. A post the user has read in full here (the
//! post and every comment the cache holds, none marked unread again) that the instance
//! still counts as unread is opened as the account (`GET /post` with the token): that is
//! how Lemmy records that a user read a post and its comments. Lemmy 0.19.20
//! `crates/api_crud/src/post/read.rs` and 1.0 `crates/api/api_crud/src/post/read.rs`
//! mark the post read and set its read comments to the post's count, while
//! `POST /post/mark_as_read` (0.19.20 `crates/api/src/post/mark_read.rs`) marks only the
//! post and leaves every comment "new" on the web, so it is not used.
//!
//! Only posts whose comments the cache holds as far as their last listing counted them,
//! so what the instance records is what the user read (a comment arriving in between is
//! counted read too, as when reading on the web). A few per round, after the round's
//! reading work, counted against the request budget. Nothing is sent with
//! `read_sync = false`, nor when reading anonymously.

use super::pull::Pull;
use super::transport::As;
use super::wire::PostResponse;
use crate::model::{ReadState, ThreadId};
use crate::remote::RemoteError;

/// Read marks sent in one round at most; the rest wait for the next round.
pub const PER_ROUND: usize = 10;

impl Pull<'_> {
    /// The next post to mark read on the instance this round, if any.
    pub(super) fn next_read_mark(&self) -> Option<i64> {
        let read = self.read_state?;
        let round = self.cursor.round.as_ref()?;
        if round.marked_read.len() >= PER_ROUND || !self.transport.logged_in() {
            return None;
        }
        self.cursor
            .posts
            .iter()
            .filter(|(id, record)| {
                let fetched = match (record.mark, record.listed) {
                    (Some(mark), Some(listed)) => mark.comments >= listed.comments,
                    (Some(_), None) => true,
                    (None, _) => false,
                };
                fetched
                    && !record.server_read
                    && !round.marked_read.contains(id)
                    && read_in_full(read, **id, record.last_seq())
            })
            .map(|(id, _)| *id)
            .next()
    }

    /// Opens the post as the account, so the instance marks it and its comments read.
    pub(super) async fn send_read_mark(&mut self, post: i64) -> Result<(), RemoteError> {
        self.round().marked_read.insert(post);
        let query = [("id", post.to_string())];
        let answer = self
            .get_as::<PostResponse>("/post", &query, As::Account, "a post to mark read")
            .await;
        match answer {
            Ok(_) => {
                if let Some(record) = self.cursor.posts.get_mut(&post) {
                    record.server_read = true;
                }
                Ok(())
            }
            // Gone, or no longer shown to the account: there is nothing to mark.
            Err(RemoteError::Status { status: 404, .. }) => Ok(()),
            Err(e) => Err(e),
        }
    }
}

/// Whether the user read the thread of `post` through `last_seq`, nothing marked unread.
fn read_in_full(read: &ReadState, post: i64, last_seq: u32) -> bool {
    read.thread(&ThreadId::new(post.to_string()))
        .is_some_and(|t| t.read_through >= 1 && t.unread_count(last_seq) == 0)
}
