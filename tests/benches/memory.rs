//! Peak resident memory of the real `threadmark` binary with the 100k-post cache open: it
//! runs in a 200×50 pseudo-terminal, opens the 2,001-post thread through the tree filter,
//! pages to its end and back, and its `VmHWM` is read from `/proc/<pid>/status` before
//! it is told to quit.

use crate::fixtures;
use crate::samples::report;
use portable_pty::{CommandBuilder, PtySize, native_pty_system};
use std::io::{Read, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Every wait is bounded: a hang fails the measurement instead of stalling the run.
const WAIT: Duration = Duration::from_secs(60);

pub fn measure() {
    let fixture = fixtures::client_cache(100_000);
    let long = fixture.forum.long_thread.clone().unwrap();
    let title = fixture
        .forum
        .threads
        .iter()
        .find(|(t, _)| t.id == long)
        .map(|(t, _)| t.title.clone())
        .unwrap();
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
    let mut child = pair.slave.spawn_command(cmd).unwrap();
    drop(pair.slave);
    let pid = child.process_id().unwrap();
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
    let mut writer = pair.master.take_writer().unwrap();
    let wait_for = |needle: &str| {
        let deadline = Instant::now() + WAIT;
        loop {
            let text = screen.lock().unwrap().screen().contents();
            if text.contains(needle) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {needle:?}; the screen shows:\n{text}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    };
    let mut send = |keys: &str| {
        writer.write_all(keys.as_bytes()).unwrap();
        writer.flush().unwrap();
        std::thread::sleep(Duration::from_millis(100));
    };

    wait_for("Synthetic Forum");
    send("/");
    send(&title);
    send("\r");
    send("\r");
    wait_for("2001 posts");
    send("G");
    send("gg");
    for _ in 0..20 {
        send("J");
    }
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let peak_kib: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap();
    send("q");
    let deadline = Instant::now() + WAIT;
    while child.try_wait().unwrap().is_none() {
        assert!(Instant::now() < deadline, "threadmark did not quit");
        std::thread::sleep(Duration::from_millis(20));
    }
    // The reader saved what it read and where it was: the fixture goes back as it was.
    let dir = fixture.account_dir();
    let _ = std::fs::remove_file(dir.ui_state());
    let _ = std::fs::remove_file(dir.read_state());
    let mib = peak_kib as f64 / 1024.0;
    report(
        "peak resident memory, 100k-post cache open in the reader, 2,001-post thread shown",
        &format!("{mib:.1} MiB (VmHWM)"),
        "< 64 MB",
        peak_kib * 1024 < 64 * 1000 * 1000,
    );
}
