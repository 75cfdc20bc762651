//! Who is calling, and whether they may: the bearer token read once per request, the rate
//! limit taken from the caller's allowance, and 401 for a token that is present but bad —
//! the same on every endpoint.
//!
//! Requests count against the user a valid token belongs to (however the header is
//! spelled, whichever of the user's tokens is sent), and against the client's address
//! when there is no token or a bad one: inventing tokens buys no extra requests.

use super::db::users::UserInfo;
use super::error::{ApiError, problem_response};
use super::limits::take_allowance;
use super::state::Shared;
use crate::api::ProblemCode;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::net::SocketAddr;

/// The caller of one request, as [`admit`] found it.
#[derive(Clone, Debug)]
pub enum Caller {
    Anonymous,
    User(UserInfo),
    /// An `Authorization` header that is malformed, or names no live token.
    BadToken(&'static str),
}

/// The token of `Authorization: Bearer <token>`: the scheme in any case, any run of
/// blanks around the token. `Err` when the header is there but says something else.
pub fn bearer(headers: &HeaderMap) -> Result<Option<String>, &'static str> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let malformed = "send the token as `Authorization: Bearer <token>`";
    let value = value.to_str().map_err(|_| malformed)?.trim();
    let (scheme, token) = value
        .split_once(|c: char| c.is_ascii_whitespace())
        .ok_or(malformed)?;
    let token = token.trim();
    if !scheme.eq_ignore_ascii_case("bearer")
        || token.is_empty()
        || token.contains(|c: char| c.is_ascii_whitespace())
    {
        return Err(malformed);
    }
    Ok(Some(token.to_owned()))
}

/// Finds the caller of a request from its headers.
pub async fn identify(headers: &HeaderMap, app: &Shared) -> Result<Caller, ApiError> {
    let token = match bearer(headers) {
        Ok(Some(token)) => token,
        Ok(None) => return Ok(Caller::Anonymous),
        Err(why) => return Ok(Caller::BadToken(why)),
    };
    let user = app.store.user_by_token(&token).await?;
    Ok(user.map_or(
        Caller::BadToken("this token is unknown or revoked; get a new one from POST /tokens"),
        Caller::User,
    ))
}

/// What a rate limit counts a request against: the user, else the address.
fn allowance_key(caller: &Caller, request: &Request) -> String {
    if let Caller::User(user) = caller {
        return format!("u:{}", user.id);
    }
    request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map_or_else(|| "anonymous".to_owned(), |c| format!("a:{}", c.0.ip()))
}

/// Middleware: identify the caller, take one request from their allowance (429 when it
/// is spent), refuse a bad token (401), and hand the caller to the handler.
pub async fn admit(State(app): State<Shared>, mut request: Request, next: Next) -> Response {
    let caller = match identify(request.headers(), &app).await {
        Ok(caller) => caller,
        Err(e) => return e.into_response(),
    };
    if let Err(refusal) = take_allowance(&app, request.method(), &allowance_key(&caller, &request))
    {
        return refusal;
    }
    if let Caller::BadToken(why) = caller {
        return problem_response(&crate::api::Problem::new(ProblemCode::Unauthorized).detail(why));
    }
    request.extensions_mut().insert(caller);
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn token_of(value: &str) -> Result<Option<String>, &'static str> {
        let mut headers = HeaderMap::new();
        headers.insert(header::AUTHORIZATION, HeaderValue::from_str(value).unwrap());
        bearer(&headers)
    }

    #[test]
    fn blanks_and_case_do_not_make_another_token() {
        for spelling in [
            "Bearer tm_x",
            "bearer tm_x",
            "Bearer   tm_x",
            " Bearer\ttm_x ",
            "BEARER tm_x  ",
        ] {
            assert_eq!(token_of(spelling), Ok(Some("tm_x".into())), "{spelling:?}");
        }
        for bad in [
            "Bearer",
            "Basic dXNlcjpwdw==",
            "Bearer tm_x extra",
            "tm_x",
            "",
        ] {
            assert!(token_of(bad).is_err(), "{bad:?}");
        }
        assert_eq!(bearer(&HeaderMap::new()), Ok(None));
    }
}
