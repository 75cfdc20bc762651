//! `POST /tokens`: a user name and password for a long-lived bearer token; `GET /me`: whose
//! token this is.

use crate::api::{ProblemCode, TokenGrant, TokenRequest};
use crate::server::db::users::{hash_password, verify_password};
use crate::server::error::ApiError;
use crate::server::extract::{ApiJson, AuthUser};
use crate::server::state::Shared;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use std::sync::LazyLock;

static STAND_IN: LazyLock<String> = LazyLock::new(|| hash_password("stand-in").unwrap_or_default());

fn refused() -> ApiError {
    ApiError::code(
        ProblemCode::InvalidCredentials,
        "wrong user name or password",
    )
}

pub async fn create(
    State(app): State<Shared>,
    ApiJson(request): ApiJson<TokenRequest>,
) -> Result<Response, ApiError> {
    if let Some(invite) = request.invite {
        return redeem(&app, invite, request.name, request.password, request.device).await;
    }
    let found = app.store.user_by_name(&request.name).await?;
    let (user, hash) = match found {
        Some((user, Some(hash))) => (Some(user), hash),
        // Check against a stand-in hash anyway, so the answer's timing does not tell
        // which user names exist.
        _ => (None, STAND_IN.clone()),
    };
    let password = request.password;
    // Argon2 takes tens of milliseconds of CPU: keep it off the async threads.
    let matches = tokio::task::spawn_blocking(move || verify_password(&password, &hash))
        .await
        .map_err(|e| ApiError::Internal(format!("password check failed: {e}")))?;
    let Some(user) = user.filter(|_| matches) else {
        return Err(refused());
    };
    let token = app.store.insert_token(user.id, request.device).await?;
    super::json(
        StatusCode::CREATED,
        &TokenGrant {
            token,
            user: crate::api::User::from(&user),
        },
    )
}

/// `GET /me`: the user the bearer token belongs to (401 without a valid one).
pub async fn me(AuthUser(user): AuthUser) -> Result<Response, ApiError> {
    super::json(StatusCode::OK, &crate::api::User::from(&user))
}

/// Shortest password a new member may choose.
const MIN_PASSWORD_CHARS: usize = 8;

/// Checks a new member's password and hashes it (off the async threads: Argon2 takes
/// tens of milliseconds of CPU).
pub(super) async fn new_password_hash(password: String) -> Result<String, ApiError> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(crate::api::Problem::new(ProblemCode::ValidationFailed)
            .field(
                "password",
                crate::api::FieldErrorCode::Invalid,
                format!("choose a password of at least {MIN_PASSWORD_CHARS} characters"),
            )
            .into());
    }
    Ok(
        tokio::task::spawn_blocking(move || hash_password(&password))
            .await
            .map_err(|e| ApiError::Internal(format!("password hashing failed: {e}")))??,
    )
}

/// `POST /tokens` with an invitation: makes the member (or resets the password) and
/// grants a token, in one transaction.
async fn redeem(
    app: &Shared,
    invite: String,
    name: String,
    password: String,
    device: Option<String>,
) -> Result<Response, ApiError> {
    let hash = new_password_hash(password).await?;
    let (user, token) = app
        .store
        .redeem_invite(invite, name, hash, device, jiff::Timestamp::now())
        .await?;
    super::json(
        StatusCode::CREATED,
        &TokenGrant {
            token,
            user: crate::api::User::from(&user),
        },
    )
}
