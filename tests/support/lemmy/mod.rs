//! The stand-in Lemmy for the Lemmy backend's tests: its data, its answers in Lemmy 0.19's
//! and 1.0's shapes, its routes, and the server.

pub mod inbox;
pub mod routes;
pub mod shapes;
pub mod standin;
pub mod world;
