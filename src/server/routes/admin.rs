//! `PUT /admin/mode`: an admin switches the forum between open, read-only and maintenance at run time.

use super::status::current;
use crate::api::{Banner, ModeChange, ProblemCode};
use crate::server::error::ApiError;
use crate::server::extract::{ApiJson, AuthUser};
use crate::server::modes::ModeState;
use crate::server::state::Shared;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use std::sync::PoisonError;

/// The longest banner text accepted.
const MAX_BANNER_CHARS: usize = 2000;

pub async fn set_mode(
    State(app): State<Shared>,
    AuthUser(user): AuthUser,
    ApiJson(change): ApiJson<ModeChange>,
) -> Result<Response, ApiError> {
    if !user.admin {
        return Err(ApiError::code(
            ProblemCode::Forbidden,
            "only an admin can change the forum's mode (role needed: admin)",
        ));
    }
    let default_retry = u32::try_from(app.config.retry_after.as_secs()).unwrap_or(u32::MAX);
    let state = mode_state(change, default_retry)?;
    save_mode(&app, state).await?;
    let title = app.store.meta("title").await?;
    super::json(StatusCode::OK, &current(&app, title.unwrap_or_default()))
}

/// Checks a mode change and fills in the banner's id.
pub fn mode_state(change: ModeChange, default_retry: u32) -> Result<ModeState, ApiError> {
    let banner = match change.banner {
        Some(b) if b.text.chars().count() > MAX_BANNER_CHARS => {
            return Err(crate::api::Problem::new(ProblemCode::ValidationFailed)
                .field(
                    "banner.text",
                    crate::api::FieldErrorCode::TooLong,
                    format!("at most {MAX_BANNER_CHARS} characters"),
                )
                .into());
        }
        Some(b) if b.text.trim().is_empty() => None,
        Some(b) => Some(with_id(b)),
        None => None,
    };
    Ok(ModeState {
        mode: change.mode,
        banner,
        retry_after_s: change.retry_after_s.unwrap_or(default_retry),
        version: 0,
    })
}

fn with_id(mut banner: Banner) -> Banner {
    if banner.id.is_empty() {
        banner.id = format!("mode-{}", jiff::Timestamp::now().as_second());
    }
    banner
}

/// Stores the mode durably, then makes it current.
pub async fn save_mode(app: &Shared, state: ModeState) -> Result<(), ApiError> {
    let json = serde_json::to_string(&state).map_err(|e| ApiError::Internal(e.to_string()))?;
    let version = app.store.set_mode(json).await?;
    apply_mode(app, ModeState { version, ..state });
    Ok(())
}

/// Makes `state` the current mode, unless a newer one is already (another process may
/// have changed it meanwhile), and wakes the long polls so clients see the new
/// `Forum-Mode` at once. Returns whether it was applied.
pub fn apply_mode(app: &Shared, state: ModeState) -> bool {
    {
        let mut current = app.mode.write().unwrap_or_else(PoisonError::into_inner);
        if state.version < current.version {
            return false;
        }
        *current = state;
    }
    app.mode_epoch.send_modify(|epoch| *epoch += 1);
    true
}
