//! What a server kind can do beyond reading and replying (DESIGN §9 "backends declare
//! capabilities"): the reader and the command line explain what an account's server lacks
//! before the user acts, instead of failing after they typed.

use super::outbox::Target;

/// The writes and lookups a backend maps to its server's requests.
#[allow(clippy::struct_excessive_bools)] // one flag per capability, as DESIGN §9 lists them
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Capabilities {
    /// Where the account is, for messages ("a Discourse forum", "a Lemmy instance").
    pub server: &'static str,
    /// Edit one's own posts (outbox kind `edit`).
    pub edit: bool,
    /// Delete one's own posts (outbox kind `delete`).
    pub delete: bool,
    /// Like and unlike posts (outbox kinds `like`, `unlike`).
    pub react: bool,
    /// Fetch the earlier versions of an edited post.
    pub revisions: bool,
    /// Private messages can be started (`threadmark message`).
    pub messages: bool,
    /// Keep watch levels and bookmarks on the server (the marks queue sends them through
    /// `Backend::send_place_mark`); without it they stay on this device.
    pub places: bool,
    /// Lock, pin and hide as a moderator (outbox kind `moderation`): API v1's `/mod`.
    pub moderate: bool,
}

impl Capabilities {
    /// A backend that does none of these (yet).
    pub const fn none(server: &'static str) -> Self {
        Self {
            server,
            edit: false,
            delete: false,
            react: false,
            revisions: false,
            messages: false,
            places: false,
            moderate: false,
        }
    }

    /// A backend that does all of these.
    pub const fn all(server: &'static str) -> Self {
        Self {
            server,
            edit: true,
            delete: true,
            react: true,
            revisions: true,
            messages: true,
            places: true,
            moderate: true,
        }
    }

    /// Why an entry of this kind cannot be sent to this server, or `None` when it can.
    pub fn refusal(&self, target: &Target) -> Option<String> {
        let (can, what) = match target {
            Target::Reply { .. } | Target::NewThread { .. } => (true, ""),
            Target::Message { .. } => (self.messages, "start private messages"),
            Target::Edit { .. } => (self.edit, "edit posts"),
            Target::Delete { .. } => (self.delete, "delete posts"),
            Target::Like { .. } | Target::Unlike { .. } => (self.react, "like posts"),
            Target::Moderation { .. } => (self.moderate, "moderate"),
        };
        (!can).then(|| self.cannot(what))
    }

    /// "threadmark cannot WHAT on SERVER yet".
    pub fn cannot(&self, what: &str) -> String {
        format!("threadmark cannot {what} on {} yet", self.server)
    }
}

/// Who the account signs in as, as the server said at login: the reader tells the user's
/// own posts by it (a post sent through another client carries no key of ours).
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Me {
    /// The user name, as posts name their author.
    pub name: String,
    /// A moderator or admin: the server lets them edit and delete others' posts too.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub moderator: bool,
}

impl Default for Capabilities {
    /// API v1, threadmark's own server (and the demo's).
    fn default() -> Self {
        Self::all("a threadmark server")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{PostId, ThreadId};

    #[test]
    fn a_backend_without_likes_explains_itself() {
        let like = Target::Like {
            thread: ThreadId::new("t"),
            post: PostId::new("p"),
        };
        let reply = Target::Reply {
            thread: ThreadId::new("t"),
            reply_to: None,
        };
        let none = Capabilities::none("a Lemmy instance");
        assert_eq!(
            none.refusal(&like).as_deref(),
            Some("threadmark cannot like posts on a Lemmy instance yet")
        );
        assert_eq!(none.refusal(&reply), None, "replies are always possible");
        assert_eq!(Capabilities::all("x").refusal(&like), None);
    }
}
