//! A saved-search folder's count over 100k posts: what the reader's background count and
//! `threadmark tree` do for one folder, from nothing (the read state, the tree and the
//! query's candidates read, each candidate checked against its thread file).

use crate::fixtures::{self, ACCOUNT};
use crate::samples::{Samples, ms, report};
use criterion::Criterion;
use std::time::{Duration, Instant};
use threadmark::model::{Query, RuleSet};
use threadmark::runner::query::{Facts, folder};
use threadmark::store::Cache;

pub fn bench(c: &mut Criterion) {
    let fixture = fixtures::client_cache(100_000);
    let dir = fixture.account_dir();
    let area = fixture.forum.threads[0].0.area.clone();
    let rules = RuleSet::default();
    let count = |text: &str| {
        let query = Query::parse(text).unwrap();
        let mut cache = Cache::open(dir.clone());
        let facts = Facts::load_for_counts(&mut cache, &dir, ACCOUNT, &[&query]).unwrap();
        let threads = folder(&mut cache, &facts, &rules, &query).unwrap();
        threads.iter().map(|t| t.unread).sum::<u32>()
    };
    let mut worst = Duration::ZERO;
    for (name, query) in [
        // The example, in the generated forum's words and names.
        (
            "issue_example",
            format!("budget author:\"Ravi Shah\" area:{area} unread"),
        ),
        (
            "rare_phrase",
            format!("\"{}\"", crate::generator::PLANTED_PHRASE),
        ),
    ] {
        assert!(count(&query) > 0, "{query} finds unread posts");
        let mut samples = Samples::default();
        // Named under `folders` so that `cargo bench --bench budgets -- folders` both selects
        // this module and lets criterion run it (its filter matches benchmark names).
        c.bench_function(&format!("folders/count_100k/{name}"), |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let started = Instant::now();
                    std::hint::black_box(count(&query));
                    let took = started.elapsed();
                    samples.push(took);
                    total += took;
                }
                total
            });
        });
        assert!(
            samples.len() > 0,
            "criterion ran no iteration of folders/count_100k/{name}: check the filter"
        );
        let median = samples.percentile(50);
        println!("folder {query:?} over 100k posts: median {}", ms(median));
        worst = worst.max(median);
    }
    report(
        "a saved-search folder's count, 100k posts (slowest query, median)",
        &ms(worst),
        "< 50 ms",
        worst < Duration::from_millis(50),
    );
}
