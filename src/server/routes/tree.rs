//! `GET /tree`: sections → areas with counts, conditional on its `ETag`.

use super::conditional_json;
use crate::server::error::ApiError;
use crate::server::extract::MaybeUser;
use crate::server::state::Shared;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;

/// The tree without the areas the caller may not read.
pub async fn get(
    State(app): State<Shared>,
    viewer: MaybeUser,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let tree = app.store.tree_for(viewer.id()).await?;
    conditional_json(&headers, &tree)
}
