//! The inbox from the command line, against the real reference server: another user
//! replies to the member's post, mentions them, quotes them and writes them a private
//! message; `threadmark inbox` (which syncs first) lists the four, of their kinds; the
//! notification hook runs once for them with cleaned arguments, through no shell;
//! `threadmark inbox read` clears them here at once and on the server after a sync.

use crate::serve::{Client, Served, text};
use crate::support::api::Api;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

const THREAD: &str = "advocacy-1";

fn inbox(client: &Client, args: &[&str]) -> Value {
    let mut all = vec!["inbox", "--json"];
    all.extend_from_slice(args);
    let value: Value = serde_json::from_str(&client.ok(&all)).unwrap();
    crate::json::assert_shape("inbox", &value);
    value
}

fn kinds(inbox: &Value) -> Vec<String> {
    inbox["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["kind"].as_str().unwrap().to_owned())
        .collect()
}

/// The hook's runs as recorded: one line per argument, a blank line after each run.
fn runs(record: &std::path::Path) -> Vec<Vec<String>> {
    std::fs::read_to_string(record)
        .unwrap_or_default()
        .split("\n\n")
        .filter(|run| !run.trim().is_empty())
        .map(|run| run.lines().map(str::to_owned).collect())
        .collect()
}

#[test]
fn replies_mentions_quotes_and_messages_reach_the_inbox_and_reading_them_clears_them_on_the_server()
{
    let store = tempfile::tempdir().unwrap();
    let server = Served::demo(store.path(), &[]);
    let member = server.member_token.clone().unwrap();
    let me = Api::new(&server.url, &member);
    let other = Api::new(&server.url, server.admin_token.as_ref().unwrap());
    let laptop = Client::synced(&server, &member);
    assert_eq!(inbox(&laptop, &[])["items"], json!([]), "nothing yet");

    // The hook: a script that records its arguments. Its first argument would run a
    // command if a shell ever saw it.
    let record = laptop.home.path().join("notified");
    let script = laptop.home.path().join("notify.sh");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\nfor a in \"$@\"; do printf '%s\\n' \"$a\" >> '{}'; done\nprintf '\\n' >> '{}'\n",
            record.display(),
            record.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let config = std::fs::read_to_string(laptop.config()).unwrap();
    std::fs::write(
        laptop.config(),
        format!(
            "notify_command = [{:?}, \"$(touch pwned) {{account}}\", \"{{kind}} from {{author}} ({{count}})\", \"{{excerpt}}\"]\n{config}",
            script.display().to_string()
        ),
    )
    .unwrap();

    let mine = me.post(
        &format!("/threads/{THREAD}/posts"),
        &json!({"body": "A view of mine."}),
    );
    let seq = mine["seq"].as_u64().unwrap();
    let path = format!("/threads/{THREAD}/posts");
    other.post(
        &path,
        &json!({"body": "I answer you.", "reply_to": mine["id"]}),
    );
    other.post(&path, &json!({"body": "What does @demo think?"}));
    other.post(
        &path,
        &json!({"body": format!("demo wrote (#{seq}):\n> A view of mine.\n\nNot mine.")}),
    );
    other.post(
        "/messages",
        &json!({"to": ["demo"], "title": "Between us", "body": "A word\u{1b}[2J in private."}),
    );

    // `threadmark inbox` syncs first: the four are there, newest first.
    let listed = inbox(&laptop, &[]);
    assert_eq!(kinds(&listed), ["message", "quote", "mention", "reply"]);
    assert_eq!(listed["unread"], 4);
    let first = &listed["items"][0];
    assert_eq!(first["account"], "work");
    assert_eq!(first["author"]["name"], "admin");
    assert_eq!(first["thread_title"], "Between us");
    let excerpt = first["excerpt"].as_str().unwrap();
    assert!(
        excerpt.starts_with("A word") && excerpt.ends_with(" in private."),
        "{excerpt}"
    );
    assert!(
        !excerpt.contains('\u{1b}'),
        "cleaned at the door: {excerpt:?}"
    );

    // The hook ran once for the four (they came together), argument by argument.
    let deadline = Instant::now() + Duration::from_secs(10);
    while runs(&record).is_empty() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(
        runs(&record),
        [["$(touch pwned) work", "message from admin (4)", excerpt]]
    );
    assert!(!laptop.home.path().join("pwned").exists());
    assert!(!store.path().join("pwned").exists());

    // Reading one, then the rest: read here at once, on the server after a sync.
    let reply_id = listed["items"][3]["id"].as_str().unwrap().to_owned();
    let said = laptop.ok(&["inbox", "read", &reply_id]);
    assert!(said.contains("marked 1 read (queued"), "{said}");
    assert_eq!(
        kinds(&inbox(&laptop, &["--offline"])),
        ["message", "quote", "mention"]
    );
    let wrong = laptop.run(&["inbox", "read", "no-such-item"]);
    assert!(!wrong.status.success());
    assert!(text(&wrong.stderr).contains("no inbox item no-such-item"));
    laptop.ok(&["inbox", "read", "--all"]);
    assert_eq!(inbox(&laptop, &["--offline"])["unread"], 0);
    assert_eq!(me.get("/notifications")["unread"], 4, "not sent yet");
    laptop.ok(&["sync"]);
    assert_eq!(laptop.queued_marks(), 0);
    assert_eq!(me.get("/notifications")["unread"], 0, "read on the server");
    let everything = inbox(&laptop, &["--all"]);
    assert_eq!(everything["items"].as_array().unwrap().len(), 4);
    assert_eq!(
        everything["unread"], 0,
        "the server's copies keep them read"
    );
    assert_eq!(runs(&record).len(), 1, "nothing is announced twice");

    // A text listing names what to do next.
    let listed = laptop.ok(&["inbox", "--offline"]);
    assert!(listed.contains("nothing new in the inbox"), "{listed}");
}

#[test]
fn a_private_message_is_queued_offline_sent_once_and_answered_like_a_thread() {
    let store = tempfile::tempdir().unwrap();
    let server = Served::demo(store.path(), &[]);
    let member = server.member_token.clone().unwrap();
    let other = Api::new(&server.url, server.admin_token.as_ref().unwrap());
    let laptop = Client::synced(&server, &member);
    let text_file = laptop.home.path().join("message.md");
    std::fs::write(&text_file, "Shall we meet on Friday?").unwrap();
    let file = text_file.to_str().unwrap();

    let refused = laptop.run(&["message", "--to", " ", "--title", "x", "--file", file]);
    assert!(!refused.status.success());
    assert!(
        text(&refused.stderr).contains("--to USER"),
        "{}",
        text(&refused.stderr)
    );

    // Queued while the server is away: kept, then sent once when it is back.
    let (addr, tokens) = (
        server.addr.clone(),
        (server.member_token.clone(), server.admin_token.clone()),
    );
    server.kill();
    let said = laptop.ok(&[
        "message", "--to", "@admin", "--title", "Friday", "--file", file,
    ]);
    assert!(
        said.contains("Queued message") && said.contains("to admin"),
        "{said}"
    );
    assert!(!laptop.run(&["sync"]).status.success(), "offline");
    assert_eq!(laptop.outbox().len(), 1, "kept while offline");
    let queued: Value = serde_json::from_str(&laptop.ok(&["outbox", "--json"])).unwrap();
    crate::json::assert_shape("outbox", &queued);
    assert_eq!(queued["entries"][0]["target"]["kind"], "message");
    assert_eq!(queued["entries"][0]["target"]["to"], json!(["admin"]));
    let mut server = Served::start(store.path(), &addr, false, &[]);
    (server.member_token, server.admin_token) = tokens;
    laptop.ok(&["sync"]);
    laptop.ok(&["sync"]);
    assert!(laptop.outbox().is_empty(), "sent");
    let theirs = other.get("/messages");
    let threads = theirs["threads"].as_array().unwrap();
    assert_eq!(threads.len(), 1, "once: {theirs}");
    assert_eq!(threads[0]["title"], "Friday");
    assert_eq!(threads[0]["participants"], json!(["admin", "demo"]));
    let pm = threads[0]["id"].as_str().unwrap().to_owned();

    // It is a thread like any other here: answered with `threadmark reply`, and their
    // answer is in the inbox.
    other.post(
        &format!("/threads/{pm}/posts"),
        &json!({"body": "Friday suits me."}),
    );
    let listed = inbox(&laptop, &[]);
    assert_eq!(kinds(&listed), ["message"]);
    assert_eq!(listed["items"][0]["thread"], pm.as_str());
    assert_eq!(listed["items"][0]["thread_title"], "Friday");
    // Here it is a thread of the Messages area, first in the tree.
    let tree: serde_json::Value = serde_json::from_str(&laptop.ok(&["tree", "--json"])).unwrap();
    let messages = &tree["sections"][0];
    assert_eq!(messages["title"], "Messages");
    assert_eq!(messages["areas"][0]["id"], "@messages");
    assert_eq!(messages["areas"][0]["threads"][0]["id"], pm.as_str());
    assert!(tree["unplaced_threads"].as_array().unwrap().is_empty());
    std::fs::write(&text_file, "See you then.").unwrap();
    laptop.ok(&["reply", "Friday", "--file", file]);
    laptop.ok(&["sync"]);
    let bodies = other.bodies(&pm);
    assert_eq!(
        bodies,
        [
            "Shall we meet on Friday?",
            "Friday suits me.",
            "See you then."
        ]
    );
}
