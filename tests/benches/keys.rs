//! Key → frame on the real binary in a 200×50 pseudo-terminal: `?` shows the help overlay
//! and `?` hides it again, each press timed until the terminal shows it — while a sync of
//! the whole forum from a loopback server runs in the background, and during the first
//! second after start.

use crate::binary::Session;
use crate::fixtures::{self, Fixture};
use crate::ingest::Served;
use crate::samples::{Samples, ms, report};
use std::time::{Duration, Instant};

/// What the help overlay's frame says.
const HELP: &str = "Keys (j/k scroll";

/// One press of `?`, timed until the overlay has come or gone.
fn toggle_help(session: &mut Session) -> Duration {
    let shown = session.shows(HELP);
    let started = Instant::now();
    session.press("?");
    session.wait_until("the help overlay to toggle", |screen| {
        screen.contents().contains(HELP) != shown
    });
    started.elapsed()
}

fn report_presses(what: &str, samples: &mut Samples) {
    if samples.len() == 0 {
        report(
            what,
            "not measured: no press landed in time",
            "p99 < 8 ms",
            false,
        );
        return;
    }
    let (p50, p99) = (samples.percentile(50), samples.percentile(99));
    println!(
        "{what}: p50 {}, p99 {} over {} presses",
        ms(p50),
        ms(p99),
        samples.len()
    );
    report(
        what,
        &format!("p99 {}", ms(p99)),
        "p99 < 8 ms",
        p99 < Duration::from_millis(8),
    );
}

/// Key → frame while the reader, on the generated cache of `posts` posts, pulls the same
/// forum from a loopback server (its first pull: a snapshot of every thread, each read
/// back from the cache and compared).
pub fn while_syncing(fixture: &Fixture, posts: usize) {
    let served = Served::start(posts);
    let dir = tempfile::tempdir_in(fixtures::root()).unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        format!(
            "[[accounts]]\nname = \"{}\"\nurl = \"{}\"\n",
            fixtures::ACCOUNT,
            served.url
        ),
    )
    .unwrap();
    let sync_state = fixture.account_dir().sync_state();
    let _ = std::fs::remove_file(&sync_state);
    let mut session = Session::start_with(&fixture.data, &config);
    session.wait_for("Synthetic Forum");
    let mut samples = Samples::default();
    let started = Instant::now();
    // Presses while the status line says the sync goes on (and at most a minute).
    while samples.len() < 400 && started.elapsed() < Duration::from_secs(60) {
        let syncing = session.shows("syncing");
        if !syncing && samples.len() > 0 {
            break;
        }
        if syncing {
            samples.push(toggle_help(&mut session));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    if session.shows(HELP) {
        session.send("?");
    }
    session.quit(fixture);
    let _ = std::fs::remove_file(&sync_state);
    report_presses(
        &format!(
            "key → frame while a {posts}-post sync runs in the background ({:.1} s of it)",
            started.elapsed().as_secs_f64()
        ),
        &mut samples,
    );
}

/// Key → frame during the first second after start, offline on the generated cache.
pub fn first_second(fixture: &Fixture) {
    let mut samples = Samples::default();
    for _ in 0..5 {
        let started = Instant::now();
        let mut session = Session::start(fixture);
        session.wait_for("Synthetic Forum");
        while started.elapsed() < Duration::from_secs(1) {
            samples.push(toggle_help(&mut session));
            std::thread::sleep(Duration::from_millis(10));
        }
        if session.shows(HELP) {
            session.send("?");
        }
        session.quit(fixture);
    }
    report_presses(
        &format!(
            "key → frame in the first second after start, {} posts",
            fixture.forum.post_count()
        ),
        &mut samples,
    );
}
