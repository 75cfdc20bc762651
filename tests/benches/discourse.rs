//! Discourse on a User API key's budget, against the Discourse stand-in on loopback
//! through the real engine: the requests a first sync of a forum of 3,000 topics in 20
//! categories (and a topic of 10,050 posts) costs, and the requests a quiet catch-up
//! round costs (the goal: at most 2). The key's windows are a hundred times shorter than
//! Discourse's (20 a minute becomes 20 in 0.6 s), so the counts are Discourse's own and
//! the waits are short; the stand-in refuses what goes over, as Discourse does.

use crate::samples::{Samples, ms, report};
use crate::support::discourse_forum::{Forum, base_time};
use crate::support::discourse_limits::SiteLimits;
use crate::support::discourse_standin::{StandIn, World};
use criterion::Criterion;
use std::time::{Duration, Instant};
use threadmark::model::{Limit, Limits};
use threadmark::remote::discourse::{DiscourseBackend, DiscourseSettings};
use threadmark::store::{Credential, DataDir, Secret};
use threadmark::sync::Engine;

const SCALE: f64 = 0.01;
const KEY: &str = "b3c4d5e6f708192a3b4c5d6e7f809102";

pub fn bench(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let data = tempfile::tempdir().unwrap();
    let server = runtime.block_on(standin());
    let mut engine = engine(&server, data.path());

    let started = Instant::now();
    let cycle = runtime.block_on(engine.sync_once(&mut |_| {})).unwrap();
    let took = started.elapsed();
    assert_eq!(cycle.resumes_at, None, "the first sync finished");
    let first = server.requests();
    let listings = first.iter().filter(|r| r.path == "/latest.json").count();
    let topics = first.iter().filter(|r| r.path.starts_with("/t/")).count();
    let refused = server.world().limits.refused.len();
    report(
        "Discourse first sync, 3,000 topics in 20 categories and a 10,050-post topic, user key, watching 2 categories",
        &format!(
            "{} requests ({listings} listing pages, {topics} topic reads), {refused} refused by the forum, {:.1} s at 1/100 of the windows",
            first.len(),
            took.as_secs_f64()
        ),
        "about 100 listing requests, none refused",
        refused == 0 && listings <= 110,
    );

    server.clear_requests();
    let mut rounds = 0_u32;
    let mut samples = Samples::default();
    let mut group = c.benchmark_group("discourse");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(10));
    group.bench_function("quiet_catch_up_round", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let started = Instant::now();
                runtime.block_on(engine.sync_once(&mut |_| {})).unwrap();
                let took = started.elapsed();
                rounds += 1;
                samples.push(took);
                total += took;
            }
            total
        });
    });
    group.finish();
    let quiet = server.requests();
    let per_round = f64::from(u32::try_from(quiet.len()).unwrap()) / f64::from(rounds.max(1));
    let reads_categories = quiet
        .iter()
        .any(|r| r.path == "/site.json" || r.path.contains("categor"));
    report(
        "Discourse quiet catch-up round (nothing changed on the forum)",
        &format!(
            "{per_round:.2} requests a round over {rounds} rounds{}, median {}",
            if reads_categories {
                ", categories read again"
            } else {
                ""
            },
            ms(samples.percentile(50))
        ),
        "≤ 2 requests",
        per_round <= 2.0 && !reads_categories,
    );
}

/// The forum of the first-sync test: 3,000 topics, 20 categories (two of them watched
/// and tracked), a mega topic in a watched one; Discourse's limits, scaled.
async fn standin() -> StandIn {
    let mut forum = Forum::sized(3_000, 20);
    let start = base_time() - jiff::SignedDuration::from_mins(10_049 + 30);
    forum.add_topic(90_000, 100, "A mega topic", start, 10_049);
    let mut world = World::new(forum);
    world.user_api_keys.insert(KEY.to_owned(), "bob".to_owned());
    world.limits = SiteLimits::discourse_defaults(SCALE);
    world.category_levels.insert(100, 3);
    world.category_levels.insert(101, 2);
    StandIn::start(world).await
}

fn engine(server: &StandIn, data: &std::path::Path) -> Engine<DiscourseBackend> {
    let settings = DiscourseSettings {
        limits: Some(Limits::new([
            Limit::new(20, Duration::from_secs(60).mul_f64(SCALE)),
            Limit::new(2_880, Duration::from_secs(86_400).mul_f64(SCALE)),
        ])),
        ..DiscourseSettings::default()
    };
    let credential = Credential::DiscourseUserApiKey {
        key: Secret::new(KEY),
        client_id: "threadmark-bench".to_owned(),
    };
    let backend = DiscourseBackend::new(&server.url, Some(credential), settings).unwrap();
    Engine::new(backend, DataDir::new(data).account("forum")).unwrap()
}
