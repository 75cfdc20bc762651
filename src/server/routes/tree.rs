//! `GET /tree`: sections → areas with counts, conditional on its `ETag`.

use super::conditional_json;
use crate::server::error::ApiError;
use crate::server::state::Shared;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;

pub async fn get(State(app): State<Shared>, headers: HeaderMap) -> Result<Response, ApiError> {
    let tree = app.store.tree().await?;
    conditional_json(&headers, &tree)
}
