//! A Lemmy account used the way a person does, through the real binary: `account add
//! --kind lemmy`, `login` (with a two-factor code), `account list` naming the version,
//! `sync`, `tree` and `read` with comments nested by their path, a reply written offline
//! and sent exactly once although the instance swallowed the first answer, and an
//! instance that is down taking only its own account offline.

use crate::instance::generated;
use crate::lemmy::standin::StandIn;
use crate::lemmy::world::Api;
use crate::{BOTH, bounded, standin};
use axum::http::Method;
use std::path::Path;
use std::process::{Command, Output, Stdio};

/// Runs the client binary off the async runtime (the stand-in serves meanwhile).
pub async fn threadmark(home: &Path, args: &[&str], stdin: &str, env: &[(&str, &str)]) -> Output {
    let home = home.to_owned();
    let args: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
    let env: Vec<(String, String)> = env
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
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
            .envs(env)
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

/// `account add NAME --kind lemmy`, then a login as alice (password, then `totp` when the
/// account has two-factor on).
pub async fn sign_in(home: &Path, name: &str, server: &StandIn, totp: Option<&str>) -> String {
    let out = threadmark(
        home,
        &[
            "account",
            "add",
            name,
            "--url",
            &server.url,
            "--kind",
            "lemmy",
        ],
        "",
        &[],
    )
    .await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdin = match totp {
        Some(code) => format!("correct horse\n{code}\n"),
        None => "correct horse\n".to_owned(),
    };
    let out = threadmark(
        home,
        &[
            "login",
            "--account",
            name,
            "--user",
            "alice",
            "--password-stdin",
        ],
        &stdin,
        &[],
    )
    .await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    text(&out.stdout)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_instance_is_read_offline_and_answered_exactly_once() {
    bounded(async {
        for api in BOTH {
            let (server, _) = standin(api, generated("lemmy.test")).await;
            let home = tempfile::tempdir().unwrap();
            let home = home.path();
            log_in_with_two_factors(api, &server, home).await;

            server.clear_requests();
            let out = threadmark(home, &["sync"], "", &[]).await;
            assert!(out.status.success(), "{}", text(&out.stderr));
            let sent = server.requests();
            assert!(sent.len() > 5);
            assert!(
                sent.iter().all(|r| r
                    .header("authorization")
                    .is_some_and(|a| a.starts_with("Bearer "))),
                "every request after login carries the token"
            );
            read_offline(home).await;
            reply_once_despite_a_lost_answer(api, &server, home).await;
        }
    })
    .await;
}

/// A login asking for the two-factor code, the token stored 0600, the version listed.
async fn log_in_with_two_factors(api: Api, server: &StandIn, home: &Path) {
    let alice = server.world().instance.person_named("alice").unwrap().id;
    if let Some(user) = server
        .world()
        .instance
        .users
        .iter_mut()
        .find(|u| u.person == alice)
    {
        user.totp = Some("314159".to_owned());
    }
    let signed = sign_in(home, "lw", server, Some("314159")).await;
    let (version, label) = match api {
        Api::V3 => ("0.19.20", "API v3"),
        Api::V4 => ("1.0.0-beta.1", "API v4"),
    };
    assert!(
        signed.contains(&format!("Lemmy {version}, {label}")),
        "{signed}"
    );
    assert!(signed.contains("as alice"), "{signed}");
    let login: Vec<_> = server
        .requests()
        .into_iter()
        .filter(|r| r.method == Method::POST && r.path.ends_with("/login"))
        .collect();
    assert_eq!(
        login.len(),
        2,
        "{api:?}: once without the code, once with it"
    );
    assert_eq!(login[1].json()["totp_2fa_token"], "314159");
    let secret = home.join("data/secrets/lw.json");
    let mode =
        std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(secret).unwrap().permissions());
    assert_eq!(mode & 0o777, 0o600);
    let listed = text(&threadmark(home, &["account", "list"], "", &[]).await.stdout);
    assert!(
        listed.contains(&format!("lw  lemmy (Lemmy {version}, {label})")),
        "{listed}"
    );
}

/// `tree` and `read` from the cache: the sections, the chain nested ten deep, the stubs,
/// the scores, federated names.
async fn read_offline(home: &Path) {
    let tree = text(
        &threadmark(home, &["tree", "--width", "100"], "", &[])
            .await
            .stdout,
    );
    for expected in [
        "Lemmy Stand-in",
        "Subscribed",
        "rust",
        "linux@lemmy.ml",
        "Local",
        "news",
        "All",
        "art@art.example",
        "Trees all the way down",
    ] {
        assert!(tree.contains(expected), "{expected} missing:\n{tree}");
    }
    let thread = read(home, "Trees all the way down").await;
    let deepest = thread
        .lines()
        .find(|l| l.contains("level 10 of the chain"))
        .unwrap_or_else(|| panic!("{thread}"));
    assert!(
        deepest.starts_with(&"│ ".repeat(9)),
        "nested by path:\n{thread}"
    );
    assert!(thread.contains("[deleted]"), "{thread}");
    assert!(thread.contains("[removed by a moderator]"), "{thread}");
    assert!(thread.contains("1 point"), "{thread}");
    assert!(thread.contains("carol@lemmy.ml"), "{thread}");
}

async fn read(home: &Path, thread: &str) -> String {
    text(
        &threadmark(home, &["read", thread, "--width", "120"], "", &[])
            .await
            .stdout,
    )
}

/// A reply written offline; the instance stores it but its answer never comes in time;
/// the next sync finds it there instead of sending it again.
async fn reply_once_despite_a_lost_answer(api: Api, server: &StandIn, home: &Path) {
    let out = threadmark(
        home,
        &["reply", "Trees all the way down", "--to", "#3"],
        "Written on the train",
        &[],
    )
    .await;
    assert!(out.status.success(), "{}", text(&out.stderr));

    server.world().reply_delay = Some(std::time::Duration::from_secs(5));
    let out = threadmark(home, &["sync"], "", &[("THREADMARK_TIMEOUTS", "total=2")]).await;
    let outbox = text(&threadmark(home, &["outbox"], "", &[]).await.stdout);
    assert!(
        outbox.contains("unknown"),
        "{api:?}: {}\n{outbox}",
        text(&out.stdout)
    );
    assert_eq!(server.requests_to(&Method::POST, "/comment").len(), 1);
    server.world().reply_delay = None;

    let out = threadmark(home, &["sync"], "", &[]).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("1 sent"),
        "{}",
        text(&out.stdout)
    );
    assert_eq!(
        server.requests_to(&Method::POST, "/comment").len(),
        1,
        "{api:?}: exactly once"
    );
    let stored = server
        .world()
        .instance
        .comments
        .values()
        .filter(|c| c.content == "Written on the train")
        .count();
    assert_eq!(stored, 1);
    let out = threadmark(home, &["sync"], "", &[]).await;
    assert!(out.status.success());
    let listed = text(&threadmark(home, &["outbox"], "", &[]).await.stdout);
    assert!(
        listed.contains("empty"),
        "the echo became the real comment: {listed}"
    );
    let thread = read(home, "Trees all the way down").await;
    let mine = thread
        .lines()
        .find(|l| l.contains("Written on the train"))
        .unwrap();
    assert!(
        mine.starts_with("│ │ "),
        "under the post it answers:\n{thread}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_locked_post_refuses_the_reply_with_the_reason_and_so_does_lemmy() {
    bounded(async {
        let (server, _) = standin(Api::V3, generated("lemmy.test")).await;
        let home = tempfile::tempdir().unwrap();
        let home = home.path();
        sign_in(home, "lw", &server, None).await;
        assert!(threadmark(home, &["sync"], "", &[]).await.status.success());
        // Locked when synced: refused before anything is queued.
        let out = threadmark(home, &["reply", "Locked for good"], "Let me in", &[]).await;
        assert!(!out.status.success());
        assert!(
            text(&out.stderr).contains("locked"),
            "{}",
            text(&out.stderr)
        );

        // Queued while open, locked before it went out: Lemmy's refusal is final.
        let out = threadmark(home, &["reply", "Quiet links"], "Before the lock", &[]).await;
        assert!(out.status.success(), "{}", text(&out.stderr));
        for post in server.world().instance.posts.values_mut() {
            post.locked = true;
        }
        let out = threadmark(home, &["sync"], "", &[]).await;
        assert!(
            text(&out.stdout).contains("1 failed"),
            "{}",
            text(&out.stdout)
        );
        let listed = text(&threadmark(home, &["outbox"], "", &[]).await.stdout);
        assert!(listed.contains("the post is locked"), "{listed}");
        assert_eq!(server.requests_to(&Method::POST, "/comment").len(), 1);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_instance_that_is_down_takes_only_its_own_account_offline() {
    bounded(async {
        let (up, _) = standin(Api::V4, generated("up.test")).await;
        let (down, _) = standin(Api::V3, generated("down.test")).await;
        let home = tempfile::tempdir().unwrap();
        let home = home.path();
        sign_in(home, "up", &up, None).await;
        sign_in(home, "down", &down, None).await;
        assert!(
            threadmark(home, &["sync", "--account", "down"], "", &[])
                .await
                .status
                .success()
        );
        drop(down);

        let out = threadmark(home, &["sync", "--account", "down"], "", &[]).await;
        assert!(!out.status.success());
        assert!(
            text(&out.stderr).contains("unreachable"),
            "{}",
            text(&out.stderr)
        );
        // Its cache reads on; the other account syncs as usual.
        let tree = text(
            &threadmark(home, &["tree", "--account", "down"], "", &[])
                .await
                .stdout,
        );
        assert!(tree.contains("Trees all the way down"), "{tree}");
        let out = threadmark(home, &["sync", "--account", "up"], "", &[]).await;
        assert!(out.status.success(), "{}", text(&out.stderr));
        assert!(
            text(&out.stdout).contains("new thread"),
            "{}",
            text(&out.stdout)
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_account_waiting_for_approval_is_told_so() {
    bounded(async {
        for api in BOTH {
            let mut instance = generated("lemmy.test");
            instance.require_application = true;
            let alice = instance.person_named("alice").unwrap().id;
            if let Some(user) = instance.users.iter_mut().find(|u| u.person == alice) {
                user.accepted = false;
            }
            let (server, _) = standin(api, instance).await;
            let home = tempfile::tempdir().unwrap();
            let home = home.path();
            let out = threadmark(
                home,
                &[
                    "account",
                    "add",
                    "lw",
                    "--url",
                    &server.url,
                    "--kind",
                    "lemmy",
                ],
                "",
                &[],
            )
            .await;
            assert!(out.status.success());
            let out = threadmark(
                home,
                &["login", "--user", "alice", "--password-stdin"],
                "correct horse\n",
                &[],
            )
            .await;
            assert!(!out.status.success());
            let said = text(&out.stderr);
            assert!(
                said.contains("not approved this account yet"),
                "{api:?}: {said}"
            );
            assert!(
                !home.join("data/secrets/lw.json").exists(),
                "nothing stored"
            );
        }
    })
    .await;
}
