//! Changes of existing posts: edits (`PUT /posts/{id}.json` with `post[raw]` and
//! `post[original_text]`), deletions (`DELETE /posts/{id}.json`), likes
//! (`POST /post_actions.json`, `post_action_type_id` 2) and taking them back
//! (`DELETE /post_actions/{id}.json`).
//!
//! Discourse keeps no version for a write to be based on; it has `original_text`: an
//! edit whose `original_text` is not the post's `raw` now is refused with `409`
//! (`app/controllers/posts_controller.rb#update`). The cache holds what the post showed
//! (cooked HTML unless `include_raw`), not its `raw`, so an edit first reads the post
//! (`/posts/{id}.json` carries `raw`): changed since the user read it (another `version`
//! or other text) → a conflict with the server's text, never an overwrite; unchanged →
//! the edit goes with that `raw` as `original_text`, so a change in between is still a
//! `409` and a conflict.

use super::posts::{self, Mapping, thread_id};
use super::submit::Writer;
use super::transport::As;
use super::wire::{self, LIKE, UpdatedPost, WirePost};
use crate::model::{Body, OutboxEntry, Post, Target};
use crate::remote::{RemoteError, Submitted, clean};
use reqwest::Method;
use serde_json::json;

impl Writer<'_> {
    /// Sends an edit, deletion, like or unlike.
    pub async fn change(&mut self, entry: &OutboxEntry) -> Result<Submitted, RemoteError> {
        let Some((thread, post)) = entry.target.post() else {
            return Err(RemoteError::Protocol("not a change of a post".into()));
        };
        let id = numeric(post.as_str())?;
        let topic = thread.as_str().parse::<u64>().ok();
        let result = match &entry.target {
            Target::Edit {
                base_version,
                original,
                ..
            } => {
                self.edit(id, topic, *base_version, original, &entry.body)
                    .await
            }
            Target::Delete { base_version, .. } => self.delete(id, topic, *base_version).await,
            Target::Like { .. } => self.like(id, topic, true).await,
            Target::Unlike { .. } => self.like(id, topic, false).await,
            Target::Reply { .. }
            | Target::NewThread { .. }
            | Target::Message { .. }
            | Target::Moderation { .. } => {
                return Err(RemoteError::Protocol("not a change of a post".into()));
            }
        };
        match result {
            Ok(done) => Ok(done),
            Err(e) => Err(self.why_refused(e).await),
        }
    }

    /// The post as the server has it now, its body the `raw` markdown (what an edit and a
    /// conflict compare), with the caller's likes; a post gone (deleted, or no longer
    /// visible) as a tombstone.
    pub async fn current(&mut self, id: u64, topic: Option<u64>) -> Result<Post, RemoteError> {
        match self
            .transport
            .get::<WirePost>(&format!("/posts/{id}.json"), &[], As::Account, "a post")
            .await
        {
            Ok(wire_post) => Ok(self.as_raw(&wire_post, topic)),
            Err(RemoteError::Status {
                status: 404 | 410, ..
            }) => Ok(gone(id, topic)),
            Err(e) => Err(e),
        }
    }

    async fn edit(
        &mut self,
        id: u64,
        topic: Option<u64>,
        base_version: u64,
        original: &str,
        body: &str,
    ) -> Result<Submitted, RemoteError> {
        let wire_post: WirePost = match self
            .transport
            .get(&format!("/posts/{id}.json"), &[], As::Account, "a post")
            .await
        {
            Ok(post) => post,
            Err(RemoteError::Status {
                status: 404 | 410, ..
            }) => {
                return Ok(Submitted::Conflict {
                    current: Box::new(gone(id, topic)),
                });
            }
            Err(e) => return Err(e),
        };
        let current = self.as_raw(&wire_post, topic);
        if current.deleted || !self.unchanged(&wire_post, &current, base_version, original) {
            return Ok(Submitted::Conflict {
                current: Box::new(current),
            });
        }
        let raw = current.body.text.clone();
        let answer = self
            .transport
            .write(
                Method::PUT,
                &format!("/posts/{id}.json"),
                &[],
                Some(&json!({"post": {"raw": body, "original_text": raw}})),
            )
            .await;
        match answer {
            Ok(bytes) => {
                let updated: UpdatedPost = wire::decode(&bytes, "the edited post")?;
                Ok(posted(self.as_raw(&updated.post, topic)))
            }
            // Changed between our read and our write: the post as it is now.
            Err(RemoteError::Status { status: 409, .. }) => Ok(Submitted::Conflict {
                current: Box::new(self.current(id, topic).await?),
            }),
            Err(e) => Err(e),
        }
    }

    /// Was the post, as the server has it, what the edit started from? The same
    /// version, and — edits in the grace period keep it — the same text, compared with
    /// what the cache showed (cooked HTML, or `raw` with `include_raw`).
    fn unchanged(
        &self,
        wire_post: &WirePost,
        current: &Post,
        base_version: u64,
        original: &str,
    ) -> bool {
        if current.version != base_version {
            return false;
        }
        if original.is_empty() {
            return true;
        }
        let shown = clean::post(posts::to_post(
            wire_post,
            &current.thread,
            current.seq,
            None,
            self.mapping,
        ));
        shown.body.text == original || current.body.text == original
    }

    async fn delete(
        &mut self,
        id: u64,
        topic: Option<u64>,
        base_version: u64,
    ) -> Result<Submitted, RemoteError> {
        let current = self.current(id, topic).await?;
        if current.deleted {
            // Deleted already (our earlier attempt, or elsewhere): nothing left to do.
            return Ok(posted(current));
        }
        if current.version != base_version {
            return Ok(Submitted::Conflict {
                current: Box::new(current),
            });
        }
        match self
            .transport
            .write(Method::DELETE, &format!("/posts/{id}.json"), &[], None)
            .await
        {
            // `render body: nil`: the post is a tombstone from now on.
            Ok(_) | Err(RemoteError::Status { status: 404, .. }) => {
                let mut done = gone(id, topic);
                done.version = current.version;
                Ok(posted(done))
            }
            Err(e) => Err(e),
        }
    }

    /// A like, or taking it back. Liking twice is refused (`403`, the guardian's
    /// `post_can_act?` with the action taken) and taking back a like not given is `404`
    /// (`post_actions_controller.rb#destroy`): either way the post is read again and the
    /// entry is done when it shows what was asked.
    async fn like(
        &mut self,
        id: u64,
        topic: Option<u64>,
        like: bool,
    ) -> Result<Submitted, RemoteError> {
        let answer = if like {
            self.transport
                .write(
                    Method::POST,
                    "/post_actions.json",
                    &[],
                    Some(&json!({"id": id, "post_action_type_id": LIKE})),
                )
                .await
        } else {
            self.transport
                .write(
                    Method::DELETE,
                    &format!("/post_actions/{id}.json"),
                    &[("post_action_type_id", LIKE.to_string())],
                    None,
                )
                .await
        };
        match answer {
            Ok(bytes) => {
                let wire_post: WirePost = wire::decode(&bytes, "the liked post")?;
                Ok(posted(self.as_raw(&wire_post, topic)))
            }
            Err(
                e @ RemoteError::Status {
                    status: 403 | 404, ..
                },
            ) => {
                let current = self.current(id, topic).await?;
                if !current.deleted && current.reactions.liked == like {
                    Ok(posted(current))
                } else if current.deleted {
                    Err(RemoteError::Status {
                        status: 410,
                        code: Some("not_found".to_owned()),
                        message: "the post is gone".to_owned(),
                        retry_after: None,
                    })
                } else {
                    Err(e)
                }
            }
            Err(e) => Err(e),
        }
    }

    /// A post with its `raw` as the body (when sent), in its topic at the `seq` known.
    fn as_raw(&self, wire_post: &WirePost, topic: Option<u64>) -> Post {
        let topic = wire_post.topic_id.or(topic).unwrap_or_default();
        let seq = self
            .known
            .and_then(|c| c.topics.get(&topic))
            .and_then(|r| r.seq_of(wire_post.id))
            .unwrap_or(0);
        let mut post = posts::to_post(
            wire_post,
            &thread_id(topic),
            seq,
            None,
            Mapping { prefer_raw: true },
        );
        if !post.deleted
            && let Some(raw) = wire_post.raw_text()
        {
            post.body = Body::markdown(raw);
        }
        clean::post(post)
    }
}

fn posted(post: Post) -> Submitted {
    Submitted::Posted {
        post: Box::new(post),
        thread: None,
    }
}

/// A post the server no longer shows.
fn gone(id: u64, topic: Option<u64>) -> Post {
    let mut post = posts::tombstone(
        &thread_id(topic.unwrap_or_default()),
        id,
        0,
        jiff::Timestamp::now(),
    );
    post.deleted = true;
    post
}

fn numeric(id: &str) -> Result<u64, RemoteError> {
    id.parse().map_err(|_| {
        RemoteError::Protocol(format!(
            "post id {id:?} is not a Discourse id; was this written for another account?"
        ))
    })
}
