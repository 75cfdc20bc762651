//! The Lemmy backend: reads an instance's communities, posts and comment trees and
//! writes comments and posts, behind the same [`Backend`] interface as threadmark's own
//! API and Discourse. Speaks Lemmy 0.19 (API v3) and Lemmy 1.0 (API v4), detected from
//! `/api/v4/site` then `/api/v3/site`; what differs lives in [`version`].
//!
//! Mapping: the instance → the forum; sections Subscribed (the account's communities),
//! Local and All (the most active ones); community → area (federated ones named
//! `name@instance`); post → thread (its body, and its link first, as the opening post);
//! comment → post, nested by its `path`; deleted and removed comments stay as stubs.
//! Ids: threads and areas are Lemmy's post and community ids, the opening post is
//! `p<post id>`, a comment `c<comment id>`.
//!
//! Requests are spread to stay within a polite share of what the instance allows one
//! address (its published `local_site_rate_limit`); a rate-limit answer (0.19's
//! `rate_limit_error`, 1.0's 429 with `retry-after`) pauses every request to the instance
//! until the wait is over, failing fast with `rate_limited` meanwhile. An instance that
//! does not answer makes this account offline, nothing else.

mod answer;
mod comments;
mod cursor;
mod inbox;
mod posts;
mod pull;
mod read_marks;
mod submit;
mod transport;
mod tree;
pub mod version;
mod wire;

pub use answer::{REMAINING_HEADER, RESET_HEADER};
pub use cursor::SCHEMA as CURSOR_SCHEMA;
pub use pull::Settings as LemmySettings;
pub use tree::{ALL, LOCAL, SUBSCRIBED};

use crate::model::{OutboxEntry, Post, ReadState, ThreadId};
use crate::remote::{
    Backend, Cursor, HttpClient, PullBatch, RemoteError, ServerState, Submitted, Timeouts, clean,
};
use crate::store::Secret;
use cursor::PullCursor;
use std::time::{Duration, Instant};
use transport::{As, Transport};
use version::ApiVersion;

/// Rounds start at most this often while the reader idles: Lemmy has no long polling,
/// and every round asks the instance a few questions.
const IDLE_ROUND_GAP: Duration = Duration::from_secs(60);

/// What the instance said about itself at login or at the last pull.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServerInfo {
    pub api: ApiVersion,
    /// Lemmy's version ("0.19.20"); empty when the server did not say.
    pub version: String,
}

impl ServerInfo {
    /// "Lemmy 0.19.20, API v3".
    pub fn describe(&self) -> String {
        if self.version.is_empty() {
            format!("Lemmy, {}", self.api.label())
        } else {
            format!(
                "Lemmy {}, {}",
                crate::text::sanitize::clean_line(&self.version),
                self.api.label()
            )
        }
    }
}

/// A Lemmy instance, read anonymously or as the account whose JWT is given.
#[derive(Debug)]
pub struct LemmyBackend {
    transport: Transport,
    settings: pull::Settings,
    known: Option<PullCursor>,
    idle: bool,
    last_round_end: Option<Instant>,
    /// The thread the user was reading when the last round ended.
    last_focus: Option<ThreadId>,
    /// The local read state, handed over by the engine before a pull (`read_sync`).
    read_state: Option<ReadState>,
}

impl LemmyBackend {
    pub fn new(
        base_url: &str,
        jwt: Option<&Secret>,
        settings: pull::Settings,
        timeouts: Timeouts,
    ) -> Result<Self, RemoteError> {
        let http = HttpClient::new(base_url, timeouts)?;
        let budget = settings
            .budget
            .unwrap_or_else(|| transport::polite_limit(None));
        Ok(Self {
            transport: Transport::new(http, jwt, budget)?,
            settings,
            known: None,
            idle: false,
            last_round_end: None,
            last_focus: None,
            read_state: None,
        })
    }

    /// The limits the requests are counted against.
    pub fn limits(&self) -> &crate::model::Limits {
        self.transport.budget().limits()
    }

    /// Signs in: the JWT, and what the instance is. `totp` is the two-factor code, for
    /// accounts that have it (the server says so: `totp_required`).
    pub async fn login(
        &mut self,
        user: &str,
        password: &str,
        totp: Option<&str>,
    ) -> Result<(Secret, ServerInfo), RemoteError> {
        let info = self.detect_version().await?;
        let body = info.api.login_body(user, password, totp);
        let answer: wire::LoginResponse = self
            .transport
            .post(info.api.login_path(), &body, As::Anonymous, "the login")
            .await?;
        match answer.jwt.filter(|j| !j.trim().is_empty()) {
            Some(jwt) => Ok((Secret::new(jwt), info)),
            None => Err(RemoteError::Status {
                status: 403,
                code: Some("approval_pending".to_owned()),
                message: if answer.verify_email_sent {
                    "the instance sent an email to verify first".to_owned()
                } else {
                    "the instance gave no token: the account may wait for approval".to_owned()
                },
                retry_after: None,
            }),
        }
    }

    /// Which API the instance speaks (asking it), and its version.
    pub async fn detect_version(&mut self) -> Result<ServerInfo, RemoteError> {
        let (api, site) = detect(&mut self.transport, None, As::Account).await?;
        Ok(ServerInfo {
            api,
            version: site.version,
        })
    }

    /// Whether new accounts wait for the admins' approval, per the instance's settings.
    pub async fn requires_application(&mut self) -> Result<bool, RemoteError> {
        let (_, site) = detect(&mut self.transport, None, As::Anonymous).await?;
        Ok(version::requires_application(
            site.site_view.local_site.registration_mode.as_deref(),
        ))
    }

    fn writer(&mut self) -> submit::Writer<'_> {
        submit::Writer {
            transport: &mut self.transport,
            known: self.known.as_ref(),
        }
    }

    /// Relative links in bodies point into the instance.
    fn anchor(&self, post: &mut Post) {
        post.body.base_url = Some(self.transport.base_url().to_string());
    }

    /// While idle, rounds keep their distance — unless the user opened another thread,
    /// which is then read at once.
    async fn keep_distance(&self, cursor: Option<&Cursor>, focus: Option<&ThreadId>) {
        let between_rounds = cursor
            .and_then(PullCursor::read)
            .is_some_and(|c| c.round.is_none());
        let same_focus = focus.is_none() || focus == self.last_focus.as_ref();
        if let (true, true, true, Some(end)) =
            (self.idle, between_rounds, same_focus, self.last_round_end)
        {
            let wait = IDLE_ROUND_GAP.saturating_sub(end.elapsed());
            if !wait.is_zero() {
                tokio::time::sleep(wait).await;
            }
        }
    }
}

/// `GET /site` on the API the server speaks: `known` (the one that worked before) first,
/// then the newest: Lemmy 1.0 answers `/api/v4` (and `/api/v3`), 0.19 only `/api/v3`,
/// with a 404 for the other.
async fn detect(
    transport: &mut Transport,
    known: Option<ApiVersion>,
    who: As,
) -> Result<(ApiVersion, wire::SiteResponse), RemoteError> {
    let mut probes: Vec<ApiVersion> = known.into_iter().collect();
    probes.extend(
        ApiVersion::NEWEST_FIRST
            .iter()
            .filter(|v| Some(**v) != known),
    );
    for api in probes {
        match transport
            .get_at::<wire::SiteResponse>(api, "/site", &[], who, "the site")
            .await
        {
            Ok(site) => {
                transport.set_version(api);
                return Ok((api, site));
            }
            Err(RemoteError::Status { status: 404, .. }) => {}
            Err(e) => return Err(e),
        }
    }
    Err(RemoteError::Protocol(
        "no Lemmy API here (neither /api/v4/site nor /api/v3/site was found); check the \
         account's URL"
            .to_owned(),
    ))
}

/// What the last pull learnt about the instance, from a stored cursor.
pub fn server_info(cursor: &Cursor) -> Option<ServerInfo> {
    let cursor = PullCursor::read(cursor)?;
    Some(ServerInfo {
        api: cursor.api?,
        version: cursor.server_version.unwrap_or_default(),
    })
}

/// A cursor that only says what the instance is (after a login, before any pull), or
/// `existing` with that said.
pub fn remember_server(existing: Option<&Cursor>, info: &ServerInfo) -> Cursor {
    let mut cursor = existing
        .and_then(PullCursor::read)
        .unwrap_or_else(PullCursor::fresh);
    cursor.api = Some(info.api);
    cursor.server_version = Some(info.version.clone()).filter(|v| !v.is_empty());
    cursor.to_value()
}

impl Backend for LemmyBackend {
    const CAPABILITIES: crate::model::Capabilities =
        crate::model::Capabilities::none("a Lemmy instance");

    fn state(&self) -> &ServerState {
        self.transport.state()
    }

    /// Lemmy has no read-only mode: the status is whether it answers, and which API.
    async fn refresh_status(&mut self) -> Result<(), RemoteError> {
        if self.transport.version().is_some() {
            return Ok(());
        }
        self.detect_version().await.map(|_| ())
    }

    fn set_long_poll(&mut self, wait: Option<Duration>) {
        self.idle = wait.is_some();
    }

    /// Lemmy keeps per post whether the account read it and its comments.
    fn sends_read_marks(&self) -> bool {
        self.settings.read_sync && self.transport.logged_in()
    }

    /// Replies, mentions and private messages are marked read on the instance (API v3,
    /// with a login and `read_sync` on).
    fn syncs_inbox(&self) -> bool {
        self.settings.read_sync
            && self.transport.logged_in()
            && self.transport.version() == Some(ApiVersion::V3)
    }

    async fn send_inbox_read(&mut self, _key: &str, ids: &[String]) -> Result<(), RemoteError> {
        // Boxed: a rare call need not weigh on the engine's futures.
        if self.transport.version().is_none() {
            Box::pin(self.detect_version()).await?;
        }
        Box::pin(inbox::mark_read(&mut self.transport, ids)).await
    }

    fn set_read_state(&mut self, read: &ReadState) {
        if self.sends_read_marks() {
            self.read_state = Some(read.clone());
        }
    }

    async fn pull(
        &mut self,
        cursor: Option<&Cursor>,
        focus: Option<&ThreadId>,
    ) -> Result<PullBatch, RemoteError> {
        self.keep_distance(cursor, focus).await;
        // Boxed: a pull's state (the cursor, the batch) is large, and the engine's futures
        // need not carry it.
        let pulling = pull::Pull::new(&mut self.transport, self.settings, cursor)
            .with_read_state(self.read_state.as_ref())
            .run(focus);
        let (mut batch, cursor) = Box::pin(pulling).await?;
        if batch.complete {
            self.last_round_end = Some(Instant::now());
            self.last_focus = focus.cloned();
        }
        self.known = Some(cursor);
        for post in &mut batch.posts {
            self.anchor(post);
        }
        Ok(clean::batch(batch))
    }

    async fn submit(&mut self, entry: &OutboxEntry) -> Result<Submitted, RemoteError> {
        let mut submitted = self.writer().submit(entry).await?;
        if let Submitted::Posted { post, thread } = &mut submitted {
            self.anchor(post);
            **post = clean::post((**post).clone());
            if let Some(thread) = thread {
                **thread = clean::summary((**thread).clone());
            }
        }
        Ok(submitted)
    }

    async fn find_submitted(&mut self, entry: &OutboxEntry) -> Result<Option<Post>, RemoteError> {
        if !self.transport.logged_in() {
            return Ok(None);
        }
        let found = self.writer().find_submitted(entry).await?;
        Ok(found.map(|mut post| {
            self.anchor(&mut post);
            clean::post(post)
        }))
    }
}
