//! Writing to Lemmy: comments and replies (`POST /comment` with `post_id`, `parent_id`,
//! `content`), new posts in a community (`POST /post`), and finding our own comment after
//! an attempt whose outcome is unknown: Lemmy has no idempotency key, so a resend is safe
//! only once we know the first attempt did not land ([`own_post`]'s rule).

use super::cursor::PullCursor;
use super::posts::{self, area_id, lemmy_id};
use super::transport::{As, Transport};
use super::version::ApiVersion;
use super::wire::{
    self, CommentResponse, CommentView, MyUserInfo, Page, PersonDetails, PostResponse, SiteResponse,
};
use crate::model::{OutboxEntry, Post, Target};
use crate::remote::{RemoteError, Submitted, own_post};
use serde_json::json;

/// Our newest comments looked at after an unknown outcome.
const OWN_COMMENTS: u32 = 20;

pub struct Writer<'a> {
    pub transport: &'a mut Transport,
    pub known: Option<&'a PullCursor>,
}

impl Writer<'_> {
    pub async fn submit(&mut self, entry: &OutboxEntry) -> Result<Submitted, RemoteError> {
        self.ensure_version().await?;
        match &entry.target {
            Target::Reply { thread, reply_to } => {
                let post = numeric(thread.as_str(), "thread")?;
                let mut body = json!({ "post_id": post, "content": entry.body });
                if let Some((true, parent)) = reply_to.as_ref().and_then(lemmy_id) {
                    body["parent_id"] = json!(parent);
                }
                let answer: CommentResponse = self
                    .transport
                    .post("/comment", &body, As::Account, "the new comment")
                    .await?;
                Ok(Submitted::Posted {
                    post: Box::new(self.our_comment(entry, &answer.comment_view)),
                    thread: None,
                })
            }
            Target::NewThread { area, title } => {
                let community = numeric(area.as_str(), "community")?;
                let body = json!({ "name": title, "community_id": community, "body": entry.body });
                let answer: PostResponse = self
                    .transport
                    .post("/post", &body, As::Account, "the new post")
                    .await?;
                let view = answer.post_view;
                let mut record = super::cursor::PostRecord::default();
                let mut opening = posts::opening(&view, &mut record).ok_or_else(|| {
                    RemoteError::Protocol("the new post came back empty".to_owned())
                })?;
                opening.client_key = Some(entry.key.clone());
                let mut summary = posts::summary(&view, &record);
                summary.area = area_id(community);
                Ok(Submitted::Posted {
                    post: Box::new(opening),
                    thread: Some(Box::new(summary)),
                })
            }
            other => Err(RemoteError::unsupported(other.kind(), "Lemmy")),
        }
    }

    /// Our comment (or post) as the server has it, if the attempt landed: among our
    /// newest, in the same post, answering the same comment, with the same text.
    pub async fn find_submitted(
        &mut self,
        entry: &OutboxEntry,
    ) -> Result<Option<Post>, RemoteError> {
        self.ensure_version().await?;
        let Some(username) = self.username().await? else {
            return Ok(None);
        };
        if let Target::NewThread { area, title } = &entry.target {
            return self.find_post(entry, &username, area.as_str(), title).await;
        }
        let Some(thread) = entry.target.thread() else {
            return Ok(None);
        };
        let post = numeric(thread.as_str(), "thread")?;
        let parent = match &entry.target {
            Target::Reply { reply_to, .. } => reply_to.as_ref().and_then(lemmy_id),
            _ => None,
        }
        .and_then(|(is_comment, id)| is_comment.then_some(id));
        let comments = self.own_comments(&username).await?;
        let candidates = comments
            .iter()
            .enumerate()
            .filter(|(_, v)| v.comment.post_id == post)
            .filter(|(_, v)| posts::parent_of(&v.comment.path) == parent)
            .filter(|(_, v)| !v.comment.deleted && !v.comment.removed)
            .map(|(i, v)| (v.comment.published, i))
            .collect();
        for i in own_post::newest_candidates(entry, candidates) {
            let view = &comments[i];
            if own_post::same_text(&view.comment.content, &entry.body) {
                return Ok(Some(self.our_comment(entry, view)));
            }
        }
        Ok(None)
    }

    /// A new post of ours in the community, with the title and text sent.
    async fn find_post(
        &mut self,
        entry: &OutboxEntry,
        username: &str,
        community: &str,
        title: &str,
    ) -> Result<Option<Post>, RemoteError> {
        let community = numeric(community, "community")?;
        let version = self.version();
        let (path, mut query) = version.own_comments(username, OWN_COMMENTS);
        let views: Vec<wire::PostView> = match version {
            ApiVersion::V3 => {
                query.retain(|(k, _)| *k != "type_");
                let details: serde_json::Value = self
                    .transport
                    .get(path, &query, As::Account, "the account's newest posts")
                    .await?;
                serde_json::from_value(details["posts"].clone()).unwrap_or_default()
            }
            ApiVersion::V4 => {
                query.retain(|(k, _)| *k != "type_");
                query.push(("type_", "posts".to_owned()));
                let page: Page<serde_json::Value> = self
                    .transport
                    .get(path, &query, As::Account, "the account's newest posts")
                    .await?;
                page.items
                    .into_iter()
                    .filter_map(|v| serde_json::from_value(v).ok())
                    .collect()
            }
        };
        let candidates = views
            .iter()
            .enumerate()
            .filter(|(_, v)| v.post.community_id == community && v.post.name == title)
            .map(|(i, v)| (v.post.published, i))
            .collect();
        for i in own_post::newest_candidates(entry, candidates) {
            let view = &views[i];
            if own_post::same_text(view.post.body.as_deref().unwrap_or_default(), &entry.body) {
                let mut record = super::cursor::PostRecord::default();
                let mut post = posts::opening(view, &mut record);
                if let Some(post) = &mut post {
                    post.client_key = Some(entry.key.clone());
                }
                return Ok(post);
            }
        }
        Ok(None)
    }

    async fn own_comments(&mut self, username: &str) -> Result<Vec<CommentView>, RemoteError> {
        let (path, query) = self.version().own_comments(username, OWN_COMMENTS);
        match self.version() {
            ApiVersion::V3 => {
                let details: PersonDetails = self
                    .transport
                    .get(path, &query, As::Account, "the account's newest comments")
                    .await?;
                Ok(details.comments)
            }
            ApiVersion::V4 => {
                let page: Page<serde_json::Value> = self
                    .transport
                    .get(path, &query, As::Account, "the account's newest comments")
                    .await?;
                Ok(page
                    .items
                    .into_iter()
                    .filter(|v| v["type_"] == "comment")
                    .filter_map(|v| serde_json::from_value(v).ok())
                    .collect())
            }
        }
    }

    /// The account's user name, as the instance knows it.
    async fn username(&mut self) -> Result<Option<String>, RemoteError> {
        if !self.transport.logged_in() {
            return Ok(None);
        }
        let me = match self.version().my_user_path() {
            None => {
                let site: SiteResponse = self
                    .transport
                    .get("/site", &[], As::Account, "the site")
                    .await?;
                site.my_user
            }
            Some(path) => Some(
                self.transport
                    .get::<MyUserInfo>(path, &[], As::Account, "the account")
                    .await?,
            ),
        };
        Ok(me.map(|m| m.local_user_view.person.name))
    }

    /// A write before any pull (`threadmark reply` then `sync` on a fresh account) still
    /// needs to know which API to speak.
    async fn ensure_version(&mut self) -> Result<(), RemoteError> {
        if self.transport.version().is_some() {
            return Ok(());
        }
        if let Some(api) = self.known.and_then(|c| c.api) {
            self.transport.set_version(api);
            return Ok(());
        }
        super::detect(self.transport, None, As::Account).await?;
        Ok(())
    }

    fn version(&self) -> ApiVersion {
        self.transport.version().unwrap_or(ApiVersion::V3)
    }

    /// Our comment as the server stored it. Its `seq` is a best guess (after the last one
    /// known); the next pull delivers it again with the `seq` it keeps.
    fn our_comment(&self, entry: &OutboxEntry, view: &CommentView) -> Post {
        let post_id = view.comment.post_id;
        let record = self.known.and_then(|c| c.posts.get(&post_id));
        let seq = record
            .and_then(|r| r.seq_of(view.comment.id))
            .or_else(|| record.map(|r| r.last_seq().saturating_add(1)))
            .unwrap_or(2);
        let mut post = posts::comment_post(view, post_id, seq, 1);
        post.client_key = Some(entry.key.clone());
        post
    }
}

fn numeric(id: &str, what: &str) -> Result<i64, RemoteError> {
    id.parse().map_err(|_| {
        RemoteError::Protocol(format!(
            "{what} id {id:?} is not a Lemmy id; was this written for another account?"
        ))
    })
}
