//! Sync ingest: a fresh client syncs a generated forum from the reference server on
//! loopback through the real engine (status, snapshot, then the changes feed) into an
//! empty cache:
//! criterion over 100k posts (`ingest`), and one pull at each size of `scale`.

use crate::fixtures;
use crate::generator::{Spec, generate};
use crate::samples::{Samples, report};
use criterion::Criterion;
use std::time::{Duration, Instant};
use threadmark::remote::NativeBackend;
use threadmark::remote::http::{HttpClient, Timeouts};
use threadmark::server::{ServerConfig, start};
use threadmark::store::DataDir;
use threadmark::sync::Engine;

const POSTS: usize = 100_000;

/// The ingest budget, posts per second.
const BUDGET: f64 = 60_000.0;

/// A reference server on loopback serving the generated forum of `posts` posts.
pub struct Served {
    pub runtime: tokio::runtime::Runtime,
    server: Option<threadmark::server::RunningServer>,
    pub url: String,
}

impl Served {
    pub fn start(posts: usize) -> Self {
        let spec = Spec::posts(posts);
        let store = fixtures::server_store(&generate(spec), spec);
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let server = runtime.block_on(start(ServerConfig::new(&store))).unwrap();
        let url = format!("http://{}", server.addr);
        Self {
            runtime,
            server: Some(server),
            url,
        }
    }

    /// One full pull into a fresh cache under `target/bench-fixtures/`; the time it took
    /// and the folder (kept: deleting its files at once would make the file system, not
    /// the sync, what the next run measures).
    pub fn pull(&self, posts: usize) -> (Duration, tempfile::TempDir) {
        let client = tempfile::tempdir_in(fixtures::root()).unwrap();
        let dir = DataDir::new(client.path()).account(fixtures::ACCOUNT);
        let http = HttpClient::new(&self.url, Timeouts::default()).unwrap();
        let mut engine = Engine::new(NativeBackend::new(http, None), dir).unwrap();
        let started = Instant::now();
        // As `threadmark sync` does it: the server's status first (which says what it
        // can do, such as answering for several threads at once), then the pull.
        let cycle = self
            .runtime
            .block_on(engine.sync_once(&mut |_| {}))
            .unwrap();
        let took = started.elapsed();
        assert_eq!(cycle.pulled.new_posts, posts, "every post arrives");
        (took, client)
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        if let Some(server) = self.server.take() {
            let _ = self.runtime.block_on(server.shutdown());
        }
    }
}

fn rate(posts: usize, took: Duration) -> f64 {
    f64::from(u32::try_from(posts).unwrap()) / took.as_secs_f64()
}

pub fn bench(c: &mut Criterion) {
    let served = Served::start(POSTS);
    let mut group = c.benchmark_group("sync_ingest");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(30));
    let mut samples = Samples::default();
    let mut clients = Vec::new();
    group.bench_function("100k_posts_from_loopback", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let (took, client) = served.pull(POSTS);
                samples.push(took);
                total += took;
                clients.push(client);
            }
            total
        });
    });
    group.finish();
    drop(clients);
    let median = samples.percentile(50);
    let rate = rate(POSTS, median);
    report(
        "sync ingest from a loopback server, 100000 posts (median run)",
        &format!("{rate:.0} posts/s ({:.2} s)", median.as_secs_f64()),
        "≥ 60,000 posts/s",
        rate >= BUDGET,
    );
}

/// One pull of the whole forum of `posts` posts (at a million, one run takes a minute and
/// the cache it writes a few GiB, deleted after); the synced cache's account folder is
/// handed to `after` before it goes.
pub fn once(posts: usize, after: impl FnOnce(&std::path::Path)) {
    let served = Served::start(posts);
    // A first pull at the small sizes warms the server's page cache as the criterion runs do.
    let runs = if posts <= 100_000 { 3 } else { 1 };
    let mut samples = Samples::default();
    let mut last = None;
    for _ in 0..runs {
        let (took, client) = served.pull(posts);
        samples.push(took);
        last = Some(client);
    }
    let median = samples.percentile(50);
    let rate = rate(posts, median);
    report(
        &format!("sync ingest from a loopback server, {posts} posts (median of {runs})"),
        &format!("{rate:.0} posts/s ({:.2} s)", median.as_secs_f64()),
        "≥ 60,000 posts/s",
        rate >= BUDGET,
    );
    if let Some(client) = last {
        after(&client.path().join("accounts").join(fixtures::ACCOUNT));
    }
}
