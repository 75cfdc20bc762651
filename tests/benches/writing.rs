//! Local full-text search over 100k posts, wrap + render of a 1 MiB post, and one durable
//! outbox enqueue.

use crate::fixtures::{self, ACCOUNT};
use crate::generator::PLANTED_PHRASE;
use crate::samples::{Filter, Samples, ms, report};
use criterion::Criterion;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::text::Line;
use ratatui::widgets::Paragraph;
use std::time::{Duration, Instant};
use threadmark::model::{Body, OutboxEntry, Target, ThreadId};
use threadmark::render::Document;
use threadmark::store::{Cache, DataDir, Outbox};

pub fn bench(c: &mut Criterion, filter: &Filter) {
    if filter.wants("search") {
        search(c);
    }
    if filter.wants("render") {
        render(c);
    }
    if filter.wants("outbox") {
        outbox(c);
    }
}

/// What `threadmark search` does: open the cache and search (its index has the threads).
fn search(c: &mut Criterion) {
    let fixture = fixtures::client_cache(100_000);
    let dir = fixture.account_dir();
    let find = |query: &str| {
        let mut cache = Cache::open(dir.clone());
        let query = threadmark::model::Query::parse(query).unwrap();
        let cx = threadmark::store::QueryContext::bare(jiff::Timestamp::now());
        threadmark::store::search(&mut cache, &query, &cx, 50).unwrap()
    };
    let hits = find(PLANTED_PHRASE);
    assert_eq!(hits.len(), 1, "the planted phrase is found once");
    assert_eq!(hits[0].post.as_ref(), Some(&fixture.forum.planted.1));
    let mut worst = Duration::ZERO;
    for (name, query) in [
        ("rare_phrase", PLANTED_PHRASE),
        ("common_words", "strategy budget"),
        ("no_match", "xylophone"),
        ("short_cjk_word", "戦略"),
    ] {
        let mut samples = Samples::default();
        c.bench_function(&format!("search_100k/{name}"), |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let started = Instant::now();
                    std::hint::black_box(find(query));
                    let took = started.elapsed();
                    samples.push(took);
                    total += took;
                }
                total
            });
        });
        let median = samples.percentile(50);
        println!("search {query:?} over 100k posts: median {}", ms(median));
        worst = worst.max(median);
    }
    report(
        "local full-text search, 100k posts (slowest query, median)",
        &ms(worst),
        "< 100 ms",
        worst < Duration::from_millis(100),
    );
    let raw: u64 = fixture
        .forum
        .threads
        .iter()
        .flat_map(|(_, posts)| posts.iter().map(|p| p.body.text.len() as u64))
        .sum();
    let index = std::fs::metadata(dir.search_index()).map_or(0, |m| m.len());
    let all = tree_size(dir.root());
    #[allow(clippy::cast_precision_loss, reason = "a ratio to print")]
    let ratio = all as f64 / raw as f64;
    println!(
        "data dir of 100k posts: {} MiB ({} MiB of it the search index) for {} MiB of post text",
        all >> 20,
        index >> 20,
        raw >> 20
    );
    report(
        "data dir size / raw post text, 100k posts",
        &format!("{ratio:.2}×"),
        "≤ 1.6×",
        ratio <= 1.6,
    );
}

/// Bytes of every file under `path`.
fn tree_size(path: &std::path::Path) -> u64 {
    std::fs::read_dir(path).map_or(0, |entries| {
        entries
            .filter_map(Result::ok)
            .map(|e| match e.file_type() {
                Ok(t) if t.is_dir() => tree_size(&e.path()),
                _ => e.metadata().map_or(0, |m| m.len()),
            })
            .sum()
    })
}

/// A 1 MiB Markdown post: parsed, wrapped to the reader's width, its first screen drawn.
fn render(c: &mut Criterion) {
    let mut text = String::with_capacity(1 << 20);
    let mut n = 0_u32;
    while text.len() < (1 << 20) - 200 {
        n += 1;
        match n % 5 {
            0 => text.push_str("- a list item with **bold** text and `code`\n\n"),
            1 => text.push_str("> a quoted line of 討論 and مرحبا with an emoji 🎉\n\n"),
            _ => text.push_str(
                "A paragraph about the framework, its goals and the budget for next year. \
                 It runs on for a while so that it wraps over several lines at any width.\n\n",
            ),
        }
    }
    let body = Body::markdown(text);
    let mut terminal = Terminal::new(TestBackend::new(200, 50)).unwrap();
    let mut samples = Samples::default();
    c.bench_function("render_1mib_post/parse_wrap_draw", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let started = Instant::now();
                let doc = Document::from_body(&body);
                let lines = doc.wrap(195);
                let shown: Vec<Line> = lines
                    .iter()
                    .take(50)
                    .map(|l| Line::raw(l.plain()))
                    .collect();
                terminal
                    .draw(|f| f.render_widget(Paragraph::new(shown), f.area()))
                    .unwrap();
                let took = started.elapsed();
                samples.push(took);
                total += took;
            }
            total
        });
    });
    println!(
        "wrap + render of a 1 MiB post: median {}",
        ms(samples.percentile(50))
    );
}

/// One reply queued the way the composer sends it: written, fsynced, renamed, directory
/// fsynced.
fn outbox(c: &mut Criterion) {
    let temp = tempfile::tempdir().unwrap();
    let dir = DataDir::new(temp.path()).account(ACCOUNT);
    let outbox = Outbox::open(&dir);
    let mut samples = Samples::default();
    c.bench_function("outbox_enqueue/durable", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let entry = OutboxEntry::new(
                    Target::Reply {
                        thread: ThreadId::new("t1"),
                        reply_to: None,
                    },
                    "A reply written on the train, sent when the line comes back.".into(),
                    jiff::Timestamp::now(),
                );
                let started = Instant::now();
                outbox.enqueue(&entry).unwrap();
                let took = started.elapsed();
                samples.push(took);
                total += took;
            }
            total
        });
    });
    println!(
        "outbox enqueue (durable): p50 {}, p99 {}",
        ms(samples.percentile(50)),
        ms(samples.percentile(99))
    );
}
