//! One line per request on stderr: time, client, method, path, status, duration. Never headers (tokens live there).

use axum::extract::{ConnectInfo, Request};
use axum::middleware::Next;
use axum::response::Response;
use std::io::Write;
use std::net::SocketAddr;
use std::time::Instant;

pub async fn request_line(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let path = request
        .uri()
        .path_and_query()
        .map_or_else(|| request.uri().path().to_owned(), ToString::to_string);
    let client = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map_or_else(|| "-".to_owned(), |c| c.0.ip().to_string());
    let response = next.run(request).await;
    let micros = started.elapsed().as_micros();
    let _ = writeln!(
        std::io::stderr().lock(),
        "{} {client} {method} {} {} {}.{:03}ms",
        jiff::Timestamp::now().strftime("%Y-%m-%dT%H:%M:%S%.3fZ"),
        crate::text::sanitize::clean_line(&path),
        response.status().as_u16(),
        micros / 1000,
        micros % 1000,
    );
    response
}
