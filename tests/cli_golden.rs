//! Golden outputs of the real binary on the bundled demo forum: `tree` and
//! `read advocacy` at 40, 80 and 120 columns. Review a changed snapshot by eye: the
//! thread must read well (hanging indents, numbered lists, kept lines, nested replies).
#![allow(clippy::unwrap_used)]

use std::process::Command;

/// Runs `threadmark` on a fresh data directory (the demo forum, nothing read yet).
fn threadmark(args: &[&str]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_threadmark"))
        .arg("--data-dir")
        .arg(dir.path())
        .arg("--config")
        .arg(dir.path().join("none.toml"))
        .args(args)
        .env_remove("THREADMARK_DATA_DIR")
        .env_remove("THREADMARK_CONFIG")
        .env_remove("THREADMARK_ACCOUNT")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "threadmark {args:?} failed: {stderr}"
    );
    String::from_utf8(output.stdout).unwrap()
}

fn assert_fits(output: &str, width: usize) {
    for line in output.lines() {
        let columns = unicode_width::UnicodeWidthStr::width(line);
        assert!(columns <= width, "{columns} > {width}: {line:?}");
    }
}

#[test]
fn tree_at_three_widths() {
    for width in [40, 80, 120] {
        let output = threadmark(&["tree", "--width", &width.to_string()]);
        assert_fits(&output, width);
        insta::assert_snapshot!(format!("tree_width_{width}"), output);
    }
}

#[test]
fn read_advocacy_at_three_widths() {
    for width in [40, 80, 120] {
        let output = threadmark(&["read", "advocacy", "--width", &width.to_string()]);
        assert_fits(&output, width);
        insta::assert_snapshot!(format!("read_advocacy_width_{width}"), output);
    }
}
