//! Users, password hashes (Argon2id) and bearer tokens (stored only as SHA-256 digests).

use super::{DbError, micros};
use crate::api;
use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use rusqlite::{Connection, OptionalExtension, params};
use sha2::{Digest, Sha256};
use std::fmt::Write as _;

/// A user as the server sees it after authentication.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserInfo {
    pub id: i64,
    pub name: String,
    pub badge: Option<String>,
    pub admin: bool,
}

impl From<&UserInfo> for api::User {
    fn from(u: &UserInfo) -> Self {
        Self {
            name: u.name.clone(),
            badge: u.badge.clone(),
            admin: u.admin,
        }
    }
}

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
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<rusqlite::Error> for UserError {
    fn from(e: rusqlite::Error) -> Self {
        Self::Db(e.into())
    }
}

fn check_name(name: &str) -> Result<(), UserError> {
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

/// Creates a user. `admin` is forced on when the store has no admin yet, so the first
/// user created by hand can run the forum. Returns the user.
pub fn add_user(
    conn: &Connection,
    name: &str,
    password: Option<&str>,
    admin: bool,
    badge: Option<&str>,
) -> Result<UserInfo, UserError> {
    check_name(name)?;
    let hash = password.map(hash_password).transpose()?;
    let has_admin: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM users WHERE admin = 1)",
        [],
        |r| r.get(0),
    )?;
    let admin = admin || !has_admin;
    let now = micros(jiff::Timestamp::now());
    match conn.execute(
        "INSERT INTO users (name, badge, admin, password_hash, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![name, badge, admin, hash, now],
    ) {
        Ok(_) => {}
        Err(rusqlite::Error::SqliteFailure(e, _))
            if e.code == rusqlite::ErrorCode::ConstraintViolation =>
        {
            return Err(UserError::Exists(name.to_owned()));
        }
        Err(e) => return Err(e.into()),
    }
    Ok(UserInfo {
        id: conn.last_insert_rowid(),
        name: name.to_owned(),
        badge: badge.map(str::to_owned),
        admin,
    })
}

/// Every user, by name.
pub fn list_users(conn: &Connection) -> Result<Vec<(UserInfo, bool)>, DbError> {
    let mut stmt = conn.prepare(
        "SELECT id, name, badge, admin, password_hash IS NOT NULL FROM users ORDER BY name",
    )?;
    let users = stmt
        .query_map([], |r| {
            Ok((
                UserInfo {
                    id: r.get(0)?,
                    name: r.get(1)?,
                    badge: r.get(2)?,
                    admin: r.get(3)?,
                },
                r.get(4)?,
            ))
        })?
        .collect::<Result<_, _>>()?;
    Ok(users)
}

pub fn user_by_name(
    conn: &Connection,
    name: &str,
) -> Result<Option<(UserInfo, Option<String>)>, DbError> {
    Ok(conn
        .prepare_cached("SELECT id, name, badge, admin, password_hash FROM users WHERE name = ?1")?
        .query_row([name], |r| {
            Ok((
                UserInfo {
                    id: r.get(0)?,
                    name: r.get(1)?,
                    badge: r.get(2)?,
                    admin: r.get(3)?,
                },
                r.get(4)?,
            ))
        })
        .optional()?)
}

pub fn user_by_token(conn: &Connection, token: &str) -> Result<Option<UserInfo>, DbError> {
    Ok(conn
        .prepare_cached(
            "SELECT u.id, u.name, u.badge, u.admin FROM tokens t JOIN users u ON u.id = t.user_id \
             WHERE t.hash = ?1",
        )?
        .query_row([token_digest(token)], |r| {
            Ok(UserInfo {
                id: r.get(0)?,
                name: r.get(1)?,
                badge: r.get(2)?,
                admin: r.get(3)?,
            })
        })
        .optional()?)
}

/// Stores a new token for `user_id` and returns it (the only time it is seen in clear).
pub fn insert_token(
    conn: &Connection,
    user_id: i64,
    device: Option<&str>,
) -> Result<String, DbError> {
    let token = new_token()?;
    conn.execute(
        "INSERT INTO tokens (hash, user_id, device, created_at) VALUES (?1, ?2, ?3, ?4)",
        params![
            token_digest(&token),
            user_id,
            device,
            micros(jiff::Timestamp::now())
        ],
    )?;
    Ok(token)
}

/// Issues a token for the user named `name` (the `serve token new` command).
pub fn issue_token(
    conn: &Connection,
    name: &str,
    device: Option<&str>,
) -> Result<(UserInfo, String), UserError> {
    let (user, _) =
        user_by_name(conn, name)?.ok_or_else(|| UserError::NoSuchUser(name.to_owned()))?;
    let token = insert_token(conn, user.id, device)?;
    Ok((user, token))
}

/// Revokes every token of the user named `name`; returns how many there were.
pub fn revoke_tokens(conn: &Connection, name: &str) -> Result<usize, UserError> {
    let (user, _) =
        user_by_name(conn, name)?.ok_or_else(|| UserError::NoSuchUser(name.to_owned()))?;
    Ok(conn.execute("DELETE FROM tokens WHERE user_id = ?1", [user.id])?)
}

/// Finds or creates the user a post author maps to (imports: no password, cannot log in).
pub fn ensure_author(conn: &Connection, author: &crate::model::Author) -> Result<i64, DbError> {
    if let Some(id) = conn
        .prepare_cached("SELECT id FROM users WHERE name = ?1")?
        .query_row([&author.name], |r| r.get(0))
        .optional()?
    {
        return Ok(id);
    }
    conn.prepare_cached(
        "INSERT INTO users (name, badge, admin, created_at) VALUES (?1, ?2, 0, ?3)",
    )?
    .execute(params![
        author.name,
        author.badge,
        micros(jiff::Timestamp::now())
    ])?;
    Ok(conn.last_insert_rowid())
}
