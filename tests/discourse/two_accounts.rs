//! Two accounts in one reader, end to end: a native account on a real `threadmark serve`
//! and a Discourse account on the stand-in, the real binary in a pseudo-terminal. Both
//! forums head the tree; a reply queued in each goes to its own server exactly once; the
//! native server killed, its row says offline while the Discourse account goes on
//! syncing; `--account` opens one alone.

use crate::cli::{text, threadmark};
use crate::support::api::Api;
use crate::support::discourse_forum::{Forum, base_time};
use crate::support::pty_session::PtySession;
use crate::support::serve::Served;
use crate::{ADMIN_KEY, standin};
use axum::http::Method;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

const CTRL_S: &str = "\x13";
const CTRL_U: &str = "\u{15}";
/// The native demo forum's title, and the stand-in's (made different from it).
const NATIVE_TITLE: &str = "Strategic Framework";
const DISCOURSE_TITLE: &str = "Meta Discussions";
const NATIVE_REPLY: &str = "Native reply from the two-account reader.";
const DISCOURSE_REPLY: &str = "Discourse reply from the two-account reader.";
/// The engines' next looks take their time; still bounded.
const LONG: Duration = Duration::from_secs(90);

/// The native forum's root row: the line with its title and not the stand-in's.
fn native_row(screen: &str) -> Option<&str> {
    screen
        .lines()
        .find(|l| l.contains(NATIVE_TITLE) && !l.contains(DISCOURSE_TITLE))
}

async fn ok(home: &Path, args: &[&str], stdin: &str) {
    let out = threadmark(home, args, stdin).await;
    assert!(
        out.status.success(),
        "{args:?}: {}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
}

/// Waits (bounded) until `check` holds.
fn until(what: &str, check: impl Fn() -> bool) {
    let deadline = Instant::now() + LONG;
    while !check() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// How many posts of the native Advocacy thread hold `needle`.
fn native_posts_with(api: &Api, needle: &str) -> usize {
    api.get("/threads/advocacy-1/posts")["posts"]
        .as_array()
        .map_or(0, |posts| {
            posts
                .iter()
                .filter(|p| p["body"].as_str().is_some_and(|b| b.contains(needle)))
                .count()
        })
}

/// Account `work` on the native server signed in as its member, then account `meta` on
/// the stand-in signed in as bob, in that order in the config.
async fn configure(home: &Path, native_url: &str, member: &str, discourse_url: &str) {
    ok(home, &["account", "add", "work", "--url", native_url], "").await;
    ok(
        home,
        &["--account", "work", "login", "--token-stdin"],
        member,
    )
    .await;
    ok(
        home,
        &[
            "account",
            "add",
            "meta",
            "--url",
            discourse_url,
            "--kind",
            "discourse",
        ],
        "",
    )
    .await;
    // A budget that never gets in the way (a setting for forums whose admins raised it).
    let config = home.join("config.toml");
    let edited = std::fs::read_to_string(&config).unwrap().replace(
        "kind = \"discourse\"",
        "kind = \"discourse\"\nrequests_per_minute = 100000",
    );
    std::fs::write(&config, edited).unwrap();
    ok(
        home,
        &[
            "--account",
            "meta",
            "login",
            "--api-username",
            "bob",
            "--api-key-stdin",
        ],
        ADMIN_KEY,
    )
    .await;
}

/// `--account` opens one account alone, as ever.
fn one_account_alone(home: &Path) {
    let mut one = PtySession::start(home, &["--account", "meta"], &[], 140, 45);
    one.wait_for_text(" meta · synced");
    // The tree opens where it was left (at its bottom): to its top, the forum's root.
    one.send("gg");
    let screen = one.wait_for_text(DISCOURSE_TITLE);
    assert!(!screen.contains(NATIVE_TITLE), "{screen}");
    one.send("q");
    one.wait_exit();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_accounts_share_one_reader_each_with_its_own_server_and_connection() {
    // Two servers, two first syncs and the reader's own: a longer bound than one forum's.
    let whole = tokio::time::timeout(Duration::from_secs(300), async {
        let mut forum = Forum::rich();
        forum.title = DISCOURSE_TITLE.to_owned();
        let discourse = Arc::new(standin(forum).await);
        let store = tempfile::tempdir().unwrap();
        let store_path = store.path().to_owned();
        let native = tokio::task::spawn_blocking(move || Served::demo(&store_path, &[]))
            .await
            .unwrap();
        let member = native.member_token.clone().unwrap();
        let home = tempfile::tempdir().unwrap();
        let home = home.path().to_owned();

        configure(&home, &native.url, &member, &discourse.url).await;
        ok(&home, &["--account", "work", "sync"], "").await;
        ok(&home, &["--account", "meta", "sync"], "").await;

        let standin = Arc::clone(&discourse);
        let store_path = store.path().to_owned();
        tokio::task::spawn_blocking(move || {
            let api = Api::new(&native.url, &member);
            let mut s = PtySession::start(&home, &[], &[], 140, 45);
            // Both forums head the tree, from the caches, each with its connection.
            let screen = s.wait_for("both accounts in the tree", |screen| {
                screen.contains(DISCOURSE_TITLE) && native_row(screen).is_some()
            });
            assert!(
                screen.find(NATIVE_TITLE) < screen.find(DISCOURSE_TITLE),
                "in the config's order:\n{screen}"
            );

            // A reply in the native forum (its tree's last row: the Advocacy thread).
            s.send("G\r");
            s.wait_for_text("Connie Williams · #2");
            s.send("J");
            s.send("r");
            s.wait_for_text("Reply to Connie Williams (#2)");
            s.send(NATIVE_REPLY);
            s.wait_for_text(NATIVE_REPLY);
            s.send(CTRL_S);
            until("the native reply on the native server", || {
                native_posts_with(&api, NATIVE_REPLY) == 1
            });

            // Down past the native tree's last row: the Discourse account's tree.
            s.send("\t");
            s.send("G");
            s.send("j");
            s.wait_for("the Discourse account in focus", |screen| {
                screen.contains(&format!("▾ {DISCOURSE_TITLE}"))
                    && native_row(screen).is_some_and(|row| row.contains("▸ "))
            });
            s.send(&format!("/{CTRL_U}Newsletter plans\r"));
            s.wait_for_text("Newsletter plans");
            s.send("\r");
            s.wait_for_text("Post 1 of Newsletter plans.");
            s.send("r");
            s.wait_for_text("Reply to");
            s.send(DISCOURSE_REPLY);
            s.wait_for_text(DISCOURSE_REPLY);
            s.send(CTRL_S);
            let posted = |needle: &str| {
                standin
                    .requests_to(&Method::POST, "/posts.json")
                    .iter()
                    .filter(|r| r.body.contains(needle))
                    .count()
            };
            until("the Discourse reply on the stand-in", || {
                posted(DISCOURSE_REPLY) == 1
            });

            // The native server goes away: its row says so, the Discourse account syncs on.
            native.kill();
            let screen = s.wait_longer("the native account offline", LONG, |screen| {
                native_row(screen).is_some_and(|row| row.contains("offline"))
            });
            assert!(
                !screen
                    .lines()
                    .any(|l| l.contains(DISCOURSE_TITLE) && l.contains("offline")),
                "{screen}"
            );
            standin
                .world()
                .forum
                .add_topic(430, 21, "Fresh after the outage", base_time(), 0);
            s.send("\t");
            s.send("s");
            s.send(&format!("/{CTRL_U}Fresh after\r"));
            s.wait_longer("the new topic from the Discourse account", LONG, |screen| {
                screen.contains("Fresh after the outage")
            });

            // Each reply went to its own server, exactly once.
            s.settle(Duration::from_millis(500));
            assert_eq!(posted(DISCOURSE_REPLY), 1, "the Discourse reply once");
            assert_eq!(posted(NATIVE_REPLY), 0, "no native reply on Discourse");
            s.send("q");
            s.wait_exit();

            one_account_alone(&home);

            // The native server's store, read again after the kill: the native reply
            // once, the Discourse one never.
            let again = Served::start(&store_path, "127.0.0.1:0", false, &[]);
            let api = Api::new(&again.url, &member);
            assert_eq!(native_posts_with(&api, NATIVE_REPLY), 1);
            assert_eq!(native_posts_with(&api, DISCOURSE_REPLY), 0);
        })
        .await
        .unwrap();
    })
    .await;
    assert!(whole.is_ok(), "the test did not finish in time");
}
