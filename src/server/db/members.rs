//! Members: roles (reader, member, moderator, admin), disabling and removing users,
//! invitations (a one-time or few-times token that makes a user with a role) and password
//! resets (an invitation bound to one user), and who may post in an area.

use super::sql::{SqlRow, Tx, params};
use super::users::{self, USER_COLUMNS, UserError, UserInfo, token_digest, user_from_row};
use super::write::WriteResult;
use super::{DbError, WriteFailure, from_micros, micros};
use crate::api::{FieldErrorCode, Problem, ProblemCode, Role};
use jiff::Timestamp;

/// An invitation as `serve invite list` shows it (never its token).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Invite {
    /// The first characters of the token's digest: enough to name it for `revoke`.
    pub id: String,
    pub role: Role,
    /// The user a password reset is for.
    pub for_user: Option<String>,
    pub expires_at: Option<Timestamp>,
    pub uses_left: i64,
    pub created_by: String,
}

/// What an invitation is to make or do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewInvite {
    pub role: Role,
    /// Reset this user's password instead of making a new user.
    pub for_user: Option<String>,
    pub expires_at: Option<Timestamp>,
    pub uses: u32,
    pub created_by: String,
}

/// How many characters of the digest name an invitation.
const INVITE_ID_CHARS: usize = 10;

fn role_flags(role: Role) -> (bool, bool, bool) {
    (
        role == Role::Admin,
        role == Role::Moderator,
        role == Role::Reader,
    )
}

async fn find(tx: &impl Tx, name: &str) -> Result<UserInfo, UserError> {
    users::user_by_name(tx, name)
        .await?
        .map(|(user, _)| user)
        .ok_or_else(|| UserError::NoSuchUser(name.to_owned()))
}

/// How many admins can still sign in.
async fn active_admins(tx: &impl Tx) -> Result<i64, DbError> {
    tx.query_one(
        "SELECT COUNT(*) FROM users WHERE admin AND NOT disabled",
        &[],
    )
    .await?
    .int(0)
}

/// Refuses to leave the forum without an admin who can sign in.
async fn keep_an_admin(tx: &impl Tx, user: &UserInfo) -> Result<(), UserError> {
    if user.admin && !user.disabled && active_admins(tx).await? <= 1 {
        return Err(UserError::Refused(format!(
            "{} is the forum's only admin; make another admin first (`threadmark serve user role NAME admin`)",
            user.name
        )));
    }
    Ok(())
}

/// Gives a user a role; answers the user as they are now.
pub async fn set_role(tx: &impl Tx, name: &str, role: Role) -> Result<UserInfo, UserError> {
    let user = find(tx, name).await?;
    if role != Role::Admin {
        keep_an_admin(tx, &user).await?;
    }
    let (admin, moderator, reader) = role_flags(role);
    tx.execute(
        "UPDATE users SET admin = $2, moderator = $3, reader = $4 WHERE id = $1",
        params![user.id, admin, moderator, reader],
    )
    .await?;
    Ok(UserInfo {
        admin,
        role,
        ..user
    })
}

/// Disables a user (their tokens are revoked; they cannot sign in) or lets them in again.
pub async fn set_disabled(tx: &impl Tx, name: &str, disabled: bool) -> Result<UserInfo, UserError> {
    let user = find(tx, name).await?;
    if disabled {
        keep_an_admin(tx, &user).await?;
        tx.execute("DELETE FROM tokens WHERE user_id = $1", params![user.id])
            .await?;
    }
    tx.execute(
        "UPDATE users SET disabled = $2 WHERE id = $1",
        params![user.id, disabled],
    )
    .await?;
    Ok(UserInfo { disabled, ..user })
}

/// What removing a user did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Removed {
    /// The user wrote nothing and is gone.
    Deleted,
    /// The user's posts stay under their name; the account can no longer sign in.
    Kept { posts: i64 },
}

/// Removes a user: gone when they wrote nothing; otherwise their sign-in, tokens and
/// role go and their posts stay under their name.
pub async fn remove_user(tx: &impl Tx, name: &str) -> Result<Removed, UserError> {
    let user = find(tx, name).await?;
    keep_an_admin(tx, &user).await?;
    tx.execute("DELETE FROM tokens WHERE user_id = $1", params![user.id])
        .await?;
    tx.execute("DELETE FROM invites WHERE user_id = $1", params![user.id])
        .await?;
    let posts = tx
        .query_one(
            "SELECT (SELECT COUNT(*) FROM posts WHERE author_id = $1) \
             + (SELECT COUNT(*) FROM threads WHERE author_id = $1)",
            params![user.id],
        )
        .await?
        .int(0)?;
    if posts == 0 {
        tx.execute("DELETE FROM users WHERE id = $1", params![user.id])
            .await?;
        return Ok(Removed::Deleted);
    }
    tx.execute(
        "UPDATE users SET password_hash = NULL, disabled = TRUE, admin = FALSE, \
         moderator = FALSE, reader = FALSE WHERE id = $1",
        params![user.id],
    )
    .await?;
    let posts = tx
        .query_one(
            "SELECT COUNT(*) FROM posts WHERE author_id = $1",
            params![user.id],
        )
        .await?
        .int(0)?;
    Ok(Removed::Kept { posts })
}

/// Stores a new invitation and returns its token (the only time it is seen in clear).
pub async fn create_invite(
    tx: &impl Tx,
    invite: &NewInvite,
    now: Timestamp,
) -> Result<String, UserError> {
    let user_id = match &invite.for_user {
        Some(name) => Some(find(tx, name).await?.id),
        None => None,
    };
    let token = format!("tmi_{}", &users::new_token()?[3..]);
    tx.execute(
        "INSERT INTO invites (hash, role, user_id, expires_at, uses_left, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
        params![
            &token_digest(&token),
            invite.role.as_str(),
            user_id,
            invite.expires_at.map(micros),
            i64::from(invite.uses),
            &invite.created_by,
            micros(now)
        ],
    )
    .await?;
    Ok(token)
}

/// Every invitation not yet used up or expired, newest first.
pub async fn list_invites(tx: &impl Tx, now: Timestamp) -> Result<Vec<Invite>, DbError> {
    tx.query(
        "SELECT i.hash, i.role, u.name, i.expires_at, i.uses_left, i.created_by FROM invites i \
         LEFT JOIN users u ON u.id = i.user_id \
         WHERE i.uses_left > 0 AND (i.expires_at IS NULL OR i.expires_at > $1) \
         ORDER BY i.created_at DESC, i.hash",
        params![micros(now)],
    )
    .await?
    .iter()
    .map(|r| {
        let hash = r.text(0)?;
        Ok(Invite {
            id: hash.chars().take(INVITE_ID_CHARS).collect(),
            role: Role::parse(&r.text(1)?).unwrap_or_default(),
            for_user: r.opt_text(2)?,
            expires_at: r.opt_int(3)?.map(from_micros).transpose()?,
            uses_left: r.int(4)?,
            created_by: r.text(5)?,
        })
    })
    .collect()
}

/// Revokes the invitations whose id (as listed) starts with `id`; how many there were.
pub async fn revoke_invite(tx: &impl Tx, id: &str) -> Result<u64, DbError> {
    if id.len() < 4 || !id.chars().all(|c| c.is_ascii_hexdigit()) {
        return Ok(0);
    }
    tx.execute(
        "DELETE FROM invites WHERE hash LIKE $1",
        params![&format!("{}%", id.to_ascii_lowercase())],
    )
    .await
}

fn invite_refused(detail: impl Into<String>) -> WriteFailure<Box<Problem>> {
    WriteFailure::Rejected(Box::new(
        Problem::new(ProblemCode::InviteInvalid).detail(detail),
    ))
}

/// Redeems an invitation: makes the user it invites (or sets the password of the user a
/// reset is for), uses the invitation once and grants a token, in one transaction.
pub async fn redeem(
    tx: &impl Tx,
    invite: &str,
    name: &str,
    password_hash: &str,
    device: Option<&str>,
    now: Timestamp,
) -> WriteResult<(UserInfo, String)> {
    let digest = token_digest(invite);
    let Some(row) = tx
        .query_opt(
            "SELECT role, user_id, expires_at, uses_left FROM invites WHERE hash = $1",
            params![&digest],
        )
        .await?
    else {
        return Err(invite_refused(
            "this forum issued no such invitation (or it was revoked); ask for a new one",
        ));
    };
    let role = Role::parse(&row.text(0)?).unwrap_or_default();
    let (for_user, expires_at, uses_left) = (row.opt_int(1)?, row.opt_int(2)?, row.int(3)?);
    if let Some(expires) = expires_at.filter(|e| *e <= micros(now)) {
        return Err(invite_refused(format!(
            "this invitation expired at {}; ask for a new one",
            from_micros(expires)?.strftime("%Y-%m-%d %H:%M UTC")
        )));
    }
    if uses_left <= 0 {
        return Err(invite_refused(
            "this invitation was used up; ask for a new one",
        ));
    }
    let user = match for_user {
        Some(id) => reset_password(tx, id, name, password_hash).await?,
        None => new_member(tx, name, role, password_hash, now).await?,
    };
    tx.execute(
        "UPDATE invites SET uses_left = uses_left - 1 WHERE hash = $1",
        params![&digest],
    )
    .await?;
    let token = users::insert_token(tx, user.id, device).await?;
    Ok((user, token))
}

/// Open registration: makes a user with `role` (never more than a member) and grants a
/// token, with the same name rules as an invitation.
pub async fn register(
    tx: &impl Tx,
    name: &str,
    role: Role,
    password_hash: &str,
    device: Option<&str>,
    now: Timestamp,
) -> WriteResult<(UserInfo, String)> {
    let role = role.min(Role::Member);
    let user = new_member(tx, name, role, password_hash, now).await?;
    let token = users::insert_token(tx, user.id, device).await?;
    Ok((user, token))
}

async fn reset_password(
    tx: &impl Tx,
    id: i64,
    name: &str,
    password_hash: &str,
) -> WriteResult<UserInfo> {
    let sql = format!("SELECT {USER_COLUMNS} FROM users u WHERE u.id = $1");
    let user = match tx.query_opt(&sql, params![id]).await? {
        Some(row) => user_from_row(&row)?,
        None => return Err(invite_refused("the user this reset was for is gone")),
    };
    if user.name.to_lowercase() != name.to_lowercase() {
        return Err(invite_refused(
            "this password reset is for another user; sign in with the name it was made for",
        ));
    }
    tx.execute(
        "UPDATE users SET password_hash = $2 WHERE id = $1",
        params![id, password_hash],
    )
    .await?;
    tx.execute("DELETE FROM tokens WHERE user_id = $1", params![id])
        .await?;
    Ok(user)
}

async fn new_member(
    tx: &impl Tx,
    name: &str,
    role: Role,
    password_hash: &str,
    now: Timestamp,
) -> WriteResult<UserInfo> {
    if users::check_name(name).is_err() {
        return Err(WriteFailure::Rejected(Box::new(
            Problem::new(ProblemCode::ValidationFailed).field(
                "name",
                FieldErrorCode::Invalid,
                "a user name is 1 to 64 characters, without control characters or spaces around it",
            ),
        )));
    }
    if users::user_by_name(tx, name).await?.is_some() {
        return Err(WriteFailure::Rejected(Box::new(
            Problem::new(ProblemCode::AlreadyExists)
                .detail(format!("the name {name:?} is taken; choose another")),
        )));
    }
    let (admin, moderator, reader) = role_flags(role);
    let id = tx
        .query_one(
            "INSERT INTO users (name, admin, moderator, reader, password_hash, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            params![name, admin, moderator, reader, password_hash, micros(now)],
        )
        .await?
        .int(0)?;
    Ok(UserInfo {
        id,
        name: name.to_owned(),
        badge: None,
        admin,
        role,
        disabled: false,
        silenced_until: None,
    })
}

/// Why `user` may not post in `area_id` now (its role is too weak, or a moderator
/// silenced them), or `None` when they may.
pub async fn may_post(
    tx: &impl Tx,
    user: &UserInfo,
    area_id: &str,
    now: Timestamp,
) -> Result<Option<Problem>, DbError> {
    let needed = tx
        .query_opt(
            "SELECT post_role FROM areas WHERE id = $1",
            params![area_id],
        )
        .await?
        .map(|r| r.opt_text(0))
        .transpose()?
        .flatten()
        .as_deref()
        .and_then(Role::parse)
        .unwrap_or(Role::Member);
    if user.role < needed {
        let detail = if needed == Role::Member {
            format!(
                "your role is {}: you may read, not post (role needed: member)",
                user.role
            )
        } else {
            format!(
                "only a {needed} or above may post in area {area_id} (role needed: {needed}; yours: {})",
                user.role
            )
        };
        return Ok(Some(Problem::new(ProblemCode::Forbidden).detail(detail)));
    }
    if let Some(until) = user.silenced_until.filter(|u| *u > micros(now)) {
        return Ok(Some(Problem::new(ProblemCode::Forbidden).detail(format!(
            "a moderator silenced you until {}; you may read, not post",
            from_micros(until)?.strftime("%Y-%m-%d %H:%M UTC")
        ))));
    }
    Ok(None)
}
