//! Users, password hashes (Argon2id) and bearer tokens (stored only as SHA-256 digests).

use super::sql::{Dialect, SqlRow, Tx, params};
use super::{DbError, micros};
use crate::api::{self, Role};
use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use sha2::{Digest, Sha256};
use std::fmt::Write as _;

/// A user as the server sees it after authentication.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserInfo {
    pub id: i64,
    pub name: String,
    pub badge: Option<String>,
    pub admin: bool,
    /// What the user may do (an admin is always [`Role::Admin`]).
    pub role: Role,
    /// A disabled user cannot sign in; their tokens are refused.
    pub disabled: bool,
    /// Until when (µs) a moderator silenced the user: no posting before then.
    pub silenced_until: Option<i64>,
}

impl From<&UserInfo> for api::User {
    fn from(u: &UserInfo) -> Self {
        Self {
            name: u.name.clone(),
            badge: u.badge.clone(),
            admin: u.admin,
            role: Some(u.role),
            silenced_until: u
                .silenced_until
                .filter(|until| *until > super::micros(jiff::Timestamp::now()))
                .and_then(|until| super::from_micros(until).ok()),
        }
    }
}

/// The columns [`user_from_row`] reads, for a `users` table aliased `u`.
pub const USER_COLUMNS: &str =
    "u.id, u.name, u.badge, u.admin, u.moderator, u.reader, u.disabled, u.silenced_until";

/// Lower-case hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(out, "{b:02x}");
    }
    out
}

fn random_bytes<const N: usize>() -> Result<[u8; N], DbError> {
    let mut buf = [0_u8; N];
    getrandom::fill(&mut buf)
        .map_err(|e| DbError::Other(format!("no randomness available: {e}")))?;
    Ok(buf)
}

/// A fresh bearer token (256 random bits).
pub fn new_token() -> Result<String, DbError> {
    Ok(format!("tm_{}", hex(&random_bytes::<32>()?)))
}

/// A fresh password for `serve user add` when none is given: 20 characters from an
/// alphabet without look-alikes.
pub fn new_password() -> Result<String, DbError> {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    Ok(random_bytes::<20>()?
        .iter()
        .map(|b| char::from(ALPHABET[usize::from(*b) % ALPHABET.len()]))
        .collect())
}

/// How a token is stored: its SHA-256, so a leaked store leaks no usable token.
pub fn token_digest(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

pub fn hash_password(password: &str) -> Result<String, DbError> {
    let salt = SaltString::encode_b64(&random_bytes::<16>()?)
        .map_err(|e| DbError::Other(format!("password salt: {e}")))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| DbError::Other(format!("password hashing failed: {e}")))
}

/// Checks `password` against a stored hash; a malformed hash never matches.
pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|h| {
        Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok()
    })
}

#[derive(Debug, thiserror::Error)]
pub enum UserError {
    #[error("a user named {0:?} already exists")]
    Exists(String),
    #[error("no user named {0:?}; create one with `threadmark serve user add NAME`")]
    NoSuchUser(String),
    #[error("a user name must be 1 to 64 characters, without control characters")]
    BadName,
    #[error("{0} is disabled; `threadmark serve user enable {0}` lets them in again")]
    Disabled(String),
    #[error("{0}")]
    Refused(String),
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<std::sync::Arc<DbError>> for UserError {
    fn from(e: std::sync::Arc<DbError>) -> Self {
        Self::Db(DbError::Shared(e))
    }
}

pub fn check_name(name: &str) -> Result<(), UserError> {
    let trimmed = name.trim();
    if trimmed.is_empty()
        || trimmed.chars().count() > 64
        || trimmed.chars().any(char::is_control)
        || trimmed != name
    {
        return Err(UserError::BadName);
    }
    Ok(())
}

/// How a name is matched: case-insensitively (ASCII on `SQLite`, whose column collates
/// NOCASE; `lower()` on PostgreSQL, where a unique index on `lower(name)` keeps it fast).
fn name_matches(tx: &impl Tx) -> &'static str {
    match tx.dialect() {
        Dialect::Sqlite => "name = $1",
        Dialect::Postgres => "lower(name) = lower($1)",
    }
}

/// A user from the first eight columns of a row ([`USER_COLUMNS`]).
pub fn user_from_row(r: &impl SqlRow) -> Result<UserInfo, DbError> {
    let admin = r.bool(3)?;
    let role = if admin {
        Role::Admin
    } else if r.bool(4)? {
        Role::Moderator
    } else if r.bool(5)? {
        Role::Reader
    } else {
        Role::Member
    };
    Ok(UserInfo {
        id: r.int(0)?,
        name: r.text(1)?,
        badge: r.opt_text(2)?,
        admin,
        role,
        disabled: r.bool(6)?,
        silenced_until: r.opt_int(7)?,
    })
}

/// Creates a user with an already hashed password (hash it off the async threads
/// first). `admin` is forced on when the store has no admin yet, so the first user
/// created by hand can run the forum. Returns the user.
pub async fn add_user(
    tx: &impl Tx,
    name: &str,
    password_hash: Option<&str>,
    admin: bool,
    badge: Option<&str>,
) -> Result<UserInfo, UserError> {
    check_name(name)?;
    if user_by_name(tx, name).await?.is_some() {
        return Err(UserError::Exists(name.to_owned()));
    }
    let has_admin = tx
        .query_one("SELECT EXISTS (SELECT 1 FROM users WHERE admin)", &[])
        .await?
        .bool(0)?;
    let admin = admin || !has_admin;
    let now = micros(jiff::Timestamp::now());
    let id = tx
        .query_one(
            "INSERT INTO users (name, badge, admin, password_hash, created_at) \
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
            params![name, badge, admin, password_hash, now],
        )
        .await?
        .int(0)?;
    Ok(UserInfo {
        id,
        name: name.to_owned(),
        badge: badge.map(str::to_owned),
        admin,
        role: if admin { Role::Admin } else { Role::Member },
        disabled: false,
        silenced_until: None,
    })
}

/// Every user, by name, and whether each can log in with a password.
pub async fn list_users(tx: &impl Tx) -> Result<Vec<(UserInfo, bool)>, DbError> {
    let sql = format!(
        "SELECT {USER_COLUMNS}, u.password_hash IS NOT NULL FROM users u ORDER BY lower(u.name), u.name"
    );
    tx.query(&sql, &[])
        .await?
        .iter()
        .map(|r| Ok((user_from_row(r)?, r.bool(8)?)))
        .collect()
}

/// Names of users who are not disabled starting with `prefix` (any case), sorted, at
/// most `limit`: for completing `@mentions` and recipients.
pub async fn names_from(tx: &impl Tx, prefix: &str, limit: u32) -> Result<Vec<String>, DbError> {
    let len = i64::try_from(prefix.chars().count()).unwrap_or(i64::MAX);
    tx.query(
        "SELECT name FROM users WHERE NOT disabled \
         AND lower(substr(name, 1, CAST(CAST($2 AS BIGINT) AS INTEGER))) = lower($1) \
         ORDER BY lower(name), name LIMIT $3",
        params![prefix, len, i64::from(limit)],
    )
    .await?
    .iter()
    .map(|r| r.text(0))
    .collect()
}

/// The user named `name` (any case) and their password hash (none for a disabled
/// user, who cannot sign in).
pub async fn user_by_name(
    tx: &impl Tx,
    name: &str,
) -> Result<Option<(UserInfo, Option<String>)>, DbError> {
    let sql = format!(
        "SELECT {USER_COLUMNS}, CASE WHEN u.disabled THEN NULL ELSE u.password_hash END \
         FROM users u WHERE {}",
        name_matches(tx).replace("name", "u.name")
    );
    tx.query_opt(&sql, params![name])
        .await?
        .map(|r| Ok((user_from_row(&r)?, r.opt_text(8)?)))
        .transpose()
}

/// The user a token belongs to; none for a disabled user.
pub async fn user_by_token(tx: &impl Tx, token: &str) -> Result<Option<UserInfo>, DbError> {
    let sql = format!(
        "SELECT {USER_COLUMNS} FROM tokens t JOIN users u ON u.id = t.user_id \
         WHERE t.hash = $1 AND NOT u.disabled"
    );
    tx.query_opt(&sql, params![&token_digest(token)])
        .await?
        .map(|r| user_from_row(&r))
        .transpose()
}

/// Stores a new token for `user_id` and returns it (the only time it is seen in clear).
pub async fn insert_token(
    tx: &impl Tx,
    user_id: i64,
    device: Option<&str>,
) -> Result<String, DbError> {
    let token = new_token()?;
    tx.execute(
        "INSERT INTO tokens (hash, user_id, device, created_at) VALUES ($1, $2, $3, $4)",
        params![
            &token_digest(&token),
            user_id,
            device,
            micros(jiff::Timestamp::now())
        ],
    )
    .await?;
    Ok(token)
}

/// Issues a token for the user named `name` (the `serve token new` command).
pub async fn issue_token(
    tx: &impl Tx,
    name: &str,
    device: Option<&str>,
) -> Result<(UserInfo, String), UserError> {
    let (user, _) = user_by_name(tx, name)
        .await?
        .ok_or_else(|| UserError::NoSuchUser(name.to_owned()))?;
    if user.disabled {
        return Err(UserError::Disabled(user.name));
    }
    let token = insert_token(tx, user.id, device).await?;
    Ok((user, token))
}

/// Revokes every token of the user named `name`; returns how many there were.
pub async fn revoke_tokens(tx: &impl Tx, name: &str) -> Result<u64, UserError> {
    let (user, _) = user_by_name(tx, name)
        .await?
        .ok_or_else(|| UserError::NoSuchUser(name.to_owned()))?;
    Ok(tx
        .execute("DELETE FROM tokens WHERE user_id = $1", params![user.id])
        .await?)
}

/// Finds or creates the user a post author maps to (imports: no password, cannot log in).
pub async fn ensure_author(tx: &impl Tx, author: &crate::model::Author) -> Result<i64, DbError> {
    if let Some((user, _)) = user_by_name(tx, &author.name).await? {
        return Ok(user.id);
    }
    tx.query_one(
        "INSERT INTO users (name, badge, admin, created_at) VALUES ($1, $2, FALSE, $3) RETURNING id",
        params![
            author.name.as_str(),
            author.badge.as_deref(),
            micros(jiff::Timestamp::now())
        ],
    )
    .await?
    .int(0)
}
