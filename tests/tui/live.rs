//! End to end with the real server: `threadmark serve --demo` on 127.0.0.1 and the real
//! reader in a pseudo-terminal, signed in as the demo member. Every wait is bounded.

use crate::pty_session::PtySession;
use crate::serve::{Client, Served, text};
use crate::support::api::Api;
use nix::sys::termios::LocalFlags;
use serde_json::Value;
use std::path::PathBuf;
use std::time::{Duration, Instant};

const BANNER: &str = "Logins are disabled during the gray-out";
/// The server's mode check and the engine's next look take their time; still bounded.
const DRAIN: Duration = Duration::from_secs(120);
const CTRL_S: &str = "\x13";
const ESC: &str = "\x1b";

/// A client signed in to `server` as the demo member, its cache synced once.
fn synced_client(server: &Served) -> Client {
    let client = Client::default();
    client.sign_in(&server.url, server.member_token.as_ref().unwrap());
    let out = client.run(&["sync"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    client
}

/// The reader on the client's own folders.
fn reader(client: &Client, env: &[(&str, &str)]) -> PtySession {
    PtySession::start(client.home.path(), &[], env, 120, 40)
}

/// Opens the Advocacy thread (the tree's last row) and moves to Connie Williams's reply.
fn open_advocacy_at_connie(s: &mut PtySession) {
    s.wait_for_text("Advocacy");
    s.send("G\r");
    s.wait_for_text("Connie Williams · #2");
    s.send("J");
}

fn drafts_dir(client: &Client) -> PathBuf {
    client.data_dir().join("accounts/work/drafts")
}

/// Waits until a draft file holds `needle` (the autosave is debounced; a file still being
/// written has a temporary name until it is complete).
fn wait_for_draft(client: &Client, needle: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let saved = std::fs::read_dir(drafts_dir(client))
            .into_iter()
            .flatten()
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .filter_map(|p| std::fs::read_to_string(p).ok())
            .any(|text| text.contains(needle));
        if saved {
            return;
        }
        assert!(Instant::now() < deadline, "the draft was never saved");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn a_draft_survives_sigkill_and_is_offered_back() {
    let store = tempfile::tempdir().unwrap();
    let server = Served::demo(store.path(), &[]);
    let client = synced_client(&server);

    let mut s = reader(&client, &[]);
    open_advocacy_at_connie(&mut s);
    s.send("r");
    s.wait_for_text("Reply to Connie Williams (#2)");
    s.send("Half-written thoughts on advocacy");
    s.wait_for_text("Half-written thoughts on advocacy");
    wait_for_draft(&client, "Half-written thoughts on advocacy");
    s.sigkill();
    drop(s);

    let mut s = reader(&client, &[]);
    let offer = s.wait_for_text("Unsent drafts from last time");
    let offer = if offer.contains("Half-written thoughts") {
        offer
    } else {
        s.wait_for_text("Half-written thoughts")
    };
    assert!(offer.contains("Reply to"), "{offer}");
    s.send("\r");
    let composer = s.wait_for_text("ctrl-s send");
    assert!(
        composer.contains("Half-written thoughts on advocacy"),
        "{composer}"
    );
    // Typing goes on where it stopped.
    s.send(", continued.");
    s.wait_for_text("Half-written thoughts on advocacy, continued.");
    s.send("\x03");
    assert!(s.wait_exit().success());
}

#[test]
fn the_gray_out_holds_a_reply_and_it_goes_out_when_posting_reopens() {
    let store = tempfile::tempdir().unwrap();
    let server = Served::demo(store.path(), &["--mode", "read-only", "--banner", BANNER]);
    let admin = Api::new(&server.url, server.admin_token.as_ref().unwrap());
    let client = synced_client(&server);

    let mut s = reader(&client, &[]);
    s.wait_for_text(BANNER);
    s.wait_for_text("read-only");
    open_advocacy_at_connie(&mut s);
    s.send("r");
    s.wait_for_text("Reply to Connie Williams (#2)");
    s.send("Held through the gray-out, sent after it.");
    s.send(CTRL_S);
    // The echo shows at once in the thread, held, under Connie Williams's reply.
    // (The status line may show the push under way first; it settles on read-only.)
    let screen = s.wait_for("the held echo", |t| {
        t.contains("◌ you") && t.contains(" held ") && t.contains("read-only")
    });
    let lines: Vec<&str> = screen.lines().collect();
    let echo = lines.iter().position(|l| l.contains("◌ you")).unwrap();
    assert!(
        lines[echo].contains("answers Connie Williams (#2)"),
        "{}",
        lines[echo]
    );
    assert!(screen.contains("read-only"), "{screen}");

    s.send("O");
    let list = s.wait_for_text("Outbox —");
    assert!(list.contains("held"), "{list}");
    assert!(list.contains("Held through the gray-out"), "{list}");
    assert!(
        list.contains("read-only"),
        "the server's word on it: {list}"
    );
    s.send(ESC);
    let screen = s.wait_for("the list to close", |t| !t.contains("Outbox —"));
    assert!(
        screen.contains("outbox 1 (1 held)"),
        "the status line counts it: {screen}"
    );
    assert!(
        !admin
            .bodies("advocacy-1")
            .iter()
            .any(|b| b.contains("Held through")),
        "nothing posted while read-only"
    );

    // The operator reopens posting; nobody touches the keyboard.
    admin.set_mode("open", None);
    let screen = s.wait_longer("the echo to become the real post", DRAIN, |t| {
        t.contains("Held through the gray-out") && !t.contains("◌ you")
    });
    assert!(
        admin
            .bodies("advocacy-1")
            .iter()
            .any(|b| b == "Held through the gray-out, sent after it."),
        "the server has the reply"
    );
    let lines: Vec<&str> = screen.lines().collect();
    let body = lines
        .iter()
        .position(|l| l.contains("Held through the gray-out"))
        .unwrap();
    let header = lines[..body]
        .iter()
        .rposition(|l| l.contains(" · #"))
        .unwrap();
    assert!(
        lines[header].contains("demo"),
        "by the member: {}",
        lines[header]
    );
    s.wait_for("the status line to say online", |t| t.contains(" online "));
    s.send("q");
    assert!(s.wait_exit().success());
}

#[test]
fn starting_offline_paints_the_cache_and_says_so() {
    let store = tempfile::tempdir().unwrap();
    let server = Served::demo(store.path(), &[]);
    let client = synced_client(&server);
    let addr = server.addr.clone();
    server.kill();
    assert!(
        std::net::TcpStream::connect(&addr).is_err(),
        "nothing listens at the account's address"
    );

    // The "editor" appends a line to the file it is given (which ends with a line end,
    // as text files do).
    let script = client.home.path().join("editor.sh");
    std::fs::write(&script, "printf 'Added in the editor.\\n' >> \"$1\"\n").unwrap();
    let visual = format!("sh {}", script.display());
    let mut s = reader(&client, &[("VISUAL", visual.as_str())]);
    s.wait_for_text("Advocacy");
    let screen = s.wait_for_text(" offline ");
    assert!(screen.contains("retry at"), "when it tries again: {screen}");
    open_advocacy_at_connie(&mut s);
    // Writing works offline too: typed, pasted, edited in $VISUAL, then into the outbox.
    s.send("rWritten on the train.");
    s.send("\x1b[200~ Pasted\r\nin two lines.\x1b[201~");
    s.wait_for_text("in two lines.");
    s.send("\x05");
    s.wait_for_text("Added in the editor.");
    assert!(
        !s.local_flags().contains(LocalFlags::ICANON),
        "raw mode again after the editor"
    );
    s.send(CTRL_S);
    s.wait_for("the queued echo", |t| {
        t.contains("◌ you") && t.contains(" queued ")
    });
    let entries = client.run(&["outbox", "--json"]);
    let listed: Value = serde_json::from_slice(&entries.stdout).unwrap();
    assert_eq!(
        listed["entries"][0]["body"],
        "Written on the train. Pasted\nin two lines.\nAdded in the editor."
    );
    s.send("s");
    s.wait_for_text(" offline ");
    s.send("q");
    assert!(s.wait_exit().success(), "no crash, a clean exit");
}

/// Polls the server until `check` holds for post `id` (bounded).
fn wait_for_post(api: &Api, id: &str, what: &str, check: impl Fn(&Value) -> bool) {
    let deadline = Instant::now() + DRAIN;
    loop {
        let post = api.get(&format!("/posts/{id}"));
        if check(&post) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{what} never reached the server: {post}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn edit_like_and_delete_your_post_from_the_reader_reach_the_server() {
    let store = tempfile::tempdir().unwrap();
    let server = Served::demo(store.path(), &[]);
    let api = Api::new(&server.url, server.member_token.as_ref().unwrap());
    let mine = api.reply("advocacy-1", "teh frist draft");
    let id = mine["id"].as_str().unwrap().to_owned();
    let client = synced_client(&server);
    // The "editor" fixes the typo in the file it is given.
    let script = client.home.path().join("editor.sh");
    std::fs::write(&script, "sed -i 's/teh frist/the first/' \"$1\"\n").unwrap();
    let visual = format!("sh {}", script.display());
    let mut s = reader(&client, &[("VISUAL", visual.as_str())]);
    s.wait_for_text("Advocacy");
    s.send("G\r");
    s.wait_for_text("Mary Ghikas · #1");
    // Our reply answers the thread and is its newest post: the last one.
    s.send(&"J".repeat(30));
    s.wait_for("our post, current", |t| {
        t.contains("already at the last post") && t.contains("teh frist draft")
    });

    s.send("e");
    s.wait_for_text("editing your post");
    s.send("\x05");
    s.wait_for_text("text taken from the editor");
    s.send(CTRL_S);
    wait_for_post(&api, &id, "the edit", |p| p["body"] == "the first draft");
    s.wait_for("the edited text", |t| {
        t.contains("the first draft") && !t.contains("teh frist")
    });

    s.send("+");
    wait_for_post(&api, &id, "the like", |p| p["reactions"]["like"] == 1);
    s.wait_for("the like counted by the server", |t| {
        t.contains("1 like, yours") && !t.contains("sending…")
    });

    s.send("d");
    s.wait_for_text("delete post #");
    s.send("y");
    wait_for_post(&api, &id, "the deletion", |p| p["deleted"] == true);
    s.wait_for_text("deleted by you");
    s.send("q");
    assert!(s.wait_exit().success(), "no crash, a clean exit");
}

/// The post count the reader's title line gives ("… 8 posts").
fn post_count(screen: &str) -> Option<u32> {
    screen.match_indices(" posts").find_map(|(at, _)| {
        let digits: String = screen[..at]
            .chars()
            .rev()
            .take_while(char::is_ascii_digit)
            .collect();
        digits.chars().rev().collect::<String>().parse().ok()
    })
}

/// The row where `needle` is on screen.
fn row_of(screen: &str, needle: &str) -> Option<usize> {
    screen.lines().position(|l| l.contains(needle))
}

#[test]
fn a_reply_posted_elsewhere_appears_in_the_open_thread_and_the_reader_stays_put() {
    let store = tempfile::tempdir().unwrap();
    let server = Served::demo(store.path(), &[]);
    let client = synced_client(&server);
    let mut s = reader(&client, &[]);
    open_advocacy_at_connie(&mut s);
    // Connie's reply at the top of the pane (below the banner and the title line).
    let before = s.wait_for("Connie's reply at the top", |t| {
        row_of(t, "Connie Williams · #2").is_some_and(|row| row < 4)
    });
    let count =
        post_count(&before).unwrap_or_else(|| panic!("the title line counts the posts:\n{before}"));
    let connie = row_of(&before, "Connie Williams · #2");
    // The demo admin answers the thread on the server; the reader's engine, waiting on
    // the changes feed with the thread in focus, brings it in.
    let admin = Api::new(&server.url, server.admin_token.as_ref().unwrap());
    admin.reply("advocacy-1", "A wombat-sized reply, posted elsewhere.");
    let after = s.wait_longer("the new post counted", DRAIN, |t| {
        post_count(t) == Some(count + 1)
    });
    assert_eq!(
        row_of(&after, "Connie Williams · #2"),
        connie,
        "the reader stays where it was:\n{after}"
    );
    s.send("G");
    s.wait_for_text("A wombat-sized reply, posted elsewhere.");
    s.send("q");
    assert!(s.wait_exit().success(), "no crash, a clean exit");
}
