//! `threadmark edit`, `delete` and `like` against the real reference server: queued while
//! the forum is read-only, sent once each and in order when it reopens, and an edit that
//! meets a newer version becomes a conflict that keeps both texts.

use crate::serve::{Client, Served, text};
use crate::support::api::Api;
use serde_json::{Value, json};

fn signed_in() -> (tempfile::TempDir, Served, Client, Api) {
    let store = tempfile::tempdir().unwrap();
    let server = Served::demo(store.path(), &[]);
    let client = Client::default();
    client.sign_in(&server.url, server.member_token.as_ref().unwrap());
    let api = Api::new(&server.url, server.member_token.as_ref().unwrap());
    (store, server, client, api)
}

fn write(dir: &std::path::Path, name: &str, body: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, body).unwrap();
    path.display().to_string()
}

fn revisions(api: &Api, id: &str) -> Vec<String> {
    api.get(&format!("/posts/{id}/revisions"))["revisions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["body"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn edits_deletes_and_likes_queued_while_read_only_go_once_each_in_order() {
    let (_store, server, client, api) = signed_in();
    let admin = Api::new(&server.url, server.admin_token.as_ref().unwrap());
    let mine = api.reply("advocacy-1", "teh frist draft");
    let id = mine["id"].as_str().unwrap().to_owned();
    client.ok(&["sync"]);
    admin.set_mode("read-only", Some("Upgrading"));
    let files = tempfile::tempdir().unwrap();

    let said = client.ok(&[
        "edit",
        &id,
        "--file",
        &write(files.path(), "a", "the first draft"),
    ]);
    assert!(said.contains("Queued edit"), "{said}");
    let said = client.ok(&[
        "edit",
        &id,
        "--file",
        &write(files.path(), "b", "the final text"),
    ]);
    assert!(said.contains("only the last text is sent"), "{said}");
    client.ok(&["like", "advocacy-1#2"]);
    client.ok(&["delete", &id]);
    let kinds: Vec<Value> = client
        .outbox()
        .iter()
        .map(|e| e["target"]["kind"].clone())
        .collect();
    assert_eq!(kinds, vec![json!("edit"), json!("like"), json!("delete")]);
    let listed = client.ok(&["outbox"]);
    assert!(listed.contains("Edit of demo"), "{listed}");
    assert!(listed.contains("Deletion of demo"), "{listed}");

    let out = client.run(&["sync"]);
    let states: Vec<Value> = client.outbox().iter().map(|e| e["state"].clone()).collect();
    assert_eq!(
        states,
        vec![json!("held"); 3],
        "read-only holds every kind: {}",
        text(&out.stderr)
    );

    admin.set_mode("open", None);
    client.ok(&["sync"]);
    // One edit (the last text), then the deletion based on the version the edit made.
    assert_eq!(
        revisions(&api, &id),
        vec!["teh frist draft", "the final text"]
    );
    let post = api.get(&format!("/posts/{id}"));
    assert_eq!(
        (post["deleted"].clone(), post["version"].clone()),
        (json!(true), json!(3))
    );
    let liked = api.get("/posts/advocacy-1-2");
    assert_eq!(
        (liked["reactions"].clone(), liked["me"].clone()),
        (json!({"like": 1}), json!(["like"]))
    );
    client.ok(&["sync"]);
    assert_eq!(client.outbox(), Vec::<Value>::new(), "every entry done");

    // The like is counted where the post is shown: the header and the JSON.
    let shown = client.ok(&["read", "advocacy-1", "--no-pager"]);
    let header = shown.lines().find(|l| l.contains("#2")).unwrap_or_default();
    assert!(header.contains("1 like, yours"), "{shown}");
    let json: Value = serde_json::from_str(&client.ok(&["read", "advocacy-1", "--json"])).unwrap();
    let second = json["posts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["seq"] == 2)
        .unwrap();
    assert_eq!(
        (second["likes"].clone(), second["liked"].clone()),
        (json!(1), json!(true))
    );
    let first = json["posts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["seq"] == 1)
        .unwrap();
    assert_eq!(
        (first["likes"].clone(), first["liked"].clone()),
        (json!(0), json!(false))
    );
}

#[test]
fn an_edit_that_meets_a_newer_version_is_a_conflict_and_keep_mine_sends_it_on_theirs() {
    let (_store, server, client, api) = signed_in();
    let post = api.reply("advocacy-1", "version one");
    let id = post["id"].as_str().unwrap().to_owned();
    client.ok(&["sync"]);
    // The author changes it from another device; this client has not seen it.
    api.edit(&post, Some("changed elsewhere"), false);
    let files = tempfile::tempdir().unwrap();
    client.ok(&[
        "edit",
        &id,
        "--file",
        &write(files.path(), "m", "changed here"),
    ]);
    client.ok(&["sync"]);

    let entries = client.outbox();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0]["state"], "conflict", "{}", entries[0]);
    assert_eq!(entries[0]["theirs"], "changed elsewhere");
    assert_eq!(entries[0]["body"], "changed here", "ours is kept");
    assert_eq!(
        api.get(&format!("/posts/{id}"))["body"],
        "changed elsewhere",
        "never sent blindly"
    );
    let key = entries[0]["key"].as_str().unwrap().to_owned();

    let said = client.ok(&["outbox", "keep", &key]);
    assert!(said.contains("version 2"), "{said}");
    let discarded = client
        .data_dir()
        .join("accounts")
        .join("work")
        .join("outbox")
        .join("discarded");
    let kept: Vec<String> = std::fs::read_dir(&discarded)
        .map(|d| {
            d.map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    assert!(
        kept.iter().any(|f| f.contains(&key)),
        "ours kept under outbox/discarded/: {kept:?} in {}",
        discarded.display()
    );
    client.ok(&["sync"]);
    assert_eq!(api.get(&format!("/posts/{id}"))["body"], "changed here");
    assert_eq!(
        revisions(&api, &id),
        vec!["version one", "changed elsewhere"]
    );
    drop(server);
}
