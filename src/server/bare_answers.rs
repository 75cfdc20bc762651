//! Requests hyper refuses before they reach the router — a URL over 64 KiB, headers over
//! its buffer, a request line it cannot parse — get a problem+json answer with
//! `Forum-Mode`, like every other answer, instead of hyper's bare status line.
//!
//! hyper has no hook for these answers, so the connection's writer recognises them: the
//! first bytes of a response with status 400, 414 or 431 and no `forum-mode` header (every
//! answer of the router carries one) are hyper's own, written just before it closes the
//! connection. They are replaced by the same status with a problem body.

use super::error::problem_body;
use super::state::Shared;
use crate::api::{PROBLEM_JSON, ProblemCode, headers};
use std::io;
use std::pin::Pin;
use std::sync::PoisonError;
use std::task::{Context, Poll, ready};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// A connection whose refusals by hyper are rewritten (see the module notes).
#[derive(Debug)]
pub struct Answered<T> {
    inner: T,
    app: Shared,
    /// The replacement answer and how much of it is written.
    replacement: Option<(Vec<u8>, usize)>,
}

impl<T> Answered<T> {
    pub fn new(inner: T, app: Shared) -> Self {
        Self {
            inner,
            app,
            replacement: None,
        }
    }
}

/// The problem code for one of hyper's own refusals, when `bytes` start one.
fn hyper_refusal(bytes: &[u8]) -> Option<ProblemCode> {
    let code = match bytes.get(..12)? {
        b"HTTP/1.1 400" | b"HTTP/1.0 400" => ProblemCode::MalformedRequest,
        b"HTTP/1.1 414" | b"HTTP/1.0 414" => ProblemCode::UriTooLong,
        b"HTTP/1.1 431" | b"HTTP/1.0 431" => ProblemCode::HeadersTooLarge,
        _ => return None,
    };
    let head_end = memchr::memmem::find(bytes, b"\r\n\r\n").unwrap_or(bytes.len());
    let head = bytes[..head_end].to_ascii_lowercase();
    let ours = memchr::memmem::find(&head, format!("\r\n{}:", headers::FORUM_MODE).as_bytes());
    ours.is_none().then_some(code)
}

fn replacement(code: ProblemCode, app: &Shared) -> Vec<u8> {
    let detail = match code {
        ProblemCode::UriTooLong => "the URL is longer than the server reads (64 KiB)",
        ProblemCode::HeadersTooLarge => "the request headers are larger than the server reads",
        _ => "the request is not valid HTTP/1.1",
    };
    let body = problem_body(code, detail);
    let mode = app
        .mode
        .read()
        .unwrap_or_else(PoisonError::into_inner)
        .header();
    let status = axum::http::StatusCode::from_u16(code.status())
        .unwrap_or(axum::http::StatusCode::BAD_REQUEST);
    let mut answer = format!(
        "HTTP/1.1 {} {}\r\ncontent-type: {PROBLEM_JSON}\r\n{}: ",
        status.as_u16(),
        status.canonical_reason().unwrap_or_default(),
        headers::FORUM_MODE
    )
    .into_bytes();
    answer.extend_from_slice(mode.as_bytes());
    answer.extend_from_slice(
        format!(
            "\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
            body.len()
        )
        .as_bytes(),
    );
    answer.extend_from_slice(&body);
    answer
}

impl<T: AsyncWrite + Unpin> Answered<T> {
    /// Writes what is left of the replacement answer.
    fn drain(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let Some((bytes, written)) = &mut self.replacement else {
            return Poll::Ready(Ok(()));
        };
        while *written < bytes.len() {
            let n = ready!(Pin::new(&mut self.inner).poll_write(cx, &bytes[*written..]))?;
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            *written += n;
        }
        Poll::Ready(Ok(()))
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for Answered<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for Answered<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        if this.replacement.is_none() {
            match hyper_refusal(buf) {
                Some(code) => this.replacement = Some((replacement(code, &this.app), 0)),
                None => return Pin::new(&mut this.inner).poll_write(cx, buf),
            }
        }
        // hyper closes the connection after its refusal: what it writes is replaced.
        ready!(this.drain(cx))?;
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(self.drain(cx))?;
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(self.drain(cx))?;
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_hypers_own_refusals_are_recognised() {
        let bare = b"HTTP/1.1 414 URI Too Long\r\ncontent-length: 0\r\ndate: x\r\n\r\n";
        assert_eq!(hyper_refusal(bare), Some(ProblemCode::UriTooLong));
        let ours =
            b"HTTP/1.1 400 Bad Request\r\ncontent-type: application/problem+json\r\nforum-mode: open\r\n\r\n{}";
        assert_eq!(hyper_refusal(ours), None);
        assert_eq!(hyper_refusal(b"HTTP/1.1 200 OK\r\n\r\n"), None);
        assert_eq!(hyper_refusal(b"{\"posts\": []}"), None);
    }
}
