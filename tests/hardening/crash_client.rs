//! The client killed with SIGKILL at random points — during the first snapshot, later
//! pulls, outbox flushes, while queueing a reply, and while autosaving a draft. After each
//! kill every file still parses (nothing is quarantined), and in the end no acknowledged
//! reply is lost or duplicated, the cache matches the server, and no draft text is lost
//! beyond the last autosave.

use crate::common::{Dice, assert_tidy, client_run, count, outbox, quarantined};
use crate::serve::{Client, Served, text};
use crate::support::api::Api;
use std::fmt::Write as _;
use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::time::Duration;
use threadmark::model::{
    Area, AreaId, Author, Body, Draft, Post, PostId, Target, ThreadId, ThreadSummary,
};
use threadmark::store::{Cache, DataDir, Drafts};

/// The demo forum plus an area of generated threads, so a first sync has real work.
fn bulk_store(dir: &std::path::Path, threads: usize, posts: u32) {
    let mut demo = threadmark::model::demo_forum().unwrap();
    demo.forum.sections[0].areas.push(Area::new("bulk", "Bulk"));
    let t0 = jiff::Timestamp::from_second(1_600_000_000).unwrap();
    let mut all: Vec<(ThreadSummary, Vec<Post>)> = demo
        .threads
        .into_iter()
        .map(|t| (t.summary, t.posts))
        .collect();
    for t in 0..threads {
        let id = ThreadId::new(format!("bulk-{t}"));
        let at = t0 + jiff::SignedDuration::from_hours(i64::try_from(t).unwrap());
        let author = Author::new(format!("Writer {}", t % 7));
        let posts: Vec<Post> = (1..=posts)
            .map(|seq| Post {
                id: PostId::new(format!("bulk-{t}-{seq}")),
                thread: id.clone(),
                seq,
                reply_to: None,
                author: author.clone(),
                created_at: at,
                edited_at: None,
                body: Body::markdown(format!(
                    "Post {seq} of bulk thread {t}. {}",
                    "Text ".repeat(40)
                )),
                deleted: false,
                removed: false,
                score: None,
                version: 1,
                client_key: None,
                reactions: threadmark::model::Reactions::default(),
            })
            .collect();
        let summary = ThreadSummary {
            id: id.clone(),
            area: AreaId::new("bulk"),
            title: format!("Bulk thread {t}").into(),
            author,
            created_at: at,
            last_post_at: at,
            post_count: posts.len().try_into().unwrap(),
            last_seq: posts.len().try_into().unwrap(),
            pinned: false,
            locked: false,
            missing: thin_vec::ThinVec::new(),
            small_actions: thin_vec::ThinVec::new(),
        };
        all.push((summary, posts));
    }
    threadmark::server::import_forum(dir, &demo.forum, all).unwrap();
}

/// After a kill: every command still reads everything, and nothing had to be quarantined.
fn intact(client: &Client, when: &str) {
    outbox(client);
    let out = client_run(client, &["tree"], &[]);
    assert_tidy(&out, when);
    assert!(out.status.success(), "{when}: {}", text(&out.stderr));
    let bad = quarantined(&client.data_dir());
    assert!(bad.is_empty(), "{when}: quarantined {bad:?}");
}

#[test]
fn the_client_killed_at_random_points_of_sync_and_flush_loses_nothing() {
    let kills = count(25, 200);
    let store = tempfile::tempdir().unwrap();
    bulk_store(store.path(), 40, 25);
    let server = Served::demo(store.path(), &["--writes-per-minute", "0"]);
    let other = Api::new(&server.url, server.admin_token.as_ref().unwrap());
    let client = Client::default();
    client.sign_in(&server.url, server.member_token.as_ref().unwrap());

    let mut dice = Dice::new(0x00c0_ffee);
    let mut acknowledged: Vec<String> = Vec::new();
    let mut unacknowledged: Vec<String> = Vec::new();
    for round in 0..kills {
        if dice.below(3) == 0 {
            let body = format!("Killed-client reply {round:03}");
            let mut child = client.command(&["reply", "advocacy"]).spawn().unwrap();
            {
                use std::io::Write;
                let mut stdin = child.stdin.take().unwrap();
                stdin.write_all(body.as_bytes()).unwrap();
            }
            if dice.below(4) == 0 {
                std::thread::sleep(dice.millis(60));
                let _ = child.kill();
                let _ = child.wait();
                unacknowledged.push(body);
            } else if child.wait_with_output().unwrap().status.success() {
                acknowledged.push(body);
            }
        }
        if dice.below(2) == 0 {
            let thread = format!("bulk-{}", dice.below(40));
            other.reply(&thread, &format!("News {round} in {thread}"));
        }
        let mut sync = client
            .command(&["sync"])
            .stdin(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(dice.millis(400));
        let _ = sync.kill();
        let _ = sync.wait();
        intact(&client, &format!("after kill {round}"));
    }

    for _ in 0..10 {
        if outbox(&client).is_empty() && client_run(&client, &["sync"], &[]).status.success() {
            break;
        }
        let out = client_run(&client, &["sync"], &[]);
        assert_tidy(&out, "final sync");
    }
    assert!(outbox(&client).is_empty(), "the outbox drains");

    let sent: Vec<String> = other
        .posts("advocacy-1")
        .iter()
        .filter_map(|p| p["body"].as_str())
        .filter(|b| b.starts_with("Killed-client reply"))
        .map(str::to_owned)
        .collect();
    let delivered: Vec<&String> = sent.iter().filter(|b| acknowledged.contains(b)).collect();
    assert_eq!(
        delivered,
        acknowledged.iter().collect::<Vec<_>>(),
        "every acknowledged reply exactly once, in order"
    );
    for body in &sent {
        assert!(
            acknowledged.contains(body) || unacknowledged.contains(body),
            "{body}: from nowhere"
        );
        assert_eq!(
            sent.iter().filter(|b| *b == body).count(),
            1,
            "{body} twice"
        );
    }

    // The cache converged on the server, thread by thread.
    let mut cache = Cache::open(DataDir::new(client.data_dir()).account("work"));
    for t in 0..40 {
        let id = format!("bulk-{t}");
        let cached = cache
            .load_thread(&ThreadId::new(&id))
            .unwrap()
            .unwrap_or_else(|| panic!("{id} is cached"));
        assert_eq!(cached.posts.len(), other.posts(&id).len(), "{id}");
    }
    assert!(cache.problems().is_empty(), "{:?}", cache.problems());
}

const DRAFT_CHILD_ENV: &str = "THREADMARK_TEST_DRAFT_WRITER";

/// The autosaving writer, run as a child of the test below (idle otherwise): it restores
/// the draft, then keeps typing a word and autosaving, printing each save it completed.
#[test]
fn draft_autosave_child() {
    let Ok(dir) = std::env::var(DRAFT_CHILD_ENV) else {
        return;
    };
    let drafts = Drafts::open(&DataDir::new(dir).account("work"));
    let (found, problems) = drafts.list().unwrap();
    assert!(problems.is_empty(), "{problems:?}");
    let mut draft = found.into_iter().next().unwrap_or_else(|| Draft {
        id: "crash-draft".into(),
        target: Target::Reply {
            thread: ThreadId::new("advocacy-1"),
            reply_to: None,
        },
        body: String::new(),
        created_at: jiff::Timestamp::now(),
        updated_at: jiff::Timestamp::now(),
        tags: Vec::new(),
    });
    let mut n = draft.body.split_whitespace().count();
    loop {
        let _ = write!(draft.body, "word{n} ");
        draft.updated_at = jiff::Timestamp::now();
        drafts.save(&draft).unwrap();
        println!("SAVED {n}");
        n += 1;
        std::thread::sleep(Duration::from_millis(3));
    }
}

#[test]
fn a_draft_autosave_killed_at_random_points_keeps_every_saved_word() {
    let kills = count(25, 200);
    let data = tempfile::tempdir().unwrap();
    let mut dice = Dice::new(0xd4af7);
    let mut kept_words = 0;
    for round in 0..kills {
        let mut child = std::process::Command::new(std::env::current_exe().unwrap())
            .args([
                "crash_client::draft_autosave_child",
                "--exact",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(DRAFT_CHILD_ENV, data.path())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let saves = std::thread::spawn(move || {
            let mut last = None;
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if let Some((_, n)) = line.split_once("SAVED ") {
                    last = n.trim().parse::<usize>().ok();
                }
            }
            last
        });
        std::thread::sleep(Duration::from_millis(30) + dice.millis(120));
        let _ = child.kill();
        let _ = child.wait();
        let last_saved = saves.join().unwrap();

        let (drafts, problems) = Drafts::open(&DataDir::new(data.path()).account("work"))
            .list()
            .unwrap();
        assert!(problems.is_empty(), "round {round}: {problems:?}");
        assert!(quarantined(data.path()).is_empty(), "round {round}");
        let words: Vec<&str> = drafts
            .first()
            .map(|d| d.body.split_whitespace().collect())
            .unwrap_or_default();
        for (i, word) in words.iter().enumerate() {
            assert_eq!(
                *word,
                format!("word{i}"),
                "round {round}: the text is whole"
            );
        }
        if let Some(n) = last_saved {
            assert!(
                words.len() > n,
                "round {round}: save {n} was acknowledged, the draft has {} words",
                words.len()
            );
        }
        assert!(words.len() >= kept_words, "round {round}: words were lost");
        kept_words = words.len();
    }
    assert!(kept_words > 0, "the writer got to save something");
}

/// The draft on disk (there is one), checked to load without a problem.
fn the_draft(client: &Client) -> Option<String> {
    let (drafts, problems) = Drafts::open(&DataDir::new(client.data_dir()).account("work"))
        .list()
        .unwrap();
    assert!(problems.is_empty(), "{problems:?}");
    assert!(drafts.len() <= 1, "one draft: {drafts:?}");
    drafts.into_iter().next().map(|d| d.body)
}

fn wait_for_draft(client: &Client, text: &str) {
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while !the_draft(client).is_some_and(|body| body.ends_with(text)) {
        assert!(
            std::time::Instant::now() < deadline,
            "the autosave never wrote {text:?}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn the_reader_killed_while_autosaving_a_draft_keeps_every_saved_word() {
    let kills = count(3, 200);
    let store = tempfile::tempdir().unwrap();
    let server = Served::demo(store.path(), &["--writes-per-minute", "0"]);
    let client = Client::default();
    client.sign_in(&server.url, server.member_token.as_ref().unwrap());
    assert!(client_run(&client, &["sync"], &[]).status.success());

    let mut dice = Dice::new(0x0d4a_f700);
    let mut saved = String::new();
    for round in 0..kills {
        let mut reader =
            crate::pty_session::PtySession::start(client.home.path(), &[], &[], 120, 40);
        if round == 0 {
            reader.wait_for_text("Advocacy");
            reader.send("G\r");
            reader.wait_for_text("Connie Williams · #2");
            reader.send("r");
            reader.wait_for_text("Reply to");
        } else {
            // Offered back after the crash; enter reopens it where it stopped.
            reader.wait_for_text("Unsent drafts from last time");
            reader.send("\r");
            reader.wait_for_text("ctrl-s send");
        }
        let burst = format!("w{round}a ");
        reader.send(&burst);
        wait_for_draft(&client, &burst);
        saved.push_str(&burst);
        // More typing, then the kill lands at any moment of the next autosave.
        let unsaved = format!("w{round}b ");
        reader.send(&unsaved);
        std::thread::sleep(dice.millis(1500));
        reader.sigkill();
        drop(reader);

        let body = the_draft(&client).unwrap_or_default();
        assert!(
            body == saved || body == format!("{saved}{unsaved}"),
            "round {round}: the draft is {body:?}, the saved text {saved:?}"
        );
        saved = body;
        assert!(quarantined(&client.data_dir()).is_empty(), "round {round}");
    }
}

/// `threadmark tree --json` of the client's account.
fn tree_of(client: &Client, when: &str) -> serde_json::Value {
    let out = client_run(client, &["tree", "--json"], &[]);
    assert_tidy(&out, when);
    assert!(out.status.success(), "{when}: {}", text(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The threads of area `bulk` in a `tree --json` answer, as (id, unread).
fn bulk_threads(tree: &serde_json::Value) -> Vec<(String, u64)> {
    tree["sections"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["areas"].as_array().unwrap())
        .filter(|a| a["id"] == "bulk")
        .flat_map(|a| a["threads"].as_array().unwrap())
        .map(|t| {
            (
                t["id"].as_str().unwrap().to_owned(),
                t["unread"].as_u64().unwrap(),
            )
        })
        .collect()
}

/// The tree index (`tree.sqlite`) answers as the files do after a sync killed with
/// SIGKILL at random points (while it writes thread files, `index.json`, `read.json` and
/// the index's own rows), after a thread file is damaged, and after the index is deleted:
/// `tree --json` from the index kept in step equals `tree --json` from an index built
/// again from the files.
#[test]
fn the_tree_index_agrees_with_the_files_after_kills_damage_and_deletion() {
    let kills = count(12, 100);
    let store = tempfile::tempdir().unwrap();
    bulk_store(store.path(), 60, 10);
    let server = Served::demo(store.path(), &["--writes-per-minute", "0"]);
    let other = Api::new(&server.url, server.admin_token.as_ref().unwrap());
    let client = Client::default();
    client.sign_in(&server.url, server.member_token.as_ref().unwrap());
    let account = client.data_dir().join("accounts").join("work");
    let index = account.join("tree.sqlite");
    tree_of(&client, "before the first sync");
    assert!(index.exists(), "the tree index is there before the kills");

    let mut dice = Dice::new(0x7ee1_5eed);
    for round in 0..kills {
        if dice.below(2) == 0 {
            let thread = format!("bulk-{}", dice.below(60));
            other.reply(&thread, &format!("News {round} in {thread}"));
        }
        if dice.below(3) == 0 {
            let thread = format!("bulk-{}", dice.below(60));
            let _ = client_run(&client, &["mark", &thread, "--read"], &[]);
        }
        if dice.below(4) == 0 {
            let file = account
                .join("threads")
                .join(format!("bulk-{}.json", dice.below(60)));
            if file.exists() {
                std::fs::write(&file, b"{\"schema\":1,\"thread\":").unwrap();
            }
        }
        let mut sync = client
            .command(&["sync"])
            .stdin(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(dice.millis(400));
        let _ = sync.kill();
        let _ = sync.wait();

        let when = format!("after kill {round}");
        let kept = tree_of(&client, &when);
        for side in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{side}", index.display()));
        }
        let rebuilt = tree_of(&client, &format!("{when}, index deleted"));
        assert!(index.exists(), "{when}: built again");
        assert_eq!(kept, rebuilt, "{when}: the index and the files disagree");
    }

    // A sync that completes: every bulk thread listed, the read ones with nothing unread.
    let out = client_run(&client, &["sync"], &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        client_run(&client, &["mark", "bulk-3", "--read"], &[])
            .status
            .success()
    );
    let kept = tree_of(&client, "after a full sync");
    let threads = bulk_threads(&kept);
    assert_eq!(threads.len(), 60, "{threads:?}");
    assert!(threads.contains(&("bulk-3".to_owned(), 0)), "{threads:?}");
    assert!(threads.iter().any(|(_, unread)| *unread > 0), "{threads:?}");
    std::fs::remove_file(&index).unwrap();
    assert_eq!(tree_of(&client, "index deleted"), kept);
}
