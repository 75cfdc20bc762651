//! The cache under damage: corrupt files are quarantined and reported, newer files are
//! left alone, and the rest keeps working.

#![allow(clippy::unwrap_used)] // test helpers outside #[test] functions

mod support;

use std::fs;
use std::path::Path;

fn threadmark(data: &Path, args: &[&str]) -> std::process::Output {
    support::run::command_on(data, &data.join("no-config.toml"), args, &[])
        .output()
        .expect("the binary runs")
}

fn demo_dir(data: &Path) -> std::path::PathBuf {
    data.join("accounts").join("demo")
}

fn quarantined(dir: &Path, name: &str) -> Vec<String> {
    fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(&format!("{name}.corrupt-")))
        .collect()
}

#[test]
fn a_corrupt_index_is_quarantined_and_rebuilt_from_the_thread_files() {
    let data = tempfile::tempdir().unwrap();
    assert!(threadmark(data.path(), &["tree"]).status.success());
    let index = demo_dir(data.path()).join("index.json");
    fs::write(&index, b"{\"schema\":1,\"threads\":[{\"id\":").unwrap();

    let out = threadmark(data.path(), &["tree"]);
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("index.json") && err.contains("corrupt-"),
        "{err}"
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("Discussion Thread 1"));
    let kept = quarantined(&demo_dir(data.path()), "index.json");
    assert_eq!(kept.len(), 1, "the damaged file is kept, not deleted");
    assert_eq!(
        fs::read(demo_dir(data.path()).join(&kept[0])).unwrap(),
        b"{\"schema\":1,\"threads\":[{\"id\":"
    );

    // The rebuilt index is written again: the next run reports nothing.
    let out = threadmark(data.path(), &["tree"]);
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_corrupt_thread_file_is_reported_and_the_tree_still_lists() {
    let data = tempfile::tempdir().unwrap();
    assert!(threadmark(data.path(), &["tree"]).status.success());
    let thread = demo_dir(data.path())
        .join("threads")
        .join("advocacy-1.json");
    fs::write(&thread, b"not json at all").unwrap();

    let out = threadmark(data.path(), &["read", "advocacy"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("advocacy-1.json"), "{err}");
    assert_eq!(
        quarantined(&thread.with_file_name(""), "advocacy-1.json").len(),
        1
    );

    let out = threadmark(data.path(), &["tree"]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("Enabling Strategies"));
}

#[test]
fn a_file_from_a_newer_threadmark_is_used_read_only_and_never_overwritten() {
    let data = tempfile::tempdir().unwrap();
    assert!(threadmark(data.path(), &["tree"]).status.success());
    let tree = demo_dir(data.path()).join("tree.json");
    let newer = br#"{"schema":99,"forum":{"title":"From the future","sections":[]},"extra":true}"#;
    fs::write(&tree, newer).unwrap();

    let out = threadmark(data.path(), &["tree"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("newer threadmark") && err.contains("schema 99"),
        "{err}"
    );
    assert_eq!(fs::read(&tree).unwrap(), newer, "left untouched");
    assert!(quarantined(&demo_dir(data.path()), "tree.json").is_empty());
}

#[test]
fn a_corrupt_demo_tree_is_kept_aside_and_imported_again() {
    let data = tempfile::tempdir().unwrap();
    assert!(threadmark(data.path(), &["tree"]).status.success());
    let tree = demo_dir(data.path()).join("tree.json");
    fs::write(&tree, b"\x00\x01garbage").unwrap();

    let out = threadmark(data.path(), &["tree"]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("tree.json"));
    assert!(String::from_utf8_lossy(&out.stdout).contains("Enabling Strategies"));
    assert_eq!(quarantined(&demo_dir(data.path()), "tree.json").len(), 1);
}
