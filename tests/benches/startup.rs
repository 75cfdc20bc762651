//! Start → first full frame in process: config and account loaded, the cache opened as the
//! reader opens it, the first state built, the whole screen drawn into a 200×50 test
//! backend.

use crate::fixtures::{self, ACCOUNT, Fixture};
use crate::samples::{Samples, ms, report};
use criterion::Criterion;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use std::time::{Duration, Instant};
use threadmark::account::Setup;
use threadmark::runner::accounts;
use threadmark::ui::{self, Theme};

/// What the binary does before its first frame, minus entering the real terminal: the
/// account opened as the reader opens it (with a large thread index, the forum tree and
/// the areas' unread posts from the tree index; the threads come after the frame, off the
/// loop), its first state, the screen drawn.
pub fn first_frame(fixture: &Fixture) -> Terminal<TestBackend> {
    first_frame_at(&fixture.config, &fixture.data)
}

/// [`first_frame`] with the config file `config` on the data directory `data`.
pub fn first_frame_at(config: &std::path::Path, data: &std::path::Path) -> Terminal<TestBackend> {
    let setup = Setup::load(Some(config), Some(data)).unwrap();
    let account = setup.account(Some(ACCOUNT)).unwrap();
    let (open, _problems) = accounts::open(account).unwrap();
    let (theme, _) = Theme::load(&setup.config.theme, false);
    let reader = accounts::Reader {
        config: &setup.config,
        size: (200, 50),
        id_seed: 0,
    };
    let (state, _effects, _problem, _account) = accounts::first_state(open, &reader).unwrap();
    let mut terminal = Terminal::new(TestBackend::new(200, 50)).unwrap();
    terminal
        .draw(|frame| ui::draw(frame, &state, &theme))
        .unwrap();
    terminal
}

pub fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("start_to_first_frame");
    let mut medians = Vec::new();
    for posts in [1_000, 10_000, 100_000] {
        let fixture = fixtures::client_cache(posts);
        assert_eq!(fixture.forum.post_count(), posts);
        let screen = first_frame(&fixture);
        assert!(
            format!("{:?}", screen.backend().buffer()).contains("Synthetic Forum"),
            "the first frame shows the forum"
        );
        let mut samples = Samples::default();
        group.bench_function(format!("{posts}_posts"), |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let started = Instant::now();
                    std::hint::black_box(first_frame(&fixture));
                    let took = started.elapsed();
                    samples.push(took);
                    total += took;
                }
                total
            });
        });
        medians.push((posts, samples.percentile(50)));
    }
    group.finish();
    // Criterion's own filter (the command line's) may have left these out.
    if medians.iter().any(|(_, median)| median.is_zero()) {
        println!("start → first frame in process: not run (the filter names other benchmarks)");
        return;
    }
    let (_, small) = medians[0];
    let (_, large) = medians[2];
    for (posts, median) in &medians {
        println!("start → first frame, {posts} posts: median {}", ms(*median));
    }
    report(
        "start → first frame at 100k posts (median)",
        &ms(large),
        "< 100 ms",
        large < Duration::from_millis(100),
    );
    let ratio = large.as_secs_f64() / small.as_secs_f64();
    report(
        "start time 100k / 1k",
        &format!("{ratio:.2}×"),
        "≤ 1.5×",
        ratio <= 1.5,
    );
}
