//! Reading one post's comments, a request at a time. A post never read is asked for as a
//! tree (`max_depth`), then every branch the tree cut short (Lemmy says how many comments
//! a branch holds) by its `parent_id`; a tree Lemmy 0.19 cut at 300 comments is filled
//! in page by page. A post read before is caught up newest first until a known comment
//! shows up. The thread being read is asked for whole (and the post itself, which also
//! says whether it is still there): edits, deletions and scores are seen there.

use super::cursor::{FlatOrder, PostMark, Step};
use super::posts::{self, thread_id};
use super::pull::Pull;
use super::transport::As;
use super::version::PageAt;
use super::wire::{CommentView, Page, PostResponse};
use crate::remote::RemoteError;

/// Levels of comments one tree request asks for.
pub const TREE_DEPTH: u32 = 8;
/// Lemmy answers a tree request with at most this many comments.
pub const TREE_CAP: usize = 300;
/// Comments a flat page asks for (Lemmy's maximum).
pub const FLAT_PAGE: u32 = 50;
/// Branches one job may ask for, so a post whose counts never add up (comments of
/// blocked people are counted but not shown) costs a bounded number of requests.
const MAX_BRANCHES: usize = 40;

impl Pull<'_> {
    /// Runs the next request of the job under way.
    pub(super) async fn job_step(&mut self) -> Result<(), RemoteError> {
        let Some(job) = self.round().job.as_mut() else {
            return Ok(());
        };
        let post = job.post;
        let Some(step) = job.steps.pop_front() else {
            self.finish_job();
            return Ok(());
        };
        let result = match step.clone() {
            Step::Post => self.read_post(post).await,
            Step::Tree { parent, at } => self.read_tree(post, parent, at).await,
            Step::Flat {
                order,
                at,
                until_known,
            } => self.read_flat(post, order, at, until_known).await,
        };
        match result.map_err(failure) {
            Ok(()) => {}
            Err(Failure::Removed) => {
                self.forget_post(post);
                return Ok(());
            }
            Err(Failure::Skip) => {
                // The next round reads this post again from the start.
                let round = self.round();
                round.job = None;
                round.done += 1;
                self.cursor.retry.push(post);
                return Ok(());
            }
            Err(Failure::Stop(e)) => {
                // Tried again when the pull resumes.
                if let Some(job) = self.round().job.as_mut() {
                    job.steps.push_front(step);
                }
                return Err(e);
            }
        }
        if self
            .round()
            .job
            .as_ref()
            .is_some_and(|j| j.steps.is_empty())
        {
            self.finish_job();
        }
        Ok(())
    }

    /// `GET /post`: the post as it is now (edited, locked, deleted). Asked without the
    /// token: Lemmy marks a post read (comments included) for whoever reads it, and
    /// syncing is not reading. A private instance answers only with it.
    async fn read_post(&mut self, post: i64) -> Result<(), RemoteError> {
        let query = [("id", post.to_string())];
        let answer: PostResponse = match self.get_as("/post", &query, As::Anonymous, "a post").await
        {
            Err(RemoteError::Status { status: 401, .. }) => {
                self.get("/post", &query, "a post").await?
            }
            other => other?,
        };
        let view = answer.post_view;
        if view.post.deleted || view.post.removed {
            // Only its author and moderators still see it: the thread goes.
            return Err(RemoteError::Status {
                status: 404,
                code: Some("not_found".to_owned()),
                message: "the post was deleted or removed".to_owned(),
                retry_after: None,
            });
        }
        let record = self.cursor.posts.entry(post).or_default();
        record.community = view.post.community_id;
        if let Some(opening) = posts::opening(&view, record) {
            self.batch.posts.push(opening);
        }
        let summary = posts::summary(&view, record);
        if let Some(job) = self.round().job.as_mut() {
            job.mark.get_or_insert(PostMark {
                comments: super::version::post_comments(&view),
                activity: super::version::post_activity(&view),
            });
            job.summary = Some(summary.clone());
        }
        self.batch.threads.retain(|t| t.id != summary.id);
        self.batch.threads.push(summary);
        Ok(())
    }

    async fn read_tree(
        &mut self,
        post: i64,
        parent: Option<i64>,
        at: Option<PageAt>,
    ) -> Result<(), RemoteError> {
        let version = self.version();
        let query = version.tree_query(post, parent, TREE_DEPTH, at.as_ref());
        let page: Page<CommentView> = self.get("/comment/list", &query, "comments").await?;
        let views = own_post(page.items, post);
        self.deliver(post, &views);
        let Some(job) = self.round().job.as_mut() else {
            return Ok(());
        };
        if let Some(next) = page.next_page.filter(|_| !views.is_empty()) {
            job.steps.push_front(Step::Tree {
                parent,
                at: Some(PageAt::Cursor(next)),
            });
        } else if views.len() >= TREE_CAP {
            job.capped = true;
        }
        let short = posts::incomplete_branches(&views, &job.branched);
        for branch in short {
            if job.branched.len() >= MAX_BRANCHES {
                break;
            }
            if Some(branch) == parent {
                continue;
            }
            job.branched.insert(branch);
            job.steps.push_back(Step::Tree {
                parent: Some(branch),
                at: None,
            });
        }
        Ok(())
    }

    async fn read_flat(
        &mut self,
        post: i64,
        order: FlatOrder,
        at: Option<PageAt>,
        until_known: bool,
    ) -> Result<(), RemoteError> {
        let version = self.version();
        let query = version.flat_query(post, order.comment_order(), FLAT_PAGE, at.as_ref());
        let page: Page<CommentView> = self.get("/comment/list", &query, "comments").await?;
        let views = own_post(page.items, post);
        let record = self.cursor.posts.entry(post).or_default();
        let reached_known = views.iter().any(|v| record.knows(v.comment.id));
        self.deliver(post, &views);
        if until_known && reached_known {
            return Ok(());
        }
        let next = version.next_comment_page(at.as_ref(), views.len(), FLAT_PAGE, page.next_page);
        if let (Some(next), Some(job)) = (next, self.round().job.as_mut()) {
            job.steps.push_front(Step::Flat {
                order,
                at: Some(next),
                until_known,
            });
        }
        Ok(())
    }

    fn deliver(&mut self, post: i64, views: &[CommentView]) {
        let record = self.cursor.posts.entry(post).or_default();
        let changed = posts::apply_comments(record, views);
        self.batch.posts.extend(changed);
    }

    /// The job is done: a capped tree is filled in page by page first; then the
    /// listing's counts are recorded, and a read mark the server gave is applied.
    fn finish_job(&mut self) {
        let Some(mut job) = self.round().job.take() else {
            return;
        };
        let record = self.cursor.posts.entry(job.post).or_default();
        let known = record.comments.len();
        let short = job
            .mark
            .is_some_and(|m| i64::try_from(known).unwrap_or(i64::MAX) < m.comments);
        if job.capped && short {
            job.capped = false;
            job.steps.push_back(Step::Flat {
                order: FlatOrder::Old,
                at: self.version().comment_page_after(known, FLAT_PAGE),
                until_known: false,
            });
            self.round().job = Some(job);
            return;
        }
        if job.mark.is_some() {
            record.mark = job.mark;
        }
        let last_seq = record.last_seq();
        if let Some(summary) = job.summary.take() {
            let summary = posts::settled(summary, record);
            self.batch.threads.retain(|t| t.id != summary.id);
            self.batch.threads.push(summary);
        }
        let round = self.round();
        round.done += 1;
        if round.read_after.remove(&job.post) {
            self.batch
                .read_through
                .push((thread_id(job.post), last_seq));
        }
    }

    fn forget_post(&mut self, post: i64) {
        self.cursor.posts.remove(&post);
        let round = self.round();
        round.job = None;
        round.queue.retain(|q| q.post != post);
        round.read_after.remove(&post);
        round.done += 1;
        let thread = thread_id(post);
        self.batch.threads.retain(|t| t.id != thread);
        self.batch.posts.retain(|p| p.thread != thread);
        self.batch.removed_threads.push(thread);
    }
}

/// Comments of `post` only (a hostile answer may mix in others).
fn own_post(views: Vec<CommentView>, post: i64) -> Vec<CommentView> {
    views
        .into_iter()
        .filter(|v| v.comment.post_id == post)
        .collect()
}

/// What a failed request means for the job.
enum Failure {
    /// The post is gone.
    Removed,
    /// This post cannot be read now (an error of the server's on it, a malformed
    /// answer): the round goes on without it and tries again next round.
    Skip,
    /// The whole instance is unavailable (network, rate limit, login): stop.
    Stop(RemoteError),
}

fn failure(e: RemoteError) -> Failure {
    match e {
        RemoteError::Status { status: 404, .. } => Failure::Removed,
        RemoteError::Status {
            status: 403 | 422 | 500,
            ..
        }
        | RemoteError::Protocol(_) => Failure::Skip,
        e => Failure::Stop(e),
    }
}
