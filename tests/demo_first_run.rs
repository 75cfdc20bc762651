//! First run on an empty data directory: the demo forum is imported and readable offline.

mod support;

use std::path::Path;
use threadmark::model::{Severity, ThreadId};
use threadmark::store::{Cache, DataDir};

fn threadmark(data: &Path, args: &[&str]) -> std::process::Output {
    support::run::command_on(data, &data.join("no-config.toml"), args, &[])
        .output()
        .expect("the binary runs")
}

#[test]
fn first_run_imports_the_whole_demo_forum() {
    let data = tempfile::tempdir().unwrap();
    let out = threadmark(data.path(), &["tree", "--width", "100"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let tree = String::from_utf8(out.stdout).unwrap();
    for name in [
        "Strategic Framework",
        "Strategic Initiatives",
        "Information Policy",
        "Professional and Leadership Development",
        "Enabling Strategies",
        "Advocacy",
        "Discussion Thread 1: Advocacy",
    ] {
        assert!(tree.contains(name), "{name} missing from:\n{tree}");
    }

    let mut cache = Cache::open(DataDir::new(data.path()).account("demo"));
    let forum = cache.load_forum().unwrap().expect("tree.json written");
    let banner = forum.announcement.expect("the gray-out banner");
    assert_eq!(banner.severity, Severity::Warning);
    assert!(banner.text.contains("gray-out"));
    let labels: Vec<&str> = banner.links.iter().map(|l| l.label.as_str()).collect();
    assert_eq!(labels, ["Online Doc", "Meeting Request"]);
    assert!(forum.undated, "the seed has no dates");

    let thread = cache
        .load_thread(&ThreadId::new("advocacy-1"))
        .unwrap()
        .expect("the thread file");
    let authors: Vec<&str> = thread
        .posts
        .iter()
        .map(|p| p.author.name.as_str())
        .collect();
    assert_eq!(
        authors,
        [
            "Mary Ghikas",
            "Connie Williams",
            "Robert Banks",
            "David King",
            "Susan Hubbs",
            "Carol Heinsdorf",
            "Patricia Antrim",
            "Connie Williams",
        ]
    );
    let by_seq = |seq: u32| &thread.posts[seq as usize - 1];
    assert_eq!(
        by_seq(3).reply_to.as_ref(),
        Some(&by_seq(2).id),
        "Banks answers Williams"
    );
    assert_eq!(
        by_seq(7).reply_to.as_ref(),
        Some(&by_seq(6).id),
        "Antrim answers Heinsdorf"
    );
    for seq in [2, 4, 5, 6, 8] {
        assert_eq!(
            by_seq(seq).reply_to,
            None,
            "#{seq} answers the opening post"
        );
    }
    for seq in [5, 7] {
        assert_eq!(by_seq(seq).author.badge.as_deref(), Some("non-member"));
        assert!(!by_seq(seq).author.name.contains("non-member"));
    }
    assert!(
        by_seq(3)
            .body
            .text
            .ends_with("Rob Banks, ALA Executive Board"),
        "the signature stays part of the post"
    );
    assert!(cache.take_problems().is_empty());
}

#[test]
fn read_by_a_part_of_the_title_prints_the_nested_thread() {
    let data = tempfile::tempdir().unwrap();
    let out = threadmark(data.path(), &["read", "advocacy", "--width", "80"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let banks = text
        .lines()
        .find(|l| l.contains("Robert Banks"))
        .expect("Banks's header");
    assert!(
        banks.starts_with("│ "),
        "nested under Connie Williams: {banks:?}"
    );
    assert!(text.contains("Susan Hubbs [non-member]"));
    assert!(text.contains("Wow! I just went on and on.."));
}

#[test]
fn a_wrong_thread_or_flag_fails_with_a_clear_message() {
    let data = tempfile::tempdir().unwrap();
    let out = threadmark(data.path(), &["read", "no such thread"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(err.lines().count(), 1, "one line: {err}");
    assert!(err.contains("threadmark tree"), "{err}");

    let out = threadmark(data.path(), &["tree", "--widht", "80"]);
    assert_eq!(out.status.code(), Some(2), "usage errors exit 2");
}

#[test]
fn search_finds_posts_offline() {
    let data = tempfile::tempdir().unwrap();
    let out = threadmark(data.path(), &["search", "relentless", "nature"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("#8 Connie Williams"), "{text}");
    assert!(!text.contains("#2 "), "every word must match: {text}");
}
