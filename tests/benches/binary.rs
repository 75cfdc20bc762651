//! The real `threadmark` binary in a 200×50 pseudo-terminal, offline on a generated cache:
//! start → first full frame on the terminal (the status line, drawn last, has arrived),
//! and peak resident memory (`VmHWM` from `/proc/<pid>/status`) with the 100k-post cache
//! open and the 2,001-post thread shown, read just before it is told to quit.

use crate::fixtures::{self, Fixture};
use crate::samples::{Samples, ms, report};
use portable_pty::{Child, CommandBuilder, PtySize, native_pty_system};
use std::io::{Read, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Every wait is bounded: a hang fails the measurement instead of stalling the run.
const WAIT: Duration = Duration::from_secs(60);

/// A running reader and what its terminal shows.
struct Session {
    child: Box<dyn Child + Send + Sync>,
    writer: Box<dyn Write + Send>,
    screen: Arc<Mutex<vt100::Parser>>,
}

impl Session {
    fn start(fixture: &Fixture) -> Self {
        let pair = native_pty_system()
            .openpty(PtySize {
                rows: 50,
                cols: 200,
                pixel_width: 0,
                pixel_height: 0,
            })
            .unwrap();
        let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_threadmark"));
        cmd.arg("--data-dir");
        cmd.arg(&fixture.data);
        cmd.arg("--config");
        cmd.arg(&fixture.config);
        cmd.env("TERM", "xterm-256color");
        cmd.env_remove("THREADMARK_ACCOUNT");
        let child = pair.slave.spawn_command(cmd).unwrap();
        drop(pair.slave);
        let screen = Arc::new(Mutex::new(vt100::Parser::new(50, 200, 0)));
        let mut reader = pair.master.try_clone_reader().unwrap();
        let sink = Arc::clone(&screen);
        std::thread::spawn(move || {
            let mut buf = [0u8; 16384];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock().unwrap().process(&buf[..n]);
            }
        });
        let writer = pair.master.take_writer().unwrap();
        Self {
            child,
            writer,
            screen,
        }
    }

    /// Waits until the bottom row (the status line, the last one drawn) shows `needle`.
    fn wait_for_status(&self, needle: &str) {
        self.wait_until(needle, |screen| {
            screen
                .contents()
                .lines()
                .last()
                .is_some_and(|l| l.contains(needle))
        });
    }

    fn wait_for(&self, needle: &str) {
        self.wait_until(needle, |screen| screen.contents().contains(needle));
    }

    fn wait_until(&self, what: &str, done: impl Fn(&vt100::Screen) -> bool) {
        let deadline = Instant::now() + WAIT;
        loop {
            {
                let parser = self.screen.lock().unwrap();
                if done(parser.screen()) {
                    return;
                }
                assert!(
                    Instant::now() < deadline,
                    "timed out waiting for {what:?}; the screen shows:\n{}",
                    parser.screen().contents()
                );
            }
            std::thread::sleep(Duration::from_micros(200));
        }
    }

    fn send(&mut self, keys: &str) {
        self.writer.write_all(keys.as_bytes()).unwrap();
        self.writer.flush().unwrap();
        std::thread::sleep(Duration::from_millis(100));
    }

    /// Quits and waits for the process; the fixture gets back its pristine read and UI
    /// state (the reader saves both on the way out).
    fn quit(mut self, fixture: &Fixture) {
        self.send("q");
        let deadline = Instant::now() + WAIT;
        while self.child.try_wait().unwrap().is_none() {
            assert!(Instant::now() < deadline, "threadmark did not quit");
            std::thread::sleep(Duration::from_millis(5));
        }
        let dir = fixture.account_dir();
        let _ = std::fs::remove_file(dir.ui_state());
        let _ = std::fs::remove_file(dir.read_state());
    }
}

/// Process start → first full frame on the terminal, at 1k and 100k posts.
pub fn start_to_first_frame() {
    let mut medians = Vec::new();
    for posts in [1_000, 100_000] {
        let fixture = fixtures::client_cache(posts);
        let unread = format!("{posts} unread");
        let mut samples = Samples::default();
        for _ in 0..21 {
            let started = Instant::now();
            let session = Session::start(&fixture);
            session.wait_for_status(&unread);
            samples.push(started.elapsed());
            session.quit(&fixture);
        }
        let median = samples.percentile(50);
        println!(
            "real binary in a pty, start → first full frame, {posts} posts: median {} over {} starts",
            ms(median),
            samples.len()
        );
        medians.push(median);
    }
    report(
        "real binary, start → first frame on the terminal at 100k posts (median)",
        &ms(medians[1]),
        "< 100 ms",
        medians[1] < Duration::from_millis(100),
    );
    let ratio = medians[1].as_secs_f64() / medians[0].as_secs_f64();
    report(
        "real binary, start time 100k / 1k",
        &format!("{ratio:.2}×"),
        "≤ 1.5×",
        ratio <= 1.5,
    );
}

/// Peak resident memory with the 100k cache open and the long thread shown.
pub fn peak_memory() {
    let fixture = fixtures::client_cache(100_000);
    peak_memory_at(&fixture, "< 64 MB", 64 * 1000 * 1000 / 1024);
}

/// Peak resident memory with `fixture`'s cache open and its long thread shown, paged
/// through, against a budget in KiB.
fn peak_memory_at(fixture: &Fixture, budget: &str, budget_kib: u64) {
    let long = fixture.forum.long_thread.clone().unwrap();
    let title = fixture
        .forum
        .threads
        .iter()
        .find(|(t, _)| t.id == long)
        .map(|(t, _)| t.title.clone())
        .unwrap();
    let mut session = Session::start(fixture);
    let pid = session.child.process_id().unwrap();
    session.wait_for("Synthetic Forum");
    // A large index comes after the first frame: the counts say it is there.
    session.wait_for_status("unread");
    session.send("/");
    session.send(&title);
    session.send("\r");
    session.send("\r");
    session.wait_for("2001 posts");
    session.send("G");
    session.send("gg");
    for _ in 0..20 {
        session.send("J");
    }
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let peak_kib: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap();
    session.quit(fixture);
    let mib = f64::from(u32::try_from(peak_kib).unwrap()) / 1024.0;
    report(
        &format!(
            "peak resident memory, {}-post cache open in the reader, 2,001-post thread shown",
            fixture.forum.post_count()
        ),
        &format!("{mib:.1} MiB (VmHWM)"),
        budget,
        peak_kib <= budget_kib,
    );
}

/// Posts in the large forum of [`scale`]: 100,000 unless `THREADMARK_BENCH_POSTS` says
/// otherwise (`1000000` for the issue's million; writing that fixture the first time takes
/// minutes and a few GiB under `target/bench-fixtures/`).
fn scale_posts() -> usize {
    std::env::var("THREADMARK_BENCH_POSTS")
        .ok()
        .and_then(|v| v.replace('_', "").parse().ok())
        .unwrap_or(100_000)
}

/// The whole-process figures at 1k posts and at the large size (`scale_posts`): start →
/// first frame and → thread list shown, `threadmark tree`, `threadmark search` (rare
/// phrase, no match, common word), peak memory with the long thread shown, and the data
/// directory's size against the post text it holds.
pub fn scale() {
    let large = scale_posts();
    let mut first = Vec::new();
    for posts in [1_000, large] {
        let fixture = fixtures::client_cache(posts);
        warm_tree_index(&fixture);
        let (frame, listed) = start_times(&fixture, posts);
        first.push(frame);
        println!(
            "scale {posts} posts: real binary start → first frame: median {}; → thread list with its unread counts: median {}",
            ms(frame),
            ms(listed)
        );
        let tree = process_median(&fixture, &["tree", "--width", "200"]);
        let rare = process_median(&fixture, &["search", crate::generator::PLANTED_PHRASE]);
        let none = process_median(&fixture, &["search", "zyzzyvaqq"]);
        let common = process_median(&fixture, &["search", "framework"]);
        println!(
            "scale {posts} posts: `threadmark tree` {}; `threadmark search` rare phrase {}, no match {}, common word {}",
            ms(tree),
            ms(rare),
            ms(none),
            ms(common)
        );
        if posts == large {
            report(
                &format!("real binary, start → first frame at {posts} posts (median)"),
                &ms(frame),
                "< 30 ms",
                frame < Duration::from_millis(30),
            );
            report(
                &format!("`threadmark tree` at {posts} posts (whole process, median)"),
                &ms(tree),
                "< 30 ms",
                tree < Duration::from_millis(30),
            );
            report(
                &format!("`threadmark search` at {posts} posts, rare phrase / no match (median)"),
                &format!("{} / {}", ms(rare), ms(none)),
                "< 30 ms",
                rare.max(none) < Duration::from_millis(30),
            );
            report(
                &format!("`threadmark search` at {posts} posts, common word (median)"),
                &ms(common),
                "< 50 ms",
                common < Duration::from_millis(50),
            );
            peak_memory_at(&fixture, "< 48 MiB", 48 * 1024);
            disk_ratio(&fixture);
        }
    }
    let ratio = first[1].as_secs_f64() / first[0].as_secs_f64();
    report(
        &format!("real binary, first frame {large} / 1k posts"),
        &format!("{ratio:.2}×"),
        "≤ 1.5×",
        ratio <= 1.5,
    );
}

/// Medians over 11 starts: to the first frame (the status line, drawn last, is there),
/// and to the thread list with every post counted unread (a large index comes after the
/// first frame).
fn start_times(fixture: &Fixture, posts: usize) -> (Duration, Duration) {
    let unread = format!("{posts} unread");
    let mut frame = Samples::default();
    let mut listed = Samples::default();
    for _ in 0..11 {
        let started = Instant::now();
        let session = Session::start(fixture);
        session.wait_for_status("q quit");
        frame.push(started.elapsed());
        session.wait_for_status(&unread);
        listed.push(started.elapsed());
        session.quit(fixture);
    }
    (frame.percentile(50), listed.percentile(50))
}

/// Builds the fixture's tree index (`tree.sqlite`) if it has none yet, as the first run of
/// `threadmark tree` or of the reader on a cache does: the figures are those of the runs
/// after it.
fn warm_tree_index(fixture: &Fixture) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_threadmark"))
        .arg("--data-dir")
        .arg(&fixture.data)
        .arg("--config")
        .arg(&fixture.config)
        .args(["tree", "--width", "200"])
        .env_remove("THREADMARK_ACCOUNT")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The median wall time of `threadmark ARGS` on the fixture, output to a pipe, over 11
/// runs.
fn process_median(fixture: &Fixture, args: &[&str]) -> Duration {
    let mut samples = Samples::default();
    for _ in 0..11 {
        let started = Instant::now();
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_threadmark"))
            .arg("--data-dir")
            .arg(&fixture.data)
            .arg("--config")
            .arg(&fixture.config)
            .args(args)
            .env_remove("THREADMARK_ACCOUNT")
            .output()
            .unwrap();
        samples.push(started.elapsed());
        assert!(
            out.status.success() || args[0] == "search",
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    samples.percentile(50)
}

/// The account folder's size on disk (allocated blocks, and the files' lengths) against
/// the text of the posts it holds.
fn disk_ratio(fixture: &Fixture) {
    use std::os::unix::fs::MetadataExt;
    fn walk(dir: &std::path::Path, total: &mut (u64, u64)) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let entry = entry.unwrap();
            let meta = entry.metadata().unwrap();
            if meta.is_dir() {
                walk(&entry.path(), total);
            } else {
                total.0 += meta.blocks() * 512;
                total.1 += meta.len();
            }
        }
    }
    let mut total = (0, 0);
    walk(fixture.account_dir().root(), &mut total);
    let text: usize = fixture
        .forum
        .threads
        .iter()
        .flat_map(|(_, posts)| posts.iter().map(|p| p.body.text.len()))
        .sum();
    let text = u64::try_from(text).unwrap();
    let mib = |b: u64| f64::from(u32::try_from(b / 1024).unwrap()) / 1024.0;
    let ratio = mib(total.0) / mib(text);
    println!(
        "data dir {:.1} MiB on disk ({:.1} MiB in file lengths) for {:.1} MiB of post text",
        mib(total.0),
        mib(total.1),
        mib(text)
    );
    report(
        &format!(
            "data dir size / raw post text, {} posts",
            fixture.forum.post_count()
        ),
        &format!("{ratio:.2}×"),
        "≤ 1.6×",
        ratio <= 1.6,
    );
}
