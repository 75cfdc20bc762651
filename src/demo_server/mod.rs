//! The demo forum's own server, so the demo can be written in with no setup: the reference
//! server (the code of `threadmark serve`) in this process on 127.0.0.1, its store in the
//! demo account's folder, reached through a [`gate::Gate`]. The demo-only key switches it
//! open → read-only → unreachable, to watch the outbox hold replies and drain.

mod gate;

use crate::api::BASE_PATH;
use crate::config::{AccountConfig, AccountKind};
use crate::server::{RunningServer, ServerConfig, ServerError};
use crate::store::{AccountDir, Credential, DEMO_ACCOUNT, Secret};
use gate::Gate;
use std::time::Duration;

/// Where the demo's server keeps its store, inside the demo account's folder.
pub const STORE_FOLDER: &str = "server";

/// How the demo's server behaves, as the demo key sets it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum DemoMode {
    /// Takes replies.
    #[default]
    Open,
    /// Reads work; replies are held (the seed's gray-out).
    ReadOnly,
    /// Gone from the network: reading goes on from the cache, replies wait.
    Unreachable,
}

impl DemoMode {
    /// The mode the demo key switches to from this one.
    #[must_use]
    pub fn next(self) -> Self {
        match self {
            Self::Open => Self::ReadOnly,
            Self::ReadOnly => Self::Unreachable,
            Self::Unreachable => Self::Open,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::ReadOnly => "read-only",
            Self::Unreachable => "unreachable",
        }
    }
}

/// Why the demo's server did not start.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error("the demo forum's server did not start: {0}")]
    Server(#[from] ServerError),
    #[error("the demo forum's server did not start: {0}")]
    Gate(#[from] std::io::Error),
    #[error("the demo forum's server gave no token")]
    NoToken,
}

/// The running demo server.
#[derive(Debug)]
pub struct DemoServer {
    server: RunningServer,
    gate: Gate,
    member: Secret,
    admin: Secret,
    mode: DemoMode,
}

/// The banner the demo shows while it is read-only.
const READ_ONLY_BANNER: &str = "The demo forum is read-only: you switched it with the demo key. \
     Replies wait in the outbox (held) and go out when you switch it open again.";

impl DemoServer {
    /// Starts the server on the demo account's store (made from the bundled forum the first
    /// time), open, whatever mode it was left in.
    pub async fn start(dir: &AccountDir) -> Result<Self, DemoError> {
        let mut config = ServerConfig::new(dir.root().join(STORE_FOLDER));
        config.demo = true;
        config.mode = Some(crate::api::ForumMode::Open);
        // Quick to show a held reply going out once posting reopens.
        config.retry_after = Duration::from_secs(5);
        let server = crate::server::start(config).await?;
        let member = server.token("member").ok_or(DemoError::NoToken)?;
        let admin = server.token("admin").ok_or(DemoError::NoToken)?;
        let (member, admin) = (
            Secret::new(member.to_owned()),
            Secret::new(admin.to_owned()),
        );
        let gate = Gate::start(server.addr).await?;
        tracing::info!(url = %gate.url(), "the demo forum's server started");
        Ok(Self {
            server,
            gate,
            member,
            admin,
            mode: DemoMode::Open,
        })
    }

    /// The demo account as a client sees it: its own server at the gate's address.
    pub fn remote(&self) -> AccountConfig {
        AccountConfig {
            name: DEMO_ACCOUNT.to_owned(),
            kind: AccountKind::Native,
            url: self.gate.url(),
            ..AccountConfig::default()
        }
    }

    /// The demo member's token (user `demo`), kept in memory only.
    pub fn credential(&self) -> Credential {
        Credential::Bearer {
            token: self.member.clone(),
        }
    }

    pub fn mode(&self) -> DemoMode {
        self.mode
    }

    /// Switches the server to `mode`, as its operator (or the network) would.
    pub async fn switch(&mut self, mode: DemoMode) -> Result<(), String> {
        self.gate.set_open(mode != DemoMode::Unreachable);
        let forum_mode = match mode {
            DemoMode::ReadOnly => Some(("read-only", Some(READ_ONLY_BANNER))),
            DemoMode::Open => Some(("open", None)),
            // The forum keeps its mode behind the closed gate.
            DemoMode::Unreachable => None,
        };
        if let Some((name, banner)) = forum_mode {
            self.set_forum_mode(name, banner).await?;
        }
        self.mode = mode;
        tracing::info!("the demo forum's server is now {}", mode.as_str());
        Ok(())
    }

    /// `PUT /admin/mode` with the demo admin's token, straight to the server.
    async fn set_forum_mode(&self, mode: &str, banner: Option<&str>) -> Result<(), String> {
        let mut body = serde_json::json!({ "mode": mode });
        if let Some(text) = banner {
            body["banner"] = serde_json::json!({ "text": text, "severity": "warning" });
        }
        let answer = reqwest::Client::new()
            .put(format!("http://{}{BASE_PATH}/admin/mode", self.server.addr))
            .bearer_auth(self.admin.expose())
            .json(&body)
            .timeout(Duration::from_secs(10))
            .send()
            .await
            .map_err(|e| format!("the demo server did not switch: {e}"))?;
        if answer.status().is_success() {
            Ok(())
        } else {
            Err(format!(
                "the demo server did not switch: {}",
                answer.status()
            ))
        }
    }

    /// Stops the server; everything it acknowledged is on disk.
    pub async fn shutdown(self) {
        let Self { server, gate, .. } = self;
        drop(gate);
        if let Err(e) = server.shutdown().await {
            tracing::warn!("the demo forum's server: {e}");
        }
    }
}
