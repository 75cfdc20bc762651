//! Generated forums for the benchmarks, written once and kept under `target/` by seed,
//! size and fixture version, so a second run does not write 100,000 posts again.

use crate::generator::{Generated, Spec, generate};
use std::fs;
use std::path::{Path, PathBuf};
use threadmark::store::{AccountDir, DataDir};

/// Bump when the generator or the cache layout changes: old fixtures are then ignored.
const FIXTURE_VERSION: u32 = 5;

/// The account every fixture's cache belongs to.
pub const ACCOUNT: &str = "bench";

/// A generated forum and where its cache is.
pub struct Fixture {
    pub forum: Generated,
    /// The data directory (`--data-dir`).
    pub data: PathBuf,
    /// A config.toml naming [`ACCOUNT`], pointing at a port nothing listens on: the
    /// reader starts offline, as it does on a train.
    pub config: PathBuf,
}

impl Fixture {
    pub fn account_dir(&self) -> AccountDir {
        DataDir::new(&self.data).account(ACCOUNT)
    }
}

/// Where fixtures are kept: `target/bench-fixtures`.
pub fn root() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("target"),
        PathBuf::from,
    );
    target.join("bench-fixtures")
}

/// Where a fixture's cache is, without its generated forum in memory.
pub struct Place {
    pub data: PathBuf,
    pub config: PathBuf,
}

/// The place of the cache of a forum with `posts` posts, written on first use; the
/// forum generated for it is not kept. A benchmark that starts the reader from a process
/// holding a million generated posts measures that process's `fork` (copying the page
/// tables of gigabytes) as much as the reader's start.
pub fn client_place(posts: usize) -> Place {
    let dir = client_dir(Spec::posts(posts));
    if dir.join("ready").exists() {
        return Place {
            data: dir.join("data"),
            config: dir.join("config.toml"),
        };
    }
    let Fixture { data, config, .. } = client_cache(posts);
    Place { data, config }
}

/// Where the cache of the forum of `spec` is kept.
fn client_dir(spec: Spec) -> PathBuf {
    root().join(format!(
        "client-v{FIXTURE_VERSION}-seed{}-posts{}-threads{}",
        spec.seed, spec.posts, spec.threads
    ))
}

/// The cache of a forum with `posts` posts, written on first use.
pub fn client_cache(posts: usize) -> Fixture {
    let spec = Spec::posts(posts);
    let forum = generate(spec);
    let dir = client_dir(spec);
    let data = dir.join("data");
    let config = dir.join("config.toml");
    let ready = dir.join("ready");
    if !ready.exists() {
        let _ = fs::remove_dir_all(&dir);
        forum
            .write_cache(&DataDir::new(&data).account(ACCOUNT))
            .expect("the fixture cache is written");
        fs::write(
            &config,
            format!("[[accounts]]\nname = \"{ACCOUNT}\"\nurl = \"http://127.0.0.1:9\"\n"),
        )
        .expect("config.toml is written");
        fs::write(&ready, b"").expect("the fixture is marked ready");
    }
    Fixture {
        forum,
        data,
        config,
    }
}

/// A reference server's store holding `forum` (imported on first use).
pub fn server_store(forum: &Generated, spec: Spec) -> PathBuf {
    let dir = root().join(format!(
        "server-v{FIXTURE_VERSION}-seed{}-posts{}-threads{}",
        spec.seed, spec.posts, spec.threads
    ));
    let ready = dir.join("ready");
    if !ready.exists() {
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).expect("the server fixture folder is made");
        forum.load_server(&dir.join("store"));
        fs::write(&ready, b"").expect("the fixture is marked ready");
    }
    dir.join("store")
}
