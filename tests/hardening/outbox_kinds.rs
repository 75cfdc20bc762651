//! Every kind of outbox entry (reply, edit, delete, like, unlike, moderation) queued offline with the
//! real client binary and sent to the real `threadmark serve`: drained while the client is
//! killed (`kill -9`) at random points again and again, and, as a property, any interleaving
//! of queueing, syncs and killed syncs against a reference model. In the end the server
//! holds exactly what the model says (each reply once, in order; each edit once, with one
//! revision; deletions; like counts) and the outbox holds only what must stay (conflicts,
//! refusals).

use crate::common::{Dice, client_run, count};
use crate::props::config;
use crate::serve::{Client, Served, text};
use crate::support::api::Api;
use proptest::prelude::*;
use std::process::Stdio;
use std::time::Duration;

const THREAD: &str = "advocacy-1";

/// A post as the server has it now, seen by the member.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Held {
    body: String,
    deleted: bool,
    version: u64,
    likes: u64,
    liked: bool,
}

fn held(api: &Api, id: &str) -> Held {
    let post = api.get(&format!("/posts/{id}"));
    Held {
        body: post["body"].as_str().unwrap_or_default().to_owned(),
        deleted: post["deleted"].as_bool().unwrap_or(false),
        version: post["version"].as_u64().unwrap(),
        likes: post["reactions"]["like"].as_u64().unwrap_or(0),
        liked: post["me"]
            .as_array()
            .is_some_and(|me| me.iter().any(|r| r == "like")),
    }
}

/// The texts a post had before, oldest first (one per edit or deletion that landed).
fn revisions(api: &Api, id: &str) -> Vec<String> {
    api.get(&format!("/posts/{id}/revisions"))["revisions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["body"].as_str().unwrap().to_owned())
        .collect()
}

/// The keys our queued replies carry on the server, in thread order (one per post; the
/// posts written online before the test carry keys too, and are left out).
fn reply_keys(api: &Api, online: &[String]) -> Vec<String> {
    api.posts(THREAD)
        .iter()
        .filter(|p| !online.iter().any(|id| p["id"] == id.as_str()))
        .filter_map(|p| p["client_key"].as_str().map(str::to_owned))
        .collect()
}

/// The server post made from the reply sent under `key`.
fn post_of_key(api: &Api, key: &str) -> String {
    api.posts(THREAD)
        .iter()
        .find(|p| p["client_key"] == key)
        .and_then(|p| p["id"].as_str())
        .unwrap_or_else(|| panic!("no post carries key {key}"))
        .to_owned()
}

/// The live outbox entries as (kind, state), in send order.
fn live(client: &Client) -> Vec<(String, String)> {
    client
        .outbox()
        .iter()
        .map(|e| {
            (
                e["target"]["kind"].as_str().unwrap().to_owned(),
                e["state"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// `threadmark sync` to the end: it may report refusals (exit 1), never crash.
fn sync(client: &Client) {
    let out = client_run(client, &["sync"], &[]);
    assert!(
        out.status.code().is_some_and(|c| c == 0 || c == 1),
        "sync ended by {:?}: {}",
        out.status,
        text(&out.stderr)
    );
    assert!(
        !text(&out.stderr).contains("panicked"),
        "{}",
        text(&out.stderr)
    );
}

/// `threadmark sync`, killed with SIGKILL after `after`.
fn killed_sync(client: &Client, after: Duration) {
    let mut child = client
        .command(&["sync"])
        .stdin(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(after);
    let _ = child.kill();
    let _ = child.wait();
}

/// The member's forum and client: the demo server, and a client signed in and synced.
struct Forum {
    store: tempfile::TempDir,
    /// `None` while the client is offline.
    server: Option<Served>,
    member: Api,
    client: Client,
    files: tempfile::TempDir,
}

impl Forum {
    fn start() -> Self {
        let store = tempfile::tempdir().unwrap();
        let server = Served::demo(store.path(), &["--writes-per-minute", "0"]);
        let member = Api::new(&server.url, server.member_token.as_ref().unwrap());
        let client = Client::default();
        client.sign_in(&server.url, server.member_token.as_ref().unwrap());
        Self {
            store,
            server: Some(server),
            member,
            client,
            files: tempfile::tempdir().unwrap(),
        }
    }

    /// Posts of the member's own, written online before the test's queue.
    fn own_posts(&self, n: usize) -> Vec<String> {
        (0..n)
            .map(|i| {
                let post = self.member.reply(THREAD, &format!("Own post {i}"));
                post["id"].as_str().unwrap().to_owned()
            })
            .collect()
    }

    fn reply(&self, body: &str) -> String {
        let out = self.client.run_with_stdin(&["reply", THREAD], body);
        assert!(out.status.success(), "{}", text(&out.stderr));
        let entries = self.client.outbox();
        let last = entries.last().unwrap();
        assert_eq!(last["body"], body);
        last["key"].as_str().unwrap().to_owned()
    }

    /// `threadmark edit POST --file F` with `body`; what it said, or its error.
    fn edit(&self, post: &str, body: &str) -> Result<String, String> {
        let path = self.files.path().join("text");
        std::fs::write(&path, body).unwrap();
        said(
            &self
                .client
                .run(&["edit", post, "--file", path.to_str().unwrap()]),
        )
    }

    fn change(&self, args: &[&str]) -> Result<String, String> {
        said(&self.client.run(args))
    }

    /// The member is made a moderator (`threadmark serve user role`, beside the running
    /// server) and logs in again, so the client knows the role.
    fn promote(&self) {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_threadmark"))
            .args(["serve", "user", "role", "demo", "moderator", "--data"])
            .arg(self.store.path())
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", text(&out.stderr));
        let server = self.server.as_ref().unwrap();
        let out = self.client.run_with_stdin(
            &["login", "--token-stdin"],
            server.member_token.as_ref().unwrap(),
        );
        assert!(out.status.success(), "{}", text(&out.stderr));
    }

    /// The server stops (the client is offline) while `queue` runs, and comes back where
    /// the client expects it.
    fn offline(&mut self, queue: impl FnOnce(&Self)) {
        let server = self.server.take().unwrap();
        let addr = server.addr.clone();
        let token = server.member_token.clone().unwrap();
        server.kill();
        queue(self);
        let again = Served::start(
            self.store.path(),
            &addr,
            false,
            &["--writes-per-minute", "0"],
        );
        self.member = Api::new(&again.url, &token);
        self.server = Some(again);
    }
}

fn said(out: &std::process::Output) -> Result<String, String> {
    if out.status.success() {
        Ok(text(&out.stdout))
    } else {
        Err(text(&out.stderr))
    }
}

/// Queues replies, edits (two of one post), deletions (some after an edit), likes and
/// unlikes of several posts, and a moderator's pin, hide, unhide and lock; returns the
/// replies' keys.
fn queue_every_kind(f: &Forum, own: &[String]) -> Vec<String> {
    let mut replies = Vec::new();
    replies.push(f.reply("Every-kind reply 00"));
    f.edit(&own[0], "Own post 0, first fix").unwrap();
    f.change(&["like", "advocacy-1#2"]).unwrap();
    replies.push(f.reply("Every-kind reply 01"));
    let merged = f.edit(&own[0], "Own post 0, last fix").unwrap();
    assert!(merged.contains("only the last text is sent"), "{merged}");
    f.edit(&own[1], "Own post 1, fixed before it goes").unwrap();
    f.change(&["like", "advocacy-1#3"]).unwrap();
    f.change(&["delete", &own[1]]).unwrap();
    replies.push(f.reply("Every-kind reply 02"));
    f.change(&["delete", &own[2]]).unwrap();
    f.change(&["like", "--undo", "advocacy-1#3"]).unwrap();
    f.edit(&own[3], "Own post 3, fixed").unwrap();
    f.change(&["like", &own[3]]).unwrap();
    replies.push(f.reply("Every-kind reply 03"));
    f.change(&["like", "--undo", "advocacy-1#4"]).unwrap();
    f.change(&["moderate", "pin", THREAD]).unwrap();
    f.change(&["like", &own[0]]).unwrap();
    f.change(&["moderate", "hide", "advocacy-1#5", "--reason", "off topic"])
        .unwrap();
    replies.push(f.reply("Every-kind reply 04"));
    // Edited, then deleted: the deletion must follow the version the edit made,
    // wherever the kill lands.
    for id in &own[4..] {
        f.edit(id, &format!("{id}, last words")).unwrap();
        f.change(&["delete", id]).unwrap();
    }
    // Shown again: the hiding and its end each applied once, in their order.
    f.change(&["moderate", "unhide", "advocacy-1#5"]).unwrap();
    // Last: a locked thread takes no more replies.
    f.change(&["moderate", "lock", THREAD]).unwrap();
    replies
}

/// How often the moderation log says `action` was done to `target`.
fn logged(api: &Api, action: &str, target: &str) -> usize {
    api.get("/admin/log?limit=100")["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == action && e["target"] == target)
        .count()
}

#[test]
fn every_kind_of_entry_survives_kills_of_the_client_mid_drain() {
    const PAIRS: usize = 4;
    let kills = count(24, 160);
    let mut forum = Forum::start();
    let own = forum.own_posts(4 + PAIRS);
    forum.promote();
    forum.client.ok(&["sync"]);
    // How long a sync with nothing to send takes here: the kills land around its end,
    // where the queue is being sent.
    let started = std::time::Instant::now();
    forum.client.ok(&["sync"]);
    let pull = started.elapsed();
    let mut replies = Vec::new();
    forum.offline(|f| replies = queue_every_kind(f, &own));
    let kinds: Vec<String> = live(&forum.client).into_iter().map(|(k, _)| k).collect();
    let mut expected = vec!["reply", "edit", "like", "reply", "edit", "like", "delete"];
    expected.extend([
        "reply", "delete", "unlike", "edit", "like", "reply", "unlike",
    ]);
    expected.extend(["moderation", "like", "moderation", "reply"]);
    expected.extend(["edit", "delete"].repeat(PAIRS));
    expected.extend(["moderation", "moderation"]);
    assert_eq!(
        kinds, expected,
        "queued offline, the two edits of one post as one"
    );

    let mut dice = Dice::new(0x0e1d_17ed);
    let window = 2 * u64::try_from(pull.as_millis()).unwrap().max(20);
    // Kills after which the queue was part sent (for the log: where they land depends on
    // the machine's speed, which the test does not assert on).
    let mut mid_drain = 0;
    for _ in 0..kills {
        killed_sync(&forum.client, pull / 2 + dice.millis(window));
        // Every file still parses after each kill.
        let left = forum.client.outbox();
        if left.is_empty() {
            break;
        }
        if left.len() < expected.len() || left.iter().any(|e| e["state"] != "queued") {
            mid_drain += 1;
        }
    }
    eprintln!("{mid_drain} of the kills landed mid drain (a sync with nothing to send: {pull:?})");
    for _ in 0..6 {
        if forum.client.outbox().is_empty() {
            break;
        }
        sync(&forum.client);
    }
    assert_eq!(
        live(&forum.client),
        Vec::new(),
        "nothing is left in the outbox"
    );

    let api = &forum.member;
    assert_eq!(reply_keys(api, &own), replies, "every reply once, in order");
    let post = |i: usize| held(api, &own[i]);
    assert_eq!(
        (
            post(0).body.as_str(),
            post(0).version,
            post(0).likes,
            post(0).liked
        ),
        ("Own post 0, last fix", 2, 1, true)
    );
    assert_eq!(
        revisions(api, &own[0]),
        ["Own post 0"],
        "one edit, one revision"
    );
    assert_eq!((post(1).deleted, post(1).version), (true, 3));
    assert_eq!(
        revisions(api, &own[1]),
        ["Own post 1", "Own post 1, fixed before it goes"],
        "edited, then deleted on the version the edit made"
    );
    assert_eq!((post(2).deleted, post(2).version), (true, 2));
    assert_eq!(revisions(api, &own[2]), ["Own post 2"]);
    assert_eq!(
        (
            post(3).body.as_str(),
            post(3).version,
            post(3).likes,
            post(3).liked
        ),
        ("Own post 3, fixed", 2, 1, true)
    );
    assert_eq!(revisions(api, &own[3]), ["Own post 3"]);
    for (i, id) in own.iter().enumerate().skip(4) {
        assert_eq!(
            (held(api, id).deleted, held(api, id).version),
            (true, 3),
            "{id}: edited, then deleted"
        );
        assert_eq!(
            revisions(api, id),
            [format!("Own post {i}"), format!("{id}, last words")]
        );
    }
    demo_posts_settled(api);
}

/// The demo's posts: liked or not as the queue said, and the moderator's actions each
/// applied, and logged once whatever the kills.
fn demo_posts_settled(api: &Api) {
    let demo = |n: u32| held(api, &format!("{THREAD}-{n}"));
    assert_eq!((demo(2).likes, demo(2).liked), (1, true), "liked");
    assert_eq!(
        (demo(3).likes, demo(3).liked),
        (0, false),
        "liked, then not"
    );
    assert_eq!((demo(4).likes, demo(4).liked), (0, false), "never liked");
    moderated_once(api);
}

fn moderated_once(api: &Api) {
    let thread = api.get(&format!("/threads/{THREAD}"));
    assert_eq!(
        (&thread["pinned"], &thread["locked"]),
        (&true.into(), &true.into())
    );
    let shown = held(api, &format!("{THREAD}-5")).body;
    assert!(
        !shown.contains("Hidden by a moderator") && !shown.is_empty(),
        "hidden, then shown again: {shown:?}"
    );
    assert_eq!(logged(api, "pin", THREAD), 1, "pinned once");
    assert_eq!(logged(api, "lock", THREAD), 1, "locked once");
    assert_eq!(
        logged(api, "hide", &format!("{THREAD}-5")),
        1,
        "hidden once"
    );
    assert_eq!(
        logged(api, "unhide", &format!("{THREAD}-5")),
        1,
        "shown again once"
    );
}

// ---------------------------------------------------------------- the property

/// What the user does next. Indices pick among what exists when the step runs.
#[derive(Clone, Debug)]
enum Op {
    Reply,
    /// An edit of one of our posts, or of a reply still queued.
    Edit(usize),
    Delete(usize),
    Like(usize),
    Unlike(usize),
    Sync,
    /// A sync killed after this many milliseconds; the next run finishes it.
    KilledSync(u64),
    /// A sync killed after this many milliseconds, and the user goes on queueing: what
    /// it sent is unknown until the next sync.
    Interrupted(u64),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        2 => Just(Op::Reply),
        3 => any::<usize>().prop_map(Op::Edit),
        1 => any::<usize>().prop_map(Op::Delete),
        2 => any::<usize>().prop_map(Op::Like),
        1 => any::<usize>().prop_map(Op::Unlike),
        2 => Just(Op::Sync),
        1 => (0u64..500).prop_map(Op::KilledSync),
        1 => (0u64..500).prop_map(Op::Interrupted),
    ]
}

/// Who wrote a post: ours are edited and deleted, others' only liked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Author {
    Us,
    Someone,
}

/// A post in the reference model (or a reply not yet on the server).
#[derive(Clone, Debug)]
struct Item {
    /// The server's id, once it has the post.
    id: Option<String>,
    /// A reply still in the outbox: its key.
    queued: Option<String>,
    by: Author,
    body: String,
    version: u64,
    deleted: bool,
    /// What the client's cache knows (as of the last sync).
    seen_deleted: bool,
    liked: bool,
    others_likes: u64,
    revisions: Vec<String>,
}

impl Item {
    fn on_server(id: String, held: &Held, by: Author) -> Self {
        Self {
            id: Some(id),
            queued: None,
            by,
            body: held.body.clone(),
            version: held.version,
            deleted: false,
            seen_deleted: false,
            liked: held.liked,
            others_likes: held.likes - u64::from(held.liked),
            revisions: Vec::new(),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Reply,
    Edit,
    Delete,
    Like,
    Unlike,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Reply => "reply",
            Kind::Edit => "edit",
            Kind::Delete => "delete",
            Kind::Like => "like",
            Kind::Unlike => "unlike",
        }
    }
}

/// The reference model: the posts, the entries queued since the last sync, and the
/// entries that stay in the outbox for the user (conflicts, refusals).
#[derive(Debug, Default)]
struct Model {
    items: Vec<Item>,
    /// (item, kind, text, outbox key)
    queue: Vec<(usize, Kind, String, String)>,
    /// A sync was killed since the last one that finished: what it sent is not known.
    unsure: bool,
    stays: Vec<(String, String)>,
    replies: Vec<String>,
    /// Our posts written online before the queue.
    online: Vec<String>,
}

impl Model {
    /// A sync: every queued entry reaches the server, in order.
    fn sync(&mut self) {
        self.unsure = false;
        for (at, kind, body, _) in std::mem::take(&mut self.queue) {
            let item = &mut self.items[at];
            match kind {
                Kind::Reply => {
                    self.replies.push(item.queued.clone().unwrap());
                    item.body = body;
                    item.version = 1;
                }
                // An edit of a post deleted meanwhile (by our own deletion queued before
                // it): both texts are kept for the user to choose.
                Kind::Edit if item.deleted => {
                    self.stays.push(("edit".into(), "conflict".into()));
                }
                Kind::Edit => {
                    item.revisions.push(std::mem::replace(&mut item.body, body));
                    item.version += 1;
                }
                // Deleted already: nothing more to do.
                Kind::Delete if item.deleted => {}
                Kind::Delete => {
                    item.revisions.push(std::mem::take(&mut item.body));
                    item.deleted = true;
                    item.version += 1;
                }
                // A deleted post takes no reactions: refused for good.
                Kind::Like | Kind::Unlike if item.deleted => {
                    self.stays.push((kind.name().into(), "failed".into()));
                }
                Kind::Like | Kind::Unlike => item.liked = kind == Kind::Like,
            }
        }
        for item in &mut self.items {
            item.seen_deleted = item.deleted;
        }
    }
}

/// An edit of item `at` (ours): of a reply still queued, or of a post.
fn edit(forum: &Forum, model: &mut Model, at: usize, body: &str) -> Result<(), TestCaseError> {
    let item = &model.items[at];
    if let Some(key) = item.queued.clone() {
        // A reply still in the outbox: the queued entry takes the text (after a
        // killed sync it may be on its way, and is left alone).
        let said = forum.edit(&key, body);
        if said.is_err() && model.unsure {
            return Ok(());
        }
        let said = said.map_err(TestCaseError::fail)?;
        prop_assert!(
            said.contains("Changed the text of queued reply"),
            "{}",
            said
        );
        body.clone_into(&mut model.items[at].body);
        for (entry_at, kind, text, _) in &mut model.queue {
            if *entry_at == at && *kind == Kind::Reply {
                body.clone_into(text);
            }
        }
    } else {
        let id = item.id.clone().unwrap();
        let said = forum.edit(&id, body);
        let Some(said) = queued_or_refused(model, at, said)? else {
            return Ok(());
        };
        let earlier = model
            .queue
            .iter()
            .position(|(e, kind, _, _)| *e == at && *kind == Kind::Edit);
        let key = key_in(&said);
        if said.contains("only the last text is sent") {
            // Two edits offline: only the last text goes, in the earlier one.
            let merged = model.queue.iter().position(|(_, _, _, k)| *k == key);
            prop_assert!(merged.is_some(), "merged into {}: {:?}", key, model.queue);
            let merged = merged.unwrap();
            prop_assert!(model.unsure || Some(merged) == earlier, "{}", said);
            prop_assert_eq!(model.queue[merged].0, at);
            body.clone_into(&mut model.queue[merged].2);
        } else {
            prop_assert!(said.contains("Queued edit"), "{}", said);
            prop_assert!(model.unsure || earlier.is_none(), "{}", said);
            model.queue.push((at, Kind::Edit, body.to_owned(), key));
        }
    }
    Ok(())
}

/// Runs one step against the client and the model.
fn step(forum: &Forum, model: &mut Model, op: &Op, i: usize) -> Result<(), TestCaseError> {
    let ours: Vec<usize> = (0..model.items.len())
        .filter(|&n| model.items[n].by == Author::Us)
        .collect();
    let pick = |list: &[usize], n: usize| list[n % list.len()];
    match *op {
        Op::Reply => {
            let body = format!("Modelled reply {i}");
            let key = forum.reply(&body);
            model.items.push(Item {
                id: None,
                queued: Some(key),
                by: Author::Us,
                body: body.clone(),
                version: 0,
                deleted: false,
                seen_deleted: false,
                liked: false,
                others_likes: 0,
                revisions: Vec::new(),
            });
            let key = model.items[model.items.len() - 1].queued.clone().unwrap();
            model
                .queue
                .push((model.items.len() - 1, Kind::Reply, body, key));
        }
        Op::Edit(n) => edit(forum, model, pick(&ours, n), &format!("Modelled edit {i}"))?,
        Op::Delete(n) | Op::Like(n) | Op::Unlike(n) => {
            let (kind, args): (Kind, &[&str]) = match op {
                Op::Delete(_) => (Kind::Delete, &["delete"]),
                Op::Like(_) => (Kind::Like, &["like"]),
                _ => (Kind::Unlike, &["like", "--undo"]),
            };
            let candidates: Vec<usize> = if kind == Kind::Delete {
                ours
            } else {
                (0..model.items.len()).collect()
            };
            let item = &model.items[pick(&candidates, n)];
            // A reply not yet sent is no post to delete or like.
            let Some(id) = item.id.clone() else {
                return Ok(());
            };
            let mut args = args.to_vec();
            args.push(&id);
            let at = pick(&candidates, n);
            let Some(said) = queued_or_refused(model, at, forum.change(&args))? else {
                return Ok(());
            };
            prop_assert!(said.contains("Queued"), "{}", said);
            model.queue.push((at, kind, String::new(), key_in(&said)));
        }
        Op::Sync => {
            sync(&forum.client);
            settle(forum, model)?;
        }
        Op::Interrupted(ms) => {
            killed_sync(&forum.client, Duration::from_millis(ms));
            model.unsure = true;
        }
        Op::KilledSync(ms) => {
            killed_sync(&forum.client, Duration::from_millis(ms));
            forum.client.outbox();
            sync(&forum.client);
            settle(forum, model)?;
        }
    }
    Ok(())
}

/// What a command queueing a change of post `at` said; `None` when it refused because
/// the post is deleted, as the client knows (after the last sync, or — after a killed
/// one — when our own deletion of it was queued and may have gone).
fn queued_or_refused(
    model: &Model,
    at: usize,
    said: Result<String, String>,
) -> Result<Option<String>, TestCaseError> {
    let deleting = model
        .queue
        .iter()
        .any(|(e, kind, _, _)| *e == at && *kind == Kind::Delete);
    match said {
        Err(why) if model.items[at].seen_deleted || (model.unsure && deleting) => {
            prop_assert!(why.contains("deleted"), "{}", why);
            Ok(None)
        }
        Ok(said) if model.items[at].seen_deleted => Err(TestCaseError::fail(format!(
            "a change of a deleted post was queued: {said}"
        ))),
        Ok(said) => Ok(Some(said)),
        Err(why) => Err(TestCaseError::fail(why)),
    }
}

/// The outbox key a command named in what it said.
fn key_in(said: &str) -> String {
    said.split_whitespace()
        .find(|w| w.len() == 36 && w.matches('-').count() == 4)
        .unwrap_or_else(|| panic!("no key in {said:?}"))
        .to_owned()
}

/// After a sync: the model moves on, and the server and outbox must match it.
fn settle(forum: &Forum, model: &mut Model) -> Result<(), TestCaseError> {
    model.sync();
    let api = &forum.member;
    for item in &mut model.items {
        if let Some(key) = item.queued.take() {
            item.id = Some(post_of_key(api, &key));
        }
    }
    prop_assert_eq!(
        &reply_keys(api, &model.online),
        &model.replies,
        "each reply once, in order"
    );
    for item in &model.items {
        let id = item.id.as_deref().unwrap();
        let now = held(api, id);
        let expected = Held {
            body: if item.deleted {
                now.body.clone()
            } else {
                item.body.clone()
            },
            deleted: item.deleted,
            version: item.version,
            likes: item.others_likes + u64::from(item.liked),
            liked: item.liked,
        };
        prop_assert_eq!(&now, &expected, "post {}", id);
        if item.by == Author::Us {
            prop_assert_eq!(&revisions(api, id), &item.revisions, "revisions of {}", id);
        }
    }
    prop_assert_eq!(
        &live(&forum.client),
        &model.stays,
        "what stays in the outbox"
    );
    Ok(())
}

/// Runs `ops` from a fresh forum: two posts of ours (items 0 and 1) and two of others
/// (items 2 and 3); then syncs what is left and checks the end state.
fn run(ops: &[Op]) -> Result<Model, TestCaseError> {
    let forum = Forum::start();
    let own = forum.own_posts(2);
    forum.client.ok(&["sync"]);
    let mut model = Model::default();
    model.online.clone_from(&own);
    for id in own {
        let now = held(&forum.member, &id);
        model.items.push(Item::on_server(id, &now, Author::Us));
    }
    for n in [2, 3] {
        let id = format!("{THREAD}-{n}");
        let now = held(&forum.member, &id);
        model.items.push(Item::on_server(id, &now, Author::Someone));
    }
    for (i, op) in ops.iter().enumerate() {
        step(&forum, &mut model, op, i)?;
    }
    // Whatever was still queued goes now.
    sync(&forum.client);
    settle(&forum, &mut model)?;
    Ok(model)
}

/// The cases the property must cover, spelled out (items: 0 and 1 ours, 2 and 3 others',
/// 4 the reply; edits and deletions pick among ours: 0, 1, 4).
#[test]
fn the_model_holds_for_the_named_cases() {
    use Op::{Delete, Edit, KilledSync, Like, Reply, Sync, Unlike};
    let ops = [
        Reply,
        Edit(2), // a reply still in the outbox: the queued entry takes the text
        Edit(0),
        Edit(0), // two edits of one post offline: only the last is sent
        Like(2),
        Unlike(2), // like, then unlike, offline
        Edit(1),
        Delete(1), // deleted after an edit
        Sync,
        Edit(2), // the reply, now a post
        Like(4),
        Delete(0),
        Like(0), // a like of a post our queued deletion removes: refused for good
        Edit(0), // an edit of it: a conflict that keeps our text
        KilledSync(150),
        Like(0),   // deleted, as the client knows now: nothing is queued
        Delete(2), // the reply
    ];
    let model = run(&ops).unwrap();
    assert_eq!(
        model.stays,
        [
            ("like".to_owned(), "failed".to_owned()),
            ("edit".to_owned(), "conflict".to_owned())
        ]
    );
    let reply = &model.items[4];
    assert_eq!(
        (reply.deleted, reply.revisions.as_slice()),
        (
            true,
            ["Modelled edit 1", "Modelled edit 9"]
                .map(str::to_owned)
                .as_slice()
        ),
        "the reply: amended while queued, edited once sent, then deleted"
    );
    assert!(model.items[1].deleted && model.items[0].deleted);
    assert_eq!(model.items[0].revisions, ["Own post 0", "Modelled edit 3"]);
}

proptest! {
    #![proptest_config(config(count(6, 64)))]

    #[test]
    fn any_interleaving_of_every_kind_of_entry_ends_in_the_models_state(
        ops in prop::collection::vec(op(), 1..16),
    ) {
        run(&ops)?;
    }
}

/// The queue sent by the sync engine's flush alone, as a client does that stops (killed,
/// or the network gone) after sending and before the pull that shows the new versions.
fn send_without_pull(forum: &Forum) -> usize {
    use threadmark::remote::{HttpClient, NativeBackend};
    use threadmark::store::{DataDir, Outbox, Secret};
    use threadmark::sync::Pacing;
    use threadmark::sync::flush::{Urgency, flush};
    let server = forum.server.as_ref().unwrap();
    let http = HttpClient::new(&server.url, crate::props::short_timeouts()).unwrap();
    let token = server.member_token.clone().unwrap();
    let mut backend = NativeBackend::new(http, Some(Secret::new(token)));
    let outbox = Outbox::open(&DataDir::new(forum.client.data_dir()).account("work"));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let report = runtime.block_on(flush(
        &mut backend,
        &outbox,
        &mut Pacing::default(),
        jiff::Timestamp::now(),
        Urgency::Now,
    ));
    report.unwrap().sent
}

#[test]
fn a_change_based_on_the_version_our_own_sent_edit_replaced_follows_it() {
    let forum = Forum::start();
    let own = forum.own_posts(2);
    forum.client.ok(&["sync"]);
    forum.edit(&own[0], "Own post 0, first fix").unwrap();
    forum.edit(&own[1], "Own post 1, fixed").unwrap();
    assert_eq!(send_without_pull(&forum), 2);
    // The cache still has the versions before our edits: the next changes are based on
    // them. The newer versions on the server are our own.
    forum.edit(&own[0], "Own post 0, second fix").unwrap();
    forum.change(&["delete", &own[1]]).unwrap();
    sync(&forum.client);

    assert_eq!(
        live(&forum.client),
        Vec::new(),
        "no conflict with ourselves"
    );
    let api = &forum.member;
    let first = held(api, &own[0]);
    assert_eq!(
        (first.body.as_str(), first.version),
        ("Own post 0, second fix", 3)
    );
    assert_eq!(
        revisions(api, &own[0]),
        ["Own post 0", "Own post 0, first fix"]
    );
    let second = held(api, &own[1]);
    assert_eq!((second.deleted, second.version), (true, 3));
    assert_eq!(revisions(api, &own[1]), ["Own post 1", "Own post 1, fixed"]);
}
