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

/// `threadmark tree --json` of the demo account, and what it said on stderr.
fn tree_json(data: &Path) -> (serde_json::Value, String) {
    let out = threadmark(data, &["tree", "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    (
        serde_json::from_slice(&out.stdout).unwrap(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A thread's unread count in `tree --json`.
fn unread_of(tree: &serde_json::Value, id: &str) -> u64 {
    tree["sections"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["areas"].as_array().unwrap())
        .flat_map(|a| a["threads"].as_array().unwrap())
        .find(|t| t["id"] == id)
        .unwrap_or_else(|| panic!("{id} is listed"))["unread"]
        .as_u64()
        .unwrap()
}

#[test]
fn the_tree_index_answers_as_the_files_do_and_is_rebuilt_when_deleted() {
    let data = tempfile::tempdir().unwrap();
    let dir = demo_dir(data.path());
    let (first, _) = tree_json(data.path());
    assert!(dir.join("tree.sqlite").exists(), "the tree index was built");
    assert_eq!(unread_of(&first, "advocacy-1"), 8);

    // Reading a thread writes read.json, and the index follows.
    let out = threadmark(data.path(), &["mark", "advocacy-1", "--read"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (marked, err) = tree_json(data.path());
    assert!(err.is_empty(), "kept in step, not rebuilt: {err}");
    assert_eq!(unread_of(&marked, "advocacy-1"), 0);
    assert_eq!(
        marked["unread"].as_u64().unwrap() + 8,
        first["unread"].as_u64().unwrap()
    );

    fs::remove_file(dir.join("tree.sqlite")).unwrap();
    let (rebuilt, _) = tree_json(data.path());
    assert_eq!(rebuilt, marked, "the same tree from the files");
    assert!(dir.join("tree.sqlite").exists());
}

#[test]
fn a_tree_index_out_of_step_with_the_files_is_never_believed() {
    let data = tempfile::tempdir().unwrap();
    let dir = demo_dir(data.path());
    let (before, _) = tree_json(data.path());
    assert_eq!(unread_of(&before, "advocacy-1"), 8);
    // read.json written behind the index's back (an older threadmark, a hand edit, a
    // crash between the file and the index): it carries no generation the index knows.
    fs::write(
        dir.join("read.json"),
        br#"{"schema":1,"read":{"threads":{"advocacy-1":{"read_through":2}}}}"#,
    )
    .unwrap();
    let (after, _) = tree_json(data.path());
    assert_eq!(unread_of(&after, "advocacy-1"), 6);
    // The thread index too: a thread's title changed in index.json alone.
    let index = dir.join("index.json");
    let text = fs::read_to_string(&index).unwrap();
    let renamed = text.replacen("Discussion Thread 1: Advocacy", "Renamed by hand", 1);
    assert_ne!(text, renamed);
    fs::write(&index, renamed).unwrap();
    let out = threadmark(data.path(), &["tree"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("Renamed by hand"), "{text}");
}

#[test]
fn a_damaged_tree_index_is_kept_aside_and_built_again() {
    let data = tempfile::tempdir().unwrap();
    let dir = demo_dir(data.path());
    let (before, _) = tree_json(data.path());
    fs::write(dir.join("tree.sqlite"), vec![0x5a_u8; 8192]).unwrap();
    let (after, err) = tree_json(data.path());
    assert!(
        err.contains("tree.sqlite") && err.contains("corrupt-"),
        "{err}"
    );
    assert_eq!(after, before);
    assert_eq!(quarantined(&dir, "tree.sqlite").len(), 1);
    let (_, err) = tree_json(data.path());
    assert!(err.is_empty(), "built once: {err}");
}

#[test]
fn a_large_tree_index_build_tells_its_progress_on_stderr() {
    let data = tempfile::tempdir().unwrap();
    let dir = demo_dir(data.path());
    assert!(threadmark(data.path(), &["tree"]).status.success());
    let threads: Vec<serde_json::Value> = (0..2_500)
        .map(|n| {
            serde_json::json!({
                "id": format!("t{n}"), "area": "advocacy", "title": format!("Thread {n}"),
                "author": {"name": "ann"}, "created_at": "2024-01-01T00:00:00Z",
                "last_post_at": "2024-01-01T00:00:00Z", "post_count": 2, "last_seq": 2
            })
        })
        .collect();
    let index = serde_json::json!({"schema": 1, "threads": threads});
    fs::write(dir.join("index.json"), index.to_string()).unwrap();
    let (tree, err) = tree_json(data.path());
    assert!(
        err.contains("building the tree index from 2500 threads") && err.contains("built"),
        "{err}"
    );
    assert_eq!(tree["unread"], 5_000);
    let (_, err) = tree_json(data.path());
    assert!(err.is_empty(), "{err}");
}
