//! Accepting connections: HTTP/1.1 with a header (and keep-alive idle) timeout, a cap on
//! open connections below the open-file limit, and a clean stop.
//!
//! Idle sockets cost a file descriptor each; without a timeout and a cap, a thousand of
//! them exhaust the open-file limit and every real request waits. Here a connection must
//! send its request headers within [`super::ConnectionLimits::header_timeout`] (also between
//! requests on a kept-alive connection), at most `cap` connections are served at once and
//! the rest wait in the kernel's listen queue, and the cap stays below the file limit so
//! the store and the log always have descriptors left. HTTP/1.1 only: HTTP/2's preface
//! detection would wait for a silent socket without any timeout.

use super::bare_answers::Answered;
use super::config::DEFAULT_MAX_CONNECTIONS;
use super::state::Shared;
use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use std::net::SocketAddr;
use std::pin::pin;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, watch};
use tower::ServiceExt as _;

/// How often at most the "cap reached" and accept-error lines are logged.
const LOG_EVERY: Duration = Duration::from_secs(60);

/// Serves `router` on `listener` until `stopping` turns true, then waits for the
/// connections under way to finish (long polls end at once; idle ones are closed).
pub async fn serve(
    listener: TcpListener,
    router: Router,
    app: Shared,
    cap: usize,
    mut stopping: watch::Receiver<bool>,
) {
    let header_timeout = app.config.connections.header_timeout;
    let slots = Arc::new(Semaphore::new(cap));
    let mut cap_logged: Option<Instant> = None;
    let mut error_logged: Option<Instant> = None;
    loop {
        let slot = if let Ok(slot) = Arc::clone(&slots).try_acquire_owned() {
            slot
        } else {
            if due(&mut cap_logged) {
                eprintln!(
                    "threadmark serve: warning: {cap} connections open, the most allowed \
                     (--max-connections); new connections wait until one closes"
                );
            }
            tokio::select! {
                slot = Arc::clone(&slots).acquire_owned() => match slot {
                    Ok(slot) => slot,
                    Err(_) => break,
                },
                _ = stopping.wait_for(|stop| *stop) => break,
            }
        };
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = stopping.wait_for(|stop| *stop) => break,
        };
        let (stream, peer) = match accepted {
            Ok(pair) => pair,
            Err(e) => {
                if !is_connection_error(&e) {
                    // Out of descriptors (the store took some) or similar: wait a moment
                    // rather than spin; the connections open now will close in time.
                    if due(&mut error_logged) {
                        eprintln!("threadmark serve: warning: cannot accept a connection: {e}");
                    }
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let io = TokioIo::new(Answered::new(stream, Arc::clone(&app)));
        let connection =
            serve_connection(io, peer, router.clone(), header_timeout, stopping.clone());
        tokio::spawn(async move {
            connection.await;
            drop(slot);
        });
    }
    // Every slot back means every connection has ended.
    let all = u32::try_from(cap).unwrap_or(u32::MAX);
    let _ = slots.acquire_many(all).await;
}

/// One connection: requests in order, each with the peer's address for the rate limits
/// and the request log.
async fn serve_connection(
    io: TokioIo<Answered<tokio::net::TcpStream>>,
    peer: SocketAddr,
    router: Router,
    header_timeout: Duration,
    mut stopping: watch::Receiver<bool>,
) {
    let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
        request.extensions_mut().insert(ConnectInfo(peer));
        router.clone().oneshot(request.map(Body::new))
    });
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(header_timeout)
        .keep_alive(true);
    let mut connection = pin!(builder.serve_connection(io, service));
    let mut closing = false;
    loop {
        tokio::select! {
            _ = connection.as_mut() => return,
            _ = stopping.wait_for(|stop| *stop), if !closing => {
                closing = true;
                connection.as_mut().graceful_shutdown();
            }
        }
    }
}

fn is_connection_error(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        std::io::ErrorKind::ConnectionRefused
            | std::io::ErrorKind::ConnectionAborted
            | std::io::ErrorKind::ConnectionReset
    )
}

/// True (and remembers now) when nothing was logged in the last [`LOG_EVERY`].
fn due(last: &mut Option<Instant>) -> bool {
    let now = Instant::now();
    if last.is_some_and(|at| now.duration_since(at) < LOG_EVERY) {
        return false;
    }
    *last = Some(now);
    true
}

/// The connection cap: the one asked for, else three quarters of the open-file limit (a
/// quarter stays for the store's files, the log and the listener), at most
/// [`DEFAULT_MAX_CONNECTIONS`]. An asked-for cap over what the limit allows is lowered,
/// saying so.
pub fn connection_cap(asked: Option<usize>, open_file_limit: Option<u64>) -> usize {
    let allowed = open_file_limit.map_or(usize::MAX, |limit| {
        usize::try_from(limit / 4 * 3).unwrap_or(usize::MAX).max(16)
    });
    match asked {
        Some(n) if n > allowed => {
            eprintln!(
                "threadmark serve: warning: --max-connections {n} is more than the open-file limit \
                 allows; using {allowed} (raise it with `ulimit -n`)"
            );
            allowed
        }
        Some(n) => n.max(1),
        None => allowed.min(DEFAULT_MAX_CONNECTIONS),
    }
}

/// Raises the soft open-file limit to the hard one (as servers do: the soft default of
/// 1,024 is far below what the system allows) and returns the limit now in force.
#[cfg(unix)]
pub fn raise_open_file_limit() -> Option<u64> {
    use nix::sys::resource::{Resource, getrlimit, setrlimit};
    let (soft, hard) = getrlimit(Resource::RLIMIT_NOFILE).ok()?;
    if soft < hard && setrlimit(Resource::RLIMIT_NOFILE, hard, hard).is_ok() {
        return Some(hard);
    }
    Some(soft)
}

#[cfg(not(unix))]
pub fn raise_open_file_limit() -> Option<u64> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cap_stays_below_the_file_limit() {
        assert_eq!(connection_cap(None, Some(1024)), 768);
        assert_eq!(
            connection_cap(None, Some(1_000_000)),
            DEFAULT_MAX_CONNECTIONS
        );
        assert_eq!(connection_cap(None, None), DEFAULT_MAX_CONNECTIONS);
        assert_eq!(connection_cap(Some(50), Some(1024)), 50);
        assert_eq!(connection_cap(Some(5000), Some(1024)), 768);
        assert_eq!(connection_cap(None, Some(8)), 16);
    }
}
