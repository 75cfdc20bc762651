//! The real `threadmark` binary in a 200×50 pseudo-terminal, offline on a generated cache:
//! start → first full frame on the terminal (the status line, drawn last, has arrived),
//! and peak resident memory (`VmHWM` from `/proc/<pid>/status`) with the 100k-post cache
//! open and the 2,001-post thread shown, read just before it is told to quit.

use crate::fixtures::{self, Fixture};
use crate::samples::{Filter, Samples, ms, report};
use portable_pty::{Child, CommandBuilder, PtySize, native_pty_system};
use std::io::{Read, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Every wait is bounded: a hang fails the measurement instead of stalling the run.
const WAIT: Duration = Duration::from_secs(60);

/// A running reader and what its terminal shows.
pub struct Session {
    child: Box<dyn Child + Send + Sync>,
    writer: Box<dyn Write + Send>,
    screen: Arc<Mutex<vt100::Parser>>,
}

impl Session {
    pub fn start(fixture: &Fixture) -> Self {
        Self::start_with(&fixture.data, &fixture.config)
    }

    /// The reader on the data directory `data` with the config file `config`.
    pub fn start_with(data: &std::path::Path, config: &std::path::Path) -> Self {
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
        cmd.arg(data);
        cmd.arg("--config");
        cmd.arg(config);
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
    pub fn wait_for_status(&self, needle: &str) {
        self.wait_until(needle, |screen| {
            screen
                .contents()
                .lines()
                .last()
                .is_some_and(|l| l.contains(needle))
        });
    }

    /// Waits until the thread list has come (a big cache's comes after the first frame,
    /// which says it is loading) and the status line shows `unread`.
    pub fn wait_for_thread_list(&self, unread: &str) {
        let loading = threadmark::app::start_index::LOADING;
        self.wait_until("the thread list", |screen| {
            screen
                .contents()
                .lines()
                .last()
                .is_some_and(|l| l.contains(unread) && !l.contains(loading))
        });
    }

    pub fn wait_for(&self, needle: &str) {
        self.wait_until(needle, |screen| screen.contents().contains(needle));
    }

    /// Whether the screen shows `needle` now.
    pub fn shows(&self, needle: &str) -> bool {
        self.screen
            .lock()
            .unwrap()
            .screen()
            .contents()
            .contains(needle)
    }

    /// Types `keys` and returns at once.
    pub fn press(&mut self, keys: &str) {
        self.writer.write_all(keys.as_bytes()).unwrap();
        self.writer.flush().unwrap();
    }

    pub fn wait_until(&self, what: &str, done: impl Fn(&vt100::Screen) -> bool) {
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

    pub fn send(&mut self, keys: &str) {
        self.writer.write_all(keys.as_bytes()).unwrap();
        self.writer.flush().unwrap();
        std::thread::sleep(Duration::from_millis(100));
    }

    /// Quits and waits for the process; the fixture gets back its pristine UI state (the
    /// reader saves it on the way out). The read state it saves stays, as a user's does:
    /// the tree index follows it, so the next start finds the index current (removing
    /// `read.json` would put the index out of step at every start, which a user meets once,
    /// after an upgrade; nothing is marked read in these runs).
    pub fn quit(self, fixture: &Fixture) {
        self.quit_on(&fixture.data);
    }

    /// [`Self::quit`] for the cache in the data directory `data`.
    pub fn quit_on(mut self, data: &std::path::Path) {
        self.send("q");
        let deadline = Instant::now() + WAIT;
        while self.child.try_wait().unwrap().is_none() {
            assert!(Instant::now() < deadline, "threadmark did not quit");
            std::thread::sleep(Duration::from_millis(5));
        }
        let _ = std::fs::remove_file(
            threadmark::store::DataDir::new(data)
                .account(fixtures::ACCOUNT)
                .ui_state(),
        );
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
    let long = crate::live::long_thread(fixture);
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
    // A large index comes after the first frame.
    session.wait_for_thread_list("unread");
    session.send("/");
    session.send(&title);
    session.send("\r");
    session.send("\r");
    let count = fixture
        .forum
        .threads
        .iter()
        .find(|(t, _)| t.id == long)
        .map_or(0, |(_, posts)| posts.len());
    session.wait_for(&format!("{count} posts"));
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
            "peak resident memory, {}-post cache open in the reader, {count}-post thread shown",
            fixture.forum.post_count()
        ),
        &format!("{mib:.1} MiB (VmHWM)"),
        budget,
        peak_kib <= budget_kib,
    );
}

/// The sizes `scale` measures: 1k, 100k and 1M posts (threads of 20 posts, at most
/// 50,000), or one of them with the filter `scale-1k`, `scale-100k` or `scale-1m`.
/// `THREADMARK_BENCH_POSTS` measures that many posts instead of 100k and 1M. Writing the
/// million-post fixtures the first time takes minutes and a few GiB under
/// `target/bench-fixtures/`.
fn scale_sizes(filter: &Filter) -> Vec<usize> {
    if let Some(posts) = std::env::var("THREADMARK_BENCH_POSTS")
        .ok()
        .and_then(|v| v.replace('_', "").parse().ok())
    {
        return vec![1_000, posts];
    }
    [
        ("scale-1k", 1_000),
        ("scale-100k", 100_000),
        ("scale-1m", 1_000_000),
    ]
    .into_iter()
    .filter(|(name, _)| filter.wants(name))
    .map(|(_, posts)| posts)
    .collect()
}

/// Every row of the issue's table at each size of [`scale_sizes`]: start → first frame
/// (and → the thread list with its unread counts), its ratio to 1k, `threadmark tree`,
/// `threadmark search` (rare phrase, no match, common word), peak memory with the long
/// thread shown, a new post in the open long thread → frame, sync ingest from a loopback
/// server, key → frame while a sync runs and in the first second after start, and the
/// data directory's size against the post text it holds.
pub fn scale(filter: &Filter) {
    let sizes = scale_sizes(filter);
    // The start of 1k posts is what the others are held to.
    let small = fixtures::client_place(1_000);
    warm_tree_index(&small);
    let (small_frame, _) = start_times(&small);
    for posts in sizes {
        // Starts first, from a process not yet holding the generated forum.
        let place = fixtures::client_place(posts);
        warm_tree_index(&place);
        let (frame, listed) = if posts == 1_000 {
            (small_frame, start_times(&small).1)
        } else {
            start_times(&place)
        };
        let fixture = fixtures::client_cache(posts);
        println!(
            "scale {posts} posts: real binary start → first frame: median {}; → thread list with its unread counts: median {}",
            ms(frame),
            ms(listed)
        );
        report(
            &format!("real binary, start → first frame at {posts} posts (median)"),
            &ms(frame),
            "< 30 ms",
            frame < Duration::from_millis(30),
        );
        let ratio = frame.as_secs_f64() / small_frame.as_secs_f64();
        report(
            &format!("real binary, first frame {posts} / 1k posts"),
            &format!("{ratio:.2}×"),
            "≤ 1.5×",
            ratio <= 1.5,
        );
        let tree = process_median(&fixture, &["tree", "--width", "200"]);
        let rare = process_median(&fixture, &["search", crate::generator::PLANTED_PHRASE]);
        let none = process_median(&fixture, &["search", "zyzzyvaqq"]);
        let common = process_median(&fixture, &["search", "framework"]);
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
        crate::live::new_post_to_frame(&fixture);
        disk_ratio(fixture.account_dir().root(), &fixture, "as generated");
        crate::ingest::once(posts, |synced| {
            disk_ratio(synced, &fixture, "as a sync from the server leaves it");
        });
        crate::keys::while_syncing(&fixture, posts);
        crate::keys::first_second(&fixture);
    }
}

/// Medians over 11 starts: to the first frame (the status line, drawn last, is there),
/// and to the thread list with its unread count (a large index comes after the first
/// frame, whose counts come from the tree index). The count is whatever the cache's read
/// state says: an earlier run of the benchmark read part of the long thread, and the
/// read state is kept as a user's is.
fn start_times(place: &fixtures::Place) -> (Duration, Duration) {
    let mut frame = Samples::default();
    let mut listed = Samples::default();
    for _ in 0..11 {
        let started = Instant::now();
        let session = Session::start_with(&place.data, &place.config);
        session.wait_for_status("q quit");
        frame.push(started.elapsed());
        session.wait_for_thread_list("unread");
        listed.push(started.elapsed());
        session.quit_on(&place.data);
    }
    (frame.percentile(50), listed.percentile(50))
}

/// Builds the fixture's tree index (`tree.sqlite`) if it has none yet, as the first run of
/// `threadmark tree` or of the reader on a cache does: the figures are those of the runs
/// after it.
fn warm_tree_index(place: &fixtures::Place) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_threadmark"))
        .arg("--data-dir")
        .arg(&place.data)
        .arg("--config")
        .arg(&place.config)
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
fn disk_ratio(account: &std::path::Path, fixture: &Fixture, how: &str) {
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
    walk(account, &mut total);
    // What takes the space: the thread files, the search index, the rest.
    let mut threads = (0, 0);
    walk(&account.join("threads"), &mut threads);
    let search: u64 = ["search.sqlite", "search.sqlite-wal"]
        .iter()
        .filter_map(|name| std::fs::metadata(account.join(name)).ok())
        .map(|m| m.blocks() * 512)
        .sum();
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
        "data dir {how}: {:.1} MiB on disk ({:.1} MiB in file lengths) for {:.1} MiB of post text; thread files {:.1} MiB, search index {:.1} MiB, the rest {:.1} MiB",
        mib(total.0),
        mib(total.1),
        mib(text),
        mib(threads.0),
        mib(search),
        mib(total.0.saturating_sub(threads.0 + search))
    );
    report(
        &format!(
            "data dir size / raw post text, {} posts, {how}",
            fixture.forum.post_count()
        ),
        &format!("{ratio:.2}×"),
        "≤ 1.6×",
        ratio <= 1.6,
    );
}
