//! `GET /status`: mode, banner, capabilities, limits; answered in every mode, no token needed.

use crate::api::{ForumMode, Status};
use crate::server::error::ApiError;
use crate::server::state::Shared;
use axum::Json;
use axum::extract::State;
use std::sync::PoisonError;

/// What this server can do; clients ignore names they do not know.
pub const CAPABILITIES: &[&str] = &[
    "changes",
    "long_poll",
    "idempotency",
    "edit",
    "delete",
    "create_thread",
    "posts_of_threads",
];

pub fn current(app: &Shared, title: String) -> Status {
    let mode = app
        .mode
        .read()
        .unwrap_or_else(PoisonError::into_inner)
        .clone();
    Status {
        api_version: 1,
        title,
        mode: mode.mode,
        banner: mode.banner,
        retry_after_s: (mode.mode != ForumMode::Open).then_some(mode.retry_after_s),
        capabilities: CAPABILITIES.iter().map(|c| (*c).to_owned()).collect(),
        limits: app.config.limits.to_wire(),
        server_time: jiff::Timestamp::now(),
    }
}

pub async fn get(State(app): State<Shared>) -> Result<Json<Status>, ApiError> {
    let title = app.store.meta("title").await?.unwrap_or_default();
    Ok(Json(current(&app, title)))
}
