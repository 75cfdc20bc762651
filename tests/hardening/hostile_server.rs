//! A hostile or broken API v1 server against the real client: the real reference server
//! behind the fault-injecting one, which answers chosen requests itself. A cursor that
//! does not move or never ends is a protocol error naming the server (the sync ends, in
//! bounded time and requests); an entity the client cannot read is set aside, logged and
//! counted while the rest of the sync goes on; absurd post numbers are not believed and
//! no count wraps around.

use crate::common::{client_run, run_bounded};
use crate::faulty::{Fault, FaultServer, Rule};
use crate::pty_session::PtySession;
use crate::serve::{Client, Served, text};
use serde_json::{Value, json};
use std::time::Duration;

/// A sync against a server that never stops must still end well within this.
const SYNC_LIMIT: Duration = Duration::from_secs(120);

struct Rig {
    _server: Served,
    _store: tempfile::TempDir,
    proxy: FaultServer,
    client: Client,
}

impl Rig {
    /// The demo server behind the fault server, and a client signed in through it (not
    /// yet synced).
    fn new() -> Self {
        let store = tempfile::tempdir().unwrap();
        let server = Served::demo(store.path(), &[]);
        let token = server.member_token.clone().unwrap();
        let proxy = FaultServer::start(Some(&server.url));
        let client = Client::default();
        client.sign_in(&proxy.url, &token);
        Self {
            _server: server,
            _store: store,
            proxy,
            client,
        }
    }

    fn sync(&self) -> std::process::Output {
        run_bounded(self.client.command(&["sync"]), SYNC_LIMIT)
    }

    fn requests_to(&self, what: &str) -> usize {
        self.proxy
            .requests()
            .iter()
            .filter(|r| r.target.contains(what))
            .count()
    }

    fn tree(&self) -> Value {
        let out = client_run(&self.client, &["tree", "--json"], &[]);
        assert!(out.status.success(), "{}", text(&out.stderr));
        serde_json::from_slice(&out.stdout).unwrap()
    }

    /// The changes cursor the client stands at.
    fn changes_cursor(&self) -> String {
        let path = self.client.data_dir().join("accounts/work/sync.json");
        let state: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let cursor = &state["cursor"]["changes"];
        cursor
            .as_str()
            .unwrap_or_else(|| panic!("{state}"))
            .to_owned()
    }

    /// Adds `setting = value` to account `work` in config.toml.
    fn configure(&self, setting: &str) {
        let config = std::fs::read_to_string(self.client.config()).unwrap();
        let edited: Vec<String> = config
            .lines()
            .flat_map(|line| {
                let mut lines = vec![line.to_owned()];
                if line.trim_start().starts_with("url = ") {
                    lines.push(setting.to_owned());
                }
                lines
            })
            .collect();
        std::fs::write(self.client.config(), edited.join("\n") + "\n").unwrap();
    }

    /// The next catch-up from where the client stands gets [`hostile_changes`].
    fn serve_hostile_changes_once(&self) {
        let cursor = self.changes_cursor();
        self.proxy.rule(
            Rule::method(
                "GET",
                &changes_since(&cursor),
                Fault::json(200, &hostile_changes(&cursor)),
            )
            .times(1),
        );
    }

    fn log(&self) -> String {
        let mut all = String::new();
        for entry in std::fs::read_dir(self.client.data_dir().join("logs")).unwrap() {
            all.push_str(&std::fs::read_to_string(entry.unwrap().path()).unwrap());
        }
        all
    }
}

fn thread_json(id: &str, title: &Value, last_post_at: &str, last_seq: u32) -> Value {
    json!({
        "id": id,
        "area_id": "general",
        "title": title,
        "author": { "name": "Mallory" },
        "created_at": "2024-05-01T10:00:00Z",
        "last_post_at": last_post_at,
        "post_count": last_seq,
        "last_seq": last_seq,
        "version": 1,
    })
}

/// Every thread of a `tree --json`, placed or not.
fn threads(tree: &Value) -> Vec<&Value> {
    let mut all = Vec::new();
    for section in tree["sections"].as_array().unwrap() {
        for area in section["areas"].as_array().unwrap() {
            all.extend(area["threads"].as_array().into_iter().flatten());
        }
    }
    all.extend(tree["unplaced_threads"].as_array().into_iter().flatten());
    all
}

fn thread_ids(tree: &Value) -> Vec<String> {
    threads(tree)
        .iter()
        .map(|t| t["id"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn a_changes_cursor_that_does_not_move_ends_the_sync_with_an_error_naming_the_server() {
    let rig = Rig::new();
    // Every /changes answer: "more is waiting", from the very cursor asked with.
    rig.proxy.rule(Rule::method(
        "GET",
        "/api/v1/changes",
        Fault::json(
            200,
            r#"{"changes":[],"next_cursor":"stuck","has_more":true}"#,
        ),
    ));
    let out = rig.sync();
    let stderr = text(&out.stderr);
    assert!(!out.status.success(), "the sync must fail: {stderr}");
    assert!(
        stderr.contains(&rig.proxy.url),
        "names the server: {stderr}"
    );
    assert!(stderr.contains("did not move"), "{stderr}");
    // Asked again only the once that showed the cursor stuck.
    assert!(
        rig.requests_to("/api/v1/changes") <= 3,
        "{}",
        rig.requests_to("/changes")
    );
    // What the snapshot brought before is kept.
    assert!(!thread_ids(&rig.tree()).is_empty());
}

#[test]
fn an_area_listing_that_never_ends_is_cut_at_the_configured_bound() {
    let rig = Rig::new();
    rig.configure("max_threads_per_area = 40");
    // Every area's thread list: one new thread and a new cursor, forever.
    let page = json!({
        "threads": [thread_json("endless-{n}", &json!("Endless {n}"), "2024-05-01T10:00:00Z", 1)],
        "next_cursor": "page-{n}",
    });
    rig.proxy.rule(Rule::method(
        "GET",
        "/api/v1/areas/",
        Fault::Numbered {
            template: page.to_string(),
        },
    ));
    let out = rig.sync();
    let stderr = text(&out.stderr);
    assert!(!out.status.success(), "the sync must fail: {stderr}");
    assert!(
        stderr.contains(&rig.proxy.url),
        "names the server: {stderr}"
    );
    assert!(stderr.contains("more than 40 threads"), "{stderr}");
    let listed = rig.requests_to("/api/v1/areas/");
    assert!((40..=45).contains(&listed), "{listed} listing pages");
    // The same cursor twice is caught at once, with no bound needed.
    rig.proxy.clear_rules();
    rig.proxy.rule(Rule::method(
        "GET",
        "/api/v1/areas/",
        Fault::json(
            200,
            &json!({"threads": [], "next_cursor": "same"}).to_string(),
        ),
    ));
    let out = rig.sync();
    let stderr = text(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("repeated the cursor"), "{stderr}");
}

/// A changes page with what the client cannot read between what it can: a date past
/// what it can represent, `null` for a title, and a thread claiming billions of posts.
fn hostile_changes(cursor: &str) -> String {
    let cursor = cursor.to_owned();
    json!({
        "changes": [
            { "kind": "thread", "thread": thread_json("far-future", &json!("From the year 9999"), "9999-12-31T23:59:59Z", 1) },
            { "kind": "thread", "thread": thread_json("fresh", &json!("A readable thread"), "2024-05-02T10:00:00Z", 1) },
            { "kind": "thread", "thread": thread_json("untitled", &Value::Null, "2024-05-02T10:00:00Z", 1) },
            { "kind": "thread", "thread": thread_json("huge", &json!("Claims four billion posts"), "2024-05-02T10:00:00Z", u32::MAX - 9) },
        ],
        "next_cursor": cursor,
        "has_more": false,
    })
    .to_string()
}

/// The request target of a catch-up from `cursor`, as the client encodes it.
fn changes_since(cursor: &str) -> String {
    let encoded: String = url::form_urlencoded::byte_serialize(cursor.as_bytes()).collect();
    format!("/api/v1/changes?since={encoded}")
}

#[test]
fn unreadable_entities_are_set_aside_and_the_rest_of_the_sync_goes_on() {
    let rig = Rig::new();
    let out = rig.sync();
    assert!(out.status.success(), "{}", text(&out.stderr));
    rig.serve_hostile_changes_once();

    let out = rig.sync();
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(stdout.contains("Skipped 2 items"), "{stdout}");
    let ids = thread_ids(&rig.tree());
    assert!(ids.contains(&"fresh".to_owned()), "{ids:?}");
    assert!(ids.contains(&"huge".to_owned()), "{ids:?}");
    assert!(!ids.contains(&"far-future".to_owned()), "{ids:?}");
    let log = rig.log();
    assert!(
        log.contains("skipped a change") && log.contains("far-future"),
        "{log}"
    );
    assert!(log.contains("untitled"), "{log}");

    // The reader says so in its status line.
    rig.serve_hostile_changes_once();
    let mut reader = PtySession::start(rig.client.home.path(), &[], &[], 140, 40);
    reader.wait_for_text("2 unreadable skipped");
    reader.send("q");
    reader.wait_exit();
}

#[test]
fn a_thread_claiming_billions_of_posts_is_not_believed_and_no_count_wraps() {
    let rig = Rig::new();
    let out = rig.sync();
    assert!(out.status.success(), "{}", text(&out.stderr));
    rig.serve_hostile_changes_once();
    let out = rig.sync();
    assert!(out.status.success(), "{}", text(&out.stderr));

    let tree = rig.tree();
    let unread = |id: &str| -> u64 {
        threads(&tree)
            .iter()
            .find(|t| t["id"] == id)
            .and_then(|t| t["unread"].as_u64())
            .unwrap_or_else(|| panic!("{id} not in {tree}"))
    };
    assert_eq!(unread("huge"), 10_000_000, "held to the sanity bound");
    let total = tree["unread"].as_u64().unwrap();
    assert!(
        (10_000_000..20_000_000).contains(&total),
        "the total neither wraps nor believes the claim: {total}"
    );
    let out = client_run(&rig.client, &["tree"], &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        !text(&out.stdout).contains("4294967"),
        "{}",
        text(&out.stdout)
    );
}
