//! Replies on their way to the server: drafts, outbox entries and their states (DESIGN §3).

use super::ids::{AreaId, PostId, ThreadId};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// Where a reply goes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Target {
    /// A reply in a thread, answering one post or the thread as a whole.
    Reply {
        thread: ThreadId,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reply_to: Option<PostId>,
    },
    /// A new thread in an area.
    NewThread { area: AreaId, title: String },
    /// A new private message: a thread between the user and `to` (user names), in no area.
    Message { to: Vec<String>, title: String },
    /// A new text for one of our posts (the entry's body), based on the version read:
    /// a server that has a newer one answers with a conflict instead of overwriting it.
    Edit {
        thread: ThreadId,
        post: PostId,
        base_version: u64,
        /// The text the edit started from (Discourse's `original_text`).
        #[serde(default)]
        original: String,
    },
    /// Deleting one of our posts, based on the version read.
    Delete {
        thread: ThreadId,
        post: PostId,
        base_version: u64,
    },
    /// Liking a post.
    Like { thread: ThreadId, post: PostId },
    /// Taking a like back.
    Unlike { thread: ThreadId, post: PostId },
    /// A moderator's action on a thread (lock, pin) or on one of its posts (hide, with the
    /// entry's body as the reason readers see; unhide), or on a member (silence: `user`,
    /// with the end of the silence as the body; unsilence: `user`, no body; `thread` and
    /// `post` say where the moderator saw them, and are empty and absent when queued from
    /// the command line); threadmark servers only.
    Moderation {
        thread: ThreadId,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        post: Option<PostId>,
        action: ModAction,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        user: Option<String>,
    },
}

/// What a moderator does from the reader (`PATCH /mod/threads/{id}`, `PATCH /mod/posts/{id}`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ModAction {
    Lock,
    Unlock,
    Pin,
    Unpin,
    /// Hide a post behind a stub with the reason (the entry's body).
    Hide,
    /// Show a hidden post again (its words back in the stub's place).
    Unhide,
    /// Move the thread to another area (its id is the entry's body).
    Move,
    /// Split the post and every later one off into a new thread (its title is the entry's
    /// body; empty: the server's `Split from: …`).
    Split,
    /// Silence the target's `user` until the time in the entry's body (RFC 3339, fixed
    /// when the moderator acted, so a resend asks for the same state).
    Silence,
    /// Let the target's `user` post again (the silence ends now).
    Unsilence,
}

impl ModAction {
    /// The verb, as the server's moderation log spells it: `lock`, `unpin`, `hide`, ….
    pub fn verb(self) -> &'static str {
        match self {
            Self::Lock => "lock",
            Self::Unlock => "unlock",
            Self::Pin => "pin",
            Self::Unpin => "unpin",
            Self::Hide => "hide",
            Self::Unhide => "unhide",
            Self::Move => "move",
            Self::Split => "split",
            Self::Silence => "silence",
            Self::Unsilence => "unsilence",
        }
    }
}

impl Target {
    /// The thread a reply goes to (a new thread has none yet; changes of a post are not
    /// replies).
    pub fn thread(&self) -> Option<&ThreadId> {
        match self {
            Target::Reply { thread, .. } => Some(thread),
            _ => None,
        }
    }

    /// The thread the entry is about: a reply's, or that of the post it changes.
    pub fn place(&self) -> Option<&ThreadId> {
        if let Target::Moderation { thread, .. } = self {
            // A silence queued from the command line was about no thread.
            return Some(thread).filter(|t| !t.as_str().is_empty());
        }
        self.thread()
            .or_else(|| self.post().map(|(thread, _)| thread))
    }

    /// The existing post this entry changes (edit, delete, like, unlike).
    pub fn post(&self) -> Option<(&ThreadId, &PostId)> {
        match self {
            Target::Edit { thread, post, .. }
            | Target::Delete { thread, post, .. }
            | Target::Like { thread, post }
            | Target::Unlike { thread, post } => Some((thread, post)),
            Target::Reply { .. }
            | Target::NewThread { .. }
            | Target::Message { .. }
            | Target::Moderation { .. } => None,
        }
    }

    /// The entry's kind, as stored and listed: `reply`, `new_thread`, `message`, `edit`,
    /// `delete`, `like`, `unlike`, `moderation`.
    pub fn kind(&self) -> &'static str {
        match self {
            Target::Reply { .. } => "reply",
            Target::NewThread { .. } => "new_thread",
            Target::Message { .. } => "message",
            Target::Edit { .. } => "edit",
            Target::Delete { .. } => "delete",
            Target::Like { .. } => "like",
            Target::Unlike { .. } => "unlike",
            Target::Moderation { .. } => "moderation",
        }
    }

    /// The version an edit or deletion was based on.
    pub fn base_version(&self) -> Option<u64> {
        match self {
            Target::Edit { base_version, .. } | Target::Delete { base_version, .. } => {
                Some(*base_version)
            }
            _ => None,
        }
    }

    /// Does `post` (as the server has it now) already carry what this entry asks for?
    /// (An edit whose first attempt landed, a deletion already made.)
    pub fn done_in(&self, body: &str, post: &super::Post) -> bool {
        match self {
            Target::Edit { .. } => !post.deleted && post.body.text == body,
            Target::Delete { .. } => post.deleted,
            Target::Like { .. } => post.reactions.liked,
            Target::Unlike { .. } => !post.reactions.liked,
            Target::Reply { .. }
            | Target::NewThread { .. }
            | Target::Message { .. }
            | Target::Moderation { .. } => false,
        }
    }
}

/// Text being written, autosaved; becomes an [`OutboxEntry`] when the user sends it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Draft {
    /// Stable for the draft's life; names its file.
    pub id: String,
    pub target: Target,
    pub body: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    /// A new thread's tags, where its area asks for them (Discourse:
    /// `minimum_required_tags`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
}

/// Where an outbox entry stands.
///
/// ```text
/// draft ─send→ queued ─attempt→ in_flight ─2xx→ sent ─seen in thread→ done
///                ↑  retryable: network, 5xx, 409, 429, 401 after re-auth
///              held ← read-only / maintenance: no retry budget spent
///              failed ← non-retryable 4xx, kept with the server's message
///              unknown ← crash or timeout mid-attempt
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum OutboxState {
    /// Waiting for its turn (or for `next_attempt_at` after a retryable error).
    Queued,
    /// An attempt was started; written durably before the request goes out.
    InFlight,
    /// The outcome of the last attempt is not known (crash or timeout mid-request).
    Unknown,
    /// The server is read-only or in maintenance: waiting, no retry budget spent.
    Held,
    /// The server refused the reply for good; the message says why.
    Failed,
    /// The server accepted it as this post.
    Sent { thread: ThreadId, post: PostId },
    /// The server accepted it into a moderation queue (Discourse `enqueued`).
    AwaitingApproval,
    /// Seen in the synced thread: nothing left to do.
    Done { thread: ThreadId, post: PostId },
    /// An edit or deletion found the post changed on the server since it was read: never
    /// sent again blindly. The user keeps theirs (sent again on `version`) or takes the
    /// server's; either way this entry's file is kept under `outbox/discarded/`.
    Conflict {
        /// The post's version on the server.
        version: u64,
        /// The post's text on the server (empty when it was deleted there).
        theirs: String,
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        deleted: bool,
    },
}

impl OutboxState {
    /// Still needs sending (or resending).
    pub fn is_pending(&self) -> bool {
        matches!(
            self,
            Self::Queued | Self::InFlight | Self::Unknown | Self::Held
        )
    }

    /// A short word for lists and the status line.
    pub fn label(&self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::InFlight => "sending",
            Self::Unknown => "unknown",
            Self::Held => "held",
            Self::Failed => "failed",
            Self::Sent { .. } => "sent",
            Self::AwaitingApproval => "awaiting approval",
            Self::Done { .. } => "done",
            Self::Conflict { .. } => "conflict",
        }
    }
}

/// One reply in the outbox, named by its idempotency key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxEntry {
    /// Idempotency key (`UUIDv7`), created when the user pressed send; never changes.
    pub key: String,
    /// Place in the send order, given when the entry is queued (one more than the
    /// newest live entry): the order written, whatever the wall clock said. Entries
    /// from before it existed have 0 and go first, by key.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub seq: u64,
    pub target: Target,
    pub body: String,
    pub created_at: Timestamp,
    #[serde(flatten)]
    pub state: OutboxState,
    /// Attempts that counted against the retry budget (held attempts do not).
    #[serde(default)]
    pub attempts: u32,
    /// When the first attempt started: a Discourse lookup for our own post starts here.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_attempt_at: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_attempt_at: Option<Timestamp>,
    /// Not before this time (backoff, `Retry-After`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_attempt_at: Option<Timestamp>,
    /// The wait until `next_attempt_at` was the server's (`Retry-After`), not our own
    /// backoff: even an explicit "sync now" honours it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub server_wait: bool,
    /// The server's last word on it (sanitized when shown).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_message: Option<String>,
    /// The draft this was sent from, so an edit of a failed entry can reopen it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub draft_id: Option<String>,
    /// How the text was written, for servers that judge a new member by it (Discourse
    /// silences a first post typed faster than `min_first_post_typing_time`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub typing: Option<Typing>,
    /// Tags for a new thread (areas may require some).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
}

#[allow(clippy::trivially_copy_pass_by_ref)] // serde's skip_serializing_if passes a reference
fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// Time spent writing a reply, measured by the composer (or the editor session).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Typing {
    /// Time spent typing, in milliseconds.
    pub typing_ms: u64,
    /// Time the composer was open, in milliseconds.
    pub open_ms: u64,
}

impl OutboxEntry {
    /// A new entry, queued, with a fresh idempotency key.
    pub fn new(target: Target, body: String, now: Timestamp) -> Self {
        Self::queued(uuid::Uuid::now_v7().to_string(), target, body, now)
    }

    /// A new entry, queued under `key` (made when the user acted).
    pub fn queued(key: String, target: Target, body: String, now: Timestamp) -> Self {
        Self {
            key,
            seq: 0,
            target,
            body,
            created_at: now,
            state: OutboxState::Queued,
            attempts: 0,
            first_attempt_at: None,
            last_attempt_at: None,
            next_attempt_at: None,
            server_wait: false,
            last_message: None,
            draft_id: None,
            typing: None,
            tags: Vec::new(),
        }
    }

    /// A new entry with a fresh key for the same target and draft, carrying `body`: what
    /// retrying or editing a refused entry sends. (The refused request created nothing on
    /// the server, so a new key cannot duplicate it.)
    #[must_use]
    pub fn successor(&self, body: String, now: Timestamp) -> Self {
        let mut next = Self::new(self.target.clone(), body, now);
        next.draft_id.clone_from(&self.draft_id);
        next.typing = self.typing;
        next.tags.clone_from(&self.tags);
        next
    }
}

impl OutboxEntry {
    /// "Keep mine" for an entry in conflict: the same change, based on the server's version
    /// now (an edit's `original` is the server's text), under a new key. `None` when the
    /// entry is not in conflict.
    #[must_use]
    pub fn kept_mine(&self, now: Timestamp) -> Option<Self> {
        let OutboxState::Conflict {
            version, theirs, ..
        } = &self.state
        else {
            return None;
        };
        let target = match &self.target {
            Target::Edit { thread, post, .. } => Target::Edit {
                thread: thread.clone(),
                post: post.clone(),
                base_version: *version,
                original: theirs.clone(),
            },
            Target::Delete { thread, post, .. } => Target::Delete {
                thread: thread.clone(),
                post: post.clone(),
                base_version: *version,
            },
            other => other.clone(),
        };
        let mut again = self.successor(self.body.clone(), now);
        again.target = target;
        Some(again)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_unique_and_time_ordered() {
        let target = Target::Reply {
            thread: ThreadId::new("t"),
            reply_to: None,
        };
        let a = OutboxEntry::new(target.clone(), "a".into(), Timestamp::UNIX_EPOCH);
        let b = OutboxEntry::new(target, "b".into(), Timestamp::UNIX_EPOCH);
        assert_ne!(a.key, b.key);
        assert!(a.key < b.key, "UUIDv7 keys sort in creation order");
    }

    #[test]
    fn the_state_is_stored_inline() {
        let mut e = OutboxEntry::new(
            Target::NewThread {
                area: AreaId::new("a"),
                title: "T".into(),
            },
            "b".into(),
            Timestamp::UNIX_EPOCH,
        );
        e.state = OutboxState::Sent {
            thread: ThreadId::new("t9"),
            post: PostId::new("p9"),
        };
        let json = serde_json::to_value(&e).unwrap();
        assert_eq!(json["state"], "sent");
        assert_eq!(json["post"], "p9");
        let back: OutboxEntry = serde_json::from_value(json).unwrap();
        assert_eq!(back, e);
    }
}
