//! Edits in conflict and earlier versions, end to end: the real reader in a pseudo-terminal
//! against the real `threadmark serve` on 127.0.0.1. Our edit waits while the server is
//! away; the author changed the same post from another client meanwhile; once the server
//! is back the reader shows both texts and the user chooses. Every wait is bounded.

use crate::pty_session::PtySession;
use crate::serve::{Client, Served, text};
use crate::support::api::Api;
use serde_json::Value;
use std::time::{Duration, Instant};

/// The engine's retry after the server came back takes its time; still bounded.
const DRAIN: Duration = Duration::from_secs(120);
const CTRL_S: &str = "\x13";
const CTRL_E: &str = "\x05";

fn synced_client(server: &Served) -> Client {
    let client = Client::default();
    client.sign_in(&server.url, server.member_token.as_ref().unwrap());
    let out = client.run(&["sync"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    client
}

/// Polls the server until `check` holds for post `id` (bounded).
fn wait_for_post(api: &Api, id: &str, what: &str, check: impl Fn(&Value) -> bool) -> Value {
    let deadline = Instant::now() + DRAIN;
    loop {
        let post = api.get(&format!("/posts/{id}"));
        if check(&post) {
            return post;
        }
        assert!(
            Instant::now() < deadline,
            "{what} never reached the server: {post}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// A conflict in the reader: our reply "version one" was edited to "changed elsewhere" by
/// its author from another client (the server's version 2), while this reader — offline,
/// the server away — edited it to "changed here". Returns with the server back, the
/// reader synced and the conflict screen open on both texts.
struct Conflicted {
    store: tempfile::TempDir,
    server: Served,
    api: Api,
    client: Client,
    s: PtySession,
    id: String,
}

fn conflicted() -> Conflicted {
    let store = tempfile::tempdir().unwrap();
    let server = Served::demo(store.path(), &[]);
    let api = Api::new(&server.url, server.member_token.as_ref().unwrap());
    let mine = api.reply("advocacy-1", "version one");
    let id = mine["id"].as_str().unwrap().to_owned();
    let client = synced_client(&server);
    // The author changes it from another device; this client does not see it.
    api.edit(&mine, Some("changed elsewhere"), false);
    let (addr, tokens) = (
        server.addr.clone(),
        (server.member_token.clone(), server.admin_token.clone()),
    );
    server.kill();

    // The "editor" rewrites the text it is given.
    let script = client.home.path().join("editor.sh");
    std::fs::write(&script, "sed -i 's/version one/changed here/' \"$1\"\n").unwrap();
    let visual = format!("sh {}", script.display());
    let mut s = PtySession::start(
        client.home.path(),
        &[],
        &[("VISUAL", visual.as_str())],
        120,
        40,
    );
    s.wait_for_text("Advocacy");
    s.wait_for_text(" offline ");
    s.send("G\r");
    s.wait_for_text("Mary Ghikas · #1");
    s.send(&"J".repeat(30));
    s.wait_for("our post, current", |t| {
        t.contains("already at the last post") && t.contains("version one")
    });
    s.send("e");
    s.wait_for_text("editing your post");
    s.send(CTRL_E);
    s.wait_for_text("text taken from the editor");
    s.send(CTRL_S);
    s.wait_for_text("edit on its way…");

    // The server comes back where the account expects it.
    let mut server = Served::start(store.path(), &addr, false, &[]);
    (server.member_token, server.admin_token) = tokens;
    // A fresh client: the old one's connections went with the old process.
    let api = Api::new(&server.url, server.member_token.as_ref().unwrap());
    s.send("s");
    s.wait_longer("the conflict mark", DRAIN, |t| {
        t.contains("conflicts with a newer version")
    });
    assert_eq!(
        api.get(&format!("/posts/{id}"))["body"],
        "changed elsewhere",
        "ours was never sent blindly over theirs"
    );
    s.send("e");
    // The whole screen, both texts side by side (a frame can be caught half drawn).
    let screen = s.wait_for("both texts side by side", |t| {
        t.contains("Edit in conflict")
            && t.contains("changed elsewhere")
            && t.contains("changed here")
    });
    assert!(screen.contains("On the server (version 2)"), "{screen}");
    Conflicted {
        store,
        server,
        api,
        client,
        s,
        id,
    }
}

/// The files under the account's `outbox/discarded/`, as text.
fn discarded(client: &Client) -> Vec<String> {
    let dir = client.data_dir().join("accounts/work/outbox/discarded");
    std::fs::read_dir(&dir)
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .filter(|e| e.path().extension().is_some_and(|x| x == "json"))
        .filter_map(|e| std::fs::read_to_string(e.path()).ok())
        .collect()
}

fn wait_for_discarded(client: &Client, needle: &str) {
    let deadline = Instant::now() + DRAIN;
    while !discarded(client).iter().any(|f| f.contains(needle)) {
        assert!(
            Instant::now() < deadline,
            "{needle:?} never kept under outbox/discarded/"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn keep_mine_on_the_conflict_screen_sends_ours_on_the_servers_version() {
    let Conflicted {
        store: _store,
        server: _server,
        api,
        client,
        mut s,
        id,
    } = conflicted();
    s.send("k");
    let post = wait_for_post(&api, &id, "ours on the new version", |p| {
        p["body"] == "changed here"
    });
    assert_eq!(post["version"], 3, "an edit of version 2: {post}");
    let revisions = api.get(&format!("/posts/{id}/revisions"));
    let earlier: Vec<&str> = revisions["revisions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["body"].as_str().unwrap())
        .collect();
    assert_eq!(
        earlier,
        ["version one", "changed elsewhere"],
        "theirs kept too"
    );
    wait_for_discarded(&client, "changed here");
    s.wait_for("the mark gone", |t| {
        t.contains("changed here") && !t.contains("conflicts with a newer version")
    });
    s.send("q");
    assert!(s.wait_exit().success(), "no crash, a clean exit");
}

#[test]
fn take_theirs_asks_then_keeps_the_servers_text_and_ours_on_disk() {
    let Conflicted {
        store: _store,
        server: _server,
        api,
        client,
        mut s,
        id,
    } = conflicted();
    s.send("t");
    s.wait_for_text("Take the server's text?");
    // Any other key goes back: nothing is taken.
    s.send("n");
    s.wait_for_text("nothing taken");
    let entries = client.outbox();
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert_eq!(entries[0]["state"], "conflict");
    s.send("t");
    s.wait_for_text("Take the server's text?");
    s.send("y");
    // The store worker's word once it is done.
    s.wait_for_text("kept on disk under outbox/discarded/");
    wait_for_discarded(&client, "changed here");
    s.wait_for("the mark gone", |t| {
        t.contains("changed elsewhere") && !t.contains("conflicts with a newer version")
    });
    assert!(client.outbox().is_empty(), "nothing left to send");
    let post = api.get(&format!("/posts/{id}"));
    assert_eq!(
        (post["body"].as_str(), post["version"].as_u64()),
        (Some("changed elsewhere"), Some(2)),
        "the server keeps theirs"
    );
    s.send("q");
    assert!(s.wait_exit().success(), "no crash, a clean exit");
}

#[test]
fn e_on_a_post_edited_by_someone_else_shows_its_earlier_text() {
    let store = tempfile::tempdir().unwrap();
    let server = Served::demo(store.path(), &[]);
    let admin = Api::new(&server.url, server.admin_token.as_ref().unwrap());
    let theirs = admin.reply("advocacy-1", "The first words of the admin.");
    admin.edit(&theirs, Some("The second words of the admin."), false);
    let client = synced_client(&server);
    let mut s = PtySession::start(client.home.path(), &[], &[], 120, 40);
    s.wait_for_text("Advocacy");
    s.send("G\r");
    s.wait_for_text("Mary Ghikas · #1");
    s.send(&"J".repeat(30));
    let screen = s.wait_for("the edited post, current", |t| {
        t.contains("already at the last post") && t.contains("The second words")
    });
    let header = screen
        .lines()
        .rev()
        .find(|l| l.contains(" · #") && l.contains("edited"));
    assert!(header.is_some(), "the header says edited: {screen}");
    s.send("E");
    let shown = s.wait_for("the earlier version", |t| {
        t.contains("Earlier versions of #") && t.contains("The first words of the admin.")
    });
    assert!(shown.contains("Version 1 of 2"), "{shown}");
    s.send("\x1b");
    s.wait_for("the view closed", |t| !t.contains("Earlier versions of #"));
    s.send("q");
    assert!(s.wait_exit().success(), "no crash, a clean exit");
    drop(server);
}
