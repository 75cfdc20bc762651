//! The commands against the real reference server: `login --token-stdin` checks the token,
//! `read` shows the thread's own pending replies, `sync` gives the read-only banner's text,
//! and unsent replies are private files.

use crate::json::assert_shape;
use crate::pty_session::PtySession;
use crate::serve::{Client, Served, text};
use crate::support::api::Api;
use serde_json::Value;
use std::os::unix::fs::PermissionsExt;

const BANNER: &str = "Upgrading the forum: posting reopens on Monday";

fn signed_in() -> (tempfile::TempDir, Served, Client) {
    let store = tempfile::tempdir().unwrap();
    let server = Served::demo(store.path(), &[]);
    let client = Client::default();
    client.sign_in(&server.url, server.member_token.as_ref().unwrap());
    assert!(client.run(&["sync"]).status.success());
    (store, server, client)
}

/// The operator switches the forum's mode (`PUT /admin/mode`, the admin token).
fn set_mode(server: &Served, mode: &str) {
    Api::new(&server.url, server.admin_token.as_ref().unwrap()).set_mode(mode, Some(BANNER));
}

#[test]
fn login_checks_the_token_and_names_its_user() {
    let store = tempfile::tempdir().unwrap();
    let server = Served::demo(store.path(), &[]);
    let client = Client::default();
    let out = client.run(&["account", "add", "work", "--url", &server.url]);
    assert!(out.status.success());
    let secrets = client.data_dir().join("secrets");

    let out = client.run_with_stdin(&["login", "--token-stdin"], "tm_made_up");
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("nothing was stored"),
        "{}",
        text(&out.stderr)
    );
    assert!(
        !secrets.exists() || std::fs::read_dir(&secrets).unwrap().next().is_none(),
        "a refused token is not stored"
    );

    let out = client.run_with_stdin(
        &["login", "--token-stdin"],
        server.member_token.as_ref().unwrap(),
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("Signed in to"),
        "{}",
        text(&out.stdout)
    );
    assert!(
        text(&out.stdout).contains(" as demo."),
        "{}",
        text(&out.stdout)
    );

    // Offline: stored, and said to be unchecked.
    let url = format!("http://{}", server.addr);
    server.kill();
    let offline = Client::default();
    assert!(
        offline
            .run(&["account", "add", "work", "--url", &url])
            .status
            .success()
    );
    let out = offline.run_with_stdin(&["login", "--token-stdin"], "tm_whatever");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let said = text(&out.stdout);
    assert!(said.contains("not checked: offline"), "{said}");
    let listed = offline.run(&["account", "list"]);
    assert!(text(&listed.stdout).contains("(logged in)"));
}

#[test]
fn read_shows_the_threads_own_pending_replies_where_they_belong() {
    let (_store, _server, client) = signed_in();
    // Queued, not synced yet: both wait in the outbox.
    let out = client.run_with_stdin(
        &["reply", "advocacy", "--to", "#2"],
        "Queued while you read",
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = client.run_with_stdin(&["reply", "advocacy"], "And one to the thread");
    assert!(out.status.success());

    // The outbox names them as the reader does, not by their ids.
    let listed = text(&client.run(&["outbox"]).stdout);
    assert!(
        listed.contains("Reply to Connie Williams (#2) in “Strategic Framework"),
        "{listed}"
    );
    assert!(listed.contains("Reply in “Strategic Framework"), "{listed}");
    assert!(!listed.contains("advocacy-1"), "{listed}");

    let out = client.run(&["read", "advocacy", "--width", "100"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let page = text(&out.stdout);
    assert!(page.contains("2 of yours in the outbox"), "{page}");
    let at = page
        .find("Queued while you read")
        .expect("the pending reply is shown");
    let header = page[..at]
        .lines()
        .rev()
        .find(|l| l.contains("you ·"))
        .unwrap();
    assert!(header.contains("queued"), "{header}");
    assert!(header.contains("answers Connie Williams (#2)"), "{header}");
    assert!(header.starts_with("│ "), "nested under #2: {header:?}");

    let read: Value =
        serde_json::from_slice(&client.run(&["read", "advocacy", "--json"]).stdout).unwrap();
    assert_shape("read", &read);
    let pending = read["pending"].as_array().unwrap();
    assert_eq!(pending.len(), 2);
    assert_eq!(pending[0]["state"], "queued");
    assert_eq!(pending[0]["reply_to"], "advocacy-1-2");
}

#[test]
fn held_and_failed_replies_say_so_in_read() {
    let store = tempfile::tempdir().unwrap();
    let server = Served::demo(store.path(), &[]);
    let client = Client::default();
    client.sign_in(&server.url, server.member_token.as_ref().unwrap());
    assert!(client.run(&["sync"]).status.success());
    let out = client.run_with_stdin(&["reply", "advocacy"], &"x".repeat(300));
    assert!(out.status.success());
    // The operator lowers the limit after the reply was queued: the server refuses it.
    let server = server.restart(store.path(), &["--max-post-chars", "100"]);
    assert!(client.run(&["sync"]).status.success());
    // The sync brought the new limit along (the tree itself did not change).
    let again = client.run_with_stdin(&["reply", "advocacy"], &"x".repeat(300));
    assert_eq!(again.status.code(), Some(1), "{}", text(&again.stdout));
    let page = text(&client.run(&["read", "advocacy", "--width", "100"]).stdout);
    assert!(page.contains("you · failed"), "{page}");
    assert!(page.contains("the server said:"), "{page}");
    assert!(page.contains("threadmark outbox retry"), "{page}");

    set_mode(&server, "read-only");
    let out = client.run_with_stdin(&["reply", "advocacy"], "Written in the gray-out");
    assert!(out.status.success());
    let out = client.run(&["sync"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let page = text(&client.run(&["read", "advocacy", "--width", "100"]).stdout);
    assert!(page.contains("you · held"), "{page}");
}

#[test]
fn a_reply_over_the_servers_limit_is_refused_before_it_is_queued() {
    let store = tempfile::tempdir().unwrap();
    let server = Served::demo(store.path(), &["--max-post-chars", "100"]);
    let client = Client::default();
    client.sign_in(&server.url, server.member_token.as_ref().unwrap());
    assert!(client.run(&["sync"]).status.success());

    let out = client.run_with_stdin(&["reply", "advocacy"], &"y".repeat(130));
    assert_eq!(out.status.code(), Some(1));
    let said = text(&out.stderr);
    assert!(said.contains("30 characters too long"), "{said}");
    assert!(said.contains("at most 100"), "{said}");
    assert!(said.contains("nothing was queued"), "{said}");
    assert!(client.outbox().is_empty());

    let out = client.run_with_stdin(&["reply", "advocacy"], &"y".repeat(100));
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(client.outbox().len(), 1);
}

#[test]
fn sync_against_a_read_only_forum_gives_the_banners_words() {
    let store = tempfile::tempdir().unwrap();
    let server = Served::demo(store.path(), &["--mode", "read-only", "--banner", BANNER]);
    let client = Client::default();
    client.sign_in(&server.url, server.member_token.as_ref().unwrap());
    let out = client.run(&["sync"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let summary = text(&out.stdout);
    assert!(summary.contains("read-only"), "{summary}");
    assert!(summary.contains(BANNER), "why, and until when: {summary}");

    let out = client.run(&["sync", "--json"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let value: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_shape("sync", &value);
    assert_eq!(value["mode"], "read-only");
    assert_eq!(value["banner"]["text"], BANNER);

    let log = client.data_dir().join("logs");
    let logged: String = std::fs::read_dir(log)
        .unwrap()
        .map(|f| std::fs::read_to_string(f.unwrap().path()).unwrap())
        .collect();
    assert!(logged.contains("the forum is read-only"), "{logged}");
}

#[test]
fn unsent_replies_are_readable_by_their_owner_only() {
    let (_store, _server, client) = signed_in();
    let out = client.run_with_stdin(&["reply", "advocacy"], "Private until sent");
    assert!(out.status.success());
    let outbox = client.data_dir().join("accounts/work/outbox");
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&outbox), 0o700);
    assert_eq!(mode(&outbox.join("queued")), 0o700);
    for file in std::fs::read_dir(outbox.join("queued")).unwrap() {
        assert_eq!(mode(&file.unwrap().path()), 0o600);
    }
}

#[test]
fn a_draft_autosaved_by_the_reader_is_private_even_after_a_kill() {
    let (_store, _server, client) = signed_in();
    let mut reader = PtySession::start(client.home.path(), &[], &[], 120, 40);
    reader.wait_for_text(" q quit");
    reader.send("/\u{15}Advocacy\r\r");
    reader.wait_for_text("Connie Williams");
    reader.send("r");
    reader.wait_for_text("ctrl-s");
    reader.send("Words nobody else may read");
    reader.wait_for_text("Words nobody else may read");
    let drafts = client.data_dir().join("accounts/work/drafts");
    let deadline = std::time::Instant::now() + crate::pty_session::WAIT;
    while std::fs::read_dir(&drafts).map_or(true, |mut d| d.next().is_none()) {
        assert!(
            std::time::Instant::now() < deadline,
            "the draft was autosaved"
        );
        reader.settle(std::time::Duration::from_millis(200));
    }
    reader.sigkill();
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&drafts), 0o700);
    let files: Vec<_> = std::fs::read_dir(&drafts)
        .unwrap()
        .map(|f| f.unwrap().path())
        .collect();
    assert_eq!(files.len(), 1);
    assert_eq!(mode(&files[0]), 0o600);
    assert!(
        std::fs::read_to_string(&files[0])
            .unwrap()
            .contains("Words nobody else may read")
    );
}

/// `threadmark serve ARGS --data STORE` beside the running server; its stdout.
fn serve_command(store: &std::path::Path, args: &[&str]) -> String {
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

#[test]
fn the_open_reader_takes_a_new_login_without_a_restart() {
    let (store, _server, client) = signed_in();
    let mut reader = PtySession::start(client.home.path(), &[], &[], 140, 40);
    reader.wait_for_text(" online ");
    // The operator revokes the token; a reply waits for a login.
    serve_command(store.path(), &["token", "revoke", "demo"]);
    let out = client.run_with_stdin(&["reply", "advocacy"], "Sent after a new login");
    assert!(out.status.success());
    reader.send("s");
    reader.wait_for_text(" login needed ");
    // A new token, stored from another terminal while the reader stays open.
    let fresh = serve_command(store.path(), &["token", "new", "demo"]);
    let fresh = fresh
        .trim()
        .strip_prefix("demo token: ")
        .unwrap()
        .to_owned();
    let out = client.run_with_stdin(&["login", "--token-stdin"], &fresh);
    assert!(out.status.success(), "{}", text(&out.stderr));
    reader.send("s");
    reader.wait_for_text(" online ");
    reader.wait_for_text("outbox 0 ");
    reader.send("q");
    assert!(reader.wait_exit().success());
    let read: Value =
        serde_json::from_slice(&client.run(&["read", "advocacy", "--json"]).stdout).unwrap();
    assert!(
        read["posts"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["body"] == "Sent after a new login"),
        "{read:#}"
    );
}

#[test]
fn times_are_local_and_utc_only_when_asked() {
    let (_store, _server, client) = signed_in();
    // The demo forum is undated; this copy of it is not, so the headers carry times.
    let mut cache = threadmark::store::Cache::open(
        threadmark::store::DataDir::new(client.data_dir()).account("work"),
    );
    let mut forum = cache.load_forum().unwrap().unwrap();
    forum.undated = false;
    cache.save_forum(&forum).unwrap();
    let read_in = |tz: &str| {
        let out = client
            .command(&["read", "advocacy", "--width", "120"])
            .env("TZ", tz)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", text(&out.stderr));
        text(&out.stdout)
    };
    // The opening post's header: "… · #1 · 2026-03-01 14:22 UTC …".
    let stamp = |page: &str, zone: &str| {
        let line = page
            .lines()
            .find(|l| l.contains(" · #1 · "))
            .unwrap_or_else(|| panic!("no header of #1: {page}"))
            .to_owned();
        let at = line.find(" · #1 · ").unwrap() + " · #1 · ".len();
        let shown = &line[at..at + 16];
        assert!(
            line[at + 16..].starts_with(&format!(" {zone}")),
            "{zone}: {line}"
        );
        jiff::civil::DateTime::strptime("%Y-%m-%d %H:%M", shown).unwrap()
    };
    let utc = stamp(&read_in("UTC"), "UTC");
    // A POSIX zone string needs no time zone database: Japan, nine hours ahead.
    let japan = stamp(&read_in("JST-9"), "JST");
    assert_eq!(
        japan,
        utc.checked_add(jiff::Span::new().hours(9)).unwrap(),
        "the same moment in the reader's zone"
    );
}

#[test]
fn an_area_the_operator_adds_while_serving_reaches_the_open_reader() {
    let (store, _server, client) = signed_in();
    let mut reader = PtySession::start(client.home.path(), &[], &[], 140, 40);
    reader.wait_for_text(" online ");
    // The operator shapes the forum from another terminal; the reader, long polling,
    // is not asked to sync.
    serve_command(
        store.path(),
        &["forum", "section", "add", "club", "--title", "The club"],
    );
    serve_command(
        store.path(),
        &[
            "forum",
            "area",
            "add",
            "regatta",
            "--section",
            "club",
            "--title",
            "Regatta results",
        ],
    );
    reader.wait_for_text("Regatta results");
    reader.send("q");
    assert!(reader.wait_exit().success());
    let tree: Value = serde_json::from_slice(&client.run(&["tree", "--json"]).stdout).unwrap();
    let text = tree.to_string();
    assert!(
        text.contains("\"regatta\"") && text.contains("The club"),
        "{tree:#}"
    );
}

#[test]
fn a_thread_the_operator_locks_pins_and_moves_changes_in_the_open_reader() {
    let (store, _server, client) = signed_in();
    let mut reader = PtySession::start(client.home.path(), &[], &[], 140, 40);
    reader.wait_for_text(" online ");
    for args in [
        &["thread", "lock", "advocacy-1"][..],
        &["thread", "pin", "advocacy-1"][..],
        &["thread", "move", "advocacy-1", "--to", "information-policy"][..],
    ] {
        serve_command(store.path(), args);
    }
    reader.wait_for_text("[pinned] [locked] Strategic");
    reader.send("q");
    assert!(reader.wait_exit().success());
    let tree: Value = serde_json::from_slice(&client.run(&["tree", "--json"]).stdout).unwrap();
    let area = tree["sections"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["areas"].as_array().unwrap().iter())
        .find(|a| a["id"] == "information-policy")
        .unwrap()
        .clone();
    assert_eq!(area["threads"][0]["id"], "advocacy-1", "{tree:#}");
    assert_eq!(area["threads"][0]["locked"], true);
    let out = client.run_with_stdin(&["reply", "advocacy-1"], "Too late?");
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("locked"),
        "{}",
        text(&out.stderr)
    );
}

/// `threadmark serve ARGS… --data DIR` as the operator runs it: its standard output,
/// after checking it succeeded.
fn operate(data: &std::path::Path, args: &[&str], stdin: &str) -> String {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_threadmark"));
    command.arg("serve").args(args).arg("--data").arg(data);
    let out = crate::support::run::output_with_stdin(command, stdin);
    assert!(out.status.success(), "{args:?}: {}", text(&out.stderr));
    text(&out.stdout)
}

/// The token `serve invite create` printed.
fn invite_token(said: &str) -> String {
    said.strip_prefix("invite: ")
        .and_then(|rest| rest.split_once(' '))
        .map_or_else(|| panic!("{said}"), |(token, _)| token.to_owned())
}

/// The operator's setup, from an empty data dir with the command line alone: an admin, a
/// title, a section, an area only the admin posts in and one for all, and two
/// invitations (one moderator; two members). Returns those invitation tokens.
fn set_up_the_club(data: &std::path::Path) -> (String, String) {
    let said = operate(
        data,
        &["user", "add", "ann", "--password-stdin"],
        "ann's password\n",
    );
    assert_eq!(said, "created user ann (admin)\n");
    operate(data, &["forum", "title", "The Allotment Club"], "");
    operate(
        data,
        &["forum", "section", "add", "club", "--title", "Club"],
        "",
    );
    let args = [
        "forum",
        "area",
        "add",
        "notices",
        "--section",
        "club",
        "--title",
        "Notices",
        "--post-role",
        "admin",
    ];
    operate(data, &args, "");
    let args = [
        "forum",
        "area",
        "add",
        "chat",
        "--section",
        "club",
        "--title",
        "Chat",
    ];
    operate(data, &args, "");
    let moderator = invite_token(&operate(
        data,
        &["invite", "create", "--role", "moderator"],
        "",
    ));
    let members = operate(
        data,
        &["invite", "create", "--uses", "2", "--expires", "14d"],
        "",
    );
    assert!(
        members.contains("(role member, 2 uses, expires "),
        "{members}"
    );
    let members = invite_token(&members);
    let shown = operate(data, &["forum", "show"], "");
    assert!(shown.contains("The Allotment Club"), "{shown}");

    (moderator, members)
}

#[test]
fn a_group_sets_up_its_forum_with_the_cli_alone_and_members_join_by_invitation() {
    let data = tempfile::tempdir().unwrap();
    let data = data.path();
    let (moderator, members) = set_up_the_club(data);
    let server = Served::start(data, "127.0.0.1:0", false, &[]);
    let join = |token: &str, user: &str| {
        let client = Client::default();
        let out = client.run(&["account", "add", "club", "--url", &server.url]);
        assert!(out.status.success(), "{}", text(&out.stderr));
        let args = [
            "login",
            "--account",
            "club",
            "--invite",
            token,
            "--user",
            user,
            "--password-stdin",
        ];
        let out = client.run_with_stdin(&args, &format!("{user}'s long password\n"));
        (client, out)
    };
    let (mo, out) = join(&moderator, "mo");
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout),
        format!(
            "Signed in to {} as mo (moderator). Next: threadmark sync --account club\n",
            server.url
        )
    );
    let (bea, out) = join(&members, "bea");
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains(" as bea. "),
        "{}",
        text(&out.stdout)
    );
    for client in [&mo, &bea] {
        let out = client.run(&["sync"]);
        assert!(out.status.success(), "{}", text(&out.stderr));
    }

    // A spent invitation is refused with the reason, and nothing is stored.
    let (late, out) = join(&moderator, "cy");
    assert_eq!(out.status.code(), Some(1));
    let said = text(&out.stderr);
    assert!(
        said.contains("did not take the invitation: this invitation was used up"),
        "{said}"
    );
    let listed = late.run(&["account", "list"]);
    assert!(
        !text(&listed.stdout).contains("(logged in)"),
        "{}",
        text(&listed.stdout)
    );
}

/// An account on plain http (loopback) never needs a certificate authority: it syncs on a
/// machine with none (`SSL_CERT_FILE`/`SSL_CERT_DIR` naming nothing, where loading the
/// system's would fail), and so loads none — at start, that load was a freeze of tens of
/// milliseconds.
#[test]
fn a_plain_http_account_syncs_without_loading_certificate_authorities() {
    let store = tempfile::tempdir().unwrap();
    let server = Served::demo(store.path(), &[]);
    let client = Client::default();
    client.sign_in(&server.url, server.member_token.as_ref().unwrap());
    let nowhere = store.path().join("no-certificates");
    let mut sync = client.command(&["sync"]);
    sync.env("SSL_CERT_FILE", &nowhere)
        .env("SSL_CERT_DIR", &nowhere);
    let out = crate::support::run::output_with_stdin(sync, "");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let tree = client.run(&["tree", "--json"]);
    let tree: Value = serde_json::from_slice(&tree.stdout).unwrap();
    assert!(!tree["sections"].as_array().unwrap().is_empty(), "{tree:#}");
}

#[test]
fn login_register_joins_a_forum_open_to_registration_and_is_refused_when_it_is_closed() {
    let store = tempfile::tempdir().unwrap();
    let server = Served::demo(store.path(), &["--registration", "member"]);
    let newcomer = Client::default();
    let added = newcomer.run(&["account", "add", "work", "--url", &server.url]);
    assert!(added.status.success(), "{}", text(&added.stderr));
    let joined = newcomer.run_with_stdin(
        &[
            "login",
            "--register",
            "--user",
            "newbie",
            "--password-stdin",
        ],
        "a long enough password\n",
    );
    assert!(joined.status.success(), "{}", text(&joined.stderr));
    assert!(
        text(&joined.stdout).contains("Signed in to") && text(&joined.stdout).contains("newbie"),
        "{}",
        text(&joined.stdout)
    );
    newcomer.ok(&["sync"]);
    let reply = newcomer.home.path().join("hello.md");
    std::fs::write(&reply, "Hello, I am new here.").unwrap();
    newcomer.ok(&["reply", "advocacy", "--file", reply.to_str().unwrap()]);
    newcomer.ok(&["sync"]);
    let member = Api::new(&server.url, server.member_token.as_ref().unwrap());
    assert!(
        member
            .bodies("advocacy-1")
            .contains(&"Hello, I am new here.".to_owned()),
        "the new member posts"
    );

    // Closed (the default): refused with the operator's reason, nothing stored.
    let closed_store = tempfile::tempdir().unwrap();
    let closed = Served::demo(closed_store.path(), &[]);
    let outsider = Client::default();
    outsider.ok(&["account", "add", "work", "--url", &closed.url]);
    let refused = outsider.run_with_stdin(
        &[
            "login",
            "--register",
            "--user",
            "newbie",
            "--password-stdin",
        ],
        "a long enough password\n",
    );
    assert!(!refused.status.success());
    let why = text(&refused.stderr);
    assert!(why.contains("did not take the registration"), "{why}");
    assert!(why.contains("invitation only"), "{why}");
    let accounts: Value =
        serde_json::from_str(&outsider.ok(&["account", "list", "--json"])).unwrap();
    assert_eq!(
        accounts["accounts"][0]["login"], "not_logged_in",
        "no credential was stored"
    );
}
