//! `threadmark tree` on a forum of many threads an area: at most `--threads N` of each
//! area (25 by default), the first of the area's order, then a line counting the others;
//! every count stays the whole area's. `--threads all` and `--json` list everything.

use crate::support::generator::{Spec, generate};
use crate::{stdout_of, threadmark};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;
use threadmark::model::ReadState;
use threadmark::store::{Cache, DataDir};

/// A generated forum of 1,000 threads in 20 areas (about 50 an area), some read.
fn forum(home: &Path) {
    let forum = generate(Spec {
        seed: 5,
        posts: 3_000,
        threads: 1_000,
    });
    let dir = DataDir::new(home.join("data")).account("gen");
    forum.write_cache(&dir).unwrap();
    let mut read = ReadState::default();
    for (n, (summary, _)) in forum.threads.iter().enumerate() {
        if n % 4 == 0 {
            read.thread_mut(&summary.id).mark_all_read(summary.last_seq);
        }
    }
    Cache::open(dir).save_read_state(&read).unwrap();
    std::fs::write(
        home.join("config.toml"),
        "[[accounts]]\nname = \"gen\"\nurl = \"http://127.0.0.1:9\"\n",
    )
    .unwrap();
}

/// Each area's title with its thread ids in order, its unread count, and the number its
/// "more threads" line gives, read from the text of `tree`.
#[derive(Debug, Default, PartialEq)]
struct AreaText {
    threads: Vec<String>,
    unread: u64,
    more: u64,
}

fn areas_of(text: &str) -> BTreeMap<String, AreaText> {
    let mut areas: BTreeMap<String, AreaText> = BTreeMap::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        // Area lines sit two levels deep: "│   ├── Title (N unread)".
        let depth = line.chars().take_while(|c| "│├└─ ".contains(*c)).count();
        let rest = line.trim_start_matches(|c| "│├└─ ".contains(c));
        if depth == 8 && !rest.starts_with('…') {
            let (title, unread) = match rest.rsplit_once(" (") {
                Some((title, count)) => (
                    title.to_owned(),
                    count.trim_end_matches(" unread)").parse().unwrap(),
                ),
                None => (rest.to_owned(), 0),
            };
            areas.entry(title.clone()).or_default().unread = unread;
            current = Some(title);
        } else if let Some(area) = current.as_ref().and_then(|a| areas.get_mut(a)) {
            if let Some(more) = rest.strip_prefix("… ") {
                area.more = more.split(' ').next().unwrap().parse().unwrap();
            } else if depth == 12 && rest.contains(" · ") {
                area.threads
                    .push(rest.split(" · ").next().unwrap().to_owned());
            }
        }
    }
    areas
}

/// Each area's thread ids and unread posts, as `tree --json` lists them all.
fn areas_of_json(tree: &Value) -> BTreeMap<String, (Vec<String>, u64)> {
    tree["sections"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["areas"].as_array().unwrap())
        .map(|a| {
            let ids = a["threads"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| t["id"].as_str().unwrap().to_owned())
                .collect();
            (
                a["title"].as_str().unwrap().to_owned(),
                (ids, a["unread"].as_u64().unwrap()),
            )
        })
        .collect()
}

#[test]
fn tree_lists_the_first_threads_of_each_area_and_counts_the_rest() {
    let home = tempfile::tempdir().unwrap();
    forum(home.path());
    let tree: Value = serde_json::from_str(&stdout_of(&threadmark(
        home.path(),
        &["tree", "--json"],
        &[],
    )))
    .unwrap();
    let whole = areas_of_json(&tree);
    assert_eq!(whole.len(), 20);
    assert!(
        whole.values().all(|(ids, _)| ids.len() > 30),
        "every area has more threads than the default lists"
    );
    for (args, limit) in [
        (&["tree", "--width", "200", "--threads", "7"][..], 7),
        (&["tree", "--width", "200"][..], 25),
    ] {
        let text = stdout_of(&threadmark(home.path(), args, &[]));
        let shown = areas_of(&text);
        assert_eq!(shown.len(), whole.len(), "{args:?}: every area is shown");
        for (title, (ids, unread)) in &whole {
            let area = &shown[title];
            assert_eq!(area.threads, ids[..limit], "{args:?}: the first of {title}");
            assert_eq!(area.more, (ids.len() - limit) as u64, "{args:?}: {title}");
            assert_eq!(
                area.unread, *unread,
                "{args:?}: {title}'s whole unread count"
            );
        }
        let total: u64 = whole.values().map(|(_, unread)| unread).sum();
        assert!(
            text.starts_with(&format!("Synthetic Forum ({total} unread)")),
            "{text}"
        );
    }
    // Everything, as before the limit; and the same from the files when a view is asked.
    let all = stdout_of(&threadmark(
        home.path(),
        &["tree", "--width", "200", "--threads", "all"],
        &[],
    ));
    for (title, (ids, _)) in &whole {
        let area = &areas_of(&all)[title];
        assert_eq!(&area.threads, ids);
        assert_eq!(area.more, 0);
    }
    assert!(!all.contains("more thread"));
    let viewed = stdout_of(&threadmark(
        home.path(),
        &[
            "tree",
            "--width",
            "200",
            "--threads",
            "7",
            "--view",
            "unread",
        ],
        &[],
    ));
    for (title, (_, unread)) in &whole {
        let area = &areas_of(&viewed)[title];
        assert_eq!(area.threads.len(), 7, "{title}");
        assert_eq!(area.unread, *unread, "{title}");
    }
}

#[test]
fn a_wrong_threads_value_is_refused_with_a_message() {
    let home = tempfile::tempdir().unwrap();
    forum(home.path());
    let out = threadmark(home.path(), &["tree", "--threads", "some"], &[]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("expected a number of threads or `all`"),
        "{err}"
    );
    let out = threadmark(home.path(), &["tree", "--json", "--threads", "3"], &[]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("cannot be used with"),
        "--json lists every thread"
    );
}
