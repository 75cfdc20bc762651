//! Roles × endpoints: every operation of API v1, as `assets/api/openapi.yaml` lists it,
//! called over HTTP by each kind of caller — nobody, a reader, a silenced member, a
//! member, a moderator, an admin — and answered either as allowed or as refused with
//! the reason (`401` to sign in, `403 forbidden` naming the role needed, or the silence).
//! An endpoint added to the spec without a row here fails the test.

use crate::cli::{serve, stdout};
use crate::common::{THREAD, TestServer, both_stores, demo_server, json_of};
use crate::moderation::user_with_token;
use crate::spec::Contract;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use threadmark::api::{Role, headers};
use threadmark::server::Registration;

/// How an endpoint answers one caller.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Answer {
    /// 2xx (or 304).
    Allowed,
    /// 401: sign in first.
    SignIn,
    /// 403 `forbidden`, the detail naming this role as the one needed.
    Needs(&'static str),
    /// 403 `forbidden`: a moderator silenced the caller.
    Silenced,
}
use Answer::{Allowed, Needs, SignIn, Silenced};

/// The callers, weakest first (so an admin's removals come after everyone else's tries).
const CALLERS: [&str; 6] = [
    "nobody",
    "reader",
    "silenced",
    "member",
    "moderator",
    "admin",
];

const EVERYONE: [Answer; 6] = [Allowed; 6];
const SIGNED_IN: [Answer; 6] = [SignIn, Allowed, Allowed, Allowed, Allowed, Allowed];
const POSTERS: [Answer; 6] = [SignIn, Needs("member"), Silenced, Allowed, Allowed, Allowed];
const MODERATORS: [Answer; 6] = [
    SignIn,
    Needs("moderator"),
    Needs("moderator"),
    Needs("moderator"),
    Allowed,
    Allowed,
];
const ADMINS: [Answer; 6] = [
    SignIn,
    Needs("admin"),
    Needs("admin"),
    Needs("admin"),
    Needs("admin"),
    Allowed,
];

/// One endpoint's row: the spec's method and path template, the path called (`{ROLE}`
/// becomes the caller's name, `{MINE}` a post of the caller's own), the body (`{ROLE}`
/// replaced too) and the answer per caller in [`CALLERS`] order.
struct Row {
    method: &'static str,
    template: &'static str,
    path: &'static str,
    body: Value,
    answers: [Answer; 6],
}

/// Every endpoint, in the order they are called: (method, template, path, body, answers).
#[rustfmt::skip]
const TABLE: &[(&str, &str, &str, &str, [Answer; 6])] = &[
    ("get", "/status", "/status", "", EVERYONE),
    ("post", "/tokens", "/tokens", r#"{"name": "alice", "password": "correct horse"}"#, EVERYONE),
    ("post", "/register", "/register", r#"{"name": "new-{ROLE}", "password": "a long password"}"#, EVERYONE),
    ("get", "/me", "/me", "", SIGNED_IN),
    ("get", "/tree", "/tree", "", EVERYONE),
    ("get", "/areas/{id}/threads", "/areas/advocacy/threads", "", EVERYONE),
    ("post", "/areas/{id}/threads", "/areas/advocacy/threads", r#"{"title": "From {ROLE}", "body": "A new thread."}"#, POSTERS),
    ("get", "/threads/{id}", "/threads/advocacy-1", "", EVERYONE),
    ("get", "/threads/{id}/posts", "/threads/advocacy-1/posts", "", EVERYONE),
    ("post", "/threads/{id}/posts", "/threads/advocacy-1/posts", r#"{"body": "Hello from {ROLE}."}"#, POSTERS),
    ("get", "/threads/{id}/read", "/threads/advocacy-1/read", "", SIGNED_IN),
    ("put", "/threads/{id}/read", "/threads/advocacy-1/read", r#"{"read_to_seq": 2}"#, SIGNED_IN),
    ("put", "/threads/{id}/watch", "/threads/advocacy-1/watch", r#"{"level": "tracking"}"#, SIGNED_IN),
    ("put", "/areas/{id}/watch", "/areas/advocacy/watch", r#"{"level": "muted"}"#, SIGNED_IN),
    ("get", "/bookmarks", "/bookmarks", "", SIGNED_IN),
    ("post", "/bookmarks", "/bookmarks", r#"{"post_id": "advocacy-1-2"}"#, SIGNED_IN),
    ("delete", "/bookmarks/{post_id}", "/bookmarks/advocacy-1-2", "", SIGNED_IN),
    ("get", "/posts", "/posts?thread=advocacy-1", "", EVERYONE),
    ("get", "/posts/{id}", "/posts/advocacy-1-2", "", EVERYONE),
    // Each caller edits a post of their own: a reader or a silenced member may not.
    ("patch", "/posts/{id}", "/posts/{MINE}", r#"{"body": "Edited by {ROLE}."}"#, POSTERS),
    ("get", "/posts/{id}/revisions", "/posts/advocacy-1-2/revisions", "", EVERYONE),
    ("put", "/posts/{id}/reactions/like", "/posts/advocacy-1-2/reactions/like", "", SIGNED_IN),
    ("delete", "/posts/{id}/reactions/like", "/posts/advocacy-1-2/reactions/like", "", SIGNED_IN),
    ("get", "/changes", "/changes", "", EVERYONE),
    ("get", "/notifications", "/notifications", "", SIGNED_IN),
    ("put", "/notifications/read", "/notifications/read", r#"{"all": true}"#, SIGNED_IN),
    ("get", "/messages", "/messages", "", SIGNED_IN),
    ("post", "/messages", "/messages", r#"{"to": ["alice"], "title": "From {ROLE}", "body": "Just us."}"#, POSTERS),
    ("get", "/users", "/users?prefix=a", "", SIGNED_IN),
    ("patch", "/mod/threads/{id}", "/mod/threads/advocacy-1", r#"{"pinned": true}"#, MODERATORS),
    // Each caller splits off a post of their own (the weaker ones are refused first).
    ("post", "/mod/threads/{id}/split", "/mod/threads/advocacy-1/split", r#"{"from": "{MINE}"}"#, MODERATORS),
    ("patch", "/mod/posts/{id}", "/mod/posts/advocacy-1-4", r#"{"hidden": true, "reason": "off topic"}"#, MODERATORS),
    ("patch", "/mod/users/{name}", "/mod/users/alice", r#"{"silenced_until": "2999-01-01T00:00:00Z"}"#, MODERATORS),
    ("get", "/admin/log", "/admin/log", "", MODERATORS),
    ("put", "/admin/mode", "/admin/mode", r#"{"mode": "open"}"#, ADMINS),
    ("patch", "/admin/forum", "/admin/forum", r#"{"title": "Ours"}"#, ADMINS),
    ("put", "/admin/announcement", "/admin/announcement", r#"{"text": "Hello"}"#, ADMINS),
    ("delete", "/admin/announcement", "/admin/announcement", "", ADMINS),
    ("put", "/admin/sections/{id}", "/admin/sections/club", r#"{"title": "Club"}"#, ADMINS),
    ("put", "/admin/areas/{id}", "/admin/areas/club-news", r#"{"section": "club", "title": "News"}"#, ADMINS),
    ("delete", "/admin/areas/{id}", "/admin/areas/club-news", "", ADMINS),
    ("delete", "/admin/sections/{id}", "/admin/sections/club", "", ADMINS),
];

fn table() -> Vec<Row> {
    TABLE
        .iter()
        .map(|&(method, template, path, body, answers)| Row {
            method,
            template,
            path,
            body: if body.is_empty() {
                Value::Null
            } else {
                serde_json::from_str(body).unwrap()
            },
            answers,
        })
        .collect()
}

/// The spec's operations as `(method, template)`.
fn spec_operations() -> BTreeSet<(String, String)> {
    let contract = Contract::new();
    let mut operations = BTreeSet::new();
    for (path, item) in contract.doc["paths"].as_object().unwrap() {
        for method in ["get", "post", "put", "patch", "delete"] {
            if item.get(method).is_some() {
                operations.insert((method.to_owned(), path.clone()));
            }
        }
    }
    operations
}

/// What one caller got: the answer it amounts to, and the body to show when it is not
/// the one expected.
async fn ask(
    t: &TestServer,
    caller: &str,
    token: Option<&str>,
    row: &Row,
    mine: &str,
) -> (Option<Answer>, String) {
    let path = row.path.replace("{ROLE}", caller).replace("{MINE}", mine);
    let mut request = t
        .http
        .request(row.method.to_uppercase().parse().unwrap(), t.url(&path))
        .header(
            headers::IDEMPOTENCY_KEY,
            format!("{}-{path}-{caller}", row.method),
        );
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if row.method == "patch" && row.template == "/posts/{id}" {
        let current = t.http.get(t.url(&path)).send().await.unwrap();
        let etag = current.headers()[headers::ETAG]
            .to_str()
            .unwrap()
            .to_owned();
        request = request.header(headers::IF_MATCH, etag);
    }
    if !row.body.is_null() {
        let body = row
            .body
            .to_string()
            .replace("{ROLE}", caller)
            .replace("{MINE}", mine);
        request = request.json(&serde_json::from_str::<Value>(&body).unwrap());
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    let text = response.text().await.unwrap();
    let problem: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
    let detail = problem["detail"].as_str().unwrap_or_default();
    let answer = match (status, problem["code"].as_str()) {
        (s, _) if s.is_success() || s == StatusCode::NOT_MODIFIED => Some(Allowed),
        (StatusCode::UNAUTHORIZED, Some("unauthorized")) => Some(SignIn),
        (StatusCode::FORBIDDEN, Some("forbidden")) if detail.contains("silenced you") => {
            Some(Silenced)
        }
        (StatusCode::FORBIDDEN, Some("forbidden")) => ["reader", "member", "moderator", "admin"]
            .into_iter()
            .find(|role| detail.contains(&format!("role needed: {role}")))
            .map(Needs),
        _ => None,
    };
    (answer, format!("{status} {text}"))
}

/// Makes the callers: a reader and a silenced member who each wrote a post while they
/// were members, and a moderator; answers (name → token) and (name → their post).
async fn callers(
    t: &TestServer,
) -> (
    BTreeMap<&'static str, String>,
    BTreeMap<&'static str, String>,
) {
    let mut tokens = BTreeMap::from([("member", t.member()), ("admin", t.admin())]);
    tokens.insert("moderator", user_with_token(t, "moderator", true));
    tokens.insert("reader", user_with_token(t, "reader", false));
    tokens.insert("silenced", user_with_token(t, "silenced", false));
    let mut posts = BTreeMap::new();
    for (name, token) in &tokens {
        let made = json_of(
            crate::common::reply(
                &t.http,
                t.server.url().as_str(),
                token,
                THREAD,
                &format!("own-{name}"),
                &json!({"body": format!("Mine, {name}'s.")}),
            )
            .await,
            StatusCode::CREATED,
        )
        .await;
        posts.insert(*name, made["id"].as_str().unwrap().to_owned());
    }
    posts.insert("nobody", posts["member"].clone());
    let said = stdout(&serve(
        t.dir.path(),
        &t.store,
        &["user", "role", "reader", "reader"],
        "",
    ));
    assert_eq!(said, "reader is now a reader\n");
    let silenced = t
        .http
        .patch(t.url("/mod/users/silenced"))
        .bearer_auth(t.admin())
        .json(&json!({"silenced_until": "2999-01-01T00:00:00Z"}))
        .send()
        .await
        .unwrap();
    assert_eq!(silenced.status(), StatusCode::OK);
    (tokens, posts)
}

both_stores! {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn every_endpoint_answers_each_role_as_it_should(store) {
        let t = demo_server(&store, |c| c.registration = Registration::Open(Role::Member)).await;
        let hash = threadmark::server::db::users::hash_password("correct horse").unwrap();
        t.server.store().add_user("alice".into(), Some(hash), false, None).await.unwrap();
        let (tokens, posts) = callers(&t).await;

        let table = table();
        let rows: BTreeSet<(String, String)> =
            table.iter().map(|r| (r.method.to_owned(), r.template.to_owned())).collect();
        assert_eq!(rows.len(), table.len(), "one row per endpoint");
        assert_eq!(rows, spec_operations(), "every endpoint of the spec has a row, and only those");

        let mut wrong = Vec::new();
        for row in &table {
            for (caller, expected) in CALLERS.iter().zip(row.answers) {
                let token = tokens.get(caller).map(String::as_str);
                let (got, said) = ask(&t, caller, token, row, &posts[caller]).await;
                if got != Some(expected) {
                    wrong.push(format!(
                        "{} {} as {caller}: expected {expected:?}, got {got:?}: {said}",
                        row.method.to_uppercase(),
                        row.template
                    ));
                }
            }
        }
        assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    }
}
