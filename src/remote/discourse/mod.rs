//! The Discourse backend: reads categories, topics and posts from a Discourse forum and
//! posts replies, behind the same [`Backend`] interface as threadmark's own API.
//!
//! Mapping: top-level category → section, subcategory → area (a parent holding topics of
//! its own gets an area too; deeper levels fold into area titles, "Child › Grandchild"),
//! topic → thread, post → post. Ids are Discourse's numeric ids as strings.
//!
//! Posts: `seq` is fixed the first time a post id is seen in `post_stream.stream` and
//! never changes; posts that leave the stream (deleted, hidden) and posts marked deleted
//! or hidden stay as tombstones (`deleted: true`, empty body). Whispers, which Discourse
//! only sends to those allowed to see them, are kept with "whisper" in the author's badge.
//! Small actions ("closed the topic") keep their place, the action as text.
//!
//! Edits are noticed by `version` on every post the pull receives: a topic's first page
//! comes with each read of the topic, and the focused topic also re-checks its newest 20
//! posts each round. Only changed posts are delivered.
//!
//! A topic the server fails on (an error of its own, a malformed answer) is skipped and
//! read first in the next round, so one bad topic never blocks the rest of the forum.
//!
//! Requests are spread to respect the key's budget (see [`RequestBudget`]); a
//! `Discourse-Rate-Limit-Error-Code` answer pauses every request to the site until the
//! server's wait is over, failing fast with `rate_limited` meanwhile.

mod answer;
pub mod auth;
mod budget;
mod cursor;
mod posts;
mod pull;
mod submit;
mod transport;
mod tree;
mod wire;

pub use answer::{RATE_LIMIT_CODE_HEADER, READONLY_HEADER};
pub use budget::RequestBudget;
pub use cursor::SCHEMA as CURSOR_SCHEMA;
pub use transport::{READ_ONLY_BANNER_ID, READ_ONLY_TEXT};
pub use tree::TITLE_SEPARATOR;

use crate::model::{OutboxEntry, Post, ThreadId};
use crate::remote::{
    Backend, Cursor, HttpClient, PullBatch, RemoteError, ServerState, Submitted, Timeouts, clean,
};
use crate::store::Credential;
use budget::Window;
use cursor::PullCursor;
use posts::Mapping;
use transport::{As, Transport};

/// How the backend talks to one forum.
#[derive(Clone, Copy, Debug, Default)]
pub struct DiscourseSettings {
    /// Requests allowed per window; `None`: Discourse's default for the key kind
    /// ([`RequestBudget::USER_API_KEY`], [`RequestBudget::ADMIN_API_KEY`],
    /// [`RequestBudget::ANONYMOUS`]).
    pub budget: Option<RequestBudget>,
    pub timeouts: Timeouts,
    /// Ask for `raw` markdown and use it instead of `cooked` HTML where the server sends it.
    pub include_raw: bool,
}

/// A Discourse forum, read anonymously or with a User API key or an admin API key.
#[derive(Debug)]
pub struct DiscourseBackend {
    transport: Transport,
    mapping: Mapping,
    /// The last cursor a pull produced: post numbers and `seq`s for replies.
    known: Option<PullCursor>,
    /// Who we post as, once known (admin keys name it; user keys ask the server).
    username: Option<String>,
    anonymous: bool,
}

impl DiscourseBackend {
    /// A backend for the forum at `base_url` (https, or http on loopback). `credential`
    /// must be a Discourse kind; `None` reads anonymously (public forums only).
    pub fn new(
        base_url: &str,
        credential: Option<Credential>,
        settings: DiscourseSettings,
    ) -> Result<Self, RemoteError> {
        let http = HttpClient::new(base_url, settings.timeouts)?;
        let auth = transport::auth_headers(credential.as_ref())?;
        let anonymous = credential.is_none();
        let (default_budget, username) = match credential {
            Some(Credential::DiscourseUserApiKey { .. }) => (RequestBudget::USER_API_KEY, None),
            Some(Credential::DiscourseApiKey { username, .. }) => {
                (RequestBudget::ADMIN_API_KEY, Some(username))
            }
            Some(Credential::Bearer { .. }) | None => (RequestBudget::ANONYMOUS, None),
        };
        let budget = settings.budget.unwrap_or(default_budget);
        Ok(Self {
            transport: Transport::new(http, auth, Window::new(budget)),
            mapping: Mapping {
                prefer_raw: settings.include_raw,
            },
            known: None,
            username,
            anonymous,
        })
    }

    /// Cooked HTML links to `/t/…`, `/u/…` and `//cdn/…`: they are read against the site.
    fn anchor(&self, post: &mut Post) {
        post.body.base_url = Some(self.transport.base_url().to_string());
    }

    /// The budget in force.
    pub fn budget(&mut self) -> RequestBudget {
        self.transport.window().budget()
    }

    /// The user the credential logs in as (`/session/current.json`): proof that a fresh
    /// key works. `None` when reading anonymously or the server does not know the key.
    pub async fn current_username(&mut self) -> Result<Option<String>, RemoteError> {
        if self.anonymous {
            return Ok(None);
        }
        let name = submit::current_username(&mut self.transport).await?;
        if name.is_some() {
            self.username.clone_from(&name);
        }
        Ok(name)
    }

    fn writer(&mut self) -> submit::Writer<'_> {
        submit::Writer {
            transport: &mut self.transport,
            known: self.known.as_ref(),
            mapping: self.mapping,
        }
    }
}

impl Backend for DiscourseBackend {
    fn state(&self) -> &ServerState {
        self.transport.state()
    }

    /// `/site/basic-info.json` without credentials: its headers say whether the forum is
    /// read-only.
    async fn refresh_status(&mut self) -> Result<(), RemoteError> {
        self.transport
            .get::<wire::BasicInfo>(
                "/site/basic-info.json",
                &[],
                As::Anonymous,
                "the site's status",
            )
            .await
            .map(|_| ())
    }

    async fn pull(
        &mut self,
        cursor: Option<&Cursor>,
        focus: Option<&ThreadId>,
    ) -> Result<PullBatch, RemoteError> {
        let (mut batch, cursor) = pull::Pull::new(&mut self.transport, self.mapping, cursor)
            .run(focus)
            .await?;
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
        if self.anonymous {
            return Ok(None);
        }
        let username = match self.username.clone() {
            Some(name) => name,
            None => match self.current_username().await? {
                Some(name) => name,
                None => return Ok(None),
            },
        };
        self.writer().find_submitted(entry, &username).await
    }
}
