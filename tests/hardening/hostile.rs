//! Hostile content end to end. Every case of the corpus becomes a thread — posted to the
//! real reference server (or, past its size limit, loaded into its store as a hostile
//! server would serve it) and to the Discourse stand-in — with tricks in the thread
//! titles, author names, section and area names. The real client syncs it; then:
//!
//! - `tree`, `read`, `search`, `reply` + `outbox` print no control or escape byte;
//! - the reader, run in a pseudo-terminal, opens every thread, offers its links and goes
//!   to its end: all it writes to the terminal passes the allow-list of threadmark's own
//!   sequences, nothing hangs (every wait is bounded) and it quits cleanly;
//! - the only links handed to the browser are validated http(s) URLs.

use crate::common::{assert_tidy, client_run};
use crate::corpus::{self, Case};
use crate::pty_session::PtySession;
use crate::serve::{Client, Served, text};
use crate::support::discourse_forum::{Forum as DiscourseForum, User};
use crate::support::discourse_standin::{StandIn, World};
use crate::terminal_bytes::{is_web_url, leaks};
use jiff::Timestamp;
use serde_json::json;
use std::time::Duration;
use threadmark::model::{
    Area, AreaId, Author, Banner, Body, Forum, Post, PostId, Section, SectionId, Severity,
    ThreadId, ThreadSummary,
};

/// A thread id no file system or terminal should see raw.
const HOSTILE_THREAD_ID: &str = "id\u{1b}]0;retitled\u{7}\u{202e}x";

fn imported_thread(case: &Case, index: usize, id: &str) -> (ThreadSummary, Vec<Post>) {
    let tricks = corpus::one_line_tricks();
    let author = Author {
        name: tricks[index % tricks.len()].as_str().into(),
        badge: Some(tricks[(index + 1) % tricks.len()].clone()),
    };
    let at = Timestamp::from_second(1_700_000_000 + i64::try_from(index).unwrap()).unwrap();
    let thread = ThreadId::new(id);
    let summary = ThreadSummary {
        id: thread.clone(),
        area: AreaId::new("hostile"),
        title: corpus::title(case, index).into(),
        author: author.clone(),
        created_at: at,
        last_post_at: at,
        post_count: 1,
        last_seq: 1,
        pinned: false,
        locked: false,
        missing: thin_vec::ThinVec::new(),
        small_actions: thin_vec::ThinVec::new(),
    };
    let post = Post {
        id: PostId::new(format!("{id}-1")),
        thread,
        seq: 1,
        reply_to: None,
        author,
        created_at: at,
        edited_at: None,
        body: Body::markdown(case.posted_body()),
        deleted: false,
        removed: false,
        score: None,
        version: 1,
        client_key: None,
        reactions: threadmark::model::Reactions::default(),
    };
    (summary, vec![post])
}

/// The reference server's store: hostile section, area and forum names, an announcement,
/// and the cases too large to post, with hostile authors (and one hostile thread id).
fn hostile_store(dir: &std::path::Path, cases: &[Case]) {
    let tricks = corpus::one_line_tricks();
    let forum = Forum {
        title: format!("Forum {}", tricks[0]),
        sections: vec![Section {
            id: SectionId::new("hostile-section"),
            title: format!("Section {}", tricks[1]),
            areas: vec![Area {
                description: Some(tricks[3].clone()),
                ..Area::new("hostile", format!("Area {}", tricks[2]))
            }],
        }],
        announcement: Some(Banner {
            id: "hostile-banner".into(),
            severity: Severity::Warning,
            text: format!("Announcement {} [link](javascript:alert(1))", tricks[4]),
            starts_at: None,
            ends_at: None,
            links: Vec::new(),
        }),
        undated: false,
        limits: threadmark::model::PostLimits::default(),
    };
    let mut threads = Vec::new();
    for (i, case) in cases.iter().enumerate() {
        if !case.postable() {
            threads.push(imported_thread(case, i, &format!("big-{}", case.id)));
        }
    }
    let extra = Case {
        id: "case99".into(),
        name: "a hostile thread id".into(),
        body: "Hostile id thread".into(),
        visible: Some("Hostile".into()),
        html: false,
    };
    threads.push(imported_thread(&extra, 99, HOSTILE_THREAD_ID));
    threadmark::server::import_forum(dir, &forum, threads).unwrap();
}

/// Posts the cases that fit the server's limits as new threads, through the API.
fn post_cases(url: &str, token: &str, cases: &[Case]) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    runtime.block_on(async {
        for (i, case) in cases.iter().enumerate().filter(|(_, c)| c.postable()) {
            let answer = http
                .post(format!("{url}/api/v1/areas/hostile/threads"))
                .bearer_auth(token)
                .header("Idempotency-Key", uuid::Uuid::now_v7().to_string())
                .json(&json!({ "title": corpus::title(case, i), "body": case.posted_body() }))
                .send()
                .await
                .unwrap();
            let status = answer.status();
            let body = answer.text().await.unwrap();
            assert_eq!(status.as_u16(), 201, "{}: {body}", case.name);
        }
    });
}

#[test]
fn hostile_posts_from_the_reference_server_stay_inert_everywhere() {
    let cases = corpus::cases();
    let store = tempfile::tempdir().unwrap();
    hostile_store(store.path(), &cases);
    let server = Served::demo(store.path(), &["--writes-per-minute", "0"]);
    let token = server.member_token.clone().unwrap();
    post_cases(&server.url, &token, &cases);

    let client = Client::default();
    client.sign_in(&server.url, &token);
    let out = client_run(&client, &["sync"], &[]);
    assert_tidy(&out, "sync");
    assert!(out.status.success(), "{}", text(&out.stderr));

    check_commands(&client, &cases, &["case99"]);
    check_reader(&client, &cases);
}

#[test]
fn hostile_posts_from_discourse_stay_inert_everywhere() {
    let cases = corpus::cases();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let standin = runtime.block_on(StandIn::start(discourse_world(&cases)));

    let client = Client::default();
    let url = standin.url.clone();
    let out = client_run(
        &client,
        &[
            "account",
            "add",
            "work",
            "--url",
            &url,
            "--kind",
            "discourse",
        ],
        &[],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let config = std::fs::read_to_string(client.config()).unwrap().replace(
        "kind = \"discourse\"",
        "kind = \"discourse\"\nrequests_per_minute = 100000\nprefetch = \"all\"",
    );
    std::fs::write(client.config(), config).unwrap();
    let out = client.run_with_stdin(
        &["login", "--api-username", "bob", "--api-key-stdin"],
        DISCOURSE_KEY,
    );
    assert_tidy(&out, "login");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = client_run(&client, &["sync"], &[]);
    assert_tidy(&out, "sync");
    assert!(out.status.success(), "{}", text(&out.stderr));

    check_commands(&client, &cases, &[]);
    check_reader(&client, &cases);
    // Only the reply queued by the checks was ever sent to the forum, if anything.
    let posted = standin.requests_to(&axum::http::Method::POST, "/posts.json");
    assert!(posted.is_empty(), "nothing was posted: {posted:?}");
    drop(standin);
}

const DISCOURSE_KEY: &str = "hostile-admin-key";

/// The stand-in forum: hostile category names, topic titles, user names and posts
/// (hand-written HTML served as cooked as it is).
fn discourse_world(cases: &[Case]) -> World {
    let tricks = corpus::one_line_tricks();
    let mut forum = DiscourseForum::empty(&format!("Forum {}", tricks[0]));
    forum.add_category(10, &format!("Category {}", tricks[1]), None, 0);
    forum.add_category(
        11,
        &format!("Sub {}", tricks[2]),
        Some(10),
        u64::try_from(cases.len()).unwrap(),
    );
    for (i, trick) in tricks.iter().enumerate() {
        forum.users.push(User {
            id: 10 + i64::try_from(i).unwrap(),
            username: format!("user{i}{}", trick.chars().take(12).collect::<String>()),
            name: Some(trick.clone()),
            ..User::default()
        });
    }
    let t0: Timestamp = "2024-03-01T12:00:00Z".parse().unwrap();
    for (i, case) in cases.iter().enumerate() {
        let id = 1000 + u64::try_from(i).unwrap();
        let at = t0 + jiff::SignedDuration::from_mins(i64::try_from(i).unwrap());
        let topic = forum.add_topic(id, 11, &corpus::title(case, i), at, 0);
        let post = &mut topic.posts[0];
        post.raw = case.posted_body();
        post.user_id = 10 + i64::try_from(i % tricks.len()).unwrap();
        if case.html {
            post.cooked = Some(case.posted_body());
        }
    }
    let mut world = World::new(forum);
    world.admin_api_keys.push(DISCOURSE_KEY.to_owned());
    world
}

/// The plain commands print nothing but text: `tree`, `read` of every case, `search`,
/// and a hostile reply listed by `outbox` (also as JSON).
pub fn check_commands(client: &Client, cases: &[Case], extra_threads: &[&str]) {
    let out = client_run(client, &["tree", "--width", "100", "--threads", "all"], &[]);
    assert_tidy(&out, "tree");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let tree = text(&out.stdout);
    for case in cases {
        assert!(tree.contains(&case.id), "tree lists {}:\n{tree}", case.id);
    }
    let ids = cases
        .iter()
        .map(|c| c.id.as_str())
        .chain(extra_threads.iter().copied());
    for id in ids {
        let out = client_run(client, &["read", id, "--width", "80"], &[]);
        assert_tidy(&out, &format!("read {id}"));
        assert!(out.status.success(), "read {id}: {}", text(&out.stderr));
        let shown = text(&out.stdout);
        if let Some(case) = cases.iter().find(|c| c.id == id) {
            assert!(
                shown.contains(&case.marker()),
                "read {id} ({}) shows its body:\n{shown:.2000}",
                case.name
            );
            if let Some(word) = &case.visible {
                assert!(shown.contains(word.as_str()), "read {id}: {word} missing");
            }
        }
    }
    for words in [&["deepest"][..], &["LongLine"], &["body"], &["Tricky"]] {
        let mut args = vec!["search", "--width", "80"];
        args.extend_from_slice(words);
        let out = client_run(client, &args, &[]);
        assert_tidy(&out, &format!("search {words:?}"));
    }
    let hostile_reply = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/hostile/osc_bel.txt"),
    )
    .unwrap();
    let targets = ["case01"]
        .iter()
        .chain(extra_threads.iter())
        .copied()
        .collect::<Vec<_>>();
    for thread in targets {
        let out = client.run_with_stdin(&["reply", thread], &hostile_reply);
        assert_tidy(&out, &format!("reply {thread}"));
        assert!(out.status.success(), "{}", text(&out.stderr));
    }
    for args in [&["outbox"][..], &["outbox", "--json"]] {
        let out = client_run(client, args, &[]);
        assert_tidy(&out, &args.join(" "));
        assert!(out.status.success(), "{}", text(&out.stderr));
    }
    // The replies stay queued: discard them so no later sync sends them.
    let listed: serde_json::Value =
        serde_json::from_slice(&client_run(client, &["outbox", "--json"], &[]).stdout).unwrap();
    for entry in listed["entries"].as_array().unwrap() {
        let key = entry["key"].as_str().unwrap();
        let out = client_run(client, &["outbox", "discard", key, "--yes"], &[]);
        assert!(out.status.success(), "{}", text(&out.stderr));
    }
}

/// The reader opens every case, offers its links, shows its end; its terminal output
/// holds only threadmark's own sequences and the browser gets only web URLs.
pub fn check_reader(client: &Client, cases: &[Case]) {
    let home = client.home.path();
    let opened = home.join("opened-urls.txt");
    let browser = home.join("browser.sh");
    std::fs::write(
        &browser,
        format!(
            "#!/bin/sh\nprintf '%s\\n' \"$1\" >> '{}'\n",
            opened.display()
        ),
    )
    .unwrap();
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&browser, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let browser_var = browser.display().to_string();
    // Hyperlinks on, as in a terminal that supports them: the OSC 8 threadmark writes for
    // link text must pass the allow-list too.
    let mut reader = PtySession::start(
        home,
        &[],
        &[("BROWSER", &browser_var), ("FORCE_HYPERLINK", "1")],
        120,
        40,
    );
    reader.wait_for_text(" q quit");
    for case in cases {
        // Filter the tree to this thread, open it.
        reader.send(&format!("/\u{15}{}\r\r", case.id));
        reader.wait_for(&format!("{} ({})", case.marker(), case.name), |screen| {
            screen.contains(&case.marker())
        });
        // Offer each link and pick it.
        for n in 1..=9 {
            reader.send(&format!("o{n}"));
        }
        // The rest of the post, to its very end.
        reader.send("G");
        reader.settle(Duration::from_millis(150));
        assert!(reader.is_running(), "the reader died on {}", case.name);
        reader.send("h");
    }
    reader.settle(Duration::from_millis(300));
    reader.send("q");
    let status = reader.wait_exit();
    assert!(status.success(), "the reader quit with {status:?}");
    reader.settle(Duration::from_millis(100));

    let raw = reader.raw();
    let found = leaks(&raw);
    assert!(
        found.is_empty(),
        "{} things in the terminal output were not threadmark's own, e.g.:\n{}",
        found.len(),
        found
            .iter()
            .take(12)
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n")
    );

    // The good links were clickable: written as OSC 8 to their own URL (a `;` in it
    // percent-encoded), nothing else.
    for target in ["https://example.com/fine", "https://example.com/a%3Bb=c"] {
        let written = format!(";{target}\u{1b}\\");
        assert!(
            raw.windows(written.len()).any(|w| w == written.as_bytes()),
            "no hyperlink to {target}"
        );
    }

    // Browsers are started in the background: give the last one a moment.
    std::thread::sleep(Duration::from_millis(500));
    let urls = std::fs::read_to_string(&opened).unwrap_or_default();
    let urls: Vec<&str> = urls.lines().collect();
    assert!(
        urls.contains(&"https://example.com/fine"),
        "the good link was offered and opened: {urls:?}"
    );
    for url in &urls {
        assert!(is_web_url(url), "handed to the browser: {url:?}");
        assert!(!url.to_ascii_lowercase().contains("script"), "{url:?}");
    }
}
