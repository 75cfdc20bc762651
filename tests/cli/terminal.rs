//! Output on a terminal (the real binary in a pseudo-terminal): long text goes through the
//! pager, never when piped; colour on a terminal, never with `NO_COLOR`, never in a pipe.

use crate::pty_session::PtySession;
use crate::{stdout_of, threadmark};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

/// A pager that records what it was given (and its `LESS`) instead of showing it.
fn recording_pager(home: &Path) -> (PathBuf, PathBuf) {
    let record = home.join("paged.txt");
    let script = home.join("my pager.sh");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\necho \"LESS=$LESS args=$*\" > '{0}'\ncat >> '{0}'\n",
            record.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    (script, record)
}

/// `PAGER` naming the script by a quoted path with a blank in it, plus an argument.
fn pager_var(script: &Path) -> String {
    format!("'{}' --from-threadmark", script.display())
}

#[test]
fn long_output_on_a_terminal_goes_through_the_pager() {
    let home = tempfile::tempdir().unwrap();
    let (script, record) = recording_pager(home.path());
    let pager = pager_var(&script);
    let mut session = PtySession::start(
        home.path(),
        &["read", "advocacy"],
        &[("PAGER", &pager), ("LESS", "")],
        100,
        30,
    );
    assert!(session.wait_exit().success());
    let recorded = std::fs::read_to_string(&record).expect("the pager ran");
    assert!(
        recorded.starts_with("LESS= args=--from-threadmark\n"),
        "{recorded}"
    );
    assert!(recorded.contains("Connie Williams"), "{recorded}");
    assert!(
        !session.screen().contains("Connie Williams"),
        "the text went to the pager, not the screen"
    );
}

#[test]
fn the_pager_gets_less_options_unless_the_user_has_their_own() {
    let home = tempfile::tempdir().unwrap();
    let (script, record) = recording_pager(home.path());
    let pager = pager_var(&script);
    let mut session = PtySession::start(
        home.path(),
        &["tree"],
        &[("THREADMARK_PAGER", &pager), ("PAGER", "false")],
        100,
        30,
    );
    session.settle(std::time::Duration::from_millis(200));
    assert!(session.wait_exit().success());
    assert!(!session.is_running());
    let recorded = std::fs::read_to_string(&record).expect("THREADMARK_PAGER wins over PAGER");
    assert!(recorded.starts_with("LESS=FRX "), "{recorded}");
}

#[test]
fn no_pager_when_piped_or_asked() {
    let home = tempfile::tempdir().unwrap();
    let (script, record) = recording_pager(home.path());
    let pager = pager_var(&script);
    let piped = stdout_of(&threadmark(
        home.path(),
        &["read", "advocacy"],
        &[("PAGER", &pager)],
    ));
    assert!(piped.contains("Connie Williams"));
    assert!(!record.exists(), "no pager in a pipe");

    let mut session = PtySession::start(
        home.path(),
        &["--no-pager", "tree"],
        &[("PAGER", &pager)],
        100,
        30,
    );
    session.wait_for_text("Enabling Strategies");
    assert!(session.wait_exit().success());
    assert!(!record.exists(), "--no-pager");
}

/// True when `raw` holds an SGR sequence that sets a colour or an attribute.
fn has_style(raw: &[u8]) -> bool {
    raw.windows(3).enumerate().any(|(i, w)| {
        w[0] == 0x1b && w[1] == b'[' && w[2].is_ascii_digit() && !raw[i..].starts_with(b"\x1b[0m")
    })
}

/// The SGR sequences right before `word` in `raw`.
fn style_before(raw: &[u8], word: &str) -> Option<String> {
    let at = raw.windows(word.len()).position(|w| w == word.as_bytes())?;
    let before = String::from_utf8_lossy(&raw[..at]).into_owned();
    let start = before.rfind('\u{1b}')?;
    Some(before[start..].to_owned())
}

#[test]
fn search_hits_and_authors_are_coloured_on_a_terminal_and_no_color_turns_it_off() {
    let home = tempfile::tempdir().unwrap();
    let mut session = PtySession::start(
        home.path(),
        &["--no-pager", "search", "relentless"],
        &[],
        100,
        30,
    );
    assert!(session.wait_exit().success());
    let raw = session.raw();
    let hit = style_before(&raw, "relentless").expect("a style before the hit");
    assert_eq!(hit, "\u{1b}[43m", "a yellow background");

    let mut session = PtySession::start(
        home.path(),
        &["--no-pager", "read", "advocacy"],
        &[],
        100,
        30,
    );
    assert!(session.wait_exit().success());
    let author = style_before(&session.raw(), "Connie Williams").expect("authors are styled");
    assert!(author.contains("36m"), "{author:?}");

    let mut session = PtySession::start(
        home.path(),
        &["--no-pager", "search", "relentless"],
        &[("NO_COLOR", "1")],
        100,
        30,
    );
    assert!(session.wait_exit().success());
    session.wait_for_text("relentless");
    assert!(!has_style(&session.raw()), "NO_COLOR: no colour");
}

#[test]
fn pipes_get_plain_text_unless_colour_is_forced() {
    let home = tempfile::tempdir().unwrap();
    let plain = threadmark(home.path(), &["search", "relentless"], &[]);
    assert!(!has_style(&plain.stdout));
    let forced = threadmark(
        home.path(),
        &["--color", "always", "search", "relentless"],
        &[("NO_COLOR", "1")],
    );
    assert!(has_style(&forced.stdout), "--color always wins");
    let hit = b"\x1b[30m\x1b[43mrelentless\x1b[0m";
    assert!(
        forced.stdout.windows(hit.len()).any(|w| w == hit),
        "the hit is highlighted"
    );
}

#[test]
fn the_default_pager_is_less_and_ctrl_c_belongs_to_it() {
    let home = tempfile::tempdir().unwrap();
    // 30 rows: the thread does not fit, so `less -F` stays.
    let mut session = PtySession::start(home.path(), &["read", "advocacy"], &[], 100, 30);
    session.wait_for_text("Mary Ghikas");
    session.send("\u{3}");
    session.settle(std::time::Duration::from_millis(300));
    assert!(
        session.is_running(),
        "threadmark waits for the pager, Ctrl-C or not"
    );
    session.send("q");
    assert!(session.wait_exit().success());
}
