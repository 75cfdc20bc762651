//! Sending replies and new topics (`POST /posts.json`), and finding our own post after
//! an attempt whose outcome is unknown: Discourse has no idempotency key, so a resend is
//! safe only once we know the first attempt did not land.

use super::cursor::PullCursor;
use super::posts::{self, Mapping, thread_id};
use super::transport::{As, Transport};
use super::tree::area_id;
use super::wire::{self, Created, CurrentSession, PendingPosts, UserActions, WirePost};
use crate::model::{OutboxEntry, Post, PostId, Target, ThreadSummary, Typing};
use crate::remote::{RemoteError, Submitted, own_post};
use jiff::Timestamp;
use serde_json::json;

/// Discourse's `min_first_post_typing_time` default (`config/site_settings.yml`): a new
/// member's first post typed faster than this is queued for a moderator and the
/// account silenced (`lib/new_post_manager.rb`, `is_fast_typer?`). A reply whose writing
/// time is unknown (read from a file) says at least this.
pub const MIN_FIRST_POST_TYPING_MS: u64 = 3_000;

/// What the writer knows: the last pull's records (post numbers, `seq`s).
pub struct Writer<'a> {
    pub transport: &'a mut Transport,
    pub known: Option<&'a PullCursor>,
    pub mapping: Mapping,
}

impl Writer<'_> {
    pub async fn submit(&mut self, entry: &OutboxEntry) -> Result<Submitted, RemoteError> {
        let mut body = match &entry.target {
            Target::Reply { thread, reply_to } => {
                let topic = numeric(thread.as_str(), "thread")?;
                let mut body = json!({ "topic_id": topic, "raw": entry.body });
                if let Some(parent) = reply_to
                    && let Some(number) = self.post_number(topic, parent).await?
                {
                    body["reply_to_post_number"] = json!(number);
                }
                body
            }
            Target::NewThread { area, title } => {
                let mut body = json!({
                    "title": title,
                    "raw": entry.body,
                    "category": numeric(area.as_str(), "area")?,
                });
                if !entry.tags.is_empty() {
                    body["tags"] = json!(entry.tags);
                }
                body
            }
            // `posts_controller.rb#create` → `lib/post_creator.rb` /
            // `lib/topic_creator.rb#add_users`: names, comma separated.
            Target::Message { to, title } => json!({
                "title": title,
                "raw": entry.body,
                "archetype": "private_message",
                "target_recipients": to.join(","),
            }),
            other => return Err(RemoteError::unsupported(other.kind(), "Discourse")),
        };
        // Without these a new member's first post is taken for a bot's and the account
        // silenced (`NewPostManager.is_fast_typer?`): the composer's own measure, or —
        // text from a file, written who knows how long — Discourse's minimum.
        let typing = entry.typing.unwrap_or(Typing {
            typing_ms: MIN_FIRST_POST_TYPING_MS,
            open_ms: MIN_FIRST_POST_TYPING_MS,
        });
        body["typing_duration_msecs"] = json!(typing.typing_ms);
        body["composer_open_duration_msecs"] = json!(typing.open_ms.max(typing.typing_ms));
        let answer = match self.transport.post("/posts.json", &body).await {
            Ok(answer) => answer,
            Err(e) => return Err(self.why_refused(e).await),
        };
        match wire::decode_created(&answer)? {
            Created::Enqueued => Ok(Submitted::AwaitingApproval),
            Created::Post(post) => {
                let (post, thread) = self.our_post(entry, &post);
                Ok(Submitted::Posted {
                    post: Box::new(post),
                    thread: thread.map(Box::new),
                })
            }
        }
    }

    /// A refusal as the user needs it: a `403` may mean the key is gone (every request
    /// is refused then, `/session/current.json` too) or that this account may not post
    /// here; a `422` "too similar to what you recently posted" after an attempt whose
    /// outcome was lost means the first attempt probably landed: worth looking again.
    pub(super) async fn why_refused(&mut self, error: RemoteError) -> RemoteError {
        match &error {
            RemoteError::Status {
                status: 403, code, ..
            } if code.as_deref() == Some("forbidden") => {
                match current_username(self.transport).await {
                    Err(RemoteError::Status { status: 403, .. }) => {
                        super::key_refused(error, false)
                    }
                    _ => error,
                }
            }
            RemoteError::Status {
                status: 422,
                message,
                ..
            } if message.contains("too similar to what you recently posted") => {
                RemoteError::Status {
                    status: 409,
                    code: Some("probably_posted".to_owned()),
                    message: format!(
                        "{message} — the earlier attempt probably went through; \
                         looking for it before sending again"
                    ),
                    retry_after: None,
                }
            }
            _ => error,
        }
    }

    /// Looks for the post `entry` became ([`own_post`]'s rule): in the same topic, or as
    /// a new topic's opening post.
    pub async fn find_submitted(
        &mut self,
        entry: &OutboxEntry,
        username: &str,
    ) -> Result<Option<Post>, RemoteError> {
        let actions: UserActions = self
            .transport
            .get(
                "/user_actions.json",
                &[
                    ("username", username.to_owned()),
                    // New topics and replies; a message's first post is
                    // `UserAction::NEW_PRIVATE_MESSAGE` (12, `app/models/user_action.rb`).
                    (
                        "filter",
                        if matches!(entry.target, Target::Message { .. }) {
                            "12".to_owned()
                        } else {
                            "4,5".to_owned()
                        },
                    ),
                    ("offset", "0".to_owned()),
                ],
                As::Account,
                "the account's recent posts",
            )
            .await?;
        let wanted_topic = entry
            .target
            .thread()
            .map(|t| numeric(t.as_str(), "thread"))
            .transpose()?;
        let candidates: Vec<(Timestamp, u64)> = actions
            .user_actions
            .iter()
            .filter(|a| {
                a.username
                    .as_deref()
                    .is_none_or(|u| u.eq_ignore_ascii_case(username))
            })
            .filter(|a| match wanted_topic {
                Some(topic) => a.topic_id == Some(topic),
                None => a.post_number == Some(1),
            })
            .filter_map(|a| Some((a.created_at?, a.post_id?)))
            .collect();
        for id in own_post::newest_candidates(entry, candidates) {
            let post: WirePost = match self
                .transport
                .get(&format!("/posts/{id}.json"), &[], As::Account, "a post")
                .await
            {
                Ok(post) => post,
                Err(RemoteError::Status {
                    status: 403 | 404, ..
                }) => continue,
                Err(e) => return Err(e),
            };
            if post
                .raw_text()
                .is_some_and(|raw| own_post::same_text(raw, &entry.body))
            {
                return Ok(Some(self.our_post(entry, &post).0));
            }
        }
        Ok(None)
    }

    /// Is the entry waiting for a moderator (`/posts/{username}/pending.json`)?
    pub async fn is_pending(
        &mut self,
        entry: &OutboxEntry,
        username: &str,
    ) -> Result<bool, RemoteError> {
        let pending: PendingPosts = match self
            .transport
            .get(
                &format!("/posts/{username}/pending.json"),
                &[],
                As::Account,
                "the account's posts awaiting approval",
            )
            .await
        {
            Ok(pending) => pending,
            // Older forums have no such list: nothing can be said to wait there.
            Err(RemoteError::Status { status: 404, .. }) => return Ok(false),
            Err(e) => return Err(e),
        };
        Ok(pending.pending_posts.iter().any(|p| {
            p.raw
                .as_deref()
                .is_some_and(|raw| own_post::same_text(raw, &entry.body))
        }))
    }

    /// The `post_number` of `parent` in `topic`: from the last pull's records, else asked.
    /// `None` when the parent is gone (the reply then answers the topic).
    async fn post_number(
        &mut self,
        topic: u64,
        parent: &PostId,
    ) -> Result<Option<u64>, RemoteError> {
        let parent_id = numeric(parent.as_str(), "post")?;
        let known = self
            .known
            .and_then(|c| c.topics.get(&topic))
            .and_then(|r| r.posts.iter().find(|p| p.id() == parent_id))
            .filter(|p| p.fetched() && !p.gone())
            .map(|p| p.number());
        if known.is_some() {
            return Ok(known);
        }
        match self
            .transport
            .get::<WirePost>(
                &format!("/posts/{parent_id}.json"),
                &[],
                As::Account,
                "the post replied to",
            )
            .await
        {
            Ok(post) => Ok(post
                .post_number
                .filter(|_| post.topic_id.is_none_or(|t| t == topic))),
            Err(RemoteError::Status {
                status: 404 | 410, ..
            }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Our post as the server stored it. Its `seq` is a best guess (after the last one
    /// known); the next pull delivers it again with the `seq` it keeps.
    fn our_post(&self, entry: &OutboxEntry, wire_post: &WirePost) -> (Post, Option<ThreadSummary>) {
        let (topic, reply_to) = match &entry.target {
            Target::Reply { thread, reply_to } => (
                wire_post
                    .topic_id
                    .or_else(|| thread.as_str().parse().ok())
                    .unwrap_or_default(),
                reply_to.clone(),
            ),
            _ => (wire_post.topic_id.unwrap_or_default(), None),
        };
        let thread = thread_id(topic);
        let known_seq = self.known.and_then(|c| c.topics.get(&topic)).and_then(|r| {
            r.seq_of(wire_post.id)
                .or_else(|| Some(r.last_seq().saturating_add(1)))
        });
        let number_seq = wire_post.post_number.and_then(|n| u32::try_from(n).ok());
        let seq = known_seq.or(number_seq).unwrap_or(1);
        let mut post = posts::to_post(wire_post, &thread, seq, reply_to, self.mapping);
        post.client_key = Some(entry.key.clone());
        if post.body.text.is_empty() && !post.deleted {
            post.body = crate::model::Body::markdown(entry.body.clone());
        }
        let summary = match &entry.target {
            Target::NewThread { area, title } => Some(ThreadSummary {
                id: thread,
                area: area.as_str().parse().map_or_else(|_| area.clone(), area_id),
                title: wire_post
                    .topic_title
                    .as_ref()
                    .map_or_else(|| title.as_str().into(), |t| t.as_str().into()),
                author: post.author.clone(),
                created_at: post.created_at,
                last_post_at: post.created_at,
                post_count: 1,
                last_seq: 1,
                pinned: false,
                locked: false,
                missing: thin_vec::ThinVec::new(),
                small_actions: thin_vec::ThinVec::new(),
            }),
            Target::Message { title, .. } => Some(super::messages::in_messages(ThreadSummary {
                id: thread,
                area: crate::model::messages_area(),
                title: wire_post
                    .topic_title
                    .as_ref()
                    .map_or_else(|| title.as_str().into(), |t| t.as_str().into()),
                author: post.author.clone(),
                created_at: post.created_at,
                last_post_at: post.created_at,
                post_count: 1,
                last_seq: 1,
                pinned: false,
                locked: false,
                missing: thin_vec::ThinVec::new(),
                small_actions: thin_vec::ThinVec::new(),
            })),
            _ => None,
        };
        (post, summary)
    }
}

/// The user a User API key belongs to (`/session/current.json`).
pub async fn current_username(transport: &mut Transport) -> Result<Option<String>, RemoteError> {
    let session: CurrentSession = transport
        .get(
            "/session/current.json",
            &[],
            As::Account,
            "the current user",
        )
        .await?;
    Ok(session.current_user.and_then(|u| u.username))
}

fn numeric(id: &str, what: &str) -> Result<u64, RemoteError> {
    id.parse().map_err(|_| {
        RemoteError::Protocol(format!(
            "{what} id {id:?} is not a Discourse id; was this reply written for another account?"
        ))
    })
}
