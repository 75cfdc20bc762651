//! Moderation reaches a syncing client: the operator locks a thread, hides a post and
//! moves the thread with `threadmark serve …` beside the running server; after a sync,
//! `threadmark read` and the reader show the small actions as one-line events between the
//! posts, the hidden post as its stub, the thread in its new area, and a reply is refused
//! with the reason. A moderator's lock from the reader goes through the outbox to the server;
//! a refusal by the server leaves the entry failed with its words.

use crate::pty_session::PtySession;
use crate::serve::{Client, Served, text};

/// `threadmark serve ARGS --data STORE` beside the running server; its stdout.
fn operator(store: &std::path::Path, args: &[&str]) -> String {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_threadmark"))
        .arg("serve")
        .args(args)
        .arg("--data")
        .arg(store)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    text(&out.stdout)
}

fn read(client: &Client) -> String {
    let out = client.run(&["read", "advocacy", "--width", "120"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    text(&out.stdout)
}

#[test]
fn lock_hide_and_move_reach_a_syncing_client_as_small_actions() {
    let store = tempfile::tempdir().unwrap();
    let server = Served::demo(store.path(), &[]);
    let client = Client::default();
    client.sign_in(&server.url, server.member_token.as_ref().unwrap());
    assert!(client.run(&["sync"]).status.success());
    let before = read(&client);
    assert!(!before.contains("locked by"), "{before}");

    operator(store.path(), &["thread", "lock", "advocacy-1"]);
    operator(
        store.path(),
        &[
            "post",
            "hide",
            "advocacy-1-3",
            "--reason",
            "personal details",
        ],
    );
    let out = client.run(&["sync"]);
    assert!(out.status.success(), "{}", text(&out.stderr));

    let page = read(&client);
    let lines: Vec<&str> = page.lines().collect();
    let locked = lines
        .iter()
        .position(|l| l.ends_with("── locked by (operator)"))
        .unwrap_or_else(|| panic!("no small action for the lock: {page}"));
    let hidden = lines
        .iter()
        .position(|l| l.ends_with("── post #3 hidden by (operator): personal details"))
        .unwrap_or_else(|| panic!("no small action for the hide: {page}"));
    assert!(locked < hidden, "oldest first: {page}");
    assert!(
        page.contains("Hidden by a moderator: personal details"),
        "the post is its stub: {page}"
    );

    // A reply is refused before anything is queued, with the reason.
    let out = client.run_with_stdin(&["reply", "advocacy"], "Too late?");
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("the thread is locked"),
        "{}",
        text(&out.stderr)
    );
    assert!(client.outbox().is_empty(), "nothing was queued");

    // The reader shows the same lines, and `r` says why not.
    let mut reader = PtySession::start(client.home.path(), &[], &[], 120, 40);
    reader.wait_for_text("Advocacy");
    reader.send("G\r");
    reader.wait_for_text("Mary Ghikas · #1");
    // The actions came after every post: at the thread's end.
    reader.send("G");
    reader.wait_for_text("── locked by (operator)");
    reader.wait_for_text("── post #3 hidden by (operator): personal details");
    reader.send("r");
    reader.wait_for_text("the thread is locked");
    reader.send("q");
    assert!(reader.wait_exit().success());

    operator(
        store.path(),
        &["thread", "move", "advocacy-1", "--to", "information-policy"],
    );
    let out = client.run(&["sync"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let page = read(&client);
    assert!(
        page.lines()
            .nth(1)
            .is_some_and(|l| l.contains("› Information Policy")),
        "the thread is in its new area: {page}"
    );
    assert!(
        page.contains("── moved from advocacy to information-policy by (operator)"),
        "{page}"
    );

    split_converges(store.path(), &client);
}

/// A split: both threads converge through the feed.
fn split_converges(store: &std::path::Path, client: &Client) {
    let said = operator(
        store,
        &[
            "thread",
            "split",
            "advocacy-1",
            "--from",
            "advocacy-1-5",
            "--title",
            "Two thoughts",
        ],
    );
    assert!(
        said.starts_with("split 4 post(s) from thread advocacy-1"),
        "{said}"
    );
    let out = client.run(&["sync"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let page = read(client);
    assert!(
        page.contains("── split by (operator): posts #5–#8 to thread "),
        "{page}"
    );
    assert_eq!(
        page.matches("[deleted]").count(),
        4,
        "the words left with their posts: {page}"
    );
    let out = client.run(&["read", "Two thoughts", "--width", "120"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let split = text(&out.stdout);
    assert!(
        split.contains("4 posts") && split.contains("Susan Hubbs [non-member] · #1"),
        "{split}"
    );
    assert!(
        split.contains("── split by (operator): from thread advocacy-1"),
        "{split}"
    );
}

/// The demo's Advocacy thread opened in the reader of `client`'s account.
fn reader_at_advocacy(client: &Client) -> PtySession {
    let mut reader = PtySession::start(client.home.path(), &[], &[], 120, 40);
    reader.wait_for_text("Advocacy");
    reader.send("G\r");
    reader.wait_for_text("Advocacy · 8 posts");
    reader
}

#[test]
fn a_moderators_lock_from_the_reader_reaches_the_server_and_a_member_cannot_reply() {
    let store = tempfile::tempdir().unwrap();
    let server = Served::demo(store.path(), &[]);
    let member = Client::synced(&server, server.member_token.as_ref().unwrap());
    let admin = Client::synced(&server, server.admin_token.as_ref().unwrap());
    let api = crate::support::api::Api::new(&server.url, server.admin_token.as_ref().unwrap());

    // A member's `L` is refused with the role needed; nothing is queued.
    let mut reader = reader_at_advocacy(&member);
    reader.send("L");
    reader.wait_for_text("locking a thread needs the moderator or admin role");
    reader.send("q");
    assert!(reader.wait_exit().success());
    assert!(member.outbox().is_empty(), "nothing was queued");
    assert_eq!(api.get("/threads/advocacy-1")["locked"], false);

    // The admin (the role came with the login) locks it from the reader: queued once on
    // disk, sent through the outbox, and the next sync shows it locked.
    let mut reader = reader_at_advocacy(&admin);
    reader.send("L");
    // Queued, sent by the write queue at once, and the sync after it brings the lock.
    reader.wait_for_text("[locked] ");
    reader.send("q");
    assert!(reader.wait_exit().success());
    assert!(admin.outbox().is_empty(), "applied: nothing left to send");
    let thread = api.get("/threads/advocacy-1");
    assert_eq!(thread["locked"], true, "{thread}");
    let log = api.get("/admin/log");
    let locks: Vec<&serde_json::Value> = log["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "lock")
        .collect();
    assert_eq!(locks.len(), 1, "locked once: {log}");
    assert_eq!(locks[0]["target"], "advocacy-1");
    assert_ne!(
        locks[0]["actor"], "(operator)",
        "done by the admin's account"
    );

    // The member's client syncs; its reader refuses `r` with the reason.
    member.ok(&["sync"]);
    let mut reader = reader_at_advocacy(&member);
    reader.send("r");
    reader.wait_for_text("the thread is locked");
    reader.send("q");
    assert!(reader.wait_exit().success());
    assert!(member.outbox().is_empty());
}

#[test]
fn a_hiding_refused_by_the_server_ends_failed_with_its_reason() {
    let store = tempfile::tempdir().unwrap();
    let server = Served::demo(store.path(), &[]);
    // A moderator at login, made a member again since: the client still offers the keys,
    // the server refuses, and the entry stays, failed, with the server's words.
    operator(store.path(), &["user", "role", "demo", "moderator"]);
    let demoted = Client::synced(&server, server.member_token.as_ref().unwrap());
    operator(store.path(), &["user", "role", "demo", "member"]);
    let mut reader = reader_at_advocacy(&demoted);
    reader.send("J");
    reader.wait_for_text("#2");
    reader.send("Hoff topic\r");
    reader.wait_for_text("failed");
    reader.send("q");
    assert!(reader.wait_exit().success());
    demoted.run(&["sync"]);
    let entries = demoted.outbox();
    assert_eq!(entries.len(), 1, "kept: {entries:?}");
    assert_eq!(entries[0]["target"]["kind"], "moderation");
    assert_eq!(entries[0]["target"]["action"], "hide");
    assert_eq!(entries[0]["body"], "off topic");
    assert_eq!(entries[0]["state"], "failed", "{entries:?}");
    let message = entries[0]["last_message"].as_str().unwrap();
    assert!(message.contains("moderator"), "the role needed: {message}");
    let out = demoted.run(&["outbox"]);
    assert!(
        text(&out.stdout).contains("Hiding of "),
        "{}",
        text(&out.stdout)
    );
}

#[test]
fn threadmark_moderate_queues_for_a_moderator_and_refuses_a_member() {
    let store = tempfile::tempdir().unwrap();
    let server = Served::demo(store.path(), &[]);
    let member = Client::synced(&server, server.member_token.as_ref().unwrap());
    let out = member.run(&["moderate", "lock", "advocacy"]);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("needs the moderator or admin role"),
        "{}",
        text(&out.stderr)
    );
    assert!(member.outbox().is_empty(), "nothing was queued");

    let admin = Client::synced(&server, server.admin_token.as_ref().unwrap());
    let out = admin.run(&["moderate", "hide", "advocacy#3"]);
    assert!(
        text(&out.stderr).contains("hiding needs --reason"),
        "{}",
        text(&out.stderr)
    );
    assert!(admin.outbox().is_empty());
    let said = admin.ok(&[
        "moderate",
        "hide",
        "advocacy#3",
        "--reason",
        "personal details",
    ]);
    assert!(
        said.starts_with("Queued the hiding of post advocacy-1-3"),
        "{said}"
    );
    let entries = admin.outbox();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0]["target"]["kind"], "moderation");
    admin.ok(&["sync"]);
    assert!(admin.outbox().is_empty(), "applied");
    let page = read(&admin);
    assert!(
        page.contains("Hidden by a moderator: personal details"),
        "{page}"
    );
}

#[test]
fn a_move_from_the_reader_reaches_the_server_and_a_second_client_finds_the_thread_moved() {
    let store = tempfile::tempdir().unwrap();
    let server = Served::demo(store.path(), &[]);
    let member = Client::synced(&server, server.member_token.as_ref().unwrap());
    let admin = Client::synced(&server, server.admin_token.as_ref().unwrap());
    let api = crate::support::api::Api::new(&server.url, server.admin_token.as_ref().unwrap());

    // The CLI refuses an unknown area before queuing, naming the choices.
    let out = admin.run(&["moderate", "move", "advocacy", "--to", "nowhere"]);
    assert!(!out.status.success());
    let said = text(&out.stderr);
    assert!(
        said.contains("no area “nowhere”") && said.contains("information-policy"),
        "{said}"
    );
    assert!(admin.outbox().is_empty(), "nothing was queued");

    // The admin moves it from the reader, naming the area by part of its title.
    let mut reader = reader_at_advocacy(&admin);
    reader.send("A");
    reader.wait_for_text("move the thread to area");
    reader.send("information pol\r");
    // Queued, sent by the write queue at once, and the sync after it shows the new area.
    reader.wait_for_text("Information Policy · 8 posts");
    reader.send("q");
    assert!(reader.wait_exit().success());
    admin.ok(&["sync"]);
    assert!(admin.outbox().is_empty(), "applied: nothing left to send");
    let thread = api.get("/threads/advocacy-1");
    assert_eq!(thread["area_id"], "information-policy", "{thread}");
    let log = api.get("/admin/log");
    let moves = log["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "move")
        .count();
    assert_eq!(moves, 1, "moved once: {log}");

    // The member's client syncs and reads the thread in its new area.
    member.ok(&["sync"]);
    let page = read(&member);
    assert!(
        page.lines()
            .nth(1)
            .is_some_and(|l| l.contains("› Information Policy")),
        "the thread is in its new area: {page}"
    );
}

#[test]
fn a_split_from_the_reader_reaches_the_server_once_and_a_second_client_finds_the_new_thread() {
    let store = tempfile::tempdir().unwrap();
    let server = Served::demo(store.path(), &[]);
    let member = Client::synced(&server, server.member_token.as_ref().unwrap());
    let admin = Client::synced(&server, server.admin_token.as_ref().unwrap());
    let api = crate::support::api::Api::new(&server.url, server.admin_token.as_ref().unwrap());

    let mut reader = reader_at_advocacy(&admin);
    // From #7 on: posts 7 and 8 become a thread of their own.
    reader.send("JJJJJJ");
    reader.wait_for_text("#7");
    reader.send("Y");
    reader.wait_for_text("split from here, new thread's title");
    reader.send("Advocacy side talk\r");
    // Queued on disk ("Split of …: queued"), or already sent and synced (the new thread
    // in the tree): either way past the prompt.
    reader.wait_for("the split queued", |screen| {
        !screen.contains("split from here")
            && (screen.contains("Split of") || screen.contains("Advocacy side talk"))
    });
    reader.send("q");
    assert!(reader.wait_exit().success());
    admin.ok(&["sync"]);
    assert!(admin.outbox().is_empty(), "applied: nothing left to send");

    // The server split once: one log entry in each of the two threads, the old one's
    // naming posts #7–#8.
    let log = api.get("/admin/log");
    let splits: Vec<&serde_json::Value> = log["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "split")
        .collect();
    assert_eq!(splits.len(), 2, "split once (an entry per thread): {log}");
    let old = splits
        .iter()
        .find(|e| e["target"] == "advocacy-1")
        .unwrap_or_else(|| panic!("no entry for the old thread: {log}"));
    let detail = old["detail"].as_str().unwrap_or_default();
    assert!(
        detail.starts_with("posts #7–#8 to thread ") && detail.ends_with("(Advocacy side talk)"),
        "{log}"
    );

    // A member's client syncs: the new thread holds the two posts, the old one says
    // where they went.
    member.ok(&["sync"]);
    let out = member.run(&["read", "Advocacy side talk", "--width", "120"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let page = text(&out.stdout);
    assert!(
        page.contains("2 posts") && page.contains("── split by admin: from thread advocacy-1"),
        "{page}"
    );
    let out = member.run(&["read", "advocacy-1", "--width", "120"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let old = text(&out.stdout);
    assert!(
        old.contains("── split by admin: posts #7–#8 to thread "),
        "{old}"
    );
}

#[test]
fn a_silence_from_the_reader_reaches_the_server_once_and_the_members_reply_is_refused() {
    let store = tempfile::tempdir().unwrap();
    let server = Served::demo(store.path(), &[]);
    let member = Client::synced(&server, server.member_token.as_ref().unwrap());
    let admin = Client::synced(&server, server.admin_token.as_ref().unwrap());
    let api = crate::support::api::Api::new(&server.url, server.admin_token.as_ref().unwrap());

    // The member (user "demo") writes #9; the admin's client syncs it.
    let out = member.run_with_stdin(&["reply", "advocacy"], "Before the silence.");
    assert!(out.status.success(), "{}", text(&out.stderr));
    member.ok(&["sync"]);
    assert!(member.outbox().is_empty(), "the first reply went out");
    admin.ok(&["sync"]);

    // The CLI refuses an unreadable span before queuing.
    let out = admin.run(&["moderate", "silence", "demo", "--for", "a while"]);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("is not a duration"),
        "{}",
        text(&out.stderr)
    );
    let out = admin.run(&["moderate", "silence", "demo"]);
    assert!(
        text(&out.stderr).contains("silence needs --for SPAN"),
        "{}",
        text(&out.stderr)
    );
    let out = admin.run(&["moderate", "silence", "admin", "--for", "1d"]);
    assert!(
        text(&out.stderr).contains("your own name"),
        "{}",
        text(&out.stderr)
    );
    assert!(admin.outbox().is_empty(), "nothing was queued");
    // A member is told the role needed.
    let out = member.run(&["moderate", "silence", "admin", "--for", "1d"]);
    assert!(
        text(&out.stderr).contains("needs the moderator or admin role"),
        "{}",
        text(&out.stderr)
    );
    assert!(member.outbox().is_empty(), "nothing was queued");

    // The admin silences the member from the reader, on their post.
    let mut reader = PtySession::start(admin.home.path(), &[], &[], 120, 40);
    reader.wait_for_text("Advocacy");
    reader.send("G\r");
    reader.wait_for_text("Advocacy · 9 posts");
    reader.send("JJJJJJJJ");
    reader.wait_for_text("Before the silence.");
    reader.send("Z");
    reader.wait_for_text("silence the author for");
    reader.send("3d\r");
    // Past the prompt, and sent by the reader's write queue: the server logged it (the
    // status line's "queued" may already have given way to the sync's news).
    let logged = || {
        api.get("/admin/log")["entries"]
            .as_array()
            .is_some_and(|e| e.iter().any(|e| e["action"] == "silence"))
    };
    reader.wait_for("the silence sent", |screen| {
        !screen.contains("silence the author for") && logged()
    });
    reader.send("q");
    assert!(reader.wait_exit().success());
    admin.ok(&["sync"]);
    assert!(admin.outbox().is_empty(), "applied: nothing left to send");

    let log = api.get("/admin/log");
    let silences: Vec<&serde_json::Value> = log["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "silence")
        .collect();
    assert_eq!(silences.len(), 1, "silenced once: {log}");
    assert_eq!(silences[0]["target"], "demo");
    assert_ne!(silences[0]["actor"], "(operator)", "by the admin's account");

    // The member's next reply is refused by the server, in its words.
    let out = member.run_with_stdin(&["reply", "advocacy"], "After the silence.");
    assert!(out.status.success(), "queued: {}", text(&out.stderr));
    member.run(&["sync"]);
    let entries = member.outbox();
    assert_eq!(entries.len(), 1, "kept: {entries:?}");
    assert_eq!(entries[0]["state"], "failed", "{entries:?}");
    let message = entries[0]["last_message"].as_str().unwrap();
    assert!(
        message.contains("a moderator silenced you until"),
        "the server's words: {message}"
    );
    let thread = api.get("/threads/advocacy-1");
    assert_eq!(thread["post_count"], 9, "nothing posted: {thread}");
}

#[test]
fn a_moderators_silence_of_an_admin_ends_failed_with_the_servers_reason() {
    let store = tempfile::tempdir().unwrap();
    let server = Served::demo(store.path(), &[]);
    // The client does not know other people's roles: the server refuses, and the entry
    // stays, failed, with its words.
    operator(store.path(), &["user", "role", "demo", "moderator"]);
    let moderator = Client::synced(&server, server.member_token.as_ref().unwrap());
    let said = moderator.ok(&["moderate", "silence", "admin", "--for", "1d"]);
    assert!(
        said.starts_with("Queued the silence of admin until "),
        "{said}"
    );
    moderator.run(&["sync"]);
    let entries = moderator.outbox();
    assert_eq!(entries.len(), 1, "kept: {entries:?}");
    assert_eq!(entries[0]["target"]["action"], "silence");
    assert_eq!(entries[0]["target"]["user"], "admin");
    assert_eq!(entries[0]["state"], "failed", "{entries:?}");
    let message = entries[0]["last_message"].as_str().unwrap();
    assert!(
        message.contains("nobody silences an admin"),
        "the server's words: {message}"
    );
    let out = moderator.run(&["outbox"]);
    assert!(
        text(&out.stdout).contains("Silence of admin"),
        "{}",
        text(&out.stdout)
    );
    let api = crate::support::api::Api::new(&server.url, server.admin_token.as_ref().unwrap());
    let log = api.get("/admin/log");
    assert!(
        !log["entries"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "silence"),
        "{log}"
    );
}

/// The moderation log's entries with this action.
fn logged(api: &crate::support::api::Api, action: &str) -> Vec<serde_json::Value> {
    let log = api.get("/admin/log");
    log["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == action)
        .cloned()
        .collect()
}

/// `cmd`'s stderr, after checking it failed.
fn refused(client: &Client, args: &[&str]) -> String {
    let out = client.run(args);
    assert!(!out.status.success(), "{args:?} was not refused");
    text(&out.stderr)
}

#[test]
fn threadmark_moderate_split_reaches_the_server_once_and_a_second_client_reads_the_new_thread() {
    let store = tempfile::tempdir().unwrap();
    let server = Served::demo(store.path(), &[]);
    let member = Client::synced(&server, server.member_token.as_ref().unwrap());
    let admin = Client::synced(&server, server.admin_token.as_ref().unwrap());
    let api = crate::support::api::Api::new(&server.url, server.admin_token.as_ref().unwrap());

    // Refused before queuing: a member (the role needed), the opening post (by number
    // and by id), a post the cached thread does not have, a missing --from, and a flag
    // of another action.
    let said = refused(&member, &["moderate", "split", "advocacy", "--from", "#7"]);
    assert!(said.contains("needs the moderator or admin role"), "{said}");
    assert!(member.outbox().is_empty(), "nothing was queued");
    for from in ["#1", "advocacy-1-1"] {
        let said = refused(&admin, &["moderate", "split", "advocacy", "--from", from]);
        assert!(
            said.contains("the opening post cannot be split off"),
            "{from}: {said}"
        );
    }
    let said = refused(&admin, &["moderate", "split", "advocacy", "--from", "#99"]);
    assert!(
        said.contains("no post #99 in \"") && said.contains("Advocacy\" (it has 8 posts here)"),
        "{said}"
    );
    let said = refused(&admin, &["moderate", "split", "advocacy", "--from", "nope"]);
    assert!(said.contains("no post nope in \""), "{said}");
    let said = refused(&admin, &["moderate", "split", "advocacy"]);
    assert!(said.contains("split needs --from POST"), "{said}");
    let said = refused(&admin, &["moderate", "lock", "advocacy", "--title", "x"]);
    assert!(said.contains("--title goes with split only"), "{said}");
    assert!(admin.outbox().is_empty(), "nothing was queued");

    // The admin splits #7 on off, the same entry the reader's `Y` queues.
    let said = admin.ok(&[
        "moderate",
        "split",
        "advocacy",
        "--from",
        "#7",
        "--title",
        "Advocacy side talk",
    ]);
    assert!(
        said.starts_with("Queued the split of \"")
            && said.contains("Advocacy\" from #7 on into \"Advocacy side talk\" ("),
        "{said}"
    );
    let entries = admin.outbox();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0]["target"]["kind"], "moderation");
    assert_eq!(entries[0]["target"]["action"], "split");
    assert_eq!(entries[0]["target"]["thread"], "advocacy-1");
    assert_eq!(entries[0]["target"]["post"], "advocacy-1-7");
    assert_eq!(entries[0]["body"], "Advocacy side talk");
    let out = admin.run(&["outbox"]);
    assert!(
        text(&out.stdout).contains("Split of "),
        "{}",
        text(&out.stdout)
    );

    admin.ok(&["sync"]);
    assert!(admin.outbox().is_empty(), "applied: nothing left to send");
    admin.ok(&["sync"]);
    let splits = logged(&api, "split");
    assert_eq!(
        splits.len(),
        2,
        "split once (an entry per thread): {splits:?}"
    );
    let old = splits
        .iter()
        .find(|e| e["target"] == "advocacy-1")
        .unwrap_or_else(|| panic!("no entry for the old thread: {splits:?}"));
    let detail = old["detail"].as_str().unwrap_or_default();
    assert!(
        detail.starts_with("posts #7–#8 to thread ") && detail.ends_with("(Advocacy side talk)"),
        "{splits:?}"
    );
    assert_eq!(old["actor"], "admin", "by the admin's account");

    // A member's client syncs and reads the new thread.
    member.ok(&["sync"]);
    let out = member.run(&["read", "Advocacy side talk", "--width", "120"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let page = text(&out.stdout);
    assert!(
        page.contains("2 posts") && page.contains("── split by admin: from thread advocacy-1"),
        "{page}"
    );
}

#[test]
fn threadmark_moderate_unhide_and_unsilence_reach_the_server_once() {
    let store = tempfile::tempdir().unwrap();
    let server = Served::demo(store.path(), &[]);
    let member = Client::synced(&server, server.member_token.as_ref().unwrap());
    let admin = Client::synced(&server, server.admin_token.as_ref().unwrap());
    let api = crate::support::api::Api::new(&server.url, server.admin_token.as_ref().unwrap());
    let body = || api.get("/posts/advocacy-1-3")["body"].clone();
    let words = body();
    assert!(words.as_str().is_some_and(|w| !w.is_empty()), "{words}");

    // A member is told the role needed for either.
    let said = refused(&member, &["moderate", "unhide", "advocacy#3"]);
    assert!(said.contains("needs the moderator or admin role"), "{said}");
    let said = refused(&member, &["moderate", "unsilence", "demo"]);
    assert!(said.contains("needs the moderator or admin role"), "{said}");
    assert!(member.outbox().is_empty(), "nothing was queued");
    let said = refused(
        &admin,
        &["moderate", "unhide", "advocacy#3", "--reason", "x"],
    );
    assert!(said.contains("--reason goes with hide only"), "{said}");
    let said = refused(&admin, &["moderate", "unhide", "advocacy#42"]);
    assert!(said.contains("no post #42 of \""), "{said}");
    let said = refused(&admin, &["moderate", "unsilence", "admin"]);
    assert!(said.contains("your own name"), "{said}");
    assert!(admin.outbox().is_empty(), "nothing was queued");

    // Hidden, then shown again: the words are back for a syncing member, logged once.
    admin.ok(&[
        "moderate",
        "hide",
        "advocacy#3",
        "--reason",
        "personal details",
    ]);
    admin.ok(&["sync"]);
    assert_ne!(body(), words, "hidden");
    let said = admin.ok(&["moderate", "unhide", "advocacy#3"]);
    assert!(
        said.starts_with("Queued the unhiding of post advocacy-1-3"),
        "{said}"
    );
    let entries = admin.outbox();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0]["target"]["kind"], "moderation");
    assert_eq!(entries[0]["target"]["action"], "unhide");
    assert_eq!(entries[0]["target"]["post"], "advocacy-1-3");
    admin.ok(&["sync"]);
    assert!(admin.outbox().is_empty(), "applied: nothing left to send");
    admin.ok(&["sync"]);
    assert_eq!(body(), words, "shown again");
    let unhides = logged(&api, "unhide");
    assert_eq!(unhides.len(), 1, "unhidden once: {unhides:?}");
    assert_eq!(unhides[0]["target"], "advocacy-1-3");
    assert_eq!(unhides[0]["actor"], "admin");
    member.ok(&["sync"]);
    let page = read(&member);
    assert!(
        !page.contains("Hidden by a moderator: personal details"),
        "{page}"
    );
    assert!(page.contains("── post #3 shown again by admin"), "{page}");

    // Silenced, then let post again: queued twice, the server ends the silence once, and
    // the member's reply goes out.
    admin.ok(&["moderate", "silence", "demo", "--for", "1d"]);
    admin.ok(&["sync"]);
    assert_eq!(logged(&api, "silence").len(), 1);
    for _ in 0..2 {
        let said = admin.ok(&["moderate", "unsilence", "demo"]);
        assert!(
            said.starts_with("Queued the end of the silence of demo ("),
            "{said}"
        );
    }
    let entries = admin.outbox();
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[0]["target"]["action"], "unsilence");
    assert_eq!(entries[0]["target"]["user"], "demo");
    let out = admin.run(&["outbox"]);
    assert!(
        text(&out.stdout).contains("End of the silence of demo"),
        "{}",
        text(&out.stdout)
    );
    admin.ok(&["sync"]);
    assert!(admin.outbox().is_empty(), "applied: nothing left to send");
    let unsilences = logged(&api, "unsilence");
    assert_eq!(
        unsilences.len(),
        1,
        "the silence ended once: {unsilences:?}"
    );
    assert_eq!(unsilences[0]["target"], "demo");
    assert_eq!(unsilences[0]["actor"], "admin");

    let out = member.run_with_stdin(&["reply", "advocacy"], "Back again.");
    assert!(out.status.success(), "{}", text(&out.stderr));
    member.ok(&["sync"]);
    assert!(member.outbox().is_empty(), "the reply went out");
    let thread = api.get("/threads/advocacy-1");
    assert_eq!(thread["post_count"], 9, "posted: {thread}");
}
