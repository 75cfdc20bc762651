//! Rules in `config.toml` over the bundled demo forum's cache, through `threadmark read`
//! and `tree`: hidden posts leave a stub and leave the counts but stay in the cache, dim
//! greys, read leaves the unread count, highlight and score show; a broken rule is an
//! error naming its line.

use crate::{stdout_of, threadmark};
use serde_json::Value;
use std::path::Path;

const THREAD: &str = "advocacy-1";

fn with_rules(rules: &str) -> tempfile::TempDir {
    let home = tempfile::tempdir().unwrap();
    std::fs::write(home.path().join("config.toml"), rules).unwrap();
    home
}

fn read(home: &Path, extra: &[&str]) -> String {
    let mut args = vec!["read", "advocacy", "--width", "100"];
    args.extend_from_slice(extra);
    stdout_of(&threadmark(home, &args, &[]))
}

/// The demo thread's unread count in `tree --json`, and the forum's.
fn tree_unread(home: &Path) -> (u64, u64) {
    let tree: Value =
        serde_json::from_str(&stdout_of(&threadmark(home, &["tree", "--json"], &[]))).unwrap();
    let thread = crate::serve::tree_thread(&tree, THREAD);
    (
        thread["unread"].as_u64().unwrap(),
        tree["unread"].as_u64().unwrap(),
    )
}

/// Authors of the demo thread's posts as the cache has them (`read --json`).
fn cached_authors(home: &Path) -> Vec<String> {
    let read: Value = serde_json::from_str(&read(home, &["--json"])).unwrap();
    read["posts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["author"]["name"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn hidden_posts_leave_a_stub_and_the_counts_but_stay_in_the_cache() {
    let plain = tempfile::tempdir().unwrap();
    let (thread_before, forum_before) = tree_unread(plain.path());
    assert_eq!(thread_before, 8, "the demo thread starts all unread");
    let text = read(plain.path(), &[]);
    assert!(text.contains("make sure that advocacy is active"), "{text}");

    let home = with_rules(
        "# quiet, please\n[[rules]]\nmatch = { author = \"CONNIE WILLIAMS\" }\naction = \"hide\"\n",
    );
    let text = read(home.path(), &[]);
    assert!(text.contains("── #2 hidden by rule 1"), "{text}");
    assert!(text.contains("── #8 hidden by rule 1"), "{text}");
    assert!(
        !text.contains("make sure that advocacy is active"),
        "{text}"
    );
    assert!(
        text.contains("8 posts, 6 unread, 2 hidden by rules"),
        "{text}"
    );
    // What answers a hidden post is still shown, and says whom it answers.
    assert!(
        text.contains("Robert Banks · #3 · answers Connie Williams (#2)"),
        "{text}"
    );
    assert_eq!(
        tree_unread(home.path()),
        (thread_before - 2, forum_before - 2)
    );
    let tree = stdout_of(&threadmark(home.path(), &["tree", "--width", "100"], &[]));
    assert!(tree.contains("8 posts, 6 unread"), "{tree}");
    let authors = cached_authors(home.path());
    assert_eq!(
        authors.iter().filter(|a| *a == "Connie Williams").count(),
        2,
        "never deleted from the cache: {authors:?}"
    );
}

#[test]
fn score_and_highlight_show_on_posts_and_the_thread() {
    let home = with_rules(
        "[[rules]]\nmatch = { body = \"(?i)aspirations\" }\naction = \"score\"\nscore = 5\n\
         [[rules]]\nmatch = { title = \"(?i)\\\\badvocacy\\\\b\" }\naction = \"score\"\nscore = -1\n\
         [[rules]]\nmatch = { author = \"mary ghikas\", area = \"Advocacy\" }\naction = \"highlight\"\n",
    );
    let text = read(home.path(), &[]);
    // Eight posts score -1 for the title, one of them +5 for its body.
    assert!(text.contains("8 posts, 8 unread, score -3"), "{text}");
    assert!(
        text.contains("Robert Banks · #3 · answers Connie Williams (#2) · score +4"),
        "{text}"
    );
    assert!(
        text.contains("── Mary Ghikas · #1 · score -1 · ★"),
        "{text}"
    );
    let tree = stdout_of(&threadmark(home.path(), &["tree", "--width", "100"], &[]));
    assert!(tree.contains("8 posts, 8 unread, score -3"), "{tree}");
}

#[test]
fn dim_greys_a_post_and_read_takes_it_out_of_the_unread_count() {
    let home = with_rules(
        "[[rules]]\nmatch = { author = \"David King\" }\naction = \"dim\"\n\
         [[rules]]\nmatch = { author = \"Susan Hubbs\" }\naction = \"read\"\n",
    );
    let text = read(home.path(), &["--color", "always"]);
    let line = text
        .lines()
        .find(|l| l.contains("David King"))
        .unwrap_or_else(|| panic!("{text}"));
    // Every part of the header in the grey of the quiet parts, the name too.
    assert!(line.contains("\u{1b}[2mDavid King"), "{line:?}");
    let other = text
        .lines()
        .find(|l| l.contains("Carol Heinsdorf"))
        .unwrap();
    assert!(!other.contains("\u{1b}[2mCarol"), "{other:?}");
    assert_eq!(tree_unread(home.path()).0, 7);
}

#[test]
fn a_broken_rule_is_an_error_naming_its_line_and_the_file_is_kept() {
    let broken = "# comment\n[[rules]]\nmatch = { author = \"a\" }\naction = \"hide\"\n\n\
                  [[rules]]\nmatch = { title = \"(unclosed\" }\naction = \"hide\"\n";
    let home = with_rules(broken);
    let out = threadmark(home.path(), &["tree"], &[]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("line 6: rule 2: title is not a regular expression"),
        "{err}"
    );
    assert_eq!(
        std::fs::read_to_string(home.path().join("config.toml")).unwrap(),
        broken
    );
}
