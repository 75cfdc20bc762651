//! RFC 9457 problem details with a stable machine-readable `code` that clients branch on.

use super::posts::Post;
use super::status::Banner;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

macro_rules! problem_codes {
    ($($variant:ident = $name:literal, $status:literal, $title:literal;)*) => {
        /// Why a request failed. Serialized as its `snake_case` name; new codes may appear,
        /// and an old client reads them as [`ProblemCode::Unknown`].
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum ProblemCode {
            $($variant,)*
            /// A code this version does not know (sent by a newer server).
            Unknown,
        }

        impl ProblemCode {
            /// Every code this version knows, for documentation and tests.
            pub const ALL: &[ProblemCode] = &[$(ProblemCode::$variant,)*];

            /// The code as it appears on the wire.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(ProblemCode::$variant => $name,)*
                    ProblemCode::Unknown => "unknown",
                }
            }

            /// The HTTP status the server answers with.
            pub fn status(self) -> u16 {
                match self {
                    $(ProblemCode::$variant => $status,)*
                    ProblemCode::Unknown => 500,
                }
            }

            /// A short human summary (the problem's `title`).
            pub fn title(self) -> &'static str {
                match self {
                    $(ProblemCode::$variant => $title,)*
                    ProblemCode::Unknown => "Unknown problem",
                }
            }

            /// Reads a wire code; unknown names become [`ProblemCode::Unknown`].
            pub fn parse(name: &str) -> Self {
                match name {
                    $($name => ProblemCode::$variant,)*
                    _ => ProblemCode::Unknown,
                }
            }
        }
    };
}

problem_codes! {
    MalformedJson = "malformed_json", 400, "The body is not valid JSON";
    InvalidParameter = "invalid_parameter", 400, "A query or path parameter is invalid";
    InvalidCursor = "invalid_cursor", 400, "The cursor is not one this server issued";
    MalformedRequest = "malformed_request", 400, "The request is not valid HTTP";
    IdempotencyKeyMissing = "idempotency_key_missing", 400, "This request needs an Idempotency-Key header";
    IdempotencyKeyInvalid = "idempotency_key_invalid", 400, "The Idempotency-Key header is invalid";
    Unauthorized = "unauthorized", 401, "A valid bearer token is required";
    InvalidCredentials = "invalid_credentials", 401, "Wrong user name or password";
    Forbidden = "forbidden", 403, "Not allowed for this user";
    ThreadLocked = "thread_locked", 403, "The thread is locked";
    InviteInvalid = "invite_invalid", 403, "The invitation is unknown, expired or used up";
    RegistrationClosed = "registration_closed", 403, "This forum takes new members by invitation only";
    NotFound = "not_found", 404, "No such resource";
    AreaNotFound = "area_not_found", 404, "No such area";
    ThreadNotFound = "thread_not_found", 404, "No such thread";
    PostNotFound = "post_not_found", 404, "No such post";
    SectionNotFound = "section_not_found", 404, "No such section";
    MethodNotAllowed = "method_not_allowed", 405, "Method not allowed here";
    RequestTimeout = "request_timeout", 408, "The request body did not arrive in time";
    IdempotencyKeyInUse = "idempotency_key_in_use", 409, "A request with this Idempotency-Key is still running";
    PostDeleted = "post_deleted", 409, "The post is deleted";
    AlreadyExists = "already_exists", 409, "Something with this id exists already";
    NotEmpty = "not_empty", 409, "The section or area is not empty";
    CursorExpired = "cursor_expired", 410, "The cursor is older than the change log; take a fresh snapshot";
    VersionConflict = "version_conflict", 412, "The post changed since you read it";
    PayloadTooLarge = "payload_too_large", 413, "The request body is too large";
    UriTooLong = "uri_too_long", 414, "The URL is too long";
    UnsupportedMediaType = "unsupported_media_type", 415, "Send the body as application/json";
    InvalidBody = "invalid_body", 422, "The JSON body has the wrong shape";
    ValidationFailed = "validation_failed", 422, "Some fields are invalid";
    IdempotencyKeyReused = "idempotency_key_reused", 422, "This Idempotency-Key was used with a different request";
    PreconditionRequired = "precondition_required", 428, "This request needs an If-Match header";
    HeadersTooLarge = "headers_too_large", 431, "The request headers are too large";
    RateLimited = "rate_limited", 429, "Too many requests";
    Internal = "internal", 500, "The server failed";
    ReadOnly = "read_only", 503, "The forum is read-only";
    LoginsDisabled = "logins_disabled", 503, "Logins are disabled for now";
    Maintenance = "maintenance", 503, "The forum is down for maintenance";
    StoreUnavailable = "store_unavailable", 503, "The server cannot reach its database for now";
}

impl fmt::Display for ProblemCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for ProblemCode {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for ProblemCode {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = String::deserialize(deserializer)?;
        Ok(Self::parse(&name))
    }
}

/// What is wrong with one field of a request body.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldErrorCode {
    Required,
    Empty,
    TooLong,
    Invalid,
    /// A code this version does not know.
    #[serde(other)]
    Other,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    /// The field's name in the request body (`body`, `title`, `reply_to`).
    pub field: String,
    pub code: FieldErrorCode,
    #[serde(default)]
    pub message: String,
}

/// An error response (`application/problem+json`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Problem {
    /// `urn:threadmark:problem:<code>`.
    #[serde(rename = "type", default)]
    pub type_uri: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub status: u16,
    /// What happened in this case, for people.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    pub code: ProblemCode,
    /// Per-field errors on 422 `validation_failed`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    /// Same as the `Retry-After` header, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after_s: Option<u32>,
    /// The forum's banner, on 503 answers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub banner: Option<Banner>,
    /// The post as it is now, on 412 `version_conflict`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current: Option<Box<Post>>,
}

impl Problem {
    pub fn new(code: ProblemCode) -> Self {
        Self {
            type_uri: format!("urn:threadmark:problem:{}", code.as_str()),
            title: code.title().to_owned(),
            status: code.status(),
            detail: None,
            code,
            errors: Vec::new(),
            retry_after_s: None,
            banner: None,
            current: None,
        }
    }

    #[must_use]
    pub fn detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }

    #[must_use]
    pub fn field(mut self, field: &str, code: FieldErrorCode, message: impl Into<String>) -> Self {
        self.errors.push(FieldError {
            field: field.to_owned(),
            code,
            message: message.into(),
        });
        self
    }

    #[must_use]
    pub fn retry_after(mut self, seconds: u32) -> Self {
        self.retry_after_s = Some(seconds);
        self
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.title, self.code)?;
        if let Some(detail) = &self.detail {
            write!(f, ": {detail}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Problem {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_unknown_codes_are_tolerated() {
        for &code in ProblemCode::ALL {
            let json = serde_json::to_string(&code).unwrap();
            assert_eq!(serde_json::from_str::<ProblemCode>(&json).unwrap(), code);
        }
        let p: Problem =
            serde_json::from_str(r#"{"code":"brand_new","status":418,"extra":1}"#).unwrap();
        assert_eq!(p.code, ProblemCode::Unknown);
        assert_eq!(p.status, 418);
    }
}
