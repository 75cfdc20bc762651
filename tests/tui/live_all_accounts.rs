//! End to end with two real servers (`threadmark serve --demo` on 127.0.0.1, one per
//! account) and the real reader in a pseudo-terminal: a saved-search folder without
//! `account:` shows once, under "All accounts", counting the unread hits of both accounts
//! (and following a post that arrives through either account's sync); opened, it lists
//! the threads of both, each naming its account, and enter on the other account's thread
//! moves there and opens it. A folder with `account:` shows under its account alone.

use crate::pty_session::PtySession;
use crate::serve::{Client, Served, text};
use crate::support::api::Api;
use serde_json::json;

const THREAD: &str = "advocacy-1";
/// The start of its title (the tree truncates the rest).
const TITLE: &str = "Strategic Framework";

/// The tree pane's part of each row (left of the pane border), trimmed.
fn tree_rows(screen: &str) -> Vec<String> {
    screen
        .lines()
        .map(|l| l.split('│').next().unwrap_or(l).trim().to_owned())
        .collect()
}

/// The first tree row holding `label`, if any.
fn row(screen: &str, label: &str) -> Option<String> {
    tree_rows(screen).into_iter().find(|r| r.contains(label))
}

/// Where the first tree row holding `label` is.
fn at(rows: &[String], label: &str) -> Option<usize> {
    rows.iter().position(|r| r.contains(label))
}

fn rows_with(screen: &str, label: &str) -> usize {
    tree_rows(screen)
        .iter()
        .filter(|r| r.contains(label))
        .count()
}

/// Adds account `name` for `server` to `client` and signs it in.
fn add_account(client: &Client, name: &str, server: &Served) {
    client.ok(&["account", "add", name, "--url", &server.url]);
    let token = server.member_token.clone().unwrap();
    let out = client.run_with_stdin(&["--account", name, "login", "--token-stdin"], &token);
    assert!(out.status.success(), "{}", text(&out.stderr));
}

#[test]
fn a_folder_without_account_counts_and_lists_every_account_under_all_accounts() {
    let (work_store, play_store) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let work = Served::demo(work_store.path(), &[]);
    let play = Served::demo(play_store.path(), &[]);
    let client = Client::default();
    add_account(&client, "work", &work);
    add_account(&client, "play", &play);
    let path = format!("/threads/{THREAD}/posts");
    let work_admin = Api::new(&work.url, work.admin_token.as_ref().unwrap());
    let play_admin = Api::new(&play.url, play.admin_token.as_ref().unwrap());
    work_admin.post(&path, &json!({"body": "A zebra at the office."}));
    work_admin.post(&path, &json!({"body": "Another zebra at the office."}));
    play_admin.post(&path, &json!({"body": "A zebra in the park, striped."}));
    client.ok(&["--account", "work", "sync"]);
    client.ok(&["--account", "play", "sync"]);
    // What `threadmark search` finds in each account: the sums below are theirs.
    for (account, hits) in [("work", 2), ("play", 1)] {
        let out = client.ok(&["--account", account, "search", "zebra unread", "--json"]);
        let found: serde_json::Value = serde_json::from_str(&out).unwrap();
        let n = found["hits"].as_array().map_or(0, Vec::len);
        assert_eq!(n, hits, "{account}: {out}");
    }
    let mut config = std::fs::read_to_string(client.config()).unwrap();
    config.push_str(
        "\n[[folders]]\nname = \"Zebras\"\nquery = \"zebra\"\n\
         [[folders]]\nname = \"Office zebras\"\nquery = \"zebra account:work\"\n",
    );
    std::fs::write(client.config(), config).unwrap();

    let mut reader = PtySession::start(client.home.path(), &[], &[], 120, 40);
    let screen = reader.wait_for("Zebras under All accounts with both accounts' hits", |s| {
        row(s, "⌕ Zebras").is_some_and(|r| r.ends_with(" 3"))
    });
    let rows = tree_rows(&screen);
    let all = at(&rows, "▾ All accounts").unwrap_or_else(|| panic!("no All accounts:\n{screen}"));
    let zebras = at(&rows, "⌕ Zebras").unwrap();
    let first_account = at(&rows, "Strategic Framework").unwrap();
    assert!(all < zebras && zebras < first_account, "{screen}");
    assert_eq!(rows_with(&screen, "⌕ Zebras"), 1, "shown once:\n{screen}");
    // The folder naming `account:work` is in work's tree (in focus), not under All
    // accounts.
    let office = row(&screen, "⌕ Office zebras").unwrap_or_else(|| panic!("{screen}"));
    assert!(office.ends_with(" 2"), "{office}");
    assert!(
        at(&rows, "⌕ Office zebras").unwrap() > first_account,
        "{screen}"
    );

    // A post arriving through play's own sync (play not in focus) raises the sum.
    play_admin.post(&path, &json!({"body": "A zebra at the zoo."}));
    reader.wait_for("the sum to follow play's new post", |s| {
        row(s, "⌕ Zebras").is_some_and(|r| r.ends_with(" 4"))
    });

    // Up from work's first row is All accounts' last row: the folder; enter opens it.
    reader.send("gg");
    reader.send("k");
    reader.send("\r");
    let screen = reader.wait_for("the folder's threads from both accounts", |s| {
        row(s, &format!("work · {TITLE}")).is_some() && row(s, &format!("play · {TITLE}")).is_some()
    });
    let work_row = row(&screen, &format!("work · {TITLE}")).unwrap();
    let play_row = row(&screen, &format!("play · {TITLE}")).unwrap();
    assert!(work_row.ends_with(" 2"), "{work_row}");
    assert!(play_row.ends_with(" 2"), "{play_row}");

    // enter on play's thread: play takes the focus and opens it (its own posts).
    reader.send("j");
    reader.send("j");
    reader.send("\r");
    let screen = reader.wait_for("play in focus, its thread open", |s| {
        s.contains(" play · synced") && s.contains("Advocacy · 10 posts")
    });
    assert_eq!(rows_with(&screen, "⌕ Zebras"), 1, "{screen}");
    // work is folded to its row now: its own folder is not on screen.
    assert_eq!(rows_with(&screen, "⌕ Office zebras"), 0, "{screen}");
    // The reader has the keys: its last posts are play's own.
    reader.send("G");
    let screen = reader.wait_for("play's last posts", |s| s.contains("A zebra at the zoo."));
    assert!(!screen.contains("A zebra at the office."), "{screen}");
    reader.send("q");
    assert!(reader.wait_exit().success());
}
