//! `POST /register`: open registration, when the operator allows it (`--registration`),
//! makes a user with the operator's role and grants a token; closed, it answers 403.

use super::tokens::new_password_hash;
use crate::api::{ProblemCode, TokenGrant, TokenRequest};
use crate::server::error::ApiError;
use crate::server::extract::ApiJson;
use crate::server::settings::Registration;
use crate::server::state::Shared;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;

pub async fn create(
    State(app): State<Shared>,
    ApiJson(request): ApiJson<TokenRequest>,
) -> Result<Response, ApiError> {
    let Registration::Open(role) = app.config.registration else {
        return Err(ApiError::code(
            ProblemCode::RegistrationClosed,
            "this forum takes new members by invitation only; ask its operator for one",
        ));
    };
    let hash = new_password_hash(request.password).await?;
    let (user, token) = app
        .store
        .register(
            request.name,
            role,
            hash,
            request.device,
            jiff::Timestamp::now(),
        )
        .await?;
    super::json(
        StatusCode::CREATED,
        &TokenGrant {
            token,
            user: crate::api::User::from(&user),
        },
    )
}
