//! End to end: the real binary in a pseudo-terminal, read through a vt100 screen parser.
//! Every wait has a timeout; the child is killed if a check fails.

use crate::pty_session::{PtySession, WAIT};
use nix::sys::termios::LocalFlags;
use std::time::{Duration, Instant};

/// The reader on a home folder of its own (the demo forum on first run), and the folder.
fn demo_reader(cols: u16, rows: u16) -> (tempfile::TempDir, PtySession) {
    let home = tempfile::tempdir().unwrap();
    let session = PtySession::start(home.path(), &[], &[], cols, rows);
    (home, session)
}

/// Offline (the server gone), the first frame says when the cache was last synced: the
/// time comes from the cache, not from a sync of this session.
#[test]
fn offline_the_status_line_says_when_the_cache_was_last_synced() {
    let store = tempfile::tempdir().unwrap();
    let server = crate::serve::Served::demo(store.path(), &[]);
    let client = crate::serve::Client::default();
    client.sign_in(&server.url, server.member_token.as_ref().unwrap());
    let out = client.run(&["sync"]);
    assert!(out.status.success(), "{}", crate::serve::text(&out.stderr));
    server.kill();
    let mut session = PtySession::start(client.home.path(), &[], &[], 200, 30);
    let screen = session.wait_for("the status line", |s| s.contains("synced"));
    assert!(screen.contains("· synced "), "{screen}");
    assert!(!screen.contains("never synced"), "{screen}");
    session.send("q");
    session.wait_exit();
}

/// The screen's rows.
fn rows(screen: &str) -> Vec<&str> {
    screen.lines().collect()
}

/// A new user's first `enter` opens something to read: the reader starts with the
/// selection on the first thread with unread posts, not on the forum's root.
#[test]
fn the_reader_starts_on_the_first_unread_thread() {
    let (_home, mut s) = demo_reader(120, 40);
    s.wait_for_text("Enabling Strategies");
    s.send("\r");
    let screen = s.wait_for_text("Connie Williams");
    assert!(screen.contains("Mary Ghikas"), "{screen}");
    s.send("q");
    assert!(s.wait_exit().success());
}

#[test]
fn read_the_demo_thread_by_keyboard_and_quit_to_a_clean_terminal() {
    let (_home, mut s) = demo_reader(120, 40);
    let screen = s.wait_for_text("Enabling Strategies");
    assert!(screen.contains("Strategic Framework"), "{screen}");
    assert!(
        !s.local_flags().contains(LocalFlags::ICANON),
        "the reader runs in raw mode"
    );

    // Down the tree to the Advocacy thread (the seventh row), then open it.
    s.send("jjjjjj\r");
    let screen = s.wait_for_text("Connie Williams");
    let screen = if screen.contains("Robert Banks") {
        screen
    } else {
        s.wait_for_text("Robert Banks")
    };
    let lines = rows(&screen);
    let connie = lines
        .iter()
        .position(|l| l.contains("Connie Williams · #2"))
        .unwrap_or_else(|| panic!("no header for Connie Williams:\n{screen}"));
    let robert = lines
        .iter()
        .position(|l| l.contains("Robert Banks"))
        .unwrap();
    assert!(
        robert > connie,
        "the answer comes after the reply:\n{screen}"
    );
    // Nested: Robert Banks's header has a depth bar in the reader, Connie's has none.
    let reader_part = |line: &str| {
        line.split_once('│')
            .map(|(_, r)| r.to_owned())
            .unwrap_or_default()
    };
    assert!(
        reader_part(lines[robert]).trim_start().starts_with('│'),
        "{:?}",
        lines[robert]
    );
    assert!(
        reader_part(lines[connie])
            .trim_start()
            .starts_with("Connie"),
        "{:?}",
        lines[connie]
    );
    assert!(
        lines[robert].contains("answers Connie Williams"),
        "{}",
        lines[robert]
    );

    // The help overlay lists the keys with what they do.
    s.send("?");
    // The box's title is drawn before its last rows: wait for the whole box (its bottom
    // edge says there is more below).
    let help = s.wait_for("the help", |t| {
        t.contains("Keys (j/k scroll") && t.contains("more below")
    });
    assert!(help.contains("Switch tree / reader pane"), "{help}");
    s.send("?");
    s.wait_for("the help to close", |t| !t.contains("Keys (j/k scroll"));

    s.send("q");
    let status = s.wait_exit();
    assert!(status.success(), "exit status {status:?}");
    // Give the reader thread a moment to drain the last bytes, then check the way out.
    let deadline = Instant::now() + WAIT;
    loop {
        let raw = s.raw();
        let entered = find_last(&raw, b"\x1b[?1049h");
        let left = find_last(&raw, b"\x1b[?1049l");
        if matches!((entered, left), (Some(e), Some(l)) if l > e) {
            assert!(!s.alternate_screen());
            break;
        }
        assert!(Instant::now() < deadline, "never left the alternate screen");
        std::thread::sleep(Duration::from_millis(50));
    }
    let flags = s.local_flags();
    assert!(
        flags.contains(LocalFlags::ICANON) && flags.contains(LocalFlags::ECHO),
        "the terminal is back in cooked mode: {flags:?}"
    );
}

fn find_last(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).rposition(|w| w == needle)
}

#[test]
fn without_a_terminal_it_points_to_the_plain_commands() {
    let temp = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_threadmark"))
        .arg("--data-dir")
        .arg(temp.path().join("data"))
        .arg("--config")
        .arg(temp.path().join("config.toml"))
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("needs a terminal"), "{err}");
    assert!(err.contains("threadmark tree"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
}

/// Waits until the program's output, after `from`, contains `needle`.
fn wait_for_bytes(s: &PtySession, from: usize, needle: &[u8], what: &str) {
    let deadline = Instant::now() + WAIT;
    loop {
        if find_last(&s.raw()[from..], needle).is_some() {
            return;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn sigterm_restores_the_terminal_and_saves() {
    let (home, mut s) = demo_reader(100, 30);
    s.wait_for_text("Enabling Strategies");
    s.send("G\r");
    s.wait_for_text("Mary Ghikas · #1");
    s.signal(nix::sys::signal::Signal::SIGTERM);
    assert!(s.wait_exit().success());
    wait_for_bytes(&s, 0, b"\x1b[?1049l", "leaving the alternate screen");
    assert!(s.local_flags().contains(LocalFlags::ICANON));
    // What was shown was saved on the way out.
    let read = std::fs::read_to_string(home.path().join("data/accounts/demo/read.json")).unwrap();
    assert!(read.contains("advocacy-1"), "{read}");
    let ui = std::fs::read_to_string(home.path().join("data/accounts/demo/ui.json")).unwrap();
    assert!(ui.contains("\"open_thread\":\"advocacy-1\""), "{ui}");
}

#[test]
fn ctrl_z_hands_the_terminal_back_and_resumes() {
    let (_home, mut s) = demo_reader(100, 30);
    s.wait_for_text("Enabling Strategies");
    let before = s.raw_len();
    s.send("\x1a");
    wait_for_bytes(
        &s,
        before,
        b"\x1b[?1049l",
        "leaving the alternate screen on ctrl-z",
    );
    let deadline = Instant::now() + WAIT;
    while !s.local_flags().contains(LocalFlags::ICANON) {
        assert!(
            Instant::now() < deadline,
            "the terminal never left raw mode on ctrl-z"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    // The terminal is handed back before the process stops itself: a SIGCONT sent
    // in between would be lost, and nothing would resume it.
    while !s.stopped() {
        assert!(
            Instant::now() < deadline,
            "the reader never stopped on ctrl-z"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let resumed = s.raw_len();
    s.signal(nix::sys::signal::Signal::SIGCONT);
    wait_for_bytes(
        &s,
        resumed,
        b"\x1b[?1049h",
        "the alternate screen again after resume",
    );
    s.wait_for_text("Enabling Strategies");
    assert!(
        !s.local_flags().contains(LocalFlags::ICANON),
        "raw mode again"
    );
    s.send("q");
    assert!(s.wait_exit().success());
}

#[test]
fn show_demo_opens_the_demo_beside_the_configured_account() {
    let home = tempfile::tempdir().unwrap();
    std::fs::write(
        home.path().join("config.toml"),
        "show_demo = true\n[[accounts]]\nname = \"work\"\nurl = \"http://127.0.0.1:9\"\n",
    )
    .unwrap();
    let mut s = PtySession::start(home.path(), &[], &[], 120, 30);
    // The configured account first (in focus, never synced), the demo's row below it.
    let screen = s.wait_for("both accounts", |screen| {
        screen.contains("▾ work (not synced yet)") && screen.contains("▸ Strategic Framework")
    });
    assert!(
        screen.find("work (not synced yet)") < screen.find("Strategic Framework"),
        "{screen}"
    );
    // Down past the work tree's last row: the demo takes the focus, its tree opens.
    s.send("Gj");
    s.wait_for("the demo in focus", |screen| {
        screen.contains("▸ work (not synced yet)")
            && screen.contains("▾ Strategic Framework")
            && screen.contains("Enabling Strategies")
    });
    s.send("q");
    assert!(s.wait_exit().success());
}

#[test]
fn keys_are_answered_before_the_engines_have_started() {
    let home = tempfile::tempdir().unwrap();
    std::fs::write(
        home.path().join("config.toml"),
        "show_demo = true\n\
         [[accounts]]\nname = \"work\"\nurl = \"http://127.0.0.1:9\"\n\
         [[accounts]]\nname = \"play\"\nurl = \"http://127.0.0.1:9\"\n",
    )
    .unwrap();
    // The engines are held (a test hook) until this file exists: with engines built on the
    // loop before it reads keys, no key would be answered meanwhile.
    let gate = home.path().join("engines-may-start");
    let gate_text = gate.to_str().unwrap();
    let mut s = PtySession::start(
        home.path(),
        &[],
        &[("THREADMARK_TEST_HOLD_ENGINES", gate_text)],
        120,
        30,
    );
    let first = s.wait_for("the three accounts", |screen| {
        screen.contains("▾ work (not synced yet)")
            && screen.contains("▸ play (not synced yet)")
            && screen.contains("▸ Strategic Framework")
    });
    assert!(!first.contains("offline"), "{first}");
    // `j` past the work account's (empty) tree: the next account takes the focus.
    s.send("j");
    let moved = s.wait_for("play in focus", |screen| {
        screen.contains("▸ work (not synced yet)") && screen.contains("▾ play (not synced yet)")
    });
    // No engine has reported yet: every account still shows its cache alone.
    for account in [
        "work (not synced yet)",
        "play (not synced yet)",
        "Strategic Framework",
    ] {
        let row = moved.lines().find(|l| l.contains(account)).unwrap();
        assert!(row.contains("cached"), "{moved}");
    }
    assert!(!moved.contains("offline"), "{moved}");
    std::fs::write(&gate, "").unwrap();
    // Now the engines start, and report: nothing listens on port 9.
    s.wait_for("both configured accounts offline", |screen| {
        screen
            .lines()
            .any(|l| l.contains("work (not synced yet)") && l.contains("offline"))
            && screen
                .lines()
                .any(|l| l.contains("play (not synced yet)") && l.contains("offline"))
    });
    s.send("q");
    assert!(s.wait_exit().success());
}

#[test]
fn a_restart_opens_on_the_account_last_in_focus() {
    let home = tempfile::tempdir().unwrap();
    std::fs::write(
        home.path().join("config.toml"),
        "show_demo = true\n\
         [[accounts]]\nname = \"work\"\nurl = \"http://127.0.0.1:9\"\n\
         [[accounts]]\nname = \"play\"\nurl = \"http://127.0.0.1:9\"\n",
    )
    .unwrap();
    let mut s = PtySession::start(home.path(), &[], &[], 120, 30);
    s.wait_for("work in focus", |screen| {
        screen.contains("▾ work (not synced yet)") && screen.contains("▸ play (not synced yet)")
    });
    // Past work's empty tree and play's: the demo takes the focus.
    s.send("jj");
    s.wait_for("the demo in focus", |screen| {
        screen.contains("▸ play (not synced yet)") && screen.contains("▾ Strategic Framework")
    });
    s.send("q");
    assert!(s.wait_exit().success());

    let mut s = PtySession::start(home.path(), &[], &[], 120, 30);
    let screen = s.wait_for("the demo in focus again", |screen| {
        screen.contains("▾ Strategic Framework") && screen.contains("Enabling Strategies")
    });
    assert!(screen.contains("▸ work (not synced yet)"), "{screen}");
    // Back to play, then quit at once: the next run opens on play.
    s.send("k");
    s.wait_for("play in focus", |screen| {
        screen.contains("▾ play (not synced yet)") && screen.contains("▸ Strategic Framework")
    });
    s.send("q");
    assert!(s.wait_exit().success());

    let mut s = PtySession::start(home.path(), &[], &[], 120, 30);
    s.wait_for("play in focus after the restart", |screen| {
        screen.contains("▾ play (not synced yet)") && screen.contains("▸ Strategic Framework")
    });
    s.send("q");
    assert!(s.wait_exit().success());

    // `--account` still opens the one named, alone.
    let mut s = PtySession::start(home.path(), &["--account", "work"], &[], 120, 30);
    let screen = s.wait_for("work alone", |screen| screen.contains("work"));
    assert!(!screen.contains("Strategic Framework"), "{screen}");
    s.send("q");
    assert!(s.wait_exit().success());
}

/// The loop answers keys first: the reader's background threads (the store worker, the
/// sync engine's runtime) run 10 nice levels below its loop, and a program the user starts
/// from it (here `$VISUAL`) runs at the user's own priority, not theirs.
#[cfg(target_os = "linux")]
#[test]
fn background_threads_yield_to_the_loop_and_the_editor_runs_at_the_users_priority() {
    let ours: i32 = std::fs::read_to_string("/proc/thread-self/stat")
        .unwrap()
        .rsplit_once(')')
        .unwrap()
        .1
        .split_whitespace()
        .nth(16)
        .unwrap()
        .parse()
        .unwrap();
    let background = (ours + 10).min(19);
    let home = tempfile::tempdir().unwrap();
    let script = home.path().join("editor.sh");
    std::fs::write(
        &script,
        "printf 'editor at nice %s\\n' \"$(cut -d' ' -f19 /proc/self/stat)\" >> \"$1\"\n",
    )
    .unwrap();
    let visual = format!("sh {}", script.display());
    let mut s = PtySession::start(home.path(), &[], &[("VISUAL", visual.as_str())], 120, 40);
    s.wait_for_text("Enabling Strategies");
    // The store worker and the engine's runtime start after the first frame, and each
    // thread lowers its own priority as it starts: looked at again until both are there
    // and every background thread has lowered its own (or the time is up, which fails).
    let deadline = Instant::now() + WAIT;
    let threads = loop {
        let threads = s.thread_nice();
        let lowered = |prefix: &str| {
            let named: Vec<i32> = threads
                .iter()
                .filter(|(name, _)| name.starts_with(prefix))
                .map(|(_, nice)| *nice)
                .collect();
            named
                .iter()
                .all(|&n| n == background)
                .then_some(named.len())
        };
        let settled = matches!(lowered("store"), Some(1..))
            && matches!(lowered("tokio-r"), Some(1..))
            && lowered("threadmark-stor").is_some();
        if settled {
            break threads;
        }
        assert!(
            Instant::now() < deadline,
            "the background threads did not all lower their priority: {threads:?}"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    let nice_of = |prefix: &str| {
        threads
            .iter()
            .filter(|(name, _)| name.starts_with(prefix))
            .map(|(_, nice)| *nice)
            .collect::<Vec<_>>()
    };
    // The loop and the terminal's input: threads named after the program (the demo
    // server's "threadmark-store-…" threads are background ones).
    let foreground: Vec<i32> = threads
        .iter()
        .filter(|(name, _)| name == "threadmark")
        .map(|(_, nice)| *nice)
        .collect();
    assert!(!foreground.is_empty(), "{threads:?}");
    assert!(foreground.iter().all(|&n| n == ours), "{threads:?}");
    assert_eq!(nice_of("store"), vec![background], "{threads:?}");
    let demo_store = nice_of("threadmark-stor");
    assert!(demo_store.iter().all(|&n| n == background), "{threads:?}");
    let runtime = nice_of("tokio-r");
    assert!(runtime.iter().all(|&n| n == background), "{threads:?}");

    s.send("jjjjjj\r");
    s.wait_for_text("Connie Williams");
    s.send("r");
    s.wait_for_text("Write here");
    s.send("\x05");
    let screen = s.wait_for_text("editor at nice");
    assert!(
        screen.contains(&format!("editor at nice {ours}")),
        "the editor runs at the user's priority ({ours}):\n{screen}"
    );
}
