//! Contract: every operation in `assets/api/openapi.yaml` is exercised against the real server,
//! and every answer (status, required headers, body) matches what the spec documents.

use crate::common::{Backend, THREAD, TestServer, both_stores, demo_server};
use crate::spec::Contract;
use reqwest::{RequestBuilder, StatusCode};
use serde_json::{Value, json};
use std::collections::BTreeSet;
use threadmark::api::{ProblemCode, headers};

fn keyed(request: RequestBuilder, key: &str) -> RequestBuilder {
    request.header(headers::IDEMPOTENCY_KEY, key)
}

#[test]
fn the_spec_lists_exactly_the_problem_codes_the_server_knows() {
    let contract = Contract::new();
    let listed: BTreeSet<&str> = contract.doc["components"]["schemas"]["ProblemCode"]["enum"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    let known: BTreeSet<&str> = ProblemCode::ALL.iter().map(|c| c.as_str()).collect();
    assert_eq!(listed, known);
}

async fn reads_forum(c: &mut Contract, t: &TestServer) {
    let h = &t.http;
    let (_, status) = c.call("get", "/status", h.get(t.url("/status"))).await;
    assert_eq!(status["api_version"], 1);
    c.call("get", "/tree", h.get(t.url("/tree"))).await;
    let etag = h.get(t.url("/tree")).send().await.unwrap().headers()[headers::ETAG].clone();
    let (s, _) = c
        .call(
            "get",
            "/tree",
            h.get(t.url("/tree")).header(headers::IF_NONE_MATCH, etag),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_MODIFIED);

    let (_, page) = c
        .call(
            "get",
            "/areas/{id}/threads",
            h.get(t.url("/areas/advocacy/threads?limit=1")),
        )
        .await;
    let cursor = page["next_cursor"]
        .as_str()
        .expect("two threads: a second page")
        .to_owned();
    let (_, page) = c
        .call(
            "get",
            "/areas/{id}/threads",
            h.get(t.url(&format!("/areas/advocacy/threads?limit=1&cursor={cursor}"))),
        )
        .await;
    assert_eq!(
        page["threads"][0]["id"], THREAD,
        "most recently active first"
    );
    assert!(page.get("next_cursor").is_none());
    c.call(
        "get",
        "/areas/{id}/threads",
        h.get(t.url("/areas/nope/threads")),
    )
    .await;
    c.call(
        "get",
        "/areas/{id}/threads",
        h.get(t.url("/areas/advocacy/threads?cursor=zz")),
    )
    .await;

    c.call(
        "get",
        "/threads/{id}",
        h.get(t.url(&format!("/threads/{THREAD}"))),
    )
    .await;
    let etag = h
        .get(t.url(&format!("/threads/{THREAD}")))
        .send()
        .await
        .unwrap()
        .headers()[headers::ETAG]
        .clone();
    c.call(
        "get",
        "/threads/{id}",
        h.get(t.url(&format!("/threads/{THREAD}")))
            .header(headers::IF_NONE_MATCH, etag),
    )
    .await;
    c.call("get", "/threads/{id}", h.get(t.url("/threads/nope")))
        .await;
}

/// `GET /posts?thread=…`: several threads' posts in one answer.
async fn posts_of_threads(c: &mut Contract, t: &TestServer) {
    let h = &t.http;
    // Several threads at once: the answer stops at `limit` posts, so a thread named
    // after the one that filled it is in neither list; asked first, it is missing.
    let (_, batch) = c
        .call(
            "get",
            "/posts",
            h.get(t.url(&format!("/posts?thread={THREAD}&thread=nope&limit=3")))
                .bearer_auth(t.member()),
        )
        .await;
    assert_eq!(batch["pages"][0]["thread"]["id"], THREAD);
    assert_eq!(batch["pages"][0]["posts"].as_array().unwrap().len(), 3);
    assert_eq!(batch["pages"][0]["has_more"], true);
    assert_eq!(batch["missing"], json!([]));
    let (_, batch) = c
        .call(
            "get",
            "/posts",
            h.get(t.url(&format!("/posts?thread=nope&thread={THREAD}"))),
        )
        .await;
    assert_eq!(batch["missing"], json!(["nope"]));
    assert_eq!(batch["pages"][0]["has_more"], false);
    assert_eq!(batch["pages"][0]["posts"].as_array().unwrap().len(), 8);
    // A thread that would not fit whole ends the answer when it does not come first:
    // the one-post thread comes, the eight-post one is left to be asked for again.
    let (_, listed) = c
        .call(
            "get",
            "/areas/{id}/threads",
            h.get(t.url("/areas/advocacy/threads?limit=1")),
        )
        .await;
    let newer = listed["threads"][0]["id"].as_str().unwrap();
    assert_ne!(newer, THREAD);
    let (_, batch) = c
        .call(
            "get",
            "/posts",
            h.get(t.url(&format!("/posts?thread={newer}&thread={THREAD}&limit=5"))),
        )
        .await;
    assert_eq!(batch["pages"].as_array().unwrap().len(), 1, "{batch}");
    assert_eq!(batch["pages"][0]["thread"]["id"], newer);
    assert_eq!(batch["pages"][0]["has_more"], false);
    assert_eq!(batch["missing"], json!([]));
    let (s, _) = c.call("get", "/posts", h.get(t.url("/posts"))).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "no thread named");
    c.call(
        "get",
        "/posts",
        h.get(t.url(&format!("/posts?thread={THREAD}")))
            .bearer_auth("tm_bogus"),
    )
    .await;
}

async fn reads_posts(c: &mut Contract, t: &TestServer) {
    let h = &t.http;
    let posts = t.url(&format!("/threads/{THREAD}/posts"));
    let (_, page) = c
        .call(
            "get",
            "/threads/{id}/posts",
            h.get(format!("{posts}?after_seq=2&limit=3"))
                .bearer_auth(t.member()),
        )
        .await;
    assert_eq!(page["posts"][0]["seq"], 3);
    assert_eq!(page["has_more"], true);
    let etag = h.get(&posts).send().await.unwrap().headers()[headers::ETAG].clone();
    c.call(
        "get",
        "/threads/{id}/posts",
        h.get(&posts).header(headers::IF_NONE_MATCH, etag),
    )
    .await;
    c.call(
        "get",
        "/threads/{id}/posts",
        h.get(t.url("/threads/nope/posts")),
    )
    .await;
    c.call(
        "get",
        "/threads/{id}/posts",
        h.get(format!("{posts}?limit=-1")),
    )
    .await;
    c.call(
        "get",
        "/threads/{id}/posts",
        h.get(&posts).bearer_auth("tm_bogus"),
    )
    .await;

    posts_of_threads(c, t).await;

    c.call("get", "/posts/{id}", h.get(t.url("/posts/advocacy-1-3")))
        .await;
    let (s, _) = c
        .call(
            "get",
            "/posts/{id}",
            h.get(t.url("/posts/advocacy-1-3"))
                .header(headers::IF_NONE_MATCH, "\"v1\""),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_MODIFIED, "a post's ETag is its version");
    c.call("get", "/posts/{id}", h.get(t.url("/posts/nope")))
        .await;

    let (_, changes) = c
        .call("get", "/changes", h.get(t.url("/changes?limit=5")))
        .await;
    assert_eq!(changes["has_more"], true);
    c.call("get", "/changes", h.get(t.url("/changes?since=now&wait=0")))
        .await;
    c.call("get", "/changes", h.get(t.url("/changes?since=0000-1")))
        .await;
    c.call("get", "/changes", h.get(t.url("/changes?since=garbage")))
        .await;
}

/// Logs alice in; returns her token.
async fn write_tokens(c: &mut Contract, t: &TestServer) -> String {
    let h = &t.http;
    let (s, grant) = c
        .call(
            "post",
            "/tokens",
            h.post(t.url("/tokens"))
                .json(&json!({"name": "alice", "password": "correct horse", "device": "laptop"})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let alice = grant["token"].as_str().unwrap().to_owned();
    c.call(
        "post",
        "/tokens",
        h.post(t.url("/tokens"))
            .json(&json!({"name": "alice", "password": "wrong"})),
    )
    .await;
    c.call(
        "post",
        "/tokens",
        h.post(t.url("/tokens")).json(&json!({"name": "alice"})),
    )
    .await;
    c.call(
        "post",
        "/tokens",
        h.post(t.url("/tokens")).body("name=alice"),
    )
    .await;
    let (s, _) = c
        .call(
            "post",
            "/register",
            h.post(t.url("/register"))
                .json(&json!({"name": "newcomer", "password": "a long password"})),
        )
        .await;
    assert_eq!(
        s,
        StatusCode::FORBIDDEN,
        "registration is closed by default"
    );
    let (s, me) = c
        .call("get", "/me", h.get(t.url("/me")).bearer_auth(&alice))
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(me["name"], "alice");
    let (s, _) = c.call("get", "/me", h.get(t.url("/me"))).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "no token");
    let (s, _) = c
        .call("get", "/me", h.get(t.url("/me")).bearer_auth("tm_revoked"))
        .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "an unknown token");
    alice
}

async fn write_threads(c: &mut Contract, t: &TestServer, alice: &str) {
    let h = &t.http;
    let threads = t.url("/areas/advocacy/threads");
    let new_thread = json!({"title": "Advocacy toolkits", "body": "What do you use?"});
    let (s, created) = c
        .call(
            "post",
            "/areas/{id}/threads",
            keyed(h.post(&threads).bearer_auth(alice).json(&new_thread), "t-1"),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let (_, replayed) = c
        .call(
            "post",
            "/areas/{id}/threads",
            keyed(h.post(&threads).bearer_auth(alice).json(&new_thread), "t-1"),
        )
        .await;
    assert_eq!(replayed, created);
    c.call(
        "post",
        "/areas/{id}/threads",
        h.post(&threads).bearer_auth(alice).json(&new_thread),
    )
    .await;
    c.call(
        "post",
        "/areas/{id}/threads",
        keyed(
            h.post(&threads)
                .bearer_auth(alice)
                .json(&json!({"title": "", "body": "x"})),
            "t-2",
        ),
    )
    .await;
    c.call(
        "post",
        "/areas/{id}/threads",
        keyed(
            h.post(t.url("/areas/nope/threads"))
                .bearer_auth(alice)
                .json(&new_thread),
            "t-3",
        ),
    )
    .await;
    c.call(
        "post",
        "/areas/{id}/threads",
        keyed(h.post(&threads).json(&new_thread), "t-4"),
    )
    .await;
    c.call(
        "post",
        "/areas/{id}/threads",
        keyed(
            h.post(&threads)
                .bearer_auth(alice)
                .json(&json!({"title": "x", "body": "changed"})),
            "t-1",
        ),
    )
    .await;
}

/// Posts a reply as alice and returns it.
async fn write_posts(c: &mut Contract, t: &TestServer, alice: &str) -> Value {
    let h = &t.http;
    let posts = t.url(&format!("/threads/{THREAD}/posts"));
    let (s, post) = c
        .call(
            "post",
            "/threads/{id}/posts",
            keyed(
                h.post(&posts)
                    .bearer_auth(alice)
                    .json(&json!({"body": "Agreed.", "reply_to": "advocacy-1-3"})),
                "p-1",
            ),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    assert_eq!(post["client_key"], "p-1");
    c.call(
        "post",
        "/threads/{id}/posts",
        keyed(
            h.post(&posts).bearer_auth(alice).json(&json!({"body": ""})),
            "p-2",
        ),
    )
    .await;
    c.call(
        "post",
        "/threads/{id}/posts",
        keyed(
            h.post(t.url("/threads/nope/posts"))
                .bearer_auth(alice)
                .json(&json!({"body": "x"})),
            "p-3",
        ),
    )
    .await;
    c.call(
        "post",
        "/threads/{id}/posts",
        keyed(
            h.post(&posts)
                .bearer_auth(alice)
                .header("content-type", "application/json")
                .body("{"),
            "p-4",
        ),
    )
    .await;

    post
}

/// Likes on a live post; the revisions (and a refused like) of the post `edit_posts` deleted.
async fn react_and_revise(c: &mut Contract, t: &TestServer, alice: &str, post: &Value) {
    let h = &t.http;
    let url = t.url(&format!("/posts/{}", post["id"].as_str().unwrap()));
    let like_url = t.url("/posts/advocacy-1-4/reactions/like");
    let (_, liked) = c
        .call(
            "put",
            "/posts/{id}/reactions/like",
            h.put(&like_url).bearer_auth(t.member()),
        )
        .await;
    assert_eq!(liked["reactions"]["like"], 1);
    c.call("put", "/posts/{id}/reactions/like", h.put(&like_url))
        .await;
    c.call(
        "put",
        "/posts/{id}/reactions/like",
        h.put(t.url("/posts/nope/reactions/like"))
            .bearer_auth(alice),
    )
    .await;
    let (_, unliked) = c
        .call(
            "delete",
            "/posts/{id}/reactions/like",
            h.delete(&like_url).bearer_auth(t.member()),
        )
        .await;
    assert!(unliked.get("reactions").is_none());
    c.call("delete", "/posts/{id}/reactions/like", h.delete(&like_url))
        .await;
    c.call(
        "delete",
        "/posts/{id}/reactions/like",
        h.delete(t.url("/posts/nope/reactions/like"))
            .bearer_auth(alice),
    )
    .await;
    let revisions_url = format!("{url}/revisions");
    let (_, revisions) = c
        .call(
            "get",
            "/posts/{id}/revisions",
            h.get(&revisions_url).bearer_auth(alice),
        )
        .await;
    assert_eq!(revisions["revisions"].as_array().map(Vec::len), Some(2));
    c.call(
        "get",
        "/posts/{id}/revisions",
        h.get(t.url("/posts/nope/revisions")),
    )
    .await;
    c.call(
        "put",
        "/posts/{id}/reactions/like",
        h.put(format!("{url}/reactions/like")).bearer_auth(alice),
    )
    .await;
}

async fn edit_posts(c: &mut Contract, t: &TestServer, alice: &str, post: &Value) {
    let h = &t.http;
    let url = t.url(&format!("/posts/{}", post["id"].as_str().unwrap()));
    c.call(
        "patch",
        "/posts/{id}",
        h.patch(&url)
            .bearer_auth(alice)
            .json(&json!({"body": "Agreed!"})),
    )
    .await;
    let (s, edited) = c
        .call(
            "patch",
            "/posts/{id}",
            h.patch(&url)
                .bearer_auth(alice)
                .header(headers::IF_MATCH, "\"v1\"")
                .json(&json!({"body": "Agreed!"})),
        )
        .await;
    assert_eq!((s, edited["version"].as_u64()), (StatusCode::OK, Some(2)));
    c.call(
        "patch",
        "/posts/{id}",
        h.patch(&url)
            .bearer_auth(alice)
            .header(headers::IF_MATCH, "\"v1\"")
            .json(&json!({"body": "again"})),
    )
    .await;
    c.call(
        "patch",
        "/posts/{id}",
        h.patch(&url)
            .bearer_auth(t.member())
            .header(headers::IF_MATCH, "\"v2\"")
            .json(&json!({"body": "mine now"})),
    )
    .await;
    c.call(
        "patch",
        "/posts/{id}",
        h.patch(&url)
            .bearer_auth(alice)
            .header(headers::IF_MATCH, "\"v2\"")
            .json(&json!({})),
    )
    .await;
    let (_, tombstone) = c
        .call(
            "patch",
            "/posts/{id}",
            h.patch(&url)
                .bearer_auth(t.admin())
                .header(headers::IF_MATCH, "\"v2\"")
                .json(&json!({"deleted": true})),
        )
        .await;
    assert_eq!(tombstone["deleted"], true);
    c.call(
        "patch",
        "/posts/{id}",
        h.patch(&url)
            .bearer_auth(alice)
            .header(headers::IF_MATCH, "\"v3\"")
            .json(&json!({"body": "undelete?"})),
    )
    .await;
    c.call(
        "patch",
        "/posts/{id}",
        h.patch(t.url("/posts/nope"))
            .bearer_auth(alice)
            .header(headers::IF_MATCH, "\"v1\"")
            .json(&json!({"body": "x"})),
    )
    .await;

    let (_, changes) = c
        .call(
            "get",
            "/changes",
            h.get(t.url("/changes?limit=1000")).bearer_auth(alice),
        )
        .await;
    assert!(
        changes["changes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|ch| ch["kind"] == "post" && ch["post"]["deleted"] == true)
    );
}

async fn shape_forum(c: &mut Contract, t: &TestServer, alice: &str) {
    let h = &t.http;
    let admin = t.admin();
    let (s, _) = c
        .call(
            "put",
            "/admin/sections/{id}",
            h.put(t.url("/admin/sections/club"))
                .bearer_auth(&admin)
                .json(&json!({"title": "The club", "position": 1})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    c.call(
        "put",
        "/admin/sections/{id}",
        h.put(t.url("/admin/sections/club"))
            .bearer_auth(&admin)
            .json(&json!({"title": "Our club"})),
    )
    .await;
    c.call(
        "put",
        "/admin/sections/{id}",
        h.put(t.url("/admin/sections/club"))
            .bearer_auth(alice)
            .json(&json!({"title": "Mine"})),
    )
    .await;
    c.call(
        "put",
        "/admin/sections/{id}",
        h.put(t.url("/admin/sections/new"))
            .bearer_auth(&admin)
            .json(&json!({})),
    )
    .await;
    let (s, _) = c
        .call(
            "put",
            "/admin/areas/{id}",
            h.put(t.url("/admin/areas/news")).bearer_auth(&admin).json(
                &json!({"section": "club", "title": "News", "description": "From the board"}),
            ),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    c.call(
        "put",
        "/admin/areas/{id}",
        h.put(t.url("/admin/areas/news"))
            .bearer_auth(&admin)
            .json(&json!({"title": "Board news", "position": 1})),
    )
    .await;
    c.call(
        "put",
        "/admin/areas/{id}",
        h.put(t.url("/admin/areas/other"))
            .bearer_auth(&admin)
            .json(&json!({"section": "nope", "title": "Other"})),
    )
    .await;
}

async fn remove_structure(c: &mut Contract, t: &TestServer, alice: &str) {
    let h = &t.http;
    let admin = t.admin();
    let (s, _) = c
        .call(
            "delete",
            "/admin/sections/{id}",
            h.delete(t.url("/admin/sections/club")).bearer_auth(&admin),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "it holds an area");
    let (s, _) = c
        .call(
            "delete",
            "/admin/areas/{id}",
            h.delete(t.url("/admin/areas/advocacy")).bearer_auth(&admin),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "it holds threads");
    c.call(
        "delete",
        "/admin/areas/{id}",
        h.delete(t.url("/admin/areas/news")).bearer_auth(&admin),
    )
    .await;
    c.call(
        "delete",
        "/admin/areas/{id}",
        h.delete(t.url("/admin/areas/news")).bearer_auth(&admin),
    )
    .await;
    c.call(
        "delete",
        "/admin/sections/{id}",
        h.delete(t.url("/admin/sections/club")).bearer_auth(&admin),
    )
    .await;
    c.call(
        "delete",
        "/admin/sections/{id}",
        h.delete(t.url("/admin/sections/club")).bearer_auth(alice),
    )
    .await;
}

async fn title_and_announce(c: &mut Contract, t: &TestServer, alice: &str) {
    let h = &t.http;
    let admin = t.admin();
    c.call(
        "patch",
        "/admin/forum",
        h.patch(t.url("/admin/forum"))
            .bearer_auth(&admin)
            .json(&json!({"title": "Strategic Framework"})),
    )
    .await;
    c.call(
        "patch",
        "/admin/forum",
        h.patch(t.url("/admin/forum"))
            .bearer_auth(alice)
            .json(&json!({"title": "Mine"})),
    )
    .await;
    c.call(
        "put",
        "/admin/announcement",
        h.put(t.url("/admin/announcement"))
            .bearer_auth(&admin)
            .json(&json!({"text": "AGM on Friday", "severity": "warning"})),
    )
    .await;
    c.call(
        "put",
        "/admin/announcement",
        h.put(t.url("/admin/announcement"))
            .bearer_auth(&admin)
            .json(&json!({"text": ""})),
    )
    .await;
    c.call(
        "delete",
        "/admin/announcement",
        h.delete(t.url("/admin/announcement")).bearer_auth(&admin),
    )
    .await;
    c.call(
        "delete",
        "/admin/announcement",
        h.delete(t.url("/admin/announcement")),
    )
    .await;
    let (_, changes) = c
        .call("get", "/changes", h.get(t.url("/changes?limit=1000")))
        .await;
    assert!(
        changes["changes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|ch| ch["kind"] == "tree"),
        "structure edits are in the feed"
    );
}

async fn moderate(c: &mut Contract, t: &TestServer, alice: &str) {
    let h = &t.http;
    let admin = t.admin();
    let path = t.url(&format!("/mod/threads/{THREAD}"));
    let (_, thread) = c
        .call(
            "patch",
            "/mod/threads/{id}",
            h.patch(&path)
                .bearer_auth(&admin)
                .json(&json!({"pinned": true})),
        )
        .await;
    assert_eq!(thread["pinned"], true);
    c.call(
        "patch",
        "/mod/threads/{id}",
        h.patch(&path)
            .bearer_auth(alice)
            .json(&json!({"locked": true})),
    )
    .await;
    c.call(
        "patch",
        "/mod/threads/{id}",
        h.patch(t.url("/mod/threads/nope"))
            .bearer_auth(&admin)
            .json(&json!({"locked": true})),
    )
    .await;
    c.call(
        "patch",
        "/mod/threads/{id}",
        h.patch(&path)
            .bearer_auth(&admin)
            .json(&json!({"pinned": false})),
    )
    .await;
    let (_, post) = c
        .call(
            "patch",
            "/mod/posts/{id}",
            h.patch(t.url("/mod/posts/advocacy-1-5"))
                .bearer_auth(&admin)
                .json(&json!({"hidden": true, "reason": "off topic"})),
        )
        .await;
    assert_eq!(post["body"], "*Hidden by a moderator: off topic*");
    c.call(
        "patch",
        "/mod/posts/{id}",
        h.patch(t.url("/mod/posts/advocacy-1-5"))
            .bearer_auth(alice)
            .json(&json!({"hidden": false})),
    )
    .await;
    c.call(
        "patch",
        "/mod/posts/{id}",
        h.patch(t.url("/mod/posts/advocacy-1-5"))
            .bearer_auth(&admin)
            .json(&json!({"hidden": false})),
    )
    .await;
    let (_, log) = c
        .call(
            "get",
            "/admin/log",
            h.get(t.url("/admin/log?limit=10")).bearer_auth(&admin),
        )
        .await;
    assert_eq!(log["entries"][0]["action"], "unhide");
    c.call(
        "get",
        "/admin/log",
        h.get(t.url("/admin/log")).bearer_auth(alice),
    )
    .await;
}

async fn split(c: &mut Contract, t: &TestServer, alice: &str) {
    let (h, admin) = (&t.http, t.admin());
    let split = t.url(&format!("/mod/threads/{THREAD}/split"));
    let (s, done) = c
        .call(
            "post",
            "/mod/threads/{id}/split",
            keyed(h.post(&split).bearer_auth(&admin), "split-1")
                .json(&json!({"from": "advocacy-1-7", "title": "The last two"})),
        )
        .await;
    assert_eq!(
        (s, done["original"]["id"].as_str()),
        (StatusCode::CREATED, Some(THREAD))
    );
    for (who, key, from) in [
        (alice, "split-2", "advocacy-1-6"),
        (admin.as_str(), "split-3", "advocacy-1-1"),
    ] {
        c.call(
            "post",
            "/mod/threads/{id}/split",
            keyed(h.post(&split).bearer_auth(who), key).json(&json!({"from": from})),
        )
        .await;
    }
}

async fn silence(c: &mut Contract, t: &TestServer, alice: &str) {
    let h = &t.http;
    let admin = t.admin();
    let user = t.url("/mod/users/demo");
    let (_, silenced) = c
        .call(
            "patch",
            "/mod/users/{name}",
            h.patch(&user)
                .bearer_auth(&admin)
                .json(&json!({"silenced_until": "2999-01-01T00:00:00Z"})),
        )
        .await;
    assert_eq!(silenced["silenced_until"], "2999-01-01T00:00:00Z");
    for (token, url, until) in [
        (alice, user.clone(), json!("2999-01-01T00:00:00Z")),
        (admin.as_str(), t.url("/mod/users/nobody"), Value::Null),
        (admin.as_str(), user.clone(), json!("2000-01-01T00:00:00Z")),
        (admin.as_str(), user.clone(), Value::Null),
    ] {
        c.call(
            "patch",
            "/mod/users/{name}",
            h.patch(url)
                .bearer_auth(token)
                .json(&json!({ "silenced_until": until })),
        )
        .await;
    }
}

async fn switch_modes(c: &mut Contract, t: &TestServer, alice: &str) {
    let h = &t.http;
    let threads = t.url("/areas/advocacy/threads");
    let new_thread = json!({"title": "Advocacy toolkits", "body": "What do you use?"});
    let posts = t.url(&format!("/threads/{THREAD}/posts"));
    let mode = t.url("/admin/mode");
    c.call(
        "put",
        "/admin/mode",
        h.put(&mode)
            .bearer_auth(alice)
            .json(&json!({"mode": "read-only"})),
    )
    .await;
    c.call(
        "put",
        "/admin/mode",
        h.put(&mode).json(&json!({"mode": "read-only"})),
    )
    .await;
    c.call(
        "put",
        "/admin/mode",
        h.put(&mode)
            .bearer_auth(t.admin())
            .json(&json!({"mode": "sleeping"})),
    )
    .await;
    let (_, status) = c.call("put", "/admin/mode", h.put(&mode).bearer_auth(t.admin()).json(&json!({"mode": "read-only", "banner": {"text": "Upgrading", "ends_at": "2030-04-25T00:00:00Z"}}))).await;
    assert_eq!(status["mode"], "read-only");
    c.call("get", "/status", h.get(t.url("/status"))).await;
    c.call(
        "post",
        "/threads/{id}/posts",
        keyed(
            h.post(&posts)
                .bearer_auth(alice)
                .json(&json!({"body": "later"})),
            "p-5",
        ),
    )
    .await;
    c.call(
        "post",
        "/areas/{id}/threads",
        keyed(h.post(&threads).bearer_auth(alice).json(&new_thread), "t-5"),
    )
    .await;
    c.call(
        "post",
        "/tokens",
        h.post(t.url("/tokens"))
            .json(&json!({"name": "alice", "password": "correct horse"})),
    )
    .await;
    c.call(
        "patch",
        "/posts/{id}",
        h.patch(t.url("/posts/advocacy-1-2"))
            .bearer_auth(t.admin())
            .header(headers::IF_MATCH, "\"v1\"")
            .json(&json!({"body": "x"})),
    )
    .await;
    c.call(
        "put",
        "/admin/mode",
        h.put(&mode)
            .bearer_auth(t.admin())
            .json(&json!({"mode": "maintenance"})),
    )
    .await;
    for (path, template) in [
        ("/tree", "/tree"),
        ("/changes", "/changes"),
        ("/threads/advocacy-1", "/threads/{id}"),
        ("/threads/advocacy-1/posts", "/threads/{id}/posts"),
        ("/posts/advocacy-1-1", "/posts/{id}"),
        ("/areas/advocacy/threads", "/areas/{id}/threads"),
    ] {
        let (s, _) = c.call("get", template, h.get(t.url(path))).await;
        assert_eq!(s, StatusCode::SERVICE_UNAVAILABLE);
    }
    let (_, status) = c
        .call(
            "put",
            "/admin/mode",
            h.put(&mode)
                .bearer_auth(t.admin())
                .json(&json!({"mode": "open"})),
        )
        .await;
    assert_eq!(status["mode"], "open");
}

async fn limits(c: &mut Contract, store: &Backend) {
    let t = demo_server(store, |config| {
        config.limits.writes_per_minute = 1;
        config.limits.write_burst = 2;
        config.limits.max_body_bytes = 1024;
        config.limits.reads_per_minute = 1;
        config.limits.read_burst = 1;
    })
    .await;
    let h = &t.http;
    let posts = t.url(&format!("/threads/{THREAD}/posts"));
    let (s, _) = c
        .call(
            "post",
            "/threads/{id}/posts",
            keyed(
                h.post(&posts)
                    .bearer_auth(t.member())
                    .json(&json!({"body": "y".repeat(2000)})),
                "big",
            ),
        )
        .await;
    assert_eq!(s, StatusCode::PAYLOAD_TOO_LARGE);
    c.call(
        "post",
        "/threads/{id}/posts",
        keyed(
            h.post(&posts)
                .bearer_auth(t.member())
                .json(&json!({"body": "ok"})),
            "one",
        ),
    )
    .await;
    let (s, _) = c
        .call(
            "post",
            "/threads/{id}/posts",
            keyed(
                h.post(&posts)
                    .bearer_auth(t.member())
                    .json(&json!({"body": "ok"})),
                "two",
            ),
        )
        .await;
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS);
    c.call("get", "/status", h.get(t.url("/status"))).await;
    let (s, _) = c.call("get", "/status", h.get(t.url("/status"))).await;
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS);
}

both_stores! {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn every_endpoint_answers_as_the_spec_says(store) {
        let t = demo_server(&store, |_| {}).await;
        let hash = threadmark::server::db::users::hash_password("correct horse").unwrap();
        t.server
            .store()
            .add_user("alice".into(), Some(hash), false, None)
            .await
            .unwrap();
        let mut contract = Contract::new();
        // A second, newer thread leads the area's list, so the demo thread is on page two.
        let created = t
            .http
            .post(t.url("/areas/advocacy/threads"))
            .bearer_auth(t.member())
            .header(headers::IDEMPOTENCY_KEY, "seed")
            .json(&json!({"title": "Second", "body": "Another thread"}))
            .send()
            .await
            .unwrap();
        assert_eq!(created.status(), StatusCode::CREATED);

        reads_forum(&mut contract, &t).await;
        reads_posts(&mut contract, &t).await;
        let alice = write_tokens(&mut contract, &t).await;
        write_threads(&mut contract, &t, &alice).await;
        let post = write_posts(&mut contract, &t, &alice).await;
        edit_posts(&mut contract, &t, &alice, &post).await;
        crate::contract_reading::read_marks(&mut contract, &t, &alice).await;
        crate::contract_places::watch_and_bookmark(&mut contract, &t, &alice, post["id"].as_str().unwrap()).await;
        crate::contract_inbox::inbox(&mut contract, &t, &alice).await;
        react_and_revise(&mut contract, &t, &alice, &post).await;
        shape_forum(&mut contract, &t, &alice).await;
        remove_structure(&mut contract, &t, &alice).await;
        title_and_announce(&mut contract, &t, &alice).await;
        moderate(&mut contract, &t, &alice).await;
        split(&mut contract, &t, &alice).await;
        silence(&mut contract, &t, &alice).await;
        switch_modes(&mut contract, &t, &alice).await;
        limits(&mut contract, &store).await;
        assert_eq!(contract.uncovered_operations(), Vec::<String>::new());
        let statuses: BTreeSet<u16> = contract.covered.iter().map(|(_, _, s)| *s).collect();
        for expected in [
            200, 201, 304, 400, 401, 403, 404, 409, 410, 412, 413, 415, 422, 428, 429, 503,
        ] {
            assert!(statuses.contains(&expected), "no call answered {expected}");
        }
    }
}
