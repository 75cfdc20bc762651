//! A Discourse account used the way a person does: `account add --kind discourse`,
//! `login` with an admin key from stdin, `sync`, `tree`, `read`, `reply`, the read-only
//! hold — the real client binary against the stand-in Discourse.

use crate::support::discourse_forum::Forum;
use crate::{ADMIN_KEY, bounded, standin};
use axum::http::Method;
use std::path::Path;
use std::process::{Command, Output, Stdio};

/// Runs the client binary off the async runtime (the stand-in serves meanwhile).
pub async fn threadmark(home: &Path, args: &[&str], stdin: &str) -> Output {
    let home = home.to_owned();
    let args: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
    let stdin = stdin.to_owned();
    tokio::task::spawn_blocking(move || {
        use std::io::Write;
        let mut child = Command::new(env!("CARGO_BIN_EXE_threadmark"))
            .arg("--data-dir")
            .arg(home.join("data"))
            .arg("--config")
            .arg(home.join("config.toml"))
            .args(&args)
            .env_remove("THREADMARK_ACCOUNT")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(stdin.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    })
    .await
    .unwrap()
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A Discourse account `meta` at `url` with these extra settings, its credential stored
/// as `threadmark login` stores it (a User API key takes the browser; the tests skip that
/// step). `None` reads anonymously.
pub async fn account_with(
    home: &Path,
    url: &str,
    settings: &str,
    credential: Option<&threadmark::store::Credential>,
) {
    let out = threadmark(
        home,
        &[
            "account",
            "add",
            "meta",
            "--url",
            url,
            "--kind",
            "discourse",
        ],
        "",
    )
    .await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let config = home.join("config.toml");
    let edited = std::fs::read_to_string(&config).unwrap().replace(
        "kind = \"discourse\"",
        &format!("kind = \"discourse\"\n{settings}"),
    );
    std::fs::write(&config, edited).unwrap();
    if let Some(credential) = credential {
        let data = threadmark::store::DataDir::new(home.join("data"));
        threadmark::store::Secrets::open(&data)
            .save("meta", credential)
            .unwrap();
    }
}

/// `account add --kind discourse`, then an admin-key login as bob.
pub async fn sign_in(home: &Path, url: &str) {
    let out = threadmark(
        home,
        &[
            "account",
            "add",
            "meta",
            "--url",
            url,
            "--kind",
            "discourse",
        ],
        "",
    )
    .await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    // The stand-in allows more than Discourse's default budget (a setting for forums
    // whose admins raised it), so the test does not wait out the minute.
    let config = home.join("config.toml");
    let edited = std::fs::read_to_string(&config).unwrap().replace(
        "kind = \"discourse\"",
        "kind = \"discourse\"\nrequests_per_minute = 100000",
    );
    std::fs::write(&config, edited).unwrap();
    let out = threadmark(
        home,
        &["login", "--api-username", "bob", "--api-key-stdin"],
        ADMIN_KEY,
    )
    .await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("as bob"),
        "{}",
        text(&out.stdout)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_discourse_forum_is_read_offline_and_answered_exactly_once() {
    bounded(async {
        let server = standin(Forum::rich()).await;
        let home = tempfile::tempdir().unwrap();
        let home = home.path();

        sign_in(home, &server.url).await;

        let out = threadmark(home, &["sync"], "").await;
        assert!(out.status.success(), "{}", text(&out.stderr));

        // Categories → sections, subcategories → areas, deeper levels folded in.
        let tree = text(
            &threadmark(home, &["tree", "--width", "100"], "")
                .await
                .stdout,
        );
        for expected in [
            "Strategic Framework Forum",
            "Strategic Initiatives",
            "Advocacy",
            "Research › Field Studies",
            "The long discussion",
        ] {
            assert!(tree.contains(expected), "{expected} missing:\n{tree}");
        }

        // Offline from the cache: the long topic, the chain nested.
        let thread = text(
            &threadmark(home, &["read", "The long discussion", "--width", "100"], "")
                .await
                .stdout,
        );
        assert!(thread.contains("#1"), "{thread}");
        let nested = thread.lines().filter(|l| l.starts_with("│ │ ")).count();
        assert!(nested > 0, "the reply chain is nested:\n{thread}");

        // A reply to the second post of the topic goes out with its post number.
        let out = threadmark(
            home,
            &["reply", "The long discussion", "--to", "#2"],
            "Answering the second post from a terminal",
        )
        .await;
        assert!(out.status.success(), "{}", text(&out.stderr));

        // First the forum is read-only: the reply is held, nothing is sent.
        server.world().read_only = true;
        let out = threadmark(home, &["sync"], "").await;
        assert!(out.status.success(), "{}", text(&out.stderr));
        assert!(
            text(&out.stdout).contains("1 held"),
            "{}",
            text(&out.stdout)
        );
        assert!(server.requests_to(&Method::POST, "/posts.json").is_empty());

        // Posting reopens: sent once, with the right post number.
        server.world().read_only = false;
        let out = threadmark(home, &["sync"], "").await;
        assert!(out.status.success(), "{}", text(&out.stderr));
        assert!(
            text(&out.stdout).contains("1 sent"),
            "{}",
            text(&out.stdout)
        );
        let posts = server.requests_to(&Method::POST, "/posts.json");
        assert_eq!(posts.len(), 1, "exactly once");
        let body: serde_json::Value = serde_json::from_str(&posts[0].body).unwrap();
        assert_eq!(body["topic_id"], 500);
        assert_eq!(body["reply_to_post_number"], 2);
        assert_eq!(body["raw"], "Answering the second post from a terminal");

        let out = threadmark(home, &["sync"], "").await;
        assert!(out.status.success());
        let listed = text(&threadmark(home, &["outbox"], "").await.stdout);
        assert!(
            listed.contains("empty"),
            "the echo became the real post: {listed}"
        );
        let thread = text(
            &threadmark(home, &["read", "The long discussion", "--width", "100"], "")
                .await
                .stdout,
        );
        assert!(thread.contains("Answering the second post from a terminal"));
    })
    .await;
}
