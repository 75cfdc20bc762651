//! Picks the account a command runs on, prepares its local folder (the demo on first run)
//! and builds its sync engine.

use crate::config::{AccountConfig, Config, ConfigError};
use crate::model::Forum;
use crate::remote::{AnyBackend, ConnectError, connect, sync_limits};
use crate::store::{
    AccountDir, Cache, Credential, DEMO_ACCOUNT, DataDir, SecretError, Secrets, StoreError,
    ensure_demo,
};
use crate::sync::{Engine, Relogin};
use std::path::{Path, PathBuf};

/// The sync engine of an account, whatever its backend.
pub type AccountEngine = Engine<AnyBackend>;

/// The account a command works on.
#[derive(Clone, Debug)]
pub struct Account {
    /// The account's name ("demo" for the bundled forum).
    pub name: String,
    /// `None` for the demo, whose server (`demo_server`) is started by whoever syncs it.
    pub remote: Option<AccountConfig>,
    pub dir: AccountDir,
    data: DataDir,
}

impl Account {
    pub fn is_demo(&self) -> bool {
        self.remote.is_none()
    }

    /// The forum tree from the cache (empty before a first sync). The demo's tree is
    /// imported again when it is missing or was unreadable (and quarantined).
    pub fn load_forum(&self, cache: &mut Cache) -> Result<Forum, SetupError> {
        if let Some(forum) = cache.load_forum()? {
            return Ok(forum);
        }
        if self.is_demo() && ensure_demo(&self.data)? {
            return Ok(cache.load_forum()?.unwrap_or_default());
        }
        Ok(Forum::default())
    }

    /// A credential is stored for the account (whether the server still takes it is its
    /// own business).
    pub fn has_credential(&self) -> bool {
        Secrets::open(&self.data)
            .load(&self.name)
            .is_ok_and(|c| c.is_some())
    }

    /// What the account's server kind can do beyond reading and replying (the demo's own
    /// server is threadmark's).
    pub fn capabilities(&self) -> crate::model::Capabilities {
        self.remote
            .as_ref()
            .map_or_else(crate::model::Capabilities::default, |r| {
                crate::remote::capabilities(r.kind)
            })
    }

    /// Who the account signed in as at its last login, when known.
    pub fn me(&self) -> Option<crate::model::Me> {
        crate::store::load_me(&self.dir)
    }

    /// Whether what the user marks read is queued for the server: an API v1 account
    /// with a login and `read_sync` not turned off.
    pub fn queues_read_marks(&self) -> bool {
        self.remote.as_ref().is_some_and(|r| {
            r.kind == crate::config::AccountKind::Native && r.read_sync != Some(false)
        }) && self.has_credential()
    }

    /// Whether watch level and bookmark changes are queued for the server: a server kind
    /// that keeps them (`Capabilities::places`: API v1, and Discourse as its own
    /// `notification_level` and bookmarks), a login, and `read_sync` not turned off.
    pub fn queues_place_marks(&self) -> bool {
        self.remote
            .as_ref()
            .is_some_and(|r| r.read_sync != Some(false))
            && self.capabilities().places
            && self.has_credential()
    }

    /// Whether inbox items marked read are queued for the server: the same servers, login
    /// and switch as watch levels and bookmarks (API v1 `PUT /notifications/read`,
    /// Discourse `PUT /notifications/mark-read`), and Lemmy (its replies, mentions and
    /// private messages each marked read).
    pub fn queues_inbox_marks(&self) -> bool {
        let lemmy = self.remote.as_ref().is_some_and(|r| {
            r.kind == crate::config::AccountKind::Lemmy && r.read_sync != Some(false)
        }) && self.has_credential();
        lemmy || self.queues_place_marks()
    }

    /// The account's sync engine: its stored credential, the backend for its server, its
    /// cache. `None` for the demo, which has no server. The one way an engine is built,
    /// for `threadmark sync` and for the reader alike.
    pub fn sync_engine(&self) -> Result<Option<Engine<AnyBackend>>, EngineError> {
        let Some(remote) = &self.remote else {
            return Ok(None);
        };
        let credential = Secrets::open(&self.data).load(&self.name)?;
        self.engine_for(remote, credential).map(Some)
    }

    /// Fetching ahead the pictures of the posts a sync brings, as `ui` says (`images`,
    /// `image_cache_mb`, `image_origins`; a Discourse forum's upload CDN too): none when
    /// pictures are off or the account has no server.
    pub fn picture_prefetch(
        &self,
        ui: &crate::config::UiConfig,
    ) -> Option<crate::sync::picture_prefetch::PicturePrefetch> {
        let remote = self.remote.as_ref().filter(|_| ui.images)?;
        let budget = u64::from(ui.image_cache_mb) * 1024 * 1024;
        let cache = crate::store::ImageCache::new(self.data.images_dir(), budget);
        let mut fetch =
            crate::sync::pictures::PictureFetch::new(Some(&remote.url), &ui.image_origins);
        if remote.kind == crate::config::AccountKind::Discourse {
            fetch = fetch.discourse(&remote.url);
        }
        Some(crate::sync::picture_prefetch::PicturePrefetch::new(
            cache, fetch,
        ))
    }

    /// For a running engine: builds the backend again when the stored credential has
    /// changed since the last look (a new `threadmark login` while the reader is open).
    pub fn relogin(&self) -> Relogin<AnyBackend> {
        let account = self.clone();
        let mut last = Secrets::open(&self.data).load(&self.name).ok().flatten();
        Box::new(move || {
            let stored = Secrets::open(&account.data)
                .load(&account.name)
                .ok()
                .flatten();
            if stored == last {
                return None;
            }
            last.clone_from(&stored);
            let remote = account.remote.as_ref()?;
            connect(remote, stored)
                .map_err(|e| tracing::warn!("the new login cannot be used: {e}"))
                .ok()
        })
    }

    /// This account's sync engine against `remote` with `credential` (the demo forum's
    /// own server, whose token lives in memory).
    pub fn engine_for(
        &self,
        remote: &AccountConfig,
        credential: Option<Credential>,
    ) -> Result<Engine<AnyBackend>, EngineError> {
        let backend = connect(remote, credential)?;
        Ok(Engine::new(backend, self.dir.clone())?.with_limits(sync_limits(remote)))
    }
}

/// Why an account's sync engine could not be built.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error(transparent)]
    Secret(#[from] SecretError),
    #[error(transparent)]
    Connect(#[from] ConnectError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Where config and data live and what was loaded from them.
#[derive(Debug)]
pub struct Setup {
    pub config: Config,
    pub config_path: PathBuf,
    pub data: DataDir,
}

#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{0}")]
    Account(String),
}

impl Setup {
    /// Loads the config from `config` (or the platform default) and resolves the data dir.
    pub fn load(config: Option<&Path>, data_dir: Option<&Path>) -> Result<Self, SetupError> {
        let config_path = match config {
            Some(path) => path.to_owned(),
            None => Config::default_path()?,
        };
        Ok(Self {
            config: Config::load(&config_path)?,
            config_path,
            data: DataDir::resolve(data_dir)?,
        })
    }

    /// The account named `requested` (or the default one), its folder ready to read:
    /// the demo forum is imported the first time it is used.
    pub fn account(&self, requested: Option<&str>) -> Result<Account, SetupError> {
        let remote = self
            .config
            .account(requested)
            .map_err(SetupError::Account)?
            .cloned();
        let name = remote
            .as_ref()
            .map_or_else(|| DEMO_ACCOUNT.to_owned(), |a| a.name.clone());
        if remote.is_none() {
            ensure_demo(&self.data)?;
        }
        Ok(Account {
            dir: self.data.account(&name),
            name,
            remote,
            data: self.data.clone(),
        })
    }
}
