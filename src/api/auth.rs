//! `POST /tokens`: trading a user name and password for a long-lived bearer token.

use serde::{Deserialize, Serialize};

#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenRequest {
    pub name: String,
    pub password: String,
    /// A label for the device the token is for ("laptop").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device: Option<String>,
    /// An invitation (`threadmark serve invite create`) or a password-reset token
    /// (`threadmark serve user reset`): redeeming it makes the user (or sets the password
    /// of the user it was made for) before the token is granted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invite: Option<String>,
}

impl std::fmt::Debug for TokenRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenRequest")
            .field("name", &self.name)
            .field("password", &"<redacted>")
            .field("device", &self.device)
            .field("invite", &self.invite.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

/// What a user may do on a forum, weakest first (so roles compare with `<`): a reader
/// reads, a member also posts, a moderator also moderates, an admin also runs the forum.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Reader,
    #[default]
    Member,
    Moderator,
    Admin,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Reader, Role::Member, Role::Moderator, Role::Admin];

    /// The role as it appears on the wire and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Reader => "reader",
            Role::Member => "member",
            Role::Moderator => "moderator",
            Role::Admin => "admin",
        }
    }

    /// Reads a role name; `None` for anything else.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == name)
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub badge: Option<String>,
    #[serde(default)]
    pub admin: bool,
    /// The user's role on the forum (older servers leave it out: `admin` tells then).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<Role>,
    /// Until when a moderator silenced the user (they may read, not post).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub silenced_until: Option<jiff::Timestamp>,
}

impl User {
    /// The role, also from a server that only says `admin`.
    pub fn role(&self) -> Role {
        self.role.unwrap_or(if self.admin {
            Role::Admin
        } else {
            Role::Member
        })
    }
}

/// The answer to `POST /tokens`. Send the token as `Authorization: Bearer <token>`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenGrant {
    pub token: String,
    pub user: User,
}

impl std::fmt::Debug for TokenGrant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenGrant")
            .field("token", &"<redacted>")
            .field("user", &self.user)
            .finish()
    }
}
