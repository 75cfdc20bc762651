//! Builds the backend for an account: its kind, URL and stored credential.

use super::discourse::{DiscourseBackend, DiscourseSettings, PrefetchSettings};
use super::http::{HttpClient, RemoteError, Timeouts};
use super::lemmy::{LemmyBackend, LemmySettings};
use super::native::NativeBackend;
use super::{Backend, Cursor, PullBatch, ServerState, Submitted, SyncLimits};
use crate::config::{
    AccountConfig, AccountKind, DEFAULT_PREFETCH_DAYS, DEFAULT_TOP_COMMUNITIES, Prefetch,
};
use crate::model::{
    BudgetStatus, Capabilities, OutboxEntry, Post, ReadMark, ReadState, RequestLog, ThreadId,
};
use crate::store::{Credential, SecretError};
use std::time::Duration;

/// Any backend, chosen at run time from the account's kind.
#[derive(Debug)]
pub enum AnyBackend {
    Native(Box<NativeBackend>),
    Discourse(Box<DiscourseBackend>),
    Lemmy(Box<LemmyBackend>),
}

/// Why an account's backend could not be built.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error(transparent)]
    Remote(#[from] RemoteError),
    #[error(transparent)]
    Secret(#[from] SecretError),
    #[error("{0}")]
    Unsupported(String),
    /// A setting (such as the timeouts' environment variable) could not be read.
    #[error("{0}")]
    Settings(String),
}

/// What the account's `config.toml` entry allows a server to send in one sync.
pub fn sync_limits(account: &AccountConfig) -> SyncLimits {
    let defaults = SyncLimits::default();
    SyncLimits {
        pages_per_sync: account
            .max_pages_per_sync
            .unwrap_or(defaults.pages_per_sync)
            .max(1),
        threads_per_area: account
            .max_threads_per_area
            .unwrap_or(defaults.threads_per_area)
            .max(1),
    }
}

/// The backend for `account`, signed in with `credential` when there is one.
pub fn connect(
    account: &AccountConfig,
    credential: Option<Credential>,
) -> Result<AnyBackend, ConnectError> {
    let timeouts = Timeouts::from_env().map_err(ConnectError::Settings)?;
    match account.kind {
        AccountKind::Native => {
            let http = HttpClient::new(&account.url, timeouts)?;
            let token = match credential {
                Some(Credential::Bearer { token }) => Some(token),
                None => None,
                Some(_) => {
                    return Err(ConnectError::Unsupported(format!(
                        "the credential stored for {} is not an API v1 token; run `threadmark login --account {}`",
                        account.name, account.name
                    )));
                }
            };
            Ok(AnyBackend::Native(Box::new(
                NativeBackend::new(http, token)
                    .with_limits(sync_limits(account))
                    .with_read_sync(account.read_sync.unwrap_or(true)),
            )))
        }
        AccountKind::Discourse => {
            if matches!(credential, Some(Credential::Bearer { .. })) {
                return Err(ConnectError::Unsupported(format!(
                    "the credential stored for {} is not a Discourse key; run `threadmark login --account {}`",
                    account.name, account.name
                )));
            }
            let settings = discourse_settings(account, credential.as_ref(), timeouts);
            Ok(AnyBackend::Discourse(Box::new(DiscourseBackend::new(
                &account.url,
                credential,
                settings,
            )?)))
        }
        AccountKind::Lemmy => {
            let jwt = match credential {
                Some(Credential::Bearer { token }) => Some(token),
                None => None,
                Some(_) => {
                    return Err(ConnectError::Unsupported(format!(
                        "the credential stored for {} is not a Lemmy login; run `threadmark login --account {}`",
                        account.name, account.name
                    )));
                }
            };
            let prefetch = account.prefetch.unwrap_or(Prefetch::Watched);
            let days = match prefetch {
                // Every thread: as far back as the listings go.
                Prefetch::All => 36_500,
                _ => account.prefetch_days.unwrap_or(DEFAULT_PREFETCH_DAYS),
            };
            let settings = LemmySettings {
                top_communities: account.top_communities.unwrap_or(DEFAULT_TOP_COMMUNITIES),
                prefetch,
                horizon: jiff::SignedDuration::from_hours(24 * i64::from(days)),
                budget: account
                    .requests_per_minute
                    .map(|n| crate::model::Limit::per_minute(n.max(1))),
                read_sync: account.read_sync.unwrap_or(true),
            };
            Ok(AnyBackend::Lemmy(Box::new(LemmyBackend::new(
                &account.url,
                jwt.as_ref(),
                settings,
                timeouts,
            )?)))
        }
    }
}

/// How the Discourse backend is set up for `account`: Discourse's limits for the key with
/// the account's overrides, and its prefetch policy.
pub fn discourse_settings(
    account: &AccountConfig,
    credential: Option<&Credential>,
    timeouts: Timeouts,
) -> DiscourseSettings {
    let mut prefetch = PrefetchSettings::default_for(credential.is_some());
    if let Some(policy) = account.prefetch {
        prefetch.policy = policy;
    }
    if let Some(days) = account.prefetch_days {
        prefetch.days = days;
    }
    if let Some(posts) = account.prefetch_posts {
        prefetch.posts = posts;
    }
    DiscourseSettings {
        limits: Some(super::discourse::limits(
            credential,
            account.requests_per_minute,
            account.requests_per_day,
        )),
        timeouts,
        include_raw: false,
        prefetch: Some(prefetch),
        read_sync: account.read_sync.unwrap_or(true),
    }
}

/// What an account's server kind can do (its backend's [`Backend::CAPABILITIES`]),
/// known without connecting: offline, the reader and the command line still explain what
/// the server lacks before anything is queued.
pub fn capabilities(kind: AccountKind) -> Capabilities {
    match kind {
        AccountKind::Native => NativeBackend::CAPABILITIES,
        AccountKind::Discourse => DiscourseBackend::CAPABILITIES,
        AccountKind::Lemmy => LemmyBackend::CAPABILITIES,
    }
}

impl Backend for AnyBackend {
    /// Unused: each account's backend answers [`Backend::capabilities`] for itself.
    const CAPABILITIES: Capabilities = Capabilities::none("this");

    fn capabilities(&self) -> Capabilities {
        match self {
            Self::Native(_) => NativeBackend::CAPABILITIES,
            Self::Discourse(_) => DiscourseBackend::CAPABILITIES,
            Self::Lemmy(_) => LemmyBackend::CAPABILITIES,
        }
    }

    fn state(&self) -> &ServerState {
        match self {
            Self::Native(b) => b.state(),
            Self::Discourse(b) => b.state(),
            Self::Lemmy(b) => b.state(),
        }
    }

    async fn refresh_status(&mut self) -> Result<(), RemoteError> {
        match self {
            Self::Native(b) => b.refresh_status().await,
            Self::Discourse(b) => b.refresh_status().await,
            Self::Lemmy(b) => b.refresh_status().await,
        }
    }

    fn set_long_poll(&mut self, wait: Option<Duration>) {
        match self {
            Self::Native(b) => b.set_long_poll(wait),
            Self::Discourse(b) => b.set_long_poll(wait),
            Self::Lemmy(b) => b.set_long_poll(wait),
        }
    }

    fn sends_read_marks(&self) -> bool {
        match self {
            Self::Native(b) => b.sends_read_marks(),
            Self::Discourse(b) => b.sends_read_marks(),
            Self::Lemmy(b) => b.sends_read_marks(),
        }
    }

    fn syncs_read_marks(&self) -> bool {
        match self {
            Self::Native(b) => b.syncs_read_marks(),
            Self::Discourse(b) => b.syncs_read_marks(),
            Self::Lemmy(b) => b.syncs_read_marks(),
        }
    }

    async fn send_read_mark(
        &mut self,
        key: &str,
        thread: &ThreadId,
        mark: &ReadMark,
    ) -> Result<(), RemoteError> {
        match self {
            Self::Native(b) => b.send_read_mark(key, thread, mark).await,
            Self::Discourse(b) => b.send_read_mark(key, thread, mark).await,
            Self::Lemmy(b) => b.send_read_mark(key, thread, mark).await,
        }
    }

    fn syncs_places(&self) -> bool {
        match self {
            Self::Native(b) => b.syncs_places(),
            Self::Discourse(b) => b.syncs_places(),
            Self::Lemmy(b) => b.syncs_places(),
        }
    }

    async fn send_place_mark(
        &mut self,
        key: &str,
        mark: &crate::model::PlaceMark,
    ) -> Result<(), RemoteError> {
        match self {
            Self::Native(b) => b.send_place_mark(key, mark).await,
            Self::Discourse(b) => b.send_place_mark(key, mark).await,
            Self::Lemmy(b) => b.send_place_mark(key, mark).await,
        }
    }

    fn syncs_inbox(&self) -> bool {
        match self {
            Self::Native(b) => b.syncs_inbox(),
            Self::Discourse(b) => b.syncs_inbox(),
            Self::Lemmy(b) => b.syncs_inbox(),
        }
    }

    async fn send_inbox_read(&mut self, key: &str, ids: &[String]) -> Result<(), RemoteError> {
        match self {
            Self::Native(b) => b.send_inbox_read(key, ids).await,
            Self::Discourse(b) => b.send_inbox_read(key, ids).await,
            Self::Lemmy(b) => b.send_inbox_read(key, ids).await,
        }
    }

    fn set_read_state(&mut self, read: &ReadState) {
        match self {
            Self::Native(b) => b.set_read_state(read),
            Self::Discourse(b) => b.set_read_state(read),
            Self::Lemmy(b) => b.set_read_state(read),
        }
    }

    async fn pull(
        &mut self,
        cursor: Option<&Cursor>,
        focus: Option<&ThreadId>,
    ) -> Result<PullBatch, RemoteError> {
        match self {
            Self::Native(b) => b.pull(cursor, focus).await,
            Self::Discourse(b) => b.pull(cursor, focus).await,
            Self::Lemmy(b) => b.pull(cursor, focus).await,
        }
    }

    async fn submit(&mut self, entry: &OutboxEntry) -> Result<Submitted, RemoteError> {
        match self {
            Self::Native(b) => b.submit(entry).await,
            Self::Discourse(b) => b.submit(entry).await,
            Self::Lemmy(b) => b.submit(entry).await,
        }
    }

    async fn find_submitted(&mut self, entry: &OutboxEntry) -> Result<Option<Post>, RemoteError> {
        match self {
            Self::Native(b) => b.find_submitted(entry).await,
            Self::Discourse(b) => b.find_submitted(entry).await,
            Self::Lemmy(b) => b.find_submitted(entry).await,
        }
    }

    async fn awaiting_approval(&mut self, entry: &OutboxEntry) -> Result<bool, RemoteError> {
        match self {
            Self::Native(b) => b.awaiting_approval(entry).await,
            Self::Discourse(b) => b.awaiting_approval(entry).await,
            Self::Lemmy(b) => b.awaiting_approval(entry).await,
        }
    }

    fn poll_interval(&self) -> Option<Duration> {
        match self {
            Self::Native(b) => b.poll_interval(),
            Self::Discourse(b) => b.poll_interval(),
            Self::Lemmy(b) => b.poll_interval(),
        }
    }

    fn budget(&self) -> Option<BudgetStatus> {
        match self {
            Self::Native(b) => b.budget(),
            Self::Discourse(b) => b.budget(),
            Self::Lemmy(b) => b.budget(),
        }
    }

    fn request_log(&self) -> Option<&RequestLog> {
        match self {
            Self::Native(b) => b.request_log(),
            Self::Discourse(b) => b.request_log(),
            Self::Lemmy(b) => b.request_log(),
        }
    }

    fn restore_request_log(&mut self, log: RequestLog) {
        match self {
            Self::Native(b) => b.restore_request_log(log),
            Self::Discourse(b) => b.restore_request_log(log),
            Self::Lemmy(b) => b.restore_request_log(log),
        }
    }

    async fn revisions(
        &mut self,
        post: &crate::model::PostId,
        version: u64,
    ) -> Result<Vec<crate::model::Revision>, RemoteError> {
        match self {
            Self::Native(b) => b.revisions(post, version).await,
            Self::Discourse(b) => b.revisions(post, version).await,
            Self::Lemmy(b) => b.revisions(post, version).await,
        }
    }

    async fn search_users(&mut self, prefix: &str) -> Result<Vec<String>, RemoteError> {
        match self {
            Self::Native(b) => b.search_users(prefix).await,
            Self::Discourse(b) => b.search_users(prefix).await,
            Self::Lemmy(b) => b.search_users(prefix).await,
        }
    }

    fn want_earlier(&mut self, thread: &ThreadId) {
        match self {
            Self::Native(b) => b.want_earlier(thread),
            Self::Discourse(b) => b.want_earlier(thread),
            Self::Lemmy(b) => b.want_earlier(thread),
        }
    }
}
