//! `[[rules]]` at start: 50 rules on the 100k-post cache cost less than 10 ms more before
//! the first frame than none (they are compiled once; the judging of every cached post
//! runs after the first frame, on the store worker, and is timed here too).

use crate::fixtures::{self, ACCOUNT};
use crate::samples::{Samples, ms, report};
use crate::startup::first_frame_at;
use std::fmt::Write as _;
use std::time::{Duration, Instant};
use threadmark::account::Setup;
use threadmark::store::Cache;

/// 50 rules of every kind: authors, title and body regexes, areas, ages, scores.
fn fifty_rules(account_config: &str) -> String {
    let mut text = account_config.to_owned();
    let actions = ["hide", "dim", "read", "highlight"];
    for n in 0..50 {
        let (key, action) = match n % 5 {
            0 => (format!("author = \"member{n}\""), actions[n % 4].to_owned()),
            1 => (
                format!("title = \"(?i)\\\\b(budget|quarter|plan){n}\\\\b\""),
                "score".to_owned(),
            ),
            2 => (
                format!("body = \"(?i)giveaway {n}|crypto{n}\""),
                actions[n % 4].to_owned(),
            ),
            3 => (format!("area = \"area-{n}\""), "dim".to_owned()),
            _ => (format!("older_than = \"{}d\"", 400 + n), "read".to_owned()),
        };
        let action = if action.starts_with("score") {
            format!("\"score\"\nscore = {n}")
        } else {
            format!("\"{action}\"")
        };
        let _ = write!(
            text,
            "\n[[rules]]\nmatch = {{ {key} }}\naction = {action}\n"
        );
    }
    text
}

pub fn bench() {
    let fixture = fixtures::client_cache(100_000);
    let plain = fixture.config.clone();
    let with_rules = plain.with_file_name("config-50-rules.toml");
    let account_config = std::fs::read_to_string(&plain).unwrap();
    std::fs::write(&with_rules, fifty_rules(&account_config)).unwrap();
    let setup = Setup::load(Some(&with_rules), Some(&fixture.data)).unwrap();
    assert_eq!(setup.config.rule_set().rules().len(), 50);

    let (mut none, mut fifty) = (Samples::default(), Samples::default());
    let time = |config: &std::path::Path, samples: &mut Samples| {
        let started = Instant::now();
        std::hint::black_box(first_frame_at(config, &fixture.data));
        samples.push(started.elapsed());
    };
    // Alternated, so both see the same machine.
    for _ in 0..30 {
        time(&plain, &mut none);
        time(&with_rules, &mut fifty);
    }
    let (none, fifty) = (none.percentile(50), fifty.percentile(50));
    let more = fifty.saturating_sub(none);
    println!(
        "start → first frame at 100k posts: {} without rules, {} with 50",
        ms(none),
        ms(fifty)
    );
    report(
        "50 rules at start on 100k posts, more than none (median)",
        &ms(more),
        "< 10 ms",
        more < Duration::from_millis(10),
    );

    // After the first frame: the store worker judges every cached post for the counts.
    let account = setup.account(Some(ACCOUNT)).unwrap();
    let mut cache = Cache::open(account.dir.clone());
    let forum = account.load_forum(&mut cache).unwrap();
    let threads = cache.load_index().unwrap();
    let started = Instant::now();
    let counts = threadmark::runner::judging::thread_counts(
        &mut cache,
        ACCOUNT,
        setup.config.rule_set(),
        &forum,
        &threads,
        jiff::Timestamp::now(),
    )
    .unwrap();
    std::hint::black_box(counts);
    println!(
        "judging 100k cached posts with 50 rules, after the first frame on the store worker: {}",
        ms(started.elapsed())
    );
}
