//! Sync ingest: a fresh client pulls the whole 100k-post forum from the reference server on
//! loopback through the real engine (snapshot, then the changes feed) into an empty cache.

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

pub fn bench(c: &mut Criterion) {
    let spec = Spec::posts(POSTS);
    let store = fixtures::server_store(&generate(spec), spec);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let server = runtime.block_on(start(ServerConfig::new(&store))).unwrap();
    let url = format!("http://{}", server.addr);

    let mut group = c.benchmark_group("sync_ingest");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(30));
    let mut samples = Samples::default();
    // Each run's cache is kept until the end: deleting 15,000 files just before the next
    // run would make the file system's inode allocation, not the sync, the thing measured.
    let mut clients = Vec::new();
    group.bench_function("100k_posts_from_loopback", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let client = tempfile::tempdir_in(fixtures::root()).unwrap();
                let dir = DataDir::new(client.path()).account("bench");
                let http = HttpClient::new(&url, Timeouts::default()).unwrap();
                let mut engine = Engine::new(NativeBackend::new(http, None), dir).unwrap();
                let started = Instant::now();
                let report = runtime.block_on(engine.pull(&mut |_| {})).unwrap();
                let took = started.elapsed();
                assert_eq!(report.new_posts, POSTS, "every post arrives");
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
    let rate = f64::from(u32::try_from(POSTS).unwrap()) / median.as_secs_f64();
    report(
        "sync ingest from a loopback server (median run)",
        &format!("{rate:.0} posts/s ({:.2} s for 100k)", median.as_secs_f64()),
        "≥ 20,000 posts/s",
        rate >= 20_000.0,
    );
    drop(server);
}
